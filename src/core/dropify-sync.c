#define G_LOG_DOMAIN "dropify-sync"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "dropify-channel.h"
#include "dropify-display-name.h"
#include "dropify-log-limit.h"
#include "dropify-pairing.h"
#include "dropify-peer-dial.h"
#include "dropify-peer-quota.h"
#include "dropify-protocol.h"
#include "dropify-reconcile.h"
#include "dropify-sync-private.h"

/* Sync between peers over WebSockets (see docs/protocol.md).
 *
 * Every connection starts with a hello each way. Then both sides send a
 * summary of their whole history: for each of 16 buckets of ids (by the
 * first hex digit of SHA-256(id)) a count and an XOR digest. A bucket that
 * differs is answered with a summary one hex digit deeper, or, once both
 * sides hold few entries there, with the ids themselves; seeing the other
 * side's ids, each side pushes the drops and deletions the other lacks.
 * The bytes exchanged grow with the difference, not the history.
 *
 * New drops and deletions are pushed to every connected peer at once.
 *
 * A file drop arrives as metadata; its content moves separately, in
 * dropify-sync-transfers.c. Which devices hold each drop and its content
 * is learned and written in dropify-sync-holders.c. */

#define BACKOFF_MIN_MS        250
#define BACKOFF_MAX_MS        2000
/* Two connections with one device that became active closer together
 * than this are a race; see handle_hello(). */
#define DUPLICATE_RACE_US     (3 * G_USEC_PER_SEC)
#define IDS_THRESHOLD         64
#define CLOCK_SKEW_WARN_MS    (60 * 1000)
/* Lines about strangers: this many per address in this long. */
#define STRANGER_LOG_LINES    5
#define STRANGER_LOG_MS       (60 * 1000)

/* Pairing attempts strangers may start here, and group-secret exchanges
 * with devices not trusted yet (each one guess at the secret): per
 * address and per certificate, and overall, a minute. Exchanges that
 * prove the secret do not count. See docs/security.md. */
#define PAIRING_ATTEMPTS_PER_KEY   3
#define PAIRING_ATTEMPTS_OVERALL   6
#define SECRET_GUESSES_PER_KEY     3
#define SECRET_GUESSES_OVERALL     10
#define ATTEMPT_WINDOW_MS          (60 * 1000)
/* A failed guess is logged once per address in this long. */
#define GUESS_LOG_MS               (10 * 60 * 1000)
#define RELAY_QUIET_MS        300
#define RELAY_MAX_DELAY_US    (2 * G_USEC_PER_SEC)
#define STORAGE_RETRY_MIN_S   2
#define STORAGE_RETRY_MAX_S   60
/* What a trusted peer may store here (docs/protocol.md §4.4). A drop
 * dated later than this ahead of our clock is stored as dated then; no
 * expiry lies further ahead than the longest default-ttl the settings
 * allow (30 days), plus the same allowance for clocks. */
#define FUTURE_SKEW_MS        ((int64_t) 5 * 60 * 1000)
#define MAX_TTL_MS            ((int64_t) 30 * 24 * 60 * 60 * 1000)
/* A burst big enough for a first sync of a large history (the tests sync
 * 10,000 drops at once), then a steady rate; and what one peer's drops
 * may hold here: the 100,000 drops a history is designed for, and text
 * enough for hundreds of the largest text drops. */
#define PEER_BURST            10000
#define PEER_PER_S            500
#define PEER_MAX_DROPS        100000
#define PEER_MAX_TEXT         ((uint64_t) 128 * 1024 * 1024)
#define QUOTA_RETRY_MAX_S     5

struct _Dialer
{
  DropifySync  *sync;                   /* unowned */
  DropifyPeer  *peer;
  char         *host;
  guint         port;
  Connection   *connection;
  GCancellable *cancellable;
  guint         retry_source;
  guint         backoff_ms;
  gboolean      stopped;
  gboolean      via_mdns;
};

G_DEFINE_FINAL_TYPE (DropifySync, dropify_sync, G_TYPE_OBJECT)

static void connection_close (Connection *conn, gushort code, const char *reason);
static void dialer_schedule (Dialer *dialer);
static void become_trusted (Connection *conn);
static void start_pairing (Connection *conn, const char *name);

/* Entries: live drops and tombstones, in a DropifyReconcile that follows
 * the history change by change, so that no peer message costs a walk of
 * the whole history (docs/architecture.md).
 *
 * The index only answers peers: it is made when a peer first asks (one
 * walk of the history, some 10 ms for 10,000 drops) and let go once no
 * one has been connected for INDEX_RELEASE_S. A device with no peer in
 * reach keeps 1 MiB less at 10,000 drops; a peer that comes and goes
 * costs at most one walk in that time. */

#define IDS_ANSWER_MAX        (4 * IDS_THRESHOLD)
#define INDEX_RELEASE_S       300

static void
index_drop_added_cb (DropifySync *self,
                     DropifyDrop *drop)
{
  g_autoptr(GStrvBuilder) holders = NULL;
  g_auto(GStrv) strv = NULL;

  if (self->index == NULL)
    return;

  if (!dropify_drop_is_targeted (drop))
    {
      dropify_reconcile_add (self->index, dropify_drop_get_id (drop), TRUE,
                             dropify_drop_get_expires_at (drop));
      return;
    }

  /* A targeted drop is seen only by those who may hold it. */
  holders = g_strv_builder_new ();
  g_strv_builder_add (holders, dropify_drop_get_origin (drop));
  g_strv_builder_addv (holders, (const char **) dropify_drop_get_audience (drop));
  strv = g_strv_builder_end (holders);
  dropify_reconcile_add_targeted (self->index, dropify_drop_get_id (drop),
                                  dropify_drop_get_expires_at (drop), (const char * const *) strv);
}

static void
index_drop_removed_cb (DropifySync *self,
                       DropifyDrop *drop,
                       gboolean     expired)
{
  if (self->index != NULL)
    dropify_reconcile_remove (self->index, dropify_drop_get_id (drop), TRUE);
}

static void
index_tombstone_added_cb (DropifySync *self,
                          const char  *id,
                          int64_t      expires_at)
{
  if (self->index != NULL)
    dropify_reconcile_add (self->index, id, FALSE, expires_at);
}

static void
index_tombstone_removed_cb (DropifySync *self,
                            const char  *id)
{
  if (self->index != NULL)
    dropify_reconcile_remove (self->index, id, FALSE);
}

static void
index_add_tombstone (const char *id,
                     int64_t     expires_at,
                     gpointer    user_data)
{
  dropify_reconcile_add (user_data, id, FALSE, expires_at);
}

/* The index, made from the history if there is none; from then on the
 * history's signals keep it current. */
static DropifyReconcile *
ensure_index (DropifySync *self)
{
  GListModel *model = G_LIST_MODEL (self->history);
  guint n;

  g_clear_handle_id (&self->index_release_source, g_source_remove);
  if (self->index != NULL)
    return self->index;

  self->index = dropify_reconcile_new ();
  n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DropifyDrop) drop = g_list_model_get_item (model, i);

      index_drop_added_cb (self, drop);
    }
  dropify_history_foreach_tombstone (self->history, index_add_tombstone, self->index);

  return self->index;
}

static gboolean
index_release_cb (gpointer user_data)
{
  DropifySync *self = DROPIFY_SYNC (user_data);

  self->index_release_source = 0;
  if (self->connections->len == 0)
    g_clear_object (&self->index);

  return G_SOURCE_REMOVE;
}

/* Called when a connection goes: with none left, the index goes too,
 * unless someone connects again within INDEX_RELEASE_S. */
static void
index_release_later (DropifySync *self)
{
  if (self->index == NULL || self->connections->len > 0 || self->index_release_source != 0)
    return;

  self->index_release_source = g_timeout_add_seconds (self->index_release_s, index_release_cb, self);
}

/* Follows the history's changes, so that the index, when there is one,
 * stays current. */
static void
index_follow_history (DropifySync *self)
{
  g_signal_connect_object (self->history, "drop-added", G_CALLBACK (index_drop_added_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->history, "drop-removed", G_CALLBACK (index_drop_removed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->history, "tombstone-added", G_CALLBACK (index_tombstone_added_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->history, "tombstone-removed", G_CALLBACK (index_tombstone_removed_cb),
                           self, G_CONNECT_SWAPPED);
}

/* Counts and digests leave out what expired, as the ids do: a drop that
 * expired a moment ago may still wait for the history's timer. Both are
 * the view of the peer on @conn: what it may hold, and nothing else
 * (docs/protocol.md §7.4). */
static void
get_buckets (Connection    *conn,
             const char    *prefix,
             DropifyBucket  buckets[DROPIFY_PROTOCOL_FANOUT])
{
  DropifySync *self = conn->sync;

  if (dropify_history_get_next_expiry (self->history) <= dropify_history_now (self->history))
    dropify_history_sweep (self->history);

  dropify_reconcile_get_buckets_for (ensure_index (self), conn->their_id, prefix, buckets);
}

static GArray *
collect_entries (Connection *conn,
                 const char *prefix)
{
  return dropify_reconcile_collect_for (ensure_index (conn->sync), conn->their_id, prefix,
                                        dropify_history_now (conn->sync->history));
}

/* Connections */

static void
connection_send (Connection *conn,
                 char       *text_owned)
{
  g_autofree char *text = text_owned;

  gsize sent = dropify_channel_send_text (conn->channel, text);

  if (conn->peer != NULL && sent > 0)
    dropify_peer_add_traffic (conn->peer, 0, sent);
}

static void
send_summary (Connection *conn,
              const char *prefix)
{
  DropifyBucket buckets[DROPIFY_PROTOCOL_FANOUT];
  DropifyBucket nonempty[DROPIFY_PROTOCOL_FANOUT];
  guint n = 0;

  get_buckets (conn, prefix, buckets);
  for (guint d = 0; d < DROPIFY_PROTOCOL_FANOUT; d++)
    if (buckets[d].count > 0)
      nonempty[n++] = buckets[d];

  connection_send (conn, dropify_protocol_encode_summary (prefix, nonempty, n));
}

static void
send_ids (Connection *conn,
          const char *prefix,
          GArray     *entries)
{
  g_autoptr(GPtrArray) live = g_ptr_array_new ();
  g_autoptr(GArray) dead = g_array_new (FALSE, FALSE, sizeof (DropifyTombstone));

  for (guint i = 0; i < entries->len; i++)
    {
      DropifyReconcileEntry *entry = &g_array_index (entries, DropifyReconcileEntry, i);

      if (entry->live)
        g_ptr_array_add (live, entry->id);
      else
        {
          DropifyTombstone tombstone = { entry->id, entry->expires_at };
          g_array_append_val (dead, tombstone);
        }
    }

  connection_send (conn, dropify_protocol_encode_ids (prefix, live, dead));
}

static void
push_drop (Connection  *conn,
           DropifyDrop *drop)
{
  if (dropify_drop_is_expired (drop, dropify_history_now (conn->sync->history)))
    return;

  /* A targeted drop goes only to its origin and its audience: never to
   * a device outside it, which would then hold it (and relay it). */
  if (!dropify_drop_is_for (drop, conn->their_id))
    return;

  connection_send (conn, dropify_protocol_encode_drop (drop));
  dropify_sync_holders_note_pushed (conn, drop);
}

/* Storage trouble: a full disk, mostly. It is not the peer's fault and
 * may end at any time, so what could not be stored is asked for again
 * later, less often while the trouble lasts, and never at once in a loop:
 * content that did not fit, and drops and deletions that were refused
 * meanwhile. Those come back only with a reconciliation, which runs both
 * ways when a connection starts: so the connections that brought them
 * are closed, and dialed again. */

static gboolean
is_storage_error (const GError *error)
{
  return error->domain == G_IO_ERROR ||
         g_error_matches (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_IO);
}

static gboolean
storage_retry_cb (gpointer user_data)
{
  DropifySync *self = user_data;

  self->storage_retry_source = 0;
  g_hash_table_remove_all (self->stalled);
  g_message ("Trying again to store what did not fit");

  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *conn = g_ptr_array_index (self->connections, i);

      if (!conn->active || !conn->trusted)
        continue;

      if (conn->refused)
        {
          g_message ("Reconnecting to %s to catch up on what could not be stored", conn->remote);
          connection_close (conn, DROPIFY_CLOSE_SHUTDOWN, "reconnecting to catch up after a full disk");
        }
      else
        dropify_sync_transfers_request_missing (conn);
    }

  return G_SOURCE_REMOVE;
}

/* @conn: (nullable): the connection a refused drop or deletion came on
 * @sha256: (nullable): content not to ask for until the retry */
static void
storage_failed (DropifySync  *self,
                Connection   *conn,
                const char   *sha256,
                const GError *error)
{
  if (!is_storage_error (error))
    return;

  if (conn != NULL)
    conn->refused = TRUE;

  if (sha256 != NULL)
    g_hash_table_add (self->stalled, g_strdup (sha256));

  if (self->storage_retry_source != 0)
    return;

  g_message ("Trying again in %u s to store what did not fit", self->storage_retry_s);
  self->storage_retry_source = g_timeout_add_seconds (self->storage_retry_s, storage_retry_cb, self);
  self->storage_retry_s = MIN (self->storage_retry_s * 2, STORAGE_RETRY_MAX_S);
}

static void
storage_worked (DropifySync *self)
{
  self->storage_retry_s = STORAGE_RETRY_MIN_S;
}

/* Bounds on what a trusted peer stores here: a stolen or compromised
 * device is still trusted until it is unpaired. */

static gboolean
quota_retry_cb (gpointer user_data)
{
  DropifySync *self = user_data;

  self->quota_retry_source = 0;
  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *conn = g_ptr_array_index (self->connections, i);

      if (conn->active && conn->trusted)
        send_summary (conn, "");
    }

  return G_SOURCE_REMOVE;
}

/* Takes one of @conn's peer's tokens for a new drop or deletion. What is
 * refused for its rate comes again with a summary once the bucket has
 * filled up; what is refused for its text comes again only with a later
 * reconciliation, once some of that peer's text expired. */
static gboolean
admit (Connection *conn,
       gboolean    is_drop,
       uint64_t    text_bytes)
{
  DropifySync *self = conn->sync;
  const char *name = conn->peer != NULL ? dropify_peer_get_name (conn->peer) : conn->remote;

  switch (dropify_peer_quota_admit (self->quota, conn->their_id, g_get_monotonic_time (),
                                    is_drop, text_bytes))
    {
    case DROPIFY_PEER_QUOTA_OK:
      return TRUE;

    case DROPIFY_PEER_QUOTA_RATE:
      if (dropify_peer_quota_first_refusal (self->quota, conn->their_id))
        g_warning ("Refusing drops and deletions from “%s” at %s for now: more than %u at once, "
                   "then %u a second; the rest is asked for again in a few seconds",
                   name, conn->remote, PEER_BURST, PEER_PER_S);
      if (self->quota_retry_source == 0)
        self->quota_retry_source =
          g_timeout_add_seconds (MIN (dropify_peer_quota_get_refill_s (self->quota), QUOTA_RETRY_MAX_S),
                                 quota_retry_cb, self);
      return FALSE;

    case DROPIFY_PEER_QUOTA_COUNT:
      if (dropify_peer_quota_first_refusal (self->quota, conn->their_id))
        g_warning ("Refusing drops from “%s” at %s: %u of its drops are stored here already, "
                   "the most one device may", name, conn->remote, PEER_MAX_DROPS);
      return FALSE;

    case DROPIFY_PEER_QUOTA_TEXT:
    default:
      if (dropify_peer_quota_first_refusal (self->quota, conn->their_id))
        g_warning ("Refusing text drops from “%s” at %s: its drops here hold %" G_GUINT64_FORMAT
                   " MiB of text, the most one device may store", name, conn->remote,
                   PEER_MAX_TEXT / (1024 * 1024));
      return FALSE;
    }
}

/* No tombstone outlives the longest drop a peer may store. */
static int64_t
bound_expiry (DropifySync *self,
              int64_t      expires_at)
{
  return MIN (expires_at, dropify_history_now (self->history) + MAX_TTL_MS + FUTURE_SKEW_MS);
}

/* A drop dated far ahead would sit on top of every list for years, and
 * one that expires in the year 9999 would stay as long. Both times are
 * brought back within bounds; the id, and so the drop's identity and its
 * token in summaries, stay as they are. */
static DropifyDrop *
bound_drop (DropifySync *self,
            DropifyDrop *drop)
{
  int64_t created_at = MIN (dropify_drop_get_created_at (drop),
                            dropify_history_now (self->history) + FUTURE_SKEW_MS);
  int64_t expires_at = bound_expiry (self, dropify_drop_get_expires_at (drop));
  DropifyDrop *bounded;

  if (created_at == dropify_drop_get_created_at (drop) && expires_at == dropify_drop_get_expires_at (drop))
    return g_object_ref (drop);

  g_debug ("Drop %s bounded: created at %" G_GINT64_FORMAT " → %" G_GINT64_FORMAT
           ", expires at %" G_GINT64_FORMAT " → %" G_GINT64_FORMAT, dropify_drop_get_id (drop),
           dropify_drop_get_created_at (drop), created_at, dropify_drop_get_expires_at (drop), expires_at);

  if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_TEXT)
    bounded = dropify_drop_new_text (dropify_drop_get_id (drop), dropify_drop_get_origin (drop),
                                     dropify_drop_get_origin_name (drop), dropify_drop_get_text (drop),
                                     created_at, expires_at);
  else
    bounded = dropify_drop_new_file (dropify_drop_get_id (drop), dropify_drop_get_origin (drop),
                                     dropify_drop_get_origin_name (drop), dropify_drop_get_name (drop),
                                     dropify_drop_get_mime (drop), dropify_drop_get_size (drop),
                                     dropify_drop_get_sha256 (drop), created_at, expires_at);
  dropify_drop_set_audience (bounded, dropify_drop_get_audience (drop));

  return bounded;
}

/* A deletion from @conn, within the bounds above. */
static void
apply_deletion (Connection *conn,
                const char *id,
                int64_t     expires_at)
{
  DropifySync *self = conn->sync;
  g_autoptr(GError) error = NULL;

  if (dropify_history_is_deleted (self->history, id))
    return;

  /* Expired or about to be: nothing stored, nothing to count. */
  if (dropify_history_lookup (self->history, id) == NULL &&
      expires_at <= dropify_history_now (self->history))
    return;

  if (!admit (conn, FALSE, 0))
    return;

  if (!dropify_history_add_tombstone (self->history, id, bound_expiry (self, expires_at), &error))
    {
      g_warning ("Could not apply a deletion from %s: %s", conn->remote, error->message);
      storage_failed (self, conn, NULL, error);
    }
}

static void
handle_summary (Connection     *conn,
                DropifyMessage *message)
{
  gsize depth = strlen (message->prefix);
  DropifyBucket mine[DROPIFY_PROTOCOL_FANOUT];

  get_buckets (conn, message->prefix, mine);

  for (guint d = 0; d < DROPIFY_PROTOCOL_FANOUT; d++)
    {
      DropifyBucket theirs = { mine[d].key, 0, "00000000000000000000000000000000" };
      g_autofree char *sub = NULL;

      for (guint i = 0; i < message->buckets->len; i++)
        if (g_array_index (message->buckets, DropifyBucket, i).key == mine[d].key)
          theirs = g_array_index (message->buckets, DropifyBucket, i);

      if (theirs.count == mine[d].count && memcmp (theirs.digest, mine[d].digest, DROPIFY_PROTOCOL_DIGEST_LEN) == 0)
        {
          dropify_sync_holders_bucket_agrees (conn, message->prefix, mine[d].key);
          continue;
        }

      /* Prefixes stop at 63 digits; ids are unique long before. */
      if (depth >= 63)
        break;

      sub = g_strdup_printf ("%s%c", message->prefix, mine[d].key);

      /* Both sides take the same decision from the same two counts. */
      if ((mine[d].count <= IDS_THRESHOLD && theirs.count <= IDS_THRESHOLD) || depth + 1 >= 63)
        {
          g_autoptr(GArray) sub_entries = collect_entries (conn, sub);
          send_ids (conn, sub, sub_entries);
        }
      else
        {
          send_summary (conn, sub);
        }
    }
}

static void
handle_ids (Connection     *conn,
            DropifyMessage *message)
{
  DropifySync *self = conn->sync;
  g_autoptr(GHashTable) their_live = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) their_dead = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GArray) entries = NULL;

  /* What they list live, they hold (ids of drops not here are
   * skipped when written). */
  for (guint i = 0; i < message->live->len; i++)
    {
      const char *id = g_ptr_array_index (message->live, i);

      g_hash_table_add (their_live, (gpointer) id);
      dropify_sync_holders_note_listed (conn, id);
    }

  /* Their deletions first, so we never push back what they deleted; and
   * not echoed to them as live pushes. */
  self->source = conn;
  for (guint i = 0; i < message->dead->len; i++)
    {
      DropifyTombstone *tombstone = &g_array_index (message->dead, DropifyTombstone, i);

      g_hash_table_add (their_dead, tombstone->id);
      apply_deletion (conn, tombstone->id, tombstone->expires_at);
    }
  self->source = NULL;

  /* A correct peer sends ids only where both sides hold few entries. Far
   * more here (ours grew meanwhile, or the peer asks for everything at
   * once) is answered one level at a time, as reconciliation goes
   * anyway: never by walking and sending a large part of the history. */
  if (strlen (message->prefix) < 63 &&
      dropify_reconcile_count_for (ensure_index (self), conn->their_id, message->prefix) > IDS_ANSWER_MAX)
    {
      send_summary (conn, message->prefix);
      return;
    }

  entries = collect_entries (conn, message->prefix);

  for (guint i = 0; i < entries->len; i++)
    {
      DropifyReconcileEntry *entry = &g_array_index (entries, DropifyReconcileEntry, i);

      if (entry->live)
        {
          DropifyDrop *drop;

          if (g_hash_table_contains (their_live, entry->id) || g_hash_table_contains (their_dead, entry->id))
            continue;
          if ((drop = dropify_history_lookup (self->history, entry->id)))
            push_drop (conn, drop);
        }
      else if (!g_hash_table_contains (their_dead, entry->id))
        {
          connection_send (conn, dropify_protocol_encode_delete (entry->id, entry->expires_at));
        }
    }
}

static void
handle_drop (Connection     *conn,
             DropifyMessage *message)
{
  DropifySync *self = conn->sync;
  const char *id = dropify_drop_get_id (message->drop);
  const char *text = dropify_drop_get_text (message->drop);
  uint64_t text_bytes = text != NULL ? strlen (text) : 0;
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;

  /* A targeted drop travels only among its origin and its audience: a
   * correct peer sends one only if both ends are among them. */
  if (!dropify_drop_is_for (message->drop, dropify_identity_get_device_id (self->identity)) ||
      !dropify_drop_is_for (message->drop, conn->their_id))
    {
      connection_close (conn, DROPIFY_CLOSE_BAD_MESSAGE,
                        "bad message: drop: it is not meant for this device or the sender");
      return;
    }

  /* Only what would be stored counts: in a mesh the same drop comes
   * more than once, and the history ignores the copies cheaply. */
  if (dropify_history_lookup (self->history, id) == NULL &&
      !dropify_history_is_deleted (self->history, id) &&
      !dropify_drop_is_expired (message->drop, dropify_history_now (self->history)) &&
      !admit (conn, TRUE, text_bytes))
    return;

  drop = bound_drop (self, message->drop);

  self->source = conn;
  if (!dropify_history_add (self->history, drop, &error))
    {
      /* It sent it, so it holds it, whether or not we had it. */
      if (g_error_matches (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_EXISTS))
        dropify_sync_holders_note_drop (conn, id);

      /* Already here, deleted, or expired: normal in a mesh. */
      if (g_error_matches (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_EXISTS) ||
          g_error_matches (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_DELETED) ||
          g_error_matches (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_EXPIRED))
        g_debug ("Ignored drop %s from %s: %s", id,
                 conn->remote, error->message);
      else
        {
          g_warning ("Refused drop %s from %s: %s", id,
                     conn->remote, error->message);
          storage_failed (self, conn, NULL, error);
        }
    }
  else
    {
      storage_worked (self);
      dropify_sync_holders_note_drop (conn, id);
      dropify_peer_quota_add_drop (self->quota, conn->their_id, id, text_bytes);
      if (!dropify_drop_get_complete (drop))
        dropify_sync_transfers_request (conn, drop);
    }
  self->source = NULL;
}

static void
handle_delete (Connection     *conn,
               DropifyMessage *message)
{
  conn->sync->source = conn;
  apply_deletion (conn, message->id, message->expires_at);
  conn->sync->source = NULL;
}

/* The other device was renamed (see name_changed_cb()). */
static void
handle_name (Connection     *conn,
             DropifyMessage *message)
{
  dropify_peer_set_name (conn->peer, message->name);
  dropify_sync_transfers_peer_renamed (conn);
  if (conn->pairing != NULL)
    dropify_pairing_set_label (conn->pairing, message->name);
}

static DropifyPeer *
find_peer (DropifySync *self,
           const char  *device_id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->peers));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (G_LIST_MODEL (self->peers), i);

      if (g_strcmp0 (dropify_peer_get_device_id (peer), device_id) == 0)
        return peer;
    }

  return NULL;
}

Connection *
dropify_sync_active_connection (DropifySync *self,
                                DropifyPeer *peer)
{
  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *conn = g_ptr_array_index (self->connections, i);

      if (conn->active && conn->peer == peer)
        return conn;
    }

  return NULL;
}

void
dropify_sync_remove_peer (DropifySync *self,
                          DropifyPeer *peer)
{
  guint position;

  if (g_list_store_find (self->peers, peer, &position))
    g_list_store_remove (self->peers, position);
}

/* Where a connection comes from, without the port: an address. */
const char *
dropify_sync_connection_source (Connection *conn)
{
  return conn->dialer != NULL ? conn->dialer->host : conn->remote;
}

/* Whether a dialer keeps @peer (added by address or found by mDNS). */
gboolean
dropify_sync_dials (DropifySync *self,
                    DropifyPeer *peer)
{
  for (guint i = 0; i < self->dialers->len; i++)
    if (((Dialer *) g_ptr_array_index (self->dialers, i))->peer == peer)
      return TRUE;

  return FALSE;
}

/* What the people at both devices can do about another version. */
static const char *
incompatible_explanation (int their_version)
{
  if (their_version > 0 && their_version < DROPIFY_PROTOCOL_VERSION)
    return _("This device runs an older version of Dropify. Update Dropify on it to sync with it.");
  if (their_version > DROPIFY_PROTOCOL_VERSION)
    return _("This device runs a newer version of Dropify. Update Dropify here to sync with it.");
  return _("This device runs another version of Dropify. Update Dropify on both devices to sync.");
}

static void
handle_hello (Connection     *conn,
              DropifyMessage *message)
{
  DropifySync *self = conn->sync;
  const char *my_id = dropify_identity_get_device_id (self->identity);
  DropifyPeer *peer;
  Connection *other;
  const char *trusted_fp;
  int64_t skew;

  dropify_channel_hello_received (conn->channel);

  if (message->version != DROPIFY_PROTOCOL_VERSION)
    {
      g_autofree char *reason =
        g_strdup_printf ("incompatible protocol version %d; this device speaks %d",
                         message->version, DROPIFY_PROTOCOL_VERSION);
      DropifyPeer *known = conn->dialer != NULL ? conn->dialer->peer : find_peer (self, message->device_id);

      /* Its id is not proved (older versions do not derive it), so only
       * an entry we dialed, or one seen before with this very
       * certificate, says so. */
      if (known != NULL &&
          (conn->dialer != NULL ||
           dropify_trust_equal (dropify_peer_get_fingerprint (known), dropify_channel_get_fingerprint (conn->channel))))
        {
          dropify_peer_set_state (known, DROPIFY_PEER_STATE_INCOMPATIBLE);
          dropify_peer_set_error (known, incompatible_explanation (message->version));
          if (conn->dialer != NULL)
            dropify_peer_set_name (known, message->name);
        }
      connection_close (conn, DROPIFY_CLOSE_INCOMPATIBLE, reason);
      return;
    }

  /* A device's id is the one its certificate's key stands for: no other
   * certificate can claim it, so a stranger cannot take a paired device's
   * place, nor get the real one refused as an impostor. */
  if (g_strcmp0 (message->device_id, dropify_channel_get_device_id (conn->channel)) != 0)
    {
      connection_close (conn, DROPIFY_CLOSE_WRONG_CERTIFICATE,
                        "this device id does not belong to this certificate");
      return;
    }

  if (g_str_equal (message->device_id, my_id))
    {
      if (conn->dialer != NULL)
        conn->dialer->stopped = TRUE;
      connection_close (conn, DROPIFY_CLOSE_SELF, "connected to itself");
      return;
    }

  conn->their_id = g_strdup (message->device_id);

  /* Paired under the random id devices once had: the entry for this
   * certificate moves to the id it now stands for. */
  {
    g_autoptr(GError) error = NULL;

    if (!dropify_trust_adopt (self->trust, message->device_id,
                              dropify_channel_get_fingerprint (conn->channel), &error) &&
        error != NULL)
      g_warning ("Could not move the trust of “%s” to its new id: %s", message->name, error->message);
  }

  /* A known device id with another certificate: someone else claims to be
   * that device. Refuse it and say so where the device is listed. */
  trusted_fp = dropify_trust_lookup (self->trust, message->device_id);
  if (trusted_fp != NULL && !dropify_trust_equal (trusted_fp, dropify_channel_get_fingerprint (conn->channel)))
    {
      DropifyPeer *flag = find_peer (self, message->device_id);

      if (flag == NULL && conn->dialer != NULL)
        flag = conn->dialer->peer;
      if (flag != NULL)
        {
          dropify_peer_set_error (flag, _("A device claiming to be this one presented a different "
                                          "certificate than the one it was paired with. It may be "
                                          "an impostor, and was refused."));
          if (!dropify_peer_get_connected (flag))
            dropify_peer_set_state (flag, DROPIFY_PEER_STATE_REFUSED);
        }
      g_warning ("Refused “%s” at %s: its certificate is not the one it was paired with",
                 message->name, conn->remote);
      if (conn->dialer != NULL)
        conn->dialer->backoff_ms = 30 * 1000;
      connection_close (conn, DROPIFY_CLOSE_WRONG_CERTIFICATE,
                        "this certificate is not the one this device was paired with");
      return;
    }

  /* One peer entry per device. A dialer whose entry is still a
   * placeholder adopts the entry that already stands for this device. */
  peer = find_peer (self, message->device_id);
  if (conn->dialer != NULL)
    {
      DropifyPeer *mine = conn->dialer->peer;

      if (peer != NULL && peer != mine)
        {
          /* It connected to us before; now we dial it too, so it is
           * listed the way we reach it. */
          if (dropify_peer_get_via (peer) == DROPIFY_PEER_VIA_INCOMING)
            dropify_peer_set_via (peer, dropify_peer_get_via (mine));
          if (dropify_peer_get_device_id (mine) == NULL)
            dropify_sync_remove_peer (self, mine);
          g_set_object (&conn->dialer->peer, peer);
        }
      else
        {
          peer = mine;
        }
    }
  else if (peer == NULL)
    {
      g_autoptr(DropifyPeer) created = dropify_peer_new (conn->remote, message->port,
                                                         DROPIFY_PEER_VIA_INCOMING);
      dropify_peer_set_device_id (created, message->device_id);
      g_list_store_append (self->peers, created);
      peer = created;
      dropify_sync_strangers_prune (self);
    }

  dropify_peer_set_device_id (peer, message->device_id);
  dropify_peer_set_name (peer, message->name);
  dropify_peer_set_error (peer, NULL);
  if (conn->dialer == NULL)
    {
      dropify_peer_set_address (peer, conn->remote);
      if (message->port != 0)
        dropify_peer_set_port (peer, message->port);
    }

  skew = message->clock - dropify_history_now (self->history);
  if (ABS (skew) > CLOCK_SKEW_WARN_MS)
    g_warning ("The clock of “%s” differs from ours by %" G_GINT64_FORMAT " s; "
               "drops keep their expiry times", message->name, skew / 1000);

  /* Two connections between the same two devices. Both dialed at once:
   * both sides keep the one dialed by the smaller device id. A connection
   * that comes well after the other replaces it: one side dialed because
   * it lost sight of the other (a link that went away and came back), and
   * the old connection is gone or stuck in TCP's retransmission backoff on
   * that side, which only one side may know. */
  other = dropify_sync_active_connection (self, peer);
  if (other != NULL && other != conn)
    {
      const char *smaller = strcmp (my_id, message->device_id) < 0 ? my_id : message->device_id;
      gboolean conn_dialed_by_smaller = g_str_equal (conn->outgoing ? my_id : message->device_id, smaller);
      gboolean replaces = g_get_monotonic_time () - other->active_at >= DUPLICATE_RACE_US;
      Connection *loser = conn_dialed_by_smaller || replaces ? other : conn;

      if (loser == conn)
        {
          g_set_object (&conn->peer, peer);
          connection_close (conn, DROPIFY_CLOSE_DUPLICATE, "duplicate connection");
          return;
        }
      connection_close (loser, DROPIFY_CLOSE_DUPLICATE, "duplicate connection");
    }

  g_set_object (&conn->peer, peer);
  conn->active = conn->was_active = TRUE;
  conn->active_at = g_get_monotonic_time ();
  if (conn->dialer != NULL)
    conn->dialer->backoff_ms = BACKOFF_MIN_MS;
  dropify_peer_set_fingerprint (peer, dropify_channel_get_fingerprint (conn->channel));
  dropify_peer_set_state (peer, DROPIFY_PEER_STATE_CONNECTED);
  start_pairing (conn, message->name);

  if (trusted_fp != NULL)
    {
      g_message ("Connected to “%s” at %s", message->name, conn->remote);
      become_trusted (conn);
      /* The other side may not trust us: our first exchange was cut when
       * two connections raced and it kept the one where it had not
       * checked our proof yet. A dialer proves again, saying it trusts
       * already (see dropify-pairing.c). */
      dropify_pairing_start (conn->pairing);
      return;
    }

  /* Not trusted: only pairing from here, and nothing about our drops. */
  dropify_sync_strangers_make_room (conn);

  dropify_log_limit_message (self->stranger_log, dropify_sync_connection_source (conn),
                             "“%s” at %s is not paired with this device",
                             message->name, conn->remote);
  dropify_peer_set_trusted (peer, FALSE);
  dropify_pairing_start (conn->pairing);
}

/* Trust */

static void
become_trusted (Connection *conn)
{
  conn->trusted = TRUE;
  dropify_channel_set_trusted (conn->channel, TRUE);

  /* The window tells a pairing from a group trust by the pairing's
   * flags, which the pairing clears once it is trusted: after this. */
  dropify_peer_set_trusted (conn->peer, TRUE);
  if (conn->pairing != NULL)
    dropify_pairing_set_trusted (conn->pairing, TRUE);
  dropify_peer_set_pairing_code (conn->peer, NULL);
  dropify_peer_set_pairing (conn->peer, DROPIFY_PAIRING_IDLE);
  dropify_peer_set_pairing_error (conn->peer, NULL);
  dropify_peer_set_wants_to_pair (conn->peer, FALSE);
  dropify_peer_set_pair_sent (conn->peer, FALSE);

  send_summary (conn, "");
  dropify_sync_transfers_request_missing (conn);
}

static void
trust_connection (Connection      *conn,
                  DropifyTrustHow  how)
{
  g_autoptr(GError) error = NULL;

  if (!dropify_trust_add (conn->sync->trust, conn->their_id, dropify_channel_get_fingerprint (conn->channel),
                          dropify_peer_get_name (conn->peer), how, &error))
    {
      g_warning ("Could not remember “%s” as trusted: %s",
                 dropify_peer_get_name (conn->peer), error->message);
      return;
    }

  g_message ("Now trusting “%s” (%s)", dropify_peer_get_name (conn->peer),
             how == DROPIFY_TRUST_GROUP ? "same group secret" : "paired");
  become_trusted (conn);
}

/* Pairing and the group secret, for one connection: DropifyPairing
 * decides, this stores and trusts. */

static void
pairing_send_cb (Connection *conn,
                 const char *text)
{
  connection_send (conn, g_strdup (text));
}

static void
pairing_trusted_cb (Connection *conn,
                    int         how)
{
  trust_connection (conn, (DropifyTrustHow) how);
}

static void
pairing_reconcile_cb (Connection *conn)
{
  send_summary (conn, "");
}

/* The peer shows the pairing of its connection; once trusted, there is
 * nothing to show (become_trusted() cleared it). */
static void
pairing_flags_cb (Connection *conn)
{
  if (conn->peer == NULL || conn->trusted)
    return;
  dropify_peer_set_pairing_code (conn->peer, dropify_pairing_get_code (conn->pairing));
  dropify_peer_set_pairing (conn->peer, dropify_pairing_get_state (conn->pairing));
  dropify_peer_set_wants_to_pair (conn->peer, dropify_pairing_get_wants_to_pair (conn->pairing));
  dropify_peer_set_pair_sent (conn->peer, dropify_pairing_get_pair_sent (conn->pairing));
}

/* An attempt that failed stays said on the peer until the next one, also
 * once its connection is gone. */
static void
pairing_error_cb (Connection *conn)
{
  if (conn->peer == NULL || conn->trusted)
    return;
  dropify_peer_set_pairing_error (conn->peer, dropify_pairing_get_error (conn->pairing));
}

static void
start_pairing (Connection *conn,
               const char *name)
{
  DropifySync *self = conn->sync;

  conn->pairing = dropify_pairing_new (dropify_identity_get_fingerprint (self->identity),
                                       dropify_channel_get_fingerprint (conn->channel),
                                       conn->outgoing);
  dropify_pairing_set_label (conn->pairing, name);
  dropify_pairing_set_limits (conn->pairing, self->pairing_limit, self->guess_limit, self->guess_log,
                              dropify_sync_connection_source (conn));
  dropify_pairing_set_unpaired (conn->pairing, dropify_trust_is_unpaired (self->trust, conn->their_id));
  dropify_pairing_set_group_secret (conn->pairing, self->group_secret);

  g_signal_connect_swapped (conn->pairing, "send", G_CALLBACK (pairing_send_cb), conn);
  g_signal_connect_swapped (conn->pairing, "trusted", G_CALLBACK (pairing_trusted_cb), conn);
  g_signal_connect_swapped (conn->pairing, "reconcile-again", G_CALLBACK (pairing_reconcile_cb), conn);
  g_signal_connect_swapped (conn->pairing, "notify::wants-to-pair", G_CALLBACK (pairing_flags_cb), conn);
  g_signal_connect_swapped (conn->pairing, "notify::pair-sent", G_CALLBACK (pairing_flags_cb), conn);
  g_signal_connect_swapped (conn->pairing, "notify::code", G_CALLBACK (pairing_flags_cb), conn);
  g_signal_connect_swapped (conn->pairing, "notify::state", G_CALLBACK (pairing_flags_cb), conn);
  g_signal_connect_swapped (conn->pairing, "notify::error", G_CALLBACK (pairing_error_cb), conn);
}

static Connection *
untrusted_connection (DropifySync *self,
                      const char  *device_id)
{
  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *conn = g_ptr_array_index (self->connections, i);

      if (conn->active && !conn->trusted && g_strcmp0 (conn->their_id, device_id) == 0)
        return conn;
    }

  return NULL;
}

static gboolean
is_pairing_message (DropifyMessageType type)
{
  switch (type)
    {
    case DROPIFY_MESSAGE_AUTH_START:
    case DROPIFY_MESSAGE_AUTH_REPLY:
    case DROPIFY_MESSAGE_AUTH_CONFIRM:
    case DROPIFY_MESSAGE_PAIR_REQUEST:
    case DROPIFY_MESSAGE_PAIR_NONCE:
    case DROPIFY_MESSAGE_PAIR_ACCEPT:
    case DROPIFY_MESSAGE_PAIR_REJECT:
      return TRUE;
    default:
      return FALSE;
    }
}

static void
on_message (Connection *conn,
            int         type,
            GBytes     *bytes)
{
  g_autoptr(DropifyMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  const char *data;
  gsize len;

  data = g_bytes_get_data (bytes, &len);
  if (conn->peer != NULL)
    dropify_peer_add_traffic (conn->peer, len, 0);

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      if (!conn->trusted)
        connection_close (conn, DROPIFY_CLOSE_BAD_MESSAGE, "file chunks need a paired device");
      else
        dropify_sync_transfers_handle_chunk (conn, bytes);
      return;
    }

  message = dropify_message_parse (data, len, &error);
  if (message == NULL)
    {
      g_autofree char *reason = g_strdup_printf ("bad message: %s", error->message);
      connection_close (conn, DROPIFY_CLOSE_BAD_MESSAGE, reason);
      return;
    }

  if (!conn->active && message->type != DROPIFY_MESSAGE_HELLO)
    {
      connection_close (conn, DROPIFY_CLOSE_BAD_MESSAGE, "expected hello first");
      return;
    }

  /* An untrusted peer's sync messages are ignored: it may still think it
   * is paired (we unpaired it), and it gets nothing either way. Its new
   * name is what its hello said, so that counts. */
  if (conn->active && !conn->trusted &&
      message->type != DROPIFY_MESSAGE_HELLO && message->type != DROPIFY_MESSAGE_NAME &&
      !is_pairing_message (message->type))
    {
      g_debug ("Ignoring %s from %s: not paired", dropify_message_type_to_string (message->type),
               conn->remote);
      return;
    }

  switch (message->type)
    {
    case DROPIFY_MESSAGE_HELLO:
      if (conn->active)
        connection_close (conn, DROPIFY_CLOSE_BAD_MESSAGE, "a second hello");
      else
        handle_hello (conn, message);
      break;
    case DROPIFY_MESSAGE_SUMMARY: handle_summary (conn, message); break;
    case DROPIFY_MESSAGE_IDS: handle_ids (conn, message); break;
    case DROPIFY_MESSAGE_DROP: handle_drop (conn, message); break;
    case DROPIFY_MESSAGE_DELETE: handle_delete (conn, message); break;
    case DROPIFY_MESSAGE_FILE_GET:
    case DROPIFY_MESSAGE_CREDIT:
    case DROPIFY_MESSAGE_FILE_MISSING:
    case DROPIFY_MESSAGE_HAVE:
    case DROPIFY_MESSAGE_TRANSFER_CANCEL:
      dropify_sync_transfers_handle_message (conn, message);
      break;
    case DROPIFY_MESSAGE_NAME: handle_name (conn, message); break;
    case DROPIFY_MESSAGE_AUTH_START:
    case DROPIFY_MESSAGE_AUTH_REPLY:
    case DROPIFY_MESSAGE_AUTH_CONFIRM:
    case DROPIFY_MESSAGE_PAIR_REQUEST:
    case DROPIFY_MESSAGE_PAIR_NONCE:
    case DROPIFY_MESSAGE_PAIR_ACCEPT:
    case DROPIFY_MESSAGE_PAIR_REJECT:
      if (conn->pairing != NULL)
        dropify_pairing_handle_message (conn->pairing, message);
      break;
    default: g_assert_not_reached ();
    }
}

static void
connection_free (Connection *conn)
{
  if (conn->pairing != NULL)
    g_signal_handlers_disconnect_by_data (conn->pairing, conn);
  g_clear_object (&conn->pairing);
  if (conn->channel != NULL)
    g_signal_handlers_disconnect_by_data (conn->channel, conn);
  g_clear_object (&conn->channel);
  g_clear_object (&conn->peer);
  dropify_sync_transfers_connection_free (conn);
  dropify_sync_holders_connection_free (conn);
  g_free (conn->remote);
  g_free (conn->their_id);
  g_free (conn);
}

static void
on_closed (Connection *conn)
{
  DropifySync *self = conn->sync;
  gushort code = dropify_channel_get_close_code (conn->channel);
  const char *reason = dropify_channel_get_close_reason (conn->channel);
  Dialer *dialer = conn->dialer;
  DropifyPeer *peer = conn->peer;
  /* Not conn->active: closing clears it, and a connection this side
   * closed must set its peer offline and redial as well. */
  gboolean was_active = conn->was_active;

  if (conn->trusted)
    g_message ("Connection with %s closed (%u%s%s)", conn->remote, code,
               reason && *reason ? ": " : "", reason ? reason : "");
  else
    dropify_log_limit_message (self->stranger_log, dropify_sync_connection_source (conn), "Connection with %s closed (%u%s%s)",
                               conn->remote, code, reason && *reason ? ": " : "", reason ? reason : "");

  conn->active = FALSE;
  if (conn->pairing != NULL)
    dropify_pairing_interrupted (conn->pairing);

  dropify_sync_transfers_connection_closed (conn);

  if (peer != NULL && was_active && dropify_sync_active_connection (self, peer) == NULL)
    dropify_peer_set_state (peer, DROPIFY_PEER_STATE_OFFLINE);
  dropify_sync_strangers_went_offline (self, peer);

  if (code == DROPIFY_CLOSE_INCOMPATIBLE && peer == NULL && dialer != NULL)
    {
      int theirs = 0;
      const char *speaks = reason != NULL ? strstr (reason, "this device speaks ") : NULL;

      /* The other side refused us; its reason says which version it
       * speaks ("… this device speaks N"). */
      if (speaks != NULL)
        theirs = (int) g_ascii_strtoll (speaks + strlen ("this device speaks "), NULL, 10);
      dropify_peer_set_state (dialer->peer, DROPIFY_PEER_STATE_INCOMPATIBLE);
      dropify_peer_set_error (dialer->peer, incompatible_explanation (theirs));
    }

  if (dialer != NULL)
    {
      dialer->connection = NULL;
      if (dropify_peer_get_state (dialer->peer) == DROPIFY_PEER_STATE_CONNECTING &&
          dropify_sync_active_connection (self, dialer->peer) == NULL)
        dropify_peer_set_state (dialer->peer, DROPIFY_PEER_STATE_OFFLINE);
      if (code == DROPIFY_CLOSE_INCOMPATIBLE)
        dialer->backoff_ms = 30 * 1000;
      dialer_schedule (dialer);
    }

  /* A dialer that lost a duplicate race waits for the winner to go. */
  if (peer != NULL && was_active)
    {
      for (guint i = 0; i < self->dialers->len; i++)
        {
          Dialer *d = g_ptr_array_index (self->dialers, i);
          if (d->peer == peer && d != dialer && d->connection == NULL)
            dialer_schedule (d);
        }
    }

  g_ptr_array_remove (self->connections, conn);
  index_release_later (self);
}

static Connection *
connection_new (DropifySync    *self,
                DropifyChannel *channel,
                Dialer         *dialer)
{
  Connection *conn = g_new0 (Connection, 1);

  conn->sync = self;
  conn->channel = channel;
  conn->remote = g_strdup (dropify_channel_get_remote (channel));
  conn->dialer = dialer;
  conn->outgoing = dialer != NULL;
  dropify_sync_transfers_connection_init (conn);

  dropify_channel_set_log_limit (channel, self->stranger_log);
  g_signal_connect_swapped (channel, "message", G_CALLBACK (on_message), conn);
  g_signal_connect_swapped (channel, "closed", G_CALLBACK (on_closed), conn);

  g_ptr_array_add (self->connections, conn);

  /* Peers talk over TLS with a certificate, or not at all. */
  if (dropify_channel_get_fingerprint (channel) == NULL)
    {
      connection_close (conn, DROPIFY_CLOSE_NO_TLS, "peers must connect with TLS and a certificate");
      return conn;
    }

  connection_send (conn, dropify_protocol_encode_hello (dropify_identity_get_device_id (self->identity),
                                                        dropify_identity_get_name (self->identity),
                                                        dropify_history_now (self->history),
                                                        dropify_server_get_port (self->server)));

  return conn;
}

static void
connection_close (Connection *conn,
                  gushort     code,
                  const char *reason)
{
  conn->active = FALSE;
  dropify_channel_close (conn->channel, code, reason);
}

/* Dialers: outgoing connections to an address, with backoff */

static void
dialer_free (Dialer *dialer)
{
  g_cancellable_cancel (dialer->cancellable);
  g_clear_object (&dialer->cancellable);
  g_clear_handle_id (&dialer->retry_source, g_source_remove);
  g_clear_object (&dialer->peer);
  g_free (dialer->host);
  g_free (dialer);
}

static void
dialer_connected_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Dialer *dialer = user_data;
  g_autoptr(SoupWebsocketConnection) ws = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *remote = NULL;

  ws = dropify_peer_dial_finish (result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (ws == NULL)
    {
      g_debug ("Could not reach %s:%u: %s", dialer->host, dialer->port, error->message);
      if (dropify_sync_active_connection (dialer->sync, dialer->peer) == NULL)
        {
          dropify_peer_set_state (dialer->peer, DROPIFY_PEER_STATE_OFFLINE);
          dropify_peer_set_error (dialer->peer, error->message);
        }
      dialer_schedule (dialer);
      return;
    }

  remote = g_strdup_printf ("%s:%u", dialer->host, dialer->port);
  dialer->connection = connection_new (dialer->sync, dropify_channel_new (ws, remote, TRUE), dialer);
}

static void
dialer_connect (Dialer *dialer)
{
  if (dropify_sync_active_connection (dialer->sync, dialer->peer) == NULL &&
      dropify_peer_get_state (dialer->peer) != DROPIFY_PEER_STATE_INCOMPATIBLE)
    dropify_peer_set_state (dialer->peer, DROPIFY_PEER_STATE_CONNECTING);
  dropify_peer_dial_async (dialer->host, dialer->port,
                           dropify_identity_get_certificate (dialer->sync->identity),
                           dialer->cancellable, dialer_connected_cb, dialer);
}

static gboolean
dialer_retry_cb (gpointer user_data)
{
  Dialer *dialer = user_data;

  dialer->retry_source = 0;

  /* Already connected the other way: wait until that one closes. */
  if (dialer->connection == NULL && !dropify_peer_get_connected (dialer->peer))
    dialer_connect (dialer);

  return G_SOURCE_REMOVE;
}

static void
dialer_schedule (Dialer *dialer)
{
  if (dialer->stopped || dialer->retry_source != 0 || dialer->connection != NULL)
    return;

  dialer->retry_source = g_timeout_add (dialer->backoff_ms, dialer_retry_cb, dialer);
  dialer->backoff_ms = MIN (dialer->backoff_ms * 2, MAX (dialer->backoff_ms, BACKOFF_MAX_MS));
}

/* Live push */

/* Drops received from one peer reach the others through a summary, not
 * pushed again whole: in a mesh every peer has them from their origin
 * already, and the summaries then match at once. Pushing them on made a
 * burst of 1,000 drops among 16 peers cost 40 times its text. Where a
 * peer is reached only through us (a chain), the summary finds the
 * difference and the drops follow. */
static gboolean
relay_cb (gpointer user_data)
{
  DropifySync *self = user_data;

  self->relay_source = 0;
  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *conn = g_ptr_array_index (self->connections, i);

      if (conn->active && conn->trusted)
        send_summary (conn, "");
    }

  return G_SOURCE_REMOVE;
}

static void
drop_added_cb (DropifySync *self,
               DropifyDrop *drop)
{
  /* Sent once drops stop coming for a moment, or at the latest 2 s after
   * the first: a summary taken while drops are still in flight only
   * finds differences that are about to vanish. */
  if (self->source != NULL)
    {
      int64_t now = g_get_monotonic_time ();

      if (self->relay_source == 0)
        self->relay_since = now;
      else if (now - self->relay_since < RELAY_MAX_DELAY_US)
        g_clear_handle_id (&self->relay_source, g_source_remove);

      if (self->relay_source == 0)
        self->relay_source = g_timeout_add (RELAY_QUIET_MS, relay_cb, self);
      return;
    }

  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *conn = g_ptr_array_index (self->connections, i);

      if (conn->trusted)
        push_drop (conn, drop);
    }

  /* A file added here is content this device completed: peers holding
   * another drop of it learn they may ask (after the drop, so they
   * know what it is). */
  if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_FILE && dropify_drop_get_complete (drop))
    dropify_sync_transfers_announce (self, dropify_drop_get_sha256 (drop), NULL);
}

static void
drop_removed_cb (DropifySync *self,
                 DropifyDrop *drop,
                 gboolean     expired)
{
  const char *sha256 = dropify_drop_get_sha256 (drop);

  dropify_peer_quota_remove_drop (self->quota, dropify_drop_get_id (drop));

  if (sha256 != NULL)
    {
      g_autoptr(GPtrArray) others = dropify_history_find_by_sha256 (self->history, sha256);

      if (others->len == 0)
        dropify_sync_transfers_content_gone (self, sha256);
    }

  if (expired)
    return;

  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *conn = g_ptr_array_index (self->connections, i);

      if (conn->trusted && conn != self->source)
        connection_send (conn, dropify_protocol_encode_delete (dropify_drop_get_id (drop),
                                                               dropify_drop_get_expires_at (drop)));
    }
}

/* This device was renamed: every device connected learns it at once, as
 * it would from the hello of its next connection. The hello went to
 * strangers too, so the name does. */
static void
name_changed_cb (DropifySync *self)
{
  const char *name = dropify_identity_get_name (self->identity);

  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *conn = g_ptr_array_index (self->connections, i);

      if (conn->active)
        connection_send (conn, dropify_protocol_encode_name (name));
    }
}

/* Server side */

/* A WebSocket upgrade has no body. libsoup 3.2 reads a body into memory
 * before it answers, whatever the status: so hang up at once instead. */
static void
refuse_bodies_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (soup_message_headers_get_content_length (headers) > 0 ||
      soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED)
    {
      g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);

      g_debug ("Hanging up on a request with a body to /v1/peer");
      if (stream != NULL)
        g_io_stream_close (stream, NULL, NULL);
    }
}

static void
websocket_cb (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  DropifySync *self = DROPIFY_SYNC (user_data);
  GSocketAddress *address = soup_server_message_get_remote_address (msg);
  g_autofree char *remote = NULL;

  if (G_IS_INET_SOCKET_ADDRESS (address))
    {
      g_autofree char *ip = g_inet_address_to_string (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
      remote = g_strdup (ip);
    }
  else
    remote = g_strdup (soup_server_message_get_remote_host (msg));

  connection_new (self, dropify_channel_new (ws, remote, FALSE), NULL);
}

/* GObject */

static void
dropify_sync_dispose (GObject *object)
{
  DropifySync *self = (DropifySync *)object;

  dropify_sync_stop (self);

  dropify_sync_holders_dispose (self);
  g_clear_handle_id (&self->storage_retry_source, g_source_remove);
  g_clear_pointer (&self->stalled, g_hash_table_unref);
  dropify_sync_transfers_dispose (self);
  g_clear_handle_id (&self->index_release_source, g_source_remove);
  g_clear_object (&self->index);
  g_clear_object (&self->quota);
  dropify_sync_strangers_dispose (self);
  g_clear_pointer (&self->dialers, g_ptr_array_unref);
  g_clear_pointer (&self->connections, g_ptr_array_unref);
  g_clear_pointer (&self->stranger_log, dropify_log_limit_free);
  g_clear_pointer (&self->guess_log, dropify_log_limit_free);
  g_clear_pointer (&self->pairing_limit, dropify_attempt_limit_free);
  g_clear_pointer (&self->guess_limit, dropify_attempt_limit_free);
  g_clear_object (&self->server);
  g_clear_object (&self->peers);
  g_clear_object (&self->history);
  g_clear_object (&self->identity);
  g_clear_object (&self->trust);
  g_clear_pointer (&self->group_secret, g_free);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (dropify_sync_parent_class)->dispose (object);
}

static void
dropify_sync_finalize (GObject *object)
{
  DropifySync *self = (DropifySync *)object;

  dropify_sync_transfers_finalize (self);
  dropify_sync_holders_finalize (self);

  G_OBJECT_CLASS (dropify_sync_parent_class)->finalize (object);
}

static void
dropify_sync_class_init (DropifySyncClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = dropify_sync_dispose;
  G_OBJECT_CLASS (klass)->finalize = dropify_sync_finalize;

  dropify_sync_transfers_tune_allocator ();
}

static void
dropify_sync_init (DropifySync *self)
{
  self->peers = g_list_store_new (DROPIFY_TYPE_PEER);
  self->stranger_log = dropify_log_limit_new (STRANGER_LOG_LINES, STRANGER_LOG_MS, NULL, NULL);
  self->guess_log = dropify_log_limit_new (1, GUESS_LOG_MS, NULL, NULL);
  self->pairing_limit = dropify_attempt_limit_new (PAIRING_ATTEMPTS_PER_KEY, PAIRING_ATTEMPTS_OVERALL,
                                                   ATTEMPT_WINDOW_MS, NULL, NULL);
  self->guess_limit = dropify_attempt_limit_new (SECRET_GUESSES_PER_KEY, SECRET_GUESSES_OVERALL,
                                                 ATTEMPT_WINDOW_MS, NULL, NULL);
  self->connections = g_ptr_array_new_with_free_func ((GDestroyNotify) connection_free);
  self->dialers = g_ptr_array_new_with_free_func ((GDestroyNotify) dialer_free);
  self->cancellable = g_cancellable_new ();
  dropify_sync_transfers_init (self);
  self->quota = dropify_peer_quota_new (PEER_BURST, PEER_PER_S, PEER_MAX_DROPS, PEER_MAX_TEXT);
  dropify_sync_strangers_init (self);
  self->stalled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->storage_retry_s = STORAGE_RETRY_MIN_S;
  self->index_release_s = INDEX_RELEASE_S;
  dropify_sync_holders_init (self);
}

/**
 * dropify_sync_new:
 * @server: the instance's server; peers connect to its /v1/peer
 */
DropifySync *
dropify_sync_new (DropifyHistory  *history,
                  DropifyIdentity *identity,
                  DropifyServer   *server,
                  DropifyTrust    *trust)
{
  DropifySync *self;

  g_return_val_if_fail (DROPIFY_IS_HISTORY (history), NULL);
  g_return_val_if_fail (DROPIFY_IS_IDENTITY (identity), NULL);
  g_return_val_if_fail (DROPIFY_IS_SERVER (server), NULL);
  g_return_val_if_fail (DROPIFY_IS_TRUST (trust), NULL);

  self = g_object_new (DROPIFY_TYPE_SYNC, NULL);
  self->history = g_object_ref (history);
  self->identity = g_object_ref (identity);
  self->server = g_object_ref (server);
  self->trust = g_object_ref (trust);
  soup_server_add_early_handler (dropify_server_get_soup_server (server), "/v1/peer",
                                 refuse_bodies_cb, NULL, NULL);
  soup_server_add_websocket_handler (dropify_server_get_soup_server (server), "/v1/peer", NULL, NULL,
                                     websocket_cb, self, NULL);

  /* First, so that the index is current when the others run. */
  index_follow_history (self);
  g_signal_connect_object (history, "drop-added", G_CALLBACK (drop_added_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (identity, "notify::name", G_CALLBACK (name_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (history, "drop-removed", G_CALLBACK (drop_removed_cb), self, G_CONNECT_SWAPPED);

  return self;
}

guint
dropify_sync_get_port (DropifySync *self)
{
  g_return_val_if_fail (DROPIFY_IS_SYNC (self), 0);
  return dropify_server_get_port (self->server);
}

static Dialer *
dialer_new (DropifySync *self,
            const char  *host,
            guint        port,
            DropifyPeer *peer)
{
  Dialer *dialer = g_new0 (Dialer, 1);

  dialer->sync = self;
  dialer->host = g_strdup (host);
  dialer->port = port;
  dialer->backoff_ms = BACKOFF_MIN_MS;
  dialer->cancellable = g_cancellable_new ();
  dialer->peer = g_object_ref (peer);
  g_ptr_array_add (self->dialers, dialer);

  return dialer;
}

static Dialer *
find_dialer (DropifySync    *self,
             const char     *host,
             guint           port,
             const char     *device_id)
{
  for (guint i = 0; i < self->dialers->len; i++)
    {
      Dialer *d = g_ptr_array_index (self->dialers, i);

      if (device_id != NULL
          ? (d->via_mdns && g_strcmp0 (dropify_peer_get_device_id (d->peer), device_id) == 0)
          : (!d->via_mdns && g_str_equal (d->host, host) && d->port == port))
        return d;
    }

  return NULL;
}

/**
 * dropify_sync_add_discovered:
 * @device_id: from the peer's mDNS record
 *
 * Keeps a connection to a peer found on the network. Its entry in the
 * peers list is the one already there for that device, if any.
 */
void
dropify_sync_add_discovered (DropifySync *self,
                             const char  *device_id,
                             const char  *name,
                             const char  *address,
                             guint        port)
{
  Dialer *dialer;
  DropifyPeer *peer;
  Connection *current;

  g_return_if_fail (DROPIFY_IS_SYNC (self));
  g_return_if_fail (device_id != NULL && address != NULL);

  dialer = find_dialer (self, NULL, 0, device_id);
  if (dialer != NULL)
    {
      /* Moved, or back: dial the new address now. */
      if (g_strcmp0 (dialer->host, address) != 0 || dialer->port != port)
        {
          g_free (dialer->host);
          dialer->host = g_strdup (address);
          dialer->port = port;
        }
      dialer->backoff_ms = BACKOFF_MIN_MS;
      dropify_peer_set_via (dialer->peer, DROPIFY_PEER_VIA_MDNS);
      if (dialer->connection == NULL && !dropify_peer_get_connected (dialer->peer))
        {
          g_clear_handle_id (&dialer->retry_source, g_source_remove);
          dialer_connect (dialer);
        }
      return;
    }

  peer = find_peer (self, device_id);
  if (peer == NULL)
    {
      g_autoptr(DropifyPeer) created = dropify_peer_new (address, port, DROPIFY_PEER_VIA_MDNS);

      /* An mDNS service name is the other device's choice, as a hello
       * name is: cleaned the same way before it is listed. */
      g_autofree char *inert = name != NULL ? dropify_display_name_clean_device (name) : NULL;

      dropify_peer_set_device_id (created, device_id);
      dropify_peer_set_name (created, inert);
      g_list_store_append (self->peers, created);
      peer = created;
    }

  dropify_peer_set_via (peer, DROPIFY_PEER_VIA_MDNS);
  if (!dropify_peer_get_connected (peer))
    {
      dropify_peer_set_address (peer, address);
      dropify_peer_set_port (peer, port);
    }

  dialer = dialer_new (self, address, port, peer);
  dialer->via_mdns = TRUE;

  /* Found again after we lost sight of it, while connected: that
   * connection may be stuck (see handle_hello()); a new one replaces it. */
  current = dropify_sync_active_connection (self, peer);
  if (current == NULL || current->lost_sight)
    dialer_connect (dialer);
}

/**
 * dropify_sync_lose_discovered:
 *
 * The peer left the network: stop dialing it. Its entry stays in the
 * list, offline unless a connection to it is still up.
 */
void
dropify_sync_lose_discovered (DropifySync *self,
                              const char  *device_id)
{
  Dialer *dialer;
  Connection *current;

  g_return_if_fail (DROPIFY_IS_SYNC (self));

  dialer = find_dialer (self, NULL, 0, device_id);
  if (dialer == NULL)
    return;

  if (dialer->connection != NULL)
    dialer->connection->dialer = NULL;
  current = dropify_sync_active_connection (self, dialer->peer);
  if (current == NULL)
    dropify_peer_set_state (dialer->peer, DROPIFY_PEER_STATE_OFFLINE);
  else
    current->lost_sight = TRUE;

  g_ptr_array_remove (self->dialers, dialer);
}

/**
 * dropify_sync_forget_peer:
 * @peer: an entry of the peers list
 *
 * Stops trusting @peer, stops dialing it, closes its connections and
 * removes it from the list. It is remembered as unpaired, as
 * dropify_sync_unpair() does, so that neither its dialing back nor the
 * group secret makes it trusted again: only pairing does. A peer found
 * by mDNS comes back when it is found again, as a device not paired.
 *
 * Returns: (transfer full): the `HOST:PORT` addresses that were dialed
 *   for it, so callers can forget those too
 */
GStrv
dropify_sync_forget_peer (DropifySync *self,
                          DropifyPeer *peer)
{
  g_autoptr(GStrvBuilder) addresses = g_strv_builder_new ();
  g_autoptr(DropifyPeer) hold = NULL;
  const char *device_id;
  guint position;

  g_return_val_if_fail (DROPIFY_IS_SYNC (self), NULL);
  g_return_val_if_fail (DROPIFY_IS_PEER (peer), NULL);

  hold = g_object_ref (peer);
  device_id = dropify_peer_get_device_id (peer);

  /* Trust first: a connection it makes meanwhile finds it a stranger. */
  if (device_id != NULL && dropify_trust_lookup (self->trust, device_id) != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!dropify_trust_remove (self->trust, device_id, &error))
        g_warning ("Could not stop trusting “%s”: %s", dropify_peer_get_name (peer), error->message);
    }
  dropify_peer_set_trusted (peer, FALSE);

  /* What it held is no business of this history any more. */
  if (device_id != NULL)
    dropify_sync_holders_forget (self, device_id);

  for (guint i = self->dialers->len; i > 0; i--)
    {
      Dialer *dialer = g_ptr_array_index (self->dialers, i - 1);

      if (dialer->peer != peer)
        continue;

      if (!dialer->via_mdns)
        {
          g_autofree char *address = strchr (dialer->host, ':')
            ? g_strdup_printf ("[%s]:%u", dialer->host, dialer->port)
            : g_strdup_printf ("%s:%u", dialer->host, dialer->port);
          g_strv_builder_add (addresses, address);
        }
      if (dialer->connection != NULL)
        dialer->connection->dialer = NULL;
      g_ptr_array_remove_index (self->dialers, i - 1);
    }

  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *conn = g_ptr_array_index (self->connections, i);

      if (conn->peer == peer ||
          (device_id != NULL && g_strcmp0 (conn->their_id, device_id) == 0))
        {
          conn->trusted = FALSE;
          connection_close (conn, DROPIFY_CLOSE_SHUTDOWN, "forgotten");
        }
    }

  if (g_list_store_find (self->peers, peer, &position))
    g_list_store_remove (self->peers, position);

  return g_strv_builder_end (addresses);
}

/**
 * dropify_sync_connect_to:
 * @host: an address or host name
 * @port: its port
 *
 * Keeps a connection to @host:@port, reconnecting with backoff when it is
 * lost.
 *
 * Returns: (transfer none): the peer entry for it
 */
DropifyPeer *
dropify_sync_connect_to (DropifySync    *self,
                         const char     *host,
                         guint           port,
                         DropifyPeerVia  via)
{
  Dialer *dialer;

  g_return_val_if_fail (DROPIFY_IS_SYNC (self), NULL);
  g_return_val_if_fail (host != NULL, NULL);

  if ((dialer = find_dialer (self, host, port, NULL)))
    return dialer->peer;

  {
    g_autoptr(DropifyPeer) placeholder = dropify_peer_new (host, port, via);

    dialer = dialer_new (self, host, port, placeholder);
    g_list_store_append (self->peers, placeholder);
  }

  dialer_connect (dialer);

  return dialer->peer;
}

/**
 * dropify_sync_set_group_secret:
 * @secret: (nullable): the group secret; %NULL or empty for none
 *
 * Devices that know the same secret trust each other without pairing.
 * A new secret applies at once, also to devices connected but not
 * trusted yet.
 */
void
dropify_sync_set_group_secret (DropifySync *self,
                               const char  *secret)
{
  g_return_if_fail (DROPIFY_IS_SYNC (self));

  g_clear_pointer (&self->group_secret, g_free);
  if (secret != NULL && secret[0] != '\0')
    self->group_secret = g_strdup (secret);

  /* At once for devices connected but not trusted (see
   * dropify_pairing_set_group_secret()). */
  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *conn = g_ptr_array_index (self->connections, i);

      if (!conn->active || conn->pairing == NULL)
        continue;
      dropify_pairing_set_unpaired (conn->pairing, dropify_trust_is_unpaired (self->trust, conn->their_id));
      dropify_pairing_set_group_secret (conn->pairing, self->group_secret);
    }
}

static Connection *
pairing_connection (DropifySync  *self,
                    const char   *device_id,
                    GError      **error)
{
  Connection *conn = untrusted_connection (self, device_id);

  if (conn == NULL || conn->pairing == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                   _("No device “%s” is connected and waiting to pair"), device_id ? device_id : "");
      return NULL;
    }

  return conn;
}

/**
 * dropify_sync_pair_request:
 * @device_id: a connected device that is not trusted yet
 *
 * Starts an attempt to pair, unless one is under way: both devices show
 * its code (#DropifyPeer:pairing-code) a moment later.
 */
gboolean
dropify_sync_pair_request (DropifySync  *self,
                           const char   *device_id,
                           GError      **error)
{
  Connection *conn;

  g_return_val_if_fail (DROPIFY_IS_SYNC (self), FALSE);

  if (!(conn = pairing_connection (self, device_id, error)))
    return FALSE;

  return dropify_pairing_request (conn->pairing, error);
}

/**
 * dropify_sync_pair:
 * @device_id: a connected device that is not trusted yet
 * @accept: %TRUE to pair (after comparing the codes), %FALSE to decline
 * @code: (nullable): the code the person compared; accepting then fails
 *   if the attempt has another one by now
 *
 * Pairing completes when both sides accepted the attempt's code within
 * two minutes of its start.
 */
gboolean
dropify_sync_pair (DropifySync  *self,
                   const char   *device_id,
                   gboolean      accept,
                   const char   *code,
                   GError      **error)
{
  Connection *conn;

  g_return_val_if_fail (DROPIFY_IS_SYNC (self), FALSE);

  if (!(conn = pairing_connection (self, device_id, error)))
    return FALSE;

  return dropify_pairing_answer (conn->pairing, accept, code, error);
}

/**
 * dropify_sync_unpair:
 * @device_id: a trusted device
 *
 * Stops trusting @device_id and closes its connections: it gets nothing
 * more until it pairs again.
 */
gboolean
dropify_sync_unpair (DropifySync  *self,
                     const char   *device_id,
                     GError      **error)
{
  DropifyPeer *peer;

  g_return_val_if_fail (DROPIFY_IS_SYNC (self), FALSE);

  if (!dropify_trust_remove (self->trust, device_id, error))
    return FALSE;

  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *conn = g_ptr_array_index (self->connections, i);

      if (g_strcmp0 (conn->their_id, device_id) == 0)
        {
          conn->trusted = FALSE;
          connection_close (conn, DROPIFY_CLOSE_UNPAIRED, "unpaired");
        }
    }

  if ((peer = find_peer (self, device_id)))
    dropify_peer_set_trusted (peer, FALSE);

  dropify_sync_holders_forget (self, device_id);

  return TRUE;
}

/**
 * dropify_sync_get_peers:
 *
 * Returns: (transfer none): a #GListModel of #DropifyPeer
 */
GListModel *
dropify_sync_get_peers (DropifySync *self)
{
  g_return_val_if_fail (DROPIFY_IS_SYNC (self), NULL);
  return G_LIST_MODEL (self->peers);
}

/**
 * dropify_sync_get_reconcile:
 *
 * The index that summaries and ids messages are answered from, made now
 * if no peer asked yet (or none was connected for a while); tests read
 * its work counter.
 *
 * Returns: (transfer none): the index
 */
DropifyReconcile *
dropify_sync_get_reconcile (DropifySync *self)
{
  g_return_val_if_fail (DROPIFY_IS_SYNC (self), NULL);
  return ensure_index (self);
}

/**
 * dropify_sync_peek_reconcile:
 *
 * Returns: (transfer none) (nullable): the index if there is one now,
 *   without making it: %NULL while no peer has asked for a while
 */
DropifyReconcile *
dropify_sync_peek_reconcile (DropifySync *self)
{
  g_return_val_if_fail (DROPIFY_IS_SYNC (self), NULL);
  return self->index;
}

/**
 * dropify_sync_set_index_release:
 * @seconds: how long the index is kept once no one is connected
 *
 * Five minutes unless set; tests shorten it.
 */
void
dropify_sync_set_index_release (DropifySync *self,
                                guint        seconds)
{
  g_return_if_fail (DROPIFY_IS_SYNC (self));

  self->index_release_s = seconds;
}

/**
 * dropify_sync_set_stranger_expiry:
 * @seconds: how long the entry of a device that connected without being
 *   paired stays in the peers list once it is offline
 *
 * Ten minutes unless set; tests shorten it.
 */
void
dropify_sync_set_stranger_expiry (DropifySync *self,
                                  guint        seconds)
{
  g_return_if_fail (DROPIFY_IS_SYNC (self));

  dropify_sync_strangers_set_expiry (self, seconds);
}

/**
 * dropify_sync_get_file_bytes_sent:
 *
 * Returns: how many bytes of file content were handed to peers'
 *   WebSockets so far; tests compare it with what a peer read
 */
guint64
dropify_sync_get_file_bytes_sent (DropifySync *self)
{
  g_return_val_if_fail (DROPIFY_IS_SYNC (self), 0);
  return dropify_sync_transfers_get_bytes_sent (self);
}

/**
 * dropify_sync_set_max_send_rate:
 * @bytes_per_second: the cap, or 0 for none
 *
 * Caps how fast file content goes out, to all peers together, so that a
 * device on a shared link leaves room for the rest (`--max-send-rate`).
 * Tests use it to keep a transfer going long enough to cut it.
 */
void
dropify_sync_set_max_send_rate (DropifySync *self,
                                guint64      bytes_per_second)
{
  g_return_if_fail (DROPIFY_IS_SYNC (self));
  dropify_sync_transfers_set_max_send_rate (self, bytes_per_second);
}

void
dropify_sync_stop (DropifySync *self)
{
  g_return_if_fail (DROPIFY_IS_SYNC (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->relay_source, g_source_remove);
  g_clear_handle_id (&self->quota_retry_source, g_source_remove);

  for (guint i = 0; self->dialers && i < self->dialers->len; i++)
    {
      Dialer *dialer = g_ptr_array_index (self->dialers, i);

      dialer->stopped = TRUE;
      g_cancellable_cancel (dialer->cancellable);
      g_clear_handle_id (&dialer->retry_source, g_source_remove);
    }

  for (guint i = 0; self->connections && i < self->connections->len; i++)
    connection_close (g_ptr_array_index (self->connections, i), DROPIFY_CLOSE_SHUTDOWN, "shutting down");

  if (self->server != NULL)
    soup_server_remove_handler (dropify_server_get_soup_server (self->server), "/v1/peer");
}

/* For dropify-sync-transfers.c and dropify-sync-holders.c
 * (dropify-sync-private.h) */

/* Whether the device @device_id may be served, or told about, content
 * @sha256: some live drop of it is meant for that device. */
gboolean
dropify_sync_content_is_for (DropifySync *self,
                             const char  *sha256,
                             const char  *device_id)
{
  g_autoptr(GPtrArray) drops = dropify_history_find_by_sha256 (self->history, sha256);

  for (guint i = 0; i < drops->len; i++)
    if (dropify_drop_is_for (g_ptr_array_index (drops, i), device_id))
      return TRUE;

  return FALSE;
}

DropifyPeer *
dropify_sync_find_peer (DropifySync *self,
                        const char  *device_id)
{
  return find_peer (self, device_id);
}

void
dropify_sync_connection_send (Connection *conn,
                              char       *text_owned)
{
  connection_send (conn, text_owned);
}

void
dropify_sync_connection_close (Connection *conn,
                               gushort     code,
                               const char *reason)
{
  connection_close (conn, code, reason);
}

void
dropify_sync_storage_failed (DropifySync  *self,
                             Connection   *conn,
                             const char   *sha256,
                             const GError *error)
{
  storage_failed (self, conn, sha256, error);
}

void
dropify_sync_storage_worked (DropifySync *self)
{
  storage_worked (self);
}
