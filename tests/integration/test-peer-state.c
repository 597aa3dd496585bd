#include "config.h"

#include <signal.h>
#include <string.h>

#include "dropify-channel.h"
#include "dropify-control.h"
#include "dropify-test-support.h"

/* What the peers list says about a device matches what is true of it
 * (issue 14), with real `dropify --headless` processes: a forgotten
 * device is a stranger when it dials again. */

#define SECRET "peer-state-tests"



/* The entry for @id in the peers list of the instance on @dir, or NULL. */
static JsonObject *
peer_on (const char *dir,
         const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) peers = dropify_control_request (dir, "GET", "/v1/peers", NULL, &error);
  JsonArray *array;

  g_assert_no_error (error);
  array = json_node_get_array (peers);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *peer = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (peer, "id", NULL), id) == 0)
        return json_object_ref (peer);
    }

  return NULL;
}

typedef struct
{
  const char *dir;
  const char *id;
  gboolean    trusted;
} PeerWait;

static gboolean
connected_as (gpointer data)
{
  PeerWait *wait = data;
  g_autoptr(JsonObject) peer = peer_on (wait->dir, wait->id);

  return peer != NULL &&
         json_object_get_boolean_member (peer, "connected") &&
         json_object_get_boolean_member (peer, "trusted") == wait->trusted;
}

static gboolean
has_drop (const char *dir,
          const char *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = dropify_control_request (dir, "GET", "/v1/drops", NULL, &error);
  JsonArray *array;

  g_assert_no_error (error);
  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (array, i), "id"), id) == 0)
      return TRUE;

  return FALSE;
}

static gboolean
drop_arrived (gpointer data)
{
  const char **args = data;

  return has_drop (args[0], args[1]);
}

static char *
send_text (const char *dir,
           const char *text)
{
  g_autoptr(DropifyTestRun) run = dropify_test_run ("send", "--data-dir", dir, text, NULL);

  g_assert_cmpint (run->status, ==, 0);
  return g_strdup (g_strstrip (run->out));
}

/* Forget means forget: the trust goes with the entry, and a device that
 * dials back is a stranger, which the group secret does not make trusted
 * again, and which gets nothing. */
static void
test_forget_then_redial (void)
{
  g_autoptr(DropifyTestPair) pair = dropify_test_pair_start ("Alpha", "Bravo", SECRET, NULL);
  g_autoptr(DropifyTestRun) forget = NULL;
  g_autoptr(DropifyTestRun) unknown = NULL;
  g_autoptr(GKeyFile) trust = g_key_file_new ();
  g_autoptr(JsonObject) gone = NULL;
  g_autoptr(JsonObject) back = NULL;
  g_autofree char *trust_path = NULL;
  g_autofree char *from_a = NULL;
  g_autofree char *from_b = NULL;
  g_autofree char *before = NULL;
  PeerWait wait;

  before = send_text (pair->a->dir, "before forgetting");
  {
    const char *args[2] = { pair->b->dir, before };
    g_assert_true (dropify_test_wait_for (drop_arrived, args, 10000));
  }

  forget = dropify_test_run ("forget", "--data-dir", pair->a->dir, pair->b->id, NULL);
  g_assert_cmpint (forget->status, ==, 0);
  g_assert_cmpstr (forget->err, ==, "");

  /* No trust is left in the file: only the mark that it was unpaired. */
  trust_path = g_build_filename (pair->a->dir, "trusted-devices.ini", NULL);
  g_assert_true (g_key_file_load_from_file (trust, trust_path, G_KEY_FILE_NONE, NULL));
  g_assert_false (g_key_file_has_key (trust, pair->b->id, "fingerprint", NULL));

  /* B still trusts A and dials it again: A lists it as not paired. */
  wait = (PeerWait) { pair->a->dir, pair->b->id, FALSE };
  g_assert_true (dropify_test_wait_for (connected_as, &wait, 10000));

  /* Neither way: what A makes does not reach B, and what B makes is not
   * taken by A, also after long enough for the group secret to act. */
  from_a = send_text (pair->a->dir, "after forgetting, from A");
  from_b = send_text (pair->b->dir, "after forgetting, from B");
  g_usleep (1500 * 1000);
  g_assert_false (has_drop (pair->b->dir, from_a));
  g_assert_false (has_drop (pair->a->dir, from_b));
  back = peer_on (pair->a->dir, pair->b->id);
  g_assert_nonnull (back);
  g_assert_false (json_object_get_boolean_member (back, "trusted"));
  g_assert_cmpstr (json_object_get_string_member (back, "via"), ==, "incoming");

  /* An id that is not listed: a clear refusal. */
  unknown = dropify_test_run ("forget", "--data-dir", pair->a->dir, "no-such-device", NULL);
  g_assert_cmpint (unknown->status, ==, 1);
  g_assert_cmpstr (unknown->err, !=, "");
}

typedef struct
{
  const char *dir;
  const char *id;
  const char *name;
} NameWait;

static gboolean
named (gpointer data)
{
  NameWait *wait = data;
  g_autoptr(JsonObject) peer = peer_on (wait->dir, wait->id);

  return peer != NULL && g_strcmp0 (json_object_get_string_member (peer, "name"), wait->name) == 0;
}

/* As the app's Preferences do: the device-name setting, in the profile's
 * settings.ini, which the running instance follows. */
static void
rename_in_settings (const char *dir,
                    const char *name)
{
  g_autofree char *path = g_build_filename (dir, "settings.ini", NULL);
  g_autoptr(GKeyFile) settings = g_key_file_new ();
  g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_string (name));
  g_autofree char *text = g_variant_print (value, FALSE);
  g_autoptr(GError) error = NULL;

  g_key_file_load_from_file (settings, path, G_KEY_FILE_KEEP_COMMENTS, NULL);
  g_key_file_set_value (settings, "dropify", "device-name", text);
  g_key_file_save_to_file (settings, path, &error);
  g_assert_no_error (error);
}

/* A rename reaches a device connected at the time, without a new
 * connection; and a hostile name arrives inert. */
static void
test_rename_reaches_peers (void)
{
  g_autoptr(DropifyTestPair) pair = dropify_test_pair_start ("Alpha", "Bravo", SECRET, NULL);
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) after = NULL;
  NameWait wait;

  wait = (NameWait) { pair->b->dir, pair->a->id, "Alpha" };
  g_assert_true (dropify_test_wait_for (named, &wait, 10000));
  before = peer_on (pair->b->dir, pair->a->id);

  rename_in_settings (pair->a->dir, "Kitchen laptop");
  wait.name = "Kitchen laptop";
  g_assert_true (dropify_test_wait_for (named, &wait, 5000));

  /* The same connection: B did not dial again (its bytes only grew). */
  after = peer_on (pair->b->dir, pair->a->id);
  g_assert_true (json_object_get_boolean_member (after, "connected"));
  g_assert_cmpint (json_object_get_int_member (after, "bytes_in"), >=,
                   json_object_get_int_member (before, "bytes_in"));

  /* Cleaned as a hello's name is. */
  rename_in_settings (pair->a->dir, "Evil\xe2\x80\xae\x1b[2Jexe");
  wait.name = "Evil[2Jexe";
  g_assert_true (dropify_test_wait_for (named, &wait, 5000));
}

/* `via` says how each side came to list the other: B was told A's
 * address; A was not told B's, B connected to it. */
static void
test_via_incoming (void)
{
  g_autoptr(DropifyTestPair) pair = dropify_test_pair_start ("Alpha", "Bravo", SECRET, NULL);
  g_autoptr(JsonObject) on_a = NULL;
  g_autoptr(JsonObject) on_b = NULL;
  g_autoptr(DropifyTestRun) plain = NULL;

  on_a = peer_on (pair->a->dir, pair->b->id);
  on_b = peer_on (pair->b->dir, pair->a->id);
  g_assert_cmpstr (json_object_get_string_member (on_a, "via"), ==, "incoming");
  g_assert_cmpstr (json_object_get_string_member (on_b, "via"), ==, "manual");

  /* The same through the command line. */
  plain = dropify_test_run ("peers", "--data-dir", pair->a->dir, "--json", NULL);
  g_assert_cmpint (plain->status, ==, 0);
  g_assert_nonnull (strstr (plain->out, "\"via\" : \"incoming\""));
}

static gboolean
not_connected (gpointer data)
{
  PeerWait *wait = data;
  g_autoptr(JsonObject) peer = peer_on (wait->dir, wait->id);

  return peer == NULL || !json_object_get_boolean_member (peer, "connected");
}

/* A device that stops answering without closing (frozen here with
 * SIGSTOP; a cut cable or a sleeping laptop does the same) is noticed
 * within the channel's silence limit, not left "connected" forever; once
 * it answers again, the two connect again. */
static void
test_silent_peer_noticed (void)
{
  g_autoptr(DropifyTestPair) pair = dropify_test_pair_start ("Alpha", "Bravo", SECRET, NULL);
  PeerWait on_a;
  gint64 stopped;
  double seconds;
  gboolean gone_early;
  gboolean noticed;
  GPid pid;

  on_a = (PeerWait) { pair->a->dir, pair->b->id, TRUE };
  g_assert_true (dropify_test_wait_for (connected_as, &on_a, 10000));

  pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (pair->b->instance->process), NULL, 10);
  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  stopped = g_get_monotonic_time ();

  /* Nothing is asserted while it is stopped: a failure would leave it
   * stopped, where the SIGTERM it gets when this test ends waits. */
  g_usleep (3 * G_USEC_PER_SEC);
  gone_early = not_connected (&on_a);
  noticed = dropify_test_wait_for (not_connected, &on_a, (DROPIFY_CHANNEL_SILENT_S + 20) * 1000);
  seconds = (double) (g_get_monotonic_time () - stopped) / G_USEC_PER_SEC;
  g_assert_cmpint (kill (pid, SIGCONT), ==, 0);

  /* Still connected a moment later: a pause is not a loss. */
  g_assert_false (gone_early);
  g_assert_true (noticed);
  g_test_message ("a frozen peer was let go after %.1f s", seconds);
  g_assert_cmpfloat (seconds, >=, DROPIFY_CHANNEL_SILENT_S - DROPIFY_CHANNEL_PING_S);

  g_assert_true (dropify_test_wait_for (connected_as, &on_a, 60000));
}

static const DropifyTestCase cases[] = {
  { "/peer-state/forget-then-redial", test_forget_then_redial },
  { "/peer-state/rename-reaches-peers", test_rename_reaches_peers },
  { "/peer-state/via-incoming", test_via_incoming },
  { "/peer-state/silent-peer-noticed", test_silent_peer_noticed },
};

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  dropify_test_add_cases (cases, G_N_ELEMENTS (cases));

  return g_test_run ();
}
