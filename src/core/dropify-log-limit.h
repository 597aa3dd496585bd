#pragma once

#include <glib.h>
#include <stdint.h>

#include "dropify-clock.h"

G_BEGIN_DECLS

typedef struct _DropifyLogLimit DropifyLogLimit;

DropifyLogLimit *dropify_log_limit_new    (guint             max_lines,
                                           int64_t           interval_ms,
                                           DropifyClockFunc  clock,
                                           gpointer          clock_data);
void             dropify_log_limit_free   (DropifyLogLimit  *self);
gboolean         dropify_log_limit_allow  (DropifyLogLimit  *self,
                                           const char       *key,
                                           guint            *n_dropped);
void             dropify_log_limit_log    (DropifyLogLimit  *self,
                                           const char       *log_domain,
                                           GLogLevelFlags    level,
                                           const char       *key,
                                           const char       *format,
                                           ...) G_GNUC_PRINTF (5, 6);
void             dropify_log_limit_flush  (DropifyLogLimit  *self,
                                           const char       *log_domain,
                                           GLogLevelFlags    level);

/* Log through @self under the caller's G_LOG_DOMAIN. */
#define dropify_log_limit_warning(self, key, ...) \
  dropify_log_limit_log ((self), G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, (key), __VA_ARGS__)
#define dropify_log_limit_message(self, key, ...) \
  dropify_log_limit_log ((self), G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, (key), __VA_ARGS__)
#define dropify_log_limit_debug(self, key, ...) \
  dropify_log_limit_log ((self), G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG, (key), __VA_ARGS__)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DropifyLogLimit, dropify_log_limit_free)

G_END_DECLS
