#pragma once

#include <stdint.h>

#include <gio/gio.h>

#include "dropify-frame-guard.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_GUARDED_STREAM (dropify_guarded_stream_get_type ())

G_DECLARE_FINAL_TYPE (DropifyGuardedStream, dropify_guarded_stream, DROPIFY, GUARDED_STREAM, GIOStream)

DropifyGuardedStream *dropify_guarded_stream_new          (GIOStream            *base,
                                                         const char           *source);
GTlsConnection      *dropify_guarded_stream_get_tls      (DropifyGuardedStream  *self);
DropifyFrameGuard   *dropify_guarded_stream_get_guard    (DropifyGuardedStream  *self);
const char          *dropify_guarded_stream_get_source   (DropifyGuardedStream  *self);
int64_t              dropify_guarded_stream_get_accepted_at (DropifyGuardedStream *self);
gboolean             dropify_guarded_stream_get_trusted  (DropifyGuardedStream  *self);
void                 dropify_guarded_stream_set_trusted  (DropifyGuardedStream  *self,
                                                         gboolean              trusted);
DropifyGuardedStream *dropify_guarded_stream_find         (GIOStream            *stream);

G_END_DECLS
