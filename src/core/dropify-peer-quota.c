#define G_LOG_DOMAIN "dropify-peer-quota"

#include "config.h"

#include "dropify-peer-quota.h"

/* What one trusted peer may add to this device's history: a rate of new
 * drops and deletions (a token bucket: a burst, then so many a second),
 * and a number of drops and of text bytes for the drops it brought that
 * are still stored. A paired device can be stolen; without this it could fill the
 * disk and every list (docs/security.md).
 *
 * Peers are known by device id, so a reconnection does not refill
 * anything. The counts live in memory: it starts from zero at each
 * start, and drops leave it when they expire or are deleted. */

typedef struct
{
  double    tokens;
  int64_t   updated_us;
  uint64_t  text_bytes;
  guint     n_drops;
  gboolean  refusing;     /* logged once until it is admitted again */
} Budget;

typedef struct
{
  char     *peer_id;      /* borrowed from the budgets' key */
  uint64_t  text_bytes;
} Charge;

struct _DropifyPeerQuota
{
  GObject     parent_instance;

  guint       burst;
  guint       per_second;
  guint       max_drops;
  uint64_t    max_text_bytes;
  GHashTable *budgets;    /* peer id → Budget */
  GHashTable *charges;    /* drop id → Charge */
};

G_DEFINE_FINAL_TYPE (DropifyPeerQuota, dropify_peer_quota, G_TYPE_OBJECT)

static Budget *
lookup_budget (DropifyPeerQuota *self,
               const char       *peer_id,
               int64_t           now_us)
{
  Budget *budget = g_hash_table_lookup (self->budgets, peer_id);

  if (budget == NULL)
    {
      budget = g_new0 (Budget, 1);
      budget->tokens = self->burst;
      budget->updated_us = now_us;
      g_hash_table_insert (self->budgets, g_strdup (peer_id), budget);
    }

  return budget;
}

/**
 * dropify_peer_quota_new:
 * @burst: how many drops and deletions a peer may bring at once
 * @per_second: how many more each second after that
 * @max_drops: how many of the drops a peer brought may be stored
 * @max_text_bytes: how many bytes of text they may hold
 */
DropifyPeerQuota *
dropify_peer_quota_new (guint    burst,
                        guint    per_second,
                        guint    max_drops,
                        uint64_t max_text_bytes)
{
  DropifyPeerQuota *self = g_object_new (DROPIFY_TYPE_PEER_QUOTA, NULL);

  self->burst = MAX (burst, 1);
  self->per_second = MAX (per_second, 1);
  self->max_drops = max_drops;
  self->max_text_bytes = max_text_bytes;

  return self;
}

/**
 * dropify_peer_quota_admit:
 * @peer_id: the device the drop or deletion came from
 * @now_us: a monotonic clock, µs
 * @is_drop: %TRUE for a drop, %FALSE for a deletion
 * @text_bytes: the text the drop would add; 0 for a file or a deletion
 *
 * Takes one token from @peer_id's bucket if it has one and the text
 * fits.
 *
 * Returns: whether it may be stored, or why not
 */
DropifyPeerQuotaResult
dropify_peer_quota_admit (DropifyPeerQuota *self,
                          const char       *peer_id,
                          int64_t           now_us,
                          gboolean          is_drop,
                          uint64_t          text_bytes)
{
  Budget *budget;

  g_return_val_if_fail (DROPIFY_IS_PEER_QUOTA (self), DROPIFY_PEER_QUOTA_RATE);
  g_return_val_if_fail (peer_id != NULL, DROPIFY_PEER_QUOTA_RATE);

  budget = lookup_budget (self, peer_id, now_us);
  if (now_us > budget->updated_us)
    {
      budget->tokens = MIN ((double) self->burst,
                            budget->tokens + (double) (now_us - budget->updated_us) * self->per_second / G_USEC_PER_SEC);
      budget->updated_us = now_us;
    }

  /* Refusals are logged again only once the bucket filled up: once per
   * burst, not once per drop a steady flood gets through. */
  if (budget->tokens >= self->burst)
    budget->refusing = FALSE;

  if (budget->tokens < 1)
    return DROPIFY_PEER_QUOTA_RATE;

  if (is_drop && budget->n_drops >= self->max_drops)
    return DROPIFY_PEER_QUOTA_COUNT;

  if (text_bytes > 0 && budget->text_bytes + text_bytes > self->max_text_bytes)
    return DROPIFY_PEER_QUOTA_TEXT;

  budget->tokens -= 1;

  return DROPIFY_PEER_QUOTA_OK;
}

/**
 * dropify_peer_quota_first_refusal:
 *
 * Call when something of @peer_id's was refused.
 *
 * Returns: %TRUE for the first refusal since the peer's bucket was last
 *   full: log lines come once per burst, not once per drop
 */
gboolean
dropify_peer_quota_first_refusal (DropifyPeerQuota *self,
                                  const char       *peer_id)
{
  Budget *budget;

  g_return_val_if_fail (DROPIFY_IS_PEER_QUOTA (self), FALSE);

  budget = lookup_budget (self, peer_id, g_get_monotonic_time ());
  if (budget->refusing)
    return FALSE;

  budget->refusing = TRUE;
  return TRUE;
}

/**
 * dropify_peer_quota_add_drop:
 * @drop_id: the drop that was stored
 * @text_bytes: its text's length; 0 for a file
 *
 * Counts a stored drop against @peer_id until it is removed.
 */
void
dropify_peer_quota_add_drop (DropifyPeerQuota *self,
                             const char       *peer_id,
                             const char       *drop_id,
                             uint64_t          text_bytes)
{
  Charge *charge;
  gpointer key;
  Budget *budget;

  g_return_if_fail (DROPIFY_IS_PEER_QUOTA (self));

  if (g_hash_table_contains (self->charges, drop_id))
    return;

  budget = lookup_budget (self, peer_id, g_get_monotonic_time ());
  g_hash_table_lookup_extended (self->budgets, peer_id, &key, NULL);
  budget->text_bytes += text_bytes;
  budget->n_drops++;

  charge = g_new0 (Charge, 1);
  charge->peer_id = key;
  charge->text_bytes = text_bytes;
  g_hash_table_insert (self->charges, g_strdup (drop_id), charge);
}

/**
 * dropify_peer_quota_remove_drop:
 *
 * A drop expired or was deleted: it no longer counts.
 */
void
dropify_peer_quota_remove_drop (DropifyPeerQuota *self,
                                const char       *drop_id)
{
  Charge *charge;
  Budget *budget;

  g_return_if_fail (DROPIFY_IS_PEER_QUOTA (self));

  if ((charge = g_hash_table_lookup (self->charges, drop_id)) == NULL)
    return;

  if ((budget = g_hash_table_lookup (self->budgets, charge->peer_id)) != NULL)
    {
      budget->text_bytes -= MIN (budget->text_bytes, charge->text_bytes);
      budget->n_drops -= MIN (budget->n_drops, 1);
    }
  g_hash_table_remove (self->charges, drop_id);
}

uint64_t
dropify_peer_quota_get_text_bytes (DropifyPeerQuota *self,
                                   const char       *peer_id)
{
  Budget *budget;

  g_return_val_if_fail (DROPIFY_IS_PEER_QUOTA (self), 0);

  budget = g_hash_table_lookup (self->budgets, peer_id);
  return budget != NULL ? budget->text_bytes : 0;
}

guint
dropify_peer_quota_get_n_drops (DropifyPeerQuota *self,
                                const char       *peer_id)
{
  Budget *budget;

  g_return_val_if_fail (DROPIFY_IS_PEER_QUOTA (self), 0);

  budget = g_hash_table_lookup (self->budgets, peer_id);
  return budget != NULL ? budget->n_drops : 0;
}

/**
 * dropify_peer_quota_get_refill_s:
 *
 * Returns: how long an emptied bucket takes to fill again, in seconds
 */
guint
dropify_peer_quota_get_refill_s (DropifyPeerQuota *self)
{
  g_return_val_if_fail (DROPIFY_IS_PEER_QUOTA (self), 1);

  return (self->burst + self->per_second - 1) / self->per_second;
}

/* GObject */

static void
dropify_peer_quota_finalize (GObject *object)
{
  DropifyPeerQuota *self = (DropifyPeerQuota *)object;

  /* Charges borrow the budgets' keys. */
  g_clear_pointer (&self->charges, g_hash_table_unref);
  g_clear_pointer (&self->budgets, g_hash_table_unref);

  G_OBJECT_CLASS (dropify_peer_quota_parent_class)->finalize (object);
}

static void
dropify_peer_quota_class_init (DropifyPeerQuotaClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dropify_peer_quota_finalize;
}

static void
dropify_peer_quota_init (DropifyPeerQuota *self)
{
  self->budgets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->charges = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}
