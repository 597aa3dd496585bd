/* dropify-address.c: the addresses people type
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-address"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "dropify-address.h"

#define HOST_NAME_MAX_LENGTH  253
#define HOST_LABEL_MAX_LENGTH 63

static gboolean
is_host_name (const char *host)
{
  g_autofree char *ascii = g_hostname_to_ascii (host);
  g_auto(GStrv) labels = NULL;

  if (ascii == NULL || *ascii == '\0' || strlen (ascii) > HOST_NAME_MAX_LENGTH)
    return FALSE;

  labels = g_strsplit (ascii, ".", -1);
  for (guint i = 0; labels[i] != NULL; i++)
    {
      size_t length = strlen (labels[i]);

      if (length == 0 || length > HOST_LABEL_MAX_LENGTH ||
          labels[i][0] == '-' || labels[i][length - 1] == '-')
        return FALSE;

      for (const char *p = labels[i]; *p != '\0'; p++)
        {
          if (!g_ascii_isalnum (*p) && *p != '-')
            return FALSE;
        }
    }

  return TRUE;
}

/* "10.0.0.300" or "192.168.1" are typos of an address, not host names. */
static gboolean
looks_like_ipv4 (const char *host)
{
  return host[strspn (host, "0123456789.")] == '\0';
}

static gboolean
parse_port (const char *text,
            guint      *port)
{
  guint64 value;

  if (*text == '\0' || strlen (text) > 5 || text[strspn (text, "0123456789")] != '\0')
    return FALSE;

  value = g_ascii_strtoull (text, NULL, 10);
  if (value == 0 || value > G_MAXUINT16)
    return FALSE;

  *port = (guint) value;
  return TRUE;
}

/**
 * dropify_address_parse:
 * @text: what someone typed: `HOST:PORT` or `[IPV6]:PORT`
 * @example_port: the port to suggest in messages
 * @error: where to say what is wrong with @text, in words for people
 *
 * Checks an address typed to add a peer, more strictly and with clearer
 * messages than g_network_address_parse(), which takes "not-an-address"
 * for a host without a port and "foo bar" for a host name.
 *
 * Returns: (transfer full) (nullable): @text without spaces around it,
 *   as `HOST:PORT` or `[IPV6]:PORT`, or %NULL with @error set
 */
char *
dropify_address_parse (const char  *text,
                       guint        example_port,
                       GError     **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text != NULL ? text : ""));
  g_autofree char *host = NULL;
  const char *port_text;
  gboolean bracketed = FALSE;
  guint port = 0;

  if (*trimmed == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Type the other device’s address and port, as in 192.168.1.20:%u."),
                   example_port);
      return NULL;
    }

  if (trimmed[0] == '[')
    {
      const char *close = strchr (trimmed, ']');

      if (close == NULL || (close[1] != '\0' && close[1] != ':'))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("Write an IPv6 address in square brackets followed by the port, "
                         "as in [fe80::1]:%u."),
                       example_port);
          return NULL;
        }

      host = g_strndup (trimmed + 1, close - trimmed - 1);
      port_text = close[1] == ':' ? close + 2 : NULL;
      bracketed = TRUE;

      if (!g_hostname_is_ip_address (host) || strchr (host, ':') == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not an IPv6 address."), host);
          return NULL;
        }
    }
  else
    {
      const char *colon = strrchr (trimmed, ':');

      if (colon != NULL && strchr (trimmed, ':') != colon)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("Write an IPv6 address in square brackets followed by the port, "
                         "as in [fe80::1]:%u."),
                       example_port);
          return NULL;
        }

      host = colon != NULL ? g_strndup (trimmed, colon - trimmed) : g_strdup (trimmed);
      port_text = colon != NULL ? colon + 1 : NULL;

      if (*host == '\0')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("Type the other device’s address before the colon."));
          return NULL;
        }

      if (!g_hostname_is_ip_address (host) && looks_like_ipv4 (host))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a valid IPv4 address."), host);
          return NULL;
        }

      if (!g_hostname_is_ip_address (host) && !is_host_name (host))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("“%s” is neither an address nor a host name."), host);
          return NULL;
        }
    }

  /* The address is fine: the example can use it. */
  if (port_text == NULL || *port_text == '\0')
    {
      g_autofree char *example = bracketed
                               ? g_strdup_printf ("[%s]:%u", host, example_port)
                               : g_strdup_printf ("%s:%u", host, example_port);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("Add the port after a colon, as in %s."), example);
      return NULL;
    }

  if (!parse_port (port_text, &port))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The port must be a number from 1 to 65535."));
      return NULL;
    }

  if (bracketed)
    return g_strdup_printf ("[%s]:%u", host, port);

  return g_strdup_printf ("%s:%u", host, port);
}
