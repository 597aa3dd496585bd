/* History scale: 100,000 drops. Start-up (open and load), the first page
 * of the model, and an expiry sweep of 50,000 at once; against the raw
 * baseline of the same reads with plain SQLite on the same file.
 *
 * Then the same again with a `holders` row per drop for each of
 * HOLDER_DEVICES paired devices (docs/protocol.md §11.8), as a history
 * that syncs with them has: the sweep then also runs the trigger that
 * takes each drop's rows with it. Its figures carry a `_holders` suffix;
 * the raw baselines stay those of the plain file. */

#include "config.h"

#include <sys/resource.h>

#include <sqlite3.h>

#include "dropify-test-support.h"

#define N_DROPS 100000
#define HOLDER_DEVICES 3
#define T0 G_GINT64_CONSTANT (1700000000000)

static double
ms_since (int64_t t0)
{
  return (g_get_monotonic_time () - t0) / 1000.0;
}

/* This process's CPU time (user and system), in µs: on a busy machine
 * the wall clock also counts the time others ran, this does not. */
static int64_t
cpu_now (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (int64_t) (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC +
         usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

static double
cpu_ms_since (int64_t c0)
{
  return (cpu_now () - c0) / 1000.0;
}

/* Fills @path directly with SQL: inserting is not what is measured. Half
 * expire at T0 + 1 h, half a day later. Each drop is held by
 * @n_devices devices. */
static void
fill (sqlite3 *db,
      guint    n_devices)
{
  sqlite3_stmt *stmt = NULL;
  sqlite3_stmt *held = NULL;

  sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO drops (id, kind, text, origin, origin_name, created_at,"
                          " expires_at, complete) VALUES (?, 0, ?, 'o', 'Bench', ?, ?, 1)",
                      -1, &stmt, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO holders (drop_id, device_id, what, since) VALUES (?, ?, 0, ?)",
                      -1, &held, NULL);
  for (guint i = 0; i < N_DROPS; i++)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *text = g_strdup_printf ("drop number %u, a short text", i);

      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, text, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 3, T0 - N_DROPS + i);
      sqlite3_bind_int64 (stmt, 4, T0 + (i % 2 ? 60 : 24 * 60) * 60 * 1000);
      sqlite3_step (stmt);
      sqlite3_reset (stmt);

      for (guint d = 0; d < n_devices; d++)
        {
          g_autofree char *device = g_strdup_printf ("device-%u", d);

          sqlite3_bind_text (held, 1, id, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (held, 2, device, -1, SQLITE_TRANSIENT);
          sqlite3_bind_int64 (held, 3, T0 - N_DROPS + i);
          sqlite3_step (held);
          sqlite3_reset (held);
        }
    }
  sqlite3_finalize (held);
  sqlite3_finalize (stmt);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
}

static guint
count (sqlite3    *db,
       const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  guint n = 0;

  sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  return n;
}

static void
run (const char *dir,
     guint       n_devices)
{
  DropifyTestClock clock = { T0 };
  const char *suffix = n_devices > 0 ? "_holders" : "";
  g_autofree char *name = g_strdup_printf ("history-%u", n_devices);
  g_autofree char *blob_dir = g_build_filename (dir, name, "files", NULL);
  g_autofree char *path = NULL;
  g_autoptr(DropifyBlobStore) blobs = NULL;
  g_autoptr(DropifyHistory) history = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;
  int64_t t0, c0;
  guint n;

  blobs = dropify_blob_store_new (blob_dir, &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, name, "history.sqlite", NULL);

  history = dropify_history_new (path, blobs, dropify_test_clock_now, &clock, &error);
  g_assert_no_error (error);
  g_clear_object (&history);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  /* DROPIFY_BENCH_DEVICE_INDEX=1 puts back the index by device that
   * schema 6 had, to compare with it in the same conditions. */
  if (n_devices > 0 && g_strcmp0 (g_getenv ("DROPIFY_BENCH_DEVICE_INDEX"), "1") == 0)
    sqlite3_exec (db, "CREATE INDEX holders_device_id ON holders (device_id)", NULL, NULL, NULL);
  fill (db, n_devices);
  g_assert_cmpuint (count (db, "SELECT COUNT(*) FROM holders"), ==, N_DROPS * n_devices);

  /* Baseline: read every row with plain SQLite. */
  if (n_devices == 0)
    {
      sqlite3_stmt *stmt = NULL;
      guint rows = 0;

      t0 = g_get_monotonic_time ();
      sqlite3_prepare_v2 (db, "SELECT id, kind, text, name, mime, size, sha256, origin, origin_name,"
                              " created_at, expires_at, complete FROM drops ORDER BY created_at, id",
                          -1, &stmt, NULL);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        rows++;
      sqlite3_finalize (stmt);
      g_assert_cmpuint (rows, ==, N_DROPS);
      g_print ("raw_sqlite_read_all %.1f ms\n", ms_since (t0));
    }

  /* Baseline for the sweep: the same DELETE, with plain SQLite, on an
   * identical copy of the file (with holders: its trigger too). */
  {
    g_autofree char *copy_path = g_build_filename (dir, name, "copy.sqlite", NULL);
    g_autofree char *sql = NULL;
    sqlite3 *copy = NULL;
    sqlite3_backup *backup;

    g_assert_cmpint (sqlite3_open (copy_path, &copy), ==, SQLITE_OK);
    backup = sqlite3_backup_init (copy, "main", db, "main");
    sqlite3_backup_step (backup, -1);
    sqlite3_backup_finish (backup);
    sqlite3_exec (copy, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", NULL, NULL, NULL);

    sql = g_strdup_printf ("DELETE FROM drops WHERE expires_at <= %" G_GINT64_FORMAT,
                           T0 + 2 * 60 * 60 * 1000);
    t0 = g_get_monotonic_time ();
    c0 = cpu_now ();
    sqlite3_exec (copy, sql, NULL, NULL, NULL);
    g_print ("raw_sqlite_delete_50k%s %.1f ms\n", suffix, ms_since (t0));
    g_print ("raw_sqlite_delete_50k_cpu%s %.1f ms\n", suffix, cpu_ms_since (c0));
    g_assert_cmpint (sqlite3_changes (copy), ==, N_DROPS / 2);
    sqlite3_close (copy);
  }
  sqlite3_close (db);

  t0 = g_get_monotonic_time ();
  history = dropify_history_new (path, blobs, dropify_test_clock_now, &clock, &error);
  g_assert_no_error (error);
  g_print ("history_start_100k%s %.1f ms\n", suffix, ms_since (t0));

  t0 = g_get_monotonic_time ();
  n = g_list_model_get_n_items (G_LIST_MODEL (history));
  for (guint i = 0; i < 50; i++)
    g_object_unref (g_list_model_get_item (G_LIST_MODEL (history), i));
  g_print ("history_first_page_50%s %.3f ms\n", suffix, ms_since (t0));
  g_assert_cmpuint (n, ==, N_DROPS);

  clock.now = T0 + 2 * 60 * 60 * 1000;
  t0 = g_get_monotonic_time ();
  c0 = cpu_now ();
  n = dropify_history_sweep (history);
  g_print ("history_expiry_sweep_50k%s %.1f ms\n", suffix, ms_since (t0));
  g_print ("history_expiry_sweep_50k_cpu%s %.1f ms\n", suffix, cpu_ms_since (c0));
  g_assert_cmpuint (n, ==, N_DROPS / 2);

  /* Forgetting a device scans the table: it has no index by device,
   * which every sweep would pay for. */
  if (n_devices > 0)
    {
      t0 = g_get_monotonic_time ();
      dropify_history_forget_holder (history, "device-0");
      g_print ("history_forget_device_50k%s %.1f ms\n", suffix, ms_since (t0));
    }
  g_clear_object (&history);

  /* The expired drops' rows went with them, and only theirs. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpuint (count (db, "SELECT COUNT(*) FROM holders"), ==,
                    N_DROPS / 2 * (n_devices > 0 ? n_devices - 1 : 0));
  g_assert_cmpuint (count (db, "SELECT COUNT(*) FROM holders WHERE drop_id NOT IN (SELECT id FROM drops)"),
                    ==, 0);
  sqlite3_close (db);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *dir = dropify_test_make_dir ("bench-history");

  run (dir, 0);
  run (dir, HOLDER_DEVICES);

  dropify_test_remove_dir (dir);

  return 0;
}
