#include "config.h"

#include "dropify-pairing.h"
#include "dropify-test-support.h"

/* The pairing state machine, two of them wired to each other through
 * real encoded messages, with a clock the test moves. No sockets: what
 * one sends, the other decodes and handles. */

#define FP_A "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
#define FP_B "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
#define FP_C "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3"

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

static DropifyMessage *
parse_text (const char *text)
{
  g_autoptr(GError) error = NULL;
  DropifyMessage *message = dropify_message_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  return message;
}

static gboolean
sent_type (Side       *side,
           guint       index,
           const char *type)
{
  g_autofree char *needle = g_strdup_printf ("\"type\":\"%s\"", type);

  return index < side->sent->len && strstr (g_ptr_array_index (side->sent, index), needle) != NULL;
}

static void
accept_ok (Side *side)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (dropify_pairing_answer (side->pairing, TRUE,
                                         dropify_pairing_get_code (side->pairing), &error));
  g_assert_no_error (error);
}

static void
request_ok (Side *side)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (dropify_pairing_request (side->pairing, &error));
  g_assert_no_error (error);
}

/* Pairing by code */

static void
test_code (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *first = NULL;

  start_both (f);
  /* Nothing is sent without a secret or a person asking. */
  g_assert_cmpuint (f->a.sent->len, ==, 0);
  g_assert_null (dropify_pairing_get_code (f->a.pairing));

  request_ok (&f->a);

  /* Commitment, nonce, reveal: then both screens show the same code. */
  g_assert_true (sent_type (&f->a, 0, "pair-request"));
  g_assert_true (sent_type (&f->b, 0, "pair-nonce"));
  g_assert_true (sent_type (&f->a, 1, "pair-nonce"));
  g_assert_cmpint (dropify_pairing_get_state (f->a.pairing), ==, DROPIFY_PAIRING_COMPARING);
  g_assert_cmpint (dropify_pairing_get_state (f->b.pairing), ==, DROPIFY_PAIRING_COMPARING);
  g_assert_cmpstr (dropify_pairing_get_code (f->a.pairing), ==, dropify_pairing_get_code (f->b.pairing));
  g_assert_true (g_regex_match_simple ("^[0-9]{3} [0-9]{3}$", dropify_pairing_get_code (f->a.pairing), 0, 0));
  /* The other side asks; this side does not wait on anyone yet. */
  g_assert_true (dropify_pairing_get_wants_to_pair (f->b.pairing));
  g_assert_false (dropify_pairing_get_pair_sent (f->a.pairing));

  /* The commitment went out before the responder's nonce came in, and
   * the reveal matches it. */
  {
    g_autoptr(DropifyMessage) request = parse_text (g_ptr_array_index (f->a.sent, 0));
    g_autoptr(DropifyMessage) reveal = parse_text (g_ptr_array_index (f->a.sent, 1));
    g_autofree char *commitment = dropify_pairing_commitment (request->attempt, FP_A, reveal->nonce);

    g_assert_cmpstr (commitment, ==, request->commit);
  }

  /* A new attempt has a new code: it does not come from the
   * certificates alone, which both sides know in advance. */
  first = g_strdup (dropify_pairing_get_code (f->a.pairing));
  for (guint i = 0; i < 5 && g_strcmp0 (first, dropify_pairing_get_code (f->a.pairing)) == 0; i++)
    {
      g_assert_true (dropify_pairing_answer (f->a.pairing, FALSE, NULL, NULL));
      request_ok (&f->a);
    }
  g_assert_cmpstr (first, !=, dropify_pairing_get_code (f->a.pairing));
  g_assert_cmpstr (dropify_pairing_get_code (f->a.pairing), ==, dropify_pairing_get_code (f->b.pairing));
}

/* The code changes with either nonce, and with either certificate. */
static void
test_code_inputs (void)
{
  g_autofree char *attempt = dropify_pairing_random_hex (DROPIFY_PROTOCOL_ATTEMPT_LEN);
  g_autofree char *n1 = dropify_pairing_random_hex (DROPIFY_PROTOCOL_NONCE_LEN);
  g_autofree char *n2 = dropify_pairing_random_hex (DROPIFY_PROTOCOL_NONCE_LEN);
  g_autofree char *base = dropify_pairing_code_for (attempt, FP_A, FP_B, n1, n2);
  g_autofree char *same = dropify_pairing_code_for (attempt, FP_A, FP_B, n1, n2);
  guint differ = 0;

  g_assert_cmpstr (base, ==, same);

  /* One in a million to collide; out of four, fewer than three cannot. */
  {
    g_autofree char *c1 = dropify_pairing_code_for (attempt, FP_A, FP_C, n1, n2);
    g_autofree char *c2 = dropify_pairing_code_for (attempt, FP_C, FP_B, n1, n2);
    g_autofree char *c3 = dropify_pairing_code_for (attempt, FP_A, FP_B, n2, n2);
    g_autofree char *c4 = dropify_pairing_code_for (attempt, FP_A, FP_B, n1, n1);

    differ = (g_strcmp0 (base, c1) != 0) + (g_strcmp0 (base, c2) != 0) +
             (g_strcmp0 (base, c3) != 0) + (g_strcmp0 (base, c4) != 0);
  }
  g_assert_cmpuint (differ, >=, 3);
}

/* The example of docs/protocol.md, section 5.6. */
static void
test_documented_example (void)
{
  const char *attempt = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
  const char *fp_i = "0d4374c9c7a7a6bf1e254bca143a94cc306261ea09373918497b67c8e9a0ecc9";
  const char *fp_r = "161e748e9dcd1b372277de3340b121badefbb1163c371ae17e21a9bae63c1a61";
  const char *n_i = "1111111111111111111111111111111111111111111111111111111111111111";
  const char *n_r = "2222222222222222222222222222222222222222222222222222222222222222";
  g_autofree char *commit = dropify_pairing_commitment (attempt, fp_i, n_i);
  g_autofree char *code = dropify_pairing_code_for (attempt, fp_i, fp_r, n_i, n_r);

  g_assert_cmpstr (commit, ==, "07cba75a2cdb6511c8ce8bedd7a0a886c96fe913cfbf9f006134023edaf44144");
  g_assert_cmpstr (code, ==, "534 829");
}

static void
test_both_accept (Fixture       *f,
                  gconstpointer  data)
{
  start_both (f);
  request_ok (&f->a);

  accept_ok (&f->a);
  g_assert_true (dropify_pairing_get_pair_sent (f->a.pairing));
  g_assert_cmpint (f->a.trusted, ==, -1);
  g_assert_cmpint (f->b.trusted, ==, -1);

  f->now += 60 * G_USEC_PER_SEC;
  accept_ok (&f->b);
  g_assert_cmpint (f->a.trusted, ==, DROPIFY_TRUST_PAIRED);
  g_assert_cmpint (f->b.trusted, ==, DROPIFY_TRUST_PAIRED);
  /* Done with: the flags are cleared once trusted. */
  g_assert_false (dropify_pairing_get_pair_sent (f->a.pairing));
  g_assert_false (dropify_pairing_get_wants_to_pair (f->b.pairing));
  g_assert_null (dropify_pairing_get_error (f->a.pairing));
}

/* A person can only accept a code they saw. */
static void
test_accept_needs_the_code (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  start_both (f);
  g_assert_false (dropify_pairing_answer (f->a.pairing, TRUE, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);

  /* Nothing comes back: the code is not there yet. */
  f->a.deliver = FALSE;
  request_ok (&f->a);
  g_assert_false (dropify_pairing_answer (f->a.pairing, TRUE, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_clear_error (&error);

  f->a.deliver = TRUE;
  g_assert_true (dropify_pairing_answer (f->a.pairing, FALSE, NULL, NULL));
  request_ok (&f->a);
  g_assert_false (dropify_pairing_answer (f->b.pairing, TRUE, "000 000", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_false (dropify_pairing_get_pair_sent (f->b.pairing));
}

static void
test_one_side_only (Fixture       *f,
                    gconstpointer  data)
{
  start_both (f);
  request_ok (&f->a);
  accept_ok (&f->a);
  accept_ok (&f->a);
  g_assert_cmpint (f->a.trusted, ==, -1);
  g_assert_cmpint (f->b.trusted, ==, -1);
}

static void
test_too_late (Fixture       *f,
               gconstpointer  data)
{
  start_both (f);
  request_ok (&f->a);
  accept_ok (&f->a);
  f->now += (DROPIFY_PAIRING_TIMEOUT_S + 1) * G_USEC_PER_SEC;
  accept_ok (&f->b);

  /* A's accept is too old: neither pairs. */
  g_assert_cmpint (f->a.trusted, ==, -1);
  g_assert_cmpint (f->b.trusted, ==, -1);
}

static void
test_reject (Fixture       *f,
             gconstpointer  data)
{
  start_both (f);
  request_ok (&f->a);
  accept_ok (&f->a);
  g_assert_true (dropify_pairing_answer (f->b.pairing, FALSE, NULL, NULL));

  g_assert_false (dropify_pairing_get_pair_sent (f->a.pairing));
  g_assert_false (dropify_pairing_get_wants_to_pair (f->b.pairing));
  g_assert_cmpint (f->a.trusted, ==, -1);
  g_assert_cmpint (f->b.trusted, ==, -1);
  g_assert_true (sent_type (&f->b, 1, "pair-reject"));

  /* The side that was told says why; the person who declined knows. The
   * attempt is over on both. */
  g_assert_nonnull (dropify_pairing_get_error (f->a.pairing));
  g_assert_nonnull (strstr (dropify_pairing_get_error (f->a.pairing), "declined"));
  g_assert_null (dropify_pairing_get_error (f->b.pairing));
  g_assert_cmpint (dropify_pairing_get_state (f->a.pairing), ==, DROPIFY_PAIRING_IDLE);
  g_assert_cmpint (dropify_pairing_get_state (f->b.pairing), ==, DROPIFY_PAIRING_IDLE);
  g_assert_null (dropify_pairing_get_code (f->a.pairing));
}

/* The person who asked withdraws: the other side hears "cancelled", not
 * "declined". */
static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  start_both (f);
  request_ok (&f->a);
  g_assert_true (dropify_pairing_answer (f->a.pairing, FALSE, NULL, NULL));
  g_assert_nonnull (strstr (g_ptr_array_index (f->a.sent, f->a.sent->len - 1), "\"reason\":\"cancelled\""));
  g_assert_nonnull (strstr (dropify_pairing_get_error (f->b.pairing), "cancelled"));
  g_assert_null (dropify_pairing_get_error (f->a.pairing));
}

/* A code typed with or without its space is the same code. */
static void
test_typed_code (Fixture       *f,
                 gconstpointer  data)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *typed = NULL;

  start_both (f);
  request_ok (&f->a);
  parts = g_strsplit (dropify_pairing_get_code (f->b.pairing), " ", -1);
  typed = g_strjoinv ("", parts);
  g_assert_true (dropify_pairing_answer (f->b.pairing, TRUE, typed, NULL));
  g_assert_true (dropify_pairing_get_pair_sent (f->b.pairing));
}

/* An initiator whose reveal does not match its commitment chose its nonce
 * after the fact: the responder ends the attempt, and says why. */
static void
test_broken_commitment (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *attempt = dropify_pairing_random_hex (DROPIFY_PROTOCOL_ATTEMPT_LEN);
  g_autofree char *nonce = dropify_pairing_random_hex (DROPIFY_PROTOCOL_NONCE_LEN);
  g_autofree char *other = dropify_pairing_random_hex (DROPIFY_PROTOCOL_NONCE_LEN);
  g_autofree char *commit = dropify_pairing_commitment (attempt, FP_A, nonce);
  g_autofree char *request = dropify_protocol_encode_pair_request (attempt, commit);
  g_autofree char *reveal = dropify_protocol_encode_pair_nonce (attempt, other);
  g_autoptr(DropifyMessage) m1 = parse_text (request);
  g_autoptr(DropifyMessage) m2 = parse_text (reveal);

  f->b.deliver = FALSE;
  dropify_pairing_start (f->b.pairing);
  dropify_pairing_handle_message (f->b.pairing, m1);
  g_assert_true (sent_type (&f->b, 0, "pair-nonce"));
  dropify_pairing_handle_message (f->b.pairing, m2);

  g_assert_null (dropify_pairing_get_code (f->b.pairing));
  g_assert_cmpint (dropify_pairing_get_state (f->b.pairing), ==, DROPIFY_PAIRING_IDLE);
  g_assert_true (sent_type (&f->b, 1, "pair-reject"));
  g_assert_nonnull (strstr (g_ptr_array_index (f->b.sent, 1), "\"reason\":\"failed\""));
  g_assert_nonnull (dropify_pairing_get_error (f->b.pairing));
}

/* An accept that comes before there is a code breaks the attempt. */
static void
test_early_accept (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *attempt = dropify_pairing_random_hex (DROPIFY_PROTOCOL_ATTEMPT_LEN);
  g_autofree char *nonce = dropify_pairing_random_hex (DROPIFY_PROTOCOL_NONCE_LEN);
  g_autofree char *commit = dropify_pairing_commitment (attempt, FP_A, nonce);
  g_autofree char *request = dropify_protocol_encode_pair_request (attempt, commit);
  g_autofree char *accept = dropify_protocol_encode_pair_accept (attempt);
  g_autoptr(DropifyMessage) m1 = parse_text (request);
  g_autoptr(DropifyMessage) m2 = parse_text (accept);

  f->b.deliver = FALSE;
  dropify_pairing_start (f->b.pairing);
  dropify_pairing_handle_message (f->b.pairing, m1);
  dropify_pairing_handle_message (f->b.pairing, m2);
  g_assert_cmpint (dropify_pairing_get_state (f->b.pairing), ==, DROPIFY_PAIRING_IDLE);
  g_assert_cmpint (f->b.trusted, ==, -1);
  g_assert_nonnull (dropify_pairing_get_error (f->b.pairing));
}

/* A responder answers a few attempts a minute from one address: each is
 * a chance for a man in the middle to match a code. */
static void
test_attempts_limited (Fixture       *f,
                       gconstpointer  data)
{
  DropifyTestClock clock = { .now = 0 };
  g_autoptr(DropifyAttemptLimit) limit =
    dropify_attempt_limit_new (3, 6, 60000, (DropifyClockFunc) dropify_test_clock_now, &clock);
  guint answered = 0;

  dropify_pairing_set_limits (f->b.pairing, limit, NULL, NULL, "192.0.2.7");
  start_both (f);

  for (guint i = 0; i < 10; i++)
    {
      request_ok (&f->a);
      answered += dropify_pairing_get_state (f->a.pairing) == DROPIFY_PAIRING_COMPARING;
      if (dropify_pairing_get_state (f->a.pairing) != DROPIFY_PAIRING_IDLE)
        g_assert_true (dropify_pairing_answer (f->a.pairing, FALSE, NULL, NULL));
    }

  g_assert_cmpuint (answered, ==, 3);
  /* The initiator is told, in words. */
  g_assert_nonnull (strstr (dropify_pairing_get_error (f->a.pairing), "cannot take another pairing request"));
}

/* Both people asked at once: one attempt goes on, with one code. */
static void
test_both_ask (Fixture       *f,
               gconstpointer  data)
{
  start_both (f);
  f->a.deliver = f->b.deliver = FALSE;
  request_ok (&f->a);
  request_ok (&f->b);
  f->a.deliver = f->b.deliver = TRUE;

  /* Deliver the two requests crossing. */
  {
    g_autoptr(DropifyMessage) from_a = parse_text (g_ptr_array_index (f->a.sent, 0));
    g_autoptr(DropifyMessage) from_b = parse_text (g_ptr_array_index (f->b.sent, 0));

    dropify_pairing_handle_message (f->b.pairing, from_a);
    dropify_pairing_handle_message (f->a.pairing, from_b);
  }

  g_assert_cmpint (dropify_pairing_get_state (f->a.pairing), ==, DROPIFY_PAIRING_COMPARING);
  g_assert_cmpint (dropify_pairing_get_state (f->b.pairing), ==, DROPIFY_PAIRING_COMPARING);
  g_assert_cmpstr (dropify_pairing_get_code (f->a.pairing), ==, dropify_pairing_get_code (f->b.pairing));
  accept_ok (&f->a);
  accept_ok (&f->b);
  g_assert_cmpint (f->a.trusted, ==, DROPIFY_TRUST_PAIRED);
}

static void
test_interrupted (Fixture       *f,
                  gconstpointer  data)
{
  start_both (f);
  request_ok (&f->a);
  dropify_pairing_interrupted (f->a.pairing);
  dropify_pairing_interrupted (f->b.pairing);

  g_assert_nonnull (strstr (dropify_pairing_get_error (f->a.pairing), "lost"));
  g_assert_nonnull (strstr (dropify_pairing_get_error (f->b.pairing), "lost"));
  g_assert_cmpint (dropify_pairing_get_state (f->a.pairing), ==, DROPIFY_PAIRING_IDLE);
}

/* Group secret */

static void
test_same_secret (Fixture       *f,
                  gconstpointer  data)
{
  dropify_pairing_set_group_secret (f->a.pairing, "correct horse");
  dropify_pairing_set_group_secret (f->b.pairing, "correct horse");
  start_both (f);

  /* Start, reply, confirm. */
  g_assert_true (sent_type (&f->a, 0, "auth-start"));
  g_assert_true (sent_type (&f->b, 0, "auth-reply"));
  g_assert_true (sent_type (&f->a, 1, "auth-confirm"));
  g_assert_cmpuint (f->a.sent->len, ==, 2);
  g_assert_cmpuint (f->b.sent->len, ==, 1);
  g_assert_cmpint (f->a.trusted, ==, DROPIFY_TRUST_GROUP);
  g_assert_cmpint (f->b.trusted, ==, DROPIFY_TRUST_GROUP);
}

/* The secret is compared as people type it: the same letters in another
 * Unicode form are the same secret. */
static void
test_secret_normalized (Fixture       *f,
                        gconstpointer  data)
{
  dropify_pairing_set_group_secret (f->a.pairing, "caf\xc3\xa9");      /* é, one code point */
  dropify_pairing_set_group_secret (f->b.pairing, "cafe\xcc\x81");     /* e and a combining accent */
  start_both (f);
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

  /* The reply did not check out: no confirm, no trust. */
  g_assert_true (sent_type (&f->b, 0, "auth-reply"));
  g_assert_cmpuint (f->a.sent->len, ==, 1);
  g_assert_cmpint (f->a.trusted, ==, -1);
  g_assert_cmpint (f->b.trusted, ==, -1);

  /* Given the right secret later, B starts an exchange of its own. */
  dropify_pairing_set_group_secret (f->b.pairing, "correct horse");
  g_assert_cmpint (f->a.trusted, ==, DROPIFY_TRUST_GROUP);
  g_assert_cmpint (f->b.trusted, ==, DROPIFY_TRUST_GROUP);
}

/* B had no secret when A started: B keeps the start and answers it when
 * a secret is set. */
static void
test_secret_later (Fixture       *f,
                   gconstpointer  data)
{
  dropify_pairing_set_group_secret (f->a.pairing, "correct horse");
  start_both (f);
  g_assert_cmpuint (f->b.sent->len, ==, 0);

  dropify_pairing_set_group_secret (f->b.pairing, "correct horse");
  g_assert_true (sent_type (&f->b, 0, "auth-reply"));
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
  request_ok (&f->a);
  accept_ok (&f->a);
  accept_ok (&f->b);
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
  /* A trusts B already; B lost that (an exchange cut in a race). A starts
   * saying it trusts, B answers, A confirms and reconciles again. */
  dropify_pairing_set_group_secret (f->a.pairing, "correct horse");
  dropify_pairing_set_group_secret (f->b.pairing, "correct horse");
  dropify_pairing_set_trusted (f->a.pairing, TRUE);
  start_both (f);

  g_assert_nonnull (strstr (g_ptr_array_index (f->a.sent, 0), "\"trusting\":true"));
  g_assert_cmpint (f->b.trusted, ==, DROPIFY_TRUST_GROUP);
  g_assert_cmpuint (f->a.reconciles, ==, 1);

  /* Both trusting: a start that says so is not answered. */
  {
    g_autoptr(DropifyPairing) again = dropify_pairing_new (FP_B, FP_A, FALSE);
    g_autoptr(DropifyMessage) message = parse_text (g_ptr_array_index (f->a.sent, 0));
    guint sent = 0;

    g_signal_connect_swapped (again, "send", G_CALLBACK (count_cb), &sent);
    dropify_pairing_set_group_secret (again, "correct horse");
    dropify_pairing_set_trusted (again, TRUE);
    dropify_pairing_start (again);
    dropify_pairing_handle_message (again, message);
    g_assert_cmpuint (sent, ==, 0);
  }
}

/* An exchange bound to other certificates proves nothing here, even with
 * the right secret: B believes it talks to C. */
static void
test_exchange_for_someone_else (void)
{
  Fixture f = { .now = 1000 * G_USEC_PER_SEC };

  side_init (&f, &f.a, &f.b, FP_A, FP_B, TRUE);
  side_init (&f, &f.b, &f.a, FP_B, FP_C, FALSE);
  dropify_pairing_set_group_secret (f.a.pairing, "correct horse");
  dropify_pairing_set_group_secret (f.b.pairing, "correct horse");
  start_both (&f);

  g_assert_cmpint (f.a.trusted, ==, -1);
  g_assert_cmpint (f.b.trusted, ==, -1);
  fixture_tear_down (&f, NULL);
}

static void
send_copy_cb (DropifyPairing *pairing,
              const char     *text,
              GPtrArray      *sent)
{
  g_ptr_array_add (sent, g_strdup (text));
}

/* A dialed stranger sees a share and a session id: fresh every time, so
 * nothing in it is a function of the secret it could test guesses on. */
static void
test_start_reveals_nothing (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(DropifyPairing) pairing = dropify_pairing_new (FP_A, FP_B, TRUE);
      g_autoptr(GPtrArray) sent = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(DropifyMessage) message = NULL;

      g_signal_connect (pairing, "send", G_CALLBACK (send_copy_cb), sent);
      dropify_pairing_set_group_secret (pairing, "correct horse");
      dropify_pairing_start (pairing);

      g_assert_cmpuint (sent->len, ==, 1);
      message = parse_text (g_ptr_array_index (sent, 0));
      g_assert_cmpint (message->type, ==, DROPIFY_MESSAGE_AUTH_START);
      g_assert_false (g_hash_table_contains (seen, message->share));
      g_assert_false (g_hash_table_contains (seen, message->sid));
      g_hash_table_add (seen, g_strdup (message->share));
      g_hash_table_add (seen, g_strdup (message->sid));
    }
}

/* A stranger that starts exchange after exchange gets a few answers: each
 * is an online guess. */
static void
test_guesses_limited (void)
{
  DropifyTestClock clock = { .now = 0 };
  g_autoptr(DropifyAttemptLimit) limit =
    dropify_attempt_limit_new (3, 10, 60000, (DropifyClockFunc) dropify_test_clock_now, &clock);
  guint replies = 0;

  for (guint i = 0; i < 10; i++)
    {
      Fixture f = { .now = 1000 * G_USEC_PER_SEC };

      side_init (&f, &f.a, &f.b, FP_A, FP_B, TRUE);
      side_init (&f, &f.b, &f.a, FP_B, FP_A, FALSE);
      dropify_pairing_set_limits (f.b.pairing, NULL, limit, NULL, "192.0.2.9");
      dropify_pairing_set_group_secret (f.a.pairing, "guess number one");
      dropify_pairing_set_group_secret (f.b.pairing, "correct horse");
      start_both (&f);
      replies += f.b.sent->len;
      g_assert_cmpint (f.b.trusted, ==, -1);
      fixture_tear_down (&f, NULL);
    }

  g_assert_cmpuint (replies, ==, 3);
  g_assert_cmpuint (dropify_attempt_limit_get_n_refused (limit), ==, 7);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/pairing/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("code", test_code);
  g_test_add_func ("/pairing/code-inputs", test_code_inputs);
  g_test_add_func ("/pairing/documented-example", test_documented_example);
  ADD ("both-accept", test_both_accept);
  ADD ("accept-needs-the-code", test_accept_needs_the_code);
  ADD ("one-side-only", test_one_side_only);
  ADD ("too-late", test_too_late);
  ADD ("reject", test_reject);
  ADD ("cancel", test_cancel);
  ADD ("typed-code", test_typed_code);
  ADD ("broken-commitment", test_broken_commitment);
  ADD ("early-accept", test_early_accept);
  ADD ("attempts-limited", test_attempts_limited);
  ADD ("both-ask", test_both_ask);
  ADD ("interrupted", test_interrupted);
  ADD ("same-secret", test_same_secret);
  ADD ("secret-normalized", test_secret_normalized);
  ADD ("different-secret", test_different_secret);
  ADD ("secret-later", test_secret_later);
  ADD ("unpaired-holds", test_unpaired_holds);
  ADD ("one-side-forgot", test_one_side_forgot);
  g_test_add_func ("/pairing/exchange-for-someone-else", test_exchange_for_someone_else);
  g_test_add_func ("/pairing/start-reveals-nothing", test_start_reveals_nothing);
  g_test_add_func ("/pairing/guesses-limited", test_guesses_limited);
#undef ADD

  return g_test_run ();
}
