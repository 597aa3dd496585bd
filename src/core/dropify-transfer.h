#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef enum
{
  DROPIFY_TRANSFER_DIRECTION_IN,    /* a peer sends it here */
  DROPIFY_TRANSFER_DIRECTION_OUT,   /* this device sends it to a peer */
} DropifyTransferDirection;

typedef enum
{
  DROPIFY_TRANSFER_STATE_QUEUED,    /* asked for, no byte yet */
  DROPIFY_TRANSFER_STATE_ACTIVE,
  DROPIFY_TRANSFER_STATE_STALLED,   /* waiting, and the reason says for what */
  DROPIFY_TRANSFER_STATE_DONE,
  DROPIFY_TRANSFER_STATE_CANCELLED,
  DROPIFY_TRANSFER_STATE_FAILED,
} DropifyTransferState;

#define DROPIFY_TYPE_TRANSFER (dropify_transfer_get_type ())

G_DECLARE_FINAL_TYPE (DropifyTransfer, dropify_transfer, DROPIFY, TRANSFER, GObject)

DropifyTransfer          *dropify_transfer_new            (const char               *sha256,
                                                           const char               *name,
                                                           const char               *peer_id,
                                                           const char               *peer_name,
                                                           DropifyTransferDirection  direction,
                                                           uint64_t                  size);
const char               *dropify_transfer_get_id         (DropifyTransfer          *self);
const char               *dropify_transfer_get_sha256     (DropifyTransfer          *self);
const char               *dropify_transfer_get_name       (DropifyTransfer          *self);
const char               *dropify_transfer_get_peer_id    (DropifyTransfer          *self);
const char               *dropify_transfer_get_peer_name  (DropifyTransfer          *self);
void                      dropify_transfer_set_peer_name  (DropifyTransfer          *self,
                                                           const char               *peer_name);
DropifyTransferDirection  dropify_transfer_get_direction  (DropifyTransfer          *self);
uint64_t                  dropify_transfer_get_done       (DropifyTransfer          *self);
uint64_t                  dropify_transfer_get_size       (DropifyTransfer          *self);
uint64_t                  dropify_transfer_get_rate       (DropifyTransfer          *self);
DropifyTransferState      dropify_transfer_get_state      (DropifyTransfer          *self);
const char               *dropify_transfer_get_reason     (DropifyTransfer          *self);
gboolean                  dropify_transfer_is_finished    (DropifyTransfer          *self);
int64_t                   dropify_transfer_get_changed_at (DropifyTransfer          *self);
void                      dropify_transfer_set_progress   (DropifyTransfer          *self,
                                                           uint64_t                  done,
                                                           int64_t                   now_us);
void                      dropify_transfer_set_state      (DropifyTransfer          *self,
                                                           DropifyTransferState      state,
                                                           const char               *reason,
                                                           int64_t                   now_us);
const char               *dropify_transfer_state_to_string (DropifyTransferState    state);
JsonNode                 *dropify_transfer_to_json        (DropifyTransfer          *self);

G_END_DECLS
