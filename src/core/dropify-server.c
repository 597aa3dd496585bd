#define G_LOG_DOMAIN "dropify-server"

#include "config.h"

#include <glib/gi18n.h>

#include "dropify-identity.h"
#include "dropify-server.h"
#include "dropify-server-stream.h"

/* The one network server of an instance, on one port, for two kinds of
 * client: peers, over TLS with a certificate on both sides, and phones,
 * over plain HTTP (browsers refuse self-signed certificates). It accepts
 * connections itself, peeks at the first byte — 0x16 starts a TLS
 * handshake — and hands the connection, wrapped in TLS or not, to one
 * SoupServer, to which sync and the phone page attach their handlers.
 *
 * A connection must show its first byte and finish any handshake within
 * DROPIFY_SERVER_HANDSHAKE_S seconds, and at most
 * DROPIFY_SERVER_MAX_PENDING may be doing so at once: a flood of half-open
 * connections costs a bounded amount and never blocks real ones for long.
 * The command line's API is elsewhere, on a Unix socket. */

#define TLS_HANDSHAKE_BYTE 0x16

struct _DropifyServer
{
  GObject           parent_instance;
  SoupServer       *server;
  GSocketService   *service;
  GTlsCertificate  *certificate;
  GCancellable     *cancellable;
  guint             n_pending;
  guint             port;
};

G_DEFINE_FINAL_TYPE (DropifyServer, dropify_server, G_TYPE_OBJECT)

typedef struct
{
  DropifyServer     *server;        /* owned */
  GSocketConnection *connection;
  GTlsConnection    *tls;
  GSource           *readable;
  GCancellable      *cancellable;
  guint              deadline;
} Pending;

static char *
address_string (GSocketAddress *address)
{
  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("");

  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
}

static void
pending_free (Pending *pending)
{
  g_clear_handle_id (&pending->deadline, g_source_remove);
  if (pending->readable != NULL)
    {
      g_source_destroy (pending->readable);
      g_clear_pointer (&pending->readable, g_source_unref);
    }
  g_cancellable_cancel (pending->cancellable);
  g_clear_object (&pending->cancellable);
  g_clear_object (&pending->tls);
  g_clear_object (&pending->connection);
  pending->server->n_pending--;
  g_clear_object (&pending->server);
  g_free (pending);
}

/* Every connection reaches libsoup wrapped in the server's own stream:
 * that is how a peer channel finds the TLS session it arrived over, and
 * how the server counts what it holds. */
static void
hand_over (Pending   *pending,
           GIOStream *stream)
{
  DropifyServer *self = pending->server;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(DropifyServerStream) wrapped = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;

  local = g_socket_connection_get_local_address (pending->connection, NULL);
  remote = g_socket_connection_get_remote_address (pending->connection, NULL);
  if (local == NULL || remote == NULL)
    return;

  source = address_string (remote);
  wrapped = dropify_server_stream_new (stream, source);

  if (!soup_server_accept_iostream (self->server, G_IO_STREAM (wrapped), local, remote, &error))
    g_debug ("Could not serve a connection: %s", error->message);
}

static void
handshake_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("TLS handshake failed: %s", error->message);
      pending_free (pending);
      return;
    }

  hand_over (pending, G_IO_STREAM (pending->tls));
  pending_free (pending);
}

/* Any certificate is welcome here: TLS only proves the peer holds its
 * key. Who that is, and whether to trust them, is decided by the
 * certificate's fingerprint after the hello. */
static gboolean
accept_any_certificate (GTlsConnection       *connection,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  return TRUE;
}

static gboolean
peek_cb (GSocket      *socket,
         GIOCondition  condition,
         gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(GError) error = NULL;
  GInputVector vector;
  guint8 byte = 0;
  int flags = G_SOCKET_MSG_PEEK;
  gssize n;

  vector.buffer = &byte;
  vector.size = 1;
  n = g_socket_receive_message (socket, NULL, &vector, 1, NULL, NULL, &flags, NULL, &error);

  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;

  g_clear_pointer (&pending->readable, g_source_unref);

  if (n <= 0)
    {
      pending_free (pending);
      return G_SOURCE_REMOVE;
    }

  if (byte != TLS_HANDSHAKE_BYTE)
    {
      hand_over (pending, G_IO_STREAM (pending->connection));
      pending_free (pending);
      return G_SOURCE_REMOVE;
    }

  pending->tls = G_TLS_CONNECTION (g_tls_server_connection_new (G_IO_STREAM (pending->connection),
                                                                pending->server->certificate,
                                                                &error));
  if (pending->tls == NULL)
    {
      g_warning ("Could not start TLS: %s", error->message);
      pending_free (pending);
      return G_SOURCE_REMOVE;
    }

  /* Only peers speak TLS here (the phone page is plain HTTP), and they are
   * known by fingerprint: no system CA store, which costs megabytes per
   * connection, and no CA names in the certificate request. */
  g_object_set (pending->tls,
                "authentication-mode", G_TLS_AUTHENTICATION_REQUESTED,
                "database", NULL,
                NULL);
  g_signal_connect (pending->tls, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
  g_tls_connection_handshake_async (pending->tls, G_PRIORITY_DEFAULT, pending->cancellable,
                                    handshake_cb, pending);

  return G_SOURCE_REMOVE;
}

static gboolean
deadline_cb (gpointer user_data)
{
  Pending *pending = user_data;

  pending->deadline = 0;
  g_debug ("Closing a connection that did not start in time");

  /* A handshake in flight ends in handshake_cb, which frees. */
  if (pending->tls != NULL)
    {
      g_cancellable_cancel (pending->cancellable);
      return G_SOURCE_REMOVE;
    }

  g_io_stream_close (G_IO_STREAM (pending->connection), NULL, NULL);
  pending_free (pending);

  return G_SOURCE_REMOVE;
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  DropifyServer *self = DROPIFY_SERVER (user_data);
  GSocket *socket = g_socket_connection_get_socket (connection);
  Pending *pending;

  if (self->n_pending >= DROPIFY_SERVER_MAX_PENDING)
    {
      g_debug ("Too many connections starting at once; refusing one");
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }

  pending = g_new0 (Pending, 1);
  pending->server = g_object_ref (self);
  pending->connection = g_object_ref (connection);
  pending->cancellable = g_cancellable_new ();
  self->n_pending++;

  pending->deadline = g_timeout_add_seconds (DROPIFY_SERVER_HANDSHAKE_S, deadline_cb, pending);
  pending->readable = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (pending->readable, (GSourceFunc) (void (*) (void)) peek_cb, pending, NULL);
  g_source_attach (pending->readable, NULL);

  return TRUE;
}

/* GObject */

static void
dropify_server_dispose (GObject *object)
{
  DropifyServer *self = (DropifyServer *)object;

  dropify_server_stop (self);
  g_clear_object (&self->service);
  g_clear_object (&self->server);
  g_clear_object (&self->certificate);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (dropify_server_parent_class)->dispose (object);
}

static void
dropify_server_class_init (DropifyServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dropify_server_dispose;
}

static void
dropify_server_init (DropifyServer *self)
{
  self->server = soup_server_new ("server-header", "Dropify", NULL);
  /* permessage-deflate makes transfers far slower and buys nothing for
   * already-compressed files. */
  soup_server_remove_websocket_extension (self->server, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  self->cancellable = g_cancellable_new ();
}

/**
 * dropify_server_new:
 * @certificate: this device's certificate, with its key
 */
DropifyServer *
dropify_server_new (GTlsCertificate *certificate)
{
  DropifyServer *self;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  self = g_object_new (DROPIFY_TYPE_SERVER, NULL);
  self->certificate = g_object_ref (certificate);

  return self;
}

/**
 * dropify_server_get_soup_server:
 *
 * Returns: (transfer none): the server, to add handlers to
 */
SoupServer *
dropify_server_get_soup_server (DropifyServer *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVER (self), NULL);
  return self->server;
}

/**
 * dropify_server_listen:
 * @port: the TCP port; 0 picks a free one
 *
 * Listens on every interface, IPv4 and IPv6, on the same port.
 */
gboolean
dropify_server_listen (DropifyServer  *self,
                       guint           port,
                       GError        **error)
{
  g_return_val_if_fail (DROPIFY_IS_SERVER (self), FALSE);
  g_return_val_if_fail (self->service == NULL, FALSE);

  self->service = g_socket_service_new ();

  if (port == 0)
    {
      self->port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (self->service), NULL, error);
      if (self->port == 0)
        goto failed;
    }
  else
    {
      if (!g_socket_listener_add_inet_port (G_SOCKET_LISTENER (self->service), port, NULL, error))
        goto failed;
      self->port = port;
    }

  g_signal_connect_object (self->service, "incoming", G_CALLBACK (incoming_cb), self, 0);
  g_socket_service_start (self->service);

  g_message ("Listening on port %u", self->port);

  return TRUE;

failed:
  g_prefix_error (error, _("Could not listen on port %u: "), port);
  g_clear_object (&self->service);
  return FALSE;
}

guint
dropify_server_get_port (DropifyServer *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVER (self), 0);
  return self->port;
}

guint
dropify_server_get_n_pending (DropifyServer *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVER (self), 0);
  return self->n_pending;
}

void
dropify_server_stop (DropifyServer *self)
{
  g_return_if_fail (DROPIFY_IS_SERVER (self));

  g_cancellable_cancel (self->cancellable);

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
    }

  if (self->server != NULL)
    soup_server_disconnect (self->server);
}
