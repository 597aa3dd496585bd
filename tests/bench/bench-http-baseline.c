/* The phone benchmark's baseline: a plain SoupServer on 127.0.0.1 that
 * serves the files of a directory from memory, with keep-alive, and does
 * nothing else; the same HTTP library as Dropify's server, without the
 * token, the routes and the first-byte check in front of it.
 *   bench-http-baseline DIR PORT
 * A request for "/" gets DIR/index.html, "/api/drops" DIR/api/drops. */

#include <libsoup/soup.h>
#include <stdlib.h>

static void
serve_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  GHashTable *files = user_data;
  GBytes *body = g_hash_table_lookup (files, g_str_equal (path, "/") ? "/index.html" : path);
  const char *type = "application/octet-stream";

  if (body == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  if (g_str_has_suffix (path, ".js"))
    type = "text/javascript";
  else if (g_str_has_suffix (path, ".css"))
    type = "text/css";
  else if (g_str_has_suffix (path, ".svg"))
    type = "image/svg+xml";
  else if (g_str_equal (path, "/"))
    type = "text/html; charset=utf-8";
  else if (g_str_has_prefix (path, "/api/"))
    type = "application/json";

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY,
                                    g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static void
load (GHashTable *files,
      const char *root,
      const char *dir)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  const char *name;

  while (listing != NULL && (name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      char *contents;
      gsize length;

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        load (files, root, path);
      else if (g_file_get_contents (path, &contents, &length, NULL))
        g_hash_table_insert (files, g_strdup (path + strlen (root)),
                             g_bytes_new_take (contents, length));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) g_bytes_unref);
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;

  if (argc != 3)
    {
      g_printerr ("Usage: %s DIR PORT\n", argv[0]);
      return 2;
    }

  load (files, argv[1], argv[1]);
  soup_server_add_handler (server, NULL, serve_cb, files, NULL);
  if (!soup_server_listen_local (server, atoi (argv[2]), SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  g_main_loop_run (loop);

  return 0;
}
