#define G_LOG_DOMAIN "dropify-pairing"

#include "config.h"

#include <glib/gi18n.h>
#include <sodium.h>
#include <string.h>

#include "dropify-pake.h"
#include "dropify-pairing.h"

/* The ways a channel becomes trusted, for one channel, as a state
 * machine with no I/O: messages come in through
 * dropify_pairing_handle_message() and go out through ::send, and a
 * decision comes out as ::trusted. Sync stores it and trusts the channel.
 *
 * Pairing by code (docs/protocol.md §6). A person asks to pair: this
 * side, the initiator, sends a commitment to a fresh nonce; the responder
 * answers with its own nonce in the clear; the initiator reveals its
 * nonce, which the responder checks against the commitment. The code is
 * derived from both nonces and both certificates. Neither side can
 * choose its nonce after seeing the other's, so someone in the middle,
 * who runs one exchange with each side, gets two independent random
 * codes: one chance in a million that they match, for each attempt a
 * person starts. Both people then compare the codes and accept; both
 * accepts within DROPIFY_PAIRING_TIMEOUT_S pair the devices. An attempt
 * that ends any other way is kept as the pairing's error, for the window
 * and the CLI to show.
 *
 * A responder answers a limited number of attempts (the pairing limit,
 * per address, per certificate and overall): each is a chance for a
 * man in the middle.
 *
 * Group secret (docs/protocol.md §7). Devices that know the same secret
 * prove it with CPace (dropify-pake.c), a password-authenticated key
 * exchange bound to both certificates: the starter sends its share, the
 * answerer its share and a tag, the starter a tag of its own. Whoever
 * watches or takes part learns nothing to test guesses with offline;
 * each exchange is one online guess, and the guess limit bounds them per
 * address, per certificate and overall. The dialer starts at once. Either
 * side starts again when its secret changes; a start that came before
 * this side had a secret is kept and answered when one is set. */

struct _DropifyPairing
{
  GObject              parent_instance;

  char                *local_fingerprint;
  char                *remote_fingerprint;
  char                *label;
  char                *address;
  DropifyPairingClock  clock;
  gpointer             clock_data;
  DropifyAttemptLimit *pairing_limit;
  DropifyAttemptLimit *guess_limit;
  DropifyLogLimit     *log_limit;

  /* Pairing by code */
  DropifyPairingState  state;
  gboolean             initiator;
  char                *attempt;
  char                *nonce;           /* ours */
  char                *their_commit;    /* the initiator's, when we respond */
  char                *code;
  char                *error;
  int64_t              local_accepted_at;
  int64_t              remote_accepted_at;
  guint                timeout;
  gboolean             took_pairing_token;

  /* Group secret */
  char                *secret;
  DropifyPake         *started;         /* our exchange, as the starter */
  gboolean             started_took_token;
  DropifyPake         *answered;        /* theirs, waiting for its confirm */
  gboolean             answered_took_token;
  char                *kept_sid;        /* a start we had no secret for */
  char                *kept_share;
  gboolean             kept_trusting;

  gboolean             outgoing;
  gboolean             begun;
  gboolean             trusted;
  gboolean             unpaired;
  gboolean             wants_to_pair;
  gboolean             pair_sent;
};

G_DEFINE_FINAL_TYPE (DropifyPairing, dropify_pairing, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_CODE,
  PROP_ERROR,
  PROP_WANTS_TO_PAIR,
  PROP_PAIR_SENT,
  N_PROPS
};

enum {
  SEND,
  TRUSTED,
  RECONCILE_AGAIN,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static int64_t
monotonic_now (gpointer user_data)
{
  return g_get_monotonic_time ();
}

static void
send_text (DropifyPairing *self,
           char           *text_owned)
{
  g_autofree char *text = text_owned;

  g_signal_emit (self, signals[SEND], 0, text);
}

static void
log_line (DropifyPairing *self,
          const char     *format,
          ...) G_GNUC_PRINTF (2, 3);

/* Lines a stranger can cause go through the log limit, by address. */
static void
log_line (DropifyPairing *self,
          const char     *format,
          ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  if (self->log_limit != NULL)
    dropify_log_limit_message (self->log_limit, self->address != NULL ? self->address : "", "%s", text);
  else
    g_message ("%s", text);
}

/* Hex and hashes */

static char *
to_hex (const guint8 *bytes,
        gsize         n_bytes)
{
  char *hex = g_malloc (2 * n_bytes + 1);

  for (gsize i = 0; i < n_bytes; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", bytes[i]);

  return hex;
}

char *
dropify_pairing_random_hex (gsize n_bytes)
{
  g_autofree guint8 *bytes = g_malloc (n_bytes);

  if (!dropify_pake_init ())
    g_error ("libsodium could not start");
  randombytes_buf (bytes, n_bytes);

  return to_hex (bytes, n_bytes);
}

/* The protocol checked the length and the digits already. */
static void
from_hex (const char *hex,
          guint8     *bytes,
          gsize       n_bytes)
{
  for (gsize i = 0; i < n_bytes; i++)
    bytes[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) << 4 | g_ascii_xdigit_value (hex[2 * i + 1]));
}

/**
 * dropify_pairing_commitment:
 *
 * What the initiator sends before it may see the responder's nonce.
 *
 * Returns: (transfer full): 64 hex digits
 */
char *
dropify_pairing_commitment (const char *attempt,
                            const char *initiator_fingerprint,
                            const char *nonce)
{
  g_autofree char *text = g_strdup_printf ("dropify pairing commitment v3\n%s\n%s\n%s",
                                           attempt, initiator_fingerprint, nonce);

  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}

/**
 * dropify_pairing_code_for:
 *
 * The code both screens show: 6 digits from SHA-256 of the attempt, both
 * certificates and both nonces, in the roles' order.
 *
 * Returns: (transfer full): "123 456"
 */
char *
dropify_pairing_code_for (const char *attempt,
                          const char *initiator_fingerprint,
                          const char *responder_fingerprint,
                          const char *initiator_nonce,
                          const char *responder_nonce)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *text = g_strdup_printf ("dropify pairing code v3\n%s\n%s\n%s\n%s\n%s",
                                           attempt, initiator_fingerprint, responder_fingerprint,
                                           initiator_nonce, responder_nonce);
  guint8 digest[32];
  gsize len = sizeof digest;
  guint64 value;

  g_checksum_update (checksum, (const guchar *) text, -1);
  g_checksum_get_digest (checksum, digest, &len);

  /* 40 bits modulo a million: the bias is below one in a million. */
  value = ((guint64) digest[0] << 32 | (guint64) digest[1] << 24 | (guint64) digest[2] << 16 |
           (guint64) digest[3] << 8 | digest[4]) % 1000000;

  return g_strdup_printf ("%03u %03u", (guint) (value / 1000), (guint) (value % 1000));
}

/* Pairing by code */

static void
set_flags (DropifyPairing *self,
           gboolean        wants_to_pair,
           gboolean        pair_sent)
{
  if (self->wants_to_pair != wants_to_pair)
    {
      self->wants_to_pair = wants_to_pair;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WANTS_TO_PAIR]);
    }
  if (self->pair_sent != pair_sent)
    {
      self->pair_sent = pair_sent;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAIR_SENT]);
    }
}

static void
set_state (DropifyPairing      *self,
           DropifyPairingState  state,
           const char          *code)
{
  if (g_strcmp0 (self->code, code) != 0)
    {
      g_free (self->code);
      self->code = g_strdup (code);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CODE]);
    }
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

static void
set_error (DropifyPairing *self,
           const char     *error)
{
  if (g_strcmp0 (self->error, error) == 0)
    return;

  g_free (self->error);
  self->error = g_strdup (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

/* The attempt is over: @error says why, for people; %NULL when it ended
 * because the devices are paired. */
static void
end_attempt (DropifyPairing *self,
             const char     *error)
{
  g_clear_handle_id (&self->timeout, g_source_remove);
  g_clear_pointer (&self->attempt, g_free);
  g_clear_pointer (&self->nonce, g_free);
  g_clear_pointer (&self->their_commit, g_free);
  self->local_accepted_at = self->remote_accepted_at = 0;
  self->took_pairing_token = FALSE;

  g_object_freeze_notify (G_OBJECT (self));
  set_error (self, error);
  set_state (self, DROPIFY_PAIRING_IDLE, NULL);
  set_flags (self, FALSE, FALSE);
  g_object_thaw_notify (G_OBJECT (self));
}

/* Ends the attempt here and tells the other side why. */
static void
abandon_attempt (DropifyPairing *self,
                 DropifyPairEnd  reason,
                 const char     *error)
{
  if (self->attempt != NULL)
    send_text (self, dropify_protocol_encode_pair_reject (self->attempt, reason));
  end_attempt (self, error);
}

static gboolean
timeout_cb (gpointer user_data)
{
  DropifyPairing *self = user_data;

  self->timeout = 0;
  log_line (self, "The pairing request with “%s” timed out", self->label);
  abandon_attempt (self, DROPIFY_PAIR_END_TIMEOUT, _("The pairing request timed out"));

  return G_SOURCE_REMOVE;
}

static void
begin_attempt (DropifyPairing *self,
               const char     *attempt,
               gboolean        initiator)
{
  g_clear_handle_id (&self->timeout, g_source_remove);
  g_free (self->attempt);
  self->attempt = g_strdup (attempt);
  g_free (self->nonce);
  self->nonce = dropify_pairing_random_hex (DROPIFY_PROTOCOL_NONCE_LEN);
  self->initiator = initiator;
  self->local_accepted_at = self->remote_accepted_at = 0;
  self->timeout = g_timeout_add_seconds (DROPIFY_PAIRING_TIMEOUT_S, timeout_cb, self);

  g_object_freeze_notify (G_OBJECT (self));
  set_error (self, NULL);
  set_state (self, DROPIFY_PAIRING_EXCHANGING, NULL);
  set_flags (self, FALSE, FALSE);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
give_back_pairing_token (DropifyPairing *self)
{
  if (self->took_pairing_token && self->pairing_limit != NULL)
    dropify_attempt_limit_give_back (self->pairing_limit, self->address, self->remote_fingerprint);
  self->took_pairing_token = FALSE;
}

static void
maybe_paired (DropifyPairing *self)
{
  int64_t now = self->clock (self->clock_data);
  int64_t window = (int64_t) DROPIFY_PAIRING_TIMEOUT_S * G_USEC_PER_SEC;

  if (self->local_accepted_at == 0 || self->remote_accepted_at == 0 ||
      now - self->local_accepted_at > window || now - self->remote_accepted_at > window)
    return;

  give_back_pairing_token (self);
  g_clear_handle_id (&self->timeout, g_source_remove);
  g_signal_emit (self, signals[TRUSTED], 0, DROPIFY_TRUST_PAIRED);
}

static const char *
why_it_ended (DropifyPairing *self,
              DropifyPairEnd  reason,
              char          **owned)
{
  switch (reason)
    {
    case DROPIFY_PAIR_END_DECLINED:
      /* Translators: %s is the name of another device */
      return *owned = g_strdup_printf (_("“%s” declined to pair"), self->label);
    case DROPIFY_PAIR_END_BUSY:
      /* Translators: %s is the name of another device */
      return *owned = g_strdup_printf (_("“%s” cannot take another pairing request right now. Try again "
                                         "in a minute."), self->label);
    case DROPIFY_PAIR_END_CANCELLED:
      /* Translators: %s is the name of another device */
      return *owned = g_strdup_printf (_("“%s” cancelled the pairing request"), self->label);
    case DROPIFY_PAIR_END_TIMEOUT:
      return _("The pairing request timed out");
    case DROPIFY_PAIR_END_FAILED:
      /* Translators: %s is the name of another device */
      return *owned = g_strdup_printf (_("The pairing exchange with “%s” did not check out. Another "
                                         "device may be listening in between; pair again, and "
                                         "compare the codes."), self->label);
    case DROPIFY_PAIR_END_OTHER:
    default:
      /* Translators: %s is the name of another device */
      return *owned = g_strdup_printf (_("“%s” ended the pairing"), self->label);
    }
}

static void
handle_pair_request (DropifyPairing *self,
                     DropifyMessage *message)
{
  gboolean first_refusal = FALSE;

  if (self->trusted)
    return;

  if (self->state != DROPIFY_PAIRING_IDLE)
    {
      if (g_strcmp0 (self->attempt, message->attempt) == 0)
        return;

      /* Both people asked at once: the attempt of the side with the
       * smaller fingerprint goes on, and the other side answers it. */
      if (!(self->initiator && self->state == DROPIFY_PAIRING_EXCHANGING &&
            strcmp (self->local_fingerprint, self->remote_fingerprint) > 0))
        {
          send_text (self, dropify_protocol_encode_pair_reject (message->attempt, DROPIFY_PAIR_END_BUSY));
          return;
        }
    }

  if (self->pairing_limit != NULL &&
      !dropify_attempt_limit_take (self->pairing_limit, self->address, self->remote_fingerprint, &first_refusal))
    {
      if (first_refusal)
        g_message ("Too many pairing requests (the latest from %s); refusing more for a minute",
                   self->address != NULL ? self->address : "?");
      send_text (self, dropify_protocol_encode_pair_reject (message->attempt, DROPIFY_PAIR_END_BUSY));
      return;
    }

  begin_attempt (self, message->attempt, FALSE);
  self->took_pairing_token = self->pairing_limit != NULL;
  self->their_commit = g_strdup (message->commit);
  send_text (self, dropify_protocol_encode_pair_nonce (self->attempt, self->nonce));
}

static void
handle_pair_nonce (DropifyPairing *self,
                   DropifyMessage *message)
{
  g_autofree char *code = NULL;

  if (self->state != DROPIFY_PAIRING_EXCHANGING || g_strcmp0 (self->attempt, message->attempt) != 0)
    return;

  if (self->initiator)
    {
      code = dropify_pairing_code_for (self->attempt, self->local_fingerprint, self->remote_fingerprint,
                                       self->nonce, message->nonce);
      send_text (self, dropify_protocol_encode_pair_nonce (self->attempt, self->nonce));
      set_state (self, DROPIFY_PAIRING_COMPARING, code);
      return;
    }

  {
    g_autofree char *expected = dropify_pairing_commitment (self->attempt, self->remote_fingerprint,
                                                            message->nonce);

    if (!dropify_trust_equal (expected, self->their_commit))
      {
        g_autofree char *owned = NULL;

        log_line (self, "The pairing nonce of “%s” does not match its commitment", self->label);
        abandon_attempt (self, DROPIFY_PAIR_END_FAILED, why_it_ended (self, DROPIFY_PAIR_END_FAILED, &owned));
        return;
      }
  }

  code = dropify_pairing_code_for (self->attempt, self->remote_fingerprint, self->local_fingerprint,
                                   message->nonce, self->nonce);
  g_object_freeze_notify (G_OBJECT (self));
  set_state (self, DROPIFY_PAIRING_COMPARING, code);
  set_flags (self, TRUE, FALSE);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
handle_pair_accept (DropifyPairing *self,
                    DropifyMessage *message)
{
  if (self->trusted || g_strcmp0 (self->attempt, message->attempt) != 0)
    return;

  /* An accept before there is a code to accept breaks the exchange. */
  if (self->state != DROPIFY_PAIRING_COMPARING)
    {
      g_autofree char *owned = NULL;

      abandon_attempt (self, DROPIFY_PAIR_END_FAILED, why_it_ended (self, DROPIFY_PAIR_END_FAILED, &owned));
      return;
    }

  self->remote_accepted_at = self->clock (self->clock_data);
  set_flags (self, TRUE, self->pair_sent);
  maybe_paired (self);
}

static void
handle_pair_reject (DropifyPairing *self,
                    DropifyMessage *message)
{
  g_autofree char *owned = NULL;

  if (self->trusted || self->attempt == NULL || g_strcmp0 (self->attempt, message->attempt) != 0)
    return;

  end_attempt (self, why_it_ended (self, message->reason, &owned));
  log_line (self, "Pairing with “%s” ended: %s", self->label, self->error);
}

/* Group secret */

static char *
normalized_secret (const char *secret)
{
  return g_utf8_normalize (secret, -1, G_NORMALIZE_NFKC);
}

/* The exchange is bound to both certificates, the starter's first. */
static DropifyPake *
new_exchange (DropifyPairing *self,
              gboolean        starter,
              const char     *sid_hex)
{
  g_autofree char *prs = normalized_secret (self->secret);
  g_autofree char *ci = NULL;
  guint8 sid[DROPIFY_PROTOCOL_SID_LEN];

  if (prs == NULL)
    return NULL;

  ci = g_strdup_printf ("dropify group v3\n%s\n%s",
                        starter ? self->local_fingerprint : self->remote_fingerprint,
                        starter ? self->remote_fingerprint : self->local_fingerprint);
  from_hex (sid_hex, sid, sizeof sid);

  return dropify_pake_new (starter, (const guint8 *) prs, strlen (prs),
                           (const guint8 *) ci, strlen (ci), sid, sizeof sid);
}

static void
clear_exchange (DropifyPake **pake,
                gboolean     *took_token)
{
  g_clear_pointer (pake, dropify_pake_free);
  *took_token = FALSE;
}

/* One guess at the secret, for whoever is on the other side: bounded. A
 * trusted side risks nothing. */
static gboolean
take_guess (DropifyPairing *self)
{
  gboolean first_refusal = FALSE;

  if (self->trusted || self->guess_limit == NULL)
    return TRUE;

  if (dropify_attempt_limit_take (self->guess_limit, self->address, self->remote_fingerprint, &first_refusal))
    return TRUE;

  if (first_refusal)
    g_message ("Too many group-secret exchanges with devices not trusted yet (the latest "
               "from %s); refusing more for a while", self->address != NULL ? self->address : "?");
  return FALSE;
}

static void
give_back_guess (DropifyPairing *self,
                 gboolean        took_token)
{
  if (took_token && self->guess_limit != NULL)
    dropify_attempt_limit_give_back (self->guess_limit, self->address, self->remote_fingerprint);
}

static void
secret_proved (DropifyPairing *self)
{
  if (!self->trusted)
    {
      g_signal_emit (self, signals[TRUSTED], 0, DROPIFY_TRUST_GROUP);
      return;
    }

  /* We trusted them from the start, and they did not trust us: they
   * ignored what we sent. Reconcile again. */
  g_signal_emit (self, signals[RECONCILE_AGAIN], 0);
}

static void
start_exchange (DropifyPairing *self,
                gboolean        trusting)
{
  g_autofree char *sid = NULL;
  g_autofree char *share = NULL;

  clear_exchange (&self->started, &self->started_took_token);
  if (!take_guess (self))
    return;

  sid = dropify_pairing_random_hex (DROPIFY_PROTOCOL_SID_LEN);
  self->started = new_exchange (self, TRUE, sid);
  if (self->started == NULL)
    return;
  self->started_took_token = !self->trusted && self->guess_limit != NULL;

  share = to_hex (dropify_pake_get_share (self->started), DROPIFY_PAKE_SHARE_LEN);
  send_text (self, dropify_protocol_encode_auth_start (sid, share, trusting));
}

static void
answer_start (DropifyPairing *self,
              const char     *sid,
              const char     *share_hex,
              gboolean        trusting)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *share = NULL;
  g_autofree char *tag = NULL;
  guint8 peer_share[DROPIFY_PAKE_SHARE_LEN];
  guint8 tag_bytes[DROPIFY_PAKE_TAG_LEN];

  /* Both sides trust each other: nothing to answer, nothing missed. */
  if (self->trusted && trusting)
    return;

  /* Unpaired here by the user: only pairing brings it back. */
  if (!self->trusted && self->unpaired)
    {
      g_debug ("Ignoring the group-secret exchange of “%s”: it was unpaired", self->label);
      return;
    }

  if (self->secret == NULL)
    {
      if (!self->trusted)
        {
          g_free (self->kept_sid);
          g_free (self->kept_share);
          self->kept_sid = g_strdup (sid);
          self->kept_share = g_strdup (share_hex);
          self->kept_trusting = trusting;
        }
      return;
    }

  clear_exchange (&self->answered, &self->answered_took_token);
  if (!take_guess (self))
    return;
  self->answered_took_token = !self->trusted && self->guess_limit != NULL;

  self->answered = new_exchange (self, FALSE, sid);
  if (self->answered == NULL)
    return;

  from_hex (share_hex, peer_share, sizeof peer_share);
  if (!dropify_pake_set_peer_share (self->answered, peer_share, sizeof peer_share, &error))
    {
      log_line (self, "“%s” sent a group-secret share that is not valid: %s", self->label, error->message);
      clear_exchange (&self->answered, &self->answered_took_token);
      return;
    }

  dropify_pake_get_tag (self->answered, FALSE, tag_bytes);
  share = to_hex (dropify_pake_get_share (self->answered), DROPIFY_PAKE_SHARE_LEN);
  tag = to_hex (tag_bytes, sizeof tag_bytes);
  send_text (self, dropify_protocol_encode_auth_reply (share, tag));
}

static void
handle_auth_reply (DropifyPairing *self,
                   DropifyMessage *message)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tag = NULL;
  guint8 peer_share[DROPIFY_PAKE_SHARE_LEN];
  guint8 their_tag[DROPIFY_PAKE_TAG_LEN];
  guint8 our_tag[DROPIFY_PAKE_TAG_LEN];

  /* One reply per exchange: a second would be a second guess. */
  if (self->started == NULL)
    return;

  from_hex (message->share, peer_share, sizeof peer_share);
  from_hex (message->tag, their_tag, sizeof their_tag);

  if (!dropify_pake_set_peer_share (self->started, peer_share, sizeof peer_share, &error) ||
      !dropify_pake_check_tag (self->started, FALSE, their_tag, sizeof their_tag))
    {
      log_line (self, "“%s” has a different group secret; not trusting it", self->label);
      clear_exchange (&self->started, &self->started_took_token);
      return;
    }

  dropify_pake_get_tag (self->started, TRUE, our_tag);
  tag = to_hex (our_tag, sizeof our_tag);
  send_text (self, dropify_protocol_encode_auth_confirm (tag));

  give_back_guess (self, self->started_took_token);
  clear_exchange (&self->started, &self->started_took_token);
  g_clear_pointer (&self->kept_sid, g_free);
  g_clear_pointer (&self->kept_share, g_free);
  secret_proved (self);
}

static void
handle_auth_confirm (DropifyPairing *self,
                     DropifyMessage *message)
{
  guint8 their_tag[DROPIFY_PAKE_TAG_LEN];

  if (self->answered == NULL)
    return;

  from_hex (message->tag, their_tag, sizeof their_tag);
  if (!dropify_pake_check_tag (self->answered, TRUE, their_tag, sizeof their_tag))
    {
      log_line (self, "“%s” has a different group secret; not trusting it", self->label);
      clear_exchange (&self->answered, &self->answered_took_token);
      return;
    }

  give_back_guess (self, self->answered_took_token);
  clear_exchange (&self->answered, &self->answered_took_token);
  g_clear_pointer (&self->kept_sid, g_free);
  g_clear_pointer (&self->kept_share, g_free);
  secret_proved (self);
}

/* GObject */

static void
dropify_pairing_dispose (GObject *object)
{
  DropifyPairing *self = (DropifyPairing *)object;

  g_clear_handle_id (&self->timeout, g_source_remove);

  G_OBJECT_CLASS (dropify_pairing_parent_class)->dispose (object);
}

static void
dropify_pairing_finalize (GObject *object)
{
  DropifyPairing *self = (DropifyPairing *)object;

  g_free (self->local_fingerprint);
  g_free (self->remote_fingerprint);
  g_free (self->label);
  g_free (self->address);
  g_free (self->attempt);
  g_free (self->nonce);
  g_free (self->their_commit);
  g_free (self->code);
  g_free (self->error);
  if (self->secret != NULL)
    sodium_memzero (self->secret, strlen (self->secret));
  g_free (self->secret);
  g_clear_pointer (&self->started, dropify_pake_free);
  g_clear_pointer (&self->answered, dropify_pake_free);
  g_free (self->kept_sid);
  g_free (self->kept_share);

  G_OBJECT_CLASS (dropify_pairing_parent_class)->finalize (object);
}

static void
dropify_pairing_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  DropifyPairing *self = DROPIFY_PAIRING (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_CODE:
      g_value_set_string (value, self->code);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_WANTS_TO_PAIR:
      g_value_set_boolean (value, self->wants_to_pair);
      break;
    case PROP_PAIR_SENT:
      g_value_set_boolean (value, self->pair_sent);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_pairing_class_init (DropifyPairingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dropify_pairing_dispose;
  object_class->finalize = dropify_pairing_finalize;
  object_class->get_property = dropify_pairing_get_property;

  /* A #DropifyPairingState */
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, DROPIFY_PAIRING_IDLE, DROPIFY_PAIRING_COMPARING,
                      DROPIFY_PAIRING_IDLE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The code of the attempt, once both nonces are known. */
  properties[PROP_CODE] =
    g_param_spec_string ("code", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Why the last attempt ended without pairing, for people. */
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The other side asked to pair, or accepted, and it has not been
   * decided here yet. */
  properties[PROP_WANTS_TO_PAIR] =
    g_param_spec_boolean ("wants-to-pair", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* This side accepted, and waits for the other. */
  properties[PROP_PAIR_SENT] =
    g_param_spec_boolean ("pair-sent", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DropifyPairing::send:
   * @text: a message for the other side
   */
  signals[SEND] = g_signal_new ("send", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * DropifyPairing::trusted:
   * @how: a #DropifyTrustHow
   *
   * The other side may be trusted from now on.
   */
  signals[TRUSTED] = g_signal_new ("trusted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);

  /**
   * DropifyPairing::reconcile-again:
   *
   * The other side trusts us only now: what we sent before, it ignored.
   */
  signals[RECONCILE_AGAIN] = g_signal_new ("reconcile-again", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                           NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dropify_pairing_init (DropifyPairing *self)
{
  self->clock = monotonic_now;
  self->label = g_strdup ("");
}

/**
 * dropify_pairing_new:
 * @local_fingerprint: this device's certificate's
 * @remote_fingerprint: the other side's, from the channel's TLS session
 * @outgoing: whether this side dialed
 */
DropifyPairing *
dropify_pairing_new (const char *local_fingerprint,
                     const char *remote_fingerprint,
                     gboolean    outgoing)
{
  DropifyPairing *self;

  g_return_val_if_fail (local_fingerprint != NULL, NULL);
  g_return_val_if_fail (remote_fingerprint != NULL, NULL);

  if (!dropify_pake_init ())
    g_error ("libsodium could not start");

  self = g_object_new (DROPIFY_TYPE_PAIRING, NULL);
  self->local_fingerprint = g_strdup (local_fingerprint);
  self->remote_fingerprint = g_strdup (remote_fingerprint);
  self->outgoing = outgoing;

  return self;
}

void
dropify_pairing_set_clock (DropifyPairing      *self,
                           DropifyPairingClock  clock,
                           gpointer             clock_data)
{
  g_return_if_fail (DROPIFY_IS_PAIRING (self));

  self->clock = clock != NULL ? clock : monotonic_now;
  self->clock_data = clock_data;
}

/**
 * dropify_pairing_set_label:
 * @label: the other device's name, for log lines and errors
 */
void
dropify_pairing_set_label (DropifyPairing *self,
                           const char     *label)
{
  g_return_if_fail (DROPIFY_IS_PAIRING (self));

  g_free (self->label);
  self->label = g_strdup (label != NULL ? label : "");
}

/**
 * dropify_pairing_set_limits:
 * @pairing_limit: (nullable): how many pairing attempts strangers may start
 * @guess_limit: (nullable): how many group-secret exchanges run with
 *   devices not trusted yet
 * @log_limit: (nullable): for the lines the other side can cause, by address
 * @address: (nullable): where the other side connects from
 *
 * The limits are shared by all channels, and must outlive this.
 */
void
dropify_pairing_set_limits (DropifyPairing      *self,
                            DropifyAttemptLimit *pairing_limit,
                            DropifyAttemptLimit *guess_limit,
                            DropifyLogLimit     *log_limit,
                            const char          *address)
{
  g_return_if_fail (DROPIFY_IS_PAIRING (self));

  self->pairing_limit = pairing_limit;
  self->guess_limit = guess_limit;
  self->log_limit = log_limit;
  g_free (self->address);
  self->address = g_strdup (address);
}

DropifyPairingState
dropify_pairing_get_state (DropifyPairing *self)
{
  g_return_val_if_fail (DROPIFY_IS_PAIRING (self), DROPIFY_PAIRING_IDLE);
  return self->state;
}

/**
 * dropify_pairing_get_code:
 *
 * Returns: (nullable): the code both screens show, "123 456", once the
 *   attempt's nonces are exchanged
 */
const char *
dropify_pairing_get_code (DropifyPairing *self)
{
  g_return_val_if_fail (DROPIFY_IS_PAIRING (self), NULL);
  return self->code;
}

/**
 * dropify_pairing_get_error:
 *
 * Returns: (nullable): why the last attempt ended without pairing
 */
const char *
dropify_pairing_get_error (DropifyPairing *self)
{
  g_return_val_if_fail (DROPIFY_IS_PAIRING (self), NULL);
  return self->error;
}

gboolean
dropify_pairing_get_trusted (DropifyPairing *self)
{
  g_return_val_if_fail (DROPIFY_IS_PAIRING (self), FALSE);
  return self->trusted;
}

/**
 * dropify_pairing_set_trusted:
 *
 * The channel is trusted (the store said so, or after ::trusted): what
 * was pending is done with.
 */
void
dropify_pairing_set_trusted (DropifyPairing *self,
                             gboolean        trusted)
{
  g_return_if_fail (DROPIFY_IS_PAIRING (self));

  self->trusted = !!trusted;
  if (trusted)
    {
      g_clear_pointer (&self->kept_sid, g_free);
      g_clear_pointer (&self->kept_share, g_free);
      end_attempt (self, NULL);
    }
}

/**
 * dropify_pairing_set_unpaired:
 *
 * The user unpaired the other device here: the group secret does not
 * bring it back, only pairing does.
 */
void
dropify_pairing_set_unpaired (DropifyPairing *self,
                              gboolean        unpaired)
{
  g_return_if_fail (DROPIFY_IS_PAIRING (self));
  self->unpaired = !!unpaired;
}

/**
 * dropify_pairing_set_group_secret:
 * @secret: (nullable): the secret; %NULL for none
 *
 * Once begun, a new secret applies at once: a start that came before
 * there was one is answered, or else this side starts an exchange.
 */
void
dropify_pairing_set_group_secret (DropifyPairing *self,
                                  const char     *secret)
{
  g_autofree char *sid = NULL;
  g_autofree char *share = NULL;
  gboolean changed;

  g_return_if_fail (DROPIFY_IS_PAIRING (self));

  if (secret != NULL && secret[0] == '\0')
    secret = NULL;
  changed = g_strcmp0 (self->secret, secret) != 0;

  if (self->secret != NULL)
    sodium_memzero (self->secret, strlen (self->secret));
  g_free (self->secret);
  self->secret = g_strdup (secret);

  if (!self->begun || !changed || self->secret == NULL || self->trusted || self->unpaired)
    return;

  sid = g_steal_pointer (&self->kept_sid);
  share = g_steal_pointer (&self->kept_share);
  if (sid != NULL)
    answer_start (self, sid, share, self->kept_trusting);
  else
    start_exchange (self, FALSE);
}

gboolean
dropify_pairing_get_wants_to_pair (DropifyPairing *self)
{
  g_return_val_if_fail (DROPIFY_IS_PAIRING (self), FALSE);
  return self->wants_to_pair;
}

gboolean
dropify_pairing_get_pair_sent (DropifyPairing *self)
{
  g_return_val_if_fail (DROPIFY_IS_PAIRING (self), FALSE);
  return self->pair_sent;
}

/**
 * dropify_pairing_start:
 *
 * Both hellos were exchanged, and whether the store trusts the other side
 * is set. A dialer that knows a secret starts an exchange now.
 */
void
dropify_pairing_start (DropifyPairing *self)
{
  g_return_if_fail (DROPIFY_IS_PAIRING (self));

  self->begun = TRUE;
  if (!self->outgoing || self->secret == NULL)
    return;

  if (self->trusted)
    start_exchange (self, TRUE);
  else if (!self->unpaired)
    start_exchange (self, FALSE);
}

/**
 * dropify_pairing_request:
 *
 * A person here wants to pair: starts an attempt, unless one is under way.
 * The code follows as #DropifyPairing:code.
 */
gboolean
dropify_pairing_request (DropifyPairing  *self,
                         GError         **error)
{
  g_autofree char *attempt = NULL;
  g_autofree char *commit = NULL;

  g_return_val_if_fail (DROPIFY_IS_PAIRING (self), FALSE);

  if (self->trusted)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("The devices are paired already"));
      return FALSE;
    }

  if (self->state != DROPIFY_PAIRING_IDLE)
    return TRUE;

  attempt = dropify_pairing_random_hex (DROPIFY_PROTOCOL_ATTEMPT_LEN);
  begin_attempt (self, attempt, TRUE);
  commit = dropify_pairing_commitment (self->attempt, self->local_fingerprint, self->nonce);
  send_text (self, dropify_protocol_encode_pair_request (self->attempt, commit));

  return TRUE;
}

/* "123 456", "123456" and " 123 456 " are the same code. */
static gboolean
same_code (const char *typed,
           const char *code)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  g_autoptr(GString) ours = g_string_new (NULL);

  for (const char *p = typed; *p; p++)
    if (*p != ' ')
      g_string_append_c (digits, *p);
  for (const char *p = code; p && *p; p++)
    if (*p != ' ')
      g_string_append_c (ours, *p);

  return ours->len > 0 && g_str_equal (digits->str, ours->str);
}

/**
 * dropify_pairing_answer:
 * @accept: %TRUE when the person compared the codes and accepts
 * @code: (nullable): the code the person saw, to accept only that one
 *
 * Accepting needs a code on both screens; declining ends any attempt.
 */
gboolean
dropify_pairing_answer (DropifyPairing  *self,
                        gboolean         accept,
                        const char      *code,
                        GError         **error)
{
  g_return_val_if_fail (DROPIFY_IS_PAIRING (self), FALSE);

  if (self->trusted)
    return TRUE;

  if (!accept)
    {
      /* The person here knows: only the other side is told. An attempt
       * a person saw and answered was no one's free guess: it does not
       * count against the limit. */
      if (self->attempt != NULL)
        {
          gboolean asked = self->initiator;

          give_back_pairing_token (self);
          abandon_attempt (self, asked ? DROPIFY_PAIR_END_CANCELLED : DROPIFY_PAIR_END_DECLINED, NULL);
        }
      return TRUE;
    }

  if (self->state != DROPIFY_PAIRING_COMPARING)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PENDING,
                   _("There is no pairing code to accept yet"));
      return FALSE;
    }

  if (code != NULL && !same_code (code, self->code))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The pairing code changed: compare the new code, then accept again"));
      return FALSE;
    }

  if (self->local_accepted_at == 0)
    send_text (self, dropify_protocol_encode_pair_accept (self->attempt));
  self->local_accepted_at = self->clock (self->clock_data);
  set_flags (self, self->wants_to_pair, TRUE);
  maybe_paired (self);

  return TRUE;
}

/**
 * dropify_pairing_interrupted:
 *
 * The channel closed: an attempt under way ends here, and says so.
 */
void
dropify_pairing_interrupted (DropifyPairing *self)
{
  g_autofree char *error = NULL;

  g_return_if_fail (DROPIFY_IS_PAIRING (self));

  if (self->trusted || self->attempt == NULL)
    return;

  /* Translators: %s is the name of another device */
  error = g_strdup_printf (_("The connection to “%s” was lost while pairing. Pair again, and "
                             "compare the codes."), self->label);
  end_attempt (self, error);
}

/**
 * dropify_pairing_handle_message:
 * @message: an auth-* or pair-* message from the other side
 */
void
dropify_pairing_handle_message (DropifyPairing *self,
                                DropifyMessage *message)
{
  g_return_if_fail (DROPIFY_IS_PAIRING (self));
  g_return_if_fail (message != NULL);

  switch (message->type)
    {
    case DROPIFY_MESSAGE_AUTH_START:
      answer_start (self, message->sid, message->share, message->trusting);
      break;
    case DROPIFY_MESSAGE_AUTH_REPLY:
      handle_auth_reply (self, message);
      break;
    case DROPIFY_MESSAGE_AUTH_CONFIRM:
      handle_auth_confirm (self, message);
      break;
    case DROPIFY_MESSAGE_PAIR_REQUEST:
      handle_pair_request (self, message);
      break;
    case DROPIFY_MESSAGE_PAIR_NONCE:
      handle_pair_nonce (self, message);
      break;
    case DROPIFY_MESSAGE_PAIR_ACCEPT:
      handle_pair_accept (self, message);
      break;
    case DROPIFY_MESSAGE_PAIR_REJECT:
      handle_pair_reject (self, message);
      break;
    default:
      g_return_if_reached ();
    }
}
