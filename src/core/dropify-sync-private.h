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

/* What the files of DropifySync share: one connection, and the object. */

typedef struct _Connection Connection;
typedef struct _Dialer     Dialer;

struct _Connection
{
  DropifySync             *sync;        /* unowned */
  DropifyChannel          *channel;
  DropifyPeer             *peer;        /* after hello */
  Dialer                  *dialer;      /* outgoing only; unowned */
  char                    *remote;
  char                    *their_id;
  GHashTable              *outgoing_files; /* sha256 → Outgoing */
  GHashTable              *missing;     /* sha256s this peer said it does not have */
  GHashTable              *bad_copy;    /* sha256s whose copy from it did not match */
  GHashTable              *cancelled;   /* sha256s whose chunks may still arrive */
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
  GHashTable      *incoming;      /* sha256 → Incoming */
  DropifyReconcile *index;        /* live drops and tombstones */
  guint64          outgoing_serial;
  guint64          file_bytes_sent;
  gboolean         starting_outgoing;
  DropifyPeerQuota *quota;
  guint            quota_retry_source;
  GHashTable      *offline_strangers;  /* DropifyPeer → int64 monotonic µs */
  guint            stranger_source;
  guint            stranger_expiry_s;
  guint            chunk_delay_ms;
  GHashTable      *stalled;       /* sha256s that did not fit: not asked for until the retry */
  guint            storage_retry_source;
  guint            storage_retry_s;
};

G_END_DECLS
