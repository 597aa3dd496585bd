#pragma once

#include <glib-object.h>
#include <stdint.h>

#include "dropify-protocol.h"
#include "dropify-trust.h"

G_BEGIN_DECLS

/* Both accepts must fall within this of each other, and of now. */
#define DROPIFY_PAIRING_TIMEOUT_S 120

/* Monotonic time in µs; tests inject their own. */
typedef int64_t (*DropifyPairingClock) (gpointer user_data);

#define DROPIFY_TYPE_PAIRING (dropify_pairing_get_type ())

G_DECLARE_FINAL_TYPE (DropifyPairing, dropify_pairing, DROPIFY, PAIRING, GObject)

DropifyPairing *dropify_pairing_new               (const char          *local_fingerprint,
                                                   const char          *remote_fingerprint,
                                                   gboolean             outgoing);
void            dropify_pairing_set_clock         (DropifyPairing      *self,
                                                   DropifyPairingClock  clock,
                                                   gpointer             clock_data);
void            dropify_pairing_set_label         (DropifyPairing      *self,
                                                   const char          *label);
const char     *dropify_pairing_get_code          (DropifyPairing      *self);
gboolean        dropify_pairing_get_trusted       (DropifyPairing      *self);
void            dropify_pairing_set_trusted       (DropifyPairing      *self,
                                                   gboolean             trusted);
void            dropify_pairing_set_unpaired      (DropifyPairing      *self,
                                                   gboolean             unpaired);
void            dropify_pairing_set_group_secret  (DropifyPairing      *self,
                                                   const char          *secret);
gboolean        dropify_pairing_get_wants_to_pair (DropifyPairing      *self);
gboolean        dropify_pairing_get_pair_sent     (DropifyPairing      *self);
void            dropify_pairing_start             (DropifyPairing      *self);
void            dropify_pairing_answer            (DropifyPairing      *self,
                                                   gboolean             accept);
void            dropify_pairing_handle_message    (DropifyPairing      *self,
                                                   DropifyMessage      *message);

G_END_DECLS
