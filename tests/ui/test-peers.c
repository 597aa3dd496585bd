/* test-peers.c: the devices page, adding a device and discovery's state,
 * over real services on 127.0.0.1, under a real X server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "dropify-add-peer-dialog.h"
#include "dropify-address.h"
#include "dropify-core.h"
#include "dropify-drop-row.h"
#include "dropify-drop-view.h"
#include "dropify-peer-row.h"
#include "dropify-peers-page.h"
#include "dropify-send-to-dialog.h"
#include "dropify-test-support.h"
#include "dropify-window.h"
#include "ui-test-util.h"

#define GROUP_SECRET "ui tests"

/* A bus address nothing listens on: discovery enabled in these tests can
 * never reach the machine's real system bus, or publish anything. */
#define NO_SYSTEM_BUS "unix:path=/nonexistent/dropify-ui-test/system_bus_socket"

typedef struct
{
  char            *data_dir;
  GSettings       *settings;
  DropifyService  *service;
  GtkWidget       *window;
  DropifyTestNode *laptop;
  DropifyTestNode *tablet;
} Fixture;

/* Fixture */

static void
fixture_set_up_with (Fixture  *fixture,
                     gboolean  discovery)
{
  g_assert_cmpstr (g_getenv ("DBUS_SYSTEM_BUS_ADDRESS"), ==, NO_SYSTEM_BUS);

  fixture->data_dir = g_build_filename (g_get_user_data_dir (), "dropify", NULL);
  fixture->settings = dropify_service_create_settings (fixture->data_dir);
  g_assert_nonnull (fixture->settings);
  g_settings_set_string (fixture->settings, "device-name", "Workstation");
  g_settings_set_string (fixture->settings, "group-secret", GROUP_SECRET);

  fixture->service = start_service (fixture->data_dir, fixture->settings, discovery);

  fixture->window = present_window (dropify_window_new (NULL, fixture->service),
                                    "the window to be mapped");
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  fixture_set_up_with (fixture, FALSE);
}

/* This device sends one chunk (256 KiB) every 100 ms (its send cap), so
 * a transfer from it can be seen moving. */
static void
fixture_set_up_slow (Fixture       *fixture,
                     gconstpointer  user_data)
{
  fixture_set_up_with (fixture, FALSE);
  dropify_sync_set_max_send_rate (dropify_service_get_sync (fixture->service), 256 * 1024 * 10);
}

static void
fixture_set_up_discovery (Fixture       *fixture,
                          gconstpointer  user_data)
{
  fixture_set_up_with (fixture, TRUE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  GtkWidget *dialog;

  while ((dialog = find_toplevel (GTK_TYPE_WINDOW)) != NULL && dialog != fixture->window)
    gtk_window_destroy (GTK_WINDOW (dialog));

  gtk_window_destroy (GTK_WINDOW (fixture->window));
  drain_main_loop ();

  dropify_service_shutdown (fixture->service);
  g_clear_object (&fixture->service);
  g_clear_pointer (&fixture->laptop, dropify_test_node_stop);
  g_clear_pointer (&fixture->tablet, dropify_test_node_stop);

  /* The memory backend outlives the test. */
  g_settings_reset (fixture->settings, "device-name");
  g_settings_reset (fixture->settings, "group-secret");
  g_settings_reset (fixture->settings, "manual-peers");
  g_settings_reset (fixture->settings, "recent-devices");
  g_clear_object (&fixture->settings);
  g_clear_pointer (&fixture->data_dir, g_free);
}

/* Helpers */

static DropifyPeersPage *
get_peers_page (Fixture *fixture)
{
  GtkWidget *page = find_descendant (fixture->window, DROPIFY_TYPE_PEERS_PAGE);

  g_assert_nonnull (page);

  return DROPIFY_PEERS_PAGE (page);
}

static GListModel *
get_peers (Fixture *fixture)
{
  return dropify_sync_get_peers (dropify_service_get_sync (fixture->service));
}

static void
show_devices (Fixture *fixture)
{
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.show-devices", NULL));
  wait_for (widget_is_mapped, get_peers_page (fixture), "the devices page to show");
}

static char *
laptop_address (Fixture *fixture)
{
  DropifyServer *server = dropify_service_get_server (fixture->laptop->service);

  return g_strdup_printf ("127.0.0.1:%u", dropify_server_get_port (server));
}

static GtkWidget *
find_window_title (GtkWidget  *widget,
                   const char *title)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (ADW_IS_WINDOW_TITLE (child) &&
          g_strcmp0 (adw_window_title_get_title (ADW_WINDOW_TITLE (child)), title) == 0)
        return child;

      if ((found = find_window_title (child, title)))
        return found;
    }

  return NULL;
}

/* The main header's subtitle, which sums up the connections. */
static const char *
window_subtitle (Fixture *fixture)
{
  GtkWidget *title = find_window_title (fixture->window, "Dropify");

  g_assert_nonnull (title);

  return adw_window_title_get_subtitle (ADW_WINDOW_TITLE (title));
}

typedef struct
{
  Fixture    *fixture;
  const char *title;
  const char *state;
} RowQuery;

/* The row is there and says @state in words the user can see. */
/* Finds the mapped row titled @title, such as "Laptop". */
static DropifyPeerRow *
find_peer_row (GtkWidget  *widget,
               const char *title)
{
  return (DropifyPeerRow *) find_titled_row (widget, DROPIFY_TYPE_PEER_ROW, title);
}

static gboolean
row_shows_state (gpointer data)
{
  RowQuery *query = data;
  DropifyPeerRow *row = find_peer_row (query->fixture->window, query->title);

  return row != NULL &&
         g_strcmp0 (dropify_peer_row_get_state_text (row), query->state) == 0 &&
         find_label (GTK_WIDGET (row), query->state) != NULL;
}

static gboolean
row_is_gone (gpointer data)
{
  RowQuery *query = data;

  return find_peer_row (query->fixture->window, query->title) == NULL;
}

static gboolean
subtitle_is (gpointer data)
{
  RowQuery *query = data;

  return g_strcmp0 (window_subtitle (query->fixture), query->state) == 0;
}

static gboolean
dialog_is_open (gpointer data)
{
  GType type = GPOINTER_TO_SIZE (data);

  return find_toplevel (type) != NULL;
}

static gboolean
add_peer_dialog_is_gone (gpointer data)
{
  return find_toplevel (DROPIFY_TYPE_ADD_PEER_DIALOG) == NULL;
}

static DropifyAddPeerDialog *
open_add_peer_dialog (Fixture *fixture)
{
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.add-device", NULL));
  wait_for (dialog_is_open, GSIZE_TO_POINTER (DROPIFY_TYPE_ADD_PEER_DIALOG),
            "the add-device dialog");

  return DROPIFY_ADD_PEER_DIALOG (find_toplevel (DROPIFY_TYPE_ADD_PEER_DIALOG));
}

static GtkEntry *
dialog_entry (DropifyAddPeerDialog *dialog)
{
  GtkWidget *entry = find_descendant (GTK_WIDGET (dialog), GTK_TYPE_ENTRY);

  g_assert_nonnull (entry);

  return GTK_ENTRY (entry);
}

/* As pressing Enter in it does: the entry's text activates, and with it
 * the dialog's default response. */
static void
press_enter (GtkEntry *entry)
{
  GtkWidget *text = find_descendant (GTK_WIDGET (entry), GTK_TYPE_TEXT);

  g_assert_nonnull (text);
  g_signal_emit_by_name (text, "activate");
}

typedef struct
{
  GtkWidget  *dialog;
  const char *prefix;
} ErrorQuery;

/* A mapped label whose text starts with @prefix: the dialog's error. */
static GtkWidget *
find_label_with_prefix (GtkWidget  *widget,
                        const char *prefix)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_LABEL (child) &&
          gtk_widget_get_mapped (child) &&
          gtk_widget_get_height (child) > 0 &&
          g_str_has_prefix (gtk_label_get_text (GTK_LABEL (child)), prefix))
        return child;

      if ((found = find_label_with_prefix (child, prefix)))
        return found;
    }

  return NULL;
}

static gboolean
error_is_shown (gpointer data)
{
  ErrorQuery *query = data;

  return find_label_with_prefix (query->dialog, query->prefix) != NULL;
}

/* Sending to one device */

static const char *
node_id (DropifyTestNode *node)
{
  return dropify_identity_get_device_id (dropify_service_get_identity (node->service));
}

/* @node is added by address and shows as connected (and so paired, by the
 * group secret). */
static DropifyPeerRow *
add_node (Fixture         *fixture,
          DropifyTestNode *node,
          const char      *name)
{
  DropifyServer *server = dropify_service_get_server (node->service);
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", dropify_server_get_port (server));
  RowQuery connected = { fixture, name, "Connected" };
  g_autoptr(GError) error = NULL;

  g_assert_true (dropify_service_add_peer (fixture->service, address, &error));
  g_assert_no_error (error);
  wait_for (row_shows_state, &connected, "the device to show as connected");

  return find_peer_row (fixture->window, name);
}

typedef struct
{
  GListModel *model;
  guint       n;
} CountQuery;

static gboolean
model_has_n (gpointer data)
{
  CountQuery *query = data;

  return g_list_model_get_n_items (query->model) == query->n;
}

/* The newest drop, once there are @n. */
static DropifyDrop *
wait_for_drops (Fixture *fixture,
                guint    n)
{
  CountQuery query = { G_LIST_MODEL (dropify_service_get_history (fixture->service)), n };

  wait_for (model_has_n, &query, "the new drop");

  return g_list_model_get_item (query.model, 0);
}

static void
assert_only_for (DropifyDrop *drop,
                 const char  *device_id)
{
  const char * const *audience = dropify_drop_get_audience (drop);

  g_assert_true (dropify_drop_is_targeted (drop));
  g_assert_cmpstr (audience[0], ==, device_id);
  g_assert_null (audience[1]);
}

typedef struct
{
  DropifyTestNode *node;
  const char      *id;
} NodeDropQuery;

static gboolean
node_has_complete_drop (gpointer data)
{
  NodeDropQuery *query = data;
  DropifyDrop *drop = dropify_history_lookup (dropify_service_get_history (query->node->service),
                                              query->id);

  return drop != NULL && dropify_drop_get_complete (drop);
}

static void
wait_for_file_on (DropifyTestNode *node,
                  DropifyDrop     *drop)
{
  NodeDropQuery query = { node, dropify_drop_get_id (drop) };

  wait_for (node_has_complete_drop, &query, "the file to reach the device");
}

static void
set_flag (gboolean *flag)
{
  *flag = TRUE;
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

/* Each paired device's row sends files and the clipboard to that device
 * only, as the window's own "Attach Files" and "Send Clipboard" do. */
static void
test_peers_send_to_device (Fixture       *fixture,
                           gconstpointer  user_data)
{
  g_autoptr(DropifyDrop) text = NULL;
  g_autoptr(DropifyDrop) file_drop = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) recent = NULL;
  gboolean recent_saved = FALSE;
  GtkWidget *chooser = NULL;
  DropifyPeerRow *row;

  fixture->laptop = dropify_test_node_start ("Laptop", GROUP_SECRET);
  show_devices (fixture);
  row = add_node (fixture, fixture->laptop, "Laptop");

  /* Send Clipboard, with text on it. */
  gdk_clipboard_set_text (gtk_widget_get_clipboard (fixture->window), "for the laptop only");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "peer.send-clipboard", NULL));
  text = wait_for_drops (fixture, 1);
  g_assert_cmpstr (dropify_drop_get_text (text), ==, "for the laptop only");
  assert_only_for (text, node_id (fixture->laptop));
  g_assert_true (dropify_test_node_has_drop (fixture->laptop, dropify_drop_get_id (text),
                                             UI_TEST_TIMEOUT_MS));

  /* Send Files…: the chooser says where they go. Choosing the file takes
   * the chooser to its folder, which it lists before it responds. */
  show_devices (fixture);
  folder = g_file_new_build_filename (g_get_user_data_dir (), "outbox", NULL);
  g_file_make_directory_with_parents (folder, NULL, &error);
  g_assert_no_error (error);
  file = g_file_get_child (folder, "for-the-laptop.txt");
  g_file_replace_contents (file, "bytes for the laptop", 20, NULL, FALSE,
                           G_FILE_CREATE_NONE, NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "peer.send-files", NULL));
  wait_for (find_file_chooser, &chooser, "the file chooser");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (chooser)), ==, "Send Files to Laptop");
  g_assert_true (gtk_file_chooser_set_file (GTK_FILE_CHOOSER (chooser), file, &error));
  g_assert_no_error (error);
  wait_for (chooser_has_loaded, chooser, "the file chooser to list the folder");
  /* The chooser adds the file to the recently used ones, saved a moment
   * later: before this test's directories go. */
  g_signal_connect_swapped (gtk_recent_manager_get_default (), "changed",
                            G_CALLBACK (set_flag), &recent_saved);
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);

  file_drop = wait_for_drops (fixture, 2);
  g_assert_cmpstr (dropify_drop_get_name (file_drop), ==, "for-the-laptop.txt");
  assert_only_for (file_drop, node_id (fixture->laptop));
  wait_for_file_on (fixture->laptop, file_drop);
  wait_for (flag_is_set, &recent_saved, "the recently used files to be saved");
  g_signal_handlers_disconnect_by_func (gtk_recent_manager_get_default (), set_flag, &recent_saved);

  /* The laptop is now the device drops went to last. */
  recent = g_settings_get_strv (fixture->settings, "recent-devices");
  g_assert_cmpstr (recent[0], ==, node_id (fixture->laptop));
}

static GtkWidget *
find_drop_row (Fixture    *fixture,
               const char *text)
{
  LabelQuery query = { fixture->window, text };

  wait_for (label_is_shown, &query, text);

  return gtk_widget_get_ancestor (find_label (fixture->window, text), DROPIFY_TYPE_DROP_ROW);
}

static GtkCheckButton *
dialog_check_for (GtkWidget  *dialog,
                  const char *device)
{
  GtkWidget *row = find_titled_row (dialog, ADW_TYPE_ACTION_ROW, device);

  g_assert_nonnull (row);

  return GTK_CHECK_BUTTON (find_descendant (row, GTK_TYPE_CHECK_BUTTON));
}

/* The device the Send To dialog lists first. */
static const char *
first_row_title (GtkWidget *dialog)
{
  GtkWidget *list = find_descendant (dialog, GTK_TYPE_LIST_BOX);

  g_assert_nonnull (list);

  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (gtk_widget_get_first_child (list)));
}

/* "Send To…" on a drop already here: a new drop, from this device, of the
 * same content from the blob store, for the devices chosen, which list
 * the recently used first. */
static void
test_peers_send_again (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(DropifyDrop) original = NULL;
  g_autoptr(DropifyDrop) again = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) recent = NULL;
  GdkFileList *files;
  DropifyPeerRow *laptop_row;
  GtkWidget *dialog;
  GtkWidget *drop_row;
  GtkWidget *view;
  GListModel *history = G_LIST_MODEL (dropify_service_get_history (fixture->service));
  const char *this_device =
    dropify_identity_get_device_id (dropify_service_get_identity (fixture->service));

  fixture->laptop = dropify_test_node_start ("Laptop", GROUP_SECRET);
  fixture->tablet = dropify_test_node_start ("Tablet", GROUP_SECRET);
  show_devices (fixture);
  /* The tablet first, so that only recency puts the laptop above it. */
  add_node (fixture, fixture->tablet, "Tablet");
  laptop_row = add_node (fixture, fixture->laptop, "Laptop");

  /* A file for the laptop, from the clipboard as a file manager puts it. */
  path = g_build_filename (g_get_user_data_dir (), "boarding pass.pdf", NULL);
  g_file_set_contents (path, "%PDF-1.4 boarding pass", -1, &error);
  g_assert_no_error (error);
  file = g_file_new_for_path (path);
  files = gdk_file_list_new_from_array (&file, 1);
  gdk_clipboard_set (gtk_widget_get_clipboard (fixture->window), GDK_TYPE_FILE_LIST, files);
  g_boxed_free (GDK_TYPE_FILE_LIST, files);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (laptop_row), "peer.send-clipboard", NULL));
  original = wait_for_drops (fixture, 1);
  assert_only_for (original, node_id (fixture->laptop));
  wait_for_file_on (fixture->laptop, original);

  /* The content is in the blob store now: the original file may go. */
  g_assert_no_errno (g_unlink (path));

  drop_row = find_drop_row (fixture, "boarding pass.pdf");
  g_assert_nonnull (drop_row);
  g_assert_true (gtk_widget_activate_action (drop_row, "row.send-to", NULL));
  wait_for (dialog_is_open, GSIZE_TO_POINTER (DROPIFY_TYPE_SEND_TO_DIALOG), "the Send To dialog");
  dialog = find_toplevel (DROPIFY_TYPE_SEND_TO_DIALOG);

  /* The recently used first; nothing chosen, nothing to send. */
  g_assert_cmpstr (first_row_title (dialog), ==, "Laptop");
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "send"));

  gtk_check_button_set_active (dialog_check_for (dialog, "Tablet"), TRUE);
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "send"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "send");
  gtk_window_destroy (GTK_WINDOW (dialog));

  again = wait_for_drops (fixture, 2);
  g_assert_cmpstr (dropify_drop_get_id (again), !=, dropify_drop_get_id (original));
  g_assert_cmpstr (dropify_drop_get_sha256 (again), ==, dropify_drop_get_sha256 (original));
  g_assert_cmpstr (dropify_drop_get_name (again), ==, "boarding pass.pdf");
  g_assert_cmpstr (dropify_drop_get_origin (again), ==, this_device);
  assert_only_for (again, node_id (fixture->tablet));
  /* The original keeps its audience: drops never change. */
  assert_only_for (original, node_id (fixture->laptop));

  wait_for_file_on (fixture->tablet, again);
  /* The tablet never had the original, nor the laptop the new one. */
  g_assert_null (dropify_history_lookup (dropify_service_get_history (fixture->tablet->service),
                                         dropify_drop_get_id (original)));
  g_assert_null (dropify_history_lookup (dropify_service_get_history (fixture->laptop->service),
                                         dropify_drop_get_id (again)));

  recent = g_settings_get_strv (fixture->settings, "recent-devices");
  g_assert_cmpstr (recent[0], ==, node_id (fixture->tablet));
  g_assert_cmpstr (recent[1], ==, node_id (fixture->laptop));

  /* The drop's own page offers it too, with the tablet first now. */
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.show-drop-details", "s",
                                             dropify_drop_get_id (again)));
  view = find_descendant (fixture->window, DROPIFY_TYPE_DROP_VIEW);
  g_assert_nonnull (view);
  wait_for (widget_is_mapped, view, "the drop's page");
  g_assert_true (gtk_widget_activate_action (view, "drop.send-to", NULL));
  wait_for (dialog_is_open, GSIZE_TO_POINTER (DROPIFY_TYPE_SEND_TO_DIALOG), "the Send To dialog");
  dialog = find_toplevel (DROPIFY_TYPE_SEND_TO_DIALOG);
  g_assert_cmpstr (first_row_title (dialog), ==, "Tablet");
  gtk_window_close (GTK_WINDOW (dialog));
  drain_main_loop ();
  g_assert_cmpuint (g_list_model_get_n_items (history), ==, 2);
}

/* Tests */

static void
test_address_parse (void)
{
  const struct {
    const char *text;
    const char *address;
    const char *error;
  } cases[] = {
    { "192.168.1.20:41717", "192.168.1.20:41717", NULL },
    { "  10.0.0.2:5000 \n", "10.0.0.2:5000", NULL },
    { "laptop.local:41717", "laptop.local:41717", NULL },
    { "[fe80::1]:41717", "[fe80::1]:41717", NULL },
    { "not-an-address", NULL, "Add the port after a colon, as in not-an-address:41717." },
    { "192.168.1.20", NULL, "Add the port after a colon, as in 192.168.1.20:41717." },
    { "192.168.1.20:", NULL, "Add the port after a colon, as in 192.168.1.20:41717." },
    { "", NULL, "Type the other device’s address and port, as in 192.168.1.20:41717." },
    { ":41717", NULL, "Type the other device’s address before the colon." },
    { "192.168.1.20:0", NULL, "The port must be a number from 1 to 65535." },
    { "192.168.1.20:65536", NULL, "The port must be a number from 1 to 65535." },
    { "192.168.1.20:http", NULL, "The port must be a number from 1 to 65535." },
    { "192.168.1.20:-1", NULL, "The port must be a number from 1 to 65535." },
    { "192.168.1.300:41717", NULL, "“192.168.1.300” is not a valid IPv4 address." },
    { "foo bar:41717", NULL, "“foo bar” is neither an address nor a host name." },
    { "-laptop:41717", NULL, "“-laptop” is neither an address nor a host name." },
    { "fe80::1:41717", NULL, "Write an IPv6 address in square brackets followed by the port, "
                             "as in [fe80::1]:41717." },
    { "[laptop]:41717", NULL, "“laptop” is not an IPv6 address." },
    { "[fe80::1]", NULL, "Add the port after a colon, as in [fe80::1]:41717." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *address = dropify_address_parse (cases[i].text, 41717, &error);

      g_test_message ("“%s”", cases[i].text);
      g_assert_cmpstr (address, ==, cases[i].address);
      if (cases[i].error != NULL)
        {
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
          g_assert_cmpstr (error->message, ==, cases[i].error);
        }
      else
        {
          g_assert_no_error (error);
        }
    }
}

static void
test_local_addresses (void)
{
  g_auto(GStrv) addresses = dropify_local_address_list (DROPIFY_LOCAL_ADDRESS_IPV4);

  g_assert_nonnull (addresses);
  for (guint i = 0; addresses[i] != NULL; i++)
    {
      g_assert_true (g_hostname_is_ip_address (addresses[i]));
      g_assert_false (g_str_has_prefix (addresses[i], "127."));
      g_assert_null (strchr (addresses[i], ':'));
    }
}

/* The empty page explains how devices find each other, and nothing
 * claims a connection. */
static void
test_peers_empty (Fixture       *fixture,
                  gconstpointer  user_data)
{
  LabelQuery empty = { fixture->window, "No Devices Yet" };

  g_assert_cmpstr (window_subtitle (fixture), ==, "No devices connected · Discovery off");

  show_devices (fixture);
  wait_for (label_is_shown, &empty, "the empty state");

  /* Discovery is off in this service: no banner, and no help about it,
   * and the empty state promises no devices showing up on their own. */
  g_assert_null (find_label (fixture->window, "Not Finding Your Devices?"));
  empty.text = "Automatic discovery is off, so add your other devices by their address.";
  wait_for (label_is_shown, &empty, "the empty state to say discovery is off");
}

/* A real peer on 127.0.0.1 shows as connected, in the list and in the
 * header, and forgetting it (after a confirmation) removes it. */
static void
test_peers_connected_and_forget (Fixture       *fixture,
                                 gconstpointer  user_data)
{
  RowQuery connected = { fixture, "Laptop", "Connected" };
  RowQuery one_connected = { fixture, NULL, "1 device connected" };
  RowQuery none_connected = { fixture, NULL, "No devices connected · Discovery off" };
  LabelQuery empty = { fixture->window, "No Devices Yet" };
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_auto(GStrv) saved = NULL;
  AdwMessageDialog *confirmation;
  DropifyPeerRow *row;

  fixture->laptop = dropify_test_node_start ("Laptop", GROUP_SECRET);
  address = laptop_address (fixture);

  show_devices (fixture);
  g_assert_true (dropify_service_add_peer (fixture->service, address, &error));
  g_assert_no_error (error);

  wait_for (row_shows_state, &connected, "Laptop to show as connected");
  wait_for (subtitle_is, &one_connected, "the header to count one device");
  g_assert_cmpuint (dropify_peers_page_get_n_connected (get_peers_page (fixture)), ==, 1);

  row = find_peer_row (fixture->window, "Laptop");
  g_assert_nonnull (find_label (GTK_WIDGET (row), "Laptop"));
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                                   address));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                            "Added\u00a0by\u00a0address"));

  /* Forgetting asks first; cancelling keeps the device. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "peer.forget", NULL));
  wait_for (dialog_is_open, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), "the confirmation");
  confirmation = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpstr (adw_message_dialog_get_heading (confirmation), ==, "Forget “Laptop”?");
  g_assert_true (adw_message_dialog_get_response_appearance (confirmation, "forget") ==
                 ADW_RESPONSE_DESTRUCTIVE);
  gtk_window_close (GTK_WINDOW (confirmation));
  drain_main_loop ();
  g_assert_cmpuint (g_list_model_get_n_items (get_peers (fixture)), ==, 1);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "peer.forget", NULL));
  wait_for (dialog_is_open, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), "the confirmation");
  confirmation = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  adw_message_dialog_response (confirmation, "forget");
  gtk_window_destroy (GTK_WINDOW (confirmation));

  wait_for (row_is_gone, &connected, "Laptop's row to go");
  g_assert_cmpuint (g_list_model_get_n_items (get_peers (fixture)), ==, 0);
  wait_for (label_is_shown, &empty, "the empty state to return");
  wait_for (subtitle_is, &none_connected, "the header to count no device");

  saved = g_settings_get_strv (fixture->settings, "manual-peers");
  g_assert_cmpuint (g_strv_length (saved), ==, 0);
}

/* A device that connects but is not trusted syncs nothing: it shows as
 * such, and the header does not count it. */
static void
test_peers_not_paired (Fixture       *fixture,
                       gconstpointer  user_data)
{
  RowQuery not_paired = { fixture, "Stranger", "Not paired" };
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;

  fixture->laptop = dropify_test_node_start ("Stranger", "another group");
  address = laptop_address (fixture);

  show_devices (fixture);
  g_assert_true (dropify_service_add_peer (fixture->service, address, &error));
  g_assert_no_error (error);

  wait_for (row_shows_state, &not_paired, "the stranger to show as not paired");
  g_assert_cmpstr (window_subtitle (fixture), ==, "No devices connected · Discovery off");
  g_assert_cmpuint (dropify_peers_page_get_n_connected (get_peers_page (fixture)), ==, 0);
}

/* A device that is not there shows as such, not as connected. */
static void
test_peers_offline (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  RowQuery offline = { fixture, "127.0.0.1", "Offline" };
  DropifyPeerRow *row;

  /* A port that was free a moment ago, and that nothing listens on. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  address = g_strdup_printf ("127.0.0.1:%u",
                             g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  show_devices (fixture);
  g_assert_true (dropify_service_add_peer (fixture->service, address, &error));
  g_assert_no_error (error);

  /* Until its hello, a device is known by its address. */
  wait_for (row_shows_state, &offline, "the unreachable device to show as offline");
  row = find_peer_row (fixture->window, "127.0.0.1");
  g_assert_cmpstr (window_subtitle (fixture), ==, "No devices connected · Discovery off");
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), address));
}

/* A port where something else answers: a web server, say. */
static gboolean
not_dropify_incoming (GSocketService    *service,
                      GSocketConnection *connection,
                      GObject           *source,
                      gpointer           user_data)
{
  const char answer[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (connection));

  g_output_stream_write_all (output, answer, sizeof answer - 1, NULL, NULL, NULL);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  return TRUE;
}

typedef struct
{
  Fixture    *fixture;
  const char *title;
  const char *text;
} SubtitleQuery;

static gboolean
subtitle_contains (gpointer data)
{
  SubtitleQuery *query = data;
  DropifyPeerRow *row = find_peer_row (query->fixture->window, query->title);
  const char *subtitle;

  if (row == NULL)
    return FALSE;

  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (row));

  return subtitle != NULL && strstr (subtitle, query->text) != NULL;
}

/* An address where something other than Dropify answers says so in
 * words, not in the TLS library's. */
static void
test_peers_not_dropify (Fixture       *fixture,
                        gconstpointer  user_data)
{
  g_autoptr(GSocketService) service = g_socket_service_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  SubtitleQuery query = { fixture, "127.0.0.1", "but it isn’t Dropify" };
  DropifyPeerRow *row;
  guint16 port;

  port = g_socket_listener_add_any_inet_port (G_SOCKET_LISTENER (service), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (service, "incoming", G_CALLBACK (not_dropify_incoming), NULL);
  g_socket_service_start (service);
  address = g_strdup_printf ("127.0.0.1:%u", port);

  show_devices (fixture);
  g_assert_true (dropify_service_add_peer (fixture->service, address, &error));
  g_assert_no_error (error);

  wait_for (subtitle_contains, &query, "the device to say it is not Dropify");
  row = find_peer_row (fixture->window, "127.0.0.1");
  g_assert_null (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "TLS"));

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
}

/* The dialog refuses what is not an address, says why, and adds what is. */
static void
test_add_peer_dialog (Fixture       *fixture,
                      gconstpointer  user_data)
{
  RowQuery connected = { fixture, "Laptop", "Connected" };
  ErrorQuery no_port = { NULL, "Add the port after a colon" };
  ErrorQuery itself = { NULL, "That is this device." };
  DropifyServer *server = dropify_service_get_server (fixture->service);
  g_autofree char *own_address = NULL;
  g_autofree char *own_port = NULL;
  g_autofree char *address = NULL;
  DropifyAddPeerDialog *dialog;
  GtkEntry *entry;

  fixture->laptop = dropify_test_node_start ("Laptop", GROUP_SECRET);
  address = laptop_address (fixture);

  dialog = open_add_peer_dialog (fixture);
  no_port.dialog = itself.dialog = GTK_WIDGET (dialog);
  entry = dialog_entry (dialog);

  /* This device's own port is there for the other side to type. */
  own_port = g_strdup_printf (":%u", dropify_server_get_port (server));
  g_assert_true (g_str_has_suffix (gtk_entry_get_placeholder_text (entry), own_port));

  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add"));

  gtk_editable_set_text (GTK_EDITABLE (entry), "not-an-address");
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add"));
  g_assert_null (dropify_add_peer_dialog_get_address (dialog));

  /* Enter says what is wrong, right away, and adds nothing. */
  press_enter (entry);
  wait_for (error_is_shown, &no_port, "the dialog to say the port is missing");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (entry), "error"));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (dialog)));
  g_assert_cmpuint (g_list_model_get_n_items (get_peers (fixture)), ==, 0);

  /* This device's own address is refused too. */
  own_address = g_strdup_printf ("127.0.0.1%s", own_port);
  gtk_editable_set_text (GTK_EDITABLE (entry), own_address);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (entry), "error"));
  g_assert_false (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add"));
  /* ... once the typing pauses. */
  wait_for (error_is_shown, &itself, "the dialog to refuse this device's own address");

  /* A real address adds the device, which then shows on the devices page. */
  gtk_editable_set_text (GTK_EDITABLE (entry), address);
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "add"));
  g_assert_cmpstr (dropify_add_peer_dialog_get_address (dialog), ==, address);
  press_enter (entry);

  wait_for (add_peer_dialog_is_gone, NULL, "the dialog to close");
  wait_for (row_shows_state, &connected, "the added device to show as connected");
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (get_peers_page (fixture))));
}

/* With discovery on and no system bus to reach Avahi, the devices page
 * says so and why, and offers no help about firewalls, which would be
 * beside the point. */
static void
test_discovery_unavailable (Fixture       *fixture,
                            gconstpointer  user_data)
{
  DropifyDiscovery *discovery = dropify_service_get_discovery (fixture->service);
  LabelQuery banner = { fixture->window, NULL };
  GtkWidget *label;

  g_assert_nonnull (discovery);
  g_assert_false (dropify_discovery_get_available (discovery));
  banner.text = dropify_discovery_get_status (discovery);
  g_assert_nonnull (strstr (banner.text, "no system bus"));

  show_devices (fixture);
  dropify_peers_page_set_help_delay (get_peers_page (fixture), 0);

  wait_for (label_is_shown, &banner, "the discovery banner");
  label = find_label (fixture->window, banner.text);
  g_assert_nonnull (gtk_widget_get_ancestor (label, GTK_TYPE_REVEALER));
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (gtk_widget_get_ancestor (label,
                                                                                       GTK_TYPE_REVEALER))));

  run_main_loop_for (100);
  g_assert_null (find_label (fixture->window, "Not Finding Your Devices?"));

  /* The empty state and the window's subtitle agree with the banner. */
  banner.text = "Add your other devices by their address until they can be found automatically.";
  g_assert_true (label_is_shown (&banner));
  g_assert_cmpstr (window_subtitle (fixture), ==, "No devices connected · Discovery unavailable");
}

/* Each row says how the device came to be listed, in words. */
static void
test_peers_via (Fixture       *fixture,
                gconstpointer  user_data)
{
  static const struct {
    DropifyPeerVia  via;
    const char     *words;
  } cases[] = {
    { DROPIFY_PEER_VIA_MDNS, "Found on this network" },
    { DROPIFY_PEER_VIA_MANUAL, "Added by address" },
    { DROPIFY_PEER_VIA_INCOMING, "Connected to this device" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DropifyPeer) peer = dropify_peer_new ("192.0.2.7", 41717, cases[i].via);
      g_autoptr(GString) subtitle = g_string_new (NULL);
      GtkWidget *row;

      dropify_peer_set_name (peer, "Laptop");
      dropify_peer_set_device_id (peer, "laptop");
      row = g_object_ref_sink (dropify_peer_row_new (fixture->service, peer));
      /* The row keeps each part on one line with no-break spaces. */
      g_string_assign (subtitle, adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));
      g_string_replace (subtitle, "\u00a0", " ", 0);
      g_assert_nonnull (strstr (subtitle->str, cases[i].words));
      for (guint j = 0; j < G_N_ELEMENTS (cases); j++)
        if (j != i)
          g_assert_null (strstr (subtitle->str, cases[j].words));
      g_object_unref (row);
    }
}

typedef struct
{
  GtkWidget  *widget;
  const char *needle;
} TextQuery;

/* Some label under @widget contains @needle, with the no-break spaces
 * rows keep their parts on one line with read as spaces. */
static gboolean
label_contains (GtkWidget  *widget,
                const char *needle)
{
  if (GTK_IS_LABEL (widget))
    {
      g_autoptr(GString) text = g_string_new (gtk_label_get_text (GTK_LABEL (widget)));

      g_string_replace (text, "\u00a0", " ", 0);
      if (strstr (text->str, needle) != NULL)
        return TRUE;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (label_contains (child, needle))
      return TRUE;

  return FALSE;
}

static gboolean
shows_text (gpointer data)
{
  TextQuery *query = data;

  return label_contains (query->widget, query->needle);
}

static void
file_sent_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  DropifyDrop **drop = user_data;
  g_autoptr(GError) error = NULL;

  *drop = dropify_service_send_file_finish (DROPIFY_SERVICE (object), result, &error);
  g_assert_no_error (error);
}

static gboolean
drop_is_set (gpointer data)
{
  return *(DropifyDrop **) data != NULL;
}

typedef struct
{
  DropifyTestNode *node;
  const char      *id;
} NodeDrop;

static gboolean
node_has_file (gpointer data)
{
  NodeDrop *query = data;
  DropifyDrop *drop = dropify_history_lookup (dropify_service_get_history (query->node->service), query->id);

  return drop != NULL && dropify_drop_get_complete (drop);
}

/* Issue 14: a file sent from here shows on the device's row while it
 * goes ("Sending 1 file, 37%"), and on the drop's row as it goes and
 * once it went ("37% to Laptop", "Sent to Laptop"). */
static void
test_peers_transfers (Fixture       *fixture,
                      gconstpointer  user_data)
{
  RowQuery connected = { fixture, "Laptop", "Connected" };
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autofree char *dir = dropify_test_make_dir ("ui-transfers");
  g_autofree char *path = dropify_test_write_random (dir, "slides.pdf", 6 * 1024 * 1024);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GtkWidget) drop_row = NULL;
  g_autoptr(GtkWidget) arriving_row = NULL;
  TextQuery query;
  DropifyPeerRow *row;

  fixture->laptop = dropify_test_node_start ("Laptop", GROUP_SECRET);
  address = laptop_address (fixture);

  show_devices (fixture);
  g_assert_true (dropify_service_add_peer (fixture->service, address, &error));
  g_assert_no_error (error);
  wait_for (row_shows_state, &connected, "Laptop to show as connected");
  row = find_peer_row (fixture->window, "Laptop");
  g_assert_false (label_contains (GTK_WIDGET (row), "Sending"));

  dropify_service_send_file_async (fixture->service, file, 0, NULL, file_sent_cb, &drop);
  wait_for (drop_is_set, &drop, "the file to be dropped");
  drop_row = g_object_ref_sink (dropify_drop_row_new (fixture->service));
  dropify_drop_row_set_drop (DROPIFY_DROP_ROW (drop_row), drop);

  query = (TextQuery) { GTK_WIDGET (row), "Sending 1 file, " };
  wait_for (shows_text, &query, "Laptop's row to say a file goes to it");
  query = (TextQuery) { drop_row, "% to Laptop" };
  wait_for (shows_text, &query, "the drop's row to say how far it got");

  /* On the laptop, the same drop arrives at some speed, with some time
   * left. */
  g_assert_true (dropify_test_node_has_drop (fixture->laptop, dropify_drop_get_id (drop), UI_TEST_TIMEOUT_MS));
  arriving_row = g_object_ref_sink (dropify_drop_row_new (fixture->laptop->service));
  dropify_drop_row_set_drop (DROPIFY_DROP_ROW (arriving_row),
                             dropify_history_lookup (dropify_service_get_history (fixture->laptop->service),
                                                     dropify_drop_get_id (drop)));
  query = (TextQuery) { arriving_row, "B/s" };
  wait_for (shows_text, &query, "the arriving drop's row to say how fast");
  query = (TextQuery) { arriving_row, " left" };
  wait_for (shows_text, &query, "the arriving drop's row to say how long");

  /* Cancelled on the laptop: both rows say so. */
  g_assert_true (gtk_widget_activate_action (arriving_row, "row.cancel-transfers", NULL));
  query = (TextQuery) { arriving_row, "Cancelled on this device" };
  wait_for (shows_text, &query, "the arriving drop's row to say it was cancelled");
  query = (TextQuery) { drop_row, "To Laptop: Cancelled on Laptop" };
  wait_for (shows_text, &query, "the sent drop's row to say the laptop cancelled it");

  /* Asked for again on the laptop: it goes on, and ends. */
  g_assert_true (gtk_widget_activate_action (arriving_row, "row.download", NULL));

  /* "Sent to Laptop" once every byte went, briefly: then the laptop
   * says it stored the file, and the row says it was delivered. */
  query = (TextQuery) { drop_row, "Delivered to Laptop" };
  wait_for (shows_text, &query, "the drop's row to say the laptop has it");
  g_assert_false (label_contains (drop_row, "Sent to Laptop"));
  g_assert_false (label_contains (GTK_WIDGET (row), "Sending"));

  /* Delivered is stored: the laptop checked it. */
  {
    NodeDrop arrived = { fixture->laptop, dropify_drop_get_id (drop) };
    g_assert_true (node_has_file (&arrived));
  }

  dropify_drop_row_set_drop (DROPIFY_DROP_ROW (drop_row), NULL);
  dropify_drop_row_set_drop (DROPIFY_DROP_ROW (arriving_row), NULL);
  dropify_test_remove_dir (dir);
}

/* Issues 14 and 17: a drop made here says which devices hold it, once
 * they said so: "Delivered to Laptop" on its row in the window, and, for
 * a drop sent to the laptop only, "To Laptop — delivered". */
static void
test_peers_delivered (Fixture       *fixture,
                      gconstpointer  user_data)
{
  RowQuery connected = { fixture, "Laptop", "Connected" };
  g_autoptr(GError) error = NULL;
  g_autofree char *address = NULL;
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(DropifyDrop) targeted = NULL;
  g_autoptr(GtkWidget) targeted_row = NULL;
  const char *audience[2] = { NULL, NULL };
  TextQuery query;

  fixture->laptop = dropify_test_node_start ("Laptop", GROUP_SECRET);
  address = laptop_address (fixture);

  show_devices (fixture);
  g_assert_true (dropify_service_add_peer (fixture->service, address, &error));
  g_assert_no_error (error);
  wait_for (row_shows_state, &connected, "Laptop to show as connected");

  drop = dropify_service_send_text (fixture->service, "for every device", 0, &error);
  g_assert_no_error (error);
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.show-history", NULL));
  query = (TextQuery) { fixture->window, "Delivered to Laptop" };
  wait_for (shows_text, &query, "the drop's row in the window to say the laptop has it");

  audience[0] = dropify_identity_get_device_id (dropify_service_get_identity (fixture->laptop->service));
  targeted = dropify_service_send_text_to (fixture->service, "for the laptop", 0, audience, &error);
  g_assert_no_error (error);
  targeted_row = g_object_ref_sink (dropify_drop_row_new (fixture->service));
  dropify_drop_row_set_drop (DROPIFY_DROP_ROW (targeted_row), targeted);
  query = (TextQuery) { targeted_row, "To Laptop — delivered" };
  wait_for (shows_text, &query, "the targeted drop's row to say the laptop has it");

  /* The drop's page lists each device and what it has. */
  {
    g_autoptr(GtkWidget) view = g_object_ref_sink (g_object_new (DROPIFY_TYPE_DROP_VIEW, NULL));

    dropify_drop_view_set_service (DROPIFY_DROP_VIEW (view), fixture->service);
    dropify_drop_view_set_drop (DROPIFY_DROP_VIEW (view), drop);
    g_assert_true (label_contains (view, "Delivered To"));
    g_assert_true (label_contains (view, "Laptop — has the text"));
    dropify_drop_view_set_drop (DROPIFY_DROP_VIEW (view), NULL);
  }

  dropify_drop_row_set_drop (DROPIFY_DROP_ROW (targeted_row), NULL);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* Before anything can connect to a system bus. */
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", NO_SYSTEM_BUS, TRUE);

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

  g_test_add_func ("/ui/peers/address-parse", test_address_parse);
  g_test_add_func ("/ui/peers/local-addresses", test_local_addresses);
  g_test_add ("/ui/peers/empty", Fixture, NULL,
              fixture_set_up, test_peers_empty, fixture_tear_down);
  g_test_add ("/ui/peers/connected-and-forget", Fixture, NULL,
              fixture_set_up, test_peers_connected_and_forget, fixture_tear_down);
  g_test_add ("/ui/peers/not-paired", Fixture, NULL,
              fixture_set_up, test_peers_not_paired, fixture_tear_down);
  g_test_add ("/ui/peers/delivered", Fixture, NULL,
              fixture_set_up, test_peers_delivered, fixture_tear_down);
  g_test_add ("/ui/peers/transfers", Fixture, NULL,
              fixture_set_up_slow, test_peers_transfers, fixture_tear_down);
  g_test_add ("/ui/peers/via", Fixture, NULL,
              fixture_set_up, test_peers_via, fixture_tear_down);
  g_test_add ("/ui/peers/offline", Fixture, NULL,
              fixture_set_up, test_peers_offline, fixture_tear_down);
  g_test_add ("/ui/peers/not-dropify", Fixture, NULL,
              fixture_set_up, test_peers_not_dropify, fixture_tear_down);
  g_test_add ("/ui/peers/add-peer-dialog", Fixture, NULL,
              fixture_set_up, test_add_peer_dialog, fixture_tear_down);
  g_test_add ("/ui/peers/send-to-device", Fixture, NULL,
              fixture_set_up, test_peers_send_to_device, fixture_tear_down);
  g_test_add ("/ui/peers/send-again", Fixture, NULL,
              fixture_set_up, test_peers_send_again, fixture_tear_down);
  g_test_add ("/ui/peers/discovery-unavailable", Fixture, NULL,
              fixture_set_up_discovery, test_discovery_unavailable, fixture_tear_down);

  ret = g_test_run ();

  return ret;
}
