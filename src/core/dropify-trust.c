#define G_LOG_DOMAIN "dropify-trust"

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "dropify-trust.h"

/* The devices this one trusts, each by its certificate's fingerprint,
 * never by address or name. Kept in trusted-devices.ini (0600) in the data
 * dir. Devices become trusted by pairing (both people confirm the same
 * 6-digit code, derived from both fingerprints) or by proving they know
 * the same group secret. */

struct _DropifyTrust
{
  GObject   parent_instance;
  char     *path;
  GKeyFile *keyfile;
};

G_DEFINE_FINAL_TYPE (DropifyTrust, dropify_trust, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
dropify_trust_finalize (GObject *object)
{
  DropifyTrust *self = (DropifyTrust *)object;

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->keyfile, g_key_file_unref);

  G_OBJECT_CLASS (dropify_trust_parent_class)->finalize (object);
}

static void
dropify_trust_class_init (DropifyTrustClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dropify_trust_finalize;

  /**
   * DropifyTrust::changed:
   * @device_id: the device whose trust changed
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
dropify_trust_init (DropifyTrust *self)
{
  self->keyfile = g_key_file_new ();
}

DropifyTrust *
dropify_trust_new (const char  *data_dir,
                   GError     **error)
{
  g_autoptr(DropifyTrust) self = g_object_new (DROPIFY_TYPE_TRUST, NULL);
  g_autoptr(GError) local_error = NULL;

  self->path = g_build_filename (data_dir, "trusted-devices.ini", NULL);

  if (!g_key_file_load_from_file (self->keyfile, self->path, G_KEY_FILE_NONE, &local_error) &&
      !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The list of trusted devices “%s” cannot be read (%s)."),
                   self->path, local_error->message);
      return NULL;
    }

  return g_steal_pointer (&self);
}

static gboolean
save (DropifyTrust  *self,
      GError       **error)
{
  g_autofree char *data = g_key_file_to_data (self->keyfile, NULL, NULL);
  g_autofree char *tmp = g_strconcat (self->path, ".tmp", NULL);

  if (!g_file_set_contents_full (tmp, data, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;

  if (g_rename (tmp, self->path) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   _("Could not save the trusted devices: %s"), g_strerror (errno));
      return FALSE;
    }

  return TRUE;
}

/**
 * dropify_trust_lookup:
 *
 * Returns: (nullable): the fingerprint trusted for @device_id
 */
const char *
dropify_trust_lookup (DropifyTrust *self,
                      const char   *device_id)
{
  g_autofree char *fingerprint = NULL;

  g_return_val_if_fail (DROPIFY_IS_TRUST (self), NULL);

  if (device_id == NULL || !g_key_file_has_group (self->keyfile, device_id))
    return NULL;

  fingerprint = g_key_file_get_string (self->keyfile, device_id, "fingerprint", NULL);
  if (fingerprint == NULL)
    return NULL;

  /* Interned: callers keep it without caring about the key file's life. */
  return g_intern_string (fingerprint);
}

/**
 * dropify_trust_dup_name:
 *
 * Returns: (transfer full) (nullable): the name @device_id had when it
 *   was trusted, or %NULL when it is not trusted
 */
char *
dropify_trust_dup_name (DropifyTrust *self,
                        const char   *device_id)
{
  g_return_val_if_fail (DROPIFY_IS_TRUST (self), NULL);

  if (dropify_trust_lookup (self, device_id) == NULL)
    return NULL;

  return g_key_file_get_string (self->keyfile, device_id, "name", NULL);
}

gboolean
dropify_trust_add (DropifyTrust     *self,
                   const char       *device_id,
                   const char       *fingerprint,
                   const char       *name,
                   DropifyTrustHow   how,
                   GError          **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *since = g_date_time_format_iso8601 (now);

  g_return_val_if_fail (DROPIFY_IS_TRUST (self), FALSE);
  g_return_val_if_fail (device_id != NULL && fingerprint != NULL, FALSE);

  g_key_file_remove_key (self->keyfile, device_id, "unpaired", NULL);
  g_key_file_set_string (self->keyfile, device_id, "fingerprint", fingerprint);
  g_key_file_set_string (self->keyfile, device_id, "name", name ? name : "");
  g_key_file_set_string (self->keyfile, device_id, "how", how == DROPIFY_TRUST_GROUP ? "group" : "pairing");
  g_key_file_set_string (self->keyfile, device_id, "since", since);

  if (!save (self, error))
    return FALSE;

  g_signal_emit (self, signals[CHANGED], 0, device_id);
  return TRUE;
}

gboolean
dropify_trust_remove (DropifyTrust  *self,
                      const char    *device_id,
                      GError       **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *since = g_date_time_format_iso8601 (now);

  g_return_val_if_fail (DROPIFY_IS_TRUST (self), FALSE);

  if (dropify_trust_lookup (self, device_id) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("That device is not paired with this one"));
      return FALSE;
    }

  /* Remembered as unpaired, so that a group secret does not bring it back;
   * with its certificate, so that dropify_trust_adopt() finds it. */
  {
    const char *fingerprint = dropify_trust_lookup (self, device_id);
    g_key_file_set_string (self->keyfile, device_id, "unpaired-fingerprint", fingerprint);
  }
  g_key_file_remove_key (self->keyfile, device_id, "fingerprint", NULL);
  g_key_file_remove_key (self->keyfile, device_id, "how", NULL);
  g_key_file_remove_key (self->keyfile, device_id, "since", NULL);
  g_key_file_set_string (self->keyfile, device_id, "unpaired", since);

  if (!save (self, error))
    return FALSE;

  g_signal_emit (self, signals[CHANGED], 0, device_id);
  return TRUE;
}

/**
 * dropify_trust_adopt:
 * @device_id: a device's id, as its certificate says
 * @fingerprint: the certificate's fingerprint
 *
 * Devices once had random ids; now a device's id comes from its
 * certificate. A device paired (or unpaired) under its old id keeps what
 * was decided for its certificate: the entry that names @fingerprint
 * moves to @device_id. Nothing moves onto an id that has an entry.
 *
 * Returns: whether an entry moved
 */
gboolean
dropify_trust_adopt (DropifyTrust  *self,
                     const char    *device_id,
                     const char    *fingerprint,
                     GError       **error)
{
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (DROPIFY_IS_TRUST (self), FALSE);
  g_return_val_if_fail (device_id != NULL && fingerprint != NULL, FALSE);

  if (g_key_file_has_group (self->keyfile, device_id))
    return FALSE;

  groups = g_key_file_get_groups (self->keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *trusted = g_key_file_get_string (self->keyfile, groups[i], "fingerprint", NULL);
      g_autofree char *unpaired = g_key_file_get_string (self->keyfile, groups[i], "unpaired-fingerprint", NULL);
      g_auto(GStrv) keys = NULL;

      if (!dropify_trust_equal (trusted, fingerprint) && !dropify_trust_equal (unpaired, fingerprint))
        continue;

      keys = g_key_file_get_keys (self->keyfile, groups[i], NULL, NULL);
      for (guint k = 0; keys != NULL && keys[k] != NULL; k++)
        {
          g_autofree char *value = g_key_file_get_value (self->keyfile, groups[i], keys[k], NULL);
          g_key_file_set_value (self->keyfile, device_id, keys[k], value);
        }
      g_key_file_set_string (self->keyfile, device_id, "previous-id", groups[i]);
      g_key_file_remove_group (self->keyfile, groups[i], NULL);

      if (!save (self, error))
        return FALSE;

      g_message ("The device %s is now %s, from its certificate", groups[i], device_id);
      g_signal_emit (self, signals[CHANGED], 0, device_id);
      return TRUE;
    }

  return FALSE;
}

/**
 * dropify_trust_is_unpaired:
 *
 * Whether a user unpaired @device_id here, and has not paired it again
 * since. Such a device is trusted again only by pairing, never by
 * proving the group secret.
 */
gboolean
dropify_trust_is_unpaired (DropifyTrust *self,
                           const char   *device_id)
{
  g_return_val_if_fail (DROPIFY_IS_TRUST (self), FALSE);

  return device_id != NULL && g_key_file_has_key (self->keyfile, device_id, "unpaired", NULL);
}

/**
 * dropify_trust_list:
 *
 * Returns: (transfer full): the ids of the trusted devices
 */
GStrv
dropify_trust_list (DropifyTrust *self)
{
  g_auto(GStrv) groups = NULL;
  g_autoptr(GStrvBuilder) trusted = g_strv_builder_new ();

  g_return_val_if_fail (DROPIFY_IS_TRUST (self), NULL);

  groups = g_key_file_get_groups (self->keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    if (dropify_trust_lookup (self, groups[i]) != NULL)
      g_strv_builder_add (trusted, groups[i]);

  return g_strv_builder_end (trusted);
}

/**
 * dropify_trust_equal:
 *
 * Compares two strings in time that depends only on their lengths.
 */
gboolean
dropify_trust_equal (const char *a,
                     const char *b)
{
  gsize len_a, len_b;
  guint8 diff = 0;

  if (a == NULL || b == NULL)
    return FALSE;

  len_a = strlen (a);
  len_b = strlen (b);
  if (len_a != len_b)
    return FALSE;

  for (gsize i = 0; i < len_a; i++)
    diff |= (guint8) (a[i] ^ b[i]);

  return diff == 0;
}
