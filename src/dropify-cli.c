#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <unistd.h>

#include "dropify-cli.h"
#include "dropify-control.h"
#include "dropify-core.h"

/* The subcommands talk to the instance running on a data dir through its
 * control socket; they never open the history themselves, so the running
 * instance stays the only writer. Exit codes: 0 success, 1 failure,
 * 2 bad usage. Errors are one line on stderr. */

typedef int (*CommandFunc) (int argc, char **argv);

static char *opt_data_dir;

static const GOptionEntry data_dir_entries[] = {
  { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &opt_data_dir,
    N_("Use the profile in DIR instead of the default one"), N_("DIR") },
  { NULL }
};

/* What the commands print comes from the running instance, and much of it
 * (names, file names, errors quoting them) from other devices. The core
 * cleans those names as they arrive; this is the second line: no byte the
 * instance sends may move the cursor, erase a line or reorder the text
 * around it. The pool frees the escaped copies with the row they are in. */
static const char *
shown (GPtrArray  *pool,
       const char *text)
{
  char *escaped = dropify_display_name_escape (text, FALSE);

  g_ptr_array_add (pool, escaped);
  return escaped;
}

static int
fail (const char *message)
{
  g_autofree char *escaped = dropify_display_name_escape (message, FALSE);

  g_printerr ("dropify: %s\n", escaped);
  return 1;
}

static int
usage_error (GOptionContext *context,
             const char     *message)
{
  g_printerr ("dropify: %s\n", message);
  g_printerr (_("Try “%s --help”.\n"), g_get_prgname ());
  return 2;
}

static const char *
data_dir (void)
{
  static char *resolved;

  if (resolved == NULL)
    {
      if (opt_data_dir != NULL)
        resolved = g_canonicalize_filename (opt_data_dir, NULL);
      else
        resolved = dropify_service_dup_default_data_dir ();
    }

  return resolved;
}

static GOptionContext *
command_context (const char *parameters,
                 const char *summary)
{
  GOptionContext *context = g_option_context_new (parameters);

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, data_dir_entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);

  return context;
}

static gboolean
parse (GOptionContext   *context,
       int              *argc,
       char           ***argv,
       int              *status)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *status = usage_error (context, error->message);
      return FALSE;
    }

  return TRUE;
}

static char *
read_stdin (GError **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  char buffer[4096];
  size_t n;

  while ((n = fread (buffer, 1, sizeof buffer, stdin)) > 0)
    g_string_append_len (text, buffer, n);

  if (ferror (stdin))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not read the standard input"));
      return NULL;
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static JsonNode *
send_body (const char  *member,
           const char  *value,
           int64_t      ttl_ms,
           GPtrArray   *to)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, value);
  if (ttl_ms > 0)
    {
      json_builder_set_member_name (builder, "ttl");
      json_builder_add_int_value (builder, ttl_ms);
    }
  if (to != NULL && to->len > 0)
    {
      json_builder_set_member_name (builder, "to");
      json_builder_begin_array (builder);
      for (guint i = 0; i < to->len; i++)
        json_builder_add_string_value (builder, g_ptr_array_index (to, i));
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static JsonArray *get_peers (GError **error);

/* "Laptop (5b1e0c2a-…)", for lists of candidates. */
static void
append_candidate (GString    *list,
                  JsonObject *peer)
{
  const char *name = json_object_get_string_member_with_default (peer, "name", "");

  if (list->len > 0)
    g_string_append (list, ", ");
  g_string_append_printf (list, "%s (%s)", *name ? name : _("(unknown)"),
                          json_object_get_string_member_with_default (peer, "id", ""));
}

/* Turns each --to into a paired device's id: its id, or its name, as
 * the peers list has them; names compare without regard to case. An
 * unknown or ambiguous name is an error that lists the candidates. */
static GPtrArray *
resolve_targets (char   **targets,
                 char   **message)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonArray) peers = NULL;
  g_autoptr(GError) error = NULL;

  if (targets == NULL || targets[0] == NULL)
    return g_steal_pointer (&ids);

  if (!(peers = get_peers (&error)))
    {
      *message = g_strdup (error ? error->message : _("Dropify sent an unexpected reply"));
      return NULL;
    }

  for (guint t = 0; targets[t] != NULL; t++)
    {
      g_autofree char *wanted = g_utf8_casefold (targets[t], -1);
      g_autoptr(GString) matches = g_string_new (NULL);
      g_autoptr(GString) known = g_string_new (NULL);
      const char *found = NULL;
      guint n_matches = 0;

      for (guint i = 0; i < json_array_get_length (peers); i++)
        {
          JsonObject *peer = json_array_get_object_element (peers, i);
          const char *id = json_object_get_string_member_with_default (peer, "id", NULL);
          const char *name = json_object_get_string_member_with_default (peer, "name", "");
          g_autofree char *folded = g_utf8_casefold (name, -1);

          if (id == NULL || !json_object_get_boolean_member_with_default (peer, "trusted", FALSE))
            continue;

          append_candidate (known, peer);
          if (g_str_equal (id, targets[t]))
            {
              found = id;
              n_matches = 1;
              break;
            }
          if (*name != '\0' && g_str_equal (folded, wanted))
            {
              found = id;
              n_matches++;
              append_candidate (matches, peer);
            }
        }

      if (n_matches > 1)
        {
          *message = g_strdup_printf (_("“%s” names several paired devices: %s; give an id instead"),
                                      targets[t], matches->str);
          return NULL;
        }
      if (found == NULL)
        {
          *message = known->len > 0
            ? g_strdup_printf (_("No paired device is called “%s”; paired devices: %s"),
                               targets[t], known->str)
            : g_strdup_printf (_("No paired device is called “%s”; no device is paired yet"),
                               targets[t]);
          return NULL;
        }
      if (!g_ptr_array_find_with_equal_func (ids, found, g_str_equal, NULL))
        g_ptr_array_add (ids, g_strdup (found));
    }

  return g_steal_pointer (&ids);
}

static int
command_send (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ttl = NULL;
  g_auto(GStrv) targets = NULL;
  g_autoptr(GPtrArray) to = NULL;
  g_autofree char *to_error = NULL;
  gboolean files = FALSE;
  int64_t ttl_ms = 0;
  int status = 0;
  const GOptionEntry entries[] = {
    { "ttl", 't', 0, G_OPTION_ARG_STRING, &ttl,
      N_("How long the drop lives: 30s, 10m, 24h, 7d"), N_("DURATION") },
    { "to", 0, 0, G_OPTION_ARG_STRING_ARRAY, &targets,
      N_("Send to this paired device only, by name or id; repeat for more"), N_("DEVICE") },
    { "file", 'f', 0, G_OPTION_ARG_NONE, &files,
      N_("Send the files named by the arguments"), NULL },
    { NULL }
  };

  context = command_context (_("[--to DEVICE]… TEXT | --file PATH…"),
                             _("Makes a drop on the running Dropify, which syncs it to your devices.\n"
                               "TEXT “-” reads the text from the standard input."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!parse (context, &argc, &argv, &status))
    return status;

  if (ttl != NULL && !dropify_duration_parse (ttl, &ttl_ms, &error))
    return usage_error (context, error->message);

  if (argc < 2)
    return usage_error (context, files ? _("Name at least one file to send")
                                       : _("Give the text to send"));

  if (!(to = resolve_targets (targets, &to_error)))
    return fail (to_error);

  if (files)
    {
      for (int i = 1; i < argc; i++)
        {
          g_autoptr(GFile) file = g_file_new_for_commandline_arg (argv[i]);
          g_autofree char *path = g_file_get_path (file);
          g_autoptr(JsonNode) body = NULL;
          g_autoptr(JsonNode) reply = NULL;
          g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func (g_free);

          if (path == NULL)
            {
              g_autofree char *message = g_strdup_printf (_("“%s” is not a local file"), argv[i]);
              return fail (message);
            }

          body = send_body ("path", path, ttl_ms, to);
          reply = dropify_control_request (data_dir (), "POST", "/v1/drops", body, &error);
          if (reply == NULL)
            {
              g_autofree char *message = g_strdup_printf ("%s: %s", argv[i],
                                                          error ? error->message : _("no reply"));
              return fail (message);
            }

          g_print ("%s\n", shown (pool, json_object_get_string_member (json_node_get_object (reply), "id")));
        }
    }
  else
    {
      g_autofree char *text = NULL;
      g_autoptr(JsonNode) body = NULL;
      g_autoptr(JsonNode) reply = NULL;
      g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func (g_free);

      if (argc > 2)
        return usage_error (context, _("Quote the text to send it as one drop"));

      if (g_str_equal (argv[1], "-"))
        {
          if (!(text = read_stdin (&error)))
            return fail (error->message);
        }
      else
        text = g_strdup (argv[1]);

      body = send_body ("text", text, ttl_ms, to);
      reply = dropify_control_request (data_dir (), "POST", "/v1/drops", body, &error);
      if (reply == NULL)
        return fail (error ? error->message : _("no reply"));

      g_print ("%s\n", shown (pool, json_object_get_string_member (json_node_get_object (reply), "id")));
    }

  return 0;
}

static char *
preview (JsonObject *drop)
{
  const char *kind = json_object_get_string_member (drop, "kind");

  if (g_strcmp0 (kind, "text") == 0)
    {
      g_autofree char *flat = g_strdup (json_object_get_string_member (drop, "text"));
      g_autofree char *escaped = NULL;
      glong len;

      g_strdelimit (flat, "\r\n\t", ' ');
      len = g_utf8_strlen (flat, -1);
      if (len > 60)
        {
          char *end = g_utf8_offset_to_pointer (flat, 59);
          *end = '\0';
        }

      /* The text is anyone's: what is left of it must not drive the
       * terminal either. Cut first, so an escape is never cut in half. */
      escaped = dropify_display_name_escape (flat, TRUE);
      return len > 60 ? g_strconcat (escaped, "…", NULL) : g_steal_pointer (&escaped);
    }
  else
    {
      g_autofree char *size = g_format_size ((guint64) json_object_get_int_member (drop, "size"));
      g_autofree char *name = dropify_display_name_escape (json_object_get_string_member (drop, "name"),
                                                           FALSE);
      gboolean complete = json_object_get_boolean_member (drop, "complete");

      return g_strdup_printf ("%s (%s)%s", name, size, complete ? "" : _(", incomplete"));
    }
}

/* What the listing commands share: a --json flag, no arguments, one GET
 * of an array. Returns the array to show as text; or NULL when there is
 * nothing more to do, with *status set (printed as JSON, or failed). */
static JsonArray *
list_command (int          *argc,
              char       ***argv,
              const char   *name,
              const char   *summary,
              const char   *path,
              int          *status)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON array"), NULL },
    { NULL }
  };

  *status = 0;
  context = command_context (NULL, summary);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!parse (context, argc, argv, status))
    return NULL;

  if (*argc > 1)
    {
      g_autofree char *message = g_strdup_printf (_("“%s” takes no arguments"), name);
      *status = usage_error (context, message);
      return NULL;
    }

  reply = dropify_control_request (data_dir (), "GET", path, NULL, &error);
  if (reply == NULL || !JSON_NODE_HOLDS_ARRAY (reply))
    {
      *status = fail (error ? error->message : _("Dropify sent an unexpected reply"));
      return NULL;
    }

  if (json)
    {
      g_autofree char *text = json_to_string (reply, TRUE);
      g_print ("%s\n", text);
      return NULL;
    }

  return json_array_ref (json_node_get_array (reply));
}

/* "To Laptop, Phone": the names of a targeted drop's audience, as the
 * peers list has them; an id for a device it does not know. NULL for a
 * drop for every device. */
static char *
audience_text (JsonObject  *drop,
               JsonArray  **peers)
{
  JsonNode *node = json_object_get_member (drop, "audience");
  g_autoptr(GString) names = g_string_new (NULL);
  JsonArray *audience;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length ((audience = json_node_get_array (node))) == 0)
    return NULL;

  if (*peers == NULL)
    *peers = get_peers (NULL);

  for (guint i = 0; i < json_array_get_length (audience); i++)
    {
      const char *id = json_array_get_string_element (audience, i);
      const char *name = NULL;

      for (guint p = 0; *peers != NULL && p < json_array_get_length (*peers); p++)
        {
          JsonObject *peer = json_array_get_object_element (*peers, p);

          if (g_strcmp0 (json_object_get_string_member_with_default (peer, "id", NULL), id) == 0)
            name = json_object_get_string_member_with_default (peer, "name", NULL);
        }

      if (names->len > 0)
        g_string_append (names, ", ");
      g_string_append (names, name != NULL && *name != '\0' ? name : id);
    }

  return g_strdup_printf (_("To %s"), names->str);
}

/* "On Laptop, Phone": the paired devices known to hold a drop (for a
 * file, its content too: one that has only the drop is still fetching
 * it). NULL when none is known. */
static char *
holders_text (JsonObject *drop)
{
  JsonNode *node = json_object_get_member (drop, "holders");
  g_autoptr(GString) names = g_string_new (NULL);
  JsonArray *holders;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;

  holders = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (holders); i++)
    {
      JsonNode *element = json_array_get_element (holders, i);
      JsonObject *holder;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        continue;
      holder = json_node_get_object (element);
      if (!json_object_get_boolean_member_with_default (holder, "content", FALSE))
        continue;

      if (names->len > 0)
        g_string_append (names, ", ");
      g_string_append (names, json_object_get_string_member_with_default (holder, "name", ""));
    }

  if (names->len == 0)
    return NULL;

  /* Translators: the devices known to hold a drop: "On Laptop, Phone" */
  return g_strdup_printf (_("On %s"), names->str);
}

static int
command_list (int    argc,
              char **argv)
{
  g_autoptr(JsonArray) drops = NULL;
  g_autoptr(JsonArray) peers = NULL;
  int64_t now = g_get_real_time () / 1000;
  int status;

  drops = list_command (&argc, &argv, "list", _("Lists the live drops of the history, newest first."),
                        "/v1/drops", &status);
  if (drops == NULL)
    return status;

  if (json_array_get_length (drops) == 0)
    {
      g_print ("%s\n", _("The history is empty."));
      return 0;
    }

  for (guint i = 0; i < json_array_get_length (drops); i++)
    {
      JsonObject *drop = json_array_get_object_element (drops, i);
      int64_t left = json_object_get_int_member (drop, "expires_at") - now;
      g_autofree char *expires = dropify_duration_format (MAX (left / 1000, 1) * 1000);
      g_autofree char *text = preview (drop);
      g_autofree char *to = audience_text (drop, &peers);
      g_autofree char *on = holders_text (drop);
      g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func (g_free);

      g_print ("%s  %-4s  %6s  %-16s  %s%s%s%s%s\n",
               shown (pool, json_object_get_string_member (drop, "id")),
               shown (pool, json_object_get_string_member (drop, "kind")),
               expires,
               shown (pool, json_object_get_string_member (drop, "origin_name")),
               text, to != NULL ? "  " : "", to != NULL ? shown (pool, to) : "",
               on != NULL ? "  " : "", on != NULL ? shown (pool, on) : "");
    }

  return 0;
}

static int
command_delete (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  int status = 0;

  context = command_context (_("ID…"), _("Deletes drops from the history on all your devices."));

  if (!parse (context, &argc, &argv, &status))
    return status;

  if (argc < 2)
    return usage_error (context, _("Name the drops to delete by their id"));

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *escaped = g_uri_escape_string (argv[i], NULL, FALSE);
      g_autofree char *path = g_strconcat ("/v1/drops/", escaped, NULL);
      g_autoptr(JsonNode) reply = dropify_control_request (data_dir (), "DELETE", path, NULL, &error);

      if (error != NULL)
        {
          g_autofree char *message = g_strdup_printf ("%s: %s", argv[i], error->message);
          return fail (message);
        }
    }

  return 0;
}

/* A drop's expiry is never extended (docs/protocol.md §9): the service
 * drops the same content again with the new one, and deletes the old. */
static int
command_expire (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *ttl = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;
  gboolean json = FALSE;
  int64_t ttl_ms = 0;
  int status = 0;
  const GOptionEntry entries[] = {
    { "ttl", 't', 0, G_OPTION_ARG_STRING, &ttl,
      N_("How long the drop lives from now: 30s, 10m, 24h, 7d"), N_("DURATION") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print the new drop as one JSON object"), NULL },
    { NULL }
  };

  context = command_context (_("--ttl DURATION ID"),
                             _("Changes how long a drop lives. A drop’s expiry is never extended, so "
                               "the same content is dropped again, for the same devices, with the new "
                               "one, and the old drop is deleted everywhere; no file is sent again. "
                               "Prints the new drop’s id."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!parse (context, &argc, &argv, &status))
    return status;

  if (ttl == NULL)
    return usage_error (context, _("Say how long the drop is to live, with --ttl"));

  if (!dropify_duration_parse (ttl, &ttl_ms, &error))
    return usage_error (context, error->message);

  if (argc != 2)
    return usage_error (context, _("Name the drop by its id"));

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "ttl");
  json_builder_add_int_value (builder, ttl_ms);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  escaped = g_uri_escape_string (argv[1], NULL, FALSE);
  path = g_strconcat ("/v1/drops/", escaped, "/expiry", NULL);
  reply = dropify_control_request (data_dir (), "POST", path, body, &error);
  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply))
    {
      g_autofree char *message = g_strdup_printf ("%s: %s", argv[1],
                                                  error ? error->message : _("Dropify sent an unexpected reply"));
      return fail (message);
    }

  if (json)
    {
      g_autofree char *text = json_to_string (reply, TRUE);
      g_print ("%s\n", text);
    }
  else
    g_print ("%s\n", shown (pool, json_object_get_string_member (json_node_get_object (reply), "id")));

  return 0;
}

static int
command_peers (int    argc,
               char **argv)
{
  g_autoptr(JsonArray) peers = NULL;
  int status;

  peers = list_command (&argc, &argv, "peers", _("Lists the devices this one syncs with."),
                        "/v1/peers", &status);
  if (peers == NULL)
    return status;

  {
    g_autoptr(JsonNode) discovery = dropify_control_request (data_dir (), "GET", "/v1/discovery", NULL, NULL);

    if (discovery != NULL && JSON_NODE_HOLDS_OBJECT (discovery))
      {
        JsonObject *object = json_node_get_object (discovery);
        const char *why = json_object_get_string_member_with_default (object, "status", NULL);

        g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func (g_free);

        if (json_object_get_boolean_member_with_default (object, "available", FALSE))
          g_print (_("Automatic discovery is on (published as “%s”).\n"),
                   shown (pool, json_object_get_string_member_with_default (object, "name", "")));
        else if (why != NULL)
          g_print ("%s\n", shown (pool, why));
      }
  }

  if (json_array_get_length (peers) == 0)
    {
      g_print ("%s\n", _("No peers yet. Add one with “dropify --headless --connect HOST:PORT”."));
      return 0;
    }

  for (guint i = 0; i < json_array_get_length (peers); i++)
    {
      JsonObject *peer = json_array_get_object_element (peers, i);
      const char *name = json_object_get_string_member (peer, "name");
      const char *error_text = json_object_get_string_member_with_default (peer, "error", NULL);
      g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func (g_free);

      /* An attempt to pair that failed says why, until the next one. */
      if (error_text == NULL)
        error_text = json_object_get_string_member_with_default (peer, "pairing_error", NULL);

      g_print ("%-20s %s:%" G_GINT64_FORMAT "  %-12s %-7s %s%s%s\n",
               *name ? shown (pool, name) : _("(unknown)"),
               shown (pool, json_object_get_string_member (peer, "address")),
               json_object_get_int_member (peer, "port"),
               shown (pool, json_object_get_string_member (peer, "state")),
               shown (pool, json_object_get_string_member (peer, "via")),
               json_object_get_boolean_member (peer, "trusted") ? _("paired") : _("not paired"),
               error_text ? "  " : "", error_text ? shown (pool, error_text) : "");
    }

  return 0;
}

static JsonArray *
get_peers (GError **error)
{
  g_autoptr(JsonNode) reply = dropify_control_request (data_dir (), "GET", "/v1/peers", NULL, error);

  if (reply == NULL || !JSON_NODE_HOLDS_ARRAY (reply))
    return NULL;

  return json_array_ref (json_node_get_array (reply));
}

static JsonObject *
find_peer_object (JsonArray  *peers,
                  const char *device_id)
{
  for (guint i = 0; i < json_array_get_length (peers); i++)
    {
      JsonObject *peer = json_array_get_object_element (peers, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (peer, "id", NULL), device_id) == 0)
        return peer;
    }

  return NULL;
}

static gboolean
post_pair (const char  *device_id,
           gboolean     accept,
           const char  *code,
           GError     **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) reply = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "device_id");
  json_builder_add_string_value (builder, device_id);
  json_builder_set_member_name (builder, "accept");
  json_builder_add_boolean_value (builder, accept);
  if (code != NULL)
    {
      json_builder_set_member_name (builder, "code");
      json_builder_add_string_value (builder, code);
    }
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  reply = dropify_control_request (data_dir (), "POST", "/v1/pair", body, error);

  return *error == NULL;
}

/* The attempt's code, once both devices exchanged their nonces; %NULL
 * with @error set when the attempt ended instead. */
static char *
wait_for_code (const char  *device_id,
               GError     **error)
{
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(JsonArray) peers = get_peers (error);
      JsonObject *peer;

      if (peers == NULL)
        return NULL;

      peer = find_peer_object (peers, device_id);
      if (peer == NULL || json_object_get_boolean_member_with_default (peer, "trusted", FALSE))
        break;
      if (json_object_has_member (peer, "pairing_code"))
        return g_strdup (json_object_get_string_member (peer, "pairing_code"));
      if (g_strcmp0 (json_object_get_string_member_with_default (peer, "pairing", "none"), "none") == 0 &&
          json_object_has_member (peer, "pairing_error"))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                               json_object_get_string_member (peer, "pairing_error"));
          return NULL;
        }

      g_usleep (100 * 1000);
    }

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       _("The other device did not answer the pairing request"));
  return NULL;
}

/* A person accepts the code they read on both screens, and types it: the
 * command never accepts a code on its own, so an attempt someone else
 * started a moment before cannot be accepted unseen. With no code, it
 * starts an attempt (or finds the one under way) and prints its code. */
static int
pair_accept (const char *device_id,
             const char *typed_code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) peers = NULL;
  g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *code = NULL;
  g_autofree char *command = NULL;
  g_autofree char *digits = NULL;
  JsonObject *peer;
  const char *name;

  if (!(peers = get_peers (&error)))
    return fail (error ? error->message : _("Dropify sent an unexpected reply"));

  peer = find_peer_object (peers, device_id);
  if (peer == NULL || !json_object_get_boolean_member_with_default (peer, "connected", FALSE) ||
      json_object_get_boolean_member_with_default (peer, "trusted", FALSE))
    {
      g_autofree char *text = g_strdup_printf (_("No device “%s” is connected and waiting to pair"), device_id);
      return fail (text);
    }

  name = json_object_get_string_member_with_default (peer, "name", "");
  if (*name == '\0')
    name = device_id;

  if (typed_code != NULL)
    {
      if (!post_pair (device_id, TRUE, typed_code, &error))
        return fail (error->message);

      /* Translators: %s is a pairing code, then the name of another device */
      g_print (_("Accepted the code %s with “%s”.\n"), shown (pool, typed_code), shown (pool, name));
      if (!json_object_get_boolean_member_with_default (peer, "wants_to_pair", FALSE))
        /* Translators: %s is the name of another device */
        g_print (_("Waiting for “%s” to accept it too.\n"), shown (pool, name));
      return 0;
    }

  if (json_object_has_member (peer, "pairing_code"))
    code = g_strdup (json_object_get_string_member (peer, "pairing_code"));
  else if (!post_pair (device_id, TRUE, NULL, &error) || !(code = wait_for_code (device_id, &error)))
    return fail (error->message);

  {
    g_auto(GStrv) parts = g_strsplit (code, " ", -1);

    digits = g_strjoinv ("", parts);
  }
  command = g_strdup_printf ("dropify pair accept %s %s", device_id, digits);

  /* Translators: %s is a 6-digit code such as "123 456" */
  g_print (_("Pairing code: %s\n"), code);
  /* Translators: the first %s is the name of another device, the second
   * a command */
  g_print (_("Check that “%s” shows the same code. If it does, accept on both devices; here with\n"
             "  %s\n"
             "If the codes differ, reject on both: another device may be listening in between.\n"),
           shown (pool, name), shown (pool, command));
  return 0;
}

static int
command_pair (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) peers = NULL;
  g_autoptr(JsonArray) waiting = json_array_new ();
  gboolean json = FALSE;
  int status = 0;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON array"), NULL },
    { NULL }
  };

  context = command_context (_("[accept ID [CODE] | reject ID]"),
                             _("Pairs this device with another one. With no arguments, lists the\n"
                               "connected devices that are not paired yet, with the code of each\n"
                               "pairing under way. “accept ID” starts pairing and prints the code;\n"
                               "check that the other screen shows the same code, then accept it on\n"
                               "both devices with “accept ID CODE”. If the codes differ, reject on\n"
                               "both: another device may be listening in between."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!parse (context, &argc, &argv, &status))
    return status;

  if ((argc == 3 || argc == 4) && g_str_equal (argv[1], "accept"))
    return pair_accept (argv[2], argc == 4 ? argv[3] : NULL);

  if (argc == 3 && g_str_equal (argv[1], "reject"))
    {
      if (!post_pair (argv[2], FALSE, NULL, &error))
        return fail (error->message);
      return 0;
    }

  if (argc != 1)
    return usage_error (context, _("Use “pair”, “pair accept ID [CODE]” or “pair reject ID”"));

  if (!(peers = get_peers (&error)))
    return fail (error ? error->message : _("Dropify sent an unexpected reply"));

  for (guint i = 0; i < json_array_get_length (peers); i++)
    {
      JsonObject *peer = json_array_get_object_element (peers, i);

      if (json_object_has_member (peer, "pairing"))
        json_array_add_object_element (waiting, json_object_ref (peer));
    }

  if (json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
      g_autofree char *text = NULL;

      json_node_set_array (node, waiting);
      text = json_to_string (node, TRUE);
      g_print ("%s\n", text);
      return 0;
    }

  if (json_array_get_length (waiting) == 0)
    {
      g_print ("%s\n", _("No device is waiting to pair."));
      return 0;
    }

  for (guint i = 0; i < json_array_get_length (waiting); i++)
    {
      JsonObject *peer = json_array_get_object_element (waiting, i);
      g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func (g_free);
      const char *code = json_object_get_string_member_with_default (peer, "pairing_code", NULL);
      const char *error_text = json_object_get_string_member_with_default (peer, "pairing_error", NULL);
      const char *doing;

      if (json_object_get_boolean_member_with_default (peer, "pair_sent", FALSE))
        doing = _("waiting for the other device");
      else if (json_object_get_boolean_member_with_default (peer, "wants_to_pair", FALSE))
        doing = _("asks to pair");
      else if (code != NULL)
        doing = _("compare the codes");
      else
        doing = "";

      g_print ("%s  %-20s %-7s  %s%s%s\n",
               shown (pool, json_object_get_string_member (peer, "id")),
               shown (pool, json_object_get_string_member (peer, "name")),
               code != NULL ? shown (pool, code) : "—",
               doing,
               error_text != NULL && code == NULL ? (*doing ? "  " : "") : "",
               error_text != NULL && code == NULL ? shown (pool, error_text) : "");
    }

  return 0;
}

/* The commands that name one thing by its id and ask the instance for
 * one change: METHOD PREFIX/ID[SUFFIX]. @quote_id puts the id before an
 * error, for ids a person pasted from a list. */
typedef struct
{
  const char *parameter;
  const char *summary;
  const char *missing;
  const char *method;
  const char *prefix;
  const char *suffix;
  gboolean    quote_id;
} IdCommand;

static int
run_id_command (const IdCommand  *command,
                int               argc,
                char            **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;
  int status = 0;

  context = command_context (_(command->parameter), _(command->summary));

  if (!parse (context, &argc, &argv, &status))
    return status;

  if (argc != 2)
    return usage_error (context, _(command->missing));

  escaped = g_uri_escape_string (argv[1], NULL, FALSE);
  path = g_strconcat (command->prefix, escaped, command->suffix, NULL);
  reply = dropify_control_request (data_dir (), command->method, path, NULL, &error);
  if (error != NULL && command->quote_id)
    {
      g_autofree char *message = g_strdup_printf ("%s: %s", argv[1], error->message);
      return fail (message);
    }
  if (error != NULL)
    return fail (error->message);

  return 0;
}

static int
command_unpair (int    argc,
                char **argv)
{
  static const IdCommand command = {
    N_("ID"), N_("Stops trusting a paired device: it gets nothing more."),
    N_("Name the device to unpair by its id"), "DELETE", "/v1/trusted/", "", FALSE,
  };

  return run_id_command (&command, argc, argv);
}

static int
command_forget (int    argc,
                char **argv)
{
  static const IdCommand command = {
    N_("ID"), N_("Stops trusting a device and removes it from the list: "
                  "if it connects again, it is a device not paired."),
    N_("Name the device to forget by its id"), "DELETE", "/v1/peers/", "", FALSE,
  };

  return run_id_command (&command, argc, argv);
}

/* One transfer as a line: "photo.jpg  to Laptop  41% (12.3 MB of 30.0
 * MB), 4.1 MB/s", then the state when it is not moving, and why. */
static char *
transfer_line (JsonObject *transfer,
               GPtrArray  *pool)
{
  const char *state = json_object_get_string_member_with_default (transfer, "state", "");
  const char *reason = json_object_get_string_member_with_default (transfer, "reason", NULL);
  const char *peer_name = json_object_get_string_member_with_default (transfer, "peer_name", "");
  const char *direction = json_object_get_string_member_with_default (transfer, "direction", "");
  gboolean out = g_strcmp0 (direction, "out") == 0;
  int64_t done = json_object_get_int_member_with_default (transfer, "done", 0);
  int64_t size = json_object_get_int_member_with_default (transfer, "size", 0);
  int64_t rate = json_object_get_int_member_with_default (transfer, "rate", 0);
  g_autofree char *done_text = g_format_size ((guint64) MAX (done, 0));
  g_autofree char *size_text = g_format_size ((guint64) MAX (size, 0));
  g_autofree char *who = NULL;
  g_autoptr(GString) line = g_string_new (NULL);
  int percent = size > 0 ? (int) (MAX (done, 0) * 100 / size) : 100;

  if (*peer_name == '\0')
    peer_name = json_object_get_string_member_with_default (transfer, "peer", "");
  who = g_strdup_printf (out ? _("to %s") : _("from %s"), shown (pool, peer_name));

  g_string_append_printf (line, "%s  %s  %s  ",
                          shown (pool, json_object_get_string_member_with_default (transfer, "id", "")),
                          shown (pool, json_object_get_string_member_with_default (transfer, "name", "")),
                          who);

  if (g_str_equal (state, "done"))
    g_string_append_printf (line, out ? _("sent (%s)") : _("received (%s)"), size_text);
  else
    {
      /* TRANSLATORS: a transfer's progress: "41% (12.3 MB of 30.0 MB)" */
      g_string_append_printf (line, _("%d%% (%s of %s)"), percent, done_text, size_text);
      if (g_str_equal (state, "active") && rate > 0)
        {
          g_autofree char *rate_text = g_format_size ((guint64) rate);
          /* TRANSLATORS: a transfer's speed, such as "4.1 MB/s" */
          g_string_append_printf (line, _(", %s/s"), rate_text);
        }
      else if (g_str_equal (state, "queued"))
        g_string_append_printf (line, ", %s", _("queued"));
      else if (g_str_equal (state, "stalled"))
        g_string_append_printf (line, ", %s", _("stalled"));
      else if (g_str_equal (state, "cancelled"))
        g_string_append_printf (line, ", %s", _("cancelled"));
      else if (g_str_equal (state, "failed"))
        g_string_append_printf (line, ", %s", _("failed"));
    }

  if (reason != NULL && *reason != '\0')
    g_string_append_printf (line, ": %s", shown (pool, reason));

  return g_string_free (g_steal_pointer (&line), FALSE);
}

static int
command_transfers (int    argc,
                   char **argv)
{
  g_autoptr(JsonArray) transfers = NULL;
  int status;

  transfers = list_command (&argc, &argv, "transfers",
                            _("Lists the files moving to and from other devices, and those that did lately."),
                            "/v1/transfers", &status);
  if (transfers == NULL)
    return status;

  if (json_array_get_length (transfers) == 0)
    {
      g_print ("%s\n", _("No files are moving, and none did lately."));
      return 0;
    }

  for (guint i = 0; i < json_array_get_length (transfers); i++)
    {
      g_autoptr(GPtrArray) pool = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *line = transfer_line (json_array_get_object_element (transfers, i), pool);

      g_print ("%s\n", line);
    }

  return 0;
}

static int
command_cancel (int    argc,
                char **argv)
{
  static const IdCommand command = {
    N_("TRANSFER-ID"), N_("Stops a file moving to or from another device, at both ends. A file "
                          "not received is not asked for again until “dropify download”."),
    N_("Name the transfer to cancel by its id, from “dropify transfers”"),
    "DELETE", "/v1/transfers/", "", TRUE,
  };

  return run_id_command (&command, argc, argv);
}
static int
command_download (int    argc,
                  char **argv)
{
  static const IdCommand command = {
    N_("DROP-ID"), N_("Asks the other devices for a file drop’s content: also one whose "
                      "transfer was cancelled."),
    N_("Name the file drop to download by its id"), "POST", "/v1/drops/", "/download", TRUE,
  };

  return run_id_command (&command, argc, argv);
}
/* GET /v1/phone, or POST /v1/phone/token to revoke the token first. */
static JsonObject *
request_phone (gboolean   rotate,
               JsonNode **reply,
               GError   **error)
{
  *reply = dropify_control_request (data_dir (), rotate ? "POST" : "GET",
                                    rotate ? "/v1/phone/token" : "/v1/phone", NULL, error);
  if (*reply == NULL || !JSON_NODE_HOLDS_OBJECT (*reply) ||
      json_object_get_string_member_with_default (json_node_get_object (*reply), "url", NULL) == NULL)
    return NULL;

  return json_node_get_object (*reply);
}

static int
command_url (int    argc,
             char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  gboolean all = FALSE;
  gboolean new_token = FALSE;
  JsonObject *phone;
  int status = 0;
  const GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, N_("Print the URL at every address, best first"), NULL },
    { "new-token", 0, 0, G_OPTION_ARG_NONE, &new_token,
      N_("Revoke the access token first: phones with the old link are cut off"), NULL },
    { NULL }
  };

  context = command_context (NULL, _("Prints the phone page’s address, with its access token.\n"
                                     "Open it on a phone on the same network."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!parse (context, &argc, &argv, &status))
    return status;

  if (argc > 1)
    return usage_error (context, _("“url” takes no arguments"));

  if (!(phone = request_phone (new_token, &reply, &error)))
    return fail (error ? error->message : _("Dropify sent an unexpected reply"));

  if (all && json_object_has_member (phone, "urls"))
    {
      JsonArray *urls = json_object_get_array_member (phone, "urls");

      for (guint i = 0; i < json_array_get_length (urls); i++)
        g_print ("%s\n", json_array_get_string_element (urls, i));
    }
  else
    g_print ("%s\n", json_object_get_string_member (phone, "url"));

  return 0;
}

static int
command_qr (int    argc,
            char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(DropifyQr) qr = NULL;
  g_autofree char *text = NULL;
  DropifyQrTextFlags flags = DROPIFY_QR_TEXT_NONE;
  const char *url;
  JsonObject *phone;
  int status = 0;

  context = command_context (NULL, _("Shows the phone page’s address as a QR code, to scan with a phone’s camera."));

  if (!parse (context, &argc, &argv, &status))
    return status;

  if (argc > 1)
    return usage_error (context, _("“qr” takes no arguments"));

  if (!(phone = request_phone (FALSE, &reply, &error)))
    return fail (error ? error->message : _("Dropify sent an unexpected reply"));

  url = json_object_get_string_member (phone, "url");
  if (!(qr = dropify_qr_new (url, &error)))
    return fail (error->message);

  /* On a terminal, paint it black on white so it scans on dark themes too. */
  if (isatty (STDOUT_FILENO) && g_getenv ("NO_COLOR") == NULL)
    flags |= DROPIFY_QR_TEXT_COLOR;

  text = dropify_qr_render_text (qr, flags);
  g_print ("%s\n%s\n", text, url);

  return 0;
}

static const struct {
  const char  *name;
  CommandFunc  func;
  const char  *summary;
} commands[] = {
  { "send", command_send, N_("Make a text or file drop") },
  { "list", command_list, N_("List the drops in the history") },
  { "delete", command_delete, N_("Delete drops everywhere") },
  { "expire", command_expire, N_("Change how long a drop lives") },
  { "peers", command_peers, N_("List the devices this one syncs with") },
  { "pair", command_pair, N_("Pair with another device") },
  { "unpair", command_unpair, N_("Stop trusting a paired device") },
  { "forget", command_forget, N_("Stop trusting a device and remove it from the list") },
  { "transfers", command_transfers, N_("List the files moving to and from other devices") },
  { "cancel", command_cancel, N_("Stop a file moving, at both ends") },
  { "download", command_download, N_("Ask for a file drop’s content again") },
  { "url", command_url, N_("Print the phone page’s address") },
  { "qr", command_qr, N_("Show the phone page’s address as a QR code") },
};

gboolean
dropify_cli_is_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (name, commands[i].name))
      return TRUE;

  return FALSE;
}

void
dropify_print_usage (void)
{
  g_print ("%s\n", _("Usage:"));
  g_print ("  dropify [--data-dir DIR]                %s\n", _("Open the app"));
  g_print ("  dropify [--data-dir DIR] FILE…          %s\n",
           _("Drop files through the app running on the profile"));
  g_print ("  dropify --headless [--data-dir DIR] [--port N] [--name NAME] [--no-discovery] [--connect HOST:PORT]… [--max-send-rate RATE]\n"
           "                                          %s\n", _("Run without a window"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_print ("  dropify %-32s%s\n", commands[i].name, _(commands[i].summary));
  g_print ("\n%s\n", _("Run “dropify COMMAND --help” for a command’s options."));
}

int
dropify_cli_run (int    argc,
                 char **argv)
{
  g_autofree char *prgname = g_strdup_printf ("dropify %s", argv[1]);

  g_set_prgname (prgname);

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].func (argc - 1, argv + 1);

  return 2;
}
