#pragma once

#include <stdint.h>

#include <gio/gio.h>

#include "dropify-frame-guard.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_SERVER_STREAM (dropify_server_stream_get_type ())

G_DECLARE_FINAL_TYPE (DropifyServerStream, dropify_server_stream, DROPIFY, SERVER_STREAM, GIOStream)

DropifyServerStream *dropify_server_stream_new          (GIOStream            *base,
                                                         const char           *source);
GTlsConnection      *dropify_server_stream_get_tls      (DropifyServerStream  *self);
DropifyFrameGuard   *dropify_server_stream_get_guard    (DropifyServerStream  *self);
const char          *dropify_server_stream_get_source   (DropifyServerStream  *self);
int64_t              dropify_server_stream_get_accepted_at (DropifyServerStream *self);
gboolean             dropify_server_stream_get_trusted  (DropifyServerStream  *self);
void                 dropify_server_stream_set_trusted  (DropifyServerStream  *self,
                                                         gboolean              trusted);
DropifyServerStream *dropify_server_stream_find         (GIOStream            *stream);

G_END_DECLS
