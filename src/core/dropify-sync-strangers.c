/* dropify-sync-strangers.c: devices that connect here without being paired
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Anyone on the LAN can connect and wait to pair, and each such device
 * gets an entry in the peers list. Both are bounded here: the
 * connections waiting to pair (per certificate, and overall with the
 * most crowded address giving way), and the entries of strangers that
 * went offline (capped, oldest first, and each gone after a while). The
 * rest of sync calls in through dropify-sync-private.h.
 */

#include "config.h"

#include "dropify-sync-private.h"
#include "dropify-trust.h"

#define UNTRUSTED_MAX             16
#define UNTRUSTED_PER_CERTIFICATE 2
#define STRANGERS_MAX             32
#define STRANGER_EXPIRY_S         (10 * 60)

/* Strangers are few at a time, and do not stay forever (the channel lets
 * them go after a while). One certificate waits to pair on at most
 * UNTRUSTED_PER_CERTIFICATE connections, its oldest giving way; and when
 * UNTRUSTED_MAX strangers wait, the oldest of the address that has the
 * most gives way. A flood from one address or with one certificate thus
 * costs only itself: a new device, from its own address, still gets in. */
void
dropify_sync_strangers_make_room (Connection *conn)
{
  DropifySync *self = conn->sync;
  const char *fingerprint = dropify_channel_get_fingerprint (conn->channel);
  g_autoptr(GHashTable) per_source = g_hash_table_new (g_str_hash, g_str_equal);
  Connection *same_certificate = NULL;
  Connection *victim = NULL;
  guint n_same_certificate = 0;
  guint untrusted = 0;
  guint most = 0;
  const char *crowded = NULL;

  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *c = g_ptr_array_index (self->connections, i);

      if (c == conn || !c->active || c->trusted)
        continue;
      untrusted++;
      if (dropify_trust_equal (dropify_channel_get_fingerprint (c->channel), fingerprint))
        {
          n_same_certificate++;
          if (same_certificate == NULL)
            same_certificate = c;
        }
    }

  if (n_same_certificate >= UNTRUSTED_PER_CERTIFICATE)
    {
      dropify_sync_connection_close (same_certificate, DROPIFY_CLOSE_FLOOD,
                        "replaced by a newer connection with the same certificate");
      untrusted--;
    }

  if (untrusted < UNTRUSTED_MAX)
    return;

  for (guint i = 0; i < self->connections->len; i++)
    {
      Connection *c = g_ptr_array_index (self->connections, i);
      guint count;

      if (!c->active || c->trusted)
        continue;
      count = GPOINTER_TO_UINT (g_hash_table_lookup (per_source, dropify_sync_connection_source (c))) + 1;
      g_hash_table_insert (per_source, (gpointer) dropify_sync_connection_source (c), GUINT_TO_POINTER (count));
      if (count > most && c != conn)
        {
          most = count;
          crowded = dropify_sync_connection_source (c);
        }
    }

  for (guint i = 0; crowded != NULL && i < self->connections->len && victim == NULL; i++)
    {
      Connection *c = g_ptr_array_index (self->connections, i);

      if (c != conn && c->active && !c->trusted && g_str_equal (dropify_sync_connection_source (c), crowded))
        victim = c;
    }

  if (victim != NULL)
    dropify_sync_connection_close (victim, DROPIFY_CLOSE_FLOOD, "too many devices waiting to pair");
}

/* Strangers: entries made for devices that connected here without being
 * paired. Anyone on the LAN can make one, so they are capped, oldest
 * offline first, and an offline one goes after a while. An entry that
 * was ever paired, that a dialer keeps (added by address or found by
 * mDNS), or that is connected, is no stranger's. */

static gboolean
is_stranger (DropifySync *self,
             DropifyPeer *peer)
{
  const char *device_id = dropify_peer_get_device_id (peer);

  if (device_id == NULL || dropify_trust_lookup (self->trust, device_id) != NULL ||
      dropify_trust_is_unpaired (self->trust, device_id) || dropify_peer_get_trusted (peer))
    return FALSE;

  return !dropify_sync_dials (self, peer);
}

static gboolean
is_offline_stranger (DropifySync *self,
                     DropifyPeer *peer)
{
  return !dropify_peer_get_connected (peer) && dropify_sync_active_connection (self, peer) == NULL &&
         is_stranger (self, peer);
}

static void schedule_stranger_expiry (DropifySync *self);

/* Removes the offline strangers whose time is up, and the oldest offline
 * ones beyond STRANGERS_MAX. */
void
dropify_sync_strangers_prune (DropifySync *self)
{
  GListModel *model = G_LIST_MODEL (self->peers);
  int64_t now = g_get_monotonic_time ();
  guint strangers = 0;

  for (guint i = g_list_model_get_n_items (model); i > 0; i--)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (model, i - 1);
      gpointer since;

      if (!is_stranger (self, peer))
        continue;

      /* Newest first, so the ones over the cap are the oldest. */
      strangers++;
      if (!is_offline_stranger (self, peer))
        continue;

      if (strangers > STRANGERS_MAX ||
          (g_hash_table_lookup_extended (self->offline_strangers, peer, NULL, &since) &&
           now - *(int64_t *) since >= (int64_t) self->stranger_expiry_s * G_USEC_PER_SEC))
        {
          g_debug ("Removing the entry of “%s”, a device that was never paired",
                   dropify_peer_get_name (peer));
          g_hash_table_remove (self->offline_strangers, peer);
          dropify_sync_remove_peer (self, peer);
          strangers--;
        }
    }
}

static gboolean
stranger_expiry_cb (gpointer user_data)
{
  DropifySync *self = user_data;

  self->stranger_source = 0;
  dropify_sync_strangers_prune (self);
  schedule_stranger_expiry (self);

  return G_SOURCE_REMOVE;
}

/* One timeout, for the next offline stranger to go; none while there is
 * none, so an idle device does not wake up for nothing. */
static void
schedule_stranger_expiry (DropifySync *self)
{
  GHashTableIter iter;
  gpointer key, value;
  int64_t next = G_MAXINT64;
  int64_t now = g_get_monotonic_time ();

  g_clear_handle_id (&self->stranger_source, g_source_remove);

  g_hash_table_iter_init (&iter, self->offline_strangers);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      guint position;

      /* Back online, paired or gone meanwhile: forget it here. */
      if (!g_list_store_find (self->peers, key, &position) || !is_offline_stranger (self, key))
        {
          g_hash_table_iter_remove (&iter);
          continue;
        }
      next = MIN (next, *(int64_t *) value + (int64_t) self->stranger_expiry_s * G_USEC_PER_SEC);
    }

  if (next != G_MAXINT64)
    self->stranger_source = g_timeout_add_seconds ((guint) ((MAX (next - now, 0) + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC),
                                                   stranger_expiry_cb, self);
}

/* @peer's connection closed: if it is a stranger's, its time starts. */
void
dropify_sync_strangers_went_offline (DropifySync *self,
                                     DropifyPeer *peer)
{
  int64_t *since;

  if (peer == NULL || !is_offline_stranger (self, peer))
    return;

  since = g_new (int64_t, 1);
  *since = g_get_monotonic_time ();
  g_hash_table_replace (self->offline_strangers, g_object_ref (peer), since);
  dropify_sync_strangers_prune (self);
  schedule_stranger_expiry (self);
}

void
dropify_sync_strangers_init (DropifySync *self)
{
  self->offline_strangers = g_hash_table_new_full (NULL, NULL, g_object_unref, g_free);
  self->stranger_expiry_s = STRANGER_EXPIRY_S;
}

void
dropify_sync_strangers_dispose (DropifySync *self)
{
  g_clear_handle_id (&self->stranger_source, g_source_remove);
  g_clear_pointer (&self->offline_strangers, g_hash_table_unref);
}

void
dropify_sync_strangers_set_expiry (DropifySync *self,
                                   guint        seconds)
{
  self->stranger_expiry_s = seconds;
  schedule_stranger_expiry (self);
}
