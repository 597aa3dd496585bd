/* test-phone.c: the dialog that connects a phone, its QR code and link,
 * revoking the link, and phone access turned off, under a real X server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <libsoup/soup.h>

#include "dropify-core.h"
#include "dropify-phone-dialog.h"
#include "dropify-window.h"
#include "ui-test-util.h"

typedef struct
{
  char           *data_dir;
  GSettings      *settings;
  DropifyService *service;
  GtkWidget      *window;
} Fixture;

/* Fixture */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  fixture->data_dir = g_build_filename (g_get_user_data_dir (), "dropify", NULL);
  fixture->settings = dropify_service_create_settings (fixture->data_dir);
  g_assert_nonnull (fixture->settings);
  g_settings_set_string (fixture->settings, "device-name", "Workstation");
  g_settings_set_boolean (fixture->settings, "phone-access", GPOINTER_TO_INT (user_data));

  fixture->service = start_service (fixture->data_dir, fixture->settings, FALSE);

  fixture->window = present_window (dropify_window_new (NULL, fixture->service),
                                    "the window to be mapped");
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

  dropify_service_shutdown (fixture->service);
  g_clear_object (&fixture->service);

  /* The memory backend outlives the test. */
  g_settings_reset (fixture->settings, "device-name");
  g_settings_reset (fixture->settings, "phone-access");
  g_clear_object (&fixture->settings);
  g_clear_pointer (&fixture->data_dir, g_free);
}

/* Helpers */

static gboolean
phone_dialog_is_open (gpointer data)
{
  return find_toplevel (DROPIFY_TYPE_PHONE_DIALOG) != NULL;
}

static gboolean
message_dialog_is_open (gpointer data)
{
  return find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

static GtkWidget *
open_phone_dialog (Fixture *fixture)
{
  GtkWidget *dialog;

  g_assert_true (gtk_widget_activate_action (fixture->window, "win.connect-phone", NULL));
  wait_for (phone_dialog_is_open, NULL, "the phone dialog");
  dialog = find_toplevel (DROPIFY_TYPE_PHONE_DIALOG);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) ==
                 GTK_WINDOW (fixture->window));

  return dialog;
}

static char *
dup_first_url (Fixture *fixture)
{
  DropifyPhone *phone = dropify_service_get_phone (fixture->service);
  g_auto(GStrv) urls = NULL;

  g_assert_nonnull (phone);
  urls = dropify_phone_dup_urls (phone);
  g_assert_nonnull (urls[0]);

  return g_strdup (urls[0]);
}

static gboolean
widget_is_allocated (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

/* The image drawn from a texture, rather than an icon. */
static GtkWidget *
find_qr_image (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_IMAGE (child) &&
          gtk_image_get_storage_type (GTK_IMAGE (child)) == GTK_IMAGE_PAINTABLE)
        return child;

      if ((found = find_qr_image (child)))
        return found;
    }

  return NULL;
}

/* The QR code shown, drawn at a whole number of pixels per module. */
static void
assert_qr_shown (GtkWidget *dialog)
{
  GtkWidget *picture = find_qr_image (dialog);
  GdkPaintable *paintable;

  g_assert_nonnull (picture);
  wait_for (widget_is_allocated, picture, "the QR code to be laid out");
  paintable = gtk_image_get_paintable (GTK_IMAGE (picture));
  g_assert_true (GDK_IS_TEXTURE (paintable));
  g_assert_cmpint (gdk_texture_get_width (GDK_TEXTURE (paintable)), >=, 200);
  g_assert_cmpint (gdk_texture_get_width (GDK_TEXTURE (paintable)), ==,
                   gdk_texture_get_height (GDK_TEXTURE (paintable)));
  /* Shown at its own size: never scaled, so never blurred. */
  g_assert_cmpint (gtk_widget_get_width (picture), ==,
                   gdk_texture_get_width (GDK_TEXTURE (paintable)));
}

typedef struct
{
  GtkWidget  *dialog;
  const char *url;
} UrlQuery;

static gboolean
url_is_shown (gpointer data)
{
  UrlQuery *query = data;

  return g_strcmp0 (dropify_phone_dialog_get_url (DROPIFY_PHONE_DIALOG (query->dialog)),
                    query->url) == 0 &&
         find_label (query->dialog, query->url) != NULL;
}

/* Tests */

/* The dialog shows the best link as text and as a QR code; revoking it,
 * after a confirmation, shows a new one. */
static void
test_phone_dialog (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autofree char *url = dup_first_url (fixture);
  g_autofree char *new_url = NULL;
  LabelQuery no_phone = { NULL, "No phone is connected" };
  AdwMessageDialog *confirmation;
  UrlQuery shown = { NULL, url };
  UrlQuery new_shown = { NULL, NULL };
  GtkWidget *dialog;

  dialog = open_phone_dialog (fixture);
  shown.dialog = new_shown.dialog = no_phone.window = dialog;

  wait_for (url_is_shown, &shown, "the link");
  g_assert_true (g_str_has_prefix (url, "http://"));
  assert_qr_shown (dialog);
  wait_for (label_is_shown, &no_phone, "the empty list of phones");

  /* Cancelling keeps the link. */
  g_assert_true (gtk_widget_activate_action (dialog, "phone.revoke", NULL));
  wait_for (message_dialog_is_open, NULL, "the confirmation");
  confirmation = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_cmpstr (adw_message_dialog_get_heading (confirmation), ==, "Revoke the Link?");
  g_assert_true (adw_message_dialog_get_response_appearance (confirmation, "revoke") ==
                 ADW_RESPONSE_DESTRUCTIVE);
  gtk_window_close (GTK_WINDOW (confirmation));
  drain_main_loop ();
  g_assert_true (url_is_shown (&shown));

  g_assert_true (gtk_widget_activate_action (dialog, "phone.revoke", NULL));
  wait_for (message_dialog_is_open, NULL, "the confirmation");
  confirmation = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  adw_message_dialog_response (confirmation, "revoke");
  gtk_window_destroy (GTK_WINDOW (confirmation));

  new_url = dup_first_url (fixture);
  g_assert_cmpstr (new_url, !=, url);
  new_shown.url = new_url;
  wait_for (url_is_shown, &new_shown, "the new link");
  g_assert_null (find_label (dialog, url));
  assert_qr_shown (dialog);
}

/* With phone access off, the dialog says so and turns it on. */
static void
test_phone_off (Fixture       *fixture,
                gconstpointer  user_data)
{
  LabelQuery off = { NULL, "Phone Access Is Off" };
  UrlQuery shown = { NULL, NULL };
  g_autofree char *url = NULL;
  GtkWidget *dialog;

  g_assert_null (dropify_service_get_phone (fixture->service));

  dialog = open_phone_dialog (fixture);
  off.window = shown.dialog = dialog;
  wait_for (label_is_shown, &off, "the dialog to say phone access is off");
  g_assert_null (dropify_phone_dialog_get_url (DROPIFY_PHONE_DIALOG (dialog)));

  g_assert_true (gtk_widget_activate_action (dialog, "phone.turn-on", NULL));
  g_assert_true (g_settings_get_boolean (fixture->settings, "phone-access"));

  url = dup_first_url (fixture);
  shown.url = url;
  wait_for (url_is_shown, &shown, "the link once phone access is on");
  assert_qr_shown (dialog);

  /* And off again, from Preferences. */
  g_settings_set_boolean (fixture->settings, "phone-access", FALSE);
  wait_for (label_is_shown, &off, "the dialog to say phone access is off again");
  g_assert_null (dropify_phone_dialog_get_url (DROPIFY_PHONE_DIALOG (dialog)));
}

static void
websocket_connect_cb (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  SoupWebsocketConnection **ws = user_data;
  g_autoptr(GError) error = NULL;

  *ws = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, &error);
  g_assert_no_error (error);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

typedef struct
{
  GtkWidget  *dialog;
  const char *title;
} RowQuery;

static gboolean
row_is_shown (gpointer data)
{
  RowQuery *query = data;

  return find_titled_row (query->dialog, ADW_TYPE_ACTION_ROW, query->title) != NULL;
}

/* A phone that opens the page shows in the list, and leaves it when it
 * goes. */
static void
test_phone_connected (Fixture       *fixture,
                      gconstpointer  user_data)
{
  DropifyPhone *phone = dropify_service_get_phone (fixture->service);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(SoupWebsocketConnection) ws = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *bearer = NULL;
  const char *protocols[] = { "dropify", NULL, NULL };
  LabelQuery no_phone = { NULL, "No phone is connected" };
  RowQuery row = { NULL, "Phone (Android)" };
  GtkWidget *dialog;
  const char *subtitle;

  dialog = open_phone_dialog (fixture);
  no_phone.window = row.dialog = dialog;
  wait_for (label_is_shown, &no_phone, "the empty list of phones");

  uri = g_strdup_printf ("ws://127.0.0.1:%u/api/live",
                         dropify_server_get_port (dropify_service_get_server (fixture->service)));
  msg = soup_message_new ("GET", uri);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "User-Agent",
                                "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36");
  bearer = g_strconcat ("bearer.", dropify_phone_get_token (phone), NULL);
  protocols[1] = bearer;
  soup_session_websocket_connect_async (session, msg, NULL, (char **) protocols,
                                        G_PRIORITY_DEFAULT, NULL, websocket_connect_cb, &ws);
  wait_for (is_set, &ws, "the phone to connect");

  wait_for (row_is_shown, &row, "the phone in the list");
  subtitle = adw_action_row_get_subtitle (ADW_ACTION_ROW (find_titled_row (dialog, ADW_TYPE_ACTION_ROW, row.title)));
  g_assert_true (g_str_has_prefix (subtitle, "127.0.0.1 · Connected since "));
  g_assert_null (find_label (dialog, "No phone is connected"));

  soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  wait_for (label_is_shown, &no_phone, "the list of phones to be empty again");
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

  g_test_add ("/ui/phone/dialog", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_phone_dialog, fixture_tear_down);
  g_test_add ("/ui/phone/connected", Fixture, GINT_TO_POINTER (TRUE),
              fixture_set_up, test_phone_connected, fixture_tear_down);
  g_test_add ("/ui/phone/off", Fixture, GINT_TO_POINTER (FALSE),
              fixture_set_up, test_phone_off, fixture_tear_down);

  return g_test_run ();
}
