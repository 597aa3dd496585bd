#define G_LOG_DOMAIN "dropify-identity"

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <unistd.h>

#include "dropify-identity.h"

/* The TLS certificate is made once and kept in the data dir, so a device
 * keeps its identity across restarts and renames. Peers trust a device by
 * its certificate's fingerprint: the SHA-256 of the DER certificate.
 *
 * The device id is derived from the certificate's public key, so no other
 * certificate can claim it: a peer checks the id in a hello against the
 * certificate of that very TLS session. Devices made before ids were
 * derived had a random id; it is kept as the previous id, so their own
 * old drops stay theirs. */

#define CERTIFICATE_YEARS 30

struct _DropifyIdentity
{
  GObject          parent_instance;
  char            *device_id;
  char            *previous_id;
  char            *name;
  GTlsCertificate *certificate;
  char            *fingerprint;
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
  g_clear_pointer (&self->previous_id, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->fingerprint, g_free);
  g_clear_object (&self->certificate);

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
 * dropify_certificate_fingerprint:
 * @certificate: a certificate
 *
 * Returns: (transfer full): the SHA-256 of its DER encoding, as 64
 *   lower-case hex digits
 */
char *
dropify_certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}

/**
 * dropify_certificate_device_id:
 * @certificate: a device's certificate
 *
 * The id of the device that holds @certificate's key: the first 128 bits
 * of the SHA-256 of its public key (the SubjectPublicKeyInfo), written as
 * a UUID of version 8 (RFC 9562). Whoever claims an id must hold the key.
 *
 * Returns: (nullable): the id, or %NULL if @certificate cannot be read
 */
char *
dropify_certificate_device_id (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t datum;
  guint8 key_id[32];
  size_t size = sizeof key_id;
  char *id = NULL;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL || gnutls_x509_crt_init (&crt) < 0)
    return NULL;

  datum.data = der->data;
  datum.size = der->len;
  if (gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_DER) >= 0 &&
      gnutls_x509_crt_get_key_id (crt, GNUTLS_KEYID_USE_SHA256, key_id, &size) >= 0 &&
      size >= 16)
    {
      key_id[6] = (key_id[6] & 0x0f) | 0x80;   /* version 8 */
      key_id[8] = (key_id[8] & 0x3f) | 0x80;   /* the RFC 9562 variant */
      id = g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                            key_id[0], key_id[1], key_id[2], key_id[3], key_id[4], key_id[5],
                            key_id[6], key_id[7], key_id[8], key_id[9], key_id[10], key_id[11],
                            key_id[12], key_id[13], key_id[14], key_id[15]);
    }

  gnutls_x509_crt_deinit (crt);
  return id;
}

static gboolean
gnutls_failed (int          rc,
               const char  *what,
               GError     **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               _("Could not make this device’s certificate (%s: %s)"), what, gnutls_strerror (rc));
  return FALSE;
}

#define CHECK(call) G_STMT_START { int rc_ = (call); if (rc_ < 0) { gnutls_failed (rc_, #call, error); goto out; } } G_STMT_END

/* A self-signed ECDSA P-256 certificate for both ends of TLS, valid for
 * decades: it is an identity, not a web server's credential. */
static char *
make_certificate_pem (GError **error)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t cert_pem = { NULL, 0 };
  gnutls_datum_t key_pem = { NULL, 0 };
  unsigned char serial[16];
  char *pem = NULL;
  time_t now = time (NULL);
  const char *cn = "Dropify device";

  CHECK (gnutls_x509_privkey_init (&key));
  CHECK (gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                       GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0));
  CHECK (gnutls_x509_crt_init (&crt));
  CHECK (gnutls_x509_crt_set_version (crt, 3));
  CHECK (gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial));
  serial[0] &= 0x7f;
  CHECK (gnutls_x509_crt_set_serial (crt, serial, sizeof serial));
  CHECK (gnutls_x509_crt_set_activation_time (crt, now - 24 * 60 * 60));
  CHECK (gnutls_x509_crt_set_expiration_time (crt, now + (time_t) CERTIFICATE_YEARS * 365 * 24 * 60 * 60));
  CHECK (gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn, strlen (cn)));
  CHECK (gnutls_x509_crt_set_key (crt, key));
  CHECK (gnutls_x509_crt_set_basic_constraints (crt, 0, -1));
  CHECK (gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE));
  CHECK (gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0));
  CHECK (gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_CLIENT, 0));
  CHECK (gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0));
  CHECK (gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &cert_pem));
  /* PKCS#8 ("BEGIN PRIVATE KEY"): what GTlsCertificate reads. */
  CHECK (gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &key_pem));

  pem = g_strdup_printf ("%.*s%.*s", (int) key_pem.size, key_pem.data,
                         (int) cert_pem.size, cert_pem.data);

out:
  gnutls_free (cert_pem.data);
  if (key_pem.data != NULL)
    {
      memset (key_pem.data, 0, key_pem.size);
      gnutls_free (key_pem.data);
    }
  if (crt != NULL)
    gnutls_x509_crt_deinit (crt);
  if (key != NULL)
    gnutls_x509_privkey_deinit (key);

  return pem;
}

#undef CHECK

static gboolean
write_private_file (const char  *path,
                    const char  *contents,
                    GError     **error)
{
  g_autofree char *tmp = g_strconcat (path, ".tmp", NULL);
  gsize len = strlen (contents);
  gsize done = 0;
  int fd;

  /* Created 0600 from the start: the private key is never readable by
   * anyone else, not even for a moment. */
  fd = g_open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    goto failed;

  while (done < len)
    {
      ssize_t n = write (fd, contents + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          close (fd);
          goto failed;
        }
      done += (gsize) n;
    }

  if (fsync (fd) != 0 || close (fd) != 0 || g_rename (tmp, path) != 0)
    goto failed;

  return TRUE;

failed:
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
               _("Could not write “%s”: %s"), path, g_strerror (errno));
  g_unlink (tmp);
  return FALSE;
}

static gboolean
load_certificate (DropifyIdentity  *self,
                  const char       *data_dir,
                  GError          **error)
{
  g_autofree char *path = g_build_filename (data_dir, "identity.pem", NULL);
  g_autoptr(GError) local_error = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *pem = make_certificate_pem (error);

      if (pem == NULL || !write_private_file (path, pem, error))
        return FALSE;
      g_message ("Made this device’s certificate");
    }

  self->certificate = g_tls_certificate_new_from_file (path, &local_error);
  if (self->certificate == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("This device’s certificate “%s” cannot be read (%s). "
                     "Move it away to make a new one; paired devices will have to pair again."),
                   path, local_error->message);
      return FALSE;
    }

  self->fingerprint = dropify_certificate_fingerprint (self->certificate);
  self->device_id = dropify_certificate_device_id (self->certificate);
  if (self->fingerprint == NULL || self->device_id == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("This device’s certificate “%s” cannot be read (%s). "
                     "Move it away to make a new one; paired devices will have to pair again."),
                   path, "no public key");
      return FALSE;
    }
  return TRUE;
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
  g_autofree char *stored = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);

  self = g_object_new (DROPIFY_TYPE_IDENTITY, NULL);
  self->name = dropify_identity_dup_default_name ();
  path = g_build_filename (data_dir, "identity.ini", NULL);

  if (!load_certificate (self, data_dir, error))
    return NULL;

  /* identity.ini says which id this device had before its id came from
   * its key; a new device has none. */
  if (g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &local_error))
    {
      g_autofree char *id = g_key_file_get_string (keyfile, "device", "id", NULL);

      self->previous_id = g_key_file_get_string (keyfile, "device", "previous-id", NULL);
      if (self->previous_id != NULL && !g_uuid_string_is_valid (self->previous_id))
        g_clear_pointer (&self->previous_id, g_free);
      if (id != NULL && g_uuid_string_is_valid (id) && !g_str_equal (id, self->device_id) &&
          self->previous_id == NULL)
        {
          g_message ("This device’s id is now %s, from its certificate (it was %s)",
                     self->device_id, id);
          self->previous_id = g_steal_pointer (&id);
        }
    }
  else if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  _("Could not read the device identity: "));
      return NULL;
    }

  stored = g_key_file_get_string (keyfile, "device", "id", NULL);
  if (g_strcmp0 (stored, self->device_id) != 0)
    {
      g_key_file_set_string (keyfile, "device", "id", self->device_id);
      if (self->previous_id != NULL)
        g_key_file_set_string (keyfile, "device", "previous-id", self->previous_id);
      if (!g_key_file_save_to_file (keyfile, path, error))
        return NULL;
      g_chmod (path, 0600);
    }

  return g_steal_pointer (&self);
}

/**
 * dropify_identity_is_own_id:
 * @id: a device id, as a drop's origin
 *
 * Returns: whether @id is this device's, now or from before its id came
 *   from its certificate
 */
gboolean
dropify_identity_is_own_id (DropifyIdentity *self,
                            const char      *id)
{
  g_return_val_if_fail (DROPIFY_IS_IDENTITY (self), FALSE);

  return id != NULL && (g_str_equal (id, self->device_id) || g_strcmp0 (id, self->previous_id) == 0);
}

const char *
dropify_identity_get_device_id (DropifyIdentity *self)
{
  g_return_val_if_fail (DROPIFY_IS_IDENTITY (self), NULL);
  return self->device_id;
}

/**
 * dropify_identity_get_certificate:
 *
 * Returns: (transfer none): this device's certificate, with its key
 */
GTlsCertificate *
dropify_identity_get_certificate (DropifyIdentity *self)
{
  g_return_val_if_fail (DROPIFY_IS_IDENTITY (self), NULL);
  return self->certificate;
}

/**
 * dropify_identity_get_fingerprint:
 *
 * Returns: the SHA-256 of this device's DER certificate, in hex
 */
const char *
dropify_identity_get_fingerprint (DropifyIdentity *self)
{
  g_return_val_if_fail (DROPIFY_IS_IDENTITY (self), NULL);
  return self->fingerprint;
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
