#pragma once

#include <gio/gio.h>

#include "dropify-transfer.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_TRANSFER_WATCH (dropify_transfer_watch_get_type ())

G_DECLARE_FINAL_TYPE (DropifyTransferWatch, dropify_transfer_watch, DROPIFY, TRANSFER_WATCH, GObject)

DropifyTransferWatch *dropify_transfer_watch_new         (GListModel           *transfers);
void                  dropify_transfer_watch_set_sha256  (DropifyTransferWatch *self,
                                                          const char           *sha256);
void                  dropify_transfer_watch_set_peer_id (DropifyTransferWatch *self,
                                                          const char           *peer_id);
GPtrArray            *dropify_transfer_watch_get_matches (DropifyTransferWatch *self);

G_END_DECLS
