#include "config.h"

#include "dropify-test-support.h"

/* DropifyPeerQuota: what one trusted peer may add, on a clock moved by
 * hand. */

#define S G_USEC_PER_SEC

static void
test_rate (void)
{
  g_autoptr(DropifyPeerQuota) quota = dropify_peer_quota_new (10, 2, 1000, 1000);
  int64_t now = 100 * S;

  /* The burst, then nothing until the bucket refills. */
  for (guint i = 0; i < 10; i++)
    g_assert_cmpint (dropify_peer_quota_admit (quota, "mallory", now, FALSE, 0), ==, DROPIFY_PEER_QUOTA_OK);
  g_assert_cmpint (dropify_peer_quota_admit (quota, "mallory", now, FALSE, 0), ==, DROPIFY_PEER_QUOTA_RATE);

  /* Logged once per burst, not once per refusal. */
  g_assert_true (dropify_peer_quota_first_refusal (quota, "mallory"));
  g_assert_false (dropify_peer_quota_first_refusal (quota, "mallory"));

  /* Another peer has its own bucket. */
  g_assert_cmpint (dropify_peer_quota_admit (quota, "alice", now, FALSE, 0), ==, DROPIFY_PEER_QUOTA_OK);

  /* Two a second after that. */
  now += S;
  g_assert_cmpint (dropify_peer_quota_admit (quota, "mallory", now, FALSE, 0), ==, DROPIFY_PEER_QUOTA_OK);
  g_assert_cmpint (dropify_peer_quota_admit (quota, "mallory", now, FALSE, 0), ==, DROPIFY_PEER_QUOTA_OK);
  g_assert_cmpint (dropify_peer_quota_admit (quota, "mallory", now, FALSE, 0), ==, DROPIFY_PEER_QUOTA_RATE);
  g_assert_false (dropify_peer_quota_first_refusal (quota, "mallory"));

  /* Full again after a quiet while, and the next refusal is logged. */
  now += 60 * S;
  for (guint i = 0; i < 10; i++)
    g_assert_cmpint (dropify_peer_quota_admit (quota, "mallory", now, FALSE, 0), ==, DROPIFY_PEER_QUOTA_OK);
  g_assert_cmpint (dropify_peer_quota_admit (quota, "mallory", now, FALSE, 0), ==, DROPIFY_PEER_QUOTA_RATE);
  g_assert_true (dropify_peer_quota_first_refusal (quota, "mallory"));
  g_assert_cmpuint (dropify_peer_quota_get_refill_s (quota), ==, 5);
}

static void
test_text (void)
{
  g_autoptr(DropifyPeerQuota) quota = dropify_peer_quota_new (100, 100, 2, 1000);
  int64_t now = S;

  g_assert_cmpint (dropify_peer_quota_admit (quota, "mallory", now, TRUE, 600), ==, DROPIFY_PEER_QUOTA_OK);
  dropify_peer_quota_add_drop (quota, "mallory", "a", 600);
  /* The same drop twice counts once. */
  dropify_peer_quota_add_drop (quota, "mallory", "a", 600);
  g_assert_cmpuint (dropify_peer_quota_get_text_bytes (quota, "mallory"), ==, 600);

  g_assert_cmpint (dropify_peer_quota_admit (quota, "mallory", now, TRUE, 600), ==, DROPIFY_PEER_QUOTA_TEXT);
  /* Files and deletions still pass. */
  g_assert_cmpint (dropify_peer_quota_admit (quota, "mallory", now, FALSE, 0), ==, DROPIFY_PEER_QUOTA_OK);

  /* A file passes, and then the count of drops is full. */
  g_assert_cmpint (dropify_peer_quota_admit (quota, "mallory", now, TRUE, 0), ==, DROPIFY_PEER_QUOTA_OK);
  dropify_peer_quota_add_drop (quota, "mallory", "b", 0);
  g_assert_cmpuint (dropify_peer_quota_get_n_drops (quota, "mallory"), ==, 2);
  g_assert_cmpint (dropify_peer_quota_admit (quota, "mallory", now, TRUE, 0), ==, DROPIFY_PEER_QUOTA_COUNT);
  dropify_peer_quota_remove_drop (quota, "b");

  /* Its drop expired: room again. */
  dropify_peer_quota_remove_drop (quota, "a");
  dropify_peer_quota_remove_drop (quota, "not counted");
  g_assert_cmpuint (dropify_peer_quota_get_text_bytes (quota, "mallory"), ==, 0);
  g_assert_cmpint (dropify_peer_quota_admit (quota, "mallory", now, TRUE, 600), ==, DROPIFY_PEER_QUOTA_OK);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/peer-quota/rate", test_rate);
  g_test_add_func ("/peer-quota/text", test_text);

  return g_test_run ();
}
