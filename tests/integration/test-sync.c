#include "config.h"

#include <libsoup/soup.h>
#include <signal.h>

#include "dropify-test-support.h"

/* Real instances (DropifyService, as --headless runs it) in this process,
 * syncing over real WebSockets on loopback. */

#define WAIT_MS 10000
#define TEST_GROUP_SECRET "sync-tests"  /* not a real secret */

typedef struct
{
  char           *dir;
  DropifyService *service;
} Node;

static Node *
node_start_with_settings (const char *dir,
                          GSettings  *settings)
{
  g_autoptr(GError) error = NULL;
  Node *node = g_new0 (Node, 1);

  node->dir = g_strdup (dir);
  node->service = dropify_service_new (dir, settings, &error);
  g_assert_no_error (error);
  /* Nodes trust each other through a shared group secret; test-trust.c
   * covers pairing and strangers. */
  if (settings == NULL)
    dropify_sync_set_group_secret (dropify_service_get_sync (node->service), TEST_GROUP_SECRET);
  dropify_service_start (node->service, 0, &error);
  g_assert_no_error (error);

  return node;
}

static Node *
node_start (const char *dir)
{
  return node_start_with_settings (dir, NULL);
}

static void
node_stop (Node *node)
{
  if (node == NULL)
    return;

  dropify_service_shutdown (node->service);
  g_clear_object (&node->service);
  /* Let the closes go out. */
  for (guint i = 0; i < 20 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  g_free (node->dir);
  g_free (node);
}

static DropifyHistory *
history_of (Node *node)
{
  return dropify_service_get_history (node->service);
}

static void
connect_nodes (Node *from,
               Node *to)
{
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u",
                                              dropify_sync_get_port (dropify_service_get_sync (to->service)));
  g_autoptr(GError) error = NULL;

  g_assert_true (dropify_service_connect_to (from->service, address, &error));
  g_assert_no_error (error);
}

static char *
send_text (Node       *node,
           const char *text,
           int64_t     ttl_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DropifyDrop) drop = dropify_service_send_text (node->service, text, ttl_ms, &error);

  g_assert_no_error (error);
  return g_strdup (dropify_drop_get_id (drop));
}

typedef struct
{
  Node       *node;
  const char *id;
  guint       n;
} Expect;

static gboolean
has_drop (gpointer data)
{
  Expect *expect = data;
  return dropify_history_lookup (history_of (expect->node), expect->id) != NULL;
}

static gboolean
lacks_drop (gpointer data)
{
  return !has_drop (data);
}

static gboolean
has_n_drops (gpointer data)
{
  Expect *expect = data;
  return g_list_model_get_n_items (G_LIST_MODEL (history_of (expect->node))) == expect->n;
}

static void
assert_arrives (Node       *node,
                const char *id)
{
  Expect expect = { node, id, 0 };
  g_assert_true (dropify_test_wait_for (has_drop, &expect, WAIT_MS));
}

static void
assert_count (Node  *node,
              guint  n)
{
  Expect expect = { node, NULL, n };

  if (!dropify_test_wait_for (has_n_drops, &expect, WAIT_MS))
    g_error ("expected %u drops, have %u", n,
             g_list_model_get_n_items (G_LIST_MODEL (history_of (node))));
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* A sorted digest of a history's ids, to compare sets across nodes. */
static char *
ids_of (Node *node)
{
  GListModel *model = G_LIST_MODEL (history_of (node));
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(DropifyDrop) drop = g_list_model_get_item (model, i);
      g_ptr_array_add (ids, g_strdup (dropify_drop_get_id (drop)));
    }

  g_ptr_array_sort (ids, compare_strings);
  g_ptr_array_add (ids, NULL);
  return g_strjoinv (",", (char **) ids->pdata);
}

static char *
make_dir (const char *name)
{
  return dropify_test_make_dir (name);
}

static void
test_two_ways_and_delete (void)
{
  g_autofree char *da = make_dir ("a");
  g_autofree char *db = make_dir ("b");
  Node *a = node_start (da);
  Node *b = node_start (db);
  g_autofree char *from_a = NULL;
  g_autofree char *from_b = NULL;
  Expect gone = { NULL, NULL, 0 };
  g_autoptr(GError) error = NULL;
  DropifyDrop *copy;

  connect_nodes (b, a);

  from_a = send_text (a, "from A: ünïcode ✓", 0);
  from_b = send_text (b, "from B", 0);
  assert_arrives (b, from_a);
  assert_arrives (a, from_b);

  /* Everything about the drop arrives, expiry included. */
  copy = dropify_history_lookup (history_of (b), from_a);
  g_assert_cmpstr (dropify_drop_get_text (copy), ==, "from A: ünïcode ✓");
  g_assert_cmpstr (dropify_drop_get_origin (copy), ==,
                   dropify_identity_get_device_id (dropify_service_get_identity (a->service)));
  g_assert_cmpint (dropify_drop_get_expires_at (copy), ==,
                   dropify_drop_get_expires_at (dropify_history_lookup (history_of (a), from_a)));

  /* A deletion on one removes it on the other. */
  g_assert_true (dropify_service_delete (b->service, from_a, &error));
  gone.node = a;
  gone.id = from_a;
  g_assert_true (dropify_test_wait_for (lacks_drop, &gone, WAIT_MS));
  g_assert_true (dropify_history_is_deleted (history_of (a), from_a));
  g_assert_nonnull (dropify_history_lookup (history_of (a), from_b));

  node_stop (a);
  node_stop (b);
  dropify_test_remove_dir (da);
  dropify_test_remove_dir (db);
}

static void
test_topologies (gconstpointer data)
{
  gboolean triangle = GPOINTER_TO_INT (data);
  g_autofree char *da = make_dir ("a");
  g_autofree char *db = make_dir ("b");
  g_autofree char *dc = make_dir ("c");
  Node *a = node_start (da);
  Node *b = node_start (db);
  Node *c = node_start (dc);
  g_autofree char *ids_a = NULL;
  g_autofree char *ids_b = NULL;
  g_autofree char *ids_c = NULL;
  Node *nodes[3] = { a, b, c };

  /* Chain: A - B - C. Triangle: and C - A. */
  connect_nodes (b, a);
  connect_nodes (c, b);
  if (triangle)
    connect_nodes (a, c);

  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *text = g_strdup_printf ("drop %u", i);
      g_autofree char *id = send_text (nodes[i % 3], text, 0);
    }

  for (guint i = 0; i < 3; i++)
    assert_count (nodes[i], 30);

  ids_a = ids_of (a);
  ids_b = ids_of (b);
  ids_c = ids_of (c);
  g_assert_cmpstr (ids_a, ==, ids_b);
  g_assert_cmpstr (ids_b, ==, ids_c);

  /* Settled: still exactly 30, no duplicates from the extra paths. */
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history_of (nodes[i]))), ==, 30);

  for (guint i = 0; i < 3; i++)
    node_stop (nodes[i]);
  dropify_test_remove_dir (da);
  dropify_test_remove_dir (db);
  dropify_test_remove_dir (dc);
}

static void
test_late_joiner (void)
{
  g_autofree char *da = make_dir ("a");
  g_autofree char *db = make_dir ("b");
  g_autofree char *dc = make_dir ("c");
  Node *a = node_start (da);
  Node *b = node_start (db);
  Node *c;
  g_autofree char *ids_a = NULL;
  g_autofree char *ids_c = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *deleted = NULL;

  connect_nodes (b, a);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *text = g_strdup_printf ("made before C %u", i);
      g_autofree char *id = send_text (i % 2 ? a : b, text, 0);
    }
  deleted = send_text (b, "deleted before C", 0);
  assert_count (a, 21);
  g_assert_true (dropify_service_delete (a->service, deleted, &error));
  assert_count (b, 20);

  /* C only knows A. */
  c = node_start (dc);
  connect_nodes (c, a);
  assert_count (c, 20);
  ids_a = ids_of (a);
  ids_c = ids_of (c);
  g_assert_cmpstr (ids_a, ==, ids_c);
  /* The deletion travelled as a tombstone. */
  g_assert_true (dropify_history_is_deleted (history_of (c), deleted));

  node_stop (a);
  node_stop (b);
  node_stop (c);
  dropify_test_remove_dir (da);
  dropify_test_remove_dir (db);
  dropify_test_remove_dir (dc);
}

static gboolean
peer_connected (gpointer data)
{
  Node *node = data;
  GListModel *peers = dropify_sync_get_peers (dropify_service_get_sync (node->service));

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);
      if (dropify_peer_get_connected (peer))
        return TRUE;
    }

  return FALSE;
}

static void
test_expired_not_delivered (void)
{
  g_autofree char *da = make_dir ("a");
  g_autofree char *db = make_dir ("b");
  Node *a = node_start (da);
  Node *b = node_start (db);
  g_autofree char *short_lived = NULL;
  g_autofree char *long_lived = NULL;
  gboolean slept = FALSE;

  connect_nodes (b, a);
  g_assert_true (dropify_test_wait_for (peer_connected, a, WAIT_MS));
  node_stop (b);

  /* Made while B is away: one expires before B is back. */
  short_lived = send_text (a, "gone in 2 s", 2000);
  long_lived = send_text (a, "still here", 0);
  {
    gint64 until = g_get_monotonic_time () + 3000 * 1000;
    while (g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, FALSE), g_usleep (10000);
    slept = TRUE;
  }
  g_assert_true (slept);

  b = node_start (db);
  connect_nodes (b, a);
  assert_arrives (b, long_lived);
  g_assert_null (dropify_history_lookup (history_of (b), short_lived));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history_of (b))), ==, 1);

  node_stop (a);
  node_stop (b);
  dropify_test_remove_dir (da);
  dropify_test_remove_dir (db);
}

static uint64_t
traffic_with_peer (Node *node)
{
  GListModel *peers = dropify_sync_get_peers (dropify_service_get_sync (node->service));
  uint64_t total = 0;

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);
      g_autoptr(JsonNode) json = dropify_peer_to_json (peer);

      total += json_object_get_int_member (json_node_get_object (json), "bytes_in");
      total += json_object_get_int_member (json_node_get_object (json), "bytes_out");
    }

  return total;
}

static void
test_reconcile_bytes (void)
{
  g_autofree char *da = make_dir ("a");
  g_autofree char *db = make_dir ("b");
  Node *a = node_start (da);
  Node *b = node_start (db);
  DropifyIdentity *identity = dropify_service_get_identity (a->service);
  int64_t now = dropify_history_now (history_of (a));
  g_autofree char *fresh = NULL;
  uint64_t first_sync, resync;

  /* 10,000 drops, shared once. */
  for (guint i = 0; i < 10000; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *text = g_strdup_printf ("shared drop %u", i);
      g_autoptr(DropifyDrop) drop = dropify_drop_new_text (id, dropify_identity_get_device_id (identity),
                                                          "A", text, now + i, now + 60 * 60 * 1000);
      g_assert_true (dropify_history_add (history_of (a), drop, NULL));
    }

  connect_nodes (b, a);
  assert_count (b, 10000);
  first_sync = traffic_with_peer (b);
  node_stop (b);

  /* One new drop while B is away; B comes back. */
  fresh = send_text (a, "the one new drop", 0);
  b = node_start (db);
  connect_nodes (b, a);
  assert_arrives (b, fresh);
  g_assert_true (dropify_test_wait_for (peer_connected, b, WAIT_MS));
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  resync = traffic_with_peer (b);

  g_test_message ("first sync of 10,000 drops: %" G_GUINT64_FORMAT " bytes; "
                  "reconnect with 1 new drop: %" G_GUINT64_FORMAT " bytes",
                  first_sync, resync);
  g_assert_cmpuint (first_sync, >, 400000);
  /* ~9 KB today: both sides send ids for the differing bucket; see the
   * issue note for the one-sided ids that would halve it. */
  g_assert_cmpuint (resync, <, 16 * 1024);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history_of (b))), ==, 10001);

  node_stop (a);
  node_stop (b);
  dropify_test_remove_dir (da);
  dropify_test_remove_dir (db);
}

static void
send_file_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  DropifyDrop **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = dropify_service_send_file_finish (DROPIFY_SERVICE (object), result, &error);
  g_assert_no_error (error);
}

static gboolean
pointer_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static DropifyDrop *
send_file (Node       *node,
           const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  DropifyDrop *drop = NULL;

  dropify_service_send_file_async (node->service, file, 0, NULL, send_file_cb, &drop);
  g_assert_true (dropify_test_wait_for (pointer_set, &drop, 60000));

  return drop;
}

static gboolean
is_complete (gpointer data)
{
  Expect *expect = data;
  DropifyDrop *drop = dropify_history_lookup (history_of (expect->node), expect->id);

  return drop != NULL && dropify_drop_get_complete (drop);
}

static void
notify_complete_cb (DropifyDrop *drop,
                    GParamSpec  *pspec,
                    gpointer     user_data)
{
  g_autofree char *sha = NULL;

  /* Whenever a drop says complete, its content is whole and right. */
  if (!dropify_drop_get_complete (drop))
    return;
  sha = dropify_test_sha256_file (dropify_drop_get_path (drop));
  g_assert_cmpstr (sha, ==, dropify_drop_get_sha256 (drop));
}

static void
drop_added_cb (DropifyHistory *history,
               DropifyDrop    *drop,
               gpointer        user_data)
{
  g_signal_connect (drop, "notify::complete", G_CALLBACK (notify_complete_cb), NULL);
}

static void
test_file_transfer (void)
{
  g_autofree char *da = make_dir ("a");
  g_autofree char *db = make_dir ("b");
  g_autofree char *src = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *received_sha = NULL;
  g_autoptr(DropifyDrop) sent = NULL;
  g_autoptr(DropifyDrop) again = NULL;
  g_autoptr(GError) error = NULL;
  Node *a = node_start (da);
  Node *b = node_start (db);
  Expect expect = { b, NULL, 0 };
  DropifyDrop *copy;
  uint64_t before, after;
  guint64 size = 50 * 1000 * 1000;

  g_signal_connect (history_of (b), "drop-added", G_CALLBACK (drop_added_cb), NULL);
  connect_nodes (b, a);
  g_assert_true (dropify_test_wait_for (peer_connected, b, WAIT_MS));

  src = dropify_test_write_random (da, "random.bin", size);
  sha = dropify_test_sha256_file (src);
  sent = send_file (a, src);
  g_assert_cmpstr (dropify_drop_get_sha256 (sent), ==, sha);

  expect.id = dropify_drop_get_id (sent);
  g_assert_true (dropify_test_wait_for (is_complete, &expect, 60000));
  copy = dropify_history_lookup (history_of (b), expect.id);
  g_assert_cmpuint (dropify_drop_get_size (copy), ==, size);
  g_assert_cmpuint (dropify_drop_get_received (copy), ==, size);
  g_assert_cmpstr (dropify_drop_get_name (copy), ==, "random.bin");
  g_assert_true (g_str_has_prefix (dropify_drop_get_path (copy), db));
  received_sha = dropify_test_sha256_file (dropify_drop_get_path (copy));
  g_assert_cmpstr (received_sha, ==, sha);

  /* The same content again: a new drop, and no bytes of content. */
  before = traffic_with_peer (b);
  again = send_file (a, src);
  expect.id = dropify_drop_get_id (again);
  g_assert_true (dropify_test_wait_for (is_complete, &expect, WAIT_MS));
  after = traffic_with_peer (b);
  g_test_message ("second drop of the same 50 MB: %" G_GUINT64_FORMAT " bytes", after - before);
  g_assert_cmpuint (after - before, <, 4096);

  /* Deleting both on B removes the content on A too. */
  g_assert_true (dropify_service_delete (b->service, dropify_drop_get_id (sent), &error));
  g_assert_true (dropify_service_delete (b->service, dropify_drop_get_id (again), &error));
  expect.node = a;
  g_assert_true (dropify_test_wait_for (lacks_drop, &expect, WAIT_MS));
  g_assert_false (dropify_blob_store_contains (dropify_history_get_blob_store (history_of (a)), sha));
  g_assert_false (dropify_blob_store_contains (dropify_history_get_blob_store (history_of (b)), sha));

  node_stop (a);
  node_stop (b);
  dropify_test_remove_dir (da);
  dropify_test_remove_dir (db);
}

static void
test_saved_peer (void)
{
  g_autofree char *da = make_dir ("a");
  g_autofree char *db = make_dir ("b");
  g_autoptr(GSettings) settings = dropify_service_create_settings (db);
  g_autofree char *address = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) saved = NULL;
  Node *a = node_start (da);
  Node *b;

  g_assert_nonnull (settings);
  address = g_strdup_printf ("127.0.0.1:%u", dropify_sync_get_port (dropify_service_get_sync (a->service)));

  b = node_start_with_settings (db, settings);
  g_assert_false (dropify_service_add_peer (b->service, "no-port-here", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (dropify_service_add_peer (b->service, address, &error));
  g_assert_no_error (error);
  g_assert_true (dropify_test_wait_for (peer_connected, b, WAIT_MS));
  node_stop (b);

  saved = g_settings_get_strv (settings, "manual-peers");
  g_assert_cmpuint (g_strv_length (saved), ==, 1);
  g_assert_cmpstr (saved[0], ==, address);

  /* The next start connects by itself. */
  b = node_start_with_settings (db, settings);
  g_assert_true (dropify_test_wait_for (peer_connected, b, WAIT_MS));

  /* Forgetting it disconnects, and it stays forgotten. */
  {
    GListModel *peers = dropify_sync_get_peers (dropify_service_get_sync (b->service));
    g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, 0);
    g_auto(GStrv) after = NULL;

    dropify_service_forget_peer (b->service, peer);
    g_assert_cmpuint (g_list_model_get_n_items (peers), ==, 0);
    after = g_settings_get_strv (settings, "manual-peers");
    g_assert_cmpuint (g_strv_length (after), ==, 0);
    g_assert_false (dropify_test_wait_for (peer_connected, b, 1500));
  }

  node_stop (a);
  node_stop (b);
  dropify_test_remove_dir (da);
  dropify_test_remove_dir (db);
}

/* A raw WebSocket client, to speak to an instance the way a hostile or
 * foreign peer would. */
typedef struct
{
  SoupWebsocketConnection *ws;
  gboolean                 closed;
  GError                  *error;
  char                    *device_id;   /* the one its certificate stands for */
} Raw;

static void
raw_connected_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Raw *raw = user_data;

  raw->ws = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, &raw->error);
}

static void
raw_closed_cb (SoupWebsocketConnection *ws,
               Raw                     *raw)
{
  raw->closed = TRUE;
}

static gboolean
raw_is_ready (gpointer data)
{
  Raw *raw = data;
  return raw->ws != NULL || raw->error != NULL;
}

static gboolean
raw_is_closed (gpointer data)
{
  return ((Raw *) data)->closed;
}

static gboolean
accept_any (SoupMessage          *msg,
            GTlsCertificate      *certificate,
            GTlsCertificateFlags  errors,
            gpointer              user_data)
{
  return TRUE;
}

/* A hostile client has a certificate of its own: it gets as far as any
 * stranger would. With @tls FALSE it tries plain WebSockets. */
static void
raw_connect_full (Raw      *raw,
                  Node     *node,
                  gboolean  tls)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  g_autofree char *uri = g_strdup_printf ("%s://127.0.0.1:%u/v1/peer", tls ? "wss" : "ws",
                                          dropify_sync_get_port (dropify_service_get_sync (node->service)));
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  g_autofree char *dir = dropify_test_make_dir ("raw");
  g_autoptr(DropifyIdentity) identity = NULL;
  g_autoptr(GError) error = NULL;

  identity = dropify_identity_new (dir, &error);
  g_assert_no_error (error);
  raw->device_id = g_strdup (dropify_identity_get_device_id (identity));
  if (tls)
    {
      soup_message_set_tls_client_certificate (msg, dropify_identity_get_certificate (identity));
      g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any), NULL);
    }

  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        raw_connected_cb, raw);
  g_assert_true (dropify_test_wait_for (raw_is_ready, raw, WAIT_MS));
  g_assert_no_error (raw->error);
  g_signal_connect (raw->ws, "closed", G_CALLBACK (raw_closed_cb), raw);
  dropify_test_remove_dir (dir);
}


static void
test_hostile_and_incompatible (void)
{
  static const struct { const char *what; const char *hello; const char *message; gushort code; } cases[] = {
    { "plain WebSocket, no TLS", NULL, NULL, 4006 },
    { "wrong version", "{\"type\":\"hello\",\"version\":99,\"device_id\":\"%s\",\"name\":\"future\",\"clock\":1,\"port\":0}",
      NULL, 4001 },
    { "an id its certificate does not stand for",
      "{\"type\":\"hello\",\"version\":" G_STRINGIFY (DROPIFY_PROTOCOL_VERSION) ",\"device_id\":\"x1\",\"name\":\"x\",\"clock\":1,\"port\":0}",
      NULL, 4005 },
    { "no hello first", NULL, "{\"type\":\"delete\",\"id\":\"abc\",\"expires_at\":99999999999999}", 4000 },
    { "not JSON", NULL, "{\"type\":", 4000 },
    { "unknown type", NULL, "{\"type\":\"gimme-everything\"}", 4000 },
    { "path in a file name", "{\"type\":\"hello\",\"version\":" G_STRINGIFY (DROPIFY_PROTOCOL_VERSION) ",\"device_id\":\"%s\",\"name\":\"evil\",\"clock\":1,\"port\":0}",
      "{\"type\":\"drop\",\"drop\":{\"id\":\"evil1\",\"kind\":\"file\",\"origin\":\"x2\",\"origin_name\":\"evil\","
      "\"created_at\":1,\"expires_at\":99999999999999,\"name\":\"../../etc/passwd\",\"mime\":\"text/plain\","
      "\"size\":4,\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}}", 4000 },
    { "negative size", "{\"type\":\"hello\",\"version\":" G_STRINGIFY (DROPIFY_PROTOCOL_VERSION) ",\"device_id\":\"%s\",\"name\":\"evil\",\"clock\":1,\"port\":0}",
      "{\"type\":\"drop\",\"drop\":{\"id\":\"evil2\",\"kind\":\"file\",\"origin\":\"x3\",\"origin_name\":\"evil\","
      "\"created_at\":1,\"expires_at\":99999999999999,\"name\":\"a\",\"mime\":\"text/plain\","
      "\"size\":-4,\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}}", 4000 },
  };
  g_autofree char *da = make_dir ("a");
  g_autofree char *db = make_dir ("b");
  Node *a = node_start (da);
  Node *b;
  g_autofree char *kept = send_text (a, "precious", 0);
  g_autofree char *after = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Raw raw = { 0 };

      g_test_message ("case: %s", cases[i].what);
      raw_connect_full (&raw, a, cases[i].code != 4006);
      if (cases[i].hello)
        {
          /* The hello names the id the client's certificate stands for. */
          g_autoptr(GString) hello = g_string_new (cases[i].hello);

          g_string_replace (hello, "%s", raw.device_id, 1);
          soup_websocket_connection_send_text (raw.ws, hello->str);
        }
      if (cases[i].message)
        soup_websocket_connection_send_text (raw.ws, cases[i].message);

      g_assert_true (dropify_test_wait_for (raw_is_closed, &raw, WAIT_MS));
      g_assert_cmpuint (soup_websocket_connection_get_close_code (raw.ws), ==, cases[i].code);
      g_assert_nonnull (soup_websocket_connection_get_close_data (raw.ws));
      g_clear_object (&raw.ws);
      g_free (raw.device_id);

      /* The history is intact after every case. */
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history_of (a))), ==, 1);
      g_assert_nonnull (dropify_history_lookup (history_of (a), kept));
    }

  /* And it still serves a normal peer. */
  b = node_start (db);
  connect_nodes (b, a);
  assert_arrives (b, kept);
  after = send_text (b, "still syncing", 0);
  assert_arrives (a, after);

  node_stop (a);
  node_stop (b);
  dropify_test_remove_dir (da);
  dropify_test_remove_dir (db);
}

/* An older Dropify, as a device on the network would run it: it speaks
 * the version before this one (2, before the pairing exchange changed),
 * and refuses any other. */
static void
old_peer_cb (SoupServer              *server,
             SoupServerMessage       *msg,
             const char              *path,
             SoupWebsocketConnection *ws,
             gpointer                 user_data)
{
  g_autofree char *old_id = g_uuid_string_random ();
  g_autofree char *hello =
    g_strdup_printf ("{\"type\":\"hello\",\"version\":%d,\"device_id\":\"%s\",\"name\":\"Old Laptop\","
                     "\"clock\":%" G_GINT64_FORMAT ",\"port\":0}", DROPIFY_PROTOCOL_VERSION - 1, old_id,
                     g_get_real_time () / 1000);
  g_autofree char *reason = g_strdup_printf ("incompatible protocol version %d; this device speaks %d",
                                             DROPIFY_PROTOCOL_VERSION, DROPIFY_PROTOCOL_VERSION - 1);

  soup_websocket_connection_send_text (ws, hello);
  soup_websocket_connection_close (ws, DROPIFY_CLOSE_INCOMPATIBLE, reason);
  g_object_set_data_full (G_OBJECT (server), "ws", g_object_ref (ws), g_object_unref);
}

typedef struct
{
  DropifySync *sync;
  const char  *address;
} Incompatible;

static gboolean
sees_incompatible (gpointer data)
{
  Incompatible *look = data;
  GListModel *peers = dropify_sync_get_peers (look->sync);

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);

      if (dropify_peer_get_state (peer) == DROPIFY_PEER_STATE_INCOMPATIBLE &&
          dropify_peer_get_error (peer) != NULL)
        return TRUE;
    }

  return FALSE;
}

/* A device on an older version is shown as such, with what to do about
 * it: update Dropify on it. */
static void
test_older_peer (void)
{
  g_autofree char *da = make_dir ("a");
  g_autofree char *dold = make_dir ("old");
  Node *a = node_start (da);
  g_autoptr(DropifyIdentity) old = NULL;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autofree char *address = NULL;
  Incompatible look = { dropify_service_get_sync (a->service), NULL };
  GListModel *peers;

  old = dropify_identity_new (dold, &error);
  g_assert_no_error (error);
  server = soup_server_new ("tls-certificate", dropify_identity_get_certificate (old), NULL);
  soup_server_add_websocket_handler (server, "/v1/peer", NULL, NULL, old_peer_cb, NULL, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS,
                                           &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  address = g_strdup_printf ("127.0.0.1:%d", g_uri_get_port (uris->data));

  g_assert_true (dropify_service_connect_to (a->service, address, NULL));
  g_assert_true (dropify_test_wait_for (sees_incompatible, &look, WAIT_MS));

  peers = dropify_sync_get_peers (look.sync);
  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);

      if (dropify_peer_get_state (peer) != DROPIFY_PEER_STATE_INCOMPATIBLE)
        continue;
      g_test_message ("the older device: %s", dropify_peer_get_error (peer));
      g_assert_nonnull (strstr (dropify_peer_get_error (peer), "older version"));
      g_assert_false (dropify_peer_get_trusted (peer));
    }

  soup_server_disconnect (server);
  node_stop (a);
  dropify_test_remove_dir (da);
  dropify_test_remove_dir (dold);
}

static gboolean
index_is_gone (gpointer data)
{
  Node *node = data;

  return dropify_sync_peek_reconcile (dropify_service_get_sync (node->service)) == NULL;
}

/* The reconciliation index is made when a peer first asks, and let go
 * once no one has been connected for a while; made again, it holds what
 * changed meanwhile, drops and deletions alike. */
static void
test_index_on_demand (void)
{
  g_autofree char *da = make_dir ("a");
  g_autofree char *db = make_dir ("b");
  g_autofree char *dc = make_dir ("c");
  Node *a = node_start (da);
  Node *b;
  Node *c;
  DropifySync *sync = dropify_service_get_sync (a->service);
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *late = NULL;
  g_autofree char *ids_a = NULL;
  g_autofree char *ids_c = NULL;

  dropify_sync_set_index_release (sync, 1);
  first = send_text (a, "before anyone asked", 0);
  second = send_text (a, "deleted while no one was there", 0);
  for (guint i = 0; i < 3; i++)
    g_free (send_text (a, "one of three", 0));
  g_assert_null (dropify_sync_peek_reconcile (sync));

  /* A peer asks: the index is made, and it follows changes. */
  b = node_start (db);
  connect_nodes (b, a);
  assert_count (b, 5);
  g_assert_nonnull (dropify_sync_peek_reconcile (sync));
  g_assert_cmpuint (dropify_reconcile_get_n_entries (dropify_sync_peek_reconcile (sync)), ==, 5);
  g_assert_true (dropify_service_delete (a->service, first, &error));
  g_assert_no_error (error);
  assert_count (b, 4);
  g_assert_cmpuint (dropify_reconcile_get_n_entries (dropify_sync_peek_reconcile (sync)), ==, 5);

  /* No one left: the index goes. */
  node_stop (b);
  g_assert_true (dropify_test_wait_for (index_is_gone, a, WAIT_MS));

  /* Changes while there is none... */
  g_assert_true (dropify_service_delete (a->service, second, &error));
  g_assert_no_error (error);
  late = send_text (a, "sent while no one was there", 0);
  g_assert_null (dropify_sync_peek_reconcile (sync));

  /* ... are in the index made for the next peer. */
  c = node_start (dc);
  connect_nodes (c, a);
  assert_count (c, 4);
  assert_arrives (c, late);
  g_assert_true (dropify_history_is_deleted (history_of (c), first));
  g_assert_true (dropify_history_is_deleted (history_of (c), second));
  ids_a = ids_of (a);
  ids_c = ids_of (c);
  g_assert_cmpstr (ids_a, ==, ids_c);
  g_assert_cmpuint (dropify_reconcile_get_n_entries (dropify_sync_peek_reconcile (sync)), ==, 6);

  node_stop (a);
  node_stop (c);
  dropify_test_remove_dir (da);
  dropify_test_remove_dir (db);
  dropify_test_remove_dir (dc);
}

static const DropifyTestCase cases[] = {
  { "/sync/two-ways-and-delete", test_two_ways_and_delete },
  { "/sync/chain", NULL, test_topologies, GINT_TO_POINTER (FALSE) },
  { "/sync/triangle", NULL, test_topologies, GINT_TO_POINTER (TRUE) },
  { "/sync/late-joiner", test_late_joiner },
  { "/sync/index-on-demand", test_index_on_demand },
  { "/sync/expired-not-delivered", test_expired_not_delivered },
  { "/sync/reconcile-bytes", test_reconcile_bytes },
  { "/sync/file-transfer", test_file_transfer },
  { "/sync/saved-peer", test_saved_peer },
  { "/sync/hostile-and-incompatible", test_hostile_and_incompatible },
  { "/sync/older-peer", test_older_peer },
};

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
  /* Hostile cases log warnings on purpose. */
  g_log_set_fatal_mask ("dropify-sync", G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);

  dropify_test_add_cases (cases, G_N_ELEMENTS (cases));

  return g_test_run ();
}
