/* dropify-peers-page.c: the devices this one knows, and why there may be none
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-peers-page"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "dropify-address.h"
#include "dropify-local-address.h"
#include "dropify-connection-help.h"
#include "dropify-lazy-icon.h"
#include "dropify-peer-count.h"
#include "dropify-peer-row.h"
#include "dropify-peers-page.h"

/* How long discovery gets to find someone before the page explains what
 * usually keeps devices apart. mDNS answers in about a second on a
 * working network. */
#define HELP_DELAY_MS 10000

struct _DropifyPeersPage
{
  AdwBin                 parent_instance;

  DropifyService        *service;
  DropifyDiscovery      *discovery;
  GListModel            *peers;
  DropifyPeerCount      *count;

  guint                  help_delay_ms;
  gint64                 help_since;    /* monotonic µs; 0: from when armed */
  guint                  help_source;
  gboolean               waited;
  gboolean               was_available;

  /* Template widgets */
  GtkRevealer           *discovery_revealer;
  GtkLabel              *discovery_label;
  GtkStack              *stack;
  GtkWidget             *status_page;
  GtkRevealer           *empty_help_revealer;
  DropifyConnectionHelp *empty_help;
  AdwActionRow          *self_row;
  AdwActionRow          *fingerprint_row;
  GtkListBox            *peer_list;
  DropifyConnectionHelp *list_help;
};

G_DEFINE_FINAL_TYPE (DropifyPeersPage, dropify_peers_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SERVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void dropify_peers_page_arm_help (DropifyPeersPage *self);

/* State */

static gboolean
dropify_peers_page_discovery_available (DropifyPeersPage *self)
{
  return self->discovery != NULL && dropify_discovery_get_available (self->discovery);
}

/* The help is for when discovery runs and still reaches no one. When it
 * does not run, the banner says why; once a device is connected, even one
 * not paired yet, the network is not what is in the way. */
static void
dropify_peers_page_update_help (DropifyPeersPage *self)
{
  gboolean show = self->waited &&
                  (self->count == NULL || dropify_peer_count_get_n_reached (self->count) == 0) &&
                  dropify_peers_page_discovery_available (self);

  gtk_revealer_set_reveal_child (self->empty_help_revealer, show);
  gtk_widget_set_visible (GTK_WIDGET (self->list_help), show);

  /* A smaller empty state leaves the help in sight. */
  if (show)
    gtk_widget_add_css_class (self->status_page, "compact");
  else
    gtk_widget_remove_css_class (self->status_page, "compact");
}

static void
dropify_peers_page_update_page (DropifyPeersPage *self)
{
  gboolean empty = self->peers == NULL || g_list_model_get_n_items (self->peers) == 0;

  gtk_stack_set_visible_child_name (self->stack, empty ? "no-peers" : "peers");
}

static void
dropify_peers_page_peers_changed (DropifyPeersPage *self,
                                  guint             position,
                                  guint             removed,
                                  guint             added,
                                  GListModel       *peers)
{
  dropify_peers_page_update_page (self);
}

static void
dropify_peers_page_update_discovery (DropifyPeersPage *self)
{
  gboolean available = dropify_peers_page_discovery_available (self);
  gboolean unavailable = self->discovery != NULL && !available;

  if (unavailable)
    {
      const char *status = dropify_discovery_get_status (self->discovery);

      gtk_label_set_text (self->discovery_label,
                          status != NULL && *status != '\0'
                          ? status
                          : _("Devices cannot be found automatically. Add them by address."));
    }

  gtk_revealer_set_reveal_child (self->discovery_revealer, unavailable);

  /* The empty state promises devices "on their own" only when discovery
   * can keep that promise, so that it never contradicts the banner above
   * it, nor --no-discovery. */
  if (available)
    adw_status_page_set_description (ADW_STATUS_PAGE (self->status_page),
                                     _("Your other devices running Dropify on this network show "
                                       "up here on their own. A device that does not can be "
                                       "added by its address."));
  else if (unavailable)
    adw_status_page_set_description (ADW_STATUS_PAGE (self->status_page),
                                     _("Add your other devices by their address until they can "
                                       "be found automatically."));
  else
    adw_status_page_set_description (ADW_STATUS_PAGE (self->status_page),
                                     _("Automatic discovery is off, so add your other devices "
                                       "by their address."));

  /* Discovery that just came back (the Avahi daemon started) gets its own
   * time to find someone before the help shows. */
  if (available && !self->was_available)
    {
      self->help_since = 0;
      self->waited = FALSE;
      dropify_peers_page_arm_help (self);
    }
  self->was_available = available;

  dropify_peers_page_update_help (self);
}

static void
dropify_peers_page_discovery_notify (DropifyPeersPage *self,
                                     GParamSpec       *pspec,
                                     DropifyDiscovery *discovery)
{
  dropify_peers_page_update_discovery (self);
}

static gboolean
dropify_peers_page_help_timeout (gpointer user_data)
{
  DropifyPeersPage *self = DROPIFY_PEERS_PAGE (user_data);

  self->help_source = 0;
  self->waited = TRUE;
  dropify_peers_page_update_help (self);

  return G_SOURCE_REMOVE;
}

static void
dropify_peers_page_arm_help (DropifyPeersPage *self)
{
  gint64 waited_ms = 0;

  g_clear_handle_id (&self->help_source, g_source_remove);

  if (self->service == NULL || self->waited)
    return;

  if (self->help_since != 0)
    waited_ms = MAX (0, (g_get_monotonic_time () - self->help_since) / 1000);
  self->help_source = g_timeout_add (waited_ms < self->help_delay_ms
                                     ? self->help_delay_ms - waited_ms
                                     : 0,
                                     dropify_peers_page_help_timeout,
                                     self);
}

/* "3F2A 91C0 …", eight groups a line: easier to read out and compare
 * than 64 digits in a row. */
static char *
format_fingerprint (const char *fingerprint)
{
  GString *string = g_string_new (NULL);
  gsize len = fingerprint != NULL ? strlen (fingerprint) : 0;

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && i % 32 == 0)
        g_string_append_c (string, '\n');
      else if (i > 0 && i % 4 == 0)
        g_string_append_c (string, ' ');
      g_string_append_c (string, g_ascii_toupper (fingerprint[i]));
    }

  return g_string_free (string, FALSE);
}

/* This device, as the others know it and can reach it. */
static void
dropify_peers_page_update_self (DropifyPeersPage *self)
{
  DropifyIdentity *identity = dropify_service_get_identity (self->service);
  DropifyServer *server = dropify_service_get_server (self->service);
  g_auto(GStrv) addresses = dropify_local_address_list (DROPIFY_LOCAL_ADDRESS_IPV4);
  g_autoptr(GStrvBuilder) endpoints = g_strv_builder_new ();
  g_auto(GStrv) joined = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *fingerprint = NULL;
  guint port = server != NULL ? dropify_server_get_port (server) : 0;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->self_row),
                                 dropify_identity_get_name (identity));

  for (guint i = 0; port != 0 && addresses[i] != NULL; i++)
    {
      g_autofree char *endpoint = g_strdup_printf ("%s:%u", addresses[i], port);

      g_strv_builder_add (endpoints, endpoint);
    }
  joined = g_strv_builder_end (endpoints);

  if (joined[0] == NULL)
    {
      subtitle = g_strdup (_("Not connected to a network"));
    }
  else
    {
      g_autofree char *list = g_strjoinv (", ", joined);

      /* Translators: %s is one address and port, or several separated by
       * commas, as in "Reachable at 192.168.1.5:41717" */
      subtitle = g_strdup_printf (_("Reachable at %s"), list);
    }

  adw_action_row_set_subtitle (self->self_row, subtitle);

  fingerprint = format_fingerprint (dropify_identity_get_fingerprint (identity));
  adw_action_row_set_subtitle (self->fingerprint_row, fingerprint);
}

static void
dropify_peers_page_name_notify (DropifyPeersPage *self,
                                GParamSpec       *pspec,
                                DropifyIdentity  *identity)
{
  dropify_peers_page_update_self (self);
}

static void
dropify_peers_page_network_changed (DropifyPeersPage *self,
                                    gboolean          available,
                                    GNetworkMonitor  *monitor)
{
  dropify_peers_page_update_self (self);
}

static GtkWidget *
dropify_peers_page_create_row (gpointer item,
                               gpointer user_data)
{
  DropifyPeersPage *self = DROPIFY_PEERS_PAGE (user_data);

  return dropify_peer_row_new (self->service, DROPIFY_PEER (item));
}

/* GObject */

static void
dropify_peers_page_dispose (GObject *object)
{
  DropifyPeersPage *self = (DropifyPeersPage *)object;

  g_clear_handle_id (&self->help_source, g_source_remove);

  gtk_widget_dispose_template (GTK_WIDGET (self), DROPIFY_TYPE_PEERS_PAGE);

  G_OBJECT_CLASS (dropify_peers_page_parent_class)->dispose (object);
}

static void
dropify_peers_page_finalize (GObject *object)
{
  DropifyPeersPage *self = (DropifyPeersPage *)object;

  g_clear_object (&self->peers);
  g_clear_object (&self->count);
  g_clear_object (&self->discovery);
  g_clear_object (&self->service);

  G_OBJECT_CLASS (dropify_peers_page_parent_class)->finalize (object);
}

static void
dropify_peers_page_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  DropifyPeersPage *self = DROPIFY_PEERS_PAGE (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_peers_page_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  DropifyPeersPage *self = DROPIFY_PEERS_PAGE (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      dropify_peers_page_set_service (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_peers_page_class_init (DropifyPeersPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dropify_peers_page_dispose;
  object_class->finalize = dropify_peers_page_finalize;
  object_class->get_property = dropify_peers_page_get_property;
  object_class->set_property = dropify_peers_page_set_property;

  /**
   * DropifyPeersPage:service:
   *
   * The service whose peers the page shows; set once.
   */
  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL,
                         DROPIFY_TYPE_SERVICE,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (DROPIFY_TYPE_CONNECTION_HELP);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dropify/Dropify/ui/dropify-peers-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DropifyPeersPage, discovery_revealer);
  gtk_widget_class_bind_template_child (widget_class, DropifyPeersPage, discovery_label);
  gtk_widget_class_bind_template_child (widget_class, DropifyPeersPage, stack);
  gtk_widget_class_bind_template_child (widget_class, DropifyPeersPage, status_page);
  gtk_widget_class_bind_template_child (widget_class, DropifyPeersPage, empty_help_revealer);
  gtk_widget_class_bind_template_child (widget_class, DropifyPeersPage, empty_help);
  gtk_widget_class_bind_template_child (widget_class, DropifyPeersPage, self_row);
  gtk_widget_class_bind_template_child (widget_class, DropifyPeersPage, fingerprint_row);
  gtk_widget_class_bind_template_child (widget_class, DropifyPeersPage, peer_list);
  gtk_widget_class_bind_template_child (widget_class, DropifyPeersPage, list_help);
}

static void
dropify_peers_page_init (DropifyPeersPage *self)
{
  self->help_delay_ms = HELP_DELAY_MS;

  gtk_widget_init_template (GTK_WIDGET (self));
  dropify_lazy_icon_defer (ADW_STATUS_PAGE (self->status_page));

  dropify_peers_page_update_page (self);
}

/**
 * dropify_peers_page_get_service:
 * @self: a #DropifyPeersPage
 *
 * Returns: (transfer none) (nullable): the service shown
 */
DropifyService *
dropify_peers_page_get_service (DropifyPeersPage *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEERS_PAGE (self), NULL);

  return self->service;
}

/**
 * dropify_peers_page_set_service:
 * @self: a #DropifyPeersPage
 * @service: a started service
 *
 * Shows the peers of @service. The page is made from the window's
 * template, before the service is known, so this is a setter; it may be
 * called only once.
 */
void
dropify_peers_page_set_service (DropifyPeersPage *self,
                                DropifyService   *service)
{
  DropifyServer *server;
  guint port;

  g_return_if_fail (DROPIFY_IS_PEERS_PAGE (self));
  g_return_if_fail (service == NULL || DROPIFY_IS_SERVICE (service));
  g_return_if_fail (self->service == NULL || self->service == service);

  if (service == NULL || self->service == service)
    return;

  self->service = g_object_ref (service);

  self->peers = g_object_ref (dropify_sync_get_peers (dropify_service_get_sync (service)));
  gtk_list_box_bind_model (self->peer_list, self->peers,
                           dropify_peers_page_create_row, self, NULL);
  g_signal_connect_object (self->peers, "items-changed",
                           G_CALLBACK (dropify_peers_page_peers_changed),
                           self, G_CONNECT_SWAPPED);
  dropify_peers_page_peers_changed (self, 0, 0, g_list_model_get_n_items (self->peers),
                                    self->peers);
  self->count = dropify_peer_count_new (self->peers);
  g_signal_connect_object (self->count, "notify::n-reached",
                           G_CALLBACK (dropify_peers_page_update_help),
                           self, G_CONNECT_SWAPPED);
  dropify_peers_page_update_help (self);

  server = dropify_service_get_server (service);
  port = server != NULL ? dropify_server_get_port (server) : 0;
  dropify_connection_help_set_port (self->empty_help, port);
  dropify_connection_help_set_port (self->list_help, port);

  g_signal_connect_object (dropify_service_get_identity (service), "notify::name",
                           G_CALLBACK (dropify_peers_page_name_notify),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (g_network_monitor_get_default (), "network-changed",
                           G_CALLBACK (dropify_peers_page_network_changed),
                           self, G_CONNECT_SWAPPED);
  dropify_peers_page_update_self (self);

  self->discovery = dropify_service_get_discovery (service);
  if (self->discovery != NULL)
    {
      g_object_ref (self->discovery);
      g_signal_connect_object (self->discovery, "notify::available",
                               G_CALLBACK (dropify_peers_page_discovery_notify),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->discovery, "notify::status",
                               G_CALLBACK (dropify_peers_page_discovery_notify),
                               self, G_CONNECT_SWAPPED);
    }

  /* Counted from when discovery started looking (see
   * dropify_peers_page_set_searching_since()), not as if it came back. */
  self->was_available = dropify_peers_page_discovery_available (self);
  dropify_peers_page_arm_help (self);
  dropify_peers_page_update_discovery (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICE]);
}

/**
 * dropify_peers_page_get_n_connected:
 * @self: a #DropifyPeersPage
 *
 * Returns: how many peers are connected and trusted
 */
guint
dropify_peers_page_get_n_connected (DropifyPeersPage *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEERS_PAGE (self), 0);

  return self->count != NULL ? dropify_peer_count_get_n_connected (self->count) : 0;
}

/**
 * dropify_peers_page_set_searching_since:
 * @self: a #DropifyPeersPage
 * @monotonic_time: when discovery started looking, from g_get_monotonic_time()
 *
 * The page is made when first shown, which can be long after discovery
 * started: the time discovery gets before the help shows counts from
 * @monotonic_time, not from when the page was made. Call it before
 * dropify_peers_page_set_service().
 */
void
dropify_peers_page_set_searching_since (DropifyPeersPage *self,
                                        gint64            monotonic_time)
{
  g_return_if_fail (DROPIFY_IS_PEERS_PAGE (self));

  self->help_since = monotonic_time;
}

/**
 * dropify_peers_page_set_help_delay:
 * @self: a #DropifyPeersPage
 * @delay_ms: how long discovery gets before the help shows
 *
 * Changes the time discovery gets to find a device before the page
 * explains what usually keeps devices apart, counted from now. Tests
 * shorten it.
 */
void
dropify_peers_page_set_help_delay (DropifyPeersPage *self,
                                   guint             delay_ms)
{
  g_return_if_fail (DROPIFY_IS_PEERS_PAGE (self));

  self->help_delay_ms = delay_ms;
  self->help_since = 0;
  dropify_peers_page_arm_help (self);
}
