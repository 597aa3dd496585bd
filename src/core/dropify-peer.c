#define G_LOG_DOMAIN "dropify-peer"

#include "config.h"

#include <stdint.h>

#include "dropify-enums.h"
#include "dropify-peer.h"

/* A device this one syncs with, as the peers list shows it. Its id is
 * empty until the first hello from it arrived. */

struct _DropifyPeer
{
  GObject           parent_instance;
  char             *device_id;
  char             *name;
  char             *address;
  char             *error;
  char             *fingerprint;
  char             *pairing_code;
  guint             port;
  gboolean          trusted;
  gboolean          wants_to_pair;
  gboolean          pair_sent;
  int               pairing;
  char             *pairing_error;
  DropifyPeerVia    via;
  DropifyPeerState  state;
  uint64_t          bytes_in;
  uint64_t          bytes_out;
};

G_DEFINE_FINAL_TYPE (DropifyPeer, dropify_peer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DEVICE_ID,
  PROP_NAME,
  PROP_ADDRESS,
  PROP_PORT,
  PROP_VIA,
  PROP_STATE,
  PROP_CONNECTED,
  PROP_TRUSTED,
  PROP_ERROR,
  PROP_FINGERPRINT,
  PROP_PAIRING_CODE,
  PROP_WANTS_TO_PAIR,
  PROP_PAIR_SENT,
  PROP_PAIRING,
  PROP_PAIRING_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
dropify_peer_finalize (GObject *object)
{
  DropifyPeer *self = (DropifyPeer *)object;

  g_clear_pointer (&self->device_id, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->address, g_free);
  g_clear_pointer (&self->error, g_free);
  g_clear_pointer (&self->fingerprint, g_free);
  g_clear_pointer (&self->pairing_code, g_free);
  g_clear_pointer (&self->pairing_error, g_free);

  G_OBJECT_CLASS (dropify_peer_parent_class)->finalize (object);
}

static void
dropify_peer_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  DropifyPeer *self = DROPIFY_PEER (object);

  switch (prop_id)
    {
    case PROP_DEVICE_ID: g_value_set_string (value, self->device_id); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_ADDRESS: g_value_set_string (value, self->address); break;
    case PROP_PORT: g_value_set_uint (value, self->port); break;
    case PROP_VIA: g_value_set_enum (value, self->via); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_CONNECTED: g_value_set_boolean (value, dropify_peer_get_connected (self)); break;
    case PROP_TRUSTED: g_value_set_boolean (value, dropify_peer_get_trusted (self)); break;
    case PROP_ERROR: g_value_set_string (value, self->error); break;
    case PROP_FINGERPRINT: g_value_set_string (value, self->fingerprint); break;
    case PROP_PAIRING_CODE: g_value_set_string (value, self->pairing_code); break;
    case PROP_WANTS_TO_PAIR: g_value_set_boolean (value, self->wants_to_pair); break;
    case PROP_PAIR_SENT: g_value_set_boolean (value, self->pair_sent); break;
    case PROP_PAIRING: g_value_set_int (value, self->pairing); break;
    case PROP_PAIRING_ERROR: g_value_set_string (value, self->pairing_error); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_peer_class_init (DropifyPeerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = dropify_peer_finalize;
  object_class->get_property = dropify_peer_get_property;

  properties[PROP_DEVICE_ID] = g_param_spec_string ("device-id", NULL, NULL, NULL, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, flags);
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, 65535, 0, flags);
  properties[PROP_VIA] = g_param_spec_enum ("via", NULL, NULL, DROPIFY_TYPE_PEER_VIA,
                                            DROPIFY_PEER_VIA_MANUAL, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, DROPIFY_TYPE_PEER_STATE,
                                              DROPIFY_PEER_STATE_OFFLINE, flags);
  properties[PROP_CONNECTED] = g_param_spec_boolean ("connected", NULL, NULL, FALSE, flags);
  properties[PROP_TRUSTED] = g_param_spec_boolean ("trusted", NULL, NULL, FALSE, flags);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  properties[PROP_FINGERPRINT] = g_param_spec_string ("fingerprint", NULL, NULL, NULL, flags);
  properties[PROP_PAIRING_CODE] = g_param_spec_string ("pairing-code", NULL, NULL, NULL, flags);
  properties[PROP_WANTS_TO_PAIR] = g_param_spec_boolean ("wants-to-pair", NULL, NULL, FALSE, flags);
  properties[PROP_PAIR_SENT] = g_param_spec_boolean ("pair-sent", NULL, NULL, FALSE, flags);
  /* A DropifyPairingState */
  properties[PROP_PAIRING] = g_param_spec_int ("pairing", NULL, NULL, 0, 2, 0, flags);
  properties[PROP_PAIRING_ERROR] = g_param_spec_string ("pairing-error", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dropify_peer_init (DropifyPeer *self)
{
}

DropifyPeer *
dropify_peer_new (const char     *address,
                  guint           port,
                  DropifyPeerVia  via)
{
  DropifyPeer *self = g_object_new (DROPIFY_TYPE_PEER, NULL);

  self->address = g_strdup (address);
  self->port = port;
  self->via = via;

  return self;
}

static void
set_string (DropifyPeer  *self,
            char        **field,
            const char   *value,
            int           prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

const char *
dropify_peer_get_device_id (DropifyPeer *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER (self), NULL);
  return self->device_id;
}

void
dropify_peer_set_device_id (DropifyPeer *self,
                            const char  *device_id)
{
  g_return_if_fail (DROPIFY_IS_PEER (self));
  set_string (self, &self->device_id, device_id, PROP_DEVICE_ID);
}

const char *
dropify_peer_get_name (DropifyPeer *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER (self), NULL);
  return self->name;
}

void
dropify_peer_set_name (DropifyPeer *self,
                       const char  *name)
{
  g_return_if_fail (DROPIFY_IS_PEER (self));
  set_string (self, &self->name, name, PROP_NAME);
}

const char *
dropify_peer_get_address (DropifyPeer *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER (self), NULL);
  return self->address;
}

void
dropify_peer_set_address (DropifyPeer *self,
                          const char  *address)
{
  g_return_if_fail (DROPIFY_IS_PEER (self));
  set_string (self, &self->address, address, PROP_ADDRESS);
}

guint
dropify_peer_get_port (DropifyPeer *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER (self), 0);
  return self->port;
}

void
dropify_peer_set_port (DropifyPeer *self,
                       guint        port)
{
  g_return_if_fail (DROPIFY_IS_PEER (self));

  if (self->port == port)
    return;

  self->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}

DropifyPeerVia
dropify_peer_get_via (DropifyPeer *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER (self), 0);
  return self->via;
}

void
dropify_peer_set_via (DropifyPeer    *self,
                      DropifyPeerVia  via)
{
  g_return_if_fail (DROPIFY_IS_PEER (self));

  if (self->via == via)
    return;

  self->via = via;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIA]);
}

DropifyPeerState
dropify_peer_get_state (DropifyPeer *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER (self), 0);
  return self->state;
}

void
dropify_peer_set_state (DropifyPeer      *self,
                        DropifyPeerState  state)
{
  gboolean was_connected;

  g_return_if_fail (DROPIFY_IS_PEER (self));

  if (self->state == state)
    return;

  was_connected = dropify_peer_get_connected (self);
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (was_connected != dropify_peer_get_connected (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

gboolean
dropify_peer_get_connected (DropifyPeer *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER (self), FALSE);
  return self->state == DROPIFY_PEER_STATE_CONNECTED;
}

/**
 * dropify_peer_get_trusted:
 *
 * Returns: whether this device's certificate is trusted here (paired,
 *   or proved the group secret); only trusted peers sync
 */
gboolean
dropify_peer_get_trusted (DropifyPeer *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER (self), FALSE);
  return self->trusted;
}

static void
set_bool (DropifyPeer *self,
          gboolean    *field,
          gboolean     value,
          int          prop)
{
  value = !!value;
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
dropify_peer_set_trusted (DropifyPeer *self,
                          gboolean     trusted)
{
  g_return_if_fail (DROPIFY_IS_PEER (self));
  set_bool (self, &self->trusted, trusted, PROP_TRUSTED);
}

/**
 * dropify_peer_get_fingerprint:
 *
 * Returns: (nullable): the SHA-256 of the certificate it last connected
 *   with
 */
const char *
dropify_peer_get_fingerprint (DropifyPeer *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER (self), NULL);
  return self->fingerprint;
}

void
dropify_peer_set_fingerprint (DropifyPeer *self,
                              const char  *fingerprint)
{
  g_return_if_fail (DROPIFY_IS_PEER (self));
  set_string (self, &self->fingerprint, fingerprint, PROP_FINGERPRINT);
}

/**
 * dropify_peer_get_pairing_code:
 *
 * Returns: (nullable): while connected and not trusted, the code both
 *   screens show for pairing
 */
const char *
dropify_peer_get_pairing_code (DropifyPeer *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER (self), NULL);
  return self->pairing_code;
}

void
dropify_peer_set_pairing_code (DropifyPeer *self,
                               const char  *code)
{
  g_return_if_fail (DROPIFY_IS_PEER (self));
  set_string (self, &self->pairing_code, code, PROP_PAIRING_CODE);
}

/**
 * dropify_peer_get_pairing:
 *
 * Returns: a #DropifyPairingState: whether an attempt to pair is under
 *   way, and whether its code is known
 */
int
dropify_peer_get_pairing (DropifyPeer *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER (self), 0);
  return self->pairing;
}

void
dropify_peer_set_pairing (DropifyPeer *self,
                          int          pairing)
{
  g_return_if_fail (DROPIFY_IS_PEER (self));

  if (self->pairing == pairing)
    return;
  self->pairing = pairing;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAIRING]);
}

/**
 * dropify_peer_get_pairing_error:
 *
 * Returns: (nullable): why the last attempt to pair ended without pairing
 */
const char *
dropify_peer_get_pairing_error (DropifyPeer *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER (self), NULL);
  return self->pairing_error;
}

void
dropify_peer_set_pairing_error (DropifyPeer *self,
                                const char  *error)
{
  g_return_if_fail (DROPIFY_IS_PEER (self));
  set_string (self, &self->pairing_error, error, PROP_PAIRING_ERROR);
}

/**
 * dropify_peer_get_wants_to_pair:
 *
 * Returns: whether the other side asked to pair and waits for this one
 */
gboolean
dropify_peer_get_wants_to_pair (DropifyPeer *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER (self), FALSE);
  return self->wants_to_pair;
}

void
dropify_peer_set_wants_to_pair (DropifyPeer *self,
                                gboolean     wants)
{
  g_return_if_fail (DROPIFY_IS_PEER (self));
  set_bool (self, &self->wants_to_pair, wants, PROP_WANTS_TO_PAIR);
}

/**
 * dropify_peer_get_pair_sent:
 *
 * Returns: whether this side asked to pair and waits for the other
 */
gboolean
dropify_peer_get_pair_sent (DropifyPeer *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER (self), FALSE);
  return self->pair_sent;
}

void
dropify_peer_set_pair_sent (DropifyPeer *self,
                            gboolean     sent)
{
  g_return_if_fail (DROPIFY_IS_PEER (self));
  set_bool (self, &self->pair_sent, sent, PROP_PAIR_SENT);
}

const char *
dropify_peer_get_error (DropifyPeer *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER (self), NULL);
  return self->error;
}

void
dropify_peer_set_error (DropifyPeer *self,
                        const char  *error)
{
  g_return_if_fail (DROPIFY_IS_PEER (self));
  set_string (self, &self->error, error, PROP_ERROR);
}

void
dropify_peer_add_traffic (DropifyPeer *self,
                          uint64_t     bytes_in,
                          uint64_t     bytes_out)
{
  g_return_if_fail (DROPIFY_IS_PEER (self));

  self->bytes_in += bytes_in;
  self->bytes_out += bytes_out;
}

/**
 * dropify_peer_to_json:
 *
 * Returns: (transfer full): the peer in the shape of `dropify peers --json`
 */
JsonNode *
dropify_peer_to_json (DropifyPeer *self)
{
  static const char * const states[] = { "offline", "connecting", "connected", "incompatible", "refused" };
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (DROPIFY_IS_PEER (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, self->device_id ? self->device_id : "");
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, self->name ? self->name : "");
  json_builder_set_member_name (builder, "address");
  json_builder_add_string_value (builder, self->address ? self->address : "");
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, self->port);
  json_builder_set_member_name (builder, "connected");
  json_builder_add_boolean_value (builder, dropify_peer_get_connected (self));
  json_builder_set_member_name (builder, "trusted");
  json_builder_add_boolean_value (builder, dropify_peer_get_trusted (self));
  json_builder_set_member_name (builder, "via");
  switch (self->via)
    {
    case DROPIFY_PEER_VIA_MDNS: json_builder_add_string_value (builder, "mdns"); break;
    case DROPIFY_PEER_VIA_INCOMING: json_builder_add_string_value (builder, "incoming"); break;
    case DROPIFY_PEER_VIA_MANUAL:
    default: json_builder_add_string_value (builder, "manual"); break;
    }
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, states[self->state]);
  if (self->error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, self->error);
    }
  if (self->fingerprint != NULL)
    {
      json_builder_set_member_name (builder, "fingerprint");
      json_builder_add_string_value (builder, self->fingerprint);
    }
  if (!dropify_peer_get_trusted (self) && dropify_peer_get_connected (self))
    {
      static const char * const pairings[] = { "none", "exchanging", "comparing" };

      json_builder_set_member_name (builder, "pairing");
      json_builder_add_string_value (builder, pairings[CLAMP (self->pairing, 0, 2)]);
      if (self->pairing_code != NULL)
        {
          json_builder_set_member_name (builder, "pairing_code");
          json_builder_add_string_value (builder, self->pairing_code);
        }
      json_builder_set_member_name (builder, "wants_to_pair");
      json_builder_add_boolean_value (builder, self->wants_to_pair);
      json_builder_set_member_name (builder, "pair_sent");
      json_builder_add_boolean_value (builder, self->pair_sent);
    }
  if (self->pairing_error != NULL)
    {
      json_builder_set_member_name (builder, "pairing_error");
      json_builder_add_string_value (builder, self->pairing_error);
    }
  json_builder_set_member_name (builder, "bytes_in");
  json_builder_add_int_value (builder, (int64_t) self->bytes_in);
  json_builder_set_member_name (builder, "bytes_out");
  json_builder_add_int_value (builder, (int64_t) self->bytes_out);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}
