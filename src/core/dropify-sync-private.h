#pragma once

#include <libsoup/soup.h>

#include "dropify-attempt-limit.h"
#include "dropify-channel.h"
#include "dropify-log-limit.h"
#include "dropify-pairing.h"
#include "dropify-peer-quota.h"
#include "dropify-protocol.h"
#include "dropify-sync.h"

G_BEGIN_DECLS

/* Shared by dropify-sync.c (connections, dialers, trust, reconciliation,
 * storage retries), dropify-sync-transfers.c (file content, both ways:
 * docs/protocol.md §11), dropify-sync-holders.c (who holds what:
 * §11.8) and dropify-sync-strangers.c (devices not paired). The transfers' own state is opaque to the rest of sync:
 * SyncTransfers for the device, ConnectionTransfers for one connection;
 * so is the holders' queue of facts, SyncHolders. */

typedef struct _Connection          Connection;
typedef struct _Dialer              Dialer;
typedef struct _SyncTransfers       SyncTransfers;
typedef struct _ConnectionTransfers ConnectionTransfers;
typedef struct _SyncHolders         SyncHolders;

struct _Connection
{
  DropifySync             *sync;        /* unowned */
  DropifyChannel          *channel;
  DropifyPeer             *peer;        /* after hello */
  Dialer                  *dialer;      /* outgoing only; unowned */
  char                    *remote;
  char                    *their_id;
  ConnectionTransfers     *transfers;   /* its files, both ways */
  GHashTable              *pushed;      /* key → id: sent, not yet known held;
                                         * dropify-sync-holders.c's */
  DropifyPairing          *pairing;     /* after hello */
  int64_t                  active_at;   /* monotonic µs, after hello */
  gboolean                 lost_sight;  /* its mDNS record went away */
  gboolean                 outgoing;
  gboolean                 active;      /* hello done, not a duplicate */
  gboolean                 was_active;  /* stays set once closing */
  gboolean                 refused;     /* a drop or deletion did not fit */
  gboolean                 trusted;     /* may sync */
};

struct _DropifySync
{
  GObject          parent_instance;

  DropifyLogLimit *stranger_log;
  DropifyLogLimit *guess_log;
  DropifyAttemptLimit *pairing_limit;
  DropifyAttemptLimit *guess_limit;

  DropifyHistory  *history;
  DropifyIdentity *identity;
  DropifyServer   *server;
  DropifyTrust    *trust;
  char            *group_secret;
  GListStore      *peers;
  GPtrArray       *connections;   /* Connection */
  GPtrArray       *dialers;       /* Dialer */
  GCancellable    *cancellable;
  Connection      *source;        /* the connection a drop is arriving on */
  guint            relay_source;  /* a relaying summary is due */
  int64_t          relay_since;   /* monotonic µs of the first drop it relays */
  DropifyReconcile *index;        /* live drops and tombstones; NULL while no one asks */
  guint            index_release_source;
  guint            index_release_s;
  SyncTransfers   *transfers;     /* files, all connections */
  DropifyPeerQuota *quota;
  guint            quota_retry_source;
  GHashTable      *offline_strangers;  /* DropifyPeer → int64 monotonic µs */
  guint            stranger_source;
  guint            stranger_expiry_s;
  GHashTable      *stalled;       /* sha256s that did not fit: not asked for until the retry */
  guint            storage_retry_source;
  guint            storage_retry_s;
  SyncHolders     *holders;       /* who holds what, not yet written */
};

/* dropify-sync.c, for the transfers */
void     dropify_sync_connection_send  (Connection   *conn,
                                        char         *text_owned);
void     dropify_sync_connection_close (Connection   *conn,
                                        gushort       code,
                                        const char   *reason);
void     dropify_sync_storage_failed   (DropifySync  *self,
                                        Connection   *conn,
                                        const char   *sha256,
                                        const GError *error);
void     dropify_sync_storage_worked   (DropifySync  *self);
gboolean dropify_sync_content_is_for   (DropifySync  *self,
                                        const char   *sha256,
                                        const char   *device_id);

DropifyPeer *dropify_sync_find_peer     (DropifySync  *self,
                                        const char   *device_id);

/* dropify-sync.c, for the strangers */
Connection  *dropify_sync_active_connection (DropifySync *self,
                                             DropifyPeer *peer);
void         dropify_sync_remove_peer       (DropifySync *self,
                                             DropifyPeer *peer);
const char  *dropify_sync_connection_source (Connection  *conn);
gboolean     dropify_sync_dials             (DropifySync *self,
                                             DropifyPeer *peer);

/* dropify-sync-strangers.c, for the rest of sync */
void     dropify_sync_strangers_init         (DropifySync *self);
void     dropify_sync_strangers_dispose      (DropifySync *self);
void     dropify_sync_strangers_set_expiry   (DropifySync *self,
                                              guint        seconds);
void     dropify_sync_strangers_make_room    (Connection  *conn);
void     dropify_sync_strangers_prune        (DropifySync *self);
void     dropify_sync_strangers_went_offline (DropifySync *self,
                                              DropifyPeer *peer);

/* dropify-sync-transfers.c, for the rest of sync */
void     dropify_sync_transfers_init             (DropifySync    *self);
void     dropify_sync_transfers_dispose          (DropifySync    *self);
void     dropify_sync_transfers_finalize         (DropifySync    *self);
void     dropify_sync_transfers_tune_allocator   (void);
guint64  dropify_sync_transfers_get_bytes_sent   (DropifySync    *self);
void     dropify_sync_transfers_set_max_send_rate (DropifySync  *self,
                                                   guint64       bytes_per_second);
void     dropify_sync_transfers_connection_init  (Connection     *conn);
void     dropify_sync_transfers_connection_free  (Connection     *conn);
void     dropify_sync_transfers_connection_closed (Connection    *conn);
void     dropify_sync_transfers_request          (Connection     *conn,
                                                  DropifyDrop    *drop);
void     dropify_sync_transfers_request_missing  (Connection     *conn);
void     dropify_sync_transfers_announce         (DropifySync    *self,
                                                  const char     *sha256,
                                                  Connection     *except);
void     dropify_sync_transfers_content_gone     (DropifySync    *self,
                                                  const char     *sha256);
void     dropify_sync_transfers_handle_chunk     (Connection     *conn,
                                                  GBytes         *bytes);
void     dropify_sync_transfers_handle_message   (Connection     *conn,
                                                  DropifyMessage *message);
void     dropify_sync_transfers_peer_renamed     (Connection     *conn);

/* dropify-sync-holders.c, for the rest of sync */
void     dropify_sync_holders_init            (DropifySync  *self);
void     dropify_sync_holders_dispose         (DropifySync  *self);
void     dropify_sync_holders_finalize        (DropifySync  *self);
void     dropify_sync_holders_connection_free (Connection   *conn);
void     dropify_sync_holders_note_drop       (Connection   *conn,
                                               const char   *drop_id);
void     dropify_sync_holders_note_listed     (Connection   *conn,
                                               const char   *drop_id);
void     dropify_sync_holders_note_pushed     (Connection   *conn,
                                               DropifyDrop  *drop);
void     dropify_sync_holders_bucket_agrees   (Connection   *conn,
                                               const char   *prefix,
                                               char          digit);
void     dropify_sync_note_content_held       (Connection   *conn,
                                               const char   *sha256);
void     dropify_sync_holders_forget          (DropifySync  *self,
                                               const char   *device_id);

G_END_DECLS
