/* fake-notifications.c: a notification server on the test's own session bus
 *
 * No desktop shell runs under Xvfb, so nothing would show GApplication's
 * notifications: this stands in for one. It owns
 * org.freedesktop.Notifications, which GLib's "freedesktop" notification
 * backend calls when neither org.gtk.Notifications nor a portal is there,
 * records every Notify and CloseNotification, and emits ActionInvoked as
 * a user's click would. It runs in the test's process, on a bus
 * connection of its own, so the app reaches it over the real bus.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "fake-notifications.h"

static const char introspection_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.Notifications'>"
  "    <method name='Notify'>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='u' direction='in'/>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='as' direction='in'/>"
  "      <arg type='a{sv}' direction='in'/>"
  "      <arg type='i' direction='in'/>"
  "      <arg type='u' direction='out'/>"
  "    </method>"
  "    <method name='CloseNotification'>"
  "      <arg type='u' direction='in'/>"
  "    </method>"
  "    <method name='GetCapabilities'>"
  "      <arg type='as' direction='out'/>"
  "    </method>"
  "    <method name='GetServerInformation'>"
  "      <arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/>"
  "      <arg type='s' direction='out'/>"
  "    </method>"
  "    <signal name='ActionInvoked'>"
  "      <arg type='u'/>"
  "      <arg type='s'/>"
  "    </signal>"
  "    <signal name='NotificationClosed'>"
  "      <arg type='u'/>"
  "      <arg type='u'/>"
  "    </signal>"
  "  </interface>"
  "</node>";

struct _FakeNotifications
{
  GDBusConnection *connection;
  GDBusNodeInfo   *info;
  guint            object_id;
  guint            name_id;
  gboolean         name_owned;
  gboolean         name_lost;
  guint32          last_id;
  GPtrArray       *notified;
  GArray          *closed;
};

static void
fake_notification_free (FakeNotification *notification)
{
  g_free (notification->summary);
  g_free (notification->body);
  g_strfreev (notification->actions);
  g_free (notification->desktop_entry);
  g_free (notification);
}

static void
handle_method_call (GDBusConnection       *connection,
                    const char            *sender,
                    const char            *object_path,
                    const char            *interface_name,
                    const char            *method_name,
                    GVariant              *parameters,
                    GDBusMethodInvocation *invocation,
                    gpointer               user_data)
{
  FakeNotifications *self = user_data;

  if (g_str_equal (method_name, "Notify"))
    {
      FakeNotification *notification = g_new0 (FakeNotification, 1);
      g_autoptr(GVariant) hints = NULL;

      g_variant_get (parameters, "(&su&sss^as@a{sv}i)",
                     NULL, &notification->replaces_id, NULL,
                     &notification->summary, &notification->body,
                     &notification->actions, &hints, NULL);
      g_variant_lookup (hints, "desktop-entry", "s", &notification->desktop_entry);

      notification->id = notification->replaces_id != 0 ? notification->replaces_id : ++self->last_id;
      g_ptr_array_add (self->notified, notification);

      {
        g_autofree char *actions = g_strjoinv (", ", notification->actions);

        g_test_message ("Notify #%u (replaces %u): “%s”, “%s”, actions: %s",
                        notification->id, notification->replaces_id,
                        notification->summary, notification->body, actions);
      }

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", notification->id));
    }
  else if (g_str_equal (method_name, "CloseNotification"))
    {
      guint32 id;

      g_variant_get (parameters, "(u)", &id);
      g_array_append_val (self->closed, id);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method_name, "GetCapabilities"))
    {
      const char *capabilities[] = { "actions", "body", NULL };

      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(^as)", capabilities));
    }
  else if (g_str_equal (method_name, "GetServerInformation"))
    {
      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(ssss)", "fake", "Dropify tests",
                                                            "1", "1.2"));
    }
  else
    {
      g_dbus_method_invocation_return_error (invocation, G_DBUS_ERROR,
                                             G_DBUS_ERROR_UNKNOWN_METHOD,
                                             "No method %s", method_name);
    }
}

static const GDBusInterfaceVTable vtable = { handle_method_call, NULL, NULL, { 0 } };

static void
name_acquired (GDBusConnection *connection,
               const char      *name,
               gpointer         user_data)
{
  ((FakeNotifications *) user_data)->name_owned = TRUE;
}

static void
name_lost (GDBusConnection *connection,
           const char      *name,
           gpointer         user_data)
{
  ((FakeNotifications *) user_data)->name_lost = TRUE;
}

/* Starts the server and returns once it owns its name. */
FakeNotifications *
fake_notifications_start (void)
{
  FakeNotifications *self = g_new0 (FakeNotifications, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  int64_t deadline;

  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  self->connection = g_dbus_connection_new_for_address_sync (address,
                                                             G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                             G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                             NULL, NULL, &error);
  g_assert_no_error (error);

  self->info = g_dbus_node_info_new_for_xml (introspection_xml, &error);
  g_assert_no_error (error);

  self->notified = g_ptr_array_new_with_free_func ((GDestroyNotify) fake_notification_free);
  self->closed = g_array_new (FALSE, FALSE, sizeof (guint32));

  self->object_id = g_dbus_connection_register_object (self->connection,
                                                       "/org/freedesktop/Notifications",
                                                       self->info->interfaces[0],
                                                       &vtable, self, NULL, &error);
  g_assert_no_error (error);

  self->name_id = g_bus_own_name_on_connection (self->connection,
                                                "org.freedesktop.Notifications",
                                                G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                                name_acquired, name_lost, self, NULL);

  deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
  while (!self->name_owned && !self->name_lost && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  g_assert_true (self->name_owned);

  return self;
}

void
fake_notifications_stop (FakeNotifications *self)
{
  g_bus_unown_name (self->name_id);
  g_dbus_connection_unregister_object (self->connection, self->object_id);
  g_dbus_connection_close_sync (self->connection, NULL, NULL);
  g_clear_object (&self->connection);
  g_clear_pointer (&self->info, g_dbus_node_info_unref);
  g_clear_pointer (&self->notified, g_ptr_array_unref);
  g_clear_pointer (&self->closed, g_array_unref);
  g_free (self);
}

/* Every Notify so far, oldest first, as FakeNotification. */
GPtrArray *
fake_notifications_get_notified (FakeNotifications *self)
{
  return self->notified;
}

/* The id of every CloseNotification so far, as guint32. */
GArray *
fake_notifications_get_closed (FakeNotifications *self)
{
  return self->closed;
}

/* What a click on a button (or on the notification: "default") sends. */
void
fake_notifications_invoke (FakeNotifications *self,
                           guint32            id,
                           const char        *action_key)
{
  g_autoptr(GError) error = NULL;

  g_dbus_connection_emit_signal (self->connection, NULL,
                                 "/org/freedesktop/Notifications",
                                 "org.freedesktop.Notifications",
                                 "ActionInvoked",
                                 g_variant_new ("(us)", id, action_key),
                                 &error);
  g_assert_no_error (error);
  g_dbus_connection_flush_sync (self->connection, NULL, &error);
  g_assert_no_error (error);
}

/* The key of the first action whose key starts with @prefix, and its
 * label; %NULL when there is none. */
const char *
fake_notification_find_action (FakeNotification  *notification,
                               const char        *prefix,
                               const char       **label)
{
  for (guint i = 0; notification->actions[i] != NULL && notification->actions[i + 1] != NULL; i += 2)
    {
      if (g_str_has_prefix (notification->actions[i], prefix))
        {
          if (label != NULL)
            *label = notification->actions[i + 1];
          return notification->actions[i];
        }
    }

  return NULL;
}
