#pragma once

#include <gio/gio.h>
#include <stdint.h>

G_BEGIN_DECLS

#define DROPIFY_BLOB_STORE_ERROR (dropify_blob_store_error_quark ())

typedef enum
{
  DROPIFY_BLOB_STORE_ERROR_INVALID_HASH,
  DROPIFY_BLOB_STORE_ERROR_HASH_MISMATCH,
  DROPIFY_BLOB_STORE_ERROR_TOO_LARGE,
} DropifyBlobStoreError;

#define DROPIFY_TYPE_BLOB_STORE (dropify_blob_store_get_type ())
#define DROPIFY_TYPE_BLOB_WRITER (dropify_blob_writer_get_type ())

G_DECLARE_FINAL_TYPE (DropifyBlobStore, dropify_blob_store, DROPIFY, BLOB_STORE, GObject)
G_DECLARE_FINAL_TYPE (DropifyBlobWriter, dropify_blob_writer, DROPIFY, BLOB_WRITER, GObject)

GQuark             dropify_blob_store_error_quark    (void);
gboolean           dropify_sha256_is_valid           (const char           *sha256);
DropifyBlobStore  *dropify_blob_store_new            (const char           *directory,
                                                      GError              **error);
const char        *dropify_blob_store_get_directory  (DropifyBlobStore     *self);
char              *dropify_blob_store_dup_path       (DropifyBlobStore     *self,
                                                      const char           *sha256);
gboolean           dropify_blob_store_contains       (DropifyBlobStore     *self,
                                                      const char           *sha256);
gboolean           dropify_blob_store_remove         (DropifyBlobStore     *self,
                                                      const char           *sha256,
                                                      GError              **error);
void               dropify_blob_store_import_async   (DropifyBlobStore     *self,
                                                      GFile                *file,
                                                      uint64_t              max_size,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
char              *dropify_blob_store_import_finish  (DropifyBlobStore     *self,
                                                      GAsyncResult         *result,
                                                      uint64_t             *size,
                                                      GError              **error);
DropifyBlobWriter *dropify_blob_store_open_writer    (DropifyBlobStore     *self,
                                                      const char           *sha256,
                                                      uint64_t              size,
                                                      GError              **error);
const char        *dropify_blob_writer_get_sha256    (DropifyBlobWriter    *self);
uint64_t           dropify_blob_writer_get_offset    (DropifyBlobWriter    *self);
gboolean           dropify_blob_writer_write         (DropifyBlobWriter    *self,
                                                      const guint8         *data,
                                                      gsize                 length,
                                                      GError              **error);
gboolean           dropify_blob_writer_queue         (DropifyBlobWriter    *self,
                                                      GBytes               *bytes,
                                                      GError              **error);
uint64_t           dropify_blob_writer_get_written   (DropifyBlobWriter    *self);
GError            *dropify_blob_writer_get_error     (DropifyBlobWriter    *self);
void               dropify_blob_writer_stop          (DropifyBlobWriter    *self);
gboolean           dropify_blob_writer_finish        (DropifyBlobWriter    *self,
                                                      GError              **error);
void               dropify_blob_writer_commit_async  (DropifyBlobWriter    *self,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
gboolean           dropify_blob_writer_commit_finish (DropifyBlobWriter    *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
DropifyBlobWriter *dropify_blob_store_create_import  (DropifyBlobStore     *self,
                                                      uint64_t              max_size,
                                                      GError              **error);
void               dropify_blob_writer_commit_import_async  (DropifyBlobWriter   *self,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
char              *dropify_blob_writer_commit_import_finish (DropifyBlobWriter   *self,
                                                             GAsyncResult        *result,
                                                             uint64_t            *size,
                                                             GError             **error);
void               dropify_blob_writer_discard       (DropifyBlobWriter    *self);

G_END_DECLS
