#include "config.h"

#include <signal.h>

#include "dropify-control.h"
#include "dropify-test-support.h"

/* Content that reaches a device through others (issue 14): real
 * `dropify --headless` processes in a chain B → A → D → E, each connected
 * to its neighbours only. B is killed in the middle of sending a file to
 * A and comes back; A then completes it, and D and E must follow at once,
 * although each was told `file-missing` before (docs/protocol.md
 * §11.1). */

#define SECRET "relay-tests"

static guint
slow_factor (void)
{
  const char *slow = g_getenv ("DROPIFY_TEST_SLOW");

  return slow ? MAX (1, (guint) g_ascii_strtoull (slow, NULL, 10)) : 1;
}


/* The drop @id as the instance on @dir lists it, or NULL. Through the
 * control socket, not the CLI: polling it must be cheap, so that the
 * times measured are the instances', not the test's. */
static JsonObject *
drop_on (const char *dir,
         const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = dropify_control_request (dir, "GET", "/v1/drops", NULL, &error);
  JsonArray *array;

  g_assert_no_error (error);
  array = json_node_get_array (list);
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
  const char *sha;
  int64_t     at_least;
} FileWait;

/* Received at least @at_least bytes, or complete; a complete one must
 * match its SHA-256. */
static gboolean
file_progress (gpointer data)
{
  FileWait *wait = data;
  g_autoptr(JsonObject) drop = drop_on (wait->dir, wait->id);

  if (drop == NULL)
    return FALSE;

  if (json_object_get_boolean_member (drop, "complete"))
    {
      g_autofree char *got = dropify_test_sha256_file (json_object_get_string_member (drop, "path"));

      g_assert_cmpstr (got, ==, wait->sha);
      return TRUE;
    }

  return json_object_get_int_member_with_default (drop, "received", 0) >= wait->at_least;
}

static gboolean
file_complete (const char *dir,
               const char *id,
               const char *sha)
{
  FileWait wait = { dir, id, sha, G_MAXINT64 };

  return file_progress (&wait);
}

static gboolean
listed (gpointer data)
{
  const char **args = data;
  g_autoptr(JsonObject) drop = drop_on (args[0], args[1]);

  return drop != NULL;
}

static void
test_relay_after_sender_returns (void)
{
  const guint64 size = 24 * 1000 * 1000;
  g_autoptr(DropifyTestPeer) a = dropify_test_peer_new ("A", SECRET);
  g_autoptr(DropifyTestPeer) d = dropify_test_peer_new ("D", SECRET);
  g_autoptr(DropifyTestPeer) e = dropify_test_peer_new ("E", SECRET);
  g_autoptr(DropifyTestPeer) b = dropify_test_peer_new ("B", SECRET);
  g_autofree char *src = dropify_test_write_random (b->dir, "big.bin", size);
  g_autofree char *sha = dropify_test_sha256_file (src);
  g_autofree char *id = NULL;
  g_autoptr(DropifyTestRun) run = NULL;
  g_autoptr(JsonObject) on_a = NULL;
  g_autoptr(JsonObject) on_d = NULL;
  const guint slow = slow_factor ();
  const char *args[2];
  int64_t a_done = 0, d_done = 0, e_done = 0, deadline;
  FileWait wait;

  dropify_test_peer_start (a, NULL, NULL);
  dropify_test_peer_start (d, NULL, a, NULL);
  dropify_test_peer_start (e, NULL, d, NULL);
  {
    /* B sends slowly (13 MB/s), so it can be killed mid-transfer. */
    const char * const slowly[] = { "--max-send-rate", "13M", NULL };

    dropify_test_peer_start (b, slowly, a, NULL);
  }
  dropify_test_peer_wait_trusted (a, 2, 10000);

  run = dropify_test_run ("send", "--data-dir", b->dir, "--file", src, NULL);
  g_assert_cmpint (run->status, ==, 0);
  id = g_strdup (g_strstrip (run->out));

  /* D learns of the drop from A, and asks A, which has only part of it:
   * file-missing; E learns of it from D, which has none of it. */
  args[0] = e->dir;
  args[1] = id;
  g_assert_true (dropify_test_wait_for (listed, args, 10000));
  wait = (FileWait) { a->dir, id, sha, 4 * 1000 * 1000 };
  g_assert_true (dropify_test_wait_for (file_progress, &wait, 30000));

  g_assert_cmpint (dropify_test_peer_stop (b, SIGKILL), ==, 128 + SIGKILL);

  on_a = drop_on (a->dir, id);
  on_d = drop_on (d->dir, id);
  g_assert_false (json_object_get_boolean_member (on_a, "complete"));
  g_assert_cmpint (json_object_get_int_member (on_a, "received"), <, (int64_t) size);
  g_assert_false (json_object_get_boolean_member (on_d, "complete"));
  g_clear_pointer (&on_d, json_object_unref);
  on_d = drop_on (e->dir, id);
  g_assert_false (json_object_get_boolean_member (on_d, "complete"));

  /* Give D time to have been told file-missing by every device it can
   * reach, as a user's D would have been long before. */
  g_usleep (500 * 1000);

  /* B comes back at full speed; A resumes from it. */
  dropify_test_peer_start (b, NULL, a, NULL);

  deadline = g_get_monotonic_time () + (int64_t) 60 * G_USEC_PER_SEC * slow;
  while (e_done == 0 && g_get_monotonic_time () < deadline)
    {
      if (a_done == 0 && file_complete (a->dir, id, sha))
        {
          a_done = g_get_monotonic_time ();
          /* From here D and E have a few seconds, not the rest of a
           * minute. */
          deadline = a_done + (int64_t) 10 * G_USEC_PER_SEC * slow;
        }
      if (a_done != 0 && d_done == 0 && file_complete (d->dir, id, sha))
        d_done = g_get_monotonic_time ();
      if (d_done != 0 && file_complete (e->dir, id, sha))
        e_done = g_get_monotonic_time ();
      g_usleep (20 * 1000);
    }

  g_assert_cmpint (a_done, !=, 0);
  if (d_done == 0)
    g_error ("D never got the file that A completed (waited %u s after A)", 10 * slow);
  if (e_done == 0)
    g_error ("E never got the file that D completed");
  g_test_message ("D completed %.2f s after A, E %.2f s after D (%" G_GUINT64_FORMAT " bytes)",
                  (double) (d_done - a_done) / G_USEC_PER_SEC,
                  (double) (e_done - d_done) / G_USEC_PER_SEC, size);
  g_assert_cmpint (d_done - a_done, <, (int64_t) 5 * G_USEC_PER_SEC * slow);
  g_assert_cmpint (e_done - d_done, <, (int64_t) 5 * G_USEC_PER_SEC * slow);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/relay/after-sender-returns", test_relay_after_sender_returns);

  return g_test_run ();
}
