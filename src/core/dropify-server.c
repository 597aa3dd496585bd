#define G_LOG_DOMAIN "dropify-server"

#include "config.h"

#include <glib/gi18n.h>

#include "dropify-server.h"

/* The one network server of an instance: peers connect to it (/v1/peer),
 * and phones load their page and API from it. Each of those attaches its
 * handlers to the SoupServer; this object only owns it and its port. The
 * command line's API is elsewhere, on a Unix socket. */

struct _DropifyServer
{
  GObject     parent_instance;
  SoupServer *server;
  guint       port;
};

G_DEFINE_FINAL_TYPE (DropifyServer, dropify_server, G_TYPE_OBJECT)

static void
dropify_server_dispose (GObject *object)
{
  DropifyServer *self = (DropifyServer *)object;

  dropify_server_stop (self);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (dropify_server_parent_class)->dispose (object);
}

static void
dropify_server_class_init (DropifyServerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = dropify_server_dispose;
}

static void
dropify_server_init (DropifyServer *self)
{
  self->server = soup_server_new ("server-header", "Dropify/" PACKAGE_VERSION " ", NULL);
  /* permessage-deflate makes transfers far slower and buys nothing for
   * already-compressed files. */
  soup_server_remove_websocket_extension (self->server, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
}

DropifyServer *
dropify_server_new (void)
{
  return g_object_new (DROPIFY_TYPE_SERVER, NULL);
}

/**
 * dropify_server_get_soup_server:
 *
 * Returns: (transfer none): the server, to add handlers to
 */
SoupServer *
dropify_server_get_soup_server (DropifyServer *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVER (self), NULL);
  return self->server;
}

/**
 * dropify_server_listen:
 * @port: the TCP port; 0 picks a free one
 *
 * Listens on every interface, IPv4 and IPv6, on the same port.
 */
gboolean
dropify_server_listen (DropifyServer  *self,
                       guint           port,
                       GError        **error)
{
  GSList *listeners;

  g_return_val_if_fail (DROPIFY_IS_SERVER (self), FALSE);
  g_return_val_if_fail (self->port == 0, FALSE);

  if (!soup_server_listen_all (self->server, port, 0, error))
    {
      g_prefix_error (error, _("Could not listen on port %u: "), port);
      return FALSE;
    }

  listeners = soup_server_get_listeners (self->server);
  if (listeners != NULL)
    {
      g_autoptr(GSocketAddress) address = g_socket_get_local_address (listeners->data, NULL);

      if (G_IS_INET_SOCKET_ADDRESS (address))
        self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
    }
  g_slist_free (listeners);

  g_message ("Listening on port %u", self->port);

  return TRUE;
}

guint
dropify_server_get_port (DropifyServer *self)
{
  g_return_val_if_fail (DROPIFY_IS_SERVER (self), 0);
  return self->port;
}

void
dropify_server_stop (DropifyServer *self)
{
  g_return_if_fail (DROPIFY_IS_SERVER (self));

  if (self->server != NULL)
    soup_server_disconnect (self->server);
}
