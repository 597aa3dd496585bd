#include "config.h"

#define G_SETTINGS_ENABLE_BACKEND

#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <libsoup/soup.h>

#include "dropify-phone-private.h"
#include "dropify-test-support.h"

/* The phone page's API, served by a real DropifyService in this process on
 * 127.0.0.1, through a real libsoup client. */

#define WAIT_MS 10000

/* ASan keeps freed memory in quarantine (256 MB by default), so the
 * process's peak says nothing about what was held at once. */
#if defined(__SANITIZE_ADDRESS__)
# define UNDER_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define UNDER_ASAN 1
# endif
#endif
#ifndef UNDER_ASAN
# define UNDER_ASAN 0
#endif
#define ANDROID_UA "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 " \
                   "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"
#define IPHONE_UA  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 " \
                   "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"

typedef struct
{
  char           *dir;
  GSettings      *settings;
  DropifyService *service;
  SoupSession    *session;
  char           *base;
  char           *token;
} Fixture;

typedef struct
{
  guint       status;
  GBytes     *body;
  SoupMessage *msg;
} Reply;

static void
reply_clear (Reply *reply)
{
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_clear_object (&reply->msg);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reply, reply_clear)

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();
  g_autoptr(GError) error = NULL;
  DropifyPhone *phone;

  schema = g_settings_schema_source_lookup (g_settings_schema_source_get_default (),
                                            "io.github.dropify.Dropify", TRUE);
  g_assert_nonnull (schema);

  /* Each test gets its own settings, so limits set by one stay there. */
  f->settings = g_settings_new_full (schema, backend, NULL);
  f->dir = dropify_test_make_dir ("phone");
  f->service = dropify_service_new (f->dir, f->settings, &error);
  g_assert_no_error (error);
  dropify_service_start (f->service, 0, &error);
  g_assert_no_error (error);

  phone = dropify_service_get_phone (f->service);
  g_assert_nonnull (phone);
  f->token = g_strdup (dropify_phone_get_token (phone));
  f->base = g_strdup_printf ("http://127.0.0.1:%u",
                             dropify_server_get_port (dropify_service_get_server (f->service)));

  /* Loopback only: never through a proxy from the environment. */
  f->session = soup_session_new_with_options ("proxy-resolver", NULL,
                                              "user-agent", ANDROID_UA,
                                              "timeout", 120,
                                              NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->session);
  dropify_service_shutdown (f->service);
  g_clear_object (&f->service);
  for (guint i = 0; i < 20 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  g_clear_object (&f->settings);
  dropify_test_remove_dir (f->dir);
  g_free (f->dir);
  g_free (f->base);
  g_free (f->token);
}

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Reply *reply = user_data;
  g_autoptr(GError) error = NULL;

  reply->body = soup_session_send_and_read_finish (SOUP_SESSION (object), result, &error);
  if (reply->body == NULL)
    {
      /* A connection the server hung up on: no status to read. */
      g_test_message ("request failed: %s", error->message);
      reply->body = g_bytes_new (NULL, 0);
      reply->status = 0;
      return;
    }
  reply->status = soup_message_get_status (reply->msg);
}

/* The server runs on this thread's main context, so requests must be
 * asynchronous, with the loop turning until the reply is in. */
static void
run (Fixture     *f,
     SoupMessage *msg,
     Reply       *reply)
{
  reply->msg = g_object_ref (msg);
  reply->status = G_MAXUINT;
  soup_session_send_and_read_async (f->session, msg, G_PRIORITY_DEFAULT, NULL, send_cb, reply);
  while (reply->status == G_MAXUINT)
    g_main_context_iteration (NULL, TRUE);
}

static SoupMessage *
new_message (Fixture    *f,
             const char *method,
             const char *path,
             const char *token)
{
  g_autofree char *uri = g_strconcat (f->base, path, NULL);
  SoupMessage *msg = soup_message_new (method, uri);

  g_assert_nonnull (msg);
  if (token != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
    }

  return msg;
}

static void
request (Fixture    *f,
         const char *method,
         const char *path,
         const char *token,
         const char *json,
         Reply      *reply)
{
  g_autoptr(SoupMessage) msg = new_message (f, method, path, token);

  if (json != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (json, strlen (json));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  run (f, msg, reply);
}

static JsonNode *
parse (Reply *reply)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (reply->body, &len);

  json_parser_load_from_data (parser, data, len, &error);
  g_assert_no_error (error);

  return json_node_copy (json_parser_get_root (parser));
}

static const char *
response_header (Reply      *reply,
                 const char *name)
{
  return soup_message_headers_get_one (soup_message_get_response_headers (reply->msg), name);
}

static guint
n_drops (Fixture *f)
{
  return g_list_model_get_n_items (G_LIST_MODEL (dropify_service_get_history (f->service)));
}

/* Files in the blob store, partial ones included. */
static guint
count_files (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n = 0;

  if (dir == NULL)
    return 0;

  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        n += count_files (child);
      else
        n++;
    }

  return n;
}

static guint
stored_files (Fixture *f)
{
  g_autofree char *files = g_build_filename (f->dir, "files", NULL);
  return count_files (files);
}

static void
upload_typed (Fixture    *f,
              const char *name,
              const char *type,
              GBytes     *bytes,
              const char *token,
              Reply      *reply)
{
  g_autoptr(SoupMessage) msg = new_message (f, "POST", "/api/files", token);

  if (name != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Filename", name);
  soup_message_set_request_body_from_bytes (msg, type, bytes);
  run (f, msg, reply);
}

static void
upload_bytes (Fixture    *f,
              const char *name,
              GBytes     *bytes,
              const char *token,
              Reply      *reply)
{
  upload_typed (f, name, "application/octet-stream", bytes, token, reply);
}

static GBytes *
random_bytes (gsize size)
{
  guint8 *data = g_malloc (size ? size : 1);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_random_int ();

  return g_bytes_new_take (data, size);
}

static char *
sha256_of_bytes (GBytes *bytes)
{
  return g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
}

/* Hashes a file by reading it, without mapping it into this process. */
static char *
sha256_of_file (const char *path)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buffer = g_malloc (1 << 20);
  FILE *file = fopen (path, "rb");
  size_t n;

  g_assert_nonnull (file);
  while ((n = fread (buffer, 1, 1 << 20, file)) > 0)
    g_checksum_update (checksum, buffer, n);
  fclose (file);

  return g_strdup (g_checksum_get_string (checksum));
}

static void
assert_unauthorized (Reply *reply)
{
  gsize len;
  const char *body = g_bytes_get_data (reply->body, &len);

  g_assert_cmpuint (reply->status, ==, 401);
  /* The same few bytes whatever was wrong: no hint, no data. */
  g_assert_cmpmem (body, len, "{\"error\":\"unauthorized\"}", strlen ("{\"error\":\"unauthorized\"}"));
  g_assert_cmpstr (response_header (reply, "WWW-Authenticate"), ==, "Bearer");
}


/* Raw HTTP, for what a well-behaved client never sends. The server runs
 * on this thread's main context, so the socket is driven from a thread. */
typedef struct
{
  guint16     port;
  const char *request;
  GString    *response;
  gboolean    done;
} Raw;

static gpointer
raw_thread (gpointer data)
{
  Raw *raw = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  char buffer[4096];
  gssize n;

  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, 5);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", raw->port, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             raw->request, strlen (raw->request), NULL, NULL, &error);
  g_assert_no_error (error);

  /* Until the server hangs up, or stays silent (a timeout). */
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                   buffer, sizeof buffer, NULL, NULL)) > 0)
    g_string_append_len (raw->response, buffer, n);

  g_atomic_int_set (&raw->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

static gboolean
raw_is_done (gpointer data)
{
  return g_atomic_int_get (&((Raw *) data)->done);
}

/* Returns: every byte the server sent until it closed the connection */
static char *
raw_request (Fixture    *f,
             const char *request)
{
  Raw raw = { 0 };
  GThread *thread;

  raw.port = dropify_server_get_port (dropify_service_get_server (f->service));
  raw.request = request;
  raw.response = g_string_new (NULL);
  thread = g_thread_new ("raw", raw_thread, &raw);
  g_assert_true (dropify_test_wait_for (raw_is_done, &raw, WAIT_MS));
  g_thread_join (thread);

  return g_string_free (raw.response, FALSE);
}

/* Tests */

static void
test_unauthorized (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *wrong = g_strdup (f->token);
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *file_path = NULL;
  g_autofree char *bad_sig = NULL;
  g_autoptr(GBytes) bytes = random_bytes (1000);

  drop = dropify_service_send_text (f->service, "secret", 0, &error);
  g_assert_no_error (error);

  /* One character off, and the same length. */
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';

  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", "/api/drops", NULL, NULL, &reply);
    assert_unauthorized (&reply);
  }
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", "/api/drops", wrong, NULL, &reply);
    assert_unauthorized (&reply);
  }
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", "/api/drops", "", NULL, &reply);
    assert_unauthorized (&reply);
  }
  {
    /* Not even which paths exist. */
    g_auto(Reply) reply = { 0 };
    request (f, "GET", "/api/nothing-here", wrong, NULL, &reply);
    assert_unauthorized (&reply);
  }
  {
    g_auto(Reply) reply = { 0 };
    request (f, "POST", "/api/drops", wrong, "{\"text\": \"intruder\"}", &reply);
    assert_unauthorized (&reply);
  }
  {
    g_auto(Reply) reply = { 0 };
    upload_bytes (f, "intruder.bin", bytes, NULL, &reply);
    assert_unauthorized (&reply);
  }
  {
    g_autofree char *path = g_strdup_printf ("/api/drops/%s", dropify_drop_get_id (drop));
    g_auto(Reply) reply = { 0 };
    request (f, "DELETE", path, wrong, NULL, &reply);
    assert_unauthorized (&reply);
  }

  /* A download link's signature is for one drop only. */
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) node = NULL;
    const char *url;

    upload_bytes (f, "a.bin", bytes, f->token, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    node = parse (&reply);
    url = json_object_get_string_member (json_node_get_object (node), "url");
    g_assert_nonnull (strstr (url, "?sig="));
    file_path = g_strdup (url);
  }
  bad_sig = g_strdup (file_path);
  bad_sig[strlen (bad_sig) - 1] = bad_sig[strlen (bad_sig) - 1] == '0' ? '1' : '0';
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", bad_sig, NULL, NULL, &reply);
    assert_unauthorized (&reply);
  }
  {
    g_autofree char *other = g_strdup_printf ("/api/drops/%s/file%s", dropify_drop_get_id (drop),
                                              strchr (file_path, '?'));
    g_auto(Reply) reply = { 0 };
    request (f, "GET", other, NULL, NULL, &reply);
    assert_unauthorized (&reply);
  }
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", file_path, NULL, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
  }

  /* Nothing changed. */
  g_assert_cmpuint (n_drops (f), ==, 2);
}

static void
test_rate_limit (Fixture       *f,
                 gconstpointer  data)
{
  guint64 retry_after = 0;

  /* An old link, loaded again and again, is the same wrong token each
   * time: it guesses nothing new and counts once. */
  for (guint i = 0; i < 25; i++)
    {
      g_auto(Reply) reply = { 0 };
      request (f, "GET", "/api/info", "an-old-token-an-old-token", NULL, &reply);
      assert_unauthorized (&reply);
    }
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", "/api/info", f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
  }

  /* Guesses do count. */
  for (guint i = 0; i < 9; i++)
    {
      g_auto(Reply) reply = { 0 };
      g_autofree char *guess = g_strdup_printf ("wrong-token-wrong-token-%u", i);

      request (f, "GET", "/api/info", guess, NULL, &reply);
      assert_unauthorized (&reply);
    }

  /* With the old token, ten: the next request is refused, whatever it is. */
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", "/api/info", "wrong-token-wrong-token", NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 429);
    g_assert_cmpstr (soup_message_get_reason_phrase (reply.msg), ==, "Too Many Requests");
    g_assert_nonnull (response_header (&reply, "Retry-After"));
    g_assert_true (g_ascii_string_to_unsigned (response_header (&reply, "Retry-After"), 10, 1, 60,
                                               &retry_after, NULL));
  }

  /* Blocked means blocked, even for the right token: guessing stops. */
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", "/api/info", f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 429);
  }
}

static void
test_text_round_trip (Fixture       *f,
                      gconstpointer  data)
{
  const char *text = "Grüße ✓ <img src=x onerror=alert(1)> \"quoted\"\nsecond line";
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *json = NULL;
  g_autofree char *origin = NULL;
  g_autoptr(JsonNode) created = NULL;
  JsonObject *object;
  DropifyDrop *stored;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, text);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  json = json_to_string (body, FALSE);

  {
    g_auto(Reply) reply = { 0 };
    request (f, "POST", "/api/drops", f->token, json, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    created = parse (&reply);
  }

  object = json_node_get_object (created);
  g_assert_cmpstr (json_object_get_string_member (object, "text"), ==, text);
  g_assert_cmpstr (json_object_get_string_member (object, "kind"), ==, "text");
  g_assert_cmpstr (json_object_get_string_member (object, "origin_name"), ==, "Phone (Android)");
  origin = g_strdup (json_object_get_string_member (object, "origin"));
  g_assert_true (g_uuid_string_is_valid (origin));

  /* A normal drop in the history, expiring like any other. */
  stored = dropify_history_lookup (dropify_service_get_history (f->service),
                                   json_object_get_string_member (object, "id"));
  g_assert_nonnull (stored);
  g_assert_cmpstr (dropify_drop_get_text (stored), ==, text);
  g_assert_cmpstr (dropify_drop_get_origin (stored), ==, origin);
  g_assert_cmpint (dropify_drop_get_expires_at (stored) - dropify_drop_get_created_at (stored), ==,
                   dropify_service_get_default_ttl (f->service));

  /* The list has it, in the shape of `dropify list --json`. */
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) list = NULL;
    JsonObject *first;

    request (f, "GET", "/api/drops", f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
    list = parse (&reply);
    g_assert_true (JSON_NODE_HOLDS_ARRAY (list));
    g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
    first = json_array_get_object_element (json_node_get_array (list), 0);
    g_assert_cmpstr (json_object_get_string_member (first, "text"), ==, text);
    g_assert_true (json_object_has_member (first, "created_at"));
    g_assert_true (json_object_has_member (first, "expires_at"));
  }

  /* The same browser keeps its origin; another one gets its own. */
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) again = NULL;

    request (f, "POST", "/api/drops", f->token, "{\"text\": \"again\"}", &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    again = parse (&reply);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (again), "origin"), ==, origin);
  }
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) other = NULL;
    g_autoptr(SoupMessage) msg = new_message (f, "POST", "/api/drops", f->token);
    g_autoptr(GBytes) bytes = g_bytes_new_static ("{\"text\": \"from an iPhone\"}", 26);

    /* The session sets the User-Agent of every message. */
    g_object_set (f->session, "user-agent", IPHONE_UA, NULL);
    soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    run (f, msg, &reply);
    g_object_set (f->session, "user-agent", ANDROID_UA, NULL);
    g_assert_cmpuint (reply.status, ==, 201);
    other = parse (&reply);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (other), "origin_name"), ==,
                     "Phone (iPhone)");
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (other), "origin"), !=, origin);
  }

  g_assert_cmpuint (n_drops (f), ==, 3);
}

static void
test_file_round_trip (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GBytes) bytes = random_bytes (3 * 1000 * 1000 + 17);
  g_autofree char *sha = sha256_of_bytes (bytes);
  g_autoptr(JsonNode) created = NULL;
  JsonObject *object;
  DropifyDrop *stored;
  const char *url;

  {
    g_auto(Reply) reply = { 0 };
    /* "résumé ü.pdf", percent-encoded UTF-8; the type as a browser sends it */
    upload_typed (f, "r%C3%A9sum%C3%A9%20%C3%BC.pdf", "Application/PDF; x=y", bytes, f->token, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    created = parse (&reply);
  }

  object = json_node_get_object (created);
  g_assert_cmpstr (json_object_get_string_member (object, "kind"), ==, "file");
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "résumé ü.pdf");
  g_assert_cmpstr (json_object_get_string_member (object, "mime"), ==, "application/pdf");
  g_assert_cmpstr (json_object_get_string_member (object, "sha256"), ==, sha);
  g_assert_cmpint (json_object_get_int_member (object, "size"), ==, g_bytes_get_size (bytes));
  g_assert_true (json_object_get_boolean_member (object, "complete"));
  g_assert_false (json_object_has_member (object, "path"));

  stored = dropify_history_lookup (dropify_service_get_history (f->service),
                                   json_object_get_string_member (object, "id"));
  g_assert_nonnull (stored);
  g_assert_true (dropify_drop_get_complete (stored));
  {
    g_autofree char *on_disk = sha256_of_file (dropify_drop_get_path (stored));
    g_assert_cmpstr (on_disk, ==, sha);
  }

  /* Nothing is left behind in the partial folder. */
  {
    g_autofree char *partial = g_build_filename (f->dir, "files", "partial", NULL);
    g_assert_cmpuint (count_files (partial), ==, 0);
  }

  /* Download it back, with its signed link. */
  url = json_object_get_string_member (object, "url");
  {
    g_auto(Reply) reply = { 0 };
    g_autofree char *got = NULL;

    request (f, "GET", url, NULL, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
    got = sha256_of_bytes (reply.body);
    g_assert_cmpstr (got, ==, sha);
    g_assert_cmpstr (response_header (&reply, "Content-Type"), ==, "application/pdf");
    g_assert_cmpstr (response_header (&reply, "Content-Disposition"), ==,
                     "attachment; filename=\"r_sum_ _.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%C3%BC.pdf");
    g_assert_cmpstr (response_header (&reply, "Accept-Ranges"), ==, "bytes");
  }

  /* And with the token instead of the signature. */
  {
    g_autofree char *path = g_strdup_printf ("/api/drops/%s/file",
                                             json_object_get_string_member (object, "id"));
    g_auto(Reply) reply = { 0 };
    g_autofree char *got = NULL;

    request (f, "GET", path, f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
    got = sha256_of_bytes (reply.body);
    g_assert_cmpstr (got, ==, sha);
  }

  /* A name that looks like a path stays a name. */
  {
    g_autoptr(GBytes) small = g_bytes_new_static ("hi", 2);
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) node = NULL;

    upload_bytes (f, "..%2F..%2Fetc%2Fpasswd", small, f->token, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    node = parse (&reply);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "name"), ==,
                     ".._.._etc_passwd");
  }

  /* A right-to-left override would show “invoice\u202Efdp.exe” as
   * “invoiceexe.pdf”: it is dropped, and an escape becomes a mark. */
  {
    g_autoptr(GBytes) small = g_bytes_new_static ("hi", 2);
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) node = NULL;

    upload_bytes (f, "invoice%E2%80%AEfdp%1B%5B2K.exe", small, f->token, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    node = parse (&reply);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "name"), ==,
                     "invoicefdp_[2K.exe");
  }
}

static void
test_range (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GBytes) bytes = random_bytes (100000);
  const guint8 *all = g_bytes_get_data (bytes, NULL);
  g_autoptr(JsonNode) created = NULL;
  const char *url;
  const char *etag;
  struct {
    const char *range;
    guint       status;
    gsize       start;
    gsize       length;
    const char *content_range;
  } cases[] = {
    { "bytes=100-199", 206, 100, 100, "bytes 100-199/100000" },
    { "bytes=99990-", 206, 99990, 10, "bytes 99990-99999/100000" },
    { "bytes=-10", 206, 99990, 10, "bytes 99990-99999/100000" },
    { "bytes=99999-200000", 206, 99999, 1, "bytes 99999-99999/100000" },
    { "bytes=0-0", 206, 0, 1, "bytes 0-0/100000" },
    { "bytes=100000-", 416, 0, 0, "bytes */100000" },
    { "bytes=500000-600000", 416, 0, 0, "bytes */100000" },
    { "bytes=20-10", 200, 0, 100000, NULL },
    { "bytes=0-10,20-30", 200, 0, 100000, NULL },
    { "lines=1-2", 200, 0, 100000, NULL },
  };

  {
    g_auto(Reply) reply = { 0 };
    upload_bytes (f, "range.bin", bytes, f->token, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    created = parse (&reply);
  }
  url = json_object_get_string_member (json_node_get_object (created), "url");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SoupMessage) msg = new_message (f, "GET", url, NULL);
      g_auto(Reply) reply = { 0 };
      gsize len;
      const guint8 *got;

      g_test_message ("Range: %s", cases[i].range);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Range", cases[i].range);
      run (f, msg, &reply);
      g_assert_cmpuint (reply.status, ==, cases[i].status);
      g_assert_cmpstr (response_header (&reply, "Content-Range"), ==, cases[i].content_range);
      if (cases[i].status == 416)
        continue;

      got = g_bytes_get_data (reply.body, &len);
      g_assert_cmpmem (got, len, all + cases[i].start, cases[i].length);
    }

  /* Resuming with a stale validator gets the whole, current file. */
  {
    g_autoptr(SoupMessage) msg = new_message (f, "GET", url, NULL);
    g_auto(Reply) reply = { 0 };

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Range", "bytes=10-");
    soup_message_headers_replace (soup_message_get_request_headers (msg), "If-Range", "\"stale\"");
    run (f, msg, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
    g_assert_cmpuint (g_bytes_get_size (reply.body), ==, 100000);
    etag = response_header (&reply, "ETag");
    g_assert_nonnull (etag);
  }
  {
    g_autoptr(SoupMessage) msg = new_message (f, "GET", url, NULL);
    g_auto(Reply) reply = { 0 };
    g_autofree char *good = g_strdup_printf ("\"%s\"",
                                             json_object_get_string_member (json_node_get_object (created),
                                                                            "sha256"));

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Range", "bytes=10-");
    soup_message_headers_replace (soup_message_get_request_headers (msg), "If-Range", good);
    run (f, msg, &reply);
    g_assert_cmpuint (reply.status, ==, 206);
    g_assert_cmpuint (g_bytes_get_size (reply.body), ==, 100000 - 10);
  }
}

/* Resident memory of this process, in kB. */
static guint64
status_kb (const char *field)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_true (g_file_get_contents ("/proc/self/status", &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], field) && lines[i][strlen (field)] == ':')
      return g_ascii_strtoull (lines[i] + strlen (field) + 1, NULL, 10);

  g_assert_not_reached ();
}

static gboolean
reset_peak (void)
{
  /* Linux ≥ 4.0 resets VmHWM to the current RSS on "5". */
  return g_file_set_contents ("/proc/self/clear_refs", "5", 1, NULL);
}

static char *
write_big_file (const char *path,
                gsize       size)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *chunk = g_malloc (1 << 20);
  FILE *file = fopen (path, "wb");

  g_assert_nonnull (file);
  for (gsize i = 0; i < (1 << 20); i++)
    chunk[i] = (guint8) g_random_int ();

  for (gsize done = 0, n = 0; done < size; done += n)
    {
      n = MIN ((gsize) 1 << 20, size - done);
      /* No two chunks alike. */
      memcpy (chunk, &done, sizeof done);
      g_checksum_update (checksum, chunk, n);
      g_assert_cmpuint (fwrite (chunk, 1, n, file), ==, n);
    }
  g_assert_cmpint (fclose (file), ==, 0);

  return g_strdup (g_checksum_get_string (checksum));
}

static void
test_large_upload (Fixture       *f,
                   gconstpointer  data)
{
  const gsize size = 200 * 1000 * 1000;
  g_autofree char *src_dir = dropify_test_make_dir ("big");
  g_autofree char *src = g_build_filename (src_dir, "big.bin", NULL);
  g_autofree char *sha = write_big_file (src, size);
  g_autoptr(GFile) file = g_file_new_for_path (src);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(SoupMessage) msg = new_message (f, "POST", "/api/files", f->token);
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Reply) reply = { 0 };
  g_autofree char *stored_sha = NULL;
  guint64 rss_before, peak, growth;
  int64_t started;
  DropifyDrop *stored;

  /* The client streams the body from the file as well. */
  stream = g_file_read (file, NULL, &error);
  g_assert_no_error (error);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Filename", "big.bin");
  soup_message_set_request_body (msg, "application/octet-stream", G_INPUT_STREAM (stream), size);

  rss_before = status_kb ("VmRSS");
  if (!reset_peak ())
    g_test_message ("Could not reset VmHWM; measuring the peak since start");
  started = g_get_monotonic_time ();

  run (f, msg, &reply);

  peak = status_kb ("VmHWM");
  growth = peak > rss_before ? peak - rss_before : 0;
  g_test_message ("200 MB upload: %.1f s, RSS %" G_GUINT64_FORMAT " kB before, peak %"
                  G_GUINT64_FORMAT " kB, growth %" G_GUINT64_FORMAT " kB",
                  (g_get_monotonic_time () - started) / 1e6, rss_before, peak, growth);

  g_assert_cmpuint (reply.status, ==, 201);
  /* Server and client together: the body never sits in memory. */
  if (UNDER_ASAN)
    g_test_message ("Not checking memory under AddressSanitizer");
  else
    g_assert_cmpuint (growth, <, 32 * 1024);

  created = parse (&reply);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (created), "sha256"), ==, sha);
  stored = dropify_history_lookup (dropify_service_get_history (f->service),
                                   json_object_get_string_member (json_node_get_object (created), "id"));
  g_assert_nonnull (stored);
  g_assert_cmpuint (dropify_drop_get_size (stored), ==, size);
  stored_sha = sha256_of_file (dropify_drop_get_path (stored));
  g_assert_cmpstr (stored_sha, ==, sha);

  dropify_test_remove_dir (src_dir);
}

static void
test_too_large (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GBytes) two_mb = random_bytes (2 * 1024 * 1024);
  guint files_before;

  g_settings_set_uint64 (f->settings, "max-file-size", 1024 * 1024);
  g_settings_set_uint (f->settings, "max-text-length", 100);
  files_before = stored_files (f);

  /* Known too large from Content-Length: refused before a byte is stored. */
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) node = NULL;

    upload_bytes (f, "big.bin", two_mb, f->token, &reply);
    g_assert_cmpuint (reply.status, ==, 413);
    node = parse (&reply);
    g_assert_nonnull (strstr (json_object_get_string_member (json_node_get_object (node), "error"),
                              "big.bin"));
  }

  /* No length given: refused as the limit is crossed. */
  {
    g_autoptr(SoupMessage) msg = new_message (f, "POST", "/api/files", f->token);
    g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (two_mb);
    g_auto(Reply) reply = { 0 };

    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Filename", "chunked.bin");
    soup_message_set_request_body (msg, "application/octet-stream", stream, -1);
    g_assert_cmpint (soup_message_headers_get_encoding (soup_message_get_request_headers (msg)), ==,
                     SOUP_ENCODING_CHUNKED);
    run (f, msg, &reply);
    g_assert_cmpuint (reply.status, ==, 413);
  }

  /* A body far beyond the limit is cut off rather than read to the end. */
  {
    g_autoptr(GBytes) huge = random_bytes (48 * 1024 * 1024);
    g_auto(Reply) reply = { 0 };

    upload_bytes (f, "huge.bin", huge, f->token, &reply);
    g_assert_true (reply.status == 413 || reply.status == 0);
  }

  /* The text limit too. */
  {
    g_autofree char *json = g_strdup_printf ("{\"text\": \"%0200d\"}", 0);
    g_auto(Reply) reply = { 0 };

    request (f, "POST", "/api/drops", f->token, json, &reply);
    g_assert_cmpuint (reply.status, ==, 413);
  }

  g_assert_cmpuint (n_drops (f), ==, 0);
  g_assert_cmpuint (stored_files (f), ==, files_before);

  /* Within the limits it still works. */
  {
    g_autoptr(GBytes) small = random_bytes (1000);
    g_auto(Reply) reply = { 0 };

    upload_bytes (f, "small.bin", small, f->token, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
  }
  g_assert_cmpuint (n_drops (f), ==, 1);
}

static void
test_malformed (Fixture       *f,
                gconstpointer  data)
{
  static const char * const bodies[] = {
    "",
    "not json",
    "[]",
    "\"text\"",
    "{}",
    "{\"text\": 5}",
    "{\"text\": null}",
    "{\"text\": \"\"}",
    "{\"text\": [\"a\"]}",
    "{\"text\": \"\xff\xfe\"}",
    "{\"text\": \"unterminated}",
  };
  static const char * const names[] = {
    NULL,
    "",
    "%ZZ",
    "%FF%FE",
    "%00",
    ".",
    "..",
    "%20%20",
    ".%E2%80%AE.",
  };
  g_autoptr(GBytes) bytes = random_bytes (1000);
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  guint files_before;

  drop = dropify_service_send_text (f->service, "keep me", 0, &error);
  g_assert_no_error (error);
  files_before = stored_files (f);

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_auto(Reply) reply = { 0 };
      g_autofree char *shown = g_strescape (bodies[i], NULL);

      g_test_message ("body: %s", shown);
      request (f, "POST", "/api/drops", f->token, bodies[i], &reply);
      g_assert_cmpuint (reply.status, ==, 400);
    }

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_auto(Reply) reply = { 0 };

      g_test_message ("X-Filename: %s", names[i] ? names[i] : "(none)");
      upload_bytes (f, names[i], bytes, f->token, &reply);
      g_assert_cmpuint (reply.status, ==, 400);
    }

  {
    g_auto(Reply) reply = { 0 };
    request (f, "DELETE", "/api/drops/no-such-drop", f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 404);
  }
  {
    g_auto(Reply) reply = { 0 };
    request (f, "DELETE", "/api/drops/bad%20id%21", f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 404);
  }
  {
    g_auto(Reply) reply = { 0 };
    request (f, "PUT", "/api/drops", f->token, "{\"text\": \"x\"}", &reply);
    g_assert_cmpuint (reply.status, ==, 405);
    g_assert_nonnull (response_header (&reply, "Allow"));
  }
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", "/api/files", f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 405);
  }
  {
    /* A text drop has no file. */
    g_autofree char *path = g_strdup_printf ("/api/drops/%s/file", dropify_drop_get_id (drop));
    g_auto(Reply) reply = { 0 };
    request (f, "GET", path, f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 404);
  }
  {
    /* A body where none belongs. */
    g_auto(Reply) reply = { 0 };
    request (f, "POST", "/", NULL, "{\"text\": \"x\"}", &reply);
    g_assert_cmpuint (reply.status, ==, 405);
  }

  g_assert_cmpuint (n_drops (f), ==, 1);
  g_assert_cmpuint (stored_files (f), ==, files_before);
}

static void
assert_security_headers (Reply      *reply,
                         const char *csp_start)
{
  const char *csp = response_header (reply, "Content-Security-Policy");

  g_assert_nonnull (csp);
  g_assert_true (g_str_has_prefix (csp, csp_start));
  g_assert_null (strstr (csp, "unsafe-inline"));
  g_assert_cmpstr (response_header (reply, "X-Content-Type-Options"), ==, "nosniff");
  g_assert_cmpstr (response_header (reply, "Referrer-Policy"), ==, "no-referrer");
}

static void
test_headers (Fixture       *f,
              gconstpointer  data)
{
  static const struct {
    const char *path;
    gboolean    token;
    guint       status;
    const char *type;
  } pages[] = {
    { "/", FALSE, 200, "text/html; charset=utf-8" },
    { "/app.js", FALSE, 200, "text/javascript; charset=utf-8" },
    { "/style.css", FALSE, 200, "text/css; charset=utf-8" },
    { "/icon.svg", FALSE, 200, "image/svg+xml" },
    { "/missing", FALSE, 404, NULL },
    { "/api/info", FALSE, 401, NULL },
    { "/api/info", TRUE, 200, "application/json; charset=utf-8" },
    { "/api/drops", TRUE, 200, "application/json; charset=utf-8" },
    { "/api/missing", TRUE, 404, NULL },
  };
  g_autoptr(GBytes) bytes = random_bytes (100);
  g_autoptr(JsonNode) created = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_auto(Reply) reply = { 0 };

      g_test_message ("GET %s", pages[i].path);
      request (f, "GET", pages[i].path, pages[i].token ? f->token : NULL, NULL, &reply);
      g_assert_cmpuint (reply.status, ==, pages[i].status);
      assert_security_headers (&reply, "default-src 'self'");
      if (pages[i].type)
        g_assert_cmpstr (response_header (&reply, "Content-Type"), ==, pages[i].type);
    }

  /* The page loads its script and style from files, never inline. */
  {
    g_auto(Reply) reply = { 0 };
    g_autofree char *html = NULL;

    g_autofree char *ws = g_strdup_printf ("; connect-src 'self' ws://%s", f->base + strlen ("http://"));

    request (f, "GET", "/", NULL, NULL, &reply);
    g_assert_true (g_str_has_suffix (response_header (&reply, "Content-Security-Policy"), ws));
    html = g_strndup (g_bytes_get_data (reply.body, NULL), g_bytes_get_size (reply.body));
    g_assert_nonnull (strstr (html, "<script src=\"app.js\""));
    g_assert_null (strstr (html, "<script>"));
    g_assert_null (strstr (html, "<style"));
    g_assert_null (strstr (html, "style=\""));
    g_assert_null (strstr (html, "onclick"));
  }

  /* A file is served locked down, whatever its type. */
  {
    g_auto(Reply) reply = { 0 };
    g_auto(Reply) download = { 0 };

    upload_bytes (f, "page.html", bytes, f->token, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    created = parse (&reply);
    request (f, "GET", json_object_get_string_member (json_node_get_object (created), "url"),
             NULL, NULL, &download);
    g_assert_cmpuint (download.status, ==, 200);
    assert_security_headers (&download, "default-src 'none'; sandbox");
    g_assert_true (g_str_has_prefix (response_header (&download, "Content-Disposition"), "attachment;"));
  }
}

static void
test_delete (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  drop = dropify_service_send_text (f->service, "delete me", 0, &error);
  g_assert_no_error (error);
  path = g_strdup_printf ("/api/drops/%s", dropify_drop_get_id (drop));

  {
    g_auto(Reply) reply = { 0 };
    request (f, "DELETE", path, f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 204);
  }
  g_assert_null (dropify_history_lookup (dropify_service_get_history (f->service),
                                         dropify_drop_get_id (drop)));
  g_assert_true (dropify_history_is_deleted (dropify_service_get_history (f->service),
                                             dropify_drop_get_id (drop)));
  {
    g_auto(Reply) reply = { 0 };
    request (f, "DELETE", path, f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 404);
  }
}

/* The live connection */

typedef struct
{
  SoupWebsocketConnection *ws;
  GPtrArray               *messages;   /* JsonNode */
  GError                  *error;
  gboolean                 done;
  gboolean                 closed;
} Live;

static void
live_message_cb (SoupWebsocketConnection *ws,
                 SoupWebsocketDataType    type,
                 GBytes                  *message,
                 Live                    *live)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (message, NULL),
                                             g_bytes_get_size (message), NULL));
  g_ptr_array_add (live->messages, json_node_copy (json_parser_get_root (parser)));
}

static void
live_closed_cb (SoupWebsocketConnection *ws,
                Live                    *live)
{
  live->closed = TRUE;
}

static void
live_connect_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Live *live = user_data;

  live->ws = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, &live->error);
  if (live->ws != NULL)
    {
      g_signal_connect (live->ws, "message", G_CALLBACK (live_message_cb), live);
      g_signal_connect (live->ws, "closed", G_CALLBACK (live_closed_cb), live);
    }
  live->done = TRUE;
}

static gboolean
is_done (gpointer data)
{
  return ((Live *) data)->done;
}

static void
live_connect (Fixture    *f,
              const char *token,
              Live       *live)
{
  g_autoptr(SoupMessage) msg = new_message (f, "GET", "/api/live", NULL);
  g_autofree char *bearer = token ? g_strconcat ("bearer.", token, NULL) : NULL;
  const char *protocols[] = { "dropify", bearer, NULL };

  live->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  soup_session_websocket_connect_async (f->session, msg, NULL, (char **) protocols,
                                        G_PRIORITY_DEFAULT, NULL, live_connect_cb, live);
  g_assert_true (dropify_test_wait_for (is_done, live, WAIT_MS));
}

static void
live_clear (Live *live)
{
  if (live->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (live->ws, live);
      if (soup_websocket_connection_get_state (live->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (live->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    }
  g_clear_object (&live->ws);
  g_clear_pointer (&live->messages, g_ptr_array_unref);
  g_clear_error (&live->error);
}

typedef struct
{
  Live       *live;
  const char *type;
} Await;

static gboolean
has_message (gpointer data)
{
  Await *await = data;

  for (guint i = 0; i < await->live->messages->len; i++)
    {
      JsonObject *object = json_node_get_object (g_ptr_array_index (await->live->messages, i));

      if (g_str_equal (json_object_get_string_member (object, "type"), await->type))
        return TRUE;
    }

  return FALSE;
}

static JsonObject *
await_message (Live       *live,
               const char *type,
               guint       timeout_ms)
{
  Await await = { live, type };

  if (!dropify_test_wait_for (has_message, &await, timeout_ms))
    return NULL;

  for (guint i = 0; i < live->messages->len; i++)
    {
      JsonObject *object = json_node_get_object (g_ptr_array_index (live->messages, i));

      if (g_str_equal (json_object_get_string_member (object, "type"), type))
        return object;
    }

  return NULL;
}

static gboolean
is_closed (gpointer data)
{
  return ((Live *) data)->closed;
}

static gboolean
has_no_sessions (gpointer data)
{
  return g_list_model_get_n_items (data) == 0;
}

static void
test_live (Fixture       *f,
           gconstpointer  data)
{
  DropifyPhone *phone = dropify_service_get_phone (f->service);
  GListModel *sessions = dropify_phone_get_sessions (phone);
  g_autoptr(DropifyDrop) before = NULL;
  g_autoptr(DropifyDrop) after = NULL;
  g_autoptr(DropifyPhoneSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *old_token = g_strdup (f->token);
  Live live = { 0 };
  Live refused = { 0 };
  JsonObject *message;
  int64_t started;

  before = dropify_service_send_text (f->service, "already here", 0, &error);
  g_assert_no_error (error);

  /* Without the token there is no handshake. */
  live_connect (f, "not-the-token-not-the-token", &refused);
  g_assert_null (refused.ws);
  g_assert_nonnull (refused.error);
  live_clear (&refused);

  live_connect (f, f->token, &live);
  g_assert_no_error (live.error);
  g_assert_nonnull (live.ws);
  g_assert_cmpstr (soup_websocket_connection_get_protocol (live.ws), ==, "dropify");

  /* First, everything there is. */
  message = await_message (&live, "snapshot", WAIT_MS);
  g_assert_nonnull (message);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (message, "drops")), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (message, "info"),
                                               "max_text_length"), >, 0);

  /* The phone is listed for the window. */
  g_assert_cmpuint (g_list_model_get_n_items (sessions), ==, 1);
  session = g_list_model_get_item (sessions, 0);
  g_assert_cmpstr (dropify_phone_session_get_name (session), ==, "Phone (Android)");
  g_assert_cmpstr (dropify_phone_session_get_address (session), ==, "127.0.0.1");
  g_assert_nonnull (dropify_phone_session_get_connected_since (session));

  /* Then every change, at once. */
  started = g_get_monotonic_time ();
  after = dropify_service_send_text (f->service, "made on the desktop", 0, &error);
  g_assert_no_error (error);
  message = await_message (&live, "added", 1000);
  g_assert_nonnull (message);
  g_test_message ("drop-added reached the page in %.1f ms", (g_get_monotonic_time () - started) / 1000.0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (message, "drop"), "text"),
                   ==, "made on the desktop");

  g_assert_true (dropify_service_delete (f->service, dropify_drop_get_id (before), &error));
  message = await_message (&live, "removed", 1000);
  g_assert_nonnull (message);
  g_assert_cmpstr (json_object_get_string_member (message, "id"), ==, dropify_drop_get_id (before));

  /* The page's heartbeat is answered at once. */
  soup_websocket_connection_send_text (live.ws, "{\"type\":\"ping\"}");
  g_assert_nonnull (await_message (&live, "pong", 1000));

  /* Revoking the token cuts the phone off and tells it why. */
  g_assert_true (dropify_phone_rotate_token (phone, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (dropify_phone_get_token (phone), !=, old_token);
  g_assert_true (dropify_test_wait_for (is_closed, &live, WAIT_MS));
  g_assert_cmpuint (soup_websocket_connection_get_close_code (live.ws), ==, 4001);
  g_assert_true (dropify_test_wait_for (has_no_sessions, sessions, WAIT_MS));

  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", "/api/info", old_token, NULL, &reply);
    assert_unauthorized (&reply);
  }
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", "/api/info", dropify_phone_get_token (phone), NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
  }

  /* The new token is what the data dir keeps. */
  {
    g_autofree char *path = g_build_filename (f->dir, "phone-token", NULL);
    g_autofree char *contents = NULL;
    GStatBuf st;

    g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
    g_assert_cmpstr (g_strstrip (contents), ==, dropify_phone_get_token (phone));
    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }

  live_clear (&live);
}

static guint
count_messages (Live       *live,
                const char *type)
{
  guint n = 0;

  for (guint i = 0; i < live->messages->len; i++)
    {
      JsonObject *object = json_node_get_object (g_ptr_array_index (live->messages, i));

      if (g_str_equal (json_object_get_string_member (object, "type"), type))
        n++;
    }

  return n;
}

static void
test_progress (Fixture       *f,
               gconstpointer  data)
{
  DropifyHistory *history = dropify_service_get_history (f->service);
  g_autoptr(GBytes) bytes = random_bytes (64 * 1024);
  g_autofree char *sha = sha256_of_bytes (bytes);
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(DropifyBlobWriter) writer = NULL;
  g_autoptr(GError) error = NULL;
  gsize size = g_bytes_get_size (bytes);
  Live live = { 0 };
  JsonObject *message = NULL;
  int64_t now = dropify_history_now (history);
  int64_t started;
  guint progress;
  double seconds;

  live_connect (f, f->token, &live);
  g_assert_nonnull (await_message (&live, "snapshot", WAIT_MS));

  /* A file from another device: its content is not here yet. */
  drop = dropify_drop_new_file ("5f0c2a7e-3b1d-4c8e-9a6f-2d4b8e1c7a90", "a-peer", "Laptop",
                                "film.mkv", "video/x-matroska", size, sha, now, now + 60000);
  g_assert_true (dropify_history_add (history, drop, &error));
  g_assert_no_error (error);
  g_assert_false (dropify_drop_get_complete (drop));

  /* Sync moves it forward thousands of times a second; the page hears of
   * it a few times a second. */
  started = g_get_monotonic_time ();
  for (gsize received = 1; received <= size / 2; received += 64)
    {
      dropify_drop_set_received (drop, received);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  dropify_drop_set_received (drop, size / 2);
  g_assert_nonnull (await_message (&live, "progress", 1000));
  g_usleep (300 * 1000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  seconds = (g_get_monotonic_time () - started) / 1e6;
  progress = count_messages (&live, "progress");
  g_test_message ("%u progress messages in %.2f s", progress, seconds);
  g_assert_cmpuint (progress, >=, 2);
  g_assert_cmpfloat (progress, <=, 4 * seconds + 1);
  for (guint i = 0; i < live.messages->len; i++)
    {
      JsonObject *object = json_node_get_object (g_ptr_array_index (live.messages, i));

      if (g_str_equal (json_object_get_string_member (object, "type"), "progress"))
        message = object;
    }
  g_assert_cmpstr (json_object_get_string_member (message, "id"), ==, dropify_drop_get_id (drop));
  g_assert_cmpint (json_object_get_int_member (message, "received"), ==, size / 2);

  /* Complete: the page learns at once, with the download link. */
  writer = dropify_blob_store_open_writer (dropify_history_get_blob_store (history), sha, size, &error);
  g_assert_no_error (error);
  g_assert_true (dropify_blob_writer_write (writer, g_bytes_get_data (bytes, NULL), size, &error));
  g_assert_true (dropify_blob_writer_finish (writer, &error));
  g_assert_true (dropify_history_mark_complete (history, dropify_drop_get_id (drop), &error));
  g_assert_no_error (error);
  message = await_message (&live, "changed", 1000);
  g_assert_nonnull (message);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (message, "drop"), "complete"));
  g_assert_nonnull (json_object_get_string_member (json_object_get_object_member (message, "drop"), "url"));

  live_clear (&live);
}

static void
test_urls_and_switch (Fixture       *f,
                      gconstpointer  data)
{
  DropifyPhone *phone = dropify_service_get_phone (f->service);
  g_auto(GStrv) urls = dropify_phone_dup_urls (phone);
  g_autofree char *url = dropify_phone_dup_url (phone);
  g_autofree char *suffix = g_strdup_printf (":%u/#%s",
                                             dropify_server_get_port (dropify_service_get_server (f->service)),
                                             f->token);

  g_assert_nonnull (urls[0]);
  g_assert_cmpstr (url, ==, urls[0]);
  for (guint i = 0; urls[i]; i++)
    {
      g_assert_true (g_str_has_prefix (urls[i], "http://"));
      g_assert_true (g_str_has_suffix (urls[i], suffix));
    }
  /* Loopback is always there, as a last resort. */
  {
    g_autofree char *loopback = g_strconcat ("http://127.0.0.1", suffix, NULL);
    g_assert_true (g_strv_contains ((const char * const *) urls, loopback));
  }

  /* Turned off, the page and its API are gone; turned on, they are back
   * with the same token. */
  g_settings_set_boolean (f->settings, "phone-access", FALSE);
  g_assert_null (dropify_service_get_phone (f->service));
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", "/api/info", f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 404);
  }
  g_settings_set_boolean (f->settings, "phone-access", TRUE);
  g_assert_nonnull (dropify_service_get_phone (f->service));
  g_assert_cmpstr (dropify_phone_get_token (dropify_service_get_phone (f->service)), ==, f->token);
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", "/api/info", f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
  }
}


static void
test_long_text (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GString) text = g_string_new ("ü");
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) created = NULL;
  g_autofree char *json = NULL;
  g_autofree char *path = NULL;
  JsonObject *object;
  const char *preview;

  /* Two-byte characters, so a cut at a fixed byte would split one. */
  while (text->len < 300 * 1000)
    g_string_append (text, "ünïcödé ");

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, text->str);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  json = json_to_string (body, FALSE);

  {
    g_auto(Reply) reply = { 0 };
    request (f, "POST", "/api/drops", f->token, json, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    /* The page has the text already: it gets the preview back. */
    g_assert_cmpuint (g_bytes_get_size (reply.body), <, 2048);
    created = parse (&reply);
  }
  object = json_node_get_object (created);
  path = g_strdup_printf ("/api/drops/%s", json_object_get_string_member (object, "id"));

  /* Listed as its first kilobyte, cut between characters. */
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) node = NULL;
    JsonObject *listed;

    request (f, "GET", "/api/drops", f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
    g_assert_cmpuint (g_bytes_get_size (reply.body), <, 4096);
    node = parse (&reply);
    listed = json_array_get_object_element (json_node_get_array (node), 0);
    preview = json_object_get_string_member (listed, "text");
    g_assert_true (g_utf8_validate (preview, -1, NULL));
    g_assert_cmpuint (strlen (preview), <=, 1024);
    g_assert_cmpuint (strlen (preview), >, 1000);
    g_assert_true (g_str_has_prefix (text->str, preview));
    g_assert_true (json_object_get_boolean_member (listed, "truncated"));
    g_assert_cmpint (json_object_get_int_member (listed, "length"), ==, text->len);
  }

  /* Whole on demand. */
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) node = NULL;

    request (f, "GET", path, f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
    node = parse (&reply);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "text"), ==, text->str);
    g_assert_false (json_object_has_member (json_node_get_object (node), "truncated"));
  }
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", "/api/drops/no-such-drop", f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 404);
  }
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", path, NULL, NULL, &reply);
    assert_unauthorized (&reply);
  }
}

static void
test_text_once (Fixture       *f,
                gconstpointer  data)
{
  const char *body = "{\"text\": \"only once\", \"id\": \"0B1E5C3A-4F2D-4A6B-8C7D-9E0F1A2B3C4D\"}";
  const char *other = "{\"text\": \"not the same\", \"id\": \"0b1e5c3a-4f2d-4a6b-8c7d-9e0f1a2b3c4d\"}";

  /* A page that lost the answer sends again with the same id: one drop. */
  for (guint i = 0; i < 3; i++)
    {
      g_auto(Reply) reply = { 0 };
      g_autoptr(JsonNode) node = NULL;

      request (f, "POST", "/api/drops", f->token, body, &reply);
      g_assert_cmpuint (reply.status, ==, i == 0 ? 201 : 200);
      node = parse (&reply);
      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "id"), ==,
                       "0b1e5c3a-4f2d-4a6b-8c7d-9e0f1a2b3c4d");
    }
  g_assert_cmpuint (n_drops (f), ==, 1);

  /* The id is not a way to overwrite or read another drop. */
  {
    g_auto(Reply) reply = { 0 };
    request (f, "POST", "/api/drops", f->token, other, &reply);
    g_assert_cmpuint (reply.status, ==, 409);
  }
  {
    g_auto(Reply) reply = { 0 };
    request (f, "POST", "/api/drops", f->token, "{\"text\": \"x\", \"id\": \"../../etc\"}", &reply);
    g_assert_cmpuint (reply.status, ==, 400);
  }
  {
    g_auto(Reply) reply = { 0 };
    request (f, "POST", "/api/drops", f->token, "{\"text\": \"x\", \"id\": 5}", &reply);
    g_assert_cmpuint (reply.status, ==, 400);
  }
  g_assert_cmpuint (n_drops (f), ==, 1);
}

static void
test_strict_framing (Fixture       *f,
                     gconstpointer  data)
{
  /* Each would let a proxy and this server see different requests. */
  static const struct {
    const char *headers;
    guint       status;
  } framings[] = {
    { "Content-Length: 17\r\nContent-Length: 4\r\n", 400 },
    { "Transfer-Encoding: xchunked\r\nContent-Length: 17\r\n", 400 },
    /* libsoup refuses this one itself, before any handler, as RFC 9112
     * recommends. */
    { "Content-Length: 17\r\nTransfer-Encoding: xchunked\r\n", 501 },
    { "Transfer-Encoding: chunked\r\nContent-Length: 17\r\n", 400 },
    { "Transfer-Encoding: gzip, chunked\r\n", 501 },
    { "Content-Length: +17\r\n", 400 },
  };
  g_autofree char *good = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *chunked = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (framings); i++)
    {
      const char *paths[] = { "/api/drops", "/" };

      for (guint j = 0; j < G_N_ELEMENTS (paths); j++)
        {
          g_autofree char *shown = g_strescape (framings[i].headers, NULL);
          g_autofree char *status = g_strdup_printf ("HTTP/1.1 %u ", framings[i].status);
          g_autofree char *request = NULL;
          g_autofree char *response = NULL;

          g_test_message ("POST %s with %s", paths[j], shown);
          request = g_strdup_printf ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                     "Authorization: Bearer %s\r\n"
                                     "Content-Type: application/json\r\n%s\r\n"
                                     "{\"text\": \"smug\"}"
                                     "GET /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                                     paths[j], f->token, framings[i].headers);
          response = raw_request (f, request);
          g_test_message ("%.*s", (int) strcspn (response, "\r"), response);
          g_assert_true (g_str_has_prefix (response, status));
          /* One answer, then the connection is closed: nothing smuggled. */
          g_assert_null (strstr (response + 1, "HTTP/1.1"));
        }
    }
  g_assert_cmpuint (n_drops (f), ==, 0);

  /* The same request, framed plainly, is fine, and so is chunked. */
  plain = g_strdup_printf ("POST /api/drops HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Authorization: Bearer %s\r\nConnection: close\r\n"
                           "Content-Length: 16\r\nContent-Length: 16\r\n\r\n"
                           "{\"text\":\"fine\"}\n", f->token);
  good = raw_request (f, plain);
  g_assert_true (g_str_has_prefix (good, "HTTP/1.1 201 "));
  g_free (good);
  chunked = g_strdup_printf ("POST /api/drops HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Authorization: Bearer %s\r\nConnection: close\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n"
                             "10\r\n{\"text\":\"also\"}\n\r\n0\r\n\r\n", f->token);
  good = raw_request (f, chunked);
  g_assert_true (g_str_has_prefix (good, "HTTP/1.1 201 "));
  g_assert_cmpuint (n_drops (f), ==, 2);
}

static void
test_upload_type (Fixture       *f,
                  gconstpointer  data)
{
  static const struct {
    const char *name;
    const char *claimed;
    const char *content;
    gsize       len;
    const char *stored;
    const char *served;
  } uploads[] = {
    /* The uploader's claim is ignored. */
    { "ok.txt", "text/html", "hello, plain text\n", 18, "text/plain", "text/plain" },
    /* The bytes tell what the name does not. */
    { "picture", "text/html", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, "image/png", "image/png" },
    /* Whatever it is, markup is never labelled as such. */
    { "page.html", "text/plain", "<!doctype html><script>alert(1)</script>", 40, "text/html",
      "application/octet-stream" },
    { "drawing.svg", "image/png", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>", 41, "image/svg+xml",
      "application/octet-stream" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (uploads); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (uploads[i].content, uploads[i].len);
      g_autoptr(JsonNode) created = NULL;
      g_auto(Reply) reply = { 0 };
      g_auto(Reply) download = { 0 };
      JsonObject *object;

      g_test_message ("%s claimed as %s", uploads[i].name, uploads[i].claimed);
      upload_typed (f, uploads[i].name, uploads[i].claimed, bytes, f->token, &reply);
      g_assert_cmpuint (reply.status, ==, 201);
      created = parse (&reply);
      object = json_node_get_object (created);
      g_assert_cmpstr (json_object_get_string_member (object, "mime"), ==, uploads[i].stored);

      request (f, "GET", json_object_get_string_member (object, "url"), NULL, NULL, &download);
      g_assert_cmpuint (download.status, ==, 200);
      g_assert_cmpstr (response_header (&download, "Content-Type"), ==, uploads[i].served);
    }
}

static void
test_csp_ipv6 (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *v4 = NULL;
  g_autofree char *v6 = NULL;

  v4 = raw_request (f, "GET / HTTP/1.1\r\nHost: 127.0.0.1:4000\r\nConnection: close\r\n\r\n");
  g_assert_nonnull (strstr (v4, "connect-src 'self' ws://127.0.0.1:4000\r\n"));

  /* CSP has no IPv6 literal; Chromium rejects the source. */
  v6 = raw_request (f, "GET / HTTP/1.1\r\nHost: [::1]:4000\r\nConnection: close\r\n\r\n");
  g_assert_true (g_str_has_prefix (v6, "HTTP/1.1 200 "));
  g_assert_nonnull (strstr (v6, "Content-Security-Policy: default-src 'self'"));
  g_assert_null (strstr (v6, "[::1]"));
}

/* Resumable uploads */

#define UPLOAD_ID "0b6f3c1e-4d2a-4f5b-9c7d-8e9f0a1b2c3d"

static guint
partial_files (Fixture *f)
{
  g_autofree char *partial = g_build_filename (f->dir, "files", "partial", NULL);
  return count_files (partial);
}

/* PUT /api/uploads/ID with @range as Content-Range and @body. */
static void
put_upload (Fixture     *f,
            SoupSession *session,
            const char  *id,
            const char  *range,
            GBytes      *body,
            Reply       *reply)
{
  g_autofree char *path = g_strconcat ("/api/uploads/", id, NULL);
  g_autoptr(SoupMessage) msg = new_message (f, "PUT", path, f->token);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  SoupSession *saved = f->session;

  soup_message_headers_replace (headers, "X-Filename", "Holiday%20video.mp4");
  if (range != NULL)
    soup_message_headers_replace (headers, "Content-Range", range);
  soup_message_set_request_body_from_bytes (msg, "application/octet-stream", body ? body : empty);

  if (session != NULL)
    f->session = session;
  run (f, msg, reply);
  f->session = saved;
}

/* Sends bytes [@start, @end) of @bytes, with END inclusive in the range. */
static void
put_part (Fixture *f,
          GBytes  *bytes,
          gsize    start,
          gsize    end,
          Reply   *reply)
{
  g_autoptr(GBytes) part = g_bytes_new_from_bytes (bytes, start, end - start);
  g_autofree char *range = g_strdup_printf ("bytes %" G_GSIZE_FORMAT "-%" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT,
                                            start, end - 1, g_bytes_get_size (bytes));

  put_upload (f, NULL, UPLOAD_ID, range, part, reply);
}

static void
upload_request (Fixture     *f,
                SoupSession *session,
                const char  *method,
                const char  *id,
                Reply       *reply)
{
  g_autofree char *path = g_strconcat ("/api/uploads/", id, NULL);
  g_autoptr(SoupMessage) msg = new_message (f, method, path, f->token);
  SoupSession *saved = f->session;

  if (session != NULL)
    f->session = session;
  run (f, msg, reply);
  f->session = saved;
}

static int64_t
upload_offset (Fixture *f)
{
  g_auto(Reply) reply = { 0 };
  g_autoptr(JsonNode) node = NULL;

  upload_request (f, NULL, "GET", UPLOAD_ID, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  node = parse (&reply);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "id"), ==, UPLOAD_ID);
  return json_object_get_int_member (json_node_get_object (node), "offset");
}

static int64_t
reply_offset (Reply *reply)
{
  g_autoptr(JsonNode) node = parse (reply);
  return json_object_get_int_member (json_node_get_object (node), "offset");
}

/* A phone whose Wi-Fi drops in the middle: the headers announce every
 * byte, the socket closes after @sent of them. */
typedef struct
{
  guint16  port;
  char    *head;
  GBytes  *body;
  gsize    sent;
  gboolean done;
} Cut;

static gpointer
cut_thread (gpointer data)
{
  Cut *cut = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  GOutputStream *out;

  g_socket_client_set_enable_proxy (client, FALSE);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", cut->port, NULL, &error);
  g_assert_no_error (error);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_output_stream_write_all (out, cut->head, strlen (cut->head), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (out, g_bytes_get_data (cut->body, NULL), cut->sent, NULL, NULL, &error);
  g_assert_no_error (error);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  g_atomic_int_set (&cut->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

static gboolean
cut_is_done (gpointer data)
{
  return g_atomic_int_get (&((Cut *) data)->done);
}

typedef struct
{
  Fixture *f;
  int64_t  offset;
} OffsetWait;

/* The other thread's request may not have reached the server yet: the
 * upload is unknown (404) until it has, and that is not reached. */
static gboolean
offset_reached (gpointer data)
{
  OffsetWait *wait = data;
  g_auto(Reply) reply = { 0 };

  upload_request (wait->f, NULL, "GET", UPLOAD_ID, &reply);
  if (reply.status == 404)
    return FALSE;
  g_assert_cmpuint (reply.status, ==, 200);

  return reply_offset (&reply) >= wait->offset;
}

static void
put_cut (Fixture    *f,
         const char *user_agent,
         GBytes     *bytes,
         gsize       sent)
{
  Cut cut = { 0 };
  GThread *thread;
  gsize size = g_bytes_get_size (bytes);

  cut.port = dropify_server_get_port (dropify_service_get_server (f->service));
  cut.head = g_strdup_printf ("PUT /api/uploads/" UPLOAD_ID " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Authorization: Bearer %s\r\nUser-Agent: %s\r\n"
                              "X-Filename: Holiday%%20video.mp4\r\n"
                              "Content-Range: bytes 0-%" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT "\r\n"
                              "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
                              f->token, user_agent, size - 1, size, size);
  cut.body = bytes;
  cut.sent = sent;
  thread = g_thread_new ("cut", cut_thread, &cut);
  g_assert_true (dropify_test_wait_for (cut_is_done, &cut, WAIT_MS));
  g_thread_join (thread);
  g_free (cut.head);
}

static void
assert_one_drop (Fixture *f,
                 GBytes  *bytes)
{
  g_autofree char *sha = sha256_of_bytes (bytes);
  g_autoptr(DropifyDrop) drop = NULL;
  g_autofree char *stored = NULL;

  g_assert_cmpuint (n_drops (f), ==, 1);
  drop = g_list_model_get_item (G_LIST_MODEL (dropify_service_get_history (f->service)), 0);
  g_assert_cmpstr (dropify_drop_get_name (drop), ==, "Holiday video.mp4");
  g_assert_cmpstr (dropify_drop_get_sha256 (drop), ==, sha);
  g_assert_cmpuint (dropify_drop_get_size (drop), ==, g_bytes_get_size (bytes));
  g_assert_cmpstr (dropify_drop_get_origin_name (drop), ==, "Phone (Android)");
  stored = sha256_of_file (dropify_drop_get_path (drop));
  g_assert_cmpstr (stored, ==, sha);
}

static void
test_upload_resume (Fixture       *f,
                    gconstpointer  data)
{
  const gsize size = 3 * 1000 * 1000;
  g_autoptr(GBytes) bytes = random_bytes (size);
  OffsetWait wait = { f, 1000 * 1000 };
  g_autofree char *last = g_strdup_printf ("bytes %" G_GSIZE_FORMAT "-%" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT,
                                           size - 10, size - 1, size);
  g_autofree char *finish = g_strdup_printf ("bytes */%" G_GSIZE_FORMAT, size);
  int64_t offset;

  /* Cut after a third: what arrived is kept. */
  put_cut (f, ANDROID_UA, bytes, wait.offset);
  g_assert_true (dropify_test_wait_for (offset_reached, &wait, WAIT_MS));
  offset = upload_offset (f);
  g_assert_cmpint (offset, ==, wait.offset);
  g_assert_cmpuint (n_drops (f), ==, 0);

  /* The rest, from there: one drop, the right content. */
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) node = NULL;
    JsonObject *object;

    put_part (f, bytes, offset, size, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    node = parse (&reply);
    object = json_node_get_object (node);
    g_assert_true (json_object_get_boolean_member (object, "complete"));
    g_assert_cmpint (json_object_get_int_member (object, "offset"), ==, size);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "drop"), "name"),
                     ==, "Holiday video.mp4");
  }
  assert_one_drop (f, bytes);

  /* The answer was lost: asking again, or sending the end again, finds
   * the same drop and makes no other. */
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) node = NULL;

    upload_request (f, NULL, "GET", UPLOAD_ID, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
    node = parse (&reply);
    g_assert_true (json_object_get_boolean_member (json_node_get_object (node), "complete"));
    g_assert_true (json_object_has_member (json_node_get_object (node), "drop"));
  }
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(GBytes) end = g_bytes_new_from_bytes (bytes, size - 10, 10);

    put_upload (f, NULL, UPLOAD_ID, last, end, &reply);
    g_assert_cmpuint (reply.status, ==, 409);
    g_assert_cmpint (reply_offset (&reply), ==, size);
  }
  {
    g_auto(Reply) reply = { 0 };

    put_upload (f, NULL, UPLOAD_ID, finish, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
  }
  assert_one_drop (f, bytes);
  g_assert_cmpuint (partial_files (f), ==, 0);
}

/* A connection that went quiet without closing, as a phone's does when
 * its Wi-Fi drops: @sent bytes, then the rest only once @go is set. */
typedef struct
{
  guint16  port;
  char    *head;
  GBytes  *body;
  gsize    sent;
  int      go;
  GString *response;
  gboolean done;
} Quiet;

static gpointer
quiet_thread (gpointer data)
{
  Quiet *quiet = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *body = g_bytes_get_data (quiet->body, NULL);
  GOutputStream *out;
  char buffer[4096];
  gssize n;

  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, 5);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", quiet->port, NULL, &error);
  g_assert_no_error (error);
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_output_stream_write_all (out, quiet->head, strlen (quiet->head), NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (out, body, quiet->sent, NULL, NULL, &error);
  g_assert_no_error (error);

  while (!g_atomic_int_get (&quiet->go))
    g_usleep (1000);

  g_output_stream_write_all (out, body + quiet->sent, g_bytes_get_size (quiet->body) - quiet->sent,
                             NULL, NULL, &error);
  g_assert_no_error (error);
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                   buffer, sizeof buffer, NULL, NULL)) > 0 &&
         !strstr (quiet->response->str, "\r\n\r\n{"))
    g_string_append_len (quiet->response, buffer, n);

  g_atomic_int_set (&quiet->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

static gboolean
quiet_is_done (gpointer data)
{
  return g_atomic_int_get (&((Quiet *) data)->done);
}

/* The page goes on on a new connection while the server still holds the
 * old one open: the new one takes the upload over, and bytes that come
 * late on the old one are refused, not written. */
static void
test_upload_takeover (Fixture       *f,
                      gconstpointer  data)
{
  const gsize size = 64 * 1024;
  g_autoptr(GBytes) bytes = random_bytes (size);
  OffsetWait wait = { f, 1000 };
  Quiet quiet = { 0 };
  GThread *thread;

  quiet.port = dropify_server_get_port (dropify_service_get_server (f->service));
  quiet.head = g_strdup_printf ("PUT /api/uploads/" UPLOAD_ID " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "Authorization: Bearer %s\r\nUser-Agent: %s\r\n"
                                "X-Filename: Holiday%%20video.mp4\r\n"
                                "Content-Range: bytes 0-%" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT "\r\n"
                                "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
                                f->token, ANDROID_UA, size - 1, size, size);
  quiet.body = bytes;
  quiet.sent = wait.offset;
  quiet.response = g_string_new (NULL);
  thread = g_thread_new ("quiet", quiet_thread, &quiet);
  g_assert_true (dropify_test_wait_for (offset_reached, &wait, WAIT_MS));

  {
    g_auto(Reply) reply = { 0 };

    put_part (f, bytes, upload_offset (f), size, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
  }
  assert_one_drop (f, bytes);

  /* The old connection wakes up and sends the rest of its body. */
  g_atomic_int_set (&quiet.go, TRUE);
  g_assert_true (dropify_test_wait_for (quiet_is_done, &quiet, WAIT_MS));
  g_thread_join (thread);
  g_test_message ("%.*s", (int) strcspn (quiet.response->str, "\r"), quiet.response->str);
  g_assert_true (g_str_has_prefix (quiet.response->str, "HTTP/1.1 409 "));
  assert_one_drop (f, bytes);
  g_assert_cmpuint (partial_files (f), ==, 0);

  g_string_free (quiet.response, TRUE);
  g_free (quiet.head);
}

static void
test_upload_empty (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_auto(Reply) reply = { 0 };

  put_upload (f, NULL, UPLOAD_ID, "bytes */0", NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 201);
  assert_one_drop (f, empty);
}

/* Each hostile request gets a clear 4xx and changes nothing: the upload
 * then finishes as if they had never come. */
static void
test_upload_hostile (Fixture       *f,
                     gconstpointer  data)
{
  const gsize size = 40000;
  const gsize q = size / 4;
  g_autoptr(GBytes) bytes = random_bytes (size);
  g_autoptr(SoupSession) other = soup_session_new_with_options ("proxy-resolver", NULL,
                                                                "user-agent", IPHONE_UA, NULL);
  static const struct {
    const char *range;
    guint       status;
  } ranges[] = {
    { "bytes 20000-29999/40000", 409 },  /* a gap */
    { "bytes 0-9999/40000", 409 },       /* the same bytes again */
    { "bytes 5000-14999/40000", 409 },   /* overlapping */
    { "bytes 10000-40009/40000", 416 },  /* past the declared size */
    { "bytes 40000-40009/40000", 416 },
    { "bytes 10005-9999/40000", 416 },   /* backwards */
    { "bytes 10000-19999/40001", 400 },  /* another size */
    { "bytes 10000-19999/1000000000000", 413 },
    { "bytes 10000-19999", 400 },
    { "items 10000-19999/40000", 400 },
    { "bytes -1-19999/40000", 400 },
    { NULL, 400 },
  };

  {
    g_auto(Reply) reply = { 0 };

    put_part (f, bytes, 0, q, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
  }

  for (guint i = 0; i < G_N_ELEMENTS (ranges); i++)
    {
      g_autoptr(GBytes) part = g_bytes_new_from_bytes (bytes, q, q);
      g_auto(Reply) reply = { 0 };

      g_test_message ("Content-Range: %s", ranges[i].range ? ranges[i].range : "(none)");
      put_upload (f, NULL, UPLOAD_ID, ranges[i].range, part, &reply);
      g_assert_cmpuint (reply.status, ==, ranges[i].status);
      if (reply.status == 409)
        g_assert_cmpint (reply_offset (&reply), ==, q);
      g_assert_cmpint (upload_offset (f), ==, q);
    }

  /* A body longer or shorter than its range. */
  {
    g_autoptr(GBytes) part = g_bytes_new_from_bytes (bytes, q, q + 1);
    g_auto(Reply) reply = { 0 };

    put_upload (f, NULL, UPLOAD_ID, "bytes 10000-19999/40000", part, &reply);
    g_assert_cmpuint (reply.status, ==, 400);
    g_assert_cmpint (upload_offset (f), ==, q);
  }

  /* Another session knows nothing of it, and can touch nothing. */
  {
    g_autoptr(GBytes) part = g_bytes_new_from_bytes (bytes, q, q);
    g_auto(Reply) get = { 0 };
    g_auto(Reply) put = { 0 };
    g_auto(Reply) delete = { 0 };

    upload_request (f, other, "GET", UPLOAD_ID, &get);
    g_assert_cmpuint (get.status, ==, 404);
    put_upload (f, other, UPLOAD_ID, "bytes 10000-19999/40000", part, &put);
    g_assert_cmpuint (put.status, ==, 404);
    upload_request (f, other, "DELETE", UPLOAD_ID, &delete);
    g_assert_cmpuint (delete.status, ==, 404);
    g_assert_cmpint (upload_offset (f), ==, q);
  }

  /* Ids that are not ids. */
  {
    static const char * const paths[] = {
      "/api/uploads/..%2F..%2Fphone-token", "/api/uploads/../../phone-token",
      "/api/uploads/x/y", "/api/uploads/", "/api/uploads/not-a-uuid",
      "/api/uploads/%00",
    };

    for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
      {
        g_autofree char *raw = g_strdup_printf ("PUT %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                "Authorization: Bearer %s\r\nConnection: close\r\n"
                                                "X-Filename: a\r\nContent-Range: bytes 0-1/2\r\n"
                                                "Content-Length: 2\r\n\r\nab", paths[i], f->token);
        g_autofree char *response = raw_request (f, raw);

        g_test_message ("PUT %s: %.*s", paths[i], (int) strcspn (response, "\r"), response);
        g_assert_true (g_str_has_prefix (response, "HTTP/1.1 4"));
      }
  }

  /* A new upload without a name, or not from its start. */
  {
    g_autofree char *path = g_strconcat ("/api/uploads/", "1b6f3c1e-4d2a-4f5b-9c7d-8e9f0a1b2c3d", NULL);
    g_autoptr(SoupMessage) msg = new_message (f, "PUT", path, f->token);
    g_autoptr(GBytes) two = g_bytes_new ("ab", 2);
    g_auto(Reply) reply = { 0 };
    g_auto(Reply) later = { 0 };

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Content-Range", "bytes 0-1/2");
    soup_message_set_request_body_from_bytes (msg, NULL, two);
    run (f, msg, &reply);
    g_assert_cmpuint (reply.status, ==, 400);

    put_upload (f, NULL, "2b6f3c1e-4d2a-4f5b-9c7d-8e9f0a1b2c3d", "bytes 1-1/2", two, &later);
    g_assert_cmpuint (later.status, ==, 400);
  }

  g_assert_cmpuint (n_drops (f), ==, 0);

  /* Nothing was lost. */
  {
    g_auto(Reply) reply = { 0 };

    put_part (f, bytes, q, size, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
  }
  assert_one_drop (f, bytes);
}

static void
create_upload (Fixture     *f,
               SoupSession *session,
               const char  *id,
               uint64_t     size,
               guint        status)
{
  g_autofree char *range = g_strdup_printf ("bytes */%" G_GUINT64_FORMAT, size);
  g_auto(Reply) reply = { 0 };

  put_upload (f, session, id, range, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, status);
}

/* A session has a few unfinished uploads, no larger together than the
 * largest file; each goes after a while without a byte. */
static void
test_upload_limits (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(SoupSession) other = soup_session_new_with_options ("proxy-resolver", NULL,
                                                                "user-agent", IPHONE_UA, NULL);
  DropifyPhone *phone = dropify_service_get_phone (f->service);
  guint partial_before = partial_files (f);
  char id[37];

  g_settings_set_uint64 (f->settings, "max-file-size", 1000);

  for (guint i = 0; i < 4; i++)
    {
      g_snprintf (id, sizeof id, "00000000-0000-4000-8000-%012u", i);
      create_upload (f, NULL, id, 100, 200);
    }
  create_upload (f, NULL, "00000000-0000-4000-8000-000000000009", 100, 409);
  g_assert_cmpuint (partial_files (f), ==, partial_before + 4);

  /* Another session has its own room; cancelling makes some. */
  create_upload (f, other, "00000000-0000-4000-8000-000000000009", 600, 200);
  create_upload (f, other, "00000000-0000-4000-8000-000000000008", 600, 409);
  {
    g_auto(Reply) reply = { 0 };

    upload_request (f, other, "DELETE", "00000000-0000-4000-8000-000000000009", &reply);
    g_assert_cmpuint (reply.status, ==, 204);
  }
  create_upload (f, other, "00000000-0000-4000-8000-000000000008", 600, 200);
  create_upload (f, other, "00000000-0000-4000-8000-000000000007", 1001, 413);

  /* Expired: gone from the disk as well. */
  phone->upload_expiry = 100 * 1000;
  g_usleep (150 * 1000);
  {
    g_auto(Reply) reply = { 0 };

    upload_request (f, NULL, "GET", "00000000-0000-4000-8000-000000000000", &reply);
    g_assert_cmpuint (reply.status, ==, 404);
  }
  g_assert_cmpuint (partial_files (f), ==, partial_before);

  /* Phone access switched off: the partial files go with it. */
  phone->upload_expiry = DROPIFY_PHONE_UPLOAD_EXPIRY;
  create_upload (f, NULL, "00000000-0000-4000-8000-000000000001", 100, 200);
  g_assert_cmpuint (partial_files (f), ==, partial_before + 1);
  g_settings_set_boolean (f->settings, "phone-access", FALSE);
  g_assert_cmpuint (partial_files (f), ==, partial_before);
  g_assert_cmpuint (n_drops (f), ==, 0);
}

/* Thumbnails */

static GBytes *
make_png (int width,
          int height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  char *buffer = NULL;
  gsize length = 0;

  gdk_pixbuf_fill (pixbuf, 0x2ec27eff);
  gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, "png", &error, NULL);
  g_assert_no_error (error);

  return g_bytes_new_take (buffer, length);
}

static void
thumbnail_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;
  *out = g_object_ref (result);
}

/* As the desktop does for its own window. */
static void
make_thumbnail (Fixture    *f,
                const char *id)
{
  DropifyThumbnailer *thumbnailer = dropify_service_get_thumbnailer (f->service);
  DropifyDrop *drop = dropify_history_lookup (dropify_service_get_history (f->service), id);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;

  dropify_thumbnailer_lookup_async (thumbnailer, drop, NULL, thumbnail_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  file = dropify_thumbnailer_lookup_finish (thumbnailer, result, &error);
  g_assert_no_error (error);
}

static JsonObject *
listed_drop (JsonNode   *list,
             const char *id)
{
  JsonArray *array = json_node_get_array (list);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *object = json_array_get_object_element (array, i);

      if (g_str_equal (json_object_get_string_member (object, "id"), id))
        return object;
    }

  g_assert_not_reached ();
}

static void
test_thumbnail (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GBytes) png = make_png (1024, 512);
  g_autoptr(GBytes) noise = random_bytes (5000);
  g_autoptr(JsonNode) created = NULL;
  g_autoptr(JsonNode) other = NULL;
  g_autoptr(DropifyDrop) text = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *url = NULL;
  g_autofree char *other_url = NULL;

  {
    g_auto(Reply) reply = { 0 };
    upload_typed (f, "garden.png", "image/png", png, f->token, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    created = parse (&reply);
  }
  id = g_strdup (json_object_get_string_member (json_node_get_object (created), "id"));
  path = g_strdup_printf ("/api/drops/%s/thumbnail", id);

  /* None made yet: none offered, none served. */
  g_assert_false (json_object_has_member (json_node_get_object (created), "thumbnail"));
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", path, f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 404);
  }

  make_thumbnail (f, id);

  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) list = NULL;
    JsonObject *object;

    request (f, "GET", "/api/drops", f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
    list = parse (&reply);
    object = listed_drop (list, id);
    url = g_strdup (json_object_get_string_member (object, "thumbnail"));
    g_assert_true (g_str_has_prefix (url, path));
    g_assert_nonnull (strstr (url, "?sig="));
  }

  /* An <img> has no token: the signed address is enough. */
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new_with_type ("png", NULL);
    GdkPixbuf *thumbnail;

    request (f, "GET", url, NULL, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
    g_assert_cmpstr (response_header (&reply, "Content-Type"), ==, "image/png");
    g_assert_cmpstr (response_header (&reply, "X-Content-Type-Options"), ==, "nosniff");
    g_assert_nonnull (strstr (response_header (&reply, "Cache-Control"), "max-age="));
    g_assert_null (strstr (response_header (&reply, "Cache-Control"), "no-store"));
    g_assert_nonnull (response_header (&reply, "ETag"));
    g_assert_null (response_header (&reply, "Content-Disposition"));
    g_assert_cmpstr (response_header (&reply, "Cross-Origin-Resource-Policy"), ==, "same-origin");

    /* The thumbnail, never the image. */
    g_assert_cmpuint (g_bytes_get_size (reply.body), <, g_bytes_get_size (png));
    g_assert_true (gdk_pixbuf_loader_write_bytes (loader, reply.body, &error));
    g_assert_true (gdk_pixbuf_loader_close (loader, &error));
    g_assert_no_error (error);
    thumbnail = gdk_pixbuf_loader_get_pixbuf (loader);
    g_assert_cmpint (gdk_pixbuf_get_width (thumbnail), ==, 256);
    g_assert_cmpint (gdk_pixbuf_get_height (thumbnail), ==, 128);
  }

  /* Or the token, as the other routes. */
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", path, f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
    g_assert_cmpstr (response_header (&reply, "Content-Type"), ==, "image/png");
  }
  {
    g_auto(Reply) reply = { 0 };
    request (f, "HEAD", path, f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
  }
  {
    g_auto(Reply) reply = { 0 };
    request (f, "POST", path, f->token, "{}", &reply);
    g_assert_cmpuint (reply.status, ==, 405);
  }

  /* Without either, or with another drop's signature: nothing. */
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", path, NULL, NULL, &reply);
    assert_unauthorized (&reply);
  }
  {
    g_autofree char *bad = g_strdup (url);
    g_auto(Reply) reply = { 0 };

    bad[strlen (bad) - 1] = bad[strlen (bad) - 1] == '0' ? '1' : '0';
    request (f, "GET", bad, NULL, NULL, &reply);
    assert_unauthorized (&reply);
  }
  {
    g_auto(Reply) reply = { 0 };
    upload_bytes (f, "noise.png", noise, f->token, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    other = parse (&reply);
    other_url = g_strdup_printf ("/api/drops/%s/thumbnail%s",
                                 json_object_get_string_member (json_node_get_object (other), "id"),
                                 strchr (url, '?'));
  }
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", other_url, NULL, NULL, &reply);
    assert_unauthorized (&reply);
  }

  /* Not an image, not a file, not a drop: 404. */
  text = dropify_service_send_text (f->service, "no picture", 0, &error);
  g_assert_no_error (error);
  {
    const char *ids[] = {
      json_object_get_string_member (json_node_get_object (other), "id"),
      dropify_drop_get_id (text),
      "no-such-drop",
    };

    for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
      {
        g_autofree char *other_path = g_strdup_printf ("/api/drops/%s/thumbnail", ids[i]);
        g_auto(Reply) reply = { 0 };

        request (f, "GET", other_path, f->token, NULL, &reply);
        g_assert_cmpuint (reply.status, ==, 404);
      }
  }

  /* Gone with its drop. */
  {
    g_auto(Reply) reply = { 0 };
    g_autofree char *drop_path = g_strdup_printf ("/api/drops/%s", id);

    request (f, "DELETE", drop_path, f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 204);
  }
  {
    g_auto(Reply) reply = { 0 };
    request (f, "GET", path, f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 404);
  }
}

/* A connected page gets its images' thumbnails made, and hears of each
 * as a change to its drop. */
static void
test_thumbnail_live (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GBytes) png = make_png (300, 900);
  g_autoptr(JsonNode) created = NULL;
  const char *id;
  Live live = { 0 };

  {
    g_auto(Reply) reply = { 0 };
    upload_typed (f, "tall.png", "application/octet-stream", png, f->token, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    created = parse (&reply);
  }
  id = json_object_get_string_member (json_node_get_object (created), "id");

  live_connect (f, f->token, &live);
  g_assert_nonnull (live.ws);
  g_assert_nonnull (await_message (&live, "snapshot", WAIT_MS));

  {
    JsonObject *changed = await_message (&live, "changed", WAIT_MS);
    JsonObject *drop;

    g_assert_nonnull (changed);
    drop = json_object_get_object_member (changed, "drop");
    g_assert_cmpstr (json_object_get_string_member (drop, "id"), ==, id);
    g_assert_true (g_str_has_prefix (json_object_get_string_member (drop, "thumbnail"), "/api/drops/"));
  }

  live_clear (&live);
}

/* A phone names itself: its drops carry the name, on every device, and
 * its session in the window has it. A name that would need cleaning to
 * be shown is refused, saying why. */

static gboolean
session_named (gpointer data)
{
  g_autoptr(DropifyPhoneSession) session = g_list_model_get_item (data, 0);

  return session != NULL && g_str_equal (dropify_phone_session_get_name (session), "Anna’s Pixel");
}

static const char *
error_of (Reply *reply)
{
  static char message[256];
  g_autoptr(JsonNode) node = parse (reply);

  g_strlcpy (message, json_object_get_string_member (json_node_get_object (node), "error"), sizeof message);
  return message;
}

static void
test_name (Fixture       *f,
           gconstpointer  data)
{
  DropifyPhone *phone = dropify_service_get_phone (f->service);
  GListModel *sessions = dropify_phone_get_sessions (phone);
  g_autofree char *long_name = NULL;
  g_autofree char *longest = NULL;
  Live live = { 0 };
  Live again = { 0 };
  JsonObject *info;
  static const struct {
    const char *body;
    guint       status;
    const char *error;
  } hostile[] = {
    { "{\"name\":\"bell\\u0007\"}", 400, "control or text direction" },
    { "{\"name\":\"esc\\u001b[2J\"}", 400, "control or text direction" },
    { "{\"name\":\"line\\nbreak\"}", 400, "control or text direction" },
    { "{\"name\":\"invoice\\u202efdp\"}", 400, "control or text direction" },
    { "{\"name\":\"isolate\\u2066x\"}", 400, "control or text direction" },
    { "{\"name\":\"mark\\u200f\"}", 400, "control or text direction" },
    { "{\"name\":\"nul\\u0000x\"}", 400, NULL },
    { "{\"name\":\"\\ud800\"}", 400, NULL },
    { "{\"name\":\"bad \xff\xfe utf-8\"}", 400, "not valid UTF-8" },
    { "{\"name\":\"overlong \xc0\xaf\"}", 400, "not valid UTF-8" },
    { "{\"name\":42}", 400, "“name” must be a string" },
    { "{\"nom\":\"x\"}", 400, "“name” must be a string" },
    { "[\"Anna\"]", 400, "not a JSON object" },
    { "Anna", 400, "not a JSON object" },
  };

  /* By default, the name its browser suggests. */
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) node = NULL;

    request (f, "GET", "/api/info", f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
    node = parse (&reply);
    info = json_node_get_object (node);
    g_assert_cmpstr (json_object_get_string_member (info, "phone_name"), ==, "Phone (Android)");
    g_assert_true (g_uuid_string_is_valid (json_object_get_string_member (info, "phone_origin")));
  }

  live_connect (f, f->token, &live);
  g_assert_nonnull (await_message (&live, "snapshot", WAIT_MS));
  g_assert_cmpuint (g_list_model_get_n_items (sessions), ==, 1);

  /* Trimmed, and the open session renamed. */
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) node = NULL;

    request (f, "PUT", "/api/name", f->token, "{\"name\":\"  Anna’s Pixel \"}", &reply);
    g_assert_cmpuint (reply.status, ==, 200);
    node = parse (&reply);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "name"), ==, "Anna’s Pixel");
  }
  g_assert_true (dropify_test_wait_for (session_named, sessions, WAIT_MS));

  /* Its drops carry it, texts and files. */
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) node = NULL;

    request (f, "POST", "/api/drops", f->token, "{\"text\":\"from Anna\"}", &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    node = parse (&reply);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "origin_name"), ==,
                     "Anna’s Pixel");
  }
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(GBytes) bytes = g_bytes_new_static ("hello", 5);
    g_autoptr(JsonNode) node = NULL;

    upload_bytes (f, "hello.txt", bytes, f->token, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    node = parse (&reply);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "origin_name"), ==,
                     "Anna’s Pixel");
  }

  /* Another browser with the same link keeps its own. */
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) node = NULL;

    g_object_set (f->session, "user-agent", IPHONE_UA, NULL);
    request (f, "POST", "/api/drops", f->token, "{\"text\":\"from an iPhone\"}", &reply);
    g_object_set (f->session, "user-agent", ANDROID_UA, NULL);
    g_assert_cmpuint (reply.status, ==, 201);
    node = parse (&reply);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "origin_name"), ==,
                     "Phone (iPhone)");
  }

  /* A page that connects again learns its name. */
  live_connect (f, f->token, &again);
  info = json_object_get_object_member (await_message (&again, "snapshot", WAIT_MS), "info");
  g_assert_cmpstr (json_object_get_string_member (info, "phone_name"), ==, "Anna’s Pixel");
  g_assert_cmpint (json_object_get_int_member (info, "total"), ==, 3);
  live_clear (&again);

  /* Refused, and the name stays. */
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_auto(Reply) reply = { 0 };
      /* Escaped: TAP output must be UTF-8. */
      g_autofree char *shown = g_strescape (hostile[i].body, NULL);

      g_test_message ("hostile name %u: %s", i, shown);
      request (f, "PUT", "/api/name", f->token, hostile[i].body, &reply);
      g_assert_cmpuint (reply.status, ==, hostile[i].status);
      if (hostile[i].error != NULL)
        g_assert_nonnull (strstr (error_of (&reply), hostile[i].error));
    }

  /* Sixty-four characters, however many bytes; not sixty-five. */
  longest = g_strnfill (63, 'a');
  {
    g_autofree char *json = g_strdup_printf ("{\"name\":\"%s✓\"}", longest);
    g_auto(Reply) reply = { 0 };

    request (f, "PUT", "/api/name", f->token, json, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
  }
  long_name = g_strnfill (65, 'a');
  {
    g_autofree char *json = g_strdup_printf ("{\"name\":\"%s\"}", long_name);
    g_auto(Reply) reply = { 0 };

    request (f, "PUT", "/api/name", f->token, json, &reply);
    g_assert_cmpuint (reply.status, ==, 400);
    g_assert_nonnull (strstr (error_of (&reply), "longer than 64 characters"));
  }
  {
    g_autofree char *padding = g_strnfill (8000, ' ');
    g_autofree char *json = g_strdup_printf ("{\"name\":\"Anna\"%s}", padding);
    g_auto(Reply) reply = { 0 };

    request (f, "PUT", "/api/name", f->token, json, &reply);
    g_assert_cmpuint (reply.status, ==, 413);
  }
  {
    g_auto(Reply) reply = { 0 };

    request (f, "GET", "/api/name", f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 405);
    request (f, "PUT", "/api/name", NULL, "{\"name\":\"Mallory\"}", &reply);
    g_assert_cmpuint (reply.status, ==, 401);
  }

  /* Nothing of the refused ones stuck. */
  {
    g_autoptr(DropifyPhoneSession) session = g_list_model_get_item (sessions, 0);
    g_autofree char *expected = g_strconcat (longest, "✓", NULL);

    g_assert_cmpstr (dropify_phone_session_get_name (session), ==, expected);
  }

  /* Unicode's white space is trimmed too: a blank-looking name is empty. */
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) node = NULL;

    request (f, "PUT", "/api/name", f->token, "{\"name\":\"\u00a0Anna’s Pixel\u3000\"}", &reply);
    g_assert_cmpuint (reply.status, ==, 200);
    node = parse (&reply);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "name"), ==, "Anna’s Pixel");
  }

  /* Empty: back to the default. */
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) node = NULL;
    g_autoptr(DropifyPhoneSession) session = NULL;

    request (f, "PUT", "/api/name", f->token, "{\"name\":\" \\u2003\\t\"}", &reply);
    g_assert_cmpuint (reply.status, ==, 200);
    node = parse (&reply);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "name"), ==, "Phone (Android)");
    session = g_list_model_get_item (sessions, 0);
    g_assert_cmpstr (dropify_phone_session_get_name (session), ==, "Phone (Android)");
  }

  live_clear (&live);
}

/* A page with the token can claim any number of User-Agents, each a new
 * origin with a name: the names kept are bounded, and those of open pages
 * stay. */
static void
test_name_bound (Fixture       *f,
                 gconstpointer  data)
{
  GListModel *sessions = dropify_phone_get_sessions (dropify_service_get_phone (f->service));
  Live live = { 0 };

  live_connect (f, f->token, &live);
  g_assert_nonnull (await_message (&live, "snapshot", WAIT_MS));
  {
    g_auto(Reply) reply = { 0 };

    request (f, "PUT", "/api/name", f->token, "{\"name\":\"Anna’s Pixel\"}", &reply);
    g_assert_cmpuint (reply.status, ==, 200);
  }

  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *agent = g_strdup_printf ("Made-up browser %u", i);
      g_auto(Reply) reply = { 0 };

      g_object_set (f->session, "user-agent", agent, NULL);
      request (f, "PUT", "/api/name", f->token, "{\"name\":\"Mallory\"}", &reply);
      g_assert_cmpuint (reply.status, ==, 200);
    }
  g_object_set (f->session, "user-agent", ANDROID_UA, NULL);

  g_assert_true (session_named (sessions));
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) node = NULL;

    request (f, "POST", "/api/drops", f->token, "{\"text\":\"still Anna\"}", &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    node = parse (&reply);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "origin_name"), ==,
                     "Anna’s Pixel");
  }
  g_assert_cmpuint (g_hash_table_size (dropify_service_get_phone (f->service)->names), <=, 256);

  live_clear (&live);
}

/* Lists hold the newest DROPIFY_PHONE_MAX_LISTED drops; the info says how
 * many there are, for the page to say that older ones are not shown. */
static void
test_total (Fixture       *f,
            gconstpointer  data)
{
  DropifyHistory *history = dropify_service_get_history (f->service);
  guint n = DROPIFY_PHONE_MAX_LISTED + 2;
  g_autoptr(GError) error = NULL;
  Live live = { 0 };
  JsonObject *snapshot;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *text = g_strdup_printf ("drop %u", i);
      int64_t now = dropify_history_now (history);
      g_autoptr(DropifyDrop) drop = dropify_drop_new_text (id, "test-origin", "Test", text,
                                                           now - n + i, now + 3600000);

      g_assert_true (dropify_history_add (history, drop, &error));
      g_assert_no_error (error);
    }

  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) node = NULL;

    request (f, "GET", "/api/info", f->token, NULL, &reply);
    g_assert_cmpuint (reply.status, ==, 200);
    node = parse (&reply);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "total"), ==, n);
  }
  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) node = NULL;

    request (f, "GET", "/api/drops", f->token, NULL, &reply);
    node = parse (&reply);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), ==, DROPIFY_PHONE_MAX_LISTED);
  }

  live_connect (f, f->token, &live);
  g_assert_nonnull (live.ws);
  /* A thousand drops are more than a client takes by default. */
  soup_websocket_connection_set_max_incoming_payload_size (live.ws, 0);
  snapshot = await_message (&live, "snapshot", WAIT_MS);
  g_assert_nonnull (snapshot);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (snapshot, "drops")), ==,
                    DROPIFY_PHONE_MAX_LISTED);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (snapshot, "info"), "total"),
                   ==, n);
  live_clear (&live);
}

/* Audiences (issue 17): a phone's drop for some devices only. */

#define AUDIENCE_SECRET "phone-audience"

typedef struct
{
  DropifyService *service;
  const char     *id;
} TrustWait;

static gboolean
trusts (gpointer data)
{
  TrustWait *wait = data;
  GListModel *peers = dropify_sync_get_peers (dropify_service_get_sync (wait->service));

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);

      if (dropify_peer_get_trusted (peer) && dropify_peer_get_connected (peer) &&
          g_strcmp0 (dropify_peer_get_device_id (peer), wait->id) == 0)
        return TRUE;
    }

  return FALSE;
}

/* A device this computer trusts, connected, named like a page would
 * rather not render. */
static DropifyTestNode *
start_laptop (Fixture *f)
{
  DropifyTestNode *laptop = dropify_test_node_start ("<img src=x onerror=alert(1)>Laptop", AUDIENCE_SECRET);
  TrustWait wait = {
    f->service,
    dropify_identity_get_device_id (dropify_service_get_identity (laptop->service)),
  };
  g_autofree char *address =
    g_strdup_printf ("127.0.0.1:%u", dropify_sync_get_port (dropify_service_get_sync (f->service)));

  dropify_sync_set_group_secret (dropify_service_get_sync (f->service), AUDIENCE_SECRET);
  g_assert_true (dropify_service_connect_to (laptop->service, address, NULL));
  g_assert_true (dropify_test_wait_for (trusts, &wait, WAIT_MS));

  return laptop;
}

static const char *
self_id (Fixture *f)
{
  return dropify_identity_get_device_id (dropify_service_get_identity (f->service));
}

static const char *
node_id (DropifyTestNode *node)
{
  return dropify_identity_get_device_id (dropify_service_get_identity (node->service));
}

/* The drop's audience is exactly @a and @b, in any order. */
static void
assert_audience (JsonObject *drop,
                 const char *a,
                 const char *b)
{
  JsonArray *audience = json_object_get_array_member (drop, "audience");
  const char *first;
  const char *second;

  g_assert_nonnull (audience);
  g_assert_cmpuint (json_array_get_length (audience), ==, 2);
  first = json_array_get_string_element (audience, 0);
  second = json_array_get_string_element (audience, 1);
  g_assert_true ((g_str_equal (first, a) && g_str_equal (second, b)) ||
                 (g_str_equal (first, b) && g_str_equal (second, a)));
}

/* The status of a bodyless request with the token */
static guint
status_of (Fixture    *f,
           const char *method,
           const char *path)
{
  g_auto(Reply) reply = { 0 };

  request (f, method, path, f->token, NULL, &reply);
  return reply.status;
}

static gboolean
lists (Fixture    *f,
       const char *id)
{
  g_auto(Reply) reply = { 0 };
  g_autoptr(JsonNode) node = NULL;
  JsonArray *array;

  request (f, "GET", "/api/drops", f->token, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  node = parse (&reply);
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (array, i), "id"), id))
      return TRUE;

  return FALSE;
}

static void
test_devices (Fixture       *f,
              gconstpointer  data)
{
  DropifyTestNode *laptop = start_laptop (f);
  g_auto(Reply) reply = { 0 };
  g_autoptr(JsonNode) node = NULL;
  JsonArray *devices;
  JsonObject *first;
  JsonObject *second;

  request (f, "GET", "/api/devices", f->token, NULL, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  node = parse (&reply);
  devices = json_node_get_array (node);
  g_assert_cmpuint (json_array_get_length (devices), ==, 2);

  /* This computer first, then what it trusts, names as they are. */
  first = json_array_get_object_element (devices, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "id"), ==, self_id (f));
  g_assert_true (json_object_get_boolean_member (first, "this"));
  second = json_array_get_object_element (devices, 1);
  g_assert_cmpstr (json_object_get_string_member (second, "id"), ==, node_id (laptop));
  g_assert_cmpstr (json_object_get_string_member (second, "name"), ==, "<img src=x onerror=alert(1)>Laptop");
  g_assert_false (json_object_get_boolean_member (second, "this"));
  g_assert_true (json_object_get_boolean_member (second, "connected"));

  /* Only with the token, and only to read. */
  {
    g_auto(Reply) denied = { 0 };
    request (f, "GET", "/api/devices", NULL, NULL, &denied);
    g_assert_cmpuint (denied.status, ==, 401);
  }
  {
    g_auto(Reply) denied = { 0 };
    request (f, "POST", "/api/devices", f->token, "{}", &denied);
    g_assert_cmpuint (denied.status, ==, 405);
  }

  dropify_test_node_stop (laptop);
}

/* A text and two files from the phone for the laptop: this computer
 * joins the audience, as the one that holds and passes them on, and the
 * laptop gets them. */
static void
test_audience (Fixture       *f,
               gconstpointer  data)
{
  DropifyTestNode *laptop = start_laptop (f);
  g_autoptr(GBytes) bytes = random_bytes (5000);
  g_autofree char *body = NULL;
  g_autofree char *text_id = NULL;
  g_autofree char *file_id = NULL;
  g_autofree char *resumed_id = NULL;

  body = g_strdup_printf ("{\"text\": \"for the laptop\", \"audience\": [\"%s\"],"
                          " \"id\": \"0b1e5c3a-4f2d-4a6b-8c7d-9e0f1a2b3c4d\"}", node_id (laptop));
  for (guint i = 0; i < 2; i++)
    {
      g_auto(Reply) reply = { 0 };
      g_autoptr(JsonNode) node = NULL;
      JsonObject *drop;

      /* Sent again after a lost answer: the same drop. */
      request (f, "POST", "/api/drops", f->token, body, &reply);
      g_assert_cmpuint (reply.status, ==, i == 0 ? 201 : 200);
      node = parse (&reply);
      drop = json_node_get_object (node);
      assert_audience (drop, node_id (laptop), self_id (f));
      /* Its card names the laptop, as the laptop named itself. */
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (drop, "to")), ==, 1);
      g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (drop, "to"), 0), ==,
                       "<img src=x onerror=alert(1)>Laptop");
      g_assert_true (g_str_has_prefix (json_object_get_string_member (drop, "id"),
                                       "0b1e5c3a-4f2d-4a6b-8c7d-9e0f1a2b3c4d_"));
      g_free (text_id);
      text_id = g_strdup (json_object_get_string_member (drop, "id"));
    }

  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(SoupMessage) msg = new_message (f, "POST", "/api/files", f->token);
    g_autoptr(JsonNode) node = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Filename", "notes.bin");
    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Audience", node_id (laptop));
    soup_message_set_request_body_from_bytes (msg, "application/octet-stream", bytes);
    run (f, msg, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    node = parse (&reply);
    assert_audience (json_node_get_object (node), node_id (laptop), self_id (f));
    file_id = g_strdup (json_object_get_string_member (json_node_get_object (node), "id"));
  }

  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(SoupMessage) msg = new_message (f, "PUT", "/api/uploads/" UPLOAD_ID, f->token);
    SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
    g_autofree char *both = g_strdup_printf ("%s, %s", self_id (f), node_id (laptop));
    g_autoptr(JsonNode) node = NULL;
    JsonObject *drop;

    soup_message_headers_replace (headers, "X-Filename", "resumed.bin");
    soup_message_headers_replace (headers, "X-Audience", both);
    soup_message_headers_replace (headers, "Content-Range", "bytes 0-4999/5000");
    soup_message_set_request_body_from_bytes (msg, "application/octet-stream", bytes);
    run (f, msg, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    node = parse (&reply);
    drop = json_object_get_object_member (json_node_get_object (node), "drop");
    assert_audience (drop, node_id (laptop), self_id (f));
    resumed_id = g_strdup (json_object_get_string_member (drop, "id"));
  }

  /* Listed on the page that sent them, and on the laptop. */
  g_assert_true (lists (f, text_id));
  g_assert_true (lists (f, file_id));
  g_assert_true (dropify_test_node_has_drop (laptop, text_id, WAIT_MS));
  g_assert_true (dropify_test_node_has_drop (laptop, file_id, WAIT_MS));
  g_assert_true (dropify_test_node_has_drop (laptop, resumed_id, WAIT_MS));

  dropify_test_node_stop (laptop);
}

/* Whatever the page sends as an audience is checked before anything is
 * stored: 400, with a reason. */
static void
test_audience_hostile (Fixture       *f,
                       gconstpointer  data)
{
  DropifyTestNode *laptop = start_laptop (f);
  g_autoptr(GBytes) bytes = random_bytes (1000);
  g_autoptr(GString) many = g_string_new (NULL);
  g_autoptr(GString) many_header = g_string_new (NULL);
  g_autoptr(GPtrArray) bodies = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) headers = g_ptr_array_new_with_free_func (g_free);
  const char *unknown = "9f86d081-884c-4d63-9a2f-0c7a4b5e1d2c";
  guint files_before = stored_files (f);
  guint drops_before = n_drops (f);

  for (guint i = 0; i < DROPIFY_DROP_MAX_AUDIENCE; i++)
    {
      g_string_append_printf (many, "%s\"%08x-0000-4000-8000-000000000000\"", i ? ", " : "", i);
      g_string_append_printf (many_header, "%s%08x-0000-4000-8000-000000000000", i ? "," : "", i);
    }

  g_ptr_array_add (bodies, g_strdup ("{\"text\": \"x\", \"audience\": \"everyone\"}"));
  g_ptr_array_add (bodies, g_strdup ("{\"text\": \"x\", \"audience\": null}"));
  g_ptr_array_add (bodies, g_strdup ("{\"text\": \"x\", \"audience\": {}}"));
  g_ptr_array_add (bodies, g_strdup ("{\"text\": \"x\", \"audience\": [5]}"));
  g_ptr_array_add (bodies, g_strdup ("{\"text\": \"x\", \"audience\": [[\"a\"]]}"));
  g_ptr_array_add (bodies, g_strdup ("{\"text\": \"x\", \"audience\": [\"\"]}"));
  g_ptr_array_add (bodies, g_strdup ("{\"text\": \"x\", \"audience\": [\"bad id!\"]}"));
  g_ptr_array_add (bodies, g_strdup ("{\"text\": \"x\", \"audience\": [\"<script>\"]}"));
  g_ptr_array_add (bodies, g_strdup ("{\"text\": \"x\", \"audience\": [\"a\\u0000b\"]}"));
  g_ptr_array_add (bodies, g_strdup_printf ("{\"text\": \"x\", \"audience\": [\"%s\"]}", unknown));
  g_ptr_array_add (bodies, g_strdup_printf ("{\"text\": \"x\", \"audience\": [\"%s\", \"%s\"]}",
                                            node_id (laptop), node_id (laptop)));
  g_ptr_array_add (bodies, g_strdup_printf ("{\"text\": \"x\", \"audience\": [%s]}", many->str));
  g_ptr_array_add (bodies, g_strdup_printf ("{\"text\": \"x\", \"audience\": [\"%s\", 1]}", node_id (laptop)));

  g_ptr_array_add (headers, g_strdup ("bad id!"));
  g_ptr_array_add (headers, g_strdup (",,"));
  g_ptr_array_add (headers, g_strdup ("<script>"));
  g_ptr_array_add (headers, g_strdup (unknown));
  g_ptr_array_add (headers, g_strdup_printf ("%s,%s", node_id (laptop), node_id (laptop)));
  g_ptr_array_add (headers, g_strdup_printf ("%s,", node_id (laptop)));
  g_ptr_array_add (headers, g_strdup (many_header->str));
  g_ptr_array_add (headers, g_strnfill (4096, 'a'));

  for (guint i = 0; i < bodies->len; i++)
    {
      g_auto(Reply) reply = { 0 };
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *shown = g_strescape (g_ptr_array_index (bodies, i), NULL);

      g_test_message ("body: %.200s", shown);
      request (f, "POST", "/api/drops", f->token, g_ptr_array_index (bodies, i), &reply);
      g_assert_cmpuint (reply.status, ==, 400);
      node = parse (&reply);
      g_test_message ("error: %s", json_object_get_string_member (json_node_get_object (node), "error"));
    }

  for (guint i = 0; i < headers->len; i++)
    {
      const char *paths[] = { "/api/files", "/api/uploads/" UPLOAD_ID };

      for (guint j = 0; j < G_N_ELEMENTS (paths); j++)
        {
          g_auto(Reply) reply = { 0 };
          g_autoptr(SoupMessage) msg = new_message (f, j ? "PUT" : "POST", paths[j], f->token);
          SoupMessageHeaders *request_headers = soup_message_get_request_headers (msg);
          g_autoptr(JsonNode) node = NULL;

          g_test_message ("%s with X-Audience: %.200s", paths[j], (char *) g_ptr_array_index (headers, i));
          soup_message_headers_replace (request_headers, "X-Filename", "x.bin");
          soup_message_headers_replace (request_headers, "X-Audience", g_ptr_array_index (headers, i));
          if (j)
            soup_message_headers_replace (request_headers, "Content-Range", "bytes 0-999/1000");
          soup_message_set_request_body_from_bytes (msg, "application/octet-stream", bytes);
          run (f, msg, &reply);
          g_assert_cmpuint (reply.status, ==, 400);
          node = parse (&reply);
          g_test_message ("error: %s", json_object_get_string_member (json_node_get_object (node), "error"));
        }
    }

  /* Nothing stored, not even a partial upload. */
  g_assert_cmpuint (n_drops (f), ==, drops_before);
  g_assert_cmpuint (stored_files (f), ==, files_before);
  {
    g_auto(Reply) reply = { 0 };
    upload_request (f, NULL, "GET", UPLOAD_ID, &reply);
    g_assert_cmpuint (reply.status, ==, 404);
  }

  dropify_test_node_stop (laptop);
}

/* A drop this computer holds only as its sender, for the laptop alone,
 * is not the phone's to see; one for this computer is. */
static void
test_audience_listing (Fixture       *f,
                       gconstpointer  data)
{
  DropifyTestNode *laptop = start_laptop (f);
  const char *only_laptop[] = { node_id (laptop), NULL };
  const char *only_here[] = { self_id (f), NULL };
  g_autoptr(DropifyDrop) hidden = NULL;
  g_autoptr(DropifyDrop) shown = NULL;
  g_autoptr(DropifyDrop) everyone = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  Live live = { 0 };
  JsonObject *snapshot;
  JsonArray *listed;

  hidden = dropify_service_send_text_to (f->service, "for the laptop only", 0, only_laptop, &error);
  g_assert_no_error (error);
  shown = dropify_service_send_text_to (f->service, "for here", 0, only_here, &error);
  g_assert_no_error (error);
  everyone = dropify_service_send_text (f->service, "for all", 0, &error);
  g_assert_no_error (error);

  g_assert_false (lists (f, dropify_drop_get_id (hidden)));
  g_assert_true (lists (f, dropify_drop_get_id (shown)));
  g_assert_true (lists (f, dropify_drop_get_id (everyone)));

  path = g_strconcat ("/api/drops/", dropify_drop_get_id (hidden), NULL);
  g_assert_cmpuint (status_of (f, "GET", path), ==, 404);
  g_assert_cmpuint (status_of (f, "DELETE", path), ==, 404);
  g_assert_nonnull (dropify_history_lookup (dropify_service_get_history (f->service),
                                            dropify_drop_get_id (hidden)));

  live_connect (f, f->token, &live);
  snapshot = await_message (&live, "snapshot", WAIT_MS);
  g_assert_nonnull (snapshot);
  listed = json_object_get_array_member (snapshot, "drops");
  g_assert_cmpuint (json_array_get_length (listed), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (snapshot, "info"), "total"),
                   ==, 2);

  /* A new one for the laptop alone is not announced either. */
  g_clear_object (&hidden);
  hidden = dropify_service_send_text_to (f->service, "again for the laptop", 0, only_laptop, &error);
  g_assert_no_error (error);
  g_clear_object (&everyone);
  everyone = dropify_service_send_text (f->service, "again for all", 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (await_message (&live, "added", WAIT_MS));
  g_assert_cmpuint (count_messages (&live, "added"), ==, 1);
  live_clear (&live);

  dropify_test_node_stop (laptop);
}

static gboolean
two_added (gpointer data)
{
  return count_messages (data, "added") == 2;
}

/* A phone's drop for the laptop names this computer too, but another
 * phone on the same link sees nothing of it: not listed, not counted,
 * not fetched, not deleted, not announced. The phone that sent it does. */
static void
test_audience_other_phone (Fixture       *f,
                           gconstpointer  data)
{
  DropifyTestNode *laptop = start_laptop (f);
  g_autofree char *body = g_strdup_printf ("{\"text\": \"Android to the laptop\", \"audience\": [\"%s\"]}",
                                           node_id (laptop));
  g_autofree char *id = NULL;
  g_autofree char *path = NULL;
  g_autoptr(DropifyDrop) everyone = NULL;
  g_autoptr(GError) error = NULL;
  Live android = { 0 };
  Live iphone = { 0 };
  JsonObject *snapshot;

  live_connect (f, f->token, &android);
  g_assert_nonnull (await_message (&android, "snapshot", WAIT_MS));
  g_object_set (f->session, "user-agent", IPHONE_UA, NULL);
  live_connect (f, f->token, &iphone);
  g_assert_nonnull (await_message (&iphone, "snapshot", WAIT_MS));
  g_object_set (f->session, "user-agent", ANDROID_UA, NULL);

  {
    g_auto(Reply) reply = { 0 };
    g_autoptr(JsonNode) drop = NULL;

    request (f, "POST", "/api/drops", f->token, body, &reply);
    g_assert_cmpuint (reply.status, ==, 201);
    drop = parse (&reply);
    id = g_strdup (json_object_get_string_member (json_node_get_object (drop), "id"));
  }
  path = g_strconcat ("/api/drops/", id, NULL);
  everyone = dropify_service_send_text (f->service, "for every device", 0, &error);
  g_assert_no_error (error);

  /* The Android phone sent it: it sees it, live too. */
  g_assert_true (lists (f, id));
  g_assert_nonnull (await_message (&android, "added", WAIT_MS));
  g_assert_nonnull (await_message (&iphone, "added", WAIT_MS));
  g_assert_true (dropify_test_wait_for (two_added, &android, WAIT_MS));

  /* The iPhone sees only the drop for everyone. */
  g_object_set (f->session, "user-agent", IPHONE_UA, NULL);
  g_assert_false (lists (f, id));
  g_assert_cmpuint (count_messages (&iphone, "added"), ==, 1);
  g_assert_cmpuint (status_of (f, "GET", path), ==, 404);
  g_assert_cmpuint (status_of (f, "DELETE", path), ==, 404);
  g_assert_nonnull (dropify_history_lookup (dropify_service_get_history (f->service), id));
  live_clear (&iphone);
  live_connect (f, f->token, &iphone);
  snapshot = await_message (&iphone, "snapshot", WAIT_MS);
  g_assert_nonnull (snapshot);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (snapshot, "drops")), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (snapshot, "info"), "total"),
                   ==, 1);
  live_clear (&iphone);
  g_object_set (f->session, "user-agent", ANDROID_UA, NULL);

  /* The Android phone may still delete it. */
  g_assert_cmpuint (status_of (f, "DELETE", path), ==, 204);
  live_clear (&android);
  dropify_test_node_stop (laptop);
}

int
main (int   argc,
      char *argv[])
{
  /* GIO reads the shared MIME database once, from the data dirs of the
   * moment; isolated ones have none, and uploads' types come from it. */
  g_free (g_content_type_guess ("warm-up.pdf", NULL, 0, NULL));
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/phone/api/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("unauthorized", test_unauthorized);
  ADD ("rate-limit", test_rate_limit);
  ADD ("text-round-trip", test_text_round_trip);
  ADD ("file-round-trip", test_file_round_trip);
  ADD ("range", test_range);
  ADD ("large-upload", test_large_upload);
  ADD ("too-large", test_too_large);
  ADD ("malformed", test_malformed);
  ADD ("headers", test_headers);
  ADD ("delete", test_delete);
  ADD ("live", test_live);
  ADD ("urls-and-switch", test_urls_and_switch);
  ADD ("strict-framing", test_strict_framing);
  ADD ("text-once", test_text_once);
  ADD ("long-text", test_long_text);
  ADD ("progress", test_progress);
  ADD ("upload-type", test_upload_type);
  ADD ("csp-ipv6", test_csp_ipv6);
  ADD ("upload-resume", test_upload_resume);
  ADD ("upload-takeover", test_upload_takeover);
  ADD ("upload-empty", test_upload_empty);
  ADD ("upload-hostile", test_upload_hostile);
  ADD ("upload-limits", test_upload_limits);
  ADD ("thumbnail", test_thumbnail);
  ADD ("thumbnail-live", test_thumbnail_live);
  ADD ("name", test_name);
  ADD ("total", test_total);
  ADD ("name-bound", test_name_bound);
  ADD ("devices", test_devices);
  ADD ("audience", test_audience);
  ADD ("audience-hostile", test_audience_hostile);
  ADD ("audience-other-phone", test_audience_other_phone);
  ADD ("audience-listing", test_audience_listing);

  return g_test_run ();
}
