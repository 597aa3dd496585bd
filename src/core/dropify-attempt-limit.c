#define G_LOG_DOMAIN "dropify-attempt-limit"

#include "config.h"

#include "dropify-attempt-limit.h"

/* A bucket holds up to its capacity of attempts and refills evenly over
 * the window: @per_key attempts a window from one address and from one
 * certificate, @overall from everyone together. A stranger with many
 * addresses and certificates still meets the overall bucket, so the
 * number of guesses is bounded whatever it does; the price is that such a
 * stranger can make a real newcomer wait a window.
 *
 * An attempt takes a token from every bucket it meets, or from none. One
 * that went well gives them back: only failures count.
 *
 * A refusal more than a window after the start of the last burst starts
 * a burst; the caller logs the first refusal of a burst and not the
 * others, so a stranger trying at the refill rate costs a line a window. */

/* Beyond this many keys, the full buckets (nobody tried lately) go. The
 * keys are addresses and certificates of strangers, so this bounds what
 * they cost. */
#define MAX_KEYS 1024

typedef struct
{
  double  tokens;
  int64_t at;        /* ms, when tokens was computed */
} Bucket;

struct _DropifyAttemptLimit
{
  GHashTable       *buckets;   /* char* → Bucket* */
  Bucket            overall;
  DropifyClockFunc  clock;
  gpointer          clock_data;
  int64_t           window_ms;
  guint             per_key;
  guint             overall_capacity;
  guint             n_refused;
  int64_t           burst_at;   /* ms, the first refusal of the last burst */
};

static int64_t
monotonic_now (gpointer user_data)
{
  return g_get_monotonic_time () / 1000;
}

/**
 * dropify_attempt_limit_new:
 * @per_key: attempts a window from one address, or one certificate
 * @overall: attempts a window from everyone
 * @window_ms: the window, in milliseconds
 * @clock: (nullable): a clock in milliseconds; %NULL for the monotonic one
 */
DropifyAttemptLimit *
dropify_attempt_limit_new (guint             per_key,
                           guint             overall,
                           int64_t           window_ms,
                           DropifyClockFunc  clock,
                           gpointer          clock_data)
{
  DropifyAttemptLimit *self;

  g_return_val_if_fail (per_key > 0 && overall > 0, NULL);
  g_return_val_if_fail (window_ms > 0, NULL);

  self = g_new0 (DropifyAttemptLimit, 1);
  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->clock = clock ? clock : monotonic_now;
  self->clock_data = clock ? clock_data : NULL;
  self->window_ms = window_ms;
  self->per_key = per_key;
  self->overall_capacity = overall;
  self->overall.tokens = overall;
  self->overall.at = self->clock (self->clock_data);

  return self;
}

void
dropify_attempt_limit_free (DropifyAttemptLimit *self)
{
  if (self == NULL)
    return;

  g_clear_pointer (&self->buckets, g_hash_table_unref);
  g_free (self);
}

static void
refill (Bucket  *bucket,
        guint    capacity,
        int64_t  window_ms,
        int64_t  now)
{
  if (now > bucket->at)
    bucket->tokens = MIN ((double) capacity,
                          bucket->tokens + (double) capacity * (double) (now - bucket->at) / (double) window_ms);
  bucket->at = now;
}

static void
forget_full_buckets (DropifyAttemptLimit *self,
                     int64_t              now)
{
  GHashTableIter iter;
  Bucket *bucket;

  g_hash_table_iter_init (&iter, self->buckets);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &bucket))
    {
      refill (bucket, self->per_key, self->window_ms, now);
      if (bucket->tokens >= self->per_key)
        g_hash_table_iter_remove (&iter);
    }
}

/* Returns: (nullable): the bucket of @key; %NULL when the table is full
 * of buckets in use, and then the attempt is refused. */
static Bucket *
lookup (DropifyAttemptLimit *self,
        const char          *prefix,
        const char          *key,
        int64_t              now)
{
  g_autofree char *name = g_strconcat (prefix, key, NULL);
  Bucket *bucket = g_hash_table_lookup (self->buckets, name);

  if (bucket != NULL)
    {
      refill (bucket, self->per_key, self->window_ms, now);
      return bucket;
    }

  if (g_hash_table_size (self->buckets) >= MAX_KEYS)
    forget_full_buckets (self, now);
  if (g_hash_table_size (self->buckets) >= MAX_KEYS)
    return NULL;

  bucket = g_new0 (Bucket, 1);
  bucket->tokens = self->per_key;
  bucket->at = now;
  g_hash_table_insert (self->buckets, g_steal_pointer (&name), bucket);

  return bucket;
}

/**
 * dropify_attempt_limit_take:
 * @address: (nullable): where the attempt comes from
 * @fingerprint: (nullable): the certificate it comes with
 * @first_refusal: (out) (optional): %TRUE when this refusal starts a burst
 *
 * Returns: %TRUE when the attempt may go on; it cost a token of each
 *   bucket.
 */
gboolean
dropify_attempt_limit_take (DropifyAttemptLimit *self,
                            const char          *address,
                            const char          *fingerprint,
                            gboolean            *first_refusal)
{
  int64_t now;
  Bucket *by_address = NULL;
  Bucket *by_certificate = NULL;
  gboolean allowed;

  g_return_val_if_fail (self != NULL, FALSE);

  now = self->clock (self->clock_data);
  refill (&self->overall, self->overall_capacity, self->window_ms, now);
  if (address != NULL)
    by_address = lookup (self, "a:", address, now);
  if (fingerprint != NULL)
    by_certificate = lookup (self, "c:", fingerprint, now);

  allowed = self->overall.tokens >= 1.0 &&
            (address == NULL || (by_address != NULL && by_address->tokens >= 1.0)) &&
            (fingerprint == NULL || (by_certificate != NULL && by_certificate->tokens >= 1.0));

  if (first_refusal != NULL)
    *first_refusal = FALSE;

  if (!allowed)
    {
      self->n_refused++;
      if (self->n_refused == 1 || now - self->burst_at >= self->window_ms)
        {
          self->burst_at = now;
          if (first_refusal != NULL)
            *first_refusal = TRUE;
        }
      return FALSE;
    }

  self->overall.tokens -= 1.0;
  if (by_address != NULL)
    by_address->tokens -= 1.0;
  if (by_certificate != NULL)
    by_certificate->tokens -= 1.0;

  return TRUE;
}

/**
 * dropify_attempt_limit_give_back:
 *
 * The attempt went well: it does not count.
 */
void
dropify_attempt_limit_give_back (DropifyAttemptLimit *self,
                                 const char          *address,
                                 const char          *fingerprint)
{
  int64_t now;
  Bucket *bucket;

  g_return_if_fail (self != NULL);

  now = self->clock (self->clock_data);
  refill (&self->overall, self->overall_capacity, self->window_ms, now);
  self->overall.tokens = MIN ((double) self->overall_capacity, self->overall.tokens + 1.0);

  if (address != NULL && (bucket = lookup (self, "a:", address, now)) != NULL)
    bucket->tokens = MIN ((double) self->per_key, bucket->tokens + 1.0);
  if (fingerprint != NULL && (bucket = lookup (self, "c:", fingerprint, now)) != NULL)
    bucket->tokens = MIN ((double) self->per_key, bucket->tokens + 1.0);
}

/**
 * dropify_attempt_limit_get_n_refused:
 *
 * Returns: how many attempts were refused since the start
 */
guint
dropify_attempt_limit_get_n_refused (DropifyAttemptLimit *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_refused;
}
