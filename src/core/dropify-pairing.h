#pragma once

#include <glib-object.h>
#include <stdint.h>

#include "dropify-attempt-limit.h"
#include "dropify-log-limit.h"
#include "dropify-protocol.h"
#include "dropify-trust.h"

G_BEGIN_DECLS

/* Both accepts must fall within this of the attempt's start. */
#define DROPIFY_PAIRING_TIMEOUT_S 120

/* Monotonic time in µs; tests inject their own. */
typedef int64_t (*DropifyPairingClock) (gpointer user_data);

typedef enum
{
  DROPIFY_PAIRING_IDLE,        /* no attempt */
  DROPIFY_PAIRING_EXCHANGING,  /* an attempt is exchanging nonces */
  DROPIFY_PAIRING_COMPARING,   /* both screens show the code */
} DropifyPairingState;

#define DROPIFY_TYPE_PAIRING (dropify_pairing_get_type ())

G_DECLARE_FINAL_TYPE (DropifyPairing, dropify_pairing, DROPIFY, PAIRING, GObject)

DropifyPairing      *dropify_pairing_new               (const char          *local_fingerprint,
                                                        const char          *remote_fingerprint,
                                                        gboolean             outgoing);
void                 dropify_pairing_set_clock         (DropifyPairing      *self,
                                                        DropifyPairingClock  clock,
                                                        gpointer             clock_data);
void                 dropify_pairing_set_label         (DropifyPairing      *self,
                                                        const char          *label);
void                 dropify_pairing_set_limits        (DropifyPairing      *self,
                                                        DropifyAttemptLimit *pairing_limit,
                                                        DropifyAttemptLimit *guess_limit,
                                                        DropifyLogLimit     *log_limit,
                                                        const char          *address);
DropifyPairingState  dropify_pairing_get_state         (DropifyPairing      *self);
const char          *dropify_pairing_get_code          (DropifyPairing      *self);
const char          *dropify_pairing_get_error         (DropifyPairing      *self);
gboolean             dropify_pairing_get_trusted       (DropifyPairing      *self);
void                 dropify_pairing_set_trusted       (DropifyPairing      *self,
                                                        gboolean             trusted);
void                 dropify_pairing_set_unpaired      (DropifyPairing      *self,
                                                        gboolean             unpaired);
void                 dropify_pairing_set_group_secret  (DropifyPairing      *self,
                                                        const char          *secret);
gboolean             dropify_pairing_get_wants_to_pair (DropifyPairing      *self);
gboolean             dropify_pairing_get_pair_sent     (DropifyPairing      *self);
void                 dropify_pairing_start             (DropifyPairing      *self);
gboolean             dropify_pairing_request           (DropifyPairing      *self,
                                                        GError             **error);
gboolean             dropify_pairing_answer            (DropifyPairing      *self,
                                                        gboolean             accept,
                                                        const char          *code,
                                                        GError             **error);
void                 dropify_pairing_interrupted       (DropifyPairing      *self);
void                 dropify_pairing_handle_message    (DropifyPairing      *self,
                                                        DropifyMessage      *message);

/* The exchange's pure parts, for whoever needs to check them. */
char                *dropify_pairing_commitment        (const char          *attempt,
                                                        const char          *initiator_fingerprint,
                                                        const char          *nonce);
char                *dropify_pairing_code_for          (const char          *attempt,
                                                        const char          *initiator_fingerprint,
                                                        const char          *responder_fingerprint,
                                                        const char          *initiator_nonce,
                                                        const char          *responder_nonce);
char                *dropify_pairing_random_hex        (gsize                n_bytes);

G_END_DECLS
