#include "config.h"

#include "dropify-core.h"
#include "dropify-test-support.h"

static void
count_notify (guint *n_notify)
{
  (*n_notify)++;
}

/* The count follows peers that connect, are trusted, come and go, and
 * says so once per change. */
static void
test_peer_count_follows (void)
{
  g_autoptr(GListStore) peers = g_list_store_new (DROPIFY_TYPE_PEER);
  g_autoptr(DropifyPeer) laptop = dropify_peer_new ("192.0.2.10", 5353, DROPIFY_PEER_VIA_MANUAL);
  g_autoptr(DropifyPeer) phone = dropify_peer_new ("192.0.2.11", 5353, DROPIFY_PEER_VIA_MDNS);
  g_autoptr(DropifyPeerCount) count = NULL;
  guint n_notify = 0;

  /* Connected before the count is made: counted from the start. */
  dropify_peer_set_state (laptop, DROPIFY_PEER_STATE_CONNECTED);
  dropify_peer_set_trusted (laptop, TRUE);
  g_list_store_append (peers, laptop);

  count = dropify_peer_count_new (G_LIST_MODEL (peers));
  g_signal_connect_swapped (count, "notify::n-connected", G_CALLBACK (count_notify), &n_notify);
  g_assert_cmpuint (dropify_peer_count_get_n_connected (count), ==, 1);
  g_assert_cmpuint (dropify_peer_count_get_n_reached (count), ==, 1);

  /* Added offline, then connected but not trusted: reached only. */
  g_list_store_append (peers, phone);
  g_assert_cmpuint (dropify_peer_count_get_n_reached (count), ==, 1);
  dropify_peer_set_state (phone, DROPIFY_PEER_STATE_CONNECTED);
  g_assert_cmpuint (dropify_peer_count_get_n_reached (count), ==, 2);
  g_assert_cmpuint (dropify_peer_count_get_n_connected (count), ==, 1);
  g_assert_cmpuint (n_notify, ==, 0);

  /* Trusted: both sync now. */
  dropify_peer_set_trusted (phone, TRUE);
  g_assert_cmpuint (dropify_peer_count_get_n_connected (count), ==, 2);
  g_assert_cmpuint (n_notify, ==, 1);

  /* The laptop goes offline, then leaves the list; a peer out of the
   * list no longer counts, even if it changes. */
  dropify_peer_set_state (laptop, DROPIFY_PEER_STATE_OFFLINE);
  g_assert_cmpuint (dropify_peer_count_get_n_connected (count), ==, 1);
  g_assert_cmpuint (n_notify, ==, 2);
  g_list_store_remove (peers, 0);
  dropify_peer_set_state (laptop, DROPIFY_PEER_STATE_CONNECTED);
  g_assert_cmpuint (dropify_peer_count_get_n_connected (count), ==, 1);
  g_assert_cmpuint (dropify_peer_count_get_n_reached (count), ==, 1);

  g_list_store_remove_all (peers);
  g_assert_cmpuint (dropify_peer_count_get_n_connected (count), ==, 0);
  g_assert_cmpuint (dropify_peer_count_get_n_reached (count), ==, 0);
  g_assert_cmpuint (n_notify, ==, 3);
}

/* The count holds the list, not the other way round: dropping the
 * count leaves the peers as they were, and their changes call nothing. */
static void
test_peer_count_outlived (void)
{
  g_autoptr(GListStore) peers = g_list_store_new (DROPIFY_TYPE_PEER);
  g_autoptr(DropifyPeer) laptop = dropify_peer_new ("192.0.2.10", 5353, DROPIFY_PEER_VIA_MANUAL);
  DropifyPeerCount *count;

  g_list_store_append (peers, laptop);
  count = dropify_peer_count_new (G_LIST_MODEL (peers));
  g_object_add_weak_pointer (G_OBJECT (count), (gpointer *) &count);
  g_object_unref (count);
  g_assert_null (count);

  dropify_peer_set_state (laptop, DROPIFY_PEER_STATE_CONNECTED);
  dropify_peer_set_trusted (laptop, TRUE);
  g_list_store_remove_all (peers);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/peer-count/follows", test_peer_count_follows);
  g_test_add_func ("/peer-count/outlived", test_peer_count_outlived);

  return g_test_run ();
}
