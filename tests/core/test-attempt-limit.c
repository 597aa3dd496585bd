#include "config.h"

#include "dropify-attempt-limit.h"
#include "dropify-test-support.h"

/* The limit runs on a clock in ms; the support clock is in µs. */
static int64_t
clock_ms (gpointer data)
{
  return ((DropifyTestClock *) data)->now / 1000;
}

#define MINUTE_US ((int64_t) 60 * G_USEC_PER_SEC)

static void
test_attempt_limit_per_key (void)
{
  DropifyTestClock clock = { .now = MINUTE_US };
  g_autoptr(DropifyAttemptLimit) limit = dropify_attempt_limit_new (3, 100, 60000, clock_ms, &clock);
  gboolean first;

  for (guint i = 0; i < 3; i++)
    g_assert_true (dropify_attempt_limit_take (limit, "10.0.0.1", NULL, &first));

  /* One address is done for now; another is not. */
  g_assert_false (dropify_attempt_limit_take (limit, "10.0.0.1", NULL, &first));
  g_assert_true (first);
  g_assert_false (dropify_attempt_limit_take (limit, "10.0.0.1", NULL, &first));
  g_assert_false (first);
  g_assert_true (dropify_attempt_limit_take (limit, "10.0.0.2", NULL, NULL));

  /* A new certificate from the same address is still that address. */
  g_assert_false (dropify_attempt_limit_take (limit, "10.0.0.1", "fp-new", NULL));

  /* A third of the window gives back one attempt. */
  clock.now += MINUTE_US / 3 + 1000;
  g_assert_true (dropify_attempt_limit_take (limit, "10.0.0.1", NULL, NULL));
  g_assert_false (dropify_attempt_limit_take (limit, "10.0.0.1", NULL, NULL));
  g_assert_cmpuint (dropify_attempt_limit_get_n_refused (limit), ==, 4);
}

static void
test_attempt_limit_certificate (void)
{
  DropifyTestClock clock = { .now = MINUTE_US };
  g_autoptr(DropifyAttemptLimit) limit = dropify_attempt_limit_new (2, 100, 60000, clock_ms, &clock);

  /* One certificate from many addresses. */
  g_assert_true (dropify_attempt_limit_take (limit, "10.0.0.1", "fp", NULL));
  g_assert_true (dropify_attempt_limit_take (limit, "10.0.0.2", "fp", NULL));
  g_assert_false (dropify_attempt_limit_take (limit, "10.0.0.3", "fp", NULL));
  g_assert_true (dropify_attempt_limit_take (limit, "10.0.0.3", "fp2", NULL));
}

/* Many addresses and certificates meet the overall bucket. */
static void
test_attempt_limit_overall (void)
{
  DropifyTestClock clock = { .now = MINUTE_US };
  g_autoptr(DropifyAttemptLimit) limit = dropify_attempt_limit_new (5, 10, 60000, clock_ms, &clock);
  guint allowed = 0;
  guint first_refusals = 0;

  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *address = g_strdup_printf ("fd00::%x", i);
      g_autofree char *fingerprint = g_strdup_printf ("fp%u", i);
      gboolean first = FALSE;

      if (dropify_attempt_limit_take (limit, address, fingerprint, &first))
        allowed++;
      first_refusals += first;
    }

  g_assert_cmpuint (allowed, ==, 10);
  /* A burst is logged once. */
  g_assert_cmpuint (first_refusals, ==, 1);

  /* Trying at the refill rate for a window: one more line, not one per
   * refusal. */
  first_refusals = 0;
  for (guint i = 0; i < 60; i++)
    {
      gboolean first = FALSE;

      clock.now += G_USEC_PER_SEC;
      dropify_attempt_limit_take (limit, "fd01::1", NULL, &first);
      dropify_attempt_limit_take (limit, "fd01::2", NULL, &first);
      first_refusals += first;
    }
  g_assert_cmpuint (first_refusals, <=, 2);
}

/* Attempts that went well do not count. */
static void
test_attempt_limit_give_back (void)
{
  DropifyTestClock clock = { .now = MINUTE_US };
  g_autoptr(DropifyAttemptLimit) limit = dropify_attempt_limit_new (2, 3, 60000, clock_ms, &clock);

  for (guint i = 0; i < 50; i++)
    {
      g_assert_true (dropify_attempt_limit_take (limit, "10.0.0.1", "fp", NULL));
      dropify_attempt_limit_give_back (limit, "10.0.0.1", "fp");
    }

  g_assert_true (dropify_attempt_limit_take (limit, "10.0.0.1", "fp", NULL));
  g_assert_true (dropify_attempt_limit_take (limit, "10.0.0.1", "fp", NULL));
  g_assert_false (dropify_attempt_limit_take (limit, "10.0.0.1", "fp", NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/attempt-limit/per-key", test_attempt_limit_per_key);
  g_test_add_func ("/attempt-limit/certificate", test_attempt_limit_certificate);
  g_test_add_func ("/attempt-limit/overall", test_attempt_limit_overall);
  g_test_add_func ("/attempt-limit/give-back", test_attempt_limit_give_back);

  return g_test_run ();
}
