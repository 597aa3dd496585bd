#include "config.h"

#include <string.h>

#include "dropify-pake.h"
#include "dropify-pake-private.h"

/* CPace over ristretto255: the draft's test vectors, then two sides
 * talking to each other, then what a hostile peer may send. */

/* From draft-irtf-cfrg-cpace-21, appendix B.3, "Test vector for CPace
 * using group ristretto255 and hash SHA-512" (the same numbers are in
 * testvectors.json of the draft's repository, under G_Coffee25519). */
#define TV_PRS   "50617373776f7264"                                   /* b"Password" */
#define TV_CI    "0b415f696e69746961746f720b425f726573706f6e646572"   /* \x0bA_initiator\x0bB_responder */
#define TV_SID   "7e4b4791d6a8ef019b936c79fb7f2c57"
#define TV_G     "222b6b195fe84b1652badb6f6a3ae3d24341e7306967f0b8115b40d5698c7e56"
#define TV_ADA   "414461"                                             /* b"ADa" */
#define TV_YA_S  "da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4ff0976d08"
#define TV_YA    "d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b9157"
#define TV_ADB   "414462"                                             /* b"ADb" */
#define TV_YB_S  "d2316b454718c35362d83d69df6320f38578ed5984651435e2949762d900b80d"
#define TV_YB    "3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f7258"
#define TV_K     "80b69a8a76457ab6a4d7f887a4bf6b55a2f80ac19c333f917a05fc9887c8b40f"
#define TV_ISK_IR \
  "b69effbf61b51d56401c0f65601abe428de8206feaaf0e32198896dcae7b35cd" \
  "2b38950a39dfd5d4a79164614c2984f7daa460b588c1e80c3fa2068af7900447"

/* Same appendix, "Test case for scalar_mult with valid inputs" and
 * "Invalid inputs for scalar_mult_vfy". */
#define TV_S          "7cd0e075fa7955ba52c02759a6c90dbbfc10e6d40aea8d283e407d88cf538a05"
#define TV_X          "2c3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c"
#define TV_S_X        "7c13645fe790a468f62c39beb7388e541d8405d1ade69d1778c5fe3e7f6b600e"
#define TV_INVALID_Y1 "2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c"
#define TV_INVALID_Y2 "0000000000000000000000000000000000000000000000000000000000000000"

static GBytes *
hex (const char *text)
{
  gsize len = strlen (text);
  guint8 *data;

  g_assert (len % 2 == 0);
  data = g_malloc (len / 2 + 1);
  for (gsize i = 0; i < len / 2; i++)
    {
      int high = g_ascii_xdigit_value (text[2 * i]);
      int low = g_ascii_xdigit_value (text[2 * i + 1]);

      g_assert (high >= 0 && low >= 0);
      data[i] = (guint8) (high << 4 | low);
    }

  return g_bytes_new_take (data, len / 2);
}

static const guint8 *
data_of (GBytes *bytes,
         gsize  *len)
{
  return g_bytes_get_data (bytes, len);
}

static void
assert_bytes (const guint8 *actual,
              const char   *expected_hex)
{
  g_autoptr(GBytes) expected = hex (expected_hex);
  gsize len;
  const guint8 *data = data_of (expected, &len);

  g_assert_nonnull (actual);
  g_assert_cmpmem (actual, len, data, len);
}

/* A run with the vectors' password, CI and sid, and no associated data. */
static DropifyPake *
vector_pake (gboolean    initiator,
             const char *scalar_hex)
{
  g_autoptr(GBytes) prs = hex (TV_PRS);
  g_autoptr(GBytes) ci = hex (TV_CI);
  g_autoptr(GBytes) sid = hex (TV_SID);
  g_autoptr(GBytes) scalar = hex (scalar_hex);
  gsize prs_len, ci_len, sid_len, scalar_len;
  const guint8 *prs_data = data_of (prs, &prs_len);
  const guint8 *ci_data = data_of (ci, &ci_len);
  const guint8 *sid_data = data_of (sid, &sid_len);
  const guint8 *scalar_data = data_of (scalar, &scalar_len);

  g_assert_cmpuint (scalar_len, ==, DROPIFY_PAKE_SCALAR_LEN);
  return dropify_pake_new_with_scalar (initiator, prs_data, prs_len, ci_data, ci_len,
                                       sid_data, sid_len, scalar_data);
}

/* prepend_len's length prefix: the draft's "prepend_len test vectors"
 * (appendix A), plus two lengths of more bytes, as LEB128 defines them. */
static void
test_encode_length (void)
{
  static const struct { gsize len; const char *hex; } cases[] = {
    { 0, "00" },
    { 4, "04" },
    { 127, "7f" },
    { 128, "8001" },
    { 300, "ac02" },
    { 16384, "808001" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) expected = hex (cases[i].hex);
      guint8 out[DROPIFY_PAKE_LENGTH_MAX];
      gsize expected_len;
      const guint8 *expected_data = data_of (expected, &expected_len);
      gsize n = dropify_pake_encode_length (cases[i].len, out);

      g_assert_cmpmem (out, n, expected_data, expected_len);
    }
}

/* The generator: with the scalar 1, the share is g itself. */
static void
test_vector_generator (void)
{
  g_autoptr(DropifyPake) pake = vector_pake (TRUE,
      "0100000000000000000000000000000000000000000000000000000000000000");

  assert_bytes (dropify_pake_get_share (pake), TV_G);
}

/* Ya, Yb, K and ISK of the initiator-responder run, on both sides. */
static void
test_vector_exchange (void)
{
  g_autoptr(GBytes) prs = hex (TV_PRS);
  g_autoptr(GBytes) ci = hex (TV_CI);
  g_autoptr(GBytes) sid = hex (TV_SID);
  g_autoptr(GBytes) ada = hex (TV_ADA);
  g_autoptr(GBytes) adb = hex (TV_ADB);
  g_autoptr(GBytes) ya = hex (TV_YA_S);
  g_autoptr(GBytes) yb = hex (TV_YB_S);
  g_autoptr(DropifyPake) a = NULL;
  g_autoptr(DropifyPake) b = NULL;
  g_autoptr(GError) error = NULL;
  gsize prs_len, ci_len, sid_len, ada_len, adb_len, ya_len, yb_len;
  const guint8 *prs_data = data_of (prs, &prs_len);
  const guint8 *ci_data = data_of (ci, &ci_len);
  const guint8 *sid_data = data_of (sid, &sid_len);
  const guint8 *ada_data = data_of (ada, &ada_len);
  const guint8 *adb_data = data_of (adb, &adb_len);

  a = dropify_pake_new_full (TRUE, prs_data, prs_len, ci_data, ci_len, sid_data, sid_len,
                             ada_data, ada_len, adb_data, adb_len, data_of (ya, &ya_len));
  b = dropify_pake_new_full (FALSE, prs_data, prs_len, ci_data, ci_len, sid_data, sid_len,
                             ada_data, ada_len, adb_data, adb_len, data_of (yb, &yb_len));

  assert_bytes (dropify_pake_get_share (a), TV_YA);
  assert_bytes (dropify_pake_get_share (b), TV_YB);

  g_assert_true (dropify_pake_set_peer_share (a, dropify_pake_get_share (b),
                                              DROPIFY_PAKE_SHARE_LEN, &error));
  g_assert_no_error (error);
  g_assert_true (dropify_pake_set_peer_share (b, dropify_pake_get_share (a),
                                              DROPIFY_PAKE_SHARE_LEN, &error));
  g_assert_no_error (error);

  assert_bytes (dropify_pake_get_shared_point (a), TV_K);
  assert_bytes (dropify_pake_get_shared_point (b), TV_K);
  assert_bytes (dropify_pake_get_key (a), TV_ISK_IR);
  assert_bytes (dropify_pake_get_key (b), TV_ISK_IR);
}

/* The public constructor makes the same shares (associated data is not
 * in them), and without the vectors' ADa and ADb, another key. */
static void
test_vector_without_ad (void)
{
  g_autoptr(DropifyPake) a = vector_pake (TRUE, TV_YA_S);
  g_autoptr(DropifyPake) b = vector_pake (FALSE, TV_YB_S);
  g_autoptr(GBytes) isk = hex (TV_ISK_IR);

  assert_bytes (dropify_pake_get_share (a), TV_YA);
  assert_bytes (dropify_pake_get_share (b), TV_YB);
  g_assert_true (dropify_pake_set_peer_share (a, dropify_pake_get_share (b),
                                              DROPIFY_PAKE_SHARE_LEN, NULL));
  g_assert_true (dropify_pake_set_peer_share (b, dropify_pake_get_share (a),
                                              DROPIFY_PAKE_SHARE_LEN, NULL));
  assert_bytes (dropify_pake_get_shared_point (a), TV_K);
  g_assert_cmpmem (dropify_pake_get_key (a), DROPIFY_PAKE_KEY_LEN,
                   dropify_pake_get_key (b), DROPIFY_PAKE_KEY_LEN);
  g_assert_true (memcmp (dropify_pake_get_key (a), g_bytes_get_data (isk, NULL),
                         DROPIFY_PAKE_KEY_LEN) != 0);
}

/* scalar_mult_vfy with valid and invalid inputs. */
static void
test_vector_scalar_mult (void)
{
  static const struct { const char *point; int code; } invalid[] = {
    { TV_INVALID_Y1, DROPIFY_PAKE_ERROR_INVALID_POINT },
    { TV_INVALID_Y2, DROPIFY_PAKE_ERROR_IDENTITY },
  };
  g_autoptr(DropifyPake) pake = vector_pake (FALSE, TV_S);
  g_autoptr(GBytes) x = hex (TV_X);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GBytes) y = hex (invalid[i].point);
      gsize len;
      const guint8 *data = data_of (y, &len);

      g_assert_false (dropify_pake_set_peer_share (pake, data, len, &error));
      g_assert_error (error, DROPIFY_PAKE_ERROR, invalid[i].code);
      g_clear_error (&error);
    }

  g_assert_true (dropify_pake_set_peer_share (pake, g_bytes_get_data (x, NULL),
                                              g_bytes_get_size (x), &error));
  g_assert_no_error (error);
  assert_bytes (dropify_pake_get_shared_point (pake), TV_S_X);
}

/* Two sides, with random scalars */

#define FP_A "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define FP_B "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
/* Two fingerprints in hex are 128 bytes: a two-byte length prefix. */
#define CI   FP_A FP_B

typedef struct
{
  const char   *password;
  const char   *ci;
  const guint8 *sid;
} Side;

static const guint8 sid_one[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const guint8 sid_two[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17 };

static DropifyPake *
side_new (gboolean    initiator,
          const Side *side)
{
  DropifyPake *pake = dropify_pake_new (initiator,
                                        (const guint8 *) side->password,
                                        strlen (side->password),
                                        (const guint8 *) side->ci, strlen (side->ci),
                                        side->sid, 16);

  g_assert_nonnull (pake);
  return pake;
}

/* Runs the exchange between a and b; both shares are valid, so both
 * sides always get a key, whether or not it is the same. */
static void
exchange (DropifyPake *a,
          DropifyPake *b)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (dropify_pake_set_peer_share (a, dropify_pake_get_share (b),
                                              DROPIFY_PAKE_SHARE_LEN, &error));
  g_assert_no_error (error);
  g_assert_true (dropify_pake_set_peer_share (b, dropify_pake_get_share (a),
                                              DROPIFY_PAKE_SHARE_LEN, &error));
  g_assert_no_error (error);
}

static gboolean
same_key (DropifyPake *a,
          DropifyPake *b)
{
  return memcmp (dropify_pake_get_key (a), dropify_pake_get_key (b), DROPIFY_PAKE_KEY_LEN) == 0;
}

/* Each side checks the other's tag; TRUE if both check out. */
static gboolean
confirm (DropifyPake *a,
         DropifyPake *b)
{
  guint8 tag_a[DROPIFY_PAKE_TAG_LEN];
  guint8 tag_b[DROPIFY_PAKE_TAG_LEN];
  gboolean a_ok, b_ok;

  dropify_pake_get_tag (a, TRUE, tag_a);
  dropify_pake_get_tag (b, FALSE, tag_b);
  b_ok = dropify_pake_check_tag (b, TRUE, tag_a, sizeof tag_a);
  a_ok = dropify_pake_check_tag (a, FALSE, tag_b, sizeof tag_b);
  g_assert_cmpint (a_ok, ==, b_ok);

  return a_ok && b_ok;
}

static void
test_init (void)
{
  g_assert_true (dropify_pake_init ());
  g_assert_true (dropify_pake_init ());
}

static void
test_same_password (void)
{
  Side side = { "correct horse", CI, sid_one };
  g_autoptr(DropifyPake) a = side_new (TRUE, &side);
  g_autoptr(DropifyPake) b = side_new (FALSE, &side);
  g_autoptr(DropifyPake) again = side_new (TRUE, &side);

  /* Fresh scalars: the same inputs never make the same share. */
  g_assert_true (memcmp (dropify_pake_get_share (a), dropify_pake_get_share (again),
                         DROPIFY_PAKE_SHARE_LEN) != 0);

  exchange (a, b);
  g_assert_true (same_key (a, b));
  g_assert_true (confirm (a, b));
}

static void
test_different_password (void)
{
  Side side_a = { "correct horse", CI, sid_one };
  Side side_b = { "correct hors", CI, sid_one };
  g_autoptr(DropifyPake) a = side_new (TRUE, &side_a);
  g_autoptr(DropifyPake) b = side_new (FALSE, &side_b);

  exchange (a, b);
  g_assert_false (same_key (a, b));
  g_assert_false (confirm (a, b));
}

static void
test_different_ci (void)
{
  Side side_a = { "correct horse", CI, sid_one };
  Side side_b = { "correct horse", FP_B FP_A, sid_one };
  g_autoptr(DropifyPake) a = side_new (TRUE, &side_a);
  g_autoptr(DropifyPake) b = side_new (FALSE, &side_b);

  exchange (a, b);
  g_assert_false (same_key (a, b));
  g_assert_false (confirm (a, b));
}

static void
test_different_sid (void)
{
  Side side_a = { "correct horse", CI, sid_one };
  Side side_b = { "correct horse", CI, sid_two };
  g_autoptr(DropifyPake) a = side_new (TRUE, &side_a);
  g_autoptr(DropifyPake) b = side_new (FALSE, &side_b);

  exchange (a, b);
  g_assert_false (same_key (a, b));
  g_assert_false (confirm (a, b));
}

/* Both sides believing they spoke first order the transcript
 * differently, and get different keys. */
static void
test_both_initiators (void)
{
  Side side = { "correct horse", CI, sid_one };
  g_autoptr(DropifyPake) a = side_new (TRUE, &side);
  g_autoptr(DropifyPake) b = side_new (TRUE, &side);

  exchange (a, b);
  g_assert_false (same_key (a, b));
}

static void
test_invalid_shares (void)
{
  Side side = { "correct horse", CI, sid_one };
  g_autoptr(DropifyPake) a = side_new (TRUE, &side);
  g_autoptr(DropifyPake) b = side_new (FALSE, &side);
  guint8 buffer[64];
  guint8 ff[32];
  guint8 one[32] = { 1 };
  guint8 high_bit[32];
  guint8 not_reduced[32];
  struct { const guint8 *share; gsize len; int code; } cases[] = {
    { NULL, 0, DROPIFY_PAKE_ERROR_WRONG_LENGTH },
    { buffer, 1, DROPIFY_PAKE_ERROR_WRONG_LENGTH },
    { buffer, 31, DROPIFY_PAKE_ERROR_WRONG_LENGTH },
    { buffer, 33, DROPIFY_PAKE_ERROR_WRONG_LENGTH },
    { buffer, 64, DROPIFY_PAKE_ERROR_WRONG_LENGTH },
    /* The identity's encoding. */
    { buffer, 32, DROPIFY_PAKE_ERROR_IDENTITY },
    /* Not canonical: a field element of 2^255 - 1 > p. */
    { ff, 32, DROPIFY_PAKE_ERROR_INVALID_POINT },
    /* Odd ("negative") field elements are never an encoding. */
    { one, 32, DROPIFY_PAKE_ERROR_INVALID_POINT },
    /* b's valid share with the unused top bit set. */
    { high_bit, 32, DROPIFY_PAKE_ERROR_INVALID_POINT },
    /* A field element of p + 1, not reduced. */
    { not_reduced, 32, DROPIFY_PAKE_ERROR_INVALID_POINT },
  };

  memset (buffer, 0, sizeof buffer);
  memset (ff, 0xff, sizeof ff);
  memcpy (high_bit, dropify_pake_get_share (b), 32);
  high_bit[31] |= 0x80;

  /* p + 1 = 2^255 - 18: even and below 2^255, so only its size makes
   * it no canonical encoding. */
  memset (not_reduced, 0xff, sizeof not_reduced);
  not_reduced[0] = 0xee;
  not_reduced[31] = 0x7f;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("case %u", i);
      g_assert_false (dropify_pake_set_peer_share (a, cases[i].share, cases[i].len, &error));
      g_assert_error (error, DROPIFY_PAKE_ERROR, cases[i].code);
      g_assert_nonnull (error->message);
    }

  /* None of it spoiled the run: the real share still works. */
  exchange (a, b);
  g_assert_true (same_key (a, b));
  g_assert_true (confirm (a, b));
}

static void
test_tag_roles (void)
{
  Side side = { "correct horse", CI, sid_one };
  g_autoptr(DropifyPake) a = side_new (TRUE, &side);
  g_autoptr(DropifyPake) b = side_new (FALSE, &side);
  guint8 tag_a[DROPIFY_PAKE_TAG_LEN];
  guint8 tag_b[DROPIFY_PAKE_TAG_LEN];
  guint8 tag_a_from_b[DROPIFY_PAKE_TAG_LEN];

  exchange (a, b);
  dropify_pake_get_tag (a, TRUE, tag_a);
  dropify_pake_get_tag (a, FALSE, tag_b);
  dropify_pake_get_tag (b, TRUE, tag_a_from_b);

  /* The same key makes the same tags on both sides... */
  g_assert_cmpmem (tag_a, sizeof tag_a, tag_a_from_b, sizeof tag_a_from_b);
  /* ...and each role's differs. */
  g_assert_true (memcmp (tag_a, tag_b, sizeof tag_a) != 0);

  g_assert_true (dropify_pake_check_tag (b, TRUE, tag_a, sizeof tag_a));
  g_assert_true (dropify_pake_check_tag (a, FALSE, tag_b, sizeof tag_b));

  /* A tag sent back to its maker, or taken for the other role. */
  g_assert_false (dropify_pake_check_tag (a, FALSE, tag_a, sizeof tag_a));
  g_assert_false (dropify_pake_check_tag (b, TRUE, tag_b, sizeof tag_b));

  /* Truncated, too long, or one bit off. */
  g_assert_false (dropify_pake_check_tag (b, TRUE, tag_a, sizeof tag_a - 1));
  g_assert_false (dropify_pake_check_tag (b, TRUE, NULL, 0));
  {
    guint8 longer[DROPIFY_PAKE_TAG_LEN + 1] = { 0 };

    memcpy (longer, tag_a, sizeof tag_a);
    g_assert_false (dropify_pake_check_tag (b, TRUE, longer, sizeof longer));
  }
  for (guint i = 0; i < sizeof tag_a; i++)
    {
      tag_a[i] ^= 0x01;
      g_assert_false (dropify_pake_check_tag (b, TRUE, tag_a, sizeof tag_a));
      tag_a[i] ^= 0x01;
    }
  g_assert_true (dropify_pake_check_tag (b, TRUE, tag_a, sizeof tag_a));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/pake/init", test_init);
  g_test_add_func ("/pake/encode-length", test_encode_length);
  g_test_add_func ("/pake/vector/generator", test_vector_generator);
  g_test_add_func ("/pake/vector/exchange", test_vector_exchange);
  g_test_add_func ("/pake/vector/without-ad", test_vector_without_ad);
  g_test_add_func ("/pake/vector/scalar-mult", test_vector_scalar_mult);
  g_test_add_func ("/pake/same-password", test_same_password);
  g_test_add_func ("/pake/different-password", test_different_password);
  g_test_add_func ("/pake/different-ci", test_different_ci);
  g_test_add_func ("/pake/different-sid", test_different_sid);
  g_test_add_func ("/pake/both-initiators", test_both_initiators);
  g_test_add_func ("/pake/invalid-shares", test_invalid_shares);
  g_test_add_func ("/pake/tag-roles", test_tag_roles);

  return g_test_run ();
}
