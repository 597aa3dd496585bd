#define G_LOG_DOMAIN "dropify-frame-guard"

#include "config.h"

#include "dropify-frame-guard.h"

/* A guard in front of libsoup's WebSocket reader.
 *
 * libsoup 3.2 (Debian 12) caps single frames, but not a message made of
 * fragments: a text frame without FIN followed by continuation frames is
 * buffered until it ends, so one stranger could grow an instance's memory
 * until GLib aborts. Fragments also never reached our message rate limit,
 * since libsoup hands over only whole messages. Newer libsoup caps whole
 * messages; this guard does so for every version, below libsoup, on the
 * bytes as they are read.
 *
 * The guard reads nothing on its own and copies nothing: it follows the
 * framing of what its reader (libsoup) reads, and fails a read once the
 * message being received, all fragments counted, is larger than the
 * current limit, or more frames arrived in the last second than allowed.
 * The limits are checked before each read with the limits in force then,
 * and libsoup handles every complete message of a read before it reads
 * again: a peer that becomes trusted by its hello gets the larger limits
 * before the drop it sent right after the hello is judged. */

#define WEBSOCKET_FIN         0x80
#define WEBSOCKET_OPCODE      0x0f
#define WEBSOCKET_MASKED      0x80
#define WEBSOCKET_LENGTH      0x7f
/* One read passes at most this much, so a limit is overshot by no more. */
#define MAX_READ              (256 * 1024)

static const char end_of_headers[] = "\r\n\r\n";

/* The parser */

void
dropify_frame_parser_init (DropifyFrameParser      *parser,
                           DropifyFrameParserStage  stage,
                           uint64_t                 max_message)
{
  memset (parser, 0, sizeof *parser);
  parser->stage = stage;
  parser->header_need = 2;
  parser->max_message = max_message;
}

void
dropify_frame_parser_clear (DropifyFrameParser *parser)
{
  g_clear_pointer (&parser->violation, g_free);
}

static gboolean
parser_fail (DropifyFrameParser *parser,
             const char         *reason)
{
  if (parser->violation == NULL)
    parser->violation = g_strdup (reason);
  return FALSE;
}

static gsize
feed_headers (DropifyFrameParser *parser,
              const guint8       *data,
              gsize               len)
{
  gsize i;

  for (i = 0; i < len && parser->stage == DROPIFY_FRAME_PARSER_HEADERS; i++)
    {
      if (++parser->header_bytes > DROPIFY_FRAME_GUARD_MAX_HEADERS)
        {
          parser_fail (parser, "the request's headers are too long");
          return i;
        }

      if (data[i] == (guint8) end_of_headers[parser->header_match])
        parser->header_match++;
      else
        parser->header_match = data[i] == '\r' ? 1 : 0;

      if (parser->header_match == strlen (end_of_headers))
        parser->stage = DROPIFY_FRAME_PARSER_FRAMES;
    }

  return i;
}

static void
end_frame (DropifyFrameParser *parser)
{
  if (parser->frame_is_data && parser->frame_fin)
    {
      parser->in_message = FALSE;
      parser->message_bytes = 0;
    }
  parser->header_len = 0;
  parser->header_need = 2;
}

static gboolean
start_frame (DropifyFrameParser *parser)
{
  const guint8 *h = parser->header;
  guint opcode = h[0] & WEBSOCKET_OPCODE;
  guint length7 = h[1] & WEBSOCKET_LENGTH;
  uint64_t length = length7;

  if (length7 == 126)
    length = ((uint64_t) h[2] << 8) | h[3];
  else if (length7 == 127)
    {
      length = 0;
      for (guint i = 2; i < 10; i++)
        length = (length << 8) | h[i];
      if (length >> 63)
        return parser_fail (parser, "a frame's length is out of range");
    }

  parser->frames++;
  parser->frame_fin = (h[0] & WEBSOCKET_FIN) != 0;
  parser->frame_is_data = opcode < 0x8;

  if (!parser->frame_is_data)
    {
      /* RFC 6455 §5.5: control frames carry at most 125 bytes. */
      if (length > 125)
        return parser_fail (parser, "a control frame is too long");
    }
  else if (opcode != 0x0)
    {
      parser->in_message = TRUE;
      parser->message_bytes = 0;
      parser->data_messages++;
    }
  else if (!parser->in_message)
    {
      return parser_fail (parser, "a continuation frame without a message");
    }

  parser->payload_left = length;
  if (length == 0)
    end_frame (parser);

  return TRUE;
}

/**
 * dropify_frame_parser_feed:
 * @data: the next bytes of the stream
 *
 * Follows @data through the stream's framing.
 *
 * Returns: %FALSE once the stream is malformed; the reason is in
 *   `violation`, and the parser takes nothing more
 */
gboolean
dropify_frame_parser_feed (DropifyFrameParser *parser,
                           const guint8       *data,
                           gsize               len)
{
  gsize i = 0;

  if (parser->violation != NULL)
    return FALSE;

  if (parser->stage == DROPIFY_FRAME_PARSER_HEADERS)
    {
      i = feed_headers (parser, data, len);
      if (parser->violation != NULL)
        return FALSE;
    }

  while (i < len)
    {
      if (parser->payload_left > 0)
        {
          uint64_t n = MIN (parser->payload_left, (uint64_t) (len - i));

          parser->payload_left -= n;
          if (parser->frame_is_data)
            parser->message_bytes += n;
          i += n;
          if (parser->payload_left == 0)
            end_frame (parser);
          continue;
        }

      parser->header[parser->header_len++] = data[i++];

      if (parser->header_len == 2)
        {
          guint length7 = parser->header[1] & WEBSOCKET_LENGTH;

          parser->header_need = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) +
                                ((parser->header[1] & WEBSOCKET_MASKED) ? 4 : 0);
        }

      if (parser->header_len == parser->header_need && !start_frame (parser))
        return FALSE;
    }

  /* A message larger than any limit there will ever be is malformed
   * whatever the limits in force. */
  if (parser->message_bytes > parser->max_message)
    return parser_fail (parser, "a message is larger than the protocol allows");

  return TRUE;
}

/* The stream */

struct _DropifyFrameGuard
{
  GFilterInputStream  parent_instance;

  DropifyFrameParser  parser;
  uint64_t            max_message;
  guint               max_frames_per_s;
  int64_t             window_start;     /* monotonic µs */
  uint64_t            window_frames;    /* parser.frames when the window began */
  uint64_t            bytes;
};

static void dropify_frame_guard_pollable_iface_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DropifyFrameGuard, dropify_frame_guard, G_TYPE_FILTER_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      dropify_frame_guard_pollable_iface_init))

static GInputStream *
base_stream (DropifyFrameGuard *self)
{
  return g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (self));
}

static gboolean
over_limits (DropifyFrameGuard  *self,
             GError            **error)
{
  DropifyFrameParser *parser = &self->parser;

  if (parser->violation == NULL)
    {
      int64_t now = g_get_monotonic_time ();

      if (now - self->window_start >= G_USEC_PER_SEC)
        {
          self->window_start = now;
          self->window_frames = parser->frames;
        }

      if (parser->message_bytes > self->max_message)
        parser->violation = g_strdup_printf ("a message is larger than %" G_GUINT64_FORMAT " bytes",
                                             self->max_message);
      else if (parser->frames - self->window_frames > self->max_frames_per_s)
        parser->violation = g_strdup_printf ("more than %u frames in a second",
                                             self->max_frames_per_s);
    }

  if (parser->violation != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                   "Refused what the peer sent: %s", parser->violation);
      return TRUE;
    }

  return FALSE;
}

static gssize
guard_read (DropifyFrameGuard  *self,
            void               *buffer,
            gsize               count,
            gboolean            blocking,
            GCancellable       *cancellable,
            GError            **error)
{
  gssize n;

  if (over_limits (self, error))
    return -1;

  count = MIN (count, MAX_READ);
  if (blocking)
    n = g_input_stream_read (base_stream (self), buffer, count, cancellable, error);
  else
    n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (base_stream (self)),
                                                  buffer, count, cancellable, error);

  if (n > 0)
    {
      self->bytes += n;
      /* What was read is passed on even when it breaks the framing:
       * libsoup then closes with the right code, or the next read
       * fails. */
      dropify_frame_parser_feed (&self->parser, buffer, n);
    }

  return n;
}

static gssize
dropify_frame_guard_read_fn (GInputStream  *stream,
                             void          *buffer,
                             gsize          count,
                             GCancellable  *cancellable,
                             GError       **error)
{
  return guard_read (DROPIFY_FRAME_GUARD (stream), buffer, count, TRUE, cancellable, error);
}

static gssize
dropify_frame_guard_skip (GInputStream  *stream,
                          gsize          count,
                          GCancellable  *cancellable,
                          GError       **error)
{
  guint8 scratch[4096];

  /* Skipped bytes are followed like read ones. */
  return guard_read (DROPIFY_FRAME_GUARD (stream), scratch, MIN (count, sizeof scratch), TRUE,
                     cancellable, error);
}

static gboolean
dropify_frame_guard_can_poll (GPollableInputStream *stream)
{
  GInputStream *base = base_stream (DROPIFY_FRAME_GUARD (stream));

  return G_IS_POLLABLE_INPUT_STREAM (base) &&
         g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (base));
}

static gboolean
dropify_frame_guard_is_readable (GPollableInputStream *stream)
{
  DropifyFrameGuard *self = DROPIFY_FRAME_GUARD (stream);

  /* A broken limit is "readable": the read reports it. */
  if (self->parser.violation != NULL)
    return TRUE;

  return g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (base_stream (self)));
}

static GSource *
dropify_frame_guard_create_source (GPollableInputStream *stream,
                                   GCancellable         *cancellable)
{
  DropifyFrameGuard *self = DROPIFY_FRAME_GUARD (stream);
  g_autoptr(GSource) base_source = NULL;

  base_source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (base_stream (self)),
                                                       NULL);
  return g_pollable_source_new_full (stream, base_source, cancellable);
}

static gssize
dropify_frame_guard_read_nonblocking (GPollableInputStream  *stream,
                                      void                  *buffer,
                                      gsize                  count,
                                      GError               **error)
{
  return guard_read (DROPIFY_FRAME_GUARD (stream), buffer, count, FALSE, NULL, error);
}

static void
dropify_frame_guard_pollable_iface_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = dropify_frame_guard_can_poll;
  iface->is_readable = dropify_frame_guard_is_readable;
  iface->create_source = dropify_frame_guard_create_source;
  iface->read_nonblocking = dropify_frame_guard_read_nonblocking;
}

/* GObject */

static void
dropify_frame_guard_finalize (GObject *object)
{
  DropifyFrameGuard *self = (DropifyFrameGuard *)object;

  dropify_frame_parser_clear (&self->parser);

  G_OBJECT_CLASS (dropify_frame_guard_parent_class)->finalize (object);
}

static void
dropify_frame_guard_class_init (DropifyFrameGuardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = dropify_frame_guard_finalize;
  stream_class->read_fn = dropify_frame_guard_read_fn;
  stream_class->skip = dropify_frame_guard_skip;
}

static void
dropify_frame_guard_init (DropifyFrameGuard *self)
{
  self->max_message = DROPIFY_FRAME_GUARD_UNTRUSTED_MESSAGE;
  self->max_frames_per_s = DROPIFY_FRAME_GUARD_UNTRUSTED_FRAMES_S;
  self->window_start = g_get_monotonic_time ();
}

/**
 * dropify_frame_guard_new:
 * @base: the stream to read from; closed with the guard
 * @stage: whether @base starts with HTTP headers (the upgrade) or frames
 *
 * Starts with the limits of a stranger: see dropify_frame_guard_set_limits().
 */
DropifyFrameGuard *
dropify_frame_guard_new (GInputStream            *base,
                         DropifyFrameParserStage  stage)
{
  DropifyFrameGuard *self;

  g_return_val_if_fail (G_IS_INPUT_STREAM (base), NULL);

  self = g_object_new (DROPIFY_TYPE_FRAME_GUARD, "base-stream", base, NULL);
  /* The protocol's own largest message is checked by the channel; the
   * parser's cap only stops a length no limit could ever allow. */
  dropify_frame_parser_init (&self->parser, stage, G_MAXUINT32);

  return self;
}

/**
 * dropify_frame_guard_set_limits:
 * @max_message: the largest message, all its fragments together, in bytes
 * @max_frames_per_s: the most frames, of any kind, in one second
 */
void
dropify_frame_guard_set_limits (DropifyFrameGuard *self,
                                uint64_t           max_message,
                                guint              max_frames_per_s)
{
  g_return_if_fail (DROPIFY_IS_FRAME_GUARD (self));

  self->max_message = max_message;
  self->max_frames_per_s = max_frames_per_s;
}

/**
 * dropify_frame_guard_get_violation:
 *
 * Returns: (nullable): why the guard stopped reading, or %NULL
 */
const char *
dropify_frame_guard_get_violation (DropifyFrameGuard *self)
{
  g_return_val_if_fail (DROPIFY_IS_FRAME_GUARD (self), NULL);
  return self->parser.violation;
}

uint64_t
dropify_frame_guard_get_frames (DropifyFrameGuard *self)
{
  g_return_val_if_fail (DROPIFY_IS_FRAME_GUARD (self), 0);
  return self->parser.frames;
}

/**
 * dropify_frame_guard_get_bytes:
 *
 * Returns: how many bytes were read through the guard
 */
uint64_t
dropify_frame_guard_get_bytes (DropifyFrameGuard *self)
{
  g_return_val_if_fail (DROPIFY_IS_FRAME_GUARD (self), 0);
  return self->bytes;
}

/**
 * dropify_frame_guard_headers_done:
 *
 * Returns: whether the HTTP headers before the frames were all read
 */
gboolean
dropify_frame_guard_headers_done (DropifyFrameGuard *self)
{
  g_return_val_if_fail (DROPIFY_IS_FRAME_GUARD (self), FALSE);
  return self->parser.stage == DROPIFY_FRAME_PARSER_FRAMES;
}
