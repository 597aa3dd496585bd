/* Search over 100,000 drops: the history's answer to each keystroke as a
 * person types a query (dropify_history_search(), what the window asks),
 * against the raw baseline of the same scan done the plainest way (an
 * ASCII case-insensitive search over the same texts, held in an array)
 * and SQLite's LIKE on the same file. The window's filter pass over the
 * list is not in it. Prints "NAME value unit" lines. */

#include "config.h"

#define _GNU_SOURCE
#include <string.h>
#include <sqlite3.h>

#include "dropify-test-support.h"

#define N_DROPS 100000
#define T0 G_GINT64_CONSTANT (1700000000000)

static const char * const words[] = {
  "meeting", "report", "invoice", "photo", "link", "password", "address", "recipe", "ticket",
  "Quarterly", "draft", "budget", "Köln", "Straße", "notes", "call", "train", "flight", "milk", "code",
};

static double
ms_since (int64_t t0)
{
  return (g_get_monotonic_time () - t0) / 1000.0;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (GArray *times)
{
  g_array_sort (times, compare_double);
  return g_array_index (times, double, times->len / 2);
}

static double
maximum (GArray *times)
{
  double max = 0;

  for (guint i = 0; i < times->len; i++)
    max = MAX (max, g_array_index (times, double, i));
  return max;
}

/* A text of 8 to 40 words, some of them the ones people look for. */
static char *
make_text (GRand *rand,
           guint  i)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint n = g_rand_int_range (rand, 8, 40);

  for (guint w = 0; w < n; w++)
    g_string_append_printf (text, "%s%s", w ? " " : "",
                            g_rand_int_range (rand, 0, 4) == 0 ? words[g_rand_int_range (rand, 0, G_N_ELEMENTS (words))]
                                                               : "lorem");
  g_string_append_printf (text, " #%u", i);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

int
main (int   argc,
      char *argv[])
{
  DropifyTestClock clock = { T0 };
  g_autofree char *dir = dropify_test_make_dir ("bench-search");
  g_autofree char *blob_dir = g_build_filename (dir, "files", NULL);
  g_autofree char *path = g_build_filename (dir, "history.sqlite", NULL);
  g_autoptr(DropifyBlobStore) blobs = NULL;
  g_autoptr(DropifyHistory) history = NULL;
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(GError) error = NULL;
  /* "köln" takes the search for needles outside ASCII. */
  const char *queries[] = { "quarterly report", "invoice", "zzz", "köln" };
  sqlite3 *db = NULL;

  blobs = dropify_blob_store_new (blob_dir, &error);
  g_assert_no_error (error);
  history = dropify_history_new (path, blobs, dropify_test_clock_now, &clock, &error);
  g_assert_no_error (error);
  g_clear_object (&history);

  /* Filled with SQL: inserting is not what is measured. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
  {
    sqlite3_stmt *stmt = NULL;

    sqlite3_prepare_v2 (db, "INSERT INTO drops (id, kind, text, origin, origin_name, created_at,"
                            " expires_at, complete) VALUES (?, 0, ?, 'o', 'Bench', ?, ?, 1)",
                        -1, &stmt, NULL);
    for (guint i = 0; i < N_DROPS; i++)
      {
        g_autofree char *id = g_uuid_string_random ();
        char *text = make_text (rand, i);

        sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text (stmt, 2, text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64 (stmt, 3, T0 - N_DROPS + i);
        sqlite3_bind_int64 (stmt, 4, T0 + (int64_t) 24 * 60 * 60 * 1000);
        sqlite3_step (stmt);
        sqlite3_reset (stmt);
        g_ptr_array_add (texts, text);
      }
    sqlite3_finalize (stmt);
  }
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);

  history = dropify_history_new (path, blobs, dropify_test_clock_now, &clock, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history)), ==, N_DROPS);

  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      g_autoptr(GArray) ours = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) raw = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) like = g_array_new (FALSE, FALSE, sizeof (double));
      const char *query = queries[q];
      g_autofree char *label = g_strdelimit (g_str_to_ascii (query, "C"), " ", '-');
      guint matches = 0;

      /* Each prefix, as typed, then deleted back to nothing. */
      for (const char *end = g_utf8_next_char (query);; end = g_utf8_next_char (end))
        {
          g_autofree char *typed = g_strndup (query, end - query);
          g_autofree char *folded = g_ascii_strdown (typed, -1);
          g_autofree char *pattern = g_strdup_printf ("%%%s%%", typed);
          sqlite3_stmt *stmt = NULL;
          guint raw_matches = 0;
          int64_t t0;
          double ms;

          t0 = g_get_monotonic_time ();
          {
            g_autoptr(GHashTable) found = dropify_history_search (history, typed, -1, NULL, &error);

            g_assert_no_error (error);
            matches = g_hash_table_size (found);
          }
          ms = ms_since (t0);
          g_array_append_val (ours, ms);

          /* Raw: every text searched, nothing kept. */
          t0 = g_get_monotonic_time ();
          for (guint i = 0; i < texts->len; i++)
            raw_matches += strcasestr (g_ptr_array_index (texts, i), folded) != NULL;
          ms = ms_since (t0);
          g_array_append_val (raw, ms);

          t0 = g_get_monotonic_time ();
          sqlite3_prepare_v2 (db, "SELECT id FROM drops WHERE text LIKE ? ORDER BY created_at DESC",
                              -1, &stmt, NULL);
          sqlite3_bind_text (stmt, 1, pattern, -1, SQLITE_TRANSIENT);
          while (sqlite3_step (stmt) == SQLITE_ROW)
            ;
          sqlite3_finalize (stmt);
          ms = ms_since (t0);
          g_array_append_val (like, ms);

          g_assert_cmpuint (matches, ==, raw_matches);
          if (*end == '\0')
            break;
        }
      for (glong n = g_utf8_strlen (query, -1) - 1; n >= 0; n--)
        {
          g_autofree char *typed = g_utf8_substring (query, 0, n);
          int64_t t0 = g_get_monotonic_time ();
          g_autoptr(GHashTable) found = dropify_history_search (history, typed, -1, NULL, NULL);
          double ms = ms_since (t0);

          g_array_append_val (ours, ms);
        }

      g_print ("search-%s-matches %u drops\n", label, matches);
      g_print ("search-%s-keystroke-p50 %.1f ms\n", label, median (ours));
      g_print ("search-%s-keystroke-max %.1f ms\n", label, maximum (ours));
      g_print ("search-%s-raw-scan-p50 %.1f ms\n", label, median (raw));
      g_print ("search-%s-sqlite-like-p50 %.1f ms\n", label, median (like));
      g_print ("search-%s-ratio-to-raw %.2f\n", label, median (ours) / median (raw));
    }

  sqlite3_close (db);
  g_clear_object (&history);
  dropify_test_remove_dir (dir);

  return 0;
}
