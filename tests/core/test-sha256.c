#include "config.h"

#include "dropify-core.h"
#include "dropify-sha256.h"

/* FIPS 180-2 vectors, and GChecksum as a second, independent reference. */
static void
test_sha256_vectors (void)
{
  static const struct { const char *input; const char *digest; } vectors[] = {
    { "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
  };
  g_autoptr(DropifySha256) hash = dropify_sha256_new ();

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *digest = NULL;

      dropify_sha256_update (hash, vectors[i].input, strlen (vectors[i].input));
      digest = dropify_sha256_finish_hex (hash);
      g_assert_cmpstr (digest, ==, vectors[i].digest);
    }
}

/* Fed in uneven pieces, the digest is that of the whole. */
static void
test_sha256_pieces (void)
{
  g_autoptr(DropifySha256) hash = dropify_sha256_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autofree guint8 *data = g_malloc (3 * 1024 * 1024 + 17);
  g_autofree char *expected = NULL;
  g_autofree char *digest = NULL;
  gsize size = 3 * 1024 * 1024 + 17;
  gsize offset = 0;

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_rand_int (rand);
  expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, size);

  while (offset < size)
    {
      gsize n = (gsize) g_rand_int_range (rand, 0, 300000);

      n = MIN (n, size - offset);

      dropify_sha256_update (hash, data + offset, n);
      offset += n;
    }
  digest = dropify_sha256_finish_hex (hash);
  g_assert_cmpstr (digest, ==, expected);
}

/* A reset forgets what came before, as a resumed transfer that starts over
 * relies on. */
static void
test_sha256_reset (void)
{
  g_autoptr(DropifySha256) hash = dropify_sha256_new ();
  g_autofree char *digest = NULL;

  dropify_sha256_update (hash, "garbage from a longer partial file", 34);
  dropify_sha256_reset (hash);
  dropify_sha256_update (hash, "abc", 3);
  digest = dropify_sha256_finish_hex (hash);
  g_assert_cmpstr (digest, ==, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sha256/vectors", test_sha256_vectors);
  g_test_add_func ("/sha256/pieces", test_sha256_pieces);
  g_test_add_func ("/sha256/reset", test_sha256_reset);

  return g_test_run ();
}
