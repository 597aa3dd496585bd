#define G_LOG_DOMAIN "dropify-sync"

#include "config.h"

#include <json-glib/json-glib.h>

#include "dropify-sync-private.h"

/* Holders, for DropifySync: which paired devices hold each drop and its
 * content, the delivery status that drop rows, `list --json` and
 * `/v1/drops` show (docs/protocol.md §11.8).
 *
 * What a paired device holds is learned only from what it says on its
 * own connection, whose device id its certificate proved: a peer speaks
 * for itself, never for another device. The facts are written to the
 * history in batches, so a reconciliation of thousands of drops costs
 * one transaction per device, not one per drop.
 *
 * The rest of sync reaches this only through the functions in
 * dropify-sync-private.h; the queue of facts is this file's alone. */

/* Facts are written together, at most this long after the first, or at
 * once past HELD_BATCH_MAX. */
#define HELD_FLUSH_MS         250
#define HELD_BATCH_MAX        4096
/* Drops pushed on one connection and not yet known held there. */
#define PUSHED_MAX            1024

struct _SyncHolders
{
  GPtrArray *facts;               /* HeldFact: learned, not yet written */
  guint      flush_source;
};

typedef struct
{
  char           *device_id;
  char           *drop_id;
  DropifyHolding  what;
} HeldFact;

static void
held_fact_free (gpointer data)
{
  HeldFact *fact = data;

  g_free (fact->device_id);
  g_free (fact->drop_id);
  g_free (fact);
}

static void
held_flush (DropifySync *self)
{
  g_autoptr(GPtrArray) facts = NULL;
  g_autoptr(GHashTable) groups = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_clear_handle_id (&self->holders->flush_source, g_source_remove);
  if (self->holders->facts == NULL || self->holders->facts->len == 0 || self->history == NULL)
    return;

  facts = g_steal_pointer (&self->holders->facts);
  self->holders->facts = g_ptr_array_new_with_free_func (held_fact_free);

  /* One write per device and kind of fact, each a transaction. */
  groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                  (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < facts->len; i++)
    {
      HeldFact *fact = g_ptr_array_index (facts, i);
      g_autofree char *group = g_strdup_printf ("%d%s", fact->what, fact->device_id);
      GPtrArray *ids = g_hash_table_lookup (groups, group);

      if (ids == NULL)
        {
          ids = g_ptr_array_new ();
          g_hash_table_insert (groups, g_steal_pointer (&group), ids);
        }
      g_ptr_array_add (ids, fact->drop_id);
    }

  g_hash_table_iter_init (&iter, groups);
  while (g_hash_table_iter_next (&iter, &key, &value))
    dropify_history_add_holders (self->history, (const char *) key + 1, value,
                                 ((const char *) key)[0] - '0');
}

static gboolean
held_flush_cb (gpointer user_data)
{
  DropifySync *self = user_data;

  self->holders->flush_source = 0;
  held_flush (self);
  return G_SOURCE_REMOVE;
}

/* The device at the other end of @conn holds @what of @drop_id. */
static void
note_held (Connection     *conn,
           const char     *drop_id,
           DropifyHolding  what)
{
  DropifySync *self = conn->sync;
  HeldFact *fact;

  if (!conn->trusted || conn->their_id == NULL ||
      dropify_history_lookup (self->history, drop_id) == NULL)
    return;

  fact = g_new0 (HeldFact, 1);
  fact->device_id = g_strdup (conn->their_id);
  fact->drop_id = g_strdup (drop_id);
  fact->what = what;
  g_ptr_array_add (self->holders->facts, fact);

  if (self->holders->facts->len >= HELD_BATCH_MAX)
    held_flush (self);
  else if (self->holders->flush_source == 0)
    self->holders->flush_source = g_timeout_add (HELD_FLUSH_MS, held_flush_cb, self);
}

/* The device at the other end of @conn holds @sha256 whole: it said so
 * with have, or it sent it here. Every drop of that content it may hold
 * counts; those it may not hold are none of its business. */
void
dropify_sync_note_content_held (Connection *conn,
                                const char *sha256)
{
  g_autoptr(GPtrArray) drops = NULL;

  if (!conn->trusted || conn->their_id == NULL)
    return;

  drops = dropify_history_find_by_sha256 (conn->sync->history, sha256);
  for (guint i = 0; i < drops->len; i++)
    {
      DropifyDrop *drop = g_ptr_array_index (drops, i);

      if (dropify_drop_is_for (drop, conn->their_id))
        note_held (conn, dropify_drop_get_id (drop), DROPIFY_HOLDING_CONTENT);
    }
}

/* Sent on @conn: held there once its reconciliation agrees. */
void
dropify_sync_holders_note_pushed (Connection  *conn,
                                  DropifyDrop *drop)
{
  const char *id = dropify_drop_get_id (drop);

  if (conn->pushed == NULL)
    conn->pushed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (g_hash_table_size (conn->pushed) >= PUSHED_MAX)
    return;

  g_hash_table_insert (conn->pushed, g_compute_checksum_for_string (G_CHECKSUM_SHA256, id, -1),
                       g_strdup (id));
}

/* The peer's summary for @prefix agrees with ours in bucket @digit:
 * it holds every live drop of its view there, so those pushed to it
 * are held. The digests compare count and the XOR of SHA-256 tokens
 * (§7.1), so agreeing by chance is not a practical worry; a peer that
 * lies about its buckets only lies about itself. */
void
dropify_sync_holders_bucket_agrees (Connection *conn,
                                    const char *prefix,
                                    char        digit)
{
  GHashTableIter iter;
  gpointer key, value;
  gsize depth = strlen (prefix);

  if (conn->pushed == NULL || g_hash_table_size (conn->pushed) == 0)
    return;

  g_hash_table_iter_init (&iter, conn->pushed);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *k = key;

      if (strncmp (k, prefix, depth) == 0 && k[depth] == digit)
        {
          note_held (conn, value, DROPIFY_HOLDING_DROP);
          g_hash_table_iter_remove (&iter);
        }
    }
}

/* For the rest of sync (dropify-sync-private.h) */

void
dropify_sync_holders_init (DropifySync *self)
{
  g_assert (self->holders == NULL);

  self->holders = g_new0 (SyncHolders, 1);
  self->holders->facts = g_ptr_array_new_with_free_func (held_fact_free);
}

/* What is still queued is written while the history is still there. */
void
dropify_sync_holders_dispose (DropifySync *self)
{
  held_flush (self);
  g_clear_pointer (&self->holders->facts, g_ptr_array_unref);
}

void
dropify_sync_holders_finalize (DropifySync *self)
{
  g_clear_pointer (&self->holders, g_free);
}

void
dropify_sync_holders_connection_free (Connection *conn)
{
  g_clear_pointer (&conn->pushed, g_hash_table_unref);
}

/* @conn's device sent drop @drop_id, so it holds it. */
void
dropify_sync_holders_note_drop (Connection *conn,
                                const char *drop_id)
{
  note_held (conn, drop_id, DROPIFY_HOLDING_DROP);
}

/* @conn's device listed @drop_id live in an ids message: it holds it,
 * and a push of it there no longer waits for a summary to tell. */
void
dropify_sync_holders_note_listed (Connection *conn,
                                  const char *drop_id)
{
  note_held (conn, drop_id, DROPIFY_HOLDING_DROP);
  if (conn->pushed != NULL)
    {
      g_autofree char *key = g_compute_checksum_for_string (G_CHECKSUM_SHA256, drop_id, -1);

      g_hash_table_remove (conn->pushed, key);
    }
}

/* @device_id was forgotten or unpaired: what it held is no business of
 * this history any more. Facts about it still waiting to be written go
 * first, so none comes back. */
void
dropify_sync_holders_forget (DropifySync *self,
                             const char  *device_id)
{
  held_flush (self);
  dropify_history_forget_holder (self->history, device_id);
}

/* Public API */

/**
 * dropify_sync_dup_holder_name:
 * @device_id: a holder of some drop (see dropify_drop_get_holders())
 *
 * Returns: (transfer full) (nullable): the name of @device_id as the
 *   peers list has it (or as it was paired), or %NULL when it is not a
 *   paired device
 */
char *
dropify_sync_dup_holder_name (DropifySync *self,
                              const char  *device_id)
{
  DropifyPeer *peer;
  g_autofree char *name = NULL;

  g_return_val_if_fail (DROPIFY_IS_SYNC (self), NULL);
  g_return_val_if_fail (device_id != NULL, NULL);

  if (dropify_trust_lookup (self->trust, device_id) == NULL)
    return NULL;

  /* Its current name when it is listed, else the one it was paired as
   * (a device not seen since this one started). */
  if ((peer = dropify_sync_find_peer (self, device_id)) && dropify_peer_get_name (peer) != NULL &&
      *dropify_peer_get_name (peer) != '\0')
    return g_strdup (dropify_peer_get_name (peer));

  name = dropify_trust_dup_name (self->trust, device_id);
  return name != NULL && *name != '\0' ? g_steal_pointer (&name) : g_strdup (device_id);
}

/**
 * dropify_sync_holders_to_json:
 * @drop: a drop of the history
 *
 * The paired devices known to hold @drop, as `list --json` and
 * `/v1/drops` show them: `{ "id", "name", "drop", "content" }` each,
 * where `content` is whether it holds the file (for a text drop, the
 * text, which is the drop itself). See docs/protocol.md §11.8.
 *
 * Returns: (transfer full): a JSON array
 */
JsonNode *
dropify_sync_holders_to_json (DropifySync *self,
                              DropifyDrop *drop)
{
  g_autoptr(JsonArray) array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  GPtrArray *holders;

  g_return_val_if_fail (DROPIFY_IS_SYNC (self), NULL);
  g_return_val_if_fail (DROPIFY_IS_DROP (drop), NULL);

  holders = dropify_drop_get_holders (drop);
  for (guint i = 0; holders != NULL && i < holders->len; i++)
    {
      DropifyHolder *holder = g_ptr_array_index (holders, i);
      g_autofree char *name = dropify_sync_dup_holder_name (self, holder->device_id);
      JsonObject *object;

      /* Forgotten or unpaired meanwhile: not one of this person's devices. */
      if (name == NULL)
        continue;

      object = json_object_new ();
      json_object_set_string_member (object, "id", holder->device_id);
      json_object_set_string_member (object, "name", name);
      json_object_set_boolean_member (object, "drop", holder->drop);
      json_object_set_boolean_member (object, "content",
                                      dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_TEXT
                                        ? holder->drop || holder->content
                                        : holder->content);
      json_array_add_object_element (array, object);
    }

  json_node_set_array (node, array);
  return node;
}
