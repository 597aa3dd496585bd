#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>

#include "dropify-test-support.h"

/* `dropify url` and `dropify qr` against a real `dropify --headless`. */

static char *
url_of (const char *dir)
{
  g_autoptr(DropifyTestRun) run = dropify_test_run ("url", "--data-dir", dir, NULL);

  g_assert_cmpint (run->status, ==, 0);
  g_assert_true (g_str_has_suffix (run->out, "\n"));
  return g_strndup (run->out, strlen (run->out) - 1);
}

static void
test_url (void)
{
  g_autofree char *dir = dropify_test_make_dir ("url");
  g_autoptr(DropifyTestInstance) instance = dropify_test_instance_start (dir, NULL);
  g_autofree char *url = url_of (dir);
  g_autofree char *token_path = g_build_filename (dir, "phone-token", NULL);
  g_autofree char *token = NULL;
  g_autofree char *again = NULL;
  g_autofree char *rotated = NULL;
  g_autoptr(GRegex) shape = g_regex_new ("^http://([0-9.]+|\\[[0-9a-f:]+\\]):[0-9]+/#[A-Za-z0-9_-]{22,}$",
                                         0, 0, NULL);

  g_assert_true (g_regex_match (shape, url, 0, NULL));
  g_assert_true (g_file_get_contents (token_path, &token, NULL, NULL));
  g_assert_true (g_str_has_suffix (url, g_strstrip (token)));

  /* Every address, loopback among them. */
  {
    g_autoptr(DropifyTestRun) run = dropify_test_run ("url", "--all", "--data-dir", dir, NULL);
    g_auto(GStrv) lines = NULL;
    gboolean loopback = FALSE;

    g_assert_cmpint (run->status, ==, 0);
    lines = g_strsplit (g_strstrip (run->out), "\n", -1);
    g_assert_cmpstr (lines[0], ==, url);
    for (guint i = 0; lines[i]; i++)
      {
        g_assert_true (g_regex_match (shape, lines[i], 0, NULL));
        loopback |= g_str_has_prefix (lines[i], "http://127.0.0.1:");
      }
    g_assert_true (loopback);
  }

  /* The token outlives a restart... */
  g_assert_cmpint (dropify_test_instance_stop (instance, SIGTERM), ==, 0);
  g_clear_pointer (&instance, dropify_test_instance_free);
  instance = dropify_test_instance_start (dir, NULL);
  again = url_of (dir);
  g_assert_true (g_str_has_suffix (again, token));

  /* ...until it is revoked. */
  {
    g_autoptr(DropifyTestRun) run = dropify_test_run ("url", "--new-token", "--data-dir", dir, NULL);

    g_assert_cmpint (run->status, ==, 0);
    rotated = g_strdup (g_strstrip (run->out));
    g_assert_false (g_str_has_suffix (rotated, token));
    g_assert_true (g_regex_match (shape, rotated, 0, NULL));
  }

  dropify_test_instance_stop (instance, SIGTERM);
  dropify_test_remove_dir (dir);
}

static void
test_not_running (void)
{
  g_autofree char *dir = dropify_test_make_dir ("none");
  g_autoptr(DropifyTestRun) url = dropify_test_run ("url", "--data-dir", dir, NULL);
  g_autoptr(DropifyTestRun) qr = dropify_test_run ("qr", "--data-dir", dir, NULL);

  g_assert_cmpint (url->status, ==, 1);
  g_assert_nonnull (strstr (url->err, "not running"));
  g_assert_cmpint (qr->status, ==, 1);
  g_assert_cmpstr (qr->out, ==, "");

  dropify_test_remove_dir (dir);
}

/* Draws the half blocks as a black on white bitmap, 8 pixels a module. */
static void
write_pbm (const char *text,
           const char *path)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  const guint scale = 8;
  glong width = 0;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; lines[i]; i++)
    {
      glong len = g_utf8_strlen (lines[i], -1);
      char *top, *bottom;
      glong x = 0;

      /* The QR code is the block of lines drawn with blocks and spaces. */
      if (len == 0 || strstr (lines[i], "http"))
        continue;

      top = g_malloc0 (len + 1);
      bottom = g_malloc0 (len + 1);
      for (const char *p = lines[i]; *p; p = g_utf8_next_char (p), x++)
        {
          gunichar c = g_utf8_get_char (p);
          top[x] = (c == 0x2588 || c == 0x2580) ? '1' : '0';
          bottom[x] = (c == 0x2588 || c == 0x2584) ? '1' : '0';
        }
      width = MAX (width, len);
      g_ptr_array_add (rows, top);
      g_ptr_array_add (rows, bottom);
    }

  g_assert_cmpuint (rows->len, >, 20);
  g_string_append_printf (out, "P1\n%ld %u\n", width * scale, rows->len * scale);
  for (guint y = 0; y < rows->len; y++)
    for (guint sy = 0; sy < scale; sy++)
      {
        const char *row = g_ptr_array_index (rows, y);

        for (glong x = 0; x < width; x++)
          for (guint sx = 0; sx < scale; sx++)
            g_string_append_c (out, x < (glong) strlen (row) ? row[x] : '0');
        g_string_append_c (out, '\n');
      }

  g_file_set_contents (path, out->str, out->len, &error);
  g_assert_no_error (error);
}

static void
test_qr_decodes (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(DropifyTestInstance) instance = NULL;
  g_autoptr(DropifyTestRun) run = NULL;
  g_autofree char *url = NULL;
  g_autofree char *pbm = NULL;
  g_autofree char *decoded = NULL;
  g_autofree char *zbarimg = g_find_program_in_path ("zbarimg");
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (zbarimg == NULL)
    {
      g_test_skip ("zbarimg is missing (Debian: zbar-tools); build-aux/install-deps --test installs it");
      return;
    }

  dir = dropify_test_make_dir ("qr");
  instance = dropify_test_instance_start (dir, NULL);
  url = url_of (dir);

  run = dropify_test_run ("qr", "--data-dir", dir, NULL);
  g_assert_cmpint (run->status, ==, 0);
  /* Not a terminal: no colour codes, and the URL below the code. */
  g_assert_null (strstr (run->out, "\033"));
  g_assert_true (g_str_has_suffix (run->out, "\n"));
  g_assert_nonnull (strstr (run->out, url));

  pbm = g_build_filename (dir, "qr.pbm", NULL);
  write_pbm (run->out, pbm);

  {
    const char *argv[] = { zbarimg, "--quiet", "--raw", pbm, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                  &decoded, NULL, &status, &error);
    g_assert_no_error (error);
  }
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (g_strstrip (decoded), ==, url);

  dropify_test_instance_stop (instance, SIGTERM);
  dropify_test_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/phone/cli/url", test_url);
  g_test_add_func ("/phone/cli/not-running", test_not_running);
  g_test_add_func ("/phone/cli/qr-decodes", test_qr_decodes);

  return g_test_run ();
}
