#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DROPIFY_TYPE_PEER_COUNT (dropify_peer_count_get_type ())

G_DECLARE_FINAL_TYPE (DropifyPeerCount, dropify_peer_count, DROPIFY, PEER_COUNT, GObject)

DropifyPeerCount *dropify_peer_count_new             (GListModel       *peers);
guint             dropify_peer_count_get_n_connected (DropifyPeerCount *self);
guint             dropify_peer_count_get_n_reached   (DropifyPeerCount *self);

G_END_DECLS
