#include "config.h"

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <errno.h>
#include <signal.h>

#include "dropify-cli.h"
#include "dropify-core.h"

/* `dropify --headless`: the core with no GTK, for a server that keeps
 * drops around and for tests. Logs go to stderr. SIGINT and SIGTERM stop
 * it cleanly: imports are cancelled, the database is closed. */

static gboolean
quit_cb (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_message ("Stopping");
  g_main_loop_quit (loop);

  /* Removed after the loop, with the other signal's source. */
  return G_SOURCE_CONTINUE;
}

/* "500k", "10M", "1G" or plain bytes, decimal as sizes are shown
 * everywhere (g_format_size); at least 1 kB a second. */
static gboolean
parse_rate (const char *text,
            guint64    *out_rate)
{
  static const struct { char suffix; guint64 factor; } units[] = {
    { 'k', 1000 }, { 'K', 1000 }, { 'M', 1000 * 1000 }, { 'G', 1000 * 1000 * 1000 },
  };
  guint64 value, factor = 1;
  char *end = NULL;

  if (!g_ascii_isdigit (text[0]))
    return FALSE;

  errno = 0;
  value = g_ascii_strtoull (text, &end, 10);
  if (errno != 0)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (units) && *end != '\0'; i++)
    {
      if (*end == units[i].suffix)
        {
          factor = units[i].factor;
          end++;
          break;
        }
    }
  if (*end == 'B')
    end++;
  if (*end != '\0' || value > G_MAXUINT64 / factor || value * factor < 1000)
    return FALSE;

  *out_rate = value * factor;
  return TRUE;
}

int
dropify_headless_run (int    argc,
                      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(DropifyService) service = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *name = NULL;
  g_auto(GStrv) connect = NULL;
  g_autofree char *group_secret = NULL;
  gboolean headless = FALSE;
  gboolean no_discovery = FALSE;
  g_autofree char *max_send_rate = NULL;
  guint64 send_rate = 0;
  int port = -1;
  guint sigint, sigterm;
  const GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless, N_("Run without a window"), NULL },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir,
      N_("Use the profile in DIR instead of the default one"), N_("DIR") },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name,
      N_("The device name other devices see (kept in the profile)"), N_("NAME") },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port,
      N_("The TCP port for peers; 0 picks a free one"), N_("N") },
    { "connect", 'c', 0, G_OPTION_ARG_STRING_ARRAY, &connect,
      N_("Keep a connection to the peer at HOST:PORT (repeatable)"), N_("HOST:PORT") },
    { "no-discovery", 0, 0, G_OPTION_ARG_NONE, &no_discovery,
      N_("Do not look for peers on the local network"), NULL },
    { "group-secret", 0, 0, G_OPTION_ARG_STRING, &group_secret,
      N_("Trust, without pairing, the devices that know SECRET (kept in the profile)"), N_("SECRET") },
    { "max-send-rate", 0, 0, G_OPTION_ARG_STRING, &max_send_rate,
      N_("Send files at most RATE bytes a second, to all devices together (such as 500k or 10M)"), N_("RATE") },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Runs Dropify without a window."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("dropify: %s\n", error->message);
      return 2;
    }

  if (argc > 1)
    {
      g_printerr ("dropify: %s “%s”\n", _("Unexpected argument"), argv[1]);
      return 2;
    }

  if (port > 65535 || port < -1)
    {
      g_printerr ("dropify: %s\n", _("The port must be between 0 and 65535"));
      return 2;
    }

  if (max_send_rate != NULL && !parse_rate (max_send_rate, &send_rate))
    {
      g_printerr ("dropify: %s\n", _("The rate must be a number of bytes a second, such as 500k or 10M"));
      return 2;
    }

  if (data_dir == NULL)
    data_dir = dropify_service_dup_default_data_dir ();

  settings = dropify_service_create_settings (data_dir);
  if (settings != NULL && name != NULL)
    g_settings_set_string (settings, "device-name", name);
  if (settings != NULL && group_secret != NULL)
    g_settings_set_string (settings, "group-secret", group_secret);

  service = dropify_service_new (data_dir, settings, &error);
  if (service != NULL)
    {
      dropify_service_set_discovery_enabled (service, !no_discovery);
      dropify_sync_set_max_send_rate (dropify_service_get_sync (service), send_rate);
    }
  if (service == NULL || !dropify_service_start (service, port, &error))
    {
      g_printerr ("dropify: %s\n", error->message);
      return 1;
    }

  for (guint i = 0; connect && connect[i]; i++)
    {
      if (!dropify_service_connect_to (service, connect[i], &error))
        {
          g_printerr ("dropify: --connect %s: %s\n", connect[i], error->message);
          return 2;
        }
    }

  if (settings == NULL && name != NULL)
    dropify_identity_set_name (dropify_service_get_identity (service), name);
  if (settings == NULL && group_secret != NULL)
    dropify_sync_set_group_secret (dropify_service_get_sync (service), group_secret);

  loop = g_main_loop_new (NULL, FALSE);
  sigint = g_unix_signal_add (SIGINT, quit_cb, loop);
  sigterm = g_unix_signal_add (SIGTERM, quit_cb, loop);

  g_message ("Dropify %s running as “%s” (%s), data in %s",
             PACKAGE_VERSION,
             dropify_identity_get_name (dropify_service_get_identity (service)),
             dropify_identity_get_device_id (dropify_service_get_identity (service)),
             dropify_service_get_data_dir (service));

  g_main_loop_run (loop);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  dropify_service_shutdown (service);

  return 0;
}
