/* dropify-add-peer-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-add-peer-dialog"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "dropify-add-peer-dialog.h"
#include "dropify-address.h"
#include "dropify-local-address.h"

/* An address is judged once the typing stops, not at every key: "192.168."
 * is on its way to being right. */
#define ERROR_DELAY_MS 1000

/* The default port, for examples when this device's own is unknown. */
#define EXAMPLE_PORT 41717

struct _DropifyAddPeerDialog
{
  AdwMessageDialog  parent_instance;

  guint             port;
  GStrv             local_addresses;

  /* What the entry holds, checked: the address to add, or why not. */
  char             *address;
  char             *error_message;
  guint             error_source;

  /* Template widgets */
  GtkEntry         *entry;
  GtkRevealer      *error_revealer;
  GtkLabel         *error_label;
  GtkListBox       *address_list;
  GtkWidget        *no_address_label;
};

G_DEFINE_FINAL_TYPE (DropifyAddPeerDialog, dropify_add_peer_dialog, ADW_TYPE_MESSAGE_DIALOG)

enum {
  PROP_0,
  PROP_PORT,
  PROP_ADDRESS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Validation */

static gboolean
is_loopback (const char *host)
{
  return g_str_has_prefix (host, "127.") ||
         g_ascii_strcasecmp (host, "localhost") == 0 ||
         g_strcmp0 (host, "::1") == 0;
}

/* Connecting to itself would only ever show this device as its own peer. */
static gboolean
dropify_add_peer_dialog_is_self (DropifyAddPeerDialog *self,
                                 const char           *address)
{
  g_autofree char *host = NULL;
  const char *colon = strrchr (address, ':');
  guint64 port;

  g_assert (colon != NULL);

  port = g_ascii_strtoull (colon + 1, NULL, 10);
  if (port != self->port)
    return FALSE;

  if (address[0] == '[')
    host = g_strndup (address + 1, colon - address - 2);
  else
    host = g_strndup (address, colon - address);

  return is_loopback (host) ||
         g_strv_contains ((const char * const *) self->local_addresses, host);
}

static void
dropify_add_peer_dialog_show_error (DropifyAddPeerDialog *self)
{
  gboolean show = self->error_message != NULL;

  if (show)
    gtk_label_set_text (self->error_label, self->error_message);

  gtk_revealer_set_reveal_child (self->error_revealer, show);
  if (show)
    gtk_widget_add_css_class (GTK_WIDGET (self->entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->entry), "error");
}

static void
dropify_add_peer_dialog_hide_error (DropifyAddPeerDialog *self)
{
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  gtk_widget_remove_css_class (GTK_WIDGET (self->entry), "error");
}

static gboolean
dropify_add_peer_dialog_error_timeout (gpointer user_data)
{
  DropifyAddPeerDialog *self = DROPIFY_ADD_PEER_DIALOG (user_data);

  self->error_source = 0;
  dropify_add_peer_dialog_show_error (self);

  return G_SOURCE_REMOVE;
}

static void
dropify_add_peer_dialog_validate (DropifyAddPeerDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->entry));

  address = dropify_address_parse (text, self->port != 0 ? self->port : EXAMPLE_PORT, &error);

  if (address != NULL && dropify_add_peer_dialog_is_self (self, address))
    {
      g_clear_pointer (&address, g_free);
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("That is this device. Type the address the other device shows."));
    }

  g_clear_pointer (&self->error_message, g_free);
  if (error != NULL)
    self->error_message = g_strdup (error->message);

  if (g_strcmp0 (self->address, address) != 0)
    {
      g_free (self->address);
      self->address = g_steal_pointer (&address);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ADDRESS]);
    }

  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "add",
                                           self->address != NULL);
}

static void
dropify_add_peer_dialog_entry_changed (DropifyAddPeerDialog *self,
                                       GtkEditable          *entry)
{
  const char *text = gtk_editable_get_text (entry);

  dropify_add_peer_dialog_validate (self);

  /* A mistake being corrected stops showing at once; a new one shows
   * once the typing pauses. */
  dropify_add_peer_dialog_hide_error (self);
  g_clear_handle_id (&self->error_source, g_source_remove);

  if (self->error_message != NULL && *text != '\0')
    self->error_source = g_timeout_add (ERROR_DELAY_MS,
                                        dropify_add_peer_dialog_error_timeout,
                                        self);
}

/* A valid address activates the default response, "add"; an invalid one
 * says what is wrong, right away. */
static void
dropify_add_peer_dialog_entry_activate (DropifyAddPeerDialog *self,
                                        GtkEntry             *entry)
{
  g_clear_handle_id (&self->error_source, g_source_remove);
  dropify_add_peer_dialog_show_error (self);
}

/* This device's addresses */

static void
dropify_add_peer_dialog_copy_clicked (GtkButton *button,
                                      gpointer   user_data)
{
  const char *text = g_object_get_data (G_OBJECT (button), "dropify-address");

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (button)), text);
  gtk_button_set_icon_name (button, "object-select-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (button), _("Copied"));
}

static void
dropify_add_peer_dialog_fill_addresses (DropifyAddPeerDialog *self)
{
  guint n_addresses = g_strv_length (self->local_addresses);

  gtk_widget_set_visible (GTK_WIDGET (self->address_list), n_addresses > 0 && self->port != 0);
  gtk_widget_set_visible (self->no_address_label, n_addresses == 0);

  if (self->port == 0)
    return;

  for (guint i = 0; i < n_addresses; i++)
    {
      g_autofree char *text = g_strdup_printf ("%s:%u", self->local_addresses[i], self->port);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_from_icon_name ("edit-copy-symbolic");

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
      adw_preferences_row_set_title_selectable (ADW_PREFERENCES_ROW (row), TRUE);
      gtk_widget_add_css_class (row, "monospace");

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (button, _("Copy Address"));
      gtk_widget_add_css_class (button, "flat");
      g_object_set_data_full (G_OBJECT (button), "dropify-address",
                              g_steal_pointer (&text), g_free);
      g_signal_connect (button, "clicked",
                        G_CALLBACK (dropify_add_peer_dialog_copy_clicked), NULL);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);

      gtk_list_box_append (self->address_list, row);
    }
}

/* GObject */

static void
dropify_add_peer_dialog_constructed (GObject *object)
{
  DropifyAddPeerDialog *self = (DropifyAddPeerDialog *)object;
  g_autofree char *placeholder = NULL;

  G_OBJECT_CLASS (dropify_add_peer_dialog_parent_class)->constructed (object);

  /* Translators: an example address and port, shown in an empty entry */
  placeholder = g_strdup_printf (_("For example, 192.168.1.20:%u"),
                                 self->port != 0 ? self->port : EXAMPLE_PORT);
  gtk_entry_set_placeholder_text (self->entry, placeholder);

  self->local_addresses = dropify_local_address_list (DROPIFY_LOCAL_ADDRESS_IPV4);
  dropify_add_peer_dialog_fill_addresses (self);
  dropify_add_peer_dialog_validate (self);
}

static void
dropify_add_peer_dialog_dispose (GObject *object)
{
  DropifyAddPeerDialog *self = (DropifyAddPeerDialog *)object;

  g_clear_handle_id (&self->error_source, g_source_remove);

  gtk_widget_dispose_template (GTK_WIDGET (self), DROPIFY_TYPE_ADD_PEER_DIALOG);

  G_OBJECT_CLASS (dropify_add_peer_dialog_parent_class)->dispose (object);
}

static void
dropify_add_peer_dialog_finalize (GObject *object)
{
  DropifyAddPeerDialog *self = (DropifyAddPeerDialog *)object;

  g_clear_pointer (&self->local_addresses, g_strfreev);
  g_clear_pointer (&self->address, g_free);
  g_clear_pointer (&self->error_message, g_free);

  G_OBJECT_CLASS (dropify_add_peer_dialog_parent_class)->finalize (object);
}

static void
dropify_add_peer_dialog_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  DropifyAddPeerDialog *self = DROPIFY_ADD_PEER_DIALOG (object);

  switch (prop_id)
    {
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;

    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_add_peer_dialog_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  DropifyAddPeerDialog *self = DROPIFY_ADD_PEER_DIALOG (object);

  switch (prop_id)
    {
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_add_peer_dialog_class_init (DropifyAddPeerDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = dropify_add_peer_dialog_constructed;
  object_class->dispose = dropify_add_peer_dialog_dispose;
  object_class->finalize = dropify_add_peer_dialog_finalize;
  object_class->get_property = dropify_add_peer_dialog_get_property;
  object_class->set_property = dropify_add_peer_dialog_set_property;

  /**
   * DropifyAddPeerDialog:port:
   *
   * This device's port for peers, shown with its addresses, or 0 when
   * it is not listening.
   */
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL,
                       0, G_MAXUINT16, 0,
                       (G_PARAM_READWRITE |
                        G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS));

  /**
   * DropifyAddPeerDialog:address:
   *
   * The address typed, as `HOST:PORT`, once it is valid.
   */
  properties[PROP_ADDRESS] =
    g_param_spec_string ("address", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dropify/Dropify/ui/dropify-add-peer-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, DropifyAddPeerDialog, entry);
  gtk_widget_class_bind_template_child (widget_class, DropifyAddPeerDialog, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, DropifyAddPeerDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, DropifyAddPeerDialog, address_list);
  gtk_widget_class_bind_template_child (widget_class, DropifyAddPeerDialog, no_address_label);
  gtk_widget_class_bind_template_callback (widget_class, dropify_add_peer_dialog_entry_changed);
  gtk_widget_class_bind_template_callback (widget_class, dropify_add_peer_dialog_entry_activate);
}

static void
dropify_add_peer_dialog_init (DropifyAddPeerDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * dropify_add_peer_dialog_new:
 * @parent: (nullable): the window to attach the dialog to
 * @port: this device's port for peers, or 0 when unknown
 *
 * Makes a dialog that asks for another device's address and port, and
 * shows this device's own for the other side. Its "add" response comes
 * only with a valid address; see dropify_add_peer_dialog_get_address().
 *
 * Returns: (transfer floating): a new dialog
 */
GtkWidget *
dropify_add_peer_dialog_new (GtkWindow *parent,
                             guint      port)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  return g_object_new (DROPIFY_TYPE_ADD_PEER_DIALOG,
                       "transient-for", parent,
                       "port", port,
                       NULL);
}

/**
 * dropify_add_peer_dialog_get_address:
 * @self: a #DropifyAddPeerDialog
 *
 * Returns: (nullable): the address typed, as `HOST:PORT` or
 *   `[IPV6]:PORT`, or %NULL while it is not valid
 */
const char *
dropify_add_peer_dialog_get_address (DropifyAddPeerDialog *self)
{
  g_return_val_if_fail (DROPIFY_IS_ADD_PEER_DIALOG (self), NULL);

  return self->address;
}
