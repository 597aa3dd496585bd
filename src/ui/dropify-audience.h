#pragma once

#include <gio/gio.h>

#include "dropify-peer.h"

G_BEGIN_DECLS

void       dropify_audience_note_recent     (GSettings           *settings,
                                             const char * const  *audience);
GPtrArray *dropify_audience_dup_peers       (GSettings           *settings,
                                             GListModel          *peers);
char      *dropify_audience_dup_peer_label  (DropifyPeer         *peer);
DropifyPeer *dropify_audience_find_peer     (GListModel          *peers,
                                             const char          *device_id);

G_END_DECLS
