#define G_LOG_DOMAIN "dropify-guarded-stream"

#include "config.h"

#include "dropify-guarded-stream.h"

/* One connection the server accepted, as handed to libsoup: the socket,
 * or the TLS session on it, with a frame guard in front of the reading
 * side of every TLS session (only peers speak TLS here).
 *
 * The stream is how a peer channel finds the TLS session it arrived on:
 * libsoup wraps it, and the channel walks back to it. A connection that
 * did not arrive over TLS has no session to find, so whatever it claims
 * it can never be a peer. The server also keeps these to budget
 * descriptors: a stream's channel marks it trusted, and strangers'
 * streams are shed first. */

struct _DropifyGuardedStream
{
  GIOStream     parent_instance;

  GIOStream    *base;
  GInputStream *input;        /* the guard over TLS, the socket's otherwise */
  char         *source;       /* the remote address, without the port */
  int64_t       accepted_at;  /* monotonic µs */
  gboolean      trusted;
  gboolean      disposed;
};

G_DEFINE_FINAL_TYPE (DropifyGuardedStream, dropify_guarded_stream, G_TYPE_IO_STREAM)

static GInputStream *
dropify_guarded_stream_get_input_stream (GIOStream *stream)
{
  return DROPIFY_GUARDED_STREAM (stream)->input;
}

static GOutputStream *
dropify_guarded_stream_get_output_stream (GIOStream *stream)
{
  return g_io_stream_get_output_stream (DROPIFY_GUARDED_STREAM (stream)->base);
}

static gboolean
dropify_guarded_stream_close_fn (GIOStream     *stream,
                                GCancellable  *cancellable,
                                GError       **error)
{
  DropifyGuardedStream *self = DROPIFY_GUARDED_STREAM (stream);

  /* GIOStream closes a stream that is dropped unclosed; the base, dropped
   * with it, closes itself as it knows best, without blocking here. */
  if (self->disposed || self->base == NULL)
    return TRUE;

  return g_io_stream_close (self->base, cancellable, error);
}

static void
base_closed_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_io_stream_close_finish (G_IO_STREAM (object), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* GIOStream's own close_async runs close_fn in a thread; the base's
 * close_async does it the way the base knows best. */
static void
dropify_guarded_stream_close_async (GIOStream           *stream,
                                   int                  io_priority,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, dropify_guarded_stream_close_async);
  if (DROPIFY_GUARDED_STREAM (stream)->base == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  g_io_stream_close_async (DROPIFY_GUARDED_STREAM (stream)->base, io_priority, cancellable,
                           base_closed_cb, task);
}

static gboolean
dropify_guarded_stream_close_finish (GIOStream     *stream,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* GObject */

static void
dropify_guarded_stream_dispose (GObject *object)
{
  DropifyGuardedStream *self = (DropifyGuardedStream *)object;

  self->disposed = TRUE;
  g_clear_object (&self->input);
  g_clear_object (&self->base);

  G_OBJECT_CLASS (dropify_guarded_stream_parent_class)->dispose (object);
}

static void
dropify_guarded_stream_finalize (GObject *object)
{
  DropifyGuardedStream *self = (DropifyGuardedStream *)object;

  g_free (self->source);

  G_OBJECT_CLASS (dropify_guarded_stream_parent_class)->finalize (object);
}

static void
dropify_guarded_stream_class_init (DropifyGuardedStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  object_class->dispose = dropify_guarded_stream_dispose;
  object_class->finalize = dropify_guarded_stream_finalize;
  stream_class->get_input_stream = dropify_guarded_stream_get_input_stream;
  stream_class->get_output_stream = dropify_guarded_stream_get_output_stream;
  stream_class->close_fn = dropify_guarded_stream_close_fn;
  stream_class->close_async = dropify_guarded_stream_close_async;
  stream_class->close_finish = dropify_guarded_stream_close_finish;
}

static void
dropify_guarded_stream_init (DropifyGuardedStream *self)
{
  self->accepted_at = g_get_monotonic_time ();
}

/**
 * dropify_guarded_stream_new:
 * @base: a connection, or a TLS session whose handshake is done
 * @source: the remote address, for budgets and logs only
 */
DropifyGuardedStream *
dropify_guarded_stream_new (GIOStream  *base,
                           const char *source)
{
  DropifyGuardedStream *self;

  g_return_val_if_fail (G_IS_IO_STREAM (base), NULL);

  self = g_object_new (DROPIFY_TYPE_GUARDED_STREAM, NULL);
  self->base = g_object_ref (base);
  self->source = g_strdup (source != NULL ? source : "");

  if (G_IS_TLS_CONNECTION (base))
    {
      DropifyFrameGuard *guard = dropify_frame_guard_new (g_io_stream_get_input_stream (base),
                                                          DROPIFY_FRAME_PARSER_HEADERS);

      /* The base stream closes its own streams. */
      g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (guard), FALSE);
      self->input = G_INPUT_STREAM (guard);
    }
  else
    {
      self->input = g_object_ref (g_io_stream_get_input_stream (base));
    }

  return self;
}

/**
 * dropify_guarded_stream_get_tls:
 *
 * Returns: (transfer none) (nullable): the TLS session the connection
 *   arrived over, or %NULL if it came without TLS
 */
GTlsConnection *
dropify_guarded_stream_get_tls (DropifyGuardedStream *self)
{
  g_return_val_if_fail (DROPIFY_IS_GUARDED_STREAM (self), NULL);
  return G_IS_TLS_CONNECTION (self->base) ? G_TLS_CONNECTION (self->base) : NULL;
}

/**
 * dropify_guarded_stream_get_guard:
 *
 * Returns: (transfer none) (nullable): the guard over what a TLS peer
 *   sends
 */
DropifyFrameGuard *
dropify_guarded_stream_get_guard (DropifyGuardedStream *self)
{
  g_return_val_if_fail (DROPIFY_IS_GUARDED_STREAM (self), NULL);
  return DROPIFY_IS_FRAME_GUARD (self->input) ? DROPIFY_FRAME_GUARD (self->input) : NULL;
}

const char *
dropify_guarded_stream_get_source (DropifyGuardedStream *self)
{
  g_return_val_if_fail (DROPIFY_IS_GUARDED_STREAM (self), NULL);
  return self->source;
}

int64_t
dropify_guarded_stream_get_accepted_at (DropifyGuardedStream *self)
{
  g_return_val_if_fail (DROPIFY_IS_GUARDED_STREAM (self), 0);
  return self->accepted_at;
}

gboolean
dropify_guarded_stream_get_trusted (DropifyGuardedStream *self)
{
  g_return_val_if_fail (DROPIFY_IS_GUARDED_STREAM (self), FALSE);
  return self->trusted;
}

/**
 * dropify_guarded_stream_set_trusted:
 *
 * Marks the connection as one with a trusted peer (or a phone with the
 * token), which the server sheds last.
 */
void
dropify_guarded_stream_set_trusted (DropifyGuardedStream *self,
                                   gboolean             trusted)
{
  g_return_if_fail (DROPIFY_IS_GUARDED_STREAM (self));
  self->trusted = !!trusted;
}

/**
 * dropify_guarded_stream_find:
 * @stream: a stream libsoup made from one the server accepted
 *
 * Walks back through libsoup's wrappers to the server's own stream.
 *
 * Returns: (transfer none) (nullable): the stream, or %NULL if @stream
 *   did not come from the server
 */
DropifyGuardedStream *
dropify_guarded_stream_find (GIOStream *stream)
{
  /* libsoup wraps a stream in at most a couple of layers. */
  for (guint depth = 0; stream != NULL && depth < 8; depth++)
    {
      g_autoptr(GIOStream) base = NULL;

      if (DROPIFY_IS_GUARDED_STREAM (stream))
        return DROPIFY_GUARDED_STREAM (stream);
      if (g_object_class_find_property (G_OBJECT_GET_CLASS (stream), "base-iostream") == NULL)
        return NULL;
      g_object_get (stream, "base-iostream", &base, NULL);
      stream = base;   /* kept alive by the wrapper that holds it */
    }

  return NULL;
}
