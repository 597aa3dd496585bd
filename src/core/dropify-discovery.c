#define G_LOG_DOMAIN "dropify-discovery"

#include "config.h"

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-glib/glib-watch.h>
#include <glib/gi18n.h>

#include "dropify-discovery.h"
#include "dropify-protocol.h"

/* mDNS with Avahi: publishes this instance as _dropify._tcp, named after
 * the device, with its id and protocol version in TXT; browses for the
 * others and resolves them to an IPv4 address and port (never a .local
 * name: those do not resolve inside Flatpak).
 *
 * The client is made with AVAHI_CLIENT_NO_FAIL, so when the daemon is
 * missing it waits for it, and when the daemon restarts it starts over;
 * either way discovery resumes by itself. Without a system bus at all,
 * it tries again now and then. Meanwhile `available` is FALSE and
 * `status` says why, for the peers view and `dropify peers`. */

#define RETRY_MIN_S 5
#define RETRY_MAX_S 60

struct _DropifyDiscovery
{
  GObject              parent_instance;

  DropifyIdentity     *identity;
  AvahiGLibPoll       *poll;
  AvahiClient         *client;
  AvahiEntryGroup     *group;
  AvahiServiceBrowser *browser;
  GPtrArray           *resolvers;   /* AvahiServiceResolver, in flight */
  GHashTable          *services;    /* "name\ninterface" → device id */
  char                *name;        /* as published, after collisions */
  char                *status;
  guint                port;
  guint                retry_source;
  guint                retry_s;
  gboolean             available;
  gboolean             running;
};

G_DEFINE_FINAL_TYPE (DropifyDiscovery, dropify_discovery, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_AVAILABLE,
  PROP_STATUS,
  N_PROPS
};

enum {
  PEER_FOUND,
  PEER_LOST,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void create_client (DropifyDiscovery *self);

static void
set_state (DropifyDiscovery *self,
           gboolean          available,
           const char       *status)
{
  if (self->available != available)
    {
      self->available = available;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AVAILABLE]);
    }

  if (g_strcmp0 (self->status, status) != 0)
    {
      g_free (self->status);
      self->status = g_strdup (status);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);

      if (status != NULL)
        g_message ("Automatic discovery: %s", status);
    }
}

/* Publishing */

static void publish (DropifyDiscovery *self);

static void
group_cb (AvahiEntryGroup      *group,
          AvahiEntryGroupState  state,
          void                 *user_data)
{
  DropifyDiscovery *self = user_data;

  switch (state)
    {
    case AVAHI_ENTRY_GROUP_ESTABLISHED:
      g_message ("Published as “%s” on port %u", self->name, self->port);
      break;

    case AVAHI_ENTRY_GROUP_COLLISION:
      {
        /* Another device has our name: take the next one, the Avahi way
         * (“Laptop #2”), and publish again. */
        char *alternative = avahi_alternative_service_name (self->name);

        g_message ("The name “%s” is taken on this network; publishing as “%s”",
                   self->name, alternative);
        g_free (self->name);
        self->name = g_strdup (alternative);
        avahi_free (alternative);
        publish (self);
      }
      break;

    case AVAHI_ENTRY_GROUP_FAILURE:
      g_warning ("Could not publish this device: %s",
                 avahi_strerror (avahi_client_errno (avahi_entry_group_get_client (group))));
      break;

    case AVAHI_ENTRY_GROUP_UNCOMMITED:
    case AVAHI_ENTRY_GROUP_REGISTERING:
    default:
      break;
    }
}

static void
publish (DropifyDiscovery *self)
{
  g_autofree char *id = NULL;
  g_autofree char *version = NULL;
  g_autofree char *fingerprint = NULL;
  int error;

  if (self->client == NULL || avahi_client_get_state (self->client) != AVAHI_CLIENT_S_RUNNING)
    return;

  if (self->group == NULL)
    self->group = avahi_entry_group_new (self->client, group_cb, self);
  else
    avahi_entry_group_reset (self->group);

  if (self->group == NULL)
    {
      g_warning ("Could not publish this device: %s",
                 avahi_strerror (avahi_client_errno (self->client)));
      return;
    }

  if (self->name == NULL)
    self->name = g_strdup (dropify_identity_get_name (self->identity));

  id = g_strdup_printf ("id=%s", dropify_identity_get_device_id (self->identity));
  version = g_strdup_printf ("v=%d", DROPIFY_PROTOCOL_VERSION);
  fingerprint = g_strdup_printf ("fp=%s", dropify_identity_get_fingerprint (self->identity));

  error = avahi_entry_group_add_service (self->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_INET, 0,
                                         self->name, DROPIFY_DISCOVERY_SERVICE_TYPE, NULL, NULL,
                                         (uint16_t) self->port, id, version, fingerprint, NULL);
  if (error == AVAHI_ERR_COLLISION)
    {
      group_cb (self->group, AVAHI_ENTRY_GROUP_COLLISION, self);
      return;
    }

  if (error < 0 || (error = avahi_entry_group_commit (self->group)) < 0)
    g_warning ("Could not publish this device: %s", avahi_strerror (error));
}

static void
name_changed_cb (DropifyDiscovery *self)
{
  g_clear_pointer (&self->name, g_free);
  publish (self);
}

/* Browsing */

static char *
service_key (const char   *name,
             AvahiIfIndex  interface)
{
  return g_strdup_printf ("%s\n%d", name, interface);
}

static void
resolver_cb (AvahiServiceResolver   *resolver,
             AvahiIfIndex            interface,
             AvahiProtocol           protocol,
             AvahiResolverEvent      event,
             const char             *name,
             const char             *type,
             const char             *domain,
             const char             *host_name,
             const AvahiAddress     *address,
             uint16_t                port,
             AvahiStringList        *txt,
             AvahiLookupResultFlags  flags,
             void                   *user_data)
{
  DropifyDiscovery *self = user_data;

  if (event == AVAHI_RESOLVER_FOUND)
    {
      AvahiStringList *entry = avahi_string_list_find (txt, "id");
      char *key = NULL, *value = NULL;
      char ip[AVAHI_ADDRESS_STR_MAX];

      if (entry != NULL && avahi_string_list_get_pair (entry, &key, &value, NULL) == 0 &&
          value != NULL && dropify_protocol_id_is_valid (value) &&
          g_utf8_validate (name, -1, NULL))
        {
          if (g_str_equal (value, dropify_identity_get_device_id (self->identity)))
            {
              g_debug ("Ignoring ourselves (“%s”)", name);
            }
          else
            {
              avahi_address_snprint (ip, sizeof ip, address);
              g_hash_table_insert (self->services, service_key (name, interface), g_strdup (value));
              g_debug ("Found “%s” (%s) at %s:%u", name, value, ip, port);
              g_signal_emit (self, signals[PEER_FOUND], 0, value, name, ip, (guint) port);
            }
        }
      else
        g_warning ("Ignoring a _dropify._tcp service without a valid id: “%s”", name);

      avahi_free (key);
      avahi_free (value);
    }
  else
    {
      g_debug ("Could not resolve “%s”: %s", name,
               avahi_strerror (avahi_client_errno (avahi_service_resolver_get_client (resolver))));
    }

  g_ptr_array_remove (self->resolvers, resolver);
}

static void
browser_cb (AvahiServiceBrowser    *browser,
            AvahiIfIndex            interface,
            AvahiProtocol           protocol,
            AvahiBrowserEvent       event,
            const char             *name,
            const char             *type,
            const char             *domain,
            AvahiLookupResultFlags  flags,
            void                   *user_data)
{
  DropifyDiscovery *self = user_data;

  switch (event)
    {
    case AVAHI_BROWSER_NEW:
      {
        AvahiServiceResolver *resolver;

        resolver = avahi_service_resolver_new (self->client, interface, protocol, name, type, domain,
                                               AVAHI_PROTO_INET, 0, resolver_cb, self);
        if (resolver != NULL)
          g_ptr_array_add (self->resolvers, resolver);
      }
      break;

    case AVAHI_BROWSER_REMOVE:
      {
        g_autofree char *key = service_key (name, interface);
        g_autofree char *device_id = NULL;
        gpointer stolen_key = NULL;

        if (g_hash_table_steal_extended (self->services, key, &stolen_key, (gpointer *) &device_id))
          {
            g_free (stolen_key);
            g_signal_emit (self, signals[PEER_LOST], 0, device_id);
          }
      }
      break;

    case AVAHI_BROWSER_FAILURE:
      g_warning ("Browsing for peers failed: %s",
                 avahi_strerror (avahi_client_errno (self->client)));
      break;

    case AVAHI_BROWSER_CACHE_EXHAUSTED:
    case AVAHI_BROWSER_ALL_FOR_NOW:
    default:
      break;
    }
}

/* The client */

static void
forget_client (DropifyDiscovery *self)
{
  g_ptr_array_set_size (self->resolvers, 0);
  g_clear_pointer (&self->browser, avahi_service_browser_free);
  g_clear_pointer (&self->group, avahi_entry_group_free);
  g_clear_pointer (&self->client, avahi_client_free);
  g_hash_table_remove_all (self->services);
}

static gboolean
retry_cb (gpointer user_data)
{
  DropifyDiscovery *self = user_data;

  self->retry_source = 0;
  create_client (self);

  return G_SOURCE_REMOVE;
}

static void
client_cb (AvahiClient      *client,
           AvahiClientState  state,
           void             *user_data)
{
  DropifyDiscovery *self = user_data;

  /* Called from inside avahi_client_new() too, before it returned. */
  if (self->client == NULL)
    self->client = client;

  switch (state)
    {
    case AVAHI_CLIENT_S_RUNNING:
      self->retry_s = RETRY_MIN_S;
      set_state (self, TRUE, NULL);
      publish (self);
      if (self->browser == NULL)
        self->browser = avahi_service_browser_new (client, AVAHI_IF_UNSPEC, AVAHI_PROTO_INET,
                                                   DROPIFY_DISCOVERY_SERVICE_TYPE, NULL, 0,
                                                   browser_cb, self);
      break;

    case AVAHI_CLIENT_S_COLLISION:
    case AVAHI_CLIENT_S_REGISTERING:
      /* The host name changes: publish again once running. */
      if (self->group != NULL)
        avahi_entry_group_reset (self->group);
      break;

    case AVAHI_CLIENT_CONNECTING:
      set_state (self, FALSE, _("The Avahi daemon is not running, so devices cannot be found "
                                "automatically. Add them by address, or start avahi-daemon."));
      break;

    case AVAHI_CLIENT_FAILURE:
      if (avahi_client_errno (client) == AVAHI_ERR_DISCONNECTED)
        {
          /* The daemon went away: start over, and wait for it. */
          set_state (self, FALSE, _("The Avahi daemon stopped; waiting for it to come back."));
          forget_client (self);
          create_client (self);
        }
      else
        {
          g_autofree char *status = g_strdup_printf (_("Automatic discovery failed: %s"),
                                                     avahi_strerror (avahi_client_errno (client)));
          set_state (self, FALSE, status);
        }
      break;

    default:
      break;
    }
}

static void
create_client (DropifyDiscovery *self)
{
  AvahiClient *client;
  int error = 0;

  if (!self->running)
    return;

  client = avahi_client_new (avahi_glib_poll_get (self->poll), AVAHI_CLIENT_NO_FAIL,
                             client_cb, self, &error);
  if (client == NULL)
    {
      g_autofree char *status = NULL;

      self->client = NULL;
      /* Avahi's own words ("Daemon not running") are for the log. */
      g_debug ("Avahi is out of reach: %s", avahi_strerror (error));
      status = g_strdup (_("Devices cannot be found automatically: there is no system bus "
                           "to reach Avahi. Add devices by address."));
      set_state (self, FALSE, status);

      self->retry_source = g_timeout_add_seconds (self->retry_s, retry_cb, self);
      self->retry_s = MIN (self->retry_s * 2, RETRY_MAX_S);
      return;
    }

  self->client = client;
}

/* GObject */

static void
dropify_discovery_dispose (GObject *object)
{
  DropifyDiscovery *self = (DropifyDiscovery *)object;

  dropify_discovery_stop (self);
  g_clear_object (&self->identity);

  G_OBJECT_CLASS (dropify_discovery_parent_class)->dispose (object);
}

static void
dropify_discovery_finalize (GObject *object)
{
  DropifyDiscovery *self = (DropifyDiscovery *)object;

  g_clear_pointer (&self->resolvers, g_ptr_array_unref);
  g_clear_pointer (&self->services, g_hash_table_unref);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->status, g_free);

  G_OBJECT_CLASS (dropify_discovery_parent_class)->finalize (object);
}

static void
dropify_discovery_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  DropifyDiscovery *self = DROPIFY_DISCOVERY (object);

  switch (prop_id)
    {
    case PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_discovery_class_init (DropifyDiscoveryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dropify_discovery_dispose;
  object_class->finalize = dropify_discovery_finalize;
  object_class->get_property = dropify_discovery_get_property;

  properties[PROP_AVAILABLE] =
    g_param_spec_boolean ("available", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DropifyDiscovery::peer-found:
   * @device_id: the peer's device id, from its TXT record
   * @name: its service name
   * @address: its IPv4 address
   * @port: its port
   */
  signals[PEER_FOUND] =
    g_signal_new ("peer-found", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_UINT);

  /**
   * DropifyDiscovery::peer-lost:
   * @device_id: the device that left the network
   */
  signals[PEER_LOST] =
    g_signal_new ("peer-lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
dropify_discovery_init (DropifyDiscovery *self)
{
  self->resolvers = g_ptr_array_new_with_free_func ((GDestroyNotify) avahi_service_resolver_free);
  self->services = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->retry_s = RETRY_MIN_S;
  self->status = g_strdup (_("Automatic discovery is off."));
}

DropifyDiscovery *
dropify_discovery_new (DropifyIdentity *identity)
{
  DropifyDiscovery *self;

  g_return_val_if_fail (DROPIFY_IS_IDENTITY (identity), NULL);

  self = g_object_new (DROPIFY_TYPE_DISCOVERY, NULL);
  self->identity = g_object_ref (identity);
  g_signal_connect_object (identity, "notify::name", G_CALLBACK (name_changed_cb), self,
                           G_CONNECT_SWAPPED);

  return self;
}

/**
 * dropify_discovery_start:
 * @port: the port peers reach this instance on
 */
void
dropify_discovery_start (DropifyDiscovery *self,
                         guint             port)
{
  g_return_if_fail (DROPIFY_IS_DISCOVERY (self));

  if (self->running)
    return;

  self->running = TRUE;
  self->port = port;
  self->poll = avahi_glib_poll_new (NULL, G_PRIORITY_DEFAULT);
  set_state (self, FALSE, _("Looking for the Avahi daemon…"));
  create_client (self);
}

void
dropify_discovery_stop (DropifyDiscovery *self)
{
  g_return_if_fail (DROPIFY_IS_DISCOVERY (self));

  self->running = FALSE;
  g_clear_handle_id (&self->retry_source, g_source_remove);
  if (self->resolvers != NULL)
    forget_client (self);
  g_clear_pointer (&self->poll, avahi_glib_poll_free);
}

gboolean
dropify_discovery_get_available (DropifyDiscovery *self)
{
  g_return_val_if_fail (DROPIFY_IS_DISCOVERY (self), FALSE);
  return self->available;
}

/**
 * dropify_discovery_get_status:
 *
 * Returns: (nullable): why discovery is unavailable, for people to read;
 *   %NULL while it works
 */
const char *
dropify_discovery_get_status (DropifyDiscovery *self)
{
  g_return_val_if_fail (DROPIFY_IS_DISCOVERY (self), NULL);
  return self->status;
}

/**
 * dropify_discovery_get_published_name:
 *
 * Returns: (nullable): the service name in use, which differs from the
 *   device name after a collision
 */
const char *
dropify_discovery_get_published_name (DropifyDiscovery *self)
{
  g_return_val_if_fail (DROPIFY_IS_DISCOVERY (self), NULL);
  return self->name;
}
