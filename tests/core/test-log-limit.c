#include "config.h"

#include "dropify-core.h"
#include "dropify-test-support.h"

/* Every test moves the clock by hand: nothing sleeps. */

static void
test_allow_per_interval (void)
{
  DropifyTestClock clock = { .now = 1000 };
  g_autoptr(DropifyLogLimit) limit = dropify_log_limit_new (3, 10 * 1000, dropify_test_clock_now, &clock);
  guint dropped = 99;

  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (dropify_log_limit_allow (limit, "accept", &dropped));
      g_assert_cmpuint (dropped, ==, 0);
      clock.now += 10;
    }

  /* A flood within the interval: all dropped, and counted. */
  for (guint i = 0; i < 1000; i++)
    {
      g_assert_false (dropify_log_limit_allow (limit, "accept", &dropped));
      g_assert_cmpuint (dropped, ==, 0);
      clock.now += 1;
    }

  /* Just before the interval is over, still dropped. */
  clock.now = 1000 + 10 * 1000 - 1;
  g_assert_false (dropify_log_limit_allow (limit, "accept", NULL));

  /* The next interval: the first line reports the 1,001 dropped. */
  clock.now = 1000 + 10 * 1000;
  g_assert_true (dropify_log_limit_allow (limit, "accept", &dropped));
  g_assert_cmpuint (dropped, ==, 1001);
  g_assert_true (dropify_log_limit_allow (limit, "accept", &dropped));
  g_assert_cmpuint (dropped, ==, 0);
}

static void
test_keys_apart (void)
{
  DropifyTestClock clock = { .now = 0 };
  g_autoptr(DropifyLogLimit) limit = dropify_log_limit_new (1, 1000, dropify_test_clock_now, &clock);
  guint dropped;

  g_assert_true (dropify_log_limit_allow (limit, "a", NULL));
  g_assert_false (dropify_log_limit_allow (limit, "a", NULL));
  g_assert_false (dropify_log_limit_allow (limit, "a", NULL));

  /* Another key has its own budget. */
  g_assert_true (dropify_log_limit_allow (limit, "b", &dropped));
  g_assert_cmpuint (dropped, ==, 0);
  g_assert_false (dropify_log_limit_allow (limit, "b", NULL));

  clock.now = 1000;
  g_assert_true (dropify_log_limit_allow (limit, "a", &dropped));
  g_assert_cmpuint (dropped, ==, 2);
  g_assert_true (dropify_log_limit_allow (limit, "b", &dropped));
  g_assert_cmpuint (dropped, ==, 1);
}

/* Many keys, each seen once, don't pile up; a key with drops to report
 * is never forgotten. */
static void
test_many_keys (void)
{
  DropifyTestClock clock = { .now = 0 };
  g_autoptr(DropifyLogLimit) limit = dropify_log_limit_new (1, 1000, dropify_test_clock_now, &clock);
  guint dropped;

  g_assert_true (dropify_log_limit_allow (limit, "busy", NULL));
  g_assert_false (dropify_log_limit_allow (limit, "busy", NULL));

  for (guint i = 0; i < 10000; i++)
    {
      g_autofree char *key = g_strdup_printf ("key-%u", i);

      clock.now += 1;
      g_assert_true (dropify_log_limit_allow (limit, key, NULL));
    }

  g_assert_true (dropify_log_limit_allow (limit, "busy", &dropped));
  g_assert_cmpuint (dropped, ==, 1);
}

static void
test_log_lines (void)
{
  DropifyTestClock clock = { .now = 0 };
  g_autoptr(DropifyLogLimit) limit = dropify_log_limit_new (2, 1000, dropify_test_clock_now, &clock);

  g_test_expect_message ("test", G_LOG_LEVEL_MESSAGE, "flood 0");
  g_test_expect_message ("test", G_LOG_LEVEL_MESSAGE, "flood 1");
  for (guint i = 0; i < 500; i++)
    dropify_log_limit_log (limit, "test", G_LOG_LEVEL_MESSAGE, "flood", "flood %u", i);
  g_test_assert_expected_messages ();

  /* One line for the 498 dropped, then the line itself. */
  clock.now = 1000;
  g_test_expect_message ("test", G_LOG_LEVEL_MESSAGE, "*498 more “flood” lines*");
  g_test_expect_message ("test", G_LOG_LEVEL_MESSAGE, "flood 500");
  dropify_log_limit_log (limit, "test", G_LOG_LEVEL_MESSAGE, "flood", "flood %u", 500);
  g_test_assert_expected_messages ();

  /* A flush reports what was dropped since, once. */
  g_test_expect_message ("test", G_LOG_LEVEL_MESSAGE, "flood 501");
  dropify_log_limit_log (limit, "test", G_LOG_LEVEL_MESSAGE, "flood", "flood %u", 501);
  dropify_log_limit_log (limit, "test", G_LOG_LEVEL_MESSAGE, "flood", "flood %u", 502);
  g_test_assert_expected_messages ();
  clock.now = 1001;
  dropify_log_limit_log (limit, "test", G_LOG_LEVEL_MESSAGE, "flood", "flood %u", 503);
  g_test_expect_message ("test", G_LOG_LEVEL_MESSAGE, "*2 more “flood” lines*");
  dropify_log_limit_flush (limit, "test", G_LOG_LEVEL_MESSAGE);
  dropify_log_limit_flush (limit, "test", G_LOG_LEVEL_MESSAGE);
  g_test_assert_expected_messages ();
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/log-limit/allow/per-interval", test_allow_per_interval);
  g_test_add_func ("/log-limit/allow/keys-apart", test_keys_apart);
  g_test_add_func ("/log-limit/allow/many-keys", test_many_keys);
  g_test_add_func ("/log-limit/log", test_log_lines);

  return g_test_run ();
}
