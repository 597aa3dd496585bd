/* test-app.c: the application as the desktop sees it, a real
 * DropifyApplication registered on the test's own session bus (see
 * xvfb-test.sh), with real `dropify` processes launched against it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <gdk/x11/gdkx.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <unistd.h>

#include "dropify-application.h"
#include "dropify-control.h"
#include "dropify-core.h"
#include "dropify-test-support.h"
#include "dropify-window.h"
#include "fake-notifications.h"
#include "ui-test-util.h"

#define GROUP_SECRET "app tests"

/* A second launch hands its files over over D-Bus and exits: this bounds
 * it generously for a loaded machine; it takes a fraction of it. */
#define SECOND_LAUNCH_TIMEOUT_MS 10000

typedef void (*AppTestFunc) (DropifyApplication *app,
                             const char         *data_dir);

typedef struct
{
  DropifyApplication *app;
  const char         *data_dir;
  AppTestFunc         func;
  gboolean            ran;
} AppTest;

/* The app's main window, once it is mapped. */
static gboolean
main_window_is_mapped (gpointer data)
{
  for (const GList *l = gtk_application_get_windows (data); l != NULL; l = l->next)
    {
      if (DROPIFY_IS_WINDOW (l->data) && gtk_widget_get_mapped (l->data))
        return TRUE;
    }

  return FALSE;
}

static DropifyWindow *
get_main_window (DropifyApplication *app)
{
  for (const GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    {
      if (DROPIFY_IS_WINDOW (l->data))
        return l->data;
    }

  g_assert_not_reached ();
}

/* Every main window in the process, whether the app knows it or not. */
static guint
count_main_windows (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n_windows = 0;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) toplevel = g_list_model_get_item (toplevels, i);

      if (DROPIFY_IS_WINDOW (toplevel))
        n_windows++;
    }

  return n_windows;
}

static gboolean
app_test_run_cb (gpointer user_data)
{
  AppTest *test = user_data;

  /* The first launch on a profile is its primary instance. */
  g_assert_true (g_application_get_is_registered (G_APPLICATION (test->app)));
  g_assert_false (g_application_get_is_remote (G_APPLICATION (test->app)));

  wait_for (main_window_is_mapped, test->app, "the main window to be mapped");
  test->func (test->app, test->data_dir);
  test->ran = TRUE;

  g_action_group_activate_action (G_ACTION_GROUP (test->app), "quit", NULL);

  return G_SOURCE_REMOVE;
}

/* Runs the app as `dropify --data-dir DATA_DIR` would, and @func inside
 * its main loop once its window shows; then quits it from its menu. */
static void
run_app (const char  *data_dir,
         AppTestFunc  func)
{
  g_autoptr(DropifyApplication) app = dropify_application_new ();
  const char *argv[] = {
    "dropify", "--data-dir", data_dir,
    /* Never the default port, and mDNS only in the LAN tests. */
    "--port", "0", "--no-discovery",
    NULL
  };
  AppTest test = { app, data_dir, func, FALSE };
  int status;

  g_idle_add (app_test_run_cb, &test);
  status = g_application_run (G_APPLICATION (app), G_N_ELEMENTS (argv) - 1, (char **) argv);

  g_assert_true (test.ran);
  g_assert_cmpint (status, ==, 0);
}

static guint
slow_factor (void)
{
  const char *slow = g_getenv ("DROPIFY_TEST_SLOW");

  return slow != NULL ? MAX (1, (guint) g_ascii_strtoull (slow, NULL, 10)) : 1;
}

/* For what waits on another process: a sanitizer build, which sets
 * DROPIFY_TEST_SLOW, starts one several times slower. */
static void
wait_for_process (CheckFunc   check,
                  gpointer    data,
                  const char *what)
{
  if (!dropify_test_wait_for (check, data, UI_TEST_TIMEOUT_MS))
    g_error ("Timed out after %u ms waiting for %s", UI_TEST_TIMEOUT_MS * slow_factor (), what);
}

/* The real binary, with the system's data dirs: the test's isolated ones
 * would hide the MIME database, and with it the icons. */
static GSubprocessLauncher *
new_launcher (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_setenv (launcher, "XDG_DATA_DIRS", "/usr/local/share/:/usr/share/", TRUE);

  return launcher;
}

/* A launch of the real binary, run while the app's main loop keeps
 * answering. */
typedef struct
{
  GSubprocess *process;
  gboolean     exited;
  int64_t      elapsed_us;
  int64_t      started_us;
} Launch;

static void
launch_wait_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Launch *launch = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (object), result, NULL);
  launch->elapsed_us = g_get_monotonic_time () - launch->started_us;
  launch->exited = TRUE;
}

static gboolean
launch_exited (gpointer data)
{
  return ((Launch *) data)->exited;
}

static void
launch_start (Launch             *launch,
              const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = new_launcher (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, (gpointer) g_getenv ("DROPIFY_BIN"));
  g_assert_nonnull (argv->pdata[0]);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  launch->started_us = g_get_monotonic_time ();
  launch->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                  &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (launch->process, NULL, launch_wait_cb, launch);
}

/* Launches `dropify ARGS…` and waits for it to exit, as a second launch
 * must; returns how long it took. */
static int64_t
launch_and_wait (const char * const *args)
{
  Launch launch = { 0 };
  guint timeout_ms = SECOND_LAUNCH_TIMEOUT_MS * slow_factor ();
  int64_t deadline;

  launch_start (&launch, args);

  deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  while (!launch.exited && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  if (!launch.exited)
    {
      g_subprocess_force_exit (launch.process);
      g_error ("The second launch did not exit within %u ms", timeout_ms);
    }

  g_assert_true (g_subprocess_get_if_exited (launch.process));
  g_assert_cmpint (g_subprocess_get_exit_status (launch.process), ==, 0);
  g_clear_object (&launch.process);

  return launch.elapsed_us;
}

static gboolean
keep_waking (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Unique, per profile */

typedef struct
{
  DropifyHistory *history;
  const char     *name;
} FindDrop;

static DropifyDrop *
find_drop_named (DropifyHistory *history,
                 const char     *name)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (history));

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(DropifyDrop) drop = g_list_model_get_item (G_LIST_MODEL (history), i);

      if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_FILE &&
          g_strcmp0 (dropify_drop_get_name (drop), name) == 0)
        return drop;
    }

  return NULL;
}

static gboolean
history_has_complete_file (gpointer data)
{
  FindDrop *find = data;
  DropifyDrop *drop = find_drop_named (find->history, find->name);

  return drop != NULL && dropify_drop_get_complete (drop);
}

static gboolean
window_is_hidden (gpointer data)
{
  return !gtk_widget_get_visible (data) && !gtk_widget_get_mapped (data);
}

static gboolean
json_list_has_name (JsonNode   *list,
                    const char *name)
{
  JsonArray *array = json_node_get_array (list);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *drop = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (drop, "name", NULL), name) == 0)
        return TRUE;
    }

  return FALSE;
}

typedef struct
{
  const char *data_dir;
  const char *name;
} ListQuery;

static gboolean
profile_answers_with (gpointer data)
{
  ListQuery *query = data;
  g_autoptr(JsonNode) status = NULL;
  g_autoptr(JsonNode) list = NULL;

  status = dropify_control_request (query->data_dir, "GET", "/v1/status", NULL, NULL);
  if (status == NULL)
    return FALSE;

  list = dropify_test_list_json (query->data_dir);
  return json_list_has_name (list, query->name);
}

static void
check_unique (DropifyApplication *app,
              const char         *data_dir)
{
  DropifyService *service = dropify_application_get_service (app);
  DropifyHistory *history = dropify_service_get_history (service);
  DropifyWindow *window = get_main_window (app);
  g_autofree char *files_dir = dropify_test_make_dir ("launch");
  g_autofree char *path = dropify_test_write_random (files_dir, "from the command line.bin",
                                                      100 * 1024 + 7);
  g_autofree char *sha256 = dropify_test_sha256_file (path);
  /* The same profile, reached through a symbolic link. */
  g_autofree char *same_dir = g_build_filename (files_dir, "link to the profile", NULL);
  const char *open_args[] = { "--data-dir", same_dir, path, NULL };
  const char *raise_args[] = { "--data-dir", data_dir, NULL };
  FindDrop find = { history, "from the command line.bin" };
  LabelQuery toast = { GTK_WIDGET (window), "Dropped “from the command line.bin”" };
  DropifyDrop *drop;
  int64_t elapsed_us;

  g_assert_cmpuint (count_main_windows (), ==, 1);
  g_assert_no_errno (symlink (data_dir, same_dir));

  /* `dropify FILE` on a running profile: the file becomes a drop there,
   * and the launch returns at once. */
  elapsed_us = launch_and_wait (open_args);
  g_test_message ("A second launch with a file exited after %.1f ms",
                  elapsed_us / 1000.0);

  wait_for (history_has_complete_file, &find, "the file from the second launch");
  drop = find_drop_named (history, "from the command line.bin");
  g_assert_cmpuint (dropify_drop_get_size (drop), ==, 100 * 1024 + 7);
  g_assert_cmpstr (dropify_drop_get_sha256 (drop), ==, sha256);
  g_assert_cmpstr (dropify_drop_get_origin (drop), ==,
                   dropify_identity_get_device_id (dropify_service_get_identity (service)));
  wait_for (label_is_shown, &toast, "the toast saying the file was dropped");

  g_assert_cmpuint (count_main_windows (), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history)), ==, 1);

  /* A plain second launch raises the window it finds, even a hidden one,
   * rather than open another. */
  gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
  wait_for (window_is_hidden, window, "the window to hide");
  elapsed_us = launch_and_wait (raise_args);
  g_test_message ("A second launch without files exited after %.1f ms",
                  elapsed_us / 1000.0);
  wait_for (widget_is_mapped, window, "the window to show again");
  g_assert_true (get_main_window (app) == window);
  g_assert_cmpuint (count_main_windows (), ==, 1);

  dropify_test_remove_dir (files_dir);
}

static void
test_app_unique (void)
{
  g_autofree char *data_dir = dropify_test_make_dir ("unique");

  run_app (data_dir, check_unique);
  dropify_test_remove_dir (data_dir);
}

/* Another profile is another instance: its launch starts one of its own
 * rather than hand its files to this one. */
static void
check_other_profile (DropifyApplication *app,
                     const char         *data_dir)
{
  DropifyHistory *history = dropify_service_get_history (dropify_application_get_service (app));
  g_autofree char *other_dir = dropify_test_make_dir ("other");
  g_autofree char *files_dir = dropify_test_make_dir ("launch");
  g_autofree char *path = dropify_test_write_random (files_dir, "for the other profile.bin", 4096);
  const char *args[] = {
    "--data-dir", other_dir, "--port", "0", "--no-discovery", path, NULL
  };
  ListQuery query = { other_dir, "for the other profile.bin" };
  Launch launch = { 0 };
  guint tick;

  launch_start (&launch, args);

  /* Listing asks the other instance over its control socket, while this
   * main loop keeps going. */
  tick = g_timeout_add (50, keep_waking, NULL);
  wait_for_process (profile_answers_with, &query, "the other profile's own instance to have the file");
  g_source_remove (tick);

  g_assert_false (launch.exited);
  g_assert_null (find_drop_named (history, "for the other profile.bin"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history)), ==, 0);
  g_assert_cmpuint (count_main_windows (), ==, 1);

  g_subprocess_send_signal (launch.process, SIGTERM);
  wait_for_process (launch_exited, &launch, "the other instance to exit");
  g_clear_object (&launch.process);

  dropify_test_remove_dir (files_dir);
  dropify_test_remove_dir (other_dir);
}

static void
test_app_other_profile (void)
{
  g_autofree char *data_dir = dropify_test_make_dir ("profile");

  run_app (data_dir, check_other_profile);
  dropify_test_remove_dir (data_dir);
}

/* Send clipboard */

typedef struct
{
  DropifyHistory *history;
  const char     *text;
} FindText;

static gboolean
history_has_text (gpointer data)
{
  FindText *find = data;
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (find->history));

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(DropifyDrop) drop = g_list_model_get_item (G_LIST_MODEL (find->history), i);

      if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_TEXT &&
          g_strcmp0 (dropify_drop_get_text (drop), find->text) == 0)
        return TRUE;
    }

  return FALSE;
}

static gboolean
menu_has_action (GMenuModel *menu,
                 const char *action)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *name = NULL;
      g_autoptr(GMenuModel) section = NULL;

      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &name) &&
          g_str_equal (name, action))
        return TRUE;

      section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);
      if (section != NULL && menu_has_action (section, action))
        return TRUE;
    }

  return FALSE;
}

static void
check_send_clipboard (DropifyApplication *app,
                      const char         *data_dir)
{
  DropifyHistory *history = dropify_service_get_history (dropify_application_get_service (app));
  GtkWidget *window = GTK_WIDGET (get_main_window (app));
  GdkClipboard *clipboard = gtk_widget_get_clipboard (window);
  LabelQuery empty = { window, "The clipboard is empty" };
  FindText find = { history, "copied from another app" };
  GtkWidget *menu_button = find_descendant (window, GTK_TYPE_MENU_BUTTON);

  /* The main menu offers it. */
  g_assert_nonnull (menu_button);
  g_assert_true (menu_has_action (gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (menu_button)),
                                  "win.send-clipboard"));

  /* Nothing on the clipboard is no drop, and the window says why. */
  gdk_clipboard_set_content (clipboard, NULL);
  g_assert_true (gtk_widget_activate_action (window, "win.send-clipboard", NULL));
  wait_for (label_is_shown, &empty, "the toast saying the clipboard is empty");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history)), ==, 0);

  gdk_clipboard_set_text (clipboard, "copied from another app");
  g_assert_true (gtk_widget_activate_action (window, "win.send-clipboard", NULL));
  wait_for (history_has_text, &find, "the clipboard's text as a drop");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history)), ==, 1);
}

static void
test_app_send_clipboard (void)
{
  g_autofree char *data_dir = dropify_test_make_dir ("clipboard");

  run_app (data_dir, check_send_clipboard);
  dropify_test_remove_dir (data_dir);
}

static gboolean
window_is_active (gpointer data)
{
  return gtk_window_is_active (data);
}

/* Keys typed on the X server, as a user types them. */
static void
type_keys (const char *keys)
{
  const char *argv[] = { "xdotool", "key", "--clearmodifiers", keys, NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* Runs @func in the app on a profile of its own, if xdotool can type. */
static void
run_app_typing (const char  *name,
                AppTestFunc  func)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");

  if (xdotool == NULL)
    {
      g_test_skip ("xdotool is not installed (build-aux/install-deps --test)");
      return;
    }

  data_dir = dropify_test_make_dir (name);
  run_app (data_dir, func);
  dropify_test_remove_dir (data_dir);
}

/* Ctrl+Shift+V, typed on the X server while the composer has the focus:
 * the clipboard becomes a drop at once, and nothing is pasted into the
 * composer, as Ctrl+V would. */
static void
check_send_clipboard_shortcut (DropifyApplication *app,
                               const char         *data_dir)
{
  DropifyHistory *history = dropify_service_get_history (dropify_application_get_service (app));
  GtkWidget *window = GTK_WIDGET (get_main_window (app));
  GtkWidget *composer = find_descendant (window, GTK_TYPE_TEXT_VIEW);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (composer));
  FindText find = { history, "sent with the shortcut" };
  g_autofree char *typed = NULL;
  GtkTextIter start;
  GtkTextIter end;

  gtk_text_buffer_set_text (buffer, "a drop being written", -1);
  gtk_widget_grab_focus (composer);
  wait_for (window_is_active, window, "the window to have the focus");
  g_assert_true (gtk_widget_has_focus (composer));

  gdk_clipboard_set_text (gtk_widget_get_clipboard (window), "sent with the shortcut");
  type_keys ("ctrl+shift+v");

  wait_for (history_has_text, &find, "the clipboard's text as a drop, from the shortcut");

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  typed = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_assert_cmpstr (typed, ==, "a drop being written");
}

static void
test_app_send_clipboard_shortcut (void)
{
  run_app_typing ("shortcut", check_send_clipboard_shortcut);
}

static GtkWindow *
find_shortcuts_window (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (GTK_IS_SHORTCUTS_WINDOW (toplevel))
        return toplevel;
    }

  return NULL;
}

static gboolean
shortcuts_window_is_shown (gpointer data)
{
  GtkWindow *shortcuts = find_shortcuts_window ();

  return shortcuts != NULL && gtk_widget_get_mapped (GTK_WIDGET (shortcuts));
}

/* Ctrl+? shows the keyboard shortcuts, with the window's own: the
 * shortcuts window is built then, not with every main window (half a MiB
 * kept for nothing), and closing it keeps it for next time. */
static void
check_shortcuts_window (DropifyApplication *app,
                        const char         *data_dir)
{
  GtkWidget *window = GTK_WIDGET (get_main_window (app));
  GtkWindow *shortcuts;

  wait_for (window_is_active, window, "the window to have the focus");
  g_assert_null (find_shortcuts_window ());
  type_keys ("ctrl+question");

  wait_for (shortcuts_window_is_shown, NULL, "the shortcuts window");
  shortcuts = find_shortcuts_window ();
  g_assert_true (gtk_window_get_transient_for (shortcuts) == GTK_WINDOW (window));
  g_assert_nonnull (find_label (GTK_WIDGET (shortcuts), "Show the devices"));

  gtk_window_close (shortcuts);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (shortcuts)));
  g_assert_true (gtk_widget_activate_action (window, "win.show-help-overlay", NULL));
  g_assert_true (find_shortcuts_window () == shortcuts);
  wait_for (shortcuts_window_is_shown, NULL, "the shortcuts window again");
  gtk_window_close (shortcuts);
}

static void
test_app_shortcuts_window (void)
{
  run_app_typing ("shortcuts", check_shortcuts_window);
}

/* Notifications */

typedef struct
{
  FakeNotifications *server;
  guint              n_before;
  const char        *summary;
  const char        *body;
  const char        *action_prefix;
} NotifyQuery;

/* The newest Notify since @query->n_before that matches it. */
static FakeNotification *
find_notification (NotifyQuery *query)
{
  GPtrArray *notified = fake_notifications_get_notified (query->server);

  for (guint i = notified->len; i > query->n_before; i--)
    {
      FakeNotification *notification = g_ptr_array_index (notified, i - 1);

      if ((query->summary == NULL || g_strcmp0 (notification->summary, query->summary) == 0) &&
          (query->body == NULL || g_strcmp0 (notification->body, query->body) == 0) &&
          (query->action_prefix == NULL ||
           fake_notification_find_action (notification, query->action_prefix, NULL) != NULL))
        return notification;
    }

  return NULL;
}

static gboolean
has_notification (gpointer data)
{
  return find_notification (data) != NULL;
}

static guint
n_notified (FakeNotifications *server)
{
  return fake_notifications_get_notified (server)->len;
}

static gboolean
window_is_inactive (gpointer data)
{
  return !gtk_window_is_active (data);
}

typedef struct
{
  DropifyHistory *history;
  guint           n_items;
} CountQuery;

static gboolean
history_has_n_items (gpointer data)
{
  CountQuery *query = data;

  return g_list_model_get_n_items (G_LIST_MODEL (query->history)) >= query->n_items;
}

typedef struct
{
  char     *text;
  gboolean  done;
} ClipboardRead;

static void
clipboard_read_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ClipboardRead *read = user_data;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
  read->done = TRUE;
}

static gboolean
clipboard_read_done (gpointer data)
{
  return ((ClipboardRead *) data)->done;
}

static char *
read_clipboard_text (void)
{
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display_get_default ());
  ClipboardRead read = { NULL, FALSE };

  gdk_clipboard_read_text_async (clipboard, NULL, clipboard_read_cb, &read);
  wait_for (clipboard_read_done, &read, "the clipboard's text");

  return read.text;
}

typedef struct
{
  DropifyDrop *drop;
  gboolean     done;
} SendFile;

static void
send_file_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  SendFile *send = user_data;
  g_autoptr(GError) error = NULL;

  send->drop = dropify_service_send_file_finish (DROPIFY_SERVICE (object), result, &error);
  g_assert_no_error (error);
  send->done = TRUE;
}

static gboolean
send_file_done (gpointer data)
{
  return ((SendFile *) data)->done;
}

static gboolean
has_closed (gpointer data)
{
  return fake_notifications_get_closed (data)->len > 0;
}

static FakeNotifications *notifications_server;

/* A peer's drops while the window is not looked at: unfocused, behind
 * another window, then hidden. */
static void
check_notifications (DropifyApplication *app,
                     const char         *data_dir)
{
  FakeNotifications *server = notifications_server;
  DropifyService *service = dropify_application_get_service (app);
  DropifyHistory *history = dropify_service_get_history (service);
  GtkWidget *window = GTK_WIDGET (get_main_window (app));
  DropifyTestNode *laptop;
  g_autofree char *address = NULL;
  g_autofree char *id = NULL;
  g_autofree char *copied = NULL;
  g_autofree char *files_dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *copy_key = NULL;
  g_autofree char *size = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GFile) file = NULL;
  GtkWidget *other_window;
  FakeNotification *notification;
  NotifyQuery query = { server, 0, NULL, NULL, NULL };
  CountQuery count = { history, 1 };
  SendFile send = { NULL, FALSE };
  const char *key;
  const char *label;
  guint n_shown;
  guint n_burst;

  laptop = dropify_test_node_start ("Laptop", GROUP_SECRET);
  address = g_strdup_printf ("127.0.0.1:%u",
                             dropify_server_get_port (dropify_service_get_server (service)));
  g_assert_true (dropify_service_connect_to (laptop->service, address, NULL));

  /* Looked at, the window shows a new drop and no notification is sent. */
  wait_for (window_is_active, window, "the window to have the focus");
  g_free (dropify_test_node_send_text (laptop, "seen in the window"));
  wait_for (history_has_n_items, &count, "the peer's first drop");
  run_main_loop_for (500);
  g_assert_cmpuint (n_notified (server), ==, 0);

  /* Another window has the focus: a text drop is notified, with the
   * device's name, the text and a button that copies it. */
  other_window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (other_window), "Another app");
  gtk_window_present (GTK_WINDOW (other_window));
  wait_for (window_is_inactive, window, "the main window to lose the focus");

  id = dropify_test_node_send_text (laptop, "a link from the laptop\nhttps://example.org/");
  query.summary = "Text from Laptop";
  query.body = "a link from the laptop https://example.org/";
  query.action_prefix = "app.copy-drop";
  wait_for (has_notification, &query, "a notification of the peer's text drop");

  notification = find_notification (&query);
  g_assert_cmpstr (notification->desktop_entry, ==,
                   g_application_get_application_id (G_APPLICATION (app)));
  key = fake_notification_find_action (notification, "app.copy-drop", &label);
  g_assert_cmpstr (label, ==, "Copy");
  copy_key = g_strdup_printf ("app.copy-drop::%s", id);
  g_assert_cmpstr (key, ==, copy_key);
  g_assert_nonnull (fake_notification_find_action (notification, "default", NULL));

  /* Its button copies the text, and leaves the window where it is. */
  fake_notifications_invoke (server, notification->id, key);
  run_main_loop_for (200);
  copied = read_clipboard_text ();
  g_assert_cmpstr (copied, ==, "a link from the laptop\nhttps://example.org/");
  g_assert_false (gtk_window_is_active (GTK_WINDOW (window)));

  /* A burst is one notification that counts, not one each. */
  query.n_before = n_notified (server);
  query.summary = "50 new drops from Laptop";
  query.body = "drop 50 of the burst";
  query.action_prefix = NULL;
  for (guint i = 1; i <= 50; i++)
    {
      g_autofree char *text = g_strdup_printf ("drop %u of the burst", i);

      g_free (dropify_test_node_send_text (laptop, text));
    }
  count.n_items = 52;
  wait_for (history_has_n_items, &count, "the burst");
  wait_for (has_notification, &query, "the notification counting the burst");
  run_main_loop_for (1500);

  /* Each update replaces the notification on screen. GLib's freedesktop
   * backend learns a notification's number from the reply to its first
   * Notify, so an update sent before that reply (a slow, sanitized build)
   * makes a second one: at most two are ever shown. */
  n_burst = n_notified (server) - query.n_before;
  g_test_message ("A burst of 50 drops made %u Notify calls", n_burst);
  g_assert_cmpuint (n_burst, <=, 5);
  n_shown = 0;
  for (guint i = query.n_before; i < n_notified (server); i++)
    {
      notification = g_ptr_array_index (fake_notifications_get_notified (server), i);
      if (notification->replaces_id == 0)
        n_shown++;
    }
  g_assert_cmpuint (n_shown, >=, 1);
  g_assert_cmpuint (n_shown, <=, 2);

  /* Looking at the window again withdraws it. With no window manager,
   * the X server takes the focus back only for a request newer than the
   * last focus change, so this one carries the server's time. */
  gtk_window_present_with_time (GTK_WINDOW (window),
                                gdk_x11_get_server_time (GDK_X11_SURFACE (gtk_native_get_surface (GTK_NATIVE (window)))));
  wait_for (window_is_active, window, "the window to have the focus again");
  wait_for (has_closed, server, "a notification to be withdrawn");

  /* Hidden, as when the window is closed and Dropify runs in the
   * background: a file is notified with its name and size, and once it is
   * all here, with a button that opens it. */
  gtk_widget_set_visible (window, FALSE);
  wait_for (window_is_hidden, window, "the window to hide");

  /* A drop made here, say by `dropify send`, is no news to anyone. */
  {
    g_autoptr(DropifyDrop) local = dropify_service_send_text (service, "made on this computer", 0, NULL);
    NotifyQuery local_query = { server, n_notified (server), NULL, "made on this computer", NULL };

    g_assert_nonnull (local);
    run_main_loop_for (1200);
    g_assert_false (has_notification (&local_query));
  }

  files_dir = dropify_test_make_dir ("notify");
  path = dropify_test_write_random (files_dir, "holiday.jpg", 300 * 1000);
  file = g_file_new_for_path (path);
  query.n_before = n_notified (server);
  dropify_service_send_file_async (laptop->service, file, 0, NULL, send_file_cb, &send);
  wait_for (send_file_done, &send, "the peer to make its file drop");

  /* GLib's sizes keep the number and unit together, with a no-break
   * space. */
  size = g_format_size (300 * 1000);
  g_assert_cmpstr (size, ==, "300.0\u00a0kB");
  body = g_strdup_printf ("holiday.jpg (%s)", size);
  query.summary = "File from Laptop";
  query.body = body;
  query.action_prefix = "app.open-drop";
  wait_for (has_notification, &query, "a notification of the peer's file, with Open");
  notification = find_notification (&query);
  fake_notification_find_action (notification, "app.open-drop", &label);
  g_assert_cmpstr (label, ==, "Open");

  /* Clicking the notification brings the window back. */
  fake_notifications_invoke (server, notification->id, "default");
  wait_for (widget_is_mapped, window, "the window to show the notified drop");

  gtk_window_destroy (GTK_WINDOW (other_window));
  dropify_test_node_stop (laptop);
  g_clear_object (&send.drop);
  dropify_test_remove_dir (files_dir);
}

static void
set_up_peer_settings (void)
{
  g_autoptr(GSettings) settings = dropify_service_create_settings (NULL);

  /* The memory backend is shared by every GSettings in the process, the
   * app's included. */
  g_assert_cmpstr (g_getenv ("GSETTINGS_BACKEND"), ==, "memory");
  g_settings_set_string (settings, "group-secret", GROUP_SECRET);
  g_settings_set_string (settings, "device-name", "Workstation");
}

static void
test_app_notifications (void)
{
  g_autofree char *data_dir = dropify_test_make_dir ("notify");

  set_up_peer_settings ();
  notifications_server = fake_notifications_start ();

  run_app (data_dir, check_notifications);

  g_clear_pointer (&notifications_server, fake_notifications_stop);
  dropify_test_remove_dir (data_dir);
}

/* Running in the background, as a real `dropify` process */

/* Checks that run a program, or ask another process, every 100 ms rather
 * than at every turn of the main loop. */
typedef struct
{
  CheckFunc  check;
  gpointer   data;
  int64_t    next_us;
  gboolean   result;
} SlowCheck;

static gboolean
slow_check (gpointer data)
{
  SlowCheck *slow = data;

  if (g_get_monotonic_time () >= slow->next_us)
    {
      slow->result = slow->check (slow->data);
      slow->next_us = g_get_monotonic_time () + 100 * G_TIME_SPAN_MILLISECOND;
    }

  return slow->result;
}

static void
wait_for_slowly (CheckFunc   check,
                 gpointer    data,
                 const char *what)
{
  SlowCheck slow = { check, data, 0, FALSE };
  guint tick = g_timeout_add (100, keep_waking, NULL);

  wait_for_process (slow_check, &slow, what);
  g_source_remove (tick);
}

static gboolean
run_xdotool (const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status;

  g_ptr_array_add (argv, (gpointer) "xdotool");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL,
                G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);

  return g_spawn_check_wait_status (status, NULL);
}

/* The only main window on the X server is the other process's. */
#define MAIN_WINDOW_NAME "^Dropify$"

static gboolean
x_window_is_shown (gpointer data)
{
  const char *args[] = { "search", "--onlyvisible", "--name", MAIN_WINDOW_NAME, NULL };

  return run_xdotool (args);
}

/* Ctrl+W, as a user closes the window. With no window manager, xdotool
 * gives the window the focus itself, and a key typed before the window
 * took it goes nowhere: then it is typed again. */
static void
close_x_window (void)
{
  const char *focus_args[] = {
    "search", "--onlyvisible", "--name", MAIN_WINDOW_NAME, "windowfocus", "--sync", NULL
  };
  const char *key_args[] = { "key", "--clearmodifiers", "ctrl+w", NULL };

  for (guint attempt = 0; attempt < 10; attempt++)
    {
      g_assert_true (run_xdotool (focus_args));
      run_main_loop_for (200);
      g_assert_true (run_xdotool (key_args));

      for (guint i = 0; i < 10 && x_window_is_shown (NULL); i++)
        run_main_loop_for (100);

      if (!x_window_is_shown (NULL))
        return;
    }

  g_error ("Ctrl+W did not close the window");
}

static gboolean
instance_has_text (gpointer data)
{
  ListQuery *query = data;
  g_autoptr(JsonNode) list = NULL;
  JsonArray *array;

  list = dropify_control_request (query->data_dir, "GET", "/v1/drops", NULL, NULL);
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    return FALSE;

  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *drop = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (drop, "text", NULL), query->name) == 0)
        return TRUE;
    }

  return FALSE;
}

static void
test_app_background (void)
{
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *settings_path = NULL;
  g_autofree char *settings = NULL;
  g_autofree char *log_path = NULL;
  g_autoptr(GError) error = NULL;
  FakeNotifications *server;
  FakeNotification *notification;
  DropifyTestNode *laptop;
  Launch instance = { 0 };
  NotifyQuery told = { NULL, 0, "Dropify Is Still Running", NULL, "app.quit" };
  NotifyQuery notified = { NULL, 0, "Text from Laptop", "sent while in the background", NULL };
  ListQuery before = { NULL, "sent before closing" };
  ListQuery after = { NULL, "sent while in the background" };
  const char *raise_args[] = { "--data-dir", NULL, NULL };
  const char *label;

  if (xdotool == NULL)
    {
      g_test_skip ("xdotool is not installed (build-aux/install-deps --test)");
      return;
    }

  server = fake_notifications_start ();
  told.server = notified.server = server;
  laptop = dropify_test_node_start ("Laptop", GROUP_SECRET);

  /* A profile of its own, in its own key file, which runs in the
   * background and connects to the laptop by itself. */
  data_dir = dropify_test_make_dir ("background");
  before.data_dir = after.data_dir = raise_args[1] = data_dir;
  settings_path = g_build_filename (data_dir, "settings.ini", NULL);
  settings = g_strdup_printf ("[dropify]\n"
                              "run-in-background=true\n"
                              "group-secret='%s'\n"
                              "manual-peers=['127.0.0.1:%u']\n",
                              GROUP_SECRET,
                              dropify_sync_get_port (dropify_service_get_sync (laptop->service)));
  g_file_set_contents (settings_path, settings, -1, &error);
  g_assert_no_error (error);

  log_path = g_strconcat (data_dir, ".log", NULL);
  launcher = new_launcher (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_unsetenv (launcher, "GSETTINGS_BACKEND");
  g_subprocess_launcher_set_stderr_file_path (launcher, log_path);
  instance.started_us = g_get_monotonic_time ();
  instance.process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("DROPIFY_BIN"),
                                                  "--data-dir", data_dir, "--port", "0",
                                                  "--no-discovery", NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (instance.process, NULL, launch_wait_cb, &instance);

  wait_for_slowly (x_window_is_shown, NULL, "the other process's window");
  g_free (dropify_test_node_send_text (laptop, "sent before closing"));
  wait_for_slowly (instance_has_text, &before, "the laptop's drop in the other process");

  /* Closed, the window hides; the process keeps running, says so, and
   * offers to quit. */
  close_x_window ();
  wait_for_process (has_notification, &told, "the notification that Dropify still runs");
  g_assert_false (instance.exited);

  notification = find_notification (&told);
  fake_notification_find_action (notification, "app.quit", &label);
  g_assert_cmpstr (label, ==, "Quit");

  /* It still syncs, and notifies what arrives. */
  notified.n_before = n_notified (server);
  g_free (dropify_test_node_send_text (laptop, "sent while in the background"));
  wait_for_slowly (instance_has_text, &after, "the laptop's drop while in the background");
  wait_for_process (has_notification, &notified, "the notification of the laptop's drop");
  g_assert_false (instance.exited);

  /* Launched again, it shows its window. */
  launch_and_wait (raise_args);
  wait_for_slowly (x_window_is_shown, NULL, "the window to show again");

  /* Closed again, it says so again; quit from that notification, the
   * process ends. */
  told.n_before = n_notified (server);
  close_x_window ();
  wait_for_process (has_notification, &told, "the notification that Dropify still runs, again");
  g_assert_false (instance.exited);
  fake_notifications_invoke (server, find_notification (&told)->id, "app.quit");
  told.n_before = n_notified (server);
  wait_for_process (launch_exited, &instance, "the process to quit");
  g_assert_true (g_subprocess_get_if_exited (instance.process));
  g_assert_cmpint (g_subprocess_get_exit_status (instance.process), ==, 0);
  /* Quitting closes the window for good, and says nothing of it. */
  run_main_loop_for (200);
  g_assert_null (find_notification (&told));

  g_clear_object (&instance.process);
  dropify_test_node_stop (laptop);
  fake_notifications_stop (server);
  dropify_test_remove_dir (data_dir);
  g_remove (log_path);
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

  g_test_add_func ("/app/unique", test_app_unique);
  g_test_add_func ("/app/other-profile", test_app_other_profile);
  g_test_add_func ("/app/send-clipboard", test_app_send_clipboard);
  g_test_add_func ("/app/send-clipboard-shortcut", test_app_send_clipboard_shortcut);
  g_test_add_func ("/app/shortcuts-window", test_app_shortcuts_window);
  g_test_add_func ("/app/notifications", test_app_notifications);
  g_test_add_func ("/app/background", test_app_background);

  return g_test_run ();
}
