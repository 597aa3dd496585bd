#define G_LOG_DOMAIN "dropify-phone"

#include "config.h"

#include <glib/gi18n.h>

#include "dropify-display-name.h"
#include "dropify-phone-private.h"
#include "dropify-web-resources.h"

/* The phone page's HTTP side: the page itself, and the JSON API under
 * /api. Every request body is read as it arrives (an early handler turns
 * libsoup's accumulation off), so an upload goes to disk piece by piece
 * and never sits in memory, and a body we refuse is never stored either.
 *
 *   GET    /api/info             device name, limits, default expiry, clock
 *   GET    /api/devices          the devices a drop may be for: this one
 *                                and those it trusts, [{id, name, …}]
 *   GET    /api/drops            the drops that browser may see
 *                                (dropify_phone_may_list()), newest first
 *   POST   /api/drops            {"text": "…", "audience": [ids]} → 201 and
 *                                the drop; no audience is every device
 *   POST   /api/files            the raw file as the body, its name in
 *                                X-Filename (percent-encoded UTF-8), its
 *                                audience in X-Audience (ids, commas) → 201
 *   GET    /api/drops/ID/file    the file (Range, Content-Disposition)
 *   GET    /api/drops/ID/thumbnail  an image's thumbnail, a PNG, once made
 *   DELETE /api/drops/ID         204
 *   PUT    /api/name             {"name": "…"}: the name this browser's drops
 *                                carry ("" for the default) → 200 {"name"}
 *   GET    /api/live             WebSocket: a snapshot, then changes
 *   PUT    /api/uploads/ID       an upload that resumes after a dropped
 *   GET    /api/uploads/ID       connection, and how much of it arrived
 *   DELETE /api/uploads/ID       (see dropify-phone-upload.c)
 */

#define REQUEST_KEY      "dropify-phone-request"
#define WEB_PREFIX       "/io/github/dropify/Dropify/web/"
#define MAX_JSON_BODY    (128 * 1024 * 1024)
#define MAX_NAME_BYTES   255
#define SNIFF_BYTES      4096
#define MAX_NAME_BODY    4096

typedef enum
{
  ROUTE_NONE,
  ROUTE_INFO,
  ROUTE_DEVICES,
  ROUTE_DROPS,
  ROUTE_DROP,
  ROUTE_DROP_FILE,
  ROUTE_DROP_THUMBNAIL,
  ROUTE_FILES,
  ROUTE_UPLOAD,
  ROUTE_NAME,
} Route;

/* What we know about one request while its body arrives. */
typedef struct
{
  DropifyPhone      *phone;
  Route              route;
  char              *id;
  GByteArray        *body;       /* a JSON body */
  gsize              limit;      /* the largest JSON body accepted */
  uint64_t           drained;    /* bytes of a refused body, read and dropped */
  DropifyBlobWriter *writer;     /* an upload */
  DropifyPhoneUpload *upload;    /* a resumable upload's PUT */
  char              *name;
  char             **audience;   /* an upload's, checked; NULL: everyone */
  guint8             head[SNIFF_BYTES];  /* an upload's first bytes, for its type */
  gsize              head_len;
  gboolean           committing;
  gboolean           cut;
} Request;

static void
request_free (gpointer data)
{
  Request *req = data;

  if (req->writer != NULL && !req->committing)
    dropify_blob_writer_discard (req->writer);

  g_clear_object (&req->writer);
  if (req->upload != NULL)
    dropify_phone_upload_release (req->upload, req);
  g_clear_pointer (&req->upload, dropify_phone_upload_unref);
  g_clear_pointer (&req->body, g_byte_array_unref);
  g_clear_object (&req->phone);
  g_free (req->id);
  g_free (req->name);
  g_strfreev (req->audience);
  g_free (req);
}

static void
stream_closed_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_io_stream_close_finish (G_IO_STREAM (object), result, NULL);
  g_object_unref (object);
}

static gboolean
cut_cb (gpointer user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  GIOStream *stream = soup_server_message_steal_connection (msg);

  if (stream != NULL)
    g_io_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, stream_closed_cb, NULL);

  return G_SOURCE_REMOVE;
}

static void
drain (Request           *req,
       SoupServerMessage *msg,
       gsize              length)
{
  req->drained += length;
  if (req->drained <= DROPIFY_PHONE_DRAIN_LIMIT || req->cut)
    return;

  /* Reading gigabytes only to say no is a waste: hang up instead. The
   * connection is taken from libsoup outside of its read loop. */
  req->cut = TRUE;
  g_debug ("Hanging up on %s: it keeps sending a body that was refused",
           soup_server_message_get_remote_host (msg));
  soup_server_message_pause (msg);
  g_idle_add (cut_cb, g_object_ref (msg));
}

static void
refuse_too_large (Request           *req,
                  SoupServerMessage *msg)
{
  DropifyHistory *history = dropify_service_get_history (req->phone->service);
  g_autofree char *message = NULL;
  g_autofree char *limit = NULL;

  if (req->route == ROUTE_FILES)
    {
      limit = g_format_size (dropify_history_get_max_file_size (history));
      message = g_strdup_printf (_("“%s” is larger than the limit of %s"), req->name, limit);
    }
  else if (req->route == ROUTE_DROPS)
    {
      limit = g_format_size (dropify_history_get_max_text_length (history));
      message = g_strdup_printf (_("The text is longer than the limit of %s"), limit);
    }
  else if (req->route == ROUTE_NAME)
    message = g_strdup_printf (_("The name is longer than %d characters"), DROPIFY_PHONE_MAX_NAME_CHARS);
  else
    message = g_strdup (_("This request takes no body"));

  dropify_phone_respond_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, message);
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              Request           *req)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (chunk, &length);
  g_autoptr(GError) error = NULL;

  if (soup_server_message_get_status (msg) != 0)
    {
      drain (req, msg, length);
      return;
    }

  if (req->upload != NULL)
    {
      dropify_phone_upload_write (req->upload, msg, req, data, length);
      return;
    }

  if (req->writer != NULL)
    {
      if (req->head_len < SNIFF_BYTES)
        {
          gsize n = MIN (length, SNIFF_BYTES - req->head_len);

          memcpy (req->head + req->head_len, data, n);
          req->head_len += n;
        }
      if (!dropify_blob_writer_write (req->writer, data, length, &error))
        {
          dropify_blob_writer_discard (req->writer);
          if (g_error_matches (error, DROPIFY_BLOB_STORE_ERROR, DROPIFY_BLOB_STORE_ERROR_TOO_LARGE))
            refuse_too_large (req, msg);
          else
            {
              g_warning ("Could not store an upload from the phone page: %s", error->message);
              dropify_phone_respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message);
            }
        }
      return;
    }

  if ((req->body ? req->body->len : 0) + length > req->limit)
    {
      g_clear_pointer (&req->body, g_byte_array_unref);
      refuse_too_large (req, msg);
      return;
    }

  if (req->body == NULL)
    req->body = g_byte_array_new ();
  g_byte_array_append (req->body, data, length);
}

/* Takes over reading the body of every request we serve: nothing is
 * accumulated by libsoup, and a request that is answered early has its
 * body read and dropped. */
static Request *
guard_body (DropifyPhone      *self,
            SoupServerMessage *msg)
{
  Request *req = g_new0 (Request, 1);

  req->phone = g_object_ref (self);
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_object_set_data_full (G_OBJECT (msg), REQUEST_KEY, req, request_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), req);

  return req;
}

/* Validation */

static gboolean
id_is_valid (const char *id,
             gsize       len)
{
  if (len == 0 || len > 64)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '-' && id[i] != '_')
      return FALSE;

  return TRUE;
}

static Route
parse_route (const char  *path,
             char       **id)
{
  const char *rest;
  const char *slash;

  if (g_str_equal (path, "/api/info"))
    return ROUTE_INFO;
  if (g_str_equal (path, "/api/devices"))
    return ROUTE_DEVICES;
  if (g_str_equal (path, "/api/drops"))
    return ROUTE_DROPS;
  if (g_str_equal (path, "/api/files"))
    return ROUTE_FILES;
  if (g_str_equal (path, "/api/name"))
    return ROUTE_NAME;
  if (g_str_has_prefix (path, "/api/uploads/"))
    {
      rest = path + strlen ("/api/uploads/");
      if (!id_is_valid (rest, strlen (rest)))
        return ROUTE_NONE;
      *id = g_strdup (rest);
      return ROUTE_UPLOAD;
    }
  if (!g_str_has_prefix (path, "/api/drops/"))
    return ROUTE_NONE;

  rest = path + strlen ("/api/drops/");
  slash = strchr (rest, '/');

  if (slash == NULL && id_is_valid (rest, strlen (rest)))
    {
      *id = g_strdup (rest);
      return ROUTE_DROP;
    }

  if (slash != NULL && g_str_equal (slash, "/file") && id_is_valid (rest, slash - rest))
    {
      *id = g_strndup (rest, slash - rest);
      return ROUTE_DROP_FILE;
    }

  if (slash != NULL && g_str_equal (slash, "/thumbnail") && id_is_valid (rest, slash - rest))
    {
      *id = g_strndup (rest, slash - rest);
      return ROUTE_DROP_THUMBNAIL;
    }

  return ROUTE_NONE;
}

/* A name from a phone is shown, and offered when saving, never used as a
 * path; still, it gets the same rules as every drop's. */
char *
dropify_phone_decode_file_name (const char *header)
{
  g_autofree char *raw = NULL;
  g_autofree char *inert = NULL;
  g_autoptr(GString) name = NULL;

  if (header == NULL || !(raw = g_uri_unescape_string (header, NULL)) ||
      !g_utf8_validate (raw, -1, NULL))
    return NULL;

  name = g_string_new (NULL);
  for (const char *p = raw; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '/' || c == '\\' || g_unichar_iscntrl (c))
        c = '_';
      if (name->len + g_unichar_to_utf8 (c, NULL) > MAX_NAME_BYTES)
        break;
      g_string_append_unichar (name, c);
    }

  g_strstrip (name->str);
  g_string_set_size (name, strlen (name->str));

  if (name->len == 0 || g_str_equal (name->str, ".") || g_str_equal (name->str, ".."))
    return NULL;

  /* Bidi controls would make “invoice\u202Efdp.exe” read as
   * “invoiceexe.pdf” wherever the name is shown; what is left without
   * them must still be a name. */
  inert = dropify_display_name_clean_file (name->str);
  if (g_str_equal (inert, ".") || g_str_equal (inert, ".."))
    return NULL;

  return g_steal_pointer (&inert);
}

/* `type/subtype` in lower case with nothing that could break a header. */
static gboolean
mime_is_valid (const char *mime)
{
  guint slashes = 0;
  gsize len = strlen (mime);

  if (len < 3 || len > 127 || mime[0] == '/' || mime[len - 1] == '/')
    return FALSE;

  for (const char *p = mime; *p; p++)
    {
      if (*p == '/')
        slashes++;
      else if (!(g_ascii_islower (*p) || g_ascii_isdigit (*p) || strchr ("!#$&^_.+-", *p)))
        return FALSE;
    }

  return slashes == 1;
}

/* The type of an upload is decided here, from its name and its first
 * bytes, never taken from the uploader's Content-Type: a page could
 * otherwise label anything text/html. */
static char *
guess_mime (const char   *name,
            const guint8 *head,
            gsize         head_len)
{
  g_autofree char *guessed = g_content_type_guess (name, head, head_len, NULL);
  g_autofree char *mime = guessed ? g_content_type_get_mime_type (guessed) : NULL;

  if (mime != NULL && mime_is_valid (mime))
    return g_steal_pointer (&mime);

  return g_strdup ("application/octet-stream");
}

/* What a download may be labelled as. Everything else, HTML, SVG and XML
 * above all, goes as application/octet-stream: the type of a drop comes
 * from whichever device made it. */
static gboolean
mime_is_inert (const char *mime)
{
  static const char * const inert[] = {
    "application/pdf", "application/zip", "application/gzip", "application/x-tar",
    "application/x-7z-compressed", "application/vnd.oasis.opendocument.text",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/heic",
    "image/heif", "image/bmp", "text/plain", "text/csv", "text/markdown", NULL
  };

  if (mime == NULL || !mime_is_valid (mime))
    return FALSE;
  if (g_str_has_prefix (mime, "audio/") || g_str_has_prefix (mime, "video/"))
    return TRUE;

  return g_strv_contains (inert, mime);
}

static guint
status_for_error (const GError *error)
{
  if (error->domain == DROPIFY_HISTORY_ERROR)
    {
      switch (error->code)
        {
        case DROPIFY_HISTORY_ERROR_NOT_FOUND: return SOUP_STATUS_NOT_FOUND;
        case DROPIFY_HISTORY_ERROR_TOO_LARGE: return SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE;
        case DROPIFY_HISTORY_ERROR_EXISTS: return SOUP_STATUS_CONFLICT;
        case DROPIFY_HISTORY_ERROR_IO:
        case DROPIFY_HISTORY_ERROR_CORRUPT: return SOUP_STATUS_INTERNAL_SERVER_ERROR;
        default: return SOUP_STATUS_BAD_REQUEST;
        }
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    return SOUP_STATUS_SERVICE_UNAVAILABLE;

  return SOUP_STATUS_INTERNAL_SERVER_ERROR;
}

static void
method_not_allowed (SoupServerMessage *msg,
                    const char        *allow)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
  dropify_phone_respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, _("This method is not allowed here"));
}

/* Where a request's body ends must be beyond doubt, or a proxy in front
 * and this server could disagree about it (request smuggling). libsoup
 * 3.2 takes the last of several Content-Length headers, and a
 * Transfer-Encoding it does not know followed by a Content-Length falls
 * back to the length (the other way round, it answers 501 itself before
 * any handler runs, as RFC 9112 says, and hangs up). So: Content-Length
 * only as plain digits, the same value each time, and never with
 * Transfer-Encoding, which may only be "chunked". */
static gboolean
framing_is_strict (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeadersIter iter;
  const char *name;
  const char *value;
  const char *length = NULL;
  guint encodings = 0;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      if (g_ascii_strcasecmp (name, "Content-Length") == 0)
        {
          if (value[0] == '\0' || value[strspn (value, "0123456789")] != '\0' ||
              (length != NULL && !g_str_equal (length, value)))
            return FALSE;
          length = value;
        }
      else if (g_ascii_strcasecmp (name, "Transfer-Encoding") == 0)
        {
          if (g_ascii_strcasecmp (value, "chunked") != 0)
            return FALSE;
          encodings++;
        }
    }

  return encodings == 0 || (encodings == 1 && length == NULL);
}

static gboolean
refuse_bad_framing (SoupServerMessage *msg)
{
  if (framing_is_strict (msg))
    return FALSE;

  /* The body cannot be told from the next request: answer, then hang up. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
  dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST,
                               _("The request’s length is unclear: send one Content-Length, or Transfer-Encoding: chunked"));
  return TRUE;
}

/* The early handlers: everything is decided before the body is read. */

static void
plain_early_cb (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  const char *method = soup_server_message_get_method (msg);
  Request *req;

  dropify_phone_add_headers (msg, FALSE);
  req = guard_body (user_data, msg);
  req->limit = 0;

  if (refuse_bad_framing (msg))
    return;
  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    method_not_allowed (msg, "GET, HEAD");
}

static void
prepare_upload (DropifyPhone      *self,
                SoupServerMessage *msg,
                Request           *req)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  DropifyHistory *history = self->history;
  uint64_t max_size = dropify_history_get_max_file_size (history);
  g_autoptr(GError) error = NULL;

  req->name = dropify_phone_decode_file_name (soup_message_headers_get_one (headers, "X-Filename"));
  if (req->name == NULL)
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST,
                                   _("The upload needs its file name, percent-encoded UTF-8, in X-Filename"));
      return;
    }

  /* Checked before a byte is stored. */
  req->audience = dropify_phone_parse_audience_header (self, msg, &error);
  if (error != NULL)
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST, error->message);
      return;
    }

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      (uint64_t) soup_message_headers_get_content_length (headers) > max_size)
    {
      refuse_too_large (req, msg);
      return;
    }

  req->writer = dropify_blob_store_create_import (dropify_history_get_blob_store (history),
                                                  max_size, &error);
  if (req->writer == NULL)
    {
      g_warning ("Could not accept an upload from the phone page: %s", error->message);
      dropify_phone_respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message);
    }
}

static void
api_early_cb (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  DropifyPhone *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  gboolean reading = method == SOUP_METHOD_GET || method == SOUP_METHOD_HEAD;
  g_autofree char *sig_credential = NULL;
  const char *credential;
  gboolean valid;
  Request *req;

  dropify_phone_add_headers (msg, FALSE);
  req = guard_body (self, msg);
  if (refuse_bad_framing (msg))
    return;
  req->route = parse_route (path, &req->id);

  /* Credentials first, so a stranger learns nothing, not even which
   * paths exist. */
  credential = dropify_phone_bearer_token (msg);
  valid = dropify_phone_token_matches (self, credential);
  /* A file's signature also grants its thumbnail, which says less. */
  if (!valid && (req->route == ROUTE_DROP_FILE || req->route == ROUTE_DROP_THUMBNAIL) &&
      reading && query != NULL)
    {
      const char *sig = g_hash_table_lookup (query, "sig");

      valid = dropify_phone_download_matches (self, req->id, sig);
      if (credential == NULL && sig != NULL)
        credential = sig_credential = g_strconcat ("sig:", req->id, ":", sig, NULL);
    }

  if (!dropify_phone_admit (self, msg, credential, valid))
    return;

  switch (req->route)
    {
    case ROUTE_NONE:
      dropify_phone_respond_error (msg, SOUP_STATUS_NOT_FOUND, _("No such request"));
      break;

    case ROUTE_INFO:
    case ROUTE_DEVICES:
    case ROUTE_DROP_FILE:
    case ROUTE_DROP_THUMBNAIL:
      if (!reading)
        method_not_allowed (msg, "GET, HEAD");
      break;

    case ROUTE_DROPS:
      if (method == SOUP_METHOD_POST)
        {
          guint max_text = dropify_history_get_max_text_length (self->history);

          /* JSON may escape every byte of the text as \u00XX. */
          req->limit = MIN ((gsize) max_text * 6 + 1024, MAX_JSON_BODY);
          if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
              (uint64_t) soup_message_headers_get_content_length (headers) > req->limit)
            refuse_too_large (req, msg);
        }
      else if (!reading)
        method_not_allowed (msg, "GET, HEAD, POST");
      break;

    case ROUTE_FILES:
      if (method == SOUP_METHOD_POST)
        prepare_upload (self, msg, req);
      else
        method_not_allowed (msg, "POST");
      break;

    case ROUTE_DROP:
      if (method != SOUP_METHOD_DELETE && !reading)
        method_not_allowed (msg, "GET, HEAD, DELETE");
      break;

    case ROUTE_UPLOAD:
      if (method == SOUP_METHOD_PUT)
        req->upload = dropify_phone_upload_begin (self, msg, req->id, req);
      else if (method != SOUP_METHOD_DELETE && !reading)
        method_not_allowed (msg, "GET, HEAD, PUT, DELETE");
      break;

    case ROUTE_NAME:
      if (method == SOUP_METHOD_PUT)
        req->limit = MAX_NAME_BODY;
      else
        method_not_allowed (msg, "PUT");
      break;

    default:
      g_assert_not_reached ();
    }
}

/* The API */

/* Whether the page asking with @msg lists @drop. */
static gboolean
page_may_list (DropifyPhone      *self,
               SoupServerMessage *msg,
               DropifyDrop       *drop)
{
  g_autofree char *origin = dropify_phone_dup_origin (self, msg);

  return dropify_phone_may_list (self, drop, origin);
}

static void
handle_list (DropifyPhone      *self,
             SoupServerMessage *msg)
{
  GListModel *model = G_LIST_MODEL (self->history);
  guint n = g_list_model_get_n_items (model);
  g_autoptr(JsonArray) array = json_array_sized_new (MIN (n, DROPIFY_PHONE_MAX_LISTED));
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autofree char *origin = dropify_phone_dup_origin (self, msg);

  for (guint i = 0; i < n && json_array_get_length (array) < DROPIFY_PHONE_MAX_LISTED; i++)
    {
      g_autoptr(DropifyDrop) drop = g_list_model_get_item (model, i);

      if (dropify_phone_may_list (self, drop, origin))
        json_array_add_element (array, dropify_phone_drop_to_json (self, drop, FALSE));
    }

  json_node_set_array (node, array);
  dropify_phone_respond_json (msg, SOUP_STATUS_OK, node);
}

static void
respond_drop (DropifyPhone      *self,
              SoupServerMessage *msg,
              DropifyDrop       *drop)
{
  g_autoptr(JsonNode) node = dropify_phone_drop_to_json (self, drop, FALSE);
  dropify_phone_respond_json (msg, SOUP_STATUS_CREATED, node);
}

/* A name a phone chose is shown on every device, in terminals too: one
 * that would need cleaning is refused, with the reason, rather than
 * changed behind the person's back. */
static char *
check_name (const char  *name,
            gsize        len,
            GError     **error)
{
  g_autofree char *trimmed = NULL;

  if (!g_utf8_validate_len (name, len, NULL))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The name is not valid UTF-8"));
      return NULL;
    }

  /* White space at the edges goes, Unicode's too (a no-break space, an
   * ideographic one): what is left must not look blank. */
  while (len > 0 && g_unichar_isspace (g_utf8_get_char (name)))
    {
      const char *next = g_utf8_next_char (name);

      len -= next - name;
      name = next;
    }
  while (len > 0 && g_unichar_isspace (g_utf8_get_char (g_utf8_prev_char (name + len))))
    len = g_utf8_prev_char (name + len) - name;

  trimmed = g_strndup (name, len);
  if (g_utf8_strlen (trimmed, -1) > DROPIFY_PHONE_MAX_NAME_CHARS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The name is longer than %d characters"), DROPIFY_PHONE_MAX_NAME_CHARS);
      return NULL;
    }

  for (const char *p = trimmed; *p != '\0'; p = g_utf8_next_char (p))
    if (dropify_display_name_is_unsafe_char (g_utf8_get_char (p)))
      {
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                             _("The name cannot have control or text direction characters"));
        return NULL;
      }

  return g_steal_pointer (&trimmed);
}

static void
handle_name (DropifyPhone      *self,
             SoupServerMessage *msg,
             Request           *req)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *origin = NULL;
  g_autofree char *name = NULL;
  g_autofree char *origin_name = NULL;
  JsonNode *root;
  JsonNode *given;
  const char *value;

  /* json-glib may let bad UTF-8 through in a string: check the body. */
  if (req->body != NULL && !g_utf8_validate_len ((const char *) req->body->data, req->body->len, NULL))
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST, _("The name is not valid UTF-8"));
      return;
    }

  if (req->body == NULL ||
      !json_parser_load_from_data (parser, (const char *) req->body->data, req->body->len, NULL) ||
      !(root = json_parser_get_root (parser)) || !JSON_NODE_HOLDS_OBJECT (root))
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST, _("The request is not a JSON object"));
      return;
    }

  given = json_object_get_member (json_node_get_object (root), "name");
  if (given == NULL || json_node_get_value_type (given) != G_TYPE_STRING)
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST, _("“name” must be a string"));
      return;
    }

  /* A \u escape can still make a lone surrogate, and json-glib ends the
   * string at an escaped NUL, which would cut the name unseen. */
  value = json_node_get_string (given);
  if (g_strstr_len ((const char *) req->body->data, req->body->len, "\\u0000") != NULL)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                         _("The name cannot have control or text direction characters"));
  if (error != NULL || !(name = check_name (value, strlen (value), &error)))
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST, error->message);
      return;
    }

  origin = dropify_phone_dup_origin (self, msg);
  dropify_phone_set_origin_name (self, origin, name[0] != '\0' ? name : NULL);
  origin_name = dropify_phone_dup_origin_name (self, msg, origin);
  g_message ("A phone page at %s is now named “%s”", soup_server_message_get_remote_host (msg), origin_name);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, origin_name);
  json_builder_end_object (builder);
  reply = json_builder_get_root (builder);
  dropify_phone_respond_json (msg, SOUP_STATUS_OK, reply);
}

static void
handle_create_text (DropifyPhone      *self,
                    SoupServerMessage *msg,
                    Request           *req)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *origin = NULL;
  g_autofree char *origin_name = NULL;
  g_autofree char *uuid = NULL;
  g_auto(GStrv) audience = NULL;
  JsonNode *root;
  JsonNode *text;
  JsonNode *given;
  int64_t now;

  if (req->body == NULL ||
      !json_parser_load_from_data (parser, (const char *) req->body->data, req->body->len, NULL) ||
      !(root = json_parser_get_root (parser)) || !JSON_NODE_HOLDS_OBJECT (root))
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST, _("The request is not a JSON object"));
      return;
    }

  text = json_object_get_member (json_node_get_object (root), "text");
  if (text == NULL || json_node_get_value_type (text) != G_TYPE_STRING)
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST, _("“text” must be a string"));
      return;
    }

  /* Who it is for, checked before anything is stored. */
  given = json_object_get_member (json_node_get_object (root), "audience");
  if (given != NULL)
    {
      g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
      g_auto(GStrv) strv = NULL;
      JsonArray *array = JSON_NODE_HOLDS_ARRAY (given) ? json_node_get_array (given) : NULL;
      guint n = array ? json_array_get_length (array) : 0;

      for (guint i = 0; array != NULL && i < n && i <= DROPIFY_DROP_MAX_AUDIENCE; i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (json_node_get_value_type (element) != G_TYPE_STRING)
            array = NULL;
          else
            g_strv_builder_add (ids, json_node_get_string (element));
        }
      if (array == NULL)
        {
          dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST,
                                       _("“audience” must be a list of device ids"));
          return;
        }

      strv = g_strv_builder_end (ids);
      audience = dropify_phone_check_audience (self, (const char * const *) strv, &error);
      if (error != NULL)
        {
          dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST, error->message);
          return;
        }
    }

  /* The page may name the drop, so that sending again after a lost answer
   * makes no second one: the same id and text from the same browser is
   * the drop it already made. */
  given = json_object_get_member (json_node_get_object (root), "id");
  if (given != NULL)
    {
      DropifyDrop *existing;

      if (json_node_get_value_type (given) != G_TYPE_STRING ||
          !g_uuid_string_is_valid (json_node_get_string (given)))
        {
          dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST, _("“id” must be a UUID"));
          return;
        }

      uuid = g_ascii_strdown (json_node_get_string (given), -1);
      /* A targeted drop's id carries its audience's tag (protocol §4.4). */
      if (audience != NULL)
        {
          g_autofree char *tag = dropify_drop_audience_tag ((const char * const *) audience);
          id = g_strconcat (uuid, "_", tag, NULL);
        }
      else
        id = g_steal_pointer (&uuid);
      origin = dropify_phone_dup_origin (self, msg);
      existing = dropify_history_lookup (self->history, id);
      if (existing != NULL && dropify_drop_get_kind (existing) == DROPIFY_DROP_KIND_TEXT &&
          g_strcmp0 (dropify_drop_get_origin (existing), origin) == 0 &&
          g_strcmp0 (dropify_drop_get_text (existing), json_node_get_string (text)) == 0)
        {
          g_autoptr(JsonNode) node = dropify_phone_drop_to_json (self, existing, FALSE);
          dropify_phone_respond_json (msg, SOUP_STATUS_OK, node);
          return;
        }
    }
  else
    id = dropify_drop_new_id ((const char * const *) audience);

  if (origin == NULL)
    origin = dropify_phone_dup_origin (self, msg);
  origin_name = dropify_phone_dup_origin_name (self, msg, origin);
  now = dropify_history_now (self->history);
  drop = dropify_drop_new_text (id, origin, origin_name, json_node_get_string (text),
                                now, now + dropify_service_get_default_ttl (self->service));
  dropify_drop_set_audience (drop, (const char * const *) audience);

  if (!dropify_history_add (self->history, drop, &error))
    {
      dropify_phone_respond_error (msg, status_for_error (error), error->message);
      return;
    }

  respond_drop (self, msg, drop);
}

/**
 * dropify_phone_add_file_drop:
 * @msg: the request the file came with, for its origin
 * @audience: (nullable) (array zero-terminated=1): from
 *   dropify_phone_check_audience(); %NULL for every device
 * @head: the file's first bytes, for its type
 * @sha256: the blob, already in the store
 *
 * Makes the drop of a stored upload. If it cannot be made, the blob is
 * removed again, unless a drop has the same content.
 *
 * Returns: (transfer full) (nullable): the drop, or %NULL with @error set
 */
DropifyDrop *
dropify_phone_add_file_drop (DropifyPhone       *self,
                             SoupServerMessage  *msg,
                             const char         *name,
                             const char * const *audience,
                             const guint8       *head,
                             gsize               head_len,
                             const char         *sha256,
                             uint64_t            size,
                             GError            **error)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autofree char *id = NULL;
  g_autofree char *origin = NULL;
  g_autofree char *origin_name = NULL;
  g_autofree char *mime = NULL;
  int64_t now;

  /* Stored while the page stopped, or was dropped altogether. */
  if (self->history == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("Dropify is stopping"));
      return NULL;
    }

  id = dropify_drop_new_id (audience);
  origin = dropify_phone_dup_origin (self, msg);
  origin_name = dropify_phone_dup_origin_name (self, msg, origin);
  mime = guess_mime (name, head, head_len);
  now = dropify_history_now (self->history);
  drop = dropify_drop_new_file (id, origin, origin_name, name, mime, size, sha256,
                                now, now + dropify_service_get_default_ttl (self->service));
  dropify_drop_set_audience (drop, audience);

  if (!self->started)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("Dropify is stopping"));
  else if (dropify_history_add (self->history, drop, error))
    return g_steal_pointer (&drop);

  {
    g_autoptr(GPtrArray) users = dropify_history_find_by_sha256 (self->history, sha256);

    /* Stored for nothing, unless a live drop has the same content. */
    if (users == NULL || users->len == 0)
      dropify_blob_store_remove (dropify_history_get_blob_store (self->history), sha256, NULL);
  }

  return NULL;
}

static void
commit_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  Request *req = g_object_get_data (G_OBJECT (msg), REQUEST_KEY);
  DropifyPhone *self = req->phone;
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  uint64_t size = 0;

  req->committing = FALSE;
  sha256 = dropify_blob_writer_commit_import_finish (DROPIFY_BLOB_WRITER (object), result, &size, &error);

  if (sha256 == NULL)
    {
      g_warning ("Could not store “%s” from the phone page: %s", req->name, error->message);
      dropify_phone_respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message);
      soup_server_message_unpause (msg);
      return;
    }

  drop = dropify_phone_add_file_drop (self, msg, req->name, (const char * const *) req->audience,
                                      req->head, req->head_len,
                                      sha256, size, &error);
  if (drop == NULL)
    dropify_phone_respond_error (msg, status_for_error (error), error->message);
  else
    respond_drop (self, msg, drop);

  soup_server_message_unpause (msg);
}

static void
handle_upload (DropifyPhone      *self,
               SoupServerMessage *msg,
               Request           *req)
{
  /* The whole body went to the writer; flush it and store it by hash. */
  req->committing = TRUE;
  soup_server_message_pause (msg);
  dropify_blob_writer_commit_import_async (req->writer, self->cancellable,
                                           commit_cb, g_object_ref (msg));
}

/* One drop, a long text whole. */
static void
handle_get (DropifyPhone      *self,
            SoupServerMessage *msg,
            const char        *id)
{
  DropifyDrop *drop = dropify_history_lookup (self->history, id);
  g_autoptr(JsonNode) node = NULL;

  if (drop == NULL || !page_may_list (self, msg, drop))
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_NOT_FOUND, _("There is no such drop"));
      return;
    }

  node = dropify_phone_drop_to_json (self, drop, TRUE);
  dropify_phone_respond_json (msg, SOUP_STATUS_OK, node);
}

static void
handle_delete (DropifyPhone      *self,
               SoupServerMessage *msg,
               const char        *id)
{
  DropifyDrop *drop = dropify_history_lookup (self->history, id);
  g_autoptr(GError) error = NULL;

  /* What the page does not list, it cannot delete either. */
  if (drop != NULL && !page_may_list (self, msg, drop))
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_NOT_FOUND, _("There is no such drop"));
      return;
    }

  if (!dropify_service_delete (self->service, id, &error))
    {
      dropify_phone_respond_error (msg, status_for_error (error), error->message);
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

/* RFC 6266: a plain ASCII name for old clients, and the real one in
 * UTF-8 for everyone else. */
static char *
content_disposition (const char *name)
{
  GString *value = g_string_new ("attachment; filename=\"");
  g_autofree char *escaped = g_uri_escape_string (name, NULL, FALSE);

  for (const char *p = name; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      g_string_append_c (value, c < 0x20 || c >= 0x7f || c == '"' || c == '\\' ? '_' : (char) c);
    }

  g_string_append_printf (value, "\"; filename*=UTF-8''%s", escaped);

  return g_string_free (value, FALSE);
}

/* One byte range, RFC 9110: OK to send the whole file (no Range, one we
 * may ignore, or several), PARTIAL_CONTENT with the inclusive span, or
 * REQUESTED_RANGE_NOT_SATISFIABLE. libsoup's own parser lets ranges past
 * the end through. */
static guint
parse_range (const char *value,
             gsize       size,
             gsize      *start,
             gsize      *end)
{
  g_auto(GStrv) bounds = NULL;
  guint64 first = 0;
  guint64 last = 0;

  if (value == NULL || g_ascii_strncasecmp (value, "bytes=", 6) != 0 || strchr (value, ','))
    return SOUP_STATUS_OK;

  bounds = g_strsplit (value + 6, "-", 3);
  if (g_strv_length (bounds) != 2)
    return SOUP_STATUS_OK;
  g_strstrip (bounds[0]);
  g_strstrip (bounds[1]);

  if (bounds[0][0] == '\0')
    {
      /* The last N bytes. */
      if (!g_ascii_string_to_unsigned (bounds[1], 10, 0, G_MAXUINT64, &last, NULL))
        return SOUP_STATUS_OK;
      if (last == 0 || size == 0)
        return SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE;
      *start = last < size ? size - last : 0;
      *end = size - 1;
      return SOUP_STATUS_PARTIAL_CONTENT;
    }

  if (!g_ascii_string_to_unsigned (bounds[0], 10, 0, G_MAXUINT64, &first, NULL))
    return SOUP_STATUS_OK;

  if (bounds[1][0] == '\0')
    last = G_MAXUINT64;
  else if (!g_ascii_string_to_unsigned (bounds[1], 10, 0, G_MAXUINT64, &last, NULL) || last < first)
    return SOUP_STATUS_OK;

  if (first >= size)
    return SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE;

  *start = first;
  *end = MIN (last, (guint64) size - 1);
  return SOUP_STATUS_PARTIAL_CONTENT;
}

static void
handle_download (DropifyPhone      *self,
                 SoupServerMessage *msg,
                 const char        *id)
{
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  DropifyDrop *drop = dropify_history_lookup (self->history, id);
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *disposition = NULL;
  const char *if_range;
  const char *mime;
  guint status = SOUP_STATUS_OK;
  gsize start = 0;
  gsize end = 0;
  gsize size;

  if (drop == NULL || dropify_drop_get_kind (drop) != DROPIFY_DROP_KIND_FILE ||
      !page_may_list (self, msg, drop))
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_NOT_FOUND, _("There is no such file"));
      return;
    }

  if (!dropify_drop_get_complete (drop))
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_CONFLICT, _("The file has not arrived here yet"));
      return;
    }

  path = dropify_blob_store_dup_path (dropify_history_get_blob_store (self->history),
                                      dropify_drop_get_sha256 (drop));
  mapped = g_mapped_file_new (path, FALSE, &error);
  if (mapped == NULL)
    {
      g_warning ("Could not read %s for the phone page: %s", path, error->message);
      dropify_phone_respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, _("The file could not be read"));
      return;
    }

  /* Mapped, not read: the file is sent from the page cache, whatever its size. */
  bytes = g_mapped_file_get_bytes (mapped);
  size = g_bytes_get_size (bytes);

  dropify_phone_add_headers (msg, TRUE);
  mime = dropify_drop_get_mime (drop);
  disposition = content_disposition (dropify_drop_get_name (drop));
  etag = g_strdup_printf ("\"%s\"", dropify_drop_get_sha256 (drop));
  soup_message_headers_replace (response, "Content-Type",
                                mime_is_inert (mime) ? mime : "application/octet-stream");
  soup_message_headers_replace (response, "Content-Disposition", disposition);
  soup_message_headers_replace (response, "Accept-Ranges", "bytes");
  soup_message_headers_replace (response, "ETag", etag);

  /* A resumed download asks for the rest only if the file is the same. */
  if_range = soup_message_headers_get_one (request, "If-Range");
  if (if_range == NULL || g_str_equal (if_range, etag))
    status = parse_range (soup_message_headers_get_one (request, "Range"), size, &start, &end);

  if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)
    {
      g_autofree char *range = g_strdup_printf ("bytes */%" G_GSIZE_FORMAT, size);

      soup_message_headers_replace (response, "Content-Range", range);
      soup_message_headers_remove (request, "Range");
      soup_server_message_set_status (msg, status, NULL);
      return;
    }

  if (status == SOUP_STATUS_PARTIAL_CONTENT)
    {
      g_autoptr(GBytes) part = g_bytes_new_from_bytes (bytes, start, end - start + 1);

      soup_message_headers_set_content_range (response, start, end, size);
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg), part);
      soup_server_message_set_status (msg, status, NULL);
      return;
    }

  /* libsoup would answer a Range itself by copying the whole body into
   * memory: take it away. */
  soup_message_headers_remove (request, "Range");
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), bytes);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

/* Thumbnails are at most 256 px either way; anything larger in their
 * folder is not one of ours. */
#define MAX_THUMBNAIL_BYTES (1024 * 1024)

static void
handle_thumbnail (DropifyPhone      *self,
                  SoupServerMessage *msg,
                  const char        *id)
{
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  DropifyThumbnailer *thumbnailer = dropify_service_get_thumbnailer (self->service);
  DropifyDrop *drop = dropify_history_lookup (self->history, id);
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *etag = NULL;

  if (drop == NULL || thumbnailer == NULL || !page_may_list (self, msg, drop) ||
      !dropify_thumbnailer_is_candidate (drop) ||
      !(path = dropify_thumbnailer_dup_path (thumbnailer, dropify_drop_get_sha256 (drop))))
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_NOT_FOUND, _("There is no thumbnail"));
      return;
    }

  mapped = g_mapped_file_new (path, FALSE, &error);
  if (mapped == NULL || g_mapped_file_get_length (mapped) > MAX_THUMBNAIL_BYTES)
    {
      g_debug ("Could not read the thumbnail %s: %s", path, error ? error->message : "too large");
      dropify_phone_respond_error (msg, SOUP_STATUS_NOT_FOUND, _("There is no thumbnail"));
      return;
    }

  bytes = g_mapped_file_get_bytes (mapped);

  /* Made here, always a PNG: shown inline, never sniffed as anything
   * else, and never a page. A drop never changes, so neither does its
   * thumbnail, for as long as its address (and the token) is good. */
  dropify_phone_add_headers (msg, TRUE);
  etag = g_strdup_printf ("\"thumbnail-%s\"", dropify_drop_get_sha256 (drop));
  soup_message_headers_replace (response, "Content-Type", "image/png");
  soup_message_headers_replace (response, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (response, "Cache-Control", "private, max-age=86400, immutable");
  soup_message_headers_replace (response, "ETag", etag);
  soup_message_headers_remove (soup_server_message_get_request_headers (msg), "Range");
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), bytes);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

static void
api_cb (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  DropifyPhone *self = user_data;
  Request *req = g_object_get_data (G_OBJECT (msg), REQUEST_KEY);
  const char *method = soup_server_message_get_method (msg);

  /* The early handler answered whatever it did not let through. */
  g_assert (req != NULL);

  switch (req->route)
    {
    case ROUTE_INFO:
      {
        g_autoptr(JsonNode) node = dropify_phone_info_to_json (self, msg);
        dropify_phone_respond_json (msg, SOUP_STATUS_OK, node);
      }
      break;

    case ROUTE_DEVICES:
      {
        g_autoptr(JsonNode) node = dropify_phone_devices_to_json (self);
        dropify_phone_respond_json (msg, SOUP_STATUS_OK, node);
      }
      break;

    case ROUTE_DROPS:
      if (method == SOUP_METHOD_POST)
        handle_create_text (self, msg, req);
      else
        handle_list (self, msg);
      break;

    case ROUTE_FILES:
      handle_upload (self, msg, req);
      break;

    case ROUTE_DROP:
      if (method == SOUP_METHOD_DELETE)
        handle_delete (self, msg, req->id);
      else
        handle_get (self, msg, req->id);
      break;

    case ROUTE_DROP_FILE:
      handle_download (self, msg, req->id);
      break;

    case ROUTE_DROP_THUMBNAIL:
      handle_thumbnail (self, msg, req->id);
      break;

    case ROUTE_NAME:
      handle_name (self, msg, req);
      break;

    case ROUTE_UPLOAD:
      if (method == SOUP_METHOD_PUT)
        dropify_phone_upload_end (req->upload, msg, req);
      else if (method == SOUP_METHOD_DELETE)
        dropify_phone_upload_cancel (self, msg, req->id);
      else
        dropify_phone_upload_status (self, msg, req->id);
      break;

    case ROUTE_NONE:
    default:
      g_assert_not_reached ();
    }
}

/* The page */

static const struct {
  const char *path;
  const char *resource;
  const char *type;
} page_files[] = {
  { "/", "index.html", "text/html; charset=utf-8" },
  { "/index.html", "index.html", "text/html; charset=utf-8" },
  { "/app.js", "app.js", "text/javascript; charset=utf-8" },
  { "/style.css", "style.css", "text/css; charset=utf-8" },
  { "/icon.svg", "icon.svg", "image/svg+xml" },
  { "/picker.js", "picker.js", "text/javascript; charset=utf-8" },
  { "/picker.css", "picker.css", "text/css; charset=utf-8" },
  { "/upload.js", "upload.js", "text/javascript; charset=utf-8" },
};

static void
page_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD)
    {
      method_not_allowed (msg, "GET, HEAD");
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (page_files); i++)
    {
      g_autofree char *resource = NULL;
      g_autoptr(GBytes) bytes = NULL;

      if (!g_str_equal (path, page_files[i].path))
        continue;

      resource = g_strconcat (WEB_PREFIX, page_files[i].resource, NULL);
      bytes = g_resource_lookup_data (dropify_web_get_resource (), resource,
                                      G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_assert (bytes != NULL);

      /* Small enough to check every time, so an update shows at once. */
      soup_message_headers_replace (response, "Cache-Control", "no-cache");
      soup_message_headers_replace (response, "Content-Type", page_files[i].type);
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg), bytes);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
  soup_server_message_set_response (msg, "text/plain; charset=utf-8", SOUP_MEMORY_STATIC,
                                    "Not found\n", strlen ("Not found\n"));
}

static void
live_auth_cb (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  dropify_phone_live_authorize (user_data, msg);
}

static void
live_cb (SoupServer              *server,
         SoupServerMessage       *msg,
         const char              *path,
         SoupWebsocketConnection *connection,
         gpointer                 user_data)
{
  dropify_phone_live_open (user_data, msg, connection);
}

void
dropify_phone_api_attach (DropifyPhone *self)
{
  static const char * const protocols[] = { "dropify", NULL };

  soup_server_add_early_handler (self->server, "/", plain_early_cb, self, NULL);
  soup_server_add_handler (self->server, "/", page_cb, self, NULL);
  soup_server_add_early_handler (self->server, "/api", api_early_cb, self, NULL);
  soup_server_add_handler (self->server, "/api", api_cb, self, NULL);
  soup_server_add_early_handler (self->server, "/api/live", plain_early_cb, self, NULL);
  soup_server_add_handler (self->server, "/api/live", live_auth_cb, self, NULL);
  soup_server_add_websocket_handler (self->server, "/api/live", NULL, (char **) protocols,
                                     live_cb, self, NULL);
}

void
dropify_phone_api_detach (DropifyPhone *self)
{
  soup_server_remove_handler (self->server, "/");
  soup_server_remove_handler (self->server, "/api");
  soup_server_remove_handler (self->server, "/api/live");
}
