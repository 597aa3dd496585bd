#pragma once

#include <glib.h>
#include <stdint.h>

#include "dropify-clock.h"

G_BEGIN_DECLS

/* How often strangers may try something that costs a guess: a pairing
 * attempt, a group-secret exchange. Token buckets per key (an address, a
 * certificate) and one for everyone. */
typedef struct _DropifyAttemptLimit DropifyAttemptLimit;

DropifyAttemptLimit *dropify_attempt_limit_new       (guint                 per_key,
                                                      guint                 overall,
                                                      int64_t               window_ms,
                                                      DropifyClockFunc      clock,
                                                      gpointer              clock_data);
void                 dropify_attempt_limit_free      (DropifyAttemptLimit  *self);
gboolean             dropify_attempt_limit_take      (DropifyAttemptLimit  *self,
                                                      const char           *address,
                                                      const char           *fingerprint,
                                                      gboolean             *first_refusal);
void                 dropify_attempt_limit_give_back (DropifyAttemptLimit  *self,
                                                      const char           *address,
                                                      const char           *fingerprint);
guint                dropify_attempt_limit_get_n_refused (DropifyAttemptLimit *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DropifyAttemptLimit, dropify_attempt_limit_free)

G_END_DECLS
