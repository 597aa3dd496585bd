#pragma once

#include <gio/gio.h>

#include "dropify-blob-store.h"
#include "dropify-clock.h"
#include "dropify-drop.h"

G_BEGIN_DECLS

#define DROPIFY_HISTORY_ERROR (dropify_history_error_quark ())

typedef enum
{
  DROPIFY_HISTORY_ERROR_CORRUPT,
  DROPIFY_HISTORY_ERROR_NEWER_SCHEMA,
  DROPIFY_HISTORY_ERROR_INVALID,
  DROPIFY_HISTORY_ERROR_TOO_LARGE,
  DROPIFY_HISTORY_ERROR_EXPIRED,
  DROPIFY_HISTORY_ERROR_DELETED,
  DROPIFY_HISTORY_ERROR_EXISTS,
  DROPIFY_HISTORY_ERROR_NOT_FOUND,
  DROPIFY_HISTORY_ERROR_IO,
} DropifyHistoryError;

#define DROPIFY_HISTORY_SCHEMA_VERSION 8
/* Sends cancelled while their receiver was away, remembered at most. */
#define DROPIFY_HISTORY_CANCELLED_SENDS_MAX 256

#define DROPIFY_TYPE_HISTORY (dropify_history_get_type ())

G_DECLARE_FINAL_TYPE (DropifyHistory, dropify_history, DROPIFY, HISTORY, GObject)

GQuark          dropify_history_error_quark      (void);
DropifyHistory *dropify_history_new              (const char        *path,
                                                  DropifyBlobStore  *blobs,
                                                  DropifyClockFunc   clock,
                                                  gpointer           clock_data,
                                                  GError           **error);
int64_t         dropify_history_now              (DropifyHistory    *self);
guint64         dropify_history_get_generation   (DropifyHistory    *self);
gboolean        dropify_history_add              (DropifyHistory    *self,
                                                  DropifyDrop       *drop,
                                                  GError           **error);
gboolean        dropify_history_delete           (DropifyHistory    *self,
                                                  const char        *id,
                                                  GError           **error);
DropifyDrop    *dropify_history_lookup           (DropifyHistory    *self,
                                                  const char        *id);
gboolean        dropify_history_is_deleted       (DropifyHistory    *self,
                                                  const char        *id);
gboolean        dropify_history_add_tombstone    (DropifyHistory    *self,
                                                  const char        *id,
                                                  int64_t            expires_at,
                                                  GError           **error);
void            dropify_history_foreach_tombstone (DropifyHistory   *self,
                                                  void (*func) (const char *id,
                                                                int64_t     expires_at,
                                                                gpointer    user_data),
                                                  gpointer           user_data);
GPtrArray      *dropify_history_find_by_sha256   (DropifyHistory    *self,
                                                  const char        *sha256);
GHashTable     *dropify_history_search           (DropifyHistory    *self,
                                                  const char        *text,
                                                  int                kind,
                                                  const char        *origin,
                                                  GError           **error);
GPtrArray      *dropify_history_dup_origins      (DropifyHistory    *self,
                                                  guint              max);
gboolean        dropify_history_mark_complete    (DropifyHistory    *self,
                                                  const char        *id,
                                                  GError           **error);
GPtrArray      *dropify_history_find_auto_save_pending (DropifyHistory *self);
gboolean        dropify_history_get_auto_saved   (DropifyHistory    *self,
                                                  const char        *id);
gboolean        dropify_history_set_auto_saved   (DropifyHistory    *self,
                                                  const char        *id,
                                                  GError           **error);
guint           dropify_history_sweep            (DropifyHistory    *self);
int64_t         dropify_history_get_next_expiry  (DropifyHistory    *self);
DropifyBlobStore *dropify_history_get_blob_store (DropifyHistory    *self);
uint64_t        dropify_history_get_max_file_size   (DropifyHistory *self);
void            dropify_history_set_max_file_size   (DropifyHistory *self,
                                                     uint64_t        max_file_size);
guint           dropify_history_get_max_text_length (DropifyHistory *self);
void            dropify_history_set_max_text_length (DropifyHistory *self,
                                                     guint           max_text_length);
guint           dropify_history_add_holders      (DropifyHistory    *self,
                                                  const char        *device_id,
                                                  GPtrArray         *ids,
                                                  DropifyHolding     what);
void            dropify_history_forget_holder    (DropifyHistory    *self,
                                                  const char        *device_id);
gboolean        dropify_history_is_cancelled     (DropifyHistory    *self,
                                                  const char        *sha256);
void            dropify_history_set_cancelled    (DropifyHistory    *self,
                                                  const char        *sha256,
                                                  gboolean           cancelled);
void            dropify_history_add_cancelled_send  (DropifyHistory *self,
                                                     const char     *sha256,
                                                     const char     *device_id);
gboolean        dropify_history_take_cancelled_send (DropifyHistory *self,
                                                     const char     *sha256,
                                                     const char     *device_id);
void            dropify_history_close            (DropifyHistory    *self);

G_END_DECLS
