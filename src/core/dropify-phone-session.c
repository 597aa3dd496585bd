#define G_LOG_DOMAIN "dropify-phone"

#include "config.h"

#include <glib/gi18n.h>

#include "dropify-phone-session.h"

/* One browser connected to the phone page: it has the page open, with its
 * live connection up. The window lists these; they go away when the page
 * is closed or the token is revoked. */

struct _DropifyPhoneSession
{
  GObject    parent_instance;
  char      *address;
  char      *user_agent;
  char      *name;
  char      *origin;
  GDateTime *connected_since;
};

G_DEFINE_FINAL_TYPE (DropifyPhoneSession, dropify_phone_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ADDRESS,
  PROP_USER_AGENT,
  PROP_NAME,
  PROP_ORIGIN,
  PROP_CONNECTED_SINCE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/**
 * dropify_phone_name_from_user_agent:
 * @user_agent: (nullable): a browser's `User-Agent`
 *
 * Names a device the way a person would recognise it, such as
 * “Phone (Android)”. Drops sent from the phone page carry this name.
 *
 * Returns: (transfer full): the name
 */
char *
dropify_phone_name_from_user_agent (const char *user_agent)
{
  if (user_agent == NULL)
    user_agent = "";

  /* Order matters: an Android UA also says Linux, an iPhone's says Mac OS X. */
  if (strstr (user_agent, "iPhone") || strstr (user_agent, "iPod"))
    return g_strdup (_("Phone (iPhone)"));
  if (strstr (user_agent, "iPad"))
    return g_strdup (_("Tablet (iPad)"));
  if (strstr (user_agent, "Android"))
    return g_strdup (strstr (user_agent, "Mobile") ? _("Phone (Android)") : _("Tablet (Android)"));
  if (strstr (user_agent, "Windows Phone"))
    return g_strdup (_("Phone (Windows)"));
  if (strstr (user_agent, "Windows"))
    return g_strdup (_("Browser (Windows)"));
  if (strstr (user_agent, "CrOS"))
    return g_strdup (_("Browser (ChromeOS)"));
  if (strstr (user_agent, "Macintosh"))
    return g_strdup (_("Browser (Mac)"));
  if (strstr (user_agent, "Linux") || strstr (user_agent, "X11"))
    return g_strdup (_("Browser (Linux)"));

  return g_strdup (_("Browser"));
}

/* GObject */

static void
dropify_phone_session_finalize (GObject *object)
{
  DropifyPhoneSession *self = (DropifyPhoneSession *)object;

  g_clear_pointer (&self->address, g_free);
  g_clear_pointer (&self->user_agent, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->origin, g_free);
  g_clear_pointer (&self->connected_since, g_date_time_unref);

  G_OBJECT_CLASS (dropify_phone_session_parent_class)->finalize (object);
}

static void
dropify_phone_session_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  DropifyPhoneSession *self = DROPIFY_PHONE_SESSION (object);

  switch (prop_id)
    {
    case PROP_ADDRESS: g_value_set_string (value, self->address); break;
    case PROP_USER_AGENT: g_value_set_string (value, self->user_agent); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_ORIGIN: g_value_set_string (value, self->origin); break;
    case PROP_CONNECTED_SINCE: g_value_set_boxed (value, self->connected_since); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_phone_session_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  DropifyPhoneSession *self = DROPIFY_PHONE_SESSION (object);

  switch (prop_id)
    {
    case PROP_ADDRESS: self->address = g_value_dup_string (value); break;
    case PROP_USER_AGENT: self->user_agent = g_value_dup_string (value); break;
    case PROP_ORIGIN: self->origin = g_value_dup_string (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_phone_session_constructed (GObject *object)
{
  DropifyPhoneSession *self = DROPIFY_PHONE_SESSION (object);

  G_OBJECT_CLASS (dropify_phone_session_parent_class)->constructed (object);

  self->name = dropify_phone_name_from_user_agent (self->user_agent);
  self->connected_since = g_date_time_new_now_local ();
}

static void
dropify_phone_session_class_init (DropifyPhoneSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  const GParamFlags readable = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = dropify_phone_session_finalize;
  object_class->get_property = dropify_phone_session_get_property;
  object_class->set_property = dropify_phone_session_set_property;
  object_class->constructed = dropify_phone_session_constructed;

  /**
   * DropifyPhoneSession:address:
   *
   * The browser's IP address, as the server sees it.
   */
  properties[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, construct);

  /**
   * DropifyPhoneSession:user-agent:
   *
   * The browser's `User-Agent`, as it sent it.
   */
  properties[PROP_USER_AGENT] = g_param_spec_string ("user-agent", NULL, NULL, NULL, construct);

  /**
   * DropifyPhoneSession:name:
   *
   * A name for the device: the one its page chose (“Anna’s Pixel”), or
   * one from its browser, such as “Phone (Android)”.
   */
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, readable);

  /**
   * DropifyPhoneSession:origin:
   *
   * The origin of the drops this browser makes: stable for one browser and
   * one token.
   */
  properties[PROP_ORIGIN] = g_param_spec_string ("origin", NULL, NULL, NULL, construct);

  /**
   * DropifyPhoneSession:connected-since:
   *
   * When the page connected, in local time.
   */
  properties[PROP_CONNECTED_SINCE] =
    g_param_spec_boxed ("connected-since", NULL, NULL, G_TYPE_DATE_TIME, readable);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dropify_phone_session_init (DropifyPhoneSession *self)
{
}

DropifyPhoneSession *
dropify_phone_session_new (const char *address,
                           const char *user_agent,
                           const char *origin)
{
  return g_object_new (DROPIFY_TYPE_PHONE_SESSION,
                       "address", address,
                       "user-agent", user_agent,
                       "origin", origin,
                       NULL);
}

const char *
dropify_phone_session_get_address (DropifyPhoneSession *self)
{
  g_return_val_if_fail (DROPIFY_IS_PHONE_SESSION (self), NULL);
  return self->address;
}

const char *
dropify_phone_session_get_name (DropifyPhoneSession *self)
{
  g_return_val_if_fail (DROPIFY_IS_PHONE_SESSION (self), NULL);
  return self->name;
}

const char *
dropify_phone_session_get_origin (DropifyPhoneSession *self)
{
  g_return_val_if_fail (DROPIFY_IS_PHONE_SESSION (self), NULL);
  return self->origin;
}

const char *
dropify_phone_session_get_user_agent (DropifyPhoneSession *self)
{
  g_return_val_if_fail (DROPIFY_IS_PHONE_SESSION (self), NULL);
  return self->user_agent;
}

/**
 * dropify_phone_session_set_name:
 * @name: (nullable): the name the phone chose, already checked, or %NULL
 *   for the one its browser suggests
 *
 * Renames the device, as its page asked.
 */
void
dropify_phone_session_set_name (DropifyPhoneSession *self,
                                const char          *name)
{
  g_autofree char *given = NULL;

  g_return_if_fail (DROPIFY_IS_PHONE_SESSION (self));

  given = name != NULL ? g_strdup (name) : dropify_phone_name_from_user_agent (self->user_agent);
  if (g_strcmp0 (given, self->name) == 0)
    return;

  g_free (self->name);
  self->name = g_steal_pointer (&given);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

/**
 * dropify_phone_session_get_connected_since:
 *
 * Returns: (transfer none): when the page connected, in local time
 */
GDateTime *
dropify_phone_session_get_connected_since (DropifyPhoneSession *self)
{
  g_return_val_if_fail (DROPIFY_IS_PHONE_SESSION (self), NULL);
  return self->connected_since;
}
