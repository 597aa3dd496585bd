#include "config.h"

#include <signal.h>

#include "dropify-test-support.h"

/* Delivery status per device (issues 14 and 17), between real
 * `dropify --headless` processes: A sends a text and a file, B and C
 * dial A and receive them, and A's `list --json` names both as holders,
 * with the content, once they have it; a device that is away shows no
 * content until it returns; a forgotten device holds nothing. */

#define SECRET "holders-tests"  /* not a real secret */
#define WAIT_MS 20000

/* `dropify list --json` on @dir: the real command, as a user runs it */
static JsonArray *
list_on (const char *dir)
{
  g_autoptr(DropifyTestRun) run = dropify_test_run ("list", "--data-dir", dir, "--json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (run->status, ==, 0);
  json_parser_load_from_data (parser, run->out, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)));

  return json_array_ref (json_node_get_array (json_parser_get_root (parser)));
}

static JsonObject *
drop_on (const char *dir,
         const char *id)
{
  g_autoptr(JsonArray) drops = list_on (dir);

  for (guint i = 0; i < json_array_get_length (drops); i++)
    {
      JsonObject *drop = json_array_get_object_element (drops, i);

      if (g_strcmp0 (json_object_get_string_member (drop, "id"), id) == 0)
        return json_object_ref (drop);
    }

  return NULL;
}

/* The holder @device of drop @id on @dir, or NULL */
static JsonObject *
holder_on (const char *dir,
           const char *id,
           const char *device)
{
  g_autoptr(JsonObject) drop = drop_on (dir, id);
  JsonArray *holders;

  g_assert_nonnull (drop);
  g_assert_true (json_object_has_member (drop, "holders"));
  holders = json_object_get_array_member (drop, "holders");
  for (guint i = 0; i < json_array_get_length (holders); i++)
    {
      JsonObject *holder = json_array_get_object_element (holders, i);

      if (g_strcmp0 (json_object_get_string_member (holder, "id"), device) == 0)
        return json_object_ref (holder);
    }

  return NULL;
}

typedef struct
{
  const char *dir;
  const char *id;
  DropifyTestPeer *device;
  gboolean    content;
} HolderWait;

static gboolean
holds (gpointer data)
{
  HolderWait *wait = data;
  g_autoptr(JsonObject) holder = holder_on (wait->dir, wait->id, wait->device->id);

  return holder != NULL &&
         json_object_get_boolean_member (holder, "drop") &&
         json_object_get_boolean_member (holder, "content") == wait->content;
}

static void
assert_holds (DropifyTestPeer *on,
              const char      *id,
              DropifyTestPeer *device,
              gboolean         content)
{
  HolderWait wait = { on->dir, id, device, content };
  g_autoptr(JsonObject) holder = NULL;

  if (!dropify_test_wait_for (holds, &wait, WAIT_MS))
    {
      g_autoptr(JsonObject) drop = drop_on (on->dir, id);
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), drop);
      g_autofree char *text = json_to_string (node, TRUE);

      g_error ("%s does not show %s holding %s (content %d):\n%s",
               on->name, device->name, id, content, text);
    }

  holder = holder_on (on->dir, id, device->id);
  g_assert_cmpstr (json_object_get_string_member (holder, "name"), ==, device->name);
}

typedef struct
{
  const char *dir;
  const char *id;
} DropWait;

static gboolean
complete (gpointer data)
{
  DropWait *wait = data;
  g_autoptr(JsonObject) drop = drop_on (wait->dir, wait->id);

  return drop != NULL && json_object_get_boolean_member (drop, "complete");
}

static void
assert_complete (DropifyTestPeer *on,
                 const char      *id)
{
  DropWait wait = { on->dir, id };

  g_assert_true (dropify_test_wait_for (complete, &wait, WAIT_MS));
}

static char *
send_text (DropifyTestPeer *peer,
           const char      *text)
{
  g_autoptr(DropifyTestRun) run = dropify_test_run ("send", "--data-dir", peer->dir, text, NULL);

  g_assert_cmpint (run->status, ==, 0);
  return g_strdup (g_strstrip (run->out));
}

static char *
send_file (DropifyTestPeer *peer,
           const char      *name,
           gsize            size)
{
  g_autofree char *src = dropify_test_write_random (peer->dir, name, size);
  g_autoptr(DropifyTestRun) run = dropify_test_run ("send", "--data-dir", peer->dir, "--file", src, NULL);

  g_assert_cmpint (run->status, ==, 0);
  return g_strdup (g_strstrip (run->out));
}

static void
test_delivery (void)
{
  g_autoptr(DropifyTestPeer) a = dropify_test_peer_new ("Alpha", SECRET);
  g_autoptr(DropifyTestPeer) b = dropify_test_peer_new ("Bravo", SECRET);
  g_autoptr(DropifyTestPeer) c = dropify_test_peer_new ("Charlie", SECRET);
  g_autofree char *text = NULL;
  g_autofree char *file = NULL;
  g_autofree char *later = NULL;
  g_autoptr(JsonObject) away = NULL;
  g_autoptr(DropifyTestRun) plain = NULL;
  g_autoptr(DropifyTestRun) forget = NULL;

  dropify_test_peer_start (a, NULL, NULL);
  dropify_test_peer_start (b, NULL, a, NULL);
  dropify_test_peer_start (c, NULL, a, NULL);
  dropify_test_peer_wait_trusted (a, 2, WAIT_MS);

  text = send_text (a, "for everyone");
  file = send_file (a, "report.bin", 1000 * 1000);

  /* Both hold both, with the content, once they have it. */
  assert_complete (b, file);
  assert_complete (c, file);
  assert_holds (a, text, b, TRUE);
  assert_holds (a, text, c, TRUE);
  assert_holds (a, file, b, TRUE);
  assert_holds (a, file, c, TRUE);

  /* The sender is no holder on a receiver: it learns what it learns
   * from its own connections, and B hears from A. */
  assert_holds (b, file, a, TRUE);

  plain = dropify_test_run ("list", "--data-dir", a->dir, NULL);
  g_assert_cmpint (plain->status, ==, 0);
  g_assert_true (strstr (plain->out, "On Bravo, Charlie") || strstr (plain->out, "On Charlie, Bravo"));

  /* A drop for B only (issue 17): B holds it, C never does. */
  {
    g_autoptr(DropifyTestRun) run = dropify_test_run ("send", "--data-dir", a->dir, "--to", b->id,
                                                      "for Bravo only", NULL);
    g_autoptr(JsonObject) none = NULL;

    g_assert_cmpint (run->status, ==, 0);
    g_strstrip (run->out);
    assert_holds (a, run->out, b, TRUE);
    none = holder_on (a->dir, run->out, c->id);
    g_assert_null (none);
  }

  /* C is away: what comes meanwhile is not on it, until it returns. */
  g_assert_cmpint (dropify_test_peer_stop (c, SIGTERM), ==, 0);
  later = send_file (a, "later.bin", 500 * 1000);
  assert_complete (b, later);
  assert_holds (a, later, b, TRUE);
  away = holder_on (a->dir, later, c->id);
  g_assert_null (away);

  dropify_test_peer_start (c, NULL, a, NULL);
  assert_complete (c, later);
  assert_holds (a, later, c, TRUE);

  /* A forgotten device holds nothing here, even while it is connected
   * and dials back. */
  forget = dropify_test_run ("forget", "--data-dir", a->dir, c->id, NULL);
  g_assert_cmpint (forget->status, ==, 0);
  g_assert_null (holder_on (a->dir, text, c->id));
  g_assert_null (holder_on (a->dir, file, c->id));
  g_assert_null (holder_on (a->dir, later, c->id));
  g_usleep (G_USEC_PER_SEC);
  g_assert_null (holder_on (a->dir, later, c->id));
  g_assert_nonnull (holder_on (a->dir, later, b->id));

  /* And a restart keeps what was learned. */
  g_assert_cmpint (dropify_test_peer_stop (a, SIGTERM), ==, 0);
  dropify_test_peer_start (a, NULL, NULL);
  {
    g_autoptr(JsonObject) kept = holder_on (a->dir, file, b->id);

    g_assert_nonnull (kept);
    g_assert_true (json_object_get_boolean_member (kept, "content"));
  }
}

typedef struct
{
  DropifyTestNode *node;
  GPtrArray       *ids;
  const char      *device_id;
} AllHeld;

static gboolean
all_held (gpointer data)
{
  AllHeld *query = data;
  DropifyHistory *history = dropify_service_get_history (query->node->service);

  for (guint i = 0; i < query->ids->len; i++)
    {
      DropifyDrop *drop = dropify_history_lookup (history, g_ptr_array_index (query->ids, i));
      GPtrArray *holders = drop != NULL ? dropify_drop_get_holders (drop) : NULL;
      gboolean found = FALSE;

      for (guint h = 0; holders != NULL && h < holders->len; h++)
        {
          DropifyHolder *holder = g_ptr_array_index (holders, h);

          found |= g_str_equal (holder->device_id, query->device_id) && holder->drop;
        }
      if (!found)
        return FALSE;
    }

  return TRUE;
}

static void
count_writes (const char     *domain,
              GLogLevelFlags  level,
              const char     *message,
              gpointer        user_data)
{
  if (strstr (message, " more drops") != NULL)
    (*(guint *) user_data)++;
}

/* A reconciliation of 1,000 drops: the receiver holds each, and says so
 * by its summaries alone (nothing names a holder on the wire); both
 * ends know it of the other, from batched writes. */
static void
test_reconciliation (void)
{
  DropifyTestNode *a = dropify_test_node_start ("many-a", SECRET);
  DropifyTestNode *b = dropify_test_node_start ("many-b", SECRET);
  DropifyHistory *history = dropify_service_get_history (a->service);
  const char *a_id = dropify_identity_get_device_id (dropify_service_get_identity (a->service));
  const char *b_id = dropify_identity_get_device_id (dropify_service_get_identity (b->service));
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  int64_t now = dropify_history_now (history);
  AllHeld on_a, on_b;
  guint writes = 0;
  guint handler;

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *text = g_strdup_printf ("drop %u", i);
      g_autofree char *id = dropify_drop_new_id (NULL);
      g_autoptr(DropifyDrop) drop = dropify_drop_new_text (id, a_id, "many-a", text,
                                                           now, now + 60 * 60 * 1000);
      g_autoptr(GError) error = NULL;

      g_assert_true (dropify_history_add (history, drop, &error));
      g_ptr_array_add (ids, g_strdup (dropify_drop_get_id (drop)));
    }

  handler = g_log_set_handler ("dropify-history", G_LOG_LEVEL_DEBUG, count_writes, &writes);
  dropify_test_node_connect (b, a);

  on_a = (AllHeld) { a, ids, b_id };
  on_b = (AllHeld) { b, ids, a_id };
  g_assert_true (dropify_test_wait_for (all_held, &on_b, WAIT_MS * 2));
  g_assert_true (dropify_test_wait_for (all_held, &on_a, WAIT_MS * 2));
  g_log_remove_handler ("dropify-history", handler);

  /* Written in a few transactions, not one per drop. */
  g_test_message ("%u writes of holders for 1,000 drops, both ends", writes);
  g_assert_cmpuint (writes, >=, 2);
  g_assert_cmpuint (writes, <=, 10);

  dropify_test_node_stop (b);
  dropify_test_node_stop (a);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/holders/delivery", test_delivery);
  g_test_add_func ("/holders/reconciliation", test_reconciliation);

  return g_test_run ();
}
