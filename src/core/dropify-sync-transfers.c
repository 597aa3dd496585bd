#define G_LOG_DOMAIN "dropify-sync"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>
#ifdef __GLIBC__
# include <malloc.h>
#endif

#include "dropify-sync-private.h"

/* File content between peers (docs/protocol.md §11), for DropifySync.
 *
 * A file drop arrives as metadata; its content is then asked for with
 * file-get and sent as binary chunks. The receiver grants credit (a byte
 * limit) and the sender never queues past it, because libsoup's send
 * queue is unbounded. An interrupted transfer resumes at the length of its
 * partial file; content already here is never asked for.
 *
 * The rest of sync reaches this only through the functions in
 * dropify-sync-private.h; the tables below are this file's alone.
 *
 * Each transfer, both ways, is also a DropifyTransfer in a list that the
 * window and `dropify transfers` show: one per content, peer and
 * direction, kept while it moves and for a while after (see
 * transfers_prune()). The drops' "received" still follows the incoming
 * ones, for the rows and the phone page. */

#define CHUNK_SIZE            (256 * 1024)
#define CREDIT_WINDOW         (8 * 1024 * 1024)
/* Transfers listed that no longer move (stalled or finished): at most
 * this many, and finished ones for this long. Those that move are
 * bounded by the incoming and outgoing tables they mirror. */
#define TRANSFERS_KEPT        100
#define TRANSFER_KEEP_S       (10 * 60)
/* Sends cancelled here while their receiver was away (refused once when
 * it asks again), and contents cancelled here or by their sender (not
 * fetched again by themselves), are both kept in the history, so that a
 * restart forgets neither (docs/protocol.md §11.7). */

struct _SyncTransfers
{
  GHashTable *incoming;           /* sha256 → Incoming */
  guint64     outgoing_serial;
  guint64     file_bytes_sent;
  gboolean    starting_outgoing;
  guint64     max_send_rate;      /* bytes/s of file content, 0 = no cap */
  gint64      next_send_us;       /* when the cap lets the next chunk go */

  GListStore *list;               /* DropifyTransfer, oldest first */
  GHashTable *by_key;             /* transfer_key() → DropifyTransfer, in list */
  guint       expiry_source;
};

struct _ConnectionTransfers
{
  GHashTable *outgoing_files;     /* sha256 → Outgoing */
  GHashTable *missing;            /* sha256s this peer said it does not have */
  GHashTable *bad_copy;           /* sha256s whose copy from it did not match */
  GHashTable *cancelled;          /* sha256s whose chunks may still arrive */
};

typedef struct
{
  char              *sha256;
  DropifyBlobWriter *writer;
  Connection        *conn;        /* unowned: transfers end with it; NULL
                                   * once it closed while committing */
  uint64_t           size;
  uint64_t           limit;       /* granted up to this offset */
  guint              credit_source;
  gboolean           committing;  /* all here, being checked and flushed */
  GPtrArray         *drops;       /* of this content, as of drops_generation */
  guint64            drops_generation;
  DropifyTransfer   *transfer;
} Incoming;

typedef struct
{
  Connection *conn;               /* unowned: owns us */
  char       *sha256;
  int         fd;
  uint64_t    size;
  uint64_t    offset;
  uint64_t    limit;
  guint64     serial;             /* order of the requests, for the queue */
  guint       pump_source;
  GSource    *writable_source;    /* waiting for the WebSocket to take more */
  DropifyTransfer *transfer;
} Outgoing;

static void request_file (Connection *conn, DropifyDrop *drop);
static void chunk_written_cb (DropifyBlobWriter *writer, Incoming *in);
static void start_waiting (Connection *conn);
static const char *content_name (DropifySync *self, const char *sha256);

/* Transfers as objects: the list the window and the CLI show */

static char *
transfer_key (DropifyTransferDirection  direction,
              const char               *peer_id,
              const char               *sha256)
{
  return g_strdup_printf ("%s/%s/%s", direction == DROPIFY_TRANSFER_DIRECTION_OUT ? "out" : "in",
                          peer_id, sha256);
}

/* The device at the other end, as the TLS session proved it. */
static const char *
peer_id_of (Connection *conn)
{
  return conn->their_id != NULL ? conn->their_id : "";
}

static const char *
peer_name_of (Connection *conn)
{
  const char *name = conn->peer != NULL ? dropify_peer_get_name (conn->peer) : NULL;

  return name != NULL && *name != '\0' ? name : peer_id_of (conn);
}

static const char *
transfer_peer_label (DropifyTransfer *transfer)
{
  const char *name = dropify_transfer_get_peer_name (transfer);

  return *name != '\0' ? name : dropify_transfer_get_peer_id (transfer);
}

static gboolean
transfer_is_moving (DropifyTransfer *transfer)
{
  DropifyTransferState state = dropify_transfer_get_state (transfer);

  return state == DROPIFY_TRANSFER_STATE_QUEUED || state == DROPIFY_TRANSFER_STATE_ACTIVE;
}

static void
transfer_forget_key (DropifySync     *self,
                     DropifyTransfer *transfer)
{
  g_autofree char *key = transfer_key (dropify_transfer_get_direction (transfer),
                                       dropify_transfer_get_peer_id (transfer),
                                       dropify_transfer_get_sha256 (transfer));

  if (g_hash_table_lookup (self->transfers->by_key, key) == transfer)
    g_hash_table_remove (self->transfers->by_key, key);
}

static void
transfer_remove (DropifySync     *self,
                 DropifyTransfer *transfer)
{
  guint position;

  transfer_forget_key (self, transfer);
  if (g_list_store_find (self->transfers->list, transfer, &position))
    g_list_store_remove (self->transfers->list, position);
}

static gboolean transfers_expiry_cb (gpointer user_data);

/* Finished transfers go after TRANSFER_KEEP_S; of those that no longer
 * move, the oldest go past TRANSFERS_KEPT. Runs each time one stops
 * moving: one pass over the list, and one more for each past the bound
 * (one, mostly), so a burst of small files costs linear time. */
static void
transfers_prune (DropifySync *self)
{
  GListModel *model;
  int64_t now = g_get_monotonic_time ();
  int64_t oldest_finished = G_MAXINT64;
  guint n_idle = 0;

  /* Stopped: nothing is listed any more. */
  if (self->transfers->list == NULL)
    return;

  model = G_LIST_MODEL (self->transfers->list);
  for (guint i = g_list_model_get_n_items (model); i > 0; i--)
    {
      g_autoptr(DropifyTransfer) transfer = g_list_model_get_item (model, i - 1);
      int64_t changed_at = dropify_transfer_get_changed_at (transfer);

      if (dropify_transfer_is_finished (transfer) &&
          now - changed_at >= (int64_t) TRANSFER_KEEP_S * G_USEC_PER_SEC)
        {
          g_list_store_remove (self->transfers->list, i - 1);
          transfer_forget_key (self, transfer);
          continue;
        }

      if (!transfer_is_moving (transfer))
        n_idle++;
      if (dropify_transfer_is_finished (transfer))
        oldest_finished = MIN (oldest_finished, changed_at);
    }

  while (n_idle > TRANSFERS_KEPT)
    {
      g_autoptr(DropifyTransfer) oldest = NULL;
      guint oldest_at = 0;

      for (guint i = 0; i < g_list_model_get_n_items (model); i++)
        {
          g_autoptr(DropifyTransfer) transfer = g_list_model_get_item (model, i);

          if (!transfer_is_moving (transfer) &&
              (oldest == NULL ||
               dropify_transfer_get_changed_at (transfer) < dropify_transfer_get_changed_at (oldest)))
            {
              g_set_object (&oldest, transfer);
              oldest_at = i;
            }
        }

      g_list_store_remove (self->transfers->list, oldest_at);
      transfer_forget_key (self, oldest);
      n_idle--;
    }

  /* One timeout, for the next to go; none while none is finished. (The
   * oldest finished may have gone past the bound: then it fires early,
   * and looks again.) */
  g_clear_handle_id (&self->transfers->expiry_source, g_source_remove);
  if (oldest_finished != G_MAXINT64)
    {
      int64_t left_s = TRANSFER_KEEP_S - (now - oldest_finished) / G_USEC_PER_SEC;

      self->transfers->expiry_source = g_timeout_add_seconds ((guint) CLAMP (left_s, 1, TRANSFER_KEEP_S),
                                                              transfers_expiry_cb, self);
    }
}

static gboolean
transfers_expiry_cb (gpointer user_data)
{
  DropifySync *self = user_data;

  self->transfers->expiry_source = 0;
  transfers_prune (self);

  return G_SOURCE_REMOVE;
}

static DropifyTransfer *
transfer_find (DropifySync              *self,
               DropifyTransferDirection  direction,
               const char               *peer_id,
               const char               *sha256)
{
  g_autofree char *key = transfer_key (direction, peer_id, sha256);

  return g_hash_table_lookup (self->transfers->by_key, key);
}

/* The transfer of @sha256 with @conn's peer, listed again if it was. */
static DropifyTransfer *
transfer_for (Connection               *conn,
              const char               *sha256,
              DropifyTransferDirection  direction,
              uint64_t                  size)
{
  DropifySync *self = conn->sync;
  DropifyTransfer *transfer = transfer_find (self, direction, peer_id_of (conn), sha256);

  if (transfer != NULL)
    {
      dropify_transfer_set_peer_name (transfer, peer_name_of (conn));
      return transfer;
    }

  transfer = dropify_transfer_new (sha256, content_name (self, sha256), peer_id_of (conn),
                                   peer_name_of (conn), direction, size);
  g_hash_table_insert (self->transfers->by_key,
                       transfer_key (direction, peer_id_of (conn), sha256), transfer);
  g_list_store_append (self->transfers->list, transfer);
  g_object_unref (transfer);

  return transfer;
}

static void
transfer_set (DropifySync          *self,
              DropifyTransfer      *transfer,
              DropifyTransferState  state,
              const char           *reason)
{
  if (transfer == NULL)
    return;

  dropify_transfer_set_state (transfer, state, reason, g_get_monotonic_time ());
  if (!transfer_is_moving (transfer))
    transfers_prune (self);
}

/* Content now comes from @transfer's peer: entries of it from other
 * peers that wait (for a device to come back) wait for nothing. */
static void
transfer_supersede (DropifySync     *self,
                    DropifyTransfer *transfer)
{
  GListModel *model = G_LIST_MODEL (self->transfers->list);

  for (guint i = g_list_model_get_n_items (model); i > 0; i--)
    {
      g_autoptr(DropifyTransfer) other = g_list_model_get_item (model, i - 1);

      if (other != transfer &&
          dropify_transfer_get_direction (other) == DROPIFY_TRANSFER_DIRECTION_IN &&
          dropify_transfer_get_state (other) == DROPIFY_TRANSFER_STATE_STALLED &&
          g_str_equal (dropify_transfer_get_sha256 (other), dropify_transfer_get_sha256 (transfer)))
        transfer_remove (self, other);
    }
}

/* Why a transfer cannot go on here, from the error that stopped it: a
 * full disk is waited out (the storage retry asks again), anything else
 * is a failure. */
static void
transfer_storage_failed (DropifySync     *self,
                         DropifyTransfer *transfer,
                         const GError    *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    transfer_set (self, transfer, DROPIFY_TRANSFER_STATE_STALLED, _("Disk full"));
  else
    transfer_set (self, transfer, DROPIFY_TRANSFER_STATE_FAILED, error->message);
}

/* File transfers: receiving */

static void
incoming_free (gpointer data)
{
  Incoming *in = data;

  g_clear_handle_id (&in->credit_source, g_source_remove);
  if (in->writer != NULL)
    {
      g_signal_handlers_disconnect_by_data (in->writer, in);
      /* Nothing may write to the partial file once another transfer of
       * the same content can open it. A commit waits for the writes. */
      if (!in->committing)
        dropify_blob_writer_stop (in->writer);
    }
  g_clear_object (&in->writer);
  g_clear_pointer (&in->drops, g_ptr_array_unref);
  g_clear_object (&in->transfer);
  g_free (in->sha256);
  g_free (in);
}

static void
set_received (DropifySync *self,
              const char  *sha256,
              uint64_t     received)
{
  g_autoptr(GPtrArray) drops = dropify_history_find_by_sha256 (self->history, sha256);

  for (guint i = 0; i < drops->len; i++)
    dropify_drop_set_received (g_ptr_array_index (drops, i), received);
}

/* The same for a transfer's progress, after each chunk: the drops are
 * looked up again only when the history changed. */
static void
incoming_set_received (DropifySync *self,
                       Incoming    *in,
                       uint64_t     received)
{
  guint64 generation = dropify_history_get_generation (self->history);

  if (in->drops == NULL || in->drops_generation != generation)
    {
      g_clear_pointer (&in->drops, g_ptr_array_unref);
      in->drops = dropify_history_find_by_sha256 (self->history, in->sha256);
      in->drops_generation = generation;
    }

  for (guint i = 0; i < in->drops->len; i++)
    dropify_drop_set_received (g_ptr_array_index (in->drops, i), received);
}

/* For log lines: the name of a drop with that content. */
static const char *
content_name (DropifySync *self,
              const char  *sha256)
{
  g_autoptr(GPtrArray) drops = dropify_history_find_by_sha256 (self->history, sha256);

  /* The drop itself keeps the name alive. */
  return drops->len > 0 ? dropify_drop_get_name (g_ptr_array_index (drops, 0)) : sha256;
}

/* @drops: the drops of that content, from dropify_history_find_by_sha256() */
static void
mark_drops_complete (DropifySync *self,
                     GPtrArray   *drops)
{
  for (guint i = 0; i < drops->len; i++)
    {
      g_autoptr(GError) error = NULL;
      DropifyDrop *drop = g_ptr_array_index (drops, i);

      if (!dropify_drop_get_complete (drop) &&
          !dropify_history_mark_complete (self->history, dropify_drop_get_id (drop), &error) &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
        {
          g_warning ("Could not mark %s complete: %s", dropify_drop_get_id (drop), error->message);
          dropify_sync_storage_failed (self, NULL, NULL, error);
        }
    }
}

static void
mark_complete (DropifySync *self,
               const char  *sha256)
{
  g_autoptr(GPtrArray) drops = dropify_history_find_by_sha256 (self->history, sha256);

  mark_drops_complete (self, drops);
}

/* This device now holds @sha256 whole. Every trusted peer learns so
 * (the one it came from too, which so knows it was delivered), because
 * one that was told file-missing here does not ask again by itself (docs/protocol.md §11.1): without this, a
 * device reached only through this one never got content that arrived
 * here after it asked. One small message per peer per content this
 * device completes; receiving one never sends one, so it cannot loop. */
static void
announce_have (DropifySync *self,
               const char  *sha256,
               Connection  *except)
{
  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *conn = g_ptr_array_index (self->connections, i);

      if (conn != except && conn->active && conn->trusted &&
          dropify_sync_content_is_for (self, sha256, conn->their_id))
        dropify_sync_connection_send (conn, dropify_protocol_encode_have (sha256));
    }
}

static void
request_file (Connection  *conn,
              DropifyDrop *drop)
{
  DropifySync *self = conn->sync;
  const char *sha256 = dropify_drop_get_sha256 (drop);
  g_autoptr(GError) error = NULL;
  Incoming *in;

  if (!conn->trusted || dropify_drop_get_kind (drop) != DROPIFY_DROP_KIND_FILE ||
      dropify_drop_get_complete (drop) ||
      g_hash_table_contains (self->transfers->incoming, sha256) ||
      g_hash_table_contains (conn->transfers->missing, sha256) ||
      g_hash_table_contains (conn->transfers->bad_copy, sha256) ||
      g_hash_table_contains (self->stalled, sha256) ||
      !dropify_sync_content_is_for (self, sha256, conn->their_id) ||
      dropify_history_is_cancelled (self->history, sha256))
    return;

  /* Another drop may have brought the same content meanwhile. */
  if (dropify_blob_store_contains (dropify_history_get_blob_store (self->history), sha256))
    {
      mark_complete (self, sha256);
      return;
    }

  in = g_new0 (Incoming, 1);
  in->sha256 = g_strdup (sha256);
  in->conn = conn;
  in->size = dropify_drop_get_size (drop);
  in->writer = dropify_blob_store_open_writer (dropify_history_get_blob_store (self->history),
                                               sha256, in->size, &error);
  if (in->writer == NULL)
    {
      g_warning ("Could not receive “%s”: %s", dropify_drop_get_name (drop), error->message);
      incoming_free (in);
      return;
    }

  /* Nothing to fetch: an empty file, or a partial one that is whole
   * already, because the process died (or the disk filled up) between
   * its last chunk and its check. The sender would send nothing more. */
  if (dropify_blob_writer_get_offset (in->writer) == in->size)
    {
      if (dropify_blob_writer_finish (in->writer, &error))
        {
          mark_complete (self, sha256);
          incoming_free (in);
          announce_have (self, sha256, NULL);
          return;
        }

      if (in->size == 0 ||
          !g_error_matches (error, DROPIFY_BLOB_STORE_ERROR, DROPIFY_BLOB_STORE_ERROR_HASH_MISMATCH))
        {
          g_warning ("Could not store “%s”: %s", dropify_drop_get_name (drop), error->message);
          dropify_sync_storage_failed (self, NULL, sha256, error);
          incoming_free (in);
          return;
        }

      /* That partial file was wrong, and is gone: fetch it all. */
      g_clear_error (&error);
      g_clear_object (&in->writer);
      in->writer = dropify_blob_store_open_writer (dropify_history_get_blob_store (self->history),
                                                   sha256, in->size, &error);
      if (in->writer == NULL)
        {
          g_warning ("Could not receive “%s”: %s", dropify_drop_get_name (drop), error->message);
          incoming_free (in);
          return;
        }
    }

  in->limit = dropify_blob_writer_get_offset (in->writer) + CREDIT_WINDOW;
  g_signal_connect (in->writer, "written", G_CALLBACK (chunk_written_cb), in);
  g_hash_table_insert (self->transfers->incoming, in->sha256, in);
  set_received (self, sha256, dropify_blob_writer_get_offset (in->writer));

  if (dropify_blob_writer_get_offset (in->writer) > 0)
    g_message ("Resuming “%s” at byte %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT,
               dropify_drop_get_name (drop), dropify_blob_writer_get_offset (in->writer), in->size);

  in->transfer = g_object_ref (transfer_for (conn, sha256, DROPIFY_TRANSFER_DIRECTION_IN, in->size));
  transfer_set (self, in->transfer, DROPIFY_TRANSFER_STATE_QUEUED, NULL);
  dropify_transfer_set_progress (in->transfer, dropify_blob_writer_get_offset (in->writer),
                                 g_get_monotonic_time ());

  dropify_sync_connection_send (conn, dropify_protocol_encode_file_get (sha256,
                                                           dropify_blob_writer_get_offset (in->writer),
                                                           in->limit));
}

static void
request_missing_files (Connection *conn)
{
  GListModel *model = G_LIST_MODEL (conn->sync->history);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DropifyDrop) drop = g_list_model_get_item (model, i);

      if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_FILE && !dropify_drop_get_complete (drop))
        request_file (conn, drop);
    }
}

/* Asks every other connected peer for what @conn was sending. */
static void
request_elsewhere (DropifySync *self,
                   Connection  *except)
{
  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *conn = g_ptr_array_index (self->connections, i);

      if (conn != except && conn->trusted)
        request_missing_files (conn);
    }
}

static gboolean
incoming_of_connection (gpointer key,
                        gpointer value,
                        gpointer user_data)
{
  Incoming *in = value;

  if (in->conn != user_data)
    return FALSE;

  /* All of it is here: the commit goes on without the connection, and
   * keeps its place so nobody opens the same partial file meanwhile. */
  if (in->committing)
    {
      in->conn = NULL;
      return FALSE;
    }

  return TRUE;
}

static gboolean
grant_credit_cb (gpointer user_data)
{
  Incoming *in = user_data;

  in->credit_source = 0;
  /* From what is on disk, not what arrived: a slow disk slows the sender
   * down, instead of chunks piling up here. */
  in->limit = MAX (in->limit, dropify_blob_writer_get_written (in->writer) + CREDIT_WINDOW);
  dropify_sync_connection_send (in->conn, dropify_protocol_encode_credit (in->sha256, in->limit));

  return G_SOURCE_REMOVE;
}

/* Why the connection closes when the content could not be stored: little
 * more than the cause fits in a close reason. */
static char *
storage_close_reason (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
    return g_strdup ("could not store a file chunk: the receiving device's disk is full");

  return g_strdup_printf ("could not store a file chunk: %s", error->message);
}

static void
commit_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(DropifySync) self = user_data;
  DropifyBlobWriter *writer = DROPIFY_BLOB_WRITER (object);
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *remote = NULL;
  g_autoptr(GPtrArray) drops = NULL;
  g_autoptr(DropifyTransfer) transfer = NULL;
  Connection *conn = NULL;
  gboolean ok;
  Incoming *in;

  ok = dropify_blob_writer_commit_finish (writer, result, &error);

  /* Stopped meanwhile: the blob is in place or not, and the next start
   * sees which. */
  if (self->transfers->incoming == NULL || self->history == NULL)
    return;

  in = g_hash_table_lookup (self->transfers->incoming, dropify_blob_writer_get_sha256 (writer));
  g_return_if_fail (in != NULL && in->writer == writer);

  sha256 = g_strdup (in->sha256);
  conn = in->conn;
  remote = g_strdup (conn != NULL ? conn->remote : "a device that left");
  transfer = in->transfer != NULL ? g_object_ref (in->transfer) : NULL;
  g_hash_table_remove (self->transfers->incoming, sha256);

  if (ok)
    {
      dropify_sync_storage_worked (self);
      transfer_set (self, transfer, DROPIFY_TRANSFER_STATE_DONE, NULL);

      /* The drop went while its content was being checked. */
      drops = dropify_history_find_by_sha256 (self->history, sha256);
      if (drops->len == 0)
        {
          g_autoptr(GError) remove_error = NULL;

          if (!dropify_blob_store_remove (dropify_history_get_blob_store (self->history),
                                          sha256, &remove_error))
            g_warning ("Could not remove an unused file: %s", remove_error->message);
          return;
        }

      mark_drops_complete (self, drops);
      /* The sender learns too: its transfer is then known delivered,
       * which "every byte went out" is not (docs/protocol.md §11.8). A
       * have for content it holds changes nothing else there. */
      dropify_sync_note_content_held (conn, sha256);
      announce_have (self, sha256, NULL);
    }
  else if (!g_error_matches (error, DROPIFY_BLOB_STORE_ERROR, DROPIFY_BLOB_STORE_ERROR_HASH_MISMATCH))
    {
      /* Flushing or moving it into place failed; the whole partial
       * file stays, and only needs its check next time. */
      g_warning ("Could not store the file “%s” from %s: %s",
                 content_name (self, sha256), remote, error->message);
      dropify_sync_storage_failed (self, NULL, sha256, error);
      transfer_storage_failed (self, transfer, error);

      /* The disk filled up under the last chunks' writes, or the flush:
       * the sender learns it, as when a write fails before the end. */
      if (conn != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
        {
          g_autofree char *reason = storage_close_reason (error);
          dropify_sync_connection_close (conn, DROPIFY_CLOSE_BAD_MESSAGE, reason);
        }
    }
  else
    {
      /* Never ask this peer again on this connection. */
      g_warning ("The file from %s did not match its SHA-256 and was discarded: %s",
                 remote, error->message);
      if (conn != NULL)
        g_hash_table_add (conn->transfers->bad_copy, g_strdup (sha256));
      if (transfer != NULL)
        {
          g_autofree char *reason = g_strdup_printf (_("The copy from %s was damaged"),
                                                     transfer_peer_label (transfer));
          transfer_set (self, transfer, DROPIFY_TRANSFER_STATE_FAILED, reason);
        }
      set_received (self, sha256, 0);
      request_elsewhere (self, conn);
    }
}

/* A chunk's write failed, or the partial file could not be written at
 * all: the sender learns why from the close reason, which has room for
 * little more than the cause. What was written so far stays, to resume. */
static void
incoming_failed (Incoming     *in,
                 const GError *error)
{
  Connection *conn = in->conn;
  DropifySync *self = conn->sync;
  g_autofree char *sha256 = g_strdup (in->sha256);
  g_autofree char *reason = storage_close_reason (error);

  g_warning ("Could not store the file “%s” from %s: %s",
             content_name (self, sha256), conn->remote, error->message);
  transfer_storage_failed (self, in->transfer, error);
  g_hash_table_remove (self->transfers->incoming, sha256);
  dropify_sync_storage_failed (self, NULL, sha256, error);
  dropify_sync_connection_close (conn, DROPIFY_CLOSE_BAD_MESSAGE, reason);
}

/* A chunk is on disk (or failed to get there): more credit, from an idle
 * below GTK's redraw priority, so that a big transfer pauses for a frame
 * now and then instead of starving the window, since without credit the
 * sender stops and the socket goes quiet. */
static void
chunk_written_cb (DropifyBlobWriter *writer,
                  Incoming          *in)
{
  g_autoptr(GError) error = NULL;

  /* The commit reports what went wrong. */
  if (in->committing)
    return;

  if ((error = dropify_blob_writer_get_error (writer)) != NULL)
    {
      incoming_failed (in, error);
      return;
    }

  if (in->limit - dropify_blob_writer_get_written (writer) < CREDIT_WINDOW / 2 &&
      in->limit < in->size && in->credit_source == 0)
    in->credit_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, grant_credit_cb, in, NULL);
}

static void
handle_chunk (Connection *conn,
              GBytes     *bytes)
{
  DropifySync *self = conn->sync;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) payload_bytes = NULL;
  char sha256[65];
  const guint8 *payload;
  gsize payload_length;
  gsize length;
  const guint8 *data = g_bytes_get_data (bytes, &length);
  uint64_t offset;
  Incoming *in;

  if (!dropify_protocol_parse_chunk (data, length, sha256, &offset, &payload, &payload_length, &error))
    {
      g_autofree char *reason = g_strdup_printf ("bad file chunk: %s", error->message);
      dropify_sync_connection_close (conn, DROPIFY_CLOSE_BAD_MESSAGE, reason);
      return;
    }

  in = g_hash_table_lookup (self->transfers->incoming, sha256);

  /* The drop went, or the transfer was cancelled, while its content was
   * on the way: what the sender had credit for still arrives, and is
   * dropped. */
  if (in == NULL && g_hash_table_contains (conn->transfers->cancelled, sha256))
    return;

  if (in == NULL || in->conn != conn || in->committing)
    {
      dropify_sync_connection_close (conn, DROPIFY_CLOSE_BAD_MESSAGE, "a file chunk nobody asked for");
      return;
    }

  /* Asked for again after a cancel: chunks of the cancelled transfer may
   * still be on the way, and the new one starts where this side stood
   * when it asked. The same content at the same offsets either way, so
   * what is already written is skipped, not refused. */
  if (offset < dropify_blob_writer_get_offset (in->writer) &&
      g_hash_table_contains (conn->transfers->cancelled, sha256))
    {
      uint64_t skip = dropify_blob_writer_get_offset (in->writer) - offset;

      if (skip >= payload_length)
        return;
      payload += skip;
      payload_length -= (gsize) skip;
      offset += skip;
    }

  if (offset != dropify_blob_writer_get_offset (in->writer) || offset + payload_length > in->limit)
    {
      dropify_sync_connection_close (conn, DROPIFY_CLOSE_BAD_MESSAGE, "a file chunk out of order or beyond credit");
      return;
    }

  if (dropify_transfer_get_state (in->transfer) != DROPIFY_TRANSFER_STATE_ACTIVE)
    {
      transfer_set (self, in->transfer, DROPIFY_TRANSFER_STATE_ACTIVE, NULL);
      transfer_supersede (self, in->transfer);
    }

  /* Written and hashed in a worker thread, without a copy, while this
   * thread reads and decrypts the next chunk. */
  payload_bytes = g_bytes_new_from_bytes (bytes, (gsize) (payload - data), payload_length);
  if (!dropify_blob_writer_queue (in->writer, payload_bytes, &error))
    {
      incoming_failed (in, error);
      return;
    }

  offset = dropify_blob_writer_get_offset (in->writer);
  incoming_set_received (self, in, offset);
  dropify_transfer_set_progress (in->transfer, offset, g_get_monotonic_time ());

  /* All here: check and flush it in a thread, once the writes are done,
   * since a flush of a large file takes seconds the window must not
   * wait. */
  if (offset == in->size)
    {
      in->committing = TRUE;
      g_clear_handle_id (&in->credit_source, g_source_remove);
      dropify_blob_writer_commit_async (in->writer, NULL, commit_cb, g_object_ref (self));
    }
}

static void
handle_file_missing (Connection     *conn,
                     DropifyMessage *message)
{
  Incoming *in = g_hash_table_lookup (conn->sync->transfers->incoming, message->sha256);

  g_hash_table_add (conn->transfers->missing, g_strdup (message->sha256));
  if (in != NULL && in->conn == conn && !in->committing)
    {
      g_autofree char *reason = g_strdup_printf (_("%s does not have it"), peer_name_of (conn));

      transfer_set (conn->sync, in->transfer, DROPIFY_TRANSFER_STATE_FAILED, reason);
      g_hash_table_remove (conn->sync->transfers->incoming, message->sha256);
      request_elsewhere (conn->sync, conn);
    }
}

/* A peer completed some content. If it is content this device lacks and
 * is not fetching, ask that peer, even if it said file-missing before:
 * it has it now. A peer whose copy did not match is not asked again on
 * this connection, whatever it announces. */
static void
handle_have (Connection     *conn,
             DropifyMessage *message)
{
  DropifySync *self = conn->sync;
  g_autoptr(GPtrArray) drops = NULL;

  /* One whose copy did not match is not believed about it either. */
  if (g_hash_table_contains (conn->transfers->bad_copy, message->sha256))
    return;

  dropify_sync_note_content_held (conn, message->sha256);

  if (g_hash_table_contains (self->transfers->incoming, message->sha256))
    return;

  drops = dropify_history_find_by_sha256 (self->history, message->sha256);
  for (guint i = 0; i < drops->len; i++)
    {
      DropifyDrop *drop = g_ptr_array_index (drops, i);

      if (dropify_drop_get_complete (drop))
        continue;

      g_hash_table_remove (conn->transfers->missing, message->sha256);
      request_file (conn, drop);
      return;
    }
}

/* The other end cancelled a transfer of @message's content with this
 * device, either way (docs/protocol.md §11.7). A receiver does not ask
 * for that content again by itself; a sender stops. Content this device
 * is not moving with that peer (never offered, finished meanwhile) is
 * ignored. */
static void handle_transfer_cancel (Connection *conn, DropifyMessage *message);

/* File transfers: sending
 *
 * What a receiver may cost the sender is bounded three ways, none of
 * which a correct receiver notices (docs/protocol.md §11.3):
 *
 * - credit reaches at most CREDIT_WINDOW past what was sent, whatever
 *   limit a file-get or credit names: a correct receiver never grants
 *   more than that past what it has written;
 * - a chunk goes to the WebSocket only once its stream took the one
 *   before. libsoup queues without bound and says nothing of what it
 *   holds, so a peer that asks (again and again) and then does not read
 *   would otherwise have the whole file queued here once per request;
 * - at most OUTGOING_MAX transfers per connection hold a file open and
 *   send; further requests wait their turn, in order. A correct receiver
 *   asks for every file it lacks at once, so this queues instead of
 *   refusing. */

#define OUTGOING_MAX 4

static void
outgoing_free (gpointer data)
{
  Outgoing *out = data;

  g_clear_handle_id (&out->pump_source, g_source_remove);
  if (out->writable_source != NULL)
    {
      g_source_destroy (out->writable_source);
      g_clear_pointer (&out->writable_source, g_source_unref);
    }
  if (out->fd >= 0)
    close (out->fd);
  g_clear_object (&out->transfer);
  g_free (out->sha256);
  g_free (out);
}

static gboolean pump_cb (gpointer user_data);
static void pump (Outgoing *out);

/* @limit: what the receiver asked for; at most a window past @offset */
static uint64_t
clamp_credit (uint64_t offset,
              uint64_t size,
              uint64_t limit)
{
  return MIN (MIN (limit, offset + CREDIT_WINDOW), size);
}

static GPollableOutputStream *
pollable_output (Connection *conn)
{
  GIOStream *io = dropify_channel_get_io_stream (conn->channel);
  GOutputStream *stream = io != NULL ? g_io_stream_get_output_stream (io) : NULL;

  if (G_IS_POLLABLE_OUTPUT_STREAM (stream) &&
      g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (stream)))
    return G_POLLABLE_OUTPUT_STREAM (stream);

  return NULL;
}

static gboolean
writable_cb (GObject  *stream,
             gpointer  user_data)
{
  Outgoing *out = user_data;

  g_clear_pointer (&out->writable_source, g_source_unref);
  pump (out);

  return G_SOURCE_REMOVE;
}

/* libsoup only queues a frame, and writes it from its own source, once
 * the stream takes more: so @out sends its next chunk from a source of
 * the same kind, dispatched after libsoup's, once the stream takes more.
 * Its queue then holds about one chunk per transfer, however far the
 * credit goes, and a peer that does not read stops the sender at its
 * socket's buffer. Returns %FALSE if the stream cannot say (then the
 * credit alone bounds what is queued). */
static gboolean
wait_writable (Outgoing *out)
{
  GPollableOutputStream *stream = pollable_output (out->conn);

  if (stream == NULL)
    return FALSE;

  out->writable_source = g_pollable_output_stream_create_source (stream, NULL);
  g_source_set_callback (out->writable_source, G_SOURCE_FUNC (writable_cb), out, NULL);
  g_source_attach (out->writable_source, NULL);

  return TRUE;
}

static guint
n_sending (Connection *conn)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, conn->transfers->outgoing_files);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += ((Outgoing *) value)->fd >= 0;

  return n;
}

/* Opens the content and checks the request against it. */
static gboolean
outgoing_open (Outgoing *out)
{
  DropifyBlobStore *blobs = dropify_history_get_blob_store (out->conn->sync->history);
  g_autofree char *path = dropify_blob_store_dup_path (blobs, out->sha256);
  GStatBuf st;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0 || fstat (fd, &st) != 0)
    {
      if (fd >= 0)
        close (fd);
      return FALSE;
    }

  out->fd = fd;
  out->size = (uint64_t) st.st_size;
  return TRUE;
}

/* Starts the oldest waiting transfers while there is room. */
static void
start_waiting (Connection *conn)
{
  DropifySync *self = conn->sync;

  /* A transfer started here may finish at once and call back in: the
   * loop below picks up what it freed. */
  if (self->transfers->starting_outgoing)
    return;
  self->transfers->starting_outgoing = TRUE;

  while (n_sending (conn) < OUTGOING_MAX)
    {
      GHashTableIter iter;
      gpointer value;
      Outgoing *next = NULL;

      g_hash_table_iter_init (&iter, conn->transfers->outgoing_files);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          Outgoing *out = value;

          if (out->fd < 0 && (next == NULL || out->serial < next->serial))
            next = out;
        }

      if (next == NULL)
        break;

      if (!outgoing_open (next) || next->offset > next->size)
        {
          transfer_set (self, next->transfer, DROPIFY_TRANSFER_STATE_FAILED, _("The file is gone here"));
          dropify_sync_connection_send (conn, dropify_protocol_encode_file_missing (next->sha256));
          g_hash_table_remove (conn->transfers->outgoing_files, next->sha256);
          continue;
        }

      next->limit = clamp_credit (next->offset, next->size, next->limit);
      pump (next);
    }

  self->transfers->starting_outgoing = FALSE;
}

static void
outgoing_done (Outgoing *out)
{
  Connection *conn = out->conn;

  g_hash_table_remove (conn->transfers->outgoing_files, out->sha256);
  start_waiting (conn);
}

/* With a send cap, how long the next @n bytes must wait, in µs; 0 books
 * them now. One cap for all files to all peers: each chunk takes the next
 * free slot of the schedule, so idle time is not saved up for a burst. */
static gint64
pace (SyncTransfers *transfers,
      gsize          n)
{
  gint64 now = g_get_monotonic_time ();

  if (transfers->max_send_rate == 0)
    return 0;
  if (transfers->next_send_us > now + 1000)
    return transfers->next_send_us - now;

  transfers->next_send_us = MAX (now, transfers->next_send_us) +
    (gint64) ((guint64) n * G_USEC_PER_SEC / transfers->max_send_rate);
  return 0;
}

/* Sends what the credit (and the send cap, if any) allows. */
static void
pump (Outgoing *out)
{
  Connection *conn = out->conn;
  g_autofree guint8 *buffer = NULL;

  if (out->pump_source != 0 || out->writable_source != NULL || out->fd < 0)
    return;

  if (!dropify_channel_is_open (conn->channel))
    return;

  while (out->offset < out->size && out->offset < out->limit)
    {
      gsize n = (gsize) MIN (MIN ((uint64_t) CHUNK_SIZE, out->size - out->offset), out->limit - out->offset);
      gsize done = 0;
      gint64 wait_us = pace (conn->sync->transfers, n);

      if (wait_us > 0)
        {
          out->pump_source = g_timeout_add ((guint) MAX (1, wait_us / 1000), pump_cb, out);
          return;
        }

      if (buffer == NULL)
        buffer = g_malloc (DROPIFY_PROTOCOL_CHUNK_HEADER + CHUNK_SIZE);

      dropify_protocol_write_chunk_header (buffer, out->sha256, out->offset);
      while (done < n)
        {
          ssize_t r = pread (out->fd, buffer + DROPIFY_PROTOCOL_CHUNK_HEADER + done, n - done,
                             (off_t) (out->offset + done));

          if (r < 0 && errno == EINTR)
            continue;
          if (r <= 0)
            {
              g_warning ("Could not read a file to send: %s", r < 0 ? g_strerror (errno) : "short file");
              transfer_set (conn->sync, out->transfer, DROPIFY_TRANSFER_STATE_FAILED,
                            r < 0 ? g_strerror (errno) : _("The file is shorter than it was"));
              dropify_sync_connection_send (conn, dropify_protocol_encode_file_missing (out->sha256));
              outgoing_done (out);
              return;
            }
          done += (gsize) r;
        }

      if (conn->peer != NULL)
        dropify_peer_add_traffic (conn->peer, 0, DROPIFY_PROTOCOL_CHUNK_HEADER + n);
      dropify_channel_send_binary (conn->channel, buffer, DROPIFY_PROTOCOL_CHUNK_HEADER + n);
      out->offset += n;
      conn->sync->transfers->file_bytes_sent += n;
      if (dropify_transfer_get_state (out->transfer) != DROPIFY_TRANSFER_STATE_ACTIVE)
        transfer_set (conn->sync, out->transfer, DROPIFY_TRANSFER_STATE_ACTIVE, NULL);
      dropify_transfer_set_progress (out->transfer, out->offset, g_get_monotonic_time ());

      if (out->offset < out->size && out->offset < out->limit && wait_writable (out))
        return;
    }

  if (out->offset == out->size)
    {
      transfer_set (conn->sync, out->transfer, DROPIFY_TRANSFER_STATE_DONE, NULL);
      outgoing_done (out);
    }
}

static gboolean
pump_cb (gpointer user_data)
{
  Outgoing *out = user_data;

  out->pump_source = 0;
  pump (out);

  return G_SOURCE_REMOVE;
}

static void
handle_file_get (Connection     *conn,
                 DropifyMessage *message)
{
  DropifySync *self = conn->sync;
  DropifyBlobStore *blobs = dropify_history_get_blob_store (self->history);
  g_autoptr(GPtrArray) drops = dropify_history_find_by_sha256 (self->history, message->sha256);
  Outgoing *out;

  /* Only content of a live drop meant for that peer, never any other
   * file. */
  if (drops->len == 0 || !dropify_sync_content_is_for (self, message->sha256, conn->their_id) ||
      !dropify_blob_store_contains (blobs, message->sha256))
    {
      dropify_sync_connection_send (conn, dropify_protocol_encode_file_missing (message->sha256));
      return;
    }

  /* Its send was cancelled here while this peer was away: it learns
   * so now, instead of getting it (once; a later request is served). */
  if (dropify_history_take_cancelled_send (self->history, message->sha256, peer_id_of (conn)))
    {
      dropify_sync_connection_send (conn, dropify_protocol_encode_transfer_cancel (message->sha256));
      return;
    }

  out = g_new0 (Outgoing, 1);
  out->conn = conn;
  out->sha256 = g_strdup (message->sha256);
  out->fd = -1;
  out->offset = message->offset;
  out->limit = message->limit;
  out->serial = ++self->transfers->outgoing_serial;

  if (!outgoing_open (out))
    {
      outgoing_free (out);
      dropify_sync_connection_send (conn, dropify_protocol_encode_file_missing (message->sha256));
      return;
    }

  if (message->offset > out->size || message->limit < message->offset)
    {
      outgoing_free (out);
      dropify_sync_connection_close (conn, DROPIFY_CLOSE_BAD_MESSAGE, "file-get beyond the end of the file");
      return;
    }

  out->limit = clamp_credit (out->offset, out->size, out->limit);
  out->transfer = g_object_ref (transfer_for (conn, out->sha256, DROPIFY_TRANSFER_DIRECTION_OUT, out->size));
  g_hash_table_replace (conn->transfers->outgoing_files, out->sha256, out);
  transfer_set (self, out->transfer, DROPIFY_TRANSFER_STATE_QUEUED, NULL);
  dropify_transfer_set_progress (out->transfer, out->offset, g_get_monotonic_time ());

  /* No room: it waits, without holding the file open. */
  if (n_sending (conn) > OUTGOING_MAX)
    {
      close (out->fd);
      out->fd = -1;
      return;
    }

  pump (out);
}

static void
handle_credit (Connection     *conn,
               DropifyMessage *message)
{
  Outgoing *out = g_hash_table_lookup (conn->transfers->outgoing_files, message->sha256);

  /* Finished or cancelled meanwhile: nothing to do. */
  if (out == NULL)
    return;

  /* Waiting: its size is read when it starts, and clamps it then. */
  if (out->fd < 0)
    {
      out->limit = MAX (out->limit, MIN (message->limit, out->offset + CREDIT_WINDOW));
      return;
    }

  out->limit = MAX (out->limit, clamp_credit (out->offset, out->size, message->limit));
  pump (out);
}

/* Cancelling */

/* This device no longer wants @sha256 by itself: not from any peer, until
 * someone asks (dropify_sync_download()). */
static void
remember_cancelled (DropifySync *self,
                    const char  *sha256)
{
  dropify_history_set_cancelled (self->history, sha256, TRUE);
}

/* Stops receiving @in, whose chunks already on the way are dropped. */
static void
incoming_cancel (DropifySync *self,
                 Incoming    *in,
                 const char  *reason)
{
  g_autofree char *sha256 = g_strdup (in->sha256);

  transfer_set (self, in->transfer, DROPIFY_TRANSFER_STATE_CANCELLED, reason);
  if (in->conn != NULL)
    g_hash_table_add (in->conn->transfers->cancelled, g_strdup (sha256));
  g_hash_table_remove (self->transfers->incoming, sha256);
}

static void
handle_transfer_cancel (Connection     *conn,
                        DropifyMessage *message)
{
  DropifySync *self = conn->sync;
  Incoming *in = g_hash_table_lookup (self->transfers->incoming, message->sha256);
  Outgoing *out = g_hash_table_lookup (conn->transfers->outgoing_files, message->sha256);
  g_autofree char *reason = g_strdup_printf (_("Cancelled on %s"), peer_name_of (conn));

  /* Being checked: all of it is here already. */
  if (in != NULL && in->conn == conn && !in->committing)
    {
      g_message ("%s cancelled sending “%s”", conn->remote, content_name (self, message->sha256));
      remember_cancelled (self, message->sha256);
      incoming_cancel (self, in, reason);
    }

  if (out != NULL)
    {
      g_message ("%s cancelled receiving “%s”", conn->remote, content_name (self, message->sha256));
      transfer_set (self, out->transfer, DROPIFY_TRANSFER_STATE_CANCELLED, reason);
      g_hash_table_remove (conn->transfers->outgoing_files, message->sha256);
      start_waiting (conn);
    }
}

static Connection *
trusted_connection_to (DropifySync *self,
                       const char  *peer_id)
{
  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *conn = g_ptr_array_index (self->connections, i);

      if (conn->active && conn->trusted && g_strcmp0 (conn->their_id, peer_id) == 0)
        return conn;
    }

  return NULL;
}

/* libsoup copies every frame it sends into a fresh buffer. With glibc's
 * defaults a 256 KiB frame is mmap()ed and unmapped again, or the heap top
 * is trimmed each time a credit window drains, so every byte sent first
 * takes a page fault: 15% of the sender's time in a 1 GiB transfer. Keep
 * such buffers on the heap and keep up to two windows of it; that bounds
 * what is retained while making the copy cheap. */
void
dropify_sync_transfers_tune_allocator (void)
{
#ifdef __GLIBC__
  mallopt (M_MMAP_THRESHOLD, 4 * CHUNK_SIZE);
  mallopt (M_TRIM_THRESHOLD, 2 * CREDIT_WINDOW);
#endif
}


/* Internal API (dropify-sync-private.h) */

void
dropify_sync_transfers_init (DropifySync *self)
{
  g_assert (self->transfers == NULL);

  self->transfers = g_new0 (SyncTransfers, 1);
  self->transfers->incoming = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, incoming_free);
  self->transfers->list = g_list_store_new (DROPIFY_TYPE_TRANSFER);
  self->transfers->by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* A commit still running (it holds a reference) finds no table of
 * transfers, and stops there. */
void
dropify_sync_transfers_dispose (DropifySync *self)
{
  g_clear_pointer (&self->transfers->incoming, g_hash_table_unref);
  g_clear_handle_id (&self->transfers->expiry_source, g_source_remove);
  g_clear_pointer (&self->transfers->by_key, g_hash_table_unref);
  g_clear_object (&self->transfers->list);
}

void
dropify_sync_transfers_finalize (DropifySync *self)
{
  g_clear_pointer (&self->transfers, g_free);
}

void
dropify_sync_transfers_set_max_send_rate (DropifySync *self,
                                          guint64      bytes_per_second)
{
  self->transfers->max_send_rate = bytes_per_second;
  self->transfers->next_send_us = 0;
}

/* Returns: how many bytes of file content went to peers' WebSockets */
guint64
dropify_sync_transfers_get_bytes_sent (DropifySync *self)
{
  return self->transfers->file_bytes_sent;
}

void
dropify_sync_transfers_connection_init (Connection *conn)
{
  g_assert (conn->transfers == NULL);

  conn->transfers = g_new0 (ConnectionTransfers, 1);
  conn->transfers->outgoing_files = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, outgoing_free);
  conn->transfers->missing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  conn->transfers->bad_copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  conn->transfers->cancelled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

void
dropify_sync_transfers_connection_free (Connection *conn)
{
  if (conn->transfers == NULL)
    return;

  g_clear_pointer (&conn->transfers->outgoing_files, g_hash_table_unref);
  g_clear_pointer (&conn->transfers->missing, g_hash_table_unref);
  g_clear_pointer (&conn->transfers->bad_copy, g_hash_table_unref);
  g_clear_pointer (&conn->transfers->cancelled, g_hash_table_unref);
  g_clear_pointer (&conn->transfers, g_free);
}

/* Transfers end with their connection; partial files stay to resume,
 * and their entries wait for the peer to come back (or for another
 * device to send the content). */
void
dropify_sync_transfers_connection_closed (Connection *conn)
{
  DropifySync *self = conn->sync;
  const char *close_reason = dropify_channel_get_close_reason (conn->channel);
  g_autofree char *waiting = g_strdup_printf (_("Waiting for %s to come back"), peer_name_of (conn));
  g_autofree char *disk_full = g_strdup_printf (_("The disk of %s is full"), peer_name_of (conn));
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->transfers->incoming);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Incoming *in = value;

      if (in->conn == conn && !in->committing)
        transfer_set (self, in->transfer, DROPIFY_TRANSFER_STATE_STALLED, waiting);
    }

  /* A receiver that could not store says so as it closes (§11.6). */
  g_hash_table_iter_init (&iter, conn->transfers->outgoing_files);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Outgoing *out = value;

      gboolean full = close_reason != NULL && strstr (close_reason, "disk is full") != NULL;

      transfer_set (self, out->transfer, DROPIFY_TRANSFER_STATE_STALLED, full ? disk_full : waiting);
    }

  g_hash_table_remove_all (conn->transfers->outgoing_files);
  if (g_hash_table_foreach_remove (self->transfers->incoming, incoming_of_connection, conn) > 0)
    request_elsewhere (self, conn);
}

void
dropify_sync_transfers_request (Connection  *conn,
                                DropifyDrop *drop)
{
  request_file (conn, drop);
}

void
dropify_sync_transfers_request_missing (Connection *conn)
{
  request_missing_files (conn);
}

void
dropify_sync_transfers_announce (DropifySync *self,
                                 const char  *sha256,
                                 Connection  *except)
{
  announce_have (self, sha256, except);
}

/* The last live drop of @sha256 went: its transfers are abandoned,
 * without a word to the peer (docs/protocol.md §11.5). */
void
dropify_sync_transfers_content_gone (DropifySync *self,
                                     const char  *sha256)
{
  Incoming *in = g_hash_table_lookup (self->transfers->incoming, sha256);
  GListModel *model = G_LIST_MODEL (self->transfers->list);

  for (guint i = g_list_model_get_n_items (model); i > 0; i--)
    {
      g_autoptr(DropifyTransfer) transfer = g_list_model_get_item (model, i - 1);

      if (g_str_equal (dropify_transfer_get_sha256 (transfer), sha256) &&
          !dropify_transfer_is_finished (transfer) &&
          (in == NULL || in->transfer != transfer || !in->committing))
        transfer_set (self, transfer, DROPIFY_TRANSFER_STATE_CANCELLED, _("The drop was deleted"));
    }

  /* One being committed finishes, and then finds no drop. */
  if (in != NULL && !in->committing)
    {
      g_hash_table_add (in->conn->transfers->cancelled, g_strdup (sha256));
      g_hash_table_remove (self->transfers->incoming, sha256);
    }
  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *conn = g_ptr_array_index (self->connections, i);

      if (g_hash_table_remove (conn->transfers->outgoing_files, sha256))
        start_waiting (conn);
    }
}

void
dropify_sync_transfers_handle_chunk (Connection *conn,
                                     GBytes     *bytes)
{
  handle_chunk (conn, bytes);
}

/* file-get, credit, file-missing and have, from a trusted connection */
void
dropify_sync_transfers_handle_message (Connection     *conn,
                                       DropifyMessage *message)
{
  switch (message->type)
    {
    case DROPIFY_MESSAGE_FILE_GET: handle_file_get (conn, message); break;
    case DROPIFY_MESSAGE_CREDIT: handle_credit (conn, message); break;
    case DROPIFY_MESSAGE_FILE_MISSING: handle_file_missing (conn, message); break;
    case DROPIFY_MESSAGE_HAVE: handle_have (conn, message); break;
    case DROPIFY_MESSAGE_TRANSFER_CANCEL: handle_transfer_cancel (conn, message); break;
    default: g_assert_not_reached ();
    }
}

/* @conn's device has a new name: its transfers show it. */
void
dropify_sync_transfers_peer_renamed (Connection *conn)
{
  GListModel *model = G_LIST_MODEL (conn->sync->transfers->list);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(DropifyTransfer) transfer = g_list_model_get_item (model, i);

      if (g_strcmp0 (dropify_transfer_get_peer_id (transfer), conn->their_id) == 0)
        dropify_transfer_set_peer_name (transfer, peer_name_of (conn));
    }
}

/* Public API (dropify-sync.h) */

/**
 * dropify_sync_get_transfers:
 *
 * Contents moving to and from peers, one per content, peer and
 * direction, oldest first; finished ones stay listed for ten minutes,
 * and at most 100 that no longer move.
 *
 * Returns: (transfer none): a #GListModel of #DropifyTransfer
 */
GListModel *
dropify_sync_get_transfers (DropifySync *self)
{
  g_return_val_if_fail (DROPIFY_IS_SYNC (self), NULL);
  return G_LIST_MODEL (self->transfers->list);
}

static DropifyTransfer *
transfer_by_id (DropifySync *self,
                const char  *id)
{
  GListModel *model = G_LIST_MODEL (self->transfers->list);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(DropifyTransfer) transfer = g_list_model_get_item (model, i);

      if (g_strcmp0 (dropify_transfer_get_id (transfer), id) == 0)
        return transfer;  /* the list keeps it */
    }

  return NULL;
}

/**
 * dropify_sync_cancel_transfer:
 * @transfer_id: the id of a listed #DropifyTransfer
 *
 * Stops sending or receiving, and tells the other end if it is connected.
 * Cancelling what this device receives cancels that content from every
 * peer: it is not asked for again until dropify_sync_download().
 * Cancelling a send to a device that is away refuses its next request.
 *
 * Returns: %TRUE if it was cancelled (or was already)
 */
gboolean
dropify_sync_cancel_transfer (DropifySync  *self,
                              const char   *transfer_id,
                              GError      **error)
{
  DropifyTransfer *transfer;
  const char *sha256;
  const char *reason = _("Cancelled on this device");
  Connection *conn;

  g_return_val_if_fail (DROPIFY_IS_SYNC (self), FALSE);
  g_return_val_if_fail (transfer_id != NULL, FALSE);

  if ((transfer = transfer_by_id (self, transfer_id)) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("No transfer with that id is listed here; see “dropify transfers”"));
      return FALSE;
    }

  if (dropify_transfer_get_state (transfer) == DROPIFY_TRANSFER_STATE_CANCELLED)
    return TRUE;

  if (dropify_transfer_get_state (transfer) == DROPIFY_TRANSFER_STATE_DONE)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("That transfer has finished already"));
      return FALSE;
    }

  g_object_ref (transfer);
  sha256 = dropify_transfer_get_sha256 (transfer);
  conn = trusted_connection_to (self, dropify_transfer_get_peer_id (transfer));

  if (dropify_transfer_get_direction (transfer) == DROPIFY_TRANSFER_DIRECTION_IN)
    {
      Incoming *in = g_hash_table_lookup (self->transfers->incoming, sha256);

      if (in != NULL && in->committing)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("That file is all here already, and being checked"));
          g_object_unref (transfer);
          return FALSE;
        }

      remember_cancelled (self, sha256);
      if (in != NULL)
        {
          /* Whoever it comes from: the content is what was cancelled. */
          if (in->conn != NULL && in->conn->active)
            dropify_sync_connection_send (in->conn, dropify_protocol_encode_transfer_cancel (sha256));
          incoming_cancel (self, in, reason);
        }
    }
  else
    {
      Outgoing *out = conn != NULL ? g_hash_table_lookup (conn->transfers->outgoing_files, sha256) : NULL;

      if (out != NULL)
        {
          g_hash_table_remove (conn->transfers->outgoing_files, sha256);
          start_waiting (conn);
        }

      if (conn != NULL)
        dropify_sync_connection_send (conn, dropify_protocol_encode_transfer_cancel (sha256));
      else
        dropify_history_add_cancelled_send (self->history, sha256,
                                            dropify_transfer_get_peer_id (transfer));
    }

  if (dropify_transfer_get_direction (transfer) == DROPIFY_TRANSFER_DIRECTION_IN)
    g_message ("Cancelled receiving “%s” from %s", dropify_transfer_get_name (transfer),
               transfer_peer_label (transfer));
  else
    g_message ("Cancelled sending “%s” to %s", dropify_transfer_get_name (transfer),
               transfer_peer_label (transfer));
  transfer_set (self, transfer, DROPIFY_TRANSFER_STATE_CANCELLED, reason);
  g_object_unref (transfer);

  return TRUE;
}

/**
 * dropify_sync_download:
 * @drop_id: a file drop of the history
 *
 * Asks for the drop's content again, as when it arrived: after a cancel,
 * which stops it being asked for by itself, or after every connected
 * device said it did not have it.
 *
 * Returns: %TRUE if the drop's content is here or asked for, or will be
 *   once a device connects
 */
gboolean
dropify_sync_download (DropifySync  *self,
                       const char   *drop_id,
                       GError      **error)
{
  DropifyDrop *drop;
  const char *sha256;

  g_return_val_if_fail (DROPIFY_IS_SYNC (self), FALSE);
  g_return_val_if_fail (drop_id != NULL, FALSE);

  drop = dropify_history_lookup (self->history, drop_id);
  if (drop == NULL)
    {
      g_set_error_literal (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_NOT_FOUND,
                           _("No drop with that id is in the history"));
      return FALSE;
    }

  if (dropify_drop_get_kind (drop) != DROPIFY_DROP_KIND_FILE)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Only a file drop can be downloaded"));
      return FALSE;
    }

  if (dropify_drop_get_complete (drop))
    return TRUE;

  g_object_ref (drop);
  sha256 = dropify_drop_get_sha256 (drop);
  dropify_history_set_cancelled (self->history, sha256, FALSE);

  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *conn = g_ptr_array_index (self->connections, i);

      if (!conn->active || !conn->trusted)
        continue;

      /* Someone asks: the answers of before do not count. */
      g_hash_table_remove (conn->transfers->missing, sha256);
      request_file (conn, drop);
    }
  g_object_unref (drop);

  return TRUE;
}
