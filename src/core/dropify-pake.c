#define G_LOG_DOMAIN "dropify-pake"

#include "config.h"

#include <string.h>

#include <sodium.h>

#include "dropify-pake.h"
#include "dropify-pake-private.h"

/* CPace, the balanced password-authenticated key exchange of
 * draft-irtf-cfrg-cpace-21 (the CFRG draft, tag draft-irtf-cfrg-cpace-21
 * of its repository), with the cipher suite CPACE-RISTR255-SHA512: the
 * group ristretto255 (RFC 9496) and SHA-512, in the initiator-responder
 * setting, all of it done by libsodium.
 *
 * Both sides hash the password (PRS), the channel identifier (CI, our
 * two certificate fingerprints) and the session id (sid) to a generator
 * g, send Y = y*g for a fresh scalar y, and compute K = y*Y_peer. The
 * key, ISK, hashes K with sid and the transcript of both shares. Someone
 * who does not know the password learns nothing from the shares, and
 * gets one guess per run.
 *
 * Where the draft leaves a choice:
 * - Scalars are uniform in [1, L-1] (crypto_core_ristretto255_scalar_random),
 *   the draft's alternative to truncated random bytes.
 * - The transcript is transcript_ir, ordered by role: the initiator (A)
 *   speaks first, so both sides know who A is. Our messages carry no
 *   associated data, so ADa and ADb are empty.
 * - Key confirmation is optional in the draft, which sketches one way
 *   ("Key confirmation"). Ours puts the role into the MAC key, so that a
 *   tag can never be sent back to its maker as the other side's:
 *     mac_key(role) = SHA-512 (lv_cat ("DropifyPakeConfirm", role, sid, ISK))[0..32]
 *     tag(role)     = HMAC-SHA-512-256 (mac_key(role), transcript_ir)
 *   with role "initiator" or "responder".
 *
 * ISK is the draft's intermediate key: the caller derives what it uses
 * from it with a KDF, as the draft recommends. */

#define HASH_BLOCK_LEN 128   /* SHA-512's input block, H.s_in_bytes */
#define POINT_LEN      crypto_core_ristretto255_BYTES

static const char dsi[] = "CPaceRistretto255";
static const char dsi_isk[] = "CPaceRistretto255_ISK";
static const char confirm_label[] = "DropifyPakeConfirm";

G_STATIC_ASSERT (DROPIFY_PAKE_SHARE_LEN == crypto_core_ristretto255_BYTES);
G_STATIC_ASSERT (DROPIFY_PAKE_SCALAR_LEN == crypto_core_ristretto255_SCALARBYTES);
G_STATIC_ASSERT (DROPIFY_PAKE_KEY_LEN == crypto_hash_sha512_BYTES);
G_STATIC_ASSERT (DROPIFY_PAKE_TAG_LEN == crypto_auth_hmacsha512256_BYTES);
G_STATIC_ASSERT (crypto_core_ristretto255_HASHBYTES == crypto_hash_sha512_BYTES);
G_STATIC_ASSERT (crypto_auth_hmacsha512256_KEYBYTES <= crypto_hash_sha512_BYTES);

struct _DropifyPake
{
  gboolean    initiator;
  gboolean    has_key;

  guint8      scalar[DROPIFY_PAKE_SCALAR_LEN];
  /* Derived from the password alone with public inputs: whoever has it
   * can test passwords offline, so it is a secret like the scalar. */
  guint8      generator[POINT_LEN];
  guint8      share[DROPIFY_PAKE_SHARE_LEN];
  guint8      shared_point[POINT_LEN];            /* K */
  guint8      key[DROPIFY_PAKE_KEY_LEN];          /* ISK */

  guint8     *sid;
  gsize       sid_len;
  guint8     *ada;
  gsize       ada_len;
  guint8     *adb;
  gsize       adb_len;
  GByteArray *transcript;                         /* transcript_ir, public */
};

G_DEFINE_QUARK (dropify-pake-error-quark, dropify_pake_error)

/**
 * dropify_pake_init:
 *
 * Initializes libsodium, once for the process; any thread may call it.
 * The constructors call it too.
 *
 * Returns: %FALSE if libsodium cannot be used (it found no source of
 *   randomness, for example)
 */
gboolean
dropify_pake_init (void)
{
  static gsize state = 0;   /* 1 when it worked, 2 when it failed */

  if (g_once_init_enter (&state))
    {
      gsize result = sodium_init () < 0 ? 2 : 1;

      if (result == 2)
        g_warning ("libsodium could not be initialized; pairing by password is unavailable");
      g_once_init_leave (&state, result);
    }

  return state == 1;
}

/* The encodings (draft, appendix "CPace function definitions") */

/* The length prefix of prepend_len: LEB128, 7 bits a byte, least
 * significant first, the high bit set on every byte but the last. */
gsize
dropify_pake_encode_length (gsize  len,
                            guint8 out[DROPIFY_PAKE_LENGTH_MAX])
{
  gsize n = 0;

  do
    {
      guint8 byte = len & 0x7f;

      len >>= 7;
      out[n++] = len != 0 ? (byte | 0x80) : byte;
    }
  while (len != 0);

  return n;
}

/* prepend_len (data), into a hash: lv_cat is a sequence of these. */
static void
hash_lv (crypto_hash_sha512_state *state,
         const void               *data,
         gsize                     len)
{
  guint8 prefix[DROPIFY_PAKE_LENGTH_MAX];
  gsize prefix_len = dropify_pake_encode_length (len, prefix);

  crypto_hash_sha512_update (state, prefix, prefix_len);
  if (len > 0)
    crypto_hash_sha512_update (state, data, len);
}

static void
append_lv (GByteArray   *out,
           const guint8 *data,
           gsize         len)
{
  guint8 prefix[DROPIFY_PAKE_LENGTH_MAX];
  gsize prefix_len = dropify_pake_encode_length (len, prefix);

  g_byte_array_append (out, prefix, prefix_len);
  if (len > 0)
    g_byte_array_append (out, data, len);
}

/* G.calculate_generator: g = from_hash (SHA-512 (generator_string)),
 * generator_string = lv_cat (DSI, PRS, zero_bytes (len_zpad), CI, sid).
 * The zeros fill the first hash block after DSI and PRS, so that its
 * cost does not depend on the length of a short password. The string is
 * hashed as it is made, and never held in memory. */
static void
calculate_generator (const guint8 *prs,
                     gsize         prs_len,
                     const guint8 *ci,
                     gsize         ci_len,
                     const guint8 *sid,
                     gsize         sid_len,
                     guint8        generator[POINT_LEN])
{
  static const guint8 zeros[HASH_BLOCK_LEN] = { 0 };
  crypto_hash_sha512_state state;
  guint8 digest[crypto_hash_sha512_BYTES];
  guint8 prefix[DROPIFY_PAKE_LENGTH_MAX];
  gsize used;
  gsize zpad = 0;

  used = dropify_pake_encode_length (prs_len, prefix) + prs_len
         + dropify_pake_encode_length (strlen (dsi), prefix) + strlen (dsi);
  if (used + 1 < HASH_BLOCK_LEN)
    zpad = HASH_BLOCK_LEN - 1 - used;

  crypto_hash_sha512_init (&state);
  hash_lv (&state, dsi, strlen (dsi));
  hash_lv (&state, prs, prs_len);
  hash_lv (&state, zeros, zpad);
  hash_lv (&state, ci, ci_len);
  hash_lv (&state, sid, sid_len);
  crypto_hash_sha512_final (&state, digest);

  crypto_core_ristretto255_from_hash (generator, digest);

  sodium_memzero (&state, sizeof state);
  sodium_memzero (digest, sizeof digest);
}

/* Construction */

static guint8 *
memdup_or_null (const guint8 *data,
                gsize         len)
{
  return len > 0 ? g_memdup2 (data, len) : NULL;
}

DropifyPake *
dropify_pake_new_full (gboolean      initiator,
                       const guint8 *prs,
                       gsize         prs_len,
                       const guint8 *ci,
                       gsize         ci_len,
                       const guint8 *sid,
                       gsize         sid_len,
                       const guint8 *ada,
                       gsize         ada_len,
                       const guint8 *adb,
                       gsize         adb_len,
                       const guint8 *scalar)
{
  DropifyPake *self;

  g_return_val_if_fail (prs != NULL && prs_len > 0, NULL);
  g_return_val_if_fail (ci != NULL || ci_len == 0, NULL);
  g_return_val_if_fail (sid != NULL && sid_len >= DROPIFY_PAKE_MIN_SID_LEN, NULL);
  g_return_val_if_fail (ada != NULL || ada_len == 0, NULL);
  g_return_val_if_fail (adb != NULL || adb_len == 0, NULL);

  if (!dropify_pake_init ())
    return NULL;

  self = g_new0 (DropifyPake, 1);
  self->initiator = !!initiator;

  if (scalar != NULL)
    {
      /* Reduced mod L, so that any 32 bytes are a scalar libsodium takes
       * as they are (it ignores the top bit), with the same result. */
      guint8 wide[crypto_core_ristretto255_NONREDUCEDSCALARBYTES] = { 0 };

      memcpy (wide, scalar, DROPIFY_PAKE_SCALAR_LEN);
      crypto_core_ristretto255_scalar_reduce (self->scalar, wide);
      sodium_memzero (wide, sizeof wide);
    }
  else
    {
      crypto_core_ristretto255_scalar_random (self->scalar);
    }

  calculate_generator (prs, prs_len, ci, ci_len, sid, sid_len, self->generator);

  /* It fails only for a zero scalar, or a generator that is the
   * identity, which a hash reaches with probability 2^-252. */
  if (crypto_scalarmult_ristretto255 (self->share, self->scalar, self->generator) != 0)
    {
      g_critical ("%s: the scalar is zero modulo the group order", G_STRFUNC);
      dropify_pake_free (self);
      return NULL;
    }

  self->sid = g_memdup2 (sid, sid_len);
  self->sid_len = sid_len;
  self->ada = memdup_or_null (ada, ada_len);
  self->ada_len = ada_len;
  self->adb = memdup_or_null (adb, adb_len);
  self->adb_len = adb_len;

  return self;
}

/**
 * dropify_pake_new:
 * @initiator: whether this side sends its share first (CPace's A)
 * @prs: (array length=prs_len): the password, not empty
 * @prs_len: its length
 * @ci: (array length=ci_len) (nullable): the channel identifier: both
 *   sides' certificate fingerprints, in an order both agree on
 * @ci_len: its length
 * @sid: (array length=sid_len): the session id, at least
 *   %DROPIFY_PAKE_MIN_SID_LEN random bytes that the initiator chose
 * @sid_len: its length
 *
 * Starts one run of CPace with a fresh random scalar. Send
 * dropify_pake_get_share() to the peer, and pass what it sends to
 * dropify_pake_set_peer_share(). A run is used once.
 *
 * Returns: (transfer full) (nullable): the run, or %NULL if libsodium
 *   cannot be initialized
 */
DropifyPake *
dropify_pake_new (gboolean      initiator,
                  const guint8 *prs,
                  gsize         prs_len,
                  const guint8 *ci,
                  gsize         ci_len,
                  const guint8 *sid,
                  gsize         sid_len)
{
  return dropify_pake_new_full (initiator, prs, prs_len, ci, ci_len, sid, sid_len,
                                NULL, 0, NULL, 0, NULL);
}

/**
 * dropify_pake_new_with_scalar:
 * @scalar: the secret scalar, little-endian (reduced modulo the group
 *   order; it must not be zero)
 *
 * As dropify_pake_new(), with a given scalar instead of a random one,
 * for test vectors. Never use a scalar twice.
 *
 * Returns: (transfer full) (nullable): the run
 */
DropifyPake *
dropify_pake_new_with_scalar (gboolean      initiator,
                              const guint8 *prs,
                              gsize         prs_len,
                              const guint8 *ci,
                              gsize         ci_len,
                              const guint8 *sid,
                              gsize         sid_len,
                              const guint8  scalar[DROPIFY_PAKE_SCALAR_LEN])
{
  g_return_val_if_fail (scalar != NULL, NULL);

  return dropify_pake_new_full (initiator, prs, prs_len, ci, ci_len, sid, sid_len,
                                NULL, 0, NULL, 0, scalar);
}

/**
 * dropify_pake_free:
 *
 * Wipes the run's secrets and frees it.
 */
void
dropify_pake_free (DropifyPake *self)
{
  if (self == NULL)
    return;

  if (self->sid != NULL)
    sodium_memzero (self->sid, self->sid_len);
  g_free (self->sid);
  g_free (self->ada);
  g_free (self->adb);
  g_clear_pointer (&self->transcript, g_byte_array_unref);
  sodium_memzero (self, sizeof *self);
  g_free (self);
}

/* The exchange */

/**
 * dropify_pake_get_share:
 *
 * Returns: (array fixed-size=32): this side's share Y = y*g, to send
 */
const guint8 *
dropify_pake_get_share (DropifyPake *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->share;
}

/**
 * dropify_pake_set_peer_share:
 * @share: (array length=len): what the peer sent
 * @len: its length
 *
 * Computes K and the key from the peer's share. A share that is not a
 * valid ristretto255 element, or that is the neutral element, is refused
 * and changes nothing. Call it once it has succeeded.
 *
 * Returns: %TRUE if dropify_pake_get_key() now has the key
 */
gboolean
dropify_pake_set_peer_share (DropifyPake   *self,
                             const guint8  *share,
                             gsize          len,
                             GError       **error)
{
  crypto_hash_sha512_state state;
  guint8 shared_point[POINT_LEN];
  const guint8 *ya;
  const guint8 *yb;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->has_key, FALSE);
  g_return_val_if_fail (share != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (len != DROPIFY_PAKE_SHARE_LEN)
    {
      g_set_error (error, DROPIFY_PAKE_ERROR, DROPIFY_PAKE_ERROR_WRONG_LENGTH,
                   "The other device's pairing message has a key share of %" G_GSIZE_FORMAT
                   " bytes instead of %d. Pair again; if it happens again, update "
                   "Dropify on both devices.",
                   len, DROPIFY_PAKE_SHARE_LEN);
      return FALSE;
    }

  /* The all-zero encoding is the identity, and valid as an encoding:
   * name it before the general check, for a clearer error. */
  if (sodium_is_zero (share, len))
    {
      g_set_error_literal (error, DROPIFY_PAKE_ERROR, DROPIFY_PAKE_ERROR_IDENTITY,
                           "The other device's key share is the neutral element, which no "
                           "honest device sends. Pairing stopped; try again.");
      return FALSE;
    }

  /* RFC 9496 reads all 256 bits, so the top bit set is a value above p
   * and no encoding; libsodium 1.0.18 (Debian 12's) ignores that bit and
   * would take a second encoding of the same element. */
  if ((share[DROPIFY_PAKE_SHARE_LEN - 1] & 0x80) != 0 ||
      !crypto_core_ristretto255_is_valid_point (share))
    {
      g_set_error_literal (error, DROPIFY_PAKE_ERROR, DROPIFY_PAKE_ERROR_INVALID_POINT,
                           "The other device's key share is not a valid ristretto255 "
                           "element. Pairing stopped; try again.");
      return FALSE;
    }

  /* scalar_mult_vfy: libsodium fails when the result is the identity. */
  if (crypto_scalarmult_ristretto255 (shared_point, self->scalar, share) != 0)
    {
      sodium_memzero (shared_point, sizeof shared_point);
      g_set_error_literal (error, DROPIFY_PAKE_ERROR, DROPIFY_PAKE_ERROR_IDENTITY,
                           "The other device's key share leads to the neutral element. "
                           "Pairing stopped; try again.");
      return FALSE;
    }

  ya = self->initiator ? self->share : share;
  yb = self->initiator ? share : self->share;

  /* transcript_ir (Ya, ADa, Yb, ADb) = lv_cat (Ya, ADa) || lv_cat (Yb, ADb) */
  self->transcript = g_byte_array_new ();
  append_lv (self->transcript, ya, DROPIFY_PAKE_SHARE_LEN);
  append_lv (self->transcript, self->ada, self->ada_len);
  append_lv (self->transcript, yb, DROPIFY_PAKE_SHARE_LEN);
  append_lv (self->transcript, self->adb, self->adb_len);

  /* ISK = H (lv_cat (DSI || "_ISK", sid, K) || transcript_ir) */
  crypto_hash_sha512_init (&state);
  hash_lv (&state, dsi_isk, strlen (dsi_isk));
  hash_lv (&state, self->sid, self->sid_len);
  hash_lv (&state, shared_point, sizeof shared_point);
  crypto_hash_sha512_update (&state, self->transcript->data, self->transcript->len);
  crypto_hash_sha512_final (&state, self->key);

  memcpy (self->shared_point, shared_point, sizeof shared_point);
  self->has_key = TRUE;

  sodium_memzero (&state, sizeof state);
  sodium_memzero (shared_point, sizeof shared_point);
  /* The scalar has served; without it a leak of this run's memory
   * reveals nothing more about the password. */
  sodium_memzero (self->scalar, sizeof self->scalar);
  sodium_memzero (self->generator, sizeof self->generator);

  return TRUE;
}

/**
 * dropify_pake_get_key:
 *
 * Returns: (array fixed-size=64): ISK, once dropify_pake_set_peer_share()
 *   has succeeded; derive keys from it, and use it only after the peer's
 *   tag checked out
 */
const guint8 *
dropify_pake_get_key (DropifyPake *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->has_key, NULL);

  return self->key;
}

const guint8 *
dropify_pake_get_shared_point (DropifyPake *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->has_key, NULL);

  return self->shared_point;
}

/* Key confirmation */

static void
compute_tag (DropifyPake *self,
             gboolean     initiator_tag,
             guint8       out[DROPIFY_PAKE_TAG_LEN])
{
  const char *role = initiator_tag ? "initiator" : "responder";
  crypto_hash_sha512_state state;
  guint8 digest[crypto_hash_sha512_BYTES];

  g_assert (self->has_key);

  crypto_hash_sha512_init (&state);
  hash_lv (&state, confirm_label, strlen (confirm_label));
  hash_lv (&state, role, strlen (role));
  hash_lv (&state, self->sid, self->sid_len);
  hash_lv (&state, self->key, sizeof self->key);
  crypto_hash_sha512_final (&state, digest);

  /* The first 32 bytes are the MAC key. */
  crypto_auth_hmacsha512256 (out, self->transcript->data, self->transcript->len, digest);

  sodium_memzero (&state, sizeof state);
  sodium_memzero (digest, sizeof digest);
}

/**
 * dropify_pake_get_tag:
 * @initiator_tag: whether to make the initiator's tag or the responder's
 * @out: (out caller-allocates) (array fixed-size=32): the tag
 *
 * Makes a key confirmation tag: each side sends its own role's tag, and
 * checks the other's with dropify_pake_check_tag(). Only a peer that
 * derived the same key makes a tag that checks out.
 */
void
dropify_pake_get_tag (DropifyPake *self,
                      gboolean     initiator_tag,
                      guint8       out[DROPIFY_PAKE_TAG_LEN])
{
  g_return_if_fail (out != NULL);
  memset (out, 0, DROPIFY_PAKE_TAG_LEN);
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->has_key);

  compute_tag (self, initiator_tag, out);
}

/**
 * dropify_pake_check_tag:
 * @initiator_tag: whether @tag should be the initiator's or the responder's
 * @tag: (array length=len): what the peer sent
 * @len: its length
 *
 * Compares in constant time.
 *
 * Returns: %TRUE if @tag is the right tag for that role
 */
gboolean
dropify_pake_check_tag (DropifyPake  *self,
                        gboolean      initiator_tag,
                        const guint8 *tag,
                        gsize         len)
{
  guint8 expected[DROPIFY_PAKE_TAG_LEN];
  gboolean same;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->has_key, FALSE);
  g_return_val_if_fail (tag != NULL || len == 0, FALSE);

  if (len != DROPIFY_PAKE_TAG_LEN)
    return FALSE;

  compute_tag (self, initiator_tag, expected);
  same = sodium_memcmp (expected, tag, DROPIFY_PAKE_TAG_LEN) == 0;
  sodium_memzero (expected, sizeof expected);

  return same;
}
