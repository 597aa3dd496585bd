#include "config.h"

#include "dropify-core.h"

static void
test_duration_parse (void)
{
  static const struct { const char *text; int64_t ms; } valid[] = {
    { "30s", 30 * 1000 },
    { "10m", 10 * 60 * 1000 },
    { "24h", 24 * 60 * 60 * 1000 },
    { "7d", (int64_t) 7 * 24 * 60 * 60 * 1000 },
    { "1s", 1000 },
  };
  static const char *invalid[] = {
    "", "s", "10", "10x", "-5s", "0s", "1.5h", "10ms", " 10s", "10s ", "99999999999d",
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(GError) error = NULL;
      int64_t ms = -1;

      g_assert_true (dropify_duration_parse (valid[i].text, &ms, &error));
      g_assert_no_error (error);
      g_assert_cmpint (ms, ==, valid[i].ms);
    }

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      int64_t ms = -1;

      g_assert_false (dropify_duration_parse (invalid[i], &ms, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_cmpint (ms, ==, -1);
    }
}

static void
test_duration_format (void)
{
  static const struct { int64_t ms; const char *text; } cases[] = {
    { 30 * 1000, "30s" },
    { 90 * 1000, "90s" },
    { 2 * 60 * 60 * 1000, "2h" },
    { 24 * 60 * 60 * 1000, "1d" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = dropify_duration_format (cases[i].ms);
      int64_t back = 0;

      g_assert_cmpstr (text, ==, cases[i].text);
      g_assert_true (dropify_duration_parse (text, &back, NULL));
      g_assert_cmpint (back, ==, cases[i].ms);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/clock/duration/parse", test_duration_parse);
  g_test_add_func ("/clock/duration/format", test_duration_format);

  return g_test_run ();
}
