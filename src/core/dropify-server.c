#define G_LOG_DOMAIN "dropify-server"

#include "config.h"

#include <glib/gi18n.h>

#include "dropify-fd-budget.h"
#include "dropify-identity.h"
#include "dropify-log-limit.h"
#include "dropify-server.h"
#include "dropify-guarded-stream.h"

/* The one network server of an instance, on one port, for two kinds of
 * client: peers, over TLS with a certificate on both sides, and phones,
 * over plain HTTP (browsers refuse self-signed certificates). It accepts
 * connections itself, peeks at the first byte — 0x16 starts a TLS
 * handshake — and hands the connection, wrapped in TLS or not, to one
 * SoupServer, to which sync and the phone page attach their handlers.
 *
 * Every connection has a deadline at every stage, and a place in a
 * budget:
 *
 * - It must show its first byte and finish any handshake within
 *   DROPIFY_SERVER_HANDSHAKE_S seconds, and at most
 *   DROPIFY_SERVER_MAX_PENDING may be doing so at once.
 * - Served, a request must make progress (its headers, then its body)
 *   within DROPIFY_SERVER_REQUEST_S seconds, and a connection that waits
 *   for its next request is closed after as long. A peer's connection,
 *   once upgraded, is its channel's to time.
 * - All connections together stay within a budget of descriptors. When a
 *   new one would pass it, one is shed: the oldest of the address that
 *   holds the most, never a trusted peer's. A flood from a few addresses
 *   thus costs its senders their own connections, and a phone, a new
 *   device or a paired one that connects meanwhile still gets in.
 *
 * The command line's API is elsewhere, on a Unix socket. */

#define TLS_HANDSHAKE_BYTE   0x16
/* After a failed accept (EMFILE: every descriptor is taken), wait this
 * long, doubling up to the most, rather than retry at once: GLib's own
 * socket service retried in a busy loop with a warning each time. */
#define ACCEPT_BACKOFF_MS     100
#define ACCEPT_BACKOFF_MAX_MS 1000
#define ACCEPT_LOG_INTERVAL_MS (60 * 1000)

struct _DropifyServer
{
  GObject           parent_instance;
  SoupServer       *server;
  GSocketListener  *listener;
  guint             accept_retry;
  guint             accept_backoff_ms;
  guint             n_accept_failures;   /* in this burst */
  DropifyLogLimit  *log_limit;
  GTlsCertificate  *certificate;
  GCancellable     *cancellable;
  GQueue            slots;          /* Slot, oldest first */
  GHashTable       *served;         /* "local remote" → Slot */
  guint             n_pending;
  guint             budget;
  guint             n_open;         /* slots not being shed */
  gboolean          budget_set;
  guint64           n_shed;
  guint             request_s;
  guint             sweep;
  guint             port;
};

/* One accepted connection, from accept until its stream is gone. */
typedef struct _Pending Pending;

typedef struct
{
  DropifyServer       *server;       /* unowned */
  GList                link;
  char                *source;       /* remote address, without the port */
  char                *key;          /* "local remote", once served */
  GSocket             *socket;
  Pending             *pending;      /* while starting */
  DropifyGuardedStream *stream;       /* weak, once served */
  int64_t              progress_at;  /* a request is being read: its last progress */
  gboolean             shed;
} Slot;

G_DEFINE_FINAL_TYPE (DropifyServer, dropify_server, G_TYPE_OBJECT)

struct _Pending
{
  DropifyServer     *server;        /* owned */
  Slot              *slot;
  GSocketConnection *connection;
  GTlsConnection    *tls;
  GSource           *readable;
  GCancellable      *cancellable;
  guint              deadline;
};

static char *
address_string (GSocketAddress *address)
{
  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("");

  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
}

static char *
connection_key (GSocketAddress *local,
                GSocketAddress *remote)
{
  g_autofree char *l = NULL;
  g_autofree char *r = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (local) || !G_IS_INET_SOCKET_ADDRESS (remote))
    return NULL;

  l = address_string (local);
  r = address_string (remote);
  return g_strdup_printf ("%s|%u %s|%u", l, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)),
                          r, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote)));
}

static void
slot_free (Slot *slot)
{
  DropifyServer *self = slot->server;

  g_queue_unlink (&self->slots, &slot->link);
  if (!slot->shed)
    self->n_open--;
  if (slot->key != NULL)
    g_hash_table_remove (self->served, slot->key);
  g_free (slot->key);
  g_free (slot->source);
  g_clear_object (&slot->socket);
  g_free (slot);
}

static void
stream_gone (gpointer  data,
             GObject  *where_the_object_was)
{
  Slot *slot = data;

  slot->stream = NULL;
  /* Still starting, the slot is the pending connection's to free. */
  if (slot->pending == NULL)
    slot_free (slot);
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
  if (pending->slot != NULL)
    {
      pending->slot->pending = NULL;
      /* Served, the slot lives as long as its stream. */
      if (pending->slot->stream == NULL)
        slot_free (pending->slot);
    }
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
  Slot *slot = pending->slot;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(DropifyGuardedStream) wrapped = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;

  local = g_socket_connection_get_local_address (pending->connection, NULL);
  remote = g_socket_connection_get_remote_address (pending->connection, NULL);
  if (local == NULL || remote == NULL)
    return;

  source = address_string (remote);
  wrapped = dropify_guarded_stream_new (stream, source);

  slot->key = connection_key (local, remote);
  if (slot->key != NULL)
    g_hash_table_replace (self->served, g_strdup (slot->key), slot);
  slot->stream = wrapped;
  g_object_weak_ref (G_OBJECT (wrapped), stream_gone, slot);

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

/* Shedding */

static gboolean
slot_is_candidate (Slot     *slot,
                   gboolean  pending_only)
{
  if (slot->shed)
    return FALSE;
  if (pending_only)
    return slot->pending != NULL;
  return slot->stream == NULL || !dropify_guarded_stream_get_trusted (slot->stream);
}

static void
slot_shed (Slot *slot)
{
  DropifyServer *self = slot->server;

  self->n_shed++;
  self->n_open--;
  slot->shed = TRUE;

  if (slot->pending != NULL)
    {
      /* A handshake in flight ends in handshake_cb, which frees. */
      if (slot->pending->tls != NULL)
        {
          g_cancellable_cancel (slot->pending->cancellable);
          return;
        }
      g_io_stream_close (G_IO_STREAM (slot->pending->connection), NULL, NULL);
      pending_free (slot->pending);    /* frees the slot */
      return;
    }

  /* libsoup (or the channel) reads the end at once and lets the
   * connection go, with its descriptor; closing the socket under it
   * could hand its number to the next connection while it still polls. */
  g_socket_shutdown (slot->socket, TRUE, TRUE, NULL);
}

/* The oldest connection of the address that holds the most; never a
 * trusted peer's. */
static Slot *
pick_shed (DropifyServer *self,
           gboolean       pending_only)
{
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  const char *most = NULL;
  guint most_count = 0;

  for (GList *l = self->slots.head; l != NULL; l = l->next)
    {
      Slot *slot = l->data;
      guint count;

      if (!slot_is_candidate (slot, pending_only))
        continue;
      count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, slot->source)) + 1;
      g_hash_table_insert (counts, slot->source, GUINT_TO_POINTER (count));
      if (count > most_count)
        {
          most = slot->source;
          most_count = count;
        }
    }

  for (GList *l = self->slots.head; most != NULL && l != NULL; l = l->next)
    {
      Slot *slot = l->data;

      if (slot_is_candidate (slot, pending_only) && g_str_equal (slot->source, most))
        return slot;
    }

  return NULL;
}

/* Requests */

static Slot *
slot_of_message (DropifyServer     *self,
                 SoupServerMessage *msg)
{
  g_autofree char *key = connection_key (soup_server_message_get_local_address (msg),
                                         soup_server_message_get_remote_address (msg));

  return key != NULL ? g_hash_table_lookup (self->served, key) : NULL;
}

static gboolean
sweep_cb (gpointer user_data)
{
  DropifyServer *self = user_data;
  int64_t now = g_get_monotonic_time ();
  int64_t window = (int64_t) self->request_s * G_USEC_PER_SEC;
  int64_t next = G_MAXINT64;

  self->sweep = 0;

  for (GList *l = self->slots.head; l != NULL; )
    {
      Slot *slot = l->data;

      l = l->next;
      if (slot->shed || slot->progress_at == 0)
        continue;
      if (now - slot->progress_at >= window)
        {
          g_debug ("Closing a connection from %s whose request stalled", slot->source);
          slot_shed (slot);
          continue;
        }
      next = MIN (next, slot->progress_at + window);
    }

  /* Again when the next one is due, no sooner: nothing wakes while no
   * request waits. */
  if (next != G_MAXINT64)
    self->sweep = g_timeout_add ((guint) ((next - now) / 1000) + 1, sweep_cb, self);

  return G_SOURCE_REMOVE;
}

static void
request_progress (DropifyServer     *self,
                  SoupServerMessage *msg)
{
  Slot *slot = slot_of_message (self, msg);

  if (slot == NULL)
    return;

  slot->progress_at = g_get_monotonic_time ();
  if (self->sweep == 0)
    self->sweep = g_timeout_add_seconds (self->request_s, sweep_cb, self);
}

static void
request_read_cb (SoupServerMessage *msg,
                 gpointer           user_data)
{
  DropifyServer *self = user_data;
  Slot *slot = slot_of_message (self, msg);

  /* The handler has it now; a response takes what it takes, and an
   * upgraded connection belongs to its channel. */
  if (slot != NULL)
    slot->progress_at = 0;
}

static void
got_headers_cb (SoupServerMessage *msg,
                gpointer           user_data)
{
  request_progress (DROPIFY_SERVER (user_data), msg);
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  request_progress (DROPIFY_SERVER (user_data), msg);
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    DropifyServer     *self)
{
  request_progress (self, msg);
  g_signal_connect_object (msg, "got-headers", G_CALLBACK (got_headers_cb), self, 0);
  g_signal_connect_object (msg, "got-chunk", G_CALLBACK (got_chunk_cb), self, 0);
}

static void
request_done_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 DropifyServer     *self)
{
  request_read_cb (msg, self);
}

static void
incoming (DropifyServer     *self,
          GSocketConnection *connection)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  Pending *pending;
  Slot *slot;

  /* Over budget, or too many starting: someone's oldest goes, most
   * likely the flood's. With nobody to shed, the newcomer is refused. */
  if (self->n_open >= self->budget || self->n_pending >= DROPIFY_SERVER_MAX_PENDING)
    {
      Slot *victim = pick_shed (self, self->n_open < self->budget);

      if (victim == NULL)
        {
          g_debug ("No room for another connection; refusing one");
          g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
          return;
        }
      slot_shed (victim);
    }

  slot = g_new0 (Slot, 1);
  slot->server = self;
  slot->link.data = slot;
  slot->source = address_string (remote);
  slot->socket = g_object_ref (socket);
  g_queue_push_tail_link (&self->slots, &slot->link);
  self->n_open++;

  pending = g_new0 (Pending, 1);
  pending->server = g_object_ref (self);
  pending->slot = slot;
  pending->connection = g_object_ref (connection);
  pending->cancellable = g_cancellable_new ();
  slot->pending = pending;
  self->n_pending++;

  pending->deadline = g_timeout_add_seconds (DROPIFY_SERVER_HANDSHAKE_S, deadline_cb, pending);
  pending->readable = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (pending->readable, (GSourceFunc) (void (*) (void)) peek_cb, pending, NULL);
  g_source_attach (pending->readable, NULL);
}

/* Accepting */

static void accept_next (DropifyServer *self);

static gboolean
accept_retry_cb (gpointer user_data)
{
  DropifyServer *self = user_data;

  self->accept_retry = 0;
  accept_next (self);

  return G_SOURCE_REMOVE;
}

static void
accepted_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  DropifyServer *self = user_data;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  /* Stopping cancels the accept first, and the server may be gone by
   * now: nothing of it is touched then. */
  connection = g_socket_listener_accept_finish (G_SOCKET_LISTENER (object), result, NULL, &error);
  if (connection == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
        return;

      self->n_accept_failures++;
      dropify_log_limit_warning (self->log_limit, "accept",
                                 "Could not accept a connection: %s; trying again in %u ms",
                                 error->message, self->accept_backoff_ms);
      self->accept_retry = g_timeout_add (self->accept_backoff_ms, accept_retry_cb, self);
      self->accept_backoff_ms = MIN (self->accept_backoff_ms * 2, ACCEPT_BACKOFF_MAX_MS);
      return;
    }

  if (self->n_accept_failures > 0)
    {
      g_message ("Accepting connections again, after %u failed attempts", self->n_accept_failures);
      self->n_accept_failures = 0;
    }
  self->accept_backoff_ms = ACCEPT_BACKOFF_MS;

  incoming (self, connection);
  accept_next (self);
}

static void
accept_next (DropifyServer *self)
{
  if (self->listener == NULL || g_cancellable_is_cancelled (self->cancellable))
    return;

  g_socket_listener_accept_async (self->listener, self->cancellable, accepted_cb, self);
}


/* GObject */

static void
dropify_server_dispose (GObject *object)
{
  DropifyServer *self = (DropifyServer *)object;

  dropify_server_stop (self);
  g_clear_handle_id (&self->sweep, g_source_remove);
  /* Pending connections hold the server; what is left are served ones. */
  while (self->slots.head != NULL)
    {
      Slot *slot = self->slots.head->data;

      if (slot->stream != NULL)
        g_object_weak_unref (G_OBJECT (slot->stream), stream_gone, slot);
      slot_free (slot);
    }
  g_clear_pointer (&self->served, g_hash_table_unref);
  g_clear_handle_id (&self->accept_retry, g_source_remove);
  g_clear_object (&self->listener);
  g_clear_pointer (&self->log_limit, dropify_log_limit_free);
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
  self->served = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->budget = dropify_server_default_budget ();
  self->request_s = DROPIFY_SERVER_REQUEST_S;
  self->accept_backoff_ms = ACCEPT_BACKOFF_MS;
  self->log_limit = dropify_log_limit_new (1, ACCEPT_LOG_INTERVAL_MS, NULL, NULL);

  g_signal_connect_object (self->server, "request-started", G_CALLBACK (request_started_cb), self, 0);
  g_signal_connect_object (self->server, "request-read", G_CALLBACK (request_done_cb), self, 0);
  g_signal_connect_object (self->server, "request-finished", G_CALLBACK (request_done_cb), self, 0);
  g_signal_connect_object (self->server, "request-aborted", G_CALLBACK (request_done_cb), self, 0);
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
  g_return_val_if_fail (self->listener == NULL, FALSE);

  /* The soft limit may have been raised since the server was made. */
  if (!self->budget_set)
    self->budget = dropify_server_default_budget ();

  self->listener = g_socket_listener_new ();
  /* GLib's default of 10 lets a burst of connections be refused by the
   * kernel before the budget can make room. */
  g_socket_listener_set_backlog (self->listener, 128);

  if (port == 0)
    {
      self->port = g_socket_listener_add_any_inet_port (self->listener, NULL, error);
      if (self->port == 0)
        goto failed;
    }
  else
    {
      if (!g_socket_listener_add_inet_port (self->listener, port, NULL, error))
        goto failed;
      self->port = port;
    }

  accept_next (self);

  g_message ("Listening on port %u", self->port);

  return TRUE;

failed:
  g_prefix_error (error, _("Could not listen on port %u: "), port);
  g_clear_object (&self->listener);
  return FALSE;
}

guint
dropify_server_get_port (DropifyServer *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVER (self), 0);
  return self->port;
}

/**
 * dropify_server_default_budget:
 *
 * How many connections the server may hold at once: half of what
 * dropify_fd_budget_get_max_connections() leaves for the network, since
 * each connection costs up to two descriptors (its socket, and a wakeup
 * while its handshake runs), at least DROPIFY_FD_BUDGET_MIN_CONNECTIONS,
 * and never more than DROPIFY_SERVER_MAX_CONNECTIONS: one person's
 * devices and phones need far fewer, and each costs memory too.
 */
guint
dropify_server_default_budget (void)
{
  guint connections = dropify_fd_budget_get_max_connections () / 2;

  return CLAMP (connections, DROPIFY_FD_BUDGET_MIN_CONNECTIONS, DROPIFY_SERVER_MAX_CONNECTIONS);
}

/**
 * dropify_server_set_budget:
 * @budget: the most connections held at once, at least 1
 *
 * Replaces the budget dropify_server_default_budget() gave.
 */
void
dropify_server_set_budget (DropifyServer *self,
                           guint          budget)
{
  g_return_if_fail (DROPIFY_IS_SERVER (self));
  g_return_if_fail (budget > 0);

  self->budget = budget;
  self->budget_set = TRUE;
}

/**
 * dropify_server_set_request_deadline:
 * @seconds: how long a request may go without progress
 *
 * Replaces DROPIFY_SERVER_REQUEST_S; a connection that waits for its
 * next request gets as long.
 */
void
dropify_server_set_request_deadline (DropifyServer *self,
                                     guint          seconds)
{
  g_return_if_fail (DROPIFY_IS_SERVER (self));
  g_return_if_fail (seconds > 0);

  self->request_s = seconds;

  /* What waits is timed anew, from when it last made progress. */
  if (self->sweep != 0)
    {
      g_clear_handle_id (&self->sweep, g_source_remove);
      self->sweep = g_timeout_add (0, sweep_cb, self);
    }
}

guint
dropify_server_get_budget (DropifyServer *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVER (self), 0);
  return self->budget;
}

/**
 * dropify_server_get_n_connections:
 *
 * Returns: how many connections the server holds, starting or served,
 *   not counting those being shed
 */
guint
dropify_server_get_n_connections (DropifyServer *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVER (self), 0);
  return self->n_open;
}

/**
 * dropify_server_get_n_shed:
 *
 * Returns: how many connections were shed to keep within the budget or
 *   because their request stalled
 */
guint64
dropify_server_get_n_shed (DropifyServer *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVER (self), 0);
  return self->n_shed;
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

  g_clear_handle_id (&self->accept_retry, g_source_remove);
  if (self->listener != NULL)
    g_socket_listener_close (self->listener);

  if (self->server != NULL)
    soup_server_disconnect (self->server);
}
