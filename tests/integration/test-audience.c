#define _GNU_SOURCE

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "dropify-control.h"
#include "dropify-test-support.h"

/* Drops with an audience (issue 17), between real `dropify --headless`
 * processes: a drop from A to B never reaches C, not in its history, not
 * on its disk, not over its connections (its received byte counters),
 * neither in a mesh nor in a chain where C is the only link, nor after C
 * reconnects; and a target that was offline gets it when it returns. */

#define SECRET "audience-tests"  /* not a real secret */
#define FILE_SIZE (3 * 1000 * 1000)

static guint
slow_factor (void)
{
  const char *slow = g_getenv ("DROPIFY_TEST_SLOW");

  return slow ? MAX (1, (guint) g_ascii_strtoull (slow, NULL, 10)) : 1;
}

static guint
wait_ms (guint ms)
{
  return ms * slow_factor ();
}

static JsonNode *
control (const char *dir,
         const char *method,
         const char *path)
{
  g_autoptr(GError) error = NULL;
  JsonNode *reply = dropify_control_request (dir, method, path, NULL, &error);

  g_assert_no_error (error);
  return reply;
}



static JsonObject *
drop_on (const char *dir,
         const char *id)
{
  g_autoptr(JsonNode) list = control (dir, "GET", "/v1/drops");
  JsonArray *array = json_node_get_array (list);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *drop = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member (drop, "id"), id) == 0)
        return json_object_ref (drop);
    }

  return NULL;
}

typedef struct
{
  const char *dir;
  const char *id;
} Where;

static gboolean
listed (gpointer data)
{
  Where *where = data;
  g_autoptr(JsonObject) drop = drop_on (where->dir, where->id);

  return drop != NULL;
}

static gboolean
complete (gpointer data)
{
  Where *where = data;
  g_autoptr(JsonObject) drop = drop_on (where->dir, where->id);

  return drop != NULL && json_object_get_boolean_member (drop, "complete");
}

static void
assert_listed (const char *dir,
               const char *id)
{
  Where where = { dir, id };

  g_assert_true (dropify_test_wait_for (listed, &where, wait_ms (15000)));
}

static void
assert_not_listed (const char *dir,
                   const char *id)
{
  g_autoptr(JsonObject) drop = drop_on (dir, id);

  if (drop != NULL)
    g_error ("%s holds drop %s, which was not meant for it", dir, id);
}

/* What the instance on @dir received from its peers since it started:
 * every frame, text and binary, as it counts them. */
static int64_t
bytes_in (const char *dir)
{
  g_autoptr(JsonNode) peers = control (dir, "GET", "/v1/peers");
  JsonArray *array = json_node_get_array (peers);
  int64_t total = 0;

  for (guint i = 0; i < json_array_get_length (array); i++)
    total += json_object_get_int_member_with_default (json_array_get_object_element (array, i),
                                                      "bytes_in", 0);

  return total;
}

/* No file under @dir holds the content, whole or in part: neither under
 * its SHA-256's name (a blob, a partial transfer) nor with its first
 * bytes (a copy under another name). */
static void
assert_no_content (const char   *dir,
                   const char   *sha,
                   const guint8 *head,
                   gsize         head_len)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  if (listing == NULL)
    return;

  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (strstr (name, sha) != NULL)
        g_error ("%s holds a file named after content not meant for it", path);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          assert_no_content (path, sha, head, head_len);
          continue;
        }

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR) || !g_file_get_contents (path, &contents, &len, NULL))
        continue;

      if (len >= head_len && memmem (contents, len, head, head_len) != NULL)
        g_error ("%s holds bytes of content not meant for it", path);
    }
}

static char *
send_cli (const char * const *args)
{
  g_autoptr(DropifyTestRun) run = dropify_test_runv (args, NULL);

  if (run->status != 0)
    g_error ("dropify send failed (%d): %s", run->status, run->err);

  return g_strdup (g_strstrip (run->out));
}

static char *
send_text (const char *dir,
           const char *text)
{
  const char *args[] = { "send", "--data-dir", dir, text, NULL };

  return send_cli (args);
}

static guint8 *
read_head (const char *path,
           gsize       len)
{
  g_autofree char *contents = NULL;
  gsize got = 0;

  g_assert_true (g_file_get_contents (path, &contents, &got, NULL));
  g_assert_cmpuint (got, >=, len);
  return g_memdup2 (contents, len);
}

/* A, B and C all connected to each other. A sends a file and a text to
 * B; C must see neither, however long it waits, and get none of their
 * bytes; and again after it reconnects. */
static void
test_mesh (void)
{
  g_autoptr(DropifyTestPeer) a = dropify_test_peer_new ("A", SECRET);
  g_autoptr(DropifyTestPeer) b = dropify_test_peer_new ("B", SECRET);
  g_autoptr(DropifyTestPeer) c = dropify_test_peer_new ("C", SECRET);
  g_autofree char *src = dropify_test_write_random (a->dir, "private.bin", FILE_SIZE);
  g_autofree char *sha = dropify_test_sha256_file (src);
  g_autofree guint8 *head = read_head (src, 64 * 1024);
  g_autofree char *file_id = NULL;
  g_autofree char *text_id = NULL;
  g_autofree char *barrier = NULL;
  g_autofree char *after = NULL;
  g_autoptr(JsonObject) on_b = NULL;
  Where where;

  dropify_test_peer_start (a, NULL, NULL);
  dropify_test_peer_start (b, NULL, a, NULL);
  dropify_test_peer_start (c, NULL, a, b, NULL);
  dropify_test_peer_wait_trusted (a, 2, wait_ms (15000));
  dropify_test_peer_wait_trusted (b, 2, wait_ms (15000));
  dropify_test_peer_wait_trusted (c, 2, wait_ms (15000));

  {
    const char *args[] = { "send", "--data-dir", a->dir, "--to", "B", "--file", src, NULL };
    file_id = send_cli (args);
  }
  {
    const char *args[] = { "send", "--data-dir", a->dir, "--to", b->id, "for B only", NULL };
    text_id = send_cli (args);
  }

  where = (Where) { b->dir, file_id };
  g_assert_true (dropify_test_wait_for (complete, &where, wait_ms (30000)));
  assert_listed (b->dir, text_id);

  /* B lists who it was for. */
  on_b = drop_on (b->dir, text_id);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (on_b, "audience")), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (on_b, "audience"), 0),
                   ==, b->id);

  /* A drop for everyone, sent after both, reaches C: whatever was to
   * reach C has had its chance. */
  barrier = send_text (a->dir, "for everyone");
  assert_listed (c->dir, barrier);
  assert_listed (b->dir, barrier);
  g_usleep (500 * 1000);

  assert_not_listed (c->dir, file_id);
  assert_not_listed (c->dir, text_id);
  assert_no_content (c->dir, sha, head, 64 * 1024);
  g_test_message ("C received %" G_GINT64_FORMAT " bytes in all; the file is %d",
                  bytes_in (c->dir), FILE_SIZE);
  g_assert_cmpint (bytes_in (c->dir), <, FILE_SIZE / 10);

  /* C comes back: reconciliation with A and B, which both hold the
   * drops, still offers C nothing of them. */
  g_assert_cmpint (dropify_test_peer_stop (c, SIGTERM), ==, 0);
  dropify_test_peer_start (c, NULL, a, b, NULL);
  dropify_test_peer_wait_trusted (c, 2, wait_ms (15000));
  after = send_text (b->dir, "for everyone, again");
  assert_listed (c->dir, after);
  g_usleep (500 * 1000);

  assert_not_listed (c->dir, file_id);
  assert_not_listed (c->dir, text_id);
  assert_no_content (c->dir, sha, head, 64 * 1024);
  g_assert_cmpint (bytes_in (c->dir), <, FILE_SIZE / 10);

  /* Deleting it on B reaches A, the other holder. */
  {
    const char *args[] = { "delete", "--data-dir", b->dir, text_id, NULL };
    g_autoptr(DropifyTestRun) run = dropify_test_runv (args, NULL);

    g_assert_cmpint (run->status, ==, 0);
  }
  {
    int64_t deadline = g_get_monotonic_time () + (int64_t) wait_ms (15000) * 1000;
    g_autoptr(JsonObject) on_a = NULL;

    while ((on_a = drop_on (a->dir, text_id)) != NULL && g_get_monotonic_time () < deadline)
      {
        g_clear_pointer (&on_a, json_object_unref);
        g_usleep (50 * 1000);
      }
    g_assert_null (on_a);
  }

}

/* A – C – B: C is the only link between A and B. A drop from A to B is
 * not C's to hold, so C neither stores nor forwards it, and B gets it
 * only once A and B are connected themselves (docs/protocol.md §7.4). */
static void
test_chain (void)
{
  g_autoptr(DropifyTestPeer) a = dropify_test_peer_new ("A", SECRET);
  g_autoptr(DropifyTestPeer) b = dropify_test_peer_new ("B", SECRET);
  g_autoptr(DropifyTestPeer) c = dropify_test_peer_new ("C", SECRET);
  g_autofree char *src = dropify_test_write_random (a->dir, "private.bin", FILE_SIZE);
  g_autofree char *sha = dropify_test_sha256_file (src);
  g_autofree guint8 *head = read_head (src, 64 * 1024);
  g_autofree char *file_id = NULL;
  g_autofree char *barrier = NULL;
  Where where;

  /* First all three meet, so that A knows B as a paired device. */
  dropify_test_peer_start (a, NULL, NULL);
  dropify_test_peer_start (b, NULL, a, NULL);
  dropify_test_peer_wait_trusted (a, 1, wait_ms (15000));
  g_assert_cmpint (dropify_test_peer_stop (b, SIGTERM), ==, 0);

  /* Then the chain: C dials A, B dials C only. */
  dropify_test_peer_start (c, NULL, a, NULL);
  dropify_test_peer_start (b, NULL, c, NULL);
  dropify_test_peer_wait_trusted (c, 2, wait_ms (15000));

  {
    const char *args[] = { "send", "--data-dir", a->dir, "--to", b->id, "--file", src, NULL };
    file_id = send_cli (args);
  }

  /* Drops for everyone travel the chain; this one does not. */
  barrier = send_text (a->dir, "for everyone");
  assert_listed (b->dir, barrier);
  g_usleep (1000 * 1000);
  assert_not_listed (c->dir, file_id);
  assert_not_listed (b->dir, file_id);
  assert_no_content (c->dir, sha, head, 64 * 1024);
  g_assert_cmpint (bytes_in (c->dir), <, FILE_SIZE / 10);

  /* B now reaches A too: A delivers it. */
  g_assert_cmpint (dropify_test_peer_stop (b, SIGTERM), ==, 0);
  dropify_test_peer_start (b, NULL, c, a, NULL);
  where = (Where) { b->dir, file_id };
  g_assert_true (dropify_test_wait_for (complete, &where, wait_ms (30000)));
  {
    g_autoptr(JsonObject) on_b = drop_on (b->dir, file_id);
    g_autofree char *got = dropify_test_sha256_file (json_object_get_string_member (on_b, "path"));

    g_assert_cmpstr (got, ==, sha);
  }

  /* C still has none of it, though both its neighbours hold it. */
  g_usleep (1000 * 1000);
  assert_not_listed (c->dir, file_id);
  assert_no_content (c->dir, sha, head, 64 * 1024);
  g_assert_cmpint (bytes_in (c->dir), <, FILE_SIZE / 10);
}

/* B is offline when A sends to it: A keeps it, C never gets it, and B
 * gets it when it comes back. */
static void
test_offline_target (void)
{
  g_autoptr(DropifyTestPeer) a = dropify_test_peer_new ("A", SECRET);
  g_autoptr(DropifyTestPeer) b = dropify_test_peer_new ("B", SECRET);
  g_autoptr(DropifyTestPeer) c = dropify_test_peer_new ("C", SECRET);
  g_autofree char *id = NULL;
  g_autofree char *barrier = NULL;

  dropify_test_peer_start (a, NULL, NULL);
  dropify_test_peer_start (b, NULL, a, NULL);
  dropify_test_peer_start (c, NULL, a, NULL);
  dropify_test_peer_wait_trusted (a, 2, wait_ms (15000));
  g_assert_cmpint (dropify_test_peer_stop (b, SIGTERM), ==, 0);

  /* By name: B is paired, though not connected. */
  {
    const char *args[] = { "send", "--data-dir", a->dir, "--to", "b", "while you were out", NULL };
    id = send_cli (args);
  }
  barrier = send_text (a->dir, "for everyone");
  assert_listed (c->dir, barrier);
  g_usleep (500 * 1000);
  assert_not_listed (c->dir, id);

  dropify_test_peer_start (b, NULL, a, NULL);
  assert_listed (b->dir, id);
  assert_not_listed (c->dir, id);
}

/* The CLI: names resolve among paired devices, an unknown or ambiguous
 * name is an error that lists the candidates, inert; list shows who a
 * drop is for. */
static void
test_cli (void)
{
  g_autoptr(DropifyTestPeer) a = dropify_test_peer_new ("A", SECRET);
  /* Two devices with one name, one of them with an escape in it. */
  g_autoptr(DropifyTestPeer) b = dropify_test_peer_new ("Twin\033[2J", SECRET);
  g_autoptr(DropifyTestPeer) c = dropify_test_peer_new ("twin\033[2j", SECRET);
  g_autofree char *id = NULL;
  g_autoptr(DropifyTestRun) run = NULL;
  g_autoptr(JsonNode) list = NULL;

  dropify_test_peer_start (a, NULL, NULL);
  dropify_test_peer_start (b, NULL, a, NULL);
  dropify_test_peer_start (c, NULL, a, NULL);
  dropify_test_peer_wait_trusted (a, 2, wait_ms (15000));

  {
    const char *args[] = { "send", "--data-dir", a->dir, "--to", "nobody", "hello", NULL };
    run = dropify_test_runv (args, NULL);
  }
  g_test_message ("unknown: %s", run->err);
  g_assert_cmpint (run->status, ==, 1);
  g_assert_nonnull (strstr (run->err, "nobody"));
  g_assert_nonnull (strstr (run->err, "Twin"));
  dropify_test_assert_inert ("an unknown name's error", run->err);
  g_clear_pointer (&run, dropify_test_run_free);

  {
    const char *args[] = { "send", "--data-dir", a->dir, "--to", "TWIN[2J", "hello", NULL };
    run = dropify_test_runv (args, NULL);
  }
  g_test_message ("ambiguous: %s", run->err);
  g_assert_cmpint (run->status, ==, 1);
  g_assert_nonnull (strstr (run->err, "several"));
  dropify_test_assert_inert ("an ambiguous name's error", run->err);
  g_clear_pointer (&run, dropify_test_run_free);

  /* An id picks one of them. */
  {
    const char *args[] = { "send", "--data-dir", a->dir, "--to", b->id, "for one twin", NULL };

    id = send_cli (args);
    list = dropify_test_list_json (a->dir);
    for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
      {
        JsonObject *drop = json_array_get_object_element (json_node_get_array (list), i);
        JsonArray *audience = json_object_get_array_member (drop, "audience");

        g_assert_nonnull (audience);
        if (g_str_equal (json_object_get_string_member (drop, "id"), id))
          {
            g_assert_cmpuint (json_array_get_length (audience), ==, 1);
            g_assert_cmpstr (json_array_get_string_element (audience, 0), ==, b->id);
          }
      }
  }

  {
    const char *args[] = { "send", "--data-dir", a->dir, "for all", NULL };
    g_autofree char *everyone = send_cli (args);
    g_autoptr(JsonNode) again = dropify_test_list_json (a->dir);

    for (guint i = 0; i < json_array_get_length (json_node_get_array (again)); i++)
      {
        JsonObject *drop = json_array_get_object_element (json_node_get_array (again), i);

        if (g_str_equal (json_object_get_string_member (drop, "id"), everyone))
          g_assert_cmpuint (json_array_get_length (json_object_get_array_member (drop, "audience")), ==, 0);
      }
  }

  {
    const char *args[] = { "list", "--data-dir", a->dir, NULL };
    run = dropify_test_runv (args, NULL);
  }
  g_assert_cmpint (run->status, ==, 0);
  g_test_message ("%s", run->out);
  g_assert_nonnull (strstr (run->out, "To Twin"));
  dropify_test_assert_inert ("list", run->out);
}

/* Sending a drop again (issue 17's "Send to…"): a new drop from this
 * device, for the audience given, of content already in its blob store. */

static void
send_again_file_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  DropifyDrop **drop = user_data;
  g_autoptr(GError) error = NULL;

  *drop = dropify_service_send_file_finish (DROPIFY_SERVICE (object), result, &error);
  g_assert_no_error (error);
}

static gboolean
pointer_is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static void
test_send_again (void)
{
  const char *elsewhere[] = { "0123abcd-0000-8000-8000-000000000001", NULL };
  const char *tablet[] = { "0123abcd-0000-8000-8000-000000000002", NULL };
  DropifyTestNode *node = dropify_test_node_start ("Desk", SECRET);
  DropifyService *service = node->service;
  DropifyHistory *history = dropify_service_get_history (service);
  g_autoptr(DropifyDrop) text = NULL;
  g_autoptr(DropifyDrop) text_again = NULL;
  g_autoptr(DropifyDrop) file_drop = NULL;
  g_autoptr(DropifyDrop) file_again = NULL;
  g_autoptr(DropifyDrop) missing = NULL;
  g_autoptr(DropifyDrop) missing_again = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *missing_id = NULL;
  g_autofree char *unknown_sha = g_strnfill (64, '0');

  text = dropify_service_send_text_to (service, "the guest Wi-Fi", 0, elsewhere, &error);
  g_assert_no_error (error);
  text_again = dropify_service_send_again (service, text, tablet, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dropify_drop_get_id (text_again), !=, dropify_drop_get_id (text));
  g_assert_cmpstr (dropify_drop_get_text (text_again), ==, "the guest Wi-Fi");
  g_assert_cmpstr (dropify_drop_get_audience (text_again)[0], ==, tablet[0]);
  g_assert_null (dropify_drop_get_audience (text_again)[1]);
  g_assert_true (dropify_drop_id_fits_audience (dropify_drop_get_id (text_again), tablet));
  g_assert_cmpstr (dropify_drop_get_audience (text)[0], ==, elsewhere[0]);
  g_assert_nonnull (dropify_history_lookup (history, dropify_drop_get_id (text_again)));

  /* A file: its original may be gone, the blob store has the content. */
  path = dropify_test_write_random (node->dir, "video.mp4", 300 * 1000);
  file = g_file_new_for_path (path);
  dropify_service_send_file_to_async (service, file, 0, elsewhere, NULL,
                                      send_again_file_cb, &file_drop);
  g_assert_true (dropify_test_wait_for (pointer_is_set, &file_drop, wait_ms (10000)));
  g_assert_no_errno (g_unlink (path));

  file_again = dropify_service_send_again (service, file_drop, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (dropify_drop_is_targeted (file_again));
  g_assert_cmpstr (dropify_drop_get_sha256 (file_again), ==, dropify_drop_get_sha256 (file_drop));
  g_assert_cmpstr (dropify_drop_get_name (file_again), ==, "video.mp4");
  g_assert_cmpuint (dropify_drop_get_size (file_again), ==, 300 * 1000);
  g_assert_true (dropify_drop_get_complete (file_again));

  /* A file from another device that has not arrived cannot go on. */
  missing_id = dropify_drop_new_id (NULL);
  missing = dropify_drop_new_file (missing_id, "0123abcd-0000-8000-8000-000000000003", "Laptop",
                                   "notes.pdf", "application/pdf", 10, unknown_sha,
                                   dropify_history_now (history),
                                   dropify_history_now (history) + 60 * 1000);
  g_assert_true (dropify_history_add (history, missing, &error));
  g_assert_no_error (error);
  missing_again = dropify_service_send_again (service, missing, tablet, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_null (missing_again);
  g_clear_error (&error);

  /* A bad audience is refused as for any drop. */
  {
    const char *bad[] = { "not a device id", NULL };
    g_autoptr(DropifyDrop) refused = dropify_service_send_again (service, text, bad, &error);

    g_assert_null (refused);
    g_assert_nonnull (error);
  }

  dropify_test_node_stop (node);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/audience/mesh", test_mesh);
  g_test_add_func ("/audience/chain", test_chain);
  g_test_add_func ("/audience/offline-target", test_offline_target);
  g_test_add_func ("/audience/cli", test_cli);
  g_test_add_func ("/audience/send-again", test_send_again);

  return g_test_run ();
}
