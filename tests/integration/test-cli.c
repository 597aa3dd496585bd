#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>

#include "dropify-control.h"
#include "dropify-test-support.h"

/* A real `dropify --headless` driven through the real CLI. */

typedef struct
{
  char                *dir;
  DropifyTestInstance *instance;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  static const char * const group[] = { "--group-secret", "cli-tests", NULL };

  fixture->dir = dropify_test_make_dir ("cli");
  if (data == NULL)
    fixture->instance = dropify_test_instance_start (fixture->dir, group);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->instance, dropify_test_instance_free);
  dropify_test_remove_dir (fixture->dir);
  g_free (fixture->dir);
}

static char *
send_text (const char *dir,
           const char *text)
{
  g_autoptr(DropifyTestRun) run = dropify_test_run ("send", "--data-dir", dir, text, NULL);

  g_assert_cmpint (run->status, ==, 0);
  g_assert_cmpstr (run->err, ==, "");
  g_assert_true (g_uuid_string_is_valid (g_strstrip (run->out)));

  return g_strdup (run->out);
}

static JsonObject *
find_drop (JsonNode   *list,
           const char *id)
{
  JsonArray *array = json_node_get_array (list);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *drop = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member (drop, "id"), id) == 0)
        return drop;
    }

  return NULL;
}

static void
assert_members (JsonObject         *object,
                const char * const *expected)
{
  g_autoptr(GList) members = json_object_get_members (object);

  g_assert_cmpuint (g_list_length (members), ==, g_strv_length ((char **) expected));
  for (guint i = 0; expected[i]; i++)
    g_assert_true (json_object_has_member (object, expected[i]));
}

static void
test_send_list (Fixture       *fixture,
                gconstpointer  data)
{
  static const char * const text_fields[] = {
    "id", "kind", "origin", "origin_name", "audience", "created_at", "expires_at", "text",
    "holders", NULL
  };
  static const char * const file_fields[] = {
    "id", "kind", "origin", "origin_name", "audience", "created_at", "expires_at",
    "name", "mime", "size", "sha256", "complete", "path", "holders", NULL
  };
  g_autofree char *text_id = send_text (fixture->dir, "hello <b>world</b> – ✓");
  g_autofree char *src = dropify_test_write_random (fixture->dir, "photo.jpg.bin", 3 * 1024 * 1024 + 1);
  g_autofree char *sha = dropify_test_sha256_file (src);
  g_autofree char *file_id = NULL;
  g_autofree char *stored_sha = NULL;
  g_autoptr(DropifyTestRun) run = NULL;
  g_autoptr(JsonNode) list = NULL;
  JsonObject *drop;
  int64_t now = g_get_real_time () / 1000;

  run = dropify_test_run ("send", "--data-dir", fixture->dir, "--file", src, NULL);
  g_assert_cmpint (run->status, ==, 0);
  file_id = g_strdup (g_strstrip (run->out));

  list = dropify_test_list_json (fixture->dir);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 2);
  /* Newest first. */
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_node_get_array (list), 0), "id"),
                   ==, file_id);

  drop = find_drop (list, text_id);
  g_assert_nonnull (drop);
  assert_members (drop, text_fields);
  g_assert_cmpstr (json_object_get_string_member (drop, "kind"), ==, "text");
  g_assert_cmpstr (json_object_get_string_member (drop, "text"), ==, "hello <b>world</b> – ✓");
  g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (drop, "origin")));
  /* For every device: an empty audience. */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (drop, "audience")), ==, 0);
  /* No other device yet, so none holds it. */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (drop, "holders")), ==, 0);
  g_assert_cmpint (json_object_get_int_member (drop, "created_at"), <=, now);
  g_assert_cmpint (json_object_get_int_member (drop, "created_at"), >, now - 60000);
  /* The default expiry is 24 hours. */
  g_assert_cmpint (json_object_get_int_member (drop, "expires_at") - json_object_get_int_member (drop, "created_at"),
                   ==, 24 * 60 * 60 * 1000);

  drop = find_drop (list, file_id);
  g_assert_nonnull (drop);
  assert_members (drop, file_fields);
  g_assert_cmpstr (json_object_get_string_member (drop, "kind"), ==, "file");
  g_assert_cmpstr (json_object_get_string_member (drop, "name"), ==, "photo.jpg.bin");
  g_assert_cmpint (json_object_get_int_member (drop, "size"), ==, 3 * 1024 * 1024 + 1);
  g_assert_cmpstr (json_object_get_string_member (drop, "sha256"), ==, sha);
  g_assert_true (json_object_get_boolean_member (drop, "complete"));
  g_assert_true (g_str_has_prefix (json_object_get_string_member (drop, "path"), fixture->dir));
  stored_sha = dropify_test_sha256_file (json_object_get_string_member (drop, "path"));
  g_assert_cmpstr (stored_sha, ==, sha);

  /* The human listing shows both. */
  g_clear_pointer (&run, dropify_test_run_free);
  run = dropify_test_run ("list", "--data-dir", fixture->dir, NULL);
  g_assert_cmpint (run->status, ==, 0);
  g_assert_nonnull (strstr (run->out, "photo.jpg.bin"));
  g_assert_nonnull (strstr (run->out, "hello <b>world</b>"));
}

static void
test_restart_keeps (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *id = send_text (fixture->dir, "survives a restart");
  g_autoptr(JsonNode) list = NULL;

  g_assert_cmpint (dropify_test_instance_stop (fixture->instance, SIGTERM), ==, 0);
  g_clear_pointer (&fixture->instance, dropify_test_instance_free);
  fixture->instance = dropify_test_instance_start (fixture->dir, NULL);

  list = dropify_test_list_json (fixture->dir);
  g_assert_nonnull (find_drop (list, id));
}

static gboolean
drop_is_gone (gpointer data)
{
  const char * const *args = data;
  g_autoptr(JsonNode) list = dropify_test_list_json (args[0]);

  return find_drop (list, args[1]) == NULL;
}

static void
test_ttl_expires (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(DropifyTestRun) run = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autofree char *keep = send_text (fixture->dir, "stays");
  const char *args[2];
  JsonObject *drop;
  int64_t start = g_get_monotonic_time ();

  run = dropify_test_run ("send", "--data-dir", fixture->dir, "--ttl", "2s", "short-lived", NULL);
  g_assert_cmpint (run->status, ==, 0);
  g_strstrip (run->out);

  list = dropify_test_list_json (fixture->dir);
  drop = find_drop (list, run->out);
  g_assert_nonnull (drop);
  g_assert_cmpint (json_object_get_int_member (drop, "expires_at") - json_object_get_int_member (drop, "created_at"),
                   ==, 2000);

  args[0] = fixture->dir;
  args[1] = run->out;
  g_assert_true (dropify_test_wait_for (drop_is_gone, args, 10000));
  /* It went at its expiry, not before. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 1500 * 1000);

  g_clear_pointer (&list, json_node_unref);
  list = dropify_test_list_json (fixture->dir);
  g_assert_nonnull (find_drop (list, keep));
}

static void
test_sigterm_consistent (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *db = g_build_filename (fixture->dir, "history.sqlite", NULL);
  g_autofree char *socket = g_build_filename (fixture->dir, "control.sock", NULL);
  sqlite3 *handle = NULL;
  sqlite3_stmt *stmt = NULL;
  int count = -1;

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *text = g_strdup_printf ("drop %u", i);
      g_autofree char *id = send_text (fixture->dir, text);
    }

  g_assert_cmpint (dropify_test_instance_stop (fixture->instance, SIGTERM), ==, 0);
  g_assert_false (g_file_test (socket, G_FILE_TEST_EXISTS));

  g_assert_cmpint (sqlite3_open_v2 (db, &handle, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (handle, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_prepare_v2 (handle, "SELECT COUNT(*) FROM drops", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  count = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (handle);

  g_assert_cmpint (count, ==, 20);
}

static void
test_sigkill_restarts (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *id = send_text (fixture->dir, "committed before the crash");
  g_autoptr(JsonNode) list = NULL;

  /* A killed instance leaves its socket and lock behind; the next one must
   * start anyway and still have the drop. */
  g_assert_cmpint (dropify_test_instance_stop (fixture->instance, SIGKILL), ==, 128 + SIGKILL);
  g_clear_pointer (&fixture->instance, dropify_test_instance_free);
  fixture->instance = dropify_test_instance_start (fixture->dir, NULL);

  list = dropify_test_list_json (fixture->dir);
  g_assert_nonnull (find_drop (list, id));
}

static void
test_second_instance_refused (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(DropifyTestRun) run = NULL;
  g_autofree char *id = send_text (fixture->dir, "first instance keeps serving");
  g_autoptr(JsonNode) list = NULL;

  run = dropify_test_run ("--headless", "--data-dir", fixture->dir, NULL);
  g_assert_cmpint (run->status, ==, 1);
  g_assert_nonnull (strstr (run->err, "already running"));

  list = dropify_test_list_json (fixture->dir);
  g_assert_nonnull (find_drop (list, id));
}

static void
test_limits_refused (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *settings = g_build_filename (fixture->dir, "settings.ini", NULL);
  g_autofree char *big = NULL;
  g_autoptr(DropifyTestRun) run = NULL;
  g_autoptr(DropifyTestRun) run2 = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(GError) error = NULL;

  /* Limits come from the profile's settings. */
  g_file_set_contents (settings, "[dropify]\nmax-text-length=uint32 8\nmax-file-size=uint64 1000\n", -1, &error);
  g_assert_no_error (error);
  fixture->instance = dropify_test_instance_start (fixture->dir, NULL);

  run = dropify_test_run ("send", "--data-dir", fixture->dir, "123456789", NULL);
  g_assert_cmpint (run->status, ==, 1);
  g_assert_nonnull (strstr (run->err, "limit"));
  g_assert_null (strchr (g_strstrip (run->err), '\n'));

  big = dropify_test_write_random (fixture->dir, "big.bin", 1001);
  run2 = dropify_test_run ("send", "--data-dir", fixture->dir, "--file", big, NULL);
  g_assert_cmpint (run2->status, ==, 1);
  g_assert_nonnull (strstr (run2->err, "limit"));

  list = dropify_test_list_json (fixture->dir);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 0);
}

static void
test_not_running (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(DropifyTestRun) send = NULL;
  g_autoptr(DropifyTestRun) list = NULL;

  send = dropify_test_run ("send", "--data-dir", fixture->dir, "hello", NULL);
  g_assert_cmpint (send->status, ==, 1);
  g_assert_nonnull (strstr (send->err, "not running"));
  g_assert_cmpint (strlen (send->err), >, 0);

  list = dropify_test_run ("list", "--data-dir", fixture->dir, "--json", NULL);
  g_assert_cmpint (list->status, ==, 1);
  g_assert_cmpstr (list->out, ==, "");
}

static void
test_usage (Fixture       *fixture,
            gconstpointer  data)
{
  static const struct { const char *args[6]; int status; const char *needle; } cases[] = {
    { { "--version" }, 0, PACKAGE_VERSION },
    { { "--help" }, 0, "send" },
    { { "send", "--help" }, 0, "--ttl" },
    { { "list", "--help" }, 0, "--json" },
    { { "--headless", "--help" }, 0, "--data-dir" },
    { { "send", "--ttl", "soon", "x" }, 2, "duration" },
    { { "send" }, 2, "text" },
    { { "send", "--file" }, 2, "file" },
    { { "list", "extra" }, 2, "arguments" },
    { { "--headless", "--bogus" }, 2, "bogus" },
    { { "--headless", "--max-send-rate", "5x" }, 2, "rate" },
    { { "--headless", "--max-send-rate", "0" }, 2, "rate" },
    { { "--headless", "--max-send-rate", "M" }, 2, "rate" },
    { { "--headless", "--max-send-rate", "99999999999999999999G" }, 2, "rate" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DropifyTestRun) run = dropify_test_runv (cases[i].args, NULL);

      g_test_message ("dropify %s → %d", cases[i].args[0], run->status);
      g_assert_cmpint (run->status, ==, cases[i].status);
      g_assert_nonnull (strstr (cases[i].status == 0 ? run->out : run->err, cases[i].needle));
    }
}

static void
test_corrupt_history (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *db = g_build_filename (fixture->dir, "history.sqlite", NULL);
  g_autofree char *after = NULL;
  g_autoptr(DropifyTestRun) run = NULL;
  g_autoptr(GError) error = NULL;
  const char *garbage = "definitely not SQLite, but precious to someone\n";

  g_file_set_contents (db, garbage, -1, &error);
  g_assert_no_error (error);

  run = dropify_test_run ("--headless", "--data-dir", fixture->dir, NULL);
  g_assert_cmpint (run->status, ==, 1);
  g_assert_nonnull (strstr (run->err, "damaged"));

  g_file_get_contents (db, &after, NULL, &error);
  g_assert_cmpstr (after, ==, garbage);
}

static void
test_stdin_text (Fixture       *fixture,
                 gconstpointer  data)
{
  static const char * const args[] = { "send", "--data-dir", NULL, "-", NULL };
  const char *argv[G_N_ELEMENTS (args)];
  g_autoptr(DropifyTestRun) run = NULL;
  g_autoptr(JsonNode) list = NULL;
  JsonObject *drop;

  memcpy (argv, args, sizeof args);
  argv[2] = fixture->dir;
  run = dropify_test_runv (argv, "line one\nline two\n");
  g_assert_cmpint (run->status, ==, 0);

  list = dropify_test_list_json (fixture->dir);
  drop = find_drop (list, g_strstrip (run->out));
  g_assert_nonnull (drop);
  g_assert_cmpstr (json_object_get_string_member (drop, "text"), ==, "line one\nline two\n");
}

static gboolean
list_has (gpointer data)
{
  const char * const *args = data;
  g_autoptr(JsonNode) list = dropify_test_list_json (args[0]);

  return find_drop (list, args[1]) != NULL;
}

static void
test_connect_peers (Fixture       *fixture,
                    gconstpointer  data)
{
  static const char * const peer_fields[] = {
    "id", "name", "address", "port", "connected", "trusted", "via", NULL
  };
  g_autofree char *dir_b = dropify_test_make_dir ("cli-b");
  g_autoptr(JsonNode) status = NULL;
  g_autoptr(DropifyTestInstance) b = NULL;
  g_autoptr(DropifyTestRun) peers = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *id = NULL;
  const char *args[2];
  JsonObject *peer;

  status = dropify_control_request (fixture->dir, "GET", "/v1/status", NULL, &error);
  g_assert_no_error (error);
  address = g_strdup_printf ("127.0.0.1:%" G_GINT64_FORMAT,
                             json_object_get_int_member (json_node_get_object (status), "port"));

  {
    const char * const extra[] = { "--port", "0", "--name", "Second", "--connect", address,
                                   "--group-secret", "cli-tests", NULL };
    b = dropify_test_instance_start (dir_b, extra);
  }

  id = send_text (fixture->dir, "over the wire");
  args[0] = dir_b;
  args[1] = id;
  g_assert_true (dropify_test_wait_for (list_has, args, 10000));

  peers = dropify_test_run ("peers", "--data-dir", dir_b, "--json", NULL);
  g_assert_cmpint (peers->status, ==, 0);
  json_parser_load_from_data (parser, peers->out, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (json_parser_get_root (parser))), ==, 1);
  peer = json_array_get_object_element (json_node_get_array (json_parser_get_root (parser)), 0);
  for (guint i = 0; peer_fields[i]; i++)
    g_assert_true (json_object_has_member (peer, peer_fields[i]));
  g_assert_cmpstr (json_object_get_string_member (peer, "id"), ==,
                   json_object_get_string_member (json_node_get_object (status), "device_id"));
  g_assert_cmpstr (json_object_get_string_member (peer, "address"), ==, "127.0.0.1");
  g_assert_true (json_object_get_boolean_member (peer, "connected"));
  g_assert_cmpstr (json_object_get_string_member (peer, "via"), ==, "manual");

  g_assert_cmpint (dropify_test_instance_stop (b, SIGTERM), ==, 0);
  dropify_test_remove_dir (dir_b);
}

static JsonObject *
peer_json (const char *dir)
{
  g_autoptr(DropifyTestRun) run = dropify_test_run ("peers", "--data-dir", dir, "--json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *array;

  g_assert_cmpint (run->status, ==, 0);
  json_parser_load_from_data (parser, run->out, -1, &error);
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 1);

  return json_object_ref (json_array_get_object_element (array, 0));
}

/* The receiver's view of one file drop; checks on every look that
 * nothing partial is ever listed as complete. */
static JsonObject *
file_state (const char *dir,
            const char *id,
            const char *sha)
{
  g_autoptr(JsonNode) list = dropify_test_list_json (dir);
  JsonObject *drop = find_drop (list, id);

  if (drop == NULL)
    return NULL;

  if (json_object_get_boolean_member (drop, "complete"))
    {
      g_autofree char *got = dropify_test_sha256_file (json_object_get_string_member (drop, "path"));
      g_assert_cmpstr (got, ==, sha);
    }

  return json_object_ref (drop);
}

typedef struct
{
  const char *dir;
  const char *id;
  const char *sha;
  int64_t     at_least;
} FileWait;

static gboolean
file_received (gpointer data)
{
  FileWait *wait = data;
  g_autoptr(JsonObject) drop = file_state (wait->dir, wait->id, wait->sha);

  if (drop == NULL)
    return FALSE;
  if (json_object_get_boolean_member (drop, "complete"))
    return TRUE;
  return json_object_get_int_member (drop, "received") >= wait->at_least;
}

static gboolean
file_complete (gpointer data)
{
  FileWait *wait = data;
  g_autoptr(JsonObject) drop = file_state (wait->dir, wait->id, wait->sha);

  return drop != NULL && json_object_get_boolean_member (drop, "complete");
}

static void
test_resume_after_kill (Fixture       *fixture,
                        gconstpointer  data)
{
  const guint64 size = 40 * 1000 * 1000;
  g_autofree char *dir_b = dropify_test_make_dir ("cli-b");
  g_autofree char *src = dropify_test_write_random (dir_b, "big.bin", size);
  g_autofree char *sha = dropify_test_sha256_file (src);
  g_autofree char *address = NULL;
  g_autofree char *id = NULL;
  g_autoptr(DropifyTestInstance) a = NULL;
  g_autoptr(DropifyTestInstance) b = NULL;
  g_autoptr(DropifyTestRun) run = NULL;
  g_autoptr(JsonObject) at_kill = NULL;
  g_autoptr(JsonObject) peer_at_kill = NULL;
  g_autoptr(JsonObject) peer_done = NULL;
  int64_t received_at_kill, resent;
  FileWait wait;
  /* A sends slowly (13 MB/s), so it can be killed mid-transfer. */
  const char * const slow[] = { "--port", "0", "--group-secret", "cli-tests", "--max-send-rate", "13M", NULL };

  a = dropify_test_instance_start (fixture->dir, slow);

  run = dropify_test_run ("send", "--data-dir", fixture->dir, "--file", src, NULL);
  g_assert_cmpint (run->status, ==, 0);
  id = g_strdup (g_strstrip (run->out));

  {
    g_autoptr(JsonNode) status = dropify_control_request (fixture->dir, "GET", "/v1/status", NULL, NULL);
    address = g_strdup_printf ("127.0.0.1:%" G_GINT64_FORMAT,
                               json_object_get_int_member (json_node_get_object (status), "port"));
  }
  {
    const char * const extra[] = { "--port", "0", "--connect", address, "--group-secret", "cli-tests", NULL };
    b = dropify_test_instance_start (dir_b, extra);
  }

  wait = (FileWait) { dir_b, id, sha, 8 * 1000 * 1000 };
  g_assert_true (dropify_test_wait_for (file_received, &wait, 30000));

  /* Kill the sender mid-transfer. */
  g_assert_cmpint (dropify_test_instance_stop (a, SIGKILL), ==, 128 + SIGKILL);
  g_clear_pointer (&a, dropify_test_instance_free);
  g_usleep (200 * 1000);

  at_kill = file_state (dir_b, id, sha);
  g_assert_false (json_object_get_boolean_member (at_kill, "complete"));
  g_assert_false (json_object_has_member (at_kill, "path"));
  received_at_kill = json_object_get_int_member (at_kill, "received");
  g_assert_cmpint (received_at_kill, >=, 8 * 1000 * 1000);
  g_assert_cmpint (received_at_kill, <, (int64_t) size);
  peer_at_kill = peer_json (dir_b);

  /* A comes back on the same port, at full speed; B reconnects and
   * resumes where it stopped. */
  {
    const char *port = strrchr (address, ':') + 1;
    const char * const again[] = { "--port", port, "--group-secret", "cli-tests", NULL };
    a = dropify_test_instance_start (fixture->dir, again);
  }

  wait.at_least = (int64_t) size;
  g_assert_true (dropify_test_wait_for (file_complete, &wait, 60000));

  peer_done = peer_json (dir_b);
  resent = json_object_get_int_member (peer_done, "bytes_in") - json_object_get_int_member (peer_at_kill, "bytes_in");
  g_test_message ("killed at %" G_GINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes; "
                  "%" G_GINT64_FORMAT " bytes received after the restart",
                  received_at_kill, size, resent);
  /* Only the rest came again (plus protocol overhead), not the file. */
  g_assert_cmpint (resent, <=, (int64_t) size - received_at_kill + 512 * 1024);
  g_assert_cmpint (resent, <, (int64_t) size * 85 / 100);

  g_assert_cmpint (dropify_test_instance_stop (b, SIGTERM), ==, 0);
  dropify_test_remove_dir (dir_b);
}

/* --max-send-rate holds a transfer to its rate: 6 MB at 2 MB/s cannot
 * arrive in under two seconds, whatever else the machine does; without
 * the cap it takes a fraction of that on loopback. */
static void
test_send_rate_capped (Fixture       *fixture,
                       gconstpointer  data)
{
  const guint64 size = 6 * 1000 * 1000;
  g_autofree char *dir_b = dropify_test_make_dir ("cli-b");
  g_autofree char *src = dropify_test_write_random (dir_b, "capped.bin", size);
  g_autofree char *sha = dropify_test_sha256_file (src);
  g_autofree char *address = NULL;
  g_autofree char *id = NULL;
  g_autoptr(DropifyTestInstance) a = NULL;
  g_autoptr(DropifyTestInstance) b = NULL;
  g_autoptr(DropifyTestRun) run = NULL;
  const char * const capped[] = { "--port", "0", "--group-secret", "cli-tests", "--max-send-rate", "2M", NULL };
  FileWait wait;
  gint64 started;
  double seconds;

  a = dropify_test_instance_start (fixture->dir, capped);
  run = dropify_test_run ("send", "--data-dir", fixture->dir, "--file", src, NULL);
  g_assert_cmpint (run->status, ==, 0);
  id = g_strdup (g_strstrip (run->out));
  {
    g_autoptr(JsonNode) status = dropify_control_request (fixture->dir, "GET", "/v1/status", NULL, NULL);
    address = g_strdup_printf ("127.0.0.1:%" G_GINT64_FORMAT,
                               json_object_get_int_member (json_node_get_object (status), "port"));
  }

  started = g_get_monotonic_time ();
  {
    const char * const extra[] = { "--port", "0", "--connect", address, "--group-secret", "cli-tests", NULL };
    b = dropify_test_instance_start (dir_b, extra);
  }
  wait = (FileWait) { dir_b, id, sha, (int64_t) size };
  g_assert_true (dropify_test_wait_for (file_complete, &wait, 60000));
  seconds = (double) (g_get_monotonic_time () - started) / G_USEC_PER_SEC;
  g_test_message ("6 MB at a 2 MB/s cap arrived in %.2f s", seconds);
  g_assert_cmpfloat (seconds, >=, 2.0);

  g_assert_cmpint (dropify_test_instance_stop (b, SIGTERM), ==, 0);
  g_assert_cmpint (dropify_test_instance_stop (a, SIGTERM), ==, 0);
  dropify_test_remove_dir (dir_b);
}

static JsonArray *
pair_list (const char *dir)
{
  g_autoptr(DropifyTestRun) run = dropify_test_run ("pair", "--data-dir", dir, "--json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (run->status, ==, 0);
  json_parser_load_from_data (parser, run->out, -1, &error);
  g_assert_no_error (error);

  return json_array_ref (json_node_get_array (json_parser_get_root (parser)));
}

static gboolean
waiting_to_pair (gpointer data)
{
  g_autoptr(JsonArray) waiting = pair_list (data);
  return json_array_get_length (waiting) == 1;
}

static void
test_pair_by_cli (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *dir_b = dropify_test_make_dir ("cli-b");
  g_autoptr(DropifyTestInstance) a = NULL;
  g_autoptr(DropifyTestInstance) b = NULL;
  g_autoptr(JsonArray) on_a = NULL;
  g_autoptr(JsonArray) on_b = NULL;
  g_autoptr(DropifyTestRun) start = NULL;
  g_autoptr(DropifyTestRun) again = NULL;
  g_autoptr(DropifyTestRun) wrong = NULL;
  g_autoptr(DropifyTestRun) accept_a = NULL;
  g_autoptr(DropifyTestRun) accept_b = NULL;
  g_autoptr(DropifyTestRun) unpair = NULL;
  g_autoptr(DropifyTestRun) bad = NULL;
  g_autoptr(JsonNode) status = NULL;
  g_autofree char *address = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  JsonObject *peer_a, *peer_b;
  const char *args[2];

  /* No group secret: strangers until people pair them. */
  a = dropify_test_instance_start (fixture->dir, NULL);
  status = dropify_control_request (fixture->dir, "GET", "/v1/status", NULL, NULL);
  address = g_strdup_printf ("127.0.0.1:%" G_GINT64_FORMAT,
                             json_object_get_int_member (json_node_get_object (status), "port"));
  {
    const char * const extra[] = { "--connect", address, NULL };
    b = dropify_test_instance_start (dir_b, extra);
  }

  g_assert_true (dropify_test_wait_for (waiting_to_pair, fixture->dir, 10000));
  g_assert_true (dropify_test_wait_for (waiting_to_pair, dir_b, 10000));
  before = send_text (fixture->dir, "made before pairing");

  /* Each lists the other, with no code before someone asks. */
  on_a = pair_list (fixture->dir);
  peer_a = json_array_get_object_element (on_a, 0);
  g_assert_false (json_object_has_member (peer_a, "pairing_code"));
  g_assert_cmpstr (json_object_get_string_member (peer_a, "pairing"), ==, "none");
  g_assert_false (json_object_get_boolean_member (peer_a, "trusted"));

  /* Accepting with no code yet starts an attempt, and prints its code. */
  start = dropify_test_run ("pair", "--data-dir", fixture->dir, "accept",
                            json_object_get_string_member (peer_a, "id"), NULL);
  g_assert_cmpint (start->status, ==, 0);
  g_assert_nonnull (strstr (start->out, "Pairing code: "));
  g_assert_nonnull (strstr (start->out, "differ"));

  /* Each lists the other with the same code, the one printed. */
  g_clear_pointer (&on_a, json_array_unref);
  on_a = pair_list (fixture->dir);
  on_b = pair_list (dir_b);
  peer_a = json_array_get_object_element (on_a, 0);
  peer_b = json_array_get_object_element (on_b, 0);
  g_assert_cmpstr (json_object_get_string_member (peer_a, "pairing_code"), ==,
                   json_object_get_string_member (peer_b, "pairing_code"));
  g_assert_nonnull (strstr (start->out, json_object_get_string_member (peer_a, "pairing_code")));
  g_assert_cmpstr (json_object_get_string_member (peer_b, "pairing"), ==, "comparing");
  g_assert_true (json_object_get_boolean_member (peer_b, "wants_to_pair"));

  /* Nothing crossed yet. */
  args[0] = dir_b;
  args[1] = before;
  g_assert_false (dropify_test_wait_for (list_has, args, 1500));

  bad = dropify_test_run ("pair", "--data-dir", dir_b, "accept", "no-such-device", NULL);
  g_assert_cmpint (bad->status, ==, 1);
  g_assert_nonnull (strstr (bad->err, "waiting to pair"));

  /* Run again without the code, it only shows it: a person types the code
   * they compared, so no code is accepted unseen. */
  again = dropify_test_run ("pair", "--data-dir", dir_b, "accept",
                            json_object_get_string_member (peer_b, "id"), NULL);
  g_assert_cmpint (again->status, ==, 0);
  g_assert_nonnull (strstr (again->out, json_object_get_string_member (peer_b, "pairing_code")));
  g_assert_null (strstr (again->out, "Accepted"));
  g_clear_pointer (&on_b, json_array_unref);
  on_b = pair_list (dir_b);
  peer_b = json_array_get_object_element (on_b, 0);
  g_assert_false (json_object_get_boolean_member (peer_b, "pair_sent"));

  /* A wrong code is refused. */
  wrong = dropify_test_run ("pair", "--data-dir", dir_b, "accept",
                            json_object_get_string_member (peer_b, "id"), "000000", NULL);
  if (g_strcmp0 (json_object_get_string_member (peer_b, "pairing_code"), "000 000") != 0)
    {
      g_assert_cmpint (wrong->status, ==, 1);
      g_assert_nonnull (strstr (wrong->err, "code"));
    }

  accept_a = dropify_test_run ("pair", "--data-dir", fixture->dir, "accept",
                               json_object_get_string_member (peer_a, "id"),
                               json_object_get_string_member (peer_a, "pairing_code"), NULL);
  g_assert_cmpint (accept_a->status, ==, 0);
  g_assert_nonnull (strstr (accept_a->out, "Accepted the code"));
  {
    /* Typed without the space, as people do. */
    g_auto(GStrv) parts = g_strsplit (json_object_get_string_member (peer_b, "pairing_code"), " ", -1);
    g_autofree char *typed = g_strjoinv ("", parts);

    accept_b = dropify_test_run ("pair", "--data-dir", dir_b, "accept",
                                 json_object_get_string_member (peer_b, "id"), typed, NULL);
  }
  g_assert_cmpint (accept_b->status, ==, 0);

  /* Paired: what was made before arrives. */
  g_assert_true (dropify_test_wait_for (list_has, args, 10000));

  /* Unpaired: it stops. */
  unpair = dropify_test_run ("unpair", "--data-dir", fixture->dir,
                             json_object_get_string_member (peer_a, "id"), NULL);
  g_assert_cmpint (unpair->status, ==, 0);
  after = send_text (fixture->dir, "made after unpairing");
  args[1] = after;
  g_assert_false (dropify_test_wait_for (list_has, args, 1500));

  g_assert_cmpint (dropify_test_instance_stop (b, SIGTERM), ==, 0);
  dropify_test_remove_dir (dir_b);
}

/* The instance's own name is not cleaned (the user chose it), and neither
 * are texts: the commands still print none of their control or bidi
 * characters raw, while --json keeps them, escaped as JSON. */
static void
test_escapes_printed (Fixture       *fixture,
                      gconstpointer  data)
{
  static const char name[] = "Evil\x1b[2K\r\u202Eexe.pdf";
  static const char text[] = "one\ntwo\x1b[31mred\x07 \u202Ecba";
  static const char * const args[] = { "--group-secret", "cli-tests", "--name", name, NULL };
  g_autofree char *file = NULL;
  g_autofree char *id = NULL;
  g_autoptr(DropifyTestRun) run = NULL;
  g_autoptr(JsonNode) list = NULL;
  JsonObject *drop;

  fixture->instance = dropify_test_instance_start (fixture->dir, args);
  id = send_text (fixture->dir, text);
  g_strstrip (id);
  file = dropify_test_write_random (fixture->dir, "invoice\u202Efdp.exe", 10);
  run = dropify_test_run ("send", "--data-dir", fixture->dir, "--file", file, NULL);
  g_assert_cmpint (run->status, ==, 0);
  g_clear_pointer (&run, dropify_test_run_free);

  run = dropify_test_run ("list", "--data-dir", fixture->dir, NULL);
  g_assert_cmpint (run->status, ==, 0);
  dropify_test_assert_inert ("dropify list", run->out);
  g_assert_nonnull (strstr (run->out, "Evil\\u001b[2K\\u000d\\u202eexe.pdf"));
  g_assert_nonnull (strstr (run->out, "one two\\u001b[31mred\\u0007 \\u202ecba"));
  g_assert_nonnull (strstr (run->out, "invoice\\u202efdp.exe"));
  g_clear_pointer (&run, dropify_test_run_free);

  run = dropify_test_run ("peers", "--data-dir", fixture->dir, NULL);
  g_assert_cmpint (run->status, ==, 0);
  dropify_test_assert_inert ("dropify peers", run->out);
  g_clear_pointer (&run, dropify_test_run_free);

  /* JSON stays JSON, with the text as it was sent. */
  list = dropify_test_list_json (fixture->dir);
  drop = find_drop (list, id);
  g_assert_nonnull (drop);
  g_assert_cmpstr (json_object_get_string_member (drop, "text"), ==, text);
  g_assert_cmpstr (json_object_get_string_member (drop, "origin_name"), ==, name);
  /* JSON escapes the controls itself; a bidi override is a character
   * like any other there, for the program that reads it to handle. */
  run = dropify_test_run ("list", "--json", "--data-dir", fixture->dir, NULL);
  g_assert_null (strchr (run->out, '\x1b'));
  g_assert_null (strchr (run->out, '\r'));
  g_assert_null (strchr (run->out, '\x07'));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
#define ADD_STOPPED(path, func) \
  g_test_add (path, Fixture, "stopped", fixture_set_up, func, fixture_tear_down)

  ADD ("/cli/send-list", test_send_list);
  ADD ("/cli/stdin-text", test_stdin_text);
  ADD ("/cli/restart-keeps", test_restart_keeps);
  ADD ("/cli/ttl-expires", test_ttl_expires);
  ADD ("/cli/sigterm-consistent", test_sigterm_consistent);
  ADD ("/cli/sigkill-restarts", test_sigkill_restarts);
  ADD ("/cli/second-instance-refused", test_second_instance_refused);
  ADD ("/cli/connect-peers", test_connect_peers);
  ADD_STOPPED ("/cli/resume-after-kill", test_resume_after_kill);
  ADD_STOPPED ("/cli/pair", test_pair_by_cli);
  ADD_STOPPED ("/cli/send-rate-capped", test_send_rate_capped);
  ADD_STOPPED ("/cli/limits-refused", test_limits_refused);
  ADD_STOPPED ("/cli/not-running", test_not_running);
  ADD_STOPPED ("/cli/usage", test_usage);
  ADD_STOPPED ("/cli/corrupt-history", test_corrupt_history);
  ADD_STOPPED ("/cli/escapes-printed", test_escapes_printed);

  return g_test_run ();
}
