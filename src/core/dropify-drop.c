#define G_LOG_DOMAIN "dropify-drop"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "dropify-drop.h"
#include "dropify-enums.h"
#include "dropify-protocol.h"

/* A targeted drop's id ends with "_" and this many hex digits of the
 * SHA-256 of its audience (see dropify_drop_audience_tag()). */
#define AUDIENCE_TAG_LEN 24

/* What only a file has, and what few drops have: an audience, devices
 * known to hold it. Most drops are texts for everyone, and a history
 * holds thousands: kept apart, these fields cost such a drop nothing. */
typedef struct
{
  char            *name;
  char            *mime;
  char            *sha256;
  char            *path;
  uint64_t         size;
  uint64_t         received;
  char           **audience;    /* sorted device ids; NULL: everyone */
  GPtrArray       *holders;     /* DropifyHolder, at most DROPIFY_DROP_MAX_HOLDERS */
} RareFields;

static const RareFields no_rare_fields;

struct _DropifyDrop
{
  GObject          parent_instance;

  char            *id;
  char            *text;
  RareFields      *rare;        /* NULL until one of its fields is set */
  char            *origin;
  char            *origin_name;
  int64_t          created_at;
  int64_t          expires_at;
  DropifyDropKind  kind;
  guint            complete : 1;
};

G_DEFINE_FINAL_TYPE (DropifyDrop, dropify_drop, G_TYPE_OBJECT)

/* For reading: all NULL and 0 for a drop that has none. */
static inline const RareFields *
rare_fields (DropifyDrop *self)
{
  return self->rare != NULL ? self->rare : &no_rare_fields;
}

/* For writing. */
static RareFields *
ensure_rare_fields (DropifyDrop *self)
{
  if (self->rare == NULL)
    self->rare = g_new0 (RareFields, 1);
  return self->rare;
}

/* A history holds drops from a few devices: their ids and names are
 * shared between drops (10,000 drops kept 0.7 MiB of copies), and freed
 * with the last drop that has them. */
static char *
intern (const char *string)
{
  return string != NULL ? g_ref_string_new_intern (string) : NULL;
}

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
  PROP_HOLDERS,
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
  if (self->rare != NULL)
    {
      g_free (self->rare->name);
      g_free (self->rare->mime);
      g_free (self->rare->sha256);
      g_free (self->rare->path);
      g_strfreev (self->rare->audience);
      g_clear_pointer (&self->rare->holders, g_ptr_array_unref);
      g_clear_pointer (&self->rare, g_free);
    }
  g_clear_pointer (&self->origin, g_ref_string_release);
  g_clear_pointer (&self->origin_name, g_ref_string_release);

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
    case PROP_NAME: g_value_set_string (value, rare_fields (self)->name); break;
    case PROP_MIME: g_value_set_string (value, rare_fields (self)->mime); break;
    case PROP_SIZE: g_value_set_uint64 (value, rare_fields (self)->size); break;
    case PROP_SHA256: g_value_set_string (value, rare_fields (self)->sha256); break;
    case PROP_ORIGIN: g_value_set_string (value, self->origin); break;
    case PROP_ORIGIN_NAME: g_value_set_string (value, self->origin_name); break;
    case PROP_CREATED_AT: g_value_set_int64 (value, self->created_at); break;
    case PROP_EXPIRES_AT: g_value_set_int64 (value, self->expires_at); break;
    case PROP_COMPLETE: g_value_set_boolean (value, self->complete); break;
    case PROP_PATH: g_value_set_string (value, rare_fields (self)->path); break;
    case PROP_RECEIVED: g_value_set_uint64 (value, rare_fields (self)->received); break;
    case PROP_HOLDERS: g_value_set_pointer (value, rare_fields (self)->holders); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* A file field's construct property: left unset (and no rare fields
 * made) when it is NULL, as it is for every text drop. */
static void
set_file_string (DropifyDrop  *self,
                 gsize         offset,
                 const GValue *value)
{
  if (g_value_get_string (value) != NULL)
    G_STRUCT_MEMBER (char *, ensure_rare_fields (self), offset) = g_value_dup_string (value);
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
    /* Construct properties: set to their defaults for every drop, which
     * makes no rare fields. */
    case PROP_NAME: set_file_string (self, G_STRUCT_OFFSET (RareFields, name), value); break;
    case PROP_MIME: set_file_string (self, G_STRUCT_OFFSET (RareFields, mime), value); break;
    case PROP_SIZE:
      if (g_value_get_uint64 (value) != 0)
        ensure_rare_fields (self)->size = g_value_get_uint64 (value);
      break;
    case PROP_SHA256: set_file_string (self, G_STRUCT_OFFSET (RareFields, sha256), value); break;
    case PROP_ORIGIN: self->origin = intern (g_value_get_string (value)); break;
    case PROP_ORIGIN_NAME: self->origin_name = intern (g_value_get_string (value)); break;
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
  /* Read-only: notified when the devices known to hold it change. */
  properties[PROP_HOLDERS] =
    g_param_spec_pointer ("holders", NULL, NULL,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

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
  self->origin = intern (origin);
  self->origin_name = intern (origin_name);
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
  self->rare = g_new0 (RareFields, 1);
  self->rare->name = g_strdup (name);
  self->rare->mime = g_strdup (mime ? mime : "application/octet-stream");
  self->rare->size = size;
  self->rare->sha256 = g_strdup (sha256);
  self->origin = intern (origin);
  self->origin_name = intern (origin_name);
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
  return rare_fields (self)->name;
}

const char *
dropify_drop_get_mime (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), NULL);
  return rare_fields (self)->mime;
}

uint64_t
dropify_drop_get_size (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), 0);
  return rare_fields (self)->size;
}

const char *
dropify_drop_get_sha256 (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), NULL);
  return rare_fields (self)->sha256;
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
  return rare_fields (self)->path;
}

void
dropify_drop_set_path (DropifyDrop *self,
                       const char  *path)
{
  g_return_if_fail (DROPIFY_IS_DROP (self));

  RareFields *file;

  if (g_strcmp0 (rare_fields (self)->path, path) == 0)
    return;

  file = ensure_rare_fields (self);
  g_free (file->path);
  file->path = g_strdup (path);
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
  return rare_fields (self)->received;
}

void
dropify_drop_set_received (DropifyDrop *self,
                           uint64_t     received)
{
  g_return_if_fail (DROPIFY_IS_DROP (self));

  if (rare_fields (self)->received == received)
    return;

  ensure_rare_fields (self)->received = received;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVED]);
}

static void
holder_free (gpointer data)
{
  DropifyHolder *holder = data;

  g_free (holder->device_id);
  g_free (holder);
}

/**
 * dropify_drop_get_holders:
 *
 * The devices known to hold this drop or its content, in the order they
 * were first known (docs/protocol.md §11.8). The history keeps them.
 *
 * Returns: (transfer none) (nullable) (element-type DropifyHolder): the
 *   holders, or %NULL when none is known
 */
GPtrArray *
dropify_drop_get_holders (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), NULL);
  return rare_fields (self)->holders;
}

/**
 * dropify_drop_add_holder:
 * @device_id: a paired device
 * @what: what it holds
 * @since: when that was learned, µs since the epoch
 *
 * Records that @device_id holds @what of this drop. Past
 * %DROPIFY_DROP_MAX_HOLDERS devices, new ones are not recorded.
 *
 * Returns: %TRUE if something changed
 */
gboolean
dropify_drop_add_holder (DropifyDrop    *self,
                         const char     *device_id,
                         DropifyHolding  what,
                         int64_t         since)
{
  DropifyHolder *holder = NULL;
  GPtrArray *holders;

  g_return_val_if_fail (DROPIFY_IS_DROP (self), FALSE);
  g_return_val_if_fail (device_id != NULL, FALSE);

  if (ensure_rare_fields (self)->holders == NULL)
    self->rare->holders = g_ptr_array_new_with_free_func (holder_free);
  holders = self->rare->holders;

  for (guint i = 0; i < holders->len && holder == NULL; i++)
    if (g_str_equal (((DropifyHolder *) holders->pdata[i])->device_id, device_id))
      holder = holders->pdata[i];

  if (holder == NULL)
    {
      if (holders->len >= DROPIFY_DROP_MAX_HOLDERS)
        return FALSE;
      holder = g_new0 (DropifyHolder, 1);
      holder->device_id = g_strdup (device_id);
      holder->since = since;
      g_ptr_array_add (holders, holder);
    }
  else if ((what == DROPIFY_HOLDING_DROP && holder->drop) ||
           (what == DROPIFY_HOLDING_CONTENT && holder->content))
    return FALSE;

  if (what == DROPIFY_HOLDING_DROP)
    holder->drop = TRUE;
  else
    holder->content = TRUE;
  holder->since = MIN (holder->since, since);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOLDERS]);
  return TRUE;
}

/**
 * dropify_drop_remove_holder:
 * @device_id: a device
 *
 * Forgets what @device_id holds of this drop (it was forgotten).
 *
 * Returns: %TRUE if it was a holder
 */
gboolean
dropify_drop_remove_holder (DropifyDrop *self,
                            const char  *device_id)
{
  GPtrArray *holders;

  g_return_val_if_fail (DROPIFY_IS_DROP (self), FALSE);
  g_return_val_if_fail (device_id != NULL, FALSE);

  if ((holders = rare_fields (self)->holders) == NULL)
    return FALSE;

  for (guint i = 0; i < holders->len; i++)
    if (g_str_equal (((DropifyHolder *) holders->pdata[i])->device_id, device_id))
      {
        g_ptr_array_remove_index (holders, i);
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOLDERS]);
        return TRUE;
      }

  return FALSE;
}

gboolean
dropify_drop_is_expired (DropifyDrop *self,
                         int64_t      now)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), TRUE);
  return self->expires_at <= now;
}

/**
 * dropify_drop_get_audience:
 *
 * The devices the drop was sent to, besides its origin. A drop with no
 * audience is for every device.
 *
 * Returns: (nullable) (transfer none): sorted device ids, or %NULL for
 *   every device
 */
const char * const *
dropify_drop_get_audience (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), NULL);
  return (const char * const *) rare_fields (self)->audience;
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static char **
sorted_copy (const char * const *ids)
{
  char **copy = g_strdupv ((char **) ids);

  qsort (copy, g_strv_length (copy), sizeof (char *), compare_ids);
  return copy;
}

/**
 * dropify_drop_set_audience:
 * @audience: (nullable) (array zero-terminated=1): device ids, valid and
 *   distinct (see dropify_drop_audience_normalize()); %NULL or empty
 *   for every device
 *
 * Sets who the drop is for. Part of the drop's identity, like its id:
 * only to be called while making the drop, before anyone else sees it.
 */
void
dropify_drop_set_audience (DropifyDrop        *self,
                           const char * const *audience)
{
  g_return_if_fail (DROPIFY_IS_DROP (self));

  if (self->rare != NULL)
    g_clear_pointer (&self->rare->audience, g_strfreev);
  if (audience != NULL && audience[0] != NULL)
    ensure_rare_fields (self)->audience = sorted_copy (audience);
}

/**
 * dropify_drop_is_targeted:
 *
 * Returns: %TRUE if the drop is for some devices only
 */
gboolean
dropify_drop_is_targeted (DropifyDrop *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), FALSE);
  return rare_fields (self)->audience != NULL;
}

/**
 * dropify_drop_is_for:
 * @device_id: a device id
 *
 * Whether that device may hold the drop: every device may hold a drop
 * for everyone; a targeted drop only its origin and its audience. Sync
 * sends, relays, serves and accepts a drop only where this holds.
 *
 * Returns: %TRUE if @device_id may hold the drop
 */
gboolean
dropify_drop_is_for (DropifyDrop *self,
                     const char  *device_id)
{
  g_return_val_if_fail (DROPIFY_IS_DROP (self), FALSE);

  if (rare_fields (self)->audience == NULL)
    return TRUE;
  if (device_id == NULL)
    return FALSE;
  if (g_strcmp0 (self->origin, device_id) == 0)
    return TRUE;

  return g_strv_contains ((const char * const *) self->rare->audience, device_id);
}

/**
 * dropify_drop_audience_normalize:
 * @audience: (nullable) (array zero-terminated=1): device ids
 *
 * Checks an audience as every input is checked: at most
 * %DROPIFY_DROP_MAX_AUDIENCE ids, each a valid device id, none twice.
 *
 * Returns: (transfer full) (nullable): the ids sorted, or %NULL for an
 *   empty audience (every device); %NULL with @error set if invalid
 */
char **
dropify_drop_audience_normalize (const char * const  *audience,
                                 GError             **error)
{
  g_auto(GStrv) sorted = NULL;
  guint n;

  if (audience == NULL || audience[0] == NULL)
    return NULL;

  n = g_strv_length ((char **) audience);
  if (n > DROPIFY_DROP_MAX_AUDIENCE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("A drop can be sent to at most %d devices"), DROPIFY_DROP_MAX_AUDIENCE);
      return NULL;
    }

  for (guint i = 0; i < n; i++)
    if (!dropify_protocol_id_is_valid (audience[i]))
      {
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             _("A drop can only be sent to device ids"));
        return NULL;
      }

  sorted = sorted_copy (audience);
  for (guint i = 1; i < n; i++)
    if (g_str_equal (sorted[i - 1], sorted[i]))
      {
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             _("A drop names the same device twice"));
        return NULL;
      }

  return g_steal_pointer (&sorted);
}

/**
 * dropify_drop_audience_tag:
 * @audience: (array zero-terminated=1): a non-empty audience
 *
 * The tag that binds an audience to a drop's id: the first 12 bytes of
 * SHA-256 over "dropify-audience" and the sorted ids, each followed by
 * a line feed, in lower-case hex (docs/protocol.md §4.4).
 *
 * Returns: (transfer full): 24 hex digits
 */
char *
dropify_drop_audience_tag (const char * const *audience)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_auto(GStrv) sorted = NULL;

  g_return_val_if_fail (audience != NULL && audience[0] != NULL, NULL);

  sorted = sorted_copy (audience);
  g_checksum_update (checksum, (const guchar *) "dropify-audience\n", -1);
  for (guint i = 0; sorted[i] != NULL; i++)
    {
      g_checksum_update (checksum, (const guchar *) sorted[i], -1);
      g_checksum_update (checksum, (const guchar *) "\n", 1);
    }

  return g_strndup (g_checksum_get_string (checksum), AUDIENCE_TAG_LEN);
}

/**
 * dropify_drop_new_id:
 * @audience: (nullable) (array zero-terminated=1): the new drop's audience
 *
 * Makes the id of a new drop: a random UUID, followed for a targeted
 * drop by "_" and its audience's tag. The id is what reconciliation
 * compares, so binding the audience into it means no device can pass
 * on a copy of the drop with another audience: every receiver checks
 * the tag (dropify_drop_id_fits_audience()).
 *
 * Returns: (transfer full): the id
 */
char *
dropify_drop_new_id (const char * const *audience)
{
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *tag = NULL;

  if (audience == NULL || audience[0] == NULL)
    return g_steal_pointer (&uuid);

  tag = dropify_drop_audience_tag (audience);
  return g_strconcat (uuid, "_", tag, NULL);
}

static gboolean
has_tag_form (const char *id,
              gsize       len)
{
  if (len <= AUDIENCE_TAG_LEN + 1 || id[len - AUDIENCE_TAG_LEN - 1] != '_')
    return FALSE;

  for (gsize i = len - AUDIENCE_TAG_LEN; i < len; i++)
    if (!g_ascii_isdigit (id[i]) && !(id[i] >= 'a' && id[i] <= 'f'))
      return FALSE;

  return TRUE;
}

/**
 * dropify_drop_id_fits_audience:
 * @id: a drop id
 * @audience: (nullable) (array zero-terminated=1): its audience
 *
 * A targeted drop's id must end with its audience's tag; a drop for
 * everyone must not end like a tag, so that a targeted drop cannot be
 * passed on as one for everyone under its id.
 *
 * Returns: %TRUE if @id and @audience belong together
 */
gboolean
dropify_drop_id_fits_audience (const char         *id,
                               const char * const *audience)
{
  g_autofree char *tag = NULL;
  gsize len;

  g_return_val_if_fail (id != NULL, FALSE);

  len = strlen (id);
  if (audience == NULL || audience[0] == NULL)
    return !has_tag_form (id, len);

  if (!has_tag_form (id, len))
    return FALSE;

  tag = dropify_drop_audience_tag (audience);
  return strcmp (id + len - AUDIENCE_TAG_LEN, tag) == 0;
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
  json_builder_set_member_name (builder, "audience");
  json_builder_begin_array (builder);
  for (guint i = 0; rare_fields (self)->audience != NULL && self->rare->audience[i] != NULL; i++)
    json_builder_add_string_value (builder, self->rare->audience[i]);
  json_builder_end_array (builder);
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
      json_builder_add_string_value (builder, rare_fields (self)->name);
      json_builder_set_member_name (builder, "mime");
      json_builder_add_string_value (builder, rare_fields (self)->mime);
      json_builder_set_member_name (builder, "size");
      json_builder_add_int_value (builder, (int64_t) rare_fields (self)->size);
      json_builder_set_member_name (builder, "sha256");
      json_builder_add_string_value (builder, rare_fields (self)->sha256);
      json_builder_set_member_name (builder, "complete");
      json_builder_add_boolean_value (builder, self->complete);
      if (!self->complete)
        {
          json_builder_set_member_name (builder, "received");
          json_builder_add_int_value (builder, (int64_t) rare_fields (self)->received);
        }
      if (self->complete && rare_fields (self)->path != NULL)
        {
          json_builder_set_member_name (builder, "path");
          json_builder_add_string_value (builder, rare_fields (self)->path);
        }
    }

  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}
