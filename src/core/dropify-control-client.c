#define G_LOG_DOMAIN "dropify-control"

#include "config.h"

#include <glib/gi18n.h>
#include <gio/gunixsocketaddress.h>
#include <libsoup/soup.h>

#include "dropify-control.h"

/**
 * dropify_control_request:
 * @data_dir: the profile whose running instance to ask
 * @method: an HTTP method
 * @path: the request path, such as `/v1/drops`
 * @body: (nullable): a JSON body to send
 *
 * Sends one request to the instance running on @data_dir and waits for
 * the reply. Blocking: this is for the command line, not the main loop.
 *
 * Returns: (transfer full) (nullable): the reply, or %NULL for an empty
 *   reply or with @error set
 */
JsonNode *
dropify_control_request (const char  *data_dir,
                         const char  *method,
                         const char  *path,
                         JsonNode    *body,
                         GError     **error)
{
  g_autofree char *socket_path = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *data;
  gsize len;
  guint status;

  g_return_val_if_fail (data_dir != NULL, NULL);

  socket_path = g_build_filename (data_dir, DROPIFY_CONTROL_SOCKET_NAME, NULL);
  address = g_unix_socket_address_new (socket_path);
  session = soup_session_new_with_options ("remote-connectable", address,
                                           "timeout", 600,
                                           NULL);

  uri = g_strconcat ("http://localhost", path, NULL);
  msg = soup_message_new (method, uri);

  if (body != NULL)
    {
      char *text = json_to_string (body, FALSE);
      gsize text_len = strlen (text);
      g_autoptr(GBytes) bytes = g_bytes_new_take (text, text_len);

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  reply = soup_session_send_and_read (session, msg, NULL, &local_error);
  if (reply == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
          g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
        g_set_error (error, DROPIFY_CONTROL_ERROR, DROPIFY_CONTROL_ERROR_NOT_RUNNING,
                     _("Dropify is not running for %s. Open the app, or start "
                       "“dropify --headless --data-dir %s”."), data_dir, data_dir);
      else
        g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                    _("Could not reach Dropify: "));
      return NULL;
    }

  status = soup_message_get_status (msg);
  data = g_bytes_get_data (reply, &len);

  if (len > 0)
    {
      parser = json_parser_new ();
      if (!json_parser_load_from_data (parser, data, len, &local_error))
        {
          g_set_error (error, DROPIFY_CONTROL_ERROR, DROPIFY_CONTROL_ERROR_PROTOCOL,
                       _("Dropify sent a reply that is not JSON: %s"), local_error->message);
          return NULL;
        }
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      JsonNode *root = parser ? json_parser_get_root (parser) : NULL;
      const char *message = NULL;

      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
        message = json_object_get_string_member_with_default (json_node_get_object (root),
                                                              "error", NULL);

      g_set_error (error, DROPIFY_CONTROL_ERROR, DROPIFY_CONTROL_ERROR_REFUSED, "%s",
                   message ? message : soup_status_get_phrase (status));
      return NULL;
    }

  if (parser == NULL || json_parser_get_root (parser) == NULL)
    return NULL;

  return json_node_copy (json_parser_get_root (parser));
}
