#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/resource.h>
#ifdef __linux__
# include <sys/prctl.h>
#endif
#include <stdarg.h>

#include "dropify-control.h"
#include "dropify-test-support.h"

int64_t
dropify_test_clock_now (gpointer clock)
{
  return ((DropifyTestClock *) clock)->now;
}

/* Made under the isolated test tmp dir (G_TEST_OPTION_ISOLATE_DIRS) when
 * there is one; kept short because of the Unix socket path limit. */
char *
dropify_test_make_dir (const char *name)
{
  g_autofree char *template = g_strdup_printf ("dropify-%s-XXXXXX", name);
  g_autoptr(GError) error = NULL;
  char *path;

  path = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);

  return path;
}

static void
remove_recursive (GFile *file)
{
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  if (children != NULL)
    {
      while ((info = g_file_enumerator_next_file (children, NULL, NULL)))
        {
          g_autoptr(GFile) child = g_file_get_child (file, g_file_info_get_name (info));

          remove_recursive (child);
          g_object_unref (info);
        }
    }

  g_file_delete (file, NULL, NULL);
}

void
dropify_test_remove_dir (const char *path)
{
  g_autoptr(GFile) file = NULL;

  if (path == NULL)
    return;

  file = g_file_new_for_path (path);
  remove_recursive (file);
}

char *
dropify_test_sha256_file (const char *path)
{
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) error = NULL;

  mapped = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                      (const guchar *) g_mapped_file_get_contents (mapped),
                                      g_mapped_file_get_length (mapped));
}

char *
dropify_test_write_random (const char *dir,
                           const char *name,
                           gsize       size)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree guint8 *data = g_malloc (size ? size : 1);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < size; i += 4)
    {
      guint32 r = g_random_int ();
      memcpy (data + i, &r, MIN (4, size - i));
    }

  g_file_set_contents (path, (const char *) data, size, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&path);
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
poll_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the main context until @check passes or time runs out. Checks
 * run after every event, and at least every 20 ms for conditions outside
 * this process. Sanitizer builds set DROPIFY_TEST_SLOW to stretch the
 * time, since everything runs several times slower there. */
gboolean
dropify_test_wait_for (gboolean (*check) (gpointer data),
                       gpointer   data,
                       guint      timeout_ms)
{
  const char *slow = g_getenv ("DROPIFY_TEST_SLOW");
  guint factor = slow ? MAX (1, (guint) g_ascii_strtoull (slow, NULL, 10)) : 1;
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms * factor, timeout_cb, &timed_out);
  guint poll = g_timeout_add (20, poll_cb, NULL);

  while (!check (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);
  g_source_remove (poll);

  return check (data);
}

/**
 * dropify_test_add_cases:
 *
 * Registers this run's share of @cases. meson.build runs a long binary
 * as N tests side by side, each with DROPIFY_TEST_SHARD=I/N (I from 1 to
 * N): the table splits into N runs of consecutive cases, as equal in
 * number as can be, and the I-th test registers the I-th run, so that
 * all of them run, once each, whatever the table holds. Order a table so
 * that its runs take about as long as each other. Without
 * DROPIFY_TEST_SHARD, all of them. A share with no case is an error,
 * not an empty success.
 *
 * Returns: how many cases it registered
 */
guint
dropify_test_add_cases (const DropifyTestCase *cases,
                        guint                  n_cases)
{
  const char *spec = g_getenv ("DROPIFY_TEST_SHARD");
  guint shard = 1, n_shards = 1, first, last;

  if (spec != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (spec, "/", 2);
      guint64 value = 0, count = 0;

      if (g_strv_length (parts) != 2 ||
          !g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXUINT, &value, NULL) ||
          !g_ascii_string_to_unsigned (parts[1], 10, value, G_MAXUINT, &count, NULL))
        g_error ("DROPIFY_TEST_SHARD is “%s”, not I/N with 1 ≤ I ≤ N", spec);
      shard = (guint) value;
      n_shards = (guint) count;
    }

  first = (guint) ((guint64) n_cases * (shard - 1) / n_shards);
  last = (guint) ((guint64) n_cases * shard / n_shards);
  if (first == last)
    g_error ("Shard %u of %u has none of the %u cases: fewer shards in meson.build",
             shard, n_shards, n_cases);

  for (guint i = first; i < last; i++)
    {
      if (cases[i].data_func != NULL)
        g_test_add_data_func (cases[i].path, cases[i].data, cases[i].data_func);
      else
        g_test_add_func (cases[i].path, cases[i].func);
    }

  return last - first;
}

void
dropify_test_run_free (DropifyTestRun *run)
{
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

static const char *
dropify_bin (void)
{
  const char *bin = g_getenv ("DROPIFY_BIN");

  g_assert_nonnull (bin);
  return bin;
}

DropifyTestRun *
dropify_test_runv (const char * const *args,
                   const char         *stdin_text)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  DropifyTestRun *run = g_new0 (DropifyTestRun, 1);

  g_ptr_array_add (argv, (gpointer) dropify_bin ());
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                               G_SUBPROCESS_FLAGS_STDERR_PIPE |
                               G_SUBPROCESS_FLAGS_STDIN_PIPE,
                               &error);
  g_assert_no_error (error);

  g_subprocess_communicate_utf8 (process, stdin_text, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);

  run->status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;

  return run;
}

typedef struct
{
  DropifyTestRun *run;
  GError         *error;
  gboolean        done;
} PendingRun;

static void
pending_run_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  PendingRun *pending = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result,
                                        &pending->run->out, &pending->run->err, &pending->error);
  pending->done = TRUE;
}

static gboolean
pending_run_done (gpointer data)
{
  return ((PendingRun *) data)->done;
}

/**
 * dropify_test_runv_iterating:
 *
 * Like dropify_test_runv(), but the main context runs while the command
 * does: for commands that talk to a #DropifyTestNode of this process,
 * which could not answer while the test blocked.
 */
DropifyTestRun *
dropify_test_runv_iterating (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  PendingRun pending = { g_new0 (DropifyTestRun, 1), NULL, FALSE };

  g_ptr_array_add (argv, (gpointer) dropify_bin ());
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);

  g_subprocess_communicate_utf8_async (process, NULL, NULL, pending_run_cb, &pending);
  g_assert_true (dropify_test_wait_for (pending_run_done, &pending, 30000));
  g_assert_no_error (pending.error);

  pending.run->status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;

  return pending.run;
}

DropifyTestRun *
dropify_test_run (const char *first_arg,
                  ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;

  va_start (ap, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  return dropify_test_runv ((const char * const *) args->pdata, NULL);
}

JsonNode *
dropify_test_list_json (const char *data_dir)
{
  g_autoptr(DropifyTestRun) run = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  run = dropify_test_run ("list", "--data-dir", data_dir, "--json", NULL);
  if (run->status != 0)
    g_error ("dropify list failed (%d): %s", run->status, run->err);

  json_parser_load_from_data (parser, run->out, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)));

  return json_node_copy (json_parser_get_root (parser));
}

static gboolean
instance_ready (gpointer data)
{
  DropifyTestInstance *instance = data;
  g_autoptr(JsonNode) reply = NULL;

  if (g_subprocess_get_identifier (instance->process) == NULL)
    return TRUE; /* exited: let the caller see it */

  reply = dropify_control_request (instance->data_dir, "GET", "/v1/status", NULL, NULL);
  return reply != NULL;
}

/* An instance goes when its test does, even when the test aborts on a
 * failed assertion and never reaches its cleanup. */
static void
setup_child (gpointer user_data)
{
  rlim_t max_open_files = GPOINTER_TO_UINT (user_data);

#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGTERM);
#endif

  /* Soft and hard, so the instance cannot raise it. Only async-signal-safe
   * calls here: this runs between fork and exec. */
  if (max_open_files > 0)
    {
      struct rlimit limit = { max_open_files, max_open_files };

      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

/* Starts `dropify --headless --port 0` on @data_dir and waits (at most 10 s) until
 * its control socket answers. Logs go to DATA_DIR.log. */
DropifyTestInstance *
dropify_test_instance_start (const char         *data_dir,
                             const char * const *extra_args)
{
  return dropify_test_instance_start_limited (data_dir, extra_args, 0);
}

/* The same, with at most @max_open_files descriptors (soft and hard
 * RLIMIT_NOFILE) when it is not 0. */
DropifyTestInstance *
dropify_test_instance_start_limited (const char         *data_dir,
                                     const char * const *extra_args,
                                     guint               max_open_files)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  DropifyTestInstance *instance = g_new0 (DropifyTestInstance, 1);

  instance->data_dir = g_strdup (data_dir);
  instance->log_path = g_strconcat (data_dir, ".log", NULL);

  g_ptr_array_add (argv, (gpointer) dropify_bin ());
  g_ptr_array_add (argv, (gpointer) "--headless");
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, (gpointer) data_dir);
  /* Never the default port: tests run side by side. A later --port in
   * @extra_args wins. */
  g_ptr_array_add (argv, (gpointer) "--port");
  g_ptr_array_add (argv, (gpointer) "0");
  /* mDNS only ever runs in the LAN tests' own namespaces. */
  g_ptr_array_add (argv, (gpointer) "--no-discovery");
  for (guint i = 0; extra_args && extra_args[i]; i++)
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_stderr_file_path (launcher, instance->log_path);
  g_subprocess_launcher_set_child_setup (launcher, setup_child, GUINT_TO_POINTER (max_open_files), NULL);
  instance->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  if (!dropify_test_wait_for (instance_ready, instance, 10000))
    g_error ("dropify --headless did not answer within 10 s");

  return instance;
}

/* In a sanitizer build, an instance with a finding exits with status 1
 * and says why on its stderr, which is its log: show that part, or the
 * test only says "1 != 0". */
static void
print_sanitizer_report (const char *log_path)
{
  g_autofree char *log = NULL;
  const char *report;

  if (!g_file_get_contents (log_path, &log, NULL, NULL))
    return;

  report = strstr (log, "==ERROR: ");
  if (report == NULL)
    report = strstr (log, "runtime error: ");
  if (report != NULL)
    g_printerr ("The instance's log (%s) has a sanitizer report:\n%s\n", log_path, report);
}

/* Sends @signum and waits for the exit; returns the exit status, or
 * 128 + signal if it was killed. */
int
dropify_test_instance_stop (DropifyTestInstance *instance,
                            int                  signum)
{
  g_autoptr(GError) error = NULL;

  if (instance->process == NULL)
    return -1;

  if (g_subprocess_get_identifier (instance->process) != NULL)
    g_subprocess_send_signal (instance->process, signum);

  g_subprocess_wait (instance->process, NULL, &error);
  g_assert_no_error (error);

  if (g_subprocess_get_if_signaled (instance->process))
    return 128 + g_subprocess_get_term_sig (instance->process);

  if (g_subprocess_get_exit_status (instance->process) != 0)
    print_sanitizer_report (instance->log_path);

  return g_subprocess_get_exit_status (instance->process);
}

void
dropify_test_instance_free (DropifyTestInstance *instance)
{
  if (instance->process != NULL && g_subprocess_get_identifier (instance->process) != NULL)
    {
      g_subprocess_force_exit (instance->process);
      g_subprocess_wait (instance->process, NULL, NULL);
    }

  g_clear_object (&instance->process);
  g_free (instance->data_dir);
  g_free (instance->log_path);
  g_free (instance);
}

/* A service on node->dir, started on a free port. */
static void
node_start_service (DropifyTestNode *node,
                    const char      *name,
                    const char      *group_secret)
{
  g_autoptr(GError) error = NULL;

  node->service = dropify_service_new (node->dir, NULL, &error);
  g_assert_no_error (error);
  dropify_identity_set_name (dropify_service_get_identity (node->service), name);
  dropify_sync_set_group_secret (dropify_service_get_sync (node->service), group_secret);
  dropify_service_start (node->service, 0, &error);
  g_assert_no_error (error);
}

static void
node_stop_service (DropifyTestNode *node)
{
  dropify_service_shutdown (node->service);
  g_clear_object (&node->service);
  for (guint i = 0; i < 20 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

DropifyTestNode *
dropify_test_node_start (const char *name,
                         const char *group_secret)
{
  DropifyTestNode *node = g_new0 (DropifyTestNode, 1);

  node->dir = dropify_test_make_dir (name);
  node_start_service (node, name, group_secret);

  return node;
}

/* Stops the service and starts a new one on the same data dir (same
 * device, same history), on another port. */
void
dropify_test_node_restart (DropifyTestNode *node,
                           const char      *group_secret)
{
  g_autofree char *name =
    g_strdup (dropify_identity_get_name (dropify_service_get_identity (node->service)));

  node_stop_service (node);
  node_start_service (node, name, group_secret);
}

void
dropify_test_node_stop (DropifyTestNode *node)
{
  node_stop_service (node);
  dropify_test_remove_dir (node->dir);
  g_free (node->dir);
  g_free (node);
}

void
dropify_test_node_connect (DropifyTestNode *from,
                           DropifyTestNode *to)
{
  g_autofree char *address =
    g_strdup_printf ("127.0.0.1:%u", dropify_sync_get_port (dropify_service_get_sync (to->service)));

  g_assert_true (dropify_service_connect_to (from->service, address, NULL));
}

char *
dropify_test_node_send_text (DropifyTestNode *node,
                             const char      *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DropifyDrop) drop = dropify_service_send_text (node->service, text, 0, &error);

  g_assert_no_error (error);
  return g_strdup (dropify_drop_get_id (drop));
}

typedef struct
{
  DropifyTestNode *node;
  const char      *id;
} HasDrop;

static gboolean
has_drop_cb (gpointer data)
{
  HasDrop *has = data;

  return dropify_history_lookup (dropify_service_get_history (has->node->service), has->id) != NULL;
}

/* Whether @id is in @node's history within @timeout_ms. */
gboolean
dropify_test_node_has_drop (DropifyTestNode *node,
                            const char      *id,
                            guint            timeout_ms)
{
  HasDrop has = { node, id };

  return dropify_test_wait_for (has_drop_cb, &has, timeout_ms);
}

GBytes *
dropify_test_websocket_frame (gboolean      fin,
                              guint8        opcode,
                              gboolean      masked,
                              const guint8 *payload,
                              gsize         length)
{
  static const guint8 mask[4] = { 0x12, 0x34, 0x56, 0x78 };
  GByteArray *frame = g_byte_array_sized_new (length + 14);
  guint8 head[10];
  guint n = 0;
  gsize start;

  head[n++] = (fin ? 0x80 : 0) | opcode;
  if (length < 126)
    head[n++] = (masked ? 0x80 : 0) | (guint8) length;
  else if (length < 65536)
    {
      head[n++] = (masked ? 0x80 : 0) | 126;
      head[n++] = (guint8) (length >> 8);
      head[n++] = (guint8) (length & 0xff);
    }
  else
    {
      head[n++] = (masked ? 0x80 : 0) | 127;
      for (guint i = 0; i < 8; i++)
        head[n++] = (guint8) ((guint64) length >> (56 - 8 * i));
    }
  g_byte_array_append (frame, head, n);
  if (masked)
    g_byte_array_append (frame, mask, 4);

  start = frame->len;
  g_byte_array_set_size (frame, start + length);
  for (gsize i = 0; i < length; i++)
    frame->data[start + i] = (payload != NULL ? payload[i] : 'a') ^ (masked ? mask[i % 4] : 0);

  return g_byte_array_free_to_bytes (frame);
}

void
dropify_test_assert_inert (const char *what,
                           const char *text)
{
  g_test_message ("%s: %s", what, text);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_null (strchr (text, '\x1b'));
  g_assert_null (strchr (text, '\r'));
  g_assert_null (strchr (text, '\x07'));
  g_assert_null (strstr (text, "\u202E"));
}

/* What the instance on @data_dir says of itself (GET /v1/status). */
static JsonNode *
status_of (const char *data_dir)
{
  g_autoptr(GError) error = NULL;
  JsonNode *status = dropify_control_request (data_dir, "GET", "/v1/status", NULL, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (status));
  return status;
}

/* Returns: "127.0.0.1:PORT", where the instance on @data_dir listens */
char *
dropify_test_address_of (const char *data_dir)
{
  g_autoptr(JsonNode) status = status_of (data_dir);

  return g_strdup_printf ("127.0.0.1:%" G_GINT64_FORMAT,
                          json_object_get_int_member (json_node_get_object (status), "port"));
}

/* Returns: the device id of the instance on @data_dir */
char *
dropify_test_device_id_of (const char *data_dir)
{
  g_autoptr(JsonNode) status = status_of (data_dir);

  return g_strdup (json_object_get_string_member (json_node_get_object (status), "device_id"));
}

DropifyTestPeer *
dropify_test_peer_new (const char *name,
                       const char *group_secret)
{
  DropifyTestPeer *peer = g_new0 (DropifyTestPeer, 1);
  g_autofree char *tag = NULL;

  peer->name = g_strdup (name);
  peer->group_secret = g_strdup (group_secret);
  /* Names may hold anything a user's can; the dir's, only this. */
  tag = g_strcanon (g_ascii_strdown (name, -1), "abcdefghijklmnopqrstuvwxyz0123456789", '-');
  peer->dir = dropify_test_make_dir (tag);

  return peer;
}

/**
 * dropify_test_peer_start:
 * @peer: a stopped peer
 * @extra_args: (nullable): more options, such as `--max-send-rate`
 * @...: the peers it dials (`--connect`), started, then %NULL
 *
 * Starts @peer with its name and group secret, and learns its id and
 * address.
 */
void
dropify_test_peer_start (DropifyTestPeer    *peer,
                         const char * const *extra_args,
                         ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  DropifyTestPeer *other;
  va_list ap;

  g_assert_null (peer->instance);

  g_ptr_array_add (args, (gpointer) "--name");
  g_ptr_array_add (args, peer->name);
  g_ptr_array_add (args, (gpointer) "--group-secret");
  g_ptr_array_add (args, peer->group_secret);
  va_start (ap, extra_args);
  while ((other = va_arg (ap, DropifyTestPeer *)) != NULL)
    {
      g_assert_nonnull (other->address);
      g_ptr_array_add (args, (gpointer) "--connect");
      g_ptr_array_add (args, other->address);
    }
  va_end (ap);
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) extra_args[i]);
  g_ptr_array_add (args, NULL);

  peer->instance = dropify_test_instance_start (peer->dir, (const char * const *) args->pdata);

  g_clear_pointer (&peer->id, g_free);
  g_clear_pointer (&peer->address, g_free);
  peer->id = dropify_test_device_id_of (peer->dir);
  peer->address = dropify_test_address_of (peer->dir);
}

/* Sends @signum, waits for the exit and returns its status (128 + the
 * signal if it was killed), as dropify_test_instance_stop() does. The
 * peer keeps its data dir, id and address, and can start again. */
int
dropify_test_peer_stop (DropifyTestPeer *peer,
                        int              signum)
{
  int status;

  g_assert_nonnull (peer->instance);

  status = dropify_test_instance_stop (peer->instance, signum);
  g_clear_pointer (&peer->instance, dropify_test_instance_free);

  return status;
}

/* Stops a running peer (SIGTERM, which it must exit cleanly from) and
 * removes its data dir. */
void
dropify_test_peer_free (DropifyTestPeer *peer)
{
  if (peer->instance != NULL)
    g_assert_cmpint (dropify_test_peer_stop (peer, SIGTERM), ==, 0);

  dropify_test_remove_dir (peer->dir);
  g_free (peer->name);
  g_free (peer->group_secret);
  g_free (peer->dir);
  g_free (peer->id);
  g_free (peer->address);
  g_free (peer);
}

/* The entries of @peer's peers list that are connected and trusted;
 * with @id, only the one for that device. */
static guint
count_trusted (DropifyTestPeer *peer,
               const char      *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) peers = dropify_control_request (peer->dir, "GET", "/v1/peers", NULL, &error);
  JsonArray *array;
  guint n = 0;

  g_assert_no_error (error);
  array = json_node_get_array (peers);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *entry = json_array_get_object_element (array, i);

      if (id != NULL && g_strcmp0 (json_object_get_string_member_with_default (entry, "id", NULL), id) != 0)
        continue;
      if (json_object_get_boolean_member (entry, "connected") &&
          json_object_get_boolean_member (entry, "trusted"))
        n++;
    }

  return n;
}

/* How many devices @peer is connected to and trusts. */
guint
dropify_test_peer_n_trusted (DropifyTestPeer *peer)
{
  return count_trusted (peer, NULL);
}

typedef struct
{
  DropifyTestPeer *peer;
  const char      *id;
  guint            n;
} TrustedWait;

static gboolean
trusted_reached (gpointer data)
{
  TrustedWait *wait = data;

  return count_trusted (wait->peer, wait->id) >= wait->n;
}

/* Until @peer is connected to at least @n devices that it trusts. */
void
dropify_test_peer_wait_trusted (DropifyTestPeer *peer,
                                guint            n,
                                guint            timeout_ms)
{
  TrustedWait wait = { peer, NULL, n };

  if (!dropify_test_wait_for (trusted_reached, &wait, timeout_ms))
    g_error ("%s trusts %u connected devices, not %u, after %u ms (log: %s)",
             peer->name, dropify_test_peer_n_trusted (peer), n, timeout_ms,
             peer->instance != NULL ? peer->instance->log_path : "none");
}

static void
wait_trusts (DropifyTestPeer *peer,
             DropifyTestPeer *other)
{
  TrustedWait wait = { peer, other->id, 1 };

  if (!dropify_test_wait_for (trusted_reached, &wait, 10000))
    g_error ("%s is not connected to %s and trusting it after 10 s (log: %s)",
             peer->name, other->name, peer->instance->log_path);
}

/* Starts B again, with @extra_b, dialing A, and waits until both trust
 * each other. */
void
dropify_test_pair_start_b (DropifyTestPair    *pair,
                           const char * const *extra_b)
{
  dropify_test_peer_start (pair->b, extra_b, pair->a, NULL);
  wait_trusts (pair->a, pair->b);
  wait_trusts (pair->b, pair->a);
}

/**
 * dropify_test_pair_start:
 * @extra_b: (nullable): more options for B
 *
 * Starts A, named @name_a, then B, named @name_b, which dials A; both
 * know @group_secret, so they trust each other at once. Returns once
 * each lists the other as connected and trusted.
 */
DropifyTestPair *
dropify_test_pair_start (const char         *name_a,
                         const char         *name_b,
                         const char         *group_secret,
                         const char * const *extra_b)
{
  DropifyTestPair *pair = g_new0 (DropifyTestPair, 1);

  pair->a = dropify_test_peer_new (name_a, group_secret);
  pair->b = dropify_test_peer_new (name_b, group_secret);
  dropify_test_peer_start (pair->a, NULL, NULL);
  dropify_test_pair_start_b (pair, extra_b);

  return pair;
}

/* Stops B, then A (each must exit cleanly), and removes their data. */
void
dropify_test_pair_free (DropifyTestPair *pair)
{
  g_clear_pointer (&pair->b, dropify_test_peer_free);
  g_clear_pointer (&pair->a, dropify_test_peer_free);
  g_free (pair);
}
