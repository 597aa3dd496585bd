#define G_LOG_DOMAIN "dropify-service"

#include "config.h"

#define G_SETTINGS_ENABLE_BACKEND

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gsettingsbackend.h>
#include <sys/file.h>
#include <unistd.h>

#include "dropify-control.h"
#include "dropify-fd-budget.h"
#include "dropify-service.h"

/* One running Dropify: the history, the blob store and the identity of one
 * data dir, and the servers in front of them. The GUI and --headless both
 * run exactly one of these. A lock file keeps a second instance off the
 * same data dir. */

struct _DropifyService
{
  GObject               parent_instance;

  char                 *data_dir;
  GSettings            *settings;
  DropifyIdentity      *identity;
  DropifyBlobStore     *blobs;
  DropifyHistory       *history;
  DropifyControlServer *control;
  DropifyServer        *server;
  DropifySync          *sync;
  DropifyTrust         *trust;
  DropifyDiscovery     *discovery;
  DropifyPhone         *phone;
  DropifyAutoSave      *auto_save;
  DropifyThumbnailer   *thumbnailer;
  GCancellable         *cancellable;
  int                   lock_fd;
  gboolean              discovery_enabled;
};

G_DEFINE_FINAL_TYPE (DropifyService, dropify_service, G_TYPE_OBJECT)

/**
 * dropify_service_dup_default_data_dir:
 *
 * Returns: (transfer full): the data dir used when none is given
 */
char *
dropify_service_dup_default_data_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "dropify", NULL);
}

/**
 * dropify_service_create_settings:
 * @data_dir: (nullable): a profile's data dir, or %NULL for the default
 *
 * Every profile keeps its settings in a key file inside its data dir, so
 * side-by-side instances never share preferences and the GUI and
 * `--headless` agree on one profile's. (A Flatpak app's GSettings are a key
 * file too.) `GSETTINGS_BACKEND=memory` still wins, for tests.
 *
 * Returns: (transfer full) (nullable): the settings, or %NULL (with a
 *   warning) when the schema is not installed
 */
GSettings *
dropify_service_create_settings (const char *data_dir)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsBackend) backend = NULL;
  g_autofree char *default_dir = NULL;
  g_autofree char *path = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);

  if (schema == NULL)
    {
      g_warning ("The settings schema %s is not installed; using the defaults. "
                 "Run Dropify with `meson devenv` or install it.", APP_ID);
      return NULL;
    }

  if (g_strcmp0 (g_getenv ("GSETTINGS_BACKEND"), "memory") == 0)
    return g_settings_new_full (schema, NULL, NULL);

  if (data_dir == NULL)
    data_dir = default_dir = dropify_service_dup_default_data_dir ();

  path = g_build_filename (data_dir, "settings.ini", NULL);
  g_mkdir_with_parents (data_dir, 0700);
  backend = g_keyfile_settings_backend_new (path, "/io/github/dropify/Dropify/", "dropify");

  return g_settings_new_full (schema, backend, NULL);
}

static gboolean
lock_data_dir (DropifyService  *self,
               GError         **error)
{
  g_autofree char *path = g_build_filename (self->data_dir, "dropify.lock", NULL);

  self->lock_fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (self->lock_fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   _("Could not open “%s”: %s"), path, g_strerror (errno));
      return FALSE;
    }

  if (flock (self->lock_fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved_errno = errno;

      if (saved_errno == EWOULDBLOCK)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                     _("Dropify is already running with the data folder “%s”"), self->data_dir);
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                     _("Could not lock “%s”: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

/* GObject */

static void
dropify_service_dispose (GObject *object)
{
  DropifyService *self = (DropifyService *)object;

  dropify_service_shutdown (self);

  g_clear_object (&self->phone);
  g_clear_object (&self->auto_save);
  g_clear_object (&self->thumbnailer);
  g_clear_object (&self->control);
  g_clear_object (&self->discovery);
  g_clear_object (&self->sync);
  g_clear_object (&self->trust);
  g_clear_object (&self->server);
  g_clear_object (&self->history);
  g_clear_object (&self->blobs);
  g_clear_object (&self->identity);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (dropify_service_parent_class)->dispose (object);
}

static void
dropify_service_finalize (GObject *object)
{
  DropifyService *self = (DropifyService *)object;

  if (self->lock_fd >= 0)
    close (self->lock_fd);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->data_dir, g_free);

  G_OBJECT_CLASS (dropify_service_parent_class)->finalize (object);
}

static void
dropify_service_class_init (DropifyServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dropify_service_dispose;
  object_class->finalize = dropify_service_finalize;
}

static void
dropify_service_init (DropifyService *self)
{
  self->lock_fd = -1;
  self->cancellable = g_cancellable_new ();
}

/* A thumbnail goes with the last drop of its image. */
static void
drop_removed_cb (DropifyService *self,
                 DropifyDrop    *drop,
                 gboolean        expired,
                 DropifyHistory *history)
{
  const char *sha256 = dropify_drop_get_sha256 (drop);

  if (sha256 != NULL && !dropify_blob_store_contains (self->blobs, sha256))
    dropify_thumbnailer_remove (self->thumbnailer, sha256);
}

static void
group_secret_changed_cb (DropifyService *self,
                         const char     *key,
                         GSettings      *settings)
{
  g_autofree char *secret = g_settings_get_string (settings, "group-secret");

  dropify_sync_set_group_secret (self->sync, secret);
}

/**
 * dropify_service_new:
 * @data_dir: the profile's data dir; created if missing
 * @settings: (nullable): the profile's settings, see
 *   dropify_service_create_settings(); %NULL for the defaults
 *
 * Opens the profile: takes its lock, then loads the identity, the blob
 * store and the history.
 *
 * Returns: (transfer full): the service, or %NULL with @error set
 */
DropifyService *
dropify_service_new (const char  *data_dir,
                     GSettings   *settings,
                     GError     **error)
{
  g_autoptr(DropifyService) self = NULL;
  g_autofree char *blob_dir = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *thumbnail_dir = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (DROPIFY_TYPE_SERVICE, NULL);
  self->data_dir = g_canonicalize_filename (data_dir, NULL);

  if (g_mkdir_with_parents (self->data_dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   _("Could not create the data folder “%s”: %s"),
                   self->data_dir, g_strerror (errno));
      return NULL;
    }

  /* Also when it already existed: history, files and keys are inside. */
  if (g_chmod (self->data_dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   _("Could not protect the data folder “%s”: %s"),
                   self->data_dir, g_strerror (errno));
      return NULL;
    }

  if (!lock_data_dir (self, error))
    return NULL;

  if (!(self->identity = dropify_identity_new (self->data_dir, error)))
    return NULL;

  blob_dir = g_build_filename (self->data_dir, "files", NULL);
  if (!(self->blobs = dropify_blob_store_new (blob_dir, error)))
    return NULL;

  db_path = g_build_filename (self->data_dir, "history.sqlite", NULL);
  if (!(self->history = dropify_history_new (db_path, self->blobs, NULL, NULL, error)))
    return NULL;

  if (!(self->trust = dropify_trust_new (self->data_dir, error)))
    return NULL;

  thumbnail_dir = g_build_filename (self->data_dir, "thumbnails", NULL);
  if (!(self->thumbnailer = dropify_thumbnailer_new (thumbnail_dir, self->blobs, error)))
    return NULL;
  g_signal_connect_object (self->history, "drop-removed", G_CALLBACK (drop_removed_cb),
                           self, G_CONNECT_SWAPPED);

  self->server = dropify_server_new (dropify_identity_get_certificate (self->identity));
  self->sync = dropify_sync_new (self->history, self->identity, self->server, self->trust);
  self->auto_save = dropify_auto_save_new (self->history,
                                           dropify_identity_get_device_id (self->identity));

  if (settings != NULL)
    {
      self->settings = g_object_ref (settings);
      g_settings_bind (settings, "device-name", self->identity, "name", G_SETTINGS_BIND_GET);
      g_settings_bind (settings, "max-text-length", self->history, "max-text-length", G_SETTINGS_BIND_GET);
      g_settings_bind (settings, "max-file-size", self->history, "max-file-size", G_SETTINGS_BIND_GET);
      g_settings_bind (settings, "auto-save-downloads", self->auto_save, "enabled", G_SETTINGS_BIND_GET);
      group_secret_changed_cb (self, "group-secret", settings);
      g_signal_connect_object (settings, "changed::group-secret",
                               G_CALLBACK (group_secret_changed_cb), self, G_CONNECT_SWAPPED);
    }

  return g_steal_pointer (&self);
}

/* The phone page shares the peers' server, and follows its setting. */
static void
update_phone (DropifyService *self)
{
  gboolean wanted = self->settings == NULL || g_settings_get_boolean (self->settings, "phone-access");
  g_autoptr(GError) error = NULL;

  if (wanted && self->phone == NULL)
    {
      self->phone = dropify_phone_new (self);
      if (!dropify_phone_start (self->phone, &error))
        {
          g_warning ("The phone page is off: %s", error->message);
          g_clear_object (&self->phone);
        }
    }
  else if (!wanted && self->phone != NULL)
    {
      dropify_phone_stop (self->phone);
      g_clear_object (&self->phone);
    }
}

static gsize fd_limit_raised;

/**
 * dropify_service_start:
 * @port: the TCP port for peers; 0 picks a free one, -1 takes the
 *   `port` setting
 *
 * Starts serving: peers on @port, and the control socket for the command
 * line.
 */
gboolean
dropify_service_start (DropifyService  *self,
                       int              port,
                       GError         **error)
{
  g_autofree char *socket_path = NULL;

  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), FALSE);
  g_return_val_if_fail (self->control == NULL, FALSE);

  /* The app and --headless both start here; see dropify-fd-budget.c. */
  if (g_once_init_enter (&fd_limit_raised))
    {
      dropify_fd_budget_raise_limit ();
      g_once_init_leave (&fd_limit_raised, 1);
    }

  if (port < 0)
    port = self->settings ? (int) g_settings_get_uint (self->settings, "port") : 0;

  if (!dropify_server_listen (self->server, (guint) port, error))
    return FALSE;

  if (self->discovery_enabled)
    {
      self->discovery = dropify_discovery_new (self->identity);
      g_signal_connect_object (self->discovery, "peer-found",
                               G_CALLBACK (dropify_sync_add_discovered), self->sync, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->discovery, "peer-lost",
                               G_CALLBACK (dropify_sync_lose_discovered), self->sync, G_CONNECT_SWAPPED);
      dropify_discovery_start (self->discovery, dropify_server_get_port (self->server));
    }

  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed::phone-access",
                             G_CALLBACK (update_phone), self, G_CONNECT_SWAPPED);
  update_phone (self);

  dropify_auto_save_start (self->auto_save);

  if (self->settings != NULL)
    {
      g_auto(GStrv) peers = g_settings_get_strv (self->settings, "manual-peers");

      for (guint i = 0; peers[i]; i++)
        {
          g_autoptr(GError) local_error = NULL;

          if (!dropify_service_connect_to (self, peers[i], &local_error))
            g_warning ("Ignoring the saved peer “%s”: %s", peers[i], local_error->message);
        }
    }

  socket_path = g_build_filename (self->data_dir, DROPIFY_CONTROL_SOCKET_NAME, NULL);
  self->control = dropify_control_server_new (self);

  if (!dropify_control_server_listen (self->control, socket_path, error))
    {
      g_clear_object (&self->control);
      return FALSE;
    }

  return TRUE;
}

/**
 * dropify_service_shutdown:
 *
 * Stops serving, cancels imports in progress (their partial files are
 * removed) and closes the history. Safe to call more than once.
 */
void
dropify_service_shutdown (DropifyService *self)
{
  g_return_if_fail (DROPIFY_IS_SERVICE (self));

  g_cancellable_cancel (self->cancellable);

  if (self->auto_save != NULL)
    dropify_auto_save_stop (self->auto_save);

  if (self->thumbnailer != NULL)
    dropify_thumbnailer_stop (self->thumbnailer);

  if (self->discovery != NULL)
    dropify_discovery_stop (self->discovery);

  if (self->sync != NULL)
    dropify_sync_stop (self->sync);

  if (self->phone != NULL)
    dropify_phone_stop (self->phone);

  if (self->server != NULL)
    dropify_server_stop (self->server);

  if (self->control != NULL)
    dropify_control_server_stop (self->control);

  if (self->history != NULL)
    dropify_history_close (self->history);
}

DropifyServer *
dropify_service_get_server (DropifyService *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), NULL);
  return self->server;
}

/**
 * dropify_service_get_phone:
 *
 * The phone page, while the `phone-access` setting is on and the service
 * started. Turning the setting off stops it and this returns %NULL; to
 * follow it, connect to the settings' `changed::phone-access` after the
 * service started and ask again.
 *
 * Returns: (transfer none) (nullable): the phone page
 */
DropifyPhone *
dropify_service_get_phone (DropifyService *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), NULL);
  return self->phone;
}

/**
 * dropify_service_set_discovery_enabled:
 *
 * Whether dropify_service_start() publishes and looks for peers with
 * mDNS. Off unless asked for, so that tests and embedders never touch the
 * network by surprise; the app and `--headless` turn it on.
 */
void
dropify_service_set_discovery_enabled (DropifyService *self,
                                       gboolean        enabled)
{
  g_return_if_fail (DROPIFY_IS_SERVICE (self));
  g_return_if_fail (self->control == NULL);

  self->discovery_enabled = !!enabled;
}

/**
 * dropify_service_get_discovery:
 *
 * Returns: (transfer none) (nullable): discovery, when it is enabled
 */
DropifyDiscovery *
dropify_service_get_discovery (DropifyService *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), NULL);
  return self->discovery;
}

DropifySync *
dropify_service_get_sync (DropifyService *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), NULL);
  return self->sync;
}

/**
 * dropify_service_connect_to:
 * @host_and_port: `HOST:PORT`, or `[IPV6]:PORT`
 *
 * Adds a peer by address and keeps connecting to it.
 */
gboolean
dropify_service_connect_to (DropifyService  *self,
                            const char      *host_and_port,
                            GError         **error)
{
  g_autoptr(GSocketConnectable) address = NULL;
  guint port;

  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), FALSE);

  address = g_network_address_parse (host_and_port, 0, error);
  if (address == NULL)
    return FALSE;

  port = g_network_address_get_port (G_NETWORK_ADDRESS (address));
  if (port == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” has no port; use HOST:PORT"), host_and_port);
      return FALSE;
    }

  dropify_sync_connect_to (self->sync, g_network_address_get_hostname (G_NETWORK_ADDRESS (address)),
                           port, DROPIFY_PEER_VIA_MANUAL);
  return TRUE;
}

/**
 * dropify_service_add_peer:
 * @host_and_port: `HOST:PORT`, or `[IPV6]:PORT`
 *
 * Like dropify_service_connect_to(), and also remembers the peer in the
 * settings, so it is connected again at every start.
 */
gboolean
dropify_service_add_peer (DropifyService  *self,
                          const char      *host_and_port,
                          GError         **error)
{
  g_auto(GStrv) peers = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) updated = NULL;

  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), FALSE);

  if (!dropify_service_connect_to (self, host_and_port, error))
    return FALSE;

  if (self->settings == NULL)
    return TRUE;

  peers = g_settings_get_strv (self->settings, "manual-peers");
  if (g_strv_contains ((const char * const *) peers, host_and_port))
    return TRUE;

  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) peers);
  g_strv_builder_add (builder, host_and_port);
  updated = g_strv_builder_end (builder);

  return g_settings_set_strv (self->settings, "manual-peers", (const char * const *) updated);
}

/**
 * dropify_service_forget_peer:
 * @peer: an entry of the peers list
 *
 * Disconnects from @peer, removes it from the list and from the saved
 * peers.
 */
void
dropify_service_forget_peer (DropifyService *self,
                             DropifyPeer    *peer)
{
  g_auto(GStrv) forgotten = NULL;
  g_auto(GStrv) saved = NULL;
  g_autoptr(GStrvBuilder) kept = NULL;
  g_auto(GStrv) updated = NULL;

  g_return_if_fail (DROPIFY_IS_SERVICE (self));
  g_return_if_fail (DROPIFY_IS_PEER (peer));

  forgotten = dropify_sync_forget_peer (self->sync, peer);

  if (self->settings == NULL)
    return;

  saved = g_settings_get_strv (self->settings, "manual-peers");
  kept = g_strv_builder_new ();
  for (guint i = 0; saved[i]; i++)
    if (!g_strv_contains ((const char * const *) forgotten, saved[i]))
      g_strv_builder_add (kept, saved[i]);
  updated = g_strv_builder_end (kept);

  if (g_strv_length (updated) != g_strv_length (saved))
    g_settings_set_strv (self->settings, "manual-peers", (const char * const *) updated);
}

const char *
dropify_service_get_data_dir (DropifyService *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), NULL);
  return self->data_dir;
}

/**
 * dropify_service_get_settings:
 *
 * Returns: (transfer none) (nullable): the settings
 */
GSettings *
dropify_service_get_settings (DropifyService *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), NULL);
  return self->settings;
}

DropifyHistory *
dropify_service_get_history (DropifyService *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), NULL);
  return self->history;
}

DropifyIdentity *
dropify_service_get_identity (DropifyService *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), NULL);
  return self->identity;
}

/**
 * dropify_service_get_auto_save:
 *
 * What copies received files to Downloads; it follows the
 * `auto-save-downloads` setting.
 *
 * Returns: (transfer none): the auto-save
 */
DropifyAutoSave *
dropify_service_get_auto_save (DropifyService *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), NULL);
  return self->auto_save;
}

/**
 * dropify_service_get_thumbnailer:
 *
 * Returns: (transfer none): the thumbnails of image drops
 */
DropifyThumbnailer *
dropify_service_get_thumbnailer (DropifyService *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), NULL);
  return self->thumbnailer;
}

/**
 * dropify_service_get_default_ttl:
 *
 * Returns: how long a new drop lives, in milliseconds
 */
int64_t
dropify_service_get_default_ttl (DropifyService *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), 0);

  if (self->settings == NULL)
    return 24 * 60 * 60 * 1000;

  return (int64_t) g_settings_get_uint (self->settings, "default-ttl") * 1000;
}

static int64_t
resolve_ttl (DropifyService *self,
             int64_t         ttl_ms)
{
  return ttl_ms > 0 ? ttl_ms : dropify_service_get_default_ttl (self);
}

/**
 * dropify_service_send_text:
 * @text: the text to drop
 * @ttl_ms: how long it lives, in milliseconds; 0 for the default
 *
 * Makes a text drop from this device.
 *
 * Returns: (transfer full): the new drop, or %NULL with @error set
 */
DropifyDrop *
dropify_service_send_text (DropifyService  *self,
                           const char      *text,
                           int64_t          ttl_ms,
                           GError         **error)
{
  return dropify_service_send_text_to (self, text, ttl_ms, NULL, error);
}

/**
 * dropify_service_send_text_to:
 * @text: the text to drop
 * @ttl_ms: how long it lives, in milliseconds; 0 for the default
 * @audience: (nullable) (array zero-terminated=1): the device ids it is
 *   for; %NULL or empty for every device
 *
 * Makes a text drop from this device, for @audience only.
 *
 * Returns: (transfer full): the new drop, or %NULL with @error set
 */
DropifyDrop *
dropify_service_send_text_to (DropifyService      *self,
                              const char          *text,
                              int64_t              ttl_ms,
                              const char * const  *audience,
                              GError             **error)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) ids = NULL;
  g_autofree char *id = NULL;
  int64_t now;

  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), NULL);
  g_return_val_if_fail (text != NULL, NULL);

  ids = dropify_drop_audience_normalize (audience, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  id = dropify_drop_new_id ((const char * const *) ids);
  now = dropify_history_now (self->history);
  drop = dropify_drop_new_text (id,
                                dropify_identity_get_device_id (self->identity),
                                dropify_identity_get_name (self->identity),
                                text, now, now + resolve_ttl (self, ttl_ms));
  dropify_drop_set_audience (drop, (const char * const *) ids);

  if (!dropify_history_add (self->history, drop, error))
    return NULL;

  return g_steal_pointer (&drop);
}

typedef struct
{
  GFile   *file;
  char    *name;
  char    *mime;
  char   **audience;
  int64_t  ttl_ms;
} SendFile;

/* A new file drop from this device, of content already in the blob
 * store; @audience is normalized. */
static DropifyDrop *
add_file_drop (DropifyService      *self,
               const char          *name,
               const char          *mime,
               uint64_t             size,
               const char          *sha256,
               int64_t              ttl_ms,
               const char * const  *audience,
               GError             **error)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autofree char *id = NULL;
  int64_t now;

  id = dropify_drop_new_id (audience);
  now = dropify_history_now (self->history);
  drop = dropify_drop_new_file (id,
                                dropify_identity_get_device_id (self->identity),
                                dropify_identity_get_name (self->identity),
                                name, mime, size, sha256,
                                now, now + resolve_ttl (self, ttl_ms));
  dropify_drop_set_audience (drop, audience);

  if (!dropify_history_add (self->history, drop, error))
    return NULL;

  return g_steal_pointer (&drop);
}

static void
send_file_free (gpointer data)
{
  SendFile *send = data;

  g_clear_object (&send->file);
  g_free (send->name);
  g_free (send->mime);
  g_strfreev (send->audience);
  g_free (send);
}

static void
send_file_import_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DropifyService *self = g_task_get_source_object (task);
  SendFile *send = g_task_get_task_data (task);
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  uint64_t size = 0;

  sha256 = dropify_blob_store_import_finish (DROPIFY_BLOB_STORE (object), result, &size, &error);
  if (sha256 == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  drop = add_file_drop (self, send->name, send->mime, size, sha256, send->ttl_ms,
                        (const char * const *) send->audience, &error);
  if (drop == NULL)
    {
      /* The blob may be shared with a live drop; the history knows. */
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&drop), g_object_unref);
}

static void
send_file_info_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DropifyService *self = g_task_get_source_object (task);
  SendFile *send = g_task_get_task_data (task);
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  uint64_t max_size;
  const char *content_type;

  info = g_file_query_info_finish (G_FILE (object), result, &error);
  if (info == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY,
                               _("“%s” is not a regular file"), g_file_info_get_display_name (info));
      return;
    }

  max_size = dropify_history_get_max_file_size (self->history);
  if ((uint64_t) g_file_info_get_size (info) > max_size)
    {
      g_autofree char *limit = g_format_size (max_size);
      g_task_return_new_error (task, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_TOO_LARGE,
                               _("“%s” is larger than the limit of %s"),
                               g_file_info_get_display_name (info), limit);
      return;
    }

  send->name = g_strdup (g_file_info_get_display_name (info));
  content_type = g_file_info_get_content_type (info);
  send->mime = content_type ? g_content_type_get_mime_type (content_type) : NULL;
  if (send->mime == NULL)
    send->mime = g_strdup ("application/octet-stream");

  dropify_blob_store_import_async (self->blobs, send->file, max_size,
                                   g_task_get_cancellable (task),
                                   send_file_import_cb, g_object_ref (task));
}

/**
 * dropify_service_send_file_async:
 * @file: the file to drop
 * @ttl_ms: how long it lives, in milliseconds; 0 for the default
 *
 * Copies @file into the blob store, off the main thread, and makes a file
 * drop of it.
 */
void
dropify_service_send_file_async (DropifyService      *self,
                                 GFile               *file,
                                 int64_t              ttl_ms,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  dropify_service_send_file_to_async (self, file, ttl_ms, NULL, cancellable, callback, user_data);
}

/**
 * dropify_service_send_file_to_async:
 * @file: the file to drop
 * @ttl_ms: how long it lives, in milliseconds; 0 for the default
 * @audience: (nullable) (array zero-terminated=1): the device ids it is
 *   for; %NULL or empty for every device
 *
 * dropify_service_send_file_async(), for @audience only. Finish it with
 * dropify_service_send_file_finish().
 */
void
dropify_service_send_file_to_async (DropifyService      *self,
                                    GFile               *file,
                                    int64_t              ttl_ms,
                                    const char * const  *audience,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = NULL;
  SendFile *send;

  g_return_if_fail (DROPIFY_IS_SERVICE (self));
  g_return_if_fail (G_IS_FILE (file));

  ids = dropify_drop_audience_normalize (audience, &error);
  if (error != NULL)
    {
      g_task_report_error (self, callback, user_data, dropify_service_send_file_async,
                           g_steal_pointer (&error));
      return;
    }

  send = g_new0 (SendFile, 1);
  send->file = g_object_ref (file);
  send->ttl_ms = ttl_ms;
  send->audience = g_steal_pointer (&ids);

  /* Without a cancellable of the caller's, shutdown still cancels it. */
  if (cancellable == NULL)
    cancellable = self->cancellable;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dropify_service_send_file_async);
  g_task_set_task_data (task, send, send_file_free);

  g_file_query_info_async (file,
                           G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME ","
                           G_FILE_ATTRIBUTE_STANDARD_CONTENT_TYPE ","
                           G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                           G_FILE_ATTRIBUTE_STANDARD_TYPE,
                           G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
                           cancellable,
                           send_file_info_cb, g_object_ref (task));
}

/**
 * dropify_service_send_file_finish:
 *
 * Returns: (transfer full): the new drop, or %NULL with @error set
 */
DropifyDrop *
dropify_service_send_file_finish (DropifyService  *self,
                                  GAsyncResult    *result,
                                  GError         **error)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* A new drop from this device of @drop's content, for @audience
 * (normalized here), living @ttl_ms (0: the default). */
static DropifyDrop *
drop_again (DropifyService      *self,
            DropifyDrop         *drop,
            int64_t              ttl_ms,
            const char * const  *audience,
            GError             **error)
{
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) ids = NULL;
  const char *sha256;

  if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_TEXT)
    return dropify_service_send_text_to (self, dropify_drop_get_text (drop), ttl_ms, audience, error);

  sha256 = dropify_drop_get_sha256 (drop);
  if (!dropify_drop_get_complete (drop) || !dropify_blob_store_contains (self->blobs, sha256))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("“%s” is not on this device yet: send it once it has arrived"),
                   dropify_drop_get_name (drop));
      return NULL;
    }

  ids = dropify_drop_audience_normalize (audience, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  return add_file_drop (self, dropify_drop_get_name (drop), dropify_drop_get_mime (drop),
                        dropify_drop_get_size (drop), sha256, ttl_ms,
                        (const char * const *) ids, error);
}

/**
 * dropify_service_send_again:
 * @drop: a drop in the history, from any device
 * @audience: (nullable) (array zero-terminated=1): the device ids it is
 *   for; %NULL or empty for every device
 *
 * Sends @drop again, to @audience: a new drop from this device, with the
 * same content and a lifetime of its own. Drops are immutable, so this
 * never widens who holds @drop itself. A file's content must be here
 * already, and it is reused from the blob store: nothing is read again.
 *
 * Returns: (transfer full): the new drop, or %NULL with @error set
 */
DropifyDrop *
dropify_service_send_again (DropifyService      *self,
                            DropifyDrop         *drop,
                            const char * const  *audience,
                            GError             **error)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), NULL);
  g_return_val_if_fail (DROPIFY_IS_DROP (drop), NULL);

  return drop_again (self, drop, 0, audience, error);
}

/* The devices that hold @drop besides this one, as an audience: its
 * origin and its audience (docs/protocol.md §4.4), this device left
 * out, as a drop from here names them. NULL for every device. */
static GStrv
holders_besides_me (DropifyService *self,
                    DropifyDrop    *drop)
{
  const char * const *audience = dropify_drop_get_audience (drop);
  const char *me = dropify_identity_get_device_id (self->identity);
  g_autoptr(GStrvBuilder) builder = NULL;

  if (audience == NULL || audience[0] == NULL)
    return NULL;

  builder = g_strv_builder_new ();
  if (g_strcmp0 (dropify_drop_get_origin (drop), me) != 0)
    g_strv_builder_add (builder, dropify_drop_get_origin (drop));
  for (guint i = 0; audience[i] != NULL; i++)
    if (g_strcmp0 (audience[i], me) != 0)
      g_strv_builder_add (builder, audience[i]);

  return g_strv_builder_end (builder);
}

/**
 * dropify_service_change_expiry:
 * @drop_id: a drop in the history, from any device
 * @ttl_ms: how long the drop is to live from now, in milliseconds
 *
 * Gives a drop a new lifetime. A drop is immutable and no device ever
 * extends an expiry (docs/protocol.md §9), so this drops the same
 * content again from this device, living @ttl_ms, for the same devices,
 * and then deletes the old drop everywhere. A file's content is reused
 * from the blob store, and the devices that have it already keep it: no
 * file moves again.
 *
 * Returns: (transfer full): the new drop, or %NULL with @error set (and
 *   the old drop untouched)
 */
DropifyDrop *
dropify_service_change_expiry (DropifyService  *self,
                               const char      *drop_id,
                               int64_t          ttl_ms,
                               GError         **error)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(DropifyDrop) again = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) audience = NULL;
  DropifyDrop *found;

  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), NULL);
  g_return_val_if_fail (drop_id != NULL, NULL);

  if (ttl_ms <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("A drop’s new lifetime must be longer than nothing"));
      return NULL;
    }

  if ((found = dropify_history_lookup (self->history, drop_id)) == NULL)
    {
      g_set_error_literal (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_NOT_FOUND,
                           _("No drop with that id is in the history"));
      return NULL;
    }
  drop = g_object_ref (found);

  audience = holders_besides_me (self, drop);
  if (!(again = drop_again (self, drop, ttl_ms, (const char * const *) audience, error)))
    return NULL;

  /* The new drop is there and syncing: an old one left behind is only
   * one more drop, which expires as it would have. */
  if (!dropify_history_delete (self->history, drop_id, &local_error))
    g_warning ("Made a new drop with the new expiry, but could not delete the old one: %s",
               local_error->message);

  g_debug ("Changed the expiry of %s: it is now %s", drop_id, dropify_drop_get_id (again));

  return g_steal_pointer (&again);
}

gboolean
dropify_service_delete (DropifyService  *self,
                        const char      *id,
                        GError         **error)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (self), FALSE);

  return dropify_history_delete (self->history, id, error);
}
