#define G_LOG_DOMAIN "dropify-blob-store"
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "dropify-blob-store.h"
#include "dropify-sha256.h"

/* Blobs live at DIR/ab/abcdef…, named by their SHA-256, so a file name sent
 * by a peer never becomes a path. Writes go to DIR/partial first and are
 * renamed into place only once the hash matches, so a crash can leave a
 * partial file behind but never a wrong complete one. */

#define COPY_BUFFER_SIZE (256 * 1024)
/* Queued writes start the writeback of every this much, so that the final
 * fsync finds little left to write: on a link slower than the disk, the
 * disk would otherwise sit idle for the whole transfer and then hold up
 * its end. */
#define WRITEBACK_STEP   (8 * 1024 * 1024)

struct _DropifyBlobStore
{
  GObject  parent_instance;
  char    *directory;
  char    *partial_dir;
};

struct _DropifyBlobWriter
{
  GObject           parent_instance;
  DropifyBlobStore *store;
  char             *sha256;
  char             *part_path;
  DropifySha256    *checksum;
  uint64_t          size;
  uint64_t          offset;       /* taken: written, or queued to be */
  int               fd;

  /* Queued writes (dropify_blob_writer_queue()), one at a time in order,
   * in a worker thread; "written" is emitted on the writer's main context
   * after each. */
  GThreadPool      *pool;
  GMainContext     *context;
  GMutex            lock;
  uint64_t          written;      /* under lock */
  uint64_t          written_back; /* the pool's thread only */
  uint64_t          released;     /* the pool's thread only: pages let go up to here */
  GError           *error;        /* under lock: the first write that failed */
  int               stopped;      /* atomic: skip what is still queued */
};

enum {
  WRITTEN,
  N_WRITER_SIGNALS
};

static guint writer_signals[N_WRITER_SIGNALS];

G_DEFINE_FINAL_TYPE (DropifyBlobStore, dropify_blob_store, G_TYPE_OBJECT)
G_DEFINE_FINAL_TYPE (DropifyBlobWriter, dropify_blob_writer, G_TYPE_OBJECT)
G_DEFINE_QUARK (dropify-blob-store-error-quark, dropify_blob_store_error)

static gboolean
set_error_from_errno (GError     **error,
                      int          saved_errno,
                      const char  *what,
                      const char  *path)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "%s “%s”: %s", what, path, g_strerror (saved_errno));
  return FALSE;
}

/**
 * dropify_sha256_is_valid:
 * @sha256: (nullable): a string
 *
 * Returns: %TRUE if @sha256 is 64 lower-case hexadecimal digits
 */
gboolean
dropify_sha256_is_valid (const char *sha256)
{
  if (sha256 == NULL)
    return FALSE;

  for (guint i = 0; i < 64; i++)
    if (!g_ascii_isxdigit (sha256[i]) || g_ascii_isupper (sha256[i]))
      return FALSE;

  return sha256[64] == '\0';
}

static gboolean
check_hash (const char  *sha256,
            GError     **error)
{
  if (dropify_sha256_is_valid (sha256))
    return TRUE;

  g_set_error_literal (error, DROPIFY_BLOB_STORE_ERROR, DROPIFY_BLOB_STORE_ERROR_INVALID_HASH,
                       _("Not a SHA-256 digest"));
  return FALSE;
}

static gboolean
fsync_and_close (int          fd,
                 const char  *path,
                 GError     **error)
{
  if (fsync (fd) != 0)
    {
      int saved_errno = errno;
      close (fd);
      return set_error_from_errno (error, saved_errno, _("Could not write"), path);
    }

  if (close (fd) != 0)
    return set_error_from_errno (error, errno, _("Could not write"), path);

  return TRUE;
}

/* Moves a verified partial file to its content address. */
static gboolean
commit_part (DropifyBlobStore  *self,
             const char        *part_path,
             const char        *sha256,
             GError           **error)
{
  g_autofree char *path = dropify_blob_store_dup_path (self, sha256);
  g_autofree char *dir = g_path_get_dirname (path);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    return set_error_from_errno (error, errno, _("Could not create folder"), dir);

  if (g_rename (part_path, path) != 0)
    return set_error_from_errno (error, errno, _("Could not store"), path);

  return TRUE;
}

/* GObject */

static void
dropify_blob_store_finalize (GObject *object)
{
  DropifyBlobStore *self = (DropifyBlobStore *)object;

  g_clear_pointer (&self->directory, g_free);
  g_clear_pointer (&self->partial_dir, g_free);

  G_OBJECT_CLASS (dropify_blob_store_parent_class)->finalize (object);
}

static void
dropify_blob_store_class_init (DropifyBlobStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dropify_blob_store_finalize;
}

static void
dropify_blob_store_init (DropifyBlobStore *self)
{
}

/* Imports that were cut short cannot be resumed: their source is gone. */
static void
remove_stale_imports (DropifyBlobStore *self)
{
  g_autoptr(GDir) dir = g_dir_open (self->partial_dir, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)))
    {
      if (g_str_has_prefix (name, "import-"))
        {
          g_autofree char *path = g_build_filename (self->partial_dir, name, NULL);
          g_unlink (path);
        }
    }
}

/**
 * dropify_blob_store_new:
 * @directory: where blobs are kept; created if missing
 *
 * Returns: (transfer full): a blob store, or %NULL with @error set
 */
DropifyBlobStore *
dropify_blob_store_new (const char  *directory,
                        GError     **error)
{
  g_autoptr(DropifyBlobStore) self = NULL;

  g_return_val_if_fail (directory != NULL, NULL);

  self = g_object_new (DROPIFY_TYPE_BLOB_STORE, NULL);
  self->directory = g_strdup (directory);
  self->partial_dir = g_build_filename (directory, "partial", NULL);

  if (g_mkdir_with_parents (self->partial_dir, 0700) != 0)
    {
      set_error_from_errno (error, errno, _("Could not create folder"), self->partial_dir);
      return NULL;
    }

  remove_stale_imports (self);

  return g_steal_pointer (&self);
}

const char *
dropify_blob_store_get_directory (DropifyBlobStore *self)
{
  g_return_val_if_fail (DROPIFY_IS_BLOB_STORE (self), NULL);
  return self->directory;
}

/**
 * dropify_blob_store_dup_path:
 * @sha256: a valid SHA-256 hex digest
 *
 * Returns: (transfer full) (nullable): where the blob is or would be stored,
 *   or %NULL if @sha256 is not a valid digest
 */
char *
dropify_blob_store_dup_path (DropifyBlobStore *self,
                             const char       *sha256)
{
  char prefix[3];

  g_return_val_if_fail (DROPIFY_IS_BLOB_STORE (self), NULL);

  if (!dropify_sha256_is_valid (sha256))
    return NULL;

  prefix[0] = sha256[0];
  prefix[1] = sha256[1];
  prefix[2] = '\0';

  return g_build_filename (self->directory, prefix, sha256, NULL);
}

gboolean
dropify_blob_store_contains (DropifyBlobStore *self,
                             const char       *sha256)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (DROPIFY_IS_BLOB_STORE (self), FALSE);

  path = dropify_blob_store_dup_path (self, sha256);
  return path != NULL && g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

/**
 * dropify_blob_store_remove:
 *
 * Removes a blob and any partial transfer of it. A missing blob is not an
 * error.
 */
gboolean
dropify_blob_store_remove (DropifyBlobStore  *self,
                           const char        *sha256,
                           GError           **error)
{
  g_autofree char *path = NULL;
  g_autofree char *part = NULL;
  g_autofree char *part_name = NULL;

  g_return_val_if_fail (DROPIFY_IS_BLOB_STORE (self), FALSE);

  if (!check_hash (sha256, error))
    return FALSE;

  path = dropify_blob_store_dup_path (self, sha256);
  part_name = g_strconcat (sha256, ".part", NULL);
  part = g_build_filename (self->partial_dir, part_name, NULL);
  g_unlink (part);

  if (g_unlink (path) != 0 && errno != ENOENT)
    return set_error_from_errno (error, errno, _("Could not remove"), path);

  return TRUE;
}

typedef struct
{
  GFile    *file;
  uint64_t  max_size;
  uint64_t  size;
} ImportData;

static void
import_data_free (gpointer data)
{
  ImportData *import = data;

  g_clear_object (&import->file);
  g_free (import);
}

static char *
import_file (DropifyBlobStore  *self,
             ImportData        *import,
             GCancellable      *cancellable,
             GError           **error)
{
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(DropifySha256) checksum = dropify_sha256_new ();
  g_autofree guint8 *buffer = NULL;
  g_autofree char *tmp_path = g_build_filename (self->partial_dir, "import-XXXXXX", NULL);
  g_autofree char *sha256 = NULL;
  uint64_t size = 0;
  int fd;

  if (!(in = g_file_read (import->file, cancellable, error)))
    return NULL;

  fd = g_mkstemp_full (tmp_path, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      set_error_from_errno (error, errno, _("Could not create"), tmp_path);
      return NULL;
    }

  buffer = g_malloc (COPY_BUFFER_SIZE);

  for (;;)
    {
      gssize n_read;
      gsize n_written = 0;

      n_read = g_input_stream_read (G_INPUT_STREAM (in), buffer, COPY_BUFFER_SIZE,
                                    cancellable, error);
      if (n_read < 0)
        goto failed;
      if (n_read == 0)
        break;

      size += (uint64_t) n_read;
      if (size > import->max_size)
        {
          g_autofree char *limit = g_format_size (import->max_size);
          g_set_error (error, DROPIFY_BLOB_STORE_ERROR, DROPIFY_BLOB_STORE_ERROR_TOO_LARGE,
                       _("The file is larger than the limit of %s"), limit);
          goto failed;
        }

      dropify_sha256_update (checksum, buffer, n_read);

      while (n_written < (gsize) n_read)
        {
          ssize_t n = write (fd, buffer + n_written, n_read - n_written);

          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            {
              set_error_from_errno (error, errno, _("Could not write"), tmp_path);
              goto failed;
            }
          n_written += n;
        }
    }

  if (!fsync_and_close (fd, tmp_path, error))
    {
      g_unlink (tmp_path);
      return NULL;
    }

  sha256 = dropify_sha256_finish_hex (checksum);

  if (dropify_blob_store_contains (self, sha256))
    g_unlink (tmp_path);
  else if (!commit_part (self, tmp_path, sha256, error))
    {
      g_unlink (tmp_path);
      return NULL;
    }

  import->size = size;
  return g_steal_pointer (&sha256);

failed:
  close (fd);
  g_unlink (tmp_path);
  return NULL;
}

static void
import_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  char *sha256;

  sha256 = import_file (source_object, task_data, cancellable, &error);

  if (sha256 == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, sha256, g_free);
}

/**
 * dropify_blob_store_import_async:
 * @file: the file to copy into the store
 * @max_size: the largest size accepted
 *
 * Copies @file into the store in a worker thread, hashing as it goes.
 */
void
dropify_blob_store_import_async (DropifyBlobStore    *self,
                                 GFile               *file,
                                 uint64_t             max_size,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ImportData *import;

  g_return_if_fail (DROPIFY_IS_BLOB_STORE (self));
  g_return_if_fail (G_IS_FILE (file));

  import = g_new0 (ImportData, 1);
  import->file = g_object_ref (file);
  import->max_size = max_size;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dropify_blob_store_import_async);
  g_task_set_task_data (task, import, import_data_free);
  g_task_run_in_thread (task, import_thread);
}

/**
 * dropify_blob_store_import_finish:
 * @size: (out) (optional): the size of the imported file
 *
 * Returns: (transfer full): the SHA-256 of the stored blob
 */
char *
dropify_blob_store_import_finish (DropifyBlobStore  *self,
                                  GAsyncResult      *result,
                                  uint64_t          *size,
                                  GError           **error)
{
  char *sha256;

  g_return_val_if_fail (DROPIFY_IS_BLOB_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  sha256 = g_task_propagate_pointer (G_TASK (result), error);
  if (sha256 != NULL && size != NULL)
    *size = ((ImportData *) g_task_get_task_data (G_TASK (result)))->size;

  return sha256;
}

/* DropifyBlobWriter */

static void drain_writes (DropifyBlobWriter *self);

static void
dropify_blob_writer_finalize (GObject *object)
{
  DropifyBlobWriter *self = (DropifyBlobWriter *)object;

  /* Every queued write holds a reference: nothing is left to run. */
  drain_writes (self);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_error (&self->error);
  g_mutex_clear (&self->lock);

  if (self->fd >= 0)
    close (self->fd);

  g_clear_object (&self->store);
  g_clear_pointer (&self->sha256, g_free);
  g_clear_pointer (&self->part_path, g_free);
  g_clear_pointer (&self->checksum, dropify_sha256_free);

  G_OBJECT_CLASS (dropify_blob_writer_parent_class)->finalize (object);
}

static void
dropify_blob_writer_class_init (DropifyBlobWriterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dropify_blob_writer_finalize;

  /**
   * DropifyBlobWriter::written:
   *
   * A queued write is done, on the main context the writer was made on;
   * see dropify_blob_writer_get_written() and
   * dropify_blob_writer_get_error().
   */
  writer_signals[WRITTEN] =
    g_signal_new ("written", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dropify_blob_writer_init (DropifyBlobWriter *self)
{
  self->fd = -1;
  g_mutex_init (&self->lock);
  self->context = g_main_context_ref_thread_default ();
}

/* Feeds what an earlier, interrupted transfer wrote into the checksum, so
 * the transfer can go on from where it stopped. */
static gboolean
rehash_existing (DropifyBlobWriter  *self,
                 GError            **error)
{
  g_autofree guint8 *buffer = g_malloc (COPY_BUFFER_SIZE);
  uint64_t offset = 0;

  if (lseek (self->fd, 0, SEEK_SET) < 0)
    return set_error_from_errno (error, errno, _("Could not read"), self->part_path);

  for (;;)
    {
      ssize_t n = read (self->fd, buffer, COPY_BUFFER_SIZE);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return set_error_from_errno (error, errno, _("Could not read"), self->part_path);
      if (n == 0)
        break;

      dropify_sha256_update (self->checksum, buffer, n);
      offset += (uint64_t) n;
    }

  self->offset = offset;
  return TRUE;
}

/**
 * dropify_blob_store_open_writer:
 * @sha256: the digest the content must have
 * @size: the size the content must have
 *
 * Opens, or reopens, the partial file for a blob. The writer's offset tells
 * where an interrupted transfer stopped.
 *
 * Returns: (transfer full): a writer, or %NULL with @error set
 */
DropifyBlobWriter *
dropify_blob_store_open_writer (DropifyBlobStore  *self,
                                const char        *sha256,
                                uint64_t           size,
                                GError           **error)
{
  g_autoptr(DropifyBlobWriter) writer = NULL;
  g_autofree char *part_name = NULL;

  g_return_val_if_fail (DROPIFY_IS_BLOB_STORE (self), NULL);

  if (!check_hash (sha256, error))
    return NULL;

  writer = g_object_new (DROPIFY_TYPE_BLOB_WRITER, NULL);
  writer->store = g_object_ref (self);
  writer->sha256 = g_strdup (sha256);
  writer->size = size;
  writer->checksum = dropify_sha256_new ();
  part_name = g_strconcat (sha256, ".part", NULL);
  writer->part_path = g_build_filename (self->partial_dir, part_name, NULL);

  writer->fd = g_open (writer->part_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (writer->fd < 0)
    {
      set_error_from_errno (error, errno, _("Could not open"), writer->part_path);
      return NULL;
    }

  if (!rehash_existing (writer, error))
    return NULL;

  /* A partial file longer than the blob is garbage: start over. */
  if (writer->offset > size)
    {
      if (ftruncate (writer->fd, 0) != 0)
        {
          set_error_from_errno (error, errno, _("Could not write"), writer->part_path);
          return NULL;
        }
      dropify_sha256_reset (writer->checksum);
      writer->offset = 0;
    }

  if (lseek (writer->fd, (off_t) writer->offset, SEEK_SET) < 0)
    {
      set_error_from_errno (error, errno, _("Could not write"), writer->part_path);
      return NULL;
    }
  writer->written = writer->written_back = writer->released = writer->offset;

  return g_steal_pointer (&writer);
}

/**
 * dropify_blob_writer_get_sha256:
 *
 * Returns: (nullable): the digest the content must have, or %NULL for an
 *   import, whose digest is known only at its end
 */
const char *
dropify_blob_writer_get_sha256 (DropifyBlobWriter *self)
{
  g_return_val_if_fail (DROPIFY_IS_BLOB_WRITER (self), NULL);
  return self->sha256;
}

uint64_t
dropify_blob_writer_get_offset (DropifyBlobWriter *self)
{
  g_return_val_if_fail (DROPIFY_IS_BLOB_WRITER (self), 0);
  return self->offset;
}

/* Where the announced size ends: taking @length more would pass it. */
static gboolean
check_room (DropifyBlobWriter  *self,
            gsize               length,
            GError            **error)
{
  if (length > self->size - self->offset)
    {
      /* Not "%" G_GUINT64_FORMAT: xgettext cuts a msgid at a macro. */
      g_autofree char *size = g_format_size_full (self->size, G_FORMAT_SIZE_LONG_FORMAT);

      g_set_error (error, DROPIFY_BLOB_STORE_ERROR, DROPIFY_BLOB_STORE_ERROR_TOO_LARGE,
                   _("More data than the announced size of %s"), size);
      return FALSE;
    }

  return TRUE;
}

static gboolean
write_all (DropifyBlobWriter  *self,
           const guint8       *data,
           gsize               length,
           GError            **error)
{
  gsize n_written = 0;

  while (n_written < length)
    {
      ssize_t n = write (self->fd, data + n_written, length - n_written);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return set_error_from_errno (error, errno, _("Could not write"), self->part_path);
      n_written += n;
    }

  dropify_sha256_update (self->checksum, data, length);
  return TRUE;
}

static gboolean
written_cb (gpointer user_data)
{
  g_signal_emit (user_data, writer_signals[WRITTEN], 0);
  return G_SOURCE_REMOVE;
}

/* In the pool's thread. The reference the job holds goes to written_cb,
 * so the writer is never finalized here. */
static void
write_job (gpointer data,
           gpointer user_data)
{
  g_autoptr(GBytes) bytes = data;
  DropifyBlobWriter *self = user_data;
  gboolean failed;

  g_mutex_lock (&self->lock);
  failed = self->error != NULL;
  g_mutex_unlock (&self->lock);

  if (!failed && !g_atomic_int_get (&self->stopped))
    {
      GError *error = NULL;
      gsize length;
      const guint8 *chunk = g_bytes_get_data (bytes, &length);
      gboolean ok = write_all (self, chunk, length, &error);

      uint64_t written;

      g_mutex_lock (&self->lock);
      if (ok)
        self->written += length;
      else
        self->error = error;
      written = self->written;
      g_mutex_unlock (&self->lock);

#ifdef SYNC_FILE_RANGE_WRITE
      /* Only starts it: this does not wait for the disk. */
      if (ok && written - self->written_back >= WRITEBACK_STEP)
        {
          (void) sync_file_range (self->fd, (off64_t) self->written_back,
                                  (off64_t) (written - self->written_back), SYNC_FILE_RANGE_WRITE);
          /* The step before, on disk by now or soon: its pages go back
           * to the kernel, which hands them out again for the next
           * writes. Fresh pages cost several times more to write into
           * (on a virtual machine each is a fault on the host), and a
           * large file no longer pushes everything else out of the
           * cache. Dirty pages are never dropped, and an error in their
           * writeback still reaches the final fsync. */
          if (self->written_back > self->released)
            {
              (void) sync_file_range (self->fd, (off64_t) self->released,
                                      (off64_t) (self->written_back - self->released),
                                      SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                      SYNC_FILE_RANGE_WAIT_AFTER);
              (void) posix_fadvise (self->fd, (off_t) self->released,
                                    (off_t) (self->written_back - self->released),
                                    POSIX_FADV_DONTNEED);
              self->released = self->written_back;
            }
          self->written_back = written;
        }
#endif
    }

  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, written_cb, self, g_object_unref);
}

/* Waits for the queued writes (all of them, or only the one running once
 * stopped), and ends the queue. */
static void
drain_writes (DropifyBlobWriter *self)
{
  GThreadPool *pool = g_steal_pointer (&self->pool);

  if (pool != NULL)
    g_thread_pool_free (pool, FALSE, TRUE);
}

/**
 * dropify_blob_writer_queue:
 * @bytes: what to append
 *
 * Appends to the partial file like dropify_blob_writer_write(), but in a
 * worker thread, in the order queued, so that writing and hashing overlap
 * with whatever the caller does next. Taking more than the announced size
 * is refused at once, like there; a write that fails later is reported by
 * #DropifyBlobWriter::written and dropify_blob_writer_get_error(), and
 * nothing queued after it is written. dropify_blob_writer_get_offset()
 * counts what was queued, dropify_blob_writer_get_written() what is on
 * disk. A commit waits for the queue.
 *
 * Returns: %TRUE if queued
 */
gboolean
dropify_blob_writer_queue (DropifyBlobWriter  *self,
                           GBytes             *bytes,
                           GError            **error)
{
  g_autoptr(GError) pool_error = NULL;

  g_return_val_if_fail (DROPIFY_IS_BLOB_WRITER (self), FALSE);
  g_return_val_if_fail (self->fd >= 0, FALSE);

  if (!check_room (self, g_bytes_get_size (bytes), error))
    return FALSE;

  if (self->pool == NULL)
    {
      self->pool = g_thread_pool_new (write_job, self, 1, FALSE, &pool_error);
      if (self->pool == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&pool_error));
          return FALSE;
        }
    }

  self->offset += g_bytes_get_size (bytes);
  g_object_ref (self);
  g_thread_pool_push (self->pool, g_bytes_ref (bytes), NULL);

  return TRUE;
}

/**
 * dropify_blob_writer_get_written:
 *
 * Returns: how much of the file is written, queued writes done
 */
uint64_t
dropify_blob_writer_get_written (DropifyBlobWriter *self)
{
  uint64_t written;

  g_return_val_if_fail (DROPIFY_IS_BLOB_WRITER (self), 0);

  g_mutex_lock (&self->lock);
  written = self->written;
  g_mutex_unlock (&self->lock);

  return written;
}

/**
 * dropify_blob_writer_get_error:
 *
 * Returns: (transfer full) (nullable): why a queued write failed
 */
GError *
dropify_blob_writer_get_error (DropifyBlobWriter *self)
{
  GError *error;

  g_return_val_if_fail (DROPIFY_IS_BLOB_WRITER (self), NULL);

  g_mutex_lock (&self->lock);
  error = self->error != NULL ? g_error_copy (self->error) : NULL;
  g_mutex_unlock (&self->lock);

  return error;
}

/**
 * dropify_blob_writer_stop:
 *
 * Drops the writes still queued and waits for the one running, if any:
 * then nothing else writes to the partial file, and another writer may
 * open it. The writer is not usable for writing after this.
 */
void
dropify_blob_writer_stop (DropifyBlobWriter *self)
{
  g_return_if_fail (DROPIFY_IS_BLOB_WRITER (self));

  g_atomic_int_set (&self->stopped, TRUE);
  drain_writes (self);
}

/**
 * dropify_blob_writer_write:
 *
 * Appends to the partial file. Writing past the announced size is an
 * error and writes nothing.
 */
gboolean
dropify_blob_writer_write (DropifyBlobWriter  *self,
                           const guint8       *data,
                           gsize               length,
                           GError            **error)
{
  g_return_val_if_fail (DROPIFY_IS_BLOB_WRITER (self), FALSE);
  g_return_val_if_fail (self->fd >= 0, FALSE);
  g_return_val_if_fail (self->pool == NULL, FALSE);

  if (!check_room (self, length, error) || !write_all (self, data, length, error))
    return FALSE;

  self->offset += length;
  self->written = self->offset;

  return TRUE;
}

/**
 * dropify_blob_writer_finish:
 *
 * Verifies size and hash, and only then moves the blob into place. On a
 * mismatch the partial file is deleted, so the next attempt starts clean.
 */
gboolean
dropify_blob_writer_finish (DropifyBlobWriter  *self,
                            GError            **error)
{
  g_autofree char *digest = NULL;
  int fd;

  g_return_val_if_fail (DROPIFY_IS_BLOB_WRITER (self), FALSE);
  g_return_val_if_fail (self->fd >= 0, FALSE);

  drain_writes (self);
  if (self->error != NULL)
    {
      /* What was written stays, to resume from. */
      close (self->fd);
      self->fd = -1;
      g_propagate_error (error, g_error_copy (self->error));
      return FALSE;
    }

  fd = self->fd;
  self->fd = -1;

  if (!fsync_and_close (fd, self->part_path, error))
    return FALSE;

  digest = dropify_sha256_finish_hex (self->checksum);
  if (self->offset != self->size || g_strcmp0 (digest, self->sha256) != 0)
    {
      g_unlink (self->part_path);
      g_set_error (error, DROPIFY_BLOB_STORE_ERROR, DROPIFY_BLOB_STORE_ERROR_HASH_MISMATCH,
                   _("The received file does not match its SHA-256; it was discarded"));
      return FALSE;
    }

  return commit_part (self->store, self->part_path, self->sha256, error);
}

static void
commit_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;

  if (dropify_blob_writer_finish (source_object, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * dropify_blob_writer_commit_async:
 *
 * Does what dropify_blob_writer_finish() does in a worker thread: flushing
 * a large file to disk takes seconds, which the main loop must not wait
 * out. Do not use the writer until it finishes.
 */
void
dropify_blob_writer_commit_async (DropifyBlobWriter   *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (DROPIFY_IS_BLOB_WRITER (self));
  g_return_if_fail (self->sha256 != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dropify_blob_writer_commit_async);

  if (self->fd < 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED,
                               _("The file was already stored or discarded"));
      return;
    }

  g_task_run_in_thread (task, commit_thread);
}

/**
 * dropify_blob_writer_commit_finish:
 *
 * Returns: %TRUE once the blob is in place, or %FALSE with @error set (on
 *   a mismatch the partial file is gone)
 */
gboolean
dropify_blob_writer_commit_finish (DropifyBlobWriter  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (DROPIFY_IS_BLOB_WRITER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Streamed imports */

/**
 * dropify_blob_store_create_import:
 * @max_size: the largest size accepted
 *
 * Starts an import whose content arrives in pieces and whose digest is not
 * known in advance, such as an upload from the phone page. Write it with
 * dropify_blob_writer_write(): a write past @max_size fails with
 * %DROPIFY_BLOB_STORE_ERROR_TOO_LARGE and writes nothing. Then either
 * commit it with dropify_blob_writer_commit_import_async(), or throw it
 * away with dropify_blob_writer_discard(). Like every import, it is kept
 * in the partial folder until then, and removed at the next start if the
 * process dies first.
 *
 * Returns: (transfer full): a writer, or %NULL with @error set
 */
DropifyBlobWriter *
dropify_blob_store_create_import (DropifyBlobStore  *self,
                                  uint64_t           max_size,
                                  GError           **error)
{
  g_autoptr(DropifyBlobWriter) writer = NULL;

  g_return_val_if_fail (DROPIFY_IS_BLOB_STORE (self), NULL);

  writer = g_object_new (DROPIFY_TYPE_BLOB_WRITER, NULL);
  writer->store = g_object_ref (self);
  writer->size = max_size;
  writer->checksum = dropify_sha256_new ();
  writer->part_path = g_build_filename (self->partial_dir, "import-XXXXXX", NULL);

  writer->fd = g_mkstemp_full (writer->part_path, O_WRONLY | O_CLOEXEC, 0600);
  if (writer->fd < 0)
    {
      set_error_from_errno (error, errno, _("Could not create"), writer->part_path);
      return NULL;
    }

  return g_steal_pointer (&writer);
}

static void
commit_import_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  DropifyBlobWriter *self = source_object;
  g_autofree char *sha256 = NULL;
  GError *error = NULL;
  int fd;

  drain_writes (self);
  fd = self->fd;
  self->fd = -1;

  if (!fsync_and_close (fd, self->part_path, &error))
    {
      g_unlink (self->part_path);
      g_task_return_error (task, error);
      return;
    }

  sha256 = dropify_sha256_finish_hex (self->checksum);

  /* Content already stored, by an earlier drop or a peer: keep one copy. */
  if (dropify_blob_store_contains (self->store, sha256))
    g_unlink (self->part_path);
  else if (!commit_part (self->store, self->part_path, sha256, &error))
    {
      g_unlink (self->part_path);
      g_task_return_error (task, error);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&sha256), g_free);
}

/**
 * dropify_blob_writer_commit_import_async:
 *
 * Flushes an import made with dropify_blob_store_create_import() to disk
 * and moves it to its content address, in a worker thread (a flush of a
 * large file takes a while). Do not use the writer until it finishes.
 */
void
dropify_blob_writer_commit_import_async (DropifyBlobWriter   *self,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (DROPIFY_IS_BLOB_WRITER (self));
  g_return_if_fail (self->sha256 == NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, dropify_blob_writer_commit_import_async);

  if (self->fd < 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED,
                               _("The import was already committed or discarded"));
      return;
    }

  g_task_run_in_thread (task, commit_import_thread);
}

/**
 * dropify_blob_writer_commit_import_finish:
 * @size: (out) (optional): the size of the imported content
 *
 * Returns: (transfer full): the SHA-256 of the stored blob, or %NULL with
 *   @error set (the partial file is gone then)
 */
char *
dropify_blob_writer_commit_import_finish (DropifyBlobWriter  *self,
                                          GAsyncResult       *result,
                                          uint64_t           *size,
                                          GError            **error)
{
  char *sha256;

  g_return_val_if_fail (DROPIFY_IS_BLOB_WRITER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  sha256 = g_task_propagate_pointer (G_TASK (result), error);
  if (sha256 != NULL && size != NULL)
    *size = self->offset;

  return sha256;
}

/**
 * dropify_blob_writer_discard:
 *
 * Closes the writer and deletes its partial file, for a transfer or an
 * import given up on. Safe to call more than once, and after a commit.
 */
void
dropify_blob_writer_discard (DropifyBlobWriter *self)
{
  g_return_if_fail (DROPIFY_IS_BLOB_WRITER (self));

  if (self->fd < 0)
    return;

  dropify_blob_writer_stop (self);
  close (self->fd);
  self->fd = -1;
  g_unlink (self->part_path);
}
