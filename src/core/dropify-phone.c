#define G_LOG_DOMAIN "dropify-phone"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sys/random.h>

#include "dropify-display-name.h"
#include "dropify-local-address.h"
#include "dropify-phone-private.h"
#include "dropify-protocol.h"
#include "dropify-server.h"

/* The phone page: a web page and a small JSON API on the instance's one
 * SoupServer, for a phone on the same network. Everything under /api needs
 * the access token, which the page takes from its URL's fragment (never
 * sent to a server, so never in a log or a Referer) and sends back in an
 * `Authorization: Bearer` header, or as a WebSocket subprotocol for the
 * live connection. See docs/architecture.md. */

#define TOKEN_BYTES       16          /* 128 bits */
#define TOKEN_FILE        "phone-token"
#define TOKEN_PROTOCOL    "bearer."

/* Failed attempts allowed per client address and window; beyond that,
 * every request from that address gets 429 until the window ends. */
#define MAX_FAILURES      10
#define FAILURE_WINDOW_US (60 * G_USEC_PER_SEC)
#define MAX_TRACKED       256

/* The page answers every ping; one that stays silent this long is gone
 * (a phone that went to sleep never closes its connection). */
#define PING_INTERVAL_S   25
#define SILENCE_LIMIT_US  (75 * G_USEC_PER_SEC)

#define CLOSE_TOKEN_REVOKED 4001

/* An arriving file's progress goes to the pages at most this often: a
 * fast transfer changes it thousands of times a second. */
#define PROGRESS_INTERVAL_MS 250

/* The page's heartbeat, exactly as app.js sends it. */
#define PAGE_PING "{\"type\":\"ping\"}"

/* Names phones chose, one per origin (a browser and the token). A page
 * with the token makes a new origin with every User-Agent it claims:
 * past this many names, an old one goes. */
#define MAX_NAMES 256

/* RFC 6585; libsoup 3.2 has no name for it. */
#define STATUS_TOO_MANY_REQUESTS 429

/* The wrong credentials an address tried in its window, by digest: the
 * same wrong token again guesses nothing new, so it counts once. A page
 * loaded from an old link tries it twice (the live socket, then
 * /api/info to learn why), and may be reloaded a few times. */
#define FAILURE_DIGEST 8

typedef struct
{
  int64_t window_start;   /* monotonic µs */
  guint   count;
  guint8  tried[MAX_FAILURES][FAILURE_DIGEST];
} Failures;

typedef struct
{
  DropifyPhone            *phone;
  SoupWebsocketConnection *ws;
  DropifyPhoneSession     *session;
  int64_t                  last_seen;   /* monotonic µs */
} Live;

G_DEFINE_FINAL_TYPE (DropifyPhone, dropify_phone, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TOKEN,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The token */

static gboolean
token_is_valid (const char *token)
{
  gsize len = strlen (token);

  if (len < 22 || len > 128)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (token[i]) && token[i] != '-' && token[i] != '_')
      return FALSE;

  return TRUE;
}

/* getrandom() reads the kernel's CSPRNG; GLib's g_random is not one. */
static char *
generate_token (GError **error)
{
  guint8 bytes[TOKEN_BYTES];
  gsize filled = 0;
  g_autofree char *base64 = NULL;
  GString *token;

  while (filled < sizeof bytes)
    {
      ssize_t n = getrandom (bytes + filled, sizeof bytes - filled, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Could not make a random token: %s"), g_strerror (saved_errno));
          return NULL;
        }
      filled += (gsize) n;
    }

  /* base64url without padding: safe in a URL fragment and a header. */
  base64 = g_base64_encode (bytes, sizeof bytes);
  token = g_string_new (NULL);
  for (const char *p = base64; *p && *p != '='; p++)
    g_string_append_c (token, *p == '+' ? '-' : *p == '/' ? '_' : *p);

  return g_string_free (token, FALSE);
}

static gboolean
save_token (DropifyPhone  *self,
            const char    *token,
            GError       **error)
{
  g_autofree char *contents = g_strconcat (token, "\n", NULL);

  if (!g_file_set_contents_full (self->token_path, contents, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    {
      g_prefix_error (error, _("Could not save the phone page’s token: "));
      return FALSE;
    }

  return TRUE;
}

static gboolean
load_token (DropifyPhone  *self,
            GError       **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *token = NULL;

  if (g_file_get_contents (self->token_path, &contents, NULL, NULL))
    {
      g_strstrip (contents);
      if (token_is_valid (contents))
        {
          self->token = g_steal_pointer (&contents);
          return TRUE;
        }
      g_warning ("%s is damaged; making a new phone token", self->token_path);
    }

  if (!(token = generate_token (error)) || !save_token (self, token, error))
    return FALSE;

  self->token = g_steal_pointer (&token);
  return TRUE;
}

static void
digest (const char *text,
        guint8      out[32])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len = 32;

  g_checksum_update (checksum, (const guchar *) text, strlen (text));
  g_checksum_get_digest (checksum, out, &len);
}

/* Compares digests, not the strings, so neither the time taken nor an
 * early exit tells anything about how much of a guess was right. */
static gboolean
secret_equal (const char *expected,
              const char *given)
{
  guint8 a[32], b[32];
  guint8 diff = 0;

  if (expected == NULL || given == NULL)
    return FALSE;

  digest (expected, a);
  digest (given, b);
  for (guint i = 0; i < 32; i++)
    diff |= a[i] ^ b[i];

  return diff == 0;
}

gboolean
dropify_phone_token_matches (DropifyPhone *self,
                             const char   *token)
{
  return secret_equal (self->token, token);
}

/* A file's download link carries this instead of the token: a link is
 * something a browser may keep, in its downloads list, so it grants one
 * file and nothing else, and only until the token changes. */
static char *
dup_download_sig (DropifyPhone *self,
                  const char   *id)
{
  g_autofree char *message = g_strconcat ("download:", id, NULL);
  g_autofree char *hmac = g_compute_hmac_for_string (G_CHECKSUM_SHA256,
                                                     (const guchar *) self->token,
                                                     strlen (self->token),
                                                     message, -1);

  return g_strndup (hmac, 32);
}

gboolean
dropify_phone_download_matches (DropifyPhone *self,
                                const char   *id,
                                const char   *sig)
{
  g_autofree char *expected = dup_download_sig (self, id);

  return secret_equal (expected, sig);
}

/**
 * dropify_phone_bearer_token:
 *
 * Returns: (nullable): the token in the request's `Authorization: Bearer`
 *   header
 */
const char *
dropify_phone_bearer_token (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *value = soup_message_headers_get_one (headers, "Authorization");

  if (value == NULL || g_ascii_strncasecmp (value, "Bearer ", 7) != 0)
    return NULL;

  value += 7;
  while (*value == ' ')
    value++;

  return value;
}

/* Stable for one browser and one token, and says nothing about either. */
char *
dropify_phone_dup_origin (DropifyPhone      *self,
                          SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *user_agent = soup_message_headers_get_one (headers, "User-Agent");
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  const char *hex;

  g_checksum_update (checksum, (const guchar *) "dropify-phone-origin", -1);
  g_checksum_update (checksum, (const guchar *) self->token, strlen (self->token) + 1);
  g_checksum_update (checksum, (const guchar *) (user_agent ? user_agent : ""), -1);
  hex = g_checksum_get_string (checksum);

  /* In the shape of a device id. */
  return g_strdup_printf ("%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/**
 * dropify_phone_dup_origin_name:
 * @origin: the browser's origin, from dropify_phone_dup_origin()
 *
 * The name a browser's drops carry: the one its page chose with
 * `PUT /api/name`, or one made from its User-Agent.
 */
char *
dropify_phone_dup_origin_name (DropifyPhone      *self,
                               SoupServerMessage *msg,
                               const char        *origin)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *chosen = g_hash_table_lookup (self->names, origin);

  if (chosen != NULL)
    return g_strdup (chosen);

  return dropify_phone_name_from_user_agent (soup_message_headers_get_one (headers, "User-Agent"));
}

static gboolean
has_session (DropifyPhone *self,
             const char   *origin)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->sessions));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DropifyPhoneSession) session = g_list_model_get_item (G_LIST_MODEL (self->sessions), i);

      if (g_strcmp0 (dropify_phone_session_get_origin (session), origin) == 0)
        return TRUE;
    }

  return FALSE;
}

/* Makes room for a name: one whose page is not open goes first, so that
 * a page making up User-Agents cannot take the names of open ones. */
static void
forget_a_name (DropifyPhone *self)
{
  GHashTableIter iter;
  const char *origin;

  g_hash_table_iter_init (&iter, self->names);
  while (g_hash_table_iter_next (&iter, (gpointer *) &origin, NULL))
    if (!has_session (self, origin))
      {
        g_hash_table_iter_remove (&iter);
        return;
      }

  g_hash_table_iter_init (&iter, self->names);
  if (g_hash_table_iter_next (&iter, NULL, NULL))
    g_hash_table_iter_remove (&iter);
}

/**
 * dropify_phone_set_origin_name:
 * @name: (nullable): a name already checked, or %NULL for the default
 *
 * Names the browser of @origin, and renames its open sessions.
 */
void
dropify_phone_set_origin_name (DropifyPhone *self,
                               const char   *origin,
                               const char   *name)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->sessions));

  if (name == NULL)
    g_hash_table_remove (self->names, origin);
  else
    {
      if (g_hash_table_size (self->names) >= MAX_NAMES && !g_hash_table_contains (self->names, origin))
        forget_a_name (self);
      g_hash_table_replace (self->names, g_strdup (origin), g_strdup (name));
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DropifyPhoneSession) session = g_list_model_get_item (G_LIST_MODEL (self->sessions), i);

      if (g_strcmp0 (dropify_phone_session_get_origin (session), origin) == 0)
        dropify_phone_session_set_name (session, name);
    }
}

/* Responses */

static const char *page_csp =
  "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
  "frame-ancestors 'none'";

/* 'self' covers the page's own WebSocket in CSP 3, but older Safari wants
 * it spelt out: ws:// and the host the page was loaded from, if it is a
 * plain host[:port]. */
static char *
dup_page_csp (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *host = soup_message_headers_get_one (headers, "Host");

  /* CSP's host-source has no IPv6 literal: Chromium reports
   * ws://[::1]:PORT as an invalid source. 'self' covers it there. */
  if (host == NULL || host[0] == '\0' || strlen (host) > 255 ||
      host[strspn (host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:-")] != '\0')
    return g_strdup (page_csp);

  return g_strdup_printf ("%s; connect-src 'self' ws://%s", page_csp, host);
}

/* A file is never shown as a page of ours: no script, no plugin, no
 * frame, whatever its type claims. */
static const char *attachment_csp = "default-src 'none'; sandbox";

/**
 * dropify_phone_add_headers:
 * @attachment: whether the response is a file to download
 *
 * Adds the headers every phone response carries.
 */
void
dropify_phone_add_headers (SoupServerMessage *msg,
                           gboolean           attachment)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *csp = attachment ? g_strdup (attachment_csp) : dup_page_csp (msg);

  soup_message_headers_replace (headers, "Content-Security-Policy", csp);
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (headers, "X-Frame-Options", "DENY");
  soup_message_headers_replace (headers, "Cross-Origin-Resource-Policy", "same-origin");
  if (soup_message_headers_get_one (headers, "Cache-Control") == NULL)
    soup_message_headers_replace (headers, "Cache-Control", "no-store");
}

void
dropify_phone_respond_json (SoupServerMessage *msg,
                            guint              status,
                            JsonNode          *node)
{
  g_autofree char *body = json_to_string (node, FALSE);
  gsize len = strlen (body);

  /* libsoup 3.2 has no phrase for 429 and would send "Unknown Error". */
  soup_server_message_set_status (msg, status,
                                  status == STATUS_TOO_MANY_REQUESTS ? "Too Many Requests" : NULL);
  soup_server_message_set_response (msg, "application/json; charset=utf-8", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&body), len);
}

void
dropify_phone_respond_error (SoupServerMessage *msg,
                             guint              status,
                             const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  dropify_phone_respond_json (msg, status, node);
}

/* Access */

static const char *
client_address (SoupServerMessage *msg)
{
  const char *host = soup_server_message_get_remote_host (msg);
  return host ? host : "";
}

static void
forget_old_failures (DropifyPhone *self,
                     int64_t       now)
{
  GHashTableIter iter;
  Failures *failures;
  gpointer oldest_key = NULL;
  int64_t oldest = G_MAXINT64;

  g_hash_table_iter_init (&iter, self->failures);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &failures))
    if (now - failures->window_start >= FAILURE_WINDOW_US)
      g_hash_table_iter_remove (&iter);

  if (g_hash_table_size (self->failures) < MAX_TRACKED)
    return;

  /* Still full of live windows: make room by forgetting the oldest. */
  g_hash_table_iter_init (&iter, self->failures);
  while (g_hash_table_iter_next (&iter, (gpointer *) &oldest_key, (gpointer *) &failures))
    if (failures->window_start < oldest)
      oldest = failures->window_start;

  g_hash_table_iter_init (&iter, self->failures);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &failures))
    if (failures->window_start == oldest)
      {
        g_hash_table_iter_remove (&iter);
        break;
      }
}

static gboolean
failures_contain (const Failures *failures,
                  const guint8   *tried)
{
  for (guint i = 0; i < failures->count; i++)
    if (memcmp (failures->tried[i], tried, FAILURE_DIGEST) == 0)
      return TRUE;

  return FALSE;
}

/**
 * dropify_phone_admit:
 * @credential: (nullable): what the request presented (token or
 *   signature), or %NULL
 * @credentials_valid: whether it was right
 *
 * Rate-limits failed attempts per client address: an address with too
 * many recent failures gets 429 with `Retry-After`, whatever it sends.
 * Otherwise a request without valid credentials gets 401, and counts as a
 * failure unless the address already tried @credential in this window.
 * Both answers are the same whatever was wrong, so they tell nothing.
 *
 * Returns: %TRUE to go on; %FALSE when @msg has been answered
 */
gboolean
dropify_phone_admit (DropifyPhone      *self,
                     SoupServerMessage *msg,
                     const char        *credential,
                     gboolean           credentials_valid)
{
  const char *address = client_address (msg);
  int64_t now = g_get_monotonic_time ();
  Failures *failures = g_hash_table_lookup (self->failures, address);
  guint8 tried[32];

  if (failures != NULL && now - failures->window_start >= FAILURE_WINDOW_US)
    {
      g_hash_table_remove (self->failures, address);
      failures = NULL;
    }

  if (failures != NULL && failures->count >= MAX_FAILURES)
    {
      int64_t left = failures->window_start + FAILURE_WINDOW_US - now;
      g_autofree char *seconds = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                  MAX ((left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC, 1));

      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", seconds);
      dropify_phone_respond_error (msg, STATUS_TOO_MANY_REQUESTS, "too many attempts");
      return FALSE;
    }

  if (credentials_valid)
    return TRUE;

  if (failures == NULL)
    {
      forget_old_failures (self, now);
      failures = g_new0 (Failures, 1);
      failures->window_start = now;
      g_hash_table_insert (self->failures, g_strdup (address), failures);
    }
  digest (credential ? credential : "", tried);
  if (!failures_contain (failures, tried))
    {
      memcpy (failures->tried[failures->count++], tried, FAILURE_DIGEST);
      if (failures->count == MAX_FAILURES)
        g_message ("Refusing phone requests from %s for a minute: too many wrong tokens", address);
    }

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "WWW-Authenticate", "Bearer");
  dropify_phone_respond_error (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized");
  return FALSE;
}

/* Audiences */

static gboolean is_trusted_peer (DropifyPhone *self,
                                 const char   *id);

/**
 * dropify_phone_may_list:
 * @origin: (nullable): the asking browser's, from
 *   dropify_phone_dup_origin(); %NULL for no browser in particular
 *
 * Whether a phone page shows @drop. A drop for every device is shown.
 * A targeted drop is shown to the browser that sent it, and otherwise
 * only when this computer is in its audience (the page is this
 * computer's) and it comes from this computer or a trusted device, not
 * from another phone: a phone's drop for the laptop also names this
 * computer (see dropify_phone_check_audience()), and the other phones
 * that share this computer's link must not see it (issue 17).
 */
gboolean
dropify_phone_may_list (DropifyPhone *self,
                        DropifyDrop  *drop,
                        const char   *origin)
{
  DropifyIdentity *identity = dropify_service_get_identity (self->service);
  const char *self_id = dropify_identity_get_device_id (identity);
  const char * const *audience = dropify_drop_get_audience (drop);
  const char *from = dropify_drop_get_origin (drop);

  if (audience == NULL)
    return TRUE;

  if (origin != NULL && g_strcmp0 (from, origin) == 0)
    return TRUE;

  if (!g_strv_contains (audience, self_id))
    return FALSE;

  return g_strcmp0 (from, self_id) == 0 || is_trusted_peer (self, from);
}

static gboolean
is_trusted_peer (DropifyPhone *self,
                 const char   *id)
{
  DropifySync *sync = dropify_service_get_sync (self->service);
  GListModel *peers = sync ? dropify_sync_get_peers (sync) : NULL;
  guint n = peers ? g_list_model_get_n_items (peers) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);

      if (dropify_peer_get_trusted (peer) && g_strcmp0 (dropify_peer_get_device_id (peer), id) == 0)
        return TRUE;
    }

  return FALSE;
}

/**
 * dropify_phone_check_audience:
 * @ids: (nullable) (array zero-terminated=1): the devices a page chose
 *
 * Checks the devices a phone's drop is for, as every field is checked:
 * each one this computer or a device it trusts (GET /api/devices), none
 * twice, at most %DROPIFY_DROP_MAX_AUDIENCE with this computer. The
 * phone is no peer: its drop's origin is the phone's, and this computer,
 * which holds the drop and passes it on, must be in the audience, or
 * every receiver would refuse it from a sender that is not one of its
 * holders (docs/protocol.md §4.4). So it is added.
 *
 * Returns: (transfer full) (nullable): the audience, sorted, with this
 *   computer; %NULL for every device, or %NULL with @error set
 */
char **
dropify_phone_check_audience (DropifyPhone        *self,
                              const char * const  *ids,
                              GError             **error)
{
  DropifyIdentity *identity = dropify_service_get_identity (self->service);
  const char *self_id = dropify_identity_get_device_id (identity);
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) audience = NULL;
  guint n;

  if (ids == NULL || ids[0] == NULL)
    return NULL;

  n = g_strv_length ((char **) ids);
  if (n > DROPIFY_DROP_MAX_AUDIENCE ||
      (n == DROPIFY_DROP_MAX_AUDIENCE && !g_strv_contains (ids, self_id)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("A drop from here can go to at most %d other devices"),
                   DROPIFY_DROP_MAX_AUDIENCE - 1);
      return NULL;
    }

  builder = g_strv_builder_new ();
  for (guint i = 0; i < n; i++)
    {
      if (!dropify_protocol_id_is_valid (ids[i]))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("“audience” must hold device ids"));
          return NULL;
        }
      if (!g_str_equal (ids[i], self_id) && !is_trusted_peer (self, ids[i]))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("One of the chosen devices is not paired with %s any more: choose again"),
                       dropify_identity_get_name (identity));
          return NULL;
        }
      g_strv_builder_add (builder, ids[i]);
    }

  if (!g_strv_contains (ids, self_id))
    g_strv_builder_add (builder, self_id);
  audience = g_strv_builder_end (builder);

  return dropify_drop_audience_normalize ((const char * const *) audience, error);
}

/**
 * dropify_phone_parse_audience_header:
 *
 * The audience of a file upload, whose body is the file: the header
 * `X-Audience`, device ids separated by commas, checked as
 * dropify_phone_check_audience() does. No header, or an empty one, is
 * every device.
 *
 * Returns: (transfer full) (nullable): the audience, or %NULL for every
 *   device, or %NULL with @error set
 */
char **
dropify_phone_parse_audience_header (DropifyPhone       *self,
                                     SoupServerMessage  *msg,
                                     GError            **error)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *value = soup_message_headers_get_list (headers, "X-Audience");
  g_auto(GStrv) ids = NULL;

  if (value == NULL || value[strspn (value, " \t")] == '\0')
    return NULL;

  /* Bounded before it is split: the longest fair list is 16 ids of 64. */
  if (strlen (value) > DROPIFY_DROP_MAX_AUDIENCE * 66)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("A drop from here can go to at most %d other devices"),
                   DROPIFY_DROP_MAX_AUDIENCE - 1);
      return NULL;
    }

  ids = g_strsplit (value, ",", -1);
  for (guint i = 0; ids[i] != NULL; i++)
    g_strstrip (ids[i]);

  return dropify_phone_check_audience (self, (const char * const *) ids, error);
}

/**
 * dropify_phone_devices_to_json:
 *
 * The devices a phone may send to: this computer first, then the devices
 * it trusts, with their names as they chose them; the page shows them as
 * text only.
 */
JsonNode *
dropify_phone_devices_to_json (DropifyPhone *self)
{
  DropifyIdentity *identity = dropify_service_get_identity (self->service);
  DropifySync *sync = dropify_service_get_sync (self->service);
  GListModel *peers = sync ? dropify_sync_get_peers (sync) : NULL;
  guint n = peers ? g_list_model_get_n_items (peers) : 0;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);

  json_builder_begin_array (builder);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, dropify_identity_get_device_id (identity));
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, dropify_identity_get_name (identity));
  json_builder_set_member_name (builder, "connected");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_set_member_name (builder, "this");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);
      const char *id = dropify_peer_get_device_id (peer);
      g_autofree char *name = NULL;

      /* A device may have more than one entry (found, and added by hand). */
      if (!dropify_peer_get_trusted (peer) || id == NULL || !g_hash_table_add (listed, (gpointer) id))
        continue;

      name = dropify_display_name_clean_device (dropify_peer_get_name (peer));

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, id);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, name);
      json_builder_set_member_name (builder, "connected");
      json_builder_add_boolean_value (builder, dropify_peer_get_connected (peer));
      json_builder_set_member_name (builder, "this");
      json_builder_add_boolean_value (builder, FALSE);
      json_builder_end_object (builder);
    }

  json_builder_end_array (builder);

  return json_builder_get_root (builder);
}

/* JSON */

/* Who a targeted drop is for, by name, for its card ("To Laptop"): the
 * devices besides this computer, or this computer when it is the only
 * one. Names are those the devices chose, cleaned. */
static void
add_audience_names (DropifyPhone *self,
                    JsonObject   *object,
                    DropifyDrop  *drop)
{
  DropifyIdentity *identity = dropify_service_get_identity (self->service);
  DropifySync *sync = dropify_service_get_sync (self->service);
  const char * const *audience = dropify_drop_get_audience (drop);
  JsonArray *names = json_array_new ();

  for (guint i = 0; audience[i] != NULL; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *shown = NULL;

      if (g_str_equal (audience[i], dropify_identity_get_device_id (identity)))
        continue;
      name = sync ? dropify_sync_dup_holder_name (sync, audience[i]) : NULL;
      shown = dropify_display_name_clean_device (name);
      json_array_add_string_element (names, shown);
    }

  if (json_array_get_length (names) == 0)
    json_array_add_string_element (names, dropify_identity_get_name (identity));

  json_object_set_array_member (object, "to", names);
}

/**
 * dropify_phone_drop_to_json:
 * @full: whether a long text goes whole, or as a preview
 *
 * A drop as `dropify list --json` shows it, without the local `path`, and
 * with the download `url` of a file that is complete, and the address of
 * its `thumbnail` once there is one, and for a targeted drop the names
 * of its audience in `to`. Unless @full, a
 * text longer than %DROPIFY_PHONE_PREVIEW_LIMIT bytes is cut to its first
 * %DROPIFY_PHONE_PREVIEW_BYTES, with `truncated` and the whole `length`:
 * the page shows a few lines of it, and thirty texts of a megabyte would
 * otherwise cost a phone 30 MB to list.
 */
JsonNode *
dropify_phone_drop_to_json (DropifyPhone *self,
                            DropifyDrop  *drop,
                            gboolean      full)
{
  JsonNode *node = dropify_drop_to_json (drop);
  JsonObject *object = json_node_get_object (node);
  const char *text = dropify_drop_get_text (drop);
  gsize len = text ? strlen (text) : 0;

  json_object_remove_member (object, "path");

  if (dropify_drop_is_targeted (drop))
    add_audience_names (self, object, drop);

  if (!full && dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_TEXT &&
      len > DROPIFY_PHONE_PREVIEW_LIMIT)
    {
      const char *end = text + DROPIFY_PHONE_PREVIEW_BYTES;
      g_autofree char *preview = NULL;

      /* Never in the middle of a character. */
      while (end > text && ((guchar) *end & 0xC0) == 0x80)
        end--;
      preview = g_strndup (text, end - text);
      json_object_set_string_member (object, "text", preview);
      json_object_set_boolean_member (object, "truncated", TRUE);
      json_object_set_int_member (object, "length", (int64_t) len);
    }

  if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_FILE && dropify_drop_get_complete (drop))
    {
      g_autofree char *sig = dup_download_sig (self, dropify_drop_get_id (drop));
      g_autofree char *url = g_strdup_printf ("/api/drops/%s/file?sig=%s",
                                              dropify_drop_get_id (drop), sig);

      json_object_set_string_member (object, "url", url);

      /* An <img> sends no Authorization header: the thumbnail's address
       * carries the file's signature, and grants less than the file. */
      if (dropify_thumbnailer_has (dropify_service_get_thumbnailer (self->service),
                                   dropify_drop_get_sha256 (drop)))
        {
          g_autofree char *thumbnail = g_strdup_printf ("/api/drops/%s/thumbnail?sig=%s",
                                                        dropify_drop_get_id (drop), sig);

          json_object_set_string_member (object, "thumbnail", thumbnail);
        }
    }

  return node;
}

static guint
count_listable (DropifyPhone *self,
                const char   *origin)
{
  GListModel *model = G_LIST_MODEL (self->history);
  guint n = g_list_model_get_n_items (model);
  guint listable = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DropifyDrop) drop = g_list_model_get_item (model, i);

      if (dropify_phone_may_list (self, drop, origin))
        listable++;
    }

  return listable;
}

JsonNode *
dropify_phone_info_to_json (DropifyPhone      *self,
                            SoupServerMessage *msg)
{
  DropifyIdentity *identity = dropify_service_get_identity (self->service);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *origin = dropify_phone_dup_origin (self, msg);
  g_autofree char *origin_name = dropify_phone_dup_origin_name (self, msg, origin);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, dropify_identity_get_name (identity));
  json_builder_set_member_name (builder, "now");
  json_builder_add_int_value (builder, dropify_history_now (self->history));
  json_builder_set_member_name (builder, "max_text_length");
  json_builder_add_int_value (builder, dropify_history_get_max_text_length (self->history));
  json_builder_set_member_name (builder, "max_file_size");
  json_builder_add_int_value (builder, (int64_t) MIN (dropify_history_get_max_file_size (self->history),
                                                      (uint64_t) G_MAXINT64));
  json_builder_set_member_name (builder, "ttl");
  json_builder_add_int_value (builder, dropify_service_get_default_ttl (self->service));
  /* All the drops there are for the page: a list holds the newest MAX_LISTED. */
  json_builder_set_member_name (builder, "total");
  json_builder_add_int_value (builder, count_listable (self, origin));
  /* The asking browser: its drops' origin and name. */
  json_builder_set_member_name (builder, "phone_origin");
  json_builder_add_string_value (builder, origin);
  json_builder_set_member_name (builder, "phone_name");
  json_builder_add_string_value (builder, origin_name);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* The live connection */

static void
live_send (Live     *live,
           JsonNode *node)
{
  g_autofree char *text = NULL;

  if (soup_websocket_connection_get_state (live->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    return;

  text = json_to_string (node, FALSE);
  soup_websocket_connection_send_text (live->ws, text);
}

/* Every event is about @drop: one the page does not list is not sent,
 * not even its id. */
static void
broadcast (DropifyPhone *self,
           DropifyDrop  *drop,
           JsonNode     *node)
{
  g_autofree char *text = NULL;

  for (guint i = 0; i < self->lives->len; i++)
    {
      Live *live = g_ptr_array_index (self->lives, i);

      if (soup_websocket_connection_get_state (live->ws) != SOUP_WEBSOCKET_STATE_OPEN ||
          !dropify_phone_may_list (self, drop, dropify_phone_session_get_origin (live->session)))
        continue;
      if (text == NULL)
        text = json_to_string (node, FALSE);
      soup_websocket_connection_send_text (live->ws, text);
    }
}

static JsonNode *
event_with_drop (DropifyPhone *self,
                 const char   *type,
                 DropifyDrop  *drop)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  json_builder_set_member_name (builder, "drop");
  json_builder_add_value (builder, dropify_phone_drop_to_json (self, drop, FALSE));
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* Thumbnails: asked for while a page is connected, for the images it
 * lists; a drop whose thumbnail becomes ready is sent again, changed. */

typedef struct
{
  DropifyPhone *phone;
  char         *id;
} ThumbnailWait;

static void
thumbnail_ready_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ThumbnailWait *wait = user_data;
  DropifyPhone *self = wait->phone;
  g_autoptr(GFile) file = NULL;
  DropifyDrop *drop;

  file = dropify_thumbnailer_lookup_finish (DROPIFY_THUMBNAILER (object), result, NULL);
  if (file != NULL && self->started &&
      (drop = dropify_history_lookup (self->history, wait->id)) != NULL)
    {
      g_autoptr(JsonNode) event = event_with_drop (self, "changed", drop);
      broadcast (self, drop, event);
    }

  g_object_unref (wait->phone);
  g_free (wait->id);
  g_free (wait);
}

static void
want_thumbnail (DropifyPhone *self,
                DropifyDrop  *drop)
{
  DropifyThumbnailer *thumbnailer = dropify_service_get_thumbnailer (self->service);
  ThumbnailWait *wait;

  if (thumbnailer == NULL || self->lives->len == 0 ||
      !dropify_thumbnailer_is_candidate (drop) ||
      dropify_thumbnailer_has (thumbnailer, dropify_drop_get_sha256 (drop)))
    return;

  wait = g_new0 (ThumbnailWait, 1);
  wait->phone = g_object_ref (self);
  wait->id = g_strdup (dropify_drop_get_id (drop));
  dropify_thumbnailer_lookup_async (thumbnailer, drop, self->cancellable, thumbnail_ready_cb, wait);
}

/* Whether an open page lists @drop. */
static gboolean
any_page_may_list (DropifyPhone *self,
                   DropifyDrop  *drop)
{
  for (guint i = 0; i < self->lives->len; i++)
    {
      Live *live = g_ptr_array_index (self->lives, i);

      if (dropify_phone_may_list (self, drop, dropify_phone_session_get_origin (live->session)))
        return TRUE;
    }

  return FALSE;
}

static JsonNode *
snapshot (DropifyPhone      *self,
          SoupServerMessage *msg)
{
  GListModel *model = G_LIST_MODEL (self->history);
  guint n = g_list_model_get_n_items (model);
  guint listed = 0;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *origin = dropify_phone_dup_origin (self, msg);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "snapshot");
  json_builder_set_member_name (builder, "info");
  json_builder_add_value (builder, dropify_phone_info_to_json (self, msg));
  json_builder_set_member_name (builder, "drops");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n && listed < DROPIFY_PHONE_MAX_LISTED; i++)
    {
      g_autoptr(DropifyDrop) drop = g_list_model_get_item (model, i);

      if (!dropify_phone_may_list (self, drop, origin))
        continue;
      json_builder_add_value (builder, dropify_phone_drop_to_json (self, drop, FALSE));
      want_thumbnail (self, drop);
      listed++;
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

static void
live_free (Live *live)
{
  g_signal_handlers_disconnect_by_data (live->ws, live);
  g_clear_object (&live->ws);
  g_clear_object (&live->session);
  g_free (live);
}

static void
remove_session (DropifyPhone        *self,
                DropifyPhoneSession *session)
{
  guint position;

  if (g_list_store_find (self->sessions, session, &position))
    g_list_store_remove (self->sessions, position);
}

static void
live_closed_cb (SoupWebsocketConnection *ws,
                Live                    *live)
{
  DropifyPhone *self = live->phone;

  g_message ("%s at %s disconnected from the phone page",
             dropify_phone_session_get_name (live->session),
             dropify_phone_session_get_address (live->session));

  remove_session (self, live->session);
  g_ptr_array_remove_fast (self->lives, live);

  if (self->lives->len == 0)
    g_clear_handle_id (&self->ping_source, g_source_remove);
}

static void
live_message_cb (SoupWebsocketConnection *ws,
                 SoupWebsocketDataType    type,
                 GBytes                  *message,
                 Live                    *live)
{
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  /* The page answers our pings and sends its own, to learn quickly that
   * this computer stopped answering (a frozen or sleeping desktop keeps
   * the socket open); anything else is ignored, but a binary frame is not
   * something the page sends. */
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_UNSUPPORTED_DATA, NULL);
      return;
    }

  live->last_seen = g_get_monotonic_time ();

  if (len == strlen (PAGE_PING) && memcmp (data, PAGE_PING, len) == 0 &&
      soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (ws, "{\"type\":\"pong\"}");
}

static gboolean
ping_cb (gpointer user_data)
{
  DropifyPhone *self = user_data;
  int64_t now = g_get_monotonic_time ();
  g_autoptr(JsonNode) ping = json_from_string ("{\"type\":\"ping\"}", NULL);

  for (guint i = 0; i < self->lives->len; i++)
    {
      Live *live = g_ptr_array_index (self->lives, i);

      if (now - live->last_seen > SILENCE_LIMIT_US)
        soup_websocket_connection_close (live->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "silent");
      else
        live_send (live, ping);
    }

  return G_SOURCE_CONTINUE;
}

static const char *
protocol_token (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *value = soup_message_headers_get_list (headers, "Sec-WebSocket-Protocol");
  const char *found;

  if (value == NULL || !(found = strstr (value, TOKEN_PROTOCOL)))
    return NULL;

  return found + strlen (TOKEN_PROTOCOL);
}

/**
 * dropify_phone_live_authorize:
 *
 * Checks the token of a WebSocket handshake to /api/live, which arrives as
 * the subprotocol `bearer.TOKEN` (a browser's WebSocket cannot set
 * headers; a query string would put the token into the URL).
 */
void
dropify_phone_live_authorize (DropifyPhone      *self,
                              SoupServerMessage *msg)
{
  const char *token = protocol_token (msg);
  g_autofree char *copy = NULL;
  gboolean valid = FALSE;

  if (token != NULL)
    {
      gsize len = strcspn (token, ", ");

      copy = g_strndup (token, len);
      valid = dropify_phone_token_matches (self, copy);
    }

  dropify_phone_admit (self, msg, copy, valid);
}

void
dropify_phone_live_open (DropifyPhone            *self,
                         SoupServerMessage       *msg,
                         SoupWebsocketConnection *ws)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autofree char *origin = dropify_phone_dup_origin (self, msg);
  g_autoptr(JsonNode) hello = NULL;
  Live *live;

  live = g_new0 (Live, 1);
  live->phone = self;
  live->ws = g_object_ref (ws);
  live->last_seen = g_get_monotonic_time ();
  live->session = dropify_phone_session_new (client_address (msg),
                                             soup_message_headers_get_one (headers, "User-Agent"),
                                             origin);
  if (g_hash_table_contains (self->names, origin))
    dropify_phone_session_set_name (live->session, g_hash_table_lookup (self->names, origin));

  /* The page sends nothing but short answers. */
  soup_websocket_connection_set_max_incoming_payload_size (ws, 4096);
  g_signal_connect (ws, "message", G_CALLBACK (live_message_cb), live);
  g_signal_connect (ws, "closed", G_CALLBACK (live_closed_cb), live);

  g_ptr_array_add (self->lives, live);
  g_list_store_append (self->sessions, live->session);

  if (self->ping_source == 0)
    self->ping_source = g_timeout_add_seconds (PING_INTERVAL_S, ping_cb, self);

  g_message ("%s at %s connected to the phone page",
             dropify_phone_session_get_name (live->session),
             dropify_phone_session_get_address (live->session));

  hello = snapshot (self, msg);
  live_send (live, hello);
}

static void
close_lives (DropifyPhone *self,
             gushort       code,
             const char   *reason)
{
  /* Closing emits "closed" only once the close handshake is done, so
   * take the sessions off the list now. */
  for (guint i = 0; i < self->lives->len; i++)
    {
      Live *live = g_ptr_array_index (self->lives, i);

      remove_session (self, live->session);
      if (soup_websocket_connection_get_state (live->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (live->ws, code, reason);
    }
}

/* History events */

static gboolean
progress_cb (gpointer user_data)
{
  DropifyPhone *self = user_data;
  GHashTableIter iter;
  DropifyDrop *drop;

  self->progress_source = 0;

  g_hash_table_iter_init (&iter, self->progressed);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &drop))
    {
      g_autoptr(JsonBuilder) builder = NULL;
      g_autoptr(JsonNode) event = NULL;

      if (dropify_drop_get_complete (drop))
        continue;

      builder = json_builder_new ();
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "progress");
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, dropify_drop_get_id (drop));
      json_builder_set_member_name (builder, "received");
      json_builder_add_int_value (builder, (int64_t) dropify_drop_get_received (drop));
      json_builder_end_object (builder);
      event = json_builder_get_root (builder);
      broadcast (self, drop, event);
    }
  g_hash_table_remove_all (self->progressed);

  return G_SOURCE_REMOVE;
}

static void
drop_received_cb (DropifyPhone *self,
                  GParamSpec   *pspec,
                  DropifyDrop  *drop)
{
  if (!self->started || self->lives->len == 0 || dropify_drop_get_complete (drop))
    return;

  g_hash_table_replace (self->progressed, (gpointer) dropify_drop_get_id (drop), g_object_ref (drop));
  if (self->progress_source == 0)
    self->progress_source = g_timeout_add (PROGRESS_INTERVAL_MS, progress_cb, self);
}

static void
drop_completed_cb (DropifyPhone *self,
                   GParamSpec   *pspec,
                   DropifyDrop  *drop)
{
  g_autoptr(JsonNode) event = NULL;

  if (!self->started || !dropify_drop_get_complete (drop))
    return;

  g_hash_table_remove (self->progressed, dropify_drop_get_id (drop));
  g_signal_handlers_disconnect_by_func (drop, drop_received_cb, self);
  event = event_with_drop (self, "changed", drop);
  broadcast (self, drop, event);
  want_thumbnail (self, drop);
}

static void
watch_completion (DropifyPhone *self,
                  DropifyDrop  *drop)
{
  if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_FILE && !dropify_drop_get_complete (drop))
    {
      g_signal_connect_object (drop, "notify::complete", G_CALLBACK (drop_completed_cb),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (drop, "notify::received", G_CALLBACK (drop_received_cb),
                               self, G_CONNECT_SWAPPED);
    }
}

static void
drop_added_cb (DropifyPhone   *self,
               DropifyDrop    *drop,
               DropifyHistory *history)
{
  g_autoptr(JsonNode) event = NULL;

  if (!self->started)
    return;

  watch_completion (self, drop);
  event = event_with_drop (self, "added", drop);
  broadcast (self, drop, event);
  if (any_page_may_list (self, drop))
    want_thumbnail (self, drop);
}

static void
drop_removed_cb (DropifyPhone   *self,
                 DropifyDrop    *drop,
                 gboolean        expired,
                 DropifyHistory *history)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) event = NULL;

  if (!self->started || self->lives->len == 0)
    return;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "removed");
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, dropify_drop_get_id (drop));
  json_builder_set_member_name (builder, "expired");
  json_builder_add_boolean_value (builder, expired);
  json_builder_end_object (builder);
  event = json_builder_get_root (builder);

  broadcast (self, drop, event);
}

/* Addresses */

/**
 * dropify_phone_dup_addresses:
 *
 * Lists the addresses a phone could reach this computer at, best first
 * (see dropify_local_address_list()): IPv4, then IPv6 in brackets ready
 * for a URL, loopback last, so the list is never empty.
 *
 * Returns: (transfer full): the addresses
 */
char **
dropify_phone_dup_addresses (DropifyPhone *self)
{
  g_return_val_if_fail (DROPIFY_IS_PHONE (self), NULL);

  return dropify_local_address_list (DROPIFY_LOCAL_ADDRESS_IPV6 | DROPIFY_LOCAL_ADDRESS_LOOPBACK);
}

/**
 * dropify_phone_dup_url_for:
 * @address: a host, an IPv4 address, or an IPv6 one in brackets
 *
 * Returns: (transfer full): the page's URL at @address, with the token
 */
char *
dropify_phone_dup_url_for (DropifyPhone *self,
                           const char   *address)
{
  g_return_val_if_fail (DROPIFY_IS_PHONE (self), NULL);
  g_return_val_if_fail (address != NULL, NULL);

  return g_strdup_printf ("http://%s:%u/#%s", address,
                          dropify_server_get_port (dropify_service_get_server (self->service)),
                          self->token);
}

/**
 * dropify_phone_dup_urls:
 *
 * Returns: (transfer full): the page's URL at every address of
 *   dropify_phone_dup_addresses(), best first
 */
char **
dropify_phone_dup_urls (DropifyPhone *self)
{
  g_auto(GStrv) addresses = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (DROPIFY_IS_PHONE (self), NULL);

  addresses = dropify_phone_dup_addresses (self);
  for (guint i = 0; addresses[i]; i++)
    {
      g_autofree char *url = dropify_phone_dup_url_for (self, addresses[i]);
      g_strv_builder_add (builder, url);
    }

  return g_strv_builder_end (builder);
}

/**
 * dropify_phone_dup_url:
 *
 * Returns: (transfer full): the page's URL at the best address, for the
 *   QR code
 */
char *
dropify_phone_dup_url (DropifyPhone *self)
{
  g_auto(GStrv) urls = NULL;

  g_return_val_if_fail (DROPIFY_IS_PHONE (self), NULL);

  urls = dropify_phone_dup_urls (self);
  return g_strdup (urls[0]);
}

/* GObject */

static void
dropify_phone_dispose (GObject *object)
{
  DropifyPhone *self = (DropifyPhone *)object;

  dropify_phone_stop (self);
  g_clear_pointer (&self->lives, g_ptr_array_unref);
  g_clear_object (&self->sessions);
  g_clear_object (&self->history);
  g_clear_object (&self->server);

  G_OBJECT_CLASS (dropify_phone_parent_class)->dispose (object);
}

static void
dropify_phone_finalize (GObject *object)
{
  DropifyPhone *self = (DropifyPhone *)object;

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->failures, g_hash_table_unref);
  g_clear_pointer (&self->progressed, g_hash_table_unref);
  g_clear_pointer (&self->uploads, g_hash_table_unref);
  g_clear_pointer (&self->names, g_hash_table_unref);
  g_clear_pointer (&self->token_path, g_free);
  g_clear_pointer (&self->token, g_free);

  G_OBJECT_CLASS (dropify_phone_parent_class)->finalize (object);
}

static void
dropify_phone_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  DropifyPhone *self = DROPIFY_PHONE (object);

  switch (prop_id)
    {
    case PROP_TOKEN: g_value_set_string (value, self->token); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_phone_class_init (DropifyPhoneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dropify_phone_dispose;
  object_class->finalize = dropify_phone_finalize;
  object_class->get_property = dropify_phone_get_property;

  /**
   * DropifyPhone:token:
   *
   * The access token, which the page's URL carries. It changes when it is
   * revoked; the URL and the QR code change with it.
   */
  properties[PROP_TOKEN] =
    g_param_spec_string ("token", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dropify_phone_init (DropifyPhone *self)
{
  self->cancellable = g_cancellable_new ();
  self->sessions = g_list_store_new (DROPIFY_TYPE_PHONE_SESSION);
  self->lives = g_ptr_array_new_with_free_func ((GDestroyNotify) live_free);
  self->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  /* Keyed by the drop's own id string, which the value keeps alive. */
  self->progressed = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  dropify_phone_uploads_init (self);
}

/**
 * dropify_phone_new:
 * @service: the instance to serve; it must outlive the phone page, as
 *   it does when it owns it
 *
 * Returns: (transfer full): the phone page, not serving yet
 */
DropifyPhone *
dropify_phone_new (DropifyService *service)
{
  DropifyPhone *self;

  g_return_val_if_fail (DROPIFY_IS_SERVICE (service), NULL);

  self = g_object_new (DROPIFY_TYPE_PHONE, NULL);
  self->service = service;
  self->history = g_object_ref (dropify_service_get_history (service));
  self->server = g_object_ref (dropify_server_get_soup_server (dropify_service_get_server (service)));
  self->token_path = g_build_filename (dropify_service_get_data_dir (service), TOKEN_FILE, NULL);

  return self;
}

/**
 * dropify_phone_start:
 *
 * Loads the token (making one on first use, in `phone-token` in the data
 * dir, mode 0600) and starts serving the page and its API on the
 * instance's server.
 */
gboolean
dropify_phone_start (DropifyPhone  *self,
                     GError       **error)
{
  GListModel *model;

  g_return_val_if_fail (DROPIFY_IS_PHONE (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  if (self->token == NULL && !load_token (self, error))
    return FALSE;

  g_signal_connect_object (self->history, "drop-added", G_CALLBACK (drop_added_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->history, "drop-removed", G_CALLBACK (drop_removed_cb),
                           self, G_CONNECT_SWAPPED);

  model = G_LIST_MODEL (self->history);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(DropifyDrop) drop = g_list_model_get_item (model, i);
      watch_completion (self, drop);
    }

  dropify_phone_api_attach (self);
  self->started = TRUE;

  return TRUE;
}

/**
 * dropify_phone_stop:
 *
 * Stops serving: closes every phone's connection and cancels uploads in
 * progress. Safe to call more than once.
 */
void
dropify_phone_stop (DropifyPhone *self)
{
  g_return_if_fail (DROPIFY_IS_PHONE (self));

  if (!self->started)
    return;

  self->started = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_signal_handlers_disconnect_by_data (self->history, self);
  dropify_phone_api_detach (self);
  close_lives (self, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "stopping");
  g_clear_handle_id (&self->ping_source, g_source_remove);
  g_clear_handle_id (&self->progress_source, g_source_remove);
  g_hash_table_remove_all (self->progressed);
  dropify_phone_uploads_clear (self);
}

/**
 * dropify_phone_get_token:
 *
 * Returns: the access token
 */
const char *
dropify_phone_get_token (DropifyPhone *self)
{
  g_return_val_if_fail (DROPIFY_IS_PHONE (self), NULL);
  return self->token;
}

/**
 * dropify_phone_rotate_token:
 *
 * Revokes the token and makes a new one: every phone that has the page
 * open is disconnected and told its link no longer works, and download
 * links made for the old token stop working. Show the new QR code to
 * connect again.
 */
gboolean
dropify_phone_rotate_token (DropifyPhone  *self,
                            GError       **error)
{
  g_autofree char *token = NULL;

  g_return_val_if_fail (DROPIFY_IS_PHONE (self), FALSE);

  if (!(token = generate_token (error)) || !save_token (self, token, error))
    return FALSE;

  g_free (self->token);
  self->token = g_steal_pointer (&token);

  close_lives (self, CLOSE_TOKEN_REVOKED, "token revoked");
  /* Their sessions are gone with the old token, and so are their
   * origins. */
  dropify_phone_uploads_clear (self);
  g_hash_table_remove_all (self->names);
  g_message ("The phone page’s token was revoked; phones need the new QR code");

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKEN]);

  return TRUE;
}

/**
 * dropify_phone_get_sessions:
 *
 * The browsers that have the page open, in the order they connected.
 *
 * Returns: (transfer none): a #GListModel of #DropifyPhoneSession
 */
GListModel *
dropify_phone_get_sessions (DropifyPhone *self)
{
  g_return_val_if_fail (DROPIFY_IS_PHONE (self), NULL);
  return G_LIST_MODEL (self->sessions);
}
