/* dropify-peer-count.c: how many peers are connected, kept up to date
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-peer-count"

#include "config.h"

#include "dropify-peer.h"
#include "dropify-peer-count.h"

/* The window's subtitle and the devices page both say how many devices
 * are connected; the window must know it before the page is made (which
 * is only when the page is first shown), so the count is an object of
 * its own that either can hold. */

struct _DropifyPeerCount
{
  GObject     parent_instance;

  GListModel *peers;
  guint       n_connected;
  guint       n_reached;
};

G_DEFINE_FINAL_TYPE (DropifyPeerCount, dropify_peer_count, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_N_CONNECTED,
  PROP_N_REACHED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A peer counts as connected when drops flow: connected and trusted. A
 * peer reached is connected, trusted or not. */
static void
dropify_peer_count_update (DropifyPeerCount *self)
{
  guint n_items = g_list_model_get_n_items (self->peers);
  guint n_connected = 0;
  guint n_reached = 0;

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (self->peers, i);

      if (!dropify_peer_get_connected (peer))
        continue;

      n_reached++;
      if (dropify_peer_get_trusted (peer))
        n_connected++;
    }

  g_object_freeze_notify (G_OBJECT (self));
  if (n_reached != self->n_reached)
    {
      self->n_reached = n_reached;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_REACHED]);
    }
  if (n_connected != self->n_connected)
    {
      self->n_connected = n_connected;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CONNECTED]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
dropify_peer_count_items_changed (DropifyPeerCount *self,
                                  guint             position,
                                  guint             removed,
                                  guint             added,
                                  GListModel       *peers)
{
  /* A peer that leaves the list takes its handlers along when it is
   * finalized; until then, counting ignores it, as it is not in the list. */
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);

      g_signal_connect_object (peer, "notify::connected",
                               G_CALLBACK (dropify_peer_count_update),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (peer, "notify::trusted",
                               G_CALLBACK (dropify_peer_count_update),
                               self, G_CONNECT_SWAPPED);
    }

  dropify_peer_count_update (self);
}

static void
dropify_peer_count_finalize (GObject *object)
{
  DropifyPeerCount *self = (DropifyPeerCount *)object;

  g_clear_object (&self->peers);

  G_OBJECT_CLASS (dropify_peer_count_parent_class)->finalize (object);
}

static void
dropify_peer_count_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  DropifyPeerCount *self = DROPIFY_PEER_COUNT (object);

  switch (prop_id)
    {
    case PROP_N_CONNECTED:
      g_value_set_uint (value, self->n_connected);
      break;

    case PROP_N_REACHED:
      g_value_set_uint (value, self->n_reached);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_peer_count_class_init (DropifyPeerCountClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dropify_peer_count_finalize;
  object_class->get_property = dropify_peer_count_get_property;

  /**
   * DropifyPeerCount:n-connected:
   *
   * How many peers are connected and trusted, that is, sync drops.
   */
  properties[PROP_N_CONNECTED] =
    g_param_spec_uint ("n-connected", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  /**
   * DropifyPeerCount:n-reached:
   *
   * How many peers are connected, trusted or not.
   */
  properties[PROP_N_REACHED] =
    g_param_spec_uint ("n-reached", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dropify_peer_count_init (DropifyPeerCount *self)
{
}

/**
 * dropify_peer_count_new:
 * @peers: (element-type DropifyPeer): a list of peers
 *
 * Returns: (transfer full): a count of @peers that follows its changes
 */
DropifyPeerCount *
dropify_peer_count_new (GListModel *peers)
{
  DropifyPeerCount *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (peers), NULL);

  self = g_object_new (DROPIFY_TYPE_PEER_COUNT, NULL);
  self->peers = g_object_ref (peers);
  g_signal_connect_object (peers, "items-changed",
                           G_CALLBACK (dropify_peer_count_items_changed),
                           self, G_CONNECT_SWAPPED);
  dropify_peer_count_items_changed (self, 0, 0, g_list_model_get_n_items (peers), peers);

  return self;
}

/**
 * dropify_peer_count_get_n_connected:
 *
 * Returns: how many peers are connected and trusted
 */
guint
dropify_peer_count_get_n_connected (DropifyPeerCount *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER_COUNT (self), 0);

  return self->n_connected;
}

/**
 * dropify_peer_count_get_n_reached:
 *
 * Returns: how many peers are connected, trusted or not
 */
guint
dropify_peer_count_get_n_reached (DropifyPeerCount *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER_COUNT (self), 0);

  return self->n_reached;
}
