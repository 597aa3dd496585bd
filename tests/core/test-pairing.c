#include "config.h"

#include "dropify-pairing.h"

/* The pairing state machine, two of them wired to each other through
 * real encoded messages, with a clock the test moves. No sockets: what
 * one sends, the other decodes and handles. */

#define FP_A "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define FP_B "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"

typedef struct _Side Side;

struct _Side
{
  DropifyPairing *pairing;
  Side           *other;
  GPtrArray      *sent;       /* texts, in order */
  int             trusted;    /* how, or -1 */
  guint           reconciles;
  gboolean        deliver;    /* hand what is sent to the other side */
};

typedef struct
{
  int64_t now;
  Side    a;             /* dialed */
  Side    b;             /* accepted */
} Fixture;

static int64_t
fixture_clock (gpointer data)
{
  return ((Fixture *) data)->now;
}

static void
send_cb (DropifyPairing *pairing,
         const char     *text,
         Side           *side)
{
  g_autoptr(DropifyMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (side->sent, g_strdup (text));
  if (!side->deliver)
    return;

  message = dropify_message_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  dropify_pairing_handle_message (side->other->pairing, message);
}

static void
trusted_cb (DropifyPairing *pairing,
            int             how,
            Side           *side)
{
  side->trusted = how;
  /* As sync does: the store takes it, and the channel is trusted. */
  dropify_pairing_set_trusted (pairing, TRUE);
}

static void
reconcile_cb (DropifyPairing *pairing,
              Side           *side)
{
  side->reconciles++;
}

static void
side_init (Fixture    *f,
           Side       *side,
           Side       *other,
           const char *mine,
           const char *theirs,
           gboolean    outgoing)
{
  side->pairing = dropify_pairing_new (mine, theirs, outgoing);
  side->other = other;
  side->sent = g_ptr_array_new_with_free_func (g_free);
  side->trusted = -1;
  side->deliver = TRUE;
  dropify_pairing_set_clock (side->pairing, fixture_clock, f);
  g_signal_connect (side->pairing, "send", G_CALLBACK (send_cb), side);
  g_signal_connect (side->pairing, "trusted", G_CALLBACK (trusted_cb), side);
  g_signal_connect (side->pairing, "reconcile-again", G_CALLBACK (reconcile_cb), side);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->now = 1000 * G_USEC_PER_SEC;
  side_init (f, &f->a, &f->b, FP_A, FP_B, TRUE);
  side_init (f, &f->b, &f->a, FP_B, FP_A, FALSE);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->a.pairing);
  g_clear_object (&f->b.pairing);
  g_ptr_array_unref (f->a.sent);
  g_ptr_array_unref (f->b.sent);
}

static void
start_both (Fixture *f)
{
  dropify_pairing_start (f->a.pairing);
  dropify_pairing_start (f->b.pairing);
}

static void
test_code (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *expected = dropify_trust_pairing_code (FP_A, FP_B);

  /* Both screens show the same code, the one the certificates make. */
  g_assert_cmpstr (dropify_pairing_get_code (f->a.pairing), ==, dropify_pairing_get_code (f->b.pairing));
  g_assert_cmpstr (dropify_pairing_get_code (f->a.pairing), ==, expected);
  g_assert_true (g_regex_match_simple ("^[0-9]{3} [0-9]{3}$", expected, 0, 0));
}

static void
test_both_accept (Fixture       *f,
                  gconstpointer  data)
{
  start_both (f);
  /* Nothing is sent without a secret or a decision. */
  g_assert_cmpuint (f->a.sent->len, ==, 0);
  g_assert_cmpuint (f->b.sent->len, ==, 0);

  dropify_pairing_answer (f->a.pairing, TRUE);
  g_assert_true (dropify_pairing_get_pair_sent (f->a.pairing));
  g_assert_true (dropify_pairing_get_wants_to_pair (f->b.pairing));
  g_assert_cmpint (f->a.trusted, ==, -1);
  g_assert_cmpint (f->b.trusted, ==, -1);

  f->now += 60 * G_USEC_PER_SEC;
  dropify_pairing_answer (f->b.pairing, TRUE);
  g_assert_cmpint (f->a.trusted, ==, DROPIFY_TRUST_PAIRED);
  g_assert_cmpint (f->b.trusted, ==, DROPIFY_TRUST_PAIRED);
  /* Done with: the flags are cleared once trusted. */
  g_assert_false (dropify_pairing_get_pair_sent (f->a.pairing));
  g_assert_false (dropify_pairing_get_wants_to_pair (f->b.pairing));
}

static void
test_one_side_only (Fixture       *f,
                    gconstpointer  data)
{
  start_both (f);
  dropify_pairing_answer (f->a.pairing, TRUE);
  dropify_pairing_answer (f->a.pairing, TRUE);
  g_assert_cmpint (f->a.trusted, ==, -1);
  g_assert_cmpint (f->b.trusted, ==, -1);
}

static void
test_too_late (Fixture       *f,
               gconstpointer  data)
{
  start_both (f);
  dropify_pairing_answer (f->a.pairing, TRUE);
  f->now += (DROPIFY_PAIRING_TIMEOUT_S + 1) * G_USEC_PER_SEC;
  dropify_pairing_answer (f->b.pairing, TRUE);

  /* A's accept is too old: neither pairs, until A accepts again. */
  g_assert_cmpint (f->a.trusted, ==, -1);
  g_assert_cmpint (f->b.trusted, ==, -1);
  dropify_pairing_answer (f->a.pairing, TRUE);
  g_assert_cmpint (f->a.trusted, ==, DROPIFY_TRUST_PAIRED);
  g_assert_cmpint (f->b.trusted, ==, DROPIFY_TRUST_PAIRED);
}

static void
test_reject (Fixture       *f,
             gconstpointer  data)
{
  start_both (f);
  dropify_pairing_answer (f->a.pairing, TRUE);
  g_assert_true (dropify_pairing_get_wants_to_pair (f->b.pairing));
  dropify_pairing_answer (f->b.pairing, FALSE);

  g_assert_false (dropify_pairing_get_pair_sent (f->a.pairing));
  g_assert_false (dropify_pairing_get_wants_to_pair (f->b.pairing));
  g_assert_cmpint (f->a.trusted, ==, -1);
  g_assert_cmpint (f->b.trusted, ==, -1);
  g_assert_nonnull (strstr (g_ptr_array_index (f->b.sent, 0), "pair-reject"));
}

static void
test_same_secret (Fixture       *f,
                  gconstpointer  data)
{
  dropify_pairing_set_group_secret (f->a.pairing, "correct horse");
  dropify_pairing_set_group_secret (f->b.pairing, "correct horse");
  start_both (f);

  /* The dialer proved, the other answered: one auth each way. */
  g_assert_cmpuint (f->a.sent->len, ==, 1);
  g_assert_cmpuint (f->b.sent->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (f->a.sent, 0), "\"type\":\"auth\""));
  g_assert_cmpint (f->a.trusted, ==, DROPIFY_TRUST_GROUP);
  g_assert_cmpint (f->b.trusted, ==, DROPIFY_TRUST_GROUP);
}

static void
test_different_secret (Fixture       *f,
                       gconstpointer  data)
{
  dropify_pairing_set_group_secret (f->a.pairing, "correct horse");
  dropify_pairing_set_group_secret (f->b.pairing, "battery staple");
  start_both (f);

  /* The side that was dialed answers nothing it could not check: whoever
   * gets dialed learns nothing from it. */
  g_assert_cmpuint (f->a.sent->len, ==, 1);
  g_assert_cmpuint (f->b.sent->len, ==, 0);
  g_assert_cmpint (f->a.trusted, ==, -1);
  g_assert_cmpint (f->b.trusted, ==, -1);

  /* Given the right secret later, it checks the proof it kept. */
  dropify_pairing_set_group_secret (f->b.pairing, "correct horse");
  g_assert_cmpint (f->a.trusted, ==, DROPIFY_TRUST_GROUP);
  g_assert_cmpint (f->b.trusted, ==, DROPIFY_TRUST_GROUP);
}

static void
test_unpaired_holds (Fixture       *f,
                     gconstpointer  data)
{
  dropify_pairing_set_group_secret (f->a.pairing, "correct horse");
  dropify_pairing_set_group_secret (f->b.pairing, "correct horse");
  dropify_pairing_set_unpaired (f->b.pairing, TRUE);
  start_both (f);

  /* B's user unpaired A: the secret does not bring it back. */
  g_assert_cmpint (f->b.trusted, ==, -1);
  g_assert_cmpuint (f->b.sent->len, ==, 0);

  /* Pairing does. */
  dropify_pairing_answer (f->a.pairing, TRUE);
  dropify_pairing_answer (f->b.pairing, TRUE);
  g_assert_cmpint (f->b.trusted, ==, DROPIFY_TRUST_PAIRED);
}

static void
count_cb (guint *count)
{
  (*count)++;
}

static void
test_one_side_forgot (Fixture       *f,
                      gconstpointer  data)
{
  /* A trusts B already; B lost that (an exchange cut in a race). A proves
   * saying it trusts, and B answers, trusts, and A reconciles again. */
  dropify_pairing_set_group_secret (f->a.pairing, "correct horse");
  dropify_pairing_set_group_secret (f->b.pairing, "correct horse");
  dropify_pairing_set_trusted (f->a.pairing, TRUE);
  start_both (f);

  g_assert_nonnull (strstr (g_ptr_array_index (f->a.sent, 0), "\"trusting\":true"));
  g_assert_cmpint (f->b.trusted, ==, DROPIFY_TRUST_GROUP);
  g_assert_cmpuint (f->a.reconciles, ==, 1);

  /* Both trusting: a proof that says so is not answered. */
  {
    g_autoptr(DropifyPairing) again = dropify_pairing_new (FP_B, FP_A, FALSE);
    g_autofree char *proof = dropify_trust_group_proof ("correct horse", FP_A, FP_B);
    g_autofree char *auth = dropify_protocol_encode_auth (proof, TRUE);
    g_autoptr(DropifyMessage) message = dropify_message_parse (auth, strlen (auth), NULL);
    guint sent = 0;

    g_signal_connect_swapped (again, "send", G_CALLBACK (count_cb), &sent);
    dropify_pairing_set_group_secret (again, "correct horse");
    dropify_pairing_set_trusted (again, TRUE);
    dropify_pairing_start (again);
    dropify_pairing_handle_message (again, message);
    g_assert_cmpuint (sent, ==, 0);
  }
}

static void
test_proof_for_someone_else (Fixture       *f,
                             gconstpointer  data)
{
  /* A proof made for another pair of certificates proves nothing here,
   * even with the right secret. */
  g_autofree char *proof = dropify_trust_group_proof ("correct horse", FP_A, FP_A);
  g_autofree char *auth = dropify_protocol_encode_auth (proof, FALSE);
  g_autoptr(DropifyMessage) message = dropify_message_parse (auth, strlen (auth), NULL);

  dropify_pairing_set_group_secret (f->b.pairing, "correct horse");
  dropify_pairing_start (f->b.pairing);
  dropify_pairing_handle_message (f->b.pairing, message);
  g_assert_cmpint (f->b.trusted, ==, -1);
  g_assert_cmpuint (f->b.sent->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/pairing/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("code", test_code);
  ADD ("both-accept", test_both_accept);
  ADD ("one-side-only", test_one_side_only);
  ADD ("too-late", test_too_late);
  ADD ("reject", test_reject);
  ADD ("same-secret", test_same_secret);
  ADD ("different-secret", test_different_secret);
  ADD ("unpaired-holds", test_unpaired_holds);
  ADD ("one-side-forgot", test_one_side_forgot);
  ADD ("proof-for-someone-else", test_proof_for_someone_else);
#undef ADD

  return g_test_run ();
}
