/* dropify-notifier.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-notifier"

#include "config.h"

#include <glib/gi18n.h>

#include "dropify-notifier.h"

/* A burst of drops from one device updates its one notification at most
 * this often, rather than once for each drop. */
#define THROTTLE_MS 1000

/* How much of a text drop a notification shows. */
#define PREVIEW_CHARS 120

/* The drops a device sent since the user last looked at the history: one
 * notification says them all. */
typedef struct
{
  char        *notification_id;
  char        *origin_name;
  DropifyDrop *latest;
  guint        count;
  gboolean     pending;
} Sender;

struct _DropifyNotifier
{
  GObject         parent_instance;

  GApplication   *application;
  DropifyService *service;

  GHashTable     *senders;   /* origin → Sender */
  guint           throttle_source;
  gboolean        watching;
};

G_DEFINE_FINAL_TYPE (DropifyNotifier, dropify_notifier, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_APPLICATION,
  PROP_SERVICE,
  PROP_WATCHING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sender_free (Sender *sender)
{
  g_clear_pointer (&sender->notification_id, g_free);
  g_clear_pointer (&sender->origin_name, g_free);
  g_clear_object (&sender->latest);
  g_free (sender);
}

/* Notifications */

/* One line of a text drop: notifications are short, and a text drop may
 * be a whole page, so only its first words are looked at. */
static char *
dup_preview (const char *text)
{
  GString *preview = g_string_new (NULL);
  gboolean space = FALSE;
  guint n_chars = 0;

  for (const char *p = text; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        {
          space = preview->len > 0;
          continue;
        }

      /* c would be past the limit: cut there, as a cut of the whole line
       * would (keeping a space that falls within it). */
      if (n_chars + (space ? 1 : 0) >= PREVIEW_CHARS)
        {
          if (space && n_chars < PREVIEW_CHARS)
            g_string_append_c (preview, ' ');
          g_string_append (preview, "…");
          break;
        }

      if (space)
        {
          g_string_append_c (preview, ' ');
          n_chars++;
        }
      space = FALSE;
      g_string_append_unichar (preview, c);
      n_chars++;
    }

  return g_string_free (preview, FALSE);
}

static char *
dup_summary (DropifyDrop *drop)
{
  g_autofree char *size = NULL;

  if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_TEXT)
    return dup_preview (dropify_drop_get_text (drop));

  size = g_format_size (dropify_drop_get_size (drop));
  /* Translators: a notification's text; the first %s is a file name, the
   * second its size, as in "photo.jpg (2.1 MB)" */
  return g_strdup_printf (_("%s (%s)"), dropify_drop_get_name (drop), size);
}

static void
dropify_notifier_send (DropifyNotifier *self,
                       Sender          *sender)
{
  g_autoptr(GNotification) notification = NULL;
  g_autoptr(GIcon) icon = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  DropifyDrop *drop = sender->latest;
  const char *id = dropify_drop_get_id (drop);
  const char *name = sender->origin_name;

  sender->pending = FALSE;

  if (self->application == NULL)
    return;

  if (sender->count > 1)
    /* Translators: a notification's title; %u is a number of drops, %s the
     * name of the device they came from */
    title = g_strdup_printf (ngettext ("%u new drop from %s", "%u new drops from %s",
                                       sender->count),
                             sender->count, name);
  else if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_TEXT)
    /* Translators: a notification's title; %s is the name of the device
     * the text drop came from */
    title = g_strdup_printf (_("Text from %s"), name);
  else
    /* Translators: a notification's title; %s is the name of the device
     * the file drop came from */
    title = g_strdup_printf (_("File from %s"), name);

  body = dup_summary (drop);

  notification = g_notification_new (title);
  g_notification_set_body (notification, body);
  icon = g_themed_icon_new (APP_ID);
  g_notification_set_icon (notification, icon);

  /* Clicking it shows the newest of them in the history. */
  g_notification_set_default_action_and_target (notification, "app.show-drop", "s", id);

  if (sender->count == 1 && dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_TEXT)
    g_notification_add_button_with_target (notification, _("Copy"), "app.copy-drop", "s", id);
  else if (sender->count == 1 && dropify_drop_get_complete (drop))
    g_notification_add_button_with_target (notification, _("Open"), "app.open-drop", "s", id);

  g_debug ("Notifying %s: %s", sender->notification_id, title);
  g_application_send_notification (self->application, sender->notification_id, notification);
}

/* Sends what is pending; returns whether there was any. */
static gboolean
dropify_notifier_flush (DropifyNotifier *self)
{
  GHashTableIter iter;
  Sender *sender;
  gboolean sent = FALSE;

  g_hash_table_iter_init (&iter, self->senders);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &sender))
    {
      if (sender->pending)
        {
          dropify_notifier_send (self, sender);
          sent = TRUE;
        }
    }

  return sent;
}

static gboolean
dropify_notifier_throttle_cb (gpointer user_data)
{
  DropifyNotifier *self = DROPIFY_NOTIFIER (user_data);

  if (dropify_notifier_flush (self))
    return G_SOURCE_CONTINUE;

  self->throttle_source = 0;
  return G_SOURCE_REMOVE;
}

/* The first drop shows at once; those that follow within THROTTLE_MS are
 * counted into one update. */
static void
dropify_notifier_schedule (DropifyNotifier *self)
{
  if (self->throttle_source != 0)
    return;

  dropify_notifier_flush (self);
  self->throttle_source = g_timeout_add (THROTTLE_MS, dropify_notifier_throttle_cb, self);
}

static gboolean
dropify_notifier_is_own (DropifyNotifier *self,
                         DropifyDrop     *drop)
{
  DropifyIdentity *identity = dropify_service_get_identity (self->service);

  return dropify_identity_is_own_id (identity, dropify_drop_get_origin (drop));
}

/* Only drops from elsewhere, a peer or a phone: a drop made here is
 * already where the user looks. */
static void
dropify_notifier_drop_added (DropifyNotifier *self,
                             DropifyDrop     *drop,
                             DropifyHistory  *history)
{
  const char *origin = dropify_drop_get_origin (drop);
  const char *origin_name = dropify_drop_get_origin_name (drop);
  Sender *sender;

  if (self->watching || origin == NULL || dropify_notifier_is_own (self, drop))
    return;

  sender = g_hash_table_lookup (self->senders, origin);
  if (sender == NULL)
    {
      sender = g_new0 (Sender, 1);
      sender->notification_id = g_strconcat ("drops-", origin, NULL);
      g_hash_table_insert (self->senders, g_strdup (origin), sender);
    }

  if (origin_name != NULL && *origin_name != '\0')
    {
      g_free (sender->origin_name);
      sender->origin_name = g_strdup (origin_name);
    }
  else if (sender->origin_name == NULL)
    sender->origin_name = g_strdup (_("Another device"));

  g_set_object (&sender->latest, drop);
  sender->count++;
  sender->pending = TRUE;

  dropify_notifier_schedule (self);
}

/* A file can be opened once it is all here: its notification gains the
 * button to. */
static void
dropify_notifier_drop_completed (DropifyNotifier *self,
                                 DropifyDrop     *drop,
                                 DropifyHistory  *history)
{
  Sender *sender;

  if (self->watching || dropify_drop_get_origin (drop) == NULL)
    return;

  sender = g_hash_table_lookup (self->senders, dropify_drop_get_origin (drop));
  if (sender != NULL && sender->latest == drop && sender->count == 1 && !sender->pending)
    dropify_notifier_send (self, sender);
}

/* GObject */

static void
dropify_notifier_constructed (GObject *object)
{
  DropifyNotifier *self = (DropifyNotifier *)object;
  DropifyHistory *history;

  G_OBJECT_CLASS (dropify_notifier_parent_class)->constructed (object);

  g_assert (G_IS_APPLICATION (self->application));
  g_assert (DROPIFY_IS_SERVICE (self->service));

  history = dropify_service_get_history (self->service);
  g_signal_connect_object (history, "drop-added",
                           G_CALLBACK (dropify_notifier_drop_added),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (history, "drop-completed",
                           G_CALLBACK (dropify_notifier_drop_completed),
                           self, G_CONNECT_SWAPPED);
}

static void
dropify_notifier_dispose (GObject *object)
{
  DropifyNotifier *self = (DropifyNotifier *)object;

  g_clear_handle_id (&self->throttle_source, g_source_remove);
  g_hash_table_remove_all (self->senders);

  G_OBJECT_CLASS (dropify_notifier_parent_class)->dispose (object);
}

static void
dropify_notifier_finalize (GObject *object)
{
  DropifyNotifier *self = (DropifyNotifier *)object;

  g_clear_weak_pointer (&self->application);
  g_clear_object (&self->service);
  g_clear_pointer (&self->senders, g_hash_table_unref);

  G_OBJECT_CLASS (dropify_notifier_parent_class)->finalize (object);
}

static void
dropify_notifier_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  DropifyNotifier *self = DROPIFY_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_APPLICATION:
      g_value_set_object (value, self->application);
      break;

    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;

    case PROP_WATCHING:
      g_value_set_boolean (value, self->watching);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_notifier_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  DropifyNotifier *self = DROPIFY_NOTIFIER (object);

  switch (prop_id)
    {
    case PROP_APPLICATION:
      /* The application owns the notifier. */
      g_set_weak_pointer (&self->application, g_value_get_object (value));
      break;

    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;

    case PROP_WATCHING:
      dropify_notifier_set_watching (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_notifier_class_init (DropifyNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = dropify_notifier_constructed;
  object_class->dispose = dropify_notifier_dispose;
  object_class->finalize = dropify_notifier_finalize;
  object_class->get_property = dropify_notifier_get_property;
  object_class->set_property = dropify_notifier_set_property;

  properties[PROP_APPLICATION] =
    g_param_spec_object ("application", NULL, NULL,
                         G_TYPE_APPLICATION,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL,
                         DROPIFY_TYPE_SERVICE,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * DropifyNotifier:watching:
   *
   * Whether the user is looking at the history, in a window that is shown
   * and focused: new drops show there, and need no notification.
   */
  properties[PROP_WATCHING] =
    g_param_spec_boolean ("watching", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dropify_notifier_init (DropifyNotifier *self)
{
  self->senders = g_hash_table_new_full (g_str_hash, g_str_equal,
                                         g_free, (GDestroyNotify) sender_free);
}

/**
 * dropify_notifier_new:
 * @application: the application that sends the notifications, and has
 *   the `app.show-drop`, `app.copy-drop` and `app.open-drop` actions
 *   their buttons use
 * @service: the service whose new drops are notified
 *
 * Sends a notification when a drop arrives from another device, or a
 * phone, while the user is not looking at the history. Drops from one
 * device share one notification, which counts them.
 *
 * Returns: (transfer full): a new notifier
 */
DropifyNotifier *
dropify_notifier_new (GApplication   *application,
                      DropifyService *service)
{
  g_return_val_if_fail (G_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (DROPIFY_IS_SERVICE (service), NULL);

  return g_object_new (DROPIFY_TYPE_NOTIFIER,
                       "application", application,
                       "service", service,
                       NULL);
}

gboolean
dropify_notifier_get_watching (DropifyNotifier *self)
{
  g_return_val_if_fail (DROPIFY_IS_NOTIFIER (self), FALSE);

  return self->watching;
}

/**
 * dropify_notifier_set_watching:
 * @self: a #DropifyNotifier
 * @watching: whether the user is looking at the history
 *
 * While the user watches, no notification is sent; when they start, the
 * ones already sent are withdrawn, since the drops they tell of are in
 * front of them.
 */
void
dropify_notifier_set_watching (DropifyNotifier *self,
                               gboolean         watching)
{
  g_return_if_fail (DROPIFY_IS_NOTIFIER (self));

  watching = !!watching;
  if (self->watching == watching)
    return;

  self->watching = watching;

  if (watching)
    dropify_notifier_withdraw_all (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WATCHING]);
}

/**
 * dropify_notifier_withdraw_all:
 * @self: a #DropifyNotifier
 *
 * Withdraws every notification sent, and starts counting again.
 */
void
dropify_notifier_withdraw_all (DropifyNotifier *self)
{
  GHashTableIter iter;
  Sender *sender;

  g_return_if_fail (DROPIFY_IS_NOTIFIER (self));

  g_clear_handle_id (&self->throttle_source, g_source_remove);

  g_hash_table_iter_init (&iter, self->senders);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &sender))
    {
      if (self->application != NULL)
        g_application_withdraw_notification (self->application, sender->notification_id);
    }

  g_hash_table_remove_all (self->senders);
}

/**
 * dropify_notifier_forget_drop:
 * @self: a #DropifyNotifier
 * @id: the id of a drop
 *
 * The user acted on the notification about @id: the next drop from that
 * device starts a notification of its own rather than add to the count.
 */
void
dropify_notifier_forget_drop (DropifyNotifier *self,
                              const char      *id)
{
  GHashTableIter iter;
  Sender *sender;

  g_return_if_fail (DROPIFY_IS_NOTIFIER (self));
  g_return_if_fail (id != NULL);

  g_hash_table_iter_init (&iter, self->senders);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &sender))
    {
      if (g_strcmp0 (dropify_drop_get_id (sender->latest), id) == 0)
        g_hash_table_iter_remove (&iter);
    }
}
