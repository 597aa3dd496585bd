#include "config.h"

#include <sys/socket.h>

#include "dropify-frame-guard.h"
#include "dropify-read-ahead-stream.h"
#include "dropify-test-support.h"

/* The read-ahead stream over a real socket pair: bytes come out whole
 * and in order, in far fewer reads of the socket than the reader makes;
 * while it holds bytes it is readable and its sources fire, though the
 * socket is empty; and under the frame guard it holds at most a block
 * more than the guard has judged. */

#define BLOCK (16 * 1024)

typedef struct
{
  GIOStream              *near;     /* read through the read-ahead */
  GIOStream              *far;      /* written to by the test */
  DropifyReadAheadStream *ahead;
} Pair;

static GIOStream *
connection_for (int fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, &error);

  g_assert_no_error (error);
  /* A read that wrongly waits on the socket fails the test, not hangs it. */
  g_socket_set_timeout (socket, 5);
  return G_IO_STREAM (g_socket_connection_factory_create_connection (socket));
}

static void
pair_init (Pair *pair)
{
  int fds[2];

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds));
  pair->near = connection_for (fds[0]);
  pair->far = connection_for (fds[1]);
  pair->ahead = dropify_read_ahead_stream_new (g_io_stream_get_input_stream (pair->near), BLOCK);
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (pair->ahead), FALSE);
}

static void
pair_clear (Pair *pair)
{
  g_clear_object (&pair->ahead);
  g_clear_object (&pair->near);
  g_clear_object (&pair->far);
}

static GPollableInputStream *
pollable (Pair *pair)
{
  return G_POLLABLE_INPUT_STREAM (pair->ahead);
}

static GPollableInputStream *
socket_input (Pair *pair)
{
  return G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (pair->near));
}

static void
write_far (Pair         *pair,
           const guint8 *data,
           gsize         len)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (pair->far), data, len, NULL, NULL, &error);
  g_assert_no_error (error);
}

static guint8
pattern (gsize i)
{
  return (guint8) ((i * 7 + i / 251) & 0xff);
}

static gboolean
fired_cb (GObject  *stream,
          gpointer  user_data)
{
  gboolean *fired = user_data;

  *fired = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
timed_out_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Whether a source of the read-ahead fires within @timeout_ms. */
static gboolean
source_fires (Pair  *pair,
              guint  timeout_ms)
{
  g_autoptr(GSource) source = g_pollable_input_stream_create_source (pollable (pair), NULL);
  g_autoptr(GSource) timeout = g_timeout_source_new (timeout_ms);
  gboolean fired = FALSE;
  gboolean timed_out = FALSE;

  g_source_set_callback (source, G_SOURCE_FUNC (fired_cb), &fired, NULL);
  g_source_set_callback (timeout, timed_out_cb, &timed_out, NULL);
  g_source_attach (source, NULL);
  g_source_attach (timeout, NULL);
  while (!fired && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (source);
  g_source_destroy (timeout);

  return fired;
}

typedef struct
{
  Pair       *pair;
  gsize       total;
} Writer;

static gpointer
writer_thread (gpointer user_data)
{
  Writer *writer = user_data;
  g_autofree guint8 *data = g_malloc (writer->total);

  for (gsize i = 0; i < writer->total; i++)
    data[i] = pattern (i);
  /* In pieces of uneven sizes, so reads meet partial blocks. */
  for (gsize at = 0, piece = 1; at < writer->total; at += piece, piece = piece * 3 + 17)
    write_far (writer->pair, data + at, MIN (piece, writer->total - at));

  return NULL;
}

typedef struct
{
  Pair      *pair;
  GSource   *source;
  gsize      received;
  guint      reads;
  guint      per_dispatch;
  gboolean   done;
} Reader;

static void watch (Reader *reader);

/* As libsoup does, but it stops after a few reads even when more is
 * there: the next source must then fire on what is held. */
static gboolean
readable_cb (GObject  *stream,
             gpointer  user_data)
{
  Reader *reader = user_data;

  for (guint i = 0; i < reader->per_dispatch; i++)
    {
      g_autoptr(GError) error = NULL;
      guint8 buffer[1024];
      gssize n;

      n = g_pollable_input_stream_read_nonblocking (pollable (reader->pair), buffer, sizeof buffer,
                                                    NULL, &error);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      for (gssize j = 0; j < n; j++)
        g_assert_cmpuint (buffer[j], ==, pattern (reader->received + j));
      reader->received += n;
      reader->reads++;
    }

  g_clear_pointer (&reader->source, g_source_unref);
  watch (reader);
  return G_SOURCE_REMOVE;
}

static void
watch (Reader *reader)
{
  reader->source = g_pollable_input_stream_create_source (pollable (reader->pair), NULL);
  g_source_set_callback (reader->source, G_SOURCE_FUNC (readable_cb), reader, NULL);
  g_source_attach (reader->source, NULL);
}

static void
test_in_order (void)
{
  for (guint per_dispatch = 1; per_dispatch <= 64; per_dispatch *= 8)
    {
      Pair pair;
      Writer writer = { &pair, 700 * 1024 + 123 };
      Reader reader = { &pair, NULL, 0, 0, per_dispatch, FALSE };
      gboolean timed_out = FALSE;
      g_autoptr(GThread) thread = NULL;
      g_autoptr(GSource) timeout = g_timeout_source_new_seconds (10);
      uint64_t base_reads;

      g_test_message ("%u reads of 1 KiB a dispatch", per_dispatch);
      pair_init (&pair);
      thread = g_thread_new ("writer", writer_thread, &writer);
      watch (&reader);
      g_source_set_callback (timeout, timed_out_cb, &timed_out, NULL);
      g_source_attach (timeout, NULL);
      /* The writer never closes its end: only the bytes held can wake
       * the reader for the last of them. */
      while (reader.received < writer.total && !timed_out)
        g_main_context_iteration (NULL, TRUE);
      g_thread_join (g_steal_pointer (&thread));
      g_source_destroy (timeout);
      g_source_destroy (reader.source);
      g_clear_pointer (&reader.source, g_source_unref);

      g_assert_false (timed_out);
      g_assert_cmpuint (reader.received, ==, writer.total);
      g_assert_cmpuint (dropify_read_ahead_stream_get_buffered (pair.ahead), ==, 0);
      /* A read of the socket for every block at most, and a few that
       * found it empty; 1 KiB each would have taken 700. */
      base_reads = dropify_read_ahead_stream_get_base_reads (pair.ahead);
      g_test_message ("%u reads, %" G_GUINT64_FORMAT " of the socket", reader.reads, base_reads);
      g_assert_cmpuint (reader.reads, >=, 700);
      g_assert_cmpuint (base_reads, <, reader.reads / 4);
      pair_clear (&pair);
    }
}

static void
test_held_bytes_are_readable (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *data = g_malloc (10000);
  guint8 buffer[4096];
  Pair pair;
  gssize n;

  for (gsize i = 0; i < 10000; i++)
    data[i] = pattern (i);
  pair_init (&pair);

  /* Nothing yet: not readable, and no source fires. */
  g_assert_true (g_pollable_input_stream_can_poll (pollable (&pair)));
  g_assert_false (g_pollable_input_stream_is_readable (pollable (&pair)));
  n = g_pollable_input_stream_read_nonblocking (pollable (&pair), buffer, 1024, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  g_assert_cmpint (n, ==, -1);
  g_clear_error (&error);
  g_assert_false (source_fires (&pair, 100));

  /* A first small read takes all 10,000 bytes off the socket. */
  write_far (&pair, data, 10000);
  g_assert_true (source_fires (&pair, 5000));
  n = g_pollable_input_stream_read_nonblocking (pollable (&pair), buffer, 1000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 1000);
  g_assert_cmpmem (buffer, 1000, data, 1000);
  g_assert_cmpuint (dropify_read_ahead_stream_get_buffered (pair.ahead), ==, 9000);
  g_assert_false (g_pollable_input_stream_is_readable (socket_input (&pair)));

  /* The socket is empty, but the stream is readable and a source fires. */
  g_assert_true (g_pollable_input_stream_is_readable (pollable (&pair)));
  g_assert_true (source_fires (&pair, 1000));

  /* A blocking read gets what is held without waiting on the socket
   * (which would time out after 5 s with an error). */
  n = g_input_stream_read (G_INPUT_STREAM (pair.ahead), buffer, sizeof buffer, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 4096);
  g_assert_cmpmem (buffer, 4096, data + 1000, 4096);

  /* Skipping uses what is held too. */
  g_assert_cmpint (g_input_stream_skip (G_INPUT_STREAM (pair.ahead), 904, NULL, &error), ==, 904);
  g_assert_no_error (error);

  /* The rest, then nothing, and no source fires again until more comes. */
  n = g_pollable_input_stream_read_nonblocking (pollable (&pair), buffer, sizeof buffer, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 4000);
  g_assert_cmpmem (buffer, 4000, data + 6000, 4000);
  g_assert_cmpuint (dropify_read_ahead_stream_get_buffered (pair.ahead), ==, 0);
  g_assert_false (g_pollable_input_stream_is_readable (pollable (&pair)));
  g_assert_false (source_fires (&pair, 100));
  write_far (&pair, data, 1);
  g_assert_true (source_fires (&pair, 5000));

  pair_clear (&pair);
}

static void
test_end_after_held_bytes (void)
{
  g_autoptr(GError) error = NULL;
  guint8 data[3000];
  guint8 buffer[1024];
  gsize total = 0;
  Pair pair;
  gssize n;

  for (gsize i = 0; i < sizeof data; i++)
    data[i] = pattern (i);
  pair_init (&pair);
  write_far (&pair, data, sizeof data);
  g_io_stream_close (pair.far, NULL, &error);
  g_assert_no_error (error);

  /* Every byte comes before the end does. */
  while ((n = g_input_stream_read (G_INPUT_STREAM (pair.ahead), buffer, sizeof buffer, NULL, &error)) > 0)
    {
      g_assert_cmpmem (buffer, n, data + total, n);
      total += n;
    }
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 0);
  g_assert_cmpuint (total, ==, sizeof data);

  /* A closed stream says so. */
  g_input_stream_close (G_INPUT_STREAM (pair.ahead), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_input_stream_read (G_INPUT_STREAM (pair.ahead), buffer, 1, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);

  pair_clear (&pair);
}

/* A stranger's message that never ends, fragment after fragment, under
 * the frame guard as the server reads it: the guard still stops it near
 * its limit, and the read-ahead holds at most a block past what the
 * guard judged. */
static void
test_under_the_guard (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(DropifyFrameGuard) guard = NULL;
  g_autoptr(GError) error = NULL;
  Pair pair;
  guint8 buffer[1024];
  uint64_t taken;

  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(GBytes) frame = dropify_test_websocket_frame (FALSE, i == 0 ? 0x1 : 0x0, TRUE, NULL, 1024);

      g_byte_array_append (bytes, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
    }

  pair_init (&pair);
  guard = dropify_frame_guard_new (G_INPUT_STREAM (pair.ahead), DROPIFY_FRAME_PARSER_FRAMES);
  dropify_frame_guard_set_limits (guard, 64 * 1024, G_MAXUINT);
  /* Well past the limit, and all of it in the socket at once. */
  write_far (&pair, bytes->data, 100 * 1024);

  while (g_input_stream_read (G_INPUT_STREAM (guard), buffer, sizeof buffer, NULL, &error) > 0)
    ;
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  g_assert_cmpuint (dropify_frame_guard_get_bytes (guard), <=, 64 * 1024 + 3 * 1024);

  /* What was taken off the socket: what the guard saw, and what is held. */
  taken = dropify_frame_guard_get_bytes (guard) + dropify_read_ahead_stream_get_buffered (pair.ahead);
  g_assert_cmpuint (dropify_read_ahead_stream_get_buffered (pair.ahead), <=, BLOCK);
  g_assert_cmpuint (taken, <=, 64 * 1024 + 3 * 1024 + BLOCK);
  {
    /* And no more than that: the socket still has the rest. */
    g_autoptr(GError) rest_error = NULL;
    g_autofree guint8 *rest = g_malloc (100 * 1024);
    gsize left = 0;
    gssize n;

    while ((n = g_pollable_input_stream_read_nonblocking (socket_input (&pair), rest, 100 * 1024, NULL,
                                                          &rest_error)) > 0)
      left += n;
    g_assert_error (rest_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
    g_assert_cmpuint (taken + left, ==, 100 * 1024);
  }

  pair_clear (&pair);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/read-ahead-stream/in-order", test_in_order);
  g_test_add_func ("/read-ahead-stream/held-bytes-are-readable", test_held_bytes_are_readable);
  g_test_add_func ("/read-ahead-stream/end-after-held-bytes", test_end_after_held_bytes);
  g_test_add_func ("/read-ahead-stream/under-the-guard", test_under_the_guard);

  return g_test_run ();
}
