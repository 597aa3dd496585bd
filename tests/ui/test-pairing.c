/* test-pairing.c: pairing with a device from the devices page, a pairing
 * request from the other side, and unpairing, over real services on
 * 127.0.0.1 without a group secret, under a real X server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>

#include "dropify-core.h"
#include "dropify-pairing-dialog.h"
#include "dropify-peer-row.h"
#include "dropify-test-support.h"
#include "dropify-window.h"
#include "ui-test-util.h"

typedef struct
{
  char            *data_dir;
  GSettings       *settings;
  DropifyService  *service;
  GtkWidget       *window;
  DropifyTestNode *laptop;
  DropifyPeer     *peer;
} Fixture;

/* Fixture */

static gboolean
peer_is_connected (gpointer data)
{
  Fixture *fixture = data;
  GListModel *peers = dropify_sync_get_peers (dropify_service_get_sync (fixture->service));

  if (g_list_model_get_n_items (peers) == 0)
    return FALSE;

  g_clear_object (&fixture->peer);
  fixture->peer = g_list_model_get_item (peers, 0);

  return dropify_peer_get_connected (fixture->peer) && dropify_peer_get_device_id (fixture->peer) != NULL;
}

static gboolean
peer_has_code (gpointer data)
{
  return dropify_peer_get_pairing_code (data) != NULL;
}

/* Two devices with no group secret, connected and not paired. */
static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;

  fixture->data_dir = g_build_filename (g_get_user_data_dir (), "dropify", NULL);
  fixture->settings = dropify_service_create_settings (fixture->data_dir);
  g_assert_nonnull (fixture->settings);
  g_settings_set_string (fixture->settings, "device-name", "Workstation");
  g_settings_reset (fixture->settings, "group-secret");

  fixture->service = start_service (fixture->data_dir, fixture->settings, FALSE);

  fixture->window = present_window (dropify_window_new (NULL, fixture->service),
                                    "the window to be mapped");

  fixture->laptop = dropify_test_node_start ("Laptop", NULL);
  address = g_strdup_printf ("127.0.0.1:%u",
                             dropify_server_get_port (dropify_service_get_server (fixture->laptop->service)));
  g_assert_true (dropify_service_add_peer (fixture->service, address, &error));
  g_assert_no_error (error);

  wait_for (peer_is_connected, fixture, "the laptop to connect");
  g_assert_false (dropify_peer_get_trusted (fixture->peer));

  g_assert_true (gtk_widget_activate_action (fixture->window, "win.show-devices", NULL));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  /* Every dialog, wherever the list has it. */
  for (guint i = g_list_model_get_n_items (toplevels); i > 0; i--)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i - 1);

      if (GTK_WIDGET (toplevel) != fixture->window)
        gtk_window_destroy (toplevel);
    }

  gtk_window_destroy (GTK_WINDOW (fixture->window));
  drain_main_loop ();

  g_clear_object (&fixture->peer);
  dropify_service_shutdown (fixture->service);
  g_clear_object (&fixture->service);
  g_clear_pointer (&fixture->laptop, dropify_test_node_stop);

  /* The memory backend outlives the test. */
  g_settings_reset (fixture->settings, "device-name");
  g_settings_reset (fixture->settings, "manual-peers");
  g_clear_object (&fixture->settings);
  g_clear_pointer (&fixture->data_dir, g_free);
}

/* Helpers */

static DropifyPeerRow *
find_peer_row (GtkWidget  *widget,
               const char *title)
{
  return (DropifyPeerRow *) find_titled_row (widget, DROPIFY_TYPE_PEER_ROW, title);
}

typedef struct
{
  Fixture    *fixture;
  const char *state;
} RowQuery;

static gboolean
row_shows_state (gpointer data)
{
  RowQuery *query = data;
  DropifyPeerRow *row = find_peer_row (query->fixture->window, "Laptop");

  return row != NULL &&
         g_strcmp0 (dropify_peer_row_get_state_text (row), query->state) == 0 &&
         find_label (GTK_WIDGET (row), query->state) != NULL;
}

static gboolean
pairing_dialog_is_open (gpointer data)
{
  return find_toplevel (DROPIFY_TYPE_PAIRING_DIALOG) != NULL;
}

static gboolean
message_dialog_is_open (gpointer data)
{
  return find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

static DropifyPeer *
laptop_peer (Fixture *fixture)
{
  GListModel *peers = dropify_sync_get_peers (dropify_service_get_sync (fixture->laptop->service));
  const char *id = dropify_identity_get_device_id (dropify_service_get_identity (fixture->service));

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);

      if (g_strcmp0 (dropify_peer_get_device_id (peer), id) == 0)
        return peer;
    }

  return NULL;
}

/* The laptop's user asks to pair, as soon as the laptop knows this
 * device. */
static gboolean
laptop_requests (gpointer data)
{
  Fixture *fixture = data;
  DropifySync *sync = dropify_service_get_sync (fixture->laptop->service);
  const char *id = dropify_identity_get_device_id (dropify_service_get_identity (fixture->service));

  return dropify_sync_pair_request (sync, id, NULL);
}

/* The laptop's user accepts the code the laptop shows. */
static gboolean
laptop_accepts (gpointer data)
{
  Fixture *fixture = data;
  DropifySync *sync = dropify_service_get_sync (fixture->laptop->service);
  const char *id = dropify_identity_get_device_id (dropify_service_get_identity (fixture->service));
  DropifyPeer *peer = laptop_peer (fixture);

  return peer != NULL && dropify_peer_get_pairing_code (peer) != NULL &&
         dropify_sync_pair (sync, id, TRUE, dropify_peer_get_pairing_code (peer), NULL);
}

static gboolean
laptop_declines (gpointer data)
{
  Fixture *fixture = data;
  DropifySync *sync = dropify_service_get_sync (fixture->laptop->service);
  const char *id = dropify_identity_get_device_id (dropify_service_get_identity (fixture->service));
  DropifyPeer *peer = laptop_peer (fixture);

  return peer != NULL && dropify_peer_get_pairing_code (peer) != NULL &&
         dropify_sync_pair (sync, id, FALSE, NULL, NULL);
}

static gboolean
laptop_stops_waiting (gpointer data)
{
  DropifyPeer *peer = laptop_peer (data);

  return peer != NULL && !dropify_peer_get_pair_sent (peer);
}

static gboolean
laptop_told_no (gpointer data)
{
  DropifyPeer *peer = laptop_peer (data);

  return peer != NULL && dropify_peer_get_pairing_error (peer) != NULL &&
         strstr (dropify_peer_get_pairing_error (peer), "declined") != NULL;
}

static gboolean
peer_is_trusted (gpointer data)
{
  return dropify_peer_get_trusted (data);
}

static gboolean
peer_is_untrusted (gpointer data)
{
  return !dropify_peer_get_trusted (data);
}

/* Tests */

/* "Pair…" on the row shows the code both devices show; pairing here
 * waits for the laptop, and the row says so until it confirms. */
static void
test_pair_from_row (Fixture       *fixture,
                    gconstpointer  user_data)
{
  RowQuery not_paired = { fixture, "Not paired" };
  RowQuery waiting = { fixture, "Waiting" };
  RowQuery connected = { fixture, "Connected" };
  LabelQuery toast = { fixture->window, "Paired with “Laptop”" };
  LabelQuery waiting_toast = { fixture->window, "Waiting for “Laptop” to confirm…" };
  DropifyPairingDialog *dialog;
  DropifyPeerRow *row;
  const char *code;

  wait_for (row_shows_state, &not_paired, "Laptop to show as not paired");
  row = find_peer_row (fixture->window, "Laptop");
  g_assert_nonnull (find_button (GTK_WIDGET (row), "_Pair…"));
  /* No code before anyone asks: each attempt has its own. */
  g_assert_null (dropify_peer_get_pairing_code (fixture->peer));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "peer.pair", NULL));
  wait_for (pairing_dialog_is_open, NULL, "the pairing dialog");
  dialog = DROPIFY_PAIRING_DIALOG (find_toplevel (DROPIFY_TYPE_PAIRING_DIALOG));
  wait_for (peer_has_code, fixture->peer, "the code of the attempt");
  code = dropify_peer_get_pairing_code (fixture->peer);
  g_assert_cmpuint (strlen (code), ==, 7);
  g_assert_nonnull (laptop_peer (fixture));
  wait_for (peer_has_code, laptop_peer (fixture), "the laptop's code of the attempt");
  g_assert_cmpstr (dropify_peer_get_pairing_code (laptop_peer (fixture)), ==, code);
  g_assert_cmpstr (dropify_pairing_dialog_get_code (dialog), ==, code);
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "pair"));
  /* It says where the other device is, as two may share a name. */
  g_assert_nonnull (find_label (GTK_WIDGET (dialog), "At 127.0.0.1"));
  /* It says what to do when the codes differ. */
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "differ"));
  g_assert_false (dropify_pairing_dialog_get_request (dialog));
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "Pair with “Laptop”?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "Laptop"));
  g_assert_nonnull (find_label (GTK_WIDGET (dialog), code));
  g_assert_cmpstr (adw_message_dialog_get_default_response (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "cancel");

  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "pair");
  gtk_window_destroy (GTK_WINDOW (dialog));

  wait_for (row_shows_state, &waiting, "the row to wait for the laptop");
  wait_for (label_is_shown, &waiting_toast, "the toast saying it waits");
  row = find_peer_row (fixture->window, "Laptop");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                            "Waiting for Laptop to confirm…"));
  g_assert_null (find_button (GTK_WIDGET (row), "_Pair…"));
  g_assert_false (dropify_peer_get_trusted (fixture->peer));

  wait_for (laptop_accepts, fixture, "the laptop to accept");
  wait_for (row_shows_state, &connected, "Laptop to show as paired and connected");
  g_assert_true (dropify_peer_get_trusted (fixture->peer));
  wait_for (label_is_shown, &toast, "the toast saying it paired");

  /* No request pops up for a pairing that is done. */
  run_main_loop_for (100);
  g_assert_null (find_toplevel (DROPIFY_TYPE_PAIRING_DIALOG));
}

/* The laptop asks first: the window shows the code unprompted. */
static void
test_pair_request (Fixture       *fixture,
                   gconstpointer  user_data)
{
  RowQuery connected = { fixture, "Connected" };
  DropifyPairingDialog *dialog;

  wait_for (laptop_requests, fixture, "the laptop to ask");
  wait_for (pairing_dialog_is_open, NULL, "the pairing request");
  dialog = DROPIFY_PAIRING_DIALOG (find_toplevel (DROPIFY_TYPE_PAIRING_DIALOG));
  g_assert_true (dropify_pairing_dialog_get_request (dialog));
  wait_for (laptop_accepts, fixture, "the laptop to accept");
  g_assert_true (dropify_pairing_dialog_get_peer (dialog) == fixture->peer);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "“Laptop” Wants to Pair");
  g_assert_nonnull (find_label (GTK_WIDGET (dialog), dropify_peer_get_pairing_code (fixture->peer)));
  g_assert_cmpstr (adw_message_dialog_get_response_label (ADW_MESSAGE_DIALOG (dialog), "cancel"), ==,
                   "_Decline");

  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "pair");
  gtk_window_destroy (GTK_WINDOW (dialog));

  wait_for (row_shows_state, &connected, "Laptop to show as paired and connected");
  wait_for (peer_is_trusted, laptop_peer (fixture), "the laptop to trust this device");
}

/* Declining tells the laptop, and pairs nothing. */
static void
test_pair_decline (Fixture       *fixture,
                   gconstpointer  user_data)
{
  RowQuery not_paired = { fixture, "Not paired" };
  DropifyPairingDialog *dialog;

  wait_for (laptop_requests, fixture, "the laptop to ask");
  wait_for (pairing_dialog_is_open, NULL, "the pairing request");
  dialog = DROPIFY_PAIRING_DIALOG (find_toplevel (DROPIFY_TYPE_PAIRING_DIALOG));

  /* Escape, or closing the window, is "cancel". */
  gtk_window_close (GTK_WINDOW (dialog));
  drain_main_loop ();

  wait_for (row_shows_state, &not_paired, "Laptop to stay not paired");
  g_assert_false (dropify_peer_get_trusted (fixture->peer));
  wait_for (laptop_stops_waiting, fixture, "the laptop to hear no");
  g_assert_false (dropify_peer_get_trusted (laptop_peer (fixture)));
  wait_for (laptop_told_no, fixture, "the laptop to say it was declined");
  g_assert_null (find_toplevel (DROPIFY_TYPE_PAIRING_DIALOG));
}

/* Asked here and declined there: the window says so, in a toast and on
 * the row, and closes the dialog. */
static void
test_pair_declined_there (Fixture       *fixture,
                          gconstpointer  user_data)
{
  RowQuery failed = { fixture, "Pairing failed" };
  LabelQuery toast = { fixture->window, "“Laptop” declined to pair" };
  DropifyPeerRow *row;

  row = find_peer_row (fixture->window, "Laptop");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "peer.pair", NULL));
  wait_for (pairing_dialog_is_open, NULL, "the pairing dialog");
  wait_for (laptop_declines, fixture, "the laptop to decline");

  wait_for (label_is_shown, &toast, "the toast saying the laptop declined");
  wait_for (row_shows_state, &failed, "the row to say pairing failed");
  run_main_loop_for (100);
  g_assert_null (find_toplevel (DROPIFY_TYPE_PAIRING_DIALOG));
  g_assert_false (dropify_peer_get_trusted (fixture->peer));

  /* And it can be tried again. */
  row = find_peer_row (fixture->window, "Laptop");
  g_assert_nonnull (find_button (GTK_WIDGET (row), "_Pair…"));
}

/* Unpairing closes the connection on purpose, and says why in a warning. */
static gboolean
unpaired_is_not_fatal (const char     *log_domain,
                       GLogLevelFlags  log_level,
                       const char     *message,
                       gpointer        user_data)
{
  return !(g_strcmp0 (log_domain, "dropify-sync") == 0 &&
           g_str_has_suffix (message, ": unpaired"));
}

/* Unpairing asks first, then stops trusting the laptop. */
static void
test_unpair (Fixture       *fixture,
             gconstpointer  user_data)
{
  RowQuery connected = { fixture, "Connected" };
  g_autoptr(DropifyPeer) peer = g_object_ref (fixture->peer);
  DropifyPeerRow *row;
  AdwMessageDialog *confirmation;
  GLogLevelFlags always_fatal;

  g_assert_true (gtk_widget_activate_action (fixture->window, "win.pair-device", "s",
                                             dropify_peer_get_device_id (peer)));
  wait_for (pairing_dialog_is_open, NULL, "the pairing dialog");
  wait_for (peer_has_code, peer, "the code of the attempt");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (find_toplevel (DROPIFY_TYPE_PAIRING_DIALOG)),
                               "pair");
  gtk_window_destroy (GTK_WINDOW (find_toplevel (DROPIFY_TYPE_PAIRING_DIALOG)));
  wait_for (laptop_accepts, fixture, "the laptop to accept");
  wait_for (row_shows_state, &connected, "Laptop to show as paired and connected");

  /* The core warns when it closes the connection, on both sides; the
   * handler is there for the laptop's, which may come late. */
  g_test_log_set_fatal_handler (unpaired_is_not_fatal, NULL);
  always_fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);

  row = find_peer_row (fixture->window, "Laptop");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "peer.unpair", NULL));
  wait_for (message_dialog_is_open, NULL, "the confirmation");
  confirmation = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpstr (adw_message_dialog_get_heading (confirmation), ==, "Unpair “Laptop”?");
  g_assert_true (adw_message_dialog_get_response_appearance (confirmation, "unpair") ==
                 ADW_RESPONSE_DESTRUCTIVE);

  /* Cancelling keeps it. */
  gtk_window_close (GTK_WINDOW (confirmation));
  drain_main_loop ();
  g_assert_true (dropify_peer_get_trusted (peer));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "peer.unpair", NULL));
  wait_for (message_dialog_is_open, NULL, "the confirmation");
  confirmation = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  adw_message_dialog_response (confirmation, "unpair");
  gtk_window_destroy (GTK_WINDOW (confirmation));

  wait_for (peer_is_untrusted, peer, "the laptop to be unpaired");
  run_main_loop_for (200);
  g_log_set_always_fatal (always_fatal);
}

/* This device's fingerprint is on the devices page, to compare. */
static void
test_fingerprint_shown (Fixture       *fixture,
                        gconstpointer  user_data)
{
  const char *fingerprint =
    dropify_identity_get_fingerprint (dropify_service_get_identity (fixture->service));
  g_autofree char *first = g_ascii_strup (fingerprint, 4);
  GtkWidget *row;
  const char *subtitle;

  LabelQuery title = { fixture->window, "Certificate Fingerprint" };

  g_assert_cmpuint (strlen (fingerprint), ==, 64);
  wait_for (label_is_shown, &title, "the fingerprint row");
  row = gtk_widget_get_ancestor (find_label (fixture->window, "Certificate Fingerprint"),
                                 ADW_TYPE_ACTION_ROW);
  g_assert_nonnull (row);
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
  g_assert_true (g_str_has_prefix (subtitle, first));
  /* 64 digits in 16 groups of 4, on two lines. */
  g_assert_cmpuint (strlen (subtitle), ==, 64 + 15);
  g_assert_cmpint (subtitle[39], ==, '\n');
}

/* A device refused for presenting another certificate says so where it
 * cannot be missed, and offers no pairing. */
static void
test_impostor_flagged (Fixture       *fixture,
                       gconstpointer  user_data)
{
  const char *warning = "A device claiming to be this one presented a different certificate "
                        "than the one it was paired with. It may be an impostor, and was refused.";
  g_autoptr(DropifyPeer) peer = dropify_peer_new ("192.0.2.7", 41717, DROPIFY_PEER_VIA_MDNS);
  GtkWidget *row;
  GtkWidget *icon;

  dropify_peer_set_name (peer, "Laptop");
  dropify_peer_set_device_id (peer, "impostor");
  dropify_peer_set_state (peer, DROPIFY_PEER_STATE_OFFLINE);
  row = g_object_ref_sink (dropify_peer_row_new (fixture->service, peer));
  g_assert_false (gtk_widget_has_css_class (row, "refused"));

  dropify_peer_set_error (peer, warning);
  dropify_peer_set_state (peer, DROPIFY_PEER_STATE_REFUSED);

  g_assert_true (gtk_widget_has_css_class (row, "refused"));
  g_assert_cmpstr (dropify_peer_row_get_state_text (DROPIFY_PEER_ROW (row)), ==, "Refused");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), warning));
  icon = find_descendant (row, GTK_TYPE_IMAGE);
  g_assert_nonnull (icon);
  g_assert_cmpstr (gtk_image_get_icon_name (GTK_IMAGE (icon)), ==, "dialog-warning-symbolic");
  g_assert_null (find_button (row, "_Pair…"));

  g_object_unref (row);
}

int
main (int   argc,
      char *argv[])
{
  /* Isolated XDG dirs would hide the shared MIME database, and without it
   * GdkPixbuf cannot tell an SVG icon from any other file. */
  g_content_type_set_mime_dirs (NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (!gtk_init_check ())
    {
      g_printerr ("No display: run this test under tests/ui/xvfb-test.sh\n");
      return 77;
    }

  adw_init ();

  g_test_add ("/ui/pairing/from-row", Fixture, NULL,
              fixture_set_up, test_pair_from_row, fixture_tear_down);
  g_test_add ("/ui/pairing/request", Fixture, NULL,
              fixture_set_up, test_pair_request, fixture_tear_down);
  g_test_add ("/ui/pairing/decline", Fixture, NULL,
              fixture_set_up, test_pair_decline, fixture_tear_down);
  g_test_add ("/ui/pairing/declined-there", Fixture, NULL,
              fixture_set_up, test_pair_declined_there, fixture_tear_down);
  g_test_add ("/ui/pairing/unpair", Fixture, NULL,
              fixture_set_up, test_unpair, fixture_tear_down);
  g_test_add ("/ui/pairing/impostor", Fixture, NULL,
              fixture_set_up, test_impostor_flagged, fixture_tear_down);
  g_test_add ("/ui/pairing/fingerprint", Fixture, NULL,
              fixture_set_up, test_fingerprint_shown, fixture_tear_down);

  return g_test_run ();
}
