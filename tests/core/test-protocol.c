#include "config.h"

#include <string.h>

#include "dropify-test-support.h"

/* Tests for the peer wire protocol: round trips through the encoders and
 * the decoder, and a table of hostile frames the decoder must refuse with
 * the right error, never crashing and never leaking. */

#define DEVICE_A    "5b1e0c2a-8f4d-4e71-a0b3-6c9d2e7f1a40"
#define DEVICE_B    "c03f9e8d-1b2a-4c5d-9e6f-7a8b9c0d1e2f"
#define DROP_ID     "0f8a6c1e-2b7d-4f3a-9c5e-7d1b2a3c4d5e"
#define SHA         "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define DIGEST      "0123456789abcdef0123456789abcdef"
#define T0          G_GINT64_CONSTANT (1700000000000)
#define HOUR        (60 * 60 * 1000)
#define MAX_TIME    G_GINT64_CONSTANT (253402300799999)
#define MAX_TEXT    (16 * 1024 * 1024)

#define MALFORMED   DROPIFY_PROTOCOL_ERROR_MALFORMED
#define TOO_LARGE   DROPIFY_PROTOCOL_ERROR_TOO_LARGE
#define UNKNOWN     DROPIFY_PROTOCOL_ERROR_UNKNOWN_TYPE
#define INVALID     DROPIFY_PROTOCOL_ERROR_INVALID_FIELD

/* Helpers */

/* The start of @frame, printable whatever bytes it holds. */
static char *
describe (const char *frame,
          gsize       length)
{
  g_autofree char *start = g_strndup (frame, MIN (length, 400));

  return g_strescape (start, NULL);
}

static DropifyMessage *
parse_ok (const char *frame,
          gssize      length)
{
  g_autoptr(GError) error = NULL;
  DropifyMessage *message;

  if (length < 0)
    length = strlen (frame);

  message = dropify_message_parse (frame, length, &error);
  if (message == NULL)
    g_error ("Refused a valid frame: %s\nframe: %s", error->message, describe (frame, length));
  g_assert_no_error (error);

  return message;
}

/* Refused with @code, a message a person can read, and, when @needle is
 * set, a message that names the culprit. Also parsed once without a
 * GError, which takes different paths through g_set_error(). */
static void
assert_refused (const char *frame,
                gssize      length,
                int         code,
                const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DropifyMessage) message = NULL;
  g_autoptr(DropifyMessage) again = NULL;

  if (length < 0)
    length = strlen (frame);

  message = dropify_message_parse (frame, length, &error);
  if (message != NULL)
    g_error ("Accepted a frame that must be refused: %s", describe (frame, length));
  g_assert_nonnull (error);
  if (error->domain != DROPIFY_PROTOCOL_ERROR || error->code != code)
    g_error ("Expected error code %d, got %s %d (%s) for %s", code,
             g_quark_to_string (error->domain), error->code, error->message,
             describe (frame, length));
  g_assert_nonnull (error->message);
  g_assert_cmpuint (strlen (error->message), >, 0);
  /* json-glib's own errors can be cut in the middle of a character:
   * see test_protocol_bug_error_not_utf8(). */
  if (code != MALFORMED && !g_utf8_validate (error->message, -1, NULL))
    g_error ("The error is not UTF-8 for %s", describe (frame, length));
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("Expected “%s” in the error, got “%s” for %s", needle, error->message,
             describe (frame, length));

  again = dropify_message_parse (frame, length, NULL);
  g_assert_null (again);
}

static char *
quoted (const char *name)
{
  return g_strdup_printf ("“%s”", name);
}

/* Checks that @frame is one JSON object with exactly the members listed. */
static void
assert_members (JsonObject *object,
                ...)
{
  va_list args;
  const char *name;
  guint n = 0;

  va_start (args, object);
  while ((name = va_arg (args, const char *)))
    {
      if (!json_object_has_member (object, name))
        g_error ("Missing member “%s”", name);
      n++;
    }
  va_end (args);

  g_assert_cmpuint (json_object_get_size (object), ==, n);
}

static JsonNode *
parse_json (const char *frame)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (frame, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));

  return node;
}

/* Message templates, written out as raw JSON so that a test can replace
 * or remove any one value, at any depth, with exactly the bytes it wants. */

typedef enum
{
  FIELD_STRING,
  FIELD_INT,
  FIELD_OBJECT,
  FIELD_STRINGS,   /* an array of one string */
  FIELD_OBJECTS,   /* an array of one object */
} FieldKind;

typedef struct _Field Field;
struct _Field
{
  const char  *name;      /* NULL ends a list */
  FieldKind    kind;
  const char  *value;     /* raw JSON: scalars and FIELD_STRINGS' element */
  const Field *members;   /* FIELD_OBJECT and FIELD_OBJECTS' element */
};

static const Field hello_fields[] = {
  { "type", FIELD_STRING, "\"hello\"" },
  { "version", FIELD_INT, "1" },
  { "device_id", FIELD_STRING, "\"" DEVICE_A "\"" },
  { "name", FIELD_STRING, "\"Laptop\"" },
  { "clock", FIELD_INT, "1700000000000" },
  { "port", FIELD_INT, "53317" },
  { NULL }
};

static const Field bucket_fields[] = {
  { "key", FIELD_STRING, "\"a\"" },
  { "count", FIELD_INT, "3" },
  { "digest", FIELD_STRING, "\"" DIGEST "\"" },
  { NULL }
};

static const Field summary_fields[] = {
  { "type", FIELD_STRING, "\"summary\"" },
  { "prefix", FIELD_STRING, "\"3f\"" },
  { "buckets", FIELD_OBJECTS, NULL, bucket_fields },
  { NULL }
};

static const Field dead_fields[] = {
  { "id", FIELD_STRING, "\"dead-1\"" },
  { "expires_at", FIELD_INT, "1700003600000" },
  { NULL }
};

static const Field ids_fields[] = {
  { "type", FIELD_STRING, "\"ids\"" },
  { "prefix", FIELD_STRING, "\"3f0\"" },
  { "live", FIELD_STRINGS, "\"" DROP_ID "\"" },
  { "dead", FIELD_OBJECTS, NULL, dead_fields },
  { NULL }
};

static const Field text_fields[] = {
  { "id", FIELD_STRING, "\"" DROP_ID "\"" },
  { "kind", FIELD_STRING, "\"text\"" },
  { "origin", FIELD_STRING, "\"" DEVICE_A "\"" },
  { "origin_name", FIELD_STRING, "\"Laptop\"" },
  { "created_at", FIELD_INT, "1700000000000" },
  { "expires_at", FIELD_INT, "1700003600000" },
  { "text", FIELD_STRING, "\"Wi-Fi: h0use-κωδικός\"" },
  { NULL }
};

static const Field text_drop_fields[] = {
  { "type", FIELD_STRING, "\"drop\"" },
  { "drop", FIELD_OBJECT, NULL, text_fields },
  { NULL }
};

static const Field file_fields[] = {
  { "id", FIELD_STRING, "\"" DROP_ID "\"" },
  { "kind", FIELD_STRING, "\"file\"" },
  { "origin", FIELD_STRING, "\"" DEVICE_A "\"" },
  { "origin_name", FIELD_STRING, "\"Laptop\"" },
  { "created_at", FIELD_INT, "1700000000000" },
  { "expires_at", FIELD_INT, "1700003600000" },
  { "name", FIELD_STRING, "\"résumé.pdf\"" },
  { "mime", FIELD_STRING, "\"application/pdf\"" },
  { "size", FIELD_INT, "123456" },
  { "sha256", FIELD_STRING, "\"" SHA "\"" },
  { NULL }
};

static const Field file_drop_fields[] = {
  { "type", FIELD_STRING, "\"drop\"" },
  { "drop", FIELD_OBJECT, NULL, file_fields },
  { NULL }
};

static const Field delete_fields[] = {
  { "type", FIELD_STRING, "\"delete\"" },
  { "id", FIELD_STRING, "\"" DROP_ID "\"" },
  { "expires_at", FIELD_INT, "1700003600000" },
  { NULL }
};

static const Field file_get_fields[] = {
  { "type", FIELD_STRING, "\"file-get\"" },
  { "sha256", FIELD_STRING, "\"" SHA "\"" },
  { "offset", FIELD_INT, "1048576" },
  { "limit", FIELD_INT, "9437184" },
  { NULL }
};

static const Field credit_fields[] = {
  { "type", FIELD_STRING, "\"credit\"" },
  { "sha256", FIELD_STRING, "\"" SHA "\"" },
  { "limit", FIELD_INT, "9437184" },
  { NULL }
};

static const Field file_missing_fields[] = {
  { "type", FIELD_STRING, "\"file-missing\"" },
  { "sha256", FIELD_STRING, "\"" SHA "\"" },
  { NULL }
};

static const Field have_fields[] = {
  { "type", FIELD_STRING, "\"have\"" },
  { "sha256", FIELD_STRING, "\"" SHA "\"" },
  { NULL }
};

static const Field transfer_cancel_fields[] = {
  { "type", FIELD_STRING, "\"transfer-cancel\"" },
  { "sha256", FIELD_STRING, "\"" SHA "\"" },
  { NULL }
};

static const Field name_fields[] = {
  { "type", FIELD_STRING, "\"name\"" },
  { "name", FIELD_STRING, "\"Kitchen laptop\"" },
  { NULL }
};

static const struct {
  const char         *name;
  const Field        *fields;
  DropifyMessageType  type;
} templates[] = {
  { "hello", hello_fields, DROPIFY_MESSAGE_HELLO },
  { "summary", summary_fields, DROPIFY_MESSAGE_SUMMARY },
  { "ids", ids_fields, DROPIFY_MESSAGE_IDS },
  { "text", text_drop_fields, DROPIFY_MESSAGE_DROP },
  { "file", file_drop_fields, DROPIFY_MESSAGE_DROP },
  { "delete", delete_fields, DROPIFY_MESSAGE_DELETE },
  { "file-get", file_get_fields, DROPIFY_MESSAGE_FILE_GET },
  { "credit", credit_fields, DROPIFY_MESSAGE_CREDIT },
  { "file-missing", file_missing_fields, DROPIFY_MESSAGE_FILE_MISSING },
  { "have", have_fields, DROPIFY_MESSAGE_HAVE },
  { "name", name_fields, DROPIFY_MESSAGE_NAME },
  { "transfer-cancel", transfer_cancel_fields, DROPIFY_MESSAGE_TRANSFER_CANCEL },
};

static const Field *
template_fields (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (templates); i++)
    if (g_str_equal (templates[i].name, name))
      return templates[i].fields;

  g_error ("No template “%s”", name);
  return NULL;
}

typedef struct
{
  GString    *out;
  const char *target;
  const char *replacement;
  gboolean    found;
} Writer;

static void write_object (Writer      *writer,
                          const Field *fields,
                          const char  *base);

static void
write_value (Writer      *writer,
             const Field *field,
             const char  *path)
{
  g_autofree char *element = NULL;

  switch (field->kind)
    {
    case FIELD_STRING:
    case FIELD_INT:
      g_string_append (writer->out, field->value);
      break;

    case FIELD_OBJECT:
      write_object (writer, field->members, path);
      break;

    case FIELD_STRINGS:
    case FIELD_OBJECTS:
      element = g_strconcat (path, "[]", NULL);
      g_string_append_c (writer->out, '[');
      if (g_strcmp0 (element, writer->target) == 0)
        {
          writer->found = TRUE;
          g_string_append (writer->out, writer->replacement);
        }
      else if (field->kind == FIELD_STRINGS)
        g_string_append (writer->out, field->value);
      else
        write_object (writer, field->members, element);
      g_string_append_c (writer->out, ']');
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
write_object (Writer      *writer,
              const Field *fields,
              const char  *base)
{
  gboolean first = TRUE;

  g_string_append_c (writer->out, '{');
  for (const Field *field = fields; field->name != NULL; field++)
    {
      g_autofree char *path = base ? g_strconcat (base, ".", field->name, NULL)
                                   : g_strdup (field->name);
      gboolean hit = g_strcmp0 (path, writer->target) == 0;

      writer->found |= hit;

      /* A NULL replacement removes the member. */
      if (hit && writer->replacement == NULL)
        continue;

      if (!first)
        g_string_append_c (writer->out, ',');
      first = FALSE;

      g_string_append_printf (writer->out, "\"%s\":", field->name);
      if (hit)
        g_string_append (writer->out, writer->replacement);
      else
        write_value (writer, field, path);
    }
  g_string_append_c (writer->out, '}');
}

/* The template @name with the value at @path ("drop.name",
 * "buckets[].count", "live[]") replaced by the raw JSON @replacement, or
 * removed when @replacement is %NULL. */
static char *
build_frame (const char *name,
             const char *path,
             const char *replacement)
{
  Writer writer = { g_string_new (NULL), path, replacement, FALSE };

  write_object (&writer, template_fields (name), NULL);
  if (path != NULL && !writer.found)
    g_error ("Template “%s” has no “%s”", name, path);

  return g_string_free (writer.out, FALSE);
}

static void
test_protocol_templates_are_valid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (templates); i++)
    {
      g_autofree char *frame = build_frame (templates[i].name, NULL, NULL);
      g_autoptr(DropifyMessage) message = parse_ok (frame, -1);

      g_assert_cmpint (message->type, ==, templates[i].type);
    }
}

/* Round trips */

static void
test_protocol_round_trip_hello (void)
{
  const char *name = "Kitchen “laptop” \\ \"quoted\" ✓ 🍋";
  g_autofree char *frame = NULL;
  g_autoptr(DropifyMessage) message = NULL;
  g_autoptr(JsonNode) node = NULL;

  frame = dropify_protocol_encode_hello (DEVICE_A, name, T0 + 123, 53317);
  message = parse_ok (frame, -1);

  g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_HELLO);
  g_assert_cmpint (message->version, ==, DROPIFY_PROTOCOL_VERSION);
  g_assert_cmpstr (message->device_id, ==, DEVICE_A);
  g_assert_cmpstr (message->name, ==, name);
  g_assert_cmpint (message->clock, ==, T0 + 123);
  g_assert_cmpuint (message->port, ==, 53317);
  g_assert_null (message->buckets);
  g_assert_null (message->live);
  g_assert_null (message->dead);
  g_assert_null (message->drop);
  g_assert_null (message->id);

  node = parse_json (frame);
  assert_members (json_node_get_object (node),
                  "type", "version", "device_id", "name", "clock", "port", NULL);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "type"), ==,
                   "hello");

  /* The edges: no name, no listening port, the epoch, the last instant. */
  g_clear_pointer (&frame, g_free);
  g_clear_pointer (&message, dropify_message_free);
  frame = dropify_protocol_encode_hello (DEVICE_B, "", 0, 0);
  message = parse_ok (frame, -1);
  g_assert_cmpstr (message->device_id, ==, DEVICE_B);
  g_assert_cmpstr (message->name, ==, "");
  g_assert_cmpint (message->clock, ==, 0);
  g_assert_cmpuint (message->port, ==, 0);

  g_clear_pointer (&frame, g_free);
  g_clear_pointer (&message, dropify_message_free);
  frame = dropify_protocol_encode_hello (DEVICE_B, "x", MAX_TIME, 65535);
  message = parse_ok (frame, -1);
  g_assert_cmpint (message->clock, ==, MAX_TIME);
  g_assert_cmpuint (message->port, ==, 65535);
}

static void
make_buckets (DropifyBucket *buckets,
              guint          n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *seed = g_strdup_printf ("bucket %u", i);
      g_autofree char *md5 = g_compute_checksum_for_string (G_CHECKSUM_MD5, seed, -1);

      buckets[i].key = "0123456789abcdef"[i];
      buckets[i].count = i == 15 ? G_MAXINT32 : i * 7 + 1;
      g_strlcpy (buckets[i].digest, md5, sizeof buckets[i].digest);
    }
}

static void
test_protocol_round_trip_summary (void)
{
  DropifyBucket buckets[DROPIFY_PROTOCOL_FANOUT];
  g_autofree char *frame = NULL;
  g_autoptr(DropifyMessage) message = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *bucket;

  make_buckets (buckets, G_N_ELEMENTS (buckets));

  frame = dropify_protocol_encode_summary ("a3", buckets, G_N_ELEMENTS (buckets));
  message = parse_ok (frame, -1);

  g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_SUMMARY);
  g_assert_cmpstr (message->prefix, ==, "a3");
  g_assert_nonnull (message->buckets);
  g_assert_cmpuint (message->buckets->len, ==, DROPIFY_PROTOCOL_FANOUT);
  for (guint i = 0; i < DROPIFY_PROTOCOL_FANOUT; i++)
    {
      DropifyBucket *parsed = &g_array_index (message->buckets, DropifyBucket, i);

      g_assert_cmpint (parsed->key, ==, buckets[i].key);
      g_assert_cmpuint (parsed->count, ==, buckets[i].count);
      g_assert_cmpstr (parsed->digest, ==, buckets[i].digest);
      g_assert_cmpuint (strlen (parsed->digest), ==, DROPIFY_PROTOCOL_DIGEST_LEN);
    }
  g_assert_null (message->live);
  g_assert_null (message->drop);

  node = parse_json (frame);
  assert_members (json_node_get_object (node), "type", "prefix", "buckets", NULL);
  bucket = json_array_get_object_element (json_object_get_array_member (json_node_get_object (node),
                                                                        "buckets"), 0);
  assert_members (bucket, "key", "count", "digest", NULL);

  /* An empty history sends no buckets at all, under the root prefix. */
  g_clear_pointer (&frame, g_free);
  g_clear_pointer (&message, dropify_message_free);
  frame = dropify_protocol_encode_summary ("", NULL, 0);
  message = parse_ok (frame, -1);
  g_assert_cmpstr (message->prefix, ==, "");
  g_assert_cmpuint (message->buckets->len, ==, 0);

  /* Buckets may come in any order and any subset. */
  g_clear_pointer (&frame, g_free);
  g_clear_pointer (&message, dropify_message_free);
  frame = dropify_protocol_encode_summary ("0", &buckets[9], 2);
  message = parse_ok (frame, -1);
  g_assert_cmpuint (message->buckets->len, ==, 2);
  g_assert_cmpint (g_array_index (message->buckets, DropifyBucket, 0).key, ==, '9');
  g_assert_cmpint (g_array_index (message->buckets, DropifyBucket, 1).key, ==, 'a');
}

static void
test_protocol_round_trip_ids (void)
{
  g_autoptr(GPtrArray) live = g_ptr_array_new ();
  g_autoptr(GArray) dead = g_array_new (FALSE, FALSE, sizeof (DropifyTombstone));
  DropifyTombstone tombstones[] = {
    { (char *) "dead-1", T0 + HOUR },
    { (char *) "DEAD_2-x", MAX_TIME },
  };
  g_autofree char *frame = NULL;
  g_autoptr(DropifyMessage) message = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;

  g_ptr_array_add (live, (char *) DROP_ID);
  g_ptr_array_add (live, (char *) "a");
  g_ptr_array_add (live, (char *) "Z_9-");
  g_array_append_vals (dead, tombstones, G_N_ELEMENTS (tombstones));

  frame = dropify_protocol_encode_ids ("3f0", live, dead);
  message = parse_ok (frame, -1);

  g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_IDS);
  g_assert_cmpstr (message->prefix, ==, "3f0");
  g_assert_cmpuint (message->live->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (message->live, 0), ==, DROP_ID);
  g_assert_cmpstr (g_ptr_array_index (message->live, 1), ==, "a");
  g_assert_cmpstr (g_ptr_array_index (message->live, 2), ==, "Z_9-");
  g_assert_cmpuint (message->dead->len, ==, 2);
  g_assert_cmpstr (g_array_index (message->dead, DropifyTombstone, 0).id, ==, "dead-1");
  g_assert_cmpint (g_array_index (message->dead, DropifyTombstone, 0).expires_at, ==, T0 + HOUR);
  g_assert_cmpstr (g_array_index (message->dead, DropifyTombstone, 1).id, ==, "DEAD_2-x");
  g_assert_cmpint (g_array_index (message->dead, DropifyTombstone, 1).expires_at, ==, MAX_TIME);
  g_assert_null (message->buckets);

  node = parse_json (frame);
  object = json_node_get_object (node);
  assert_members (object, "type", "prefix", "live", "dead", NULL);
  assert_members (json_array_get_object_element (json_object_get_array_member (object, "dead"), 0),
                  "id", "expires_at", NULL);

  /* NULL arrays encode as empty ones. */
  g_clear_pointer (&frame, g_free);
  g_clear_pointer (&message, dropify_message_free);
  frame = dropify_protocol_encode_ids ("", NULL, NULL);
  message = parse_ok (frame, -1);
  g_assert_cmpstr (message->prefix, ==, "");
  g_assert_nonnull (message->live);
  g_assert_nonnull (message->dead);
  g_assert_cmpuint (message->live->len, ==, 0);
  g_assert_cmpuint (message->dead->len, ==, 0);
}

static void
test_protocol_round_trip_text_drop (void)
{
  const char *text = "line 1\nline 2\t\"quoted\" \\ back\\slash\r\n✓ 🍋 \x7f end";
  g_autoptr(DropifyDrop) drop = NULL;
  g_autofree char *frame = NULL;
  g_autoptr(DropifyMessage) message = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;
  DropifyDrop *parsed;

  drop = dropify_drop_new_text (DROP_ID, DEVICE_A, "Pixel “7”", text, T0, T0 + HOUR);
  frame = dropify_protocol_encode_drop (drop);
  message = parse_ok (frame, -1);

  g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_DROP);
  parsed = message->drop;
  g_assert_true (DROPIFY_IS_DROP (parsed));
  g_assert_cmpstr (dropify_drop_get_id (parsed), ==, DROP_ID);
  g_assert_cmpint (dropify_drop_get_kind (parsed), ==, DROPIFY_DROP_KIND_TEXT);
  g_assert_cmpstr (dropify_drop_get_text (parsed), ==, text);
  g_assert_cmpstr (dropify_drop_get_origin (parsed), ==, DEVICE_A);
  g_assert_cmpstr (dropify_drop_get_origin_name (parsed), ==, "Pixel “7”");
  g_assert_cmpint (dropify_drop_get_created_at (parsed), ==, T0);
  g_assert_cmpint (dropify_drop_get_expires_at (parsed), ==, T0 + HOUR);
  g_assert_null (dropify_drop_get_name (parsed));
  g_assert_null (dropify_drop_get_sha256 (parsed));
  g_assert_true (dropify_drop_get_complete (parsed));
  g_assert_null (message->device_id);
  g_assert_null (message->id);

  node = parse_json (frame);
  object = json_node_get_object (node);
  assert_members (object, "type", "drop", NULL);
  assert_members (json_object_get_object_member (object, "drop"),
                  "id", "kind", "origin", "origin_name", "created_at", "expires_at", "text", NULL);
}

static void
test_protocol_round_trip_file_drop (void)
{
  const uint64_t size = G_GUINT64_CONSTANT (5) * 1024 * 1024 * 1024 + 3;
  g_autoptr(DropifyDrop) drop = NULL;
  g_autofree char *frame = NULL;
  g_autoptr(DropifyMessage) message = NULL;
  DropifyDrop *parsed;

  drop = dropify_drop_new_file (DROP_ID, DEVICE_B, "", "Ünïcödé report (final) v2.tar.gz",
                                "application/gzip", size, SHA, T0, MAX_TIME);
  frame = dropify_protocol_encode_drop (drop);
  message = parse_ok (frame, -1);

  g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_DROP);
  parsed = message->drop;
  g_assert_cmpstr (dropify_drop_get_id (parsed), ==, DROP_ID);
  g_assert_cmpint (dropify_drop_get_kind (parsed), ==, DROPIFY_DROP_KIND_FILE);
  g_assert_cmpstr (dropify_drop_get_name (parsed), ==, "Ünïcödé report (final) v2.tar.gz");
  g_assert_cmpstr (dropify_drop_get_mime (parsed), ==, "application/gzip");
  g_assert_cmpuint (dropify_drop_get_size (parsed), ==, size);
  g_assert_cmpstr (dropify_drop_get_sha256 (parsed), ==, SHA);
  g_assert_cmpstr (dropify_drop_get_origin (parsed), ==, DEVICE_B);
  g_assert_cmpstr (dropify_drop_get_origin_name (parsed), ==, "");
  g_assert_cmpint (dropify_drop_get_created_at (parsed), ==, T0);
  g_assert_cmpint (dropify_drop_get_expires_at (parsed), ==, MAX_TIME);
  g_assert_null (dropify_drop_get_text (parsed));

  /* A received file is never complete until its content is stored here. */
  g_assert_false (dropify_drop_get_complete (parsed));
  g_assert_null (dropify_drop_get_path (parsed));
  g_assert_cmpuint (dropify_drop_get_received (parsed), ==, 0);
}

static void
test_protocol_round_trip_delete (void)
{
  g_autofree char *frame = NULL;
  g_autoptr(DropifyMessage) message = NULL;
  g_autoptr(JsonNode) node = NULL;

  frame = dropify_protocol_encode_delete (DROP_ID, T0 + HOUR);
  message = parse_ok (frame, -1);

  g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_DELETE);
  g_assert_cmpstr (message->id, ==, DROP_ID);
  g_assert_cmpint (message->expires_at, ==, T0 + HOUR);
  g_assert_null (message->drop);
  g_assert_null (message->device_id);

  node = parse_json (frame);
  assert_members (json_node_get_object (node), "type", "id", "expires_at", NULL);
}

static void
test_protocol_round_trip_file_get (void)
{
  const uint64_t offset = G_GUINT64_CONSTANT (5) * 1024 * 1024 * 1024 + 7;
  g_autofree char *frame = NULL;
  g_autoptr(DropifyMessage) message = NULL;
  g_autoptr(JsonNode) node = NULL;

  frame = dropify_protocol_encode_file_get (SHA, offset, offset + 8 * 1024 * 1024);
  message = parse_ok (frame, -1);

  g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_FILE_GET);
  g_assert_cmpstr (message->sha256, ==, SHA);
  g_assert_cmpuint (message->offset, ==, offset);
  g_assert_cmpuint (message->limit, ==, offset + 8 * 1024 * 1024);
  g_assert_null (message->id);
  g_assert_null (message->drop);

  node = parse_json (frame);
  assert_members (json_node_get_object (node), "type", "sha256", "offset", "limit", NULL);

  /* From the start, and the largest values the decoder takes. */
  g_clear_pointer (&frame, g_free);
  g_clear_pointer (&message, dropify_message_free);
  frame = dropify_protocol_encode_file_get (SHA, 0, G_MAXINT64);
  message = parse_ok (frame, -1);
  g_assert_cmpuint (message->offset, ==, 0);
  g_assert_cmpuint (message->limit, ==, (uint64_t) G_MAXINT64);
}

static void
test_protocol_round_trip_credit (void)
{
  g_autofree char *frame = NULL;
  g_autoptr(DropifyMessage) message = NULL;
  g_autoptr(JsonNode) node = NULL;

  frame = dropify_protocol_encode_credit (SHA, G_GUINT64_CONSTANT (12884901888));
  message = parse_ok (frame, -1);

  g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_CREDIT);
  g_assert_cmpstr (message->sha256, ==, SHA);
  g_assert_cmpuint (message->limit, ==, G_GUINT64_CONSTANT (12884901888));
  g_assert_cmpuint (message->offset, ==, 0);

  node = parse_json (frame);
  assert_members (json_node_get_object (node), "type", "sha256", "limit", NULL);
}

#define HEX16 "0123456789abcdef0123456789abcdef"

/* "trusting" is optional: absent means FALSE. */
static void
test_protocol_round_trip_auth (void)
{
  for (guint trusting = 0; trusting <= 1; trusting++)
    {
      g_autofree char *frame = dropify_protocol_encode_auth_start (HEX16, SHA, trusting);
      g_autoptr(DropifyMessage) message = parse_ok (frame, -1);
      g_autoptr(JsonNode) node = parse_json (frame);

      g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_AUTH_START);
      g_assert_cmpstr (message->sid, ==, HEX16);
      g_assert_cmpstr (message->share, ==, SHA);
      g_assert_cmpint (message->trusting, ==, trusting);
      if (trusting)
        assert_members (json_node_get_object (node), "type", "sid", "share", "trusting", NULL);
      else
        assert_members (json_node_get_object (node), "type", "sid", "share", NULL);
    }

  {
    g_autofree char *frame = dropify_protocol_encode_auth_reply (SHA, SHA);
    g_autoptr(DropifyMessage) message = parse_ok (frame, -1);

    g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_AUTH_REPLY);
    g_assert_cmpstr (message->share, ==, SHA);
    g_assert_cmpstr (message->tag, ==, SHA);
  }
  {
    g_autofree char *frame = dropify_protocol_encode_auth_confirm (SHA);
    g_autoptr(DropifyMessage) message = parse_ok (frame, -1);

    g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_AUTH_CONFIRM);
    g_assert_cmpstr (message->tag, ==, SHA);
  }

  assert_refused ("{\"type\":\"auth-start\",\"sid\":\"" HEX16 "\",\"share\":\"" SHA "\",\"trusting\":\"yes\"}", -1,
                  INVALID, "“trusting”");
  assert_refused ("{\"type\":\"auth-start\",\"sid\":\"" HEX16 "\",\"share\":\"" SHA "\",\"trusting\":1}", -1,
                  INVALID, "“trusting”");
  assert_refused ("{\"type\":\"auth-start\",\"share\":\"" SHA "\"}", -1, INVALID, "“sid”");
  /* Short, long, upper-case, not hex. */
  assert_refused ("{\"type\":\"auth-start\",\"sid\":\"0123\",\"share\":\"" SHA "\"}", -1, INVALID, "“sid”");
  assert_refused ("{\"type\":\"auth-start\",\"sid\":\"" HEX16 "\",\"share\":\"" SHA "00\"}", -1,
                  INVALID, "“share”");
  {
    g_autoptr(DropifyMessage) message =
      parse_ok ("{\"type\":\"auth-reply\",\"share\":\"" SHA "\",\"tag\":\"" HEX16 HEX16 "\"}", -1);
    g_assert_cmpstr (message->tag, ==, HEX16 HEX16);
  }
  assert_refused ("{\"type\":\"auth-reply\",\"share\":\"" SHA "\",\"tag\":\"" "0123456789ABCDEF0123456789ABCDEF"
                  "0123456789abcdef0123456789abcdef" "\"}", -1, INVALID, "“tag”");
  assert_refused ("{\"type\":\"auth-confirm\",\"tag\":\"zz23456789abcdef0123456789abcdef"
                  "0123456789abcdef0123456789abcdef\"}", -1, INVALID, "“tag”");
  /* Version 2's proof is not understood. */
  assert_refused ("{\"type\":\"auth\",\"mac\":\"" SHA "\"}", -1, UNKNOWN, "auth");
}

static void
test_protocol_round_trip_pair (void)
{
  {
    g_autofree char *frame = dropify_protocol_encode_pair_request (HEX16, SHA);
    g_autoptr(DropifyMessage) message = parse_ok (frame, -1);
    g_autoptr(JsonNode) node = parse_json (frame);

    g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_PAIR_REQUEST);
    g_assert_cmpstr (message->attempt, ==, HEX16);
    g_assert_cmpstr (message->commit, ==, SHA);
    assert_members (json_node_get_object (node), "type", "attempt", "commit", NULL);
  }
  {
    g_autofree char *frame = dropify_protocol_encode_pair_nonce (HEX16, SHA);
    g_autoptr(DropifyMessage) message = parse_ok (frame, -1);

    g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_PAIR_NONCE);
    g_assert_cmpstr (message->nonce, ==, SHA);
  }
  {
    g_autofree char *frame = dropify_protocol_encode_pair_accept (HEX16);
    g_autoptr(DropifyMessage) message = parse_ok (frame, -1);

    g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_PAIR_ACCEPT);
    g_assert_cmpstr (message->attempt, ==, HEX16);
  }
  for (DropifyPairEnd reason = DROPIFY_PAIR_END_DECLINED; reason <= DROPIFY_PAIR_END_CANCELLED; reason++)
    {
      g_autofree char *frame = dropify_protocol_encode_pair_reject (HEX16, reason);
      g_autoptr(DropifyMessage) message = parse_ok (frame, -1);

      g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_PAIR_REJECT);
      g_assert_cmpint (message->reason, ==, reason);
    }

  /* A reason from a later version is still an end, of a kind not known. */
  {
    g_autoptr(DropifyMessage) message =
      parse_ok ("{\"type\":\"pair-reject\",\"attempt\":\"" HEX16 "\",\"reason\":\"solar-flare\"}", -1);
    g_assert_cmpint (message->reason, ==, DROPIFY_PAIR_END_OTHER);
  }
  {
    g_autoptr(DropifyMessage) message = parse_ok ("{\"type\":\"pair-reject\",\"attempt\":\"" HEX16 "\"}", -1);
    g_assert_cmpint (message->reason, ==, DROPIFY_PAIR_END_DECLINED);
  }
  assert_refused ("{\"type\":\"pair-reject\",\"attempt\":\"" HEX16 "\",\"reason\":\"\\u001b[2J\"}", -1,
                  INVALID, "“reason”");
  assert_refused ("{\"type\":\"pair-reject\",\"attempt\":\"" HEX16 "\",\"reason\":7}", -1,
                  INVALID, "“reason”");
  assert_refused ("{\"type\":\"pair-accept\"}", -1, INVALID, "“attempt”");
  assert_refused ("{\"type\":\"pair-request\",\"attempt\":\"" HEX16 "\"}", -1, INVALID, "“commit”");
  assert_refused ("{\"type\":\"pair-nonce\",\"attempt\":\"" HEX16 "\",\"nonce\":\"12\"}", -1,
                  INVALID, "“nonce”");
}

static void
test_protocol_round_trip_file_missing (void)
{
  g_autofree char *frame = NULL;
  g_autoptr(DropifyMessage) message = NULL;
  g_autoptr(JsonNode) node = NULL;

  frame = dropify_protocol_encode_file_missing (SHA);
  message = parse_ok (frame, -1);

  g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_FILE_MISSING);
  g_assert_cmpstr (message->sha256, ==, SHA);

  node = parse_json (frame);
  assert_members (json_node_get_object (node), "type", "sha256", NULL);
}

static void
test_protocol_round_trip_have (void)
{
  g_autofree char *frame = NULL;
  g_autoptr(DropifyMessage) message = NULL;
  g_autoptr(JsonNode) node = NULL;

  frame = dropify_protocol_encode_have (SHA);
  message = parse_ok (frame, -1);

  g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_HAVE);
  g_assert_cmpstr (message->sha256, ==, SHA);

  node = parse_json (frame);
  assert_members (json_node_get_object (node), "type", "sha256", NULL);

  assert_refused ("{\"type\":\"have\"}", -1, INVALID, "“sha256”");
  assert_refused ("{\"type\":\"have\",\"sha256\":\"" SHA "0\"}", -1, INVALID, "“sha256”");
  assert_refused ("{\"type\":\"have\",\"sha256\":[\"" SHA "\"]}", -1, INVALID, "“sha256”");
}

static void
test_protocol_round_trip_transfer_cancel (void)
{
  g_autofree char *frame = NULL;
  g_autoptr(DropifyMessage) message = NULL;
  g_autoptr(JsonNode) node = NULL;

  frame = dropify_protocol_encode_transfer_cancel (SHA);
  message = parse_ok (frame, -1);

  g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_TRANSFER_CANCEL);
  g_assert_cmpstr (message->sha256, ==, SHA);

  node = parse_json (frame);
  assert_members (json_node_get_object (node), "type", "sha256", NULL);

  assert_refused ("{\"type\":\"transfer-cancel\"}", -1, INVALID, "“sha256”");
  assert_refused ("{\"type\":\"transfer-cancel\",\"sha256\":\"\"}", -1, INVALID, "“sha256”");
  assert_refused ("{\"type\":\"transfer-cancel\",\"sha256\":\"" SHA "0\"}", -1, INVALID, "“sha256”");
  assert_refused ("{\"type\":\"transfer-cancel\",\"sha256\":42}", -1, INVALID, "“sha256”");
  assert_refused ("{\"type\":\"transfer-cancel\",\"sha256\":true}", -1, INVALID, "“sha256”");
  assert_refused ("{\"type\":\"transfer-cancel\",\"sha256\":{\"a\":1}}", -1, INVALID, "“sha256”");
  assert_refused ("{\"type\":\"Transfer-Cancel\",\"sha256\":\"" SHA "\"}", -1, UNKNOWN, NULL);
}

static void
test_protocol_round_trip_name (void)
{
  const char *name = "Kitchen “laptop” \\ \"quoted\" ✓ 🍋";
  g_autofree char *frame = NULL;
  g_autofree char *empty = NULL;
  g_autofree char *hostile = NULL;
  g_autofree char *long_name = g_strnfill (257, 'x');
  g_autofree char *too_long = NULL;
  g_autoptr(DropifyMessage) message = NULL;
  g_autoptr(DropifyMessage) cleaned = NULL;
  g_autoptr(DropifyMessage) nothing = NULL;
  g_autoptr(JsonNode) node = NULL;

  frame = dropify_protocol_encode_name (name);
  message = parse_ok (frame, -1);
  g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_NAME);
  g_assert_cmpstr (message->name, ==, name);
  g_assert_null (message->device_id);

  node = parse_json (frame);
  assert_members (json_node_get_object (node), "type", "name", NULL);

  /* Empty, as in hello, and cleaned as hello's name is. */
  empty = dropify_protocol_encode_name ("");
  nothing = parse_ok (empty, -1);
  g_assert_cmpstr (nothing->name, ==, "");
  hostile = build_frame ("name", "name", "\"Laptop\\u001b[2K\\rEvil \\u202egnp.exe\"");
  cleaned = parse_ok (hostile, -1);
  g_assert_cmpstr (cleaned->name, ==, "Laptop[2KEvil gnp.exe");

  too_long = dropify_protocol_encode_name (long_name);
  assert_refused (too_long, -1, INVALID, "“name”");
  assert_refused ("{\"type\":\"name\"}", -1, INVALID, "“name”");
  assert_refused ("{\"type\":\"name\",\"name\":7}", -1, INVALID, "“name”");
}

/* File chunks: binary frames */

static void
test_protocol_chunk_round_trip (void)
{
  static const uint64_t offsets[] = {
    0, 1, 255, 256, G_GUINT64_CONSTANT (4294967296), G_GUINT64_CONSTANT (0x0102030405060708),
    G_MAXINT64,
  };
  guint8 header[DROPIFY_PROTOCOL_CHUNK_HEADER];

  g_assert_cmpint (DROPIFY_PROTOCOL_CHUNK_HEADER, ==, 40);

  /* The digest's raw bytes, then the offset big-endian. */
  dropify_protocol_write_chunk_header (header, SHA, G_GUINT64_CONSTANT (0x0102030405060708));
  g_assert_cmphex (header[0], ==, 0x9f);
  g_assert_cmphex (header[1], ==, 0x86);
  g_assert_cmphex (header[31], ==, 0x08);
  for (guint i = 0; i < 8; i++)
    g_assert_cmphex (header[32 + i], ==, i + 1);

  for (guint i = 0; i < G_N_ELEMENTS (offsets); i++)
    {
      /* Exactly as long as the frame, so that reading past it shows. */
      gsize length = DROPIFY_PROTOCOL_CHUNK_HEADER + 3;
      g_autofree guint8 *frame = g_malloc (length);
      g_autoptr(GError) error = NULL;
      const guint8 *payload = NULL;
      gsize payload_length = 0;
      uint64_t offset = 0;
      char sha256[65];

      dropify_protocol_write_chunk_header (frame, SHA, offsets[i]);
      memcpy (frame + DROPIFY_PROTOCOL_CHUNK_HEADER, "abc", 3);

      g_assert_true (dropify_protocol_parse_chunk (frame, length, sha256, &offset, &payload,
                                                   &payload_length, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (sha256, ==, SHA);
      g_assert_cmpuint (offset, ==, offsets[i]);
      g_assert_true (payload == frame + DROPIFY_PROTOCOL_CHUNK_HEADER);
      g_assert_cmpuint (payload_length, ==, 3);
      g_assert_cmpmem (payload, payload_length, "abc", 3);
    }
}

static void
assert_chunk_refused (const guint8 *frame,
                      gsize         length,
                      int           code)
{
  g_autoptr(GError) error = NULL;
  const guint8 *payload = NULL;
  gsize payload_length = 0;
  uint64_t offset = 0;
  char sha256[65];

  g_assert_false (dropify_protocol_parse_chunk (frame, length, sha256, &offset, &payload,
                                                &payload_length, &error));
  g_assert_error (error, DROPIFY_PROTOCOL_ERROR, code);
  g_assert_cmpuint (strlen (error->message), >, 0);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  g_assert_null (payload);

  g_assert_false (dropify_protocol_parse_chunk (frame, length, sha256, &offset, &payload,
                                                &payload_length, NULL));
}

static void
test_protocol_chunk_hostile (void)
{
  gsize max = DROPIFY_PROTOCOL_CHUNK_HEADER + DROPIFY_PROTOCOL_MAX_CHUNK;
  g_autofree guint8 *frame = g_malloc0 (max + 1);
  g_autofree guint8 *exact = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *payload = NULL;
  gsize payload_length = 0;
  uint64_t offset = 0;
  char sha256[65];

  g_assert_cmpint (DROPIFY_PROTOCOL_MAX_CHUNK, ==, 1024 * 1024);
  dropify_protocol_write_chunk_header (frame, SHA, 0);

  /* No data, a cut header, nothing at all: each one too short. */
  for (gsize length = 0; length <= DROPIFY_PROTOCOL_CHUNK_HEADER; length++)
    {
      g_autofree guint8 *copy = g_memdup2 (frame, MAX (length, 1));

      assert_chunk_refused (copy, length, TOO_LARGE);
    }

  /* Up to 1 MiB of data is fine, one byte more is not. */
  g_assert_true (dropify_protocol_parse_chunk (frame, max, sha256, &offset, &payload,
                                               &payload_length, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (payload_length, ==, DROPIFY_PROTOCOL_MAX_CHUNK);
  assert_chunk_refused (frame, max + 1, TOO_LARGE);

  /* An offset past 2^63 - 1 would not fit a file offset. */
  exact = g_malloc (DROPIFY_PROTOCOL_CHUNK_HEADER + 1);
  dropify_protocol_write_chunk_header (exact, SHA, 0);
  exact[32] = 0x80;
  exact[DROPIFY_PROTOCOL_CHUNK_HEADER] = 'x';
  assert_chunk_refused (exact, DROPIFY_PROTOCOL_CHUNK_HEADER + 1, INVALID);

  memset (exact + 32, 0xff, 8);
  assert_chunk_refused (exact, DROPIFY_PROTOCOL_CHUNK_HEADER + 1, INVALID);

  /* Any 32 bytes are some digest: upper-case never comes out. */
  memset (exact, 0xab, 32);
  memset (exact + 32, 0, 8);
  g_assert_true (dropify_protocol_parse_chunk (exact, DROPIFY_PROTOCOL_CHUNK_HEADER + 1, sha256,
                                               &offset, &payload, &payload_length, NULL));
  g_assert_true (dropify_sha256_is_valid (sha256));
  g_assert_cmpstr (sha256, ==, "abababababababababababababababababababababababababababababababab");
}

static void
test_protocol_drop_has_no_local_state (void)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(JsonNode) local = NULL;
  g_autofree char *frame = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *wire;

  drop = dropify_drop_new_file (DROP_ID, DEVICE_A, "Laptop", "a.txt", "text/plain", 4, SHA,
                                T0, T0 + HOUR);
  dropify_drop_set_path (drop, "/home/someone/.local/share/dropify/files/9f/" SHA);
  dropify_drop_set_complete (drop, TRUE);
  dropify_drop_set_received (drop, 4);

  /* The local JSON does carry them, so the encoder has something to drop. */
  local = dropify_drop_to_json (drop);
  g_assert_true (json_object_has_member (json_node_get_object (local), "complete"));
  g_assert_true (json_object_has_member (json_node_get_object (local), "path"));

  frame = dropify_protocol_encode_drop (drop);
  g_assert_null (strstr (frame, "complete"));
  g_assert_null (strstr (frame, "path"));
  g_assert_null (strstr (frame, "/home/someone"));
  g_assert_null (strstr (frame, "received"));

  node = parse_json (frame);
  wire = json_object_get_object_member (json_node_get_object (node), "drop");
  assert_members (wire, "id", "kind", "origin", "origin_name", "created_at", "expires_at",
                  "name", "mime", "size", "sha256", NULL);

  /* The drop itself keeps its local state. */
  g_assert_true (dropify_drop_get_complete (drop));
  g_assert_nonnull (dropify_drop_get_path (drop));

  /* Nor how much of an incomplete file has arrived. */
  g_clear_object (&drop);
  g_clear_pointer (&local, json_node_unref);
  g_clear_pointer (&frame, g_free);
  g_clear_pointer (&node, json_node_unref);
  drop = dropify_drop_new_file (DROP_ID, DEVICE_A, "Laptop", "a.txt", "text/plain", 4, SHA,
                                T0, T0 + HOUR);
  dropify_drop_set_received (drop, 2);
  dropify_drop_set_path (drop, "/somewhere/partial");

  local = dropify_drop_to_json (drop);
  g_assert_true (json_object_has_member (json_node_get_object (local), "received"));
  g_assert_true (json_object_has_member (json_node_get_object (local), "complete"));

  frame = dropify_protocol_encode_drop (drop);
  g_assert_null (strstr (frame, "received"));
  g_assert_null (strstr (frame, "complete"));
  g_assert_null (strstr (frame, "path"));
  g_assert_null (strstr (frame, "/somewhere"));
  node = parse_json (frame);
  wire = json_object_get_object_member (json_node_get_object (node), "drop");
  assert_members (wire, "id", "kind", "origin", "origin_name", "created_at", "expires_at",
                  "name", "mime", "size", "sha256", NULL);
}

static void
test_protocol_type_names (void)
{
  g_assert_cmpstr (dropify_message_type_to_string (DROPIFY_MESSAGE_HELLO), ==, "hello");
  g_assert_cmpstr (dropify_message_type_to_string (DROPIFY_MESSAGE_SUMMARY), ==, "summary");
  g_assert_cmpstr (dropify_message_type_to_string (DROPIFY_MESSAGE_IDS), ==, "ids");
  g_assert_cmpstr (dropify_message_type_to_string (DROPIFY_MESSAGE_DROP), ==, "drop");
  g_assert_cmpstr (dropify_message_type_to_string (DROPIFY_MESSAGE_DELETE), ==, "delete");
  g_assert_cmpstr (dropify_message_type_to_string (DROPIFY_MESSAGE_FILE_GET), ==, "file-get");
  g_assert_cmpstr (dropify_message_type_to_string (DROPIFY_MESSAGE_CREDIT), ==, "credit");
  g_assert_cmpstr (dropify_message_type_to_string (DROPIFY_MESSAGE_FILE_MISSING), ==,
                   "file-missing");
  g_assert_cmpstr (dropify_message_type_to_string (DROPIFY_MESSAGE_HAVE), ==, "have");
  g_assert_cmpstr (dropify_message_type_to_string (DROPIFY_MESSAGE_NAME), ==, "name");
  g_assert_cmpstr (dropify_message_type_to_string (DROPIFY_MESSAGE_TRANSFER_CANCEL), ==,
                   "transfer-cancel");
  g_assert_cmpstr (dropify_message_type_to_string ((DropifyMessageType) 99), ==, "unknown");
}

static void
test_protocol_id_and_prefix_rules (void)
{
  g_autofree char *id64 = g_strnfill (64, 'a');
  g_autofree char *id65 = g_strnfill (65, 'a');
  g_autofree char *hex63 = g_strnfill (63, 'f');
  g_autofree char *hex64 = g_strnfill (64, 'f');

  g_assert_true (dropify_protocol_id_is_valid ("a"));
  g_assert_true (dropify_protocol_id_is_valid (DROP_ID));
  g_assert_true (dropify_protocol_id_is_valid ("AZaz09-_"));
  g_assert_true (dropify_protocol_id_is_valid (id64));
  g_assert_false (dropify_protocol_id_is_valid (id65));
  g_assert_false (dropify_protocol_id_is_valid (NULL));
  g_assert_false (dropify_protocol_id_is_valid (""));
  g_assert_false (dropify_protocol_id_is_valid ("../x"));
  g_assert_false (dropify_protocol_id_is_valid ("a b"));
  g_assert_false (dropify_protocol_id_is_valid ("a.b"));
  g_assert_false (dropify_protocol_id_is_valid ("é"));

  g_assert_true (dropify_protocol_prefix_is_valid (""));
  g_assert_true (dropify_protocol_prefix_is_valid ("0123456789abcdef"));
  g_assert_true (dropify_protocol_prefix_is_valid (hex63));
  g_assert_false (dropify_protocol_prefix_is_valid (hex64));
  g_assert_false (dropify_protocol_prefix_is_valid (NULL));
  g_assert_false (dropify_protocol_prefix_is_valid ("A"));
  g_assert_false (dropify_protocol_prefix_is_valid ("g"));
  g_assert_false (dropify_protocol_prefix_is_valid ("0 "));
}

/* Forward compatibility */

static void
test_protocol_unknown_members_ignored (void)
{
  static const char hello[] =
    "{\"future\":{\"nested\":[1,2,{\"x\":null}]},\"type\":\"hello\",\"version\":1,"
    "\"device_id\":\"" DEVICE_A "\",\"caps\":[\"files\",\"resume\"],\"name\":\"Laptop\","
    "\"clock\":1700000000000,\"port\":53317,\"fingerprint\":\"ab:cd\",\"z\":1.5}";
  static const char summary[] =
    "{\"type\":\"summary\",\"prefix\":\"\",\"buckets\":[{\"key\":\"0\",\"count\":1,"
    "\"digest\":\"" DIGEST "\",\"bytes\":12}],\"epoch\":3}";
  static const char ids[] =
    "{\"type\":\"ids\",\"prefix\":\"7\",\"live\":[\"a\"],\"dead\":[{\"id\":\"b\","
    "\"expires_at\":1700003600000,\"by\":\"someone\"}],\"more\":false}";
  static const char drop[] =
    "{\"type\":\"drop\",\"drop\":{\"id\":\"x\",\"kind\":\"file\",\"origin\":\"o\","
    "\"origin_name\":\"\",\"created_at\":1,\"expires_at\":2,\"name\":\"a.png\","
    "\"mime\":\"image/png\",\"size\":0,\"sha256\":\"" SHA "\",\"thumbnail\":\"data:...\","
    "\"complete\":true,\"path\":\"/etc/passwd\"},\"hops\":2}";
  static const char delete[] =
    "{\"type\":\"delete\",\"id\":\"x\",\"expires_at\":2,\"reason\":{\"by\":\"user\"}}";
  g_autoptr(DropifyMessage) m1 = parse_ok (hello, -1);
  g_autoptr(DropifyMessage) m2 = parse_ok (summary, -1);
  g_autoptr(DropifyMessage) m3 = parse_ok (ids, -1);
  g_autoptr(DropifyMessage) m4 = parse_ok (drop, -1);
  g_autoptr(DropifyMessage) m5 = parse_ok (delete, -1);

  g_assert_cmpint (m1->type, ==, DROPIFY_MESSAGE_HELLO);
  g_assert_cmpstr (m1->device_id, ==, DEVICE_A);
  g_assert_cmpstr (m1->name, ==, "Laptop");
  g_assert_cmpint (m1->clock, ==, T0);
  g_assert_cmpuint (m1->port, ==, 53317);

  g_assert_cmpuint (m2->buckets->len, ==, 1);
  g_assert_cmpuint (g_array_index (m2->buckets, DropifyBucket, 0).count, ==, 1);

  g_assert_cmpuint (m3->live->len, ==, 1);
  g_assert_cmpuint (m3->dead->len, ==, 1);
  g_assert_cmpstr (g_array_index (m3->dead, DropifyTombstone, 0).id, ==, "b");

  /* Local-only members sent by a peer change nothing here. */
  g_assert_cmpstr (dropify_drop_get_name (m4->drop), ==, "a.png");
  g_assert_cmpuint (dropify_drop_get_size (m4->drop), ==, 0);
  g_assert_false (dropify_drop_get_complete (m4->drop));
  g_assert_null (dropify_drop_get_path (m4->drop));

  g_assert_cmpstr (m5->id, ==, "x");
  g_assert_cmpint (m5->expires_at, ==, 2);
}

static void
test_protocol_text_with_file_members (void)
{
  static const char frame[] =
    "{\"type\":\"drop\",\"drop\":{\"id\":\"t\",\"kind\":\"text\",\"origin\":\"o\","
    "\"origin_name\":\"n\",\"created_at\":1,\"expires_at\":2,\"text\":\"hi\","
    "\"name\":\"../../etc/passwd\",\"mime\":7,\"size\":-1,\"sha256\":\"nope\"}}";
  g_autoptr(DropifyMessage) message = parse_ok (frame, -1);

  g_assert_cmpint (dropify_drop_get_kind (message->drop), ==, DROPIFY_DROP_KIND_TEXT);
  g_assert_cmpstr (dropify_drop_get_text (message->drop), ==, "hi");
  g_assert_null (dropify_drop_get_name (message->drop));
  g_assert_null (dropify_drop_get_mime (message->drop));
  g_assert_null (dropify_drop_get_sha256 (message->drop));
  g_assert_cmpuint (dropify_drop_get_size (message->drop), ==, 0);
}

/* Names from another device are shown in terminals and labels: escapes,
 * carriage returns and bidi overrides are cleaned away, and real scripts
 * and emoji are kept. */
static void
test_protocol_peer_names_cleaned (void)
{
  g_autofree char *hello = build_frame ("hello", "name",
                                        "\"Laptop\\u001b[2K\\rEvil \\u202egnp.exe\"");
  g_autofree char *long_hello = NULL;
  g_autofree char *text = build_frame ("text", "drop.origin_name",
                                       "\"\\u2066\\u0007\u062c\u0647\u0627\u0632\\u2069\"");
  g_autofree char *file = build_frame ("file", "drop.name", "\"invoice\\u202efdp.exe\"");
  g_autofree char *emoji = build_frame ("file", "drop.origin_name",
                                        "\"\U0001F469\u200D\U0001F4BB \\u202e\"");
  g_autoptr(DropifyMessage) m1 = parse_ok (hello, -1);
  g_autoptr(DropifyMessage) m2 = parse_ok (text, -1);
  g_autoptr(DropifyMessage) m3 = parse_ok (file, -1);
  g_autoptr(DropifyMessage) m4 = parse_ok (emoji, -1);
  g_autoptr(DropifyMessage) m5 = NULL;
  g_autoptr(GString) name = g_string_new ("\"");

  g_assert_cmpstr (m1->name, ==, "Laptop[2KEvil gnp.exe");
  g_assert_cmpstr (dropify_drop_get_origin_name (m2->drop), ==, "\u062c\u0647\u0627\u0632");
  g_assert_cmpstr (dropify_drop_get_name (m3->drop), ==, "invoicefdp.exe");
  g_assert_cmpstr (dropify_drop_get_origin_name (m4->drop), ==, "\U0001F469\u200D\U0001F4BB");

  /* Within the wire limit of 256 bytes, but longer than a name is shown. */
  for (guint i = 0; i < 200; i++)
    g_string_append_c (name, 'n');
  g_string_append_c (name, '"');
  long_hello = build_frame ("hello", "name", name->str);
  m5 = parse_ok (long_hello, -1);
  g_assert_cmpint (g_utf8_strlen (m5->name, -1), ==, DROPIFY_DISPLAY_NAME_MAX_DEVICE_CHARS);
}

/* Hostile input: whole frames */

typedef struct
{
  const char *name;
  const char *frame;
  gssize      length;   /* -1: up to the NUL */
  int         code;
  const char *needle;
} FrameCase;

#define RAW(s) s, sizeof (s) - 1

static const FrameCase frame_cases[] = {
  { "empty", "", -1, MALFORMED, NULL },
  { "space", " ", -1, MALFORMED, NULL },
  { "whitespace", " \t\r\n  \n", -1, MALFORMED, NULL },
  { "not-json", "hello", -1, MALFORMED, NULL },
  { "lone-brace", "{", -1, MALFORMED, NULL },
  { "closing-brace", "}", -1, MALFORMED, NULL },
  { "unterminated-string", "{\"type\":\"hel", -1, MALFORMED, NULL },
  { "trailing-comma", "{\"type\":\"hello\",}", -1, MALFORMED, NULL },
  { "bare-key", "{type:\"hello\"}", -1, MALFORMED, NULL },
  { "two-closing", "{\"type\":\"x\"}}", -1, MALFORMED, NULL },
  { "nan", "{\"type\":\"delete\",\"id\":\"x\",\"expires_at\":NaN}", -1, MALFORMED, NULL },
  { "array", "[]", -1, MALFORMED, NULL },
  { "array-of-object", "[{\"type\":\"hello\"}]", -1, MALFORMED, NULL },
  { "string", "\"hello\"", -1, MALFORMED, NULL },
  { "number", "42", -1, MALFORMED, NULL },
  { "float", "1.5", -1, MALFORMED, NULL },
  { "true", "true", -1, MALFORMED, NULL },
  { "null", "null", -1, MALFORMED, NULL },

  { "raw-nul-inside", RAW ("{\"type\":\"del\0ete\",\"id\":\"x\",\"expires_at\":2}"),
    MALFORMED, NULL },
  { "raw-nul-after", RAW ("{\"type\":\"delete\",\"id\":\"x\",\"expires_at\":2}\0"),
    MALFORMED, NULL },
  { "raw-nul-first", RAW ("\0{}"), MALFORMED, NULL },
  { "utf8-ff", "{\"type\":\"hello\xff\"}", -1, MALFORMED, "UTF-8" },
  { "utf8-overlong-slash", "{\"type\":\"drop\",\"drop\":{\"name\":\"..\xc0\xaf" "x\"}}", -1,
    MALFORMED, "UTF-8" },
  { "utf8-overlong-nul", "{\"type\":\"x\xc0\x80\"}", -1, MALFORMED, "UTF-8" },
  { "utf8-surrogate", "{\"type\":\"x\xed\xa0\x80\"}", -1, MALFORMED, "UTF-8" },
  { "utf8-truncated", "{\"type\":\"x\xe2\x82\"}", -1, MALFORMED, "UTF-8" },
  { "utf8-lone-continuation", "{\"type\":\"x\x80\"}", -1, MALFORMED, "UTF-8" },
  { "utf8-beyond-unicode", "{\"type\":\"x\xf4\x90\x80\x80\"}", -1, MALFORMED, "UTF-8" },
  { "utf8-in-key", "{\"ty\xfepe\":\"hello\"}", -1, MALFORMED, "UTF-8" },
  { "utf8-latin1", "{\"type\":\"hello\",\"name\":\"caf\xe9\"}", -1, MALFORMED, "UTF-8" },

  { "type-missing", "{}", -1, INVALID, "“type”" },
  { "type-missing-others-there",
    "{\"version\":1,\"device_id\":\"a\",\"name\":\"\",\"clock\":0,\"port\":0}", -1, INVALID,
    "“type”" },
  { "type-int", "{\"type\":1}", -1, INVALID, "“type”" },
  { "type-float", "{\"type\":1.5}", -1, INVALID, "“type”" },
  { "type-bool", "{\"type\":true}", -1, INVALID, "“type”" },
  { "type-null", "{\"type\":null}", -1, INVALID, "“type”" },
  { "type-object", "{\"type\":{\"name\":\"hello\"}}", -1, INVALID, "“type”" },
  { "type-array", "{\"type\":[\"hello\"]}", -1, INVALID, "“type”" },
  { "type-empty", "{\"type\":\"\"}", -1, INVALID, "“type”" },
  { "type-too-long", "{\"type\":\"abcdefghijklmnopqrstuvwxyz0123456\"}", -1, INVALID, "“type”" },
  { "type-escaped-surrogate", "{\"type\":\"\\ud800x\"}", -1, MALFORMED, NULL },
  { "type-unknown", "{\"type\":\"ping\"}", -1, UNKNOWN, "ping" },
  { "type-upper-case", "{\"type\":\"HELLO\"}", -1, UNKNOWN, "HELLO" },
  { "type-padded", "{\"type\":\" hello\"}", -1, UNKNOWN, NULL },
  { "type-chunk", "{\"type\":\"chunk\",\"id\":\"x\"}", -1, UNKNOWN, "chunk" },
  /* The last of two members wins in json-glib; either way it is refused. */
  { "type-twice", "{\"type\":\"hello\",\"type\":\"nope\"}", -1, UNKNOWN, "nope" },

  /* An escaped lone surrogate is refused by the decoder's own syntax
   * check, before json-glib could turn it into bytes that are not UTF-8. */
  { "hello-name-lone-surrogate",
    "{\"type\":\"hello\",\"version\":1,\"device_id\":\"a\",\"name\":\"\\udc00x\",\"clock\":0,"
    "\"port\":0}", -1, MALFORMED, NULL },
  { "hello-name-lone-surrogate-then-escape",
    "{\"type\":\"hello\",\"version\":1,\"device_id\":\"a\",\"name\":\"\\udc00\\u0041\","
    "\"clock\":0,\"port\":0}", -1, MALFORMED, NULL },
  { "text-lone-surrogate",
    "{\"type\":\"drop\",\"drop\":{\"id\":\"x\",\"kind\":\"text\",\"origin\":\"o\","
    "\"origin_name\":\"\",\"created_at\":1,\"expires_at\":2,\"text\":\"a\\ud83dzz\"}}", -1,
    MALFORMED, NULL },
  { "file-name-reversed-surrogates",
    "{\"type\":\"drop\",\"drop\":{\"id\":\"x\",\"kind\":\"file\",\"origin\":\"o\","
    "\"origin_name\":\"\",\"created_at\":1,\"expires_at\":2,\"name\":\"\\ude00\\ud83d\","
    "\"mime\":\"a/b\",\"size\":1,\"sha256\":\"" SHA "\"}}", -1, MALFORMED, NULL },

  { "summary-17-buckets",
    "{\"type\":\"summary\",\"prefix\":\"\",\"buckets\":["
    "{\"key\":\"0\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"1\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"2\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"3\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"4\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"5\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"6\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"7\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"8\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"9\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"a\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"b\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"c\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"d\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"e\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"f\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"0\",\"count\":1,\"digest\":\"" DIGEST "\"}]}", -1, TOO_LARGE, "“buckets”" },
  { "summary-duplicate-key",
    "{\"type\":\"summary\",\"prefix\":\"\",\"buckets\":["
    "{\"key\":\"a\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"b\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"a\",\"count\":2,\"digest\":\"" DIGEST "\"}]}", -1, INVALID, "“key”" },
  { "summary-second-bucket-bad",
    "{\"type\":\"summary\",\"prefix\":\"\",\"buckets\":["
    "{\"key\":\"a\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{\"key\":\"b\",\"count\":0,\"digest\":\"" DIGEST "\"}]}", -1, INVALID, "“count”" },
  { "ids-second-dead-bad",
    "{\"type\":\"ids\",\"prefix\":\"\",\"live\":[\"a\",\"b\"],\"dead\":["
    "{\"id\":\"c\",\"expires_at\":5},{\"id\":\"d\"}]}", -1, INVALID, "“expires_at”" },
  { "ids-second-live-bad",
    "{\"type\":\"ids\",\"prefix\":\"\",\"live\":[\"a\",\"../b\"],\"dead\":[]}", -1, INVALID,
    "“live”" },
};

static void
test_protocol_hostile_frames (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (frame_cases); i++)
    {
      const FrameCase *c = &frame_cases[i];

      g_test_message ("frame case %s", c->name);
      assert_refused (c->frame, c->length, c->code, c->needle);
    }
}

/* Hostile input: one value at a time */

typedef struct
{
  const char *template;
  const char *path;
  const char *value;      /* raw JSON; NULL removes the member */
  int         code;
  const char *needle;
} ValueCase;

#define BAD(t, p, v, n)  { t, p, v, INVALID, "“" n "”" }

static const ValueCase value_cases[] = {
  /* hello */
  BAD ("hello", "version", "-1", "version"),
  BAD ("hello", "version", "2147483648", "version"),
  BAD ("hello", "version", "9223372036854775808", "version"),
  BAD ("hello", "port", "70000", "port"),
  BAD ("hello", "port", "65536", "port"),
  BAD ("hello", "port", "-1", "port"),
  BAD ("hello", "port", "1e3", "port"),
  BAD ("hello", "clock", "-1", "clock"),
  BAD ("hello", "clock", "253402300800000", "clock"),
  BAD ("hello", "clock", "9223372036854775807", "clock"),
  BAD ("hello", "clock", "99999999999999999999", "clock"),
  BAD ("hello", "clock", "1700000000000.5", "clock"),
  BAD ("hello", "device_id", "\"\"", "device_id"),
  BAD ("hello", "device_id", "\"../x\"", "device_id"),
  BAD ("hello", "device_id", "\"a b\"", "device_id"),
  BAD ("hello", "device_id", "\"é\"", "device_id"),
  BAD ("hello", "device_id", "\"a/b\"", "device_id"),
  BAD ("hello", "device_id", "\"a.b\"", "device_id"),
  BAD ("hello", "device_id", "\"a\\nb\"", "device_id"),
  BAD ("hello", "device_id",
       "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"", "device_id"),

  /* summary */
  BAD ("summary", "prefix", "\"A\"", "prefix"),
  BAD ("summary", "prefix", "\"3F\"", "prefix"),
  BAD ("summary", "prefix", "\"g\"", "prefix"),
  BAD ("summary", "prefix", "\"0x\"", "prefix"),
  BAD ("summary", "prefix", "\" \"", "prefix"),
  BAD ("summary", "prefix", "\"../\"", "prefix"),
  BAD ("summary", "prefix", "\"0000000000000000000000000000000000000000000000000000000000000000\"",
       "prefix"),
  BAD ("summary", "buckets[].key", "\"g\"", "key"),
  BAD ("summary", "buckets[].key", "\"A\"", "key"),
  BAD ("summary", "buckets[].key", "\"F\"", "key"),
  BAD ("summary", "buckets[].key", "\"ab\"", "key"),
  BAD ("summary", "buckets[].key", "\"\"", "key"),
  BAD ("summary", "buckets[].key", "\" \"", "key"),
  BAD ("summary", "buckets[].key", "\"é\"", "key"),
  BAD ("summary", "buckets[].count", "0", "count"),
  BAD ("summary", "buckets[].count", "-1", "count"),
  BAD ("summary", "buckets[].count", "2147483648", "count"),
  BAD ("summary", "buckets[].digest", "\"\"", "digest"),
  BAD ("summary", "buckets[].digest", "\"0123456789abcdef0123456789abcde\"", "digest"),
  BAD ("summary", "buckets[].digest", "\"0123456789abcdef0123456789abcdef0\"", "digest"),
  BAD ("summary", "buckets[].digest", "\"0123456789ABCDEF0123456789ABCDEF\"", "digest"),
  BAD ("summary", "buckets[].digest", "\"0123456789abcdef0123456789abcdeg\"", "digest"),
  BAD ("summary", "buckets[].digest", "\"0123456789abcdef 123456789abcdef\"", "digest"),

  /* ids */
  BAD ("ids", "prefix", "\"3F0\"", "prefix"),
  BAD ("ids", "prefix", "\"0000000000000000000000000000000000000000000000000000000000000000\"",
       "prefix"),
  BAD ("ids", "live[]", "\"\"", "live"),
  BAD ("ids", "live[]", "\"../x\"", "live"),
  BAD ("ids", "live[]", "\"a b\"", "live"),
  BAD ("ids", "live[]", "\"é\"", "live"),
  BAD ("ids", "live[]", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
       "live"),
  BAD ("ids", "dead[].id", "\"../x\"", "id"),
  BAD ("ids", "dead[].id", "\"\"", "id"),
  BAD ("ids", "dead[].expires_at", "0", "expires_at"),
  BAD ("ids", "dead[].expires_at", "-5", "expires_at"),
  BAD ("ids", "dead[].expires_at", "253402300800000", "expires_at"),

  /* drop, either kind */
  BAD ("text", "drop.id", "\"../x\"", "id"),
  BAD ("text", "drop.id", "\"\"", "id"),
  BAD ("text", "drop.id", "\"a b\"", "id"),
  BAD ("text", "drop.id", "\"é\"", "id"),
  BAD ("text", "drop.id",
       "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"", "id"),
  BAD ("text", "drop.kind", "\"image\"", "kind"),
  BAD ("text", "drop.kind", "\"Text\"", "kind"),
  BAD ("text", "drop.kind", "\"\"", "kind"),
  BAD ("text", "drop.kind", "\"tex\"", "kind"),
  BAD ("text", "drop.origin", "\"\"", "origin"),
  BAD ("text", "drop.origin", "\"../x\"", "origin"),
  BAD ("text", "drop.origin", "\"My Laptop\"", "origin"),
  BAD ("text", "drop.created_at", "0", "created_at"),
  BAD ("text", "drop.created_at", "-1", "created_at"),
  BAD ("text", "drop.created_at", "253402300800000", "created_at"),
  BAD ("text", "drop.expires_at", "0", "expires_at"),
  BAD ("text", "drop.expires_at", "-1", "expires_at"),
  BAD ("text", "drop.expires_at", "253402300800000", "expires_at"),
  BAD ("text", "drop.expires_at", "9223372036854775808", "expires_at"),
  BAD ("text", "drop.text", "\"\"", "text"),

  /* file drops */
  BAD ("file", "drop.name", "\"\"", "name"),
  BAD ("file", "drop.name", "\"../x\"", "name"),
  BAD ("file", "drop.name", "\"../../.bashrc\"", "name"),
  BAD ("file", "drop.name", "\"/etc/passwd\"", "name"),
  BAD ("file", "drop.name", "\"a/b\"", "name"),
  BAD ("file", "drop.name", "\"a\\\\b\"", "name"),
  BAD ("file", "drop.name", "\"C:\\\\Windows\\\\win.ini\"", "name"),
  BAD ("file", "drop.name", "\"..\"", "name"),
  BAD ("file", "drop.name", "\".\"", "name"),
  BAD ("file", "drop.name", "\"\\/etc\"", "name"),
  /* Becomes ".." once the override is cleaned away. */
  BAD ("file", "drop.name", "\".\\u202e.\"", "name"),
  BAD ("file", "drop.name", "\" .. \"", "name"),
  BAD ("file", "drop.mime", "\"\"", "mime"),
  BAD ("file", "drop.size", "-1", "size"),
  BAD ("file", "drop.size", "-9223372036854775808", "size"),
  BAD ("file", "drop.size", "9223372036854775808", "size"),
  BAD ("file", "drop.size", "18446744073709551615", "size"),
  BAD ("file", "drop.size", "18446744073709551616", "size"),
  BAD ("file", "drop.size", "99999999999999999999999999", "size"),
  BAD ("file", "drop.size", "1e20", "size"),
  BAD ("file", "drop.size", "1.0", "size"),
  BAD ("file", "drop.sha256", "\"\"", "sha256"),
  BAD ("file", "drop.sha256",
       "\"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\"", "sha256"),
  BAD ("file", "drop.sha256", "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0\"",
       "sha256"),
  BAD ("file", "drop.sha256",
       "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08a\"", "sha256"),
  BAD ("file", "drop.sha256",
       "\"zf86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"", "sha256"),
  BAD ("file", "drop.sha256",
       "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0 \"", "sha256"),
  BAD ("file", "drop.sha256",
       "\"../../../../../../../../../../../../../../../../../../etc/passwd\"", "sha256"),
  /* A file drop must not fall back to being text. */
  BAD ("file", "drop.name", NULL, "name"),

  /* delete */
  BAD ("delete", "id", "\"../x\"", "id"),
  BAD ("delete", "id", "\"\"", "id"),
  BAD ("delete", "id", "\"a b\"", "id"),
  BAD ("delete", "id", "\"é\"", "id"),
  BAD ("delete", "expires_at", "0", "expires_at"),
  BAD ("delete", "expires_at", "-1", "expires_at"),
  BAD ("delete", "expires_at", "253402300800000", "expires_at"),

  /* file-get, credit, file-missing */
  BAD ("file-get", "sha256", "\"\"", "sha256"),
  BAD ("file-get", "sha256", "\"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\"",
       "sha256"),
  BAD ("file-get", "sha256", "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0\"",
       "sha256"),
  BAD ("file-get", "sha256", "\"../../../../../../../../../../../../../../../../../../etc/passwd\"",
       "sha256"),
  BAD ("file-get", "offset", "-1", "offset"),
  BAD ("file-get", "offset", "9223372036854775808", "offset"),
  BAD ("file-get", "offset", "18446744073709551615", "offset"),
  BAD ("file-get", "offset", "1e6", "offset"),
  BAD ("file-get", "limit", "-1", "limit"),
  BAD ("file-get", "limit", "9223372036854775808", "limit"),
  BAD ("credit", "sha256", "\"abc\"", "sha256"),
  BAD ("credit", "sha256", "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08a\"",
       "sha256"),
  BAD ("credit", "limit", "-1", "limit"),
  BAD ("credit", "limit", "18446744073709551616", "limit"),
  BAD ("credit", "limit", "8388608.5", "limit"),
  BAD ("file-missing", "sha256",
       "\"zf86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"", "sha256"),
  BAD ("file-missing", "sha256",
       "\" 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0\"", "sha256"),
  BAD ("have", "sha256", "\"../../../../../../../../../../../../../../../../../../etc/passwd\"",
       "sha256"),
  BAD ("have", "sha256", "\"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\"",
       "sha256"),
  BAD ("have", "sha256", "null", "sha256"),
  BAD ("name", "name", "null", "name"),
  BAD ("transfer-cancel", "sha256", "\"../../../../../../../../../../../../../../../../../../etc/passwd\"",
       "sha256"),
  BAD ("transfer-cancel", "sha256",
       "\"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\"", "sha256"),
  BAD ("transfer-cancel", "sha256", "null", "sha256"),
  BAD ("transfer-cancel", "sha256", "[]", "sha256"),
  BAD ("transfer-cancel", "sha256", "1e3", "sha256"),

  /* Arrays past their limits are refused as too large. */
  { "summary", "buckets", "[" "{\"key\":\"0\",\"count\":1,\"digest\":\"" DIGEST "\"},"
    "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}]", TOO_LARGE, "“buckets”" },
};

/* What must still be accepted at the edges of each limit. */
typedef struct
{
  const char *template;
  const char *path;
  const char *value;
} EdgeCase;

static const EdgeCase edge_cases[] = {
  { "hello", "version", "0" },
  { "hello", "version", "2147483647" },
  { "hello", "version", "2" },  /* the decoder leaves versions to the engine */
  { "hello", "port", "0" },
  { "hello", "port", "65535" },
  { "hello", "clock", "0" },
  { "hello", "clock", "253402300799999" },
  { "hello", "clock", "-0" },
  { "hello", "name", "\"\"" },
  { "hello", "device_id", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"" },
  { "hello", "device_id", "\"x\"" },
  { "summary", "prefix", "\"\"" },
  { "summary", "prefix", "\"000000000000000000000000000000000000000000000000000000000000000\"" },
  { "summary", "buckets", "[]" },
  { "summary", "buckets[].count", "2147483647" },
  { "summary", "buckets[].count", "1" },
  { "summary", "buckets[].key", "\"0\"" },
  { "summary", "buckets[].key", "\"f\"" },
  { "ids", "live", "[]" },
  { "ids", "dead", "[]" },
  { "ids", "dead[].expires_at", "1" },
  { "ids", "dead[].expires_at", "253402300799999" },
  { "text", "drop.origin_name", "\"\"" },
  { "text", "drop.created_at", "1" },
  { "text", "drop.expires_at", "253402300799999" },
  /* The history, not the decoder, checks that a drop expires after it
   * was created. */
  { "text", "drop.expires_at", "1" },
  { "file", "drop.size", "0" },
  { "file", "drop.size", "9223372036854775807" },
  { "file", "drop.name", "\"...\"" },
  { "file", "drop.name", "\".hidden\"" },
  { "file", "drop.name", "\"a..b\"" },
  { "file", "drop.name", "\"C:\"" },
  { "file", "drop.mime", "\"x\"" },
  { "delete", "expires_at", "1" },
  { "delete", "expires_at", "253402300799999" },
  { "file-get", "offset", "0" },
  { "file-get", "offset", "9223372036854775807" },
  { "file-get", "limit", "0" },
  /* A limit below the offset is the engine's to refuse, not the decoder's. */
  { "file-get", "limit", "1" },
  { "credit", "limit", "0" },
  { "credit", "limit", "9223372036854775807" },
};

static void
test_protocol_hostile_values (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (value_cases); i++)
    {
      const ValueCase *c = &value_cases[i];
      g_autofree char *frame = build_frame (c->template, c->path, c->value);

      g_test_message ("value case %s %s = %s", c->template, c->path,
                      c->value ? c->value : "(none)");
      assert_refused (frame, -1, c->code, c->needle);
    }
}

static void
test_protocol_edges_accepted (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (edge_cases); i++)
    {
      const EdgeCase *c = &edge_cases[i];
      g_autofree char *frame = build_frame (c->template, c->path, c->value);
      g_autoptr(DropifyMessage) message = NULL;

      g_test_message ("edge case %s %s = %s", c->template, c->path, c->value);
      message = parse_ok (frame, -1);
    }
}

/* Every required member, missing and with every wrong JSON type. */

static const char *wrong_for_string[] = { "1", "0", "1.5", "true", "false", "null", "{}", "[]",
                                          "[\"a\"]", "{\"a\":\"b\"}" };
static const char *wrong_for_int[] = { "\"1\"", "\"\"", "1.5", "1.0", "-0.5", "1e3", "true",
                                       "false", "null", "{}", "[]", "[1]" };
static const char *wrong_for_array[] = { "\"a\"", "1", "1.5", "true", "null", "{}",
                                         "{\"0\":\"a\"}" };
static const char *wrong_for_object[] = { "\"a\"", "1", "1.5", "true", "null", "[]", "[{}]" };

static void
check_field (const char  *template,
             const Field *field,
             const char  *base,
             guint       *n_checked)
{
  g_autofree char *path = base ? g_strconcat (base, ".", field->name, NULL)
                               : g_strdup (field->name);
  g_autofree char *needle = quoted (field->name);
  g_autofree char *missing = build_frame (template, path, NULL);
  const char **wrong;
  gsize n_wrong;

  g_test_message ("%s: %s", template, path);

  /* Every error names the member at fault, "type" included. */
  assert_refused (missing, -1, INVALID, needle);
  (*n_checked)++;

  switch (field->kind)
    {
    case FIELD_STRING:
      wrong = wrong_for_string;
      n_wrong = G_N_ELEMENTS (wrong_for_string);
      break;
    case FIELD_INT:
      wrong = wrong_for_int;
      n_wrong = G_N_ELEMENTS (wrong_for_int);
      break;
    case FIELD_OBJECT:
      wrong = wrong_for_object;
      n_wrong = G_N_ELEMENTS (wrong_for_object);
      break;
    case FIELD_STRINGS:
    case FIELD_OBJECTS:
      wrong = wrong_for_array;
      n_wrong = G_N_ELEMENTS (wrong_for_array);
      break;
    default:
      g_assert_not_reached ();
    }

  for (gsize i = 0; i < n_wrong; i++)
    {
      g_autofree char *frame = build_frame (template, path, wrong[i]);

      assert_refused (frame, -1, INVALID, needle);
      (*n_checked)++;
    }

  /* The elements of arrays, in turn. */
  if (field->kind == FIELD_STRINGS || field->kind == FIELD_OBJECTS)
    {
      g_autofree char *element = g_strconcat (path, "[]", NULL);
      const char **wrong_element = field->kind == FIELD_STRINGS ? wrong_for_string
                                                                : wrong_for_object;
      gsize n = field->kind == FIELD_STRINGS ? G_N_ELEMENTS (wrong_for_string)
                                             : G_N_ELEMENTS (wrong_for_object);

      for (gsize i = 0; i < n; i++)
        {
          g_autofree char *frame = build_frame (template, element, wrong_element[i]);

          assert_refused (frame, -1, INVALID, needle);
          (*n_checked)++;
        }
    }

  if (field->kind == FIELD_OBJECT || field->kind == FIELD_OBJECTS)
    {
      g_autofree char *inner = field->kind == FIELD_OBJECTS ? g_strconcat (path, "[]", NULL)
                                                            : g_strdup (path);

      for (const Field *member = field->members; member->name != NULL; member++)
        check_field (template, member, inner, n_checked);
    }
}

static void
test_protocol_required_members (void)
{
  guint n_checked = 0;

  for (guint i = 0; i < G_N_ELEMENTS (templates); i++)
    for (const Field *field = templates[i].fields; field->name != NULL; field++)
      check_field (templates[i].name, field, NULL, &n_checked);

  /* Enough that a broken walk over the templates would show. */
  g_assert_cmpuint (n_checked, >, 400);
}

/* Limits on lengths and counts, at the edge and one past it */

static char *
repeat (const char *unit,
        guint       n)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append (out, unit);

  return g_string_free (out, FALSE);
}

static void
check_string_limit (const char *template,
                    const char *path,
                    const char *unit,
                    guint       max,
                    const char *needle)
{
  g_autofree char *fits = repeat (unit, max);
  g_autofree char *over = repeat (unit, max + 1);
  g_autofree char *fits_json = g_strdup_printf ("\"%s\"", fits);
  g_autofree char *over_json = g_strdup_printf ("\"%s\"", over);
  g_autofree char *fits_frame = build_frame (template, path, fits_json);
  g_autofree char *over_frame = build_frame (template, path, over_json);
  g_autoptr(DropifyMessage) message = NULL;

  g_test_message ("limit %s %s: %u × “%s”", template, path, max, unit);
  message = parse_ok (fits_frame, -1);
  assert_refused (over_frame, -1, INVALID, needle);
}

static void
test_protocol_string_limits (void)
{
  /* Lengths are in bytes: two-byte “é” reaches the same limits at half
   * the count. */
  check_string_limit ("hello", "name", "n", 256, "“name”");
  check_string_limit ("hello", "name", "é", 128, "“name”");
  check_string_limit ("text", "drop.origin_name", "n", 256, "“origin_name”");
  check_string_limit ("file", "drop.name", "n", 255, "“name”");
  check_string_limit ("file", "drop.mime", "m", 255, "“mime”");
  check_string_limit ("hello", "device_id", "a", 64, "“device_id”");
  check_string_limit ("text", "drop.id", "a", 64, "“id”");
  check_string_limit ("text", "drop.origin", "a", 64, "“origin”");
  check_string_limit ("delete", "id", "a", 64, "“id”");
  check_string_limit ("ids", "dead[].id", "a", 64, "“id”");
  check_string_limit ("ids", "live[]", "a", 64, "“live”");
  check_string_limit ("summary", "prefix", "0", 63, "“prefix”");
  check_string_limit ("ids", "prefix", "f", 63, "“prefix”");
}

static void
test_protocol_name_257_bytes (void)
{
  g_autofree char *name = g_strnfill (257, 'x');
  g_autofree char *frame = dropify_protocol_encode_hello (DEVICE_A, name, T0, 1);

  assert_refused (frame, -1, INVALID, "“name”");
}

static void
test_protocol_text_limit (void)
{
  g_autofree char *text = g_malloc (MAX_TEXT + 2);
  g_autoptr(DropifyDrop) fits = NULL;
  g_autoptr(DropifyDrop) over = NULL;
  g_autofree char *fits_frame = NULL;
  g_autofree char *over_frame = NULL;
  g_autoptr(DropifyMessage) message = NULL;

  memset (text, 'x', MAX_TEXT + 1);
  text[MAX_TEXT + 1] = '\0';
  over = dropify_drop_new_text (DROP_ID, DEVICE_A, "Laptop", text, T0, T0 + HOUR);
  text[MAX_TEXT] = '\0';
  fits = dropify_drop_new_text (DROP_ID, DEVICE_A, "Laptop", text, T0, T0 + HOUR);

  fits_frame = dropify_protocol_encode_drop (fits);
  over_frame = dropify_protocol_encode_drop (over);
  g_assert_cmpuint (strlen (over_frame), <=, DROPIFY_PROTOCOL_MAX_MESSAGE);

  message = parse_ok (fits_frame, -1);
  g_assert_cmpuint (strlen (dropify_drop_get_text (message->drop)), ==, MAX_TEXT);

  /* Refused for its text, not for the frame's size. */
  assert_refused (over_frame, -1, INVALID, "“text”");
}

static char *
summary_with (guint n)
{
  GString *out = g_string_new ("{\"type\":\"summary\",\"prefix\":\"\",\"buckets\":[");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (out, "%s{\"key\":\"%c\",\"count\":%u,\"digest\":\"" DIGEST "\"}",
                            i ? "," : "", "0123456789abcdef"[i % 16], i + 1);
  g_string_append (out, "]}");

  return g_string_free (out, FALSE);
}

static char *
ids_with (guint n_live,
          guint n_dead)
{
  GString *out = g_string_new ("{\"type\":\"ids\",\"prefix\":\"\",\"live\":[");

  for (guint i = 0; i < n_live; i++)
    g_string_append_printf (out, "%s\"live-%u\"", i ? "," : "", i);
  g_string_append (out, "],\"dead\":[");
  for (guint i = 0; i < n_dead; i++)
    g_string_append_printf (out, "%s{\"id\":\"dead-%u\",\"expires_at\":%u}",
                            i ? "," : "", i, i + 1);
  g_string_append (out, "]}");

  return g_string_free (out, FALSE);
}

static void
test_protocol_count_limits (void)
{
  g_autofree char *summary16 = summary_with (DROPIFY_PROTOCOL_FANOUT);
  g_autofree char *summary17 = summary_with (DROPIFY_PROTOCOL_FANOUT + 1);
  g_autofree char *live_max = ids_with (DROPIFY_PROTOCOL_MAX_IDS, 0);
  g_autofree char *live_over = ids_with (DROPIFY_PROTOCOL_MAX_IDS + 1, 0);
  g_autofree char *dead_max = ids_with (0, DROPIFY_PROTOCOL_MAX_IDS);
  g_autofree char *dead_over = ids_with (0, DROPIFY_PROTOCOL_MAX_IDS + 1);
  g_autofree char *both_max = ids_with (DROPIFY_PROTOCOL_MAX_IDS, DROPIFY_PROTOCOL_MAX_IDS);
  g_autoptr(DropifyMessage) m1 = NULL;
  g_autoptr(DropifyMessage) m2 = NULL;
  g_autoptr(DropifyMessage) m3 = NULL;
  g_autoptr(DropifyMessage) m4 = NULL;

  m1 = parse_ok (summary16, -1);
  g_assert_cmpuint (m1->buckets->len, ==, 16);
  assert_refused (summary17, -1, TOO_LARGE, "“buckets”");

  m2 = parse_ok (live_max, -1);
  g_assert_cmpuint (m2->live->len, ==, 4096);
  g_assert_cmpstr (g_ptr_array_index (m2->live, 4095), ==, "live-4095");
  assert_refused (live_over, -1, TOO_LARGE, "“live”");

  m3 = parse_ok (dead_max, -1);
  g_assert_cmpuint (m3->dead->len, ==, 4096);
  g_assert_cmpint (g_array_index (m3->dead, DropifyTombstone, 4095).expires_at, ==, 4096);
  assert_refused (dead_over, -1, TOO_LARGE, "“dead”");

  /* The limit is per array. */
  m4 = parse_ok (both_max, -1);
  g_assert_cmpuint (m4->live->len + m4->dead->len, ==, 8192);
}

static void
test_protocol_frame_size (void)
{
  gsize max = DROPIFY_PROTOCOL_MAX_MESSAGE;
  g_autofree char *big = g_malloc (max + 2);
  g_autofree char *hello = dropify_protocol_encode_hello (DEVICE_A, "Laptop", T0, 1);
  g_autoptr(DropifyMessage) message = NULL;
  gsize len = strlen (hello);

  /* Bytes that are neither UTF-8 nor JSON: refused for size alone, so
   * before any parsing. */
  memset (big, 0xff, max + 1);
  big[max + 1] = '\0';
  assert_refused (big, max + 1, TOO_LARGE, NULL);

  /* A valid message, padded with JSON whitespace to exactly the limit, is
   * fine; one byte more is not. */
  memcpy (big, hello, len);
  memset (big + len, ' ', max + 1 - len);
  message = parse_ok (big, max);
  g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_HELLO);
  g_assert_cmpstr (message->device_id, ==, DEVICE_A);
  assert_refused (big, max + 1, TOO_LARGE, NULL);
}

/* Truncation and corruption of valid frames */

static void
check_every_prefix (const char *frame)
{
  gsize len = strlen (frame);
  g_autoptr(DropifyMessage) whole = parse_ok (frame, len);

  for (gsize i = 0; i < len; i++)
    {
      /* A copy of exactly @i bytes, so that a read past them shows under
       * ASan and valgrind. */
      g_autofree char *prefix = g_memdup2 (frame, i ? i : 1);

      assert_refused (prefix, i, MALFORMED, NULL);
    }
}

static void
test_protocol_truncated (void)
{
  g_autoptr(DropifyDrop) file = NULL;
  g_autoptr(DropifyDrop) text = NULL;
  g_autofree char *file_frame = NULL;
  g_autofree char *text_frame = NULL;
  g_autofree char *summary_frame = NULL;
  g_autofree char *ids_frame = NULL;
  g_autofree char *hello_frame = NULL;
  g_autofree char *delete_frame = build_frame ("delete", NULL, NULL);
  g_autofree char *file_get_frame = dropify_protocol_encode_file_get (SHA, 1, 2);
  g_autofree char *credit_frame = dropify_protocol_encode_credit (SHA, 3);
  DropifyBucket buckets[3];

  file = dropify_drop_new_file (DROP_ID, DEVICE_A, "Łukasz’s phone", "zdjęcie 🌄.jpg", "image/jpeg",
                                123456, SHA, T0, T0 + HOUR);
  text = dropify_drop_new_text (DROP_ID, DEVICE_A, "Laptop", "ünïcode “text” \\ \"q\" 🍋",
                                T0, T0 + HOUR);
  make_buckets (buckets, G_N_ELEMENTS (buckets));

  file_frame = dropify_protocol_encode_drop (file);
  text_frame = dropify_protocol_encode_drop (text);
  summary_frame = dropify_protocol_encode_summary ("ab", buckets, G_N_ELEMENTS (buckets));
  ids_frame = ids_with (3, 2);
  hello_frame = dropify_protocol_encode_hello (DEVICE_A, "Łukasz", T0, 1);

  check_every_prefix (file_frame);
  check_every_prefix (text_frame);
  check_every_prefix (summary_frame);
  check_every_prefix (ids_frame);
  check_every_prefix (hello_frame);
  check_every_prefix (delete_frame);
  check_every_prefix (file_get_frame);
  check_every_prefix (credit_frame);
}

/* Every byte of valid frames replaced, in turn, by bytes that break JSON,
 * UTF-8 or the values: whatever happens, the decoder returns either a
 * message or a protocol error, and leaks nothing. */
static void
test_protocol_corrupted (void)
{
  static const char replacements[] = { '"', '{', '}', '[', ']', ',', ':', '\\', '\0', '\xff',
                                       '\xc3', '9', '-', 'A', ' ', '/' };
  g_autoptr(DropifyDrop) drop = NULL;
  g_autofree char *drop_frame = NULL;
  g_autofree char *ids_frame = ids_with (2, 2);
  g_autofree char *summary_frame = summary_with (2);
  g_autofree char *file_get_frame = dropify_protocol_encode_file_get (SHA, 1048576, 9437184);
  const char *frames[4];
  guint accepted = 0, refused = 0;

  drop = dropify_drop_new_file (DROP_ID, DEVICE_A, "Laptop", "zdjęcie.jpg", "image/jpeg", 1, SHA,
                                T0, T0 + HOUR);
  drop_frame = dropify_protocol_encode_drop (drop);
  frames[0] = drop_frame;
  frames[1] = ids_frame;
  frames[2] = summary_frame;
  frames[3] = file_get_frame;

  for (guint f = 0; f < G_N_ELEMENTS (frames); f++)
    {
      gsize len = strlen (frames[f]);

      for (gsize i = 0; i < len; i++)
        for (guint r = 0; r < G_N_ELEMENTS (replacements); r++)
          {
            g_autofree char *copy = g_memdup2 (frames[f], len);
            g_autoptr(GError) error = NULL;
            g_autoptr(DropifyMessage) message = NULL;

            copy[i] = replacements[r];
            message = dropify_message_parse (copy, len, &error);
            if (message != NULL)
              {
                g_assert_no_error (error);
                accepted++;
              }
            else
              {
                g_assert_error (error, DROPIFY_PROTOCOL_ERROR, error->code);
                g_assert_cmpint (error->code, >=, MALFORMED);
                g_assert_cmpint (error->code, <=, INVALID);
                g_assert_cmpuint (strlen (error->message), >, 0);
                refused++;
              }
          }
    }

  g_assert_cmpuint (refused, >, accepted);
}

static void
test_protocol_nesting (void)
{
  /* No message nests deeper than 3 levels; the decoder allows 8, for
   * members a later version may add, and refuses anything deeper before
   * json-glib (which recurses without a limit) sees it. */
  g_autofree char *open7 = g_strnfill (7, '[');
  g_autofree char *close7 = g_strnfill (7, ']');
  g_autofree char *open8 = g_strnfill (8, '[');
  g_autofree char *close8 = g_strnfill (8, ']');
  g_autofree char *open5000 = g_strnfill (5000, '[');
  g_autofree char *closed = NULL;
  g_autoptr(DropifyMessage) message = NULL;

  assert_refused (open5000, 5000, MALFORMED, NULL);

  /* 1 (message) + 7 (arrays) = 8 levels: an unknown member, ignored. */
  closed = g_strdup_printf ("{\"type\":\"delete\",\"id\":\"x\",\"expires_at\":2,\"deep\":%s%s}",
                            open7, close7);
  message = parse_ok (closed, -1);
  g_assert_cmpstr (message->id, ==, "x");

  /* 9 levels: refused. */
  g_clear_pointer (&closed, g_free);
  closed = g_strdup_printf ("{\"type\":\"delete\",\"id\":\"x\",\"expires_at\":2,\"deep\":%s%s}",
                            open8, close8);
  assert_refused (closed, -1, MALFORMED, "deeper");

  g_clear_pointer (&closed, g_free);
  closed = g_strdup_printf ("{\"type\":\"delete\",\"id\":%s%s,\"expires_at\":2}", open7, close7);
  assert_refused (closed, -1, INVALID, "“id”");
}

/* Defects found by these tests and fixed in dropify-protocol.c (mostly by
 * its own strict syntax check in front of json-glib). Each test fails if
 * its defect comes back. */

static void
deep_nesting_child (void)
{
  const gsize depth = 100000;
  g_autofree char *open = g_strnfill (depth, '[');
  g_autoptr(GError) error = NULL;
  g_autoptr(DropifyMessage) message = NULL;

  message = dropify_message_parse (open, depth, &error);
  g_assert_null (message);
  g_assert_error (error, DROPIFY_PROTOCOL_ERROR, MALFORMED);
}

static void
test_protocol_bug_deep_nesting (void)
{
  if (g_test_subprocess ())
    {
      deep_nesting_child ();
      return;
    }

  /* json-glib 1.6 parses arrays and objects by recursion, one C frame per
   * level, and has no depth limit: 100000 '[' (100 KB, far below
   * DROPIFY_PROTOCOL_MAX_MESSAGE) overflow an 8 MiB main-thread stack.
   * Any peer can crash the app with one frame. dropify_message_parse()
   * needs to refuse deep nesting (a cheap scan for depth, outside
   * strings) before handing the frame to json-glib. */
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_protocol_bug_null_data (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DropifyMessage) message = NULL;

      message = dropify_message_parse (NULL, 0, &error);
      g_assert_null (message);
      g_assert_error (error, DROPIFY_PROTOCOL_ERROR, MALFORMED);
      return;
    }

  /* The precondition allows data == NULL with length 0 (an empty GBytes
   * gives exactly that), but json_parser_load_from_data() then fails its
   * own precondition and returns FALSE without an error, and the decoder
   * dereferences the NULL local_error. */
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* Returns the number of @frames the decoder accepted. */
static guint
count_accepted (const char * const *frames,
                gsize               n_frames)
{
  guint accepted = 0;

  for (gsize i = 0; i < n_frames; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DropifyMessage) message = dropify_message_parse (frames[i], strlen (frames[i]),
                                                                 &error);

      if (message != NULL)
        {
          g_test_message ("accepted: %s", frames[i]);
          accepted++;
        }
      else
        {
          g_assert_error (error, DROPIFY_PROTOCOL_ERROR, error->code);
          g_assert_cmpuint (strlen (error->message), >, 0);
        }
    }

  return accepted;
}

static void
test_protocol_bug_escaped_nul (void)
{
  /* json-glib decodes \u0000 and the decoder then reads every string up
   * to that NUL: it validates, and hands on, a shorter string than the
   * peer sent. Each of these is accepted, as id "a", as text "secret",
   * as the file "a.txt" and as type "hello". The decoder should refuse a
   * string whose length is not the length json-glib decoded (or any
   * \u0000), as it refuses a raw NUL. */
  const char *frames[] = {
    "{\"type\":\"delete\",\"id\":\"a\\u0000/../../x\",\"expires_at\":2}",
    "{\"type\":\"drop\",\"drop\":{\"id\":\"t\",\"kind\":\"text\",\"origin\":\"o\","
    "\"origin_name\":\"\",\"created_at\":1,\"expires_at\":2,\"text\":\"secret\\u0000tail\"}}",
    "{\"type\":\"drop\",\"drop\":{\"id\":\"f\",\"kind\":\"file\",\"origin\":\"o\","
    "\"origin_name\":\"\",\"created_at\":1,\"expires_at\":2,\"name\":\"a.txt\\u0000/../../x\","
    "\"mime\":\"a/b\",\"size\":1,\"sha256\":\"" SHA "\"}}",
    "{\"type\":\"hello\\u0000x\",\"version\":1,\"device_id\":\"a\",\"name\":\"\",\"clock\":0,"
    "\"port\":0}",
  };

  g_assert_cmpuint (count_accepted (frames, G_N_ELEMENTS (frames)), ==, 0);
}

static void
test_protocol_bug_integer_wrap (void)
{
  /* json-glib 1.6 reads an integer as an unsigned 64-bit number,
   * saturating, and negates it when it has a minus sign: beyond -2^63 a
   * negative number wraps to a positive one. "-18446744073709551615" is
   * read as 1, "-9223372036854775809" as 2^63 - 1. Each frame below is
   * accepted with a value the peer never sent (port 1, version 1, size
   * 2^63 - 1, expires_at 1000). The decoder would have to look at the
   * number's text to refuse them. Numbers above 2^63 - 1 happen to be
   * refused, because they wrap to negative values. */
  g_autofree char *port = build_frame ("hello", "port", "-18446744073709551615");
  g_autofree char *version = build_frame ("hello", "version", "-18446744073709551615");
  g_autofree char *size = build_frame ("file", "drop.size", "-9223372036854775809");
  g_autofree char *expires_at = build_frame ("delete", "expires_at", "-18446744073709550616");
  const char *frames[] = { port, version, size, expires_at };

  g_assert_cmpuint (count_accepted (frames, G_N_ELEMENTS (frames)), ==, 0);
}

static void
test_protocol_bug_lenient_json (void)
{
  /* json-glib's GScanner-based parser accepts things RFC 8259 does not:
   * single-quoted strings, hexadecimal and octal integers (port 010 is
   * read as 8), comments, raw control characters in strings, unknown
   * escapes, and anything after the first value. A strict decoder should
   * refuse them all as malformed; a peer must never send them. */
  const char *frames[] = {
    "{'type':'delete','id':'x','expires_at':2}",
    "{\"type\":\"delete\",\"id\":\"x\",\"expires_at\":0x10}",
    "{\"type\":\"delete\",\"id\":\"x\",\"expires_at\":010}",
    "{\"type\":\"delete\",\"id\":\"x\",\"expires_at\":007}",
    "{\"type\":\"delete\",\"id\":\"x\",\"expires_at\":2} /* comment */",
    "{\"type\":\"drop\",\"drop\":{\"id\":\"t\",\"kind\":\"text\",\"origin\":\"o\","
    "\"origin_name\":\"\",\"created_at\":1,\"expires_at\":2,\"text\":\"raw\ttab\nnewline\"}}",
    "{\"type\":\"drop\",\"drop\":{\"id\":\"t\",\"kind\":\"text\",\"origin\":\"o\","
    "\"origin_name\":\"\",\"created_at\":1,\"expires_at\":2,\"text\":\"\\x41\\q\"}}",
  };

  g_assert_cmpuint (count_accepted (frames, G_N_ELEMENTS (frames)), ==, 0);
}

static void
test_protocol_bug_trailing_values (void)
{
  /* json-glib 1.6 goes on parsing after the first value, keeps the first
   * as the root, and leaks every later one (valgrind: ~270 bytes per
   * "{}"). The decoder accepts the frame, so the connection stays open:
   * one 4 MiB frame of a valid delete followed by "{}" × 2 million grew
   * the RSS by 590 MB, every time it was sent. The decoder has to refuse
   * anything but whitespace after the first value before json-glib sees
   * the frame. */
  g_autoptr(GString) big = g_string_new ("{\"type\":\"delete\",\"id\":\"x\",\"expires_at\":2}");
  const char *frames[] = {
    "{\"type\":\"delete\",\"id\":\"x\",\"expires_at\":2} {\"type\":\"hello\"}",
    "{\"type\":\"delete\",\"id\":\"x\",\"expires_at\":2}[1][2][3]",
    NULL,
  };

  for (guint i = 0; i < 1000; i++)
    g_string_append (big, "{}");
  frames[2] = big->str;

  g_assert_cmpuint (count_accepted (frames, G_N_ELEMENTS (frames)), ==, 0);
}

static void
test_protocol_bug_error_not_utf8 (void)
{
  /* When json-glib fails, the decoder copies its message into the error,
   * and sync.c copies that into the log and into the close frame's reason,
   * which must be UTF-8 (RFC 6455 5.5.1; libsoup answers a bad one with a
   * protocol error). json-glib's message is not always UTF-8:
   * - GScanner quotes a string token cut to a fixed number of bytes, here
   *   in the middle of the "é" after 28 "x";
   * - an escaped lone surrogate at the end of a string makes json-glib
   *   swallow the closing quote, then quote the decoded bytes ED B0 80.
   * The decoder should make its error UTF-8 (g_utf8_make_valid()) or not
   * quote json-glib at all. */
  const char *frames[] = {
    "{\"type\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxx\xc3\xa9\"",
    "{\"type\":\"hello\",\"version\":1,\"device_id\":\"a\",\"name\":\"\\udc00\",\"clock\":0,"
    "\"port\":0}",
  };
  guint bad = 0;

  for (guint i = 0; i < G_N_ELEMENTS (frames); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DropifyMessage) message = NULL;

      message = dropify_message_parse (frames[i], strlen (frames[i]), &error);
      g_assert_null (message);
      g_assert_error (error, DROPIFY_PROTOCOL_ERROR, MALFORMED);
      if (!g_utf8_validate (error->message, -1, NULL))
        {
          g_test_message ("error not UTF-8 for %s", frames[i]);
          bad++;
        }
    }

  g_assert_cmpuint (bad, ==, 0);
}

static void
test_protocol_bug_file_name_control (void)
{
  /* The history refuses file names with control characters
   * (file_name_is_valid() in dropify-history.c) and docs/architecture.md
   * says so, but the decoder lets them through: it checks only '/', '\\',
   * "." and "..". Harmless today, as the history refuses the drop, but the
   * wire rule and the storage rule should be the same one. */
  g_autofree char *newline = build_frame ("file", "drop.name", "\"a\\nb.txt\"");
  g_autofree char *bell = build_frame ("file", "drop.name", "\"\\u0007.txt\"");
  g_autofree char *escape = build_frame ("file", "drop.name", "\"\\u001b[31mred.txt\"");
  g_autofree char *c1 = build_frame ("file", "drop.name", "\"\\u0085.txt\"");
  const char *frames[] = { newline, bell, escape, c1 };

  g_assert_cmpuint (count_accepted (frames, G_N_ELEMENTS (frames)), ==, 0);
}

/* Audiences (issue 17) */

static char *
audience_frame (const char *id,
                const char *audience_json)
{
  return g_strdup_printf ("{\"type\":\"drop\",\"drop\":{\"id\":\"%s\",\"kind\":\"text\","
                          "\"origin\":\"" DEVICE_A "\",\"origin_name\":\"A\","
                          "\"created_at\":1700000000000,\"expires_at\":1700003600000,"
                          "\"text\":\"hi\"%s%s}}",
                          id, audience_json ? ",\"audience\":" : "", audience_json ? audience_json : "");
}

static void
test_protocol_round_trip_audience (void)
{
  const char * const audience[] = { DEVICE_B, DEVICE_A, NULL };
  g_autofree char *id = dropify_drop_new_id (audience);
  g_autoptr(DropifyDrop) drop = dropify_drop_new_text (id, DEVICE_A, "A", "for two", T0, T0 + HOUR);
  g_autoptr(DropifyMessage) message = NULL;
  g_autofree char *frame = NULL;
  const char * const *parsed;

  dropify_drop_set_audience (drop, audience);
  g_assert_true (dropify_drop_id_fits_audience (id, audience));
  frame = dropify_protocol_encode_drop (drop);
  message = parse_ok (frame, -1);

  g_assert_true (dropify_drop_is_targeted (message->drop));
  parsed = dropify_drop_get_audience (message->drop);
  g_assert_nonnull (parsed);
  g_assert_cmpuint (g_strv_length ((char **) parsed), ==, 2);
  /* Sorted, whatever the order given. */
  g_assert_cmpstr (parsed[0], ==, DEVICE_A);
  g_assert_cmpstr (parsed[1], ==, DEVICE_B);
  g_assert_true (dropify_drop_is_for (message->drop, DEVICE_B));
  g_assert_false (dropify_drop_is_for (message->drop, "someone-else"));

  /* In any order, and an empty audience is every device. */
  {
    g_autofree char *swapped = audience_frame (id, "[\"" DEVICE_B "\",\"" DEVICE_A "\"]");
    g_autofree char *empty = audience_frame (DROP_ID, "[]");
    g_autoptr(DropifyMessage) again = parse_ok (swapped, -1);
    g_autoptr(DropifyMessage) everyone = parse_ok (empty, -1);

    g_assert_true (dropify_drop_is_targeted (again->drop));
    g_assert_false (dropify_drop_is_targeted (everyone->drop));
    g_assert_true (dropify_drop_is_for (everyone->drop, "anyone"));
  }
}

static void
test_protocol_hostile_audience (void)
{
  const char * const one[] = { DEVICE_B, NULL };
  g_autofree char *id = dropify_drop_new_id (one);
  g_autofree char *uuid = g_strndup (id, 36);
  g_autofree char *upper = g_ascii_strup (id, -1);
  g_autoptr(GString) seventeen = g_string_new ("[");
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *seventeen_id = NULL;
  struct
  {
    const char *id;
    const char *audience;
    int         code;
    const char *needle;
  } cases[] = {
    /* wrong types */
    { id, "\"" DEVICE_B "\"", INVALID, "audience" },
    { id, "{}", INVALID, "audience" },
    { id, "null", INVALID, "audience" },
    { id, "[1]", INVALID, "audience" },
    { id, "[null]", INVALID, "audience" },
    { id, "[[\"" DEVICE_B "\"]]", INVALID, "audience" },
    { id, "[{\"id\":\"" DEVICE_B "\"}]", INVALID, "audience" },
    /* bad ids */
    { id, "[\"\"]", INVALID, "audience" },
    { id, "[\"a b\"]", INVALID, "audience" },
    { id, "[\"../etc\"]", INVALID, "audience" },
    { id, "[\"a,b\"]", INVALID, "audience" },
    { id, "[\"\\u001b[2J\"]", INVALID, "audience" },
    { id, "[\"" DEVICE_B DEVICE_B "\"]", INVALID, "audience" },
    /* duplicates */
    { id, "[\"" DEVICE_B "\",\"" DEVICE_B "\"]", INVALID, "twice" },
    /* an audience the id does not carry: changed, dropped, or added */
    { id, "[\"" DEVICE_A "\"]", INVALID, "tag" },
    { id, "[\"" DEVICE_A "\",\"" DEVICE_B "\"]", INVALID, "tag" },
    { id, "[]", INVALID, "id" },
    { id, NULL, INVALID, "id" },
    { uuid, "[\"" DEVICE_B "\"]", INVALID, "tag" },
    { upper, "[\"" DEVICE_B "\"]", INVALID, "tag" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *frame = audience_frame (cases[i].id, cases[i].audience);

      assert_refused (frame, -1, cases[i].code, cases[i].needle);
    }

  /* Seventeen devices are one too many. */
  for (guint i = 0; i < DROPIFY_DROP_MAX_AUDIENCE + 1; i++)
    {
      char *device = g_strdup_printf ("device-%02u", i);

      g_string_append_printf (seventeen, "%s\"%s\"", i > 0 ? "," : "", device);
      g_ptr_array_add (ids, device);
    }
  g_string_append (seventeen, "]");
  g_ptr_array_add (ids, NULL);
  {
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) normalized = dropify_drop_audience_normalize ((const char * const *) ids->pdata, &error);

    g_assert_null (normalized);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }
  /* Its tag would fit: only the count is wrong. */
  {
    g_autofree char *tag = dropify_drop_audience_tag ((const char * const *) ids->pdata);
    g_autofree char *frame = NULL;

    seventeen_id = g_strconcat (uuid, "_", tag, NULL);
    frame = audience_frame (seventeen_id, seventeen->str);
    assert_refused (frame, -1, TOO_LARGE, "audience");
  }

  /* Sixteen are fine. */
  {
    g_autoptr(GString) sixteen = g_string_new ("[");
    g_autoptr(GPtrArray) some = g_ptr_array_new ();
    g_autofree char *tag = NULL;
    g_autofree char *sixteen_id = NULL;
    g_autofree char *frame = NULL;
    g_autoptr(DropifyMessage) message = NULL;

    for (guint i = 0; i < DROPIFY_DROP_MAX_AUDIENCE; i++)
      {
        g_string_append_printf (sixteen, "%s\"%s\"", i > 0 ? "," : "", (char *) ids->pdata[i]);
        g_ptr_array_add (some, ids->pdata[i]);
      }
    g_string_append (sixteen, "]");
    g_ptr_array_add (some, NULL);
    tag = dropify_drop_audience_tag ((const char * const *) some->pdata);
    sixteen_id = g_strconcat (uuid, "_", tag, NULL);
    frame = audience_frame (sixteen_id, sixteen->str);
    message = parse_ok (frame, -1);
    g_assert_cmpuint (g_strv_length ((char **) dropify_drop_get_audience (message->drop)), ==,
                      DROPIFY_DROP_MAX_AUDIENCE);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/protocol/templates-are-valid", test_protocol_templates_are_valid);
  g_test_add_func ("/protocol/round-trip/hello", test_protocol_round_trip_hello);
  g_test_add_func ("/protocol/round-trip/summary", test_protocol_round_trip_summary);
  g_test_add_func ("/protocol/round-trip/ids", test_protocol_round_trip_ids);
  g_test_add_func ("/protocol/round-trip/text-drop", test_protocol_round_trip_text_drop);
  g_test_add_func ("/protocol/round-trip/file-drop", test_protocol_round_trip_file_drop);
  g_test_add_func ("/protocol/round-trip/delete", test_protocol_round_trip_delete);
  g_test_add_func ("/protocol/round-trip/file-get", test_protocol_round_trip_file_get);
  g_test_add_func ("/protocol/round-trip/credit", test_protocol_round_trip_credit);
  g_test_add_func ("/protocol/round-trip/file-missing", test_protocol_round_trip_file_missing);
  g_test_add_func ("/protocol/round-trip/have", test_protocol_round_trip_have);
  g_test_add_func ("/protocol/round-trip/name", test_protocol_round_trip_name);
  g_test_add_func ("/protocol/round-trip/transfer-cancel", test_protocol_round_trip_transfer_cancel);
  g_test_add_func ("/protocol/round-trip/auth", test_protocol_round_trip_auth);
  g_test_add_func ("/protocol/round-trip/pair", test_protocol_round_trip_pair);
  g_test_add_func ("/protocol/round-trip/audience", test_protocol_round_trip_audience);
  g_test_add_func ("/protocol/hostile/audience", test_protocol_hostile_audience);
  g_test_add_func ("/protocol/chunk/round-trip", test_protocol_chunk_round_trip);
  g_test_add_func ("/protocol/chunk/hostile", test_protocol_chunk_hostile);
  g_test_add_func ("/protocol/drop-has-no-local-state", test_protocol_drop_has_no_local_state);
  g_test_add_func ("/protocol/type-names", test_protocol_type_names);
  g_test_add_func ("/protocol/id-and-prefix-rules", test_protocol_id_and_prefix_rules);
  g_test_add_func ("/protocol/unknown-members-ignored", test_protocol_unknown_members_ignored);
  g_test_add_func ("/protocol/text-with-file-members", test_protocol_text_with_file_members);
  g_test_add_func ("/protocol/peer-names-cleaned", test_protocol_peer_names_cleaned);
  g_test_add_func ("/protocol/hostile/frames", test_protocol_hostile_frames);
  g_test_add_func ("/protocol/hostile/values", test_protocol_hostile_values);
  g_test_add_func ("/protocol/hostile/required-members", test_protocol_required_members);
  g_test_add_func ("/protocol/hostile/string-limits", test_protocol_string_limits);
  g_test_add_func ("/protocol/hostile/name-257-bytes", test_protocol_name_257_bytes);
  g_test_add_func ("/protocol/hostile/text-limit", test_protocol_text_limit);
  g_test_add_func ("/protocol/hostile/count-limits", test_protocol_count_limits);
  g_test_add_func ("/protocol/hostile/frame-size", test_protocol_frame_size);
  g_test_add_func ("/protocol/hostile/truncated", test_protocol_truncated);
  g_test_add_func ("/protocol/hostile/corrupted", test_protocol_corrupted);
  g_test_add_func ("/protocol/hostile/nesting", test_protocol_nesting);
  g_test_add_func ("/protocol/edges-accepted", test_protocol_edges_accepted);
  g_test_add_func ("/protocol/regression/deep-nesting", test_protocol_bug_deep_nesting);
  g_test_add_func ("/protocol/regression/null-data", test_protocol_bug_null_data);
  g_test_add_func ("/protocol/regression/escaped-nul", test_protocol_bug_escaped_nul);
  g_test_add_func ("/protocol/regression/integer-wrap", test_protocol_bug_integer_wrap);
  g_test_add_func ("/protocol/regression/lenient-json", test_protocol_bug_lenient_json);
  g_test_add_func ("/protocol/regression/trailing-values", test_protocol_bug_trailing_values);
  g_test_add_func ("/protocol/regression/error-not-utf8", test_protocol_bug_error_not_utf8);
  g_test_add_func ("/protocol/regression/file-name-control", test_protocol_bug_file_name_control);

  return g_test_run ();
}
