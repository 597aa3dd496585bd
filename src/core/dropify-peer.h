#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef enum
{
  DROPIFY_PEER_STATE_OFFLINE,
  DROPIFY_PEER_STATE_CONNECTING,
  DROPIFY_PEER_STATE_CONNECTED,
  DROPIFY_PEER_STATE_INCOMPATIBLE,
  DROPIFY_PEER_STATE_REFUSED,
} DropifyPeerState;

typedef enum
{
  DROPIFY_PEER_VIA_MANUAL,     /* added by address here */
  DROPIFY_PEER_VIA_MDNS,       /* found on the network */
  DROPIFY_PEER_VIA_INCOMING,   /* it connected to this device */
} DropifyPeerVia;

#define DROPIFY_TYPE_PEER (dropify_peer_get_type ())

G_DECLARE_FINAL_TYPE (DropifyPeer, dropify_peer, DROPIFY, PEER, GObject)

DropifyPeer      *dropify_peer_new             (const char       *address,
                                                guint             port,
                                                DropifyPeerVia    via);
const char       *dropify_peer_get_device_id   (DropifyPeer      *self);
void              dropify_peer_set_device_id   (DropifyPeer      *self,
                                                const char       *device_id);
const char       *dropify_peer_get_name        (DropifyPeer      *self);
void              dropify_peer_set_name        (DropifyPeer      *self,
                                                const char       *name);
const char       *dropify_peer_get_address     (DropifyPeer      *self);
void              dropify_peer_set_address     (DropifyPeer      *self,
                                                const char       *address);
guint             dropify_peer_get_port        (DropifyPeer      *self);
void              dropify_peer_set_port        (DropifyPeer      *self,
                                                guint             port);
DropifyPeerVia    dropify_peer_get_via         (DropifyPeer      *self);
void              dropify_peer_set_via         (DropifyPeer      *self,
                                                DropifyPeerVia    via);
DropifyPeerState  dropify_peer_get_state       (DropifyPeer      *self);
void              dropify_peer_set_state       (DropifyPeer      *self,
                                                DropifyPeerState  state);
gboolean          dropify_peer_get_connected   (DropifyPeer      *self);
gboolean          dropify_peer_get_trusted     (DropifyPeer      *self);
void              dropify_peer_set_trusted     (DropifyPeer      *self,
                                                gboolean          trusted);
const char       *dropify_peer_get_fingerprint (DropifyPeer      *self);
void              dropify_peer_set_fingerprint (DropifyPeer      *self,
                                                const char       *fingerprint);
const char       *dropify_peer_get_pairing_code (DropifyPeer     *self);
void              dropify_peer_set_pairing_code (DropifyPeer     *self,
                                                const char       *code);
int               dropify_peer_get_pairing     (DropifyPeer      *self);
void              dropify_peer_set_pairing     (DropifyPeer      *self,
                                                int               pairing);
const char       *dropify_peer_get_pairing_error (DropifyPeer    *self);
void              dropify_peer_set_pairing_error (DropifyPeer    *self,
                                                const char       *error);
gboolean          dropify_peer_get_wants_to_pair (DropifyPeer    *self);
void              dropify_peer_set_wants_to_pair (DropifyPeer    *self,
                                                gboolean          wants);
gboolean          dropify_peer_get_pair_sent   (DropifyPeer      *self);
void              dropify_peer_set_pair_sent   (DropifyPeer      *self,
                                                gboolean          sent);
const char       *dropify_peer_get_error       (DropifyPeer      *self);
void              dropify_peer_set_error       (DropifyPeer      *self,
                                                const char       *error);
void              dropify_peer_add_traffic     (DropifyPeer      *self,
                                                uint64_t          bytes_in,
                                                uint64_t          bytes_out);
JsonNode         *dropify_peer_to_json         (DropifyPeer      *self);

G_END_DECLS
