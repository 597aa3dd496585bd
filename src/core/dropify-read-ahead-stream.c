#define G_LOG_DOMAIN "dropify-read-ahead-stream"

#include "config.h"

#include <string.h>

#include "dropify-read-ahead-stream.h"

/* Large reads under small ones.
 *
 * libsoup 3.2's WebSocket reads what a peer sends 1 KiB at a time, each
 * read a call into the TLS session (its lock, its state checks, GnuTLS's
 * record buffer): on a fast link that, not the decryption, was most of
 * the receiving main thread's work. This stream reads a block at a time
 * from its base and serves the small reads from it.
 *
 * It stays a correct pollable stream: it is readable while it holds
 * bytes, and a source made then fires at once, though the socket under
 * it may have nothing more to say. It reads ahead only when it is empty,
 * so what it holds is bounded by one block, and the block is freed once
 * served: an idle connection holds none. Whatever sits above (the frame
 * guard) still sees, and judges, every byte when its reader asks for it. */

struct _DropifyReadAheadStream
{
  GFilterInputStream  parent_instance;

  guint8             *block;        /* NULL while nothing is held */
  gsize               block_size;
  gsize               start;        /* what is held: block[start..end) */
  gsize               end;
  uint64_t            base_reads;
};

static void dropify_read_ahead_stream_pollable_iface_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DropifyReadAheadStream, dropify_read_ahead_stream,
                               G_TYPE_FILTER_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      dropify_read_ahead_stream_pollable_iface_init))

static GInputStream *
base_stream (DropifyReadAheadStream *self)
{
  return g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (self));
}

static void
release_block (DropifyReadAheadStream *self)
{
  g_clear_pointer (&self->block, g_free);
  self->start = self->end = 0;
}

static gsize
serve (DropifyReadAheadStream *self,
       void                   *buffer,
       gsize                   count)
{
  gsize n = MIN (count, self->end - self->start);

  memcpy (buffer, self->block + self->start, n);
  self->start += n;
  if (self->start == self->end)
    release_block (self);

  return n;
}

static gssize
base_read (DropifyReadAheadStream  *self,
           void                    *buffer,
           gsize                    count,
           gboolean                 blocking,
           GCancellable            *cancellable,
           GError                 **error)
{
  self->base_reads++;
  if (blocking)
    return g_input_stream_read (base_stream (self), buffer, count, cancellable, error);

  return g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (base_stream (self)),
                                                   buffer, count, cancellable, error);
}

static gssize
read_ahead (DropifyReadAheadStream  *self,
            void                    *buffer,
            gsize                    count,
            gboolean                 blocking,
            GCancellable            *cancellable,
            GError                 **error)
{
  gssize n;

  if (count == 0)
    return 0;

  /* What is held goes first, without asking the base: it may have
   * nothing, and a read that has bytes to give must not block. */
  if (self->end > self->start)
    return serve (self, buffer, count);

  /* A reader that asks for a block or more gets it straight. */
  if (count >= self->block_size)
    return base_read (self, buffer, count, blocking, cancellable, error);

  self->block = g_malloc (self->block_size);
  n = base_read (self, self->block, self->block_size, blocking, cancellable, error);
  if (n <= 0)
    {
      release_block (self);
      return n;
    }
  self->start = 0;
  self->end = n;

  return serve (self, buffer, count);
}

static gssize
dropify_read_ahead_stream_read_fn (GInputStream  *stream,
                                   void          *buffer,
                                   gsize          count,
                                   GCancellable  *cancellable,
                                   GError       **error)
{
  return read_ahead (DROPIFY_READ_AHEAD_STREAM (stream), buffer, count, TRUE, cancellable, error);
}

static gssize
dropify_read_ahead_stream_skip (GInputStream  *stream,
                                gsize          count,
                                GCancellable  *cancellable,
                                GError       **error)
{
  DropifyReadAheadStream *self = DROPIFY_READ_AHEAD_STREAM (stream);
  gsize held = self->end - self->start;

  if (held > 0)
    {
      gsize n = MIN (count, held);

      self->start += n;
      if (self->start == self->end)
        release_block (self);
      return n;
    }

  self->base_reads++;
  return g_input_stream_skip (base_stream (self), count, cancellable, error);
}

static gboolean
dropify_read_ahead_stream_close_fn (GInputStream  *stream,
                                    GCancellable  *cancellable,
                                    GError       **error)
{
  DropifyReadAheadStream *self = DROPIFY_READ_AHEAD_STREAM (stream);

  release_block (self);

  return G_INPUT_STREAM_CLASS (dropify_read_ahead_stream_parent_class)->close_fn (stream, cancellable,
                                                                                 error);
}

static gboolean
dropify_read_ahead_stream_can_poll (GPollableInputStream *stream)
{
  GInputStream *base = base_stream (DROPIFY_READ_AHEAD_STREAM (stream));

  return G_IS_POLLABLE_INPUT_STREAM (base) &&
         g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (base));
}

static gboolean
dropify_read_ahead_stream_is_readable (GPollableInputStream *stream)
{
  DropifyReadAheadStream *self = DROPIFY_READ_AHEAD_STREAM (stream);

  if (self->end > self->start)
    return TRUE;

  return g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (base_stream (self)));
}

/* While bytes are held the source must fire at once, as GIO's own
 * converter stream does: the base's would wait for the socket, which may
 * already have handed over all it had. */
static GSource *
dropify_read_ahead_stream_create_source (GPollableInputStream *stream,
                                         GCancellable         *cancellable)
{
  DropifyReadAheadStream *self = DROPIFY_READ_AHEAD_STREAM (stream);
  g_autoptr(GSource) child = NULL;

  if (self->end > self->start)
    child = g_timeout_source_new (0);
  else
    child = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (base_stream (self)), NULL);

  return g_pollable_source_new_full (stream, child, cancellable);
}

static gssize
dropify_read_ahead_stream_read_nonblocking (GPollableInputStream  *stream,
                                            void                  *buffer,
                                            gsize                  count,
                                            GError               **error)
{
  return read_ahead (DROPIFY_READ_AHEAD_STREAM (stream), buffer, count, FALSE, NULL, error);
}

static void
dropify_read_ahead_stream_pollable_iface_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = dropify_read_ahead_stream_can_poll;
  iface->is_readable = dropify_read_ahead_stream_is_readable;
  iface->create_source = dropify_read_ahead_stream_create_source;
  iface->read_nonblocking = dropify_read_ahead_stream_read_nonblocking;
}

/* GObject */

static void
dropify_read_ahead_stream_finalize (GObject *object)
{
  release_block (DROPIFY_READ_AHEAD_STREAM (object));

  G_OBJECT_CLASS (dropify_read_ahead_stream_parent_class)->finalize (object);
}

static void
dropify_read_ahead_stream_class_init (DropifyReadAheadStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = dropify_read_ahead_stream_finalize;
  stream_class->read_fn = dropify_read_ahead_stream_read_fn;
  stream_class->skip = dropify_read_ahead_stream_skip;
  stream_class->close_fn = dropify_read_ahead_stream_close_fn;
}

static void
dropify_read_ahead_stream_init (DropifyReadAheadStream *self)
{
}

/**
 * dropify_read_ahead_stream_new:
 * @base: the stream to read from; closed with this one unless
 *   g_filter_input_stream_set_close_base_stream() says otherwise
 * @block_size: how much to read from @base at a time, and the most held
 *
 * Returns: (transfer full): a stream serving @base's bytes in order
 */
DropifyReadAheadStream *
dropify_read_ahead_stream_new (GInputStream *base,
                               gsize         block_size)
{
  DropifyReadAheadStream *self;

  g_return_val_if_fail (G_IS_INPUT_STREAM (base), NULL);
  g_return_val_if_fail (block_size > 0, NULL);

  self = g_object_new (DROPIFY_TYPE_READ_AHEAD_STREAM, "base-stream", base, NULL);
  self->block_size = block_size;

  return self;
}

/**
 * dropify_read_ahead_stream_get_buffered:
 *
 * Returns: how many bytes were read from the base and not yet served
 */
gsize
dropify_read_ahead_stream_get_buffered (DropifyReadAheadStream *self)
{
  g_return_val_if_fail (DROPIFY_IS_READ_AHEAD_STREAM (self), 0);
  return self->end - self->start;
}

/**
 * dropify_read_ahead_stream_get_base_reads:
 *
 * Returns: how many reads (and skips) went to the base
 */
uint64_t
dropify_read_ahead_stream_get_base_reads (DropifyReadAheadStream *self)
{
  g_return_val_if_fail (DROPIFY_IS_READ_AHEAD_STREAM (self), 0);
  return self->base_reads;
}
