/* dropify-transfer-watch.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-transfer-watch"

#include "config.h"

#include "dropify-transfer-watch.h"

/* The transfers of one content, or of one peer, out of DropifySync's
 * list, for a row that shows them: "changed" when one of them is added
 * or moves. A row sets what it watches as it is bound to a drop or a
 * peer, and nothing (NULL) while it is not.
 *
 * The list changes once per transfer that starts or goes, and a window
 * binds some 30 rows: so a change costs each watch only the items
 * added, never a scan of the list. A transfer the list lets go has
 * finished, and is kept (it says what became of it) until one of the
 * same peer and direction replaces it. */

struct _DropifyTransferWatch
{
  GObject     parent_instance;

  GListModel *transfers;
  char       *sha256;
  char       *peer_id;
  GPtrArray  *matches;      /* DropifyTransfer, with a notify handler each */
};

G_DEFINE_FINAL_TYPE (DropifyTransferWatch, dropify_transfer_watch, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
transfer_notify_cb (DropifyTransferWatch *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
forget_matches (DropifyTransferWatch *self)
{
  for (guint i = 0; i < self->matches->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->matches, i), self);
  g_ptr_array_set_size (self->matches, 0);
}

static gboolean
matches (DropifyTransferWatch *self,
         DropifyTransfer      *transfer)
{
  if (self->sha256 != NULL)
    return g_strcmp0 (dropify_transfer_get_sha256 (transfer), self->sha256) == 0;
  if (self->peer_id != NULL)
    return g_strcmp0 (dropify_transfer_get_peer_id (transfer), self->peer_id) == 0;

  return FALSE;
}

static void
add_match (DropifyTransferWatch *self,
           DropifyTransfer      *transfer)
{
  /* A newer one of the same peer and direction stands for both. */
  for (guint i = self->matches->len; i > 0; i--)
    {
      DropifyTransfer *old = g_ptr_array_index (self->matches, i - 1);

      if (old == transfer)
        return;

      if (dropify_transfer_get_direction (old) == dropify_transfer_get_direction (transfer) &&
          g_strcmp0 (dropify_transfer_get_peer_id (old), dropify_transfer_get_peer_id (transfer)) == 0 &&
          g_strcmp0 (dropify_transfer_get_sha256 (old), dropify_transfer_get_sha256 (transfer)) == 0)
        {
          g_signal_handlers_disconnect_by_data (old, self);
          g_ptr_array_remove_index (self->matches, i - 1);
        }
    }

  g_signal_connect_object (transfer, "notify", G_CALLBACK (transfer_notify_cb),
                           self, G_CONNECT_SWAPPED);
  g_ptr_array_add (self->matches, g_object_ref (transfer));
}

static void
items_changed_cb (DropifyTransferWatch *self,
                  guint                 position,
                  guint                 removed,
                  guint                 added)
{
  gboolean changed = FALSE;

  if (self->sha256 == NULL && self->peer_id == NULL)
    return;

  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(DropifyTransfer) transfer = g_list_model_get_item (self->transfers, i);

      if (transfer != NULL && matches (self, transfer))
        {
          add_match (self, transfer);
          changed = TRUE;
        }
    }

  if (changed)
    g_signal_emit (self, signals[CHANGED], 0);
}

static void
rescan (DropifyTransferWatch *self)
{
  guint n = g_list_model_get_n_items (self->transfers);
  guint before = self->matches->len;

  forget_matches (self);

  if (self->sha256 != NULL || self->peer_id != NULL)
    {
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(DropifyTransfer) transfer = g_list_model_get_item (self->transfers, i);

          if (!matches (self, transfer))
            continue;

          add_match (self, transfer);
        }
    }

  if (before > 0 || self->matches->len > 0)
    g_signal_emit (self, signals[CHANGED], 0);
}

/* GObject */

static void
dropify_transfer_watch_dispose (GObject *object)
{
  DropifyTransferWatch *self = (DropifyTransferWatch *)object;

  if (self->matches != NULL)
    forget_matches (self);
  if (self->transfers != NULL)
    g_signal_handlers_disconnect_by_data (self->transfers, self);
  g_clear_object (&self->transfers);

  G_OBJECT_CLASS (dropify_transfer_watch_parent_class)->dispose (object);
}

static void
dropify_transfer_watch_finalize (GObject *object)
{
  DropifyTransferWatch *self = (DropifyTransferWatch *)object;

  g_clear_pointer (&self->matches, g_ptr_array_unref);
  g_clear_pointer (&self->sha256, g_free);
  g_clear_pointer (&self->peer_id, g_free);

  G_OBJECT_CLASS (dropify_transfer_watch_parent_class)->finalize (object);
}

static void
dropify_transfer_watch_class_init (DropifyTransferWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dropify_transfer_watch_dispose;
  object_class->finalize = dropify_transfer_watch_finalize;

  /**
   * DropifyTransferWatch::changed:
   *
   * A transfer watched was added, went, or changed.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dropify_transfer_watch_init (DropifyTransferWatch *self)
{
  self->matches = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * dropify_transfer_watch_new:
 * @transfers: a #GListModel of #DropifyTransfer, from
 *   dropify_sync_get_transfers()
 *
 * Returns: (transfer full): a watch of nothing yet
 */
DropifyTransferWatch *
dropify_transfer_watch_new (GListModel *transfers)
{
  DropifyTransferWatch *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (transfers), NULL);

  self = g_object_new (DROPIFY_TYPE_TRANSFER_WATCH, NULL);
  self->transfers = g_object_ref (transfers);
  g_signal_connect_object (transfers, "items-changed", G_CALLBACK (items_changed_cb), self, G_CONNECT_SWAPPED);

  return self;
}

/**
 * dropify_transfer_watch_set_sha256:
 * @sha256: (nullable): the content whose transfers to watch, or %NULL
 */
void
dropify_transfer_watch_set_sha256 (DropifyTransferWatch *self,
                                   const char           *sha256)
{
  g_return_if_fail (DROPIFY_IS_TRANSFER_WATCH (self));

  g_free (self->sha256);
  self->sha256 = g_strdup (sha256);
  g_clear_pointer (&self->peer_id, g_free);
  rescan (self);
}

/**
 * dropify_transfer_watch_set_peer_id:
 * @peer_id: (nullable): the device whose transfers to watch, or %NULL
 */
void
dropify_transfer_watch_set_peer_id (DropifyTransferWatch *self,
                                    const char           *peer_id)
{
  g_return_if_fail (DROPIFY_IS_TRANSFER_WATCH (self));

  g_free (self->peer_id);
  self->peer_id = g_strdup (peer_id);
  g_clear_pointer (&self->sha256, g_free);
  rescan (self);
}

/**
 * dropify_transfer_watch_get_matches:
 *
 * Returns: (transfer none) (element-type DropifyTransfer): the transfers
 *   watched, oldest first
 */
GPtrArray *
dropify_transfer_watch_get_matches (DropifyTransferWatch *self)
{
  g_return_val_if_fail (DROPIFY_IS_TRANSFER_WATCH (self), NULL);
  return self->matches;
}
