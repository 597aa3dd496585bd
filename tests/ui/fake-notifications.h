#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* One Notify call the server received. */
typedef struct
{
  guint32   id;            /* the id it answered with */
  guint32   replaces_id;
  char     *summary;
  char     *body;
  char    **actions;       /* key, label, key, label… */
  char     *desktop_entry;
} FakeNotification;

typedef struct _FakeNotifications FakeNotifications;

FakeNotifications *fake_notifications_start         (void);
void               fake_notifications_stop          (FakeNotifications *self);
GPtrArray         *fake_notifications_get_notified  (FakeNotifications *self);
GArray            *fake_notifications_get_closed    (FakeNotifications *self);
void               fake_notifications_invoke        (FakeNotifications *self,
                                                     guint32            id,
                                                     const char        *action_key);
const char        *fake_notification_find_action    (FakeNotification  *notification,
                                                     const char        *prefix,
                                                     const char       **label);

G_END_DECLS
