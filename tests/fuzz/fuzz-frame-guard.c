/* libFuzzer target for the frame guard in front of libsoup's WebSocket
 * reader: the input is a byte stream as a peer would send it. The first
 * byte picks where the stream is split into reads; the guard must reach
 * the same verdict however the stream is split, and a reader must never
 * get past a broken limit. Built by run-fuzz.sh with clang, ASan and
 * UBSan. */

#include "config.h"

#include <stdint.h>
#include <stddef.h>

#include "dropify-frame-guard.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  DropifyFrameParser whole, split;
  gsize step;
  gboolean ok_whole, ok_split = TRUE;

  if (size < 2)
    return 0;

  step = 1 + data[0] % 64;
  data++, size--;

  dropify_frame_parser_init (&whole, data[0] & 1 ? DROPIFY_FRAME_PARSER_HEADERS : DROPIFY_FRAME_PARSER_FRAMES,
                             64 * 1024);
  dropify_frame_parser_init (&split, whole.stage, 64 * 1024);

  ok_whole = dropify_frame_parser_feed (&whole, data, size);
  for (gsize i = 0; i < size && ok_split; i += step)
    ok_split = dropify_frame_parser_feed (&split, data + i, MIN (step, size - i));

  /* A limit is judged on what was fed, so a stream split finer may stop
   * sooner; but the same bytes make the same frames until then. */
  if (ok_whole != ok_split && ok_whole)
    __builtin_trap ();
  if (ok_whole && ok_split &&
      (whole.frames != split.frames || whole.message_bytes != split.message_bytes ||
       whole.in_message != split.in_message || whole.stage != split.stage))
    __builtin_trap ();
  if (!ok_whole && (whole.violation == NULL || !g_utf8_validate (whole.violation, -1, NULL)))
    __builtin_trap ();
  if (ok_whole && whole.message_bytes > whole.max_message)
    __builtin_trap ();

  dropify_frame_parser_clear (&whole);
  dropify_frame_parser_clear (&split);

  /* The stream: reads in 1 KiB, as libsoup does, until the end or an
   * error; after an error every read fails. */
  {
    g_autoptr(GInputStream) base = g_memory_input_stream_new_from_data (data, size, NULL);
    g_autoptr(DropifyFrameGuard) guard = dropify_frame_guard_new (base, DROPIFY_FRAME_PARSER_FRAMES);
    GPollableInputStream *pollable = G_POLLABLE_INPUT_STREAM (guard);
    guint8 buffer[1024];
    gssize n;
    gsize total = 0;
    g_autoptr(GError) error = NULL;

    while ((n = g_pollable_input_stream_read_nonblocking (pollable, buffer, sizeof buffer, NULL, &error)) > 0)
      total += n;
    if (total > size)
      __builtin_trap ();
    if (n < 0)
      {
        g_autoptr(GError) again = NULL;

        if (dropify_frame_guard_get_violation (guard) == NULL)
          __builtin_trap ();
        if (g_pollable_input_stream_read_nonblocking (pollable, buffer, sizeof buffer, NULL, &again) != -1)
          __builtin_trap ();
      }
  }

  return 0;
}
