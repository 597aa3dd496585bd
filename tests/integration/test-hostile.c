#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <sys/socket.h>

#include "dropify-test-support.h"

/* The hostile-input table: a live instance, attacked through real TLS
 * WebSocket connections, case by case. After every case it must be
 * alive, still serve a normal peer, have an unchanged history, and no
 * file may exist outside the data dirs. */

#define SECRET "hostile-tests"  /* not a real secret */
#define WAIT_MS 10000
#define HANDSHAKE_DEADLINE_S 10   /* dropify-sync.c: no hello in time */

static DropifyTestNode *victim;
static DropifyTestNode *friend;
static GPtrArray *victim_ids;
static GHashTable *outside_before;

/* A raw client */

typedef struct
{
  SoupWebsocketConnection *ws;
  DropifyIdentity         *identity;
  char                    *dir;
  GPtrArray               *texts;    /* text messages received */
  GError                  *error;
  gboolean                 closed;
  guint64                  binary;   /* bytes of chunks received */
  DropifyPairing          *pairing;  /* when it proves the group secret */
  gboolean                 trusted;
  gboolean                 borrowed_dir;  /* another Raw's identity */
} Raw;

static gboolean
accept_any (SoupMessage *msg, GTlsCertificate *c, GTlsCertificateFlags e, gpointer d)
{
  return TRUE;
}

static void
raw_message_cb (SoupWebsocketConnection *ws,
                int                      type,
                GBytes                  *bytes,
                Raw                     *raw)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      raw->binary += len;
      return;
    }

  g_ptr_array_add (raw->texts, g_strndup (data, len));
  if (raw->pairing != NULL)
    {
      g_autoptr(DropifyMessage) message = dropify_message_parse (data, len, NULL);

      if (message != NULL && (message->type == DROPIFY_MESSAGE_AUTH_REPLY ||
                              message->type == DROPIFY_MESSAGE_AUTH_CONFIRM))
        dropify_pairing_handle_message (raw->pairing, message);
    }
}

static void
raw_closed_cb (SoupWebsocketConnection *ws,
               Raw                     *raw)
{
  raw->closed = TRUE;
}

static void
raw_connected_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Raw *raw = user_data;

  raw->ws = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, &raw->error);
}

static gboolean
raw_ready (gpointer data)
{
  Raw *raw = data;
  return raw->ws != NULL || raw->error != NULL;
}

static gboolean
raw_is_closed (gpointer data)
{
  return ((Raw *) data)->closed;
}

/* A stranger from @source (an address of this machine), with a
 * certificate of its own, to @port: the victim's, or a relay's in front
 * of it. */
static Raw *
raw_connect_full (const char *source,
                  guint       port,
                  const char *identity_dir)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (source);
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new (address, 0);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("proxy-resolver", NULL,
                                                                  "local-address", local, NULL);
  g_autofree char *uri = g_strdup_printf ("wss://127.0.0.1:%u/v1/peer", port);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  g_autoptr(GError) error = NULL;
  Raw *raw = g_new0 (Raw, 1);

  raw->texts = g_ptr_array_new_with_free_func (g_free);
  raw->borrowed_dir = identity_dir != NULL;
  raw->dir = identity_dir != NULL ? g_strdup (identity_dir) : dropify_test_make_dir ("raw");
  raw->identity = dropify_identity_new (raw->dir, &error);
  g_assert_no_error (error);

  soup_message_set_tls_client_certificate (msg, dropify_identity_get_certificate (raw->identity));
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any), NULL);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        raw_connected_cb, raw);
  g_assert_true (dropify_test_wait_for (raw_ready, raw, WAIT_MS));

  /* A sanitizer build runs the victim several times slower, in this very
   * thread: catching up with a flood, it can keep a handshake waiting past
   * its 10 s deadline. Once more, then, there only. */
  if (raw->error != NULL && g_getenv ("DROPIFY_TEST_SLOW") != NULL &&
      g_ascii_strtoull (g_getenv ("DROPIFY_TEST_SLOW"), NULL, 10) > 1)
    {
      g_autoptr(SoupMessage) again = soup_message_new ("GET", uri);

      g_test_message ("the handshake failed (%s); trying once more", raw->error->message);
      g_clear_error (&raw->error);
      soup_message_set_tls_client_certificate (again, dropify_identity_get_certificate (raw->identity));
      g_signal_connect (again, "accept-certificate", G_CALLBACK (accept_any), NULL);
      soup_session_websocket_connect_async (session, again, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                            raw_connected_cb, raw);
      g_assert_true (dropify_test_wait_for (raw_ready, raw, WAIT_MS));
    }
  g_assert_no_error (raw->error);

  /* Big enough for the huge-frame cases to reach the victim. */
  g_object_set (raw->ws, "max-incoming-payload-size", (guint64) 64 * 1024 * 1024, NULL);
  g_signal_connect (raw->ws, "message", G_CALLBACK (raw_message_cb), raw);
  g_signal_connect (raw->ws, "closed", G_CALLBACK (raw_closed_cb), raw);

  return raw;
}

static void
raw_free (Raw *raw)
{
  if (raw->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (raw->ws, raw);
      if (soup_websocket_connection_get_state (raw->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (raw->ws, 1000, NULL);
    }
  g_clear_object (&raw->ws);
  if (raw->pairing != NULL)
    g_signal_handlers_disconnect_by_data (raw->pairing, raw);
  g_clear_object (&raw->pairing);
  g_clear_object (&raw->identity);
  g_clear_error (&raw->error);
  g_ptr_array_unref (raw->texts);
  if (!raw->borrowed_dir)
    dropify_test_remove_dir (raw->dir);
  g_free (raw->dir);
  g_free (raw);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Raw, raw_free)

static Raw *
raw_connect_from (const char *source)
{
  return raw_connect_full (source, dropify_sync_get_port (dropify_service_get_sync (victim->service)), NULL);
}

/* @port: the victim's, or a relay's in front of it */
static Raw *
raw_connect_to (guint port)
{
  return raw_connect_full ("127.0.0.1", port, NULL);
}

static Raw *
raw_connect (void)
{
  return raw_connect_from ("127.0.0.1");
}

static void
raw_send (Raw        *raw,
          const char *text)
{
  soup_websocket_connection_send_text (raw->ws, text);
}

static void
raw_hello (Raw *raw)
{
  g_autofree char *hello =
    dropify_protocol_encode_hello (dropify_identity_get_device_id (raw->identity), "Mallory",
                                   g_get_real_time () / 1000, 0);
  raw_send (raw, hello);
}

static void
raw_pairing_send_cb (DropifyPairing *pairing,
                     const char     *text,
                     Raw            *raw)
{
  if (raw->ws != NULL && soup_websocket_connection_get_state (raw->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    raw_send (raw, text);
}

static void
raw_pairing_trusted_cb (DropifyPairing *pairing,
                        int             how,
                        Raw            *raw)
{
  raw->trusted = TRUE;
  dropify_pairing_set_trusted (pairing, TRUE);
}

static gboolean
raw_is_trusted (gpointer data)
{
  return ((Raw *) data)->trusted;
}

/* Proves @secret as a dialer would, with the real exchange: what a peer
 * that knows it does. */
static void
raw_prove_secret (Raw        *raw,
                  const char *secret)
{
  DropifyIdentity *mine = dropify_service_get_identity (victim->service);

  raw->pairing = dropify_pairing_new (dropify_identity_get_fingerprint (raw->identity),
                                      dropify_identity_get_fingerprint (mine), TRUE);
  g_signal_connect (raw->pairing, "send", G_CALLBACK (raw_pairing_send_cb), raw);
  g_signal_connect (raw->pairing, "trusted", G_CALLBACK (raw_pairing_trusted_cb), raw);
  dropify_pairing_set_group_secret (raw->pairing, secret);
  dropify_pairing_start (raw->pairing);
}

/* Hello, then the group secret: a hostile peer that knows the secret, the
 * worst case (a compromised paired device). */
static void
raw_become_trusted (Raw *raw)
{
  raw_hello (raw);
  raw_prove_secret (raw, SECRET);
  g_assert_true (dropify_test_wait_for (raw_is_trusted, raw, WAIT_MS));
}

static gushort
raw_wait_closed (Raw *raw)
{
  g_assert_true (dropify_test_wait_for (raw_is_closed, raw, WAIT_MS));
  g_test_message ("closed with %u: %s", soup_websocket_connection_get_close_code (raw->ws),
                  soup_websocket_connection_get_close_data (raw->ws));
  return soup_websocket_connection_get_close_code (raw->ws);
}

typedef struct
{
  Raw        *raw;
  const char *type;
} WaitText;

static gboolean
received_type (gpointer data)
{
  WaitText *wait = data;
  g_autofree char *needle = g_strdup_printf ("\"type\":\"%s\"", wait->type);

  for (guint i = 0; i < wait->raw->texts->len; i++)
    if (strstr (g_ptr_array_index (wait->raw->texts, i), needle))
      return TRUE;

  return FALSE;
}

/* Invariants */

static void
collect_paths (GHashTable *set,
               const char *dir,
               const char *skip_a,
               const char *skip_b)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      /* The data dirs, the raw clients' own dirs and GLib's per-test
       * dirs are not outside. */
      if (g_str_has_prefix (path, skip_a) || g_str_has_prefix (path, skip_b) ||
          g_str_has_prefix (name, "dropify-raw-") || g_str_has_prefix (name, "test_"))
        continue;
      g_hash_table_add (set, g_strdup (path));
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        collect_paths (set, path, skip_a, skip_b);
    }
}

static char root[] = "/tmp/dropify-hostile-XXXXXX";

/* Everything under this test's own root, but the data dirs. */
static GHashTable *
outside_paths (void)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  collect_paths (set, root, victim->dir, friend->dir);
  return set;
}

static void
assert_unharmed (const char *what)
{
  GListModel *history = G_LIST_MODEL (dropify_service_get_history (victim->service));
  g_autoptr(GHashTable) outside = outside_paths ();
  g_autofree char *probe = NULL;
  GHashTableIter iter;
  gpointer path;

  g_test_message ("after: %s", what);

  /* The history is unchanged. */
  g_assert_cmpuint (g_list_model_get_n_items (history), ==, victim_ids->len);
  for (guint i = 0; i < victim_ids->len; i++)
    g_assert_nonnull (dropify_history_lookup (dropify_service_get_history (victim->service),
                                              g_ptr_array_index (victim_ids, i)));

  /* No file appeared outside the data dirs. */
  g_hash_table_iter_init (&iter, outside);
  while (g_hash_table_iter_next (&iter, &path, NULL))
    if (!g_hash_table_contains (outside_before, path))
      g_error ("a file appeared outside the data dirs: %s", (char *) path);

  /* It still serves a normal peer, both ways. */
  probe = dropify_test_node_send_text (friend, what);
  g_assert_true (dropify_test_node_has_drop (victim, probe, WAIT_MS));
  g_ptr_array_add (victim_ids, g_steal_pointer (&probe));
}

/* Cases before trust */

static void
test_frames_before_trust (void)
{
  static const struct { const char *what; gboolean hello; const char *frame; gushort code; } cases[] = {
    { "malformed JSON", FALSE, "{\"type\":\"hel", 4000 },
    { "truncated hello", FALSE, "{\"type\":\"hello\",\"version\":1,\"device_id\":\"ab", 4000 },
    { "wrong types in hello", FALSE,
      "{\"type\":\"hello\",\"version\":\"1\",\"device_id\":\"x\",\"name\":\"m\",\"clock\":1,\"port\":0}", 4000 },
    { "missing fields", FALSE, "{\"type\":\"hello\"}", 4000 },
    { "unknown type", FALSE, "{\"type\":\"give-me-everything\"}", 4000 },
    { "wrong protocol version", FALSE,
      "{\"type\":\"hello\",\"version\":99,\"device_id\":\"x\",\"name\":\"m\",\"clock\":1,\"port\":0}", 4001 },
    { "an id its certificate does not stand for", FALSE,
      "{\"type\":\"hello\",\"version\":" G_STRINGIFY (DROPIFY_PROTOCOL_VERSION) ",\"device_id\":\"x\","
      "\"name\":\"m\",\"clock\":1,\"port\":0}", 4005 },
    { "sync message before hello", FALSE, "{\"type\":\"delete\",\"id\":\"x\",\"expires_at\":99999999999999}", 4000 },
    { "deep nesting", FALSE, NULL, 4000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Raw) raw = raw_connect ();

      g_test_message ("case: %s", cases[i].what);
      if (cases[i].frame != NULL)
        raw_send (raw, cases[i].frame);
      else
        {
          /* Below what a stranger may send in one message (64 KiB). */
          g_autofree char *deep = g_strnfill (60000, '[');
          raw_send (raw, deep);
        }
      g_assert_cmpuint (raw_wait_closed (raw), ==, cases[i].code);
      assert_unharmed (cases[i].what);
    }
}

static void
test_huge_frame (void)
{
  g_autoptr(Raw) raw = raw_connect ();
  gsize size = 18 * 1024 * 1024;
  g_autofree char *huge = g_malloc (size + 1);

  memset (huge, 'a', size);
  huge[size] = '\0';
  raw_send (raw, huge);

  /* 1009 (message too big) from the WebSocket layer, before parsing; or,
   * while the client is still sending, the connection just drops. */
  {
    gushort code = raw_wait_closed (raw);
    g_assert_true (code == 1009 || code == 0 || code == 1006);
  }
  assert_unharmed ("a huge single frame");
}

/* Writes one client frame (masked, as RFC 6455 requires) straight to the
 * stream, past libsoup's own checks: what a hostile peer can really send. */
static gboolean
raw_write_frame (Raw          *raw,
                 gboolean      fin,
                 guint8        opcode,
                 const guint8 *payload,
                 gsize         length)
{
  GOutputStream *out = g_io_stream_get_output_stream (soup_websocket_connection_get_io_stream (raw->ws));
  g_autoptr(GBytes) frame = dropify_test_websocket_frame (fin, opcode, TRUE, payload, length);

  /* Errors are fine: the victim may hang up in the middle. */
  return g_output_stream_write_all (out, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame),
                                    NULL, NULL, NULL) &&
         g_output_stream_flush (out, NULL, NULL);
}

static void
test_invalid_utf8 (void)
{
  g_autoptr(Raw) raw = raw_connect ();
  const guint8 bad[] = "{\"type\":\"\xff\xfe\"}";

  raw_write_frame (raw, TRUE, 0x1, bad, sizeof bad - 1);
  /* 1007 (invalid UTF-8) from the WebSocket layer, or a dropped line. */
  {
    gushort code = raw_wait_closed (raw);
    g_assert_true (code == 1007 || code == 0 || code == 1006);
  }
  assert_unharmed ("invalid UTF-8");
}

static uint64_t
resident_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("VmRSS:"), NULL, 10);
}

/* A text message that never ends: 64 KiB continuation frames, up to
 * 256 MiB, before and after a hello. libsoup 3.2 buffered all of it; the
 * frame guard cuts the stranger off once it passes 64 KiB. */
static void
test_huge_fragmented (void)
{
  g_autofree guint8 *piece = g_malloc (64 * 1024);

  memset (piece, 'a', 64 * 1024);

  for (int with_hello = 0; with_hello < 2; with_hello++)
    {
      g_autoptr(Raw) raw = raw_connect ();
      uint64_t before = resident_kib ();
      uint64_t written = 0;
      gboolean cut = FALSE;

      g_test_message ("%s a hello", with_hello ? "with" : "without");
      if (with_hello)
        {
          raw_hello (raw);
          for (guint j = 0; j < 20; j++)
            g_main_context_iteration (NULL, FALSE);
        }

      raw_write_frame (raw, FALSE, 0x1, (const guint8 *) "[\"", 2);
      for (guint i = 0; i < 4096 && !cut; i++)
        {
          cut = !raw_write_frame (raw, FALSE, 0x0, piece, 64 * 1024) || raw->closed;
          if (!cut)
            written += 64 * 1024;
          for (guint j = 0; j < 4; j++)
            g_main_context_iteration (NULL, FALSE);
        }

      g_test_message ("cut after %" G_GUINT64_FORMAT " KiB; resident grew by %" G_GINT64_FORMAT " KiB",
                      written / 1024, (int64_t) (resident_kib () - before));
      g_assert_true (cut);
      /* What sits in the kernel's socket buffers, and no more. */
      g_assert_cmpuint (written, <, 16 * 1024 * 1024);
      g_assert_cmpint ((int64_t) (resident_kib () - before), <, 64 * 1024);
      g_assert_true (dropify_test_wait_for (raw_is_closed, raw, WAIT_MS));
      assert_unharmed ("a huge fragmented message");
    }
}

/* Pings and empty fragments, as fast as a stranger can send them: frames
 * that never make a message, so only the guard's frame rate stops them. */
static void
test_frame_flood (void)
{
  g_autoptr(Raw) raw = raw_connect ();
  uint64_t sent = 0;
  gboolean cut = FALSE;

  raw_hello (raw);
  raw_write_frame (raw, FALSE, 0x1, (const guint8 *) "[", 1);
  for (guint i = 0; i < 200000 && !cut; i++)
    {
      cut = !raw_write_frame (raw, FALSE, 0x0, NULL, 0) || !raw_write_frame (raw, TRUE, 0x9, NULL, 0) ||
            raw->closed;
      sent += 2;
      if (i % 64 == 0)
        g_main_context_iteration (NULL, FALSE);
    }

  g_test_message ("cut after %" G_GUINT64_FORMAT " frames", sent);
  g_assert_true (cut);
  g_assert_true (dropify_test_wait_for (raw_is_closed, raw, WAIT_MS));
  assert_unharmed ("a flood of empty frames");
}

static void
test_stranger_learns_nothing (void)
{
  g_autoptr(Raw) raw = raw_connect ();
  g_autofree char *summary = dropify_protocol_encode_summary ("", NULL, 0);
  WaitText hello = { raw, "hello" };

  raw_hello (raw);
  raw_send (raw, summary);
  g_assert_true (dropify_test_wait_for (received_type, &hello, WAIT_MS));

  /* Two seconds later it has heard a hello and nothing else: no summary,
   * no ids, no drops, no counts. */
  g_assert_false (dropify_test_wait_for (raw_is_closed, raw, 2000));
  for (guint i = 0; i < raw->texts->len; i++)
    g_test_message ("a stranger received: %.200s", (char *) g_ptr_array_index (raw->texts, i));
  for (guint i = 0; i < raw->texts->len; i++)
    g_assert_nonnull (strstr (g_ptr_array_index (raw->texts, i), "\"type\":\"hello\""));
  g_assert_cmpuint (raw->texts->len, ==, 1);

  assert_unharmed ("a stranger asking for a summary");
}

/* Someone with the group secret, but not the friend's key, says it is the
 * friend. It is refused for an id its certificate does not stand for, and
 * the friend's entry is not marked as an impostor for it: the friend
 * comes back and syncs as before. */
static void
test_claims_a_paired_id (void)
{
  g_autoptr(Raw) raw = raw_connect ();
  const char *friend_id = dropify_identity_get_device_id (dropify_service_get_identity (friend->service));
  g_autofree char *hello = dropify_protocol_encode_hello (friend_id, "Friend", g_get_real_time () / 1000, 0);
  GListModel *peers = dropify_sync_get_peers (dropify_service_get_sync (victim->service));

  raw_send (raw, hello);
  raw_prove_secret (raw, SECRET);
  g_assert_cmpuint (raw_wait_closed (raw), ==, DROPIFY_CLOSE_WRONG_CERTIFICATE);

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);

      if (g_strcmp0 (dropify_peer_get_device_id (peer), friend_id) == 0)
        {
          g_assert_null (dropify_peer_get_error (peer));
          g_assert_true (dropify_peer_get_trusted (peer));
        }
    }
  for (guint i = 0; i < raw->texts->len; i++)
    g_assert_nonnull (strstr (g_ptr_array_index (raw->texts, i), "\"type\":\"hello\""));

  assert_unharmed ("a stranger that claims the friend's id");
}

/* Twenty strangers from one address fill the places of devices waiting
 * to pair; a new device from another address still gets one, and the
 * flood's oldest gives way. */
static void
test_strangers_fill_the_waiting_room (void)
{
  g_autoptr(GPtrArray) flood = g_ptr_array_new_with_free_func ((GDestroyNotify) raw_free);
  g_autoptr(Raw) newcomer = NULL;
  WaitText hello = { NULL, "hello" };
  guint closed = 0;

  for (guint i = 0; i < 20; i++)
    {
      Raw *raw = raw_connect_from ("127.0.0.5");

      g_ptr_array_add (flood, raw);
      raw_hello (raw);
      hello.raw = raw;
      g_assert_true (dropify_test_wait_for (received_type, &hello, WAIT_MS));
    }
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);

  newcomer = raw_connect_from ("127.0.0.6");
  raw_hello (newcomer);
  hello.raw = newcomer;
  g_assert_true (dropify_test_wait_for (received_type, &hello, WAIT_MS));
  /* It stays, waiting to pair. */
  g_assert_false (dropify_test_wait_for (raw_is_closed, newcomer, 2000));

  for (guint i = 0; i < flood->len; i++)
    if (((Raw *) g_ptr_array_index (flood, i))->closed)
      closed++;
  g_test_message ("%u of the flood's 20 were let go", closed);
  g_assert_cmpuint (closed, >=, 5);
  g_assert_true (((Raw *) g_ptr_array_index (flood, 0))->closed);
  g_assert_cmpuint (soup_websocket_connection_get_close_code (((Raw *) g_ptr_array_index (flood, 0))->ws), ==,
                    DROPIFY_CLOSE_FLOOD);

  assert_unharmed ("strangers filling the waiting room");
}

static void
test_flood_before_trust (void)
{
  g_autoptr(Raw) raw = raw_connect ();

  raw_hello (raw);
  for (guint i = 0; i < 500; i++)
    raw_send (raw, "{\"type\":\"pair-reject\",\"attempt\":\"0123456789abcdef0123456789abcdef\"}");

  g_assert_cmpuint (raw_wait_closed (raw), ==, 4008);
  assert_unharmed ("a flood of messages before pairing");
}

/* A stranger's name is shown where the user decides whether to pair:
 * nothing in it may erase the real device's line or reorder the text. */

#define EVIL_NAME "Real Laptop\x1b[2K\r\x1b[1AMallory \u202Egnp.exe\x07"
#define EVIL_NAME_CLEANED "Real Laptop[2K[1AMallory gnp.exe"

typedef struct
{
  const char  *device_id;
  DropifyPeer *peer;
} FindPeer;

static gboolean
peer_is_listed (gpointer data)
{
  FindPeer *find = data;
  GListModel *peers = dropify_sync_get_peers (dropify_service_get_sync (victim->service));

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);

      if (g_strcmp0 (dropify_peer_get_device_id (peer), find->device_id) == 0 &&
          dropify_peer_get_name (peer) != NULL)
        {
          g_set_object (&find->peer, peer);
          return TRUE;
        }
    }

  return FALSE;
}

static void
test_names_in_hello (void)
{
  g_autoptr(Raw) raw = raw_connect ();
  const char *device_id = dropify_identity_get_device_id (raw->identity);
  g_autofree char *hello = dropify_protocol_encode_hello (device_id, EVIL_NAME,
                                                          g_get_real_time () / 1000, 0);
  FindPeer find = { device_id, NULL };
  WaitText reply = { raw, "hello" };

  raw_send (raw, hello);
  g_assert_true (dropify_test_wait_for (received_type, &reply, WAIT_MS));
  g_assert_true (dropify_test_wait_for (peer_is_listed, &find, WAIT_MS));

  /* The core keeps the name cleaned: every view of it starts clean. */
  g_assert_cmpstr (dropify_peer_get_name (find.peer), ==, EVIL_NAME_CLEANED);

  /* And the commands a user reads it in print nothing that drives the
   * terminal, with the stranger still listed by its id. */
  {
    const char *args[] = { "pair", "--data-dir", victim->dir, NULL };
    g_autoptr(DropifyTestRun) run = dropify_test_runv_iterating (args);

    g_assert_cmpint (run->status, ==, 0);
    dropify_test_assert_inert ("dropify pair", run->out);
    g_assert_nonnull (strstr (run->out, device_id));
    g_assert_nonnull (strstr (run->out, EVIL_NAME_CLEANED));
  }
  {
    const char *args[] = { "peers", "--data-dir", victim->dir, NULL };
    g_autoptr(DropifyTestRun) run = dropify_test_runv_iterating (args);

    g_assert_cmpint (run->status, ==, 0);
    dropify_test_assert_inert ("dropify peers", run->out);
    g_assert_nonnull (strstr (run->out, EVIL_NAME_CLEANED));
  }
  {
    const char *args[] = { "pair", "--json", "--data-dir", victim->dir, NULL };
    g_autoptr(DropifyTestRun) run = dropify_test_runv_iterating (args);
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(GError) error = NULL;

    g_assert_cmpint (run->status, ==, 0);
    dropify_test_assert_inert ("dropify pair --json", run->out);
    json_parser_load_from_data (parser, run->out, -1, &error);
    g_assert_no_error (error);
  }

  g_clear_object (&find.peer);
  assert_unharmed ("a stranger whose name holds terminal escapes");
}

/* Cases from a peer that knows the group secret */

static char *
file_drop_frame (const char *id,
                 const char *name,
                 const char *sha256,
                 uint64_t    size)
{
  int64_t now = g_get_real_time () / 1000;

  return g_strdup_printf ("{\"type\":\"drop\",\"drop\":{\"id\":\"%s\",\"kind\":\"file\",\"origin\":\"mallory\","
                          "\"origin_name\":\"Mallory\",\"created_at\":%" G_GINT64_FORMAT ","
                          "\"expires_at\":%" G_GINT64_FORMAT ",\"name\":\"%s\",\"mime\":\"text/plain\","
                          "\"size\":%" G_GUINT64_FORMAT ",\"sha256\":\"%s\"}}",
                          id, now, now + 3600000, name, size, sha256);
}

static void
test_paths_in_names (void)
{
  static const char *names[] = { "../../evil", "/tmp/evil", "..", "a\\\\..\\\\b" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(Raw) raw = raw_connect ();
      g_autofree char *frame = file_drop_frame ("evil-name", names[i],
                                                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 4);

      g_test_message ("case: file name %s", names[i]);
      raw_become_trusted (raw);
      raw_send (raw, frame);
      g_assert_cmpuint (raw_wait_closed (raw), ==, 4000);
      assert_unharmed ("a path as a file name");
    }
}

/* Announces a file, waits for the victim to ask for it, and sends
 * @length bytes of @content instead. */
static void
lying_transfer (const char *id,
                const char *claimed_sha256,
                uint64_t    claimed_size,
                const char *content,
                gsize       length,
                Raw        *raw)
{
  g_autofree char *frame = file_drop_frame (id, "innocent.txt", claimed_sha256, claimed_size);
  g_autofree guint8 *chunk = g_malloc (DROPIFY_PROTOCOL_CHUNK_HEADER + length);
  WaitText get = { raw, "file-get" };
  g_autoptr(GBytes) bytes = NULL;

  raw_become_trusted (raw);
  raw_send (raw, frame);
  g_assert_true (dropify_test_wait_for (received_type, &get, WAIT_MS));

  dropify_protocol_write_chunk_header (chunk, claimed_sha256, 0);
  memcpy (chunk + DROPIFY_PROTOCOL_CHUNK_HEADER, content, length);
  bytes = g_bytes_new (chunk, DROPIFY_PROTOCOL_CHUNK_HEADER + length);
  soup_websocket_connection_send_message (raw->ws, SOUP_WEBSOCKET_DATA_BINARY, bytes);
}

static void
forget_drop (const char *id)
{
  /* The lying peer's drop itself is legitimate metadata; take it out so
   * the history compares equal, and check its content never landed. */
  DropifyDrop *drop = dropify_history_lookup (dropify_service_get_history (victim->service), id);

  g_assert_nonnull (drop);
  g_assert_false (dropify_drop_get_complete (drop));
  g_assert_false (dropify_blob_store_contains (
    dropify_history_get_blob_store (dropify_service_get_history (victim->service)),
    dropify_drop_get_sha256 (drop)));
  g_assert_true (dropify_service_delete (victim->service, id, NULL));
}

/* Runs the main loop (the victim's too) for about @ms. */
static void
run_for (guint ms)
{
  int64_t until = g_get_monotonic_time () + (int64_t) ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (5000);
    }
}

static guint
count_type (Raw        *raw,
            const char *type)
{
  g_autofree char *needle = g_strdup_printf ("\"type\":\"%s\"", type);
  guint n = 0;

  for (guint i = 0; i < raw->texts->len; i++)
    if (strstr (g_ptr_array_index (raw->texts, i), needle))
      n++;

  return n;
}

static void
test_hash_mismatch (void)
{
  g_autoptr(Raw) raw = raw_connect ();
  const char *claimed = "0000000000000000000000000000000000000000000000000000000000000001";
  g_autofree char *have = g_strdup_printf ("{\"type\":\"have\",\"sha256\":\"%s\"}", claimed);

  lying_transfer ("liar-hash", claimed, 11, "not the one", 11, raw);
  /* The content is discarded; the connection may stay. */
  g_assert_false (dropify_test_wait_for (raw_is_closed, raw, 1000));
  g_assert_cmpuint (count_type (raw, "file-get"), ==, 1);

  /* A peer whose copy did not match is not asked again on this
   * connection, whatever it announces. */
  for (guint i = 0; i < 5; i++)
    raw_send (raw, have);
  run_for (300);
  g_assert_cmpuint (count_type (raw, "file-get"), ==, 1);

  forget_drop ("liar-hash");
  assert_unharmed ("a file whose content does not match its SHA-256");
}

/* have (docs/protocol.md §11.1) costs at most one file-get each, only
 * for content the device lacks and is not fetching, and is never
 * answered with a have. */
static void
test_have_bounded (void)
{
  g_autoptr(Raw) raw = raw_connect ();
  const char *sha = "0000000000000000000000000000000000000000000000000000000000000003";
  const char *other = "0000000000000000000000000000000000000000000000000000000000000004";
  g_autofree char *frame = file_drop_frame ("have-drop", "later.txt", sha, 5);
  g_autofree char *missing = g_strdup_printf ("{\"type\":\"file-missing\",\"sha256\":\"%s\"}", sha);
  g_autofree char *have = g_strdup_printf ("{\"type\":\"have\",\"sha256\":\"%s\"}", sha);
  g_autofree char *have_other = g_strdup_printf ("{\"type\":\"have\",\"sha256\":\"%s\"}", other);
  WaitText get = { raw, "file-get" };

  raw_become_trusted (raw);
  raw_send (raw, frame);
  g_assert_true (dropify_test_wait_for (received_type, &get, WAIT_MS));

  /* Told file-missing: not asked again by itself. */
  raw_send (raw, missing);
  run_for (300);
  g_assert_cmpuint (count_type (raw, "file-get"), ==, 1);

  /* Content it does not know of: nothing. */
  raw_send (raw, have_other);
  run_for (300);
  g_assert_cmpuint (count_type (raw, "file-get"), ==, 1);

  /* Announced: asked once more, and a burst of the same announcement
   * while that request is open asks nothing more. */
  for (guint i = 0; i < 20; i++)
    raw_send (raw, have);
  run_for (300);
  g_assert_cmpuint (count_type (raw, "file-get"), ==, 2);
  g_assert_cmpuint (count_type (raw, "have"), ==, 0);
  g_assert_false (raw_is_closed (raw));

  forget_drop ("have-drop");
  assert_unharmed ("have announcements");
}

static DropifyTransfer *
victim_transfer (const char               *sha256,
                 DropifyTransferDirection  direction)
{
  GListModel *transfers = dropify_sync_get_transfers (dropify_service_get_sync (victim->service));

  for (guint i = 0; i < g_list_model_get_n_items (transfers); i++)
    {
      g_autoptr(DropifyTransfer) transfer = g_list_model_get_item (transfers, i);

      if (g_str_equal (dropify_transfer_get_sha256 (transfer), sha256) &&
          dropify_transfer_get_direction (transfer) == direction)
        return transfer;  /* the list keeps it */
    }

  return NULL;
}

/* transfer-cancel (docs/protocol.md §11.7): malformed, it closes that
 * one connection; for content never offered, or sent again and again, it
 * costs nothing; for content the victim fetches from that peer, it ends
 * that transfer, which a later have does not restart. */
static void
test_transfer_cancel (void)
{
  static const char * const malformed[] = {
    "{\"type\":\"transfer-cancel\"}",
    "{\"type\":\"transfer-cancel\",\"sha256\":\"\"}",
    "{\"type\":\"transfer-cancel\",\"sha256\":\"../../etc/passwd\"}",
    "{\"type\":\"transfer-cancel\",\"sha256\":\"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\"}",
    "{\"type\":\"transfer-cancel\",\"sha256\":42}",
    "{\"type\":\"transfer-cancel\",\"sha256\":null}",
    "{\"type\":\"transfer-cancel\",\"sha256\":[\"0000000000000000000000000000000000000000000000000000000000000005\"]}",
    "{\"type\":\"transfer-cancel\",\"sha256\":{}}",
    "{\"type\":\"transfer-cancel\",\"sha256\":true}",
    "[\"transfer-cancel\"]",
  };
  const char *sha = "0000000000000000000000000000000000000000000000000000000000000005";
  GListModel *transfers = dropify_sync_get_transfers (dropify_service_get_sync (victim->service));
  guint n_listed = g_list_model_get_n_items (transfers);

  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_autoptr(Raw) raw = raw_connect ();

      g_test_message ("malformed transfer-cancel: %s", malformed[i]);
      raw_become_trusted (raw);
      raw_send (raw, malformed[i]);
      g_assert_cmpuint (raw_wait_closed (raw), ==, 4000);
    }
  assert_unharmed ("malformed transfer-cancel");

  /* Well formed, for content nobody offered, many times over. */
  {
    g_autoptr(Raw) raw = raw_connect ();

    raw_become_trusted (raw);
    for (guint i = 0; i < 2000; i++)
      {
        g_autofree char *frame = g_strdup_printf ("{\"type\":\"transfer-cancel\","
                                                  "\"sha256\":\"%064x\"}", i);
        raw_send (raw, frame);
      }
    run_for (500);
    g_assert_false (raw_is_closed (raw));
    g_assert_cmpuint (g_list_model_get_n_items (transfers), ==, n_listed);
  }
  assert_unharmed ("transfer-cancel for content never offered");

  /* For content the victim asked it for: that transfer ends, chunks
   * already on the way are dropped, and a have does not start it again. */
  {
    g_autoptr(Raw) raw = raw_connect ();
    g_autofree char *frame = file_drop_frame ("cancel-drop", "cancelled.txt", sha, 5);
    g_autofree char *cancel = g_strdup_printf ("{\"type\":\"transfer-cancel\",\"sha256\":\"%s\"}", sha);
    g_autofree char *have = g_strdup_printf ("{\"type\":\"have\",\"sha256\":\"%s\"}", sha);
    g_autofree guint8 *chunk = g_malloc (DROPIFY_PROTOCOL_CHUNK_HEADER + 2);
    g_autoptr(GBytes) bytes = NULL;
    WaitText get = { raw, "file-get" };
    DropifyTransfer *transfer;

    raw_become_trusted (raw);
    raw_send (raw, frame);
    g_assert_true (dropify_test_wait_for (received_type, &get, WAIT_MS));
    transfer = victim_transfer (sha, DROPIFY_TRANSFER_DIRECTION_IN);
    g_assert_nonnull (transfer);
    g_assert_cmpint (dropify_transfer_get_state (transfer), ==, DROPIFY_TRANSFER_STATE_QUEUED);

    raw_send (raw, cancel);
    dropify_protocol_write_chunk_header (chunk, sha, 0);
    memcpy (chunk + DROPIFY_PROTOCOL_CHUNK_HEADER, "ab", 2);
    bytes = g_bytes_new (chunk, DROPIFY_PROTOCOL_CHUNK_HEADER + 2);
    soup_websocket_connection_send_message (raw->ws, SOUP_WEBSOCKET_DATA_BINARY, bytes);
    for (guint i = 0; i < 10; i++)
      raw_send (raw, have);
    raw_send (raw, cancel);
    run_for (300);

    g_assert_false (raw_is_closed (raw));
    g_assert_cmpuint (count_type (raw, "file-get"), ==, 1);
    transfer = victim_transfer (sha, DROPIFY_TRANSFER_DIRECTION_IN);
    g_assert_cmpint (dropify_transfer_get_state (transfer), ==, DROPIFY_TRANSFER_STATE_CANCELLED);
    g_assert_cmpstr (dropify_transfer_get_reason (transfer), ==, "Cancelled on Mallory");

    forget_drop ("cancel-drop");
  }
  assert_unharmed ("transfer-cancel of a transfer in progress");
}

static void
local_file_sent_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  DropifyDrop **drop = user_data;
  g_autoptr(GError) error = NULL;

  *drop = dropify_service_send_file_finish (DROPIFY_SERVICE (object), result, &error);
  g_assert_no_error (error);
}

static gboolean
drop_is_set (gpointer data)
{
  return *(DropifyDrop **) data != NULL;
}

/* A file dropped here is content this device completed: a trusted peer
 * gets the drop, then one have for its content. */
static void
test_have_on_local_file (void)
{
  g_autoptr(Raw) raw = raw_connect ();
  g_autofree char *dir = dropify_test_make_dir ("have-local");
  g_autofree char *path = dropify_test_write_random (dir, "local.bin", 1000);
  g_autofree char *sha = dropify_test_sha256_file (path);
  g_autofree char *have = g_strdup_printf ("{\"type\":\"have\",\"sha256\":\"%s\"}", sha);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(DropifyDrop) drop = NULL;
  WaitText got = { raw, "have" };
  int drop_at = -1, have_at = -1;

  raw_become_trusted (raw);
  dropify_service_send_file_async (victim->service, file, 0, NULL, local_file_sent_cb, &drop);
  g_assert_true (dropify_test_wait_for (drop_is_set, &drop, WAIT_MS));
  g_assert_true (dropify_test_wait_for (received_type, &got, WAIT_MS));
  run_for (200);

  for (guint i = 0; i < raw->texts->len; i++)
    {
      const char *text = g_ptr_array_index (raw->texts, i);

      if (strstr (text, "\"type\":\"drop\"") && strstr (text, dropify_drop_get_id (drop)))
        drop_at = (int) i;
      if (g_str_equal (text, have))
        {
          g_assert_cmpint (have_at, ==, -1);
          have_at = (int) i;
        }
    }
  g_assert_cmpint (drop_at, >=, 0);
  g_assert_cmpint (have_at, >, drop_at);

  g_assert_true (dropify_service_delete (victim->service, dropify_drop_get_id (drop), NULL));
  dropify_test_remove_dir (dir);
  assert_unharmed ("a file dropped on the victim");
}

/* A paired device speaks for itself only (docs/protocol.md §11.8): the
 * ids, have and drops it sends make it a holder of what the victim has,
 * never another device, and ids of drops the victim does not have add
 * nothing. */
static void
test_holders_speak_for_themselves (void)
{
  g_autoptr(Raw) raw = raw_connect ();
  g_autofree char *dir = dropify_test_make_dir ("holders-lie");
  g_autofree char *path = dropify_test_write_random (dir, "mine.bin", 1000);
  g_autofree char *sha = dropify_test_sha256_file (path);
  g_autofree char *have = g_strdup_printf ("{\"type\":\"have\",\"sha256\":\"%s\"}", sha);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GPtrArray) live = g_ptr_array_new ();
  g_autoptr(GArray) dead = g_array_new (FALSE, FALSE, sizeof (DropifyTombstone));
  g_autofree char *ids = NULL;
  const char *raw_id;
  const char *friend_id;
  DropifyDrop *text;
  GPtrArray *holders;

  raw_become_trusted (raw);
  raw_id = dropify_identity_get_device_id (raw->identity);
  friend_id = dropify_identity_get_device_id (dropify_service_get_identity (friend->service));
  text = dropify_service_send_text (victim->service, "held by whom?", 0, NULL);
  g_assert_nonnull (text);
  dropify_service_send_file_async (victim->service, file, 0, NULL, local_file_sent_cb, &drop);
  g_assert_true (dropify_test_wait_for (drop_is_set, &drop, WAIT_MS));

  /* It claims both drops, one the victim never had, and the file. */
  g_ptr_array_add (live, (gpointer) dropify_drop_get_id (text));
  g_ptr_array_add (live, (gpointer) dropify_drop_get_id (drop));
  g_ptr_array_add (live, (gpointer) "no-such-drop");
  ids = dropify_protocol_encode_ids ("", live, dead);
  raw_send (raw, ids);
  raw_send (raw, have);
  run_for (1000);

  g_assert_null (dropify_history_lookup (dropify_service_get_history (victim->service), "no-such-drop"));
  for (guint d = 0; d < 2; d++)
    {
      gboolean found = FALSE;

      holders = dropify_drop_get_holders (d == 0 ? text : drop);
      g_assert_nonnull (holders);
      for (guint i = 0; i < holders->len; i++)
        {
          DropifyHolder *holder = g_ptr_array_index (holders, i);

          if (g_str_equal (holder->device_id, raw_id))
            {
              found = TRUE;
              g_assert_true (holder->drop);
              g_assert_true (d == 0 || holder->content);
            }
          else
            g_assert_cmpstr (holder->device_id, ==, friend_id);
        }
      g_assert_true (found);
    }

  g_assert_true (dropify_service_delete (victim->service, dropify_drop_get_id (text), NULL));
  g_assert_true (dropify_service_delete (victim->service, dropify_drop_get_id (drop), NULL));
  dropify_test_remove_dir (dir);
  assert_unharmed ("a peer claiming what it holds");
}

static void
test_chunk_beyond_size (void)
{
  g_autoptr(Raw) raw = raw_connect ();
  const char *claimed = "0000000000000000000000000000000000000000000000000000000000000002";

  lying_transfer ("liar-size", claimed, 4, "far more than four bytes", 24, raw);
  g_assert_cmpuint (raw_wait_closed (raw), ==, 4000);
  forget_drop ("liar-size");
  assert_unharmed ("a chunk beyond the announced size");
}

/* “invoice\u202Efdp.exe” reads as “invoiceexe.pdf”: the drop is kept,
 * and its names without the override. */
static void
test_bidi_in_file_name (void)
{
  g_autoptr(Raw) raw = raw_connect ();
  g_autofree char *frame = file_drop_frame ("bidi-name", "invoice\\u202efdp.exe",
                                            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 4);
  DropifyDrop *drop;

  raw_become_trusted (raw);
  raw_send (raw, frame);
  g_assert_true (dropify_test_node_has_drop (victim, "bidi-name", WAIT_MS));

  drop = dropify_history_lookup (dropify_service_get_history (victim->service), "bidi-name");
  g_assert_cmpstr (dropify_drop_get_name (drop), ==, "invoicefdp.exe");
  g_assert_cmpstr (dropify_drop_get_origin_name (drop), ==, "Mallory");

  forget_drop ("bidi-name");
  assert_unharmed ("a file name with a right-to-left override");
}

/* Connection floods */

static gboolean
no_pending (gpointer data)
{
  return dropify_server_get_n_pending (dropify_service_get_server (victim->service)) == 0;
}

static gboolean
accept_any_tls (GTlsConnection *tls, GTlsCertificate *c, GTlsCertificateFlags e, gpointer d)
{
  return TRUE;
}

static void
accept_tls_event (GSocketClient      *client,
                  GSocketClientEvent  event,
                  GSocketConnectable *connectable,
                  GIOStream          *connection,
                  gpointer            user_data)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    g_signal_connect (connection, "accept-certificate", G_CALLBACK (accept_any_tls), NULL);
}

static void
test_half_open_connections (void)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  g_socket_client_set_enable_proxy (client, FALSE);
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  guint port = dropify_sync_get_port (dropify_service_get_sync (victim->service));

  /* 200 connections that never say anything. */
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(GError) error = NULL;
      GSocketConnection *connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);

      g_assert_no_error (error);
      g_ptr_array_add (sockets, connection);
      g_main_context_iteration (NULL, FALSE);
    }
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);

  /* At most 64 are kept waiting; all are dropped after the deadline. */
  g_assert_cmpuint (dropify_server_get_n_pending (dropify_service_get_server (victim->service)), <=,
                    DROPIFY_SERVER_MAX_PENDING);
  g_assert_true (dropify_test_wait_for (no_pending, NULL, (DROPIFY_SERVER_HANDSHAKE_S + 3) * 1000));

  assert_unharmed ("200 connections that never finish the handshake");
}

static void
test_one_byte_a_second (void)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  g_socket_client_set_enable_proxy (client, FALSE);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GOutputStream *out;
  gboolean cut = FALSE;
  guint port = dropify_sync_get_port (dropify_service_get_sync (victim->service));
  int64_t start = g_get_monotonic_time ();

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  /* A TLS record header, one byte a second. */
  for (guint i = 0; i < DROPIFY_SERVER_HANDSHAKE_S + 5 && !cut; i++)
    {
      const guint8 byte = i == 0 ? 0x16 : 0x03;
      gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC;

      if (g_output_stream_write (out, &byte, 1, NULL, NULL) != 1)
        cut = TRUE;
      while (g_get_monotonic_time () < until)
        g_main_context_iteration (NULL, FALSE), g_usleep (10000);
      if (g_socket_condition_check (g_socket_connection_get_socket (connection), G_IO_HUP | G_IO_ERR | G_IO_IN))
        {
          char buffer[64];
          gssize n = g_socket_receive (g_socket_connection_get_socket (connection), buffer, sizeof buffer, NULL, NULL);
          if (n <= 0)
            cut = TRUE;
        }
    }

  g_test_message ("cut after %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - start) / 1000);
  g_assert_true (cut);
  assert_unharmed ("a client that sends one byte a second");
}

typedef struct
{
  GSocketConnection *connection;
  GError            *error;
  char               reply[64];
  gssize             got;
  gboolean           done;
} Async;

static void
connected_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Async *async = user_data;

  async->connection = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (object), result, &async->error);
}

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Async *async = user_data;

  async->got = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &async->error);
  async->done = TRUE;
}

static gboolean
async_connected (gpointer data)
{
  Async *async = data;
  return async->connection != NULL || async->error != NULL;
}

static gboolean
async_read (gpointer data)
{
  Async *async = data;
  return async->done;
}

static void
test_body_to_peer_endpoint (void)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  Async async = { NULL, NULL, { 0 }, 0, FALSE };
  const char *request = "POST /v1/peer HTTP/1.1\r\nHost: victim\r\n"
                        "Content-Length: 1000000000\r\n\r\n";
  guint port = dropify_sync_get_port (dropify_service_get_sync (victim->service));

  /* The victim runs in this thread: everything here is asynchronous. */
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_tls (client, TRUE);
  g_signal_connect (client, "event", G_CALLBACK (accept_tls_event), NULL);
  g_socket_client_connect_to_host_async (client, "127.0.0.1", port, NULL, connected_cb, &async);
  g_assert_true (dropify_test_wait_for (async_connected, &async, WAIT_MS));
  g_assert_no_error (async.error);

  /* Announces a 1 GB body and sends none of it: the victim hangs up at
   * once, without reading it. */
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (async.connection)),
                             request, strlen (request), NULL, NULL, NULL);
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (async.connection)),
                             async.reply, sizeof async.reply - 1, G_PRIORITY_DEFAULT, NULL,
                             read_cb, &async);
  g_assert_true (dropify_test_wait_for (async_read, &async, WAIT_MS));
  g_test_message ("read %" G_GSSIZE_FORMAT ": %s", async.got,
                  async.error ? async.error->message : async.reply);
  g_assert_true (async.got <= 0);
  g_clear_error (&async.error);

  g_clear_object (&async.connection);
  assert_unharmed ("a body announced to the peer endpoint");
}

/* A stranger the victim dials */

typedef struct
{
  SoupWebsocketConnection *ws;
  guint64                  written;
  gboolean                 cut;
  guint                    source;
} Dialed;

/* One unmasked frame, as a server sends it, straight to the stream. */
static gboolean
server_write_frame (SoupWebsocketConnection *ws,
                    gboolean                 fin,
                    guint8                   opcode,
                    gsize                    length)
{
  GOutputStream *out = g_io_stream_get_output_stream (soup_websocket_connection_get_io_stream (ws));
  g_autoptr(GBytes) frame = dropify_test_websocket_frame (fin, opcode, FALSE, NULL, length);

  return g_output_stream_write_all (out, g_bytes_get_data (frame, NULL), g_bytes_get_size (frame),
                                    NULL, NULL, NULL);
}

static gboolean
dialed_flood_cb (gpointer user_data)
{
  Dialed *dialed = user_data;

  if (dialed->written >= 256 * 1024 * 1024 || !server_write_frame (dialed->ws, FALSE, 0x0, 64 * 1024))
    {
      dialed->cut = TRUE;
      dialed->source = 0;
      return G_SOURCE_REMOVE;
    }
  dialed->written += 64 * 1024;

  return G_SOURCE_CONTINUE;
}

static void
dialed_cb (SoupServer              *server,
           SoupServerMessage       *msg,
           const char              *path,
           SoupWebsocketConnection *ws,
           gpointer                 user_data)
{
  Dialed *dialed = user_data;

  if (dialed->ws != NULL)
    return;
  dialed->ws = g_object_ref (ws);
  server_write_frame (ws, FALSE, 0x1, 2);
  dialed->source = g_timeout_add (1, dialed_flood_cb, dialed);
}

static gboolean
dialed_is_cut (gpointer data)
{
  return ((Dialed *) data)->cut;
}

/* Anyone on the link can get dialed (every announced service is), so
 * what a dialed stranger sends passes the same guard: a fragmented
 * message without end is cut after 64 KiB. */
static void
test_dialed_stranger_fragments (void)
{
  g_autoptr(DropifyIdentity) identity = NULL;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = dropify_test_make_dir ("raw");
  g_autoslist(GUri) uris = NULL;
  DropifySync *sync = dropify_service_get_sync (victim->service);
  Dialed dialed = { NULL, 0, FALSE, 0 };
  uint64_t before = resident_kib ();
  DropifyPeer *peer;

  identity = dropify_identity_new (dir, &error);
  g_assert_no_error (error);
  server = soup_server_new ("tls-certificate", dropify_identity_get_certificate (identity), NULL);
  soup_server_add_websocket_handler (server, "/v1/peer", NULL, NULL, dialed_cb, &dialed, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS,
                                           &error));
  uris = soup_server_get_uris (server);

  peer = dropify_sync_connect_to (sync, "127.0.0.1", g_uri_get_port (uris->data), DROPIFY_PEER_VIA_MANUAL);
  g_assert_true (dropify_test_wait_for (dialed_is_cut, &dialed, 30000));
  g_test_message ("the dialed stranger wrote %" G_GUINT64_FORMAT " KiB; resident grew by %" G_GINT64_FORMAT " KiB",
                  dialed.written / 1024, (int64_t) (resident_kib () - before));
  g_assert_cmpuint (dialed.written, <, 16 * 1024 * 1024);
  g_assert_cmpint ((int64_t) (resident_kib () - before), <, 64 * 1024);

  g_strfreev (dropify_sync_forget_peer (sync, peer));
  g_clear_handle_id (&dialed.source, g_source_remove);
  g_clear_object (&dialed.ws);
  soup_server_disconnect (server);
  dropify_test_remove_dir (dir);
  assert_unharmed ("a dialed stranger's endless message");
}

/* Impersonation without the key */

typedef struct
{
  GTlsConnection *tls;
  GError         *error;
  gboolean        done;
} Handshake;

static void
handshake_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Handshake *handshake = user_data;

  g_tls_connection_handshake_finish (G_TLS_CONNECTION (object), result, &handshake->error);
  handshake->done = TRUE;
}

static gboolean
handshake_done (gpointer data)
{
  return ((Handshake *) data)->done;
}

/* A TCP connection from 127.0.0.1:@port (0: any) to @host, with
 * SO_REUSEADDR, so that two connections can share their source. */
static GSocketConnection *
connect_from_port (guint       port,
                   const char *host)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GInetAddress) target = g_inet_address_new_from_string (host);
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new (loopback, port);
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GError) error = NULL;

  remote = g_inet_socket_address_new (target, dropify_sync_get_port (dropify_service_get_sync (victim->service)));
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, local, TRUE, &error));
  g_assert_true (g_socket_connect (socket, remote, NULL, &error));
  g_assert_no_error (error);

  return g_socket_connection_factory_create_connection (socket);
}

static guint
local_port (GSocketConnection *connection)
{
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

typedef struct
{
  GString  *head;
  guint8    byte;
  gboolean  done;
} Head;

static void
head_byte_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Head *head = user_data;

  if (g_input_stream_read_finish (G_INPUT_STREAM (object), result, NULL) != 1)
    {
      head->done = TRUE;
      return;
    }
  g_string_append_c (head->head, (char) head->byte);
  if (g_str_has_suffix (head->head->str, "\r\n\r\n"))
    head->done = TRUE;
  else
    g_input_stream_read_async (G_INPUT_STREAM (object), &head->byte, 1, G_PRIORITY_DEFAULT, NULL,
                               head_byte_cb, head);
}

static gboolean
head_done (gpointer data)
{
  return ((Head *) data)->done;
}

/* A paired device's address and source port are no proof of anything.
 * The friend's TLS session comes from 127.0.0.1:P (made here with the
 * friend's own certificate, as the friend would); a plain connection
 * from the same 127.0.0.1:P to another address of the victim upgrades to
 * /v1/peer and says hello as the friend. The victim once credited it
 * with the certificate it looked up by address and port, and sent it
 * every drop. */
static void
test_plain_from_a_peers_port (void)
{
  DropifyIdentity *friend_identity = dropify_service_get_identity (friend->service);
  g_autoptr(GSocketConnection) genuine = connect_from_port (0, "127.0.0.1");
  g_autoptr(GSocketConnection) impostor = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(Raw) raw = g_new0 (Raw, 1);
  Handshake handshake = { NULL, NULL, FALSE };
  Head head = { g_string_new (NULL), 0, FALSE };
  const char *request = "GET /v1/peer HTTP/1.1\r\nHost: victim\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n";
  g_autofree char *hello = NULL;

  /* The friend's real session, from 127.0.0.1:P. */
  tls = g_tls_client_connection_new (G_IO_STREAM (genuine), NULL, &error);
  g_assert_no_error (error);
  g_tls_connection_set_certificate (G_TLS_CONNECTION (tls), dropify_identity_get_certificate (friend_identity));
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any_tls), NULL);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, NULL, handshake_cb, &handshake);
  g_assert_true (dropify_test_wait_for (handshake_done, &handshake, WAIT_MS));
  g_assert_no_error (handshake.error);
  /* It upgrades to /v1/peer, as the friend's would, and stays open. */
  {
    Head answer = { g_string_new (NULL), 0, FALSE };

    g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (tls), request, strlen (request),
                                              NULL, NULL, NULL));
    g_input_stream_read_async (g_io_stream_get_input_stream (tls), &answer.byte, 1,
                               G_PRIORITY_DEFAULT, NULL, head_byte_cb, &answer);
    g_assert_true (dropify_test_wait_for (head_done, &answer, WAIT_MS));
    g_test_message ("the genuine session's answer: %.40s", answer.head->str);
    g_assert_true (g_str_has_prefix (answer.head->str, "HTTP/1.1 101"));
    g_string_free (answer.head, TRUE);
  }

  /* The impostor: no key, same source, another address of the victim. */
  impostor = connect_from_port (local_port (genuine), "127.0.0.2");
  g_assert_cmpuint (local_port (impostor), ==, local_port (genuine));
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (impostor)),
                                            request, strlen (request), NULL, NULL, NULL));
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (impostor)), &head.byte, 1,
                             G_PRIORITY_DEFAULT, NULL, head_byte_cb, &head);
  g_assert_true (dropify_test_wait_for (head_done, &head, WAIT_MS));
  g_test_message ("answer: %s", head.head->str);

  /* Whether the upgrade is answered or not, nothing of the friend's may
   * reach this connection. */
  raw->texts = g_ptr_array_new_with_free_func (g_free);
  raw->dir = dropify_test_make_dir ("raw");
  if (g_str_has_prefix (head.head->str, "HTTP/1.1 101"))
    {
      uri = g_uri_parse ("ws://127.0.0.2/v1/peer", G_URI_FLAGS_NONE, NULL);
      raw->ws = soup_websocket_connection_new (G_IO_STREAM (impostor), uri, SOUP_WEBSOCKET_CONNECTION_CLIENT,
                                               NULL, NULL, NULL);
      g_signal_connect (raw->ws, "message", G_CALLBACK (raw_message_cb), raw);
      g_signal_connect (raw->ws, "closed", G_CALLBACK (raw_closed_cb), raw);
      hello = dropify_protocol_encode_hello (dropify_identity_get_device_id (friend_identity), "Friend",
                                             g_get_real_time () / 1000, 0);
      soup_websocket_connection_send_text (raw->ws, hello);
      g_assert_cmpuint (raw_wait_closed (raw), ==, DROPIFY_CLOSE_NO_TLS);
    }
  g_string_free (head.head, TRUE);

  for (guint i = 0; i < raw->texts->len; i++)
    g_test_message ("received: %.80s", (char *) g_ptr_array_index (raw->texts, i));
  g_assert_cmpuint (raw->texts->len, ==, 0);

  g_io_stream_close (tls, NULL, NULL);
  assert_unharmed ("a plain connection from a paired device's address and port");
}

/* Floods of connections */

typedef struct
{
  GPtrArray *connections;
  guint      started;
  guint      finished;
} Flood;

static void
flood_connected_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Flood *flood = user_data;
  GSocketConnection *connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (object), result, NULL);

  if (connection != NULL)
    g_ptr_array_add (flood->connections, connection);
  flood->finished++;
}

static gboolean
flood_done (gpointer data)
{
  Flood *flood = data;
  return flood->finished == flood->started;
}

/* @count connections from @source, all at once, that say nothing or only
 * the first @len bytes of @start. */
static void
flood_from (Flood      *flood,
            const char *source,
            guint       count,
            const char *start,
            gsize       len)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (source);
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new (address, 0);
  guint first = flood->connections->len;

  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_local_address (client, local);
  for (guint i = 0; i < count; i++, flood->started++)
    g_socket_client_connect_to_host_async (client, "127.0.0.1",
                                           dropify_sync_get_port (dropify_service_get_sync (victim->service)),
                                           NULL, flood_connected_cb, flood);
  g_assert_true (dropify_test_wait_for (flood_done, flood, 30000));

  for (guint i = first; start != NULL && i < flood->connections->len; i++)
    g_output_stream_write_all (g_io_stream_get_output_stream (g_ptr_array_index (flood->connections, i)),
                               start, len, NULL, NULL, NULL);
}

/* DROPIFY_TEST_SLOW: how much slower a sanitizer build runs. */
static guint
slow_factor (void)
{
  const char *slow = g_getenv ("DROPIFY_TEST_SLOW");

  return slow != NULL ? MAX (1, (guint) g_ascii_strtoull (slow, NULL, 10)) : 1;
}

typedef struct
{
  guint asked;
  guint answered;
  guint ok;
} Phone;

static void
phone_answer_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Phone *phone = user_data;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, NULL);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (object), result);

  phone->answered++;
  if (body != NULL && soup_message_get_status (msg) == SOUP_STATUS_OK)
    phone->ok++;
}

static gboolean
phone_done (gpointer data)
{
  Phone *phone = data;
  return phone->answered == phone->asked;
}

/* The phone page's API, asked @count times one after another from
 * 127.0.0.1, each on a fresh connection, as a page that reloads would. */
static guint
phone_asks (guint count)
{
  const char *token = dropify_phone_get_token (dropify_service_get_phone (victim->service));
  g_autofree char *uri = g_strdup_printf ("http://127.0.0.1:%u/api/info",
                                          dropify_sync_get_port (dropify_service_get_sync (victim->service)));
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  Phone phone = { 0, 0, 0 };

  for (guint i = 0; i < count; i++)
    {
      g_autoptr(SoupSession) session = soup_session_new_with_options ("proxy-resolver", NULL,
                                                                      "timeout", 5 * slow_factor (), NULL);
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
      phone.asked++;
      soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, phone_answer_cb, &phone);
      g_assert_true (dropify_test_wait_for (phone_done, &phone, 10000));
    }

  return phone.ok;
}

#define HALF_REQUEST   "GET /api/info HTTP/1.1\r\nHost"
#define HALF_HANDSHAKE "\x16\x03\x01\x02\x00\x01\x00"

/* Hundreds of connections from three addresses that never finish a
 * request, against a budget of 96: the flood's own oldest connections
 * make room, so the phone and the paired friend, from another address,
 * are served throughout, and stalled requests are closed on time. */
static void
test_connection_flood (void)
{
  DropifyServer *server = dropify_service_get_server (victim->service);
  g_autoptr(GPtrArray) connections = g_ptr_array_new_with_free_func (g_object_unref);
  Flood flood = { connections, 0, 0 };
  guint budget = dropify_server_get_budget (server);
  guint answered;

  g_assert_cmpuint (phone_asks (1), ==, 1);

  dropify_server_set_budget (server, 96);
  /* Sanitizer builds are slower: a phone's request would count as
   * stalled while the flood is handled. */
  dropify_server_set_request_deadline (server, 3 * slow_factor ());

  for (guint round = 0; round < 3; round++)
    {
      flood_from (&flood, "127.0.0.2", 100, NULL, 0);
      flood_from (&flood, "127.0.0.3", 100, HALF_REQUEST, strlen (HALF_REQUEST));
      /* A TLS record that promises a handshake and stops: the victim's
       * handshake waits in flight when these are shed. */
      flood_from (&flood, "127.0.0.7", 100, HALF_HANDSHAKE, sizeof HALF_HANDSHAKE - 1);
      g_test_message ("round %u: %u connections held, %" G_GUINT64_FORMAT " shed", round,
                      dropify_server_get_n_connections (server), dropify_server_get_n_shed (server));
      g_assert_cmpuint (dropify_server_get_n_connections (server), <=, 96);

      answered = phone_asks (10);
      g_test_message ("the phone got %u of 10 answers", answered);
      g_assert_cmpuint (answered, >=, 9);
      assert_unharmed ("a flood of connections");
    }
  g_assert_cmpuint (dropify_server_get_n_shed (server), >, 0);

  /* A request that stalls is closed after the deadline, flood or not. */
  {
    g_autoptr(GPtrArray) stalled = g_ptr_array_new_with_free_func (g_object_unref);
    Flood slow = { stalled, 0, 0 };
    guint64 shed = dropify_server_get_n_shed (server);

    g_ptr_array_set_size (connections, 0);
    flood_from (&slow, "127.0.0.4", 5, HALF_REQUEST, strlen (HALF_REQUEST));
    g_assert_true (dropify_test_wait_for (no_pending, NULL, 5000));
    for (gint64 until = g_get_monotonic_time () + (3 * slow_factor () + 5) * G_USEC_PER_SEC;
         g_get_monotonic_time () < until; )
      g_main_context_iteration (NULL, FALSE), g_usleep (10000);
    g_test_message ("%" G_GUINT64_FORMAT " stalled requests closed", dropify_server_get_n_shed (server) - shed);
    g_assert_cmpuint (dropify_server_get_n_shed (server) - shed, >=, 5);
  }

  dropify_server_set_budget (server, budget);
  dropify_server_set_request_deadline (server, DROPIFY_SERVER_REQUEST_S);
  assert_unharmed ("after a flood of connections");
}

/* Cases from a trusted peer that wants to take the others down: a stolen
 * or compromised paired device (issue 12). */

typedef struct
{
  DropifyTestNode *node;
  const char      *device_id;
} WaitPeer;

static DropifyPeer *
find_peer_of (DropifyTestNode *node,
              const char      *device_id)
{
  GListModel *peers = dropify_sync_get_peers (dropify_service_get_sync (node->service));

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);

      if (g_strcmp0 (dropify_peer_get_device_id (peer), device_id) == 0)
        return peer;
    }

  return NULL;
}

static gboolean
peer_listed (gpointer data)
{
  WaitPeer *wait = data;

  return find_peer_of (wait->node, wait->device_id) != NULL;
}

static gboolean
peer_trusted (gpointer data)
{
  WaitPeer *wait = data;
  DropifyPeer *peer = find_peer_of (wait->node, wait->device_id);

  return peer != NULL && dropify_peer_get_trusted (peer) && dropify_peer_get_connected (peer);
}

static void
raw_wait_trusted (Raw *raw)
{
  WaitPeer wait = { victim, dropify_identity_get_device_id (raw->identity) };

  raw_become_trusted (raw);
  g_assert_true (dropify_test_wait_for (peer_trusted, &wait, WAIT_MS));
}

static void
iterate_for (guint ms)
{
  int64_t until = g_get_monotonic_time () + (int64_t) ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static uint64_t
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmRSS:")) == NULL)
    return 0;

  return g_ascii_strtoull (line + 6, NULL, 10);
}

static void
sent_file_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  DropifyDrop **out = user_data;

  *out = dropify_service_send_file_finish (DROPIFY_SERVICE (object), result, NULL);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static gboolean
friend_has_complete (gpointer data)
{
  DropifyDrop *drop = dropify_history_lookup (dropify_service_get_history (friend->service), data);

  return drop != NULL && dropify_drop_get_complete (drop);
}

/* A TCP relay in front of the victim that passes everything on, until it
 * is told to stop reading what the victim sends: the client then looks,
 * to the victim, like a peer that does not read. TLS goes through it
 * untouched. */
typedef struct
{
  GSocketService    *service;
  guint              port;
  GSocketConnection *client;
  GSocketConnection *upstream;
  gboolean           deaf;
  guint8             buffer[64 * 1024];
} Relay;

static void relay_read (Relay *relay);

static void
relay_written_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Relay *relay = user_data;

  if (g_output_stream_write_all_finish (G_OUTPUT_STREAM (object), result, NULL, NULL))
    relay_read (relay);
}

static void
relay_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  Relay *relay = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, NULL);

  if (n <= 0 || relay->client == NULL)
    return;

  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (relay->client)),
                                   relay->buffer, (gsize) n, G_PRIORITY_DEFAULT, NULL,
                                   relay_written_cb, relay);
}

static void
relay_read (Relay *relay)
{
  if (relay->deaf || relay->upstream == NULL)
    return;

  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (relay->upstream)),
                             relay->buffer, sizeof relay->buffer, G_PRIORITY_DEFAULT, NULL,
                             relay_read_cb, relay);
}

static gboolean
relay_incoming_cb (GSocketService    *service,
                   GSocketConnection *connection,
                   GObject           *source,
                   gpointer           user_data)
{
  Relay *relay = user_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;

  g_socket_client_set_enable_proxy (client, FALSE);
  relay->client = g_object_ref (connection);
  relay->upstream = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                     dropify_sync_get_port (dropify_service_get_sync (victim->service)),
                                                     NULL, &error);
  g_assert_no_error (error);

  /* Loopback lets a receive buffer grow to 32 MiB: keep this one to what
   * a peer's machine would hold, so what it does not read stays with
   * the sender, where the test looks for it. */
  g_socket_set_option (g_socket_connection_get_socket (relay->upstream), SOL_SOCKET, SO_RCVBUF,
                       128 * 1024, NULL);

  g_output_stream_splice_async (g_io_stream_get_output_stream (G_IO_STREAM (relay->upstream)),
                                g_io_stream_get_input_stream (G_IO_STREAM (relay->client)),
                                G_OUTPUT_STREAM_SPLICE_NONE, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  relay_read (relay);

  return TRUE;
}

static Relay *
relay_new (void)
{
  Relay *relay = g_new0 (Relay, 1);
  g_autoptr(GError) error = NULL;

  relay->service = g_socket_service_new ();
  relay->port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (relay->service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (relay->service, "incoming", G_CALLBACK (relay_incoming_cb), relay);
  g_socket_service_start (relay->service);

  return relay;
}

static void
relay_free (Relay *relay)
{
  g_socket_service_stop (relay->service);
  g_socket_listener_close (G_SOCKET_LISTENER (relay->service));
  g_clear_object (&relay->service);
  if (relay->client != NULL)
    g_io_stream_close (G_IO_STREAM (relay->client), NULL, NULL);
  if (relay->upstream != NULL)
    g_io_stream_close (G_IO_STREAM (relay->upstream), NULL, NULL);
  /* Callbacks still pending see the streams closed, and stop. */
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_clear_object (&relay->client);
  g_clear_object (&relay->upstream);
  g_free (relay);
}

static void
test_huge_file_get_limit (void)
{
  g_autofree char *dir = dropify_test_make_dir ("big");
  g_autofree char *path = dropify_test_write_random (dir, "big.bin", 24 * 1024 * 1024);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(DropifyDrop) drop = NULL;
  DropifySync *sync = dropify_service_get_sync (victim->service);
  Relay *relay = relay_new ();
  Raw *raw;
  guint64 before;
  uint64_t rss_before, rss_after;

  /* A file on the victim, fetched by its friend first: that part of the
   * counter is a correct peer's. */
  dropify_service_send_file_async (victim->service, file, 0, NULL, sent_file_cb, &drop);
  g_assert_true (dropify_test_wait_for (is_set, &drop, WAIT_MS));
  g_ptr_array_add (victim_ids, g_strdup (dropify_drop_get_id (drop)));
  g_assert_true (dropify_test_wait_for (friend_has_complete, (gpointer) dropify_drop_get_id (drop), 4 * WAIT_MS));

  /* A trusted peer that asks for it five times, with every limit it can
   * name, grants credit without end, and never reads a byte. */
  raw = raw_connect_to (relay->port);
  raw_wait_trusted (raw);
  iterate_for (200);
  relay->deaf = TRUE;
  iterate_for (200);
  before = dropify_sync_get_file_bytes_sent (sync);
  rss_before = rss_kib ();
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *get = dropify_protocol_encode_file_get (dropify_drop_get_sha256 (drop), 0, G_MAXINT64);

      raw_send (raw, get);
      for (guint j = 0; j < 4; j++)
        {
          g_autofree char *credit = dropify_protocol_encode_credit (dropify_drop_get_sha256 (drop), G_MAXINT64);
          raw_send (raw, credit);
        }
      iterate_for (300);
    }
  iterate_for (1000);
  rss_after = rss_kib ();

  g_test_message ("a deaf peer asked 5 times for 24 MiB: %" G_GUINT64_FORMAT " KiB handed to its "
                  "WebSocket, %" G_GUINT64_FORMAT " KiB read; RSS %" G_GUINT64_FORMAT " → %" G_GUINT64_FORMAT " KiB",
                  (dropify_sync_get_file_bytes_sent (sync) - before) / 1024, raw->binary / 1024,
                  rss_before, rss_after);
  /* Before the bounds: the whole file once per request, 120 MiB. Now one
   * credit window, plus what the kernel's socket buffers on both sides of
   * the relay take before writes stop (up to about 10 MiB on loopback,
   * more when the relay read on for a moment, as under ASan). */
  g_assert_cmpuint (dropify_sync_get_file_bytes_sent (sync) - before, <=, 32 * 1024 * 1024);

  raw_free (raw);
  relay_free (relay);
  dropify_test_remove_dir (dir);
  assert_unharmed ("a huge file-get limit from a peer that does not read");
}

static char *
text_drop_frame (const char *id,
                 int64_t     created_at,
                 int64_t     expires_at)
{
  return g_strdup_printf ("{\"type\":\"drop\",\"drop\":{\"id\":\"%s\",\"kind\":\"text\",\"origin\":\"mallory\","
                          "\"origin_name\":\"Mallory\",\"created_at\":%" G_GINT64_FORMAT ","
                          "\"expires_at\":%" G_GINT64_FORMAT ",\"text\":\"hello from the future\"}}",
                          id, created_at, expires_at);
}

static gboolean
victim_has (gpointer id)
{
  return dropify_history_lookup (dropify_service_get_history (victim->service), id) != NULL;
}

static void
test_far_future_created_at (void)
{
  g_autoptr(Raw) raw = raw_connect ();
  int64_t now = g_get_real_time () / 1000;
  int64_t year = (int64_t) 365 * 24 * 60 * 60 * 1000;
  g_autofree char *frame = text_drop_frame ("from-the-future", now + 10 * year, now + 10 * year + 3600000);
  DropifyDrop *drop;

  raw_wait_trusted (raw);
  raw_send (raw, frame);
  g_assert_true (dropify_test_wait_for (victim_has, "from-the-future", WAIT_MS));

  /* Stored, dated no later than now plus the allowed skew: it does not
   * sit on top of the list for ten years. */
  drop = dropify_history_lookup (dropify_service_get_history (victim->service), "from-the-future");
  g_test_message ("created_at: sent %" G_GINT64_FORMAT " s ahead, stored %" G_GINT64_FORMAT " s ahead",
                  10 * year / 1000, (dropify_drop_get_created_at (drop) - now) / 1000);
  g_assert_cmpint (dropify_drop_get_created_at (drop), <=, g_get_real_time () / 1000 + 5 * 60 * 1000);
  g_assert_cmpint (dropify_drop_get_expires_at (drop), >, dropify_drop_get_created_at (drop));
  g_assert_false (raw->closed);

  g_assert_true (dropify_service_delete (victim->service, "from-the-future", NULL));
  assert_unharmed ("a drop dated ten years ahead");
}

typedef struct
{
  const char *id;
  int64_t     expires_at;
} FindTombstone;

static void
find_tombstone (const char *id,
                int64_t     expires_at,
                gpointer    user_data)
{
  FindTombstone *find = user_data;

  if (g_str_equal (id, find->id))
    find->expires_at = expires_at;
}

static void
test_year_9999_expiry (void)
{
  g_autoptr(Raw) raw = raw_connect ();
  DropifyHistory *history = dropify_service_get_history (victim->service);
  int64_t now = g_get_real_time () / 1000;
  int64_t bound = now + (int64_t) (30 * 24 * 60 + 5 + 1) * 60 * 1000;
  int64_t year_9999 = G_GINT64_CONSTANT (253402300799999);
  g_autofree char *frame = text_drop_frame ("forever", now, year_9999);
  g_autofree char *del = dropify_protocol_encode_delete ("never-seen", year_9999);
  FindTombstone find = { "never-seen", 0 };

  raw_wait_trusted (raw);
  raw_send (raw, frame);
  raw_send (raw, del);
  g_assert_true (dropify_test_wait_for (victim_has, "forever", WAIT_MS));
  iterate_for (200);

  /* At most the longest TTL the settings allow, 30 days. */
  g_test_message ("expires_at: sent year 9999, stored %" G_GINT64_FORMAT " days ahead",
                  (dropify_drop_get_expires_at (dropify_history_lookup (history, "forever")) - now) / 86400000);
  g_assert_cmpint (dropify_drop_get_expires_at (dropify_history_lookup (history, "forever")), <=, bound);

  dropify_history_foreach_tombstone (history, find_tombstone, &find);
  g_assert_cmpint (find.expires_at, >, now);
  g_assert_cmpint (find.expires_at, <=, bound);

  g_assert_true (dropify_service_delete (victim->service, "forever", NULL));
  find.id = "forever";
  dropify_history_foreach_tombstone (history, find_tombstone, &find);
  g_assert_cmpint (find.expires_at, <=, bound);
  assert_unharmed ("drops and deletions that expire in the year 9999");
}

static void
count_one (const char *id,
           int64_t     expires_at,
           gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static guint
count_tombstones (DropifyHistory *history)
{
  guint n = 0;

  dropify_history_foreach_tombstone (history, count_one, &n);
  return n;
}

static void
test_ids_flood (void)
{
  g_autoptr(Raw) raw = raw_connect ();
  DropifyHistory *history = dropify_service_get_history (victim->service);
  DropifyReconcile *mine = dropify_sync_get_reconcile (dropify_service_get_sync (victim->service));
  DropifyReconcile *theirs = dropify_sync_get_reconcile (dropify_service_get_sync (friend->service));
  int64_t expires_at = g_get_real_time () / 1000 + 3600 * 1000;
  guint tombstones_before = count_tombstones (history);
  guint64 work_before = dropify_reconcile_get_work (mine);
  guint64 friend_work_before = dropify_reconcile_get_work (theirs);
  guint messages = 50, sent = 0;
  guint64 work, friend_work;
  int64_t started;
  guint64 allowed;

  raw_wait_trusted (raw);
  started = g_get_monotonic_time ();

  /* 50 ids messages of 4,096 tombstones each: 204,800, as in the attack. */
  for (guint m = 0; m < messages; m++)
    {
      g_autoptr(GPtrArray) live = g_ptr_array_new ();
      g_autoptr(GArray) dead = g_array_new (FALSE, FALSE, sizeof (DropifyTombstone));
      g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *text = NULL;

      for (guint i = 0; i < DROPIFY_PROTOCOL_MAX_IDS; i++)
        {
          DropifyTombstone tombstone = { g_strdup_printf ("flood-%u-%u", m, i), expires_at };

          g_ptr_array_add (ids, tombstone.id);
          g_array_append_val (dead, tombstone);
        }
      text = dropify_protocol_encode_ids ("", live, dead);
      raw_send (raw, text);
      sent += DROPIFY_PROTOCOL_MAX_IDS;
      g_main_context_iteration (NULL, FALSE);
    }
  iterate_for (3000);
  /* The quota: a burst of 10,000, then 500 a second, for as long as the
   * flood took (several times longer in a sanitizer build). */
  allowed = 10000 + 500 * (guint64) ((g_get_monotonic_time () - started) / G_USEC_PER_SEC + 1);

  work = dropify_reconcile_get_work (mine) - work_before;
  friend_work = dropify_reconcile_get_work (theirs) - friend_work_before;
  g_test_message ("%u tombstones in %u ids messages: %u stored, victim's index did %" G_GUINT64_FORMAT
                  " units of work, its friend's %" G_GUINT64_FORMAT,
                  sent, messages, count_tombstones (history) - tombstones_before, work, friend_work);

  /* Work grows with what the messages hold, and what is stored with the
   * peer's quota; never with the history for each message. */
  g_assert_cmpuint (work, <=, 2 * (guint64) sent);
  g_assert_cmpuint (count_tombstones (history) - tombstones_before, <=, allowed);
  /* The friend takes what the victim relays: at most the victim's stored
   * tombstones' worth of work, a few times over. */
  g_assert_cmpuint (friend_work, <=, 8 * (guint64) (count_tombstones (history) - tombstones_before) + 4096);
  g_assert_false (raw->closed);

  assert_unharmed ("a flood of ids messages with 204,800 tombstones");
}

static guint
count_strangers (void)
{
  GListModel *peers = dropify_sync_get_peers (dropify_service_get_sync (victim->service));
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);

      n += !dropify_peer_get_trusted (peer);
    }

  return n;
}

static gboolean
no_strangers (gpointer data)
{
  return count_strangers () == 0;
}

static void
test_strangers_capped (void)
{
  DropifySync *sync = dropify_service_get_sync (victim->service);
  guint most = 0;

  /* 40 devices that connect, say hello, and go. */
  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(Raw) raw = raw_connect ();
      WaitPeer wait = { victim, dropify_identity_get_device_id (raw->identity) };

      raw_hello (raw);
      g_assert_true (dropify_test_wait_for (peer_listed, &wait, WAIT_MS));
      most = MAX (most, count_strangers ());

    }
  iterate_for (200);
  most = MAX (most, count_strangers ());

  g_test_message ("40 strangers came and went: at most %u entries listed", most);
  g_assert_cmpuint (most, <=, 32);
  /* The friend's entry stays. */
  g_assert_nonnull (find_peer_of (victim, dropify_identity_get_device_id (
    dropify_service_get_identity (friend->service))));

  /* And offline strangers go after a while (ten minutes unless set). */
  dropify_sync_set_stranger_expiry (sync, 1);
  g_assert_true (dropify_test_wait_for (no_strangers, NULL, WAIT_MS));
  dropify_sync_set_stranger_expiry (sync, 10 * 60);

  assert_unharmed ("40 strangers");
}

/* Audiences (issue 17) */

static char *
targeted_frame (const char         *origin,
                const char * const *audience)
{
  g_autofree char *id = dropify_drop_new_id (audience);
  g_autoptr(GString) list = g_string_new ("[");

  for (guint i = 0; audience[i] != NULL; i++)
    g_string_append_printf (list, "%s\"%s\"", i > 0 ? "," : "", audience[i]);
  g_string_append (list, "]");

  return g_strdup_printf ("{\"type\":\"drop\",\"drop\":{\"id\":\"%s\",\"kind\":\"text\",\"origin\":\"%s\","
                          "\"origin_name\":\"Mallory\",\"created_at\":%" G_GINT64_FORMAT ","
                          "\"expires_at\":%" G_GINT64_FORMAT ",\"text\":\"not for you\",\"audience\":%s}}",
                          id, origin, g_get_real_time () / 1000, g_get_real_time () / 1000 + 3600000,
                          list->str);
}

static char *
id_of_frame (const char *frame)
{
  g_autoptr(DropifyMessage) message = dropify_message_parse (frame, strlen (frame), NULL);

  g_assert_nonnull (message);
  return g_strdup (dropify_drop_get_id (message->drop));
}

/* A paired peer pushes drops whose audience leaves out the victim, or
 * leaves out the peer itself (so it should never have held them): both
 * are refused and the connection closed; nothing is stored. One for the
 * victim, from the peer, is a drop like any other. */
static void
test_drop_not_for_us (void)
{
  const char *victim_id = dropify_identity_get_device_id (dropify_service_get_identity (victim->service));
  const char *friend_id = dropify_identity_get_device_id (dropify_service_get_identity (friend->service));

  {
    g_autoptr(Raw) raw = raw_connect ();
    const char * const audience[] = { friend_id, NULL };
    g_autofree char *frame = NULL;
    g_autofree char *id = NULL;

    raw_wait_trusted (raw);
    frame = targeted_frame (dropify_identity_get_device_id (raw->identity), audience);
    id = id_of_frame (frame);
    raw_send (raw, frame);
    g_assert_cmpint (raw_wait_closed (raw), ==, DROPIFY_CLOSE_BAD_MESSAGE);
    g_assert_null (dropify_history_lookup (dropify_service_get_history (victim->service), id));
    g_assert_false (dropify_test_node_has_drop (friend, id, 200));
  }

  {
    g_autoptr(Raw) raw = raw_connect ();
    const char * const audience[] = { victim_id, NULL };
    g_autofree char *frame = NULL;
    g_autofree char *id = NULL;

    /* From friend to the victim, says the drop: then the sender has no
     * business holding it. */
    raw_wait_trusted (raw);
    frame = targeted_frame (friend_id, audience);
    id = id_of_frame (frame);
    raw_send (raw, frame);
    g_assert_cmpint (raw_wait_closed (raw), ==, DROPIFY_CLOSE_BAD_MESSAGE);
    g_assert_null (dropify_history_lookup (dropify_service_get_history (victim->service), id));
  }

  {
    g_autoptr(Raw) raw = raw_connect ();
    const char * const audience[] = { victim_id, NULL };
    g_autofree char *frame = NULL;
    g_autofree char *id = NULL;

    raw_wait_trusted (raw);
    frame = targeted_frame (dropify_identity_get_device_id (raw->identity), audience);
    id = id_of_frame (frame);
    raw_send (raw, frame);
    g_assert_true (dropify_test_wait_for (victim_has, id, WAIT_MS));
    g_assert_false (raw->closed);
    /* The victim does not relay it to friend, outside its audience. */
    run_for (1000);
    g_assert_false (dropify_test_node_has_drop (friend, id, 100));
    g_assert_true (dropify_service_delete (victim->service, id, NULL));
  }

  assert_unharmed ("drops whose audience leaves out the victim or their sender");
}

static void
id_of_drop_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  DropifyDrop **drop = user_data;
  g_autoptr(GError) error = NULL;

  *drop = dropify_service_send_file_finish (DROPIFY_SERVICE (object), result, &error);
  g_assert_no_error (error);
}

/* A paired peer outside a file drop's audience asks for its content
 * anyway (it learned the SHA-256 some other way): file-missing, and not
 * one byte. It never heard of the drop, nor got a have for it. */
static void
test_file_get_not_for_us (void)
{
  const char *friend_id = dropify_identity_get_device_id (dropify_service_get_identity (friend->service));
  const char * const audience[] = { friend_id, NULL };
  g_autoptr(Raw) raw = raw_connect ();
  g_autofree char *dir = dropify_test_make_dir ("not-for-you");
  g_autofree char *path = dropify_test_write_random (dir, "private.bin", 300 * 1000);
  g_autofree char *sha = dropify_test_sha256_file (path);
  g_autofree char *get = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(DropifyDrop) drop = NULL;
  WaitText got = { raw, "file-missing" };

  raw_wait_trusted (raw);
  dropify_service_send_file_to_async (victim->service, file, 0, audience, NULL, id_of_drop_cb, &drop);
  g_assert_true (dropify_test_wait_for (drop_is_set, &drop, WAIT_MS));
  g_assert_true (dropify_test_node_has_drop (friend, dropify_drop_get_id (drop), WAIT_MS));

  get = dropify_protocol_encode_file_get (sha, 0, 8 * 1024 * 1024);
  raw_send (raw, get);
  g_assert_true (dropify_test_wait_for (received_type, &got, WAIT_MS));
  run_for (300);
  g_assert_cmpuint (raw->binary, ==, 0);
  g_assert_false (raw->closed);

  for (guint i = 0; i < raw->texts->len; i++)
    {
      const char *text = g_ptr_array_index (raw->texts, i);

      g_assert_null (strstr (text, dropify_drop_get_id (drop)));
      g_assert_false (strstr (text, "\"type\":\"have\"") && strstr (text, sha));
    }

  g_assert_true (dropify_service_delete (victim->service, dropify_drop_get_id (drop), NULL));
  dropify_test_remove_dir (dir);
  assert_unharmed ("a file-get for content not meant for the asker");
}

static gboolean
received_drop (gpointer data)
{
  const char **args = data;
  Raw *raw = (Raw *) args[0];

  for (guint i = 0; i < raw->texts->len; i++)
    if (strstr (g_ptr_array_index (raw->texts, i), args[1]))
      return TRUE;

  return FALSE;
}

/* A paired device that comes back speaking version 3, which knows
 * nothing of audiences, is closed as incompatible before anything is
 * sent to it: not even a drop meant for it. */
static void
test_old_protocol_gets_nothing (void)
{
  g_autoptr(Raw) raw = raw_connect ();
  g_autoptr(Raw) old = NULL;
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *hello = NULL;
  const char *args[2];
  const char *raw_id;

  raw_wait_trusted (raw);
  raw_id = dropify_identity_get_device_id (raw->identity);
  {
    const char * const audience[] = { raw_id, NULL };
    drop = dropify_service_send_text_to (victim->service, "for the paired device", 0, audience, &error);
    g_assert_no_error (error);
  }
  args[0] = (const char *) raw;
  args[1] = dropify_drop_get_id (drop);
  g_assert_true (dropify_test_wait_for (received_drop, args, WAIT_MS));

  soup_websocket_connection_close (raw->ws, 1000, NULL);
  g_assert_true (dropify_test_wait_for (raw_is_closed, raw, WAIT_MS));

  old = raw_connect_full ("127.0.0.1", dropify_sync_get_port (dropify_service_get_sync (victim->service)),
                          raw->dir);
  hello = g_strdup_printf ("{\"type\":\"hello\",\"version\":3,\"device_id\":\"%s\",\"name\":\"Old\","
                           "\"clock\":%" G_GINT64_FORMAT ",\"port\":0}",
                           raw_id, g_get_real_time () / 1000);
  raw_send (old, hello);
  g_assert_cmpint (raw_wait_closed (old), ==, DROPIFY_CLOSE_INCOMPATIBLE);
  for (guint i = 0; i < old->texts->len; i++)
    {
      const char *text = g_ptr_array_index (old->texts, i);

      g_test_message ("the old device got: %.80s", text);
      g_assert_nonnull (strstr (text, "\"type\":\"hello\""));
    }

  g_assert_true (dropify_service_delete (victim->service, dropify_drop_get_id (drop), NULL));
  assert_unharmed ("a paired device back on protocol 3");
}

/* meson.build runs it as four tests of eight cases each, in this order
 * (dropify_test_add_cases). The order is the one the cases were written
 * in, but for the three that wait longest (connection-flood,
 * half-open-connections, one-byte-a-second), each moved into a test of
 * its own, so that the four take about as long as each other. */
static const DropifyTestCase cases[] = {
  { "/hostile/frames-before-trust", test_frames_before_trust },
  { "/hostile/huge-frame", test_huge_frame },
  { "/hostile/invalid-utf8", test_invalid_utf8 },
  { "/hostile/huge-fragmented", test_huge_fragmented },
  { "/hostile/frame-flood", test_frame_flood },
  { "/hostile/dialed-stranger-fragments", test_dialed_stranger_fragments },
  { "/hostile/plain-from-a-peers-port", test_plain_from_a_peers_port },
  { "/hostile/connection-flood", test_connection_flood },

  { "/hostile/stranger-learns-nothing", test_stranger_learns_nothing },
  { "/hostile/flood-before-trust", test_flood_before_trust },
  { "/hostile/strangers-fill-the-waiting-room", test_strangers_fill_the_waiting_room },
  { "/hostile/claims-a-paired-id", test_claims_a_paired_id },
  { "/hostile/names-in-hello", test_names_in_hello },
  { "/hostile/paths-in-names", test_paths_in_names },
  { "/hostile/bidi-in-file-name", test_bidi_in_file_name },
  { "/hostile/half-open-connections", test_half_open_connections },

  { "/hostile/hash-mismatch", test_hash_mismatch },
  { "/hostile/have-bounded", test_have_bounded },
  { "/hostile/transfer-cancel", test_transfer_cancel },
  { "/hostile/have-on-local-file", test_have_on_local_file },
  { "/hostile/holders-speak-for-themselves", test_holders_speak_for_themselves },
  { "/hostile/chunk-beyond-size", test_chunk_beyond_size },
  { "/hostile/one-byte-a-second", test_one_byte_a_second },
  { "/hostile/body-to-peer-endpoint", test_body_to_peer_endpoint },

  { "/hostile/huge-file-get-limit", test_huge_file_get_limit },
  { "/hostile/far-future-created-at", test_far_future_created_at },
  { "/hostile/year-9999-expiry", test_year_9999_expiry },
  { "/hostile/ids-flood", test_ids_flood },
  { "/hostile/strangers-capped", test_strangers_capped },
  { "/hostile/drop-not-for-us", test_drop_not_for_us },
  { "/hostile/file-get-not-for-us", test_file_get_not_for_us },
  { "/hostile/old-protocol-gets-nothing", test_old_protocol_gets_nothing },
};

int
main (int   argc,
      char *argv[])
{
  int status;

  /* All of this test's files go under its own root, so "outside the data
   * dirs" is something this test can check exactly. */
  if (g_mkdtemp (root) == NULL)
    g_error ("Could not make %s", root);
  g_setenv ("TMPDIR", root, TRUE);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
  /* Every case logs a warning on purpose. */
  g_log_set_fatal_mask ("dropify-sync", G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
  g_log_set_fatal_mask ("dropify-server", G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);

  victim = dropify_test_node_start ("victim", SECRET);
  friend = dropify_test_node_start ("friend", SECRET);
  victim_ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *text = g_strdup_printf ("precious %u", i);
      g_ptr_array_add (victim_ids, dropify_test_node_send_text (victim, text));
    }
  dropify_test_node_connect (friend, victim);
  g_assert_true (dropify_test_node_has_drop (friend, g_ptr_array_index (victim_ids, 0), WAIT_MS));
  outside_before = outside_paths ();

  /* Each of meson.build's tests has a victim of its own. */
  dropify_test_add_cases (cases, G_N_ELEMENTS (cases));

  status = g_test_run ();

  dropify_test_node_stop (friend);
  dropify_test_node_stop (victim);
  g_ptr_array_unref (victim_ids);
  g_hash_table_unref (outside_before);
  dropify_test_remove_dir (root);

  return status;
}
