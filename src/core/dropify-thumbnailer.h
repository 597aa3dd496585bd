#pragma once

#include <gio/gio.h>

#include "dropify-blob-store.h"
#include "dropify-drop.h"

G_BEGIN_DECLS

#define DROPIFY_THUMBNAILER_ERROR (dropify_thumbnailer_error_quark ())

typedef enum
{
  DROPIFY_THUMBNAILER_ERROR_NOT_AN_IMAGE,
  DROPIFY_THUMBNAILER_ERROR_TOO_LARGE,
  DROPIFY_THUMBNAILER_ERROR_CORRUPT,
  DROPIFY_THUMBNAILER_ERROR_BUSY,
} DropifyThumbnailerError;

/* A thumbnail fits in a square this many pixels wide. */
#define DROPIFY_THUMBNAIL_SIZE 256

#define DROPIFY_TYPE_THUMBNAILER (dropify_thumbnailer_get_type ())

G_DECLARE_FINAL_TYPE (DropifyThumbnailer, dropify_thumbnailer, DROPIFY, THUMBNAILER, GObject)

GQuark              dropify_thumbnailer_error_quark    (void);
gboolean            dropify_thumbnailer_is_image_type  (const char           *mime);
gboolean            dropify_thumbnailer_is_candidate   (DropifyDrop          *drop);
DropifyThumbnailer *dropify_thumbnailer_new            (const char           *directory,
                                                        DropifyBlobStore     *blobs,
                                                        GError              **error);
const char         *dropify_thumbnailer_get_directory  (DropifyThumbnailer   *self);
gboolean            dropify_thumbnailer_has            (DropifyThumbnailer   *self,
                                                        const char           *sha256);
char               *dropify_thumbnailer_dup_path       (DropifyThumbnailer   *self,
                                                        const char           *sha256);
void                dropify_thumbnailer_lookup_async   (DropifyThumbnailer   *self,
                                                        DropifyDrop          *drop,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
GFile              *dropify_thumbnailer_lookup_finish  (DropifyThumbnailer   *self,
                                                        GAsyncResult         *result,
                                                        GError              **error);
void                dropify_thumbnailer_remove         (DropifyThumbnailer   *self,
                                                        const char           *sha256);
void                dropify_thumbnailer_stop           (DropifyThumbnailer   *self);

G_END_DECLS
