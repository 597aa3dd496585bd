/* A full history for the benchmarks, written straight into SQLite: making
 * 100,000 drops through the service is not what they measure. The schema
 * is the history's own, made by opening it once. */

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "bench-fill.h"
#include "dropify-core.h"

#define FILE_SIZE (64 * 1024)

static const struct
{
  const char *extension;
  const char *mime;
} file_types[] = {
  { "png", "image/png" },
  { "pdf", "application/pdf" },
  { "txt", "text/plain" },
  { "zip", "application/zip" },
  { "jpg", "image/jpeg" },
};

/* Stores @n_files blobs of random content and returns their digests. */
static GPtrArray *
make_blobs (DropifyBlobStore *blobs,
            guint             n_files)
{
  GPtrArray *digests = g_ptr_array_new_with_free_func (g_free);
  g_autofree guint32 *data = g_new (guint32, FILE_SIZE / sizeof (guint32));

  for (guint i = 0; i < n_files; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *sha256 = NULL;
      g_autofree char *path = NULL;
      g_autofree char *dir = NULL;

      for (gsize j = 0; j < FILE_SIZE / sizeof (guint32); j++)
        data[j] = g_random_int ();
      sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, FILE_SIZE);
      path = dropify_blob_store_dup_path (blobs, sha256);
      dir = g_path_get_dirname (path);
      if (g_mkdir_with_parents (dir, 0700) != 0 ||
          !g_file_set_contents (path, (const char *) data, FILE_SIZE, &error))
        g_error ("Could not write %s: %s", path, error ? error->message : g_strerror (errno));
      g_ptr_array_add (digests, g_steal_pointer (&sha256));
    }

  return digests;
}

void
bench_fill_history (const char *data_dir,
                    guint       n_drops,
                    guint       n_files)
{
  g_autofree char *blob_dir = g_build_filename (data_dir, "files", NULL);
  g_autofree char *path = g_build_filename (data_dir, "history.sqlite", NULL);
  g_autoptr(DropifyBlobStore) blobs = NULL;
  g_autoptr(DropifyHistory) history = NULL;
  g_autoptr(GPtrArray) digests = NULL;
  g_autoptr(GError) error = NULL;
  int64_t now = g_get_real_time () / 1000;
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db = NULL;

  g_assert (n_files <= n_drops);

  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    g_error ("Could not make %s: %s", data_dir, g_strerror (errno));

  blobs = dropify_blob_store_new (blob_dir, &error);
  if (blobs == NULL)
    g_error ("%s", error->message);
  history = dropify_history_new (path, blobs, NULL, NULL, &error);
  if (history == NULL)
    g_error ("%s", error->message);
  dropify_history_close (history);
  g_clear_object (&history);

  digests = make_blobs (blobs, n_files);

  if (sqlite3_open (path, &db) != SQLITE_OK)
    g_error ("Could not open %s", path);
  sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  sqlite3_prepare_v2 (db,
                      "INSERT INTO drops (id, kind, text, name, mime, size, sha256, origin,"
                      " origin_name, created_at, expires_at, complete)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                      -1, &stmt, NULL);

  /* Files are spread evenly through the history, so a scroll meets them
   * all along. Drops are a second apart, the newest a minute ago. */
  for (guint i = 0; i < n_drops; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      gboolean is_file = n_files > 0 && i % (n_drops / n_files) == 0 &&
                         i / (n_drops / n_files) < n_files;
      int64_t created_at = now - 60 * 1000 - (int64_t) (n_drops - i) * 1000;

      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int (stmt, 2, is_file ? DROPIFY_DROP_KIND_FILE : DROPIFY_DROP_KIND_TEXT);
      if (is_file)
        {
          guint k = i / (n_drops / n_files);
          g_autofree char *name = g_strdup_printf ("file %u.%s", k,
                                                   file_types[k % G_N_ELEMENTS (file_types)].extension);

          sqlite3_bind_null (stmt, 3);
          sqlite3_bind_text (stmt, 4, name, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (stmt, 5, file_types[k % G_N_ELEMENTS (file_types)].mime, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (stmt, 6, FILE_SIZE);
          sqlite3_bind_text (stmt, 7, g_ptr_array_index (digests, k), -1, SQLITE_STATIC);
        }
      else
        {
          g_autofree char *text = g_strdup_printf ("Drop number %u: a short text, like a link to "
                                                   "https://example.org/%u or a code to copy", i, i);

          sqlite3_bind_text (stmt, 3, text, -1, SQLITE_TRANSIENT);
          sqlite3_bind_null (stmt, 4);
          sqlite3_bind_null (stmt, 5);
          sqlite3_bind_int64 (stmt, 6, 0);
          sqlite3_bind_null (stmt, 7);
        }
      sqlite3_bind_text (stmt, 8, i % 2 ? "5b1f2c3a-0d4e-4f6a-8b7c-9d0e1f2a3b4c"
                                        : "c4b3a2f1-e0d9-4c7b-a6f5-4e3d2c1b0a9f", -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 9, i % 2 ? "Laptop" : "Desktop", -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 10, created_at);
      sqlite3_bind_int64 (stmt, 11, now + 7 * G_GINT64_CONSTANT (86400000));
      if (sqlite3_step (stmt) != SQLITE_DONE)
        g_error ("Could not insert: %s", sqlite3_errmsg (db));
      sqlite3_reset (stmt);
    }

  sqlite3_finalize (stmt);
  if (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    g_error ("Could not commit: %s", sqlite3_errmsg (db));
  sqlite3_close (db);
}
