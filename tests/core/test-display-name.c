#include "config.h"

#include "dropify-core.h"

/* What a hostile peer might call itself, and what this device keeps. The
 * tests run without a message catalog, so the fallbacks are in English. */
static const struct {
  const char *input;
  const char *device;
  const char *file;
} names[] = {
  /* A terminal escape that erases the line, then a carriage return. */
  { "Laptop\x1b[2K\rEvil", "Laptop[2KEvil", "Laptop[2KEvil" },
  { "\x1b]0;title\x07Phone", "]0;titlePhone", "]0;titlePhone" },
  { "Ring\x07", "Ring", "Ring" },
  /* Reads as “invoiceexe.pdf” when the override is kept. */
  { "invoice\u202Efdp.exe", "invoicefdp.exe", "invoicefdp.exe" },
  { "\u2066Name\u2069", "Name", "Name" },
  { "A\u200E\u200F\u061C\u202A\u202B\u202C\u202DB\u2028\u2029", "AB", "AB" },
  /* DEL, and the C1 controls NEL and CSI. */
  { "\x7f\xc2\x85\xc2\x9bX", "X", "X" },
  { "  spaced\t ", "spaced", "spaced" },
  { "\x1b\r\n\t\x07\u202E\u2067", "Unnamed device", "file" },
  { "", "Unnamed device", "file" },
  /* Real scripts, right to left, and what emoji and accents are made of. */
  { "جهاز أحمد", "جهاز أحمد", "جهاز أحمد" },
  { "המחשב של דנה", "המחשב של דנה", "המחשב של דנה" },
  { "\U0001F469\u200D\U0001F4BB Laptop", "\U0001F469\u200D\U0001F4BB Laptop",
    "\U0001F469\u200D\U0001F4BB Laptop" },
  { "Cafe\u0301 \U0001F1EB\U0001F1F7", "Cafe\u0301 \U0001F1EB\U0001F1F7",
    "Cafe\u0301 \U0001F1EB\U0001F1F7" },
};

static void
test_display_name_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *device = dropify_display_name_clean_device (names[i].input);
      g_autofree char *file = dropify_display_name_clean_file (names[i].input);

      g_test_message ("name %u", i);
      g_assert_cmpstr (device, ==, names[i].device);
      g_assert_cmpstr (file, ==, names[i].file);
    }
}

static void
test_display_name_null (void)
{
  g_autofree char *device = dropify_display_name_clean_device (NULL);
  g_autofree char *file = dropify_display_name_clean_file (NULL);

  g_assert_cmpstr (device, ==, "Unnamed device");
  g_assert_cmpstr (file, ==, "file");
}

/* Bytes that are not UTF-8 become U+FFFD, never reach the screen raw. */
static void
test_display_name_invalid_utf8 (void)
{
  g_autofree char *device = dropify_display_name_clean_device ("Bad\xff\xfe\xc3Name");

  g_assert_true (g_utf8_validate (device, -1, NULL));
  g_assert_true (g_str_has_prefix (device, "Bad\uFFFD"));
  g_assert_true (g_str_has_suffix (device, "\uFFFDName"));
}

static void
test_display_name_length (void)
{
  g_autoptr(GString) long_name = g_string_new (NULL);
  g_autoptr(GString) accents = g_string_new (NULL);
  g_autoptr(GString) joined = g_string_new (NULL);
  g_autofree char *device = NULL;
  g_autofree char *file = NULL;
  g_autofree char *cut = NULL;
  g_autofree char *expected = NULL;

  for (guint i = 0; i < 500; i++)
    g_string_append_c (long_name, 'a');
  device = dropify_display_name_clean_device (long_name->str);
  g_assert_cmpint (g_utf8_strlen (device, -1), ==, DROPIFY_DISPLAY_NAME_MAX_DEVICE_CHARS);
  file = dropify_display_name_clean_file (long_name->str);
  g_assert_cmpuint (strlen (file), ==, DROPIFY_DISPLAY_NAME_MAX_FILE_BYTES);
  g_clear_pointer (&file, g_free);

  /* Two bytes each: the cut falls between characters, not inside one. */
  for (guint i = 0; i < 500; i++)
    g_string_append (accents, "é");
  file = dropify_display_name_clean_file (accents->str);
  g_assert_true (g_utf8_validate (file, -1, NULL));
  g_assert_cmpuint (strlen (file), ==, 254);

  /* A joiner the cut leaves at the end is dropped with it. */
  for (guint i = 0; i < 62; i++)
    g_string_append_c (joined, 'b');
  expected = g_strconcat (joined->str, "\U0001F469", NULL);
  g_string_append (joined, "\U0001F469\u200D\U0001F4BB");
  cut = dropify_display_name_clean_device (joined->str);
  g_assert_cmpstr (cut, ==, expected);
}

static void
test_display_name_escape (void)
{
  static const struct {
    const char *input;
    gboolean    keep_line_breaks;
    const char *expected;
  } cases[] = {
    { "a\x1b[2Kb\r", FALSE, "a\\u001b[2Kb\\u000d" },
    { "invoice\u202Efdp.exe", FALSE, "invoice\\u202efdp.exe" },
    { "\u2066x\u2069\u200f", FALSE, "\\u2066x\\u2069\\u200f" },
    { "line\nnext\ttab", TRUE, "line\nnext\ttab" },
    { "line\nnext\ttab\r", FALSE, "line\\u000anext\\u0009tab\\u000d" },
    { "bell\x07\x7f\xc2\x9b", TRUE, "bell\\u0007\\u007f\\u009b" },
    { "bad\xff", FALSE, "bad\\xff" },
    { "جهاز \U0001F469\u200D\U0001F4BB", FALSE, "جهاز \U0001F469\u200D\U0001F4BB" },
    { "", FALSE, "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *escaped = dropify_display_name_escape (cases[i].input,
                                                              cases[i].keep_line_breaks);

      g_test_message ("case %u", i);
      g_assert_cmpstr (escaped, ==, cases[i].expected);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/display-name/table", test_display_name_table);
  g_test_add_func ("/display-name/null", test_display_name_null);
  g_test_add_func ("/display-name/invalid-utf8", test_display_name_invalid_utf8);
  g_test_add_func ("/display-name/length", test_display_name_length);
  g_test_add_func ("/display-name/escape", test_display_name_escape);

  return g_test_run ();
}
