#include "config.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "dropify-test-support.h"

typedef struct
{
  char             *dir;
  DropifyBlobStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *blobs = NULL;

  fixture->dir = dropify_test_make_dir ("blobs");
  blobs = g_build_filename (fixture->dir, "files", NULL);
  fixture->store = dropify_blob_store_new (blobs, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->store);
  dropify_test_remove_dir (fixture->dir);
  g_free (fixture->dir);
}

static guint
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        n += count_files (path);
      else
        n++;
    }

  return n;
}

static void
import_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;
  *out = g_object_ref (result);
}

static char *
import_sync (DropifyBlobStore  *store,
             const char        *path,
             uint64_t           max_size,
             uint64_t          *size,
             GError           **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;

  dropify_blob_store_import_async (store, file, max_size, NULL, import_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return dropify_blob_store_import_finish (store, result, size, error);
}

static void
test_import (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *src = dropify_test_write_random (fixture->dir, "src.bin", 1024 * 1024 + 7);
  g_autofree char *expected = dropify_test_sha256_file (src);
  g_autofree char *sha256 = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *stored_sha = NULL;
  g_autoptr(GError) error = NULL;
  uint64_t size = 0;

  sha256 = import_sync (fixture->store, src, G_MAXUINT64, &size, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sha256, ==, expected);
  g_assert_cmpuint (size, ==, 1024 * 1024 + 7);
  g_assert_true (dropify_blob_store_contains (fixture->store, sha256));

  stored = dropify_blob_store_dup_path (fixture->store, sha256);
  g_assert_true (g_str_has_prefix (stored, dropify_blob_store_get_directory (fixture->store)));
  stored_sha = dropify_test_sha256_file (stored);
  g_assert_cmpstr (stored_sha, ==, expected);

  /* Importing the same content again stores it once. */
  g_clear_pointer (&sha256, g_free);
  sha256 = import_sync (fixture->store, src, G_MAXUINT64, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sha256, ==, expected);
  g_assert_cmpuint (count_files (dropify_blob_store_get_directory (fixture->store)), ==, 1);

  g_assert_true (dropify_blob_store_remove (fixture->store, sha256, &error));
  g_assert_no_error (error);
  g_assert_false (dropify_blob_store_contains (fixture->store, sha256));
  g_assert_cmpuint (count_files (dropify_blob_store_get_directory (fixture->store)), ==, 0);
}

static void
test_import_too_large (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *src = dropify_test_write_random (fixture->dir, "big.bin", 600 * 1024);
  g_autofree char *sha256 = NULL;
  g_autoptr(GError) error = NULL;

  sha256 = import_sync (fixture->store, src, 512 * 1024, NULL, &error);
  g_assert_error (error, DROPIFY_BLOB_STORE_ERROR, DROPIFY_BLOB_STORE_ERROR_TOO_LARGE);
  g_assert_null (sha256);
  /* Nothing left behind, not even the partial copy. */
  g_assert_cmpuint (count_files (dropify_blob_store_get_directory (fixture->store)), ==, 0);
}

static void
test_import_missing (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (fixture->dir, "nope", NULL);
  g_autofree char *sha256 = NULL;
  g_autoptr(GError) error = NULL;

  sha256 = import_sync (fixture->store, missing, G_MAXUINT64, NULL, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_null (sha256);
}

static void
test_writer_resume (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *src = dropify_test_write_random (fixture->dir, "src.bin", 300000);
  g_autofree char *sha256 = dropify_test_sha256_file (src);
  g_autofree char *contents = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *stored_sha = NULL;
  g_autoptr(DropifyBlobWriter) writer = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  g_file_get_contents (src, &contents, &len, &error);
  g_assert_no_error (error);

  /* First attempt stops after 100000 bytes without finishing. */
  writer = dropify_blob_store_open_writer (fixture->store, sha256, len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dropify_blob_writer_get_offset (writer), ==, 0);
  g_assert_true (dropify_blob_writer_write (writer, (guint8 *) contents, 100000, &error));
  g_clear_object (&writer);
  g_assert_false (dropify_blob_store_contains (fixture->store, sha256));

  /* The second picks up at the byte offset. */
  writer = dropify_blob_store_open_writer (fixture->store, sha256, len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dropify_blob_writer_get_offset (writer), ==, 100000);
  g_assert_true (dropify_blob_writer_write (writer, (guint8 *) contents + 100000, len - 100000, &error));
  g_assert_no_error (error);
  g_assert_true (dropify_blob_writer_finish (writer, &error));
  g_assert_no_error (error);

  g_assert_true (dropify_blob_store_contains (fixture->store, sha256));
  stored = dropify_blob_store_dup_path (fixture->store, sha256);
  stored_sha = dropify_test_sha256_file (stored);
  g_assert_cmpstr (stored_sha, ==, sha256);
  /* No partial file left. */
  g_assert_cmpuint (count_files (dropify_blob_store_get_directory (fixture->store)), ==, 1);
}

static void
test_writer_hash_mismatch (Fixture       *fixture,
                           gconstpointer  data)
{
  const char *claimed = "0000000000000000000000000000000000000000000000000000000000000000";
  g_autoptr(DropifyBlobWriter) writer = NULL;
  g_autoptr(GError) error = NULL;

  writer = dropify_blob_store_open_writer (fixture->store, claimed, 5, &error);
  g_assert_no_error (error);
  g_assert_true (dropify_blob_writer_write (writer, (guint8 *) "hello", 5, &error));
  g_assert_false (dropify_blob_writer_finish (writer, &error));
  g_assert_error (error, DROPIFY_BLOB_STORE_ERROR, DROPIFY_BLOB_STORE_ERROR_HASH_MISMATCH);

  /* A wrong file is never stored as complete, and the part is gone. */
  g_assert_false (dropify_blob_store_contains (fixture->store, claimed));
  g_assert_cmpuint (count_files (dropify_blob_store_get_directory (fixture->store)), ==, 0);
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} Commit;

static void
commit_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Commit *commit = user_data;

  commit->ok = dropify_blob_writer_commit_finish (DROPIFY_BLOB_WRITER (object), result, &commit->error);
  commit->done = TRUE;
}

/* Runs dropify_blob_writer_commit_async() to its end. */
static gboolean
commit (DropifyBlobWriter  *writer,
        GError            **error)
{
  Commit commit = { FALSE, FALSE, NULL };

  dropify_blob_writer_commit_async (writer, NULL, commit_cb, &commit);
  while (!commit.done)
    g_main_context_iteration (NULL, TRUE);

  if (commit.error != NULL)
    g_propagate_error (error, commit.error);

  return commit.ok;
}

/* The same checks as dropify_blob_writer_finish(), in a worker thread. */
static void
test_writer_commit_async (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *sha256 = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "hello", 5);
  g_autofree char *claimed = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "other", 5);
  g_autoptr(DropifyBlobWriter) good = NULL;
  g_autoptr(DropifyBlobWriter) bad = NULL;
  g_autoptr(GError) error = NULL;

  good = dropify_blob_store_open_writer (fixture->store, sha256, 5, &error);
  g_assert_no_error (error);
  g_assert_true (dropify_blob_writer_write (good, (guint8 *) "hello", 5, &error));
  g_assert_false (dropify_blob_store_contains (fixture->store, sha256));
  g_assert_true (commit (good, &error));
  g_assert_no_error (error);
  g_assert_true (dropify_blob_store_contains (fixture->store, sha256));

  /* Twice is an error, not a crash. */
  g_assert_false (commit (good, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
  g_clear_error (&error);

  bad = dropify_blob_store_open_writer (fixture->store, claimed, 5, &error);
  g_assert_no_error (error);
  g_assert_true (dropify_blob_writer_write (bad, (guint8 *) "hello", 5, &error));
  g_assert_false (commit (bad, &error));
  g_assert_error (error, DROPIFY_BLOB_STORE_ERROR, DROPIFY_BLOB_STORE_ERROR_HASH_MISMATCH);
  g_assert_false (dropify_blob_store_contains (fixture->store, claimed));
  /* Only the good blob is left: no partial file. */
  g_assert_cmpuint (count_files (dropify_blob_store_get_directory (fixture->store)), ==, 1);
}

static void
count_written (DropifyBlobWriter *writer,
               guint             *n)
{
  (*n)++;
}

/* Random content in 64 pieces of 64 KiB, and its digest. */
static GBytes *
random_content (char **sha256)
{
  gsize size = 64 * 65536;
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i += 4)
    *(guint32 *) (data + i) = g_random_int ();
  *sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, size);

  return g_bytes_new_take (data, size);
}

/* Queues @content from @from to @to, in pieces of 64 KiB. */
static void
queue_pieces (DropifyBlobWriter *writer,
              GBytes            *content,
              gsize              from,
              gsize              to)
{
  for (gsize offset = from; offset < to; offset += 65536)
    {
      g_autoptr(GBytes) piece = g_bytes_new_from_bytes (content, offset, 65536);
      g_autoptr(GError) error = NULL;

      g_assert_true (dropify_blob_writer_queue (writer, piece, &error));
      g_assert_no_error (error);
    }
}

/* Queued writes: in order, one "written" each, counted on disk only once
 * done, and the commit waits for them. */
static void
test_writer_queue (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *sha256 = NULL;
  g_autoptr(GBytes) content = random_content (&sha256);
  g_autoptr(DropifyBlobWriter) writer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *stored_sha = NULL;
  gsize size = g_bytes_get_size (content);
  guint n_written = 0;

  writer = dropify_blob_store_open_writer (fixture->store, sha256, size, &error);
  g_assert_no_error (error);
  g_signal_connect (writer, "written", G_CALLBACK (count_written), &n_written);

  queue_pieces (writer, content, 0, size / 2);
  g_assert_cmpuint (dropify_blob_writer_get_offset (writer), ==, size / 2);
  while (n_written < 32)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (dropify_blob_writer_get_written (writer), ==, size / 2);
  g_assert_null (dropify_blob_writer_get_error (writer));

  /* Past the announced size: refused at once, nothing queued. */
  {
    g_autoptr(GBytes) too_much = g_bytes_new_from_bytes (content, 0, size / 2 + 1);
    g_assert_false (dropify_blob_writer_queue (writer, too_much, &error));
    g_assert_error (error, DROPIFY_BLOB_STORE_ERROR, DROPIFY_BLOB_STORE_ERROR_TOO_LARGE);
    g_clear_error (&error);
    g_assert_cmpuint (dropify_blob_writer_get_offset (writer), ==, size / 2);
  }

  /* The rest, committed at once: the commit waits for the queue. */
  queue_pieces (writer, content, size / 2, size);
  g_assert_true (commit (writer, &error));
  g_assert_no_error (error);
  stored = dropify_blob_store_dup_path (fixture->store, sha256);
  stored_sha = dropify_test_sha256_file (stored);
  g_assert_cmpstr (stored_sha, ==, sha256);
  while (n_written < 64)
    g_main_context_iteration (NULL, TRUE);
}

/* Stopped halfway: what was written stays, in order, and another writer
 * resumes from it. */
static void
test_writer_queue_stop (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *sha256 = NULL;
  g_autoptr(GBytes) content = random_content (&sha256);
  g_autoptr(DropifyBlobWriter) writer = NULL;
  g_autoptr(GError) error = NULL;
  gsize size = g_bytes_get_size (content);
  uint64_t written;

  writer = dropify_blob_store_open_writer (fixture->store, sha256, size, &error);
  g_assert_no_error (error);
  queue_pieces (writer, content, 0, size / 2);
  dropify_blob_writer_stop (writer);
  written = dropify_blob_writer_get_written (writer);
  g_assert_cmpuint (written % 65536, ==, 0);
  g_assert_cmpuint (written, <=, size / 2);
  g_clear_object (&writer);
  /* Its "written" signals are still to come: the main context runs them. */
  while (g_main_context_iteration (NULL, FALSE))
    ;

  writer = dropify_blob_store_open_writer (fixture->store, sha256, size, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dropify_blob_writer_get_offset (writer), ==, written);
  {
    g_autoptr(GBytes) rest = g_bytes_new_from_bytes (content, written, size - written);
    g_assert_true (dropify_blob_writer_queue (writer, rest, &error));
  }
  g_assert_true (commit (writer, &error));
  g_assert_no_error (error);
  g_assert_true (dropify_blob_store_contains (fixture->store, sha256));
}

/* A write that fails (here past the process's file size limit, as a full
 * disk would): reported, nothing after it written, and the commit fails
 * with it, keeping what was written. */
static void
test_writer_queue_error (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *sha256 = NULL;
  g_autoptr(GBytes) content = random_content (&sha256);
  g_autoptr(DropifyBlobWriter) writer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) write_error = NULL;
  gsize size = g_bytes_get_size (content);
  struct rlimit old_limit, limit;
  guint n_written = 0;

  writer = dropify_blob_store_open_writer (fixture->store, sha256, size, &error);
  g_assert_no_error (error);
  g_signal_connect (writer, "written", G_CALLBACK (count_written), &n_written);

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
  limit = old_limit;
  limit.rlim_cur = 10 * 65536;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &limit), ==, 0);
  signal (SIGXFSZ, SIG_IGN);

  queue_pieces (writer, content, 0, size);
  while (n_written < 64)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &old_limit), ==, 0);
  signal (SIGXFSZ, SIG_DFL);

  write_error = dropify_blob_writer_get_error (writer);
  g_assert_nonnull (write_error);
  g_assert_cmpuint (dropify_blob_writer_get_written (writer), ==, 10 * 65536);
  g_assert_false (commit (writer, &error));
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, ==, write_error->message);
  g_clear_error (&error);
  g_assert_false (dropify_blob_store_contains (fixture->store, sha256));
  g_clear_object (&writer);

  /* Only what was written, to resume from. */
  writer = dropify_blob_store_open_writer (fixture->store, sha256, size, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dropify_blob_writer_get_offset (writer), ==, 10 * 65536);
}

static void
test_writer_overflow (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *sha256 = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "hello", 5);
  g_autoptr(DropifyBlobWriter) writer = NULL;
  g_autoptr(GError) error = NULL;

  writer = dropify_blob_store_open_writer (fixture->store, sha256, 5, &error);
  g_assert_no_error (error);
  g_assert_false (dropify_blob_writer_write (writer, (guint8 *) "hello world", 11, &error));
  g_assert_error (error, DROPIFY_BLOB_STORE_ERROR, DROPIFY_BLOB_STORE_ERROR_TOO_LARGE);
  g_assert_cmpuint (dropify_blob_writer_get_offset (writer), ==, 0);

  /* The writer still works for the right data. */
  g_clear_error (&error);
  g_assert_true (dropify_blob_writer_write (writer, (guint8 *) "hello", 5, &error));
  g_assert_true (dropify_blob_writer_finish (writer, &error));
  g_assert_no_error (error);
  g_assert_true (dropify_blob_store_contains (fixture->store, sha256));
}

static void
test_invalid_hashes (Fixture       *fixture,
                     gconstpointer  data)
{
  static const char *bad[] = {
    NULL, "", "abc",
    "../../../../etc/passwd",
    "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0",
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08/",
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0g",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DropifyBlobWriter) writer = NULL;
      g_autofree char *path = NULL;

      g_assert_false (dropify_sha256_is_valid (bad[i]));
      path = dropify_blob_store_dup_path (fixture->store, bad[i]);
      g_assert_null (path);
      writer = dropify_blob_store_open_writer (fixture->store, bad[i], 5, &error);
      g_assert_null (writer);
      g_assert_error (error, DROPIFY_BLOB_STORE_ERROR, DROPIFY_BLOB_STORE_ERROR_INVALID_HASH);
    }
}

static void
test_stale_import_removed (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *blobs = g_strdup (dropify_blob_store_get_directory (fixture->store));
  g_autofree char *stale = g_build_filename (blobs, "partial", "import-ABCDEF", NULL);
  g_autofree char *resumable = g_build_filename (blobs, "partial",
                                                 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.part",
                                                 NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (stale, "half", -1, &error);
  g_file_set_contents (resumable, "te", -1, &error);
  g_assert_no_error (error);

  g_clear_object (&fixture->store);
  fixture->store = dropify_blob_store_new (blobs, &error);
  g_assert_no_error (error);

  /* Cut-short imports cannot resume and are cleared; transfers can. */
  g_assert_false (g_file_test (stale, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (resumable, G_FILE_TEST_EXISTS));
}

/* How many of the pages of @path in [@from, @to) are in the page cache. */
static gsize
resident_pages (const char *path,
                gsize       from,
                gsize       to)
{
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  g_autofree unsigned char *in_core = g_malloc ((to - from) / page);
  gsize resident = 0;
  void *map;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  map = mmap (NULL, to - from, PROT_READ, MAP_SHARED, fd, (off_t) from);
  g_assert_true (map != MAP_FAILED);
  g_assert_no_errno (mincore (map, to - from, in_core));
  for (gsize i = 0; i < (to - from) / page; i++)
    resident += in_core[i] & 1;
  munmap (map, to - from);
  close (fd);

  return resident;
}

/* A large file lets its pages go as it is written back, all but the last
 * steps': they are what the next writes reuse. */
static void
test_writer_releases_pages (Fixture       *fixture,
                            gconstpointer  data)
{
  const gsize step = 8 * 1024 * 1024;    /* the writer's writeback step */
  const gsize piece = 256 * 1024;
  gsize size = 3 * step + piece;
  g_autofree guint8 *bytes = g_malloc (size);
  g_autofree char *sha256 = NULL;
  g_autofree char *stored = NULL;
  g_autoptr(DropifyBlobWriter) writer = NULL;
  g_autoptr(GError) error = NULL;
  struct statfs fs;
  guint n_written = 0;
  gsize early, late;

  g_assert_no_errno (statfs (fixture->dir, &fs));
  if (fs.f_type == TMPFS_MAGIC)
    {
      g_test_skip ("tmpfs keeps every page: its pages are the file");
      return;
    }

  for (gsize i = 0; i < size; i += 4)
    *(guint32 *) (bytes + i) = g_random_int ();
  sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, bytes, size);
  writer = dropify_blob_store_open_writer (fixture->store, sha256, size, &error);
  g_assert_no_error (error);
  g_signal_connect (writer, "written", G_CALLBACK (count_written), &n_written);

  for (gsize offset = 0; offset < size; offset += piece)
    {
      g_autoptr(GBytes) chunk = g_bytes_new (bytes + offset, piece);

      g_assert_true (dropify_blob_writer_queue (writer, chunk, &error));
      g_assert_no_error (error);
    }
  while (n_written < size / piece)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (commit (writer, &error));
  g_assert_no_error (error);
  stored = dropify_blob_store_dup_path (fixture->store, sha256);

  /* The first two steps went; the last ones, just written, are there
   * (without the release, all of it would be, memory allowing). */
  early = resident_pages (stored, 0, 2 * step);
  late = resident_pages (stored, 2 * step + piece, 3 * step + piece);
  g_test_message ("resident: %" G_GSIZE_FORMAT " pages of the first 16 MiB, %" G_GSIZE_FORMAT
                  " of the last 8", early, late);
  g_assert_cmpuint (late, >, 0);
  g_assert_cmpuint (early, <, 2 * step / (gsize) sysconf (_SC_PAGESIZE) / 10);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/blob-store/import", test_import);
  ADD ("/blob-store/import-too-large", test_import_too_large);
  ADD ("/blob-store/import-missing", test_import_missing);
  ADD ("/blob-store/writer-resume", test_writer_resume);
  ADD ("/blob-store/writer-hash-mismatch", test_writer_hash_mismatch);
  ADD ("/blob-store/writer-commit-async", test_writer_commit_async);
  ADD ("/blob-store/writer-overflow", test_writer_overflow);
  ADD ("/blob-store/writer-queue", test_writer_queue);
  ADD ("/blob-store/writer-queue-stop", test_writer_queue_stop);
  ADD ("/blob-store/writer-queue-error", test_writer_queue_error);
  ADD ("/blob-store/writer-releases-pages", test_writer_releases_pages);
  ADD ("/blob-store/invalid-hashes", test_invalid_hashes);
  ADD ("/blob-store/stale-import-removed", test_stale_import_removed);

  return g_test_run ();
}
