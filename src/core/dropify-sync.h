#pragma once

#include <gio/gio.h>

#include "dropify-history.h"
#include "dropify-identity.h"
#include "dropify-peer.h"
#include "dropify-reconcile.h"
#include "dropify-server.h"
#include "dropify-transfer.h"
#include "dropify-trust.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_SYNC (dropify_sync_get_type ())

G_DECLARE_FINAL_TYPE (DropifySync, dropify_sync, DROPIFY, SYNC, GObject)

DropifySync *dropify_sync_new         (DropifyHistory   *history,
                                       DropifyIdentity  *identity,
                                       DropifyServer    *server,
                                       DropifyTrust     *trust);
void         dropify_sync_set_group_secret (DropifySync *self,
                                           const char   *secret);
gboolean     dropify_sync_pair_request (DropifySync      *self,
                                        const char       *device_id,
                                        GError          **error);
gboolean     dropify_sync_pair         (DropifySync      *self,
                                        const char       *device_id,
                                        gboolean          accept,
                                        const char       *code,
                                        GError          **error);
gboolean     dropify_sync_unpair       (DropifySync      *self,
                                        const char       *device_id,
                                        GError          **error);
guint        dropify_sync_get_port    (DropifySync      *self);
DropifyPeer *dropify_sync_connect_to  (DropifySync      *self,
                                       const char       *host,
                                       guint             port,
                                       DropifyPeerVia    via);
void         dropify_sync_add_discovered  (DropifySync  *self,
                                           const char   *device_id,
                                           const char   *name,
                                           const char   *address,
                                           guint         port);
void         dropify_sync_lose_discovered (DropifySync  *self,
                                           const char   *device_id);
GStrv        dropify_sync_forget_peer     (DropifySync  *self,
                                           DropifyPeer  *peer);
GListModel  *dropify_sync_get_peers   (DropifySync      *self);
char        *dropify_sync_dup_holder_name (DropifySync  *self,
                                           const char   *device_id);
JsonNode    *dropify_sync_holders_to_json (DropifySync  *self,
                                           DropifyDrop  *drop);
DropifyReconcile *dropify_sync_get_reconcile (DropifySync *self);
DropifyReconcile *dropify_sync_peek_reconcile (DropifySync *self);
void            dropify_sync_set_index_release (DropifySync *self,
                                                guint        seconds);
guint64      dropify_sync_get_file_bytes_sent (DropifySync *self);
void         dropify_sync_set_max_send_rate (DropifySync *self,
                                             guint64      bytes_per_second);
GListModel  *dropify_sync_get_transfers   (DropifySync      *self);
gboolean     dropify_sync_cancel_transfer (DropifySync      *self,
                                           const char       *transfer_id,
                                           GError          **error);
gboolean     dropify_sync_download        (DropifySync      *self,
                                           const char       *drop_id,
                                           GError          **error);
void         dropify_sync_set_stranger_expiry (DropifySync *self,
                                               guint        seconds);
void         dropify_sync_stop        (DropifySync      *self);

G_END_DECLS
