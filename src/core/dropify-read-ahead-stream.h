#pragma once

#include <stdint.h>

#include <gio/gio.h>

G_BEGIN_DECLS

#define DROPIFY_TYPE_READ_AHEAD_STREAM (dropify_read_ahead_stream_get_type ())

G_DECLARE_FINAL_TYPE (DropifyReadAheadStream, dropify_read_ahead_stream, DROPIFY, READ_AHEAD_STREAM, GFilterInputStream)

DropifyReadAheadStream *dropify_read_ahead_stream_new          (GInputStream           *base,
                                                               gsize                   block_size);
gsize                   dropify_read_ahead_stream_get_buffered (DropifyReadAheadStream *self);
uint64_t                dropify_read_ahead_stream_get_base_reads (DropifyReadAheadStream *self);

G_END_DECLS
