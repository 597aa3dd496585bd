#include "config.h"

#include "dropify-core.h"

/* DropifyTransfer alone: its states, its rate, and what it says of itself
 * in `transfers --json`. The list's bounds are DropifySync's, and are
 * tested with real instances (tests/integration/test-transfers.c). */

#define SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define S(x) ((int64_t) (x) * G_USEC_PER_SEC)

static guint n_notify;

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  if (g_str_equal (pspec->name, user_data))
    n_notify++;
}

static DropifyTransfer *
new_transfer (uint64_t size)
{
  return dropify_transfer_new (SHA, "photo.jpg", "peer-1", "Laptop",
                               DROPIFY_TRANSFER_DIRECTION_OUT, size);
}

static void
test_transfer_new (void)
{
  g_autoptr(DropifyTransfer) a = new_transfer (1000);
  g_autoptr(DropifyTransfer) b = new_transfer (1000);

  g_assert_cmpstr (dropify_transfer_get_sha256 (a), ==, SHA);
  g_assert_cmpstr (dropify_transfer_get_name (a), ==, "photo.jpg");
  g_assert_cmpstr (dropify_transfer_get_peer_id (a), ==, "peer-1");
  g_assert_cmpstr (dropify_transfer_get_peer_name (a), ==, "Laptop");
  g_assert_cmpint (dropify_transfer_get_direction (a), ==, DROPIFY_TRANSFER_DIRECTION_OUT);
  g_assert_cmpint (dropify_transfer_get_state (a), ==, DROPIFY_TRANSFER_STATE_QUEUED);
  g_assert_cmpuint (dropify_transfer_get_done (a), ==, 0);
  g_assert_cmpuint (dropify_transfer_get_size (a), ==, 1000);
  g_assert_cmpuint (dropify_transfer_get_rate (a), ==, 0);
  g_assert_null (dropify_transfer_get_reason (a));
  g_assert_false (dropify_transfer_is_finished (a));

  /* Ids are uuids, and differ. */
  g_assert_true (g_uuid_string_is_valid (dropify_transfer_get_id (a)));
  g_assert_cmpstr (dropify_transfer_get_id (a), !=, dropify_transfer_get_id (b));
}

static void
test_transfer_states (void)
{
  static const struct {
    DropifyTransferState state;
    const char          *name;
    gboolean             finished;
  } states[] = {
    { DROPIFY_TRANSFER_STATE_QUEUED, "queued", FALSE },
    { DROPIFY_TRANSFER_STATE_ACTIVE, "active", FALSE },
    { DROPIFY_TRANSFER_STATE_STALLED, "stalled", FALSE },
    { DROPIFY_TRANSFER_STATE_DONE, "done", TRUE },
    { DROPIFY_TRANSFER_STATE_CANCELLED, "cancelled", TRUE },
    { DROPIFY_TRANSFER_STATE_FAILED, "failed", TRUE },
  };
  g_autoptr(DropifyTransfer) transfer = new_transfer (1000);

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      dropify_transfer_set_state (transfer, states[i].state, NULL, S (i));
      g_assert_cmpint (dropify_transfer_get_state (transfer), ==, states[i].state);
      g_assert_cmpstr (dropify_transfer_state_to_string (states[i].state), ==, states[i].name);
      g_assert_cmpint (dropify_transfer_is_finished (transfer), ==, states[i].finished);
      /* A new transfer is queued already: no change, no new time. */
      if (i > 0)
        g_assert_cmpint (dropify_transfer_get_changed_at (transfer), ==, S (i));
    }

  /* A state the enum does not have (from a later version, say) never
   * reads past the names. */
  g_assert_cmpstr (dropify_transfer_state_to_string ((DropifyTransferState) 99), ==, "failed");
}

static void
test_transfer_reason_and_notify (void)
{
  g_autoptr(DropifyTransfer) transfer = new_transfer (1000);

  g_signal_connect (transfer, "notify", G_CALLBACK (count_notify), (gpointer) "state");
  n_notify = 0;

  dropify_transfer_set_state (transfer, DROPIFY_TRANSFER_STATE_STALLED,
                              "Waiting for Laptop to come back", S (1));
  g_assert_cmpstr (dropify_transfer_get_reason (transfer), ==, "Waiting for Laptop to come back");
  g_assert_cmpuint (n_notify, ==, 1);

  /* The same state again notifies nothing. */
  dropify_transfer_set_state (transfer, DROPIFY_TRANSFER_STATE_STALLED,
                              "Waiting for Laptop to come back", S (2));
  g_assert_cmpuint (n_notify, ==, 1);
  g_assert_cmpint (dropify_transfer_get_changed_at (transfer), ==, S (1));

  /* Moving again clears the reason. */
  dropify_transfer_set_state (transfer, DROPIFY_TRANSFER_STATE_ACTIVE, NULL, S (3));
  g_assert_null (dropify_transfer_get_reason (transfer));
  g_assert_cmpuint (n_notify, ==, 2);

  /* Done means all of it. */
  dropify_transfer_set_state (transfer, DROPIFY_TRANSFER_STATE_DONE, NULL, S (4));
  g_assert_cmpuint (dropify_transfer_get_done (transfer), ==, 1000);

  dropify_transfer_set_peer_name (transfer, "Kitchen laptop");
  g_assert_cmpstr (dropify_transfer_get_peer_name (transfer), ==, "Kitchen laptop");
  dropify_transfer_set_peer_name (transfer, NULL);
  g_assert_cmpstr (dropify_transfer_get_peer_name (transfer), ==, "");
}

static void
test_transfer_rate (void)
{
  const uint64_t mb = 1000 * 1000;
  g_autoptr(DropifyTransfer) transfer = new_transfer (1000 * mb);
  int64_t t = S (100);

  /* Not moving: no rate, whatever the progress says. */
  dropify_transfer_set_progress (transfer, 5 * mb, t);
  g_assert_cmpuint (dropify_transfer_get_done (transfer), ==, 5 * mb);
  g_assert_cmpuint (dropify_transfer_get_rate (transfer), ==, 0);

  /* 4 MB/s, a chunk every 50 ms, for 5 s. */
  dropify_transfer_set_state (transfer, DROPIFY_TRANSFER_STATE_ACTIVE, NULL, t);
  for (guint i = 1; i <= 100; i++)
    dropify_transfer_set_progress (transfer, 5 * mb + i * 200 * 1000, t + i * 50 * 1000);
  t += S (5);
  g_assert_cmpuint (dropify_transfer_get_rate (transfer), >=, 39 * mb / 10);
  g_assert_cmpuint (dropify_transfer_get_rate (transfer), <=, 41 * mb / 10);

  /* Slows to 1 MB/s: within a few seconds that is what it says, not the
   * average since the start. */
  for (guint i = 1; i <= 100; i++)
    dropify_transfer_set_progress (transfer, 25 * mb + i * 50 * 1000, t + i * 50 * 1000);
  t += S (5);
  g_assert_cmpuint (dropify_transfer_get_rate (transfer), >=, 9 * mb / 10);
  g_assert_cmpuint (dropify_transfer_get_rate (transfer), <=, 11 * mb / 10);

  /* One chunk in a burst does not make it jump. */
  dropify_transfer_set_progress (transfer, 31 * mb, t + 1000);
  g_assert_cmpuint (dropify_transfer_get_rate (transfer), <=, 3 * mb);

  /* Stalled: no rate; starting over (a damaged copy) starts the rate
   * afresh, and done goes back. */
  dropify_transfer_set_state (transfer, DROPIFY_TRANSFER_STATE_STALLED, "Disk full", t + S (1));
  g_assert_cmpuint (dropify_transfer_get_rate (transfer), ==, 0);
  dropify_transfer_set_state (transfer, DROPIFY_TRANSFER_STATE_ACTIVE, NULL, t + S (2));
  dropify_transfer_set_progress (transfer, 0, t + S (2));
  g_assert_cmpuint (dropify_transfer_get_done (transfer), ==, 0);
  dropify_transfer_set_progress (transfer, 2 * mb, t + S (3));
  g_assert_cmpuint (dropify_transfer_get_rate (transfer), >=, 19 * mb / 10);
  g_assert_cmpuint (dropify_transfer_get_rate (transfer), <=, 21 * mb / 10);
}

static void
test_transfer_bounds (void)
{
  g_autoptr(DropifyTransfer) transfer = new_transfer (1000);
  g_autoptr(DropifyTransfer) huge = new_transfer (G_MAXUINT64);
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;

  /* Never more done than the size, whatever a caller says. */
  dropify_transfer_set_state (transfer, DROPIFY_TRANSFER_STATE_ACTIVE, NULL, S (1));
  dropify_transfer_set_progress (transfer, 5000, S (2));
  g_assert_cmpuint (dropify_transfer_get_done (transfer), ==, 1000);

  /* Time going nowhere (two samples at once) divides by nothing. */
  dropify_transfer_set_progress (transfer, 1000, S (2));
  dropify_transfer_set_progress (transfer, 1000, S (2));

  /* JSON integers stay within int64. */
  dropify_transfer_set_state (huge, DROPIFY_TRANSFER_STATE_DONE, NULL, S (1));
  node = dropify_transfer_to_json (huge);
  object = json_node_get_object (node);
  g_assert_cmpint (json_object_get_int_member (object, "size"), ==, G_MAXINT64);
  g_assert_cmpint (json_object_get_int_member (object, "done"), ==, G_MAXINT64);
}

static void
test_transfer_json (void)
{
  g_autoptr(DropifyTransfer) transfer = dropify_transfer_new (SHA, "a\x1b[2Jb.txt", "peer-1", "Phone",
                                                              DROPIFY_TRANSFER_DIRECTION_IN, 300);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) again = NULL;
  JsonObject *object;

  node = dropify_transfer_to_json (transfer);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, dropify_transfer_get_id (transfer));
  g_assert_cmpstr (json_object_get_string_member (object, "sha256"), ==, SHA);
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "a\x1b[2Jb.txt");
  g_assert_cmpstr (json_object_get_string_member (object, "peer"), ==, "peer-1");
  g_assert_cmpstr (json_object_get_string_member (object, "peer_name"), ==, "Phone");
  g_assert_cmpstr (json_object_get_string_member (object, "direction"), ==, "in");
  g_assert_cmpint (json_object_get_int_member (object, "done"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (object, "size"), ==, 300);
  g_assert_cmpint (json_object_get_int_member (object, "rate"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "queued");
  g_assert_true (json_object_has_member (object, "reason"));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (object, "reason")));

  dropify_transfer_set_state (transfer, DROPIFY_TRANSFER_STATE_FAILED, "disk full", S (1));
  again = dropify_transfer_to_json (transfer);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (again), "reason"), ==, "disk full");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (again), "state"), ==, "failed");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/transfer/new", test_transfer_new);
  g_test_add_func ("/transfer/states", test_transfer_states);
  g_test_add_func ("/transfer/reason-and-notify", test_transfer_reason_and_notify);
  g_test_add_func ("/transfer/rate", test_transfer_rate);
  g_test_add_func ("/transfer/bounds", test_transfer_bounds);
  g_test_add_func ("/transfer/json", test_transfer_json);

  return g_test_run ();
}
