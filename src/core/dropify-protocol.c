#define G_LOG_DOMAIN "dropify-protocol"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "dropify-blob-store.h"
#include "dropify-display-name.h"
#include "dropify-protocol.h"

G_DEFINE_QUARK (dropify-protocol-error-quark, dropify_protocol_error)

#define MAX_NAME        256
#define MAX_ID          64
#define MAX_TEXT        (16 * 1024 * 1024)
#define MAX_TIME        G_GINT64_CONSTANT (253402300799999) /* year 9999 */

static const struct {
  DropifyMessageType  type;
  const char         *name;
} message_types[] = {
  { DROPIFY_MESSAGE_HELLO, "hello" },
  { DROPIFY_MESSAGE_SUMMARY, "summary" },
  { DROPIFY_MESSAGE_IDS, "ids" },
  { DROPIFY_MESSAGE_DROP, "drop" },
  { DROPIFY_MESSAGE_DELETE, "delete" },
  { DROPIFY_MESSAGE_FILE_GET, "file-get" },
  { DROPIFY_MESSAGE_CREDIT, "credit" },
  { DROPIFY_MESSAGE_FILE_MISSING, "file-missing" },
  { DROPIFY_MESSAGE_AUTH_START, "auth-start" },
  { DROPIFY_MESSAGE_AUTH_REPLY, "auth-reply" },
  { DROPIFY_MESSAGE_AUTH_CONFIRM, "auth-confirm" },
  { DROPIFY_MESSAGE_PAIR_REQUEST, "pair-request" },
  { DROPIFY_MESSAGE_PAIR_NONCE, "pair-nonce" },
  { DROPIFY_MESSAGE_PAIR_ACCEPT, "pair-accept" },
  { DROPIFY_MESSAGE_PAIR_REJECT, "pair-reject" },
  { DROPIFY_MESSAGE_HAVE, "have" },
  { DROPIFY_MESSAGE_NAME, "name" },
  { DROPIFY_MESSAGE_TRANSFER_CANCEL, "transfer-cancel" },
};

const char *
dropify_message_type_to_string (DropifyMessageType type)
{
  for (guint i = 0; i < G_N_ELEMENTS (message_types); i++)
    if (message_types[i].type == type)
      return message_types[i].name;

  return "unknown";
}

/**
 * dropify_protocol_id_is_valid:
 *
 * Returns: %TRUE if @id is 1–64 characters of `[A-Za-z0-9_-]`
 */
gboolean
dropify_protocol_id_is_valid (const char *id)
{
  gsize len = id ? strlen (id) : 0;

  if (len == 0 || len > MAX_ID)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '-' && id[i] != '_')
      return FALSE;

  return TRUE;
}

static gboolean
dropify_protocol_prefix_is_valid_hex (const char *text)
{
  for (const char *p = text; *p; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;

  return TRUE;
}

/**
 * dropify_protocol_prefix_is_valid:
 *
 * Returns: %TRUE if @prefix is 0–63 lower-case hex digits
 */
gboolean
dropify_protocol_prefix_is_valid (const char *prefix)
{
  gsize len = prefix ? strlen (prefix) : G_MAXSIZE;

  if (len > 63)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (prefix[i]) || g_ascii_isupper (prefix[i]))
      return FALSE;

  return TRUE;
}

void
dropify_message_free (DropifyMessage *message)
{
  if (message == NULL)
    return;

  g_free (message->device_id);
  g_free (message->name);
  g_free (message->prefix);
  g_clear_pointer (&message->buckets, g_array_unref);
  g_clear_pointer (&message->live, g_ptr_array_unref);
  g_clear_pointer (&message->dead, g_array_unref);
  g_clear_object (&message->drop);
  g_free (message->id);
  g_free (message->sha256);
  g_free (message->sid);
  g_free (message->share);
  g_free (message->tag);
  g_free (message->attempt);
  g_free (message->commit);
  g_free (message->nonce);
  g_free (message);
}

static void
tombstone_clear (gpointer data)
{
  g_free (((DropifyTombstone *) data)->id);
}

static gboolean
invalid (GError     **error,
         const char  *field,
         const char  *why)
{
  g_set_error (error, DROPIFY_PROTOCOL_ERROR, DROPIFY_PROTOCOL_ERROR_INVALID_FIELD,
               "“%s” %s", field, why);
  return FALSE;
}

static JsonNode *
member (JsonObject *object,
        const char *name)
{
  return json_object_has_member (object, name) ? json_object_get_member (object, name) : NULL;
}

static gboolean
get_string (JsonObject  *object,
            const char  *name,
            gsize        max_length,
            gboolean     allow_empty,
            char       **out,
            GError     **error)
{
  JsonNode *node = member (object, name);
  const char *value;

  if (node == NULL)
    return invalid (error, name, "is missing");

  if (json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid (error, name, "must be a string");

  value = json_node_get_string (node);
  if (!g_utf8_validate (value, -1, NULL))
    return invalid (error, name, "is not valid UTF-8");
  if (!allow_empty && value[0] == '\0')
    return invalid (error, name, "is empty");
  if (strlen (value) > max_length)
    return invalid (error, name, "is too long");

  *out = g_strdup (value);
  return TRUE;
}

static gboolean
get_int (JsonObject  *object,
         const char  *name,
         int64_t      min,
         int64_t      max,
         int64_t     *out,
         GError     **error)
{
  JsonNode *node = member (object, name);
  int64_t value;

  if (node == NULL)
    return invalid (error, name, "is missing");

  if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE || json_node_get_value_type (node) != G_TYPE_INT64)
    return invalid (error, name, "must be an integer");

  value = json_node_get_int (node);
  if (value < min || value > max)
    return invalid (error, name, "is out of range");

  *out = value;
  return TRUE;
}

/* A boolean that may be left out: FALSE then. */
static gboolean
get_optional_boolean (JsonObject  *object,
                      const char  *name,
                      gboolean    *out,
                      GError     **error)
{
  JsonNode *node = member (object, name);

  *out = FALSE;
  if (node == NULL)
    return TRUE;

  if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return invalid (error, name, "must be true or false");

  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
get_id (JsonObject  *object,
        const char  *name,
        char       **out,
        GError     **error)
{
  if (!get_string (object, name, MAX_ID, FALSE, out, error))
    return FALSE;

  if (!dropify_protocol_id_is_valid (*out))
    {
      g_clear_pointer (out, g_free);
      return invalid (error, name, "is not a valid id");
    }

  return TRUE;
}

static JsonArray *
get_array (JsonObject  *object,
           const char  *name,
           guint        max_length,
           GError     **error)
{
  JsonNode *node = member (object, name);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      invalid (error, name, "must be an array");
      return NULL;
    }

  array = json_node_get_array (node);
  if (json_array_get_length (array) > max_length)
    {
      g_set_error (error, DROPIFY_PROTOCOL_ERROR, DROPIFY_PROTOCOL_ERROR_TOO_LARGE,
                   "“%s” has more than %u elements", name, max_length);
      return NULL;
    }

  return array;
}

/* A name another device chose is shown here, in terminals and labels:
 * clean it rather than refuse it, so a device named with an emoji (or,
 * by a mistake, a stray control character) still syncs. No name stays no
 * name: the peers list shows the address instead. */
static gboolean
get_device_name (JsonObject  *object,
                 const char  *name,
                 char       **out,
                 GError     **error)
{
  g_autofree char *raw = NULL;

  if (!get_string (object, name, MAX_NAME, TRUE, &raw, error))
    return FALSE;

  *out = *raw == '\0' ? g_steal_pointer (&raw) : dropify_display_name_clean_device (raw);
  return TRUE;
}

static gboolean
parse_hello (JsonObject      *object,
             DropifyMessage  *message,
             GError         **error)
{
  int64_t version, clock, port;

  if (!get_int (object, "version", 0, G_MAXINT32, &version, error) ||
      !get_id (object, "device_id", &message->device_id, error) ||
      !get_device_name (object, "name", &message->name, error) ||
      !get_int (object, "clock", 0, MAX_TIME, &clock, error) ||
      !get_int (object, "port", 0, 65535, &port, error))
    return FALSE;

  message->version = (int) version;
  message->clock = clock;
  message->port = (guint) port;

  return TRUE;
}

static gboolean
get_prefix (JsonObject      *object,
            DropifyMessage  *message,
            GError         **error)
{
  if (!get_string (object, "prefix", 63, TRUE, &message->prefix, error))
    return FALSE;

  if (!dropify_protocol_prefix_is_valid (message->prefix))
    return invalid (error, "prefix", "must be lower-case hex digits");

  return TRUE;
}

static gboolean
parse_summary (JsonObject      *object,
               DropifyMessage  *message,
               GError         **error)
{
  JsonArray *array;
  guint seen = 0;

  if (!get_prefix (object, message, error))
    return FALSE;

  if (!(array = get_array (object, "buckets", DROPIFY_PROTOCOL_FANOUT, error)))
    return FALSE;

  message->buckets = g_array_new (FALSE, TRUE, sizeof (DropifyBucket));

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autofree char *key = NULL;
      g_autofree char *digest = NULL;
      DropifyBucket bucket = { 0 };
      int64_t count;
      int digit;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return invalid (error, "buckets", "must hold objects");

      if (!get_string (json_node_get_object (node), "key", 1, FALSE, &key, error) ||
          !get_int (json_node_get_object (node), "count", 1, G_MAXINT32, &count, error) ||
          !get_string (json_node_get_object (node), "digest", DROPIFY_PROTOCOL_DIGEST_LEN, FALSE, &digest, error))
        return FALSE;

      digit = g_ascii_xdigit_value (key[0]);
      if (digit < 0 || g_ascii_isupper (key[0]) || (seen & (1u << digit)))
        return invalid (error, "key", "must be one distinct lower-case hex digit");
      seen |= 1u << digit;

      if (strlen (digest) != DROPIFY_PROTOCOL_DIGEST_LEN || !dropify_protocol_prefix_is_valid (digest))
        return invalid (error, "digest", "must be 32 lower-case hex digits");

      bucket.key = key[0];
      bucket.count = (guint) count;
      memcpy (bucket.digest, digest, DROPIFY_PROTOCOL_DIGEST_LEN);
      g_array_append_val (message->buckets, bucket);
    }

  return TRUE;
}

static gboolean
parse_ids (JsonObject      *object,
           DropifyMessage  *message,
           GError         **error)
{
  JsonArray *live, *dead;

  if (!get_prefix (object, message, error))
    return FALSE;

  if (!(live = get_array (object, "live", DROPIFY_PROTOCOL_MAX_IDS, error)) ||
      !(dead = get_array (object, "dead", DROPIFY_PROTOCOL_MAX_IDS, error)))
    return FALSE;

  message->live = g_ptr_array_new_with_free_func (g_free);
  message->dead = g_array_new (FALSE, TRUE, sizeof (DropifyTombstone));
  g_array_set_clear_func (message->dead, tombstone_clear);

  for (guint i = 0; i < json_array_get_length (live); i++)
    {
      JsonNode *node = json_array_get_element (live, i);
      const char *id;

      if (json_node_get_value_type (node) != G_TYPE_STRING ||
          !dropify_protocol_id_is_valid ((id = json_node_get_string (node))))
        return invalid (error, "live", "must hold valid ids");

      g_ptr_array_add (message->live, g_strdup (id));
    }

  for (guint i = 0; i < json_array_get_length (dead); i++)
    {
      JsonNode *node = json_array_get_element (dead, i);
      DropifyTombstone tombstone = { 0 };

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return invalid (error, "dead", "must hold objects");

      if (!get_id (json_node_get_object (node), "id", &tombstone.id, error))
        return FALSE;
      if (!get_int (json_node_get_object (node), "expires_at", 1, MAX_TIME, &tombstone.expires_at, error))
        {
          g_free (tombstone.id);
          return FALSE;
        }

      g_array_append_val (message->dead, tombstone);
    }

  return TRUE;
}

/* Who a drop is for: absent or empty, every device; otherwise at most
 * DROPIFY_DROP_MAX_AUDIENCE distinct device ids, bound to the drop's id
 * by its tag, so that no device passes the drop on to others under the
 * same id (docs/protocol.md §4.4). */
static gboolean
parse_audience (JsonObject   *object,
                DropifyDrop  *drop,
                GError      **error)
{
  g_autoptr(GPtrArray) ids = NULL;
  g_auto(GStrv) audience = NULL;
  JsonArray *array;

  if (member (object, "audience") == NULL)
    {
      if (!dropify_drop_id_fits_audience (dropify_drop_get_id (drop), NULL))
        return invalid (error, "id", "is a targeted drop's id, but the drop has no audience");
      return TRUE;
    }

  if (!(array = get_array (object, "audience", DROPIFY_DROP_MAX_AUDIENCE, error)))
    return FALSE;

  ids = g_ptr_array_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (json_node_get_value_type (node) != G_TYPE_STRING ||
          !dropify_protocol_id_is_valid (json_node_get_string (node)))
        return invalid (error, "audience", "must hold valid device ids");
      g_ptr_array_add (ids, (gpointer) json_node_get_string (node));
    }
  g_ptr_array_add (ids, NULL);

  audience = dropify_drop_audience_normalize ((const char * const *) ids->pdata, NULL);
  if (audience == NULL && ids->len > 1)
    return invalid (error, "audience", "must not name a device twice");

  if (!dropify_drop_id_fits_audience (dropify_drop_get_id (drop), (const char * const *) audience))
    return invalid (error, "id", "does not carry its audience’s tag");

  dropify_drop_set_audience (drop, (const char * const *) audience);
  return TRUE;
}

static gboolean
parse_drop (JsonObject      *object,
            DropifyMessage  *message,
            GError         **error)
{
  JsonNode *node = member (object, "drop");
  JsonObject *drop;
  g_autofree char *id = NULL;
  g_autofree char *kind = NULL;
  g_autofree char *origin = NULL;
  g_autofree char *origin_name = NULL;
  int64_t created_at, expires_at;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, "drop", "must be an object");

  drop = json_node_get_object (node);

  if (!get_id (drop, "id", &id, error) ||
      !get_string (drop, "kind", 4, FALSE, &kind, error) ||
      !get_id (drop, "origin", &origin, error) ||
      !get_device_name (drop, "origin_name", &origin_name, error) ||
      !get_int (drop, "created_at", 1, MAX_TIME, &created_at, error) ||
      !get_int (drop, "expires_at", 1, MAX_TIME, &expires_at, error))
    return FALSE;

  if (g_str_equal (kind, "text"))
    {
      g_autofree char *text = NULL;

      if (!get_string (drop, "text", MAX_TEXT, FALSE, &text, error))
        return FALSE;

      message->drop = dropify_drop_new_text (id, origin, origin_name, text, created_at, expires_at);
    }
  else if (g_str_equal (kind, "file"))
    {
      g_autofree char *raw_name = NULL;
      g_autofree char *name = NULL;
      g_autofree char *mime = NULL;
      g_autofree char *sha256 = NULL;
      int64_t size;

      if (!get_string (drop, "name", DROPIFY_DISPLAY_NAME_MAX_FILE_BYTES, FALSE, &raw_name, error) ||
          !get_string (drop, "mime", 255, FALSE, &mime, error) ||
          !get_string (drop, "sha256", 64, FALSE, &sha256, error) ||
          !get_int (drop, "size", 0, G_MAXINT64, &size, error))
        return FALSE;

      if (!dropify_sha256_is_valid (sha256))
        return invalid (error, "sha256", "must be 64 lower-case hex digits");

      if (strchr (raw_name, '/') || strchr (raw_name, '\\') ||
          g_str_equal (raw_name, "..") || g_str_equal (raw_name, "."))
        return invalid (error, "name", "must be a file name, not a path");

      for (const char *p = raw_name; *p; p = g_utf8_next_char (p))
        if (g_unichar_iscntrl (g_utf8_get_char (p)))
          return invalid (error, "name", "must not hold control characters");

      /* Bidi controls are only cleaned: they are legal in file names, and
       * the file is still wanted. What is left is checked again, as
       * “.\u202E.” would become “..”. */
      name = dropify_display_name_clean_file (raw_name);
      if (g_str_equal (name, "..") || g_str_equal (name, "."))
        return invalid (error, "name", "must be a file name, not a path");

      message->drop = dropify_drop_new_file (id, origin, origin_name, name, mime, (uint64_t) size,
                                             sha256, created_at, expires_at);
    }
  else
    {
      return invalid (error, "kind", "must be “text” or “file”");
    }

  return parse_audience (drop, message->drop, error);
}

static gboolean
parse_delete (JsonObject      *object,
              DropifyMessage  *message,
              GError         **error)
{
  return get_id (object, "id", &message->id, error) &&
         get_int (object, "expires_at", 1, MAX_TIME, &message->expires_at, error);
}

static gboolean
get_sha256 (JsonObject      *object,
            DropifyMessage  *message,
            GError         **error)
{
  if (!get_string (object, "sha256", 64, FALSE, &message->sha256, error))
    return FALSE;

  if (!dropify_sha256_is_valid (message->sha256))
    return invalid (error, "sha256", "must be 64 lower-case hex digits");

  return TRUE;
}

static gboolean
parse_file_get (JsonObject      *object,
                DropifyMessage  *message,
                GError         **error)
{
  int64_t offset, limit;

  if (!get_sha256 (object, message, error) ||
      !get_int (object, "offset", 0, G_MAXINT64, &offset, error) ||
      !get_int (object, "limit", 0, G_MAXINT64, &limit, error))
    return FALSE;

  message->offset = (uint64_t) offset;
  message->limit = (uint64_t) limit;
  return TRUE;
}

/* @n_bytes bytes as lower-case hex, exactly. */
static gboolean
get_hex (JsonObject  *object,
         const char  *name,
         gsize        n_bytes,
         char       **out,
         GError     **error)
{
  if (!get_string (object, name, 2 * n_bytes, FALSE, out, error))
    return FALSE;

  if (strlen (*out) != 2 * n_bytes || !dropify_protocol_prefix_is_valid_hex (*out))
    {
      g_autofree char *why = g_strdup_printf ("must be %" G_GSIZE_FORMAT " lower-case hex digits",
                                              2 * n_bytes);
      return invalid (error, name, why);
    }

  return TRUE;
}

static gboolean
parse_auth_start (JsonObject      *object,
                  DropifyMessage  *message,
                  GError         **error)
{
  return get_hex (object, "sid", DROPIFY_PROTOCOL_SID_LEN, &message->sid, error) &&
         get_hex (object, "share", DROPIFY_PROTOCOL_SHARE_LEN, &message->share, error) &&
         get_optional_boolean (object, "trusting", &message->trusting, error);
}

static gboolean
parse_auth_reply (JsonObject      *object,
                  DropifyMessage  *message,
                  GError         **error)
{
  return get_hex (object, "share", DROPIFY_PROTOCOL_SHARE_LEN, &message->share, error) &&
         get_hex (object, "tag", DROPIFY_PROTOCOL_TAG_LEN, &message->tag, error);
}

static const char * const pair_ends[] = {
  [DROPIFY_PAIR_END_DECLINED] = "declined",
  [DROPIFY_PAIR_END_BUSY] = "busy",
  [DROPIFY_PAIR_END_TIMEOUT] = "timeout",
  [DROPIFY_PAIR_END_FAILED] = "failed",
  [DROPIFY_PAIR_END_CANCELLED] = "cancelled",
};

/* A reason this version does not know is not an error: a later one may
 * add some. It must still look like one. */
static gboolean
parse_pair_reject (JsonObject      *object,
                   DropifyMessage  *message,
                   GError         **error)
{
  g_autofree char *reason = NULL;

  if (!get_hex (object, "attempt", DROPIFY_PROTOCOL_ATTEMPT_LEN, &message->attempt, error))
    return FALSE;

  message->reason = DROPIFY_PAIR_END_DECLINED;
  if (member (object, "reason") == NULL)
    return TRUE;

  if (!get_string (object, "reason", 32, FALSE, &reason, error))
    return FALSE;

  for (const char *p = reason; *p; p++)
    if (!g_ascii_islower (*p) && *p != '-')
      return invalid (error, "reason", "must be lower-case letters and dashes");

  message->reason = DROPIFY_PAIR_END_OTHER;
  for (guint i = 0; i < G_N_ELEMENTS (pair_ends); i++)
    if (pair_ends[i] != NULL && g_str_equal (reason, pair_ends[i]))
      message->reason = (DropifyPairEnd) i;

  return TRUE;
}

static gboolean
parse_credit (JsonObject      *object,
              DropifyMessage  *message,
              GError         **error)
{
  int64_t limit;

  if (!get_sha256 (object, message, error) ||
      !get_int (object, "limit", 0, G_MAXINT64, &limit, error))
    return FALSE;

  message->limit = (uint64_t) limit;
  return TRUE;
}

/* A strict RFC 8259 check of the raw frame, before json-glib sees it.
 * json-glib 1.6 recurses without a depth limit, accepts (and leaks)
 * values after the first, accepts single quotes, hex and octal numbers,
 * comments and raw control characters, cuts strings at \u0000, and wraps
 * integers below -2^63 to positive values. None of that reaches it. */

#define MAX_DEPTH 8

typedef struct
{
  const char  *p;
  const char  *end;
  guint        depth;
  const char  *key;       /* the member being read, for errors */
  gsize        key_len;
  gboolean     overflow;  /* an integer too long for int64 */
} Scan;

static gboolean scan_value (Scan *s);

static void
skip_space (Scan *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static gboolean
scan_hex4 (const char *p,
           guint      *value)
{
  *value = 0;
  for (guint i = 0; i < 4; i++)
    {
      int d = g_ascii_xdigit_value (p[i]);

      if (d < 0)
        return FALSE;
      *value = *value * 16 + (guint) d;
    }

  return TRUE;
}

static gboolean
scan_string (Scan *s)
{
  s->p++;   /* the opening quote */

  while (s->p < s->end)
    {
      guchar c = (guchar) *s->p;

      if (c == '"')
        {
          s->p++;
          return TRUE;
        }

      if (c < 0x20)
        return FALSE;

      if (c != '\\')
        {
          s->p++;
          continue;
        }

      if (++s->p >= s->end)
        return FALSE;

      switch (*s->p)
        {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          s->p++;
          break;

        case 'u':
          {
            guint v, w;

            if (s->end - s->p < 5 || !scan_hex4 (s->p + 1, &v) || v == 0)
              return FALSE;
            if (v >= 0xDC00 && v <= 0xDFFF)
              return FALSE;
            if (v >= 0xD800 && v <= 0xDBFF)
              {
                if (s->end - s->p < 11 || s->p[5] != '\\' || s->p[6] != 'u' ||
                    !scan_hex4 (s->p + 7, &w) || w < 0xDC00 || w > 0xDFFF)
                  return FALSE;
                s->p += 11;
              }
            else
              s->p += 5;
          }
          break;

        default:
          return FALSE;
        }
    }

  return FALSE;
}

/* Whether an integer literal fits in int64, as json-glib needs. */
static gboolean
fits_int64 (const char *digits,
            gsize       len,
            gboolean    negative)
{
  const char *limit = negative ? "9223372036854775808" : "9223372036854775807";

  if (len != 19)
    return len < 19;

  return memcmp (digits, limit, 19) <= 0;
}

static gboolean
scan_number (Scan *s)
{
  const char *digits;
  gboolean integer = TRUE;
  gboolean negative = FALSE;

  if (*s->p == '-')
    {
      negative = TRUE;
      s->p++;
    }

  digits = s->p;
  if (s->p >= s->end || !g_ascii_isdigit (*s->p))
    return FALSE;
  if (*s->p == '0' && s->p + 1 < s->end && g_ascii_isdigit (s->p[1]))
    return FALSE;
  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;

  if (s->p < s->end && *s->p == '.')
    {
      integer = FALSE;
      s->p++;
      if (s->p >= s->end || !g_ascii_isdigit (*s->p))
        return FALSE;
      while (s->p < s->end && g_ascii_isdigit (*s->p))
        s->p++;
    }

  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      integer = FALSE;
      s->p++;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        s->p++;
      if (s->p >= s->end || !g_ascii_isdigit (*s->p))
        return FALSE;
      while (s->p < s->end && g_ascii_isdigit (*s->p))
        s->p++;
    }

  /* json-glib would saturate or wrap it: refuse it here, by name. */
  if (integer && !fits_int64 (digits, (gsize) (s->p - digits), negative))
    {
      s->overflow = TRUE;
      return FALSE;
    }

  return TRUE;
}

static gboolean
scan_literal (Scan       *s,
              const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (s->end - s->p) < len || memcmp (s->p, word, len) != 0)
    return FALSE;

  s->p += len;
  return TRUE;
}

static gboolean
scan_container (Scan *s,
                char  close)
{
  gboolean object = close == '}';

  if (++s->depth > MAX_DEPTH)
    return FALSE;

  s->p++;
  skip_space (s);
  if (s->p < s->end && *s->p == close)
    {
      s->p++;
      s->depth--;
      return TRUE;
    }

  for (;;)
    {
      skip_space (s);
      if (object)
        {
          const char *key = s->p + 1;

          if (s->p >= s->end || *s->p != '"' || !scan_string (s))
            return FALSE;
          s->key = key;
          s->key_len = (gsize) (s->p - 1 - key);
          skip_space (s);
          if (s->p >= s->end || *s->p != ':')
            return FALSE;
          s->p++;
        }

      if (!scan_value (s))
        return FALSE;

      skip_space (s);
      if (s->p >= s->end)
        return FALSE;
      if (*s->p == close)
        {
          s->p++;
          s->depth--;
          return TRUE;
        }
      if (*s->p != ',')
        return FALSE;
      s->p++;
    }
}

static gboolean
scan_value (Scan *s)
{
  skip_space (s);
  if (s->p >= s->end)
    return FALSE;

  switch (*s->p)
    {
    case '{': return scan_container (s, '}');
    case '[': return scan_container (s, ']');
    case '"': return scan_string (s);
    case 't': return scan_literal (s, "true");
    case 'f': return scan_literal (s, "false");
    case 'n': return scan_literal (s, "null");
    default: return scan_number (s);
    }
}

static gboolean
check_syntax (const char  *data,
              gsize        length,
              GError     **error)
{
  Scan s = { data, data + length, 0, NULL, 0, FALSE };

  if (scan_value (&s))
    {
      skip_space (&s);
      if (s.p == s.end)
        return TRUE;
    }

  if (s.overflow)
    {
      g_autofree char *key = g_strndup (s.key ? s.key : "number", s.key ? s.key_len : 6);

      g_set_error (error, DROPIFY_PROTOCOL_ERROR, DROPIFY_PROTOCOL_ERROR_INVALID_FIELD,
                   "“%s” is out of range", g_utf8_validate (key, -1, NULL) ? key : "number");
      return FALSE;
    }

  if (s.depth > MAX_DEPTH)
    g_set_error (error, DROPIFY_PROTOCOL_ERROR, DROPIFY_PROTOCOL_ERROR_MALFORMED,
                 "The message is nested deeper than %d levels", MAX_DEPTH);
  else
    g_set_error (error, DROPIFY_PROTOCOL_ERROR, DROPIFY_PROTOCOL_ERROR_MALFORMED,
                 "The message is not strict JSON (at byte %" G_GSIZE_FORMAT ")",
                 (gsize) (s.p - data));
  return FALSE;
}

/**
 * dropify_message_parse:
 * @data: one frame's payload
 * @length: its length
 *
 * Decodes and validates one message. Unknown members are ignored, so
 * later versions can add some; everything known is checked for type,
 * range and form.
 *
 * Returns: (transfer full): the message, or %NULL with @error set
 */
DropifyMessage *
dropify_message_parse (const char  *data,
                       gsize        length,
                       GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(DropifyMessage) message = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *type = NULL;
  JsonNode *root;
  JsonObject *object;
  gboolean ok = FALSE;
  guint i;

  if (data == NULL || length == 0)
    {
      g_set_error_literal (error, DROPIFY_PROTOCOL_ERROR, DROPIFY_PROTOCOL_ERROR_MALFORMED,
                           "The message is empty");
      return NULL;
    }

  if (length > DROPIFY_PROTOCOL_MAX_MESSAGE)
    {
      g_set_error (error, DROPIFY_PROTOCOL_ERROR, DROPIFY_PROTOCOL_ERROR_TOO_LARGE,
                   "The message is larger than %d bytes", DROPIFY_PROTOCOL_MAX_MESSAGE);
      return NULL;
    }

  if (!g_utf8_validate_len (data, length, NULL))
    {
      g_set_error_literal (error, DROPIFY_PROTOCOL_ERROR, DROPIFY_PROTOCOL_ERROR_MALFORMED,
                           "The message is not valid UTF-8");
      return NULL;
    }

  if (!check_syntax (data, length, error))
    return NULL;

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      g_autofree char *reason = g_utf8_make_valid (local_error->message, -1);

      g_set_error (error, DROPIFY_PROTOCOL_ERROR, DROPIFY_PROTOCOL_ERROR_MALFORMED,
                   "The message is not JSON: %s", reason);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, DROPIFY_PROTOCOL_ERROR, DROPIFY_PROTOCOL_ERROR_MALFORMED,
                           "The message is not a JSON object");
      return NULL;
    }

  object = json_node_get_object (root);
  if (!get_string (object, "type", 32, FALSE, &type, error))
    return NULL;

  message = g_new0 (DropifyMessage, 1);

  for (i = 0; i < G_N_ELEMENTS (message_types); i++)
    if (g_str_equal (type, message_types[i].name))
      break;

  if (i == G_N_ELEMENTS (message_types))
    {
      g_set_error (error, DROPIFY_PROTOCOL_ERROR, DROPIFY_PROTOCOL_ERROR_UNKNOWN_TYPE,
                   "Unknown message type “%s”", type);
      return NULL;
    }

  message->type = message_types[i].type;

  switch (message->type)
    {
    case DROPIFY_MESSAGE_HELLO: ok = parse_hello (object, message, error); break;
    case DROPIFY_MESSAGE_SUMMARY: ok = parse_summary (object, message, error); break;
    case DROPIFY_MESSAGE_IDS: ok = parse_ids (object, message, error); break;
    case DROPIFY_MESSAGE_DROP: ok = parse_drop (object, message, error); break;
    case DROPIFY_MESSAGE_DELETE: ok = parse_delete (object, message, error); break;
    case DROPIFY_MESSAGE_FILE_GET: ok = parse_file_get (object, message, error); break;
    case DROPIFY_MESSAGE_CREDIT: ok = parse_credit (object, message, error); break;
    case DROPIFY_MESSAGE_FILE_MISSING: ok = get_sha256 (object, message, error); break;
    case DROPIFY_MESSAGE_AUTH_START: ok = parse_auth_start (object, message, error); break;
    case DROPIFY_MESSAGE_AUTH_REPLY: ok = parse_auth_reply (object, message, error); break;
    case DROPIFY_MESSAGE_AUTH_CONFIRM:
      ok = get_hex (object, "tag", DROPIFY_PROTOCOL_TAG_LEN, &message->tag, error);
      break;
    case DROPIFY_MESSAGE_PAIR_REQUEST:
      ok = get_hex (object, "attempt", DROPIFY_PROTOCOL_ATTEMPT_LEN, &message->attempt, error) &&
           get_hex (object, "commit", DROPIFY_PROTOCOL_DIGEST_LEN, &message->commit, error);
      break;
    case DROPIFY_MESSAGE_PAIR_NONCE:
      ok = get_hex (object, "attempt", DROPIFY_PROTOCOL_ATTEMPT_LEN, &message->attempt, error) &&
           get_hex (object, "nonce", DROPIFY_PROTOCOL_NONCE_LEN, &message->nonce, error);
      break;
    case DROPIFY_MESSAGE_PAIR_ACCEPT:
      ok = get_hex (object, "attempt", DROPIFY_PROTOCOL_ATTEMPT_LEN, &message->attempt, error);
      break;
    case DROPIFY_MESSAGE_PAIR_REJECT: ok = parse_pair_reject (object, message, error); break;
    case DROPIFY_MESSAGE_HAVE: ok = get_sha256 (object, message, error); break;
    case DROPIFY_MESSAGE_TRANSFER_CANCEL: ok = get_sha256 (object, message, error); break;
    case DROPIFY_MESSAGE_NAME: ok = get_device_name (object, "name", &message->name, error); break;
    default: g_assert_not_reached ();
    }

  if (!ok)
    {
      g_prefix_error (error, "%s: ", type);
      return NULL;
    }

  return g_steal_pointer (&message);
}

/* Encoding */

static char *
finish (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = NULL;

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  return json_to_string (root, FALSE);
}

static JsonBuilder *
begin (const char *type)
{
  JsonBuilder *builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);

  return builder;
}

char *
dropify_protocol_encode_hello (const char *device_id,
                               const char *name,
                               int64_t     clock,
                               guint       port)
{
  g_autoptr(JsonBuilder) builder = begin ("hello");

  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, DROPIFY_PROTOCOL_VERSION);
  json_builder_set_member_name (builder, "device_id");
  json_builder_add_string_value (builder, device_id);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "clock");
  json_builder_add_int_value (builder, clock);
  json_builder_set_member_name (builder, "port");
  json_builder_add_int_value (builder, port);

  return finish (builder);
}

char *
dropify_protocol_encode_summary (const char          *prefix,
                                 const DropifyBucket *buckets,
                                 guint                n_buckets)
{
  g_autoptr(JsonBuilder) builder = begin ("summary");

  json_builder_set_member_name (builder, "prefix");
  json_builder_add_string_value (builder, prefix);
  json_builder_set_member_name (builder, "buckets");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_buckets; i++)
    {
      char key[2] = { buckets[i].key, '\0' };

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "key");
      json_builder_add_string_value (builder, key);
      json_builder_set_member_name (builder, "count");
      json_builder_add_int_value (builder, buckets[i].count);
      json_builder_set_member_name (builder, "digest");
      json_builder_add_string_value (builder, buckets[i].digest);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  return finish (builder);
}

char *
dropify_protocol_encode_ids (const char *prefix,
                             GPtrArray  *live,
                             GArray     *dead)
{
  g_autoptr(JsonBuilder) builder = begin ("ids");

  json_builder_set_member_name (builder, "prefix");
  json_builder_add_string_value (builder, prefix);
  json_builder_set_member_name (builder, "live");
  json_builder_begin_array (builder);
  for (guint i = 0; live && i < live->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (live, i));
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "dead");
  json_builder_begin_array (builder);
  for (guint i = 0; dead && i < dead->len; i++)
    {
      DropifyTombstone *tombstone = &g_array_index (dead, DropifyTombstone, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, tombstone->id);
      json_builder_set_member_name (builder, "expires_at");
      json_builder_add_int_value (builder, tombstone->expires_at);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  return finish (builder);
}

char *
dropify_protocol_encode_drop (DropifyDrop *drop)
{
  g_autoptr(JsonBuilder) builder = begin ("drop");
  g_autoptr(JsonNode) node = dropify_drop_to_json (drop);
  JsonObject *object = json_node_get_object (node);

  /* Local state is not part of a drop on the wire. */
  json_object_remove_member (object, "complete");
  json_object_remove_member (object, "path");
  json_object_remove_member (object, "received");
  /* A drop for everyone goes as it did before audiences. */
  if (!dropify_drop_is_targeted (drop))
    json_object_remove_member (object, "audience");

  json_builder_set_member_name (builder, "drop");
  json_builder_add_value (builder, g_steal_pointer (&node));

  return finish (builder);
}

char *
dropify_protocol_encode_delete (const char *id,
                                int64_t     expires_at)
{
  g_autoptr(JsonBuilder) builder = begin ("delete");

  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "expires_at");
  json_builder_add_int_value (builder, expires_at);

  return finish (builder);
}

char *
dropify_protocol_encode_file_get (const char *sha256,
                                  uint64_t    offset,
                                  uint64_t    limit)
{
  g_autoptr(JsonBuilder) builder = begin ("file-get");

  json_builder_set_member_name (builder, "sha256");
  json_builder_add_string_value (builder, sha256);
  json_builder_set_member_name (builder, "offset");
  json_builder_add_int_value (builder, (int64_t) offset);
  json_builder_set_member_name (builder, "limit");
  json_builder_add_int_value (builder, (int64_t) limit);

  return finish (builder);
}

char *
dropify_protocol_encode_credit (const char *sha256,
                                uint64_t    limit)
{
  g_autoptr(JsonBuilder) builder = begin ("credit");

  json_builder_set_member_name (builder, "sha256");
  json_builder_add_string_value (builder, sha256);
  json_builder_set_member_name (builder, "limit");
  json_builder_add_int_value (builder, (int64_t) limit);

  return finish (builder);
}

char *
dropify_protocol_encode_file_missing (const char *sha256)
{
  g_autoptr(JsonBuilder) builder = begin ("file-missing");

  json_builder_set_member_name (builder, "sha256");
  json_builder_add_string_value (builder, sha256);

  return finish (builder);
}

/**
 * dropify_protocol_encode_have:
 * @sha256: content this device just completed
 *
 * Tells a peer that this device now holds @sha256 whole, so that a peer
 * which was told `file-missing` here asks again (docs/protocol.md §11.1).
 */
char *
dropify_protocol_encode_have (const char *sha256)
{
  g_autoptr(JsonBuilder) builder = begin ("have");

  json_builder_set_member_name (builder, "sha256");
  json_builder_add_string_value (builder, sha256);

  return finish (builder);
}

/**
 * dropify_protocol_encode_transfer_cancel:
 * @sha256: content whose transfer this device stops
 *
 * Tells the other end of a transfer, either end, that it was cancelled
 * here: a sender stops, a receiver does not ask for it again by itself
 * (docs/protocol.md §11.7).
 */
char *
dropify_protocol_encode_transfer_cancel (const char *sha256)
{
  g_autoptr(JsonBuilder) builder = begin ("transfer-cancel");

  json_builder_set_member_name (builder, "sha256");
  json_builder_add_string_value (builder, sha256);

  return finish (builder);
}

/**
 * dropify_protocol_encode_name:
 * @name: this device's new name
 *
 * Tells a connected peer that this device was renamed, as a later
 * `hello` would.
 */
char *
dropify_protocol_encode_name (const char *name)
{
  g_autoptr(JsonBuilder) builder = begin ("name");

  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name != NULL ? name : "");

  return finish (builder);
}

/**
 * dropify_protocol_write_chunk_header:
 * @header: (out caller-allocates): %DROPIFY_PROTOCOL_CHUNK_HEADER bytes
 * @sha256: a valid hex digest
 * @offset: where the chunk's data starts in the file
 *
 * A file chunk is one binary frame: the 32 raw bytes of the file's
 * SHA-256, the offset as 8 bytes big-endian, then the data.
 */
void
dropify_protocol_write_chunk_header (guint8     *header,
                                     const char *sha256,
                                     uint64_t    offset)
{
  g_return_if_fail (dropify_sha256_is_valid (sha256));

  for (guint i = 0; i < 32; i++)
    header[i] = (guint8) (g_ascii_xdigit_value (sha256[2 * i]) << 4 |
                          g_ascii_xdigit_value (sha256[2 * i + 1]));

  for (guint i = 0; i < 8; i++)
    header[32 + i] = (guint8) (offset >> (56 - 8 * i));
}

/**
 * dropify_protocol_parse_chunk:
 * @sha256: (out caller-allocates): the file's digest, as hex
 * @offset: (out): where the data starts
 * @payload: (out) (transfer none): the data, inside @data
 * @payload_length: (out): its length, at least 1
 *
 * Returns: %TRUE if @data is a well-formed chunk
 */
gboolean
dropify_protocol_parse_chunk (const guint8   *data,
                              gsize           length,
                              char            sha256[65],
                              uint64_t       *offset,
                              const guint8  **payload,
                              gsize          *payload_length,
                              GError        **error)
{
  uint64_t value = 0;

  if (length <= DROPIFY_PROTOCOL_CHUNK_HEADER ||
      length > DROPIFY_PROTOCOL_CHUNK_HEADER + DROPIFY_PROTOCOL_MAX_CHUNK)
    {
      g_set_error (error, DROPIFY_PROTOCOL_ERROR, DROPIFY_PROTOCOL_ERROR_TOO_LARGE,
                   "A file chunk must hold 1 to %d bytes of data", DROPIFY_PROTOCOL_MAX_CHUNK);
      return FALSE;
    }

  for (guint i = 0; i < 32; i++)
    g_snprintf (sha256 + 2 * i, 3, "%02x", data[i]);

  for (guint i = 0; i < 8; i++)
    value = value << 8 | data[32 + i];

  if (value > (uint64_t) G_MAXINT64)
    {
      g_set_error_literal (error, DROPIFY_PROTOCOL_ERROR, DROPIFY_PROTOCOL_ERROR_INVALID_FIELD,
                           "A file chunk's offset is out of range");
      return FALSE;
    }

  *offset = value;
  *payload = data + DROPIFY_PROTOCOL_CHUNK_HEADER;
  *payload_length = length - DROPIFY_PROTOCOL_CHUNK_HEADER;

  return TRUE;
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

char *
dropify_protocol_encode_auth_start (const char *sid,
                                    const char *share,
                                    gboolean    trusting)
{
  g_autoptr(JsonBuilder) builder = begin ("auth-start");

  add_string (builder, "sid", sid);
  add_string (builder, "share", share);
  if (trusting)
    {
      json_builder_set_member_name (builder, "trusting");
      json_builder_add_boolean_value (builder, TRUE);
    }

  return finish (builder);
}

char *
dropify_protocol_encode_auth_reply (const char *share,
                                    const char *tag)
{
  g_autoptr(JsonBuilder) builder = begin ("auth-reply");

  add_string (builder, "share", share);
  add_string (builder, "tag", tag);

  return finish (builder);
}

char *
dropify_protocol_encode_auth_confirm (const char *tag)
{
  g_autoptr(JsonBuilder) builder = begin ("auth-confirm");

  add_string (builder, "tag", tag);

  return finish (builder);
}

char *
dropify_protocol_encode_pair_request (const char *attempt,
                                      const char *commit)
{
  g_autoptr(JsonBuilder) builder = begin ("pair-request");

  add_string (builder, "attempt", attempt);
  add_string (builder, "commit", commit);

  return finish (builder);
}

char *
dropify_protocol_encode_pair_nonce (const char *attempt,
                                    const char *nonce)
{
  g_autoptr(JsonBuilder) builder = begin ("pair-nonce");

  add_string (builder, "attempt", attempt);
  add_string (builder, "nonce", nonce);

  return finish (builder);
}

char *
dropify_protocol_encode_pair_accept (const char *attempt)
{
  g_autoptr(JsonBuilder) builder = begin ("pair-accept");

  add_string (builder, "attempt", attempt);

  return finish (builder);
}

char *
dropify_protocol_encode_pair_reject (const char     *attempt,
                                     DropifyPairEnd  reason)
{
  g_autoptr(JsonBuilder) builder = begin ("pair-reject");

  add_string (builder, "attempt", attempt);
  if (reason < G_N_ELEMENTS (pair_ends) && pair_ends[reason] != NULL)
    add_string (builder, "reason", pair_ends[reason]);

  return finish (builder);
}
