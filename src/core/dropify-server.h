#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define DROPIFY_SERVER_MAX_PENDING      64
#define DROPIFY_SERVER_HANDSHAKE_S      10
#define DROPIFY_SERVER_REQUEST_S        30
#define DROPIFY_SERVER_MAX_CONNECTIONS  1024

#define DROPIFY_TYPE_SERVER (dropify_server_get_type ())

G_DECLARE_FINAL_TYPE (DropifyServer, dropify_server, DROPIFY, SERVER, GObject)

DropifyServer *dropify_server_new                  (GTlsCertificate    *certificate);
SoupServer    *dropify_server_get_soup_server      (DropifyServer      *self);
gboolean       dropify_server_listen               (DropifyServer      *self,
                                                    guint               port,
                                                    GError            **error);
guint          dropify_server_get_port             (DropifyServer      *self);
guint          dropify_server_get_n_pending        (DropifyServer      *self);
guint          dropify_server_default_budget       (void);
void           dropify_server_set_budget           (DropifyServer      *self,
                                                    guint               budget);
guint          dropify_server_get_budget           (DropifyServer      *self);
void           dropify_server_set_request_deadline (DropifyServer      *self,
                                                    guint               seconds);
guint          dropify_server_get_n_connections    (DropifyServer      *self);
guint64        dropify_server_get_n_shed           (DropifyServer      *self);
void           dropify_server_stop                 (DropifyServer      *self);

G_END_DECLS
