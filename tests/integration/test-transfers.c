#include "config.h"

#include <signal.h>

#include <glib/gstdio.h>

#include "dropify-control.h"
#include "dropify-test-support.h"

/* Transfers as both ends see them (issue 14): real `dropify --headless`
 * processes, a sender S that dials a receiver R, and what
 * `dropify transfers --json` says on each while a file moves, when
 * either end cancels it, and when the sender dies in the middle. */

#define SECRET "transfer-tests"

/* S's options: with @delay_ms, it sends one chunk (256 KiB) per that
 * many ms, through --max-send-rate. */
static char **
sender_options (guint delay_ms)
{
  char **options = g_new0 (char *, 3);

  if (delay_ms > 0)
    {
      options[0] = g_strdup ("--max-send-rate");
      options[1] = g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64) 256 * 1024 * 1000 / delay_ms);
    }

  return options;
}

/* R listens, S dials it: A and B of the pair. */
static DropifyTestPair *
pair_start (guint delay_ms)
{
  g_auto(GStrv) options = sender_options (delay_ms);

  return dropify_test_pair_start ("Receiver", "Sender", SECRET, (const char * const *) options);
}

static void
restart_sender (DropifyTestPair *pair,
                guint            delay_ms)
{
  g_auto(GStrv) options = sender_options (delay_ms);

  dropify_test_pair_start_b (pair, (const char * const *) options);
}

/* `dropify transfers --json` on @dir: the real command, as a user runs it */
static JsonArray *
transfers_on (const char *dir)
{
  g_autoptr(DropifyTestRun) run = dropify_test_run ("transfers", "--data-dir", dir, "--json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (run->status, ==, 0);
  json_parser_load_from_data (parser, run->out, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)));

  return json_array_ref (json_node_get_array (json_parser_get_root (parser)));
}

/* The transfer of @sha with @direction on @dir, or NULL */
static JsonObject *
transfer_on (const char *dir,
             const char *sha,
             const char *direction)
{
  g_autoptr(JsonArray) transfers = transfers_on (dir);
  JsonObject *found = NULL;

  for (guint i = 0; i < json_array_get_length (transfers); i++)
    {
      JsonObject *transfer = json_array_get_object_element (transfers, i);

      if (g_strcmp0 (json_object_get_string_member (transfer, "sha256"), sha) == 0 &&
          g_strcmp0 (json_object_get_string_member (transfer, "direction"), direction) == 0)
        {
          /* One per content, peer and direction: never two here. */
          g_assert_null (found);
          found = transfer;
        }
    }

  return found != NULL ? json_object_ref (found) : NULL;
}

typedef struct
{
  const char *dir;
  const char *sha;
  const char *direction;
  const char *state;     /* or NULL: any */
  int64_t     done;      /* at least */
} TransferWait;

static gboolean
transfer_reached (gpointer data)
{
  TransferWait *wait = data;
  g_autoptr(JsonObject) transfer = transfer_on (wait->dir, wait->sha, wait->direction);

  return transfer != NULL &&
         (wait->state == NULL || g_str_equal (json_object_get_string_member (transfer, "state"), wait->state)) &&
         json_object_get_int_member (transfer, "done") >= wait->done;
}

static void
wait_transfer (const char *dir,
               const char *sha,
               const char *direction,
               const char *state,
               int64_t     done,
               guint       timeout_ms)
{
  TransferWait wait = { dir, sha, direction, state, done };

  if (!dropify_test_wait_for (transfer_reached, &wait, timeout_ms))
    {
      g_autoptr(JsonArray) transfers = transfers_on (dir);
      g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), transfers);
      g_autofree char *text = json_to_string (node, TRUE);

      g_error ("No %s transfer %s with %" G_GINT64_FORMAT " bytes done in %u ms; listed:\n%s",
               direction, state ? state : "", done, timeout_ms, text);
    }
}

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
} DropWait;

static gboolean
drop_complete (gpointer data)
{
  DropWait *wait = data;
  g_autoptr(JsonObject) drop = drop_on (wait->dir, wait->id);
  g_autofree char *got = NULL;

  if (drop == NULL || !json_object_get_boolean_member (drop, "complete"))
    return FALSE;

  got = dropify_test_sha256_file (json_object_get_string_member (drop, "path"));
  g_assert_cmpstr (got, ==, wait->sha);
  return TRUE;
}

static gboolean
drop_listed (gpointer data)
{
  DropWait *wait = data;
  g_autoptr(JsonObject) drop = drop_on (wait->dir, wait->id);

  return drop != NULL;
}

/* Sends a file of @size from S; returns its drop id, and its sha in @sha. */
static char *
send_file (DropifyTestPair *pair,
           const char      *name,
           gsize            size,
           char           **sha)
{
  g_autofree char *src = dropify_test_write_random (pair->b->dir, name, size);
  g_autoptr(DropifyTestRun) run = dropify_test_run ("send", "--data-dir", pair->b->dir, "--file", src, NULL);

  g_assert_cmpint (run->status, ==, 0);
  *sha = dropify_test_sha256_file (src);
  return g_strdup (g_strstrip (run->out));
}

static void
assert_state (JsonObject *transfer,
              const char *state,
              const char *reason)
{
  g_assert_nonnull (transfer);
  g_assert_cmpstr (json_object_get_string_member (transfer, "state"), ==, state);
  if (reason != NULL)
    g_assert_cmpstr (json_object_get_string_member (transfer, "reason"), ==, reason);
}

static void
test_both_ends (void)
{
  const gsize size = 24 * 1000 * 1000;
  g_autofree char *sha = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) in = NULL;
  g_autoptr(JsonObject) out = NULL;
  g_autoptr(DropifyTestRun) plain = NULL;
  int64_t in_done, out_done;
  gboolean saw_rate = FALSE;
  g_autoptr(DropifyTestPair) pair = NULL;
  DropWait drop_wait;

  pair = pair_start (50);
  id = send_file (pair, "photo.jpg", size, &sha);

  wait_transfer (pair->a->dir, sha, "in", "active", 1, 20000);
  in = transfer_on (pair->a->dir, sha, "in");
  out = transfer_on (pair->b->dir, sha, "out");
  g_assert_nonnull (out);

  /* The same transfer, seen from each end. */
  g_assert_cmpstr (json_object_get_string_member (in, "peer"), ==, pair->b->id);
  g_assert_cmpstr (json_object_get_string_member (in, "peer_name"), ==, "Sender");
  g_assert_cmpstr (json_object_get_string_member (out, "peer"), ==, pair->a->id);
  g_assert_cmpstr (json_object_get_string_member (out, "peer_name"), ==, "Receiver");
  g_assert_cmpstr (json_object_get_string_member (in, "name"), ==, "photo.jpg");
  g_assert_cmpstr (json_object_get_string_member (out, "name"), ==, "photo.jpg");
  g_assert_cmpint (json_object_get_int_member (in, "size"), ==, (int64_t) size);
  g_assert_cmpint (json_object_get_int_member (out, "size"), ==, (int64_t) size);
  g_assert_true (json_object_has_member (in, "id"));
  g_assert_true (json_object_has_member (in, "rate"));
  g_assert_true (json_object_has_member (in, "reason"));
  in_done = json_object_get_int_member (in, "done");
  out_done = json_object_get_int_member (out, "done");
  g_assert_cmpint (in_done, >, 0);
  g_assert_cmpint (out_done, >, 0);

  /* Both move on. */
  wait_transfer (pair->a->dir, sha, "in", NULL, in_done + 1, 10000);
  wait_transfer (pair->b->dir, sha, "out", NULL, out_done + 1, 10000);
  for (guint i = 0; i < 20 && !saw_rate; i++)
    {
      g_autoptr(JsonObject) now = transfer_on (pair->a->dir, sha, "in");

      saw_rate = g_str_equal (json_object_get_string_member (now, "state"), "active") &&
                 json_object_get_int_member (now, "rate") > 0;
      g_usleep (100 * 1000);
    }
  g_assert_true (saw_rate);

  /* Plain output: one readable line each way. */
  plain = dropify_test_run ("transfers", "--data-dir", pair->b->dir, NULL);
  g_test_message ("sender: %s", plain->out);
  g_assert_cmpint (plain->status, ==, 0);
  g_assert_nonnull (strstr (plain->out, "photo.jpg"));
  g_assert_nonnull (strstr (plain->out, "to Receiver"));
  g_assert_nonnull (strstr (plain->out, "% (")); /* "28% (3.4 MB of 12.0 MB)" */
  g_assert_nonnull (strstr (plain->out, " of 24.0"));
  dropify_test_assert_inert ("transfers", plain->out);
  g_clear_pointer (&plain, dropify_test_run_free);
  plain = dropify_test_run ("transfers", "--data-dir", pair->a->dir, NULL);
  g_test_message ("receiver: %s", plain->out);
  g_assert_cmpint (plain->status, ==, 0);
  g_assert_nonnull (strstr (plain->out, "from Sender"));
  dropify_test_assert_inert ("transfers", plain->out);

  wait_transfer (pair->a->dir, sha, "in", "done", (int64_t) size, 30000);
  wait_transfer (pair->b->dir, sha, "out", "done", (int64_t) size, 10000);
  drop_wait = (DropWait) { pair->a->dir, id, sha };
  g_assert_true (dropify_test_wait_for (drop_complete, &drop_wait, 10000));
}

/* `dropify cancel` on @dir for @transfer, which succeeds. */
static void
cancel_on (const char *dir,
           JsonObject *transfer)
{
  g_autoptr(DropifyTestRun) run = dropify_test_run ("cancel", "--data-dir", dir,
                                                    json_object_get_string_member (transfer, "id"), NULL);

  g_assert_cmpint (run->status, ==, 0);
}

/* Cancelled at @canceller's end ("in" on R, "out" on S): both ends end
 * cancelled, R does not fetch it again by itself, even across a new
 * connection, and `dropify download` fetches it. */
static void
cancel_from (gboolean from_sender)
{
  const gsize size = 20 * 1000 * 1000;
  g_autofree char *sha = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) mine = NULL;
  g_autoptr(JsonObject) in = NULL;
  g_autoptr(JsonObject) out = NULL;
  g_autoptr(JsonObject) drop = NULL;
  g_autoptr(DropifyTestRun) run = NULL;
  const char *dir = NULL;
  int64_t received;
  g_autoptr(DropifyTestPair) pair = NULL;
  DropWait drop_wait;

  pair = pair_start (50);
  id = send_file (pair, "big.bin", size, &sha);

  wait_transfer (pair->a->dir, sha, "in", "active", 1, 20000);
  dir = from_sender ? pair->b->dir : pair->a->dir;
  mine = transfer_on (dir, sha, from_sender ? "out" : "in");
  cancel_on (dir, mine);

  wait_transfer (pair->a->dir, sha, "in", "cancelled", 0, 10000);
  wait_transfer (pair->b->dir, sha, "out", "cancelled", 0, 10000);
  in = transfer_on (pair->a->dir, sha, "in");
  out = transfer_on (pair->b->dir, sha, "out");
  assert_state (in, "cancelled", from_sender ? "Cancelled on Sender" : "Cancelled on this device");
  assert_state (out, "cancelled", from_sender ? "Cancelled on this device" : "Cancelled on Receiver");

  /* Again: nothing to do. An unknown id: a clear refusal. */
  cancel_on (dir, mine);
  run = dropify_test_run ("cancel", "--data-dir", dir, "no-such-transfer", NULL);
  g_assert_cmpint (run->status, !=, 0);
  g_assert_nonnull (strstr (run->err, "No transfer with that id"));
  g_clear_pointer (&run, dropify_test_run_free);

  /* Not fetched again by itself: not on this connection, and not on
   * the next one either. */
  g_usleep (1000 * 1000);
  drop = drop_on (pair->a->dir, id);
  g_assert_false (json_object_get_boolean_member (drop, "complete"));
  received = json_object_get_int_member (drop, "received");
  g_assert_cmpint (received, <, (int64_t) size);
  g_clear_pointer (&in, json_object_unref);
  in = transfer_on (pair->a->dir, sha, "in");
  assert_state (in, "cancelled", NULL);

  g_assert_cmpint (dropify_test_peer_stop (pair->b, SIGTERM), ==, 0);
  restart_sender (pair, 50);
  g_usleep (1500 * 1000);
  g_clear_pointer (&drop, json_object_unref);
  drop = drop_on (pair->a->dir, id);
  g_assert_false (json_object_get_boolean_member (drop, "complete"));
  g_clear_pointer (&in, json_object_unref);
  in = transfer_on (pair->a->dir, sha, "in");
  assert_state (in, "cancelled", NULL);

  /* Someone asks: it comes, from where it stopped. */
  run = dropify_test_run ("download", "--data-dir", pair->a->dir, id, NULL);
  g_assert_cmpint (run->status, ==, 0);
  g_clear_pointer (&run, dropify_test_run_free);
  drop_wait = (DropWait) { pair->a->dir, id, sha };
  g_assert_true (dropify_test_wait_for (drop_complete, &drop_wait, 60000));
  wait_transfer (pair->a->dir, sha, "in", "done", (int64_t) size, 10000);

  run = dropify_test_run ("download", "--data-dir", pair->a->dir, "no-such-drop", NULL);
  g_assert_cmpint (run->status, !=, 0);
  g_clear_pointer (&run, dropify_test_run_free);
}

static void
test_cancel_from_sender (void)
{
  cancel_from (TRUE);
}

static void
test_cancel_from_receiver (void)
{
  cancel_from (FALSE);
}

/* A cancel outlives the receiver (issue 14): restarted, it connects to
 * the sender again and does not fetch the content, until
 * `dropify download` asks for it. */
static void
test_cancel_survives_restart (void)
{
  const gsize size = 20 * 1000 * 1000;
  g_autofree char *sha = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) mine = NULL;
  g_autoptr(JsonObject) in = NULL;
  g_autoptr(JsonObject) drop = NULL;
  g_autoptr(DropifyTestRun) run = NULL;
  int64_t received;
  g_autoptr(DropifyTestPair) pair = NULL;
  DropWait drop_wait;

  pair = pair_start (50);
  id = send_file (pair, "big.bin", size, &sha);

  wait_transfer (pair->a->dir, sha, "in", "active", 1, 20000);
  mine = transfer_on (pair->a->dir, sha, "in");
  cancel_on (pair->a->dir, mine);
  wait_transfer (pair->a->dir, sha, "in", "cancelled", 0, 10000);
  wait_transfer (pair->b->dir, sha, "out", "cancelled", 0, 10000);
  /* Chunks already granted may still land: let them. */
  g_usleep (500 * 1000);

  g_assert_cmpint (dropify_test_peer_stop (pair->a, SIGTERM), ==, 0);

  /* Back, dialling the sender itself. */
  dropify_test_peer_start (pair->a, NULL, pair->b, NULL);
  dropify_test_peer_wait_trusted (pair->a, 1, 10000);
  drop = drop_on (pair->a->dir, id);
  g_assert_nonnull (drop);
  received = json_object_get_int_member (drop, "received");
  g_assert_cmpint (received, <, (int64_t) size);

  /* Not asked for: nothing comes in, no transfer is listed. */
  g_usleep (1500 * 1000);
  g_clear_pointer (&drop, json_object_unref);
  drop = drop_on (pair->a->dir, id);
  g_assert_false (json_object_get_boolean_member (drop, "complete"));
  g_assert_cmpint (json_object_get_int_member (drop, "received"), ==, received);
  in = transfer_on (pair->a->dir, sha, "in");
  g_assert_null (in);

  /* Someone asks: it comes, from where it stopped, and the cancel is
   * forgotten for good. */
  run = dropify_test_run ("download", "--data-dir", pair->a->dir, id, NULL);
  g_assert_cmpint (run->status, ==, 0);
  g_clear_pointer (&run, dropify_test_run_free);
  drop_wait = (DropWait) { pair->a->dir, id, sha };
  g_assert_true (dropify_test_wait_for (drop_complete, &drop_wait, 60000));
  in = transfer_on (pair->a->dir, sha, "in");
  assert_state (in, "done", NULL);
  g_assert_cmpint (json_object_get_int_member (in, "done"), ==, (int64_t) size);

}

/* A send cancelled while its receiver was away outlives the sender:
 * restarted, the sender answers the receiver's request with a cancel
 * (once), so nothing comes in until `dropify download` asks again. */
static void
test_send_cancel_survives_restart (void)
{
  const gsize size = 20 * 1000 * 1000;
  g_autofree char *sha = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) out = NULL;
  g_autoptr(JsonObject) in = NULL;
  g_autoptr(JsonObject) drop = NULL;
  g_autoptr(DropifyTestRun) run = NULL;
  g_autoptr(DropifyTestPair) pair = NULL;
  g_auto(GStrv) options = NULL;
  DropWait drop_wait;

  pair = pair_start (50);
  id = send_file (pair, "big.bin", size, &sha);
  wait_transfer (pair->a->dir, sha, "in", "active", 1, 20000);

  /* The receiver goes away; the sender's transfer waits for it, and is
   * cancelled there. */
  g_assert_cmpint (dropify_test_peer_stop (pair->a, SIGTERM), ==, 0);
  wait_transfer (pair->b->dir, sha, "out", "stalled", 0, 20000);
  out = transfer_on (pair->b->dir, sha, "out");
  cancel_on (pair->b->dir, out);
  wait_transfer (pair->b->dir, sha, "out", "cancelled", 0, 10000);

  /* The sender restarts, alone; then the receiver comes back, dialling
   * it, and asks. */
  g_assert_cmpint (dropify_test_peer_stop (pair->b, SIGTERM), ==, 0);
  options = sender_options (50);
  dropify_test_peer_start (pair->b, (const char * const *) options, NULL);
  dropify_test_peer_start (pair->a, NULL, pair->b, NULL);
  dropify_test_peer_wait_trusted (pair->a, 1, 10000);
  wait_transfer (pair->a->dir, sha, "in", "cancelled", 0, 20000);
  in = transfer_on (pair->a->dir, sha, "in");
  assert_state (in, "cancelled", "Cancelled on Sender");
  g_usleep (1000 * 1000);
  drop = drop_on (pair->a->dir, id);
  g_assert_nonnull (drop);
  g_assert_false (json_object_get_boolean_member (drop, "complete"));

  /* Asked for again: served, the cancel having been said once. */
  run = dropify_test_run ("download", "--data-dir", pair->a->dir, id, NULL);
  g_assert_cmpint (run->status, ==, 0);
  drop_wait = (DropWait) { pair->a->dir, id, sha };
  g_assert_true (dropify_test_wait_for (drop_complete, &drop_wait, 60000));
}

static gboolean
drop_gone (gpointer data)
{
  DropWait *wait = data;
  g_autoptr(JsonObject) drop = drop_on (wait->dir, wait->id);

  return drop == NULL;
}

/* `dropify expire --json` on @dir: the new drop */
static JsonObject *
expire_on (const char *dir,
           const char *id,
           const char *ttl)
{
  g_autoptr(DropifyTestRun) run = dropify_test_run ("expire", "--data-dir", dir, "--ttl", ttl,
                                                    "--json", id, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (run->status, ==, 0);
  json_parser_load_from_data (parser, run->out, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));

  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Change Expiry (issue 16): the same content dropped again with the new
 * expiry, for the same devices, and the old drop deleted everywhere;
 * the file does not move again. */
static void
test_change_expiry (void)
{
  const gsize size = 4 * 1000 * 1000;
  const int64_t week = G_GINT64_CONSTANT (7) * 24 * 60 * 60 * 1000;
  g_autofree char *sha = NULL;
  g_autofree char *id = NULL;
  g_autofree char *text_id = NULL;
  g_autofree char *old_path = NULL;
  g_autoptr(JsonObject) old = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(JsonObject) on_r = NULL;
  g_autoptr(JsonObject) in_before = NULL;
  g_autoptr(JsonObject) in_after = NULL;
  g_autoptr(DropifyTestRun) run = NULL;
  GStatBuf before, after;
  int64_t now;
  g_autoptr(DropifyTestPair) pair = NULL;
  DropWait drop_wait;

  pair = pair_start (0);
  id = send_file (pair, "report.pdf", size, &sha);
  drop_wait = (DropWait) { pair->a->dir, id, sha };
  g_assert_true (dropify_test_wait_for (drop_complete, &drop_wait, 30000));
  wait_transfer (pair->a->dir, sha, "in", "done", (int64_t) size, 10000);
  in_before = transfer_on (pair->a->dir, sha, "in");
  old = drop_on (pair->a->dir, id);
  old_path = g_strdup (json_object_get_string_member (old, "path"));
  g_assert_cmpint (g_stat (old_path, &before), ==, 0);

  /* From the receiver, a file it got from the sender. */
  now = g_get_real_time () / 1000;
  again = expire_on (pair->a->dir, id, "7d");
  g_assert_cmpstr (json_object_get_string_member (again, "id"), !=, id);
  g_assert_cmpstr (json_object_get_string_member (again, "kind"), ==, "file");
  g_assert_cmpstr (json_object_get_string_member (again, "sha256"), ==, sha);
  g_assert_cmpstr (json_object_get_string_member (again, "name"), ==, "report.pdf");
  g_assert_cmpint (json_object_get_int_member (again, "size"), ==, (int64_t) size);
  g_assert_true (json_object_get_boolean_member (again, "complete"));
  g_assert_cmpstr (json_object_get_string_member (again, "origin"), ==, pair->a->id);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (again, "audience")), ==, 0);
  g_assert_cmpint (json_object_get_int_member (again, "expires_at"), >=, now + week - 1000);
  g_assert_cmpint (json_object_get_int_member (again, "expires_at"), <=, g_get_real_time () / 1000 + week);

  /* The old drop is gone here at once, and on the sender soon. */
  g_assert_true (dropify_test_wait_for (drop_gone, &drop_wait, 100));
  drop_wait = (DropWait) { pair->b->dir, id, sha };
  g_assert_true (dropify_test_wait_for (drop_gone, &drop_wait, 10000));
  drop_wait = (DropWait) { pair->b->dir, json_object_get_string_member (again, "id"), sha };
  g_assert_true (dropify_test_wait_for (drop_complete, &drop_wait, 10000));
  on_r = drop_on (pair->a->dir, json_object_get_string_member (again, "id"));
  g_assert_cmpstr (json_object_get_string_member (on_r, "path"), ==, old_path);

  /* Nothing moved again: the same transfer, the same file. */
  g_usleep (500 * 1000);
  in_after = transfer_on (pair->a->dir, sha, "in");
  g_assert_cmpstr (json_object_get_string_member (in_after, "id"), ==,
                   json_object_get_string_member (in_before, "id"));
  g_assert_null (transfer_on (pair->a->dir, sha, "out"));
  g_assert_null (transfer_on (pair->b->dir, sha, "in"));
  g_assert_cmpint (g_stat (old_path, &after), ==, 0);
  g_assert_cmpuint (after.st_ino, ==, before.st_ino);
  g_assert_cmpint (after.st_mtime, ==, before.st_mtime);

  /* A drop for the receiver only, given a new lifetime by the receiver:
   * the new one is for the sender only, which held the old one. */
  run = dropify_test_run ("send", "--data-dir", pair->b->dir, "--to", pair->a->id, "for you only", NULL);
  g_assert_cmpint (run->status, ==, 0);
  text_id = g_strdup (g_strstrip (run->out));
  drop_wait = (DropWait) { pair->a->dir, text_id, NULL };
  g_assert_true (dropify_test_wait_for (drop_listed, &drop_wait, 10000));
  g_clear_pointer (&again, json_object_unref);
  again = expire_on (pair->a->dir, text_id, "10m");
  g_assert_cmpstr (json_object_get_string_member (again, "text"), ==, "for you only");
  {
    JsonArray *audience = json_object_get_array_member (again, "audience");

    g_assert_cmpuint (json_array_get_length (audience), ==, 1);
    g_assert_cmpstr (json_array_get_string_element (audience, 0), ==, pair->b->id);
  }
  drop_wait = (DropWait) { pair->b->dir, json_object_get_string_member (again, "id"), NULL };
  g_assert_true (dropify_test_wait_for (drop_listed, &drop_wait, 10000));
  drop_wait = (DropWait) { pair->b->dir, text_id, NULL };
  g_assert_true (dropify_test_wait_for (drop_gone, &drop_wait, 10000));

  /* Refusals: an unknown drop, no --ttl, a bad duration. */
  g_clear_pointer (&run, dropify_test_run_free);
  run = dropify_test_run ("expire", "--data-dir", pair->a->dir, "--ttl", "1h", "no-such-drop", NULL);
  g_assert_cmpint (run->status, !=, 0);
  g_assert_nonnull (strstr (run->err, "No drop with that id"));
  g_clear_pointer (&run, dropify_test_run_free);
  run = dropify_test_run ("expire", "--data-dir", pair->a->dir, text_id, NULL);
  g_assert_cmpint (run->status, !=, 0);
  g_clear_pointer (&run, dropify_test_run_free);
  run = dropify_test_run ("expire", "--data-dir", pair->a->dir, "--ttl", "soon", text_id, NULL);
  g_assert_cmpint (run->status, !=, 0);
  g_assert_nonnull (strstr (run->err, "is not a duration"));

}

/* The sender dies mid-file: the receiver's transfer waits for it, by
 * name, and goes on when it is back. */
static void
test_stalled_sender_killed (void)
{
  const gsize size = 16 * 1000 * 1000;
  g_autofree char *sha = NULL;
  g_autofree char *id = NULL;
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) stalled = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(DropifyTestRun) plain = NULL;
  g_autoptr(DropifyTestPair) pair = NULL;
  DropWait drop_wait;

  pair = pair_start (50);
  id = send_file (pair, "video.mkv", size, &sha);
  drop_wait = (DropWait) { pair->a->dir, id, sha };
  g_assert_true (dropify_test_wait_for (drop_listed, &drop_wait, 10000));

  wait_transfer (pair->a->dir, sha, "in", "active", 1024 * 1024, 20000);
  before = transfer_on (pair->a->dir, sha, "in");

  g_assert_cmpint (dropify_test_peer_stop (pair->b, SIGKILL), ==, 128 + SIGKILL);

  wait_transfer (pair->a->dir, sha, "in", "stalled", 0, 10000);
  stalled = transfer_on (pair->a->dir, sha, "in");
  assert_state (stalled, "stalled", "Waiting for Sender to come back");
  g_assert_cmpstr (json_object_get_string_member (stalled, "id"), ==,
                   json_object_get_string_member (before, "id"));
  g_assert_cmpint (json_object_get_int_member (stalled, "rate"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (stalled, "done"), <, (int64_t) size);

  plain = dropify_test_run ("transfers", "--data-dir", pair->a->dir, NULL);
  g_assert_cmpint (plain->status, ==, 0);
  g_assert_nonnull (strstr (plain->out, "Waiting for Sender to come back"));

  /* Back, at full speed: the same transfer goes on and ends. */
  restart_sender (pair, 0);
  wait_transfer (pair->a->dir, sha, "in", "done", (int64_t) size, 30000);
  after = transfer_on (pair->a->dir, sha, "in");
  g_assert_cmpstr (json_object_get_string_member (after, "id"), ==,
                   json_object_get_string_member (before, "id"));
  g_assert_true (dropify_test_wait_for (drop_complete, &drop_wait, 10000));
}

typedef struct
{
  const char *dir;
  guint       n_done;
} DoneWait;

static gboolean
drops_complete (gpointer data)
{
  DoneWait *wait = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = dropify_control_request (wait->dir, "GET", "/v1/drops", NULL, &error);
  JsonArray *array;
  guint n = 0;

  g_assert_no_error (error);
  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    n += json_object_get_boolean_member_with_default (json_array_get_object_element (array, i),
                                                      "complete", FALSE);

  return n == wait->n_done;
}

/* Finished transfers stay listed, but not without bound: a burst of 120
 * files leaves the last 100 on each side. */
static void
test_bounded (void)
{
  const guint n_files = 120;
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(DropifyTestRun) run = NULL;
  g_autoptr(JsonArray) in = NULL;
  g_autoptr(JsonArray) out = NULL;
  g_autoptr(DropifyTestPair) pair = NULL;
  DoneWait wait;

  pair = pair_start (0);
  g_ptr_array_add (args, g_strdup ("send"));
  g_ptr_array_add (args, g_strdup ("--data-dir"));
  g_ptr_array_add (args, g_strdup (pair->b->dir));
  g_ptr_array_add (args, g_strdup ("--file"));
  for (guint i = 0; i < n_files; i++)
    {
      g_autofree char *name = g_strdup_printf ("small-%u.bin", i);

      g_ptr_array_add (args, dropify_test_write_random (pair->b->dir, name, 2000));
    }
  g_ptr_array_add (args, NULL);
  run = dropify_test_runv ((const char * const *) args->pdata, NULL);
  g_assert_cmpint (run->status, ==, 0);

  wait = (DoneWait) { pair->a->dir, n_files };
  g_assert_true (dropify_test_wait_for (drops_complete, &wait, 60000));

  in = transfers_on (pair->a->dir);
  out = transfers_on (pair->b->dir);
  g_assert_cmpuint (json_array_get_length (in), ==, 100);
  g_assert_cmpuint (json_array_get_length (out), ==, 100);
  for (guint i = 0; i < 100; i++)
    {
      g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (in, i), "state"), ==, "done");
      g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (in, i), "direction"), ==, "in");
      g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (out, i), "direction"), ==, "out");
    }

}

static const DropifyTestCase cases[] = {
  { "/transfers/both-ends", test_both_ends },
  { "/transfers/cancel-from-sender", test_cancel_from_sender },
  { "/transfers/cancel-from-receiver", test_cancel_from_receiver },
  { "/transfers/cancel-survives-restart", test_cancel_survives_restart },
  { "/transfers/send-cancel-survives-restart", test_send_cancel_survives_restart },
  { "/transfers/change-expiry", test_change_expiry },
  { "/transfers/stalled-sender-killed", test_stalled_sender_killed },
  { "/transfers/bounded", test_bounded },
};

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  dropify_test_add_cases (cases, G_N_ELEMENTS (cases));

  return g_test_run ();
}
