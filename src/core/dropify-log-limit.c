#define G_LOG_DOMAIN "dropify-log-limit"

#include "config.h"

#include <stdarg.h>

#include "dropify-log-limit.h"

/* Keeps a flood from becoming a flood of log lines: at most max_lines
 * lines per key in each interval; the rest are counted, and the next line
 * of that key after the interval (or a flush) says how many were dropped,
 * in one line. A key is what the lines have in common ("accept", "tls"),
 * never a peer's address: the table holds every key it has seen lately. */

/* Beyond this many keys, the ones with nothing to report are forgotten. */
#define MAX_QUIET_KEYS 64

typedef struct
{
  int64_t window_start;   /* ms, on the limit's clock */
  guint   n_logged;       /* in this window */
  guint   n_dropped;      /* not yet reported */
} KeyState;

struct _DropifyLogLimit
{
  GHashTable       *keys;   /* char* → KeyState* */
  DropifyClockFunc  clock;
  gpointer          clock_data;
  int64_t           interval_ms;
  guint             max_lines;
};

static int64_t
monotonic_now (gpointer user_data)
{
  return g_get_monotonic_time () / 1000;
}

/**
 * dropify_log_limit_new:
 * @max_lines: how many lines of one key are logged per interval
 * @interval_ms: the interval, in milliseconds
 * @clock: (nullable): the clock, in milliseconds; %NULL for the monotonic
 *   clock (tests inject their own)
 * @clock_data: passed to @clock
 *
 * Returns: (transfer full): a new limit, to be freed with
 *   dropify_log_limit_free()
 */
DropifyLogLimit *
dropify_log_limit_new (guint             max_lines,
                       int64_t           interval_ms,
                       DropifyClockFunc  clock,
                       gpointer          clock_data)
{
  DropifyLogLimit *self;

  g_return_val_if_fail (max_lines > 0, NULL);
  g_return_val_if_fail (interval_ms > 0, NULL);

  self = g_new0 (DropifyLogLimit, 1);
  self->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->clock = clock ? clock : monotonic_now;
  self->clock_data = clock ? clock_data : NULL;
  self->interval_ms = interval_ms;
  self->max_lines = max_lines;

  return self;
}

void
dropify_log_limit_free (DropifyLogLimit *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->keys, g_hash_table_unref);
  g_free (self);
}

static gboolean
is_quiet (gpointer key,
          gpointer value,
          gpointer user_data)
{
  KeyState *state = value;
  int64_t ended_before = *(int64_t *) user_data;

  return state->n_dropped == 0 && state->window_start <= ended_before;
}

/**
 * dropify_log_limit_allow:
 * @key: what the line is about
 * @n_dropped: (out) (optional): when the line may be logged, how many
 *   lines of @key were dropped before it and not yet reported; else 0
 *
 * Decides whether a line of @key may be logged now, and counts it as
 * logged or dropped. dropify_log_limit_log() does this and the logging.
 *
 * Returns: %TRUE if the line may be logged
 */
gboolean
dropify_log_limit_allow (DropifyLogLimit *self,
                         const char      *key,
                         guint           *n_dropped)
{
  int64_t now;
  KeyState *state;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (n_dropped != NULL)
    *n_dropped = 0;

  now = self->clock (self->clock_data);
  state = g_hash_table_lookup (self->keys, key);

  if (state == NULL)
    {
      if (g_hash_table_size (self->keys) >= MAX_QUIET_KEYS)
        {
          int64_t ended_before = now - self->interval_ms;

          g_hash_table_foreach_remove (self->keys, is_quiet, &ended_before);
        }

      state = g_new0 (KeyState, 1);
      state->window_start = now;
      g_hash_table_insert (self->keys, g_strdup (key), state);
    }
  else if (now - state->window_start >= self->interval_ms)
    {
      state->window_start = now;
      state->n_logged = 0;
    }

  if (state->n_logged >= self->max_lines)
    {
      state->n_dropped++;
      return FALSE;
    }

  state->n_logged++;
  if (n_dropped != NULL)
    *n_dropped = state->n_dropped;
  state->n_dropped = 0;

  return TRUE;
}

static void
log_dropped (const char     *log_domain,
             GLogLevelFlags  level,
             const char     *key,
             guint           n_dropped)
{
  g_log (log_domain, level,
         "… and %u more “%s” line%s like the last one, not logged",
         n_dropped, key, n_dropped == 1 ? "" : "s");
}

/**
 * dropify_log_limit_log:
 * @log_domain: the caller's log domain
 * @level: the level, without flags
 * @key: what the line is about
 * @format: printf()-style format of the line
 *
 * Logs the line if dropify_log_limit_allow() lets it through, after one
 * line that says how many of @key were dropped since the last one logged.
 */
void
dropify_log_limit_log (DropifyLogLimit *self,
                       const char      *log_domain,
                       GLogLevelFlags   level,
                       const char      *key,
                       const char      *format,
                       ...)
{
  g_autofree char *line = NULL;
  guint n_dropped;
  va_list args;

  g_return_if_fail (self != NULL);

  if (!dropify_log_limit_allow (self, key, &n_dropped))
    return;

  if (n_dropped > 0)
    log_dropped (log_domain, level, key, n_dropped);

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);

  g_log (log_domain, level, "%s", line);
}

/**
 * dropify_log_limit_flush:
 * @log_domain: the caller's log domain
 * @level: the level, without flags
 *
 * Logs one line for every key with dropped lines not yet reported, such as
 * when a burst is over, and forgets those drops.
 */
void
dropify_log_limit_flush (DropifyLogLimit *self,
                         const char      *log_domain,
                         GLogLevelFlags   level)
{
  GHashTableIter iter;
  gpointer key, value;

  g_return_if_fail (self != NULL);

  g_hash_table_iter_init (&iter, self->keys);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      KeyState *state = value;

      if (state->n_dropped == 0)
        continue;

      log_dropped (log_domain, level, key, state->n_dropped);
      state->n_dropped = 0;
    }
}
