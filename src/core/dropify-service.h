#pragma once

#include <gio/gio.h>

#include "dropify-auto-save.h"
#include "dropify-discovery.h"
#include "dropify-history.h"
#include "dropify-identity.h"
#include "dropify-phone.h"
#include "dropify-sync.h"
#include "dropify-thumbnailer.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_SERVICE (dropify_service_get_type ())

G_DECLARE_FINAL_TYPE (DropifyService, dropify_service, DROPIFY, SERVICE, GObject)

char            *dropify_service_dup_default_data_dir (void);
GSettings       *dropify_service_create_settings      (const char          *data_dir);
DropifyService  *dropify_service_new                  (const char          *data_dir,
                                                       GSettings           *settings,
                                                       GError             **error);
gboolean         dropify_service_start                (DropifyService      *self,
                                                       int                  port,
                                                       GError             **error);
DropifyServer   *dropify_service_get_server           (DropifyService      *self);
DropifyPhone    *dropify_service_get_phone            (DropifyService      *self);
void             dropify_service_set_discovery_enabled (DropifyService     *self,
                                                       gboolean             enabled);
DropifyDiscovery *dropify_service_get_discovery       (DropifyService      *self);
DropifySync     *dropify_service_get_sync             (DropifyService      *self);
gboolean         dropify_service_connect_to           (DropifyService      *self,
                                                       const char          *host_and_port,
                                                       GError             **error);
gboolean         dropify_service_add_peer             (DropifyService      *self,
                                                       const char          *host_and_port,
                                                       GError             **error);
void             dropify_service_forget_peer          (DropifyService      *self,
                                                       DropifyPeer         *peer);
void             dropify_service_shutdown             (DropifyService      *self);
const char      *dropify_service_get_data_dir         (DropifyService      *self);
GSettings       *dropify_service_get_settings         (DropifyService      *self);
DropifyHistory  *dropify_service_get_history          (DropifyService      *self);
DropifyIdentity *dropify_service_get_identity         (DropifyService      *self);
DropifyAutoSave *dropify_service_get_auto_save        (DropifyService      *self);
DropifyThumbnailer *dropify_service_get_thumbnailer   (DropifyService      *self);
int64_t          dropify_service_get_default_ttl      (DropifyService      *self);
DropifyDrop     *dropify_service_send_text            (DropifyService      *self,
                                                       const char          *text,
                                                       int64_t              ttl_ms,
                                                       GError             **error);
DropifyDrop     *dropify_service_send_text_to         (DropifyService      *self,
                                                       const char          *text,
                                                       int64_t              ttl_ms,
                                                       const char * const  *audience,
                                                       GError             **error);
void             dropify_service_send_file_to_async   (DropifyService      *self,
                                                       GFile               *file,
                                                       int64_t              ttl_ms,
                                                       const char * const  *audience,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
void             dropify_service_send_file_async      (DropifyService      *self,
                                                       GFile               *file,
                                                       int64_t              ttl_ms,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
DropifyDrop     *dropify_service_send_file_finish     (DropifyService      *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
DropifyDrop     *dropify_service_send_again           (DropifyService      *self,
                                                       DropifyDrop         *drop,
                                                       const char * const  *audience,
                                                       GError             **error);
DropifyDrop     *dropify_service_change_expiry        (DropifyService      *self,
                                                       const char          *drop_id,
                                                       int64_t              ttl_ms,
                                                       GError             **error);
gboolean         dropify_service_delete               (DropifyService      *self,
                                                       const char          *id,
                                                       GError             **error);

G_END_DECLS
