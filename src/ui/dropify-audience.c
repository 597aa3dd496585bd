/* dropify-audience.c: the devices a drop can be sent to, the ones drops
 * were last sent to first, as every "Send To" choice lists them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-audience"

#include "config.h"

#include <glib/gi18n.h>

#include "dropify-audience.h"
#include "dropify-peer.h"

/* Enough for every device one person pairs; older ones fall off. */
#define MAX_RECENT 16

/**
 * dropify_audience_note_recent:
 * @settings: (nullable): the settings holding "recent-devices"
 * @audience: (nullable) (array zero-terminated=1): the devices a drop was
 *   just sent to; %NULL for all of them, which changes nothing
 *
 * Moves @audience to the front of the recently used devices.
 */
void
dropify_audience_note_recent (GSettings          *settings,
                             const char * const *audience)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) old = NULL;
  g_auto(GStrv) recent = NULL;
  guint n = 0;

  if (settings == NULL || audience == NULL || audience[0] == NULL)
    return;

  builder = g_strv_builder_new ();
  old = g_settings_get_strv (settings, "recent-devices");

  for (guint i = 0; audience[i] != NULL && n < MAX_RECENT; i++, n++)
    g_strv_builder_add (builder, audience[i]);
  for (guint i = 0; old[i] != NULL && n < MAX_RECENT; i++)
    {
      if (!g_strv_contains (audience, old[i]))
        {
          g_strv_builder_add (builder, old[i]);
          n++;
        }
    }

  recent = g_strv_builder_end (builder);
  if (!g_strv_equal ((const char * const *) old, (const char * const *) recent))
    g_settings_set_strv (settings, "recent-devices", (const char * const *) recent);
}

/**
 * dropify_audience_dup_peer_label:
 * @peer: a device
 *
 * Returns: (transfer full): what a "Send To" choice calls @peer
 */
char *
dropify_audience_dup_peer_label (DropifyPeer *peer)
{
  const char *name = dropify_peer_get_name (peer);

  if (name == NULL || *name == '\0')
    name = dropify_peer_get_address (peer);
  if (name == NULL || *name == '\0')
    return g_strdup (_("Another device"));

  return g_strdup (name);
}

static int
rank (const char * const *recent,
      DropifyPeer        *peer)
{
  const char *id = dropify_peer_get_device_id (peer);

  for (int i = 0; recent != NULL && recent[i] != NULL; i++)
    {
      if (g_strcmp0 (recent[i], id) == 0)
        return i;
    }

  return G_MAXINT;
}

static int
compare_recent (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  const char * const *recent = user_data;
  int rank_a = rank (recent, *(DropifyPeer **) a);
  int rank_b = rank (recent, *(DropifyPeer **) b);

  return rank_a < rank_b ? -1 : rank_a > rank_b;
}

/**
 * dropify_audience_dup_peers:
 * @settings: (nullable): the settings holding "recent-devices"
 * @peers: a #GListModel of #DropifyPeer
 *
 * The paired devices a drop can be sent to: the recently used first, the
 * others after them in the order of @peers.
 *
 * Returns: (transfer full) (element-type DropifyPeer): the devices
 */
GPtrArray *
dropify_audience_dup_peers (GSettings  *settings,
                                  GListModel *peers)
{
  g_autoptr(GPtrArray) result = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto(GStrv) recent = NULL;

  g_return_val_if_fail (G_IS_LIST_MODEL (peers), NULL);

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);

      if (dropify_peer_get_device_id (peer) != NULL && dropify_peer_get_trusted (peer))
        g_ptr_array_add (result, g_steal_pointer (&peer));
    }

  /* g_ptr_array_sort_with_data() is a stable merge sort. */
  if (settings != NULL)
    recent = g_settings_get_strv (settings, "recent-devices");
  g_ptr_array_sort_with_data (result, compare_recent, recent);

  return g_steal_pointer (&result);
}

/**
 * dropify_audience_find_peer:
 * @peers: a #GListModel of #DropifyPeer
 * @device_id: a device's id
 *
 * Returns: (transfer none) (nullable): the entry of @peers for
 *   @device_id, or %NULL when it lists none
 */
DropifyPeer *
dropify_audience_find_peer (GListModel *peers,
                            const char *device_id)
{
  guint n_items;

  g_return_val_if_fail (G_IS_LIST_MODEL (peers), NULL);

  n_items = g_list_model_get_n_items (peers);
  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);

      if (g_strcmp0 (dropify_peer_get_device_id (peer), device_id) == 0)
        return peer;
    }

  return NULL;
}
