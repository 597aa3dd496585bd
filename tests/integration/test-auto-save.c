/* test-auto-save.c: received files land in Downloads, once, and only there
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>

#include "dropify-control.h"
#include "dropify-test-support.h"

/* Real `dropify --headless` instances: A sends files to B, and B copies
 * them to its Downloads folder when its settings.ini says so. The
 * instances get this test's own HOME and XDG_CONFIG_HOME (from
 * G_TEST_OPTION_ISOLATE_DIRS), and user-dirs.dirs there names the
 * Downloads folder, so the user's real one is never touched. */

#define WAIT_MS 15000
#define SECRET  "auto-save-tests"

typedef struct
{
  char                *dir_a;
  char                *dir_b;
  char                *downloads;
  DropifyTestInstance *a;
  DropifyTestInstance *b;
} Fixture;

static void
write_settings (const char *data_dir,
                gboolean    auto_save)
{
  g_autofree char *path = g_build_filename (data_dir, "settings.ini", NULL);
  g_autofree char *contents = g_strdup_printf ("[dropify]\nauto-save-downloads=%s\n",
                                               auto_save ? "true" : "false");
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}


static void
start_b (Fixture *fixture)
{
  const char * const args[] = { "--name", "B", "--group-secret", SECRET, NULL };

  fixture->b = dropify_test_instance_start (fixture->dir_b, args);
}

/* A keeps connecting to B, wherever B listens now. */
static void
start_a (Fixture *fixture)
{
  g_autofree char *address = dropify_test_address_of (fixture->dir_b);
  const char * const args[] = { "--name", "A", "--group-secret", SECRET, "--connect", address, NULL };

  g_clear_pointer (&fixture->a, dropify_test_instance_free);
  fixture->a = dropify_test_instance_start (fixture->dir_a, args);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *user_dirs = g_build_filename (g_get_user_config_dir (), "user-dirs.dirs", NULL);
  g_autoptr(GError) error = NULL;

  /* Isolated per test, but GLib only changes its own idea of these dirs:
   * the instances learn them from the environment. Set here on the main
   * thread, before any instance of this test starts. */
  g_setenv ("HOME", g_get_home_dir (), TRUE);
  g_setenv ("XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);

  fixture->downloads = g_build_filename (g_get_home_dir (), "Received Here", NULL);
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_config_dir (), 0700), ==, 0);
  g_file_set_contents (user_dirs, "XDG_DOWNLOAD_DIR=\"$HOME/Received Here\"\n", -1, &error);
  g_assert_no_error (error);

  fixture->dir_a = dropify_test_make_dir ("save-a");
  fixture->dir_b = dropify_test_make_dir ("save-b");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->a, dropify_test_instance_free);
  g_clear_pointer (&fixture->b, dropify_test_instance_free);
  dropify_test_remove_dir (fixture->dir_a);
  dropify_test_remove_dir (fixture->dir_b);
  dropify_test_remove_dir (fixture->downloads);
  g_free (fixture->dir_a);
  g_free (fixture->dir_b);
  g_free (fixture->downloads);
}

/* Sends @path from @data_dir's instance as a file drop. */
static void
send_file (const char *data_dir,
           const char *path)
{
  g_autoptr(DropifyTestRun) run = dropify_test_run ("send", "--data-dir", data_dir, "--file", path, NULL);

  if (run->status != 0)
    g_error ("dropify send --file failed (%d): %s", run->status, run->err);
}

/* The names in @dir. */
static GStrv
list_dir (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_add (names, NULL);

  return (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

typedef struct
{
  const char *path;
  const char *sha256;
} FileQuery;

/* The copy is renamed into place whole, so a name that exists is done. */
static gboolean
file_is_there (gpointer data)
{
  FileQuery *query = data;
  g_autofree char *sha256 = NULL;

  if (!g_file_test (query->path, G_FILE_TEST_IS_REGULAR))
    return FALSE;

  sha256 = dropify_test_sha256_file (query->path);
  g_assert_cmpstr (sha256, ==, query->sha256);
  return TRUE;
}

static void
wait_for_file (const char *dir,
               const char *name,
               const char *sha256)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  FileQuery query = { path, sha256 };

  if (!dropify_test_wait_for (file_is_there, &query, WAIT_MS))
    {
      g_auto(GStrv) names = list_dir (dir);
      g_autofree char *listing = g_strjoinv (", ", names);

      g_error ("“%s” did not appear in %s; it holds: %s", name, dir, listing);
    }
}

static void
assert_names (const char         *dir,
              const char * const *expected)
{
  g_auto(GStrv) names = list_dir (dir);

  g_assert_cmpuint (g_strv_length (names), ==, g_strv_length ((GStrv) expected));
  for (guint i = 0; expected[i]; i++)
    {
      if (!g_strv_contains ((const char * const *) names, expected[i]))
        {
          g_autofree char *listing = g_strjoinv (", ", names);
          g_error ("“%s” is missing from %s, which holds: %s", expected[i], dir, listing);
        }
    }
}

/* Writes @size random bytes to SOURCES/@subdir/@name and returns the
 * path; its SHA-256 in @sha256. */
static char *
make_source (const char  *parent,
             const char  *subdir,
             const char  *name,
             gsize        size,
             char       **sha256)
{
  g_autofree char *dir = g_build_filename (parent, subdir, NULL);
  char *path;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  path = dropify_test_write_random (dir, name, size);
  *sha256 = dropify_test_sha256_file (path);

  return path;
}

/* What a phone does: the raw file, its name in X-Filename. */
static void
upload_from_phone (const char *data_dir,
                   const char *encoded_name,
                   GBytes     *bytes)
{
  g_autoptr(JsonNode) phone = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = dropify_test_address_of (data_dir);
  g_autofree char *uri = g_strdup_printf ("http://%s/api/files", address);
  g_autofree char *authorization = NULL;

  phone = dropify_control_request (data_dir, "GET", "/v1/phone", NULL, &error);
  g_assert_no_error (error);
  authorization = g_strconcat ("Bearer ",
                               json_object_get_string_member (json_node_get_object (phone), "token"),
                               NULL);

  /* Loopback only: never through a proxy from the environment. */
  session = soup_session_new_with_options ("proxy-resolver", NULL, "timeout", 30, NULL);
  msg = soup_message_new ("POST", uri);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Filename", encoded_name);
  soup_message_set_request_body_from_bytes (msg, "application/octet-stream", bytes);

  reply = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_CREATED);
}

/* Nothing named @name right above the Downloads folder, where "../x"
 * would have gone, nor two levels up. */
static void
assert_not_above (const char *downloads,
                  const char *name)
{
  g_autofree char *parent = g_path_get_dirname (downloads);
  g_autofree char *grandparent = g_path_get_dirname (parent);
  g_autofree char *one = g_build_filename (parent, name, NULL);
  g_autofree char *two = g_build_filename (grandparent, name, NULL);

  g_assert_false (g_file_test (one, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (two, G_FILE_TEST_EXISTS));
}

static void
test_saves_once (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *sources = dropify_test_make_dir ("save-src");
  g_autofree char *sha_first = NULL;
  g_autofree char *sha_second = NULL;
  g_autofree char *sha_own = NULL;
  g_autofree char *sha_later = NULL;
  g_autofree char *first = make_source (sources, "1", "report.txt", 300 * 1024, &sha_first);
  g_autofree char *second = make_source (sources, "2", "report.txt", 5000, &sha_second);
  g_autofree char *own = make_source (sources, "3", "own.txt", 100, &sha_own);
  g_autofree char *later = make_source (sources, "4", "later.bin", 2000, &sha_later);
  g_autoptr(GBytes) hostile = g_bytes_new_static ("from a phone", 12);
  g_autofree char *sha_hostile = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, hostile);

  write_settings (fixture->dir_b, TRUE);
  start_b (fixture);
  start_a (fixture);

  /* Another device's file, under its own name. */
  send_file (fixture->dir_a, first);
  wait_for_file (fixture->downloads, "report.txt", sha_first);

  /* The same name again never replaces the first. */
  send_file (fixture->dir_a, second);
  wait_for_file (fixture->downloads, "report (1).txt", sha_second);
  wait_for_file (fixture->downloads, "report.txt", sha_first);

  /* B's own file is not "received"; the phone's, after it, is. The
   * copies are made one at a time in order, so when the phone's is
   * there, B's own would be too. The phone names its file "../../x":
   * whatever the name, the copy lands in Downloads itself. */
  send_file (fixture->dir_b, own);
  upload_from_phone (fixture->dir_b, "..%2F..%2Fx", hostile);
  wait_for_file (fixture->downloads, "_.._x", sha_hostile);
  assert_not_above (fixture->downloads, "x");
  assert_not_above (fixture->downloads, "_.._x");
  {
    const char * const expected[] = { "report.txt", "report (1).txt", "_.._x", NULL };
    assert_names (fixture->downloads, expected);
  }

  /* A restart copies nothing again. B comes back on another port, so A
   * is restarted to connect to it, and sends one more file: it lands
   * after anything the restart would have copied. */
  g_assert_cmpint (dropify_test_instance_stop (fixture->b, SIGTERM), ==, 0);
  g_clear_pointer (&fixture->b, dropify_test_instance_free);
  start_b (fixture);
  start_a (fixture);
  send_file (fixture->dir_a, later);
  wait_for_file (fixture->downloads, "later.bin", sha_later);
  {
    const char * const expected[] = { "report.txt", "report (1).txt", "_.._x", "later.bin", NULL };
    assert_names (fixture->downloads, expected);
  }

  dropify_test_remove_dir (sources);
}

/* Off, nothing is copied, and turning it on later does not copy the
 * past: only files that arrive from then on. */
static void
test_off_then_on (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *sources = dropify_test_make_dir ("save-src");
  g_autofree char *sha_before = NULL;
  g_autofree char *sha_after = NULL;
  g_autofree char *before = make_source (sources, "1", "before.txt", 4000, &sha_before);
  g_autofree char *after = make_source (sources, "2", "after.txt", 4000, &sha_after);
  g_autoptr(JsonNode) list = NULL;

  write_settings (fixture->dir_b, FALSE);
  start_b (fixture);
  start_a (fixture);

  send_file (fixture->dir_a, before);

  /* Wait until B holds it complete. */
  for (guint i = 0; i < WAIT_MS / 50; i++)
    {
      JsonArray *array;

      g_clear_pointer (&list, json_node_unref);
      list = dropify_test_list_json (fixture->dir_b);
      array = json_node_get_array (list);
      if (json_array_get_length (array) == 1 &&
          json_object_get_boolean_member (json_array_get_object_element (array, 0), "complete"))
        break;
      g_usleep (50 * 1000);
    }
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (json_node_get_array (list), 0),
                                                 "complete"));
  g_assert_false (g_file_test (fixture->downloads, G_FILE_TEST_EXISTS));

  g_assert_cmpint (dropify_test_instance_stop (fixture->b, SIGTERM), ==, 0);
  g_clear_pointer (&fixture->b, dropify_test_instance_free);
  write_settings (fixture->dir_b, TRUE);
  start_b (fixture);
  start_a (fixture);

  send_file (fixture->dir_a, after);
  wait_for_file (fixture->downloads, "after.txt", sha_after);
  {
    const char * const expected[] = { "after.txt", NULL };
    assert_names (fixture->downloads, expected);
  }

  dropify_test_remove_dir (sources);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/auto-save/once", Fixture, NULL, fixture_set_up, test_saves_once, fixture_tear_down);
  g_test_add ("/auto-save/off-then-on", Fixture, NULL, fixture_set_up, test_off_then_on, fixture_tear_down);

  return g_test_run ();
}
