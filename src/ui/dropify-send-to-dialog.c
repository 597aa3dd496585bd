/* dropify-send-to-dialog.c: "Send To…" for a drop already in the history:
 * the paired devices to send it to again, the recently used first
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-send-to-dialog"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "dropify-audience.h"
#include "dropify-drop-actions.h"
#include "dropify-send-to-dialog.h"

struct _DropifySendToDialog
{
  AdwMessageDialog  parent_instance;

  DropifyDrop      *drop;
  GPtrArray        *checks;    /* GtkCheckButton, one per device */

  /* Template widgets */
  GtkListBox       *device_list;
};

G_DEFINE_FINAL_TYPE (DropifySendToDialog, dropify_send_to_dialog, ADW_TYPE_MESSAGE_DIALOG)

/* The id of the device a check button chooses. */
#define DEVICE_ID_KEY "dropify-device-id"

static void
dropify_send_to_dialog_update (DropifySendToDialog *self)
{
  gboolean any = FALSE;

  for (guint i = 0; i < self->checks->len && !any; i++)
    any = gtk_check_button_get_active (g_ptr_array_index (self->checks, i));

  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "send", any);
}

static void
dropify_send_to_dialog_add_device (DropifySendToDialog *self,
                                   DropifyPeer         *peer)
{
  g_autofree char *name = dropify_audience_dup_peer_label (peer);
  g_autofree char *check_label = NULL;
  GtkWidget *row;
  GtkWidget *check;

  check = gtk_check_button_new ();
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  g_object_set_data_full (G_OBJECT (check), DEVICE_ID_KEY,
                          g_strdup (dropify_peer_get_device_id (peer)), g_free);
  /* Translators: a check box's label for screen readers; %s is the name of
   * another device */
  check_label = g_strdup_printf (_("Send to %s"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, check_label,
                                  -1);
  g_signal_connect_object (check, "toggled",
                           G_CALLBACK (dropify_send_to_dialog_update),
                           self, G_CONNECT_SWAPPED);

  row = adw_action_row_new ();
  /* Names come from other devices: never markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               dropify_peer_get_connected (peer)
                               ? _("Connected")
                               /* Translators: a device that is not connected now */
                               : _("Offline, gets it when it returns"));
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);

  gtk_list_box_append (self->device_list, row);
  g_ptr_array_add (self->checks, check);
}

/* GObject */

static void
dropify_send_to_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), DROPIFY_TYPE_SEND_TO_DIALOG);

  G_OBJECT_CLASS (dropify_send_to_dialog_parent_class)->dispose (object);
}

static void
dropify_send_to_dialog_finalize (GObject *object)
{
  DropifySendToDialog *self = DROPIFY_SEND_TO_DIALOG (object);

  g_clear_object (&self->drop);
  g_clear_pointer (&self->checks, g_ptr_array_unref);

  G_OBJECT_CLASS (dropify_send_to_dialog_parent_class)->finalize (object);
}

static void
dropify_send_to_dialog_class_init (DropifySendToDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dropify_send_to_dialog_dispose;
  object_class->finalize = dropify_send_to_dialog_finalize;

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/dropify/Dropify/ui/dropify-send-to-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, DropifySendToDialog, device_list);
}

static void
dropify_send_to_dialog_init (DropifySendToDialog *self)
{
  self->checks = g_ptr_array_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * dropify_send_to_dialog_new:
 * @parent: (nullable): the window it belongs to
 * @drop: the drop to send again
 * @peers: (element-type DropifyPeer): the paired devices, in the order to
 *   list them (see dropify_audience_dup_peers())
 *
 * Returns: (transfer floating): a dialog whose "send" response means
 *   "send @drop again to dropify_send_to_dialog_dup_audience()"
 */
GtkWidget *
dropify_send_to_dialog_new (GtkWindow   *parent,
                            DropifyDrop *drop,
                            GPtrArray   *peers)
{
  DropifySendToDialog *self;
  g_autofree char *name = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (DROPIFY_IS_DROP (drop), NULL);
  g_return_val_if_fail (peers != NULL, NULL);

  self = g_object_new (DROPIFY_TYPE_SEND_TO_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       NULL);
  self->drop = g_object_ref (drop);

  name = dropify_drop_dup_short_name (drop);
  /* The start of a longer text says that it goes on. */
  if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_TEXT &&
      strlen (name) < strlen (dropify_drop_get_text (drop)))
    {
      g_autofree char *start = g_steal_pointer (&name);

      name = g_strconcat (start, "…", NULL);
    }
  /* Translators: the Send To dialog's text; %s is a file's name or the
   * start of a text */
  body = g_strdup_printf (_("“%s” is sent again, as a new drop from this device, "
                            "to the devices chosen here only."), name);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);

  for (guint i = 0; i < peers->len; i++)
    dropify_send_to_dialog_add_device (self, g_ptr_array_index (peers, i));

  return GTK_WIDGET (self);
}

/**
 * dropify_send_to_dialog_get_drop:
 *
 * Returns: (transfer none): the drop to send again
 */
DropifyDrop *
dropify_send_to_dialog_get_drop (DropifySendToDialog *self)
{
  g_return_val_if_fail (DROPIFY_IS_SEND_TO_DIALOG (self), NULL);

  return self->drop;
}

/**
 * dropify_send_to_dialog_dup_audience:
 *
 * Returns: (transfer full): the ids of the devices chosen, in the order
 *   they are listed
 */
GStrv
dropify_send_to_dialog_dup_audience (DropifySendToDialog *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (DROPIFY_IS_SEND_TO_DIALOG (self), NULL);

  for (guint i = 0; i < self->checks->len; i++)
    {
      GtkCheckButton *check = g_ptr_array_index (self->checks, i);

      if (gtk_check_button_get_active (check))
        g_strv_builder_add (builder, g_object_get_data (G_OBJECT (check), DEVICE_ID_KEY));
    }

  return g_strv_builder_end (builder);
}
