#include "config.h"

#include "dropify-frame-guard.h"
#include "dropify-test-support.h"

/* The frame guard: its parser on hand-made byte streams, fed whole and
 * byte by byte, and the stream over an in-memory pipe, where a reader
 * sees its limits as read errors. */

#define UPGRADE "GET /v1/peer HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n"

/* One frame as a client sends it (masked), with a payload of @len bytes. */
static void
append_frame (GByteArray *out,
              gboolean    fin,
              guint       opcode,
              uint64_t    len)
{
  g_autoptr(GBytes) frame = dropify_test_websocket_frame (fin, (guint8) opcode, TRUE, NULL, len);

  g_byte_array_append (out, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame));
}

static void
feed (DropifyFrameParser *parser,
      GByteArray         *bytes,
      gboolean            one_by_one)
{
  if (!one_by_one)
    {
      dropify_frame_parser_feed (parser, bytes->data, bytes->len);
      return;
    }
  for (guint i = 0; i < bytes->len; i++)
    dropify_frame_parser_feed (parser, bytes->data + i, 1);
}

static void
test_parser_counts (void)
{
  for (int one_by_one = 0; one_by_one < 2; one_by_one++)
    {
      g_autoptr(GByteArray) bytes = g_byte_array_new ();
      DropifyFrameParser parser;

      g_byte_array_append (bytes, (const guint8 *) UPGRADE, strlen (UPGRADE));
      append_frame (bytes, TRUE, 0x1, 5);        /* a whole text message */
      append_frame (bytes, FALSE, 0x2, 200);     /* a binary message in three parts */
      append_frame (bytes, FALSE, 0x0, 70000);
      append_frame (bytes, TRUE, 0x9, 3);        /* a ping between fragments */
      append_frame (bytes, FALSE, 0x0, 10);

      dropify_frame_parser_init (&parser, DROPIFY_FRAME_PARSER_HEADERS, G_MAXUINT32);
      feed (&parser, bytes, one_by_one);

      g_assert_null (parser.violation);
      g_assert_cmpint (parser.stage, ==, DROPIFY_FRAME_PARSER_FRAMES);
      g_assert_cmpuint (parser.frames, ==, 5);
      g_assert_cmpuint (parser.data_messages, ==, 2);
      /* The binary message has not ended: all its fragments count. */
      g_assert_true (parser.in_message);
      g_assert_cmpuint (parser.message_bytes, ==, 200 + 70000 + 10);

      /* Its last fragment ends it. */
      g_byte_array_set_size (bytes, 0);
      append_frame (bytes, TRUE, 0x0, 1);
      feed (&parser, bytes, one_by_one);
      g_assert_false (parser.in_message);
      g_assert_cmpuint (parser.message_bytes, ==, 0);
      dropify_frame_parser_clear (&parser);
    }
}

static void
test_parser_malformed (void)
{
  static const struct { const char *what; guint8 bytes[16]; gsize len; } cases[] = {
    { "continuation without a message", { 0x80, 0x80, 1, 2, 3, 4 }, 6 },
    { "control frame too long", { 0x89, 0x80 | 126, 0x01, 0x00, 1, 2, 3, 4 }, 8 },
    { "length with the top bit", { 0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4 }, 14 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      DropifyFrameParser parser;

      g_test_message ("case: %s", cases[i].what);
      dropify_frame_parser_init (&parser, DROPIFY_FRAME_PARSER_FRAMES, G_MAXUINT32);
      g_assert_false (dropify_frame_parser_feed (&parser, cases[i].bytes, cases[i].len));
      g_assert_nonnull (parser.violation);
      /* Once broken, it takes nothing more. */
      g_assert_false (dropify_frame_parser_feed (&parser, (const guint8 *) "x", 1));
      dropify_frame_parser_clear (&parser);
    }
}

static void
test_parser_headers (void)
{
  DropifyFrameParser parser;
  g_autofree char *line = g_strnfill (DROPIFY_FRAME_GUARD_MAX_HEADERS, 'h');

  /* Headers that never end are cut off at the limit. */
  dropify_frame_parser_init (&parser, DROPIFY_FRAME_PARSER_HEADERS, G_MAXUINT32);
  g_assert_true (dropify_frame_parser_feed (&parser, (const guint8 *) "GET / HTTP/1.1\r\n", 16));
  g_assert_false (dropify_frame_parser_feed (&parser, (const guint8 *) line, strlen (line)));
  g_assert_nonnull (parser.violation);
  dropify_frame_parser_clear (&parser);

  /* "\r\n\r" then "\r\n" is no end of headers; "\r\r\n\r\n" is. */
  dropify_frame_parser_init (&parser, DROPIFY_FRAME_PARSER_HEADERS, G_MAXUINT32);
  g_assert_true (dropify_frame_parser_feed (&parser, (const guint8 *) "A\r\n\rB\r\n", 7));
  g_assert_cmpint (parser.stage, ==, DROPIFY_FRAME_PARSER_HEADERS);
  g_assert_true (dropify_frame_parser_feed (&parser, (const guint8 *) "\r\r\n\r\n", 5));
  g_assert_cmpint (parser.stage, ==, DROPIFY_FRAME_PARSER_FRAMES);
  dropify_frame_parser_clear (&parser);
}

/* The stream */

typedef struct
{
  GInputStream      *base;
  DropifyFrameGuard *guard;
} Guarded;

static void
guarded_init (Guarded    *g,
              GByteArray *bytes)
{
  g->base = g_memory_input_stream_new_from_data (g_memdup2 (bytes->data, bytes->len), bytes->len, g_free);
  g->guard = dropify_frame_guard_new (g->base, DROPIFY_FRAME_PARSER_FRAMES);
}

static void
guarded_clear (Guarded *g)
{
  g_clear_object (&g->guard);
  g_clear_object (&g->base);
}

/* Reads everything the way libsoup does, 1 KiB at a time and without
 * blocking, until the end or an error. */
static gsize
read_all (Guarded  *g,
          GError  **error)
{
  GPollableInputStream *pollable = G_POLLABLE_INPUT_STREAM (g->guard);
  guint8 buffer[1024];
  gsize total = 0;
  gssize n;

  g_assert_true (g_pollable_input_stream_can_poll (pollable));
  while ((n = g_pollable_input_stream_read_nonblocking (pollable, buffer, sizeof buffer, NULL, error)) > 0)
    total += n;

  return total;
}

static void
test_guard_fragments (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  Guarded g;

  /* A stranger's text message that never ends: 1 KiB fragments, more
   * of them than 64 KiB. */
  append_frame (bytes, FALSE, 0x1, 1024);
  for (guint i = 0; i < 80; i++)
    append_frame (bytes, FALSE, 0x0, 1024);

  guarded_init (&g, bytes);
  dropify_frame_guard_set_limits (g.guard, 64 * 1024, G_MAXUINT);
  read_all (&g, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  g_assert_nonnull (dropify_frame_guard_get_violation (g.guard));
  /* It stopped within a read of the limit, not at the end. */
  g_assert_cmpuint (dropify_frame_guard_get_bytes (g.guard), <=, 64 * 1024 + 1024 + 2 * 1024);
  g_assert_cmpuint (dropify_frame_guard_get_bytes (g.guard), >, 64 * 1024);
  /* And keeps failing: the reader cannot get past it. */
  {
    g_autoptr(GError) again = NULL;
    guint8 byte;

    g_assert_true (g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (g.guard)));
    g_assert_cmpint (g_input_stream_read (G_INPUT_STREAM (g.guard), &byte, 1, NULL, &again), ==, -1);
    g_assert_error (again, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  }
  guarded_clear (&g);

  /* The same bytes from a trusted peer pass. */
  g_clear_error (&error);
  guarded_init (&g, bytes);
  dropify_frame_guard_set_limits (g.guard, 17 * 1024 * 1024, G_MAXUINT);
  g_assert_cmpuint (read_all (&g, &error), ==, bytes->len);
  g_assert_no_error (error);
  g_assert_null (dropify_frame_guard_get_violation (g.guard));
  guarded_clear (&g);
}

static void
test_guard_raised_between_reads (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  GPollableInputStream *pollable;
  guint8 buffer[1024];
  Guarded g;

  /* A hello, then at once a 200 KiB drop: the peer trusts us already.
   * The limit is raised after the read that carried the hello (as the
   * channel does while libsoup hands the hello over), before the next. */
  append_frame (bytes, TRUE, 0x1, 100);
  append_frame (bytes, TRUE, 0x1, 200 * 1024);
  guarded_init (&g, bytes);
  pollable = G_POLLABLE_INPUT_STREAM (g.guard);

  g_assert_cmpint (g_pollable_input_stream_read_nonblocking (pollable, buffer, 1024, NULL, &error), ==, 1024);
  dropify_frame_guard_set_limits (g.guard, 17 * 1024 * 1024, G_MAXUINT);
  g_assert_cmpuint (read_all (&g, &error) + 1024, ==, bytes->len);
  g_assert_no_error (error);
  guarded_clear (&g);

  /* Left at a stranger's limits, the same bytes fail. */
  guarded_init (&g, bytes);
  read_all (&g, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  guarded_clear (&g);
}

static void
test_guard_frame_rate (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  Guarded g;

  /* Pings and tiny fragments, many more than 64 in no time at all. */
  for (guint i = 0; i < 200; i++)
    append_frame (bytes, TRUE, 0x9, 0);

  guarded_init (&g, bytes);
  read_all (&g, &error);     /* a stranger's limits: the default */
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  g_assert_nonnull (strstr (dropify_frame_guard_get_violation (g.guard), "frames"));
  g_assert_cmpuint (dropify_frame_guard_get_frames (g.guard), <, 200);
  guarded_clear (&g);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/frame-guard/parser/counts", test_parser_counts);
  g_test_add_func ("/frame-guard/parser/malformed", test_parser_malformed);
  g_test_add_func ("/frame-guard/parser/headers", test_parser_headers);
  g_test_add_func ("/frame-guard/stream/fragments", test_guard_fragments);
  g_test_add_func ("/frame-guard/stream/raised-between-reads", test_guard_raised_between_reads);
  g_test_add_func ("/frame-guard/stream/frame-rate", test_guard_frame_rate);

  return g_test_run ();
}
