/* dropify-connection-help.c: why devices may not find each other
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-connection-help"

#include "config.h"

#include <glib/gi18n.h>

#include "dropify-connection-help.h"

struct _DropifyConnectionHelp
{
  AdwBin        parent_instance;

  guint         port;

  /* Template widgets */
  AdwActionRow *firewall_row;
  GtkWidget    *add_row;
};

G_DEFINE_FINAL_TYPE (DropifyConnectionHelp, dropify_connection_help, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_PORT,
  PROP_OFFER_ADD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
dropify_connection_help_update (DropifyConnectionHelp *self)
{
  g_autofree char *subtitle = NULL;

  if (self->port != 0)
    /* Translators: %u is a TCP port number */
    subtitle = g_strdup_printf (_("It must let through mDNS on UDP port 5353, and Dropify on "
                                  "TCP port %u"),
                                self->port);
  else
    subtitle = g_strdup (_("It must let through mDNS on UDP port 5353, and Dropify’s own port"));

  adw_action_row_set_subtitle (self->firewall_row, subtitle);
}

/* GObject */

static void
dropify_connection_help_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), DROPIFY_TYPE_CONNECTION_HELP);

  G_OBJECT_CLASS (dropify_connection_help_parent_class)->dispose (object);
}

static void
dropify_connection_help_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  DropifyConnectionHelp *self = DROPIFY_CONNECTION_HELP (object);

  switch (prop_id)
    {
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;

    case PROP_OFFER_ADD:
      g_value_set_boolean (value, gtk_widget_get_visible (self->add_row));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_connection_help_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  DropifyConnectionHelp *self = DROPIFY_CONNECTION_HELP (object);

  switch (prop_id)
    {
    case PROP_PORT:
      dropify_connection_help_set_port (self, g_value_get_uint (value));
      break;

    case PROP_OFFER_ADD:
      if (gtk_widget_get_visible (self->add_row) != g_value_get_boolean (value))
        {
          gtk_widget_set_visible (self->add_row, g_value_get_boolean (value));
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_connection_help_class_init (DropifyConnectionHelpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dropify_connection_help_dispose;
  object_class->get_property = dropify_connection_help_get_property;
  object_class->set_property = dropify_connection_help_set_property;

  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL,
                       0, G_MAXUINT16, 0,
                       (G_PARAM_READWRITE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  /**
   * DropifyConnectionHelp:offer-add:
   *
   * Whether the help ends with a way to add a device by address; off
   * where such a button is already next to it.
   */
  properties[PROP_OFFER_ADD] =
    g_param_spec_boolean ("offer-add", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dropify/Dropify/ui/dropify-connection-help.ui");
  gtk_widget_class_bind_template_child (widget_class, DropifyConnectionHelp, firewall_row);
  gtk_widget_class_bind_template_child (widget_class, DropifyConnectionHelp, add_row);
}

static void
dropify_connection_help_init (DropifyConnectionHelp *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  dropify_connection_help_update (self);
}

/**
 * dropify_connection_help_get_port:
 * @self: a #DropifyConnectionHelp
 *
 * Returns: the port a firewall must let through, or 0 when unknown
 */
guint
dropify_connection_help_get_port (DropifyConnectionHelp *self)
{
  g_return_val_if_fail (DROPIFY_IS_CONNECTION_HELP (self), 0);

  return self->port;
}

/**
 * dropify_connection_help_set_port:
 * @self: a #DropifyConnectionHelp
 * @port: this device's port for peers, or 0 when unknown
 *
 * Sets the port the advice about firewalls names.
 */
void
dropify_connection_help_set_port (DropifyConnectionHelp *self,
                                  guint                  port)
{
  g_return_if_fail (DROPIFY_IS_CONNECTION_HELP (self));

  if (self->port == port)
    return;

  self->port = port;
  dropify_connection_help_update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}
