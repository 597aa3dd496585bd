#define G_LOG_DOMAIN "dropify-clock"

#include "config.h"

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "dropify-clock.h"

/**
 * dropify_clock_real_now:
 * @user_data: unused
 *
 * Returns: the wall-clock time in unix milliseconds.
 */
int64_t
dropify_clock_real_now (gpointer user_data)
{
  return g_get_real_time () / 1000;
}

/**
 * dropify_duration_parse:
 * @text: a duration such as `30s`, `10m`, `24h` or `7d`
 * @out_ms: (out): the duration in milliseconds
 * @error: a location for a #GError
 *
 * Parses the durations of the command line. The number must be a positive
 * integer and the unit one of `s`, `m`, `h` or `d`.
 *
 * Returns: %TRUE if @text was a valid duration
 */
gboolean
dropify_duration_parse (const char  *text,
                        int64_t     *out_ms,
                        GError     **error)
{
  const char *p;
  guint64 value = 0;
  int64_t unit;

  g_return_val_if_fail (out_ms != NULL, FALSE);

  if (text == NULL || !g_ascii_isdigit (text[0]))
    goto invalid;

  for (p = text; g_ascii_isdigit (*p); p++)
    {
      value = value * 10 + (guint64) (*p - '0');
      if (value > G_MAXINT32)
        goto invalid;
    }

  switch (*p)
    {
    case 's': unit = 1000; break;
    case 'm': unit = 60 * 1000; break;
    case 'h': unit = 60 * 60 * 1000; break;
    case 'd': unit = 24 * 60 * 60 * 1000; break;
    default: goto invalid;
    }

  if (p[1] != '\0' || value == 0)
    goto invalid;

  *out_ms = (int64_t) value * unit;
  return TRUE;

invalid:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("“%s” is not a duration; use a number and a unit, like 30s, 10m, 24h or 7d"),
               text ? text : "");
  return FALSE;
}

/**
 * dropify_duration_format:
 * @ms: a duration in milliseconds
 *
 * Returns: (transfer full): the duration in the largest whole unit that
 *   fits, in the same syntax dropify_duration_parse() accepts
 */
char *
dropify_duration_format (int64_t ms)
{
  static const struct { char unit; int64_t ms; } units[] = {
    { 'd', 24 * 60 * 60 * 1000 },
    { 'h', 60 * 60 * 1000 },
    { 'm', 60 * 1000 },
    { 's', 1000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (ms >= units[i].ms && ms % units[i].ms == 0)
      return g_strdup_printf ("%" G_GINT64_FORMAT "%c", ms / units[i].ms, units[i].unit);

  return g_strdup_printf ("%" G_GINT64_FORMAT "s", MAX (ms / 1000, 0));
}
