#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "dropify-control.h"
#include "dropify-test-support.h"

/* Hostile load on a real `dropify --headless` (issue 12, DESIGN.md's
 * "Hostile load" row). The victim runs under a 1,024-descriptor limit;
 * a paired friend, the phone page's API and the control socket are
 * probed from 127.0.0.1 at a steady pace, first at rest, then under a
 * flood of stalled connections from 127.0.0.2-9, then under strangers
 * that never finish a fragmented message, from 127.0.1.x.
 *
 * Prints "NAME value unit" lines. Missed targets print "# target
 * missed"; the exit status is non-zero only when the run itself went
 * wrong (an instance would not start or died, a probe never resolved). */

#define SECRET "bench-hostile"     /* not a real secret */
#define VICTIM_FDS 1024
#define DEADLINE_US (5 * G_USEC_PER_SEC)
#define BASELINE_S 5
#define DRAIN_S 12                 /* for the last probes to resolve */

#define FLOOD_S 20
#define FLOOD_SOURCES 8            /* 127.0.0.2 … 127.0.0.9 */
#define FLOOD_TARGET 3000          /* held at once */
#define FLOOD_MAX_ATTEMPTS 60000
#define FLOOD_MAX_CONNECTING 256

#define FRAGMENT_S 15
#define FRAGMENT_ATTACKERS 32
#define FRAGMENT_PIECE (64 * 1024)
#define FRAGMENT_MAX_BYTES ((uint64_t) 4 << 30)
#define FRAGMENT_HARD_S 60         /* threads stop by themselves, whatever happens */

#define TARGET_RSS_MIB 300.0
#define TARGET_SERVED_PCT 90.0

static gboolean run_failed;
static gboolean flood_tls = TRUE;
static char *victim_dir;
static char *friend_dir;
static char *victim_log;
static GSubprocess *victim;
static GSubprocess *friend;
static int victim_pid;
static guint victim_port;
static char *bearer;

static void
fail (const char *format,
      ...) G_GNUC_PRINTF (1, 2);

static void
fail (const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_print ("# error: %s\n", message);
  run_failed = TRUE;
}

static void
target_missed (const char *what)
{
  g_print ("# target missed: %s\n", what);
}

static void
iterate_for (int64_t us)
{
  int64_t until = g_get_monotonic_time () + us;

  while (g_get_monotonic_time () < until)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
}

/* The victim's side, read from /proc */

static uint64_t
proc_status_kib (const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", victim_pid);
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents (path, &status, NULL, NULL) || !(line = strstr (status, field)))
    return 0;
  return g_ascii_strtoull (line + strlen (field), NULL, 10);
}

/* utime + stime, in clock ticks: fields 14 and 15, counted after the
 * command name, which may itself hold spaces and parentheses. */
static uint64_t
proc_cpu_ticks (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", victim_pid);
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  const char *rest;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || !(rest = strrchr (stat, ')')))
    return 0;
  /* After ")": state is field 3, so utime is index 11 here. */
  fields = g_strsplit (rest + 2, " ", 16);
  if (g_strv_length (fields) < 14)
    return 0;
  return g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10);
}

static guint
proc_fd_count (void)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", victim_pid);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static guint
log_lines (void)
{
  g_autofree char *text = NULL;
  gsize length = 0;
  guint n = 0;

  if (!g_file_get_contents (victim_log, &text, &length, NULL))
    return 0;
  for (gsize i = 0; i < length; i++)
    n += text[i] == '\n';
  return n;
}

static gboolean
victim_alive (void)
{
  return g_subprocess_get_identifier (victim) != NULL;
}

/* Instances and commands */

typedef struct
{
  gboolean limit_fds;
} ChildSetup;

/* Runs in the child between fork and exec: only async-signal-safe calls.
 * Every child goes with the benchmark, even when it is killed. */
static void
child_setup (gpointer user_data)
{
  ChildSetup *setup = user_data;

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (setup != NULL && setup->limit_fds)
    {
      struct rlimit limit = { VICTIM_FDS, VICTIM_FDS };

      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

/* @wrapper: a command line to run dropify under (gdb, valgrind), or NULL */
static GSubprocess *
spawn (const char * const *args,
       GSubprocessFlags    flags,
       const char         *log_path,
       ChildSetup         *setup,
       const char         *wrapper,
       GError            **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) prefix = NULL;

  if (wrapper != NULL && !g_shell_parse_argv (wrapper, NULL, &prefix, error))
    return NULL;
  for (guint i = 0; prefix != NULL && prefix[i] != NULL; i++)
    g_ptr_array_add (argv, prefix[i]);
  g_ptr_array_add (argv, (gpointer) g_getenv ("DROPIFY_BIN"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  if (log_path != NULL)
    g_subprocess_launcher_set_stderr_file_path (launcher, log_path);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, setup, NULL);
  return g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
}

/* Waits (bounded) for the control socket of @dir to answer /v1/status. */
static JsonNode *
wait_status (const char  *dir,
             GSubprocess *process)
{
  for (guint i = 0; i < 200; i++)
    {
      JsonNode *reply = dropify_control_request (dir, "GET", "/v1/status", NULL, NULL);

      if (reply != NULL)
        return reply;
      if (g_subprocess_get_identifier (process) == NULL)
        return NULL;
      g_usleep (50000);
    }
  return NULL;
}

static GSubprocess *
start_instance (const char  *dir,
                const char  *log_path,
                const char  *connect,
                gboolean     limit_fds,
                JsonNode   **status)
{
  static ChildSetup limited = { TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  GSubprocess *process;

  g_ptr_array_add (args, (gpointer) "--headless");
  g_ptr_array_add (args, (gpointer) "--data-dir");
  g_ptr_array_add (args, (gpointer) dir);
  g_ptr_array_add (args, (gpointer) "--port");
  g_ptr_array_add (args, (gpointer) "0");
  g_ptr_array_add (args, (gpointer) "--no-discovery");
  g_ptr_array_add (args, (gpointer) "--group-secret");
  g_ptr_array_add (args, (gpointer) SECRET);
  if (connect != NULL)
    {
      g_ptr_array_add (args, (gpointer) "--connect");
      g_ptr_array_add (args, (gpointer) connect);
    }
  g_ptr_array_add (args, NULL);

  process = spawn ((const char * const *) args->pdata, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, log_path,
                   limit_fds ? &limited : NULL,
                   limit_fds ? g_getenv ("DROPIFY_BENCH_VICTIM_WRAPPER") : NULL, &error);
  if (process == NULL)
    {
      fail ("could not start dropify: %s", error->message);
      return NULL;
    }

  *status = wait_status (dir, process);
  if (*status == NULL)
    fail ("dropify --headless on %s did not answer within 10 s; see %s", dir, log_path);
  return process;
}

typedef void (*CommandDone) (int         status,
                             const char *out,
                             int64_t     started,
                             gpointer    user_data);

typedef struct
{
  GSubprocess *process;
  int64_t      started;
  guint        watchdog;
  CommandDone  done;
  gpointer     user_data;
} Command;

static gboolean
command_watchdog_cb (gpointer user_data)
{
  Command *command = user_data;

  command->watchdog = 0;
  g_subprocess_force_exit (command->process);
  return G_SOURCE_REMOVE;
}

static void
command_done_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Command *command = user_data;
  g_autofree char *out = NULL;
  int status = -1;

  if (g_subprocess_communicate_utf8_finish (command->process, result, &out, NULL, NULL) &&
      g_subprocess_get_if_exited (command->process))
    status = g_subprocess_get_exit_status (command->process);

  g_clear_handle_id (&command->watchdog, g_source_remove);
  command->done (status, out, command->started, command->user_data);
  g_object_unref (command->process);
  g_free (command);
}

/* Runs `dropify ARGS…` without waiting; killed if it takes over 10 s, so
 * @done is always called. */
static void
command_run (const char * const *args,
             CommandDone         done,
             gpointer            user_data)
{
  g_autoptr(GError) error = NULL;
  Command *command = g_new0 (Command, 1);

  command->started = g_get_monotonic_time ();
  command->done = done;
  command->user_data = user_data;
  command->process = spawn (args, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                            NULL, NULL, NULL, &error);
  if (command->process == NULL)
    {
      done (-1, NULL, command->started, user_data);
      g_free (command);
      return;
    }

  command->watchdog = g_timeout_add_seconds (10, command_watchdog_cb, command);
  g_subprocess_communicate_utf8_async (command->process, NULL, NULL, command_done_cb, command);
}

/* Probes: the phone, the paired friend, the control socket */

typedef struct
{
  guint asked;
  guint ok;
} Tally;

typedef struct
{
  int64_t  started;
  char    *id;
} SentDrop;

static void
sent_drop_free (SentDrop *sent)
{
  g_free (sent->id);
  g_free (sent);
}

static struct
{
  Tally      phone;
  Tally      peer;
  Tally      control;
  int64_t    last_sample;
  int64_t    lag_max_us;
  guint      phone_timed_out;
  guint      phone_errors;
  guint      phone_not_ok;
  char      *phone_error;   /* the first transport error */
  guint      in_flight;
  GPtrArray *sent;        /* SentDrop: sent by the friend, not yet seen */
  guint      serial;
  uint64_t   rss_max_kib;
  guint      fds_max;
} probes;

typedef struct
{
  int64_t       started;
  SoupSession  *session;
  GCancellable *cancellable;
  guint         timeout;
} PhoneAsk;

static gboolean
phone_timeout_cb (gpointer user_data)
{
  PhoneAsk *ask = user_data;

  ask->timeout = 0;
  g_cancellable_cancel (ask->cancellable);
  return G_SOURCE_REMOVE;
}

static void
phone_answer_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  PhoneAsk *ask = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);

  /* Why a phone went unserved says whose fault it was. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    probes.phone_timed_out++;
  else if (body == NULL)
    {
      if (probes.phone_error == NULL)
        probes.phone_error = g_strdup (error != NULL ? error->message : "no body");
      probes.phone_errors++;
    }
  else if (msg == NULL || soup_message_get_status (msg) != SOUP_STATUS_OK)
    probes.phone_not_ok++;
  else if (g_get_monotonic_time () - ask->started > DEADLINE_US)
    probes.phone_timed_out++;
  else
    probes.phone.ok++;

  probes.in_flight--;
  g_clear_handle_id (&ask->timeout, g_source_remove);
  g_object_unref (ask->cancellable);
  g_object_unref (ask->session);
  g_free (ask);
}

/* A fresh session each time: a new connection, as a page being opened. */
static gboolean
phone_tick_cb (gpointer user_data)
{
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u/api/info", victim_port);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  PhoneAsk *ask = g_new0 (PhoneAsk, 1);

  ask->started = g_get_monotonic_time ();
  /* Kept until the answer: a session going away may drop its messages. */
  ask->session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
  ask->cancellable = g_cancellable_new ();
  ask->timeout = g_timeout_add (DEADLINE_US / 1000 + 500, phone_timeout_cb, ask);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
  probes.phone.asked++;
  probes.in_flight++;
  soup_session_send_and_read_async (ask->session, msg, G_PRIORITY_DEFAULT, ask->cancellable,
                                    phone_answer_cb, ask);
  return G_SOURCE_CONTINUE;
}

static void
send_done_cb (int         status,
              const char *out,
              int64_t     started,
              gpointer    user_data)
{
  probes.in_flight--;
  if (status == 0 && out != NULL && *g_strstrip ((char *) out) != '\0')
    {
      SentDrop *sent = g_new0 (SentDrop, 1);

      sent->started = started;
      sent->id = g_strdup (out);
      g_ptr_array_add (probes.sent, sent);
    }
}

static gboolean
send_tick_cb (gpointer user_data)
{
  g_autofree char *text = g_strdup_printf ("hostile bench drop %u", ++probes.serial);
  const char *args[] = { "send", "--data-dir", friend_dir, text, NULL };

  probes.peer.asked++;
  probes.in_flight++;
  command_run (args, send_done_cb, NULL);
  return G_SOURCE_CONTINUE;
}

/* One listing is both a control probe and the check for the friend's
 * drops: a drop counts when a listing started within 5 s of its sending
 * shows it, and fails once a listing started later does not. */
static void
list_done_cb (int         status,
              const char *out,
              int64_t     started,
              gpointer    user_data)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  JsonNode *root;

  probes.in_flight--;
  if (status != 0 || out == NULL || !json_parser_load_from_data (parser, out, -1, NULL))
    return;
  if (g_get_monotonic_time () - started <= DEADLINE_US)
    probes.control.ok++;

  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_ARRAY (root))
    return;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (root)); i++)
    {
      JsonObject *drop = json_array_get_object_element (json_node_get_array (root), i);
      const char *id = json_object_get_string_member_with_default (drop, "id", NULL);

      if (id != NULL)
        g_hash_table_add (ids, (gpointer) id);
    }

  for (guint i = probes.sent->len; i-- > 0; )
    {
      SentDrop *sent = g_ptr_array_index (probes.sent, i);

      if (g_hash_table_contains (ids, sent->id) && started <= sent->started + DEADLINE_US)
        {
          probes.peer.ok++;
          g_ptr_array_remove_index (probes.sent, i);
        }
      else if (started > sent->started + DEADLINE_US)
        g_ptr_array_remove_index (probes.sent, i);
    }
}

static gboolean
list_tick_cb (gpointer user_data)
{
  const char *args[] = { "list", "--data-dir", victim_dir, "--json", NULL };

  probes.control.asked++;
  probes.in_flight++;
  command_run (args, list_done_cb, NULL);
  return G_SOURCE_CONTINUE;
}

/* Also how late this process's own main loop runs: a late loop, not the
 * victim, could be what a probe waited for. */
static gboolean
sample_tick_cb (gpointer user_data)
{
  int64_t now = g_get_monotonic_time ();

  if (probes.last_sample != 0)
    probes.lag_max_us = MAX (probes.lag_max_us, now - probes.last_sample - 250000);
  probes.last_sample = now;
  probes.rss_max_kib = MAX (probes.rss_max_kib, proc_status_kib ("VmRSS:"));
  probes.fds_max = MAX (probes.fds_max, proc_fd_count ());
  return G_SOURCE_CONTINUE;
}

/* The connection flood */

typedef enum
{
  FLOOD_IDLE,          /* connects and says nothing */
  FLOOD_HALF_REQUEST,  /* the start of a request line, never the end */
  FLOOD_TLS,           /* a TLS handshake, then nothing */
  N_FLOOD_KINDS
} FloodKind;

typedef struct
{
  FloodKind     kind;
  GIOStream    *stream;
  guint8        buffer[256];
} FloodConnection;

static struct
{
  GSocketClient *clients[FLOOD_SOURCES];
  GHashTable    *held;             /* FloodConnection set */
  GCancellable  *cancellable;
  gboolean       stopping;
  guint          attempted;
  guint          connecting;
  guint          refused;
  guint          closed_by_victim;
  guint          max_held;
  guint          tick;
} flood;

static void
flood_connection_free (FloodConnection *connection)
{
  g_io_stream_close (connection->stream, NULL, NULL);
  g_object_unref (connection->stream);
  g_free (connection);
}

static void flood_watch (FloodConnection *connection);

static void
flood_watch_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  FloodConnection *connection = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, NULL);

  /* A 408 or other answer is not a close: wait for the end. */
  if (n > 0 && !flood.stopping)
    {
      flood_watch (connection);
      return;
    }

  if (!flood.stopping)
    flood.closed_by_victim++;
  g_hash_table_remove (flood.held, connection);
}

static void
flood_watch (FloodConnection *connection)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (connection->stream),
                             connection->buffer, sizeof connection->buffer, G_PRIORITY_LOW,
                             flood.cancellable, flood_watch_cb, connection);
}

static gboolean
accept_any_certificate (GTlsConnection       *tls,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  return TRUE;
}

/* Without the system CA store: built per connection otherwise, it takes
 * milliseconds of this process's main loop each time, and the victim's
 * certificate is accepted whatever it is anyway. */
static GIOStream *
tls_client_new (GIOStream *base)
{
  GType type = g_tls_backend_get_client_connection_type (g_tls_backend_get_default ());
  GIOStream *tls = g_initable_new (type, NULL, NULL, "base-io-stream", base, "database", NULL, NULL);

  if (tls != NULL)
    g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
  return tls;
}

static void
flood_handshake_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  FloodConnection *connection = user_data;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, NULL))
    {
      if (!flood.stopping)
        flood.closed_by_victim++;
      g_hash_table_remove (flood.held, connection);
      return;
    }
  flood_watch (connection);
}

static void
flood_connected_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GSocketConnection) socket = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, NULL);
  FloodConnection *connection;

  flood.connecting--;
  if (socket == NULL)
    {
      flood.refused++;
      return;
    }
  if (flood.stopping)
    return;

  connection = g_new0 (FloodConnection, 1);
  connection->kind = GPOINTER_TO_UINT (user_data);
  g_hash_table_add (flood.held, connection);
  flood.max_held = MAX (flood.max_held, g_hash_table_size (flood.held));

  switch (connection->kind)
    {
    case FLOOD_TLS:
      connection->stream = tls_client_new (G_IO_STREAM (socket));
      if (connection->stream == NULL)
        {
          g_hash_table_steal (flood.held, connection);
          g_free (connection);
          return;
        }
      g_tls_connection_handshake_async (G_TLS_CONNECTION (connection->stream), G_PRIORITY_LOW,
                                        flood.cancellable, flood_handshake_cb, connection);
      return;

    case FLOOD_HALF_REQUEST:
      /* 29 bytes on a fresh socket never block. */
      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (socket)),
                                 "GET /api/info HTTP/1.1\r\nHost", 29, NULL, NULL, NULL);
      G_GNUC_FALLTHROUGH;

    case FLOOD_IDLE:
    default:
      connection->stream = G_IO_STREAM (g_object_ref (socket));
      flood_watch (connection);
      return;
    }
}

/* Tops the flood up to its target, a few connections a tick, opening
 * again what the victim closed. */
static gboolean
flood_tick_cb (gpointer user_data)
{
  for (guint i = 0; i < 32; i++)
    {
      guint source = flood.attempted % FLOOD_SOURCES;

      if (g_hash_table_size (flood.held) + flood.connecting >= FLOOD_TARGET ||
          flood.connecting >= FLOOD_MAX_CONNECTING || flood.attempted >= FLOOD_MAX_ATTEMPTS)
        break;

      flood.connecting++;
      g_socket_client_connect_to_host_async (flood.clients[source], "127.0.0.1", victim_port,
                                             flood.cancellable, flood_connected_cb,
                                             GUINT_TO_POINTER (flood.attempted % (flood_tls ? N_FLOOD_KINDS
                                                                                            : FLOOD_TLS)));
      flood.attempted++;
    }
  return G_SOURCE_CONTINUE;
}

static void
flood_start (void)
{
  flood.held = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) flood_connection_free, NULL);
  flood.cancellable = g_cancellable_new ();
  for (guint i = 0; i < FLOOD_SOURCES; i++)
    {
      g_autofree char *source = g_strdup_printf ("127.0.0.%u", i + 2);
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (source);
      g_autoptr(GSocketAddress) local = g_inet_socket_address_new (address, 0);

      flood.clients[i] = g_socket_client_new ();
      g_socket_client_set_enable_proxy (flood.clients[i], FALSE);
      g_socket_client_set_local_address (flood.clients[i], local);
      /* A full accept queue drops SYNs: do not wait for them for long. */
      g_socket_client_set_timeout (flood.clients[i], 5);
    }
  flood.tick = g_timeout_add (5, flood_tick_cb, NULL);
}

static gboolean
flood_settled (void)
{
  return flood.connecting == 0 && g_hash_table_size (flood.held) == 0;
}

static void
flood_stop (void)
{
  int64_t until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  flood.stopping = TRUE;
  g_clear_handle_id (&flood.tick, g_source_remove);
  g_cancellable_cancel (flood.cancellable);
  /* Every pending read, handshake and connect ends in its callback. */
  while (!flood_settled () && g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
  if (!flood_settled ())
    fail ("the flood's connections did not close within 10 s");

  for (guint i = 0; i < FLOOD_SOURCES; i++)
    g_clear_object (&flood.clients[i]);
  g_clear_object (&flood.cancellable);
}

/* The fragment attack: strangers in threads, with blocking writes, so the
 * main loop keeps the probes' pace whatever the victim does. */

typedef struct
{
  guint            index;
  char            *dir;
  DropifyIdentity *identity;
  GThread         *thread;
  uint64_t         written;
  guint            connections;
  guint            refused;
} Attacker;

static struct
{
  Attacker      attackers[FRAGMENT_ATTACKERS];
  GCancellable *cancellable;
  uint64_t      total;          /* atomic */
  int64_t       hard_until;
  GBytes       *piece_frame;    /* a masked continuation frame of 64 KiB */
  GBytes       *open_frame;     /* the text frame, no FIN, that starts it */
} attack;

/* One client frame, masked as RFC 6455 requires. */
static GBytes *
make_frame (gboolean      fin,
            guint8        opcode,
            const guint8 *payload,
            gsize         length)
{
  return dropify_test_websocket_frame (fin, opcode, TRUE, payload, length);
}

static gboolean
write_bytes (GIOStream  *stream,
             GBytes     *bytes)
{
  gsize length;
  const void *data = g_bytes_get_data (bytes, &length);

  return g_output_stream_write_all (g_io_stream_get_output_stream (stream), data, length, NULL,
                                    attack.cancellable, NULL);
}

/* TLS with the attacker's own certificate, the WebSocket upgrade to
 * /v1/peer by hand, and a hello: a stranger the victim lets talk. */
static GIOStream *
attacker_connect (Attacker *attacker)
{
  g_autofree char *source = g_strdup_printf ("127.0.1.%u", attacker->index + 1);
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (source);
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new (address, 0);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) socket = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autofree char *request = NULL;
  g_autofree char *hello = NULL;
  g_autoptr(GBytes) hello_frame = NULL;
  g_autoptr(GBytes) request_bytes = NULL;
  char answer[4096];
  gsize got = 0;

  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_local_address (client, local);
  /* Also the timeout of every blocking read and write. */
  g_socket_client_set_timeout (client, 5);
  socket = g_socket_client_connect_to_host (client, "127.0.0.1", victim_port, attack.cancellable, NULL);
  if (socket == NULL)
    return NULL;

  tls = tls_client_new (G_IO_STREAM (socket));
  if (tls == NULL)
    return NULL;
  g_tls_connection_set_certificate (G_TLS_CONNECTION (tls), dropify_identity_get_certificate (attacker->identity));
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), attack.cancellable, NULL))
    return NULL;

  request = g_strdup_printf ("GET /v1/peer HTTP/1.1\r\n"
                             "Host: 127.0.0.1:%u\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\n"
                             "\r\n", victim_port);
  request_bytes = g_bytes_new_static (request, strlen (request));
  if (!write_bytes (tls, request_bytes))
    return NULL;

  /* The 101 and its headers; what follows (the victim's hello) is never
   * read. */
  while (got < sizeof answer - 1)
    {
      gssize n = g_input_stream_read (g_io_stream_get_input_stream (tls), answer + got,
                                      sizeof answer - 1 - got, attack.cancellable, NULL);

      if (n <= 0)
        return NULL;
      got += n;
      answer[got] = '\0';
      if (strstr (answer, "\r\n\r\n") != NULL)
        break;
    }
  if (!g_str_has_prefix (answer, "HTTP/1.1 101"))
    return NULL;

  hello = dropify_protocol_encode_hello (dropify_identity_get_device_id (attacker->identity), "Mallory",
                                         g_get_real_time () / 1000, 0);
  hello_frame = make_frame (TRUE, 0x1, (const guint8 *) hello, strlen (hello));
  if (!write_bytes (tls, hello_frame))
    return NULL;

  return g_steal_pointer (&tls);
}

static gboolean
attack_over (void)
{
  return g_cancellable_is_cancelled (attack.cancellable) ||
         __atomic_load_n (&attack.total, __ATOMIC_RELAXED) >= FRAGMENT_MAX_BYTES ||
         g_get_monotonic_time () >= attack.hard_until;
}

static gpointer
attacker_thread (gpointer data)
{
  Attacker *attacker = data;

  while (!attack_over ())
    {
      g_autoptr(GIOStream) stream = attacker_connect (attacker);

      if (stream == NULL)
        {
          attacker->refused++;
          g_usleep (20000);
          continue;
        }

      attacker->connections++;
      if (!write_bytes (stream, attack.open_frame))
        continue;
      while (!attack_over () && write_bytes (stream, attack.piece_frame))
        {
          attacker->written += FRAGMENT_PIECE;
          __atomic_add_fetch (&attack.total, FRAGMENT_PIECE, __ATOMIC_RELAXED);
        }
      g_io_stream_close (stream, NULL, NULL);
    }

  return NULL;
}

static gboolean
attack_prepare (void)
{
  g_autofree guint8 *piece = g_malloc (FRAGMENT_PIECE);

  memset (piece, 'a', FRAGMENT_PIECE);
  attack.piece_frame = make_frame (FALSE, 0x0, piece, FRAGMENT_PIECE);
  attack.open_frame = make_frame (FALSE, 0x1, (const guint8 *) "[\"", 2);
  attack.cancellable = g_cancellable_new ();

  /* Made before the clock starts: a key pair each. */
  for (guint i = 0; i < FRAGMENT_ATTACKERS; i++)
    {
      Attacker *attacker = &attack.attackers[i];
      g_autofree char *name = g_strdup_printf ("atk%u", i);
      g_autoptr(GError) error = NULL;

      attacker->index = i;
      attacker->dir = dropify_test_make_dir (name);
      attacker->identity = dropify_identity_new (attacker->dir, &error);
      if (attacker->identity == NULL)
        {
          fail ("could not make an attacker's identity: %s", error->message);
          return FALSE;
        }
    }
  return TRUE;
}

static void
attack_start (void)
{
  attack.hard_until = g_get_monotonic_time () + FRAGMENT_HARD_S * G_USEC_PER_SEC;
  for (guint i = 0; i < FRAGMENT_ATTACKERS; i++)
    attack.attackers[i].thread = g_thread_new ("attacker", attacker_thread, &attack.attackers[i]);
}

static void
attack_stop (void)
{
  g_cancellable_cancel (attack.cancellable);
  for (guint i = 0; i < FRAGMENT_ATTACKERS; i++)
    g_clear_pointer (&attack.attackers[i].thread, g_thread_join);
}

static void
attack_free (void)
{
  for (guint i = 0; i < FRAGMENT_ATTACKERS; i++)
    {
      g_clear_object (&attack.attackers[i].identity);
      dropify_test_remove_dir (attack.attackers[i].dir);
      g_clear_pointer (&attack.attackers[i].dir, g_free);
    }
  g_clear_object (&attack.cancellable);
  g_clear_pointer (&attack.piece_frame, g_bytes_unref);
  g_clear_pointer (&attack.open_frame, g_bytes_unref);
}

/* Phases */

typedef struct
{
  const char *name;
  Tally       phone;
  Tally       peer;
  Tally       control;
  double      cpu_pct;
  guint       log_lines_added;
  uint64_t    rss_max_kib;
  uint64_t    hwm_kib;
  guint       fds_max;
  gboolean    alive;
} Phase;

static gboolean
probes_resolved (void)
{
  return probes.in_flight == 0 && probes.sent->len == 0;
}

/* Probes at their pace for @seconds while @start's attack runs, then
 * until every probe has its answer (the attack still on), then @stop. */
static void
run_phase (Phase  *phase,
           guint   seconds,
           void  (*start) (void),
           void  (*stop) (void))
{
  uint64_t ticks_before = proc_cpu_ticks ();
  guint lines_before = log_lines ();
  int64_t began = g_get_monotonic_time ();
  int64_t until;
  guint phone_tick, send_tick, list_tick, sample_tick;

  memset (&probes.phone, 0, sizeof probes.phone);
  memset (&probes.peer, 0, sizeof probes.peer);
  memset (&probes.control, 0, sizeof probes.control);
  probes.rss_max_kib = 0;
  probes.fds_max = 0;
  probes.last_sample = probes.lag_max_us = 0;
  probes.phone_timed_out = probes.phone_errors = probes.phone_not_ok = 0;
  g_clear_pointer (&probes.phone_error, g_free);

  if (start != NULL)
    start ();
  phone_tick = g_timeout_add (100, phone_tick_cb, NULL);
  send_tick = g_timeout_add (250, send_tick_cb, NULL);
  list_tick = g_timeout_add (500, list_tick_cb, NULL);
  sample_tick = g_timeout_add (250, sample_tick_cb, NULL);

  iterate_for ((int64_t) seconds * G_USEC_PER_SEC);
  g_source_remove (phone_tick);
  g_source_remove (send_tick);

  until = g_get_monotonic_time () + DRAIN_S * G_USEC_PER_SEC;
  while (!probes_resolved () && g_get_monotonic_time () < until)
    iterate_for (20000);
  if (!probes_resolved ())
    fail ("%s: %u probes and %u drops still unresolved after %d s", phase->name, probes.in_flight,
          probes.sent->len, DRAIN_S);
  /* Whatever is left failed. */
  g_ptr_array_set_size (probes.sent, 0);

  if (stop != NULL)
    stop ();
  g_source_remove (list_tick);
  g_source_remove (sample_tick);
  /* The listing in flight when the timer stopped still counts. */
  until = g_get_monotonic_time () + DRAIN_S * G_USEC_PER_SEC;
  while (probes.in_flight > 0 && g_get_monotonic_time () < until)
    iterate_for (20000);

  phase->phone = probes.phone;
  phase->peer = probes.peer;
  phase->control = probes.control;
  phase->alive = victim_alive ();
  phase->cpu_pct = !phase->alive ? 0.0 : 100.0 * (proc_cpu_ticks () - ticks_before) / sysconf (_SC_CLK_TCK) /
                   ((g_get_monotonic_time () - began) / (double) G_USEC_PER_SEC);
  phase->log_lines_added = log_lines () - lines_before;
  phase->rss_max_kib = probes.rss_max_kib;
  phase->hwm_kib = proc_status_kib ("VmHWM:");
  phase->fds_max = probes.fds_max;
  if (!phase->alive)
    fail ("the victim died during %s; see %s", phase->name, victim_log);
}

static double
pct (Tally tally)
{
  return tally.asked > 0 ? 100.0 * tally.ok / tally.asked : 0.0;
}

static void
print_phase (const Phase *phase)
{
  struct { const char *what; Tally tally; double target; } served[] = {
    { "phone", phase->phone, TARGET_SERVED_PCT },
    { "peer", phase->peer, TARGET_SERVED_PCT },
    { "control", phase->control, 100.0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (served); i++)
    {
      g_print ("hostile_%s_%s_ok %u of %u\n", phase->name, served[i].what, served[i].tally.ok,
               served[i].tally.asked);
      g_print ("hostile_%s_%s_served %.1f %%\n", phase->name, served[i].what, pct (served[i].tally));
      if (served[i].tally.asked == 0)
        fail ("%s: no %s probe was made", phase->name, served[i].what);
      else if (pct (served[i].tally) < served[i].target)
        {
          g_autofree char *what = g_strdup_printf ("%s: %s served %.1f %% < %.0f %%", phase->name,
                                                   served[i].what, pct (served[i].tally), served[i].target);
          target_missed (what);
        }
    }
  if (phase->phone.ok < phase->phone.asked)
    g_print ("# %s: the phone's failures: %u timed out, %u transport errors (the first: %s), %u not 200\n",
             phase->name, probes.phone_timed_out, probes.phone_errors,
             probes.phone_error != NULL ? probes.phone_error : "none", probes.phone_not_ok);
  g_print ("hostile_%s_bench_loop_lag_max %.1f ms\n", phase->name, probes.lag_max_us / 1000.0);
  g_print ("hostile_%s_victim_cpu %.1f %%\n", phase->name, phase->cpu_pct);
  g_print ("hostile_%s_log_lines_added %u lines\n", phase->name, phase->log_lines_added);
  g_print ("hostile_%s_victim_rss_max %.1f MiB\n", phase->name, phase->rss_max_kib / 1024.0);
  g_print ("hostile_%s_victim_peak_rss %.1f MiB\n", phase->name, phase->hwm_kib / 1024.0);
  g_print ("hostile_%s_victim_fds_max %u fds\n", phase->name, phase->fds_max);
  g_print ("hostile_%s_victim_alive %d bool\n", phase->name, phase->alive);
}

/* Setup */

static void
raise_own_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < FLOOD_TARGET + 512)
    g_print ("# note: this process may only open %lu files, fewer than the flood wants\n",
             (unsigned long) limit.rlim_cur);
}

static gboolean
friend_paired (void)
{
  g_autoptr(JsonNode) peers = dropify_control_request (friend_dir, "GET", "/v1/peers", NULL, NULL);
  JsonArray *array;

  if (peers == NULL || !JSON_NODE_HOLDS_ARRAY (peers))
    return FALSE;
  array = json_node_get_array (peers);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *peer = json_array_get_object_element (array, i);

      if (json_object_get_boolean_member_with_default (peer, "connected", FALSE) &&
          json_object_get_boolean_member_with_default (peer, "trusted", FALSE))
        return TRUE;
    }
  return FALSE;
}

static char *
phone_token (void)
{
  g_autoptr(DropifyTestRun) run = dropify_test_run ("url", "--data-dir", victim_dir, NULL);
  const char *hash;

  if (run->status != 0 || !(hash = strchr (run->out, '#')))
    return NULL;
  return g_strstrip (g_strdup (hash + 1));
}

/* After the attacks: one drop from the friend, seen by the victim. */
static gboolean
friend_still_syncs (void)
{
  g_autoptr(DropifyTestRun) run = dropify_test_run ("send", "--data-dir", friend_dir,
                                                    "hostile bench: after the attacks", NULL);
  g_autofree char *id = NULL;

  if (run->status != 0)
    return FALSE;
  id = g_strstrip (g_strdup (run->out));
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(JsonNode) drops = dropify_control_request (victim_dir, "GET", "/v1/drops", NULL, NULL);
      g_autofree char *text = drops != NULL ? json_to_string (drops, FALSE) : NULL;

      if (text != NULL && strstr (text, id) != NULL)
        return TRUE;
      g_usleep (100000);
    }
  return FALSE;
}

static void
flood_print (void)
{
  g_print ("hostile_flood_connections_attempted %u connections\n", flood.attempted);
  g_print ("hostile_flood_connections_failed %u connections\n", flood.refused);
  g_print ("hostile_flood_max_held %u connections\n", flood.max_held);
  g_print ("hostile_flood_closed_by_victim %u connections\n", flood.closed_by_victim);
}

static void
attack_print (void)
{
  guint connections = 0, refused = 0;

  for (guint i = 0; i < FRAGMENT_ATTACKERS; i++)
    {
      connections += attack.attackers[i].connections;
      refused += attack.attackers[i].refused;
    }
  g_print ("hostile_fragment_attackers %u clients\n", FRAGMENT_ATTACKERS);
  g_print ("hostile_fragment_connections %u connections\n", connections);
  g_print ("hostile_fragment_connects_failed %u connections\n", refused);
  g_print ("hostile_fragment_written %.1f MiB\n", attack.total / (1024.0 * 1024.0));
}

int
main (int   argc,
      char *argv[])
{
  Phase baseline = { "baseline" };
  Phase flooded = { "flood" };
  Phase fragmented = { "fragment" };
  g_autoptr(JsonNode) status = NULL;
  g_autoptr(JsonNode) friend_status = NULL;
  g_autofree char *friend_log = NULL;
  g_autofree char *connect = NULL;
  g_autofree char *token = NULL;
  uint64_t rss_rest_kib;

  if (g_getenv ("DROPIFY_BIN") == NULL)
    {
      g_printerr ("bench-hostile: set DROPIFY_BIN to the dropify binary\n");
      return 2;
    }
  /* DROPIFY_BENCH_FLOOD_TLS=0 leaves the idle TLS handshakes out of the
   * flood, to measure the rest when they take the victim down. */
  flood_tls = g_strcmp0 (g_getenv ("DROPIFY_BENCH_FLOOD_TLS"), "0") != 0;
  /* Each instance keeps its settings to itself. */
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  raise_own_fd_limit ();
  probes.sent = g_ptr_array_new_with_free_func ((GDestroyNotify) sent_drop_free);

  victim_dir = dropify_test_make_dir ("hv");
  friend_dir = dropify_test_make_dir ("hf");
  victim_log = g_strconcat (victim_dir, ".log", NULL);
  friend_log = g_strconcat (friend_dir, ".log", NULL);

  victim = start_instance (victim_dir, victim_log, NULL, TRUE, &status);
  if (status == NULL)
    goto out;
  victim_pid = atoi (g_subprocess_get_identifier (victim));
  victim_port = json_object_get_int_member_with_default (json_node_get_object (status), "port", 0);
  if (victim_port == 0)
    {
      fail ("the victim's status has no port");
      goto out;
    }
  g_print ("# victim: dropify --headless, pid %d, port %u, RLIMIT_NOFILE soft=hard=%d set in the child "
           "(a budget of %d connections)\n", victim_pid, victim_port, VICTIM_FDS, (VICTIM_FDS - 128) / 2);

  connect = g_strdup_printf ("127.0.0.1:%u", victim_port);
  friend = start_instance (friend_dir, friend_log, connect, FALSE, &friend_status);
  if (friend_status == NULL)
    goto out;
  for (guint i = 0; i < 200 && !friend_paired (); i++)
    g_usleep (100000);
  if (!friend_paired ())
    {
      fail ("the friend did not pair with the victim within 20 s; see %s", friend_log);
      goto out;
    }
  if (!(token = phone_token ()))
    {
      fail ("no phone token from dropify url");
      goto out;
    }
  bearer = g_strconcat ("Bearer ", token, NULL);
  if (!attack_prepare ())
    goto out;

  g_print ("# probes from 127.0.0.1: the phone's GET /api/info every 100 ms on a fresh connection; "
           "the friend's dropify send every 250 ms; the victim's dropify list --json every 500 ms; "
           "each must succeed within 5 s\n");

  rss_rest_kib = proc_status_kib ("VmRSS:");
  g_print ("hostile_rest_victim_rss %.1f MiB\n", rss_rest_kib / 1024.0);
  run_phase (&baseline, BASELINE_S, NULL, NULL);
  print_phase (&baseline);
  if (!baseline.alive)
    goto out;

  g_print ("# flood: %u s from 127.0.0.2-%u, up to %u held (idle, half a request line%s)\n",
           FLOOD_S, FLOOD_SOURCES + 1, FLOOD_TARGET, flood_tls ? ", idle TLS" : "; no TLS");
  run_phase (&flooded, FLOOD_S, flood_start, flood_stop);
  flood_print ();
  print_phase (&flooded);
  if (!flooded.alive)
    goto out;

  g_print ("# fragment attack: %u s, %u strangers from 127.0.1.x over TLS, a hello, then a text frame "
           "without FIN and 64 KiB continuations, until cut, again; at most %u GiB\n",
           FRAGMENT_S, FRAGMENT_ATTACKERS, (guint) (FRAGMENT_MAX_BYTES >> 30));
  run_phase (&fragmented, FRAGMENT_S, attack_start, attack_stop);
  attack_print ();
  print_phase (&fragmented);
  if (fragmented.hwm_kib / 1024.0 > TARGET_RSS_MIB)
    target_missed ("peak RSS over 300 MiB after the fragment attack");
  if (!fragmented.alive)
    goto out;

  if (friend_still_syncs ())
    g_print ("hostile_after_friend_syncs 1 bool\n");
  else
    {
      g_print ("hostile_after_friend_syncs 0 bool\n");
      target_missed ("the friend's drop did not reach the victim within 10 s after the attacks");
    }

out:
  if (victim != NULL && g_subprocess_get_identifier (victim) != NULL)
    g_subprocess_force_exit (victim);
  if (friend != NULL && g_subprocess_get_identifier (friend) != NULL)
    g_subprocess_force_exit (friend);
  if (victim != NULL)
    g_subprocess_wait (victim, NULL, NULL);
  if (friend != NULL)
    g_subprocess_wait (friend, NULL, NULL);
  g_clear_object (&victim);
  g_clear_object (&friend);
  attack_free ();

  if (run_failed || g_getenv ("DROPIFY_BENCH_KEEP") != NULL)
    {
      g_print ("# logs kept: %s %s\n", victim_log, friend_log);
      return run_failed ? 1 : 0;
    }
  dropify_test_remove_dir (victim_dir);
  dropify_test_remove_dir (friend_dir);
  g_unlink (victim_log);
  g_unlink (friend_log);
  return 0;
}
