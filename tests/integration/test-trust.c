#include "config.h"

#include <glib/gstdio.h>

#include "dropify-test-support.h"

/* Who syncs with whom: real instances in this process, over TLS on
 * loopback, with no trust, pairing, a group secret, and an impostor. */

#define WAIT_MS 10000
#define QUIET_MS 1500

static DropifySync *
sync_of (DropifyTestNode *node)
{
  return dropify_service_get_sync (node->service);
}

static const char *
id_of (DropifyTestNode *node)
{
  return dropify_identity_get_device_id (dropify_service_get_identity (node->service));
}

static DropifyPeer *
peer_of (DropifyTestNode *node,
         const char      *device_id)
{
  GListModel *peers = dropify_sync_get_peers (sync_of (node));

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);

      if (g_strcmp0 (dropify_peer_get_device_id (peer), device_id) == 0)
        return peer;
    }

  return NULL;
}

typedef struct
{
  DropifyTestNode       *node;
  const char *device_id;
  const char *id;
} Look;

static gboolean
sees_connected (gpointer data)
{
  Look *look = data;
  DropifyPeer *peer = peer_of (look->node, look->device_id);

  return peer != NULL && dropify_peer_get_connected (peer);
}

static gboolean
sees_trusted (gpointer data)
{
  Look *look = data;
  DropifyPeer *peer = peer_of (look->node, look->device_id);

  return peer != NULL && dropify_peer_get_connected (peer) && dropify_peer_get_trusted (peer);
}

static gboolean
sees_untrusted (gpointer data)
{
  Look *look = data;
  DropifyPeer *peer = peer_of (look->node, look->device_id);

  return peer != NULL && dropify_peer_get_connected (peer) && !dropify_peer_get_trusted (peer);
}

typedef struct
{
  DropifyTestNode *node;
  const char      *device_id;
} PairRequest;

/* A connection being closed by an unpair is not one to pair on: this
 * waits for the one made since. */
static gboolean
pair_requested (gpointer data)
{
  PairRequest *request = data;

  return dropify_sync_pair_request (sync_of (request->node), request->device_id, NULL);
}

static gboolean
has_code (gpointer data)
{
  return dropify_peer_get_pairing_code (data) != NULL;
}

/* A person on @a asks to pair with @b; both screens show one code, and
 * both people accept it. */
static void
pair_both (DropifyTestNode *a,
           DropifyTestNode *b)
{
  PairRequest request = { a, id_of (b) };
  g_autoptr(GError) error = NULL;
  DropifyPeer *pa, *pb;

  /* An attempt on a connection that an unpair is closing is lost with
   * it: the person asks again, on the new one. */
  for (guint i = 0;; i++)
    {
      g_assert_cmpuint (i, <, 5);
      g_assert_true (dropify_test_wait_for (pair_requested, &request, WAIT_MS));
      pa = peer_of (a, id_of (b));
      if (dropify_test_wait_for (has_code, pa, WAIT_MS / 4))
        break;
    }
  pb = peer_of (b, id_of (a));
  g_assert_true (dropify_test_wait_for (has_code, pb, WAIT_MS));
  g_assert_cmpstr (dropify_peer_get_pairing_code (pa), ==, dropify_peer_get_pairing_code (pb));

  g_assert_true (dropify_sync_pair (sync_of (a), id_of (b), TRUE, dropify_peer_get_pairing_code (pa), &error));
  g_assert_no_error (error);
  g_assert_true (dropify_sync_pair (sync_of (b), id_of (a), TRUE, dropify_peer_get_pairing_code (pb), &error));
  g_assert_no_error (error);
}

static gboolean
has_drop (gpointer data)
{
  Look *look = data;
  return dropify_history_lookup (dropify_service_get_history (look->node->service), look->id) != NULL;
}

/* Waits QUIET_MS and checks the drop did not arrive. */
static void
assert_never_arrives (DropifyTestNode *node,
                      const char      *id)
{
  Look look = { node, NULL, id };

  g_assert_false (dropify_test_wait_for (has_drop, &look, QUIET_MS));
}

static gboolean
either_has_drop (gpointer data)
{
  Look *looks = data;

  return has_drop (&looks[0]) || has_drop (&looks[1]);
}

/* The same for two drops in one window: each is watched as long as alone,
 * and the window, the slow part under sanitizers, is waited once. */
static void
assert_neither_arrives (DropifyTestNode *node,
                        const char      *id,
                        DropifyTestNode *other_node,
                        const char      *other_id)
{
  Look looks[] = { { node, NULL, id }, { other_node, NULL, other_id } };

  g_assert_false (dropify_test_wait_for (either_has_drop, looks, QUIET_MS));
}

static void
assert_arrives (DropifyTestNode *node,
                const char      *id)
{
  Look look = { node, NULL, id };

  g_assert_true (dropify_test_wait_for (has_drop, &look, WAIT_MS));
}

/* Both sides see each other connected and trusted. */
static void
assert_both_trusted (Look *one,
                     Look *other)
{
  g_assert_true (dropify_test_wait_for (sees_trusted, one, WAIT_MS));
  g_assert_true (dropify_test_wait_for (sees_trusted, other, WAIT_MS));
}

static void
test_strangers_then_pairing (void)
{
  DropifyTestNode *a = dropify_test_node_start ("Alpha", NULL);
  DropifyTestNode *b = dropify_test_node_start ("Beta", NULL);
  Look a_sees_b = { a, id_of (b), NULL };
  Look b_sees_a = { b, id_of (a), NULL };
  g_autofree char *from_a = dropify_test_node_send_text (a, "Alpha's, before pairing");
  g_autofree char *from_b = NULL;
  g_autofree char *later = NULL;
  g_autofree char *after_unpair = NULL;
  g_autoptr(GError) error = NULL;
  DropifyPeer *pa, *pb;

  dropify_test_node_connect (b, a);
  g_assert_true (dropify_test_wait_for (sees_connected, &a_sees_b, WAIT_MS));
  g_assert_true (dropify_test_wait_for (sees_connected, &b_sees_a, WAIT_MS));
  from_b = dropify_test_node_send_text (b, "Beta's, before pairing");

  /* Strangers: connected, not trusted, and nothing crosses either way. */
  pa = peer_of (a, id_of (b));
  pb = peer_of (b, id_of (a));
  g_assert_false (dropify_peer_get_trusted (pa));
  g_assert_false (dropify_peer_get_trusted (pb));
  assert_neither_arrives (b, from_a, a, from_b);

  /* No code until someone asks to pair: it is new for each attempt. */
  g_assert_null (dropify_peer_get_pairing_code (pa));
  g_assert_cmpstr (dropify_peer_get_fingerprint (pa), ==,
                   dropify_identity_get_fingerprint (dropify_service_get_identity (b->service)));
  g_assert_false (dropify_sync_pair (sync_of (a), id_of (b), TRUE, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);

  /* Both screens show the same code. */
  g_assert_true (dropify_sync_pair_request (sync_of (a), id_of (b), &error));
  g_assert_no_error (error);
  g_assert_true (dropify_test_wait_for (has_code, pa, WAIT_MS));
  g_assert_true (dropify_test_wait_for (has_code, pb, WAIT_MS));
  g_assert_cmpuint (strlen (dropify_peer_get_pairing_code (pa)), ==, 7);
  g_assert_cmpstr (dropify_peer_get_pairing_code (pa), ==, dropify_peer_get_pairing_code (pb));
  g_assert_true (dropify_peer_get_wants_to_pair (pb));

  /* One side alone pairs nothing. */
  g_assert_true (dropify_sync_pair (sync_of (a), id_of (b), TRUE, dropify_peer_get_pairing_code (pa), &error));
  g_assert_no_error (error);
  assert_never_arrives (b, from_a);
  g_assert_false (dropify_peer_get_trusted (pb));

  /* Both: paired, and everything made before flows both ways. */
  g_assert_true (dropify_sync_pair (sync_of (b), id_of (a), TRUE, dropify_peer_get_pairing_code (pb), &error));
  g_assert_no_error (error);
  assert_both_trusted (&a_sees_b, &b_sees_a);
  assert_arrives (b, from_a);
  assert_arrives (a, from_b);
  later = dropify_test_node_send_text (a, "after pairing");
  assert_arrives (b, later);

  /* Unpairing stops it, in both directions. */
  g_assert_true (dropify_sync_unpair (sync_of (a), id_of (b), &error));
  g_assert_no_error (error);
  after_unpair = dropify_test_node_send_text (a, "after unpairing");
  {
    g_autofree char *from_b_after = dropify_test_node_send_text (b, "Beta's, after unpairing");
    assert_neither_arrives (b, after_unpair, a, from_b_after);
  }

  dropify_test_node_stop (a);
  dropify_test_node_stop (b);
}

static void
test_pair_errors (void)
{
  DropifyTestNode *a = dropify_test_node_start ("Alpha", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (dropify_sync_pair (sync_of (a), "no-such-device", TRUE, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  g_assert_false (dropify_sync_pair_request (sync_of (a), "no-such-device", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_clear_error (&error);
  g_assert_false (dropify_sync_unpair (sync_of (a), "no-such-device", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  dropify_test_node_stop (a);
}

static void
test_group_secret (gconstpointer data)
{
  gboolean same = GPOINTER_TO_INT (data);
  DropifyTestNode *a = dropify_test_node_start ("Alpha", "correct horse battery staple");
  DropifyTestNode *b = dropify_test_node_start ("Beta", same ? "correct horse battery staple" : "something else entirely");
  Look b_sees_a = { b, id_of (a), NULL };
  g_autofree char *from_a = dropify_test_node_send_text (a, "for the group");

  dropify_test_node_connect (b, a);
  g_assert_true (dropify_test_wait_for (sees_connected, &b_sees_a, WAIT_MS));

  if (same)
    {
      assert_arrives (b, from_a);
      g_assert_true (dropify_peer_get_trusted (peer_of (b, id_of (a))));
      g_assert_true (dropify_peer_get_trusted (peer_of (a, id_of (b))));
    }
  else
    {
      assert_never_arrives (b, from_a);
      g_assert_false (dropify_peer_get_trusted (peer_of (b, id_of (a))));
    }

  dropify_test_node_stop (a);
  dropify_test_node_stop (b);
}

/* A secret set while connected applies at once, whichever side dialed:
 * first a wrong one, then the right one. Nothing waits for a reconnect. */
static void
test_group_secret_while_connected (gconstpointer data)
{
  gboolean set_on_dialer = GPOINTER_TO_INT (data);
  DropifyTestNode *a = dropify_test_node_start ("Alpha", "correct horse battery staple");
  DropifyTestNode *b = dropify_test_node_start ("Beta", NULL);
  DropifyTestNode *late = set_on_dialer ? b : a;
  DropifyTestNode *early = set_on_dialer ? a : b;
  Look b_sees_a = { b, id_of (a), NULL };
  Look a_sees_b = { a, id_of (b), NULL };
  g_autofree char *from_a = dropify_test_node_send_text (a, "for the group");

  /* B dials A; one of them has no secret yet. */
  dropify_sync_set_group_secret (sync_of (early), "correct horse battery staple");
  dropify_sync_set_group_secret (sync_of (late), NULL);
  dropify_test_node_connect (b, a);
  g_assert_true (dropify_test_wait_for (sees_connected, &b_sees_a, WAIT_MS));
  g_assert_true (dropify_test_wait_for (sees_connected, &a_sees_b, WAIT_MS));
  assert_never_arrives (b, from_a);

  dropify_sync_set_group_secret (sync_of (late), "a wrong guess");
  assert_never_arrives (b, from_a);
  g_assert_false (dropify_peer_get_trusted (peer_of (b, id_of (a))));
  g_assert_false (dropify_peer_get_trusted (peer_of (a, id_of (b))));

  dropify_sync_set_group_secret (sync_of (late), "correct horse battery staple");
  assert_arrives (b, from_a);
  assert_both_trusted (&b_sees_a, &a_sees_b);

  dropify_test_node_stop (a);
  dropify_test_node_stop (b);
}

/* Two devices of one group, and one of them lost its trust in the other
 * while the other kept it: what happens when two connections race and
 * each side keeps the one where the other had not finished proving. The
 * side that still trusts dials; whichever it is, both trust each other
 * again at once and sync both ways. */
static void
test_group_secret_one_side_forgot (gconstpointer data)
{
  gboolean dialer_forgot = GPOINTER_TO_INT (data);
  const char *secret = "correct horse battery staple";
  DropifyTestNode *a = dropify_test_node_start ("Alpha", secret);
  DropifyTestNode *b = dropify_test_node_start ("Beta", secret);
  DropifyTestNode *forgot = dialer_forgot ? b : a;
  /* Copies: a restart frees the service they come from. */
  g_autofree char *a_id = g_strdup (id_of (a));
  g_autofree char *b_id = g_strdup (id_of (b));
  Look a_sees_b = { a, b_id, NULL };
  Look b_sees_a = { b, a_id, NULL };
  g_autofree char *ini = NULL;
  g_autofree char *from_a = NULL;
  g_autofree char *from_b = NULL;

  dropify_test_node_connect (b, a);
  assert_both_trusted (&a_sees_b, &b_sees_a);

  /* The one that forgets restarts without its trust store (read at
   * start only). */
  ini = g_build_filename (forgot->dir, "trusted-devices.ini", NULL);
  g_assert_cmpint (g_unlink (ini), ==, 0);
  dropify_test_node_restart (forgot, secret);
  from_a = dropify_test_node_send_text (a, "from Alpha, after the restart");
  from_b = dropify_test_node_send_text (b, "from Beta, after the restart");

  /* B dials A again: the dialer is the one that forgot, or the one
   * that still trusts. */
  dropify_test_node_connect (b, a);
  assert_both_trusted (&a_sees_b, &b_sees_a);
  assert_arrives (a, from_b);
  assert_arrives (b, from_a);

  dropify_test_node_stop (a);
  dropify_test_node_stop (b);
}

/* Unpairing a device of the group is remembered: knowing the secret does
 * not bring it back, whichever side dials. Pairing again does. */
static void
test_unpair_in_group (gconstpointer data)
{
  gboolean unpairer_dials = GPOINTER_TO_INT (data);
  const char *secret = "correct horse battery staple";
  DropifyTestNode *a = dropify_test_node_start ("Alpha", secret);
  DropifyTestNode *b = dropify_test_node_start ("Beta", secret);
  Look a_sees_b = { a, id_of (b), NULL };
  Look b_sees_a = { b, id_of (a), NULL };
  g_autofree char *from_b = NULL;
  g_autofree char *paired = NULL;
  g_autoptr(GError) error = NULL;

  dropify_test_node_connect (b, a);
  assert_both_trusted (&a_sees_b, &b_sees_a);

  /* A unpairs B. B's dialer comes back on its own; or A dials B. */
  g_assert_true (dropify_sync_unpair (sync_of (a), id_of (b), &error));
  g_assert_no_error (error);
  if (unpairer_dials)
    dropify_test_node_connect (a, b);
  g_assert_true (dropify_test_wait_for (sees_untrusted, &a_sees_b, WAIT_MS));
  from_b = dropify_test_node_send_text (b, "from Beta, after it was unpaired");
  assert_never_arrives (a, from_b);
  g_assert_false (dropify_peer_get_trusted (peer_of (a, id_of (b))));

  /* Pairing again, once B unpaired A too, is the way back. */
  g_assert_true (dropify_sync_unpair (sync_of (b), id_of (a), &error));
  g_assert_no_error (error);
  g_assert_true (dropify_test_wait_for (sees_untrusted, &a_sees_b, WAIT_MS));
  g_assert_true (dropify_test_wait_for (sees_untrusted, &b_sees_a, WAIT_MS));
  pair_both (a, b);
  assert_both_trusted (&a_sees_b, &b_sees_a);
  assert_arrives (a, from_b);
  paired = dropify_test_node_send_text (a, "from Alpha, paired again");
  assert_arrives (b, paired);

  dropify_test_node_stop (a);
  dropify_test_node_stop (b);
}

/* Devices paired before ids came from certificates are trusted under the
 * random id they had then. When such a device connects with the id its
 * certificate stands for, the entry for that certificate moves to it: it
 * stays paired, with no secret and no pairing again. */
static void
test_old_ids_adopted (void)
{
  DropifyTestNode *a = dropify_test_node_start ("Alpha", "group");
  DropifyTestNode *b = dropify_test_node_start ("Beta", "group");
  g_autofree char *a_id = g_strdup (id_of (a));   /* outlives A's restart */
  Look a_sees_b = { a, id_of (b), NULL };
  Look b_sees_a = { b, a_id, NULL };
  g_autofree char *old_id = g_uuid_string_random ();
  g_autofree char *previous = NULL;
  g_autofree char *path = g_build_filename (a->dir, "trusted-devices.ini", NULL);
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) keys = NULL;
  g_autofree char *from_b = NULL;

  dropify_test_node_connect (b, a);
  assert_both_trusted (&a_sees_b, &b_sees_a);

  /* A remembers B under an old id, and no longer has the secret. */
  g_assert_true (g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &error));
  keys = g_key_file_get_keys (keyfile, id_of (b), NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *value = g_key_file_get_value (keyfile, id_of (b), keys[i], NULL);
      g_key_file_set_value (keyfile, old_id, keys[i], value);
    }
  g_key_file_remove_group (keyfile, id_of (b), NULL);
  g_assert_true (g_key_file_save_to_file (keyfile, path, &error));
  dropify_test_node_restart (a, NULL);
  a_sees_b.node = a;
  b_sees_a.id = NULL;

  dropify_test_node_connect (a, b);
  assert_both_trusted (&a_sees_b, &b_sees_a);
  from_b = dropify_test_node_send_text (b, "from Beta, still paired");
  assert_arrives (a, from_b);

  /* The entry moved, and says where from. */
  g_clear_pointer (&keyfile, g_key_file_unref);
  keyfile = g_key_file_new ();
  g_assert_true (g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &error));
  g_assert_false (g_key_file_has_group (keyfile, old_id));
  previous = g_key_file_get_string (keyfile, id_of (b), "previous-id", NULL);
  g_assert_cmpstr (previous, ==, old_id);

  dropify_test_node_stop (a);
  dropify_test_node_stop (b);
}

static const DropifyTestCase cases[] = {
  { "/trust/strangers-then-pairing", test_strangers_then_pairing },
  { "/trust/pair-errors", test_pair_errors },
  { "/trust/same-group-secret", NULL, test_group_secret, GINT_TO_POINTER (TRUE) },
  { "/trust/different-group-secret", NULL, test_group_secret, GINT_TO_POINTER (FALSE) },
  { "/trust/secret-set-while-connected/on-dialer", NULL,
    test_group_secret_while_connected, GINT_TO_POINTER (TRUE) },
  { "/trust/secret-set-while-connected/on-listener", NULL,
    test_group_secret_while_connected, GINT_TO_POINTER (FALSE) },
  { "/trust/same-group-secret/one-side-forgot/the-dialer", NULL,
    test_group_secret_one_side_forgot, GINT_TO_POINTER (TRUE) },
  { "/trust/same-group-secret/one-side-forgot/the-listener", NULL,
    test_group_secret_one_side_forgot, GINT_TO_POINTER (FALSE) },
  { "/trust/same-group-secret/unpair-holds/other-dials", NULL,
    test_unpair_in_group, GINT_TO_POINTER (FALSE) },
  { "/trust/same-group-secret/unpair-holds/unpairer-dials", NULL,
    test_unpair_in_group, GINT_TO_POINTER (TRUE) },
  { "/trust/old-ids-adopted", test_old_ids_adopted },
};

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
  g_log_set_fatal_mask ("dropify-sync", G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);

  dropify_test_add_cases (cases, G_N_ELEMENTS (cases));

  return g_test_run ();
}
