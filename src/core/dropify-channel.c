#define G_LOG_DOMAIN "dropify-channel"

#include "config.h"

#include "dropify-channel.h"
#include "dropify-frame-guard.h"
#include "dropify-identity.h"
#include "dropify-log-limit.h"
#include "dropify-protocol.h"
#include "dropify-guarded-stream.h"

/* One connection with a peer, in either direction.
 *
 * The channel is the trust boundary: who is at the other end is read from
 * the TLS session this very connection arrived over, never looked up by
 * address, and a connection without TLS has no fingerprint at all. It
 * also owns what a peer may cost before anyone trusts it: a deadline for
 * the hello, one for pairing, a message rate, and (on connections the
 * server accepted) the frame guard's limits on message size and frame
 * rate, which count fragments too. Trust raises those limits; sync,
 * pairing and transfers see only whole, checked messages. */

struct _DropifyChannel
{
  GObject                  parent_instance;

  SoupWebsocketConnection *ws;
  GTlsConnection          *tls;
  DropifyGuardedStream    *guarded;
  DropifyFrameGuard       *guard;
  char                    *fingerprint;
  char                    *device_id;       /* the one the certificate's key stands for */
  char                    *remote;
  char                    *close_reason;
  DropifyLogLimit         *log_limit;       /* borrowed: for strangers */
  gushort                  close_code;
  gboolean                 outgoing;
  gboolean                 trusted;
  gboolean                 closed;
  int64_t                  window_start;    /* monotonic µs */
  guint                    window_count;
  guint                    hello_deadline;
  guint                    untrusted_deadline;
  guint                    silence_check;
  int64_t                  last_heard;      /* monotonic µs: a message or a pong */
};

G_DEFINE_FINAL_TYPE (DropifyChannel, dropify_channel, G_TYPE_OBJECT)

enum {
  MESSAGE,
  CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The TLS session under libsoup's wrappers, if there is one. */
static GTlsConnection *
find_tls (GIOStream *stream)
{
  for (guint depth = 0; stream != NULL && depth < 8; depth++)
    {
      g_autoptr(GIOStream) base = NULL;

      if (G_IS_TLS_CONNECTION (stream))
        return G_TLS_CONNECTION (stream);
      if (DROPIFY_IS_GUARDED_STREAM (stream))
        return dropify_guarded_stream_get_tls (DROPIFY_GUARDED_STREAM (stream));
      if (g_object_class_find_property (G_OBJECT_GET_CLASS (stream), "base-iostream") == NULL)
        return NULL;
      g_object_get (stream, "base-iostream", &base, NULL);
      stream = base;   /* kept alive by the wrapper that holds it */
    }

  return NULL;
}

static gboolean
hello_deadline_cb (gpointer user_data)
{
  DropifyChannel *self = user_data;

  self->hello_deadline = 0;
  dropify_channel_close (self, DROPIFY_CLOSE_BAD_MESSAGE, "no hello in time");

  return G_SOURCE_REMOVE;
}

static gboolean
untrusted_deadline_cb (gpointer user_data)
{
  DropifyChannel *self = user_data;

  self->untrusted_deadline = 0;
  if (!self->trusted)
    dropify_channel_close (self, DROPIFY_CLOSE_SHUTDOWN, "not paired in time");

  return G_SOURCE_REMOVE;
}

/* Every few seconds: a trusted peer that answered nothing, not even the
 * pings, for DROPIFY_CHANNEL_SILENT_S is gone, though no FIN came. */
static gboolean
silence_check_cb (gpointer user_data)
{
  DropifyChannel *self = user_data;

  if (g_get_monotonic_time () - self->last_heard < (int64_t) DROPIFY_CHANNEL_SILENT_S * G_USEC_PER_SEC)
    return G_SOURCE_CONTINUE;

  self->silence_check = 0;
  dropify_channel_close (self, DROPIFY_CLOSE_SHUTDOWN, "no answer for a while");
  return G_SOURCE_REMOVE;
}

static void
on_pong (DropifyChannel *self)
{
  self->last_heard = g_get_monotonic_time ();
}

static void
on_message (DropifyChannel *self,
            int             type,
            GBytes         *bytes)
{
  self->last_heard = g_get_monotonic_time ();

  /* This side is closing: what was already on the way is not read, or
   * every chunk in flight would be refused, and logged, once more. */
  if (!dropify_channel_is_open (self))
    return;

  /* Until trusted, a peer only says hello and pairs: a few messages. */
  if (!self->trusted)
    {
      int64_t now = g_get_monotonic_time ();

      if (now - self->window_start > G_USEC_PER_SEC)
        {
          self->window_start = now;
          self->window_count = 0;
        }
      if (++self->window_count > DROPIFY_CHANNEL_UNTRUSTED_PER_S)
        {
          dropify_channel_close (self, DROPIFY_CLOSE_FLOOD, "too many messages before pairing");
          return;
        }
    }

  g_signal_emit (self, signals[MESSAGE], 0, type, bytes);
}

static void
on_closed (DropifyChannel *self)
{
  const char *violation = self->guard ? dropify_frame_guard_get_violation (self->guard) : NULL;

  g_object_ref (self);

  self->closed = TRUE;
  g_clear_handle_id (&self->hello_deadline, g_source_remove);
  g_clear_handle_id (&self->untrusted_deadline, g_source_remove);
  g_clear_handle_id (&self->silence_check, g_source_remove);

  /* Our own reason stays; otherwise the peer's, or what the guard saw. */
  if (self->close_reason == NULL)
    {
      self->close_code = soup_websocket_connection_get_close_code (self->ws);
      if (violation != NULL)
        {
          self->close_code = DROPIFY_CLOSE_FLOOD;
          self->close_reason = g_strdup (violation);
        }
      else
        {
          self->close_reason = g_strdup (soup_websocket_connection_get_close_data (self->ws));
        }
    }

  g_signal_emit (self, signals[CLOSED], 0);
  g_object_unref (self);
}

/* GObject */

static void
dropify_channel_dispose (GObject *object)
{
  DropifyChannel *self = (DropifyChannel *)object;

  g_clear_handle_id (&self->hello_deadline, g_source_remove);
  g_clear_handle_id (&self->untrusted_deadline, g_source_remove);
  g_clear_handle_id (&self->silence_check, g_source_remove);
  if (self->ws != NULL)
    g_signal_handlers_disconnect_by_data (self->ws, self);
  g_clear_object (&self->ws);
  g_clear_object (&self->tls);
  g_clear_object (&self->guard);
  g_clear_object (&self->guarded);

  G_OBJECT_CLASS (dropify_channel_parent_class)->dispose (object);
}

static void
dropify_channel_finalize (GObject *object)
{
  DropifyChannel *self = (DropifyChannel *)object;

  g_free (self->fingerprint);
  g_free (self->device_id);
  g_free (self->remote);
  g_free (self->close_reason);

  G_OBJECT_CLASS (dropify_channel_parent_class)->finalize (object);
}

static void
dropify_channel_class_init (DropifyChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dropify_channel_dispose;
  object_class->finalize = dropify_channel_finalize;

  /**
   * DropifyChannel::message:
   * @type: a #SoupWebsocketDataType
   * @bytes: the whole message
   *
   * A message that passed the channel's limits.
   */
  signals[MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_BYTES);

  /**
   * DropifyChannel::closed:
   *
   * The connection is gone; the code and reason say why.
   */
  signals[CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dropify_channel_init (DropifyChannel *self)
{
}

/**
 * dropify_channel_new:
 * @ws: an open WebSocket connection to or from a peer
 * @remote: where it is, for logs only
 * @outgoing: whether this side dialed
 */
DropifyChannel *
dropify_channel_new (SoupWebsocketConnection *ws,
                     const char              *remote,
                     gboolean                 outgoing)
{
  DropifyChannel *self;
  GIOStream *io;
  GTlsCertificate *certificate = NULL;

  g_return_val_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (ws), NULL);

  self = g_object_new (DROPIFY_TYPE_CHANNEL, NULL);
  self->ws = g_object_ref (ws);
  self->remote = g_strdup (remote);
  self->outgoing = outgoing;

  io = soup_websocket_connection_get_io_stream (ws);
  self->guarded = dropify_guarded_stream_find (io);
  if (self->guarded != NULL)
    {
      g_object_ref (self->guarded);
      self->guard = dropify_guarded_stream_get_guard (self->guarded);
      if (self->guard != NULL)
        g_object_ref (self->guard);
    }

  /* Only the session of this connection says who is at the other end. An
   * incoming connection counts only through the server's own stream: a
   * stream it did not accept has no identity here at all. */
  if (self->guarded != NULL)
    self->tls = dropify_guarded_stream_get_tls (self->guarded);
  else if (outgoing)
    self->tls = find_tls (io);
  if (self->tls != NULL)
    {
      g_object_ref (self->tls);
      certificate = g_tls_connection_get_peer_certificate (self->tls);
    }
  if (certificate != NULL)
    {
      self->fingerprint = dropify_certificate_fingerprint (certificate);
      self->device_id = dropify_certificate_device_id (certificate);
    }

  /* libsoup's default would refuse a full-size text drop, and libsoup
   * 3.6+ also caps whole (fragmented) messages at 128 KiB on servers: set
   * both from the protocol, the second where it exists. */
  g_object_set (ws, "max-incoming-payload-size", (guint64) DROPIFY_PROTOCOL_MAX_MESSAGE, NULL);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ws), "max-total-message-size"))
    g_object_set (ws, "max-total-message-size", (guint64) DROPIFY_PROTOCOL_MAX_MESSAGE, NULL);

  g_signal_connect_swapped (ws, "message", G_CALLBACK (on_message), self);
  g_signal_connect_swapped (ws, "closed", G_CALLBACK (on_closed), self);
  g_signal_connect_swapped (ws, "pong", G_CALLBACK (on_pong), self);
  self->last_heard = g_get_monotonic_time ();

  self->hello_deadline = g_timeout_add_seconds (DROPIFY_CHANNEL_HELLO_S, hello_deadline_cb, self);

  return self;
}

/**
 * dropify_channel_set_log_limit:
 * @limit: (nullable): shared by the channels, and outliving them
 *
 * Lines about a channel that is not trusted go through @limit.
 */
void
dropify_channel_set_log_limit (DropifyChannel  *self,
                               DropifyLogLimit *limit)
{
  g_return_if_fail (DROPIFY_IS_CHANNEL (self));
  self->log_limit = limit;
}

/**
 * dropify_channel_get_fingerprint:
 *
 * Returns: (nullable): the fingerprint of the certificate the peer
 *   presented in this connection's TLS session, or %NULL if there was
 *   none
 */
const char *
dropify_channel_get_fingerprint (DropifyChannel *self)
{
  g_return_val_if_fail (DROPIFY_IS_CHANNEL (self), NULL);
  return self->fingerprint;
}

/**
 * dropify_channel_get_device_id:
 *
 * Returns: (nullable): the only device id the peer may say it has: the
 *   one its certificate's key stands for
 */
const char *
dropify_channel_get_device_id (DropifyChannel *self)
{
  g_return_val_if_fail (DROPIFY_IS_CHANNEL (self), NULL);
  return self->device_id;
}

/**
 * dropify_channel_get_io_stream:
 *
 * Returns: (transfer none) (nullable): the stream the WebSocket reads and
 *   writes, to wait until what was sent is written
 */
GIOStream *
dropify_channel_get_io_stream (DropifyChannel *self)
{
  g_return_val_if_fail (DROPIFY_IS_CHANNEL (self), NULL);
  return soup_websocket_connection_get_io_stream (self->ws);
}

/**
 * dropify_channel_get_tls:
 *
 * Returns: (transfer none) (nullable): the connection's TLS session
 */
GTlsConnection *
dropify_channel_get_tls (DropifyChannel *self)
{
  g_return_val_if_fail (DROPIFY_IS_CHANNEL (self), NULL);
  return self->tls;
}

const char *
dropify_channel_get_remote (DropifyChannel *self)
{
  g_return_val_if_fail (DROPIFY_IS_CHANNEL (self), NULL);
  return self->remote;
}

gboolean
dropify_channel_is_outgoing (DropifyChannel *self)
{
  g_return_val_if_fail (DROPIFY_IS_CHANNEL (self), FALSE);
  return self->outgoing;
}

gboolean
dropify_channel_is_open (DropifyChannel *self)
{
  g_return_val_if_fail (DROPIFY_IS_CHANNEL (self), FALSE);
  return !self->closed &&
         soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN;
}

gboolean
dropify_channel_get_trusted (DropifyChannel *self)
{
  g_return_val_if_fail (DROPIFY_IS_CHANNEL (self), FALSE);
  return self->trusted;
}

/**
 * dropify_channel_set_trusted:
 *
 * Lifts the limits of a stranger (or puts them back): trusted peers may
 * send messages of any size the protocol allows, as fast as they like.
 */
void
dropify_channel_set_trusted (DropifyChannel *self,
                             gboolean        trusted)
{
  g_return_if_fail (DROPIFY_IS_CHANNEL (self));

  self->trusted = !!trusted;
  if (trusted)
    g_clear_handle_id (&self->untrusted_deadline, g_source_remove);

  /* Only a trusted channel stays open for long: it proves it is alive. */
  soup_websocket_connection_set_keepalive_interval (self->ws, trusted ? DROPIFY_CHANNEL_PING_S : 0);
  if (trusted && self->silence_check == 0 && !self->closed)
    {
      self->last_heard = g_get_monotonic_time ();
      self->silence_check = g_timeout_add_seconds (DROPIFY_CHANNEL_PING_S / 2, silence_check_cb, self);
    }
  else if (!trusted)
    {
      g_clear_handle_id (&self->silence_check, g_source_remove);
    }

  if (self->guard != NULL)
    {
      if (trusted)
        dropify_frame_guard_set_limits (self->guard, DROPIFY_PROTOCOL_MAX_MESSAGE,
                                        DROPIFY_CHANNEL_TRUSTED_FRAMES_S);
      else
        dropify_frame_guard_set_limits (self->guard, DROPIFY_FRAME_GUARD_UNTRUSTED_MESSAGE,
                                        DROPIFY_FRAME_GUARD_UNTRUSTED_FRAMES_S);
    }
  if (self->guarded != NULL)
    dropify_guarded_stream_set_trusted (self->guarded, trusted);
}

/**
 * dropify_channel_hello_received:
 *
 * The peer said who it is in time; a stranger now has until the pairing
 * deadline.
 */
void
dropify_channel_hello_received (DropifyChannel *self)
{
  g_return_if_fail (DROPIFY_IS_CHANNEL (self));

  g_clear_handle_id (&self->hello_deadline, g_source_remove);
  if (!self->trusted && self->untrusted_deadline == 0 && !self->closed)
    self->untrusted_deadline = g_timeout_add_seconds (DROPIFY_CHANNEL_UNTRUSTED_IDLE_S,
                                                      untrusted_deadline_cb, self);
}

/**
 * dropify_channel_send_text:
 *
 * Returns: the bytes queued, 0 if the channel is not open
 */
gsize
dropify_channel_send_text (DropifyChannel *self,
                           const char     *text)
{
  g_return_val_if_fail (DROPIFY_IS_CHANNEL (self), 0);

  if (!dropify_channel_is_open (self))
    return 0;

  soup_websocket_connection_send_text (self->ws, text);
  return strlen (text);
}

void
dropify_channel_send_binary (DropifyChannel *self,
                             const void     *data,
                             gsize           len)
{
  g_return_if_fail (DROPIFY_IS_CHANNEL (self));

  if (dropify_channel_is_open (self))
    soup_websocket_connection_send_binary (self->ws, data, len);
}

/**
 * dropify_channel_close:
 * @code: a close code (DROPIFY_CLOSE_*)
 * @reason: why, in words; logged, and sent to the peer
 */
void
dropify_channel_close (DropifyChannel *self,
                       gushort         code,
                       const char     *reason)
{
  g_return_if_fail (DROPIFY_IS_CHANNEL (self));

  if (self->closed || self->close_reason != NULL)
    return;

  /* A stranger's refusals are logged a few at a time per address: a
   * flood of them must not become a flood of lines. */
  if (code != DROPIFY_CLOSE_SHUTDOWN && code != DROPIFY_CLOSE_DUPLICATE)
    {
      if (!self->trusted && self->log_limit != NULL)
        dropify_log_limit_warning (self->log_limit, self->remote,
                                   "Closing the connection with %s: %s", self->remote, reason);
      else
        g_warning ("Closing the connection with %s: %s", self->remote, reason);
    }

  self->close_code = code;
  self->close_reason = g_strdup (reason);

  if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      /* A close reason is at most 123 bytes of UTF-8 (RFC 6455). */
      g_autofree char *valid = g_utf8_make_valid (reason, -1);
      const char *end = valid;

      while (*end && (gsize) (g_utf8_next_char (end) - valid) <= 123)
        end = g_utf8_next_char (end);
      valid[end - valid] = '\0';

      soup_websocket_connection_close (self->ws, code, valid);
    }
}

gushort
dropify_channel_get_close_code (DropifyChannel *self)
{
  g_return_val_if_fail (DROPIFY_IS_CHANNEL (self), 0);
  return self->close_code;
}

/**
 * dropify_channel_get_close_reason:
 *
 * Returns: (nullable): why the channel closed, once it is closing
 */
const char *
dropify_channel_get_close_reason (DropifyChannel *self)
{
  g_return_val_if_fail (DROPIFY_IS_CHANNEL (self), NULL);
  return self->close_reason;
}
