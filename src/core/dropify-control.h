#pragma once

#include <json-glib/json-glib.h>

#include "dropify-service.h"

G_BEGIN_DECLS

/* The local control API: HTTP+JSON over a Unix socket in the data dir,
 * mode 0600. The CLI is its client. See docs/architecture.md. */

#define DROPIFY_CONTROL_SOCKET_NAME "control.sock"

#define DROPIFY_CONTROL_ERROR (dropify_control_error_quark ())

typedef enum
{
  DROPIFY_CONTROL_ERROR_NOT_RUNNING,
  DROPIFY_CONTROL_ERROR_REFUSED,
  DROPIFY_CONTROL_ERROR_PROTOCOL,
} DropifyControlError;

#define DROPIFY_TYPE_CONTROL_SERVER (dropify_control_server_get_type ())

G_DECLARE_FINAL_TYPE (DropifyControlServer, dropify_control_server, DROPIFY, CONTROL_SERVER, GObject)

GQuark                dropify_control_error_quark    (void);
DropifyControlServer *dropify_control_server_new     (DropifyService        *service);
gboolean              dropify_control_server_listen  (DropifyControlServer  *self,
                                                      const char            *socket_path,
                                                      GError               **error);
void                  dropify_control_server_stop    (DropifyControlServer  *self);

JsonNode             *dropify_control_request        (const char            *data_dir,
                                                      const char            *method,
                                                      const char            *path,
                                                      JsonNode              *body,
                                                      GError               **error);

G_END_DECLS
