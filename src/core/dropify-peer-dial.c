#define G_LOG_DOMAIN "dropify-peer-dial"

#include "config.h"

#include <glib/gi18n.h>

#include "dropify-guarded-stream.h"
#include "dropify-peer-dial.h"

/* Dialing a peer: TCP, TLS with this device's certificate, and the
 * WebSocket upgrade (RFC 6455 §4.1), done here rather than by a
 * SoupSession so that what the other side sends passes the same frame
 * guard as on connections the server accepts. libsoup 3.2 would buffer a
 * fragmented message without end; a device dials every service announced
 * on the link, so anyone can get dialed.
 *
 * The whole exchange has DROPIFY_PEER_DIAL_TIMEOUT_S seconds. */

#define WEBSOCKET_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

typedef struct
{
  char              *host;
  guint              port;
  GTlsCertificate   *certificate;
  GSocketClient     *client;
  GIOStream         *tls;
  DropifyGuardedStream *stream;
  char              *key;
  char              *request;
  GString           *head;
  guint8             byte;
  GCancellable      *cancellable;   /* ours: the caller's, or the deadline */
  gulong             cancelled_id;
  GCancellable      *caller;
  guint              deadline;
} Dial;

static void
dial_free (Dial *dial)
{
  g_clear_handle_id (&dial->deadline, g_source_remove);
  if (dial->caller != NULL)
    g_cancellable_disconnect (dial->caller, dial->cancelled_id);
  g_clear_object (&dial->caller);
  g_clear_object (&dial->cancellable);
  g_clear_object (&dial->client);
  g_clear_object (&dial->stream);
  g_clear_object (&dial->tls);
  g_clear_object (&dial->certificate);
  if (dial->head != NULL)
    g_string_free (dial->head, TRUE);
  g_free (dial->request);
  g_free (dial->key);
  g_free (dial->host);
  g_free (dial);
}

static void
fail (GTask  *task,
      GError *error)
{
  Dial *dial = g_task_get_task_data (task);

  /* A cancellation that the deadline made is a timeout to the caller. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && dial->deadline == 0 &&
      (dial->caller == NULL || !g_cancellable_is_cancelled (dial->caller)))
    {
      g_clear_error (&error);
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           _("The device at %s:%u did not answer in time"), dial->host, dial->port);
    }

  g_task_return_error (task, error);
  g_object_unref (task);
}

/* Sec-WebSocket-Accept for @key (RFC 6455 §4.2.2). */
static char *
accept_for_key (const char *key)
{
  g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize len = sizeof digest;

  g_checksum_update (sha1, (const guchar *) key, -1);
  g_checksum_update (sha1, (const guchar *) WEBSOCKET_GUID, -1);
  g_checksum_get_digest (sha1, digest, &len);

  return g_base64_encode (digest, len);
}

static gboolean
header_has_token (SoupMessageHeaders *headers,
                  const char         *name,
                  const char         *token)
{
  const char *value = soup_message_headers_get_list (headers, name);

  return value != NULL && soup_header_contains (value, token);
}

static void
check_answer (GTask *task)
{
  Dial *dial = g_task_get_task_data (task);
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  g_autofree char *expected = accept_for_key (dial->key);
  g_autofree char *reason = NULL;
  g_autoptr(GUri) uri = NULL;
  SoupWebsocketConnection *ws;
  SoupHTTPVersion version;
  guint status = 0;
  const char *accept;

  if (!soup_headers_parse_response (dial->head->str, (int) dial->head->len, headers,
                                    &version, &status, &reason) ||
      status != SOUP_STATUS_SWITCHING_PROTOCOLS)
    {
      fail (task, g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("The device at %s:%u answered, but not as Dropify does (HTTP status %u)"),
                               dial->host, dial->port, status));
      return;
    }

  accept = soup_message_headers_get_one (headers, "Sec-WebSocket-Accept");
  if (!header_has_token (headers, "Upgrade", "websocket") ||
      !header_has_token (headers, "Connection", "upgrade") ||
      accept == NULL || !g_str_equal (accept, expected) ||
      soup_message_headers_get_one (headers, "Sec-WebSocket-Extensions") != NULL ||
      soup_message_headers_get_one (headers, "Sec-WebSocket-Protocol") != NULL)
    {
      fail (task, g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("The device at %s:%u answered, but not as Dropify does"),
                               dial->host, dial->port));
      return;
    }

  uri = g_uri_build (G_URI_FLAGS_NONE, "wss", NULL, dial->host, (int) dial->port, "/v1/peer", NULL, NULL);
  ws = soup_websocket_connection_new (G_IO_STREAM (dial->stream), uri, SOUP_WEBSOCKET_CONNECTION_CLIENT,
                                      NULL, NULL, NULL);
  g_task_return_pointer (task, ws, g_object_unref);
  g_object_unref (task);
}

/* The answer's head, a byte at a time: what follows it is the first
 * frame, which the WebSocket must read itself. */
static void
head_byte_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Dial *dial = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);

  if (n <= 0)
    {
      if (error == NULL)
        error = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                             _("The device at %s:%u hung up"), dial->host, dial->port);
      fail (task, error);
      return;
    }

  g_string_append_c (dial->head, (char) dial->byte);
  if (g_str_has_suffix (dial->head->str, "\r\n\r\n"))
    {
      check_answer (task);
      return;
    }

  g_input_stream_read_async (G_INPUT_STREAM (object), &dial->byte, 1, G_PRIORITY_DEFAULT,
                             dial->cancellable, head_byte_cb, task);
}

static void
request_written_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  Dial *dial = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, &error))
    {
      fail (task, error);
      return;
    }

  dial->head = g_string_new (NULL);
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (dial->stream)), &dial->byte, 1,
                             G_PRIORITY_DEFAULT, dial->cancellable, head_byte_cb, task);
}

static void
handshake_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Dial *dial = g_task_get_task_data (task);
  GError *error = NULL;
  guint8 nonce[16];
  g_autofree char *host = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &error))
    {
      /* The TLS library's words ("An unexpected TLS packet was received")
       * tell a person nothing: what answered is not a Dropify peer port,
       * or it hung up. The details stay in the log. */
      if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS) ||
          g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_MISC) ||
          g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_HANDSHAKE) ||
          g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_EOF))
        {
          gboolean hung_up = error->code == G_TLS_ERROR_EOF;

          g_debug ("TLS handshake with %s:%u failed: %s", dial->host, dial->port, error->message);
          g_clear_error (&error);

          if (hung_up)
            error = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                 _("The device at %s:%u hung up"), dial->host, dial->port);
          else
            error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                 _("Something answers at %s:%u, but it isn’t Dropify. "
                                   "Check the address and the port."),
                                 dial->host, dial->port);
        }

      fail (task, error);
      return;
    }

  dial->stream = dropify_guarded_stream_new (dial->tls, dial->host);

  for (guint i = 0; i < sizeof nonce; i++)
    nonce[i] = (guint8) g_random_int_range (0, 256);
  dial->key = g_base64_encode (nonce, sizeof nonce);
  host = strchr (dial->host, ':') != NULL ? g_strdup_printf ("[%s]:%u", dial->host, dial->port)
                                          : g_strdup_printf ("%s:%u", dial->host, dial->port);
  dial->request = g_strdup_printf ("GET /v1/peer HTTP/1.1\r\n"
                                   "Host: %s\r\n"
                                   "Upgrade: websocket\r\n"
                                   "Connection: Upgrade\r\n"
                                   "Sec-WebSocket-Key: %s\r\n"
                                   "Sec-WebSocket-Version: 13\r\n"
                                   "\r\n", host, dial->key);

  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (dial->stream)),
                                   dial->request, strlen (dial->request), G_PRIORITY_DEFAULT,
                                   dial->cancellable, request_written_cb, task);
}

/* The other side is known by its certificate's fingerprint once it said
 * who it is; any certificate is welcome at this layer. */
static gboolean
accept_any_certificate (GTlsConnection       *connection,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  return TRUE;
}

static void
connected_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Dial *dial = g_task_get_task_data (task);
  g_autoptr(GSocketConnection) connection = NULL;
  GError *error = NULL;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, &error);
  if (connection == NULL)
    {
      fail (task, error);
      return;
    }

  dial->tls = g_tls_client_connection_new (G_IO_STREAM (connection), NULL, &error);
  if (dial->tls == NULL)
    {
      fail (task, error);
      return;
    }

  /* Peers are known by fingerprint, never by a CA: no CA store, which
   * costs megabytes per connection. */
  g_tls_connection_set_certificate (G_TLS_CONNECTION (dial->tls), dial->certificate);
  g_tls_connection_set_database (G_TLS_CONNECTION (dial->tls), NULL);
  g_signal_connect (dial->tls, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (dial->tls), G_PRIORITY_DEFAULT, dial->cancellable,
                                    handshake_cb, task);
}

static gboolean
deadline_cb (gpointer user_data)
{
  Dial *dial = user_data;

  dial->deadline = 0;
  g_cancellable_cancel (dial->cancellable);

  return G_SOURCE_REMOVE;
}

static void
caller_cancelled_cb (GCancellable *caller,
                     GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

/**
 * dropify_peer_dial_async:
 * @host: an address or a host name
 * @certificate: this device's certificate, with its key
 *
 * Opens a WebSocket to the peer endpoint at @host:@port over TLS, with a
 * frame guard on what the other side sends.
 */
void
dropify_peer_dial_async (const char          *host,
                         guint                port,
                         GTlsCertificate     *certificate,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GSocketConnectable) address = NULL;
  GTask *task;
  Dial *dial;

  g_return_if_fail (host != NULL);
  g_return_if_fail (G_IS_TLS_CERTIFICATE (certificate));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, dropify_peer_dial_async);

  dial = g_new0 (Dial, 1);
  dial->host = g_strdup (host);
  dial->port = port;
  dial->certificate = g_object_ref (certificate);
  dial->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      dial->caller = g_object_ref (cancellable);
      dial->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                                  dial->cancellable, NULL);
    }
  dial->deadline = g_timeout_add_seconds (DROPIFY_PEER_DIAL_TIMEOUT_S, deadline_cb, dial);
  g_task_set_task_data (task, dial, (GDestroyNotify) dial_free);

  /* Peers are on the LAN: never through a proxy. */
  dial->client = g_socket_client_new ();
  g_socket_client_set_enable_proxy (dial->client, FALSE);
  address = g_network_address_new (host, (guint16) port);
  g_socket_client_connect_async (dial->client, address, dial->cancellable, connected_cb, task);
}

/**
 * dropify_peer_dial_finish:
 *
 * Returns: (transfer full): the open WebSocket, or %NULL with @error set
 */
SoupWebsocketConnection *
dropify_peer_dial_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
