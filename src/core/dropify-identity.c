#define G_LOG_DOMAIN "dropify-identity"

#include "config.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "dropify-identity.h"

/* The device id is made once and kept in the data dir, so a device keeps
 * its identity across restarts and renames. */

struct _DropifyIdentity
{
  GObject  parent_instance;
  char    *device_id;
  char    *name;
};

G_DEFINE_FINAL_TYPE (DropifyIdentity, dropify_identity, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DEVICE_ID,
  PROP_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* GObject */

static void
dropify_identity_finalize (GObject *object)
{
  DropifyIdentity *self = (DropifyIdentity *)object;

  g_clear_pointer (&self->device_id, g_free);
  g_clear_pointer (&self->name, g_free);

  G_OBJECT_CLASS (dropify_identity_parent_class)->finalize (object);
}

static void
dropify_identity_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  DropifyIdentity *self = DROPIFY_IDENTITY (object);

  switch (prop_id)
    {
    case PROP_DEVICE_ID:
      g_value_set_string (value, self->device_id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_identity_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  DropifyIdentity *self = DROPIFY_IDENTITY (object);

  switch (prop_id)
    {
    case PROP_NAME:
      dropify_identity_set_name (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_identity_class_init (DropifyIdentityClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dropify_identity_finalize;
  object_class->get_property = dropify_identity_get_property;
  object_class->set_property = dropify_identity_set_property;

  properties[PROP_DEVICE_ID] =
    g_param_spec_string ("device-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dropify_identity_init (DropifyIdentity *self)
{
}

/**
 * dropify_identity_dup_default_name:
 *
 * Returns: (transfer full): the computer's pretty name, as set in GNOME
 *   Settings, or else its host name
 */
char *
dropify_identity_dup_default_name (void)
{
  g_autofree char *contents = NULL;

  if (g_file_get_contents ("/etc/machine-info", &contents, NULL, NULL))
    {
      g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);

      for (guint i = 0; lines[i]; i++)
        {
          if (g_str_has_prefix (lines[i], "PRETTY_HOSTNAME="))
            {
              g_autofree char *value = NULL;

              value = g_shell_unquote (lines[i] + strlen ("PRETTY_HOSTNAME="), NULL);
              if (value != NULL && value[0] != '\0' && g_utf8_validate (value, -1, NULL))
                return g_steal_pointer (&value);
            }
        }
    }

  return g_strdup (g_get_host_name ());
}

/**
 * dropify_identity_new:
 * @data_dir: the profile's data dir
 *
 * Loads the device identity from @data_dir, making one on first run.
 *
 * Returns: (transfer full): the identity, or %NULL with @error set
 */
DropifyIdentity *
dropify_identity_new (const char  *data_dir,
                      GError     **error)
{
  g_autoptr(DropifyIdentity) self = NULL;
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *path = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);

  self = g_object_new (DROPIFY_TYPE_IDENTITY, NULL);
  self->name = dropify_identity_dup_default_name ();
  path = g_build_filename (data_dir, "identity.ini", NULL);

  if (g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &local_error))
    {
      self->device_id = g_key_file_get_string (keyfile, "device", "id", NULL);
      if (self->device_id == NULL || !g_uuid_string_is_valid (self->device_id))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("The device identity “%s” is damaged. Move it away to make a new one."),
                       path);
          return NULL;
        }
    }
  else if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      self->device_id = g_uuid_string_random ();
      g_key_file_set_string (keyfile, "device", "id", self->device_id);
      if (!g_key_file_save_to_file (keyfile, path, error))
        return NULL;
      g_chmod (path, 0600);
    }
  else
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  _("Could not read the device identity: "));
      return NULL;
    }

  return g_steal_pointer (&self);
}

const char *
dropify_identity_get_device_id (DropifyIdentity *self)
{
  g_return_val_if_fail (DROPIFY_IS_IDENTITY (self), NULL);
  return self->device_id;
}

const char *
dropify_identity_get_name (DropifyIdentity *self)
{
  g_return_val_if_fail (DROPIFY_IS_IDENTITY (self), NULL);
  return self->name;
}

/**
 * dropify_identity_set_name:
 * @name: (nullable): the name others see; %NULL or empty for the default
 */
void
dropify_identity_set_name (DropifyIdentity *self,
                           const char      *name)
{
  g_autofree char *value = NULL;

  g_return_if_fail (DROPIFY_IS_IDENTITY (self));

  if (name != NULL && g_utf8_validate (name, -1, NULL))
    value = g_strstrip (g_utf8_make_valid (name, -1));

  if (value == NULL || value[0] == '\0')
    {
      g_free (value);
      value = dropify_identity_dup_default_name ();
    }

  if (g_strcmp0 (self->name, value) == 0)
    return;

  g_free (self->name);
  self->name = g_steal_pointer (&value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}
