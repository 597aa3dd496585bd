#define G_LOG_DOMAIN "dropify-phone"

#include "config.h"

#include <glib/gi18n.h>

#include "dropify-phone-private.h"

/* Uploads that survive a dropped connection, for phones whose Wi-Fi
 * hiccups in the middle of a large file.
 *
 *   PUT    /api/uploads/ID   Content-Range: bytes START-END/SIZE and the
 *                            bytes; the first one (START 0) also needs
 *                            X-Filename, and may have X-Audience (device
 *                            ids, commas; see dropify_phone_check_audience()),
 *                            which the upload keeps. A `*` for START-END,
 *                            with no body, asks to finish once every byte
 *                            is here.
 *   GET    /api/uploads/ID   {id, size, offset, complete, drop}
 *   DELETE /api/uploads/ID   gives it up
 *
 * The page picks ID (a random UUID), so that its first request already
 * names the upload; IDs are per session (the browser's origin), so
 * another session's ID is simply unknown here. The bytes go to an import
 * of the blob store, in its partial folder inside the data dir, under a
 * name made by mkstemp, never by the client; an import left behind by a
 * crash is removed at the next start. The drop is made once, when the
 * last byte of the declared size is on disk. */

#define MAX_PER_SESSION 4
#define MAX_UPLOADS     16
#define SWEEP_SECONDS   30
#define SNIFF_BYTES     4096

struct _DropifyPhoneUpload
{
  DropifyPhone      *phone;      /* unowned: it owns the table */
  char              *key;        /* origin "/" id */
  char              *origin;
  char              *id;
  char              *name;
  char             **audience;   /* checked; NULL: every device */
  uint64_t           size;       /* declared by the first request */
  DropifyBlobWriter *writer;
  guint8             head[SNIFF_BYTES];  /* the first bytes, for the type */
  gsize              head_len;
  int64_t            touched;    /* monotonic: the last byte or request */
  gconstpointer      writing;    /* the request whose body goes here */
  gboolean           committing;
  gboolean           gone;       /* expired, cancelled or failed */
  char              *drop_id;    /* once complete */
  GPtrArray         *waiters;    /* SoupServerMessage, paused until stored */
};

static void
upload_free (DropifyPhoneUpload *upload)
{
  /* Committed already, or given up on: either way nothing is left. */
  if (upload->writer != NULL)
    dropify_blob_writer_discard (upload->writer);
  g_clear_object (&upload->writer);
  g_clear_pointer (&upload->waiters, g_ptr_array_unref);
  g_free (upload->key);
  g_free (upload->origin);
  g_free (upload->id);
  g_free (upload->name);
  g_strfreev (upload->audience);
  g_free (upload->drop_id);
}

DropifyPhoneUpload *
dropify_phone_upload_ref (DropifyPhoneUpload *upload)
{
  return g_rc_box_acquire (upload);
}

void
dropify_phone_upload_unref (DropifyPhoneUpload *upload)
{
  g_rc_box_release_full (upload, (GDestroyNotify) upload_free);
}

static uint64_t
upload_offset (DropifyPhoneUpload *upload)
{
  if (upload->drop_id != NULL || upload->committing)
    return upload->size;
  return upload->writer ? dropify_blob_writer_get_offset (upload->writer) : 0;
}

/* Forgets an upload: its partial file goes, and a request still sending
 * to it is told so at its next bytes. */
static void
forget (DropifyPhoneUpload *upload)
{
  DropifyPhone *self = upload->phone;

  upload->gone = TRUE;
  if (upload->writer != NULL && !upload->committing)
    dropify_blob_writer_discard (upload->writer);
  if (g_hash_table_lookup (self->uploads, upload->key) == upload)
    g_hash_table_remove (self->uploads, upload->key);
}

/* Expired: nothing arrived for a while, and nobody waits for it. */
static void
prune (DropifyPhone *self)
{
  int64_t now = g_get_monotonic_time ();
  GHashTableIter iter;
  DropifyPhoneUpload *upload;
  g_autoptr(GPtrArray) expired = g_ptr_array_new ();

  g_hash_table_iter_init (&iter, self->uploads);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &upload))
    if (!upload->committing && now - upload->touched >= self->upload_expiry)
      g_ptr_array_add (expired, upload);

  for (guint i = 0; i < expired->len; i++)
    {
      upload = g_ptr_array_index (expired, i);
      if (upload->drop_id == NULL)
        g_debug ("Forgetting the unfinished upload of “%s”: nothing arrived for a while", upload->name);
      forget (upload);
    }
}

static gboolean
sweep_cb (gpointer user_data)
{
  DropifyPhone *self = user_data;

  prune (self);
  if (g_hash_table_size (self->uploads) > 0)
    return G_SOURCE_CONTINUE;

  self->uploads_source = 0;
  return G_SOURCE_REMOVE;
}

/**
 * dropify_phone_uploads_clear:
 *
 * Forgets every upload, finished or not, such as when the page stops or
 * its token is revoked. An upload being stored finishes by itself.
 */
void
dropify_phone_uploads_clear (DropifyPhone *self)
{
  GList *all = g_hash_table_get_values (self->uploads);

  for (GList *l = all; l != NULL; l = l->next)
    forget (l->data);
  g_list_free (all);
  g_clear_handle_id (&self->uploads_source, g_source_remove);
}

static DropifyPhoneUpload *
lookup (DropifyPhone      *self,
        SoupServerMessage *msg,
        const char        *id)
{
  g_autofree char *origin = dropify_phone_dup_origin (self, msg);
  g_autofree char *lower = g_ascii_strdown (id, -1);
  g_autofree char *key = g_strconcat (origin, "/", lower, NULL);

  prune (self);
  return g_hash_table_lookup (self->uploads, key);
}

/* Answers */

static void
respond_upload (SoupServerMessage  *msg,
                guint               status,
                DropifyPhoneUpload *upload,
                const char         *error)
{
  DropifyPhone *self = upload->phone;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  DropifyDrop *drop = NULL;

  if (upload->drop_id != NULL && self->history != NULL)
    drop = dropify_history_lookup (self->history, upload->drop_id);

  json_builder_begin_object (builder);
  if (error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, error);
    }
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, upload->id);
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, (int64_t) upload->size);
  json_builder_set_member_name (builder, "offset");
  json_builder_add_int_value (builder, (int64_t) upload_offset (upload));
  json_builder_set_member_name (builder, "complete");
  json_builder_add_boolean_value (builder, upload->drop_id != NULL);
  if (drop != NULL)
    {
      json_builder_set_member_name (builder, "drop");
      json_builder_add_value (builder, dropify_phone_drop_to_json (self, drop, FALSE));
    }
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);

  dropify_phone_respond_json (msg, status, node);
}

static void
respond_gone (SoupServerMessage *msg)
{
  dropify_phone_respond_error (msg, SOUP_STATUS_NOT_FOUND,
                               _("There is no such upload; it may have expired. Send the file again from its start"));
}

/* Parses `bytes START-END/SIZE` (END inclusive) or `bytes *\/SIZE`. */
static gboolean
parse_content_range (const char *value,
                     gboolean   *ranged,
                     uint64_t   *start,
                     uint64_t   *end,
                     uint64_t   *size)
{
  g_auto(GStrv) parts = NULL;
  g_auto(GStrv) bounds = NULL;

  if (value == NULL || !g_str_has_prefix (value, "bytes "))
    return FALSE;

  parts = g_strsplit (value + strlen ("bytes "), "/", 3);
  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXINT64, size, NULL))
    return FALSE;

  *ranged = !g_str_equal (parts[0], "*");
  if (!*ranged)
    return TRUE;

  bounds = g_strsplit (parts[0], "-", 3);
  return g_strv_length (bounds) == 2 &&
         g_ascii_string_to_unsigned (bounds[0], 10, 0, G_MAXINT64, start, NULL) &&
         g_ascii_string_to_unsigned (bounds[1], 10, 0, G_MAXINT64, end, NULL);
}

/* Room for one more unfinished upload of @size from @origin: a few per
 * session, whose declared sizes add up to no more than one largest file,
 * and twice that for all sessions together. */
static gboolean
check_room (DropifyPhone      *self,
            SoupServerMessage *msg,
            const char        *origin,
            uint64_t           size)
{
  uint64_t max_size = dropify_history_get_max_file_size (self->history);
  uint64_t mine = size;
  uint64_t all = size;
  guint n_mine = 0;
  guint n_all = 0;
  GHashTableIter iter;
  DropifyPhoneUpload *upload;

  g_hash_table_iter_init (&iter, self->uploads);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &upload))
    {
      if (upload->drop_id != NULL)
        continue;
      n_all++;
      all += upload->size;
      if (g_str_equal (upload->origin, origin))
        {
          n_mine++;
          mine += upload->size;
        }
    }

  if (n_mine >= MAX_PER_SESSION || n_all >= MAX_UPLOADS)
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_CONFLICT,
                                   _("Too many unfinished uploads: finish or cancel one, or wait ten minutes"));
      return FALSE;
    }

  if (mine > max_size || all > 2 * max_size)
    {
      g_autofree char *limit = g_format_size (max_size);
      g_autofree char *message =
        g_strdup_printf (_("Unfinished uploads would take more than the limit of %s: finish or cancel one first"),
                         limit);

      dropify_phone_respond_error (msg, SOUP_STATUS_CONFLICT, message);
      return FALSE;
    }

  return TRUE;
}

static DropifyPhoneUpload *
create (DropifyPhone      *self,
        SoupServerMessage *msg,
        const char        *origin,
        const char        *id,
        uint64_t           size)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autofree char *name = dropify_phone_decode_file_name (soup_message_headers_get_one (headers, "X-Filename"));
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) audience = NULL;
  DropifyPhoneUpload *upload;
  DropifyBlobWriter *writer;

  if (name == NULL)
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST,
                                   _("The upload needs its file name, percent-encoded UTF-8, in X-Filename"));
      return NULL;
    }

  audience = dropify_phone_parse_audience_header (self, msg, &error);
  if (error != NULL)
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST, error->message);
      return NULL;
    }

  if (!check_room (self, msg, origin, size))
    return NULL;

  /* The writer refuses a byte past the declared size. */
  writer = dropify_blob_store_create_import (dropify_history_get_blob_store (self->history), size, &error);
  if (writer == NULL)
    {
      g_warning ("Could not accept an upload from the phone page: %s", error->message);
      dropify_phone_respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message);
      return NULL;
    }

  upload = g_rc_box_new0 (DropifyPhoneUpload);
  upload->phone = self;
  upload->origin = g_strdup (origin);
  upload->id = g_strdup (id);
  upload->key = g_strconcat (origin, "/", id, NULL);
  upload->name = g_steal_pointer (&name);
  upload->audience = g_steal_pointer (&audience);
  upload->size = size;
  upload->writer = writer;
  upload->touched = g_get_monotonic_time ();
  upload->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_insert (self->uploads, upload->key, upload);

  if (self->uploads_source == 0)
    self->uploads_source = g_timeout_add_seconds (SWEEP_SECONDS, sweep_cb, self);

  return upload;
}

/**
 * dropify_phone_upload_begin:
 * @owner: the request, to tell whose bytes go to the upload
 *
 * Decides a PUT from its headers alone, before its body: starts the
 * upload, or takes it over from a connection that went quiet. Nothing is
 * ever changed by a request that is refused.
 *
 * Returns: (transfer full) (nullable): the upload, or %NULL when @msg
 *   has been answered
 */
DropifyPhoneUpload *
dropify_phone_upload_begin (DropifyPhone      *self,
                            SoupServerMessage *msg,
                            const char        *id,
                            gconstpointer      owner)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  uint64_t max_size = dropify_history_get_max_file_size (self->history);
  g_autofree char *origin = NULL;
  g_autofree char *lower = NULL;
  g_autofree char *key = NULL;
  DropifyPhoneUpload *upload;
  gboolean ranged = FALSE;
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t size = 0;
  uint64_t length;

  if (!g_uuid_string_is_valid (id))
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST, _("The upload’s id must be a UUID"));
      return NULL;
    }

  if (!parse_content_range (soup_message_headers_get_one (headers, "Content-Range"),
                            &ranged, &start, &end, &size))
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST,
                                   _("The upload needs Content-Range: bytes START-END/SIZE, or bytes */SIZE"));
      return NULL;
    }

  if (size > max_size)
    {
      g_autofree char *limit = g_format_size (max_size);
      g_autofree char *message = g_strdup_printf (_("The file is larger than the limit of %s"), limit);

      dropify_phone_respond_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, message);
      return NULL;
    }

  if (ranged && (end < start || end >= size))
    {
      g_autofree char *range = g_strdup_printf ("bytes */%" G_GUINT64_FORMAT, size);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Content-Range", range);
      dropify_phone_respond_error (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE,
                                   _("The range is empty or ends past the file’s declared size"));
      return NULL;
    }

  length = ranged ? end - start + 1 : 0;
  if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH ||
      (uint64_t) soup_message_headers_get_content_length (headers) != length)
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST,
                                   _("The body’s Content-Length must be the length of its Content-Range"));
      return NULL;
    }

  origin = dropify_phone_dup_origin (self, msg);
  lower = g_ascii_strdown (id, -1);
  key = g_strconcat (origin, "/", lower, NULL);
  prune (self);
  upload = g_hash_table_lookup (self->uploads, key);

  if (upload == NULL)
    {
      if (ranged && start != 0)
        {
          respond_gone (msg);
          return NULL;
        }
      upload = create (self, msg, origin, lower, size);
      if (upload == NULL)
        return NULL;
    }
  else if (size != upload->size)
    {
      dropify_phone_respond_error (msg, SOUP_STATUS_BAD_REQUEST,
                                   _("The size differs from the one the upload started with"));
      return NULL;
    }
  else if (ranged && start != upload_offset (upload))
    {
      /* Overlapping, repeated or leaving a gap: say where to go on from. */
      respond_upload (msg, SOUP_STATUS_CONFLICT, upload,
                      _("The computer has a different part of this upload; send from its offset"));
      return NULL;
    }

  upload->touched = g_get_monotonic_time ();

  /* The same session, at the right offset: its earlier connection is
   * most likely dead, though not yet closed here. */
  if (ranged)
    upload->writing = owner;

  return dropify_phone_upload_ref (upload);
}

/**
 * dropify_phone_upload_write:
 *
 * Returns: %FALSE when @msg has been answered, and takes no more bytes
 */
gboolean
dropify_phone_upload_write (DropifyPhoneUpload *upload,
                            SoupServerMessage  *msg,
                            gconstpointer       owner,
                            const guint8       *data,
                            gsize               length)
{
  g_autoptr(GError) error = NULL;
  uint64_t offset;

  if (upload->gone)
    {
      respond_gone (msg);
      return FALSE;
    }

  if (upload->writing != owner)
    {
      respond_upload (msg, SOUP_STATUS_CONFLICT, upload,
                      _("Another request took this upload over; send from its offset"));
      return FALSE;
    }

  offset = dropify_blob_writer_get_offset (upload->writer);
  if (offset < SNIFF_BYTES)
    {
      gsize n = MIN (length, SNIFF_BYTES - offset);

      memcpy (upload->head + offset, data, n);
      upload->head_len = offset + n;
    }

  if (!dropify_blob_writer_write (upload->writer, data, length, &error))
    {
      g_warning ("Could not store an upload from the phone page: %s", error->message);
      dropify_phone_respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, error->message);
      forget (upload);
      return FALSE;
    }

  upload->touched = g_get_monotonic_time ();
  return TRUE;
}

/**
 * dropify_phone_upload_release:
 *
 * The request @owner is over, answered or cut off; what it sent stays.
 */
void
dropify_phone_upload_release (DropifyPhoneUpload *upload,
                              gconstpointer       owner)
{
  if (upload->writing == owner)
    upload->writing = NULL;
}

static void
commit_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  DropifyPhoneUpload *upload = user_data;
  DropifyPhone *self = upload->phone;
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&upload->waiters);
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sha256 = NULL;
  uint64_t size = 0;

  upload->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  sha256 = dropify_blob_writer_commit_import_finish (DROPIFY_BLOB_WRITER (object), result, &size, &error);
  upload->committing = FALSE;

  if (sha256 == NULL)
    g_warning ("Could not store “%s” from the phone page: %s", upload->name, error->message);
  else
    drop = dropify_phone_add_file_drop (self, g_ptr_array_index (waiters, 0), upload->name,
                                        (const char * const *) upload->audience,
                                        upload->head, upload->head_len, sha256, size, &error);

  if (drop != NULL)
    {
      upload->drop_id = g_strdup (dropify_drop_get_id (drop));
      upload->touched = g_get_monotonic_time ();
    }
  else if (!upload->gone)
    forget (upload);

  for (guint i = 0; i < waiters->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (waiters, i);

      if (drop != NULL)
        respond_upload (msg, i == 0 ? SOUP_STATUS_CREATED : SOUP_STATUS_OK, upload, NULL);
      else
        dropify_phone_respond_error (msg, error->domain == G_IO_ERROR &&
                                     error->code == G_IO_ERROR_CLOSED ? SOUP_STATUS_SERVICE_UNAVAILABLE
                                                                      : SOUP_STATUS_INTERNAL_SERVER_ERROR,
                                     error->message);
      soup_server_message_unpause (msg);
    }

  dropify_phone_upload_unref (upload);
}

/* Answered once the upload is stored, or failed. */
static void
wait_for_commit (DropifyPhoneUpload *upload,
                 SoupServerMessage  *msg)
{
  soup_server_message_pause (msg);
  g_ptr_array_add (upload->waiters, g_object_ref (msg));
}

static void
answer (DropifyPhoneUpload *upload,
        SoupServerMessage  *msg,
        gboolean            finish)
{
  DropifyPhone *self = upload->phone;

  if (upload->gone)
    respond_gone (msg);
  else if (upload->drop_id != NULL)
    respond_upload (msg, SOUP_STATUS_OK, upload, NULL);
  else if (upload->committing)
    wait_for_commit (upload, msg);
  else if (finish && upload->writing == NULL && upload_offset (upload) == upload->size)
    {
      /* Every byte is here: the drop is made now, and only now. */
      upload->committing = TRUE;
      wait_for_commit (upload, msg);
      dropify_blob_writer_commit_import_async (upload->writer, self->cancellable,
                                               commit_cb, dropify_phone_upload_ref (upload));
    }
  else
    respond_upload (msg, SOUP_STATUS_OK, upload, NULL);
}

/**
 * dropify_phone_upload_end:
 *
 * A PUT's body has all arrived: answers with the offset, or stores the
 * upload as a drop when it is whole.
 */
void
dropify_phone_upload_end (DropifyPhoneUpload *upload,
                          SoupServerMessage  *msg,
                          gconstpointer       owner)
{
  dropify_phone_upload_release (upload, owner);
  answer (upload, msg, TRUE);
}

/**
 * dropify_phone_upload_status:
 *
 * GET or HEAD /api/uploads/ID: how much has arrived. While the upload is
 * being stored, the answer waits for the drop.
 */
void
dropify_phone_upload_status (DropifyPhone      *self,
                             SoupServerMessage *msg,
                             const char        *id)
{
  DropifyPhoneUpload *upload = lookup (self, msg, id);

  if (upload == NULL)
    respond_gone (msg);
  else
    answer (upload, msg, FALSE);
}

/**
 * dropify_phone_upload_cancel:
 *
 * DELETE /api/uploads/ID: the partial file goes at once.
 */
void
dropify_phone_upload_cancel (DropifyPhone      *self,
                             SoupServerMessage *msg,
                             const char        *id)
{
  DropifyPhoneUpload *upload = lookup (self, msg, id);

  if (upload == NULL)
    respond_gone (msg);
  else if (upload->committing)
    dropify_phone_respond_error (msg, SOUP_STATUS_CONFLICT,
                                 _("The upload is complete and being stored; delete its drop instead"));
  else
    {
      forget (upload);
      soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
    }
}

void
dropify_phone_uploads_init (DropifyPhone *self)
{
  self->uploads = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify) dropify_phone_upload_unref);
  self->upload_expiry = DROPIFY_PHONE_UPLOAD_EXPIRY;
}
