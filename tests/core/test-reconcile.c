#include "config.h"

#include "dropify-test-support.h"

/* DropifyReconcile: the index of ids and tombstones behind summaries and
 * ids messages (docs/protocol.md §7), checked against a brute-force
 * reference written from the protocol text, and for its cost. */

/* The reference: every bucket computed from scratch. */
typedef struct
{
  char     *id;
  gboolean  live;
} Ref;

static char *
key_of (const char *id)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, id, -1);
}

static void
reference_buckets (GArray        *refs,
                   const char    *prefix,
                   DropifyBucket  buckets[DROPIFY_PROTOCOL_FANOUT])
{
  guint8 xor[DROPIFY_PROTOCOL_FANOUT][16] = { { 0 } };
  gsize depth = strlen (prefix);

  for (guint d = 0; d < DROPIFY_PROTOCOL_FANOUT; d++)
    {
      buckets[d].key = "0123456789abcdef"[d];
      buckets[d].count = 0;
    }

  for (guint i = 0; i < refs->len; i++)
    {
      Ref *ref = &g_array_index (refs, Ref, i);
      g_autofree char *key = key_of (ref->id);
      g_autofree char *tokened = g_strconcat (ref->id, ref->live ? "+" : "-", NULL);
      g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
      guint8 digest[32];
      gsize len = sizeof digest;
      int d;

      if (!g_str_has_prefix (key, prefix))
        continue;

      g_checksum_update (checksum, (const guchar *) tokened, -1);
      g_checksum_get_digest (checksum, digest, &len);
      d = g_ascii_xdigit_value (key[depth]);
      buckets[d].count++;
      for (guint b = 0; b < 16; b++)
        xor[d][b] ^= digest[b];
    }

  for (guint d = 0; d < DROPIFY_PROTOCOL_FANOUT; d++)
    for (guint b = 0; b < 16; b++)
      g_snprintf (buckets[d].digest + 2 * b, 3, "%02x", xor[d][b]);
}

static void
assert_buckets_equal (const DropifyBucket *a,
                      const DropifyBucket *b)
{
  for (guint d = 0; d < DROPIFY_PROTOCOL_FANOUT; d++)
    {
      g_assert_cmpint (a[d].key, ==, b[d].key);
      g_assert_cmpuint (a[d].count, ==, b[d].count);
      g_assert_cmpstr (a[d].digest, ==, b[d].digest);
    }
}

static void
clear_ref (gpointer data)
{
  g_free (((Ref *) data)->id);
}

/* @n ids, every third one a tombstone. */
static GArray *
make_refs (guint n)
{
  GArray *refs = g_array_new (FALSE, FALSE, sizeof (Ref));

  g_array_set_clear_func (refs, clear_ref);
  for (guint i = 0; i < n; i++)
    {
      Ref ref = { g_strdup_printf ("id-%u", i), i % 3 != 0 };
      g_array_append_val (refs, ref);
    }

  return refs;
}

static const char * const prefixes[] = { "", "0", "7", "f", "a3", "00", "5e1", "c0de" };

static void
test_order_independent (void)
{
  g_autoptr(GArray) refs = make_refs (3000);
  g_autoptr(DropifyReconcile) forward = dropify_reconcile_new ();
  g_autoptr(DropifyReconcile) backward = dropify_reconcile_new ();

  for (guint i = 0; i < refs->len; i++)
    {
      Ref *ref = &g_array_index (refs, Ref, i);
      dropify_reconcile_add (forward, ref->id, ref->live, 1000 + i);
    }

  /* Backwards, through a detour: every tombstone first lives, and
   * everything is added twice and removed once more. */
  for (guint i = refs->len; i > 0; i--)
    {
      Ref *ref = &g_array_index (refs, Ref, i - 1);

      dropify_reconcile_add (backward, ref->id, TRUE, 5);
      if (!ref->live)
        dropify_reconcile_add (backward, ref->id, FALSE, 1000 + i);
    }
  for (guint i = 0; i < refs->len; i += 2)
    {
      Ref *ref = &g_array_index (refs, Ref, i);

      g_assert_true (dropify_reconcile_remove (backward, ref->id, ref->live));
      dropify_reconcile_add (backward, ref->id, ref->live, 1000 + i);
    }

  g_assert_cmpuint (dropify_reconcile_get_n_entries (forward), ==, refs->len);
  g_assert_cmpuint (dropify_reconcile_get_n_entries (backward), ==, refs->len);

  for (guint p = 0; p < G_N_ELEMENTS (prefixes); p++)
    {
      DropifyBucket a[DROPIFY_PROTOCOL_FANOUT], b[DROPIFY_PROTOCOL_FANOUT], r[DROPIFY_PROTOCOL_FANOUT];

      dropify_reconcile_get_buckets (forward, prefixes[p], a);
      dropify_reconcile_get_buckets (backward, prefixes[p], b);
      reference_buckets (refs, prefixes[p], r);
      assert_buckets_equal (a, r);
      assert_buckets_equal (b, r);
    }
}

static void
test_prefix_lookup (void)
{
  g_autoptr(GArray) refs = make_refs (5000);
  g_autoptr(DropifyReconcile) index = dropify_reconcile_new ();

  for (guint i = 0; i < refs->len; i++)
    {
      Ref *ref = &g_array_index (refs, Ref, i);
      /* Live drops 0–99 have expired by the clock given below. */
      dropify_reconcile_add (index, ref->id, ref->live, i < 100 ? 50 : 1000000);
    }

  for (guint p = 0; p < G_N_ELEMENTS (prefixes); p++)
    {
      g_autoptr(GArray) got = dropify_reconcile_collect (index, prefixes[p], 100);
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      guint expected = 0, under = 0;

      for (guint i = 0; i < got->len; i++)
        {
          DropifyReconcileEntry *entry = &g_array_index (got, DropifyReconcileEntry, i);
          g_autofree char *key = key_of (entry->id);

          g_assert_cmpstr (entry->key, ==, key);
          g_assert_true (g_str_has_prefix (entry->key, prefixes[p]));
          g_assert_true (g_hash_table_add (seen, entry->id));
        }

      for (guint i = 0; i < refs->len; i++)
        {
          Ref *ref = &g_array_index (refs, Ref, i);
          g_autofree char *key = key_of (ref->id);

          if (!g_str_has_prefix (key, prefixes[p]))
            continue;
          under++;
          if (ref->live && i < 100)
            {
              g_assert_false (g_hash_table_contains (seen, ref->id));
              continue;
            }
          g_assert_true (g_hash_table_contains (seen, ref->id));
          expected++;
        }

      g_test_message ("prefix “%s”: %u entries", prefixes[p], expected);
      g_assert_cmpuint (got->len, ==, expected);
      g_assert_cmpuint (dropify_reconcile_count (index, prefixes[p]), ==, under);
    }
}

/* An entry keeps the first 16 digits of its key and hashes its id again
 * for the rest: a prefix longer than that still finds exactly its entry,
 * and the buckets below it and the keys collected are the whole key's. */
static void
test_long_prefix (void)
{
  g_autoptr(GArray) refs = make_refs (2000);
  g_autoptr(DropifyReconcile) index = dropify_reconcile_new ();
  Ref *ref;
  g_autofree char *key = NULL;

  for (guint i = 0; i < refs->len; i++)
    {
      ref = &g_array_index (refs, Ref, i);
      dropify_reconcile_add (index, ref->id, ref->live, 1000000);
    }

  ref = &g_array_index (refs, Ref, 1234);
  key = key_of (ref->id);

  for (gsize len = 15; len <= 64; len++)
    {
      g_autofree char *prefix = g_strndup (key, len);
      g_autofree char *wrong = g_strndup (key, len);
      g_autoptr(GArray) got = NULL;
      DropifyBucket buckets[DROPIFY_PROTOCOL_FANOUT];
      guint total = 0;

      /* The same prefix with its last digit changed finds nothing. */
      wrong[len - 1] = wrong[len - 1] == '0' ? '1' : '0';
      g_assert_cmpuint (dropify_reconcile_count (index, prefix), ==, 1);
      g_assert_cmpuint (dropify_reconcile_count (index, wrong), ==, 0);

      got = dropify_reconcile_collect (index, prefix, 0);
      g_assert_cmpuint (got->len, ==, 1);
      g_assert_cmpstr (g_array_index (got, DropifyReconcileEntry, 0).id, ==, ref->id);
      g_assert_cmpstr (g_array_index (got, DropifyReconcileEntry, 0).key, ==, key);

      if (len == 64)
        continue;
      dropify_reconcile_get_buckets (index, prefix, buckets);
      for (guint d = 0; d < DROPIFY_PROTOCOL_FANOUT; d++)
        {
          total += buckets[d].count;
          g_assert_cmpuint (buckets[d].count, ==, buckets[d].key == key[len] ? 1 : 0);
        }
      g_assert_cmpuint (total, ==, 1);
    }

  /* Longer than a key: nothing. */
  {
    g_autofree char *longer = g_strconcat (key, "0", NULL);

    g_assert_cmpuint (dropify_reconcile_count (index, longer), ==, 0);
  }

  /* Removed, it is found no more, however long the prefix. */
  g_assert_true (dropify_reconcile_remove (index, ref->id, ref->live));
  g_assert_cmpuint (dropify_reconcile_count (index, key), ==, 0);
  g_assert_cmpuint (dropify_reconcile_get_n_entries (index), ==, refs->len - 1);
}

static void
test_one_change (void)
{
  g_autoptr(GArray) refs = make_refs (1000);
  g_autoptr(DropifyReconcile) index = dropify_reconcile_new ();
  DropifyBucket before[DROPIFY_PROTOCOL_FANOUT], after[DROPIFY_PROTOCOL_FANOUT];
  DropifyBucket expected[DROPIFY_PROTOCOL_FANOUT];
  g_autofree char *key = key_of ("newcomer");
  int d = g_ascii_xdigit_value (key[0]);
  Ref newcomer = { g_strdup ("newcomer"), TRUE };

  for (guint i = 0; i < refs->len; i++)
    {
      Ref *ref = &g_array_index (refs, Ref, i);
      dropify_reconcile_add (index, ref->id, ref->live, 1000);
    }
  dropify_reconcile_get_buckets (index, "", before);

  /* Added: only its own bucket changes, and as the reference says. */
  dropify_reconcile_add (index, "newcomer", TRUE, 1000);
  g_array_append_val (refs, newcomer);
  dropify_reconcile_get_buckets (index, "", after);
  reference_buckets (refs, "", expected);
  assert_buckets_equal (after, expected);
  for (guint b = 0; b < DROPIFY_PROTOCOL_FANOUT; b++)
    {
      if ((int) b == d)
        {
          g_assert_cmpuint (after[b].count, ==, before[b].count + 1);
          g_assert_cmpstr (after[b].digest, !=, before[b].digest);
        }
      else
        {
          g_assert_cmpuint (after[b].count, ==, before[b].count);
          g_assert_cmpstr (after[b].digest, ==, before[b].digest);
        }
    }

  /* Deleted: the tombstone replaces it, with another token. */
  dropify_reconcile_add (index, "newcomer", FALSE, 1000);
  g_array_index (refs, Ref, refs->len - 1).live = FALSE;
  dropify_reconcile_get_buckets (index, "", after);
  reference_buckets (refs, "", expected);
  assert_buckets_equal (after, expected);
  g_assert_cmpuint (after[d].count, ==, before[d].count + 1);

  /* The drop's own removal after it does not take the tombstone. */
  g_assert_false (dropify_reconcile_remove (index, "newcomer", TRUE));
  g_assert_cmpuint (dropify_reconcile_count (index, ""), ==, refs->len);

  /* A tombstone's expiry is not in its token. */
  dropify_reconcile_add (index, "newcomer", FALSE, 99999);
  dropify_reconcile_get_buckets (index, "", after);
  assert_buckets_equal (after, expected);

  /* Gone: back to where it started. */
  g_assert_true (dropify_reconcile_remove (index, "newcomer", FALSE));
  dropify_reconcile_get_buckets (index, "", after);
  assert_buckets_equal (after, before);
}

/* Costs are counted, not timed: how many entries the index visits and
 * how many ids it hashes to answer, with 100,000 entries in it. */
static void
test_cost (void)
{
  g_autoptr(DropifyReconcile) index = dropify_reconcile_new ();
  DropifyBucket buckets[DROPIFY_PROTOCOL_FANOUT];
  guint64 work;
  guint n = 100000;

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("entry-%u", i);
      dropify_reconcile_add (index, id, i % 2, 1000000);
    }
  g_assert_cmpuint (dropify_reconcile_get_n_entries (index), ==, n);

  /* A root summary, and one a level down: read off the tree. */
  work = dropify_reconcile_get_work (index);
  dropify_reconcile_get_buckets (index, "", buckets);
  dropify_reconcile_get_buckets (index, "a", buckets);
  g_assert_cmpuint (dropify_reconcile_count (index, ""), ==, n);
  g_test_message ("two summaries visited %" G_GUINT64_FORMAT " entries",
                  dropify_reconcile_get_work (index) - work);
  g_assert_cmpuint (dropify_reconcile_get_work (index) - work, <=, 64);

  /* The ids under a prefix of 3 digits (about 24 entries here): what
   * the message holds, plus at most one small leaf. */
  for (guint p = 0; p < 16; p++)
    {
      g_autofree char *prefix = g_strdup_printf ("%x%x%x", p, 15 - p, p);
      g_autoptr(GArray) entries = NULL;

      work = dropify_reconcile_get_work (index);
      entries = dropify_reconcile_collect (index, prefix, 0);
      g_assert_cmpuint (dropify_reconcile_get_work (index) - work, <=, entries->len + 64);
      g_assert_cmpuint (entries->len, <, 100);
    }

  /* A change hashes its one id once, and then costs nothing more to
   * read: no rebuild of the index. */
  work = dropify_reconcile_get_work (index);
  dropify_reconcile_add (index, "one more", FALSE, 1000000);
  dropify_reconcile_get_buckets (index, "", buckets);
  g_assert_cmpuint (dropify_reconcile_get_work (index) - work, <=, 2);
  g_assert_cmpuint (dropify_reconcile_count (index, ""), ==, n + 1);

  /* Emptied entry by entry, it merges back to a single leaf. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("entry-%u", i);
      g_assert_true (dropify_reconcile_remove (index, id, i % 2));
    }
  g_assert_cmpuint (dropify_reconcile_get_n_entries (index), ==, 1);
  dropify_reconcile_clear (index);
  g_assert_cmpuint (dropify_reconcile_count (index, ""), ==, 0);
}

/* Targeted drops are counted only in the views of the devices that may
 * hold them: a device outside the audience sees the same summary as if
 * they did not exist, and a tombstone replaces one for everyone. */
static void
test_views (void)
{
  g_autoptr(DropifyReconcile) index = dropify_reconcile_new ();
  g_autoptr(GArray) everyone = make_refs (300);
  /* Borrows everyone's ids, plus one. */
  g_autoptr(GArray) for_b = g_array_new (FALSE, FALSE, sizeof (Ref));
  const char * const holders[] = { "device-a", "device-b", NULL };
  DropifyBucket got[DROPIFY_PROTOCOL_FANOUT];
  DropifyBucket want[DROPIFY_PROTOCOL_FANOUT];
  Ref extra = { (char *) "private-1", TRUE };

  for (guint i = 0; i < everyone->len; i++)
    {
      Ref *ref = &g_array_index (everyone, Ref, i);
      dropify_reconcile_add (index, ref->id, ref->live, 1000);
    }
  dropify_reconcile_add_targeted (index, "private-1", 1000, holders);

  for (guint p = 0; p < G_N_ELEMENTS (prefixes); p++)
    {
      /* C, or nobody in particular: as if it did not exist. */
      reference_buckets (everyone, prefixes[p], want);
      dropify_reconcile_get_buckets_for (index, "device-c", prefixes[p], got);
      assert_buckets_equal (got, want);
      dropify_reconcile_get_buckets_for (index, NULL, prefixes[p], got);
      assert_buckets_equal (got, want);

      /* B and A: as one more live drop. */
      g_array_set_size (for_b, 0);
      g_array_append_vals (for_b, everyone->data, everyone->len);
      g_array_append_val (for_b, extra);
      reference_buckets (for_b, prefixes[p], want);
      dropify_reconcile_get_buckets_for (index, "device-b", prefixes[p], got);
      assert_buckets_equal (got, want);
      dropify_reconcile_get_buckets_for (index, "device-a", prefixes[p], got);
      assert_buckets_equal (got, want);
    }

  g_assert_cmpuint (dropify_reconcile_count_for (index, "device-c", ""), ==, 300);
  g_assert_cmpuint (dropify_reconcile_count_for (index, "device-b", ""), ==, 301);
  {
    g_autoptr(GArray) seen_by_c = dropify_reconcile_collect_for (index, "device-c", "", 0);
    g_autoptr(GArray) seen_by_b = dropify_reconcile_collect_for (index, "device-b", "", 0);

    g_assert_cmpuint (seen_by_c->len, ==, 300);
    g_assert_cmpuint (seen_by_b->len, ==, 301);
  }

  /* Deleted: a tombstone, which every device sees. */
  dropify_reconcile_add (index, "private-1", FALSE, 1000);
  g_assert_cmpuint (dropify_reconcile_count_for (index, "device-c", ""), ==, 301);
  g_assert_cmpuint (dropify_reconcile_count_for (index, "device-b", ""), ==, 301);

  /* Expired instead: gone from every view. */
  dropify_reconcile_add_targeted (index, "private-2", 1000, holders);
  g_assert_cmpuint (dropify_reconcile_count_for (index, "device-b", ""), ==, 302);
  g_assert_true (dropify_reconcile_remove (index, "private-2", TRUE));
  g_assert_cmpuint (dropify_reconcile_count_for (index, "device-b", ""), ==, 301);
  g_assert_cmpuint (dropify_reconcile_get_n_entries (index), ==, 301);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/reconcile/order-independent", test_order_independent);
  g_test_add_func ("/reconcile/prefix-lookup", test_prefix_lookup);
  g_test_add_func ("/reconcile/long-prefix", test_long_prefix);
  g_test_add_func ("/reconcile/one-change", test_one_change);
  g_test_add_func ("/reconcile/cost", test_cost);
  g_test_add_func ("/reconcile/views", test_views);

  return g_test_run ();
}
