#define G_LOG_DOMAIN "dropify-control"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>
#include <libsoup/soup.h>

#include "dropify-control.h"
#include "dropify-log-limit.h"

#define MAX_REQUEST_SIZE (16 * 1024 * 1024)

/* After a failed accept (most often EMFILE: every descriptor is taken),
 * the pending connection is still there and the socket stays readable, so
 * retrying at once would spin. We stop watching the socket and look again
 * after ACCEPT_BACKOFF_MS, doubling up to ACCEPT_BACKOFF_MAX_MS. */
#define ACCEPT_BACKOFF_MS     100
#define ACCEPT_BACKOFF_MAX_MS 1000
/* At most one line about failed accepts per this many ms. */
#define ACCEPT_LOG_INTERVAL_MS (60 * 1000)

struct _DropifyControlServer
{
  GObject         parent_instance;
  DropifyService *service;      /* unowned: the service owns us */
  SoupServer     *server;
  GCancellable   *cancellable;
  char           *socket_path;

  /* We accept connections ourselves, not SoupServer: its listener stops
   * listening for good on the first accept error. */
  GSocket         *listen_socket;
  GSource         *accept_source;
  guint            accept_retry;
  guint            accept_backoff_ms;
  guint            n_accept_failures;   /* in this burst */
  DropifyLogLimit *log_limit;
};

G_DEFINE_FINAL_TYPE (DropifyControlServer, dropify_control_server, G_TYPE_OBJECT)
G_DEFINE_QUARK (dropify-control-error-quark, dropify_control_error)

static void
respond_json (SoupServerMessage *msg,
              guint              status,
              JsonNode          *node)
{
  g_autofree char *body = json_to_string (node, FALSE);
  gsize len = strlen (body);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&body), len);
}

static void
respond_error (SoupServerMessage *msg,
               guint              status,
               const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  respond_json (msg, status, node);
}

static guint
status_for_error (const GError *error)
{
  if (error->domain == DROPIFY_HISTORY_ERROR)
    {
      switch (error->code)
        {
        case DROPIFY_HISTORY_ERROR_NOT_FOUND: return SOUP_STATUS_NOT_FOUND;
        case DROPIFY_HISTORY_ERROR_TOO_LARGE: return SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
        case DROPIFY_HISTORY_ERROR_EXISTS: return SOUP_STATUS_CONFLICT;
        case DROPIFY_HISTORY_ERROR_IO:
        case DROPIFY_HISTORY_ERROR_CORRUPT: return SOUP_STATUS_INTERNAL_SERVER_ERROR;
        default: return SOUP_STATUS_BAD_REQUEST;
        }
    }

  if (error->domain == DROPIFY_BLOB_STORE_ERROR &&
      error->code == DROPIFY_BLOB_STORE_ERROR_TOO_LARGE)
    return SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    return SOUP_STATUS_BAD_REQUEST;

  return SOUP_STATUS_INTERNAL_SERVER_ERROR;
}

typedef JsonNode *(*ToJsonFunc) (gpointer item);

/* Replies with every item of @model, as the JSON array @to_json makes. */
static void
respond_model (SoupServerMessage *msg,
               GListModel        *model,
               ToJsonFunc         to_json)
{
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);

      json_array_add_element (array, to_json (item));
    }

  json_node_set_array (node, array);
  respond_json (msg, SOUP_STATUS_OK, node);
}

static void
handle_list (DropifyControlServer *self,
             SoupServerMessage    *msg)
{
  GListModel *model = G_LIST_MODEL (dropify_service_get_history (self->service));
  DropifySync *sync = dropify_service_get_sync (self->service);
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DropifyDrop) drop = g_list_model_get_item (model, i);
      JsonNode *element = dropify_drop_to_json (drop);

      json_object_set_member (json_node_get_object (element), "holders",
                              dropify_sync_holders_to_json (sync, drop));
      json_array_add_element (array, element);
    }

  json_node_set_array (node, array);
  respond_json (msg, SOUP_STATUS_OK, node);
}

static void
handle_peers (DropifyControlServer *self,
              SoupServerMessage    *msg)
{
  respond_model (msg, dropify_sync_get_peers (dropify_service_get_sync (self->service)),
                 (ToJsonFunc) dropify_peer_to_json);
}

static void
handle_discovery (DropifyControlServer *self,
                  SoupServerMessage    *msg)
{
  DropifyDiscovery *discovery = dropify_service_get_discovery (self->service);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "enabled");
  json_builder_add_boolean_value (builder, discovery != NULL);
  json_builder_set_member_name (builder, "available");
  json_builder_add_boolean_value (builder, discovery && dropify_discovery_get_available (discovery));
  json_builder_set_member_name (builder, "status");
  if (discovery == NULL)
    json_builder_add_string_value (builder, _("Automatic discovery is turned off."));
  else if (dropify_discovery_get_status (discovery) != NULL)
    json_builder_add_string_value (builder, dropify_discovery_get_status (discovery));
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "name");
  if (discovery && dropify_discovery_get_published_name (discovery))
    json_builder_add_string_value (builder, dropify_discovery_get_published_name (discovery));
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  respond_json (msg, SOUP_STATUS_OK, node);
}

static void
handle_pair (DropifyControlServer *self,
             SoupServerMessage    *msg)
{
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  const char *device_id;
  const char *code;
  gboolean accept;
  gboolean ok;

  if (request->length == 0 ||
      !json_parser_load_from_data (parser, request->data, request->length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, _("The request is not a JSON object"));
      return;
    }

  object = json_node_get_object (json_parser_get_root (parser));
  device_id = json_object_get_string_member_with_default (object, "device_id", NULL);
  if (device_id == NULL)
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, _("The request has no “device_id”"));
      return;
    }

  code = json_object_get_string_member_with_default (object, "code", NULL);
  accept = json_object_get_boolean_member_with_default (object, "accept", FALSE);

  /* Accepting with no code starts an attempt (or leaves the one under
   * way): a person can only accept a code they saw. */
  if (accept && code == NULL)
    ok = dropify_sync_pair_request (dropify_service_get_sync (self->service), device_id, &error);
  else
    ok = dropify_sync_pair (dropify_service_get_sync (self->service), device_id, accept, code, &error);

  if (!ok)
    {
      respond_error (msg,
                     g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED) ? SOUP_STATUS_NOT_FOUND
                                                                                 : SOUP_STATUS_CONFLICT,
                     error->message);
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static void
handle_unpair (DropifyControlServer *self,
               SoupServerMessage    *msg,
               const char           *device_id)
{
  g_autoptr(GError) error = NULL;

  if (!dropify_sync_unpair (dropify_service_get_sync (self->service), device_id, &error))
    {
      respond_error (msg, SOUP_STATUS_NOT_FOUND, error->message);
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static void
handle_transfers (DropifyControlServer *self,
                  SoupServerMessage    *msg)
{
  respond_model (msg, dropify_sync_get_transfers (dropify_service_get_sync (self->service)),
                 (ToJsonFunc) dropify_transfer_to_json);
}

/* Cancels a transfer, as its row's cancel button does. */
static void
handle_cancel_transfer (DropifyControlServer *self,
                        SoupServerMessage    *msg,
                        const char           *transfer_id)
{
  g_autoptr(GError) error = NULL;

  if (!dropify_sync_cancel_transfer (dropify_service_get_sync (self->service), transfer_id, &error))
    {
      respond_error (msg,
                     g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ? SOUP_STATUS_NOT_FOUND
                                                                             : SOUP_STATUS_CONFLICT,
                     error->message);
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

/* Asks for a file drop's content again, as the drop's Download action
 * does: also after a cancel. */
static void
handle_download (DropifyControlServer *self,
                 SoupServerMessage    *msg,
                 const char           *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *drop_id = g_strndup (path, strlen (path) - strlen ("/download"));

  if (!dropify_sync_download (dropify_service_get_sync (self->service), drop_id, &error))
    {
      respond_error (msg, status_for_error (error), error->message);
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

/* Gives a drop a new lifetime, as its Change Expiry action does: the
 * same content dropped again, and the old drop deleted everywhere. The
 * body is {"ttl": milliseconds}; the reply is the new drop. */
static void
handle_change_expiry (DropifyControlServer *self,
                      SoupServerMessage    *msg,
                      const char           *path)
{
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  g_autofree char *drop_id = g_strndup (path, strlen (path) - strlen ("/expiry"));
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *ttl;

  if (request->length == 0 ||
      !json_parser_load_from_data (parser, request->data, request->length, &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, _("The request is not a JSON object"));
      return;
    }

  ttl = json_object_get_member (json_node_get_object (json_parser_get_root (parser)), "ttl");
  if (ttl == NULL || json_node_get_value_type (ttl) != G_TYPE_INT64 || json_node_get_int (ttl) <= 0)
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, _("“ttl” must be a positive number of milliseconds"));
      return;
    }

  drop = dropify_service_change_expiry (self->service, drop_id, json_node_get_int (ttl), &error);
  if (drop == NULL)
    {
      respond_error (msg, status_for_error (error), error->message);
      return;
    }

  node = dropify_drop_to_json (drop);
  respond_json (msg, SOUP_STATUS_CREATED, node);
}

/* Forgets the device: its trust, its entry, and any address saved for
 * it, as "Forget Device…" in the window does. */
static void
handle_forget (DropifyControlServer *self,
               SoupServerMessage    *msg,
               const char           *device_id)
{
  GListModel *peers = dropify_sync_get_peers (dropify_service_get_sync (self->service));
  g_autoptr(DropifyPeer) found = NULL;

  for (guint i = 0; found == NULL && i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);

      if (g_strcmp0 (dropify_peer_get_device_id (peer), device_id) == 0)
        found = g_steal_pointer (&peer);
    }

  if (found == NULL)
    {
      respond_error (msg, SOUP_STATUS_NOT_FOUND, _("No device with that id is listed here"));
      return;
    }

  dropify_service_forget_peer (self->service, found);
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

/* The phone page's URL at every address, best first, and its token;
 * with @rotate, after revoking the old token. */
static void
handle_phone (DropifyControlServer *self,
              SoupServerMessage    *msg,
              gboolean              rotate)
{
  DropifyPhone *phone = dropify_service_get_phone (self->service);
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) urls = NULL;

  if (phone == NULL)
    {
      respond_error (msg, SOUP_STATUS_NOT_FOUND,
                     _("The phone page is off. Turn it on in Preferences, or set phone-access to true."));
      return;
    }

  if (rotate && !dropify_phone_rotate_token (phone, &error))
    {
      respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message);
      return;
    }

  urls = dropify_phone_dup_urls (phone);
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "url");
  json_builder_add_string_value (builder, urls[0]);
  json_builder_set_member_name (builder, "urls");
  json_builder_begin_array (builder);
  for (guint i = 0; urls[i]; i++)
    json_builder_add_string_value (builder, urls[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, dropify_phone_get_token (phone));
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  respond_json (msg, SOUP_STATUS_OK, node);
}

static void
handle_status (DropifyControlServer *self,
               SoupServerMessage    *msg)
{
  DropifyIdentity *identity = dropify_service_get_identity (self->service);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "device_id");
  json_builder_add_string_value (builder, dropify_identity_get_device_id (identity));
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, dropify_identity_get_name (identity));
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, PACKAGE_VERSION);
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, dropify_sync_get_port (dropify_service_get_sync (self->service)));
  json_builder_set_member_name (builder, "fingerprint");
  json_builder_add_string_value (builder, dropify_identity_get_fingerprint (identity));
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  respond_json (msg, SOUP_STATUS_OK, node);
}

static void
send_file_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;

  drop = dropify_service_send_file_finish (DROPIFY_SERVICE (object), result, &error);

  if (drop == NULL)
    {
      respond_error (msg, status_for_error (error), error->message);
    }
  else
    {
      g_autoptr(JsonNode) node = dropify_drop_to_json (drop);
      respond_json (msg, SOUP_STATUS_CREATED, node);
    }

  soup_server_message_unpause (msg);
}

static void
handle_send (DropifyControlServer *self,
             SoupServerMessage    *msg)
{
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) audience = NULL;
  JsonObject *object;
  int64_t ttl_ms = 0;

  if (request->length == 0 ||
      !json_parser_load_from_data (parser, request->data, request->length, &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, _("The request is not a JSON object"));
      return;
    }

  object = json_node_get_object (json_parser_get_root (parser));

  if (json_object_has_member (object, "ttl"))
    {
      JsonNode *ttl = json_object_get_member (object, "ttl");

      if (json_node_get_value_type (ttl) != G_TYPE_INT64 || json_node_get_int (ttl) <= 0)
        {
          respond_error (msg, SOUP_STATUS_BAD_REQUEST, _("“ttl” must be a positive number of milliseconds"));
          return;
        }
      ttl_ms = json_node_get_int (ttl);
    }

  /* "to": the device ids the drop is for; absent or empty, every device.
   * The service checks the ids themselves. */
  if (json_object_has_member (object, "to"))
    {
      JsonNode *to = json_object_get_member (object, "to");
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (to) ||
          json_array_get_length ((array = json_node_get_array (to))) > DROPIFY_DROP_MAX_AUDIENCE)
        {
          g_autofree char *message =
            g_strdup_printf (_("“to” must be an array of at most %d device ids"), DROPIFY_DROP_MAX_AUDIENCE);
          respond_error (msg, SOUP_STATUS_BAD_REQUEST, message);
          return;
        }

      audience = g_ptr_array_new ();
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *node = json_array_get_element (array, i);

          if (json_node_get_value_type (node) != G_TYPE_STRING)
            {
              respond_error (msg, SOUP_STATUS_BAD_REQUEST, _("“to” must hold device ids"));
              return;
            }
          g_ptr_array_add (audience, (gpointer) json_node_get_string (node));
        }
      g_ptr_array_add (audience, NULL);
    }

  if (json_object_has_member (object, "text"))
    {
      JsonNode *text = json_object_get_member (object, "text");
      g_autoptr(DropifyDrop) drop = NULL;

      if (json_node_get_value_type (text) != G_TYPE_STRING)
        {
          respond_error (msg, SOUP_STATUS_BAD_REQUEST, _("“text” must be a string"));
          return;
        }

      drop = dropify_service_send_text_to (self->service, json_node_get_string (text), ttl_ms,
                                           audience ? (const char * const *) audience->pdata : NULL,
                                           &error);
      if (drop == NULL)
        {
          respond_error (msg, status_for_error (error), error->message);
          return;
        }

      {
        g_autoptr(JsonNode) node = dropify_drop_to_json (drop);
        respond_json (msg, SOUP_STATUS_CREATED, node);
      }
    }
  else if (json_object_has_member (object, "path"))
    {
      JsonNode *path = json_object_get_member (object, "path");
      g_autoptr(GFile) file = NULL;

      if (json_node_get_value_type (path) != G_TYPE_STRING ||
          !g_path_is_absolute (json_node_get_string (path)))
        {
          respond_error (msg, SOUP_STATUS_BAD_REQUEST, _("“path” must be an absolute path"));
          return;
        }

      file = g_file_new_for_path (json_node_get_string (path));
      soup_server_message_pause (msg);
      dropify_service_send_file_to_async (self->service, file, ttl_ms,
                                          audience ? (const char * const *) audience->pdata : NULL,
                                          self->cancellable, send_file_cb, g_object_ref (msg));
    }
  else
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, _("The request has neither “text” nor “path”"));
    }
}

static void
handle_delete (DropifyControlServer *self,
               SoupServerMessage    *msg,
               const char           *id)
{
  g_autoptr(GError) error = NULL;

  if (!dropify_service_delete (self->service, id, &error))
    {
      respond_error (msg, status_for_error (error), error->message);
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static void
control_handler (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  DropifyControlServer *self = DROPIFY_CONTROL_SERVER (user_data);
  const char *method = soup_server_message_get_method (msg);

  if (g_str_equal (path, "/v1/status") && g_str_equal (method, "GET"))
    handle_status (self, msg);
  else if (g_str_equal (path, "/v1/discovery") && g_str_equal (method, "GET"))
    handle_discovery (self, msg);
  else if (g_str_equal (path, "/v1/pair") && g_str_equal (method, "POST"))
    handle_pair (self, msg);
  else if (g_str_has_prefix (path, "/v1/trusted/") && g_str_equal (method, "DELETE"))
    handle_unpair (self, msg, path + strlen ("/v1/trusted/"));
  else if (g_str_equal (path, "/v1/peers") && g_str_equal (method, "GET"))
    handle_peers (self, msg);
  else if (g_str_has_prefix (path, "/v1/peers/") && g_str_equal (method, "DELETE"))
    handle_forget (self, msg, path + strlen ("/v1/peers/"));
  else if (g_str_equal (path, "/v1/phone") && g_str_equal (method, "GET"))
    handle_phone (self, msg, FALSE);
  else if (g_str_equal (path, "/v1/phone/token") && g_str_equal (method, "POST"))
    handle_phone (self, msg, TRUE);
  else if (g_str_equal (path, "/v1/drops") && g_str_equal (method, "GET"))
    handle_list (self, msg);
  else if (g_str_equal (path, "/v1/drops") && g_str_equal (method, "POST"))
    handle_send (self, msg);
  else if (g_str_has_prefix (path, "/v1/drops/") && g_str_equal (method, "DELETE"))
    handle_delete (self, msg, path + strlen ("/v1/drops/"));
  else if (g_str_has_prefix (path, "/v1/drops/") && g_str_has_suffix (path, "/download") &&
           strlen (path) > strlen ("/v1/drops//download") && g_str_equal (method, "POST"))
    handle_download (self, msg, path + strlen ("/v1/drops/"));
  else if (g_str_has_prefix (path, "/v1/drops/") && g_str_has_suffix (path, "/expiry") &&
           strlen (path) > strlen ("/v1/drops//expiry") && g_str_equal (method, "POST"))
    handle_change_expiry (self, msg, path + strlen ("/v1/drops/"));
  else if (g_str_equal (path, "/v1/transfers") && g_str_equal (method, "GET"))
    handle_transfers (self, msg);
  else if (g_str_has_prefix (path, "/v1/transfers/") && g_str_equal (method, "DELETE"))
    handle_cancel_transfer (self, msg, path + strlen ("/v1/transfers/"));
  else
    respond_error (msg, SOUP_STATUS_NOT_FOUND, _("No such request"));
}

/* Runs once the headers are read, before the body is: refuse what is too
 * large (or of unknown length) without reading it. */
static void
early_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  if (soup_message_headers_get_content_length (headers) > MAX_REQUEST_SIZE ||
      soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED)
    soup_server_message_set_status (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, NULL);
}

static void watch_listen_socket (DropifyControlServer *self);

static gboolean
accept_retry_cb (gpointer user_data)
{
  DropifyControlServer *self = DROPIFY_CONTROL_SERVER (user_data);

  self->accept_retry = 0;
  watch_listen_socket (self);

  return G_SOURCE_REMOVE;
}

static void
stop_watching (DropifyControlServer *self)
{
  if (self->accept_source != NULL)
    {
      g_source_destroy (self->accept_source);
      g_clear_pointer (&self->accept_source, g_source_unref);
    }
}

static void
accept_failed (DropifyControlServer *self,
               const GError         *error)
{
  self->n_accept_failures++;
  dropify_log_limit_warning (self->log_limit, "accept",
                             "Could not accept a connection on the control socket: %s; "
                             "trying again within a second", error->message);

  stop_watching (self);
  g_clear_handle_id (&self->accept_retry, g_source_remove);
  self->accept_retry = g_timeout_add (self->accept_backoff_ms, accept_retry_cb, self);
  self->accept_backoff_ms = MIN (self->accept_backoff_ms * 2, ACCEPT_BACKOFF_MAX_MS);
}

static gboolean
accept_cb (GSocket      *listen_socket,
           GIOCondition  condition,
           gpointer      user_data)
{
  DropifyControlServer *self = DROPIFY_CONTROL_SERVER (user_data);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GError) error = NULL;

  socket = g_socket_accept (listen_socket, NULL, &error);
  if (socket == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;

      /* accept_failed() destroyed this source. */
      accept_failed (self, error);
      return G_SOURCE_REMOVE;
    }

  if (self->n_accept_failures > 0)
    {
      g_message ("The control socket accepts connections again, after %u failed attempts",
                 self->n_accept_failures);
      self->n_accept_failures = 0;
    }
  self->accept_backoff_ms = ACCEPT_BACKOFF_MS;

  connection = g_socket_connection_factory_create_connection (socket);
  local = g_socket_connection_get_local_address (connection, NULL);
  remote = g_socket_connection_get_remote_address (connection, NULL);
  if (!soup_server_accept_iostream (self->server, G_IO_STREAM (connection), local, remote, &error))
    g_debug ("Could not serve a control connection: %s", error->message);

  return G_SOURCE_CONTINUE;
}

static void
watch_listen_socket (DropifyControlServer *self)
{
  g_assert (self->accept_source == NULL);
  g_assert (self->listen_socket != NULL);

  self->accept_source = g_socket_create_source (self->listen_socket, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source,
                         (GSourceFunc) (void (*) (void)) accept_cb, self, NULL);
  g_source_attach (self->accept_source, NULL);
}

/* GObject */

static void
dropify_control_server_dispose (GObject *object)
{
  DropifyControlServer *self = (DropifyControlServer *)object;

  dropify_control_server_stop (self);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (dropify_control_server_parent_class)->dispose (object);
}

static void
dropify_control_server_finalize (GObject *object)
{
  DropifyControlServer *self = (DropifyControlServer *)object;

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->socket_path, g_free);
  g_clear_pointer (&self->log_limit, dropify_log_limit_free);

  G_OBJECT_CLASS (dropify_control_server_parent_class)->finalize (object);
}

static void
dropify_control_server_class_init (DropifyControlServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dropify_control_server_dispose;
  object_class->finalize = dropify_control_server_finalize;
}

static void
dropify_control_server_init (DropifyControlServer *self)
{
  self->cancellable = g_cancellable_new ();
  self->accept_backoff_ms = ACCEPT_BACKOFF_MS;
  self->log_limit = dropify_log_limit_new (1, ACCEPT_LOG_INTERVAL_MS, NULL, NULL);
}

DropifyControlServer *
dropify_control_server_new (DropifyService *service)
{
  DropifyControlServer *self;

  g_return_val_if_fail (DROPIFY_IS_SERVICE (service), NULL);

  self = g_object_new (DROPIFY_TYPE_CONTROL_SERVER, NULL);
  self->service = service;

  return self;
}

/**
 * dropify_control_server_listen:
 * @socket_path: where to put the socket; a stale one is replaced
 *
 * The caller must hold the data dir's lock, so a socket file found here is
 * known to be left over from an instance that died.
 */
gboolean
dropify_control_server_listen (DropifyControlServer  *self,
                               const char            *socket_path,
                               GError               **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  g_return_val_if_fail (DROPIFY_IS_CONTROL_SERVER (self), FALSE);
  g_return_val_if_fail (self->server == NULL, FALSE);

  if (strlen (socket_path) >= 100)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
                   _("The data folder’s path is too long for a control socket: %s"), socket_path);
      return FALSE;
    }

  if (g_unlink (socket_path) != 0 && errno != ENOENT)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   _("Could not remove the old control socket “%s”: %s"),
                   socket_path, g_strerror (errno));
      return FALSE;
    }

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    return FALSE;

  address = g_unix_socket_address_new (socket_path);
  if (!g_socket_bind (socket, address, FALSE, error))
    return FALSE;

  /* The data dir is 0700 already; this is the second lock on the door. */
  if (g_chmod (socket_path, 0600) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   _("Could not protect the control socket: %s"), g_strerror (errno));
      return FALSE;
    }

  if (!g_socket_listen (socket, error))
    return FALSE;

  self->server = soup_server_new ("server-header", "Dropify", NULL);
  soup_server_add_handler (self->server, "/v1", control_handler, self, NULL);
  soup_server_add_early_handler (self->server, "/v1", early_handler, NULL, NULL);

  /* Accepting must never block the main loop. */
  g_socket_set_blocking (socket, FALSE);
  self->listen_socket = g_steal_pointer (&socket);
  watch_listen_socket (self);

  self->socket_path = g_strdup (socket_path);

  return TRUE;
}

void
dropify_control_server_stop (DropifyControlServer *self)
{
  g_return_if_fail (DROPIFY_IS_CONTROL_SERVER (self));

  g_cancellable_cancel (self->cancellable);

  stop_watching (self);
  g_clear_handle_id (&self->accept_retry, g_source_remove);
  if (self->listen_socket != NULL)
    {
      g_socket_close (self->listen_socket, NULL);
      g_clear_object (&self->listen_socket);
    }

  if (self->server != NULL)
    soup_server_disconnect (self->server);

  if (self->socket_path != NULL)
    {
      g_unlink (self->socket_path);
      g_clear_pointer (&self->socket_path, g_free);
    }
}
