#define G_LOG_DOMAIN "dropify-drop"

#include "config.h"

#include <glib/gi18n.h>

#include "dropify-drop.h"
#include "dropify-enums.h"

struct _DropifyDrop
{
  GObject          parent_instance;

  char            *id;
  char            *text;
  char            *name;
  char            *mime;
  char            *sha256;
  char            *origin;
  char            *origin_name;
  char            *path;
  uint64_t         size;
  uint64_t         received;
  int64_t          created_at;
  int64_t          expires_at;
  DropifyDropKind  kind;
  guint            complete : 1;
};

G_DEFINE_FINAL_TYPE (DropifyDrop, dropify_drop, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_KIND,
  PROP_TEXT,
  PROP_NAME,
  PROP_MIME,
  PROP_SIZE,
  PROP_SHA256,
  PROP_ORIGIN,
  PROP_ORIGIN_NAME,
  PROP_CREATED_AT,
  PROP_EXPIRES_AT,
  PROP_COMPLETE,
  PROP_PATH,
  PROP_RECEIVED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* GObject */

static void
dropify_drop_finalize (GObject *object)
{
  DropifyDrop *self = (DropifyDrop *)object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->mime, g_free);
  g_clear_pointer (&self->sha256, g_free);
  g_clear_pointer (&self->origin, g_free);
  g_clear_pointer (&self->origin_name, g_free);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (dropify_drop_parent_class)->finalize (object);
}

static void
dropify_drop_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  DropifyDrop *self = DROPIFY_DROP (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_KIND: g_value_set_enum (value, self->kind); break;
    case PROP_TEXT: g_value_set_string (value, self->text); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_MIME: g_value_set_string (value, self->mime); break;
    case PROP_SIZE: g_value_set_uint64 (value, self->size); break;
    case PROP_SHA256: g_value_set_string (value, self->sha256); break;
    case PROP_ORIGIN: g_value_set_string (value, self->origin); break;
    case PROP_ORIGIN_NAME: g_value_set_string (value, self->origin_name); break;
    case PROP_CREATED_AT: g_value_set_int64 (value, self->created_at); break;
    case PROP_EXPIRES_AT: g_value_set_int64 (value, self->expires_at); break;
    case PROP_COMPLETE: g_value_set_boolean (value, self->complete); break;
    case PROP_PATH: g_value_set_string (value, self->path); break;
    case PROP_RECEIVED: g_value_set_uint64 (value, self->received); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_drop_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  DropifyDrop *self = DROPIFY_DROP (object);

  switch (prop_id)
    {
    case PROP_ID: self->id = g_value_dup_string (value); break;
    case PROP_KIND: self->kind = g_value_get_enum (value); break;
    case PROP_TEXT: self->text = g_value_dup_string (value); break;
    case PROP_NAME: self->name = g_value_dup_string (value); break;
    case PROP_MIME: self->mime = g_value_dup_string (value); break;
    case PROP_SIZE: self->size = g_value_get_uint64 (value); break;
    case PROP_SHA256: self->sha256 = g_value_dup_string (value); break;
    case PROP_ORIGIN: self->origin = g_value_dup_string (value); break;
    case PROP_ORIGIN_NAME: self->origin_name = g_value_dup_string (value); break;
    case PROP_CREATED_AT: self->created_at = g_value_get_int64 (value); break;
    case PROP_EXPIRES_AT: self->expires_at = g_value_get_int64 (value); break;
    case PROP_COMPLETE: dropify_drop_set_complete (self, g_value_get_boolean (value)); break;
    case PROP_PATH: dropify_drop_set_path (self, g_value_get_string (value)); break;
    case PROP_RECEIVED: dropify_drop_set_received (self, g_value_get_uint64 (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_drop_class_init (DropifyDropClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  const GParamFlags mutable = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = dropify_drop_finalize;
  object_class->get_property = dropify_drop_get_property;
  object_class->set_property = dropify_drop_set_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, construct);
  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL, DROPIFY_TYPE_DROP_KIND, DROPIFY_DROP_KIND_TEXT, construct);
  properties[PROP_TEXT] = g_param_spec_string ("text", NULL, NULL, NULL, construct);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, construct);
  properties[PROP_MIME] = g_param_spec_string ("mime", NULL, NULL, NULL, construct);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, construct);
  properties[PROP_SHA256] = g_param_spec_string ("sha256", NULL, NULL, NULL, construct);
  properties[PROP_ORIGIN] = g_param_spec_string ("origin", NULL, NULL, NULL, construct);
  properties[PROP_ORIGIN_NAME] = g_param_spec_string ("origin-name", NULL, NULL, NULL, construct);
  properties[PROP_CREATED_AT] =
    g_param_spec_int64 ("created-at", NULL, NULL, 0, G_MAXINT64, 0, construct);
  properties[PROP_EXPIRES_AT] =
    g_param_spec_int64 ("expires-at", NULL, NULL, 0, G_MAXINT64, 0, construct);
  properties[PROP_COMPLETE] = g_param_spec_boolean ("complete", NULL, NULL, FALSE, mutable);
  properties[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, mutable);
  properties[PROP_RECEIVED] =
    g_param_spec_uint64 ("received", NULL, NULL, 0, G_MAXUINT64, 0, mutable);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dropify_drop_init (DropifyDrop *self)
{
}

/**
 * dropify_drop_new_text:
 *
 * Creates a text drop. Text drops are always complete.
 *
 * Returns: (transfer full): a new #DropifyDrop
 */
DropifyDrop *
dropify_drop_new_text (const char *id,
                       const char *origin,
                       const char *origin_name,
                       const char *text,
                       int64_t     created_at,
                       int64_t     expires_at)
{
  DropifyDrop *self;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (text != NULL, NULL);

  /* Fields set directly rather than as construct properties: loading a
   * history of 100,000 drops spends its time here. */
  self = g_object_new (DROPIFY_TYPE_DROP, NULL);
  self->id = g_strdup (id);
  self->kind = DROPIFY_DROP_KIND_TEXT;
  self->text = g_strdup (text);
  self->origin = g_strdup (origin);
  self->origin_name = g_strdup (origin_name);
  self->created_at = created_at;
  self->expires_at = expires_at;
  self->complete = TRUE;

  return self;
}

/**
 * dropify_drop_new_file:
 *
 * Creates a file drop. It is incomplete until its blob is stored.
 *
 * Returns: (transfer full): a new #DropifyDrop
 */
DropifyDrop *
dropify_drop_new_file (const char *id,
                       const char *origin,
                       const char *origin_name,
                       const char *name,
                       const char *mime,
                       uint64_t    size,
                       const char *sha256,
                       int64_t     created_at,
                       int64_t     expires_at)
{
  DropifyDrop *self;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (sha256 != NULL, NULL);

  self = g_object_new (DROPIFY_TYPE_DROP, NULL);
  self->id = g_strdup (id);
  self->kind = DROPIFY_DROP_KIND_FILE;
  self->name = g_strdup (name);
  self->mime = g_strdup (mime ? mime : "application/octet-stream");
  self->size = size;
  self->sha256 = g_strdup (sha256);
  self->origin = g_strdup (origin);
  self->origin_name = g_strdup (origin_name);
  self->created_at = created_at;
  self->expires_at = expires_at;

  return self;
}

const char *
dropify_drop_get_id (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), NULL);
  return self->id;
}

DropifyDropKind
dropify_drop_get_kind (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), 0);
  return self->kind;
}

const char *
dropify_drop_get_text (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), NULL);
  return self->text;
}

const char *
dropify_drop_get_name (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), NULL);
  return self->name;
}

const char *
dropify_drop_get_mime (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), NULL);
  return self->mime;
}

uint64_t
dropify_drop_get_size (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), 0);
  return self->size;
}

const char *
dropify_drop_get_sha256 (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), NULL);
  return self->sha256;
}

const char *
dropify_drop_get_origin (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), NULL);
  return self->origin;
}

const char *
dropify_drop_get_origin_name (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), NULL);
  return self->origin_name;
}

int64_t
dropify_drop_get_created_at (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), 0);
  return self->created_at;
}

int64_t
dropify_drop_get_expires_at (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), 0);
  return self->expires_at;
}

gboolean
dropify_drop_get_complete (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), FALSE);
  return self->complete;
}

void
dropify_drop_set_complete (DropifyDrop *self,
                           gboolean     complete)
{
  g_return_if_fail (DROPIFY_IS_DROP (self));

  complete = !!complete;
  if (self->complete == complete)
    return;

  self->complete = complete;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPLETE]);
}

/**
 * dropify_drop_get_path:
 *
 * Returns: (nullable): where the file's content is stored, once complete
 */
const char *
dropify_drop_get_path (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), NULL);
  return self->path;
}

void
dropify_drop_set_path (DropifyDrop *self,
                       const char  *path)
{
  g_return_if_fail (DROPIFY_IS_DROP (self));

  if (g_strcmp0 (self->path, path) == 0)
    return;

  g_free (self->path);
  self->path = g_strdup (path);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PATH]);
}

/**
 * dropify_drop_get_received:
 *
 * Returns: how many bytes of an incoming file have been stored so far
 */
uint64_t
dropify_drop_get_received (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), 0);
  return self->received;
}

void
dropify_drop_set_received (DropifyDrop *self,
                           uint64_t     received)
{
  g_return_if_fail (DROPIFY_IS_DROP (self));

  if (self->received == received)
    return;

  self->received = received;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVED]);
}

gboolean
dropify_drop_is_expired (DropifyDrop *self,
                         int64_t      now)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), TRUE);
  return self->expires_at <= now;
}

/**
 * dropify_drop_sanitize_name:
 * @name: (nullable): a file name from another device
 *
 * Makes a name safe to create a file with: the name came from another
 * device, so it must never become a path. Keeps only the last component,
 * replaces separators and control characters, and drops leading dots so
 * the file is neither hidden nor `..`.
 *
 * Returns: (transfer full): a non-empty name without `/`
 */
char *
dropify_drop_sanitize_name (const char *name)
{
  g_autofree char *valid = NULL;
  g_autofree char *base = NULL;
  GString *safe;

  if (name == NULL || *name == '\0')
    return g_strdup (_("Drop"));

  valid = g_utf8_make_valid (name, -1);
  base = g_path_get_basename (valid);
  safe = g_string_new (NULL);

  for (const char *p = base; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '/' || c == '\\' || g_unichar_iscntrl (c))
        g_string_append_c (safe, '_');
      else
        g_string_append_unichar (safe, c);
    }

  while (safe->len > 0 && safe->str[0] == '.')
    g_string_erase (safe, 0, 1);

  if (safe->len == 0)
    g_string_assign (safe, _("Drop"));

  return g_string_free (safe, FALSE);
}

/**
 * dropify_drop_to_json:
 *
 * Serialises the drop in the shape of `dropify list --json`.
 *
 * Returns: (transfer full): a JSON object
 */
JsonNode *
dropify_drop_to_json (DropifyDrop *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (DROPIFY_IS_DROP (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, self->id);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, self->kind == DROPIFY_DROP_KIND_TEXT ? "text" : "file");
  json_builder_set_member_name (builder, "origin");
  json_builder_add_string_value (builder, self->origin ? self->origin : "");
  json_builder_set_member_name (builder, "origin_name");
  json_builder_add_string_value (builder, self->origin_name ? self->origin_name : "");
  json_builder_set_member_name (builder, "created_at");
  json_builder_add_int_value (builder, self->created_at);
  json_builder_set_member_name (builder, "expires_at");
  json_builder_add_int_value (builder, self->expires_at);

  if (self->kind == DROPIFY_DROP_KIND_TEXT)
    {
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, self->text);
    }
  else
    {
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, self->name);
      json_builder_set_member_name (builder, "mime");
      json_builder_add_string_value (builder, self->mime);
      json_builder_set_member_name (builder, "size");
      json_builder_add_int_value (builder, (int64_t) self->size);
      json_builder_set_member_name (builder, "sha256");
      json_builder_add_string_value (builder, self->sha256);
      json_builder_set_member_name (builder, "complete");
      json_builder_add_boolean_value (builder, self->complete);
      if (!self->complete)
        {
          json_builder_set_member_name (builder, "received");
          json_builder_add_int_value (builder, (int64_t) self->received);
        }
      if (self->complete && self->path != NULL)
        {
          json_builder_set_member_name (builder, "path");
          json_builder_add_string_value (builder, self->path);
        }
    }

  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}
