/* dropify-phone-dialog.c: the QR code and link a phone opens the page with
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-phone-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "dropify-phone-dialog.h"
#include "dropify-phone.h"
#include "dropify-qr.h"
#include "dropify-toast.h"

/* About how wide the code is drawn. It is drawn at a whole number of
 * pixels per module, so it is a little less. */
#define QR_TARGET_PX 264

struct _DropifyPhoneDialog
{
  AdwWindow        parent_instance;

  DropifyService  *service;
  GSettings       *settings;
  DropifyPhone    *phone;
  gulong           token_handler;

  GStrv            addresses;
  char            *url;

  /* Template widgets */
  AdwToastOverlay *toast_overlay;
  GtkStack        *stack;
  AdwStatusPage   *off_page;
  GtkWidget       *turn_on_button;
  GtkImage        *qr_image;
  AdwComboRow     *address_row;
  GtkLabel        *url_label;
  GtkListBox      *session_list;
};

G_DEFINE_FINAL_TYPE (DropifyPhoneDialog, dropify_phone_dialog, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_SERVICE,
  PROP_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
dropify_phone_dialog_show_toast (DropifyPhoneDialog *self,
                                 const char         *text)
{
  dropify_toast_show (self->toast_overlay, text, 3);
}

/* The link */

static void
dropify_phone_dialog_update_url (DropifyPhoneDialog *self)
{
  g_autoptr(DropifyQr) qr = NULL;
  g_autoptr(GBytes) pixels = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  guint selected;
  guint modules;
  guint width;
  int scale_factor;

  if (self->phone == NULL || self->addresses == NULL || self->addresses[0] == NULL)
    return;

  selected = adw_combo_row_get_selected (self->address_row);
  if (selected >= g_strv_length (self->addresses))
    selected = 0;

  url = dropify_phone_dup_url_for (self->phone, self->addresses[selected]);
  if (g_strcmp0 (url, self->url) == 0)
    return;

  qr = dropify_qr_new (url, &error);
  if (qr == NULL)
    {
      g_warning ("Could not draw the QR code: %s", error->message);
      gtk_image_clear (self->qr_image);
    }
  else
    {
      /* GTK 4.8 can only scale a texture smoothly, which blurs the
       * modules' edges: draw it at the screen's own pixels instead. */
      scale_factor = gtk_widget_get_scale_factor (GTK_WIDGET (self));
      modules = dropify_qr_get_size (qr) + 2 * DROPIFY_QR_QUIET_ZONE;
      pixels = dropify_qr_render_rgb (qr, scale_factor * MAX (1, QR_TARGET_PX / modules), &width);
      texture = gdk_memory_texture_new (width, width, GDK_MEMORY_R8G8B8, pixels, width * 3);
      gtk_image_set_from_paintable (self->qr_image, GDK_PAINTABLE (texture));
      gtk_image_set_pixel_size (self->qr_image, width / scale_factor);
    }

  gtk_label_set_text (self->url_label, url);
  g_free (self->url);
  self->url = g_steal_pointer (&url);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);
}

static void
dropify_phone_dialog_update_addresses (DropifyPhoneDialog *self)
{
  g_autoptr(GtkStringList) list = NULL;
  const char *previous = NULL;
  guint selected = 0;

  if (self->phone == NULL)
    return;

  /* Keep the address picked, while this device still has it. */
  if (self->addresses != NULL)
    {
      guint index = adw_combo_row_get_selected (self->address_row);

      if (index < g_strv_length (self->addresses))
        previous = self->addresses[index];
    }

  {
    g_auto(GStrv) addresses = dropify_phone_dup_addresses (self->phone);

    for (guint i = 0; previous != NULL && addresses[i] != NULL; i++)
      {
        if (g_strcmp0 (addresses[i], previous) == 0)
          selected = i;
      }

    g_strfreev (self->addresses);
    self->addresses = g_steal_pointer (&addresses);
  }

  list = gtk_string_list_new ((const char * const *) self->addresses);
  adw_combo_row_set_model (self->address_row, G_LIST_MODEL (list));
  adw_combo_row_set_selected (self->address_row, selected);
  gtk_widget_set_visible (GTK_WIDGET (self->address_row), g_strv_length (self->addresses) > 1);

  dropify_phone_dialog_update_url (self);
}

static void
dropify_phone_dialog_selected_notify (DropifyPhoneDialog *self,
                                      GParamSpec         *pspec,
                                      AdwComboRow        *row)
{
  dropify_phone_dialog_update_url (self);
}

static void
dropify_phone_dialog_token_notify (DropifyPhoneDialog *self,
                                   GParamSpec         *pspec,
                                   DropifyPhone       *phone)
{
  dropify_phone_dialog_update_url (self);
}

static void
dropify_phone_dialog_network_changed (DropifyPhoneDialog *self,
                                      gboolean            available,
                                      GNetworkMonitor    *monitor)
{
  dropify_phone_dialog_update_addresses (self);
}

/* Connected phones */

static char *
format_since (GDateTime *since)
{
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) now = NULL;

  if (since == NULL)
    return NULL;

  local = g_date_time_to_local (since);
  now = g_date_time_new_now_local ();

  if (g_date_time_get_year (local) == g_date_time_get_year (now) &&
      g_date_time_get_day_of_year (local) == g_date_time_get_day_of_year (now))
    /* Translators: the time of day a phone connected, today; see
     * g_date_time_format() */
    /* xgettext:no-c-format */
    return g_date_time_format (local, _("%H:%M"));

  /* Translators: the day and time a phone connected; see
   * g_date_time_format() */
  /* xgettext:no-c-format */
  return g_date_time_format (local, _("%x %H:%M"));
}

static GtkWidget *
dropify_phone_dialog_create_session_row (gpointer item,
                                         gpointer user_data)
{
  DropifyPhoneSession *session = DROPIFY_PHONE_SESSION (item);
  g_autofree char *since = format_since (dropify_phone_session_get_connected_since (session));
  g_autofree char *subtitle = NULL;
  GtkWidget *row;
  GtkWidget *icon;

  if (since != NULL)
    /* Translators: the first %s is a phone's network address, the second
     * when it connected, as in "192.168.1.30 · Connected since 14:05" */
    subtitle = g_strdup_printf (_("%s · Connected since %s"),
                                dropify_phone_session_get_address (session), since);
  else
    subtitle = g_strdup (dropify_phone_session_get_address (session));

  /* Names come from the phone's browser: never markup. */
  row = g_object_new (ADW_TYPE_ACTION_ROW,
                      "use-markup", FALSE,
                      "activatable", FALSE,
                      "subtitle", subtitle,
                      "tooltip-text", dropify_phone_session_get_user_agent (session),
                      NULL);
  /* The page may rename itself while it is listed. */
  g_object_bind_property (session, "name", row, "title", G_BINDING_SYNC_CREATE);

  icon = gtk_image_new_from_icon_name ("phone-symbolic");
  gtk_widget_set_valign (icon, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (icon, "peer-icon");
  gtk_widget_add_css_class (icon, "connected");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  return row;
}

/* The phone page, which comes and goes with its setting */

static void
dropify_phone_dialog_update_phone (DropifyPhoneDialog *self)
{
  DropifyPhone *phone = dropify_service_get_phone (self->service);
  gboolean wanted = self->settings == NULL ||
                    g_settings_get_boolean (self->settings, "phone-access");

  if (phone != self->phone)
    {
      if (self->phone != NULL)
        g_clear_signal_handler (&self->token_handler, self->phone);
      g_set_object (&self->phone, phone);
      g_clear_pointer (&self->addresses, g_strfreev);
      g_clear_pointer (&self->url, g_free);

      if (phone != NULL)
        self->token_handler = g_signal_connect_object (phone, "notify::token",
                                                       G_CALLBACK (dropify_phone_dialog_token_notify),
                                                       self, G_CONNECT_SWAPPED);

      gtk_list_box_bind_model (self->session_list,
                               phone != NULL ? dropify_phone_get_sessions (phone) : NULL,
                               dropify_phone_dialog_create_session_row, self, NULL);
      dropify_phone_dialog_update_addresses (self);
    }

  if (phone == NULL && wanted)
    {
      /* The setting is on, and the page still did not start. */
      adw_status_page_set_title (self->off_page, _("The Phone Page Could Not Start"));
      adw_status_page_set_description (self->off_page,
                                       _("Restart Dropify to try again. The reason is in "
                                         "the system log."));
    }
  else
    {
      adw_status_page_set_title (self->off_page, _("Phone Access Is Off"));
      adw_status_page_set_description (self->off_page,
                                       _("Turn it on to let a phone on this network open "
                                         "Dropify in its web browser, with nothing to install."));
    }
  gtk_widget_set_visible (self->turn_on_button, phone == NULL && !wanted);

  gtk_stack_set_visible_child_name (self->stack, phone != NULL ? "on" : "off");
}

static void
dropify_phone_dialog_setting_changed (DropifyPhoneDialog *self,
                                      const char         *key,
                                      GSettings          *settings)
{
  /* The service follows the setting first: it connected earlier. */
  dropify_phone_dialog_update_phone (self);
}

/* Actions */

static void
dropify_phone_dialog_turn_on (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *param)
{
  DropifyPhoneDialog *self = DROPIFY_PHONE_DIALOG (widget);

  if (self->settings != NULL)
    g_settings_set_boolean (self->settings, "phone-access", TRUE);
}

static void
dropify_phone_dialog_copy (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  DropifyPhoneDialog *self = DROPIFY_PHONE_DIALOG (widget);

  if (self->url == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), self->url);
  dropify_phone_dialog_show_toast (self, _("Link copied"));
}

static void
dropify_phone_dialog_revoke_response (DropifyPhoneDialog *self,
                                      const char         *response,
                                      AdwMessageDialog   *dialog)
{
  g_autoptr(GError) error = NULL;

  if (self->phone == NULL)
    return;

  /* The new token is announced, and the code redrawn, from its notify. */
  if (!dropify_phone_rotate_token (self->phone, &error))
    dropify_phone_dialog_show_toast (self, error->message);
  else
    dropify_phone_dialog_show_toast (self, _("The old link no longer works"));
}

static void
dropify_phone_dialog_revoke (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *param)
{
  DropifyPhoneDialog *self = DROPIFY_PHONE_DIALOG (widget);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (self),
                                   _("Revoke the Link?"),
                                   _("Phones that opened the current link lose access right "
                                     "away. To use Dropify again, they scan the new code."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "revoke", _("_Revoke"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "revoke",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");

  g_signal_connect_object (dialog, "response::revoke",
                           G_CALLBACK (dropify_phone_dialog_revoke_response),
                           self, G_CONNECT_SWAPPED);

  gtk_window_present (GTK_WINDOW (dialog));
}

/* GObject */

static void
dropify_phone_dialog_constructed (GObject *object)
{
  DropifyPhoneDialog *self = (DropifyPhoneDialog *)object;

  G_OBJECT_CLASS (dropify_phone_dialog_parent_class)->constructed (object);

  g_assert (DROPIFY_IS_SERVICE (self->service));

  self->settings = dropify_service_get_settings (self->service);
  if (self->settings != NULL)
    {
      g_object_ref (self->settings);
      g_signal_connect_object (self->settings, "changed::phone-access",
                               G_CALLBACK (dropify_phone_dialog_setting_changed),
                               self, G_CONNECT_SWAPPED);
    }

  g_signal_connect_object (g_network_monitor_get_default (), "network-changed",
                           G_CALLBACK (dropify_phone_dialog_network_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->address_row, "notify::selected",
                           G_CALLBACK (dropify_phone_dialog_selected_notify),
                           self, G_CONNECT_SWAPPED);

  dropify_phone_dialog_update_phone (self);
}

static void
dropify_phone_dialog_dispose (GObject *object)
{
  DropifyPhoneDialog *self = (DropifyPhoneDialog *)object;

  if (self->phone != NULL)
    g_clear_signal_handler (&self->token_handler, self->phone);

  gtk_widget_dispose_template (GTK_WIDGET (self), DROPIFY_TYPE_PHONE_DIALOG);

  G_OBJECT_CLASS (dropify_phone_dialog_parent_class)->dispose (object);
}

static void
dropify_phone_dialog_finalize (GObject *object)
{
  DropifyPhoneDialog *self = (DropifyPhoneDialog *)object;

  g_clear_object (&self->phone);
  g_clear_object (&self->settings);
  g_clear_object (&self->service);
  g_clear_pointer (&self->addresses, g_strfreev);
  g_clear_pointer (&self->url, g_free);

  G_OBJECT_CLASS (dropify_phone_dialog_parent_class)->finalize (object);
}

static void
dropify_phone_dialog_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  DropifyPhoneDialog *self = DROPIFY_PHONE_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;

    case PROP_URL:
      g_value_set_string (value, self->url);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_phone_dialog_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  DropifyPhoneDialog *self = DROPIFY_PHONE_DIALOG (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_phone_dialog_class_init (DropifyPhoneDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = dropify_phone_dialog_constructed;
  object_class->dispose = dropify_phone_dialog_dispose;
  object_class->finalize = dropify_phone_dialog_finalize;
  object_class->get_property = dropify_phone_dialog_get_property;
  object_class->set_property = dropify_phone_dialog_set_property;

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL,
                         DROPIFY_TYPE_SERVICE,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * DropifyPhoneDialog:url:
   *
   * The link shown, and drawn as a QR code, or %NULL while phone access
   * is off.
   */
  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dropify/Dropify/ui/dropify-phone-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, DropifyPhoneDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, DropifyPhoneDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, DropifyPhoneDialog, off_page);
  gtk_widget_class_bind_template_child (widget_class, DropifyPhoneDialog, turn_on_button);
  gtk_widget_class_bind_template_child (widget_class, DropifyPhoneDialog, qr_image);
  gtk_widget_class_bind_template_child (widget_class, DropifyPhoneDialog, address_row);
  gtk_widget_class_bind_template_child (widget_class, DropifyPhoneDialog, url_label);
  gtk_widget_class_bind_template_child (widget_class, DropifyPhoneDialog, session_list);

  gtk_widget_class_install_action (widget_class, "phone.turn-on", NULL,
                                   dropify_phone_dialog_turn_on);
  gtk_widget_class_install_action (widget_class, "phone.copy", NULL,
                                   dropify_phone_dialog_copy);
  gtk_widget_class_install_action (widget_class, "phone.revoke", NULL,
                                   dropify_phone_dialog_revoke);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
dropify_phone_dialog_init (DropifyPhoneDialog *self)
{
  g_autoptr(PangoAttrList) attributes = NULL;
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* A hyphen where the link wraps would read as part of it. */
  attributes = pango_attr_list_new ();
  pango_attr_list_insert (attributes, pango_attr_insert_hyphens_new (FALSE));
  gtk_label_set_attributes (self->url_label, attributes);

  placeholder = gtk_label_new (_("No phone is connected"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 12);
  gtk_widget_set_margin_bottom (placeholder, 12);
  gtk_list_box_set_placeholder (self->session_list, placeholder);
}

/**
 * dropify_phone_dialog_new:
 * @parent: (nullable): the window to show the dialog over
 * @service: the service whose phone page to show
 *
 * Returns: (transfer floating): a dialog with the QR code and link that
 *   open the phone page, and the phones connected to it
 */
GtkWidget *
dropify_phone_dialog_new (GtkWindow      *parent,
                          DropifyService *service)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (DROPIFY_IS_SERVICE (service), NULL);

  return g_object_new (DROPIFY_TYPE_PHONE_DIALOG,
                       "transient-for", parent,
                       "service", service,
                       NULL);
}

/**
 * dropify_phone_dialog_get_url:
 * @self: a #DropifyPhoneDialog
 *
 * Returns: (nullable): the link shown, or %NULL while phone access is off
 */
const char *
dropify_phone_dialog_get_url (DropifyPhoneDialog *self)
{
  g_return_val_if_fail (DROPIFY_IS_PHONE_DIALOG (self), NULL);

  return self->url;
}
