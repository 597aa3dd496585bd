#include "config.h"

#include "dropify-test-support.h"

/* DropifyQr: what libqrencode makes, and how it is drawn for a terminal. */

#define URL "http://192.168.1.23:41717/#q1Yk3vZx9Jd_Wq-8Lr2NbA"

/* Reads the text drawing back into modules, quiet zone included. */
static GPtrArray *
parse_text (const char *text)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] && lines[i][0]; i++)
    {
      GByteArray *top = g_byte_array_new ();
      GByteArray *bottom = g_byte_array_new ();

      g_assert_true (g_utf8_validate (lines[i], -1, NULL));
      for (const char *p = lines[i]; *p; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);
          guint8 t = c == 0x2588 || c == 0x2580;
          guint8 b = c == 0x2588 || c == 0x2584;

          g_assert_true (c == ' ' || c == 0x2588 || c == 0x2580 || c == 0x2584);
          g_byte_array_append (top, &t, 1);
          g_byte_array_append (bottom, &b, 1);
        }
      g_ptr_array_add (rows, top);
      g_ptr_array_add (rows, bottom);
    }

  return g_steal_pointer (&rows);
}

static void
test_matrix (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DropifyQr) qr = dropify_qr_new (URL, &error);
  guint size;

  g_assert_no_error (error);
  g_assert_cmpstr (dropify_qr_get_text (qr), ==, URL);

  /* Versions are 21 + 4k modules on a side. */
  size = dropify_qr_get_size (qr);
  g_assert_cmpuint (size, >=, 21);
  g_assert_cmpuint ((size - 21) % 4, ==, 0);

  /* The three finder patterns: a dark ring around a light one around a
   * dark 3×3 core, in three corners. */
  for (guint corner = 0; corner < 3; corner++)
    {
      guint ox = corner == 1 ? size - 7 : 0;
      guint oy = corner == 2 ? size - 7 : 0;

      for (guint y = 0; y < 7; y++)
        for (guint x = 0; x < 7; x++)
          {
            gboolean ring = x == 0 || y == 0 || x == 6 || y == 6;
            gboolean core = x >= 2 && x <= 4 && y >= 2 && y <= 4;

            g_assert_cmpint (dropify_qr_get_module (qr, ox + x, oy + y), ==, ring || core);
          }
    }

  g_assert_false (dropify_qr_get_module (qr, size, 0));
  g_assert_false (dropify_qr_get_module (qr, 0, size));
}

static void
test_text (void)
{
  g_autoptr(DropifyQr) qr = dropify_qr_new (URL, NULL);
  g_autofree char *plain = dropify_qr_render_text (qr, DROPIFY_QR_TEXT_NONE);
  g_autofree char *colored = dropify_qr_render_text (qr, DROPIFY_QR_TEXT_COLOR);
  g_autoptr(GPtrArray) rows = parse_text (plain);
  guint size = dropify_qr_get_size (qr);
  guint full = size + 2 * DROPIFY_QR_QUIET_ZONE;

  /* Two modules per line; an odd count leaves half a line of quiet zone. */
  g_assert_cmpuint (rows->len, >=, full);
  g_assert_cmpuint (rows->len, <=, full + 1);

  for (guint y = 0; y < rows->len; y++)
    {
      GByteArray *row = g_ptr_array_index (rows, y);

      g_assert_cmpuint (row->len, ==, full);
      for (guint x = 0; x < full; x++)
        {
          int mx = (int) x - DROPIFY_QR_QUIET_ZONE;
          int my = (int) y - DROPIFY_QR_QUIET_ZONE;
          gboolean expected = mx >= 0 && my >= 0 && dropify_qr_get_module (qr, mx, my);

          g_assert_cmpint (row->data[x], ==, expected);
        }
    }

  /* On a terminal: black on white on every line, then back to normal. */
  g_assert_true (g_str_has_prefix (colored, "\033[30;107m"));
  g_assert_nonnull (strstr (colored, "\033[0m\n"));
  g_assert_null (strstr (plain, "\033"));
}

static void
test_rgb (void)
{
  g_autoptr(DropifyQr) qr = dropify_qr_new (URL, NULL);
  guint width = 0;
  g_autoptr(GBytes) pixels = dropify_qr_render_rgb (qr, 4, &width);
  const guint8 *data = g_bytes_get_data (pixels, NULL);
  guint size = dropify_qr_get_size (qr);

  g_assert_cmpuint (width, ==, (size + 2 * DROPIFY_QR_QUIET_ZONE) * 4);
  g_assert_cmpuint (g_bytes_get_size (pixels), ==, (gsize) width * width * 3);
  /* Quiet zone white, the finder's corner black. */
  g_assert_cmpuint (data[0], ==, 255);
  g_assert_cmpuint (data[(DROPIFY_QR_QUIET_ZONE * 4 * width + DROPIFY_QR_QUIET_ZONE * 4) * 3], ==, 0);
}

static void
test_too_long (void)
{
  g_autofree char *text = g_strnfill (8000, 'x');
  g_autoptr(GError) error = NULL;
  g_autoptr(DropifyQr) qr = dropify_qr_new (text, &error);

  g_assert_null (qr);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/qr/matrix", test_matrix);
  g_test_add_func ("/qr/text", test_text);
  g_test_add_func ("/qr/rgb", test_rgb);
  g_test_add_func ("/qr/too-long", test_too_long);

  return g_test_run ();
}
