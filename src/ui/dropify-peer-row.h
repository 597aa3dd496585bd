#pragma once

#include <adwaita.h>

#include "dropify-peer.h"
#include "dropify-service.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_PEER_ROW (dropify_peer_row_get_type ())

G_DECLARE_FINAL_TYPE (DropifyPeerRow, dropify_peer_row, DROPIFY, PEER_ROW, AdwActionRow)

GtkWidget   *dropify_peer_row_new            (DropifyService *service,
                                              DropifyPeer    *peer);
DropifyPeer *dropify_peer_row_get_peer       (DropifyPeerRow *self);
const char  *dropify_peer_row_get_state_text (DropifyPeerRow *self);

G_END_DECLS
