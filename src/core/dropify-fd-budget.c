#define G_LOG_DOMAIN "dropify-fd-budget"

#include "config.h"

#include <errno.h>
#include <sys/resource.h>

#include <glib.h>

#include "dropify-fd-budget.h"

/* Every connection costs a descriptor, and so does every file, pipe and
 * wakeup GLib makes on the way. Desktops start processes with a soft limit
 * of 1,024 and a much higher hard one; a process that runs out cannot even
 * make a GMainContext (GLib aborts), so we raise the soft limit as far as
 * we may and give network connections only what is left once a reserve is
 * kept for everything else. */

static guint
clamp_limit (rlim_t value)
{
  if (value == RLIM_INFINITY || value > G_MAXUINT)
    return G_MAXUINT;

  return (guint) value;
}

/* The kernel refuses a soft limit above fs.nr_open, even when the hard
 * limit is infinite. */
static rlim_t
kernel_max (void)
{
  g_autofree char *contents = NULL;
  guint64 value;

  if (!g_file_get_contents ("/proc/sys/fs/nr_open", &contents, NULL, NULL))
    return 1024 * 1024;

  value = g_ascii_strtoull (contents, NULL, 10);
  return value > 0 ? (rlim_t) value : 1024 * 1024;
}

/**
 * dropify_fd_budget_raise_limit:
 *
 * Raises the soft limit on open descriptors (`RLIMIT_NOFILE`) to the hard
 * limit. Called once when an instance starts; it never fails, it only
 * does what it may.
 *
 * Returns: the soft limit now in force
 */
guint
dropify_fd_budget_raise_limit (void)
{
  struct rlimit limit;
  rlim_t old_soft;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    {
      g_debug ("Could not read the limit on open files: %s", g_strerror (errno));
      return dropify_fd_budget_get_limit ();
    }

  old_soft = limit.rlim_cur;
  if (limit.rlim_cur != limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > kernel_max ())
        limit.rlim_cur = MAX (old_soft, kernel_max ());

      if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
        g_debug ("Could not raise the limit on open files from %u: %s",
                 clamp_limit (old_soft), g_strerror (errno));
    }

  g_debug ("Open files: soft limit %u (was %u), hard limit %u; up to %u network connections",
           dropify_fd_budget_get_limit (), clamp_limit (old_soft),
           clamp_limit (limit.rlim_max), dropify_fd_budget_get_max_connections ());

  return dropify_fd_budget_get_limit ();
}

/**
 * dropify_fd_budget_get_limit:
 *
 * Returns: the soft limit on open descriptors, %G_MAXUINT if there is none
 */
guint
dropify_fd_budget_get_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return 1024;

  return clamp_limit (limit.rlim_cur);
}

/**
 * dropify_fd_budget_count_open:
 *
 * Counts this process's open descriptors in `/proc/self/fd`. That takes a
 * directory listing, so call it when deciding, not for every byte.
 *
 * Returns: how many descriptors are open, or -1 if it cannot tell (no
 *   `/proc`, or no descriptor left to list it with)
 */
int
dropify_fd_budget_count_open (void)
{
  GDir *dir;
  int count = 0;

  dir = g_dir_open ("/proc/self/fd", 0, NULL);
  if (dir == NULL)
    return -1;

  while (g_dir_read_name (dir) != NULL)
    count++;
  g_dir_close (dir);

  /* The listing saw the descriptor it was read through. */
  return MAX (count - 1, 0);
}

/**
 * dropify_fd_budget_connections_for:
 * @limit: a limit on open descriptors
 *
 * Returns: how many network connections may be open at once under @limit:
 *   all but %DROPIFY_FD_BUDGET_RESERVE, and at least
 *   %DROPIFY_FD_BUDGET_MIN_CONNECTIONS
 */
guint
dropify_fd_budget_connections_for (guint limit)
{
  if (limit <= DROPIFY_FD_BUDGET_RESERVE + DROPIFY_FD_BUDGET_MIN_CONNECTIONS)
    return DROPIFY_FD_BUDGET_MIN_CONNECTIONS;

  return limit - DROPIFY_FD_BUDGET_RESERVE;
}

/**
 * dropify_fd_budget_get_max_connections:
 *
 * Returns: how many network connections this process may have open at
 *   once, under its current limit
 */
guint
dropify_fd_budget_get_max_connections (void)
{
  return dropify_fd_budget_connections_for (dropify_fd_budget_get_limit ());
}
