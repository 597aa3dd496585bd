#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * DROPIFY_FD_BUDGET_RESERVE:
 *
 * Descriptors kept back from network connections: the control socket and
 * the connections the command line opens on it, the history's SQLite
 * files, blob files being written or served, and GLib's own (wakeups,
 * the worker threads' pipes, inotify).
 */
#define DROPIFY_FD_BUDGET_RESERVE 128

/**
 * DROPIFY_FD_BUDGET_MIN_CONNECTIONS:
 *
 * The fewest network connections the budget ever allows, even under a
 * tiny limit, so that a few peers and a phone can always connect.
 */
#define DROPIFY_FD_BUDGET_MIN_CONNECTIONS 16

guint    dropify_fd_budget_raise_limit          (void);
guint    dropify_fd_budget_get_limit            (void);
int      dropify_fd_budget_count_open           (void);
guint    dropify_fd_budget_connections_for      (guint limit);
guint    dropify_fd_budget_get_max_connections  (void);

G_END_DECLS
