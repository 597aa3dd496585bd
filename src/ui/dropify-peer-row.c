/* dropify-peer-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-peer-row"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "dropify-peer-row.h"
#include "dropify-transfer-watch.h"

struct _DropifyPeerRow
{
  AdwActionRow    parent_instance;

  DropifyService *service;
  DropifyPeer    *peer;
  const char     *state_text;
  DropifyTransferWatch *transfers;   /* with this device, both ways */

  /* Template widgets */
  GtkImage       *icon;
  GtkLabel       *state_label;
  GtkWidget      *pair_button;
  GtkWidget      *menu_button;
};

G_DEFINE_FINAL_TYPE (DropifyPeerRow, dropify_peer_row, ADW_TYPE_ACTION_ROW)

enum {
  PROP_0,
  PROP_SERVICE,
  PROP_PEER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const state_classes[] = { "success", "warning", "error", "dim-label" };

/* Formatting */

static char *
format_endpoint (const char *address,
                 guint       port)
{
  if (address == NULL || *address == '\0')
    return NULL;

  if (strchr (address, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", address, port);

  return g_strdup_printf ("%s:%u", address, port);
}

/* Keeps each part on one line, so a narrow row wraps between the parts
 * ("192.168.1.20:41717" / "Found on this network") and not within. */
static char *
dup_unbreakable (const char *text)
{
  GString *string = g_string_new (text);

  g_string_replace (string, " ", "\u00a0", 0);

  return g_string_free (string, FALSE);
}

/* "Sending 2 files, 41%": what moves to or from the device now, in one
 * direction, or NULL when nothing does. */
static char *
dup_activity (GPtrArray                *transfers,
              DropifyTransferDirection  direction)
{
  uint64_t done = 0;
  uint64_t size = 0;
  guint n = 0;
  int percent;

  for (guint i = 0; i < transfers->len; i++)
    {
      DropifyTransfer *transfer = g_ptr_array_index (transfers, i);
      DropifyTransferState state = dropify_transfer_get_state (transfer);

      if (dropify_transfer_get_direction (transfer) != direction ||
          (state != DROPIFY_TRANSFER_STATE_QUEUED && state != DROPIFY_TRANSFER_STATE_ACTIVE))
        continue;

      n++;
      done += dropify_transfer_get_done (transfer);
      size += dropify_transfer_get_size (transfer);
    }

  if (n == 0)
    return NULL;

  percent = size > 0 ? (int) (done * 100 / size) : 100;
  if (direction == DROPIFY_TRANSFER_DIRECTION_OUT)
    /* Translators: files going to a device now, and how far they got */
    return g_strdup_printf (ngettext ("Sending %u file, %d%%", "Sending %u files, %d%%", n), n, percent);

  /* Translators: files coming from a device now, and how far they got */
  return g_strdup_printf (ngettext ("Receiving %u file, %d%%", "Receiving %u files, %d%%", n), n, percent);
}

static char *
dropify_peer_row_dup_title (DropifyPeerRow *self)
{
  const char *name = dropify_peer_get_name (self->peer);
  const char *address = dropify_peer_get_address (self->peer);

  if (name != NULL && *name != '\0')
    return g_strdup (name);

  /* Until its hello, a peer added by address is known by that address. */
  if (address != NULL && *address != '\0')
    return g_strdup (address);

  return g_strdup (_("Unknown Device"));
}

static void
dropify_peer_row_update (DropifyPeerRow *self)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *title = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *waiting = NULL;
  const char *explanation = NULL;
  const char *state_class = NULL;
  const char *error;
  const char *via;
  g_autofree char *menu_label = NULL;
  gboolean alarming;
  gboolean can_pair;
  gboolean can_send;

  title = dropify_peer_row_dup_title (self);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), title);

  error = dropify_peer_get_error (self->peer);
  if (error != NULL && *error == '\0')
    error = NULL;

  /* A device refused for its certificate may be someone else posing as
   * it: that is said where it cannot be missed. */
  alarming = error != NULL &&
             (dropify_peer_get_state (self->peer) == DROPIFY_PEER_STATE_REFUSED ||
              dropify_peer_get_connected (self->peer));
  /* Pairing starts an attempt; one under way is answered in its dialog. */
  can_pair = dropify_peer_get_connected (self->peer) &&
             !dropify_peer_get_trusted (self->peer) &&
             dropify_peer_get_pairing (self->peer) == 0;

  switch (dropify_peer_get_state (self->peer))
    {
    case DROPIFY_PEER_STATE_CONNECTED:
      if (dropify_peer_get_trusted (self->peer))
        {
          self->state_text = _("Connected");
          state_class = "success";
        }
      else if (dropify_peer_get_pair_sent (self->peer))
        {
          /* Translators: this device accepted to pair, the other has yet
           * to */
          self->state_text = _("Waiting");
          state_class = "dim-label";
          /* Translators: %s is the name of another device */
          waiting = g_strdup_printf (_("Waiting for %s to confirm…"), title);
          explanation = waiting;
        }
      else if (dropify_peer_get_pairing (self->peer) != 0)
        {
          /* Translators: the two devices are comparing a pairing code */
          self->state_text = _("Pairing…");
          state_class = "dim-label";
          explanation = _("Compare the code both devices show, then pair on both");
        }
      else if (dropify_peer_get_pairing_error (self->peer) != NULL)
        {
          /* Translators: an attempt to pair with a device did not pair */
          self->state_text = _("Pairing failed");
          state_class = "warning";
          explanation = dropify_peer_get_pairing_error (self->peer);
        }
      else
        {
          /* Translators: a device is connected, but drops are only shared
           * with devices paired with this one */
          self->state_text = _("Not paired");
          state_class = "warning";
          explanation = _("Connected, but not paired with this device, so no drops are shared");
        }
      break;

    case DROPIFY_PEER_STATE_CONNECTING:
      /* A device that could not be reached is tried again every few
       * seconds; it stays "Offline" meanwhile, rather than blinking. */
      self->state_text = error != NULL ? _("Offline") : _("Connecting…");
      state_class = "dim-label";
      explanation = error;
      break;

    case DROPIFY_PEER_STATE_INCOMPATIBLE:
      self->state_text = _("Incompatible version");
      state_class = "error";
      explanation = error;
      break;

    case DROPIFY_PEER_STATE_REFUSED:
      /* Translators: the connection to a device was refused, for example
       * because it is not the device it claims to be */
      self->state_text = _("Refused");
      state_class = "error";
      explanation = error;
      break;

    case DROPIFY_PEER_STATE_OFFLINE:
    default:
      self->state_text = _("Offline");
      state_class = "dim-label";
      explanation = error;
      break;
    }

  gtk_label_set_text (self->state_label, self->state_text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->state_label), explanation);

  for (guint i = 0; i < G_N_ELEMENTS (state_classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (self->state_label), state_classes[i]);
  gtk_widget_add_css_class (GTK_WIDGET (self->state_label), state_class);

  if (dropify_peer_get_connected (self->peer))
    gtk_widget_add_css_class (GTK_WIDGET (self->icon), "connected");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->icon), "connected");

  if (alarming)
    {
      explanation = error;
      gtk_image_set_from_icon_name (self->icon, "dialog-warning-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self), "refused");
    }
  else
    {
      gtk_image_set_from_icon_name (self->icon, "computer-symbolic");
      gtk_widget_remove_css_class (GTK_WIDGET (self), "refused");
    }

  gtk_widget_set_visible (self->pair_button, can_pair);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "peer.pair", can_pair);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "peer.unpair",
                                 dropify_peer_get_trusted (self->peer));
  /* Drops go to paired devices only; one offline gets them when it
   * returns, as every drop. */
  can_send = dropify_peer_get_trusted (self->peer) &&
             dropify_peer_get_device_id (self->peer) != NULL;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "peer.send-files", can_send);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "peer.send-clipboard", can_send);

  /* Translators: a menu button's label for screen readers; %s is the name
   * of another device */
  menu_label = g_strdup_printf (_("More actions for %s"), title);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->menu_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, menu_label,
                                  -1);

  endpoint = format_endpoint (dropify_peer_get_address (self->peer),
                              dropify_peer_get_port (self->peer));
  if (endpoint != NULL)
    g_ptr_array_add (parts, dup_unbreakable (endpoint));

  switch (dropify_peer_get_via (self->peer))
    {
    case DROPIFY_PEER_VIA_MDNS:
      via = _("Found on this network");
      break;
    case DROPIFY_PEER_VIA_INCOMING:
      /* Translators: how a device in the list was found: it connected
       * to this computer, which was not told its address */
      via = _("Connected to this device");
      break;
    case DROPIFY_PEER_VIA_MANUAL:
    default:
      via = _("Added by address");
      break;
    }
  g_ptr_array_add (parts, dup_unbreakable (via));

  if (self->transfers != NULL)
    {
      GPtrArray *transfers = dropify_transfer_watch_get_matches (self->transfers);
      g_autofree char *sending = dup_activity (transfers, DROPIFY_TRANSFER_DIRECTION_OUT);
      g_autofree char *receiving = dup_activity (transfers, DROPIFY_TRANSFER_DIRECTION_IN);

      if (sending != NULL)
        g_ptr_array_add (parts, dup_unbreakable (sending));
      if (receiving != NULL)
        g_ptr_array_add (parts, dup_unbreakable (receiving));
    }
  g_ptr_array_add (parts, NULL);

  subtitle = g_strjoinv (" · ", (char **) parts->pdata);
  if (explanation != NULL)
    {
      char *with_explanation = g_strconcat (subtitle, "\n", explanation, NULL);

      g_free (subtitle);
      subtitle = with_explanation;
    }

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), subtitle);
}

static void
dropify_peer_row_peer_notify (DropifyPeerRow *self,
                              GParamSpec     *pspec,
                              DropifyPeer    *peer)
{
  /* Its id is known from its first hello on. */
  if (g_str_equal (pspec->name, "device-id") && self->transfers != NULL)
    dropify_transfer_watch_set_peer_id (self->transfers, dropify_peer_get_device_id (self->peer));

  dropify_peer_row_update (self);
}

/* Forgetting */

static void
dropify_peer_row_forget_response (DropifyPeerRow   *self,
                                  const char       *response,
                                  AdwMessageDialog *dialog)
{
  g_autoptr(DropifyPeerRow) hold = g_object_ref (self);
  g_autoptr(DropifyService) service = g_object_ref (self->service);
  g_autoptr(DropifyPeer) peer = g_object_ref (self->peer);

  /* Forgetting the peer removes it from the model, and with it this row:
   * everything used here is held until the end. */
  dropify_service_forget_peer (service, peer);
}

static void
dropify_peer_row_forget (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  DropifyPeerRow *self = DROPIFY_PEER_ROW (widget);
  g_autofree char *title = dropify_peer_row_dup_title (self);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, NULL, NULL);
  /* Translators: %s is the name (or address) of another device */
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Forget “%s”?"), title);

  if (dropify_peer_get_via (self->peer) == DROPIFY_PEER_VIA_MDNS)
    adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                                 _("Dropify stops trusting it and disconnects from it. The drops "
                                   "already here stay. While it is on this network, it is listed "
                                   "again as not paired: pair with it to sync with it again."));
  else
    adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                                 _("Dropify stops trusting it, disconnects from it and stops "
                                   "connecting to it. The drops already here stay. If it connects "
                                   "again, it is not paired: pair with it to sync with it again."));

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "forget", _("_Forget"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "forget",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  g_signal_connect_object (dialog, "response::forget",
                           G_CALLBACK (dropify_peer_row_forget_response),
                           self, G_CONNECT_SWAPPED);

  gtk_window_present (GTK_WINDOW (dialog));
}

/* Pairing */

static void
dropify_peer_row_pair (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  DropifyPeerRow *self = DROPIFY_PEER_ROW (widget);
  const char *device_id = dropify_peer_get_device_id (self->peer);

  /* The window shows the dialog, as it does for requests from others. */
  if (device_id != NULL)
    gtk_widget_activate_action (widget, "win.pair-device", "s", device_id);
}

static void
dropify_peer_row_unpair_response (DropifyPeerRow   *self,
                                  const char       *response,
                                  AdwMessageDialog *dialog)
{
  g_autoptr(GError) error = NULL;

  if (!dropify_sync_unpair (dropify_service_get_sync (self->service),
                            dropify_peer_get_device_id (self->peer),
                            &error))
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      GtkWidget *failure;

      failure = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        _("Could Not Unpair"), error->message);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (failure), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (failure));
    }
}

static void
dropify_peer_row_unpair (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  DropifyPeerRow *self = DROPIFY_PEER_ROW (widget);
  g_autofree char *title = dropify_peer_row_dup_title (self);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, NULL, NULL);
  /* Translators: %s is the name of another device */
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Unpair “%s”?"), title);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               _("It stops getting drops from this device, and this device "
                                 "from it, until both are paired again. The drops already "
                                 "here stay."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "unpair", _("_Unpair"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "unpair",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  g_signal_connect_object (dialog, "response::unpair",
                           G_CALLBACK (dropify_peer_row_unpair_response),
                           self, G_CONNECT_SWAPPED);

  gtk_window_present (GTK_WINDOW (dialog));
}

/* GObject */

static void
dropify_peer_row_constructed (GObject *object)
{
  DropifyPeerRow *self = (DropifyPeerRow *)object;

  G_OBJECT_CLASS (dropify_peer_row_parent_class)->constructed (object);

  g_assert (DROPIFY_IS_SERVICE (self->service));
  g_assert (DROPIFY_IS_PEER (self->peer));

  /* Every property of a peer shows somewhere in the row. */
  g_signal_connect_object (self->peer, "notify",
                           G_CALLBACK (dropify_peer_row_peer_notify),
                           self, G_CONNECT_SWAPPED);

  if (dropify_service_get_sync (self->service) != NULL)
    {
      DropifySync *sync = dropify_service_get_sync (self->service);

      self->transfers = dropify_transfer_watch_new (dropify_sync_get_transfers (sync));
      dropify_transfer_watch_set_peer_id (self->transfers, dropify_peer_get_device_id (self->peer));
      g_signal_connect_object (self->transfers, "changed",
                               G_CALLBACK (dropify_peer_row_update),
                               self, G_CONNECT_SWAPPED);
    }

  dropify_peer_row_update (self);
}

/* The window sends, as its own "Attach Files" and "Send Clipboard" do,
 * to this one device. */
static void
dropify_peer_row_send_files (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *param)
{
  DropifyPeerRow *self = DROPIFY_PEER_ROW (widget);

  gtk_widget_activate_action (widget, "win.send-files-to", "s",
                              dropify_peer_get_device_id (self->peer));
}

static void
dropify_peer_row_send_clipboard (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *param)
{
  DropifyPeerRow *self = DROPIFY_PEER_ROW (widget);

  gtk_widget_activate_action (widget, "win.send-clipboard-to", "s",
                              dropify_peer_get_device_id (self->peer));
}

static void
dropify_peer_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), DROPIFY_TYPE_PEER_ROW);

  G_OBJECT_CLASS (dropify_peer_row_parent_class)->dispose (object);
}

static void
dropify_peer_row_finalize (GObject *object)
{
  DropifyPeerRow *self = (DropifyPeerRow *)object;

  g_clear_object (&self->transfers);
  g_clear_object (&self->service);
  g_clear_object (&self->peer);

  G_OBJECT_CLASS (dropify_peer_row_parent_class)->finalize (object);
}

static void
dropify_peer_row_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  DropifyPeerRow *self = DROPIFY_PEER_ROW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;

    case PROP_PEER:
      g_value_set_object (value, self->peer);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_peer_row_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  DropifyPeerRow *self = DROPIFY_PEER_ROW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;

    case PROP_PEER:
      self->peer = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_peer_row_class_init (DropifyPeerRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = dropify_peer_row_constructed;
  object_class->dispose = dropify_peer_row_dispose;
  object_class->finalize = dropify_peer_row_finalize;
  object_class->get_property = dropify_peer_row_get_property;
  object_class->set_property = dropify_peer_row_set_property;

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL,
                         DROPIFY_TYPE_SERVICE,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_PEER] =
    g_param_spec_object ("peer", NULL, NULL,
                         DROPIFY_TYPE_PEER,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dropify/Dropify/ui/dropify-peer-row.ui");
  gtk_widget_class_bind_template_child (widget_class, DropifyPeerRow, icon);
  gtk_widget_class_bind_template_child (widget_class, DropifyPeerRow, state_label);
  gtk_widget_class_bind_template_child (widget_class, DropifyPeerRow, pair_button);
  gtk_widget_class_bind_template_child (widget_class, DropifyPeerRow, menu_button);

  gtk_widget_class_install_action (widget_class, "peer.forget", NULL, dropify_peer_row_forget);
  gtk_widget_class_install_action (widget_class, "peer.pair", NULL, dropify_peer_row_pair);
  gtk_widget_class_install_action (widget_class, "peer.unpair", NULL, dropify_peer_row_unpair);
  gtk_widget_class_install_action (widget_class, "peer.send-files", NULL,
                                   dropify_peer_row_send_files);
  gtk_widget_class_install_action (widget_class, "peer.send-clipboard", NULL,
                                   dropify_peer_row_send_clipboard);
}

static void
dropify_peer_row_init (DropifyPeerRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * dropify_peer_row_new:
 * @service: the service that knows @peer
 * @peer: the peer to show
 *
 * Returns: (transfer floating): a row showing @peer, its state, and a way
 *   to forget it
 */
GtkWidget *
dropify_peer_row_new (DropifyService *service,
                      DropifyPeer    *peer)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (service), NULL);
  g_return_val_if_fail (DROPIFY_IS_PEER (peer), NULL);

  return g_object_new (DROPIFY_TYPE_PEER_ROW,
                       "service", service,
                       "peer", peer,
                       NULL);
}

/**
 * dropify_peer_row_get_peer:
 * @self: a #DropifyPeerRow
 *
 * Returns: (transfer none): the peer shown by @self
 */
DropifyPeer *
dropify_peer_row_get_peer (DropifyPeerRow *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER_ROW (self), NULL);

  return self->peer;
}

/**
 * dropify_peer_row_get_state_text:
 * @self: a #DropifyPeerRow
 *
 * Returns: (transfer none): the peer's state, in the words the row shows
 */
const char *
dropify_peer_row_get_state_text (DropifyPeerRow *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER_ROW (self), NULL);

  return self->state_text;
}
