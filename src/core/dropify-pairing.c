#define G_LOG_DOMAIN "dropify-pairing"

#include "config.h"

#include "dropify-pairing.h"

/* The ways a channel becomes trusted, for one channel, as a state
 * machine with no I/O: messages come in through
 * dropify_pairing_handle_message() and go out through ::send, and a
 * decision comes out as ::trusted. Sync stores it and trusts the channel.
 *
 * Pairing: each side's user accepts after comparing the code both screens
 * show; both accepts within DROPIFY_PAIRING_TIMEOUT_S pair the devices.
 *
 * Group secret: the side that dialed proves it knows the secret (an HMAC
 * of both fingerprints, in the direction of the proof); the side that
 * accepted answers only a proof that checked out, so whoever gets dialed
 * learns nothing from a device that does not know its secret. A dialer
 * that trusts the other side already proves too, saying so: the other
 * side may not trust it, if an earlier exchange was cut, and then
 * answers. A proof that matches no secret here is kept while the channel
 * is not trusted: a secret set later is checked against it at once. */

struct _DropifyPairing
{
  GObject              parent_instance;

  char                *local_fingerprint;
  char                *remote_fingerprint;
  char                *code;
  char                *label;
  char                *secret;
  char                *kept_proof;
  DropifyPairingClock  clock;
  gpointer             clock_data;
  int64_t              local_accepted_at;
  int64_t              remote_accepted_at;
  guint                timeout;
  gboolean             outgoing;
  gboolean             started;
  gboolean             trusted;
  gboolean             unpaired;
  gboolean             proof_answered;
  gboolean             wants_to_pair;
  gboolean             pair_sent;
};

G_DEFINE_FINAL_TYPE (DropifyPairing, dropify_pairing, G_TYPE_OBJECT)

enum {
  PROP_0,
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
clear_accepts (DropifyPairing *self)
{
  self->local_accepted_at = self->remote_accepted_at = 0;
  g_clear_handle_id (&self->timeout, g_source_remove);
  set_flags (self, FALSE, FALSE);
}

static gboolean
timeout_cb (gpointer user_data)
{
  DropifyPairing *self = user_data;

  self->timeout = 0;
  g_message ("The pairing request with “%s” timed out", self->label);
  clear_accepts (self);

  return G_SOURCE_REMOVE;
}

static void
maybe_paired (DropifyPairing *self)
{
  int64_t now = self->clock (self->clock_data);
  int64_t window = (int64_t) DROPIFY_PAIRING_TIMEOUT_S * G_USEC_PER_SEC;

  if (self->timeout == 0)
    self->timeout = g_timeout_add_seconds (DROPIFY_PAIRING_TIMEOUT_S, timeout_cb, self);

  if (self->local_accepted_at == 0 || self->remote_accepted_at == 0 ||
      now - self->local_accepted_at > window || now - self->remote_accepted_at > window)
    return;

  g_signal_emit (self, signals[TRUSTED], 0, DROPIFY_TRUST_PAIRED);
}

static void
send_proof (DropifyPairing *self,
            gboolean        trusting)
{
  g_autofree char *proof = dropify_trust_group_proof (self->secret, self->local_fingerprint,
                                                      self->remote_fingerprint);

  send_text (self, dropify_protocol_encode_auth (proof, trusting));
}

static void
check_proof (DropifyPairing *self,
             const char     *mac,
             gboolean        trusting)
{
  g_autofree char *expected = NULL;

  if (self->proof_answered)
    return;

  /* Both sides trust each other: nothing to answer, nothing missed. */
  if (self->trusted && trusting)
    return;

  /* Unpaired here by the user: only pairing brings it back. */
  if (!self->trusted && self->unpaired)
    {
      g_debug ("Ignoring the group proof of “%s”: it was unpaired", self->label);
      return;
    }

  if (self->secret != NULL)
    expected = dropify_trust_group_proof (self->secret, self->remote_fingerprint, self->local_fingerprint);

  if (expected == NULL || !dropify_trust_equal (expected, mac))
    {
      if (expected != NULL)
        g_message ("“%s” has a different group secret; not trusting it", self->label);
      if (!self->trusted)
        {
          g_free (self->kept_proof);
          self->kept_proof = g_strdup (mac);
        }
      return;
    }

  g_clear_pointer (&self->kept_proof, g_free);

  /* Answer even when we trust them already: they may not trust us yet
   * (a connection that dropped in the middle of this exchange). */
  if (!self->outgoing)
    {
      self->proof_answered = TRUE;
      send_proof (self, FALSE);
    }

  if (!self->trusted)
    {
      g_signal_emit (self, signals[TRUSTED], 0, DROPIFY_TRUST_GROUP);
      return;
    }

  /* We trusted them from the start, and they did not trust us: they
   * ignored what we sent. Reconcile again, after our proof. */
  g_signal_emit (self, signals[RECONCILE_AGAIN], 0);
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
  g_free (self->code);
  g_free (self->label);
  g_free (self->secret);
  g_free (self->kept_proof);

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

  /* The other side asked to pair, and it has not been decided yet. */
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

  self = g_object_new (DROPIFY_TYPE_PAIRING, NULL);
  self->local_fingerprint = g_strdup (local_fingerprint);
  self->remote_fingerprint = g_strdup (remote_fingerprint);
  self->outgoing = outgoing;
  self->code = dropify_trust_pairing_code (local_fingerprint, remote_fingerprint);

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
 * @label: the other device's name, for log lines
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
 * dropify_pairing_get_code:
 *
 * Returns: the code both screens show, "123 456"
 */
const char *
dropify_pairing_get_code (DropifyPairing *self)
{
  g_return_val_if_fail (DROPIFY_IS_PAIRING (self), NULL);
  return self->code;
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
      g_clear_pointer (&self->kept_proof, g_free);
      clear_accepts (self);
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
 * Once started, a new secret applies at once, in the same order as at
 * the start: a dialer proves, the other side checks the proof it kept.
 */
void
dropify_pairing_set_group_secret (DropifyPairing *self,
                                  const char     *secret)
{
  g_autofree char *kept = NULL;

  g_return_if_fail (DROPIFY_IS_PAIRING (self));

  g_free (self->secret);
  self->secret = secret != NULL && secret[0] != '\0' ? g_strdup (secret) : NULL;

  if (!self->started || self->secret == NULL || self->trusted || self->unpaired)
    return;

  if (self->outgoing)
    send_proof (self, FALSE);
  else if ((kept = g_steal_pointer (&self->kept_proof)) != NULL)
    check_proof (self, kept, FALSE);
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
 * is set. A dialer that knows a secret proves it now.
 */
void
dropify_pairing_start (DropifyPairing *self)
{
  g_return_if_fail (DROPIFY_IS_PAIRING (self));

  self->started = TRUE;
  if (!self->outgoing || self->secret == NULL)
    return;

  if (self->trusted)
    send_proof (self, TRUE);
  else if (!self->unpaired)
    send_proof (self, FALSE);
}

/**
 * dropify_pairing_answer:
 * @accept: %TRUE when the user compared the codes and accepts
 */
void
dropify_pairing_answer (DropifyPairing *self,
                        gboolean        accept)
{
  g_return_if_fail (DROPIFY_IS_PAIRING (self));

  if (self->trusted)
    return;

  send_text (self, dropify_protocol_encode_pair (accept));

  if (!accept)
    {
      clear_accepts (self);
      return;
    }

  self->local_accepted_at = self->clock (self->clock_data);
  set_flags (self, self->wants_to_pair, TRUE);
  maybe_paired (self);
}

/**
 * dropify_pairing_handle_message:
 * @message: an `auth`, `pair-accept` or `pair-reject` from the other side
 */
void
dropify_pairing_handle_message (DropifyPairing *self,
                                DropifyMessage *message)
{
  g_return_if_fail (DROPIFY_IS_PAIRING (self));
  g_return_if_fail (message != NULL);

  switch (message->type)
    {
    case DROPIFY_MESSAGE_AUTH:
      check_proof (self, message->mac, message->trusting);
      break;

    case DROPIFY_MESSAGE_PAIR_REJECT:
      if (self->trusted)
        break;
      g_message ("“%s” declined to pair", self->label);
      clear_accepts (self);
      break;

    case DROPIFY_MESSAGE_PAIR_ACCEPT:
      if (self->trusted)
        break;
      self->remote_accepted_at = self->clock (self->clock_data);
      set_flags (self, TRUE, self->pair_sent);
      maybe_paired (self);
      break;

    default:
      g_return_if_reached ();
    }
}
