#define G_LOG_DOMAIN "dropify-thumbnailer"
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "dropify-thumbnailer.h"

/* Thumbnails of image drops, for the window's rows and detail view and
 * for the phone page. Every image is hostile: it is sniffed, its declared
 * size is read from its header, and only then is it decoded, in a worker
 * thread, scaled down while it is read. Thumbnails are PNGs named by the
 * SHA-256 of their image, in a folder of the profile, written atomically
 * and bounded in number and in bytes (least recently used go first).
 *
 * Everything but the decoding and the writing happens on the main
 * context the thumbnailer was made on. */

/* Larger files and images are refused without being decoded. */
#define MAX_FILE_SIZE     (G_GUINT64_CONSTANT (50) * 1000 * 1000)
#define MAX_PIXELS        (G_GINT64_CONSTANT (50) * 1000 * 1000)
/* Decoding a PNG holds its full size in memory (4 bytes a pixel) before
 * scaling: images decoded at once stay under this many pixels in all. */
#define PIXEL_BUDGET      (G_GINT64_CONSTANT (64) * 1000 * 1000)
#define MAX_RUNNING       2
#define MAX_PENDING       256
#define MAX_CACHE_BYTES   (G_GUINT64_CONSTANT (64) * 1024 * 1024)
#define MAX_CACHE_ENTRIES 4096
#define MAX_FAILED        1024
#define SNIFF_BYTES       4096

/* Sniffed types, and gdk-pixbuf loaders, that may be decoded. Never SVG:
 * a vector image can declare any size, and its loader is a whole
 * renderer. WebP only when its loader is installed. */
static const char * const allowed_types[] = {
  "image/png", "image/jpeg", "image/gif", "image/webp", NULL
};
static const char * const allowed_formats[] = {
  "png", "jpeg", "gif", "webp", NULL
};

typedef struct
{
  char     sha256[65];
  uint64_t size;
} Entry;

typedef struct
{
  GTask        *task;
  GCancellable *cancellable;
  gulong        handler;
} Waiter;

/* One thumbnail being made, for everyone who asked for it. Its strings
 * are read by the worker thread and never change. */
typedef struct
{
  char      *sha256;
  char      *source;
  char      *target;
  GPtrArray *waiters;   /* Waiter */
  gboolean   running;
  gboolean   removed;   /* its content went while it was being made */
} Job;

struct _DropifyThumbnailer
{
  GObject           parent_instance;

  char             *directory;
  DropifyBlobStore *blobs;
  GMainContext     *context;

  GHashTable       *cached;        /* sha256 → GList link in lru */
  GQueue            lru;           /* Entry, least recently used first */
  uint64_t          cached_bytes;

  GHashTable       *failed;        /* sha256 → GError */
  GQueue            failed_order;  /* sha256, oldest first; owns them */

  GHashTable       *jobs;          /* sha256 → Job, pending or running */
  GQueue            pending;       /* Job, oldest first */
  guint             running;
  gboolean          stopped;

  /* Shared with the worker threads. */
  GMutex            budget_lock;
  GCond             budget_cond;
  int64_t           budget_used;
};

G_DEFINE_FINAL_TYPE (DropifyThumbnailer, dropify_thumbnailer, G_TYPE_OBJECT)
G_DEFINE_QUARK (dropify-thumbnailer-error-quark, dropify_thumbnailer_error)

static void
waiter_free (gpointer data)
{
  Waiter *waiter = data;

  if (waiter->cancellable != NULL)
    {
      g_cancellable_disconnect (waiter->cancellable, waiter->handler);
      g_clear_object (&waiter->cancellable);
    }
  g_clear_object (&waiter->task);
  g_free (waiter);
}

static void
job_free (Job *job)
{
  g_clear_pointer (&job->waiters, g_ptr_array_unref);
  g_free (job->sha256);
  g_free (job->source);
  g_free (job->target);
  g_free (job);
}

/* The cache */

static char *
thumbnail_path (DropifyThumbnailer *self,
                const char         *sha256)
{
  g_autofree char *name = g_strconcat (sha256, ".png", NULL);

  return g_build_filename (self->directory, name, NULL);
}

static void
cache_forget (DropifyThumbnailer *self,
              GList              *link,
              gboolean            unlink_file)
{
  Entry *entry = link->data;

  if (unlink_file)
    {
      g_autofree char *path = thumbnail_path (self, entry->sha256);

      if (g_unlink (path) != 0 && errno != ENOENT)
        g_debug ("Could not remove the thumbnail %s: %s", path, g_strerror (errno));
    }

  self->cached_bytes -= entry->size;
  g_hash_table_remove (self->cached, entry->sha256);
  g_queue_delete_link (&self->lru, link);
  g_free (entry);
}

static void
cache_add (DropifyThumbnailer *self,
           const char         *sha256,
           uint64_t            size)
{
  GList *old = g_hash_table_lookup (self->cached, sha256);
  Entry *entry;

  if (old != NULL)
    cache_forget (self, old, FALSE);

  entry = g_new0 (Entry, 1);
  g_strlcpy (entry->sha256, sha256, sizeof entry->sha256);
  entry->size = size;
  g_queue_push_tail (&self->lru, entry);
  g_hash_table_insert (self->cached, entry->sha256, self->lru.tail);
  self->cached_bytes += size;

  /* The newest always stays, however large. */
  while ((self->cached_bytes > MAX_CACHE_BYTES || self->lru.length > MAX_CACHE_ENTRIES) &&
         self->lru.head != self->lru.tail)
    cache_forget (self, self->lru.head, TRUE);
}

static void
remember_failure (DropifyThumbnailer *self,
                  const char         *sha256,
                  const GError       *error)
{
  char *key;

  if (g_hash_table_contains (self->failed, sha256))
    return;

  while (self->failed_order.length >= MAX_FAILED)
    {
      g_autofree char *oldest = g_queue_pop_head (&self->failed_order);
      g_hash_table_remove (self->failed, oldest);
    }

  key = g_strdup (sha256);
  g_queue_push_tail (&self->failed_order, key);
  g_hash_table_insert (self->failed, key, g_error_copy (error));
}

static void
forget_failure (DropifyThumbnailer *self,
                const char         *sha256)
{
  GList *link = g_queue_find_custom (&self->failed_order, sha256, (GCompareFunc) g_strcmp0);

  if (link == NULL)
    return;

  g_hash_table_remove (self->failed, sha256);
  g_free (link->data);
  g_queue_delete_link (&self->failed_order, link);
}

typedef struct
{
  char     sha256[65];
  uint64_t size;
  int64_t  mtime;
} Found;

static int
compare_found (gconstpointer a,
               gconstpointer b)
{
  const Found *fa = a;
  const Found *fb = b;

  return (fa->mtime > fb->mtime) - (fa->mtime < fb->mtime);
}

/* What an earlier run left: thumbnails whose image is gone, and
 * anything that is not a thumbnail (such as a write cut short), go. */
static void
load_cache (DropifyThumbnailer *self)
{
  g_autoptr(GDir) dir = g_dir_open (self->directory, 0, NULL);
  g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (Found));
  const char *name;

  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (self->directory, name, NULL);
      g_autofree char *sha256 = NULL;
      GStatBuf st;

      if (g_lstat (path, &st) != 0 || !S_ISREG (st.st_mode))
        continue;

      if (strlen (name) == 68 && g_str_has_suffix (name, ".png"))
        sha256 = g_strndup (name, 64);

      if (sha256 != NULL && dropify_sha256_is_valid (sha256) &&
          dropify_blob_store_contains (self->blobs, sha256))
        {
          Found f = { .size = (uint64_t) st.st_size, .mtime = (int64_t) st.st_mtime };

          g_strlcpy (f.sha256, sha256, sizeof f.sha256);
          g_array_append_val (found, f);
        }
      else
        g_unlink (path);
    }

  g_array_sort (found, compare_found);
  for (guint i = 0; i < found->len; i++)
    {
      Found *f = &g_array_index (found, Found, i);
      cache_add (self, f->sha256, f->size);
    }
}

/* Making one thumbnail, in a worker thread */

static void
budget_acquire (DropifyThumbnailer *self,
                int64_t             pixels)
{
  g_mutex_lock (&self->budget_lock);
  /* An image alone always fits: MAX_PIXELS < PIXEL_BUDGET. */
  while (self->budget_used > 0 && self->budget_used + pixels > PIXEL_BUDGET)
    g_cond_wait (&self->budget_cond, &self->budget_lock);
  self->budget_used += pixels;
  g_mutex_unlock (&self->budget_lock);
}

static void
budget_release (DropifyThumbnailer *self,
                int64_t             pixels)
{
  g_mutex_lock (&self->budget_lock);
  self->budget_used -= pixels;
  g_cond_broadcast (&self->budget_cond);
  g_mutex_unlock (&self->budget_lock);
}

static gboolean
refuse (GError    **error,
        int         code,
        const char *message)
{
  g_set_error_literal (error, DROPIFY_THUMBNAILER_ERROR, code, message);
  return FALSE;
}

/* The signatures of the allowed types, RFC 2083, JFIF, GIF89a, RIFF. */
static gboolean
has_image_signature (const guint8 *head,
                     gsize         length)
{
  return (length >= 8 && memcmp (head, "\x89PNG\r\n\x1a\n", 8) == 0) ||
         (length >= 3 && memcmp (head, "\xff\xd8\xff", 3) == 0) ||
         (length >= 6 && (memcmp (head, "GIF87a", 6) == 0 || memcmp (head, "GIF89a", 6) == 0)) ||
         (length >= 12 && memcmp (head, "RIFF", 4) == 0 && memcmp (head + 8, "WEBP", 4) == 0);
}

/* The type from the first bytes alone: a name is only a claim. They must
 * start like an allowed image, and GLib's sniffing (when the MIME
 * database is there) must not see anything else in them. */
static gboolean
sniff (const char  *path,
       GError     **error)
{
  guint8 head[SNIFF_BYTES];
  g_autofree char *type = NULL;
  g_autofree char *mime = NULL;
  gssize n = 0;
  int fd;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (fd < 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "%s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }

  do
    n = read (fd, head, sizeof head);
  while (n < 0 && errno == EINTR);
  close (fd);

  if (n <= 0)
    return refuse (error, DROPIFY_THUMBNAILER_ERROR_CORRUPT, _("The image is damaged or in an unknown format"));

  type = g_content_type_guess (NULL, head, (gsize) n, NULL);
  mime = type != NULL ? g_content_type_get_mime_type (type) : NULL;
  if (!has_image_signature (head, (gsize) n) ||
      (mime != NULL && !g_str_equal (mime, "application/octet-stream") &&
       !g_strv_contains (allowed_types, mime)))
    return refuse (error, DROPIFY_THUMBNAILER_ERROR_NOT_AN_IMAGE,
                   _("Only PNG, JPEG, GIF and WebP images get a thumbnail"));

  return TRUE;
}

/* gdk-pixbuf makes what it can of a file cut short, with gray or
 * transparent rows for the rest: a file must end as its format ends. */
static gboolean
looks_complete (const char *path,
                uint64_t    size)
{
  guint8 head[12];
  guint8 tail[4096];
  gsize tail_len = (gsize) MIN (size, sizeof tail);
  gboolean complete = FALSE;
  int fd;

  if (size < sizeof head)
    return FALSE;

  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
  if (fd < 0)
    return FALSE;

  if (pread (fd, head, sizeof head, 0) == (ssize_t) sizeof head &&
      pread (fd, tail, tail_len, (off_t) (size - tail_len)) == (ssize_t) tail_len)
    {
      if (head[0] == 0x89)
        complete = memmem (tail, tail_len, "IEND\xae\x42\x60\x82", 8) != NULL;
      else if (head[0] == 0xff)
        complete = memmem (tail, tail_len, "\xff\xd9", 2) != NULL;
      else if (head[0] == 'G')
        {
          gsize end = tail_len;

          while (end > 0 && tail[end - 1] == 0)
            end--;
          complete = end > 0 && tail[end - 1] == 0x3b;
        }
      else if (head[0] == 'R')
        {
          guint32 riff_size;

          memcpy (&riff_size, head + 4, sizeof riff_size);
          complete = (uint64_t) GUINT32_FROM_LE (riff_size) + 8 <= size;
        }
    }

  close (fd);
  return complete;
}

static gboolean
make_thumbnail (DropifyThumbnailer  *self,
                Job                 *job,
                uint64_t            *size,
                GError             **error)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autofree char *png = NULL;
  g_autofree char *format_name = NULL;
  GdkPixbufFormat *format;
  GError *decode_error = NULL;
  gsize png_len = 0;
  int width = 0;
  int height = 0;
  int64_t pixels;
  GStatBuf st;

  if (g_lstat (job->source, &st) != 0 || !S_ISREG (st.st_mode))
    return refuse (error, DROPIFY_THUMBNAILER_ERROR_NOT_AN_IMAGE, _("The image is not on this device"));

  if ((uint64_t) st.st_size > MAX_FILE_SIZE)
    return refuse (error, DROPIFY_THUMBNAILER_ERROR_TOO_LARGE,
                   _("The image is too large to make a thumbnail of"));

  if (!sniff (job->source, error))
    return FALSE;

  if (!looks_complete (job->source, (uint64_t) st.st_size))
    return refuse (error, DROPIFY_THUMBNAILER_ERROR_CORRUPT, _("The image is damaged or in an unknown format"));

  /* The header only: what the image says it is, before decoding it. */
  format = gdk_pixbuf_get_file_info (job->source, &width, &height);
  if (format == NULL)
    return refuse (error, DROPIFY_THUMBNAILER_ERROR_CORRUPT, _("The image is damaged or in an unknown format"));

  format_name = gdk_pixbuf_format_get_name (format);
  if (gdk_pixbuf_format_is_scalable (format) || gdk_pixbuf_format_is_disabled (format) ||
      !g_strv_contains (allowed_formats, format_name))
    return refuse (error, DROPIFY_THUMBNAILER_ERROR_NOT_AN_IMAGE,
                   _("Only PNG, JPEG, GIF and WebP images get a thumbnail"));

  pixels = (int64_t) width * height;
  if (width <= 0 || height <= 0 || pixels > MAX_PIXELS)
    return refuse (error, DROPIFY_THUMBNAILER_ERROR_TOO_LARGE,
                   _("The image is too large to make a thumbnail of"));

  budget_acquire (self, pixels);
  /* Scaled down while decoded, never up. */
  if (width > DROPIFY_THUMBNAIL_SIZE || height > DROPIFY_THUMBNAIL_SIZE)
    pixbuf = gdk_pixbuf_new_from_file_at_scale (job->source, DROPIFY_THUMBNAIL_SIZE,
                                                DROPIFY_THUMBNAIL_SIZE, TRUE, &decode_error);
  else
    pixbuf = gdk_pixbuf_new_from_file (job->source, &decode_error);
  budget_release (self, pixels);

  /* A phone's photo is stored as the sensor saw it, and says how to
   * turn it. */
  if (pixbuf != NULL)
    {
      GdkPixbuf *turned = gdk_pixbuf_apply_embedded_orientation (pixbuf);

      g_object_unref (pixbuf);
      pixbuf = turned;
    }

  if (pixbuf == NULL || gdk_pixbuf_get_width (pixbuf) > DROPIFY_THUMBNAIL_SIZE ||
      gdk_pixbuf_get_height (pixbuf) > DROPIFY_THUMBNAIL_SIZE)
    {
      g_debug ("Could not decode %s: %s", job->source,
               decode_error != NULL ? decode_error->message : "wrong size");
      g_clear_error (&decode_error);
      return refuse (error, DROPIFY_THUMBNAILER_ERROR_CORRUPT,
                     _("The image is damaged or in an unknown format"));
    }

  if (!gdk_pixbuf_save_to_buffer (pixbuf, &png, &png_len, "png", error, NULL))
    return FALSE;

  /* A temporary file renamed into place: a reader never sees half. */
  if (!g_file_set_contents_full (job->target, png, (gssize) png_len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;

  *size = png_len;
  return TRUE;
}

static void
job_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  GError *error = NULL;
  uint64_t size = 0;

  if (make_thumbnail (source_object, task_data, &size, &error))
    g_task_return_int (task, (gssize) size);
  else
    g_task_return_error (task, error);
}

/* Scheduling, on the main context */

static void schedule (DropifyThumbnailer *self);

static void
return_file (GTask      *task,
             const char *path)
{
  g_task_return_pointer (task, g_file_new_for_path (path), g_object_unref);
}

/* Answers and lets go of everyone whose lookup was cancelled, and drops
 * jobs not yet started that nobody waits for any more: a row scrolled
 * out of sight no longer wants its thumbnail. */
static void
prune (DropifyThumbnailer *self)
{
  g_autoptr(GPtrArray) cancelled = g_ptr_array_new_with_free_func (waiter_free);
  GHashTableIter iter;
  Job *job;

  g_hash_table_iter_init (&iter, self->jobs);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &job))
    {
      for (guint i = job->waiters->len; i > 0; i--)
        {
          Waiter *waiter = g_ptr_array_index (job->waiters, i - 1);

          if (waiter->cancellable != NULL && g_cancellable_is_cancelled (waiter->cancellable))
            g_ptr_array_add (cancelled, g_ptr_array_steal_index (job->waiters, i - 1));
        }

      if (job->waiters->len == 0 && !job->running)
        {
          g_queue_remove (&self->pending, job);
          g_hash_table_iter_remove (&iter);
          job_free (job);
        }
    }

  /* Only now: a callback may ask for another thumbnail. */
  for (guint i = 0; i < cancelled->len; i++)
    {
      Waiter *waiter = g_ptr_array_index (cancelled, i);
      g_task_return_error_if_cancelled (waiter->task);
    }
}

static gboolean
prune_cb (gpointer user_data)
{
  prune (user_data);
  return G_SOURCE_REMOVE;
}

/* May run in any thread, and within g_cancellable_connect(). */
static void
waiter_cancelled_cb (GCancellable       *cancellable,
                     DropifyThumbnailer *self)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, prune_cb, g_object_ref (self), g_object_unref);
  g_source_set_static_name (source, "[dropify] thumbnailer prune");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static void
job_done_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  DropifyThumbnailer *self = DROPIFY_THUMBNAILER (object);
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  gssize size;

  size = g_task_propagate_int (G_TASK (result), &error);
  self->running--;
  g_hash_table_remove (self->jobs, job->sha256);

  if (error == NULL && (job->removed || self->stopped))
    {
      /* The image went while its thumbnail was being made. */
      g_unlink (job->target);
      g_set_error_literal (&error, DROPIFY_THUMBNAILER_ERROR, DROPIFY_THUMBNAILER_ERROR_NOT_AN_IMAGE,
                           _("The image is not on this device"));
    }

  if (error == NULL)
    cache_add (self, job->sha256, (uint64_t) size);
  else if (error->domain == DROPIFY_THUMBNAILER_ERROR && !job->removed)
    {
      /* Trying again would decode the same bytes again. */
      g_debug ("No thumbnail for %s: %s", job->sha256, error->message);
      remember_failure (self, job->sha256, error);
    }
  else if (!job->removed)
    g_warning ("Could not make a thumbnail: %s", error->message);

  for (guint i = 0; i < job->waiters->len; i++)
    {
      Waiter *waiter = g_ptr_array_index (job->waiters, i);

      if (error == NULL)
        return_file (waiter->task, job->target);
      else
        g_task_return_error (waiter->task, g_error_copy (error));
    }

  job_free (job);
  schedule (self);
}

static void
schedule (DropifyThumbnailer *self)
{
  while (self->running < MAX_RUNNING && !self->stopped)
    {
      g_autoptr(GTask) task = NULL;
      Job *job;

      prune (self);

      /* The newest first: it is most likely what is on screen. */
      job = g_queue_pop_tail (&self->pending);
      if (job == NULL)
        return;

      job->running = TRUE;
      self->running++;
      task = g_task_new (self, NULL, job_done_cb, job);
      g_task_set_source_tag (task, schedule);
      g_task_set_task_data (task, job, NULL);
      g_task_run_in_thread (task, job_thread);
    }
}

/* GObject */

static void
dropify_thumbnailer_dispose (GObject *object)
{
  DropifyThumbnailer *self = (DropifyThumbnailer *)object;

  dropify_thumbnailer_stop (self);

  G_OBJECT_CLASS (dropify_thumbnailer_parent_class)->dispose (object);
}

static void
dropify_thumbnailer_finalize (GObject *object)
{
  DropifyThumbnailer *self = (DropifyThumbnailer *)object;

  /* Running jobs hold a reference: none is left by now. */
  g_assert (self->running == 0);

  g_queue_clear_full (&self->lru, g_free);
  g_queue_clear_full (&self->failed_order, g_free);
  g_clear_pointer (&self->cached, g_hash_table_unref);
  g_clear_pointer (&self->failed, g_hash_table_unref);
  g_clear_pointer (&self->jobs, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->blobs);
  g_clear_pointer (&self->directory, g_free);
  g_mutex_clear (&self->budget_lock);
  g_cond_clear (&self->budget_cond);

  G_OBJECT_CLASS (dropify_thumbnailer_parent_class)->finalize (object);
}

static void
dropify_thumbnailer_class_init (DropifyThumbnailerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dropify_thumbnailer_dispose;
  object_class->finalize = dropify_thumbnailer_finalize;
}

static void
dropify_thumbnailer_init (DropifyThumbnailer *self)
{
  self->cached = g_hash_table_new (g_str_hash, g_str_equal);
  self->failed = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_error_free);
  self->jobs = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&self->lru);
  g_queue_init (&self->failed_order);
  g_queue_init (&self->pending);
  g_mutex_init (&self->budget_lock);
  g_cond_init (&self->budget_cond);
}

/**
 * dropify_thumbnailer_is_image_type:
 * @mime: (nullable): a MIME type
 *
 * Returns: whether files of type @mime may get a thumbnail: PNG, JPEG,
 *   GIF and WebP
 */
gboolean
dropify_thumbnailer_is_image_type (const char *mime)
{
  return mime != NULL && g_strv_contains (allowed_types, mime);
}

/**
 * dropify_thumbnailer_is_candidate:
 * @drop: (nullable): a drop
 *
 * Whether @drop may have a thumbnail, from what it says of itself: a
 * complete file of an image type that is not too large. Its content
 * decides in the end.
 *
 * Returns: %TRUE if a lookup is worth trying
 */
gboolean
dropify_thumbnailer_is_candidate (DropifyDrop *drop)
{
  const char *mime;

  if (drop == NULL || dropify_drop_get_kind (drop) != DROPIFY_DROP_KIND_FILE ||
      !dropify_drop_get_complete (drop) || dropify_drop_get_size (drop) > MAX_FILE_SIZE ||
      !dropify_sha256_is_valid (dropify_drop_get_sha256 (drop)))
    return FALSE;

  mime = dropify_drop_get_mime (drop);
  return dropify_thumbnailer_is_image_type (mime);
}

/**
 * dropify_thumbnailer_new:
 * @directory: where thumbnails are kept; created if missing
 * @blobs: where the images are
 *
 * Makes a thumbnailer for the thread-default main context. Thumbnails
 * left from an earlier run are kept if their image still is.
 *
 * Returns: (transfer full): a thumbnailer, or %NULL with @error set
 */
DropifyThumbnailer *
dropify_thumbnailer_new (const char        *directory,
                         DropifyBlobStore  *blobs,
                         GError           **error)
{
  g_autoptr(DropifyThumbnailer) self = NULL;

  g_return_val_if_fail (directory != NULL, NULL);
  g_return_val_if_fail (DROPIFY_IS_BLOB_STORE (blobs), NULL);

  if (g_mkdir_with_parents (directory, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "%s “%s”: %s", _("Could not create folder"), directory, g_strerror (saved_errno));
      return NULL;
    }

  self = g_object_new (DROPIFY_TYPE_THUMBNAILER, NULL);
  self->directory = g_strdup (directory);
  self->blobs = g_object_ref (blobs);
  self->context = g_main_context_ref_thread_default ();
  load_cache (self);

  return g_steal_pointer (&self);
}

const char *
dropify_thumbnailer_get_directory (DropifyThumbnailer *self)
{
  g_return_val_if_fail (DROPIFY_IS_THUMBNAILER (self), NULL);
  return self->directory;
}

/**
 * dropify_thumbnailer_has:
 * @sha256: (nullable): an image's digest
 *
 * Returns: whether the thumbnail of @sha256 is ready, without touching
 *   the disk
 */
gboolean
dropify_thumbnailer_has (DropifyThumbnailer *self,
                         const char         *sha256)
{
  g_return_val_if_fail (DROPIFY_IS_THUMBNAILER (self), FALSE);

  return sha256 != NULL && g_hash_table_contains (self->cached, sha256);
}

/**
 * dropify_thumbnailer_dup_path:
 * @sha256: an image's digest
 *
 * Returns: (transfer full) (nullable): where the thumbnail of @sha256 is,
 *   or %NULL if it is not ready
 */
char *
dropify_thumbnailer_dup_path (DropifyThumbnailer *self,
                              const char         *sha256)
{
  GList *link;

  g_return_val_if_fail (DROPIFY_IS_THUMBNAILER (self), NULL);

  if (sha256 == NULL || !(link = g_hash_table_lookup (self->cached, sha256)))
    return NULL;

  g_queue_unlink (&self->lru, link);
  g_queue_push_tail_link (&self->lru, link);

  return thumbnail_path (self, sha256);
}

/**
 * dropify_thumbnailer_lookup_async:
 * @drop: a file drop
 * @cancellable: (nullable): cancels waiting for it; a thumbnail being
 *   made is still made, and kept
 *
 * Finds the thumbnail of @drop's image, making it first if needed, in a
 * worker thread: at most two at once, the most recently asked for first,
 * and a few hundred waiting at most (more fail with
 * %DROPIFY_THUMBNAILER_ERROR_BUSY). An image that could not be made into
 * a thumbnail fails again at once, until its content is removed.
 */
void
dropify_thumbnailer_lookup_async (DropifyThumbnailer  *self,
                                  DropifyDrop         *drop,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  const char *sha256;
  const GError *failure;
  Waiter *waiter;
  Job *job;

  g_return_if_fail (DROPIFY_IS_THUMBNAILER (self));
  g_return_if_fail (DROPIFY_IS_DROP (drop));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dropify_thumbnailer_lookup_async);

  if (!dropify_thumbnailer_is_candidate (drop))
    {
      g_task_return_new_error (task, DROPIFY_THUMBNAILER_ERROR, DROPIFY_THUMBNAILER_ERROR_NOT_AN_IMAGE,
                               _("Only PNG, JPEG, GIF and WebP images get a thumbnail"));
      return;
    }

  if (self->stopped)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, _("Dropify is stopping"));
      return;
    }

  sha256 = dropify_drop_get_sha256 (drop);

  if (g_hash_table_contains (self->cached, sha256))
    {
      g_autofree char *path = dropify_thumbnailer_dup_path (self, sha256);
      return_file (task, path);
      return;
    }

  if ((failure = g_hash_table_lookup (self->failed, sha256)))
    {
      g_task_return_error (task, g_error_copy (failure));
      return;
    }

  if (g_task_return_error_if_cancelled (task))
    return;

  job = g_hash_table_lookup (self->jobs, sha256);
  if (job == NULL)
    {
      prune (self);
      if (self->pending.length >= MAX_PENDING)
        {
          g_task_return_new_error (task, DROPIFY_THUMBNAILER_ERROR, DROPIFY_THUMBNAILER_ERROR_BUSY,
                                   _("Too many thumbnails are waiting to be made; try again later"));
          return;
        }

      job = g_new0 (Job, 1);
      job->sha256 = g_strdup (sha256);
      job->source = dropify_blob_store_dup_path (self->blobs, sha256);
      job->target = thumbnail_path (self, sha256);
      job->waiters = g_ptr_array_new_with_free_func (waiter_free);
      g_hash_table_insert (self->jobs, job->sha256, job);
      g_queue_push_tail (&self->pending, job);
    }
  else if (!job->running)
    {
      /* Asked for again: it moves to the front. */
      g_queue_remove (&self->pending, job);
      g_queue_push_tail (&self->pending, job);
    }

  waiter = g_new0 (Waiter, 1);
  waiter->task = g_steal_pointer (&task);
  g_ptr_array_add (job->waiters, waiter);
  if (cancellable != NULL)
    {
      waiter->cancellable = g_object_ref (cancellable);
      waiter->handler = g_cancellable_connect (cancellable, G_CALLBACK (waiter_cancelled_cb),
                                               self, NULL);
    }

  schedule (self);
}

/**
 * dropify_thumbnailer_lookup_finish:
 *
 * Returns: (transfer full): the thumbnail, a PNG no larger than
 *   %DROPIFY_THUMBNAIL_SIZE either way, or %NULL with @error set
 */
GFile *
dropify_thumbnailer_lookup_finish (DropifyThumbnailer  *self,
                                   GAsyncResult        *result,
                                   GError             **error)
{
  g_return_val_if_fail (DROPIFY_IS_THUMBNAILER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * dropify_thumbnailer_remove:
 * @sha256: an image's digest
 *
 * Forgets the thumbnail of content that is gone, and removes its file;
 * one being made is thrown away when done.
 */
void
dropify_thumbnailer_remove (DropifyThumbnailer *self,
                            const char         *sha256)
{
  GList *link;
  Job *job;

  g_return_if_fail (DROPIFY_IS_THUMBNAILER (self));

  if (!dropify_sha256_is_valid (sha256))
    return;

  if ((link = g_hash_table_lookup (self->cached, sha256)))
    cache_forget (self, link, TRUE);

  if ((job = g_hash_table_lookup (self->jobs, sha256)))
    job->removed = TRUE;

  forget_failure (self, sha256);
}

/**
 * dropify_thumbnailer_stop:
 *
 * Starts nothing more: lookups waiting fail with %G_IO_ERROR_CLOSED, and
 * the ones being made are thrown away when done. Safe to call more than
 * once.
 */
void
dropify_thumbnailer_stop (DropifyThumbnailer *self)
{
  Job *job;

  g_return_if_fail (DROPIFY_IS_THUMBNAILER (self));

  self->stopped = TRUE;

  while ((job = g_queue_pop_head (&self->pending)))
    {
      g_hash_table_remove (self->jobs, job->sha256);
      for (guint i = 0; i < job->waiters->len; i++)
        {
          Waiter *waiter = g_ptr_array_index (job->waiters, i);
          g_task_return_new_error (waiter->task, G_IO_ERROR, G_IO_ERROR_CLOSED, _("Dropify is stopping"));
        }
      job_free (job);
    }
}
