#include "config.h"

#include <libsoup/soup.h>
#include <signal.h>

#include "dropify-control.h"
#include "dropify-test-support.h"

/* The two attacks on trust that a person cannot see, played for real:
 *
 * - a man in the middle of two real instances (real processes), which
 *   this process is, while their users pair: it runs one exchange with
 *   each and tries again and again on one side for codes that match;
 * - a stranger that gets dialed by a real instance that has a group
 *   secret, and one that dials it: what they receive, and how many
 *   guesses they get.
 *
 * Everything runs on loopback. */

#define WAIT_MS    10000
#define SECRET     "correct horse battery staple"

/* One side of this process: a WebSocket to or from a real instance,
 * with a certificate of its own. */

typedef struct _Link Link;
typedef void (*LinkHandler) (Link *link, DropifyMessage *message, gpointer data);

struct _Link
{
  SoupWebsocketConnection *ws;
  DropifyIdentity         *identity;
  char                    *dir;
  GPtrArray               *texts;      /* text messages received */
  GError                  *error;
  gboolean                 closed;
  LinkHandler              handler;
  gpointer                 handler_data;
};

static DropifyIdentity *
new_identity (char **dir)
{
  g_autoptr(GError) error = NULL;
  DropifyIdentity *identity;

  *dir = dropify_test_make_dir ("attacker");
  identity = dropify_identity_new (*dir, &error);
  g_assert_no_error (error);

  return identity;
}

static Link *
link_new (void)
{
  Link *link = g_new0 (Link, 1);

  link->texts = g_ptr_array_new_with_free_func (g_free);
  link->identity = new_identity (&link->dir);

  return link;
}

static void
link_free (Link *link)
{
  if (link->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (link->ws, link);
      if (soup_websocket_connection_get_state (link->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (link->ws, 1000, NULL);
    }
  g_clear_object (&link->ws);
  g_clear_object (&link->identity);
  g_clear_error (&link->error);
  g_ptr_array_unref (link->texts);
  dropify_test_remove_dir (link->dir);
  g_free (link->dir);
  g_free (link);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Link, link_free)

static void
link_send (Link       *link,
           const char *text)
{
  if (link->ws != NULL && soup_websocket_connection_get_state (link->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (link->ws, text);
}

static void
link_send_owned (Link *link,
                 char *text)
{
  link_send (link, text);
  g_free (text);
}

static void
link_message_cb (SoupWebsocketConnection *ws,
                 int                      type,
                 GBytes                  *bytes,
                 Link                    *link)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autoptr(DropifyMessage) message = NULL;

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    return;

  g_ptr_array_add (link->texts, g_strndup (data, len));
  message = dropify_message_parse (data, len, NULL);
  if (message != NULL && link->handler != NULL)
    link->handler (link, message, link->handler_data);
}

static void
link_closed_cb (SoupWebsocketConnection *ws,
                Link                    *link)
{
  link->closed = TRUE;
}

static void
link_attach (Link                    *link,
             SoupWebsocketConnection *ws)
{
  link->ws = g_object_ref (ws);
  g_signal_connect (ws, "message", G_CALLBACK (link_message_cb), link);
  g_signal_connect (ws, "closed", G_CALLBACK (link_closed_cb), link);
}

static gboolean
accept_any (SoupMessage *msg, GTlsCertificate *c, GTlsCertificateFlags e, gpointer d)
{
  return TRUE;
}

static void
link_connected_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Link *link = user_data;
  g_autoptr(SoupWebsocketConnection) ws = NULL;

  ws = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, &link->error);
  if (ws != NULL)
    link_attach (link, ws);
}

static gboolean
link_ready (gpointer data)
{
  Link *link = data;
  return link->ws != NULL || link->error != NULL;
}

/* Dials a real instance on @port, with this link's certificate, from
 * @source (an address of this machine). */
static void
link_dial_from (Link       *link,
                const char *source,
                guint       port)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (source);
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new (address, 0);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("proxy-resolver", NULL,
                                                                  "local-address", local, NULL);
  g_autofree char *uri = g_strdup_printf ("wss://127.0.0.1:%u/v1/peer", port);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);

  soup_message_set_tls_client_certificate (msg, dropify_identity_get_certificate (link->identity));
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any), NULL);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        link_connected_cb, link);
  g_assert_true (dropify_test_wait_for (link_ready, link, WAIT_MS));
  g_assert_no_error (link->error);
}

static void
link_dial (Link  *link,
           guint  port)
{
  link_dial_from (link, "127.0.0.1", port);
}

static void
link_hello (Link       *link,
            const char *name)
{
  link_send_owned (link, dropify_protocol_encode_hello (dropify_identity_get_device_id (link->identity), name,
                                                        g_get_real_time () / 1000, 0));
}

/* The fingerprint a link's other end presented: the instance's. */
static char *
link_peer_fingerprint (Link *link)
{
  GIOStream *stream = soup_websocket_connection_get_io_stream (link->ws);
  GTlsCertificate *certificate = NULL;

  /* The WebSocket's stream is libsoup's wrapper; the TLS connection is
   * its base. */
  while (stream != NULL && !G_IS_TLS_CONNECTION (stream))
    {
      GIOStream *base = NULL;

      if (g_object_class_find_property (G_OBJECT_GET_CLASS (stream), "base-iostream") == NULL)
        break;
      g_object_get (stream, "base-iostream", &base, NULL);
      g_object_unref (base);   /* the stream holds it */
      stream = base;
    }

  g_assert_true (G_IS_TLS_CONNECTION (stream));
  certificate = g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (stream));
  g_assert_nonnull (certificate);

  return dropify_certificate_fingerprint (certificate);
}

/* What a bucket of @per_minute lets through in @seconds: all of it at
 * once, then its refill. */
static guint
allowed (guint  per_minute,
         double seconds)
{
  return per_minute + (guint) (per_minute * seconds / 60.0);
}

/* Instances */

static guint
instance_port (const char *dir)
{
  g_autoptr(JsonNode) status = dropify_control_request (dir, "GET", "/v1/status", NULL, NULL);

  g_assert_nonnull (status);
  return (guint) json_object_get_int_member (json_node_get_object (status), "port");
}

static char *
instance_fingerprint (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DropifyIdentity) identity = dropify_identity_new (dir, &error);

  g_assert_no_error (error);
  return g_strdup (dropify_identity_get_fingerprint (identity));
}

/* The instance's view of @device_id, as `dropify peers --json` has it. */
static JsonObject *
peer_json (const char *dir,
           const char *device_id)
{
  g_autoptr(JsonNode) peers = dropify_control_request (dir, "GET", "/v1/peers", NULL, NULL);
  JsonArray *array;

  if (peers == NULL || !JSON_NODE_HOLDS_ARRAY (peers))
    return NULL;

  array = json_node_get_array (peers);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *peer = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (peer, "id", NULL), device_id) == 0)
        return json_object_ref (peer);
    }

  return NULL;
}

typedef struct
{
  const char *dir;
  const char *device_id;
  const char *member;
} PeerQuery;

static gboolean
peer_has_member (gpointer data)
{
  PeerQuery *query = data;
  g_autoptr(JsonObject) peer = peer_json (query->dir, query->device_id);

  return peer != NULL && json_object_has_member (peer, query->member);
}

static char *
peer_string (const char *dir,
             const char *device_id,
             const char *member)
{
  g_autoptr(JsonObject) peer = peer_json (dir, device_id);

  g_assert_nonnull (peer);
  return g_strdup (json_object_get_string_member_with_default (peer, member, NULL));
}

/* The man in the middle */

typedef struct
{
  Link     *to_a;            /* as "Beta", to Alpha */
  Link     *to_b;            /* as "Alpha", to Beta */
  char     *fp_a;
  char     *fp_b;

  /* With A: A initiates, we respond. */
  char     *a_attempt;
  char     *a_commit;
  char     *our_nonce_a;
  char     *code_a;

  /* With B: we initiate, again and again. */
  char     *b_attempt;
  char     *our_nonce_b;
  char     *code_b;
  guint     b_started;
  guint     b_answered;
  guint     b_refused;
  int64_t   grind_until;
  char     *first_code_b;
  gboolean  grinding;
  gboolean  matched;
  gboolean  done;
} Mitm;

static void
mitm_start_with_b (Mitm *mitm)
{
  g_autofree char *commit = NULL;

  g_free (mitm->b_attempt);
  g_free (mitm->our_nonce_b);
  mitm->b_attempt = dropify_pairing_random_hex (DROPIFY_PROTOCOL_ATTEMPT_LEN);
  mitm->our_nonce_b = dropify_pairing_random_hex (DROPIFY_PROTOCOL_NONCE_LEN);
  commit = dropify_pairing_commitment (mitm->b_attempt, dropify_identity_get_fingerprint (mitm->to_b->identity),
                                       mitm->our_nonce_b);
  mitm->b_started++;
  link_send_owned (mitm->to_b, dropify_protocol_encode_pair_request (mitm->b_attempt, commit));
}

/* Once both codes are known: a match ends it; else another attempt with
 * B, while the time lasts. */
static void
mitm_grind (Mitm *mitm)
{
  if (mitm->code_a == NULL || mitm->code_b == NULL || mitm->done || !mitm->grinding)
    return;

  if (g_str_equal (mitm->code_a, mitm->code_b))
    {
      mitm->matched = mitm->done = TRUE;
      return;
    }

  if (g_get_monotonic_time () >= mitm->grind_until || mitm->b_started >= 200)
    {
      mitm->done = TRUE;
      return;
    }

  link_send_owned (mitm->to_b, dropify_protocol_encode_pair_reject (mitm->b_attempt, DROPIFY_PAIR_END_DECLINED));
  g_clear_pointer (&mitm->code_b, g_free);
  mitm_start_with_b (mitm);
}

static gboolean
mitm_retry_cb (gpointer data)
{
  Mitm *mitm = data;

  if (!mitm->done)
    {
      if (g_get_monotonic_time () >= mitm->grind_until)
        mitm->done = TRUE;
      else
        mitm_start_with_b (mitm);
    }

  return G_SOURCE_REMOVE;
}

static void
mitm_from_a (Link           *link,
             DropifyMessage *message,
             gpointer        data)
{
  Mitm *mitm = data;

  switch (message->type)
    {
    case DROPIFY_MESSAGE_PAIR_REQUEST:
      /* A commits; we answer with a nonce of our choice, and start with
       * B at once. Our nonce cannot depend on A's: we have only its
       * commitment. */
      mitm->a_attempt = g_strdup (message->attempt);
      mitm->a_commit = g_strdup (message->commit);
      mitm->our_nonce_a = dropify_pairing_random_hex (DROPIFY_PROTOCOL_NONCE_LEN);
      link_send_owned (link, dropify_protocol_encode_pair_nonce (mitm->a_attempt, mitm->our_nonce_a));
      mitm_start_with_b (mitm);
      break;

    case DROPIFY_MESSAGE_PAIR_NONCE:
      {
        g_autofree char *check = dropify_pairing_commitment (mitm->a_attempt, mitm->fp_a, message->nonce);

        g_assert_cmpstr (check, ==, mitm->a_commit);
        mitm->code_a = dropify_pairing_code_for (mitm->a_attempt, mitm->fp_a,
                                                 dropify_identity_get_fingerprint (link->identity),
                                                 message->nonce, mitm->our_nonce_a);
        mitm_grind (mitm);
      }
      break;

    default:
      break;
    }
}

static void
mitm_from_b (Link           *link,
             DropifyMessage *message,
             gpointer        data)
{
  Mitm *mitm = data;

  if (g_strcmp0 (message->attempt, mitm->b_attempt) != 0)
    return;

  switch (message->type)
    {
    case DROPIFY_MESSAGE_PAIR_NONCE:
      mitm->b_answered++;
      link_send_owned (link, dropify_protocol_encode_pair_nonce (mitm->b_attempt, mitm->our_nonce_b));
      mitm->code_b = dropify_pairing_code_for (mitm->b_attempt, dropify_identity_get_fingerprint (link->identity),
                                               mitm->fp_b, mitm->our_nonce_b, message->nonce);
      if (mitm->first_code_b == NULL)
        mitm->first_code_b = g_strdup (mitm->code_b);
      mitm_grind (mitm);
      break;

    case DROPIFY_MESSAGE_PAIR_REJECT:
      /* Busy: too many attempts. Ask again a little later. */
      mitm->b_refused++;
      g_timeout_add (100, mitm_retry_cb, mitm);
      break;

    default:
      break;
    }
}

static gboolean
mitm_done (gpointer data)
{
  return ((Mitm *) data)->done;
}

static void
test_man_in_the_middle (void)
{
  g_autofree char *dir_a = dropify_test_make_dir ("alpha");
  g_autofree char *dir_b = dropify_test_make_dir ("beta");
  const char * const name_a[] = { "--name", "Alpha", NULL };
  const char * const name_b[] = { "--name", "Beta", NULL };
  g_autoptr(DropifyTestInstance) a = dropify_test_instance_start (dir_a, name_a);
  g_autoptr(DropifyTestInstance) b = dropify_test_instance_start (dir_b, name_b);
  g_autoptr(Link) to_a = link_new ();
  g_autoptr(Link) to_b = link_new ();
  g_autoptr(DropifyTestRun) start = NULL;
  g_autofree char *shown_a = NULL;
  g_autofree char *shown_b = NULL;
  g_autofree char *error_a = NULL;
  g_autofree char *error_b = NULL;
  g_autofree char *id_m1 = g_strdup (dropify_identity_get_device_id (to_a->identity));
  g_autofree char *id_m2 = g_strdup (dropify_identity_get_device_id (to_b->identity));
  PeerQuery a_sees_m1 = { dir_a, id_m1, "pairing" };
  PeerQuery b_sees_m2 = { dir_b, id_m2, "pairing" };
  PeerQuery a_code = { dir_a, id_m1, "pairing_code" };
  PeerQuery b_code = { dir_b, id_m2, "pairing_code" };
  PeerQuery a_failed = { dir_a, id_m1, "pairing_error" };
  PeerQuery b_failed = { dir_b, id_m2, "pairing_error" };
  Mitm mitm = { 0 };
  int64_t started;
  double seconds;

  /* Alpha and Beta each think they talk to the other. */
  mitm.to_a = to_a;
  mitm.to_b = to_b;
  to_a->handler = mitm_from_a;
  to_b->handler = mitm_from_b;
  to_a->handler_data = to_b->handler_data = &mitm;
  link_dial (to_a, instance_port (dir_a));
  link_dial (to_b, instance_port (dir_b));
  mitm.fp_a = link_peer_fingerprint (to_a);
  mitm.fp_b = link_peer_fingerprint (to_b);
  {
    g_autofree char *fp_a = instance_fingerprint (dir_a);
    g_assert_cmpstr (mitm.fp_a, ==, fp_a);
  }
  link_hello (to_a, "Beta");
  link_hello (to_b, "Alpha");
  g_assert_true (dropify_test_wait_for (peer_has_member, &a_sees_m1, WAIT_MS));
  g_assert_true (dropify_test_wait_for (peer_has_member, &b_sees_m2, WAIT_MS));

  /* The person at Alpha asks to pair with "Beta", and Beta's screen gets
   * a request from "Alpha". The CLI waits for the code, so this process
   * keeps running its side meanwhile. */
  {
    const char * const args[] = { "pair", "--data-dir", dir_a, "accept", id_m1, NULL };

    start = dropify_test_runv_iterating (args);
  }
  g_assert_cmpint (start->status, ==, 0);
  g_assert_true (dropify_test_wait_for (peer_has_member, &a_code, WAIT_MS));
  g_assert_true (dropify_test_wait_for (peer_has_member, &b_code, WAIT_MS));

  /* What the screens show is what the man in the middle computed: it
   * ran each exchange faithfully, and still the codes differ. */
  shown_a = peer_string (dir_a, id_m1, "pairing_code");
  shown_b = peer_string (dir_b, id_m2, "pairing_code");
  g_test_message ("Alpha shows %s, Beta shows %s", shown_a, shown_b);
  g_assert_cmpstr (shown_a, ==, mitm.code_a);
  g_assert_cmpstr (shown_b, ==, mitm.first_code_b);
  g_assert_cmpstr (shown_a, !=, shown_b);

  /* Now it grinds: with Alpha's code known, it tries Beta again and
   * again for the same code. Each try is a fresh nonce from Beta. */
  started = g_get_monotonic_time ();
  mitm.grind_until = started + 8 * G_USEC_PER_SEC;
  mitm.grinding = TRUE;
  mitm_grind (&mitm);
  g_assert_true (dropify_test_wait_for (mitm_done, &mitm, 15000));
  seconds = (double) (g_get_monotonic_time () - started) / G_USEC_PER_SEC;
  g_test_message ("the man in the middle started %u attempts with Beta in %.1f s: %u answered, "
                  "%u refused as busy (%.2f answered a second); codes matched: %s",
                  mitm.b_started, seconds, mitm.b_answered, mitm.b_refused, mitm.b_answered / seconds,
                  mitm.matched ? "yes" : "no");
  g_assert_false (mitm.matched);

  /* Beta answers a few attempts a minute from one address and
   * certificate: a million-to-one chance each. */
  g_assert_cmpuint (mitm.b_answered, >=, 1);
  g_assert_cmpuint (mitm.b_answered, <=, allowed (3, seconds));
  g_assert_cmpuint (mitm.b_refused, >=, 1);

  /* It gives up and goes: both devices say the attempt failed, and
   * neither trusts anyone. */
  g_clear_pointer (&to_a, link_free);
  g_clear_pointer (&to_b, link_free);
  g_assert_true (dropify_test_wait_for (peer_has_member, &a_failed, WAIT_MS));
  g_assert_true (dropify_test_wait_for (peer_has_member, &b_failed, WAIT_MS));
  error_a = peer_string (dir_a, id_m1, "pairing_error");
  error_b = peer_string (dir_b, id_m2, "pairing_error");
  g_test_message ("Alpha says: %s", error_a);
  g_test_message ("Beta says: %s", error_b);
  {
    g_autoptr(JsonObject) on_a = peer_json (dir_a, id_m1);
    g_autoptr(JsonObject) on_b = peer_json (dir_b, id_m2);

    g_assert_false (json_object_get_boolean_member (on_a, "trusted"));
    g_assert_false (json_object_get_boolean_member (on_b, "trusted"));
  }

  g_free (mitm.fp_a);
  g_free (mitm.fp_b);
  g_free (mitm.a_attempt);
  g_free (mitm.a_commit);
  g_free (mitm.our_nonce_a);
  g_free (mitm.code_a);
  g_free (mitm.b_attempt);
  g_free (mitm.our_nonce_b);
  g_free (mitm.code_b);
  g_free (mitm.first_code_b);
  g_assert_cmpint (dropify_test_instance_stop (a, SIGTERM), ==, 0);
  g_assert_cmpint (dropify_test_instance_stop (b, SIGTERM), ==, 0);
  dropify_test_remove_dir (dir_a);
  dropify_test_remove_dir (dir_b);
}

/* The dialed stranger */

typedef struct
{
  GPtrArray      *links;       /* Link*, one per time it was dialed */
  const char     *guess;       /* what it answers with */
  char           *victim_fp;
  guint           starts;
  guint           confirms;
} Stranger;

static gboolean
hang_up_cb (gpointer data)
{
  SoupWebsocketConnection *ws = data;

  if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (ws, 1000, NULL);

  return G_SOURCE_REMOVE;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

static void
stranger_message (Link           *link,
                  DropifyMessage *message,
                  gpointer        data)
{
  Stranger *stranger = data;

  switch (message->type)
    {
    case DROPIFY_MESSAGE_HELLO:
      link_hello (link, "Mallory");
      /* It hangs up a second later, and gets dialed again; long enough
       * for a confirm to come, would the guess be right. */
      g_timeout_add_full (G_PRIORITY_DEFAULT, 1000, hang_up_cb, g_object_ref (link->ws), g_object_unref);
      break;

    case DROPIFY_MESSAGE_AUTH_START:
      {
        /* One guess: answer as the real exchange would with it. */
        g_autoptr(DropifyPairing) pairing = NULL;

        stranger->starts++;
        pairing = dropify_pairing_new (dropify_identity_get_fingerprint (link->identity),
                                       stranger->victim_fp, FALSE);
        g_signal_connect_swapped (pairing, "send", G_CALLBACK (link_send), link);
        dropify_pairing_set_group_secret (pairing, stranger->guess);
        dropify_pairing_start (pairing);
        dropify_pairing_handle_message (pairing, message);
      }
      break;

    case DROPIFY_MESSAGE_AUTH_CONFIRM:
      stranger->confirms++;
      break;

    default:
      break;
    }
}

static void
stranger_dialed_cb (SoupServer              *server,
                    SoupServerMessage       *msg,
                    const char              *path,
                    SoupWebsocketConnection *ws,
                    gpointer                 user_data)
{
  Stranger *stranger = user_data;
  Link *link;

  /* A bound, as every loop here has one. */
  if (stranger->links->len >= 100)
    return;

  link = g_new0 (Link, 1);
  link->texts = g_ptr_array_new_with_free_func (g_free);
  link->identity = g_object_ref (g_object_get_data (G_OBJECT (server), "identity"));
  link->dir = g_strdup (g_object_get_data (G_OBJECT (server), "dir"));
  link->handler = stranger_message;
  link->handler_data = stranger;
  link_attach (link, ws);
  g_ptr_array_add (stranger->links, link);
}

static void
stranger_link_free (Link *link)
{
  /* The directory is the server's. */
  g_clear_pointer (&link->dir, g_free);
  link_free (link);
}

typedef struct
{
  Stranger *stranger;
  guint     starts;
} StartQuery;

static gboolean
got_starts (gpointer data)
{
  StartQuery *query = data;
  return query->stranger->starts >= query->starts;
}

/* Every device dials every Dropify service announced on the link, so
 * anyone can get dialed by a device that has a group secret. What it
 * receives is a fresh share each time: nothing to test guesses on
 * offline. The one guess it makes in its reply is checked by the device,
 * which confirms only the right one; and the device stops starting
 * exchanges with it after a few. */
static void
test_dialed_stranger (void)
{
  g_autofree char *dir_a = dropify_test_make_dir ("alpha");
  g_autofree char *stranger_dir = NULL;
  g_autoptr(DropifyIdentity) identity = new_identity (&stranger_dir);
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autoptr(DropifyTestInstance) a = NULL;
  g_autoptr(GHashTable) shares = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *address = NULL;
  Stranger stranger = { g_ptr_array_new_with_free_func ((GDestroyNotify) stranger_link_free),
                        "a wrong guess", NULL, 0, 0 };
  StartQuery first = { &stranger, 1 };
  int64_t started;
  double seconds;

  server = soup_server_new ("tls-certificate", dropify_identity_get_certificate (identity), NULL);
  g_object_set_data_full (G_OBJECT (server), "identity", g_object_ref (identity), g_object_unref);
  g_object_set_data_full (G_OBJECT (server), "dir", g_strdup (stranger_dir), g_free);
  soup_server_add_websocket_handler (server, "/v1/peer", NULL, NULL, stranger_dialed_cb, &stranger, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS,
                                           &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  address = g_strdup_printf ("127.0.0.1:%d", g_uri_get_port (uris->data));

  {
    const char * const args[] = { "--group-secret", SECRET, "--connect", address, NULL };
    a = dropify_test_instance_start (dir_a, args);
  }
  stranger.victim_fp = instance_fingerprint (dir_a);

  /* Dialed, again and again: the device redials a stranger that hangs
   * up. Each time, the stranger guesses wrong and hangs up. */
  started = g_get_monotonic_time ();
  g_assert_true (dropify_test_wait_for (got_starts, &first, WAIT_MS));
  g_assert_false (dropify_test_wait_for (never, NULL, 8000));
  seconds = (double) (g_get_monotonic_time () - started) / G_USEC_PER_SEC;

  /* What the device sent: hellos and starts, nothing else before the
   * stranger committed to a guess; a share and a session id that are new
   * every time; no confirm for a wrong guess. */
  for (guint i = 0; i < stranger.links->len; i++)
    {
      Link *link = g_ptr_array_index (stranger.links, i);

      for (guint j = 0; j < link->texts->len; j++)
        {
          const char *text = g_ptr_array_index (link->texts, j);
          g_autoptr(DropifyMessage) message = dropify_message_parse (text, strlen (text), NULL);

          g_assert_nonnull (message);
          g_assert_true (message->type == DROPIFY_MESSAGE_HELLO || message->type == DROPIFY_MESSAGE_AUTH_START);
          if (message->type == DROPIFY_MESSAGE_AUTH_START)
            {
              g_assert_false (g_hash_table_contains (shares, message->share));
              g_hash_table_add (shares, g_strdup (message->share));
            }
        }
    }
  g_test_message ("dialed %u times in %.1f s; %u exchanges started (%.2f guesses a second), %u confirmed",
                  stranger.links->len, seconds, stranger.starts, stranger.starts / seconds, stranger.confirms);
  g_assert_cmpuint (stranger.confirms, ==, 0);
  g_assert_cmpuint (stranger.starts, >=, 1);
  /* A few guesses a minute, whatever the stranger does (a slow build
   * waits longer, and the bucket refills meanwhile). */
  g_assert_cmpuint (stranger.starts, <=, allowed (3, seconds));
  g_assert_cmpuint (stranger.links->len, >, stranger.starts);

  g_hash_table_foreach (shares, (GHFunc) (void (*) (void)) g_free, NULL);
  g_free (stranger.victim_fp);
  g_ptr_array_unref (stranger.links);
  soup_server_disconnect (server);
  g_assert_cmpint (dropify_test_instance_stop (a, SIGTERM), ==, 0);
  dropify_test_remove_dir (dir_a);
  dropify_test_remove_dir (stranger_dir);
}

/* The dialing stranger */

typedef struct
{
  guint replies;
} Guesses;

static void
guesser_message (Link           *link,
                 DropifyMessage *message,
                 gpointer        data)
{
  Guesses *guesses = data;
  DropifyPairing *pairing = g_object_get_data (G_OBJECT (link->identity), "pairing");

  /* A reply lets the stranger check its one guess: offline, but only
   * that one. */
  if (message->type == DROPIFY_MESSAGE_AUTH_REPLY)
    {
      guesses->replies++;
      dropify_pairing_handle_message (pairing, message);
    }
}

/* A stranger dials a device with a group secret, from twenty addresses
 * with a new certificate each time, and starts an exchange with a guess
 * on every connection: the device answers a few a minute. */
static void
test_dialing_stranger (void)
{
  g_autofree char *dir_a = dropify_test_make_dir ("alpha");
  const char * const args[] = { "--group-secret", SECRET, NULL };
  g_autoptr(DropifyTestInstance) a = dropify_test_instance_start (dir_a, args);
  g_autoptr(GPtrArray) links = g_ptr_array_new_with_free_func ((GDestroyNotify) link_free);
  g_autofree char *victim_fp = instance_fingerprint (dir_a);
  guint port = instance_port (dir_a);
  Guesses guesses = { 0 };
  int64_t started = g_get_monotonic_time ();
  double seconds;

  for (guint i = 0; i < 60 && g_get_monotonic_time () - started < 6 * G_USEC_PER_SEC; i++)
    {
      g_autofree char *source = g_strdup_printf ("127.0.0.%u", 1 + i % 20);
      g_autofree char *guess = g_strdup_printf ("guess number %u", i);
      Link *link = link_new ();
      DropifyPairing *pairing;

      link->handler = guesser_message;
      link->handler_data = &guesses;
      link_dial_from (link, source, port);
      link_hello (link, "Mallory");
      pairing = dropify_pairing_new (dropify_identity_get_fingerprint (link->identity), victim_fp, TRUE);
      g_object_set_data_full (G_OBJECT (link->identity), "pairing", pairing, g_object_unref);
      g_signal_connect_swapped (pairing, "send", G_CALLBACK (link_send), link);
      dropify_pairing_set_group_secret (pairing, guess);
      dropify_pairing_start (pairing);
      g_ptr_array_add (links, link);

      /* Strangers wait in a room of 16; the oldest make way. */
      if (links->len > 12)
        g_ptr_array_remove_index (links, 0);
    }

  /* The last ones get their answer, if any. */
  dropify_test_wait_for (never, NULL, 1000);
  seconds = (double) (g_get_monotonic_time () - started) / G_USEC_PER_SEC;
  g_test_message ("a stranger started exchanges on %u connections from 20 addresses in %.1f s; "
                  "%u were answered (%.2f guesses a second)",
                  60, seconds, guesses.replies, guesses.replies / seconds);

  g_assert_cmpuint (guesses.replies, >=, 1);
  /* Three an address, ten overall, a minute. */
  g_assert_cmpuint (guesses.replies, <=, allowed (10, seconds));

  g_clear_pointer (&links, g_ptr_array_unref);
  g_assert_cmpint (dropify_test_instance_stop (a, SIGTERM), ==, 0);

  /* A burst is logged once, not each guess. */
  {
    g_autofree char *log = NULL;
    g_auto(GStrv) lines = NULL;
    guint bursts = 0;
    guint about_secrets = 0;

    g_assert_true (g_file_get_contents (a->log_path, &log, NULL, NULL));
    lines = g_strsplit (log, "\n", -1);
    for (guint i = 0; lines[i]; i++)
      {
        bursts += strstr (lines[i], "Too many group-secret exchanges") != NULL;
        about_secrets += strstr (lines[i], "group") != NULL;
      }
    g_test_message ("the device logged %u lines about group secrets, %u about the burst", about_secrets, bursts);
    /* A slow build may answer fewer than the bucket allows, and refuse
     * none: no burst then. Never a line per refusal. */
    g_assert_cmpuint (bursts, <=, 1);
    g_assert_cmpuint (about_secrets, <=, 1 + 20);
  }
  dropify_test_remove_dir (dir_a);
}

static const DropifyTestCase cases[] = {
  { "/attack/man-in-the-middle", test_man_in_the_middle },
  { "/attack/dialed-stranger", test_dialed_stranger },
  { "/attack/dialing-stranger", test_dialing_stranger },
};

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  dropify_test_add_cases (cases, G_N_ELEMENTS (cases));

  return g_test_run ();
}
