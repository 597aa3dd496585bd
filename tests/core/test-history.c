#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "dropify-test-support.h"

#define T0 G_GINT64_CONSTANT (1700000000000)
#define HOUR (60 * 60 * 1000)

typedef struct
{
  char             *dir;
  char             *db_path;
  DropifyBlobStore *blobs;
  DropifyHistory   *history;
  DropifyTestClock  clock;
} Fixture;

static void
open_history (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  fixture->history = dropify_history_new (fixture->db_path, fixture->blobs,
                                          dropify_test_clock_now, &fixture->clock, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->history);
}

static void
reopen_history (Fixture *fixture)
{
  g_clear_object (&fixture->history);
  open_history (fixture);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *blob_dir = NULL;

  fixture->clock.now = T0;
  fixture->dir = dropify_test_make_dir ("history");
  fixture->db_path = g_build_filename (fixture->dir, "history.sqlite", NULL);
  blob_dir = g_build_filename (fixture->dir, "files", NULL);
  fixture->blobs = dropify_blob_store_new (blob_dir, &error);
  g_assert_no_error (error);

  if (data == NULL)
    open_history (fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->history);
  g_clear_object (&fixture->blobs);
  dropify_test_remove_dir (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->db_path);
}

static DropifyDrop *
text_drop (const char *id,
           const char *text,
           int64_t     created_at,
           int64_t     expires_at)
{
  return dropify_drop_new_text (id, "origin-a", "Laptop", text, created_at, expires_at);
}

static DropifyDrop *
file_drop (const char *id,
           const char *name,
           const char *sha256,
           uint64_t    size,
           int64_t     expires_at)
{
  return dropify_drop_new_file (id, "origin-a", "Laptop", name, "text/plain", size, sha256,
                                T0, expires_at);
}

/* Takes ownership of @drop, so tests can build drops inline. */
static void
add_ok (DropifyHistory *history,
        DropifyDrop    *drop_owned)
{
  g_autoptr(DropifyDrop) drop = drop_owned;
  g_autoptr(GError) error = NULL;

  g_assert_true (dropify_history_add (history, drop, &error));
  g_assert_no_error (error);
}

/* The model's ids, newest first, joined with spaces. */
static char *
model_ids (GListModel *model)
{
  g_autoptr(GString) ids = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(DropifyDrop) drop = g_list_model_get_item (model, i);

      if (i > 0)
        g_string_append_c (ids, ' ');
      g_string_append (ids, dropify_drop_get_id (drop));
    }

  return g_string_free (g_steal_pointer (&ids), FALSE);
}

/* Mirrors a model through items-changed only, the way a GtkListView sees
 * it, to check that the signals describe the changes exactly. */
typedef struct
{
  GPtrArray *mirror;
} Mirror;

static void
mirror_items_changed (GListModel *model,
                      guint       position,
                      guint       removed,
                      guint       added,
                      Mirror     *mirror)
{
  g_ptr_array_remove_range (mirror->mirror, position, removed);
  for (guint i = 0; i < added; i++)
    {
      g_autoptr(DropifyDrop) drop = g_list_model_get_item (model, position + i);
      g_ptr_array_insert (mirror->mirror, position + i, g_strdup (dropify_drop_get_id (drop)));
    }
}

static char *
mirror_ids (Mirror *mirror)
{
  g_ptr_array_add (mirror->mirror, NULL);
  {
    char *ids = g_strjoinv (" ", (char **) mirror->mirror->pdata);
    g_ptr_array_remove_index (mirror->mirror, mirror->mirror->len - 1);
    return ids;
  }
}

static void
test_add_list_order (Fixture       *fixture,
                     gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (fixture->history);
  Mirror mirror = { g_ptr_array_new_with_free_func (g_free) };
  g_autofree char *ids = NULL;
  g_autofree char *seen = NULL;

  g_signal_connect (model, "items-changed", G_CALLBACK (mirror_items_changed), &mirror);

  /* Added out of order; the model sorts newest first. */
  add_ok (fixture->history, text_drop ("b", "two", T0 + 2, T0 + HOUR));
  add_ok (fixture->history, text_drop ("c", "three", T0 + 3, T0 + HOUR));
  add_ok (fixture->history, text_drop ("a", "one", T0 + 1, T0 + HOUR));

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 3);
  g_assert_true (g_list_model_get_item_type (model) == DROPIFY_TYPE_DROP);
  ids = model_ids (model);
  g_assert_cmpstr (ids, ==, "c b a");
  seen = mirror_ids (&mirror);
  g_assert_cmpstr (seen, ==, "c b a");
  g_assert_null (g_list_model_get_item (model, 3));

  g_assert_cmpstr (dropify_drop_get_text (dropify_history_lookup (fixture->history, "b")), ==, "two");
  g_assert_null (dropify_history_lookup (fixture->history, "zzz"));

  g_ptr_array_unref (mirror.mirror);
}

static void
removed_cb (DropifyHistory *history,
            DropifyDrop    *drop,
            gboolean        expired,
            GString        *log)
{
  g_string_append_printf (log, "%s:%s ", dropify_drop_get_id (drop), expired ? "expired" : "deleted");
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b,
                 gpointer      user_data)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static char *
search (Fixture    *fixture,
        const char *text,
        int         kind)
{
  g_autoptr(GHashTable) found = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **ids = NULL;

  found = dropify_history_search (fixture->history, text, kind, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (found);

  ids = g_new0 (const char *, g_hash_table_size (found) + 1);
  {
    GHashTableIter iter;
    gpointer drop;
    guint n = 0;

    g_hash_table_iter_init (&iter, found);
    while (g_hash_table_iter_next (&iter, &drop, NULL))
      ids[n++] = dropify_drop_get_id (drop);
  }
  g_qsort_with_data (ids, g_hash_table_size (found), sizeof (char *), compare_strings, NULL);

  return g_strjoinv (" ", (char **) ids);
}

/* Texts and file names, any case, by kind; what is typed is taken as it
 * is, wildcards included; deleted and expired drops are not found. */
static void
test_search (Fixture       *fixture,
             gconstpointer  data)
{
  const struct {
    const char *text;
    int         kind;
    const char *ids;
  } cases[] = {
    { "", -1, "a b c d e h i j" },
    { NULL, DROPIFY_DROP_KIND_FILE, "d e i" },
    { "world", -1, "a" },
    { "WORLD", -1, "a" },
    { "report", -1, "d" },
    { "report", DROPIFY_DROP_KIND_TEXT, "" },
    { "100%", -1, "b" },
    { "%", -1, "b" },
    { "_", -1, "e" },
    { "a_b", -1, "e" },
    { "\\", -1, "c" },
    { "o", DROPIFY_DROP_KIND_TEXT, "a" },
    { "temp", -1, "c" },
    { "c:", -1, "c" },
    { "d w", -1, "" },
    { "o w", -1, "a" },
    { "hello world!", -1, "" },
    { "nothing like it", -1, "" },
    { "ÉTÉ", -1, "h" },
    { "été", -1, "h" },
    { "Été à", -1, "h" },
    { "ÜBER", -1, "i" },
    { "über.TXT", -1, "i" },
    { "ПРИВЕТ", -1, "j" },
    { "е", DROPIFY_DROP_KIND_TEXT, "j" },
    { "ete", -1, "" },
    { "é", DROPIFY_DROP_KIND_FILE, "" },
  };
  g_autoptr(GError) error = NULL;

  add_ok (fixture->history, text_drop ("a", "Hello World", T0 + 1, T0 + HOUR));
  add_ok (fixture->history, text_drop ("b", "100% sure", T0 + 2, T0 + HOUR));
  add_ok (fixture->history, text_drop ("c", "C:\\Temp", T0 + 3, T0 + HOUR));
  add_ok (fixture->history, file_drop ("d", "Report.pdf", "0000000000000000000000000000000000000000000000000000000000000001", 10, T0 + HOUR));
  add_ok (fixture->history, file_drop ("e", "a_b.txt", "0000000000000000000000000000000000000000000000000000000000000002", 10, T0 + HOUR));
  add_ok (fixture->history, text_drop ("h", "L’été à Paris", T0 + 6, T0 + HOUR));
  add_ok (fixture->history, file_drop ("i", "Über.txt", "0000000000000000000000000000000000000000000000000000000000000003", 10, T0 + HOUR));
  add_ok (fixture->history, text_drop ("j", "Привет, мир", T0 + 7, T0 + HOUR));
  add_ok (fixture->history, text_drop ("f", "deleted world", T0 + 4, T0 + HOUR));
  add_ok (fixture->history, text_drop ("g", "expiring world", T0 + 5, T0 + 10));
  g_assert_true (dropify_history_delete (fixture->history, "f", &error));
  g_assert_no_error (error);
  fixture->clock.now = T0 + 20;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *ids = search (fixture, cases[i].text, cases[i].kind);

      g_assert_cmpstr (ids, ==, cases[i].ids);
    }
}

/* The search narrows to one device's drops, and the devices to choose
 * from are those the drops come from, newest first. */
static void
test_search_by_origin (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GHashTable) found = NULL;
  g_autoptr(GPtrArray) origins = NULL;
  g_autoptr(GError) error = NULL;

  add_ok (fixture->history, dropify_drop_new_text ("l1", "laptop-id", "Old Laptop Name", "one", T0 + 1, T0 + HOUR));
  add_ok (fixture->history, dropify_drop_new_text ("p1", "phone-id", "Anna’s Pixel", "two", T0 + 2, T0 + HOUR));
  add_ok (fixture->history, dropify_drop_new_text ("l2", "laptop-id", "Laptop", "three one", T0 + 3, T0 + HOUR));

  found = dropify_history_search (fixture->history, "one", -1, "laptop-id", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (found), ==, 2);
  g_clear_pointer (&found, g_hash_table_unref);

  found = dropify_history_search (fixture->history, "", -1, "phone-id", &error);
  g_assert_cmpuint (g_hash_table_size (found), ==, 1);
  g_assert_true (g_hash_table_contains (found, dropify_history_lookup (fixture->history, "p1")));
  g_clear_pointer (&found, g_hash_table_unref);

  found = dropify_history_search (fixture->history, "one", -1, "phone-id", &error);
  g_assert_cmpuint (g_hash_table_size (found), ==, 0);

  origins = dropify_history_dup_origins (fixture->history, 10);
  g_assert_cmpuint (origins->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (origins, 0), ==, "laptop-id");
  g_assert_cmpstr (g_ptr_array_index (origins, 1), ==, "Laptop");
  g_assert_cmpstr (g_ptr_array_index (origins, 2), ==, "phone-id");
  g_assert_cmpstr (g_ptr_array_index (origins, 3), ==, "Anna’s Pixel");
  g_clear_pointer (&origins, g_ptr_array_unref);

  origins = dropify_history_dup_origins (fixture->history, 1);
  g_assert_cmpuint (origins->len, ==, 2);
}

static void
test_delete_tombstone (Fixture       *fixture,
                       gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (fixture->history);
  Mirror mirror = { g_ptr_array_new_with_free_func (g_free) };
  g_autoptr(GString) log = g_string_new (NULL);
  g_autoptr(DropifyDrop) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *seen = NULL;

  add_ok (fixture->history, text_drop ("a", "one", T0 + 1, T0 + HOUR));
  add_ok (fixture->history, text_drop ("b", "two", T0 + 2, T0 + HOUR));
  add_ok (fixture->history, text_drop ("c", "three", T0 + 3, T0 + HOUR));

  g_signal_connect (model, "items-changed", G_CALLBACK (mirror_items_changed), &mirror);
  g_signal_connect (fixture->history, "drop-removed", G_CALLBACK (removed_cb), log);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(DropifyDrop) drop = g_list_model_get_item (model, i);
      g_ptr_array_add (mirror.mirror, g_strdup (dropify_drop_get_id (drop)));
    }

  g_assert_true (dropify_history_delete (fixture->history, "b", &error));
  g_assert_no_error (error);
  ids = model_ids (model);
  g_assert_cmpstr (ids, ==, "c a");
  seen = mirror_ids (&mirror);
  g_assert_cmpstr (seen, ==, "c a");
  g_assert_cmpstr (log->str, ==, "b:deleted ");
  g_assert_true (dropify_history_is_deleted (fixture->history, "b"));
  g_assert_null (dropify_history_lookup (fixture->history, "b"));

  /* A peer that still has it cannot bring it back. */
  again = text_drop ("b", "two", T0 + 2, T0 + HOUR);
  g_assert_false (dropify_history_add (fixture->history, again, &error));
  g_assert_error (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_DELETED);
  g_clear_error (&error);

  g_assert_false (dropify_history_delete (fixture->history, "b", &error));
  g_assert_error (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_NOT_FOUND);

  /* The tombstone survives a restart. */
  reopen_history (fixture);
  g_assert_true (dropify_history_is_deleted (fixture->history, "b"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->history)), ==, 2);

  g_ptr_array_unref (mirror.mirror);
}

static void
test_expiry_injected_clock (Fixture       *fixture,
                            gconstpointer  data)
{
  GListModel *model = G_LIST_MODEL (fixture->history);
  Mirror mirror = { g_ptr_array_new_with_free_func (g_free) };
  g_autoptr(GString) log = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *seen = NULL;

  /* Interleave expiries so the removed ones are not contiguous. */
  add_ok (fixture->history, text_drop ("a", "one", T0 + 1, T0 + 3000));
  add_ok (fixture->history, text_drop ("b", "two", T0 + 2, T0 + 1000));
  add_ok (fixture->history, text_drop ("c", "three", T0 + 3, T0 + 4000));
  add_ok (fixture->history, text_drop ("d", "four", T0 + 4, T0 + 2000));
  add_ok (fixture->history, text_drop ("e", "five", T0 + 5, T0 + 1500));
  g_assert_true (dropify_history_delete (fixture->history, "e", &error));
  g_assert_cmpint (dropify_history_get_next_expiry (fixture->history), ==, T0 + 1000);

  g_signal_connect (model, "items-changed", G_CALLBACK (mirror_items_changed), &mirror);
  g_signal_connect (fixture->history, "drop-removed", G_CALLBACK (removed_cb), log);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(DropifyDrop) drop = g_list_model_get_item (model, i);
      g_ptr_array_add (mirror.mirror, g_strdup (dropify_drop_get_id (drop)));
    }

  /* Nothing has expired yet. */
  g_assert_cmpuint (dropify_history_sweep (fixture->history), ==, 0);

  fixture->clock.now = T0 + 2000;
  g_assert_cmpuint (dropify_history_sweep (fixture->history), ==, 2);
  ids = model_ids (model);
  g_assert_cmpstr (ids, ==, "c a");
  seen = mirror_ids (&mirror);
  g_assert_cmpstr (seen, ==, "c a");
  g_assert_cmpstr (log->str, ==, "b:expired d:expired ");
  /* The tombstone went with its drop's expiry. */
  g_assert_false (dropify_history_is_deleted (fixture->history, "e"));
  g_assert_cmpint (dropify_history_get_next_expiry (fixture->history), ==, T0 + 3000);

  /* Expired rows are gone from disk too. */
  reopen_history (fixture);
  g_clear_pointer (&ids, g_free);
  ids = model_ids (G_LIST_MODEL (fixture->history));
  g_assert_cmpstr (ids, ==, "c a");

  /* An expired drop is never accepted. */
  {
    g_autoptr(DropifyDrop) late = text_drop ("f", "late", T0, T0 + 2000);
    g_assert_false (dropify_history_add (fixture->history, late, &error));
    g_assert_error (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_EXPIRED);
  }

  g_ptr_array_unref (mirror.mirror);
}

static gboolean
history_is_empty (gpointer data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (data)) == 0;
}

static void
test_expiry_timer (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  int64_t now;

  /* This one runs on the real clock: the timer alone must remove it. */
  g_clear_object (&fixture->history);
  fixture->history = dropify_history_new (fixture->db_path, fixture->blobs, NULL, NULL, &error);
  g_assert_no_error (error);

  now = dropify_history_now (fixture->history);
  drop = text_drop ("soon", "gone soon", now, now + 300);
  add_ok (fixture->history, g_object_ref (drop));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->history)), ==, 1);

  g_assert_true (dropify_test_wait_for (history_is_empty, fixture->history, 5000));
  g_assert_cmpint (dropify_history_now (fixture->history), >=, now + 300);
}

static void
test_persistence (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *ids = NULL;
  DropifyDrop *drop;

  add_ok (fixture->history, text_drop ("a", "één – unicode ✓", T0 + 1, T0 + HOUR));
  add_ok (fixture->history,
          file_drop ("f", "notes.txt", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                     4, T0 + 2 * HOUR));

  reopen_history (fixture);

  ids = model_ids (G_LIST_MODEL (fixture->history));
  g_assert_cmpstr (ids, ==, "a f");

  drop = dropify_history_lookup (fixture->history, "a");
  g_assert_cmpstr (dropify_drop_get_text (drop), ==, "één – unicode ✓");
  g_assert_cmpstr (dropify_drop_get_origin (drop), ==, "origin-a");
  g_assert_cmpstr (dropify_drop_get_origin_name (drop), ==, "Laptop");
  g_assert_cmpint (dropify_drop_get_created_at (drop), ==, T0 + 1);
  g_assert_cmpint (dropify_drop_get_expires_at (drop), ==, T0 + HOUR);

  drop = dropify_history_lookup (fixture->history, "f");
  g_assert_cmpint (dropify_drop_get_kind (drop), ==, DROPIFY_DROP_KIND_FILE);
  g_assert_cmpstr (dropify_drop_get_name (drop), ==, "notes.txt");
  g_assert_cmpstr (dropify_drop_get_mime (drop), ==, "text/plain");
  g_assert_cmpuint (dropify_drop_get_size (drop), ==, 4);
  g_assert_false (dropify_drop_get_complete (drop));
  g_assert_null (dropify_drop_get_path (drop));
}

static void
store_blob (DropifyBlobStore *blobs,
            const char       *content,
            char            **sha256)
{
  g_autoptr(DropifyBlobWriter) writer = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = strlen (content);

  *sha256 = g_compute_checksum_for_string (G_CHECKSUM_SHA256, content, len);
  writer = dropify_blob_store_open_writer (blobs, *sha256, len, &error);
  g_assert_no_error (error);
  g_assert_true (dropify_blob_writer_write (writer, (const guint8 *) content, len, &error));
  g_assert_true (dropify_blob_writer_finish (writer, &error));
  g_assert_no_error (error);
}

/* A file's check that finishes after the service stopped finds the
 * history closed: a clear error, not SQLite's "API misuse" (which a
 * stopping instance used to log). */
static void
test_mark_complete_after_close (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *sha256 = NULL;
  g_autoptr(GError) error = NULL;

  store_blob (fixture->blobs, "checked as the service stopped", &sha256);
  add_ok (fixture->history, file_drop ("late", "late.txt", sha256, 30, T0 + HOUR));

  dropify_history_close (fixture->history);
  g_assert_false (dropify_history_mark_complete (fixture->history, "late", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);
}

static int
user_version (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return version;
}

/* The query plan's details, one per line. */
static char *
query_plan (const char *path,
            const char *sql)
{
  g_autofree char *explain = g_strconcat ("EXPLAIN QUERY PLAN ", sql, NULL);
  GString *plan = g_string_new (NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, explain, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (plan, "%s\n", (const char *) sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return g_string_free (plan, FALSE);
}

static void
exec_sql (const char *path,
          const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s", message);
  sqlite3_close (db);
}

static void
test_migration_from_v1 (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *old_sha = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  DropifyDrop *drop;

  store_blob (fixture->blobs, "old", &old_sha);

  /* A history exactly as format 1 wrote it. */
  sql = g_strdup_printf (
    "CREATE TABLE drops (id TEXT PRIMARY KEY NOT NULL, kind INTEGER NOT NULL, text TEXT,"
    " name TEXT, size INTEGER NOT NULL DEFAULT 0, sha256 TEXT, origin TEXT NOT NULL,"
    " origin_name TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
    " complete INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
    "CREATE INDEX drops_expires_at ON drops (expires_at);"
    "CREATE TABLE tombstones (id TEXT PRIMARY KEY NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX tombstones_expires_at ON tombstones (expires_at);"
    "INSERT INTO drops VALUES ('old', 0, 'from format 1', NULL, 0, NULL, 'o', 'Old laptop',"
    " %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", 1);"
    "INSERT INTO drops VALUES ('oldfile', 1, NULL, 'old.txt', 3, '%s', 'o', 'Old laptop',"
    " %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", 1);"
    "INSERT INTO tombstones VALUES ('gone', %" G_GINT64_FORMAT ");"
    "PRAGMA user_version = 1;",
    T0, T0 + HOUR, old_sha, T0, T0 + HOUR, T0 + HOUR);
  exec_sql (fixture->db_path, sql);

  open_history (fixture);
  g_assert_no_error (error);

  g_assert_cmpint (user_version (fixture->db_path), ==, DROPIFY_HISTORY_SCHEMA_VERSION);
  drop = dropify_history_lookup (fixture->history, "old");
  g_assert_nonnull (drop);
  g_assert_cmpstr (dropify_drop_get_text (drop), ==, "from format 1");
  g_assert_true (dropify_history_is_deleted (fixture->history, "gone"));

  /* Files received before auto-save existed are never copied by it. */
  g_assert_true (dropify_drop_get_complete (dropify_history_lookup (fixture->history, "oldfile")));
  g_assert_true (dropify_history_get_auto_saved (fixture->history, "oldfile"));
  pending = dropify_history_find_auto_save_pending (fixture->history);
  g_assert_cmpuint (pending->len, ==, 0);

  /* Text drops left the blob index, and blob lookups still use it. */
  {
    g_autofree char *plan = query_plan (fixture->db_path, "SELECT 1 FROM drops WHERE sha256 = 'x' LIMIT 1");

    g_autofree char *text_plan = query_plan (fixture->db_path, "SELECT 1 FROM drops WHERE sha256 IS NULL");

    g_assert_nonnull (strstr (plan, "INDEX drops_sha256 (sha256=?)"));
    g_assert_null (strstr (text_plan, "drops_sha256"));
  }

  /* Drops from before audiences are for every device. */
  g_assert_false (dropify_drop_is_targeted (drop));

  /* The new column works. */
  add_ok (fixture->history,
          file_drop ("new", "a.pdf", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                     4, T0 + HOUR));
  reopen_history (fixture);
  g_assert_cmpstr (dropify_drop_get_mime (dropify_history_lookup (fixture->history, "new")), ==,
                   "text/plain");
}

/* Who a drop is for is stored with it, and checked against its id like
 * every other field, when it is added and when the file is read again. */
static void
test_audience (Fixture       *fixture,
               gconstpointer  data)
{
  const char * const audience[] = { "phone", "laptop", NULL };
  g_autofree char *id = dropify_drop_new_id (audience);
  g_autofree char *plain = dropify_drop_new_id (NULL);
  g_autoptr(DropifyDrop) drop = dropify_drop_new_text (id, "desktop", "Desktop", "for two", T0, T0 + HOUR);
  g_autoptr(DropifyDrop) forged = dropify_drop_new_text (plain, "desktop", "Desktop", "x", T0, T0 + HOUR);
  g_autoptr(DropifyDrop) untagged = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = NULL;
  DropifyDrop *stored;

  dropify_drop_set_audience (drop, audience);
  add_ok (fixture->history, g_object_ref (drop));

  /* An audience the id does not carry is refused. */
  dropify_drop_set_audience (forged, audience);
  g_assert_false (dropify_history_add (fixture->history, forged, &error));
  g_assert_error (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_INVALID);
  g_clear_error (&error);
  untagged = dropify_drop_new_text (id, "desktop", "Desktop", "x", T0, T0 + HOUR);
  g_assert_false (dropify_history_add (fixture->history, untagged, &error));
  g_assert_error (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_INVALID);
  g_clear_error (&error);

  /* It survives a restart, audience and all. */
  reopen_history (fixture);

  stored = dropify_history_lookup (fixture->history, id);
  g_assert_nonnull (stored);
  g_assert_true (dropify_drop_is_targeted (stored));
  g_assert_cmpuint (g_strv_length ((char **) dropify_drop_get_audience (stored)), ==, 2);
  g_assert_cmpstr (dropify_drop_get_audience (stored)[0], ==, "laptop");
  g_assert_true (dropify_drop_is_for (stored, "phone"));
  g_assert_false (dropify_drop_is_for (stored, "tv"));

  /* A file changed behind our back to widen the audience: the drop is
   * left out rather than offered to a device it was not meant for. */
  g_clear_object (&fixture->history);
  sql = g_strdup_printf ("UPDATE drops SET audience = 'laptop,phone,tv' WHERE id = '%s';", id);
  exec_sql (fixture->db_path, sql);
  open_history (fixture);
  g_assert_null (dropify_history_lookup (fixture->history, id));
}

static void
assert_refused_untouched (Fixture    *fixture,
                          const char *contents,
                          gsize       len,
                          int         code)
{
  g_autoptr(DropifyHistory) history = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;
  g_autofree char *wal = g_strconcat (fixture->db_path, "-wal", NULL);
  gsize after_len;

  history = dropify_history_new (fixture->db_path, fixture->blobs, dropify_test_clock_now,
                                 &fixture->clock, &error);
  g_assert_null (history);
  g_assert_error (error, DROPIFY_HISTORY_ERROR, code);
  g_assert_nonnull (strstr (error->message, fixture->db_path));
  g_test_message ("refused with: %s", error->message);

  g_file_get_contents (fixture->db_path, &after, &after_len, NULL);
  g_assert_cmpmem (after, after_len, contents, len);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
}

static void
test_corrupt_refused (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GString) garbage = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 200; i++)
    g_string_append (garbage, "this is not a database, it is someone's notes\n");

  g_file_set_contents (fixture->db_path, garbage->str, garbage->len, &error);
  g_assert_no_error (error);

  assert_refused_untouched (fixture, garbage->str, garbage->len, DROPIFY_HISTORY_ERROR_CORRUPT);
}

static void
test_damaged_pages_refused (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  /* A real history whose table pages were overwritten. */
  open_history (fixture);
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *id = g_strdup_printf ("drop-%u", i);
      g_autofree char *text = g_strnfill (500, 'x');
      add_ok (fixture->history, text_drop (id, text, T0 + i, T0 + HOUR));
    }
  g_clear_object (&fixture->history);
  exec_sql (fixture->db_path, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;");

  g_file_get_contents (fixture->db_path, &contents, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (len, >, 8192);
  memset (contents + 4096, 0xA5, len - 4096);
  g_file_set_contents (fixture->db_path, contents, len, &error);
  g_assert_no_error (error);

  assert_refused_untouched (fixture, contents, len, DROPIFY_HISTORY_ERROR_CORRUPT);
}

static void
test_newer_schema_refused (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  exec_sql (fixture->db_path, "CREATE TABLE future (x); PRAGMA user_version = 99;");
  g_file_get_contents (fixture->db_path, &contents, &len, &error);
  g_assert_no_error (error);

  assert_refused_untouched (fixture, contents, len, DROPIFY_HISTORY_ERROR_NEWER_SCHEMA);
  g_assert_cmpint (user_version (fixture->db_path), ==, 99);
}

static void
test_limits (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(DropifyDrop) long_text = NULL;
  g_autoptr(DropifyDrop) big_file = NULL;
  g_autoptr(GError) error = NULL;

  dropify_history_set_max_text_length (fixture->history, 10);
  dropify_history_set_max_file_size (fixture->history, 100);

  add_ok (fixture->history, text_drop ("fits", "0123456789", T0, T0 + HOUR));

  long_text = text_drop ("long", "0123456789A", T0, T0 + HOUR);
  g_assert_false (dropify_history_add (fixture->history, long_text, &error));
  g_assert_error (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_TOO_LARGE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  big_file = file_drop ("big", "big.iso", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                        101, T0 + HOUR);
  g_assert_false (dropify_history_add (fixture->history, big_file, &error));
  g_assert_error (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_TOO_LARGE);

  /* Nothing of either was stored. */
  reopen_history (fixture);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->history)), ==, 1);
  g_assert_nonnull (dropify_history_lookup (fixture->history, "fits"));
}

static void
test_hostile_drops (Fixture       *fixture,
                    gconstpointer  data)
{
  const char *sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  struct {
    const char  *what;
    DropifyDrop *drop;
    int          code;
  } cases[] = {
    { "bad UTF-8 text", text_drop ("u1", "caf\xc3\x28", T0, T0 + HOUR), DROPIFY_HISTORY_ERROR_INVALID },
    { "empty text", text_drop ("u2", "", T0, T0 + HOUR), DROPIFY_HISTORY_ERROR_INVALID },
    { "path traversal", file_drop ("u3", "../../etc/passwd", sha, 4, T0 + HOUR), DROPIFY_HISTORY_ERROR_INVALID },
    { "absolute path", file_drop ("u4", "/etc/passwd", sha, 4, T0 + HOUR), DROPIFY_HISTORY_ERROR_INVALID },
    { "dot-dot", file_drop ("u5", "..", sha, 4, T0 + HOUR), DROPIFY_HISTORY_ERROR_INVALID },
    { "backslash", file_drop ("u6", "..\\..\\x", sha, 4, T0 + HOUR), DROPIFY_HISTORY_ERROR_INVALID },
    { "control char", file_drop ("u7", "a\x1b[31mb", sha, 4, T0 + HOUR), DROPIFY_HISTORY_ERROR_INVALID },
    { "bad UTF-8 name", file_drop ("u8", "\xff\xfe", sha, 4, T0 + HOUR), DROPIFY_HISTORY_ERROR_INVALID },
    { "bad hash", file_drop ("u9", "a", "../../x", 4, T0 + HOUR), DROPIFY_HISTORY_ERROR_INVALID },
    { "id with slash", text_drop ("../x", "hi", T0, T0 + HOUR), DROPIFY_HISTORY_ERROR_INVALID },
    { "already expired", text_drop ("u10", "hi", T0 - HOUR, T0), DROPIFY_HISTORY_ERROR_EXPIRED },
    { "expires before made", text_drop ("u11", "hi", T0 + 2 * HOUR, T0 + HOUR), DROPIFY_HISTORY_ERROR_INVALID },
    { "duplicate", text_drop ("keep", "other", T0, T0 + HOUR), DROPIFY_HISTORY_ERROR_EXISTS },
    { "huge size", file_drop ("u12", "a", sha, G_MAXUINT64, T0 + HOUR), DROPIFY_HISTORY_ERROR_TOO_LARGE },
  };

  add_ok (fixture->history, text_drop ("keep", "precious", T0, T0 + HOUR));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("case: %s", cases[i].what);
      g_assert_false (dropify_history_add (fixture->history, cases[i].drop, &error));
      g_assert_error (error, DROPIFY_HISTORY_ERROR, cases[i].code);
      g_object_unref (cases[i].drop);
    }

  reopen_history (fixture);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->history)), ==, 1);
  g_assert_cmpstr (dropify_drop_get_text (dropify_history_lookup (fixture->history, "keep")), ==,
                   "precious");
}

static void
test_blob_lifetime (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *sha = NULL;
  g_autofree char *other = NULL;
  g_autoptr(GError) error = NULL;
  DropifyDrop *drop;

  store_blob (fixture->blobs, "shared content", &sha);
  store_blob (fixture->blobs, "expiring content", &other);

  add_ok (fixture->history, file_drop ("one", "a.txt", sha, 14, T0 + HOUR));
  add_ok (fixture->history, file_drop ("two", "b.txt", sha, 14, T0 + HOUR));
  add_ok (fixture->history, file_drop ("three", "c.txt", other, 16, T0 + 1000));

  /* Present blobs make drops complete at once, with a path. */
  drop = dropify_history_lookup (fixture->history, "one");
  g_assert_true (dropify_drop_get_complete (drop));
  g_assert_true (g_file_test (dropify_drop_get_path (drop), G_FILE_TEST_IS_REGULAR));

  /* A blob stays while a live drop uses it… */
  g_assert_true (dropify_history_delete (fixture->history, "one", &error));
  g_assert_true (dropify_blob_store_contains (fixture->blobs, sha));
  /* …and goes with the last one. */
  g_assert_true (dropify_history_delete (fixture->history, "two", &error));
  g_assert_no_error (error);
  g_assert_false (dropify_blob_store_contains (fixture->blobs, sha));

  /* Expiry removes blobs too. */
  fixture->clock.now = T0 + 1000;
  g_assert_cmpuint (dropify_history_sweep (fixture->history), ==, 1);
  g_assert_false (dropify_blob_store_contains (fixture->blobs, other));
}

static void
test_complete_on_reopen (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "late", 4);
  g_autofree char *stored = NULL;
  DropifyDrop *drop;

  add_ok (fixture->history, file_drop ("f", "late.txt", sha, 4, T0 + HOUR));
  g_assert_false (dropify_drop_get_complete (dropify_history_lookup (fixture->history, "f")));

  /* The blob arrives, and the process dies before marking the drop. */
  g_clear_object (&fixture->history);
  store_blob (fixture->blobs, "late", &stored);

  open_history (fixture);
  drop = dropify_history_lookup (fixture->history, "f");
  g_assert_true (dropify_drop_get_complete (drop));
  g_assert_nonnull (dropify_drop_get_path (drop));
  g_assert_cmpuint (dropify_drop_get_received (drop), ==, 4);

  /* A blob removed behind our back is not offered as complete. */
  g_clear_object (&fixture->history);
  g_assert_true (dropify_blob_store_remove (fixture->blobs, sha, NULL));
  open_history (fixture);
  g_assert_false (dropify_drop_get_complete (dropify_history_lookup (fixture->history, "f")));
}

static void
count_completed (DropifyHistory *history,
                 DropifyDrop    *drop,
                 GPtrArray      *completed)
{
  g_assert_true (dropify_drop_get_complete (drop));
  g_ptr_array_add (completed, g_strdup (dropify_drop_get_id (drop)));
}

static char *
pending_ids (DropifyHistory *history)
{
  g_autoptr(GPtrArray) pending = dropify_history_find_auto_save_pending (history);
  g_autoptr(GString) ids = g_string_new (NULL);

  for (guint i = 0; i < pending->len; i++)
    {
      if (i > 0)
        g_string_append_c (ids, ' ');
      g_string_append (ids, dropify_drop_get_id (g_ptr_array_index (pending, i)));
    }

  return g_string_free (g_steal_pointer (&ids), FALSE);
}

/* What auto-save relies on: one signal when a file's content is in, and
 * a mark that survives a restart. */
static void
test_auto_save_marks (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) completed = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *present = NULL;
  g_autofree char *later = NULL;
  g_autofree char *later_sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "later", 5);
  g_autofree char *ids = NULL;
  g_autoptr(GError) error = NULL;
  DropifyDrop *late;

  g_signal_connect (fixture->history, "drop-completed", G_CALLBACK (count_completed), completed);

  store_blob (fixture->blobs, "present", &present);
  add_ok (fixture->history, text_drop ("text", "not a file", T0, T0 + HOUR));
  add_ok (fixture->history, file_drop ("now", "now.txt", present, 7, T0 + HOUR));
  add_ok (fixture->history, file_drop ("late", "late.txt", later_sha, 5, T0 + HOUR));
  g_assert_cmpuint (completed->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (completed, 0), ==, "now");

  /* Incomplete files wait; a second mark is not a second completion. */
  g_assert_cmpstr ((ids = pending_ids (fixture->history)), ==, "now");
  g_clear_pointer (&ids, g_free);
  store_blob (fixture->blobs, "later", &later);
  g_assert_true (dropify_history_mark_complete (fixture->history, "late", &error));
  g_assert_no_error (error);
  late = dropify_history_lookup (fixture->history, "late");
  g_assert_true (dropify_drop_get_complete (late));
  g_assert_true (dropify_history_mark_complete (fixture->history, "late", &error));
  g_assert_cmpuint (completed->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (completed, 1), ==, "late");

  /* Oldest first; these were made at the same time, so by id. */
  g_assert_cmpstr ((ids = pending_ids (fixture->history)), ==, "late now");
  g_clear_pointer (&ids, g_free);
  g_assert_false (dropify_history_get_auto_saved (fixture->history, "now"));
  g_assert_true (dropify_history_set_auto_saved (fixture->history, "now", &error));
  g_assert_no_error (error);
  g_assert_true (dropify_history_get_auto_saved (fixture->history, "now"));

  /* Kept across a restart. */
  reopen_history (fixture);
  g_assert_true (dropify_history_get_auto_saved (fixture->history, "now"));
  g_assert_false (dropify_history_get_auto_saved (fixture->history, "late"));
  g_assert_cmpstr ((ids = pending_ids (fixture->history)), ==, "late");
  g_clear_pointer (&ids, g_free);

  /* All at once. */
  g_assert_true (dropify_history_set_auto_saved (fixture->history, NULL, &error));
  g_assert_cmpstr ((ids = pending_ids (fixture->history)), ==, "");
  g_assert_true (dropify_history_get_auto_saved (fixture->history, "late"));
  g_assert_false (dropify_history_get_auto_saved (fixture->history, "text"));
}

static guint
count_rows (const char *path,
            const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint n = 0;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return n;
}

static GPtrArray *
ids_of (const char *first,
        ...)
{
  GPtrArray *ids = g_ptr_array_new ();
  va_list args;

  va_start (args, first);
  for (const char *id = first; id != NULL; id = va_arg (args, const char *))
    g_ptr_array_add (ids, (gpointer) id);
  va_end (args);

  return ids;
}

static void
count_cb (guint *count)
{
  (*count)++;
}

static DropifyHolder *
holder_of (DropifyHistory *history,
           const char     *drop_id,
           const char     *device_id)
{
  GPtrArray *holders = dropify_drop_get_holders (dropify_history_lookup (history, drop_id));

  for (guint i = 0; holders != NULL && i < holders->len; i++)
    if (g_str_equal (((DropifyHolder *) holders->pdata[i])->device_id, device_id))
      return holders->pdata[i];

  return NULL;
}

/* Which devices hold a drop and its content: kept across restarts,
 * written in one go, gone with the drop and with the device. */
static void
test_holders (Fixture       *fixture,
              gconstpointer  data)
{
  const char *sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  g_autoptr(GPtrArray) both = ids_of ("text", "file", "not-here", NULL);
  g_autoptr(GPtrArray) file = ids_of ("file", NULL);
  g_autoptr(GError) error = NULL;
  guint notified = 0;
  DropifyHolder *holder;

  add_ok (fixture->history, text_drop ("text", "hello", T0, T0 + HOUR));
  add_ok (fixture->history, file_drop ("file", "a.txt", sha, 4, T0 + HOUR));
  g_signal_connect_swapped (dropify_history_lookup (fixture->history, "text"), "notify::holders",
                            G_CALLBACK (count_cb), &notified);

  /* Ids it does not hold are skipped; a fact known already changes nothing. */
  g_assert_cmpuint (dropify_history_add_holders (fixture->history, "laptop", both,
                                                 DROPIFY_HOLDING_DROP), ==, 2);
  g_assert_cmpuint (dropify_history_add_holders (fixture->history, "laptop", both,
                                                 DROPIFY_HOLDING_DROP), ==, 0);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpuint (dropify_history_add_holders (fixture->history, "laptop", file,
                                                 DROPIFY_HOLDING_CONTENT), ==, 1);
  g_assert_cmpuint (dropify_history_add_holders (fixture->history, "phone", file,
                                                 DROPIFY_HOLDING_DROP), ==, 1);

  reopen_history (fixture);
  holder = holder_of (fixture->history, "file", "laptop");
  g_assert_nonnull (holder);
  g_assert_true (holder->drop);
  g_assert_true (holder->content);
  g_assert_cmpint (holder->since, ==, T0);
  holder = holder_of (fixture->history, "file", "phone");
  g_assert_nonnull (holder);
  g_assert_false (holder->content);
  g_assert_nonnull (holder_of (fixture->history, "text", "laptop"));
  g_assert_cmpuint (count_rows (fixture->db_path, "SELECT COUNT(*) FROM holders"), ==, 4);

  /* A forgotten device holds nothing. */
  dropify_history_forget_holder (fixture->history, "phone");
  g_assert_null (holder_of (fixture->history, "file", "phone"));
  g_assert_cmpuint (count_rows (fixture->db_path, "SELECT COUNT(*) FROM holders"), ==, 3);

  /* The rows go with their drop, deleted or expired. */
  g_assert_true (dropify_history_delete (fixture->history, "text", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_rows (fixture->db_path,
                                "SELECT COUNT(*) FROM holders WHERE drop_id = 'text'"), ==, 0);
  fixture->clock.now = T0 + HOUR;
  g_assert_cmpuint (dropify_history_sweep (fixture->history), ==, 1);
  g_assert_cmpuint (count_rows (fixture->db_path, "SELECT COUNT(*) FROM holders"), ==, 0);
}

/* However many devices claim a drop, it keeps at most
 * DROPIFY_DROP_MAX_HOLDERS of them, two rows each. */
static void
test_holders_bounded (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) ids = ids_of ("text", NULL);

  add_ok (fixture->history, text_drop ("text", "hello", T0, T0 + HOUR));
  for (guint i = 0; i < DROPIFY_DROP_MAX_HOLDERS + 10; i++)
    {
      g_autofree char *device = g_strdup_printf ("device-%u", i);

      dropify_history_add_holders (fixture->history, device, ids, DROPIFY_HOLDING_DROP);
      dropify_history_add_holders (fixture->history, device, ids, DROPIFY_HOLDING_CONTENT);
    }

  g_assert_cmpuint (dropify_drop_get_holders (dropify_history_lookup (fixture->history, "text"))->len,
                    ==, DROPIFY_DROP_MAX_HOLDERS);
  g_assert_cmpuint (count_rows (fixture->db_path, "SELECT COUNT(*) FROM holders"), ==,
                    2 * DROPIFY_DROP_MAX_HOLDERS);
  reopen_history (fixture);
  g_assert_cmpuint (dropify_drop_get_holders (dropify_history_lookup (fixture->history, "text"))->len,
                    ==, DROPIFY_DROP_MAX_HOLDERS);
}

/* A history written by format 5 opens with every drop and no holders,
 * and then keeps them. */
static void
test_migration_from_v5 (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) ids = ids_of ("old", NULL);
  g_autofree char *sql = NULL;

  sql = g_strdup_printf (
    "CREATE TABLE drops (id TEXT PRIMARY KEY NOT NULL, kind INTEGER NOT NULL, text TEXT,"
    " name TEXT, size INTEGER NOT NULL DEFAULT 0, sha256 TEXT, origin TEXT NOT NULL,"
    " origin_name TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,"
    " complete INTEGER NOT NULL DEFAULT 0, mime TEXT, auto_saved INTEGER NOT NULL DEFAULT 0,"
    " audience TEXT) WITHOUT ROWID;"
    "CREATE INDEX drops_expires_at ON drops (expires_at);"
    "CREATE INDEX drops_sha256 ON drops (sha256) WHERE sha256 IS NOT NULL;"
    "CREATE INDEX drops_auto_save_pending ON drops (created_at)"
    "  WHERE kind = 1 AND complete = 1 AND auto_saved = 0;"
    "CREATE TABLE tombstones (id TEXT PRIMARY KEY NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX tombstones_expires_at ON tombstones (expires_at);"
    "INSERT INTO drops (id, kind, text, origin, origin_name, created_at, expires_at, complete)"
    " VALUES ('old', 0, 'from format 5', 'o', 'Old laptop', %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", 1);"
    "INSERT INTO tombstones VALUES ('gone', %" G_GINT64_FORMAT ");"
    "PRAGMA user_version = 5;",
    T0, T0 + HOUR, T0 + HOUR);
  exec_sql (fixture->db_path, sql);

  open_history (fixture);
  g_assert_cmpint (user_version (fixture->db_path), ==, DROPIFY_HISTORY_SCHEMA_VERSION);
  g_assert_cmpstr (dropify_drop_get_text (dropify_history_lookup (fixture->history, "old")), ==,
                   "from format 5");
  g_assert_true (dropify_history_is_deleted (fixture->history, "gone"));
  g_assert_null (dropify_drop_get_holders (dropify_history_lookup (fixture->history, "old")));

  g_assert_cmpuint (dropify_history_add_holders (fixture->history, "laptop", ids,
                                                 DROPIFY_HOLDING_DROP), ==, 1);
  reopen_history (fixture);
  g_assert_nonnull (holder_of (fixture->history, "old", "laptop"));
}

/* A cancelled content is remembered across restarts, until someone asks
 * for it or its last drop goes (docs/protocol.md §11.7). */
static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *shared = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  const char *expiring = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";
  const char *unknown = "fd61a03af4f77d870fc21e05e7e80678095c92d808cfb3b5c279ee04c74aca13";

  add_ok (fixture->history, file_drop ("one", "a.bin", shared, 1000, T0 + HOUR));
  add_ok (fixture->history, file_drop ("two", "b.bin", shared, 1000, T0 + HOUR));
  add_ok (fixture->history, file_drop ("three", "c.bin", expiring, 1000, T0 + 1000));

  dropify_history_set_cancelled (fixture->history, shared, TRUE);
  dropify_history_set_cancelled (fixture->history, expiring, TRUE);
  /* Content of no drop here is not remembered. */
  dropify_history_set_cancelled (fixture->history, unknown, TRUE);
  g_assert_false (dropify_history_is_cancelled (fixture->history, unknown));

  reopen_history (fixture);
  g_assert_true (dropify_history_is_cancelled (fixture->history, shared));
  g_assert_true (dropify_history_is_cancelled (fixture->history, expiring));
  g_assert_cmpuint (count_rows (fixture->db_path, "SELECT COUNT(*) FROM cancelled"), ==, 2);

  /* Asking for it forgets it, for good. */
  dropify_history_set_cancelled (fixture->history, shared, FALSE);
  reopen_history (fixture);
  g_assert_false (dropify_history_is_cancelled (fixture->history, shared));
  dropify_history_set_cancelled (fixture->history, shared, TRUE);

  /* It stays while a drop of that content does… */
  g_assert_true (dropify_history_delete (fixture->history, "one", &error));
  g_assert_no_error (error);
  g_assert_true (dropify_history_is_cancelled (fixture->history, shared));
  /* …and goes with the last one, deleted or expired. */
  g_assert_true (dropify_history_delete (fixture->history, "two", &error));
  g_assert_false (dropify_history_is_cancelled (fixture->history, shared));
  fixture->clock.now = T0 + 1000;
  g_assert_cmpuint (dropify_history_sweep (fixture->history), ==, 1);
  g_assert_false (dropify_history_is_cancelled (fixture->history, expiring));
  g_assert_cmpuint (count_rows (fixture->db_path, "SELECT COUNT(*) FROM cancelled"), ==, 0);

  /* A row whose drop went behind its back (a crash in between) is
   * neither loaded nor kept. */
  add_ok (fixture->history, file_drop ("four", "d.bin", unknown, 1000, T0 + HOUR));
  dropify_history_set_cancelled (fixture->history, unknown, TRUE);
  g_clear_object (&fixture->history);
  exec_sql (fixture->db_path, "DELETE FROM drops WHERE id = 'four'");
  open_history (fixture);
  g_assert_false (dropify_history_is_cancelled (fixture->history, unknown));
  g_assert_cmpuint (count_rows (fixture->db_path, "SELECT COUNT(*) FROM cancelled"), ==, 0);
}

/* A send cancelled while its receiver was away is remembered across
 * restarts for that receiver only, taken once, and forgotten with the
 * content's last drop or with the device; at most 256 are kept. */
static void
test_cancelled_sends (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *shared = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  const char *other = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";
  const char *unknown = "fd61a03af4f77d870fc21e05e7e80678095c92d808cfb3b5c279ee04c74aca13";
  DropifyHistory *history;

  add_ok (fixture->history, file_drop ("one", "a.bin", shared, 1000, T0 + HOUR));
  add_ok (fixture->history, file_drop ("two", "b.bin", other, 1000, T0 + HOUR));

  dropify_history_add_cancelled_send (fixture->history, shared, "laptop");
  dropify_history_add_cancelled_send (fixture->history, shared, "laptop");
  dropify_history_add_cancelled_send (fixture->history, other, "phone");
  /* Content of no drop here is not remembered. */
  dropify_history_add_cancelled_send (fixture->history, unknown, "laptop");
  reopen_history (fixture);
  history = fixture->history;
  g_assert_cmpuint (count_rows (fixture->db_path, "SELECT COUNT(*) FROM cancelled_sends"), ==, 2);

  /* For that device only, and once. */
  g_assert_false (dropify_history_take_cancelled_send (history, shared, "phone"));
  g_assert_false (dropify_history_take_cancelled_send (history, unknown, "laptop"));
  g_assert_true (dropify_history_take_cancelled_send (history, shared, "laptop"));
  g_assert_false (dropify_history_take_cancelled_send (history, shared, "laptop"));

  /* Forgotten with the device… */
  dropify_history_add_cancelled_send (history, shared, "laptop");
  dropify_history_forget_holder (history, "phone");
  g_assert_false (dropify_history_take_cancelled_send (history, other, "phone"));
  /* …and with the content's last drop. */
  g_assert_true (dropify_history_delete (history, "one", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_rows (fixture->db_path, "SELECT COUNT(*) FROM cancelled_sends"), ==, 0);

  /* A row whose drop went behind its back is dropped at the next start. */
  dropify_history_add_cancelled_send (history, other, "laptop");
  g_clear_object (&fixture->history);
  exec_sql (fixture->db_path, "DELETE FROM drops WHERE id = 'two'");
  open_history (fixture);
  g_assert_cmpuint (count_rows (fixture->db_path, "SELECT COUNT(*) FROM cancelled_sends"), ==, 0);

  /* Bounded: the oldest go first. */
  add_ok (fixture->history, file_drop ("three", "c.bin", shared, 1000, T0 + HOUR));
  for (guint i = 0; i < DROPIFY_HISTORY_CANCELLED_SENDS_MAX + 10; i++)
    {
      g_autofree char *device = g_strdup_printf ("device-%03u", i);

      fixture->clock.now = T0 + i;
      dropify_history_add_cancelled_send (fixture->history, shared, device);
    }
  g_assert_cmpuint (count_rows (fixture->db_path, "SELECT COUNT(*) FROM cancelled_sends"),
                    ==, DROPIFY_HISTORY_CANCELLED_SENDS_MAX);
  g_assert_false (dropify_history_take_cancelled_send (fixture->history, shared, "device-000"));
  g_assert_false (dropify_history_take_cancelled_send (fixture->history, shared, "device-009"));
  g_assert_true (dropify_history_take_cancelled_send (fixture->history, shared, "device-010"));
  g_assert_true (dropify_history_take_cancelled_send (fixture->history, shared, "device-265"));
}

/* A history file exactly as format 6 made it (its statements, as that
 * version ran them, with a file drop, its holders and a tombstone) opens
 * with all of it, and then keeps cancels. */
static void
test_migration_from_v6 (Fixture       *fixture,
                        gconstpointer  data)
{
  const char *sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  g_autofree char *sql = NULL;
  g_autoptr(GError) error = NULL;
  DropifyDrop *drop;

  sql = g_strdup_printf (
    "CREATE TABLE drops ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  text TEXT,"
    "  name TEXT,"
    "  size INTEGER NOT NULL DEFAULT 0,"
    "  sha256 TEXT,"
    "  origin TEXT NOT NULL,"
    "  origin_name TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  complete INTEGER NOT NULL DEFAULT 0"
    ") WITHOUT ROWID;"
    "CREATE INDEX drops_expires_at ON drops (expires_at);"
    "CREATE TABLE tombstones ("
    "  id TEXT PRIMARY KEY NOT NULL,"
    "  expires_at INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE INDEX tombstones_expires_at ON tombstones (expires_at);"
    "ALTER TABLE drops ADD COLUMN mime TEXT;"
    "CREATE INDEX drops_sha256 ON drops (sha256);"
    "ALTER TABLE drops ADD COLUMN auto_saved INTEGER NOT NULL DEFAULT 0;"
    "UPDATE drops SET auto_saved = 1 WHERE complete = 1;"
    "CREATE INDEX drops_auto_save_pending ON drops (created_at)"
    "  WHERE kind = 1 AND complete = 1 AND auto_saved = 0;"
    "DROP INDEX drops_sha256;"
    "CREATE INDEX drops_sha256 ON drops (sha256) WHERE sha256 IS NOT NULL;"
    "ALTER TABLE drops ADD COLUMN audience TEXT;"
    "CREATE TABLE holders ("
    "  drop_id TEXT NOT NULL,"
    "  device_id TEXT NOT NULL,"
    "  what INTEGER NOT NULL,"
    "  since INTEGER NOT NULL,"
    "  PRIMARY KEY (drop_id, device_id, what)"
    ") WITHOUT ROWID;"
    "CREATE INDEX holders_device_id ON holders (device_id);"
    "CREATE TRIGGER holders_follow_drops AFTER DELETE ON drops"
    "  BEGIN DELETE FROM holders WHERE drop_id = old.id; END;"
    "INSERT INTO drops (id, kind, name, mime, size, sha256, origin, origin_name,"
    "                   created_at, expires_at, complete, audience)"
    " VALUES ('file', 1, 'big.iso', 'application/octet-stream', 1000, '%s', 'o', 'Old laptop',"
    "         %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", 0, NULL);"
    "INSERT INTO holders VALUES ('file', 'phone', 0, %" G_GINT64_FORMAT ");"
    "INSERT INTO tombstones VALUES ('gone', %" G_GINT64_FORMAT ");"
    "PRAGMA user_version = 6;",
    sha, T0, T0 + HOUR, T0, T0 + HOUR);
  exec_sql (fixture->db_path, sql);

  open_history (fixture);
  g_assert_cmpint (user_version (fixture->db_path), ==, DROPIFY_HISTORY_SCHEMA_VERSION);
  drop = dropify_history_lookup (fixture->history, "file");
  g_assert_nonnull (drop);
  g_assert_cmpstr (dropify_drop_get_sha256 (drop), ==, sha);
  g_assert_false (dropify_drop_get_complete (drop));
  g_assert_nonnull (holder_of (fixture->history, "file", "phone"));
  g_assert_true (dropify_history_is_deleted (fixture->history, "gone"));
  /* Nothing was cancelled in format 6: a restart forgot it. */
  g_assert_false (dropify_history_is_cancelled (fixture->history, sha));

  dropify_history_set_cancelled (fixture->history, sha, TRUE);
  reopen_history (fixture);
  g_assert_true (dropify_history_is_cancelled (fixture->history, sha));

  /* The index by device is gone: every sweep paid for it. */
  g_assert_cmpuint (count_rows (fixture->db_path,
                                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'holders_device_id'"),
                    ==, 0);

  /* The trigger of format 6 still takes the holders with the drop. */
  g_assert_true (dropify_history_delete (fixture->history, "file", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_rows (fixture->db_path, "SELECT COUNT(*) FROM holders"), ==, 0);
  g_assert_cmpuint (count_rows (fixture->db_path, "SELECT COUNT(*) FROM cancelled"), ==, 0);

  /* Format 8 keeps sends cancelled while their receiver was away. */
  add_ok (fixture->history, file_drop ("again", "big.iso", sha, 1000, T0 + HOUR));
  dropify_history_add_cancelled_send (fixture->history, sha, "phone");
  reopen_history (fixture);
  g_assert_true (dropify_history_take_cancelled_send (fixture->history, sha, "phone"));
}

static gboolean
cache_released (gpointer data)
{
  sqlite3_int64 *at_rest = data;

  return sqlite3_memory_used () <= *at_rest + 256 * 1024;
}

/* The drops live in memory: SQLite's page cache is given back once they
 * are loaded, and again a few seconds after statements that read or wrote
 * much of the table, rather than kept at its 2 MiB. */
static void
test_page_cache_released (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(GString) text = g_string_new (NULL);
  sqlite3_int64 at_rest;

  for (guint i = 0; i < 40; i++)
    g_string_append (text, "A paragraph that fills the table's pages. ");
  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *id = g_strdup_printf ("drop-%u", i);

      add_ok (fixture->history, text_drop (id, text->str, T0 + i, T0 + (i % 2 + 1) * HOUR));
    }

  reopen_history (fixture);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->history)), ==, 2000);
  at_rest = sqlite3_memory_used ();

  /* Half the drops expire: deleting them fills the cache. */
  fixture->clock.now = T0 + HOUR + 1;
  dropify_history_sweep (fixture->history);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->history)), ==, 1000);
  g_assert_cmpint (sqlite3_memory_used (), >, at_rest + 1024 * 1024);

  g_assert_true (dropify_test_wait_for (cache_released, &at_rest, 10000));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
#define ADD_UNOPENED(path, func) \
  g_test_add (path, Fixture, "unopened", fixture_set_up, func, fixture_tear_down)

  ADD ("/history/add-list-order", test_add_list_order);
  ADD ("/history/delete-tombstone", test_delete_tombstone);
  ADD ("/history/search", test_search);
  ADD ("/history/search-by-origin", test_search_by_origin);
  ADD ("/history/mark-complete-after-close", test_mark_complete_after_close);
  ADD ("/history/expiry-injected-clock", test_expiry_injected_clock);
  ADD ("/history/expiry-timer", test_expiry_timer);
  ADD ("/history/persistence", test_persistence);
  ADD ("/history/limits", test_limits);
  ADD ("/history/hostile-drops", test_hostile_drops);
  ADD ("/history/blob-lifetime", test_blob_lifetime);
  ADD ("/history/complete-on-reopen", test_complete_on_reopen);
  ADD ("/history/auto-save-marks", test_auto_save_marks);
  ADD ("/history/audience", test_audience);
  ADD ("/history/holders", test_holders);
  ADD ("/history/holders-bounded", test_holders_bounded);
  ADD_UNOPENED ("/history/migration-from-v1", test_migration_from_v1);
  ADD ("/history/cancelled", test_cancelled);
  ADD ("/history/cancelled-sends", test_cancelled_sends);
  ADD ("/history/page-cache-released", test_page_cache_released);
  ADD_UNOPENED ("/history/migration-from-v5", test_migration_from_v5);
  ADD_UNOPENED ("/history/migration-from-v6", test_migration_from_v6);
  ADD_UNOPENED ("/history/corrupt-refused", test_corrupt_refused);
  ADD_UNOPENED ("/history/damaged-pages-refused", test_damaged_pages_refused);
  ADD_UNOPENED ("/history/newer-schema-refused", test_newer_schema_refused);

  return g_test_run ();
}
