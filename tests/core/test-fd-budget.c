#include "config.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dropify-core.h"

static void
test_connections_for (void)
{
  g_assert_cmpuint (dropify_fd_budget_connections_for (1024), ==, 1024 - DROPIFY_FD_BUDGET_RESERVE);
  g_assert_cmpuint (dropify_fd_budget_connections_for (524288), ==, 524288 - DROPIFY_FD_BUDGET_RESERVE);
  g_assert_cmpuint (dropify_fd_budget_connections_for (G_MAXUINT), ==, G_MAXUINT - DROPIFY_FD_BUDGET_RESERVE);

  /* Never fewer than a few, however low the limit. */
  g_assert_cmpuint (dropify_fd_budget_connections_for (0), ==, DROPIFY_FD_BUDGET_MIN_CONNECTIONS);
  g_assert_cmpuint (dropify_fd_budget_connections_for (64), ==, DROPIFY_FD_BUDGET_MIN_CONNECTIONS);
  g_assert_cmpuint (dropify_fd_budget_connections_for (DROPIFY_FD_BUDGET_RESERVE + DROPIFY_FD_BUDGET_MIN_CONNECTIONS),
                    ==, DROPIFY_FD_BUDGET_MIN_CONNECTIONS);
  g_assert_cmpuint (dropify_fd_budget_connections_for (DROPIFY_FD_BUDGET_RESERVE + DROPIFY_FD_BUDGET_MIN_CONNECTIONS + 1),
                    ==, DROPIFY_FD_BUDGET_MIN_CONNECTIONS + 1);
}

static void
test_count_open (void)
{
  int before = dropify_fd_budget_count_open ();
  int fds[10];

  g_assert_cmpint (before, >, 2);

  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    {
      fds[i] = open ("/dev/null", O_RDONLY | O_CLOEXEC);
      g_assert_cmpint (fds[i], >=, 0);
    }
  g_assert_cmpint (dropify_fd_budget_count_open (), ==, before + 10);

  for (guint i = 0; i < G_N_ELEMENTS (fds); i++)
    close (fds[i]);
  g_assert_cmpint (dropify_fd_budget_count_open (), ==, before);
}

static void
test_raise_limit (void)
{
  struct rlimit limit;
  struct rlimit low;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &limit), ==, 0);
  if (limit.rlim_max < 64)
    {
      g_test_skip ("The hard limit on open files is too low to lower the soft one");
      return;
    }

  /* As a desktop session starts us: a soft limit below the hard one. */
  low = limit;
  low.rlim_cur = 64;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &low), ==, 0);
  g_assert_cmpuint (dropify_fd_budget_get_limit (), ==, 64);

  g_assert_cmpuint (dropify_fd_budget_raise_limit (), ==, dropify_fd_budget_get_limit ());
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &low), ==, 0);
  if (limit.rlim_max != RLIM_INFINITY)
    g_assert_cmpuint (low.rlim_cur, ==, limit.rlim_max);
  else
    g_assert_cmpuint (low.rlim_cur, >, 64);
  g_assert_cmpuint (dropify_fd_budget_get_max_connections (), ==,
                    dropify_fd_budget_connections_for (dropify_fd_budget_get_limit ()));

  /* Raising again changes nothing. */
  g_assert_cmpuint (dropify_fd_budget_raise_limit (), ==, dropify_fd_budget_get_limit ());
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/fd-budget/connections-for", test_connections_for);
  g_test_add_func ("/fd-budget/count-open", test_count_open);
  g_test_add_func ("/fd-budget/raise-limit", test_raise_limit);

  return g_test_run ();
}
