#define G_LOG_DOMAIN "dropify-transfer"

#include "config.h"

#include <stdint.h>

#include "dropify-enums.h"
#include "dropify-transfer.h"

/* One content moving to or from one peer, as both ends show it: how far
 * it got, how fast it goes, and what it is waiting for. DropifySync makes
 * them (dropify-sync-transfers.c) and keeps them in a GListModel; this
 * object only holds the numbers and works out the rate.
 *
 * The rate is the bytes moved over the last RATE_WINDOW_US, from a few
 * samples taken at least RATE_SAMPLE_US apart: a chunk's burst does not
 * make it jump, and a transfer that slows down shows it within seconds. */

#define RATE_WINDOW_US  (3 * G_USEC_PER_SEC)
#define RATE_SAMPLE_US  (G_USEC_PER_SEC / 4)
#define RATE_SAMPLES    16

typedef struct
{
  int64_t  at;
  uint64_t done;
} Sample;

struct _DropifyTransfer
{
  GObject                   parent_instance;
  char                     *id;
  char                     *sha256;
  char                     *name;
  char                     *peer_id;
  char                     *peer_name;
  char                     *reason;
  DropifyTransferDirection  direction;
  DropifyTransferState      state;
  uint64_t                  done;
  uint64_t                  size;
  uint64_t                  rate;
  int64_t                   changed_at;   /* monotonic µs of the last state change */
  Sample                    samples[RATE_SAMPLES];
  guint                     first_sample;
  guint                     n_samples;
};

G_DEFINE_FINAL_TYPE (DropifyTransfer, dropify_transfer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_SHA256,
  PROP_NAME,
  PROP_PEER_ID,
  PROP_PEER_NAME,
  PROP_DIRECTION,
  PROP_DONE,
  PROP_SIZE,
  PROP_RATE,
  PROP_STATE,
  PROP_REASON,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* GObject */

static void
dropify_transfer_finalize (GObject *object)
{
  DropifyTransfer *self = (DropifyTransfer *)object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->sha256, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->peer_id, g_free);
  g_clear_pointer (&self->peer_name, g_free);
  g_clear_pointer (&self->reason, g_free);

  G_OBJECT_CLASS (dropify_transfer_parent_class)->finalize (object);
}

static void
dropify_transfer_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  DropifyTransfer *self = DROPIFY_TRANSFER (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_SHA256: g_value_set_string (value, self->sha256); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_PEER_ID: g_value_set_string (value, self->peer_id); break;
    case PROP_PEER_NAME: g_value_set_string (value, self->peer_name); break;
    case PROP_DIRECTION: g_value_set_enum (value, self->direction); break;
    case PROP_DONE: g_value_set_uint64 (value, self->done); break;
    case PROP_SIZE: g_value_set_uint64 (value, self->size); break;
    case PROP_RATE: g_value_set_uint64 (value, self->rate); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_REASON: g_value_set_string (value, self->reason); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_transfer_class_init (DropifyTransferClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = dropify_transfer_finalize;
  object_class->get_property = dropify_transfer_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_SHA256] = g_param_spec_string ("sha256", NULL, NULL, NULL, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_PEER_ID] = g_param_spec_string ("peer-id", NULL, NULL, NULL, flags);
  properties[PROP_PEER_NAME] = g_param_spec_string ("peer-name", NULL, NULL, NULL, flags);
  properties[PROP_DIRECTION] = g_param_spec_enum ("direction", NULL, NULL, DROPIFY_TYPE_TRANSFER_DIRECTION,
                                                  DROPIFY_TRANSFER_DIRECTION_IN, flags);
  properties[PROP_DONE] = g_param_spec_uint64 ("done", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_SIZE] = g_param_spec_uint64 ("size", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_RATE] = g_param_spec_uint64 ("rate", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, DROPIFY_TYPE_TRANSFER_STATE,
                                              DROPIFY_TRANSFER_STATE_QUEUED, flags);
  properties[PROP_REASON] = g_param_spec_string ("reason", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dropify_transfer_init (DropifyTransfer *self)
{
  self->id = g_uuid_string_random ();
}

/**
 * dropify_transfer_new:
 * @sha256: the content
 * @name: a name of a drop of that content, for people
 * @peer_id: the device at the other end, as its TLS session proved it
 * @peer_name: that device's name, as it is shown
 *
 * Returns: (transfer full): a queued transfer, with a fresh id
 */
DropifyTransfer *
dropify_transfer_new (const char               *sha256,
                      const char               *name,
                      const char               *peer_id,
                      const char               *peer_name,
                      DropifyTransferDirection  direction,
                      uint64_t                  size)
{
  DropifyTransfer *self;

  g_return_val_if_fail (sha256 != NULL, NULL);
  g_return_val_if_fail (peer_id != NULL, NULL);

  self = g_object_new (DROPIFY_TYPE_TRANSFER, NULL);
  self->sha256 = g_strdup (sha256);
  self->name = g_strdup (name != NULL ? name : sha256);
  self->peer_id = g_strdup (peer_id);
  self->peer_name = g_strdup (peer_name != NULL ? peer_name : "");
  self->direction = direction;
  self->size = size;
  self->changed_at = g_get_monotonic_time ();

  return self;
}

const char *
dropify_transfer_get_id (DropifyTransfer *self)
{
  g_return_val_if_fail (DROPIFY_IS_TRANSFER (self), NULL);
  return self->id;
}

const char *
dropify_transfer_get_sha256 (DropifyTransfer *self)
{
  g_return_val_if_fail (DROPIFY_IS_TRANSFER (self), NULL);
  return self->sha256;
}

const char *
dropify_transfer_get_name (DropifyTransfer *self)
{
  g_return_val_if_fail (DROPIFY_IS_TRANSFER (self), NULL);
  return self->name;
}

const char *
dropify_transfer_get_peer_id (DropifyTransfer *self)
{
  g_return_val_if_fail (DROPIFY_IS_TRANSFER (self), NULL);
  return self->peer_id;
}

const char *
dropify_transfer_get_peer_name (DropifyTransfer *self)
{
  g_return_val_if_fail (DROPIFY_IS_TRANSFER (self), NULL);
  return self->peer_name;
}

/* The device was renamed while the transfer is listed. */
void
dropify_transfer_set_peer_name (DropifyTransfer *self,
                                const char      *peer_name)
{
  g_return_if_fail (DROPIFY_IS_TRANSFER (self));

  if (peer_name == NULL)
    peer_name = "";
  if (g_strcmp0 (self->peer_name, peer_name) == 0)
    return;

  g_free (self->peer_name);
  self->peer_name = g_strdup (peer_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_NAME]);
}

DropifyTransferDirection
dropify_transfer_get_direction (DropifyTransfer *self)
{
  g_return_val_if_fail (DROPIFY_IS_TRANSFER (self), 0);
  return self->direction;
}

uint64_t
dropify_transfer_get_done (DropifyTransfer *self)
{
  g_return_val_if_fail (DROPIFY_IS_TRANSFER (self), 0);
  return self->done;
}

uint64_t
dropify_transfer_get_size (DropifyTransfer *self)
{
  g_return_val_if_fail (DROPIFY_IS_TRANSFER (self), 0);
  return self->size;
}

/**
 * dropify_transfer_get_rate:
 *
 * Returns: bytes a second over the last few seconds; 0 unless active
 */
uint64_t
dropify_transfer_get_rate (DropifyTransfer *self)
{
  g_return_val_if_fail (DROPIFY_IS_TRANSFER (self), 0);
  return self->rate;
}

DropifyTransferState
dropify_transfer_get_state (DropifyTransfer *self)
{
  g_return_val_if_fail (DROPIFY_IS_TRANSFER (self), 0);
  return self->state;
}

/**
 * dropify_transfer_get_reason:
 *
 * Returns: (nullable): why it is stalled, failed or cancelled, for people
 */
const char *
dropify_transfer_get_reason (DropifyTransfer *self)
{
  g_return_val_if_fail (DROPIFY_IS_TRANSFER (self), NULL);
  return self->reason;
}

/**
 * dropify_transfer_is_finished:
 *
 * Returns: %TRUE once it is done, cancelled or failed: nothing moves it
 *   any more unless it starts again
 */
gboolean
dropify_transfer_is_finished (DropifyTransfer *self)
{
  g_return_val_if_fail (DROPIFY_IS_TRANSFER (self), FALSE);

  return self->state == DROPIFY_TRANSFER_STATE_DONE ||
         self->state == DROPIFY_TRANSFER_STATE_CANCELLED ||
         self->state == DROPIFY_TRANSFER_STATE_FAILED;
}

/**
 * dropify_transfer_get_changed_at:
 *
 * Returns: the monotonic time (µs) of its last change of state, which is
 *   when a finished one finished
 */
int64_t
dropify_transfer_get_changed_at (DropifyTransfer *self)
{
  g_return_val_if_fail (DROPIFY_IS_TRANSFER (self), 0);
  return self->changed_at;
}

static void
set_rate (DropifyTransfer *self,
          uint64_t         rate)
{
  if (self->rate == rate)
    return;

  self->rate = rate;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RATE]);
}

static void
forget_samples (DropifyTransfer *self)
{
  self->first_sample = 0;
  self->n_samples = 0;
}

static Sample *
sample (DropifyTransfer *self,
        guint            i)
{
  return &self->samples[(self->first_sample + i) % RATE_SAMPLES];
}

/**
 * dropify_transfer_set_progress:
 * @done: bytes stored (receiving) or sent (sending) so far
 * @now_us: the monotonic time, in µs
 *
 * Also updates the rate. Going back (a transfer that starts over) starts
 * the rate afresh.
 */
void
dropify_transfer_set_progress (DropifyTransfer *self,
                               uint64_t         done,
                               int64_t          now_us)
{
  Sample *oldest;

  g_return_if_fail (DROPIFY_IS_TRANSFER (self));

  done = MIN (done, self->size);
  if (done < self->done)
    forget_samples (self);

  if (done != self->done)
    {
      self->done = done;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DONE]);
    }

  if (self->state != DROPIFY_TRANSFER_STATE_ACTIVE)
    return;

  if (self->n_samples == 0 || now_us - sample (self, self->n_samples - 1)->at >= RATE_SAMPLE_US)
    {
      if (self->n_samples == RATE_SAMPLES)
        {
          self->first_sample = (self->first_sample + 1) % RATE_SAMPLES;
          self->n_samples--;
        }
      *sample (self, self->n_samples) = (Sample) { now_us, done };
      self->n_samples++;
    }

  /* Keep the newest sample older than the window, so the window is full. */
  while (self->n_samples > 2 && now_us - sample (self, 1)->at >= RATE_WINDOW_US)
    {
      self->first_sample = (self->first_sample + 1) % RATE_SAMPLES;
      self->n_samples--;
    }

  oldest = sample (self, 0);
  if (now_us - oldest->at >= RATE_SAMPLE_US && done >= oldest->done)
    set_rate (self, (uint64_t) ((double) (done - oldest->done) * G_USEC_PER_SEC /
                                (double) (now_us - oldest->at)));
}

/**
 * dropify_transfer_set_state:
 * @reason: (nullable): why, for people: what a stalled one waits for,
 *   why one failed or who cancelled it
 * @now_us: the monotonic time, in µs
 */
void
dropify_transfer_set_state (DropifyTransfer      *self,
                            DropifyTransferState  state,
                            const char           *reason,
                            int64_t               now_us)
{
  g_return_if_fail (DROPIFY_IS_TRANSFER (self));

  g_object_freeze_notify (G_OBJECT (self));

  if (g_strcmp0 (self->reason, reason) != 0)
    {
      g_free (self->reason);
      self->reason = g_strdup (reason);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REASON]);
    }

  if (self->state != state)
    {
      self->state = state;
      self->changed_at = now_us;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);

      /* Only a moving transfer has a rate; one that moves again
       * measures it afresh. */
      forget_samples (self);
      set_rate (self, 0);
      if (state == DROPIFY_TRANSFER_STATE_ACTIVE)
        {
          self->samples[0] = (Sample) { now_us, self->done };
          self->n_samples = 1;
        }
    }

  if (state == DROPIFY_TRANSFER_STATE_DONE && self->done != self->size)
    {
      self->done = self->size;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DONE]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * dropify_transfer_state_to_string:
 *
 * Returns: the state as `transfers --json` writes it
 */
const char *
dropify_transfer_state_to_string (DropifyTransferState state)
{
  static const char * const names[] = { "queued", "active", "stalled", "done", "cancelled", "failed" };

  if ((guint) state >= G_N_ELEMENTS (names))
    return "failed";

  return names[state];
}

/**
 * dropify_transfer_to_json:
 *
 * Returns: (transfer full): the transfer in the shape of
 *   `dropify transfers --json`
 */
JsonNode *
dropify_transfer_to_json (DropifyTransfer *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (DROPIFY_IS_TRANSFER (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, self->id);
  json_builder_set_member_name (builder, "sha256");
  json_builder_add_string_value (builder, self->sha256);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, self->name);
  json_builder_set_member_name (builder, "peer");
  json_builder_add_string_value (builder, self->peer_id);
  json_builder_set_member_name (builder, "peer_name");
  json_builder_add_string_value (builder, self->peer_name);
  json_builder_set_member_name (builder, "direction");
  json_builder_add_string_value (builder, self->direction == DROPIFY_TRANSFER_DIRECTION_OUT ? "out" : "in");
  json_builder_set_member_name (builder, "done");
  json_builder_add_int_value (builder, (int64_t) MIN (self->done, (uint64_t) G_MAXINT64));
  json_builder_set_member_name (builder, "size");
  json_builder_add_int_value (builder, (int64_t) MIN (self->size, (uint64_t) G_MAXINT64));
  json_builder_set_member_name (builder, "rate");
  json_builder_add_int_value (builder, (int64_t) MIN (self->rate, (uint64_t) G_MAXINT64));
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, dropify_transfer_state_to_string (self->state));
  json_builder_set_member_name (builder, "reason");
  if (self->reason != NULL)
    json_builder_add_string_value (builder, self->reason);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}
