#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/**
 * DropifyClockFunc:
 * @user_data: closure data
 *
 * Returns: the current wall-clock time, in unix milliseconds (UTC).
 * Tests inject their own clock to drive expiry without sleeping.
 */
typedef int64_t (*DropifyClockFunc) (gpointer user_data);

int64_t  dropify_clock_real_now      (gpointer     user_data);
gboolean dropify_duration_parse      (const char  *text,
                                      int64_t     *out_ms,
                                      GError     **error);
char    *dropify_duration_format     (int64_t      ms);

G_END_DECLS
