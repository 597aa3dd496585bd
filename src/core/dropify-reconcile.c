#define G_LOG_DOMAIN "dropify-reconcile"

#include "config.h"

#include <string.h>

#include "dropify-reconcile.h"

/* The index reconciliation reads (docs/protocol.md §7): every live drop
 * and tombstone, keyed by hex(SHA-256(id)), in a 16-way trie over the
 * key's hex digits. Every node keeps the count and the XOR of the tokens
 * of the entries under it, updated on each add and remove, so that:
 *
 * - the buckets under a prefix are read off one node's children;
 * - the entries under a prefix are those of one subtree;
 * - a change costs one walk down the key's path.
 *
 * A peer's message so costs what the message asks for, never a walk of
 * the whole history: rebuilding and sorting the index for each `ids`
 * message let 204,800 tombstones keep two devices busy for minutes.
 *
 * Small subtrees are kept as a flat leaf of entries, split in 16 once
 * they grow past LEAF_MAX and merged back once they shrink below half of
 * it, so a node's cost stays bounded and memory follows the entries. */

#define LEAF_MAX 32
#define KEY_LEN  64
/* The key's digits an entry keeps; the rest are hashed again when asked
 * for, which only a prefix that long does: 16 digits tell 10,000 entries
 * apart, and finding 33 ids that share them (to make a leaf split that
 * deep) is out of anyone's reach. */
#define KEPT_DIGITS 16

/* One block per entry, its id at the end: an index holds one for each
 * drop and tombstone, so every byte here counts 10,000 times (72 bytes
 * for a UUID, 80 with malloc's header; a whole key took 32 more). */
typedef struct
{
  guint8    key[KEPT_DIGITS / 2];   /* SHA-256(id): digit i is nibble i */
  guint8    token[16];
  int64_t   expires_at;
  guint8    live;
  char      id[];
} Entry;

/* by_id is a set of the entries' ids, each inside its entry: a set keeps
 * no array of values besides its keys. */
static inline Entry *
entry_of_id (const char *id)
{
  return id != NULL ? (Entry *) (gpointer) (id - G_STRUCT_OFFSET (Entry, id)) : NULL;
}

typedef struct _Node Node;

struct _Node
{
  guint      count;
  guint8     xor[16];
  guint      n_entries;
  /* DROPIFY_PROTOCOL_FANOUT of them in an inner node, NULL in a leaf:
   * most nodes are leaves, and 10,000 entries make some 4,000 of them,
   * most with two or three entries. So a leaf's entries are a bare array
   * sized to a power of two (see leaf_capacity()), not a GPtrArray that
   * starts with room for 16: that cost 0.6 MiB at 10,000 drops. */
  Node     **children;
  Entry    **entries;                           /* borrowed; leaves only */
};

struct _DropifyReconcile
{
  GObject     parent_instance;

  GHashTable *by_id;   /* a set of Entry->id, each owning its Entry */
  Node       *root;
  /* Targeted drops (docs/protocol.md §7.4) are kept out of the trie
   * above: each device that may hold one sees it in its own view, an
   * index of its own, and no other device counts it. A view is made the
   * first time a device asks (a peer that became trusted), never for
   * every id an audience names: a peer writes audiences, and 16 made-up
   * ids per drop must not cost 16 indexes. */
  GHashTable *views;     /* device id → DropifyReconcile */
  GHashTable *targeted;  /* drop id → Targeted */
  guint64     work;    /* entries visited and ids hashed, for tests */
};

typedef struct
{
  char    **holders;
  int64_t   expires_at;
} Targeted;

G_DEFINE_FINAL_TYPE (DropifyReconcile, dropify_reconcile, G_TYPE_OBJECT)

static void
targeted_free (gpointer data)
{
  Targeted *targeted = data;

  g_strfreev (targeted->holders);
  g_free (targeted);
}

static void
entry_free (gpointer data)
{
  g_free (entry_of_id (data));
}

static Node *
node_new_leaf (void)
{
  return g_new0 (Node, 1);
}

static gboolean
node_is_leaf (Node *node)
{
  return node->children == NULL;
}

/* The room a leaf of @n entries keeps: the next power of two. */
static guint
leaf_capacity (guint n)
{
  return n <= 2 ? n : 1u << g_bit_storage (n - 1);
}

static void
leaf_resize (Node  *node,
             guint  n)
{
  if (leaf_capacity (n) != leaf_capacity (node->n_entries))
    node->entries = g_renew (Entry *, node->entries, leaf_capacity (n));
  node->n_entries = n;
}

static void
leaf_append (Node  *node,
             Entry *entry)
{
  leaf_resize (node, node->n_entries + 1);
  node->entries[node->n_entries - 1] = entry;
}

static void
leaf_remove (Node  *node,
             Entry *entry)
{
  for (guint i = 0; i < node->n_entries; i++)
    if (node->entries[i] == entry)
      {
        node->entries[i] = node->entries[node->n_entries - 1];
        leaf_resize (node, node->n_entries - 1);
        return;
      }
  g_assert_not_reached ();
}

static void
node_free (Node *node)
{
  if (node == NULL)
    return;

  if (node->children != NULL)
    for (guint d = 0; d < DROPIFY_PROTOCOL_FANOUT; d++)
      node_free (node->children[d]);
  g_free (node->children);
  g_free (node->entries);
  g_free (node);
}

static void
xor_into (guint8       *into,
          const guint8 *token)
{
  for (guint b = 0; b < 16; b++)
    into[b] ^= token[b];
}

static void
node_account (Node   *node,
              Entry  *entry,
              int     sign)
{
  node->count = sign > 0 ? node->count + 1 : node->count - 1;
  xor_into (node->xor, entry->token);
}

static void
token (DropifyReconcile *self,
       const char       *id,
       gboolean          live,
       guint8            out[16])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;

  g_checksum_update (checksum, (const guchar *) id, -1);
  g_checksum_update (checksum, (const guchar *) (live ? "+" : "-"), 1);
  g_checksum_get_digest (checksum, digest, &len);
  memcpy (out, digest, 16);
  self->work++;
}

static void
full_key (const Entry *entry,
          guint8       out[KEY_LEN / 2])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len = KEY_LEN / 2;

  g_checksum_update (checksum, (const guchar *) entry->id, -1);
  g_checksum_get_digest (checksum, out, &len);
}

static int
key_digit (const guint8 *key,
           gsize         depth)
{
  guint8 byte = key[depth / 2];

  return depth % 2 == 0 ? byte >> 4 : byte & 0xf;
}

/* The digit of @entry's key at @depth, 0 to 15. */
static int
digit (const Entry *entry,
       gsize        depth)
{
  guint8 key[KEY_LEN / 2];

  if (depth < KEPT_DIGITS)
    return key_digit (entry->key, depth);

  full_key (entry, key);
  return key_digit (key, depth);
}

/* The digit of a prefix (as a peer sent it) at @depth, or -1. */
static int
prefix_digit (const char *prefix,
              gsize       depth)
{
  return g_ascii_xdigit_value (prefix[depth]);
}

static const char hex_digits[] = "0123456789abcdef";

/* Turns a leaf that grew too big into 16 children, one level down. */
static void
node_split (Node  *node,
            gsize  depth)
{
  g_autofree Entry **entries = g_steal_pointer (&node->entries);
  guint n_entries = node->n_entries;

  node->n_entries = 0;
  node->children = g_new0 (Node *, DROPIFY_PROTOCOL_FANOUT);
  for (guint i = 0; i < n_entries; i++)
    {
      Entry *entry = entries[i];
      int d = digit (entry, depth);

      if (node->children[d] == NULL)
        node->children[d] = node_new_leaf ();
      node_account (node->children[d], entry, +1);
      leaf_append (node->children[d], entry);
    }

  /* An inner node with no children yet still is not a leaf. */
  for (guint d = 0; d < DROPIFY_PROTOCOL_FANOUT; d++)
    if (node->children[d] == NULL)
      node->children[d] = node_new_leaf ();
}

static void
gather (Node *node,
        Node *into)
{
  if (node_is_leaf (node))
    {
      for (guint i = 0; i < node->n_entries; i++)
        leaf_append (into, node->entries[i]);
      return;
    }

  for (guint d = 0; d < DROPIFY_PROTOCOL_FANOUT; d++)
    gather (node->children[d], into);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Node, node_free)

/* Turns an inner node that shrank into a leaf again. */
static void
node_merge (Node *node)
{
  g_autofree Node *leaf = node_new_leaf ();

  gather (node, leaf);
  for (guint d = 0; d < DROPIFY_PROTOCOL_FANOUT; d++)
    g_clear_pointer (&node->children[d], node_free);
  g_clear_pointer (&node->children, g_free);
  node->entries = g_steal_pointer (&leaf->entries);
  node->n_entries = leaf->n_entries;
}

static void
insert (Node  *node,
        Entry *entry)
{
  gsize depth = 0;

  while (TRUE)
    {
      node_account (node, entry, +1);
      if (node_is_leaf (node))
        break;
      node = node->children[digit (entry, depth)];
      depth++;
    }

  leaf_append (node, entry);
  /* Distinct ids never share all 64 digits; the depth check only keeps a
   * collision from recursing past the key. */
  if (node->n_entries > LEAF_MAX && depth < KEY_LEN)
    node_split (node, depth);
}

static void
extract (Node  *node,
         Entry *entry)
{
  gsize depth = 0;

  while (TRUE)
    {
      node_account (node, entry, -1);
      if (node_is_leaf (node))
        break;
      if (node->count <= LEAF_MAX / 2)
        {
          /* Merge first: then the entry is in this leaf. */
          node_account (node, entry, +1);
          node_merge (node);
          node_account (node, entry, -1);
          break;
        }
      node = node->children[digit (entry, depth)];
      depth++;
    }

  leaf_remove (node, entry);
}

/**
 * dropify_reconcile_new:
 *
 * Returns: (transfer full): an empty index
 */
DropifyReconcile *
dropify_reconcile_new (void)
{
  return g_object_new (DROPIFY_TYPE_RECONCILE, NULL);
}

static void
remove_targeted (DropifyReconcile *self,
                 const char       *id)
{
  Targeted *targeted = g_hash_table_lookup (self->targeted, id);

  if (targeted == NULL)
    return;

  for (guint i = 0; targeted->holders[i] != NULL; i++)
    {
      DropifyReconcile *view = g_hash_table_lookup (self->views, targeted->holders[i]);

      if (view != NULL)
        dropify_reconcile_remove (view, id, TRUE);
    }

  g_hash_table_remove (self->targeted, id);
}

/**
 * dropify_reconcile_add:
 * @id: a drop's id
 * @live: %TRUE for a live drop, %FALSE for a tombstone
 * @expires_at: its expiry, unix ms
 *
 * Adds an entry, or replaces the one with the same id: a tombstone
 * replaces the live drop it deletes.
 */
void
dropify_reconcile_add (DropifyReconcile *self,
                       const char       *id,
                       gboolean          live,
                       int64_t           expires_at)
{
  Entry *entry;

  g_return_if_fail (DROPIFY_IS_RECONCILE (self));
  g_return_if_fail (id != NULL);

  /* A tombstone replaces a targeted drop as it does any other. */
  remove_targeted (self, id);

  entry = entry_of_id (g_hash_table_lookup (self->by_id, id));
  if (entry != NULL)
    {
      entry->expires_at = expires_at;
      if (entry->live == !!live)
        return;

      extract (self->root, entry);
      entry->live = !!live;
      token (self, id, live, entry->token);
      insert (self->root, entry);
      return;
    }

  {
    gsize id_size = strlen (id) + 1;
    guint8 key[KEY_LEN / 2];

    entry = g_malloc0 (sizeof (Entry) + id_size);
    memcpy (entry->id, id, id_size);
    entry->live = !!live;
    entry->expires_at = expires_at;
    full_key (entry, key);
    memcpy (entry->key, key, sizeof entry->key);
    token (self, id, live, entry->token);
  }

  g_hash_table_add (self->by_id, entry->id);
  insert (self->root, entry);
}

/**
 * dropify_reconcile_remove:
 * @id: a drop's id
 * @live: which kind of entry to remove
 *
 * Removes the entry for @id if it is of that kind: a drop removed after
 * its tombstone replaced it leaves the tombstone.
 *
 * Returns: %TRUE if an entry was removed
 */
gboolean
dropify_reconcile_remove (DropifyReconcile *self,
                          const char       *id,
                          gboolean          live)
{
  Entry *entry;

  g_return_val_if_fail (DROPIFY_IS_RECONCILE (self), FALSE);

  if (live && id != NULL && g_hash_table_contains (self->targeted, id))
    {
      remove_targeted (self, id);
      return TRUE;
    }

  entry = id != NULL ? entry_of_id (g_hash_table_lookup (self->by_id, id)) : NULL;
  if (entry == NULL || entry->live != !!live)
    return FALSE;

  extract (self->root, entry);
  g_hash_table_remove (self->by_id, entry->id);

  return TRUE;
}

/**
 * dropify_reconcile_add_targeted:
 * @id: a live drop's id
 * @expires_at: its expiry, unix ms
 * @holders: (array zero-terminated=1): the devices that may hold it: its
 *   origin and its audience
 *
 * Adds a live drop that only @holders may see: it is counted in the
 * summaries and ids meant for one of them (the `_for` functions below)
 * and in no others.
 */
void
dropify_reconcile_add_targeted (DropifyReconcile   *self,
                                const char         *id,
                                int64_t             expires_at,
                                const char * const *holders)
{
  Targeted *targeted;

  g_return_if_fail (DROPIFY_IS_RECONCILE (self));
  g_return_if_fail (id != NULL);
  g_return_if_fail (holders != NULL);

  remove_targeted (self, id);
  dropify_reconcile_remove (self, id, TRUE);

  targeted = g_new0 (Targeted, 1);
  targeted->holders = g_strdupv ((char **) holders);
  targeted->expires_at = expires_at;
  g_hash_table_insert (self->targeted, g_strdup (id), targeted);

  /* Only the views already made; the others are made when asked for. */
  for (guint i = 0; holders[i] != NULL; i++)
    {
      DropifyReconcile *view = g_hash_table_lookup (self->views, holders[i]);

      if (view != NULL)
        dropify_reconcile_add (view, id, TRUE, expires_at);
    }
}

/**
 * dropify_reconcile_clear:
 *
 * Removes every entry.
 */
void
dropify_reconcile_clear (DropifyReconcile *self)
{
  g_return_if_fail (DROPIFY_IS_RECONCILE (self));

  node_free (self->root);
  self->root = node_new_leaf ();
  g_hash_table_remove_all (self->by_id);
  g_hash_table_remove_all (self->views);
  g_hash_table_remove_all (self->targeted);
}

guint
dropify_reconcile_get_n_entries (DropifyReconcile *self)
{
  g_return_val_if_fail (DROPIFY_IS_RECONCILE (self), 0);

  return self->root->count + g_hash_table_size (self->targeted);
}

/* The node that holds everything under @prefix: an inner node at the
 * prefix's depth, or a leaf above it whose entries need filtering. */
static Node *
find (DropifyReconcile *self,
      const char       *prefix,
      gsize             prefix_len,
      gsize            *out_depth)
{
  Node *node = self->root;
  gsize depth = 0;

  while (depth < prefix_len && !node_is_leaf (node))
    {
      int d = prefix_digit (prefix, depth);

      if (d < 0)
        return NULL;
      node = node->children[d];
      depth++;
    }

  *out_depth = depth;
  return node;
}

static gboolean
under (Entry      *entry,
       const char *prefix,
       gsize       prefix_len)
{
  guint8 key[KEY_LEN / 2];
  const guint8 *digits = entry->key;

  if (prefix_len > KEY_LEN)
    return FALSE;
  if (prefix_len > KEPT_DIGITS)
    {
      full_key (entry, key);
      digits = key;
    }

  /* As the key is written: lower case (docs/protocol.md §7). */
  for (gsize i = 0; i < prefix_len; i++)
    if (prefix[i] != hex_digits[key_digit (digits, i)])
      return FALSE;

  return TRUE;
}

/**
 * dropify_reconcile_count:
 * @prefix: a hex prefix of keys
 *
 * Returns: how many entries are under @prefix; reading it costs at most
 *   one small leaf, whatever the size of the index
 */
guint
dropify_reconcile_count (DropifyReconcile *self,
                         const char       *prefix)
{
  gsize prefix_len, depth;
  guint count = 0;
  Node *node;

  g_return_val_if_fail (DROPIFY_IS_RECONCILE (self), 0);
  g_return_val_if_fail (prefix != NULL, 0);

  prefix_len = strlen (prefix);
  if ((node = find (self, prefix, prefix_len, &depth)) == NULL)
    return 0;
  if (!node_is_leaf (node) || depth == prefix_len)
    return node->count;

  for (guint i = 0; i < node->n_entries; i++)
    count += under (node->entries[i], prefix, prefix_len);
  self->work += node->n_entries;

  return count;
}

/**
 * dropify_reconcile_get_buckets:
 * @prefix: a hex prefix of keys, at most 63 digits
 * @buckets: (out caller-allocates): the 16 buckets under @prefix, by the
 *   digit that follows it, empty ones included
 *
 * Computes the buckets of a `summary` (docs/protocol.md §7.2).
 */
/* The targeted drops @viewer may hold, as an index: made the first time
 * it is asked for, from every targeted drop (once per device, for the
 * life of the process), then kept current by add and remove. */
static DropifyReconcile *
get_view (DropifyReconcile *self,
          const char       *viewer)
{
  DropifyReconcile *view;
  GHashTableIter iter;
  gpointer id, value;

  if (viewer == NULL || g_hash_table_size (self->targeted) == 0)
    return NULL;

  if ((view = g_hash_table_lookup (self->views, viewer)) != NULL)
    return view;

  view = dropify_reconcile_new ();
  g_hash_table_insert (self->views, g_strdup (viewer), view);

  g_hash_table_iter_init (&iter, self->targeted);
  while (g_hash_table_iter_next (&iter, &id, &value))
    {
      Targeted *targeted = value;

      if (g_strv_contains ((const char * const *) targeted->holders, viewer))
        dropify_reconcile_add (view, id, TRUE, targeted->expires_at);
    }
  self->work += g_hash_table_size (self->targeted);

  return view;
}

/* Adds the counts and XORs of the buckets under @prefix to @counts and
 * @xor. */
static void
add_buckets (DropifyReconcile *self,
             const char       *prefix,
             guint             counts[DROPIFY_PROTOCOL_FANOUT],
             guint8            xor[DROPIFY_PROTOCOL_FANOUT][16])
{
  gsize prefix_len = strlen (prefix);
  gsize depth;
  Node *node;

  node = find (self, prefix, prefix_len, &depth);
  if (node == NULL)
    ;
  else if (!node_is_leaf (node))
    {
      for (guint d = 0; d < DROPIFY_PROTOCOL_FANOUT; d++)
        {
          counts[d] += node->children[d]->count;
          xor_into (xor[d], node->children[d]->xor);
        }
    }
  else
    {
      for (guint i = 0; i < node->n_entries; i++)
        {
          Entry *entry = node->entries[i];
          int d;

          if (!under (entry, prefix, prefix_len))
            continue;
          d = digit (entry, prefix_len);
          counts[d]++;
          xor_into (xor[d], entry->token);
        }
      self->work += node->n_entries;
    }
}

/**
 * dropify_reconcile_get_buckets_for:
 * @viewer: (nullable): the device the summary is for; %NULL for what
 *   every device may see
 * @prefix: a hex prefix of keys, at most 63 digits
 * @buckets: (out caller-allocates): the 16 buckets under @prefix, by the
 *   digit that follows it, empty ones included
 *
 * Computes the buckets of a `summary` for @viewer (docs/protocol.md
 * §7.2): every entry for everyone, and the targeted drops @viewer may
 * hold.
 */
void
dropify_reconcile_get_buckets_for (DropifyReconcile *self,
                                   const char       *viewer,
                                   const char       *prefix,
                                   DropifyBucket     buckets[DROPIFY_PROTOCOL_FANOUT])
{
  guint8 xor[DROPIFY_PROTOCOL_FANOUT][16] = { { 0 } };
  guint counts[DROPIFY_PROTOCOL_FANOUT] = { 0 };
  DropifyReconcile *view;

  g_return_if_fail (DROPIFY_IS_RECONCILE (self));
  g_return_if_fail (prefix != NULL && strlen (prefix) < KEY_LEN);

  add_buckets (self, prefix, counts, xor);
  if ((view = get_view (self, viewer)) != NULL)
    add_buckets (view, prefix, counts, xor);

  for (guint d = 0; d < DROPIFY_PROTOCOL_FANOUT; d++)
    {
      buckets[d].key = hex_digits[d];
      buckets[d].count = counts[d];
      for (guint b = 0; b < 16; b++)
        g_snprintf (buckets[d].digest + 2 * b, 3, "%02x", xor[d][b]);
    }
}

/**
 * dropify_reconcile_get_buckets:
 * @prefix: a hex prefix of keys, at most 63 digits
 * @buckets: (out caller-allocates): the 16 buckets under @prefix
 *
 * dropify_reconcile_get_buckets_for() with no viewer.
 */
void
dropify_reconcile_get_buckets (DropifyReconcile *self,
                               const char       *prefix,
                               DropifyBucket     buckets[DROPIFY_PROTOCOL_FANOUT])
{
  dropify_reconcile_get_buckets_for (self, NULL, prefix, buckets);
}

static void
clear_entry (gpointer data)
{
  g_free (((DropifyReconcileEntry *) data)->id);
}

/**
 * dropify_reconcile_collect:
 * @prefix: a hex prefix of keys
 * @now: the clock, unix ms: live drops expired by then are left out
 *
 * The entries of an `ids` message (docs/protocol.md §7.3), as a copy:
 * callers may change the index while they walk it. It costs the entries
 * under @prefix, so callers check dropify_reconcile_count() first when
 * the prefix comes from a peer.
 *
 * Returns: (transfer full) (element-type DropifyReconcileEntry): the
 *   entries under @prefix, in no particular order
 */
GArray *
dropify_reconcile_collect (DropifyReconcile *self,
                           const char       *prefix,
                           int64_t           now)
{
  g_autoptr(Node) found = NULL;
  guint8 key[KEY_LEN / 2];
  GArray *entries;
  gsize prefix_len, depth;
  Node *node;

  g_return_val_if_fail (DROPIFY_IS_RECONCILE (self), NULL);
  g_return_val_if_fail (prefix != NULL, NULL);

  entries = g_array_new (FALSE, FALSE, sizeof (DropifyReconcileEntry));
  g_array_set_clear_func (entries, clear_entry);

  prefix_len = strlen (prefix);
  if ((node = find (self, prefix, prefix_len, &depth)) == NULL)
    return entries;

  found = node_new_leaf ();
  gather (node, found);
  self->work += found->n_entries;

  for (guint i = 0; i < found->n_entries; i++)
    {
      Entry *entry = found->entries[i];
      DropifyReconcileEntry copy;

      if (!under (entry, prefix, prefix_len) || (entry->live && entry->expires_at <= now))
        continue;

      full_key (entry, key);
      copy.id = g_strdup (entry->id);
      for (guint k = 0; k < KEY_LEN; k++)
        copy.key[k] = hex_digits[key_digit (key, k)];
      copy.key[KEY_LEN] = '\0';
      copy.expires_at = entry->expires_at;
      copy.live = entry->live;
      g_array_append_val (entries, copy);
    }

  return entries;
}

/**
 * dropify_reconcile_count_for:
 * @viewer: (nullable): a device id, or %NULL
 * @prefix: a hex prefix of keys
 *
 * Returns: how many entries under @prefix @viewer may see
 */
guint
dropify_reconcile_count_for (DropifyReconcile *self,
                             const char       *viewer,
                             const char       *prefix)
{
  DropifyReconcile *view;
  guint count;

  g_return_val_if_fail (DROPIFY_IS_RECONCILE (self), 0);

  count = dropify_reconcile_count (self, prefix);
  if ((view = get_view (self, viewer)) != NULL)
    count += dropify_reconcile_count (view, prefix);

  return count;
}

/**
 * dropify_reconcile_collect_for:
 * @viewer: (nullable): a device id, or %NULL
 * @prefix: a hex prefix of keys
 * @now: the clock, unix ms
 *
 * dropify_reconcile_collect(), with the targeted drops @viewer may hold.
 *
 * Returns: (transfer full) (element-type DropifyReconcileEntry): the
 *   entries under @prefix that @viewer may see
 */
GArray *
dropify_reconcile_collect_for (DropifyReconcile *self,
                               const char       *viewer,
                               const char       *prefix,
                               int64_t           now)
{
  DropifyReconcile *view;
  GArray *entries;

  g_return_val_if_fail (DROPIFY_IS_RECONCILE (self), NULL);

  entries = dropify_reconcile_collect (self, prefix, now);
  if ((view = get_view (self, viewer)) != NULL)
    {
      g_autoptr(GArray) more = dropify_reconcile_collect (view, prefix, now);

      /* The copies' ids move into @entries. */
      g_array_set_clear_func (more, NULL);
      g_array_append_vals (entries, more->data, more->len);
    }

  return entries;
}

/**
 * dropify_reconcile_get_work:
 *
 * How much work the index did since it was made: entries visited while
 * answering, plus ids hashed. Tests read it to check that a message
 * costs what it asks for, not the size of the history, without timing
 * anything.
 *
 * Returns: the count so far
 */
guint64
dropify_reconcile_get_work (DropifyReconcile *self)
{
  g_return_val_if_fail (DROPIFY_IS_RECONCILE (self), 0);

  return self->work;
}

/* GObject */

static void
dropify_reconcile_finalize (GObject *object)
{
  DropifyReconcile *self = (DropifyReconcile *)object;

  g_clear_pointer (&self->root, node_free);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->views, g_hash_table_unref);
  g_clear_pointer (&self->targeted, g_hash_table_unref);

  G_OBJECT_CLASS (dropify_reconcile_parent_class)->finalize (object);
}

static void
dropify_reconcile_class_init (DropifyReconcileClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dropify_reconcile_finalize;
}

static void
dropify_reconcile_init (DropifyReconcile *self)
{
  self->by_id = g_hash_table_new_full (g_str_hash, g_str_equal, entry_free, NULL);
  self->root = node_new_leaf ();
  self->views = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->targeted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, targeted_free);
}
