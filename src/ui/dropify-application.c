/* dropify-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-application"

#include "config.h"

#include <stdlib.h>

#include <glib/gi18n.h>

#include "dropify-application.h"
#include "dropify-notifier.h"
#include "dropify-preferences-window.h"
#include "dropify-window.h"

struct _DropifyApplication
{
  AdwApplication  parent_instance;

  char            *data_dir;
  int              port;
  gboolean         no_discovery;
  DropifyService  *service;
  GError          *service_error;
  DropifyNotifier *notifier;

  gboolean         quitting;
  gboolean         told_in_background;
};

G_DEFINE_FINAL_TYPE (DropifyApplication, dropify_application, ADW_TYPE_APPLICATION)

static DropifyWindow *dropify_application_ensure_window (DropifyApplication *self);

static const GOptionEntry main_entries[] = {
  { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Keep the history, identity and settings in DIR"), N_("DIR") },
  { "no-discovery", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Do not publish or look for devices with mDNS"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Show the version and exit"), NULL },
  { NULL }
};

/* Startup errors */

static void
dropify_application_error_response (DropifyApplication *self,
                                    const char         *response,
                                    AdwMessageDialog   *dialog)
{
  g_application_quit (G_APPLICATION (self));
}

/* The service could not start (for example another instance already uses
 * this data directory): say so in a window, since a GUI user never sees
 * stderr, then quit. */
static void
dropify_application_show_startup_error (DropifyApplication *self)
{
  GtkWidget *dialog;

  g_assert (self->service_error != NULL);

  dialog = adw_message_dialog_new (NULL, _("Dropify Could Not Start"), NULL);
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog), "%s",
                                  self->service_error->message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "quit", _("_Quit"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "quit");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "quit");
  gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (self));

  g_signal_connect_object (dialog, "response",
                           G_CALLBACK (dropify_application_error_response),
                           self, G_CONNECT_SWAPPED);

  gtk_window_present (GTK_WINDOW (dialog));
}

/* Actions */

static void
dropify_application_quit (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  DropifyApplication *self = DROPIFY_APPLICATION (user_data);
  GList *windows;

  /* Closing the main window must not leave it running in the background. */
  self->quitting = TRUE;

  /* Closing, rather than just quitting, lets each window save its size.
   * Closing one window may destroy another, hence the references. */
  windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (self)),
                              (GCopyFunc) (void (*) (void)) g_object_ref, NULL);
  for (const GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
  g_list_free_full (windows, g_object_unref);

  g_application_quit (G_APPLICATION (self));
}

static void
dropify_application_preferences (GSimpleAction *action,
                                 GVariant      *parameter,
                                 gpointer       user_data)
{
  DropifyApplication *self = DROPIFY_APPLICATION (user_data);
  GtkWindow *parent;
  GtkWidget *window;

  if (self->service == NULL || dropify_service_get_settings (self->service) == NULL)
    return;

  parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  window = dropify_preferences_window_new (self->service);
  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_present (GTK_WINDOW (window));
}

static void
dropify_application_about (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  DropifyApplication *self = DROPIFY_APPLICATION (user_data);
  static const char *developers[] = { "The Dropify authors", NULL };
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkIconTheme *theme;
  const char *icon = APP_ID;

  /* Run from the build tree, the application icon is not installed yet. */
  theme = gtk_icon_theme_get_for_display (parent != NULL
                                          ? gtk_widget_get_display (GTK_WIDGET (parent))
                                          : gdk_display_get_default ());
  if (!gtk_icon_theme_has_icon (theme, icon))
    icon = "dropify-drop-symbolic";

  adw_show_about_window (parent,
                         "application-name", _("Dropify"),
                         "application-icon", icon,
                         "version", PACKAGE_VERSION,
                         "comments", _("Share text and files between your devices, "
                                       "with a history that expires on its own"),
                         "developers", developers,
                         "developer-name", _("The Dropify authors"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

/* The actions of the notifications' buttons: each names a drop. */

static void
dropify_application_show_drop (GSimpleAction *action,
                               GVariant      *parameter,
                               gpointer       user_data)
{
  DropifyApplication *self = DROPIFY_APPLICATION (user_data);
  DropifyWindow *window = dropify_application_ensure_window (self);

  if (window != NULL)
    dropify_window_show_drop (window, g_variant_get_string (parameter, NULL));
}

static void
dropify_application_open_drop (GSimpleAction *action,
                               GVariant      *parameter,
                               gpointer       user_data)
{
  DropifyApplication *self = DROPIFY_APPLICATION (user_data);
  DropifyWindow *window = dropify_application_ensure_window (self);

  if (window != NULL)
    dropify_window_open_drop (window, g_variant_get_string (parameter, NULL));
}

/* Copies a text drop without bringing up the window: the user wants the
 * text where they already are. */
static void
dropify_application_copy_drop (GSimpleAction *action,
                               GVariant      *parameter,
                               gpointer       user_data)
{
  DropifyApplication *self = DROPIFY_APPLICATION (user_data);
  const char *id = g_variant_get_string (parameter, NULL);
  GdkDisplay *display = gdk_display_get_default ();
  DropifyDrop *drop;

  if (self->service == NULL || display == NULL)
    return;

  drop = dropify_history_lookup (dropify_service_get_history (self->service), id);
  if (drop == NULL || dropify_drop_get_kind (drop) != DROPIFY_DROP_KIND_TEXT)
    return;

  gdk_clipboard_set_text (gdk_display_get_clipboard (display), dropify_drop_get_text (drop));

  if (self->notifier != NULL)
    dropify_notifier_forget_drop (self->notifier, id);
}

static const GActionEntry app_entries[] = {
  { "quit", dropify_application_quit },
  { "preferences", dropify_application_preferences },
  { "about", dropify_application_about },
  { "show-drop", dropify_application_show_drop, "s" },
  { "open-drop", dropify_application_open_drop, "s" },
  { "copy-drop", dropify_application_copy_drop, "s" },
};

/* Profiles */

/* The same directory, however it was spelled: relative, with "..", or
 * through a symbolic link. */
static char *
resolve_data_dir (const char *path)
{
  g_autofree char *canonical = g_canonicalize_filename (path, NULL);
  char *real = realpath (canonical, NULL);

  if (real != NULL)
    {
      char *resolved = g_strdup (real);

      free (real);
      return resolved;
    }

  return g_steal_pointer (&canonical);
}

/* Uniqueness is per application id, and each data directory is its own
 * profile: a second launch on a profile must reach the instance running
 * on that profile, and only that one. The default profile keeps the
 * app's own id, which the desktop file and the shell know it by; any
 * other gets an id of its own, derived from its directory. The settings
 * schema and the resources keep the app's id whatever the profile. */
static char *
dup_application_id_for_data_dir (const char *data_dir)
{
  g_autofree char *default_dir = dropify_service_dup_default_data_dir ();
  g_autofree char *resolved_default = resolve_data_dir (default_dir);
  g_autofree char *resolved = resolve_data_dir (data_dir);
  g_autofree char *digest = NULL;

  if (g_str_equal (resolved, resolved_default))
    return g_strdup (APP_ID);

  digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, resolved, -1);

  /* 64 bits of the digest: an element of a bus name may not start with
   * a digit, hence the prefix. */
  return g_strdup_printf ("%s.Profile_%.16s", APP_ID, digest);
}

static GtkWindow *
dropify_application_get_main_window (DropifyApplication *self)
{
  for (const GList *l = gtk_application_get_windows (GTK_APPLICATION (self));
       l != NULL;
       l = l->next)
    {
      if (DROPIFY_IS_WINDOW (l->data))
        return l->data;
    }

  return NULL;
}

/* Someone looking at the main window sees new drops arrive, and needs no
 * notification of them. */
static void
dropify_application_update_watching (DropifyApplication *self)
{
  GtkWindow *window = dropify_application_get_main_window (self);

  if (window != NULL && gtk_widget_get_visible (GTK_WIDGET (window)))
    g_application_withdraw_notification (G_APPLICATION (self), "background");

  if (self->notifier == NULL)
    return;

  dropify_notifier_set_watching (self->notifier,
                                 window != NULL &&
                                 gtk_widget_get_visible (GTK_WIDGET (window)) &&
                                 gtk_window_is_active (window));
}

/* The main window, made if needed; %NULL (after saying why) when the
 * service could not start. */
static DropifyWindow *
dropify_application_ensure_window (DropifyApplication *self)
{
  GtkWindow *window = dropify_application_get_main_window (self);

  if (window == NULL)
    {
      if (self->service == NULL)
        {
          GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

          /* Launching again shows the same error, not a second one. */
          if (windows != NULL)
            gtk_window_present (windows->data);
          else
            dropify_application_show_startup_error (self);
          return NULL;
        }

      window = GTK_WINDOW (dropify_window_new (self, self->service));
      g_signal_connect_object (window, "notify::is-active",
                               G_CALLBACK (dropify_application_update_watching),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (window, "notify::visible",
                               G_CALLBACK (dropify_application_update_watching),
                               self, G_CONNECT_SWAPPED);
    }

  gtk_window_present (window);

  return DROPIFY_WINDOW (window);
}

/* Running in the background */

static void
request_background_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    g_warning ("Could not ask to run in the background: %s", error->message);
}

/* In a Flatpak, an app that runs without a window asks the background
 * portal first, or the desktop may take it for one that hangs on. The
 * answer comes later, and the desktop remembers it; outside a sandbox
 * there is no one to ask. */
static void
dropify_application_request_background (DropifyApplication *self)
{
  GDBusConnection *bus = g_application_get_dbus_connection (G_APPLICATION (self));
  GVariantBuilder options;

  if (bus == NULL || !g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    return;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Keep your devices in sync after the window is closed")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (FALSE));

  g_dbus_connection_call (bus,
                          "org.freedesktop.portal.Desktop",
                          "/org/freedesktop/portal/desktop",
                          "org.freedesktop.portal.Background",
                          "RequestBackground",
                          g_variant_new ("(sa{sv})", "", &options),
                          G_VARIANT_TYPE ("(o)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          request_background_cb, NULL);
}

/* Says so at each close, since it is withdrawn when the window shows
 * again, and it has the way to quit; only the first of a run pops up,
 * the others just wait in the list. */
static void
dropify_application_tell_in_background (DropifyApplication *self)
{
  g_autoptr(GNotification) notification = NULL;

  notification = g_notification_new (_("Dropify Is Still Running"));
  g_notification_set_body (notification,
                           _("Your devices keep syncing, and new drops are notified. "
                             "Open Dropify again to see them."));
  g_notification_set_priority (notification,
                               self->told_in_background ? G_NOTIFICATION_PRIORITY_LOW
                                                        : G_NOTIFICATION_PRIORITY_NORMAL);
  g_notification_add_button (notification, _("Quit"), "app.quit");
  g_application_send_notification (G_APPLICATION (self), "background", notification);

  self->told_in_background = TRUE;
}

/**
 * dropify_application_close_to_background:
 * @self: a #DropifyApplication
 *
 * Asks whether closing the main window leaves the app running in the
 * background, as the `run-in-background` setting says, unless it is
 * quitting. When it does, the user is told so, with a way to quit, and
 * the window only hides: GtkApplication keeps running for as long as it
 * has a window, hidden or not, so peers keep syncing and drops are still
 * notified; a new launch shows the window again.
 *
 * Returns: %TRUE if the window should hide rather than close
 */
gboolean
dropify_application_close_to_background (DropifyApplication *self)
{
  GSettings *settings;

  g_return_val_if_fail (DROPIFY_IS_APPLICATION (self), FALSE);

  if (self->quitting || self->service == NULL)
    return FALSE;

  settings = dropify_service_get_settings (self->service);
  if (settings == NULL || !g_settings_get_boolean (settings, "run-in-background"))
    return FALSE;

  if (!self->told_in_background)
    dropify_application_request_background (self);
  dropify_application_tell_in_background (self);

  return TRUE;
}

/* GApplication */

static int
dropify_application_handle_local_options (GApplication *app,
                                          GVariantDict *options)
{
  DropifyApplication *self = DROPIFY_APPLICATION (app);
  g_autofree char *data_dir = NULL;
  g_autofree char *application_id = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (self->port < -1 || self->port > 65535)
    {
      g_printerr ("dropify: %s\n", _("The port must be between 0 and 65535"));
      return 2;
    }

  self->no_discovery = g_variant_dict_contains (options, "no-discovery");

  if (g_variant_dict_lookup (options, "data-dir", "^ay", &data_dir))
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (data_dir);

      g_free (self->data_dir);
      self->data_dir = g_file_get_path (file);

      application_id = dup_application_id_for_data_dir (self->data_dir);
      g_application_set_application_id (app, application_id);
    }

  return -1;
}

static void
dropify_application_startup (GApplication *app)
{
  DropifyApplication *self = DROPIFY_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };
  static const char *shortcuts_accels[] = { "<Control>question", NULL };
  g_autoptr(DropifyService) service = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *default_dir = NULL;
  const char *data_dir;

  G_APPLICATION_CLASS (dropify_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self),
                                   app_entries, G_N_ELEMENTS (app_entries),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close", close_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-help-overlay",
                                         shortcuts_accels);

  if (self->data_dir == NULL)
    default_dir = dropify_service_dup_default_data_dir ();
  data_dir = self->data_dir != NULL ? self->data_dir : default_dir;

  settings = dropify_service_create_settings (self->data_dir);
  service = dropify_service_new (data_dir, settings, &self->service_error);

  if (service == NULL)
    {
      g_printerr ("%s\n", self->service_error->message);
      return;
    }

  dropify_service_set_discovery_enabled (service, !self->no_discovery);
  if (!dropify_service_start (service, self->port, &self->service_error))
    {
      g_printerr ("%s\n", self->service_error->message);
      return;
    }

  self->service = g_steal_pointer (&service);
  self->notifier = dropify_notifier_new (app, self->service);

  /* Without the settings schema the service runs on defaults, and there is
   * nothing for Preferences to change. */
  if (dropify_service_get_settings (self->service) == NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self),
                                                                              "preferences")),
                                 FALSE);
}

/* A second launch on the same profile lands here, in the instance that
 * already runs: it raises the window rather than open another. */
static void
dropify_application_activate (GApplication *app)
{
  dropify_application_ensure_window (DROPIFY_APPLICATION (app));
}

/* `dropify FILE…`, or files opened with the app from a file manager: each
 * becomes a drop, made by the instance that runs on the profile. */
static void
dropify_application_open (GApplication  *app,
                          GFile        **files,
                          int            n_files,
                          const char    *hint)
{
  DropifyApplication *self = DROPIFY_APPLICATION (app);
  DropifyWindow *window = dropify_application_ensure_window (self);

  if (window != NULL)
    dropify_window_drop_files (window, files, (guint) n_files);
}

static void
dropify_application_shutdown (GApplication *app)
{
  DropifyApplication *self = DROPIFY_APPLICATION (app);

  /* Their buttons would have nothing to act on. */
  if (self->notifier != NULL)
    dropify_notifier_withdraw_all (self->notifier);
  g_application_withdraw_notification (app, "background");

  if (self->service != NULL)
    dropify_service_shutdown (self->service);

  G_APPLICATION_CLASS (dropify_application_parent_class)->shutdown (app);
}

/* GObject */

static void
dropify_application_finalize (GObject *object)
{
  DropifyApplication *self = (DropifyApplication *)object;

  g_clear_object (&self->notifier);
  g_clear_object (&self->service);
  g_clear_error (&self->service_error);
  g_clear_pointer (&self->data_dir, g_free);

  G_OBJECT_CLASS (dropify_application_parent_class)->finalize (object);
}

static void
dropify_application_class_init (DropifyApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = dropify_application_finalize;

  app_class->handle_local_options = dropify_application_handle_local_options;
  app_class->startup = dropify_application_startup;
  app_class->activate = dropify_application_activate;
  app_class->open = dropify_application_open;
  app_class->shutdown = dropify_application_shutdown;
}

static void
dropify_application_init (DropifyApplication *self)
{
  /* GApplication leaves out of the options it hands over an int that is
   * 0, and 0 is a port that means something: this one is parsed into
   * place. -1 takes the `port` setting. */
  const GOptionEntry port_entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &self->port,
      N_("The TCP port for peers; 0 picks a free one"), N_("N") },
    { NULL }
  };

  self->port = -1;

  g_application_add_main_option_entries (G_APPLICATION (self), main_entries);
  g_application_add_main_option_entries (G_APPLICATION (self), port_entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), NULL);
}

/**
 * dropify_application_new:
 *
 * Returns: (transfer full): the GUI application
 */
DropifyApplication *
dropify_application_new (void)
{
  return g_object_new (DROPIFY_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/dropify/Dropify",
                       NULL);
}

/**
 * dropify_application_get_service:
 * @self: a #DropifyApplication
 *
 * Returns: (transfer none) (nullable): the running service, or %NULL when
 *   it could not start
 */
DropifyService *
dropify_application_get_service (DropifyApplication *self)
{
  g_return_val_if_fail (DROPIFY_IS_APPLICATION (self), NULL);

  return self->service;
}
