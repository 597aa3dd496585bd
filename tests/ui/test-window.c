/* test-window.c: the main window over a real service, under a real X server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "bench-fill.h"
#include "dropify-core.h"
#include "dropify-drop-row.h"
#include "dropify-drop-view.h"
#include "dropify-lazy-label.h"
#include "dropify-peers-page.h"
#include "dropify-test-support.h"
#include "dropify-thumbnail.h"
#include "dropify-expiry-dialog.h"
#include "dropify-window.h"
#include "ui-test-util.h"

typedef struct
{
  char           *data_dir;
  GSettings      *settings;
  DropifyService *service;
  GtkWidget      *window;
} Fixture;

/* The history's list: drop-downs hold list views of their own. */
static GtkWidget *
find_history_list (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if ((GTK_IS_GRID_VIEW (child) || GTK_IS_LIST_VIEW (child)) &&
          gtk_widget_has_css_class (child, "drop-history"))
        return child;

      if ((found = find_history_list (child)))
        return found;
    }

  return NULL;
}

/* The window's stack is the one with a "history" page; menus and
 * drop-downs hold stacks of their own. */
static GtkWidget *
find_history_stack (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_STACK (child) &&
          gtk_stack_get_child_by_name (GTK_STACK (child), "history") != NULL)
        return child;

      if ((found = find_history_stack (child)))
        return found;
    }

  return NULL;
}

static GtkStack *
get_stack (GtkWidget *window)
{
  GtkWidget *stack = find_history_stack (window);

  g_assert_nonnull (stack);

  return GTK_STACK (stack);
}

/* The empty state is the stack's page that is an AdwStatusPage, and it is
 * the one showing. */
static gboolean
status_page_is_shown (gpointer data)
{
  GtkWidget *child = gtk_stack_get_visible_child (get_stack (data));

  return ADW_IS_STATUS_PAGE (child) &&
         gtk_widget_get_mapped (child) &&
         g_strcmp0 (gtk_stack_get_visible_child_name (get_stack (data)), "empty") == 0;
}

static gboolean
history_is_shown (gpointer data)
{
  GtkWidget *child = gtk_stack_get_visible_child (get_stack (data));

  return child != NULL &&
         gtk_widget_get_mapped (child) &&
         find_history_list (child) != NULL;
}

/* Fixture */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  /* G_TEST_OPTION_ISOLATE_DIRS gives each test its own XDG dirs. */
  fixture->data_dir = g_build_filename (g_get_user_data_dir (), "dropify", NULL);
  fixture->settings = dropify_service_create_settings (fixture->data_dir);
  g_assert_nonnull (fixture->settings);

  fixture->service = start_service (fixture->data_dir, fixture->settings, FALSE);
  fixture->window = present_window (dropify_window_new (NULL, fixture->service),
                                    "the window to be mapped");
}

/* A history as long as a year of everyday use, written before the
 * service opens it. */
static void
fixture_set_up_full (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autofree char *data_dir = g_build_filename (g_get_user_data_dir (), "dropify", NULL);

  bench_fill_history (data_dir, 10000, 0);
  fixture_set_up (fixture, user_data);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  /* A test may close the window itself. */
  if (fixture->window != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->window));
  drain_main_loop ();

  dropify_service_shutdown (fixture->service);
  g_clear_object (&fixture->service);
  g_clear_object (&fixture->settings);
  g_clear_pointer (&fixture->data_dir, g_free);
}

static DropifyDropRow *
wait_for_row (Fixture    *fixture,
              const char *text)
{
  LabelQuery query = { fixture->window, text };
  GtkWidget *label;
  GtkWidget *row;

  wait_for (label_is_shown, &query, text);

  label = find_label (fixture->window, text);
  row = gtk_widget_get_ancestor (label, DROPIFY_TYPE_DROP_ROW);
  g_assert_nonnull (row);

  return DROPIFY_DROP_ROW (row);
}

typedef struct
{
  DropifyHistory *history;
  const char     *id;
} DeleteQuery;

static gboolean
drop_is_deleted (gpointer data)
{
  DeleteQuery *query = data;

  return dropify_history_is_deleted (query->history, query->id);
}

/* Tests */

static void
test_window_history (Fixture       *fixture,
                     gconstpointer  user_data)
{
  DropifyHistory *history = dropify_service_get_history (fixture->service);
  LabelQuery query = { fixture->window, "hello from the core" };
  DeleteQuery query_deleted = { history, NULL };
  g_autofree char *id = NULL;
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  DropifyDropRow *row;

  g_assert_true (gtk_widget_get_visible (fixture->window));
  g_assert_true (status_page_is_shown (fixture->window));
  g_assert_false (history_is_shown (fixture->window));

  drop = dropify_service_send_text (fixture->service, "hello from the core", 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (drop);

  row = wait_for_row (fixture, "hello from the core");
  g_assert_true (dropify_drop_row_get_drop (row) == drop);
  wait_for (history_is_shown, fixture->window, "the history to show");
  g_assert_false (status_page_is_shown (fixture->window));

  query_deleted.id = id = g_strdup (dropify_drop_get_id (drop));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "row.delete", NULL));

  /* Gone from the window at once, but deleted everywhere only when the
   * Undo toast is gone. */
  wait_for (status_page_is_shown, fixture->window, "the empty state to return");
  wait_for (label_is_gone, &query, "the deleted drop's row to go");
  g_assert_false (dropify_history_is_deleted (history, dropify_drop_get_id (drop)));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history)), ==, 1);

  wait_for (drop_is_deleted, &query_deleted, "the deletion to spread once the Undo toast is gone");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history)), ==, 0);
}

static gboolean no_results_shown (gpointer data);

/* A status page's icon is an SVG, and the first SVG loads librsvg, some
 * 11 MiB: the status pages are made when first shown, with their icon,
 * and a window with a history makes none. */
static void
test_window_status_icons (Fixture       *fixture,
                          gconstpointer  user_data)
{
  GtkStack *stack = get_stack (fixture->window);
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  AdwStatusPage *empty;
  AdwStatusPage *no_results;
  GtkWidget *entry;

  wait_for (status_page_is_shown, fixture->window, "the empty state");
  empty = ADW_STATUS_PAGE (gtk_stack_get_child_by_name (stack, "empty"));
  g_assert_cmpstr (adw_status_page_get_icon_name (empty), ==, "dropify-drop-symbolic");
  g_assert_cmpstr (adw_status_page_get_title (empty), ==, "Nothing Dropped Yet");
  g_assert_null (gtk_stack_get_child_by_name (stack, "dropping"));
  g_assert_null (gtk_stack_get_child_by_name (stack, "no-results"));

  /* A search that finds nothing makes its page, once. */
  drop = dropify_service_send_text (fixture->service, "found by nobody", 0, &error);
  g_assert_no_error (error);
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.search", NULL));
  entry = find_descendant (fixture->window, GTK_TYPE_SEARCH_ENTRY);
  wait_for (widget_is_mapped, entry, "the search bar");
  gtk_editable_set_text (GTK_EDITABLE (entry), "zzzz");
  wait_for (no_results_shown, fixture->window, "no results");
  no_results = ADW_STATUS_PAGE (gtk_stack_get_child_by_name (stack, "no-results"));
  g_assert_cmpstr (adw_status_page_get_icon_name (no_results), ==, "system-search-symbolic");
  g_assert_null (gtk_stack_get_child_by_name (stack, "dropping"));

  gtk_editable_set_text (GTK_EDITABLE (entry), "found");
  wait_for (history_is_shown, fixture->window, "the drop found");
  gtk_editable_set_text (GTK_EDITABLE (entry), "zzzz");
  wait_for (no_results_shown, fixture->window, "no results again");
  g_assert_true (gtk_stack_get_child_by_name (stack, "no-results") == GTK_WIDGET (no_results));

  /* Under the history, which is what a click reaches while they fade. */
  g_assert_true (gtk_widget_get_last_child (GTK_WIDGET (stack)) ==
                 gtk_stack_get_child_by_name (stack, "history"));
}

static gboolean drop_view_is_shown (gpointer data);

/* The devices page and a drop's page cost nothing until they are first
 * shown: hidden, GTK neither styles nor measures them, and a drop's view
 * is only made then. */
static void
test_window_pages_shown_late (Fixture       *fixture,
                              gconstpointer  user_data)
{
  GtkWidget *peers;
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;

  wait_for (status_page_is_shown, fixture->window, "the empty state");
  g_assert_null (find_descendant (fixture->window, DROPIFY_TYPE_PEERS_PAGE));
  g_assert_null (find_descendant (fixture->window, DROPIFY_TYPE_DROP_VIEW));

  g_assert_true (gtk_widget_activate_action (fixture->window, "win.show-devices", NULL));
  peers = find_descendant (fixture->window, DROPIFY_TYPE_PEERS_PAGE);
  g_assert_nonnull (peers);
  wait_for (widget_is_mapped, peers, "the devices page");
  g_assert_null (find_descendant (fixture->window, DROPIFY_TYPE_DROP_VIEW));
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.show-history", NULL));

  drop = dropify_service_send_text (fixture->service, "shown on its own page", 0, &error);
  g_assert_no_error (error);
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.show-drop-details", "s",
                                             dropify_drop_get_id (drop)));
  wait_for (drop_view_is_shown, fixture->window, "the drop's page");
}

static gboolean
undo_is_offered (gpointer data)
{
  return find_button (data, "_Undo") != NULL;
}

/* Keys typed by the X server, as a user types them; the window takes the
 * focus itself, since Xvfb runs no window manager. */
static gboolean
type_key (const char *key)
{
  const char *focus_argv[] = {
    "xdotool", "search", "--onlyvisible", "--name", "^Dropify$", "windowfocus", "--sync", NULL
  };
  const char *key_argv[] = { "xdotool", "key", "--clearmodifiers", key, NULL };
  g_autoptr(GError) error = NULL;
  int status;

  g_spawn_sync (NULL, (char **) focus_argv, NULL,
                G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    return FALSE;

  run_main_loop_for (200);

  g_spawn_sync (NULL, (char **) key_argv, NULL,
                G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);

  return g_spawn_check_wait_status (status, NULL);
}

/* Types @key until @check holds: a key typed before the window has the
 * X server's focus goes nowhere, and a loaded machine may be slow to
 * give it. */
static void
type_key_until (const char *key,
                CheckFunc   check,
                gpointer    data,
                const char *what)
{
  for (guint attempt = 0; attempt < 10; attempt++)
    {
      g_assert_true (type_key (key));

      for (guint i = 0; i < 10 && !check (data); i++)
        run_main_loop_for (100);

      if (check (data))
        return;
    }

  g_error ("Typing %s did not lead to %s", key, what);
}

/* Undo brings a deleted drop back, and nothing was deleted anywhere; the
 * Delete key on a row deletes too, and closing the window spreads what
 * its toast was still holding back. */
static void
test_window_delete_undo (Fixture       *fixture,
                         gconstpointer  user_data)
{
  DropifyHistory *history = dropify_service_get_history (fixture->service);
  LabelQuery query = { fixture->window, "deleted by mistake" };
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");
  g_autofree char *id = NULL;
  DropifyDropRow *row;
  GtkWidget *undo;

  drop = dropify_service_send_text (fixture->service, "deleted by mistake", 0, &error);
  g_assert_no_error (error);
  row = wait_for_row (fixture, "deleted by mistake");
  id = g_strdup (dropify_drop_get_id (drop));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "row.delete", NULL));
  wait_for (label_is_gone, &query, "the deleted drop's row to go");
  wait_for (undo_is_offered, fixture->window, "the Undo toast");

  undo = find_button (fixture->window, "_Undo");
  g_signal_emit_by_name (undo, "clicked");
  row = wait_for_row (fixture, "deleted by mistake");
  run_main_loop_for (200);
  g_assert_false (dropify_history_is_deleted (history, id));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history)), ==, 1);

  if (xdotool != NULL)
    {
      /* The row's own list item has the focus, as arrow keys leave it. */
      g_assert_true (gtk_widget_grab_focus (gtk_widget_get_parent (GTK_WIDGET (row))));
      type_key_until ("Delete", label_is_gone, &query, "the Delete key to delete the focused drop");
    }
  else
    {
      g_test_message ("xdotool is not installed: the Delete key is not tried");
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "row.delete", NULL));
      wait_for (label_is_gone, &query, "the deleted drop's row to go");
    }

  g_assert_false (dropify_history_is_deleted (history, id));

  gtk_window_close (GTK_WINDOW (g_steal_pointer (&fixture->window)));
  g_assert_true (dropify_history_is_deleted (history, id));
}

/* Deleting drop after drop, faster than a toast slides in, keeps one
 * Undo toast that names the last deletion; the ones before it spread at
 * once. (libadwaita 1.2 crashed when the app dismissed a toast that had
 * just started to slide in: see dropify-toast.c.) */
static void
test_window_delete_in_quick_succession (Fixture       *fixture,
                                        gconstpointer  user_data)
{
  DropifyHistory *history = dropify_service_get_history (fixture->service);
  const char *texts[] = { "first of three", "second of three", "third of three" };
  g_auto(GStrv) ids = g_new0 (char *, G_N_ELEMENTS (texts) + 1);
  DropifyDropRow *rows[G_N_ELEMENTS (texts)];
  GtkWidget *undo;

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(DropifyDrop) drop = NULL;
      g_autoptr(GError) error = NULL;

      drop = dropify_service_send_text (fixture->service, texts[i], 0, &error);
      g_assert_no_error (error);
      ids[i] = g_strdup (dropify_drop_get_id (drop));
    }
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    rows[i] = wait_for_row (fixture, texts[i]);

  /* A toast on screen first, so the first Undo toast replaces it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (rows[0]), "row.copy", NULL));
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      LabelQuery gone = { fixture->window, texts[i] };

      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (rows[i]), "row.delete", NULL));
      wait_for (label_is_gone, &gone, "the deleted drop's row to go");
      run_main_loop_for (50);
    }

  /* Past every slide and fade. */
  run_main_loop_for (1200);
  g_assert_true (dropify_history_is_deleted (history, ids[0]));
  g_assert_true (dropify_history_is_deleted (history, ids[1]));
  g_assert_false (dropify_history_is_deleted (history, ids[2]));
  g_assert_nonnull (find_label (fixture->window, "Text deleted"));

  undo = find_button (fixture->window, "_Undo");
  g_assert_nonnull (undo);
  g_signal_emit_by_name (undo, "clicked");
  wait_for_row (fixture, texts[2]);
  run_main_loop_for (500);
  g_assert_false (dropify_history_is_deleted (history, ids[2]));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (history)), ==, 1);
}

static gboolean
window_selecting (gpointer data)
{
  gboolean selecting = FALSE;

  g_object_get (data, "selection-mode", &selecting, NULL);
  return selecting;
}

static gboolean
window_selecting_not (gpointer data)
{
  return !window_selecting (data);
}

/* The row's check box, shown in selection mode. */
static GtkCheckButton *
row_check (DropifyDropRow *row)
{
  GtkWidget *check = find_descendant (GTK_WIDGET (row), GTK_TYPE_CHECK_BUTTON);

  g_assert_nonnull (check);
  return GTK_CHECK_BUTTON (check);
}

static gboolean
selection_count_is (gpointer data)
{
  LabelQuery *query = data;

  return find_label (query->window, query->text) != NULL;
}

/* Selection mode: rows show check boxes in place of their buttons, the
 * composer makes way for a bar that counts what is picked, and deleting
 * the picked drops hides them at once with one Undo for all; Select All
 * picks what the list shows, and Cancel or Escape picks nothing. */
static void
test_window_select_delete (Fixture       *fixture,
                           gconstpointer  user_data)
{
  DropifyHistory *history = dropify_service_get_history (fixture->service);
  const char *texts[] = { "pick one", "pick two", "pick three", "keep me" };
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");
  g_autoptr(GPtrArray) id_list = g_ptr_array_new_with_free_func (g_free);
  const char *ids[G_N_ELEMENTS (texts)];
  g_autoptr(GError) error = NULL;
  LabelQuery three = { fixture->window, "3 Selected" };
  LabelQuery none = { fixture->window, "No Drops Selected" };
  LabelQuery gone = { fixture->window, "pick two" };
  DropifyDropRow *rows[G_N_ELEMENTS (texts)];
  GtkWidget *undo;

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(DropifyDrop) drop = dropify_service_send_text (fixture->service, texts[i], 0, &error);

      g_assert_no_error (error);
      g_ptr_array_add (id_list, g_strdup (dropify_drop_get_id (drop)));
      ids[i] = g_ptr_array_index (id_list, i);
    }
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    rows[i] = wait_for_row (fixture, texts[i]);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (row_check (rows[0]))));

  g_assert_true (gtk_widget_activate_action (fixture->window, "win.selection-mode", NULL));
  wait_for (window_selecting, fixture->window, "selection mode");
  wait_for (selection_count_is, &none, "the bar to say nothing is picked");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (row_check (rows[0]))));

  /* Two ticked, one clicked: clicking a row picks it, not opens it. */
  gtk_check_button_set_active (row_check (rows[0]), TRUE);
  gtk_check_button_set_active (row_check (rows[1]), TRUE);
  {
    GtkWidget *list = find_history_list (fixture->window);
    g_autoptr(GListModel) model = NULL;
    guint position = G_MAXUINT;

    g_object_get (list, "model", &model, NULL);
    for (guint i = 0; i < g_list_model_get_n_items (model); i++)
      {
        g_autoptr(DropifyDrop) drop = g_list_model_get_item (model, i);

        if (g_strcmp0 (dropify_drop_get_id (drop), ids[2]) == 0)
          position = i;
      }
    g_assert_cmpuint (position, !=, G_MAXUINT);
    g_signal_emit_by_name (list, "activate", position);
  }
  wait_for (selection_count_is, &three, "the bar to count three");
  g_assert_true (gtk_check_button_get_active (row_check (rows[2])));
  g_assert_false (gtk_check_button_get_active (row_check (rows[3])));

  g_assert_true (gtk_widget_activate_action (fixture->window, "win.delete-selected", NULL));
  wait_for (label_is_gone, &gone, "the picked drops to go");
  g_assert_false (window_selecting (fixture->window));
  g_assert_nonnull (find_label (fixture->window, "keep me"));
  g_assert_null (find_label (fixture->window, "pick one"));
  g_assert_null (find_label (fixture->window, "pick three"));
  wait_for (undo_is_offered, fixture->window, "the Undo toast");
  g_assert_nonnull (find_label (fixture->window, "3 drops deleted"));

  /* Undo brings all three back; nothing was deleted anywhere. */
  undo = find_button (fixture->window, "_Undo");
  g_signal_emit_by_name (undo, "clicked");
  for (guint i = 0; i < 3; i++)
    rows[i] = wait_for_row (fixture, texts[i]);
  for (guint i = 0; i < 3; i++)
    g_assert_false (dropify_history_is_deleted (history, ids[i]));

  /* Select All picks what the list shows; leaving picks nothing. */
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.selection-mode", NULL));
  wait_for (window_selecting, fixture->window, "selection mode again");
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.select-all", NULL));
  {
    LabelQuery four = { fixture->window, "4 Selected" };

    wait_for (selection_count_is, &four, "Select All to pick four");
  }
  if (xdotool != NULL)
    type_key_until ("Escape", window_selecting_not, fixture->window, "Escape to leave selection mode");
  else
    g_assert_true (gtk_widget_activate_action (fixture->window, "win.selection-mode", NULL));
  g_assert_false (window_selecting (fixture->window));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (row_check (rows[0]))));

  /* Picked again and deleted: closing the window spreads it. */
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.selection-mode", NULL));
  wait_for (window_selecting, fixture->window, "selection mode a third time");
  g_assert_false (gtk_check_button_get_active (row_check (rows[0])));
  gtk_check_button_set_active (row_check (rows[0]), TRUE);
  gtk_check_button_set_active (row_check (rows[2]), TRUE);
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.delete-selected", NULL));
  gone.text = "pick three";
  wait_for (label_is_gone, &gone, "the two picked drops to go");
  g_assert_false (dropify_history_is_deleted (history, ids[0]));

  gtk_window_close (GTK_WINDOW (g_steal_pointer (&fixture->window)));
  g_assert_true (dropify_history_is_deleted (history, ids[0]));
  g_assert_false (dropify_history_is_deleted (history, ids[1]));
  g_assert_true (dropify_history_is_deleted (history, ids[2]));
  g_assert_false (dropify_history_is_deleted (history, ids[3]));
}

typedef struct
{
  GtkWidget *window;
  GtkWidget *upper;
  GtkWidget *lower;
} OrderQuery;

static gboolean
rows_are_in_order (gpointer data)
{
  OrderQuery *query = data;
  graphene_point_t upper;
  graphene_point_t lower;

  return gtk_widget_get_height (query->upper) > 0 &&
         gtk_widget_compute_point (query->upper, query->window,
                                   &GRAPHENE_POINT_INIT (0, 0), &upper) &&
         gtk_widget_compute_point (query->lower, query->window,
                                   &GRAPHENE_POINT_INIT (0, 0), &lower) &&
         upper.y + gtk_widget_get_height (query->upper) <= lower.y;
}

static void
test_window_rows_are_newest_first (Fixture       *fixture,
                                   gconstpointer  user_data)
{
  g_autoptr(DropifyDrop) first = NULL;
  g_autoptr(DropifyDrop) second = NULL;
  g_autoptr(GError) error = NULL;
  OrderQuery query = { fixture->window, NULL, NULL };

  first = dropify_service_send_text (fixture->service, "the first drop", 0, &error);
  g_assert_no_error (error);
  second = dropify_service_send_text (fixture->service, "the second drop", 0, &error);
  g_assert_no_error (error);

  query.lower = GTK_WIDGET (wait_for_row (fixture, "the first drop"));
  query.upper = GTK_WIDGET (wait_for_row (fixture, "the second drop"));

  wait_for (rows_are_in_order, &query, "the newest drop to be laid out on top");
}

/* A row's menu is made only when it first opens (a list makes some 200
 * rows at once), and then offers what can be done with the drop. */
static void
test_window_row_menu (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  LabelQuery query = { NULL, "Delete Everywhere" };
  GtkWidget *menu_button;
  DropifyDropRow *row;

  drop = dropify_service_send_text (fixture->service, "a drop with a menu", 0, &error);
  g_assert_no_error (error);
  row = wait_for_row (fixture, "a drop with a menu");

  menu_button = find_descendant (GTK_WIDGET (row), GTK_TYPE_MENU_BUTTON);
  g_assert_nonnull (menu_button);
  g_assert_true (gtk_widget_is_sensitive (menu_button));
  g_assert_null (gtk_menu_button_get_popover (GTK_MENU_BUTTON (menu_button)));

  gtk_menu_button_popup (GTK_MENU_BUTTON (menu_button));
  query.window = menu_button;
  wait_for (label_is_shown, &query, "the row's menu to open");
  gtk_menu_button_popdown (GTK_MENU_BUTTON (menu_button));
}

static void
read_text_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  char **text = user_data;
  g_autoptr(GError) error = NULL;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, &error);
  g_assert_no_error (error);
}

static gboolean
text_was_read (gpointer data)
{
  return *(char **) data != NULL;
}

static void
test_window_copy (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  DropifyDropRow *row;

  drop = dropify_service_send_text (fixture->service, "copy me, please", 0, &error);
  g_assert_no_error (error);

  row = wait_for_row (fixture, "copy me, please");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "row.copy", NULL));

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (fixture->window), NULL,
                                 read_text_cb, &text);
  wait_for (text_was_read, &text, "the clipboard");
  g_assert_cmpstr (text, ==, "copy me, please");
}

static void
send_file_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  DropifyDrop **drop = user_data;
  g_autoptr(GError) error = NULL;

  *drop = dropify_service_send_file_finish (DROPIFY_SERVICE (object), result, &error);
  g_assert_no_error (error);
}

static gboolean
pointer_is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

/* The file at @path, dropped as a user drops it. */
static DropifyDrop *
send_file_at (Fixture    *fixture,
              const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  DropifyDrop *drop = NULL;

  dropify_service_send_file_async (fixture->service, file, 0, NULL, send_file_cb, &drop);
  wait_for (pointer_is_set, &drop, "the file to be dropped");

  return drop;
}

static DropifyDrop *
send_file (Fixture    *fixture,
           const char *name,
           const char *contents)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;

  dir = g_build_filename (g_get_tmp_dir (), "outside", NULL);
  g_assert_no_errno (g_mkdir_with_parents (dir, 0700));
  path = g_build_filename (dir, name, NULL);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);

  return send_file_at (fixture, path);
}

static gboolean
clipboard_has_files (gpointer data)
{
  GdkContentFormats *formats = gdk_clipboard_get_formats (data);

  return gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST);
}

static void
read_value_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GValue *value = user_data;
  g_autoptr(GError) error = NULL;
  const GValue *read;

  read = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (object), result, &error);
  g_assert_no_error (error);

  g_value_init (value, G_VALUE_TYPE (read));
  g_value_copy (read, value);
}

static gboolean
value_was_read (gpointer data)
{
  return G_IS_VALUE (data);
}

static void
assert_file_contents (GFile      *file,
                      const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  g_file_load_contents (file, NULL, &contents, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, expected);
}

/* A copied file reaches other applications under its own name, not as the
 * blob store's hash-named file, which they could write into. */
static void
test_window_copy_file (Fixture       *fixture,
                       gconstpointer  user_data)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *path = NULL;
  GValue value = G_VALUE_INIT;
  GdkClipboard *clipboard;
  DropifyDropRow *row;
  GSList *files;

  drop = send_file (fixture, "Boarding pass.pdf", "%PDF-1.4 boarding pass");
  row = wait_for_row (fixture, "Boarding pass.pdf");

  clipboard = gtk_widget_get_clipboard (fixture->window);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "row.copy", NULL));
  wait_for (clipboard_has_files, clipboard, "the file on the clipboard");

  gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT, NULL,
                                  read_value_cb, &value);
  wait_for (value_was_read, &value, "the clipboard");

  files = gdk_file_list_get_files (g_value_get_boxed (&value));
  g_assert_cmpuint (g_slist_length (files), ==, 1);

  basename = g_file_get_basename (files->data);
  g_assert_cmpstr (basename, ==, "Boarding pass.pdf");
  path = g_file_get_path (files->data);
  g_assert_cmpstr (path, !=, dropify_drop_get_path (drop));
  assert_file_contents (files->data, "%PDF-1.4 boarding pass");

  g_slist_free (files);
  g_value_unset (&value);
}

/* The copy creates the file before it writes it: wait for all of it. */
static gboolean
file_was_saved (gpointer data)
{
  g_autofree char *contents = NULL;

  return g_file_load_contents (data, NULL, &contents, NULL, NULL, NULL) &&
         g_strcmp0 (contents, "saved as asked") == 0;
}

static void
test_window_save_as (Fixture       *fixture,
                     gconstpointer  user_data)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autoptr(GFile) saved = NULL;
  g_autoptr(GFile) marker = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *suggested = NULL;
  g_autofree char *old_cwd = g_get_current_dir ();
  GtkWidget *chooser = NULL;
  DropifyDropRow *row;

  drop = send_file (fixture, "notes.txt", "saved as asked");
  row = wait_for_row (fixture, "notes.txt");

  /* The dialog opens in the working directory. Moving it elsewhere from
   * here would cancel its first folder load, which GTK 4.8 reports in an
   * error dialog. */
  folder = g_file_new_build_filename (g_get_user_data_dir (), "saves", NULL);
  g_file_make_directory_with_parents (folder, NULL, &error);
  g_assert_no_error (error);
  g_assert_no_errno (g_chdir (g_file_peek_path (folder)));

  /* A file for the dialog to list, to know when it has loaded the folder:
   * it does not respond before that. */
  marker = g_file_get_child (folder, "already-here.txt");
  g_file_replace_contents (marker, "", 0, NULL, FALSE, G_FILE_CREATE_NONE, NULL, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "row.save-as", NULL));
  wait_for (find_file_chooser, &chooser, "the save dialog");

  /* The drop's name is suggested. */
  suggested = gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (chooser));
  g_assert_cmpstr (suggested, ==, "notes.txt");

  wait_for (chooser_has_loaded, chooser, "the save dialog to list the folder");

  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "kept.txt");
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);

  saved = g_file_get_child (folder, "kept.txt");
  wait_for (file_was_saved, saved, "the saved file");

  g_assert_no_errno (g_chdir (old_cwd));
}


static gboolean
history_has_one (gpointer data)
{
  return g_list_model_get_n_items (data) == 1;
}

static void
test_window_paste_text (Fixture       *fixture,
                        gconstpointer  user_data)
{
  GListModel *history = G_LIST_MODEL (dropify_service_get_history (fixture->service));
  g_autoptr(DropifyDrop) drop = NULL;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (fixture->window), "pasted, not typed");
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.paste", NULL));
  wait_for (history_has_one, history, "the pasted text");

  drop = g_list_model_get_item (history, 0);
  g_assert_cmpint (dropify_drop_get_kind (drop), ==, DROPIFY_DROP_KIND_TEXT);
  g_assert_cmpstr (dropify_drop_get_text (drop), ==, "pasted, not typed");
}

static gboolean
paste_file_is_gone (gpointer data)
{
  const char *name = data;
  g_autoptr(GDir) dir = g_dir_open (g_get_tmp_dir (), 0, NULL);
  const char *entry;

  g_assert_nonnull (dir);

  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;

      if (!g_str_has_prefix (entry, "dropify-paste-"))
        continue;

      path = g_build_filename (g_get_tmp_dir (), entry, name, NULL);
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        return FALSE;
    }

  return TRUE;
}

/* A screenshot on the clipboard becomes a PNG file drop with a readable
 * name, and the temporary file behind it goes away. */
static void
test_window_paste_image (Fixture       *fixture,
                         gconstpointer  user_data)
{
  GListModel *history = G_LIST_MODEL (dropify_service_get_history (fixture->service));
  static const guint8 pixels[2 * 2 * 4] = {
    255, 0, 0, 255,   0, 255, 0, 255,
    0, 0, 255, 255,   255, 255, 255, 255,
  };
  g_autoptr(GBytes) bytes = g_bytes_new_static (pixels, sizeof pixels);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GdkTexture) loaded = NULL;
  g_autoptr(GFile) blob = NULL;
  g_autoptr(GError) error = NULL;

  texture = gdk_memory_texture_new (2, 2, GDK_MEMORY_R8G8B8A8, bytes, 2 * 4);
  gdk_clipboard_set_texture (gtk_widget_get_clipboard (fixture->window), texture);
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.paste", NULL));
  wait_for (history_has_one, history, "the pasted image");

  drop = g_list_model_get_item (history, 0);
  g_assert_cmpint (dropify_drop_get_kind (drop), ==, DROPIFY_DROP_KIND_FILE);
  g_assert_true (g_str_has_prefix (dropify_drop_get_name (drop), "Pasted image "));
  g_assert_true (g_str_has_suffix (dropify_drop_get_name (drop), ".png"));
  g_assert_cmpstr (dropify_drop_get_mime (drop), ==, "image/png");

  blob = g_file_new_for_path (dropify_drop_get_path (drop));
  loaded = gdk_texture_new_from_file (blob, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (loaded), ==, 2);
  g_assert_cmpint (gdk_texture_get_height (loaded), ==, 2);

  wait_for (paste_file_is_gone, (gpointer) dropify_drop_get_name (drop),
            "the pasted image's temporary file to be removed");
}

static void
test_window_paste_files (Fixture       *fixture,
                         gconstpointer  user_data)
{
  GListModel *history = G_LIST_MODEL (dropify_service_get_history (fixture->service));
  g_autoptr(GFile) file = NULL;
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  GdkFileList *files;

  path = g_build_filename (g_get_user_data_dir (), "copied in Files.txt", NULL);
  g_file_set_contents (path, "from a file manager", -1, &error);
  g_assert_no_error (error);
  file = g_file_new_for_path (path);

  files = gdk_file_list_new_from_array (&file, 1);
  gdk_clipboard_set (gtk_widget_get_clipboard (fixture->window), GDK_TYPE_FILE_LIST, files);
  g_boxed_free (GDK_TYPE_FILE_LIST, files);

  g_assert_true (gtk_widget_activate_action (fixture->window, "win.paste", NULL));
  wait_for (history_has_one, history, "the pasted file");

  drop = g_list_model_get_item (history, 0);
  g_assert_cmpint (dropify_drop_get_kind (drop), ==, DROPIFY_DROP_KIND_FILE);
  g_assert_cmpstr (dropify_drop_get_name (drop), ==, "copied in Files.txt");
}

static void
test_window_composer (Fixture       *fixture,
                      gconstpointer  user_data)
{
  GListModel *history = G_LIST_MODEL (dropify_service_get_history (fixture->service));
  g_autoptr(DropifyDrop) drop = NULL;
  GtkTextBuffer *buffer;
  GtkWidget *text_view;
  GtkTextIter start;
  GtkTextIter end;

  text_view = find_descendant (fixture->window, GTK_TYPE_TEXT_VIEW);
  g_assert_nonnull (text_view);
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (text_view));

  /* Blank text is not a drop. */
  gtk_text_buffer_set_text (buffer, "  \n ", -1);
  gtk_widget_activate_action (fixture->window, "win.send", NULL);
  g_assert_cmpuint (g_list_model_get_n_items (history), ==, 0);

  gtk_text_buffer_set_text (buffer, "typed in the composer", -1);
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.send", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (history), ==, 1);

  drop = g_list_model_get_item (history, 0);
  g_assert_cmpstr (dropify_drop_get_text (drop), ==, "typed in the composer");

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  g_assert_true (gtk_text_iter_equal (&start, &end));

  wait_for_row (fixture, "typed in the composer");
}

static GtkWidget *
find_send_to (GtkWidget *widget)
{
  if (GTK_IS_MENU_BUTTON (widget) && g_strcmp0 (gtk_widget_get_tooltip_text (widget), "Send To") == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_send_to (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* The composer's "Send To" choice: drops made while a device is chosen
 * are for it only, and say so; "All Devices" goes back to everyone. */
static void
test_window_send_to (Fixture       *fixture,
                     gconstpointer  user_data)
{
  GListModel *history = G_LIST_MODEL (dropify_service_get_history (fixture->service));
  const char *laptop = "0123abcd-0000-8000-8000-000000000001";
  g_autoptr(DropifyDrop) targeted = NULL;
  g_autoptr(DropifyDrop) everyone = NULL;
  g_autofree char *send_to = NULL;
  g_autofree char *to = NULL;
  GtkTextBuffer *buffer;
  GtkWidget *button;

  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (find_descendant (fixture->window, GTK_TYPE_TEXT_VIEW)));
  button = find_send_to (fixture->window);
  g_assert_nonnull (button);

  g_assert_true (gtk_widget_activate_action (fixture->window, "win.send-to", "s", laptop));
  g_object_get (fixture->window, "send-to", &send_to, NULL);
  g_assert_cmpstr (send_to, ==, laptop);

  gtk_text_buffer_set_text (buffer, "for the laptop only", -1);
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.send", NULL));
  targeted = g_list_model_get_item (history, 0);
  g_assert_true (dropify_drop_is_targeted (targeted));
  g_assert_cmpstr (dropify_drop_get_audience (targeted)[0], ==, laptop);
  g_assert_null (dropify_drop_get_audience (targeted)[1]);

  /* An unknown device shows as the start of its id. */
  to = dropify_drop_row_dup_audience (fixture->service, targeted);
  g_assert_cmpstr (to, ==, "To 0123abcd");
  g_assert_cmpstr (gtk_menu_button_get_label (GTK_MENU_BUTTON (button)), ==, "To 0123abcd");
  wait_for_row (fixture, "for the laptop only");

  g_assert_true (gtk_widget_activate_action (fixture->window, "win.send-to", "s", ""));
  gtk_text_buffer_set_text (buffer, "for everyone", -1);
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.send", NULL));
  everyone = g_list_model_get_item (history, 0);
  g_assert_false (dropify_drop_is_targeted (everyone));
  g_assert_null (dropify_drop_row_dup_audience (fixture->service, everyone));
  g_assert_cmpstr (gtk_menu_button_get_label (GTK_MENU_BUTTON (button)), ==, "All Devices");

  /* Not a device id: ignored. */
  gtk_widget_activate_action (fixture->window, "win.send-to", "s", "not an id");
  g_clear_pointer (&send_to, g_free);
  g_object_get (fixture->window, "send-to", &send_to, NULL);
  g_assert_cmpstr (send_to, ==, "");
}

/* Keyboard */

/* The drop whose row has the focus: the list's own item widget, as arrow
 * keys leave it, and not one of the row's buttons. */
static DropifyDrop *
get_focused_row_drop (GtkWidget *window)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));
  GtkWidget *child;

  if (focus == NULL || (child = gtk_widget_get_first_child (focus)) == NULL ||
      !DROPIFY_IS_DROP_ROW (child))
    return NULL;

  return dropify_drop_row_get_drop (DROPIFY_DROP_ROW (child));
}

typedef struct
{
  GtkWidget   *window;
  DropifyDrop *drop;
} FocusQuery;

static gboolean
row_has_focus (gpointer data)
{
  FocusQuery *query = data;

  return get_focused_row_drop (query->window) == query->drop;
}

typedef struct
{
  GtkWidget   *window;
  DropifyDrop *drop;
  const char  *action_name;
} ButtonQuery;

/* A button of @drop's row has the focus: the one for @action_name, or
 * the menu button when that is NULL. */
static gboolean
button_has_focus (gpointer data)
{
  ButtonQuery *query = data;
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (query->window));
  GtkWidget *row;
  GtkWidget *button;

  if (focus == NULL || (row = gtk_widget_get_ancestor (focus, DROPIFY_TYPE_DROP_ROW)) == NULL ||
      dropify_drop_row_get_drop (DROPIFY_DROP_ROW (row)) != query->drop)
    return FALSE;

  if (query->action_name == NULL)
    return gtk_widget_get_ancestor (focus, GTK_TYPE_MENU_BUTTON) != NULL;

  button = gtk_widget_get_ancestor (focus, GTK_TYPE_BUTTON);
  return button != NULL &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), query->action_name) == 0;
}

static gboolean
focus_is_in_composer (gpointer data)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (data));

  for (GtkWidget *w = focus; w != NULL; w = gtk_widget_get_parent (w))
    if (gtk_widget_has_css_class (w, "composer-bar"))
      return TRUE;

  return FALSE;
}

static gboolean
focus_is_in_header (gpointer data)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (data));

  return focus != NULL && gtk_widget_get_ancestor (focus, ADW_TYPE_HEADER_BAR) != NULL;
}

static GtkWidget *
find_actionable (GtkWidget  *widget,
                 const char *action_name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_ACTIONABLE (child) &&
          g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (child)), action_name) == 0)
        return child;

      if ((found = find_actionable (child, action_name)))
        return found;
    }

  return NULL;
}

/* Types @key, which moves the focus, until @check holds. Typed before the
 * window has the X server's focus, a key goes nowhere and leaves the focus
 * where it was: only then is it typed again. */
static void
type_focus_key (GtkWidget  *window,
                const char *key,
                CheckFunc   check,
                gpointer    data,
                const char *what)
{
  GtkWidget *before = gtk_root_get_focus (GTK_ROOT (window));

  for (guint attempt = 0; attempt < 10; attempt++)
    {
      GtkWidget *focus;

      g_assert_true (type_key (key));

      for (guint i = 0; i < 10 && !check (data); i++)
        run_main_loop_for (50);

      if (check (data))
        return;

      focus = gtk_root_get_focus (GTK_ROOT (window));
      if (focus != before)
        g_error ("Typing %s moved the focus to a %s, not to %s", key,
                 focus != NULL ? G_OBJECT_TYPE_NAME (focus) : "nothing", what);
    }

  g_error ("Typing %s did not move the focus to %s", key, what);
}

/* At 10,000 drops: Tab enters the history at its first row, or at the row
 * that had the focus, and leaves it in one step, both ways; arrows move
 * from row to row. */
static void
test_window_tab_through_history (Fixture       *fixture,
                                 gconstpointer  user_data)
{
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");
  g_autoptr(DropifyDrop) first = NULL;
  g_autoptr(DropifyDrop) second = NULL;
  FocusQuery query = { fixture->window, NULL };
  ButtonQuery button_query = { fixture->window, NULL, NULL };
  GtkWidget *list_view;
  g_autoptr(GListModel) rows = NULL;

  if (xdotool == NULL)
    {
      g_test_skip ("xdotool is not installed (build-aux/install-deps --test)");
      return;
    }

  wait_for (history_is_shown, fixture->window, "the history to show");
  list_view = find_history_list (fixture->window);
  g_object_get (list_view, "model", &rows, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 10000);
  first = g_list_model_get_item (rows, 0);
  second = g_list_model_get_item (rows, 1);
  run_main_loop_for (100);

  /* The composer's first button, next to the history. */
  g_assert_true (gtk_widget_grab_focus (find_actionable (fixture->window, "win.attach")));

  query.drop = first;
  type_focus_key (fixture->window, "shift+Tab", row_has_focus, &query, "the first row");
  type_focus_key (fixture->window, "Tab", focus_is_in_composer, fixture->window, "the composer");
  type_focus_key (fixture->window, "shift+Tab", row_has_focus, &query, "the first row again");
  type_focus_key (fixture->window, "shift+Tab", focus_is_in_header, fixture->window, "the header bar");
  type_focus_key (fixture->window, "Tab", row_has_focus, &query, "the first row from above");

  query.drop = button_query.drop = second;
  type_focus_key (fixture->window, "Down", row_has_focus, &query, "the second row");
  type_focus_key (fixture->window, "Tab", focus_is_in_composer, fixture->window, "the composer");
  type_focus_key (fixture->window, "shift+Tab", row_has_focus, &query, "the row that had the focus");

  /* Its buttons are beside it; Tab leaves the history from them too. */
  button_query.action_name = "row.copy";
  type_focus_key (fixture->window, "Right", button_has_focus, &button_query, "the row's Copy button");
  button_query.action_name = NULL;
  type_focus_key (fixture->window, "Right", button_has_focus, &button_query, "the row's menu button");
  button_query.action_name = "row.copy";
  type_focus_key (fixture->window, "Left", button_has_focus, &button_query, "the Copy button again");
  type_focus_key (fixture->window, "Left", row_has_focus, &query, "the row again");
  type_focus_key (fixture->window, "Right", button_has_focus, &button_query, "the Copy button");
  type_focus_key (fixture->window, "Tab", focus_is_in_composer, fixture->window, "the composer");
}

/* The narrowest window */

typedef struct
{
  GtkWidget *window;
  int        width;
} WidthQuery;

/* The window's width leaves out the border it draws without a
 * compositor. */
static gboolean
window_is_as_narrow_as (gpointer data)
{
  WidthQuery *query = data;
  int width = gtk_widget_get_width (query->window);

  return width > 0 && width <= query->width;
}

/* The leaflet's other pages have header bars of their own. */
static GtkWidget *
find_mapped (GtkWidget *widget,
             GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (!gtk_widget_get_mapped (child))
        continue;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;

      if ((found = find_mapped (child, type)))
        return found;
    }

  return NULL;
}

/* Every label shown in @widget that has less room than all of its text
 * needs, as "“text” (has of needs px)"; @n_labels counts the labels. */
static void
collect_cut_labels (GtkWidget *widget,
                    GString   *cut,
                    guint     *n_labels)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_widget_get_mapped (child))
        continue;

      if (GTK_IS_LABEL (child) && *gtk_label_get_text (GTK_LABEL (child)) != '\0')
        {
          int natural;

          gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &natural, NULL, NULL);
          if (gtk_widget_get_width (child) < natural)
            g_string_append_printf (cut, " “%s” (%d of %d px)", gtk_label_get_text (GTK_LABEL (child)),
                                    gtk_widget_get_width (child), natural);
          (*n_labels)++;
        }

      collect_cut_labels (child, cut, n_labels);
    }
}

/* At 360 px, with a close, a maximize and a minimize button (GTK's
 * default, and more than GNOME shows), the title and the connection
 * summary are whole. */
static void
test_window_narrow_header (Fixture       *fixture,
                           gconstpointer  user_data)
{
  GtkWidget *header = find_mapped (fixture->window, ADW_TYPE_HEADER_BAR);
  LabelQuery subtitle = { header, "Not connected" };
  WidthQuery query = { fixture->window, 360 };
  g_autoptr(GString) cut = g_string_new (NULL);
  g_autofree char *layout = NULL;
  guint n_labels = 0;

  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 360, 560);
  wait_for (window_is_as_narrow_as, &query, "the window to be 360 px wide");
  wait_for (label_is_shown, &subtitle, "the short connection summary");
  /* The header's squeezers cross-fade. */
  run_main_loop_for (600);

  collect_cut_labels (header, cut, &n_labels);
  if (cut->len > 0)
    g_error ("Cut in the header bar:%s", cut->str);
  /* The title and the subtitle, at least. */
  g_assert_cmpuint (n_labels, >=, 2);

  /* The same with GNOME's close button alone; the settings are the
   * whole process's. */
  g_object_get (gtk_widget_get_settings (fixture->window), "gtk-decoration-layout", &layout, NULL);
  g_object_set (gtk_widget_get_settings (fixture->window), "gtk-decoration-layout", ":close", NULL);
  run_main_loop_for (600);
  n_labels = 0;
  collect_cut_labels (header, cut, &n_labels);
  if (cut->len > 0)
    g_error ("Cut in the header bar with a close button only:%s", cut->str);
  g_assert_cmpuint (n_labels, >=, 2);
  g_object_set (gtk_widget_get_settings (fixture->window), "gtk-decoration-layout", layout, NULL);

  /* What left the header is in the main menu, and still works. */
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.search", NULL));
}

/* The drop's own page */

#define LONG_TEXT \
  "First paragraph.\n\nSecond paragraph.\n\nThird paragraph.\n\n" \
  "Fourth <b>not bold</b> & friends, see https://example.org/a?b=1&c=2.\n\n" \
  "Fifth paragraph.\n\nSixth and last paragraph."

static gboolean
drop_view_is_shown (gpointer data)
{
  GtkWidget *view = find_descendant (data, DROPIFY_TYPE_DROP_VIEW);

  return view != NULL && gtk_widget_get_mapped (view);
}

static gboolean
drop_view_is_gone (gpointer data)
{
  return !drop_view_is_shown (data);
}

static gboolean
history_list_is_mapped (gpointer data)
{
  GtkWidget *list = find_history_list (data);

  return list != NULL && gtk_widget_get_mapped (list);
}

/* Escaped, and links made links: nothing a peer wrote becomes markup. */
static void
test_drop_view_markup (void)
{
  const char *texts[] = {
    LONG_TEXT,
    "<span foreground=\"red\">x</span> &amp; &#x41; <a href=\"javascript:x\">y</a>",
    "https://e.example/\"><b>z</b> http:// https://",
    "\u202eevil https://example.org/(x) (https://example.org/y)",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *markup = dropify_drop_view_dup_text_markup (texts[i]);
      GtkWidget *label = g_object_ref_sink (gtk_label_new (NULL));

      /* A label parses links as well as Pango's markup, and warns (which
       * fails the test) when it cannot. */
      gtk_label_set_markup (GTK_LABEL (label), markup);
      g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, texts[i]);
      g_object_unref (label);
      g_assert_null (strstr (markup, "<b>"));
      g_assert_null (strstr (markup, "<span"));
      g_assert_null (strstr (markup, "href=\"javascript"));
    }

  {
    g_autofree char *markup = dropify_drop_view_dup_text_markup (LONG_TEXT);

    g_assert_nonnull (strstr (markup, "<a href=\"https://example.org/a?b=1&amp;c=2\">"));
  }
}

/* A click (or Enter) on a row shows the whole text, selectable, with its
 * links; Back returns; Delete Everywhere there offers Undo in the
 * history. */
static DropifyDropRow *find_row_for (GtkWidget   *widget,
                                      DropifyDrop *drop);

/* Every widget in @widget for @action_name says which drop it acts on to
 * a screen reader; returns how many there are. */
static guint
assert_action_labels (GtkWidget  *widget,
                      const char *action_name,
                      const char *label)
{
  guint n_found = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_ACTIONABLE (child) &&
          g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (child)), action_name) == 0)
        {
          g_autofree char *problem = NULL;

          problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (child),
                                                        GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                        label);
          if (problem != NULL)
            g_error ("%s's %s: %s", action_name, G_OBJECT_TYPE_NAME (child), problem);
          n_found++;
        }

      n_found += assert_action_labels (child, action_name, label);
    }

  return n_found;
}

static void
test_window_drop_details (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  LabelQuery query = { fixture->window, LONG_TEXT };
  GtkWidget *list_view;
  GtkWidget *label;
  GtkWidget *view;

  drop = dropify_service_send_text (fixture->service, LONG_TEXT, 0, &error);
  g_assert_no_error (error);
  wait_for (history_is_shown, fixture->window, "the history to show");
  run_main_loop_for (100);

  /* The row itself cuts the text short. */
  g_assert_null (find_label (fixture->window, LONG_TEXT));

  list_view = find_history_list (fixture->window);
  g_assert_true (gtk_widget_activate_action (list_view, "list.activate-item", "u", 0));
  wait_for (drop_view_is_shown, fixture->window, "the drop's page");
  wait_for (label_is_shown, &query, "the whole text");

  label = find_label (fixture->window, LONG_TEXT);
  g_assert_true (gtk_label_get_selectable (GTK_LABEL (label)));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (label)),
                            "<a href=\"https://example.org/a?b=1&amp;c=2\">"));
  g_assert_null (strstr (gtk_label_get_label (GTK_LABEL (label)), "<b>"));
  g_assert_true (gtk_widget_is_visible (find_button (fixture->window, "_Copy")));

  query.text = "This device";
  wait_for (label_is_shown, &query, "where the drop comes from");

  view = find_descendant (fixture->window, DROPIFY_TYPE_DROP_VIEW);
  g_assert_cmpuint (assert_action_labels (view, "drop.copy", "Copy “First paragraph.”"), ==, 1);
  /* In the header bar and at the foot of the page. */
  g_assert_cmpuint (assert_action_labels (view, "drop.delete",
                                          "Delete “First paragraph.” Everywhere"), ==, 2);

  g_assert_true (gtk_widget_activate_action (view, "win.show-history", NULL));
  wait_for (drop_view_is_gone, fixture->window, "the history again");

  /* Enter on a row, typed as a user types it, opens it too. */
  if (xdotool != NULL)
    {
      DropifyDropRow *row = find_row_for (list_view, drop);

      g_assert_nonnull (row);
      g_assert_true (gtk_widget_grab_focus (gtk_widget_get_parent (GTK_WIDGET (row))));
      type_key_until ("Return", drop_view_is_shown, fixture->window, "Enter to open the drop's page");
      g_assert_true (gtk_widget_activate_action (view, "win.show-history", NULL));
      wait_for (drop_view_is_gone, fixture->window, "the history again");
    }

  g_assert_true (gtk_widget_activate_action (list_view, "list.activate-item", "u", 0));
  wait_for (drop_view_is_shown, fixture->window, "the drop's page again");
  g_assert_true (gtk_widget_activate_action (view, "drop.delete", NULL));
  wait_for (history_list_is_mapped, fixture->window, "the history after the deletion");
  wait_for (undo_is_offered, fixture->window, "the Undo toast");
  wait_for (drop_view_is_gone, fixture->window, "the drop's page to go");
}

/* Change Expiry (issue 16): from a drop's page and from its row's menu,
 * a dialog that says what happens and offers Preferences' lifetimes;
 * changing makes a new drop with the new expiry and deletes the old. */
static gboolean
expiry_dialog_is_shown (gpointer data)
{
  GtkWidget *dialog = find_toplevel (DROPIFY_TYPE_EXPIRY_DIALOG);

  return dialog != NULL && gtk_widget_get_mapped (dialog);
}

static gboolean
expiry_dialog_is_gone (gpointer data)
{
  return !expiry_dialog_is_shown (data);
}

typedef struct
{
  DropifyHistory *history;
  const char     *old_id;
  GtkWidget      *window;
} Redropped;

static gboolean
drop_is_redropped (gpointer data)
{
  Redropped *wait = data;
  g_autoptr(DropifyDrop) drop = g_list_model_get_item (G_LIST_MODEL (wait->history), 0);
  GtkWidget *view = find_descendant (wait->window, DROPIFY_TYPE_DROP_VIEW);

  return g_list_model_get_n_items (G_LIST_MODEL (wait->history)) == 1 &&
         g_strcmp0 (dropify_drop_get_id (drop), wait->old_id) != 0 &&
         view != NULL && gtk_widget_get_mapped (view) &&
         dropify_drop_view_get_drop (DROPIFY_DROP_VIEW (view)) != NULL &&
         g_str_equal (dropify_drop_get_id (dropify_drop_view_get_drop (DROPIFY_DROP_VIEW (view))),
                      dropify_drop_get_id (drop));
}

/* Clicks the dialog's button for a response, as a user does: it
 * responds and closes. */
static void
click_response (GtkWidget  *dialog,
                const char *label)
{
  GtkWidget *button = find_button (dialog, label);

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
}

static void
test_window_change_expiry (Fixture       *fixture,
                           gconstpointer  user_data)
{
  static const char * const lifetimes[] = {
    "10 minutes", "1 hour", "24 hours", "7 days", "30 days",
  };
  DropifyHistory *history = dropify_service_get_history (fixture->service);
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(DropifyDrop) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *old_id = NULL;
  LabelQuery query = { NULL, NULL };
  GtkWidget *list_view;
  GtkWidget *view;
  GtkWidget *dialog;
  AdwComboRow *row;
  GListModel *model;
  DropifyDropRow *drop_row;
  int64_t before;
  Redropped wait;

  drop = dropify_service_send_text (fixture->service, "Meeting notes for Monday", 0, &error);
  g_assert_no_error (error);
  old_id = g_strdup (dropify_drop_get_id (drop));
  wait_for (history_is_shown, fixture->window, "the history to show");

  list_view = find_history_list (fixture->window);
  g_assert_true (gtk_widget_activate_action (list_view, "list.activate-item", "u", 0));
  wait_for (drop_view_is_shown, fixture->window, "the drop's page");
  view = find_descendant (fixture->window, DROPIFY_TYPE_DROP_VIEW);
  g_assert_cmpuint (assert_action_labels (view, "drop.change-expiry",
                                          "Change Expiry of “Meeting notes for Monday”…"), ==, 1);
  g_assert_nonnull (find_titled_row (view, ADW_TYPE_ACTION_ROW, "Change _Expiry…"));

  /* Cancel changes nothing. */
  g_assert_true (gtk_widget_activate_action (view, "drop.change-expiry", NULL));
  wait_for (expiry_dialog_is_shown, NULL, "the Change Expiry dialog");
  dialog = find_toplevel (DROPIFY_TYPE_EXPIRY_DIALOG);
  click_response (dialog, "_Cancel");
  wait_for (expiry_dialog_is_gone, NULL, "the dialog to close");
  g_assert_nonnull (dropify_history_lookup (history, old_id));

  g_assert_true (gtk_widget_activate_action (view, "drop.change-expiry", NULL));
  wait_for (expiry_dialog_is_shown, NULL, "the Change Expiry dialog again");
  dialog = find_toplevel (DROPIFY_TYPE_EXPIRY_DIALOG);

  /* It says plainly what will happen. */
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==, "Change Expiry?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                            "drops “Meeting notes for Monday” again for the same devices"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                            "then deletes this drop everywhere"));
  query.window = dialog;
  query.text = "Change Expiry?";
  wait_for (label_is_shown, &query, "the dialog's heading");

  /* Preferences' lifetimes, the default (24 hours) chosen at first. */
  row = ADW_COMBO_ROW (find_descendant (dialog, ADW_TYPE_COMBO_ROW));
  model = adw_combo_row_get_model (row);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, G_N_ELEMENTS (lifetimes));
  for (guint i = 0; i < G_N_ELEMENTS (lifetimes); i++)
    g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (model), i), ==, lifetimes[i]);
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 2);

  adw_combo_row_set_selected (row, 3);
  before = dropify_history_now (history);
  click_response (dialog, "C_hange Expiry");
  wait_for (expiry_dialog_is_gone, NULL, "the dialog to close");

  /* One drop: a new one, with the same text and the new expiry, shown
   * on the page in place of the old. */
  wait = (Redropped) { history, old_id, fixture->window };
  wait_for (drop_is_redropped, &wait, "the new drop in place of the old");
  g_assert_null (dropify_history_lookup (history, old_id));
  g_assert_true (dropify_history_is_deleted (history, old_id));
  again = g_list_model_get_item (G_LIST_MODEL (history), 0);
  g_assert_cmpstr (dropify_drop_get_text (again), ==, "Meeting notes for Monday");
  g_assert_cmpint (dropify_drop_get_expires_at (again), >=,
                   before + G_GINT64_CONSTANT (7) * 24 * 60 * 60 * 1000);
  g_assert_cmpint (dropify_drop_get_expires_at (again), <=,
                   dropify_history_now (history) + G_GINT64_CONSTANT (7) * 24 * 60 * 60 * 1000);
  query.window = fixture->window;
  query.text = "Dropped “Meeting notes for Monday” again, to expire in 7 days";
  wait_for (label_is_shown, &query, "the toast");

  /* The row's menu offers it too, for that drop. */
  g_assert_true (gtk_widget_activate_action (view, "win.show-history", NULL));
  wait_for (drop_view_is_gone, fixture->window, "the history again");
  drop_row = find_row_for (list_view, again);
  g_assert_nonnull (drop_row);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (drop_row), "row.change-expiry", NULL));
  wait_for (expiry_dialog_is_shown, NULL, "the dialog from the row");
  dialog = find_toplevel (DROPIFY_TYPE_EXPIRY_DIALOG);
  click_response (dialog, "_Cancel");
  wait_for (expiry_dialog_is_gone, NULL, "the dialog to close");
  g_assert_nonnull (dropify_history_lookup (history, dropify_drop_get_id (again)));
}

/* A file's page says what it is, how big, where, and its checksum. */
static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static void
test_window_file_details (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autofree char *size = NULL;
  LabelQuery query = { fixture->window, NULL };
  GtkWidget *list_view;

  drop = send_file (fixture, "Notes.txt", "twenty bytes of text");
  wait_for_row (fixture, "Notes.txt");

  list_view = find_history_list (fixture->window);
  g_assert_true (gtk_widget_activate_action (list_view, "list.activate-item", "u", 0));
  wait_for (drop_view_is_shown, fixture->window, "the file's page");

  size = g_format_size (20);
  query.text = size;
  wait_for (label_is_shown, &query, "the file's size");
  query.text = dropify_drop_get_sha256 (drop);
  wait_for (label_is_shown, &query, "the file's SHA-256");
  query.text = dropify_drop_get_path (drop);
  wait_for (label_is_shown, &query, "where the file is");
  g_assert_nonnull (find_button (fixture->window, "_Open"));

  /* A screen reader hears which file each action is for. */
  {
    GtkWidget *view = find_descendant (fixture->window, DROPIFY_TYPE_DROP_VIEW);
    const struct
    {
      const char *action_name;
      const char *label;
      guint       n_widgets;
    } actions[] = {
      { "drop.copy", "Copy “Notes.txt”", 1 },
      { "drop.open", "Open “Notes.txt”", 1 },
      { "drop.show-in-files", "Show “Notes.txt” in Files", 1 },
      { "drop.save-as", "Save “Notes.txt” As…", 1 },
      { "drop.keep", "Keep a Copy of “Notes.txt”", 1 },
      { "drop.delete", "Delete “Notes.txt” Everywhere", 2 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
      g_assert_cmpuint (assert_action_labels (view, actions[i].action_name, actions[i].label),
                        ==, actions[i].n_widgets);
  }

  /* Kept: a copy in Downloads, which never replaces a file; the drop
   * itself still expires. */
  {
    GtkWidget *view = find_descendant (fixture->window, DROPIFY_TYPE_DROP_VIEW);
    g_autofree char *downloads = dropify_auto_save_dup_default_directory ();
    g_autofree char *folder = g_filename_display_basename (downloads);
    g_autofree char *kept = g_build_filename (downloads, "Notes.txt", NULL);
    g_autofree char *kept_again = g_build_filename (downloads, "Notes (1).txt", NULL);
    g_autofree char *toast = g_strdup_printf ("Kept “Notes (1).txt” in %s", folder);
    g_autofree char *contents = NULL;
    int64_t expires_at = dropify_drop_get_expires_at (drop);

    g_assert_true (gtk_widget_activate_action (view, "drop.keep", NULL));
    wait_for (file_exists, kept, "the kept copy");
    g_assert_true (gtk_widget_activate_action (view, "drop.keep", NULL));
    query.text = toast;
    wait_for (label_is_shown, &query, "the toast naming the second copy");
    g_assert_true (g_file_get_contents (kept_again, &contents, NULL, NULL));
    g_assert_cmpstr (contents, ==, "twenty bytes of text");
    g_assert_cmpint (dropify_drop_get_expires_at (drop), ==, expires_at);
  }
}

/* A right click on a row opens its menu where the pointer is. */
static void
test_window_context_menu (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");
  g_autofree char *x = NULL;
  g_autofree char *y = NULL;
  LabelQuery query = { NULL, "Show _Details" };
  graphene_point_t point;
  double surface_x, surface_y;
  GtkWidget *popover;
  DropifyDropRow *row;

  if (xdotool == NULL)
    {
      g_test_skip ("xdotool is not installed (build-aux/install-deps --test)");
      return;
    }

  drop = dropify_service_send_text (fixture->service, "right-click me", 0, &error);
  g_assert_no_error (error);
  row = wait_for_row (fixture, "right-click me");
  run_main_loop_for (200);

  g_assert_true (gtk_widget_compute_point (GTK_WIDGET (row), fixture->window,
                                           &GRAPHENE_POINT_INIT (40, 20), &point));
  gtk_native_get_surface_transform (GTK_NATIVE (fixture->window), &surface_x, &surface_y);
  x = g_strdup_printf ("%d", (int) (point.x + surface_x));
  y = g_strdup_printf ("%d", (int) (point.y + surface_y));

  {
    const char *argv[] = {
      "xdotool", "search", "--onlyvisible", "--name", "^Dropify$",
      "mousemove", "--window", "%1", "--sync", x, y, "click", "3", NULL
    };
    g_autoptr(GError) spawn_error = NULL;
    int status;

    g_spawn_sync (NULL, (char **) argv, NULL,
                  G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, NULL, NULL, &status, &spawn_error);
    g_assert_no_error (spawn_error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }

  /* The menu labels carry their mnemonics as they are shown. */
  query.window = GTK_WIDGET (row);
  query.text = "Show Details";
  wait_for (label_is_shown, &query, "the row's context menu");
  query.text = "Delete Everywhere";
  g_assert_true (label_is_shown (&query));

  /* An open menu holds the X server's keyboard grab: close it, or the
   * next test's keys would go to it. */
  popover = gtk_widget_get_ancestor (find_label (GTK_WIDGET (row), "Delete Everywhere"),
                                     GTK_TYPE_POPOVER);
  g_assert_nonnull (popover);

  /* Its items are every drop's: the menu says whose they are. */
  {
    g_autofree char *problem = NULL;

    problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (popover),
                                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                  "Actions for “right-click me”");
    g_assert_null (problem);
  }
  gtk_popover_popdown (GTK_POPOVER (popover));
  wait_for (widget_is_unmapped, popover, "the menu to close");
}

/* The newest drop in view */

#define TALL_TEXT(n) \
  "Tall drop " n "\nline two\nline three\n\nand a paragraph long enough to wrap " \
  "once or twice in a window of ordinary width, as real notes do"

/* A drop from another device, added as sync adds it. */
static DropifyDrop *
add_peer_drop (Fixture    *fixture,
               const char *text)
{
  /* Each drop newer than the one before, even within a millisecond:
   * the tests read the newest as the last one added. */
  static int64_t last;
  DropifyHistory *history = dropify_service_get_history (fixture->service);
  int64_t now = MAX (dropify_history_now (history), last + 1);
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;

  last = now;
  drop = dropify_drop_new_text (id, "laptop-device-id", "Laptop", text, now, now + 3600 * 1000);
  g_assert_true (dropify_history_add (history, drop, &error));
  g_assert_no_error (error);

  return g_steal_pointer (&drop);
}

static GtkScrolledWindow *
get_history_scroller (Fixture *fixture)
{
  GtkWidget *list_view = find_history_list (fixture->window);

  return GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (list_view, GTK_TYPE_SCROLLED_WINDOW));
}

static DropifyDropRow *
find_row_for (GtkWidget   *widget,
              DropifyDrop *drop)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      DropifyDropRow *found;

      if (DROPIFY_IS_DROP_ROW (child) && dropify_drop_row_get_drop (DROPIFY_DROP_ROW (child)) == drop)
        return DROPIFY_DROP_ROW (child);

      if ((found = find_row_for (child, drop)))
        return found;
    }

  return NULL;
}

typedef struct
{
  Fixture     *fixture;
  DropifyDrop *drop;
} ViewQuery;

/* The top of @drop's row is inside the visible part of the history. */
static gboolean
drop_is_in_view (gpointer data)
{
  ViewQuery *query = data;
  GtkWidget *scroller = GTK_WIDGET (get_history_scroller (query->fixture));
  DropifyDropRow *row = find_row_for (scroller, query->drop);
  graphene_point_t top;

  if (row == NULL || !gtk_widget_get_mapped (GTK_WIDGET (row)) ||
      gtk_widget_get_height (GTK_WIDGET (row)) == 0)
    return FALSE;

  if (!gtk_widget_compute_point (GTK_WIDGET (row), scroller, &GRAPHENE_POINT_INIT (0, 0), &top))
    return FALSE;

  return top.y >= -1 && top.y < gtk_widget_get_height (scroller) - 20;
}

static gboolean
list_has_moved (gpointer data)
{
  GtkAdjustment *vadjustment = data;

  return gtk_adjustment_get_value (vadjustment) > gtk_adjustment_get_lower (vadjustment);
}

/* Drops arriving in bursts, one while the list is still placing the one
 * before, with tall drops on top: read from the top, the newest is
 * always in view. Scrolled away, the view stays, and a button says how
 * many came and takes the reader up to them. */
static void
test_window_newest_in_view (Fixture       *fixture,
                            gconstpointer  user_data)
{
  GtkAdjustment *vadjustment;
  ViewQuery query = { fixture, NULL };
  LabelQuery label_query = { fixture->window, NULL };
  GtkWidget *button;

  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 480, 480);

  for (guint i = 0; i < 8; i++)
    g_object_unref (add_peer_drop (fixture, TALL_TEXT ("before")));
  wait_for (history_is_shown, fixture->window, "the history to show");
  vadjustment = gtk_scrolled_window_get_vadjustment (get_history_scroller (fixture));
  run_main_loop_for (200);

  for (guint burst = 0; burst < 4; burst++)
    {
      g_autoptr(DropifyDrop) first = add_peer_drop (fixture, TALL_TEXT ("first of a burst"));
      g_autoptr(DropifyDrop) second = NULL;

      /* The second lands when the list has laid out the first: the list
       * keeps the row it had on top in place, and moves the view down. */
      for (guint i = 0; i < 1000 && !list_has_moved (vadjustment); i++)
        g_main_context_iteration (NULL, FALSE);
      second = add_peer_drop (fixture, TALL_TEXT ("second of a burst"));

      query.drop = second;
      wait_for (drop_is_in_view, &query, "the newest drop to be in view");
      run_main_loop_for (150);
      g_assert_true (drop_is_in_view (&query));
      query.drop = NULL;
    }

  /* Scrolled away to older drops: they stay in view. */
  gtk_adjustment_set_value (vadjustment, (gtk_adjustment_get_upper (vadjustment) -
                                          gtk_adjustment_get_page_size (vadjustment)) / 2);
  run_main_loop_for (150);

  for (guint i = 0; i < 3; i++)
    {
      g_clear_object (&query.drop);
      query.drop = add_peer_drop (fixture, TALL_TEXT ("while away"));
    }
  run_main_loop_for (300);
  g_assert_false (drop_is_in_view (&query));

  label_query.text = "3 new drops";
  wait_for (label_is_shown, &label_query, "the new drops button");
  button = gtk_widget_get_ancestor (find_label (fixture->window, "3 new drops"), GTK_TYPE_BUTTON);
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");

  wait_for (drop_is_in_view, &query, "the newest drop after the button");
  wait_for (label_is_gone, &label_query, "the new drops button to go");
  g_clear_object (&query.drop);
}

/* Texts whose size a row estimates without laying them out, some of them
 * wrongly on purpose: scripts and symbols it knows no widths for, words
 * longer than a line, addresses, paragraphs. */
static const char * const jump_texts[] = {
  "Drop %u: a short text, like a link to https://example.org/%u or a code to copy",
  "https://example.org/a/rather/long/address/that/wraps/somewhere/%u/index.html?from=dropify",
  "東京の天気は晴れ、明日は雨が降るでしょう。傘を忘れずに持って行ってください。%u 番",
  "🎉🎉 party at %u 🍕🍕🍕 bring 🥤 and 🎶, we start at eight, don't be late 🕗🕗",
  "line one %u\nline two\nline three\nline four, which the row leaves out",
  "مرحبا بالعالم، هذه رسالة قصيرة رقم %u للتجربة فقط، لا أكثر ولا أقل",
  "Supercalifragilisticexpialidocious%uSupercalifragilisticexpialidociousSupercalifragilistic",
  "Ça coûte %u € — très cher, n’est-ce pas ? Ünïcödé wörds ärë fïnë",
};

/* Every label in view of @widget is as tall as its text needs at its
 * width: none is cut short, none has room to spare. */
static void
assert_labels_fit (GtkWidget *widget,
                   GtkWidget *scroller,
                   guint     *n_checked)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      graphene_rect_t bounds;

      if (!gtk_widget_get_mapped (child) ||
          !gtk_widget_compute_bounds (child, scroller, &bounds) ||
          bounds.origin.y + bounds.size.height <= 0 ||
          bounds.origin.y >= gtk_widget_get_height (scroller))
        continue;

      if (GTK_IS_LABEL (child))
        {
          int minimum, natural;

          gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, gtk_widget_get_width (child),
                              &minimum, &natural, NULL, NULL);
          if (gtk_widget_get_height (child) < minimum || gtk_widget_get_height (child) > natural)
            g_error ("“%s” is %d px tall at %d px, and needs %d to %d (at y = %.0f of %d)",
                     gtk_label_get_text (GTK_LABEL (child)), gtk_widget_get_height (child),
                     gtk_widget_get_width (child), minimum, natural,
                     bounds.origin.y, gtk_widget_get_height (scroller));
          (*n_checked)++;
          continue;
        }

      assert_labels_fit (child, scroller, n_checked);
    }
}

/* Until the rows in view were drawn at least once with none sized again:
 * a row found too short or too tall when drawn is sized again for the
 * next frame. */
static void
wait_for_rows_to_settle (void)
{
  for (guint i = 0; i < 50; i++)
    {
      guint misses = dropify_lazy_label_get_n_misses ();

      run_main_loop_for (150);
      if (dropify_lazy_label_get_n_misses () == misses)
        return;
    }
}

static guint
count_drop_rows (GtkWidget *widget)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += DROPIFY_IS_DROP_ROW (child) ? 1 : count_drop_rows (child);

  return n;
}

/* Rows are sized from an estimate while the list binds them, and a
 * jump binds a screenful and more: once the list settles, the rows in
 * view show their whole text at its own size, whatever the script.
 *
 * However long the history, the list keeps a few dozen rows, not the
 * ~200 of GTK 4.8's list view (8 MiB at 10,000 drops, and the work of a
 * scrollbar drag), and is still a list to assistive technologies. */
static void
test_window_rows_after_jump (Fixture       *fixture,
                             gconstpointer  user_data)
{
  const double stops[] = { 0.5, 0.13, 1.0, 0.77, 0.0 };
  GtkAdjustment *vadjustment;
  GtkWidget *scroller;
  GtkWidget *list;

  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 480, 640);

  for (guint i = 0; i < 600; i++)
    {
      g_autofree char *text = NULL;

      /* The formats of the table above, with one or two %u. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
      text = g_strdup_printf (jump_texts[i % G_N_ELEMENTS (jump_texts)], i, i);
#pragma GCC diagnostic pop
      g_object_unref (add_peer_drop (fixture, text));
    }
  wait_for (history_is_shown, fixture->window, "the history to show");
  list = find_history_list (fixture->window);
  g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (list)), ==,
                   GTK_ACCESSIBLE_ROLE_LIST);
  scroller = GTK_WIDGET (get_history_scroller (fixture));
  vadjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  run_main_loop_for (200);

  for (guint i = 0; i < G_N_ELEMENTS (stops); i++)
    {
      guint n_checked = 0;

      /* A jump, as a dragged scrollbar makes, then a few frames. */
      gtk_adjustment_set_value (vadjustment,
                                (gtk_adjustment_get_upper (vadjustment) -
                                 gtk_adjustment_get_page_size (vadjustment)) * stops[i]);
      run_main_loop_for (100);
      wait_for_rows_to_settle ();

      assert_labels_fit (list, scroller, &n_checked);
      /* At least the title and details of a few rows. */
      g_assert_cmpuint (n_checked, >=, 6);
      g_assert_cmpuint (count_drop_rows (list), <=, 40);
    }
}

static gboolean
has_label_starting (GtkWidget  *widget,
                    const char *prefix)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child) && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (child)), prefix))
        return TRUE;

      if (has_label_starting (child, prefix))
        return TRUE;
    }

  return FALSE;
}

/* A drop made here says so in words, not with this device's name, which
 * other devices may share; a peer's drop names the peer. */
static void
test_window_origin_words (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(DropifyDrop) own = NULL;
  g_autoptr(DropifyDrop) theirs = NULL;
  g_autoptr(GError) error = NULL;
  DropifyDropRow *row;

  own = dropify_service_send_text (fixture->service, "made here", 0, &error);
  g_assert_no_error (error);
  theirs = add_peer_drop (fixture, "made on the laptop");

  row = wait_for_row (fixture, "made here");
  g_assert_true (has_label_starting (GTK_WIDGET (row), "This\u00a0device · "));

  row = wait_for_row (fixture, "made on the laptop");
  g_assert_true (has_label_starting (GTK_WIDGET (row), "From\u00a0Laptop · "));

  /* Every row has the same buttons; a screen reader says whose. */
  {
    GtkWidget *menu_button = find_descendant (GTK_WIDGET (row), GTK_TYPE_MENU_BUTTON);
    g_autofree char *problem = NULL;

    problem = gtk_test_accessible_check_property (GTK_ACCESSIBLE (menu_button),
                                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                  "Actions for “made on the laptop”");
    g_assert_null (problem);
  }
}

/* Dates as people say them; the test runs in UTC (TZ below). */
static void
test_date_text (void)
{
  /* Wednesday 2 December 2026, 14:05:33 UTC */
  const int64_t now = G_GINT64_CONSTANT (1796220333) * 1000;
  const int64_t minute = 60 * 1000;
  const int64_t hour = 60 * minute;
  const int64_t day = 24 * hour;
  const struct {
    int64_t     at;
    const char *text;
  } cases[] = {
    { now, "Today at 14:05" },
    { now - 14 * hour, "Today at 00:05" },
    { now - 15 * hour, "Yesterday at 23:05" },
    { now - 2 * day, "Monday at 14:05" },
    { now - 30 * day, "2 November 2026 at 14:05" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = dropify_drop_row_format_date (cases[i].at, now);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static GtkWidget *
find_button_content (GtkWidget  *widget,
                     const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (ADW_IS_BUTTON_CONTENT (child) && gtk_widget_get_mapped (child) &&
          g_strcmp0 (adw_button_content_get_label (ADW_BUTTON_CONTENT (child)), label) == 0)
        return child;

      if ((found = find_button_content (child, label)))
        return found;
    }

  return NULL;
}

/* The header's clipboard button says what it does, in the words of the
 * main menu, and does what that menu item does. */
static void
test_window_clipboard_button (Fixture       *fixture,
                              gconstpointer  user_data)
{
  GtkWidget *content;
  GtkWidget *button;

  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 720, 560);
  run_main_loop_for (300);

  content = find_button_content (fixture->window, "_Send Clipboard");
  g_assert_nonnull (content);
  button = gtk_widget_get_ancestor (content, GTK_TYPE_BUTTON);
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==,
                   "win.send-clipboard");
}

static gboolean
no_results_shown (gpointer data)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (get_stack (data)), "no-results") == 0;
}

/* Ctrl+F's search finds texts and file names, narrows to a kind, says
 * when nothing matches, and closing it shows everything again. */
/* A drop-down by its tooltip: the search bar has two. */
static GtkWidget *
find_dropdown_in (GtkWidget  *widget,
                  const char *tooltip)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_DROP_DOWN (child) && g_strcmp0 (gtk_widget_get_tooltip_text (child), tooltip) == 0)
        return child;
      if ((found = find_dropdown_in (child, tooltip)))
        return found;
    }

  return NULL;
}

static GtkWidget *
find_dropdown (GtkWidget  *window,
               const char *tooltip)
{
  GtkWidget *dropdown = find_dropdown_in (window, tooltip);

  g_assert_nonnull (dropdown);
  return dropdown;
}

static void
test_window_search (Fixture       *fixture,
                    gconstpointer  user_data)
{
  g_autoptr(DropifyDrop) text = NULL;
  g_autoptr(DropifyDrop) other = NULL;
  g_autoptr(DropifyDrop) file = NULL;
  g_autoptr(GError) error = NULL;
  LabelQuery wifi = { fixture->window, "WiFi password: hunter2" };
  LabelQuery door = { fixture->window, "The door code is 4711#" };
  LabelQuery report = { fixture->window, "Quarterly report.pdf" };
  GtkWidget *entry;
  GtkWidget *dropdown;

  text = dropify_service_send_text (fixture->service, "WiFi password: hunter2", 0, &error);
  g_assert_no_error (error);
  other = dropify_service_send_text (fixture->service, "The door code is 4711#", 0, &error);
  g_assert_no_error (error);
  file = send_file (fixture, "Quarterly report.pdf", "%PDF-1.4 numbers");
  wait_for (label_is_shown, &report, "the file's row");

  /* The search's drop-downs are made when it first opens. */
  g_assert_null (find_dropdown_in (fixture->window, "Kind of Drops"));
  g_assert_null (find_dropdown_in (fixture->window, "From Device"));
  g_assert_true (gtk_widget_activate_action (fixture->window, "win.search", NULL));
  entry = find_descendant (fixture->window, GTK_TYPE_SEARCH_ENTRY);
  wait_for (widget_is_mapped, entry, "the search bar");

  gtk_editable_set_text (GTK_EDITABLE (entry), "PASSWORD");
  wait_for (label_is_gone, &door, "the door code to be filtered out");
  wait_for (label_is_gone, &report, "the file to be filtered out");
  g_assert_true (label_is_shown (&wifi));

  gtk_editable_set_text (GTK_EDITABLE (entry), "report");
  wait_for (label_is_shown, &report, "the file, by its name");
  wait_for (label_is_gone, &wifi, "the texts to be filtered out");

  /* Texts only: the file's name matches, but it is not a text. */
  dropdown = find_dropdown (fixture->window, "Kind of Drops");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), 1);
  wait_for (no_results_shown, fixture->window, "no results");

  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  wait_for (label_is_shown, &wifi, "every text");
  g_assert_true (label_is_shown (&door));
  g_assert_false (label_is_shown (&report));

  /* A new drop that matches shows up while searching. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "hunter");
  wait_for (label_is_gone, &door, "the search again");
  g_clear_object (&other);
  other = dropify_service_send_text (fixture->service, "hunter2 again", 0, &error);
  g_assert_no_error (error);
  wait_for (label_is_shown, &(LabelQuery) { fixture->window, "hunter2 again" }, "the new drop found");

  /* Closing the search shows everything. */
  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (gtk_widget_get_ancestor (entry, GTK_TYPE_SEARCH_BAR)),
                                  FALSE);
  wait_for (label_is_shown, &door, "everything again");
  wait_for (label_is_shown, &report, "the file again");

  /* From one device: the devices offered are those the drops come from. */
  {
    DropifyHistory *history = dropify_service_get_history (fixture->service);
    int64_t now = dropify_history_now (history);
    g_autoptr(DropifyDrop) laptop = dropify_drop_new_text ("laptop-drop-1", "laptop-device", "Laptop",
                                                           "Sent from the laptop", now, now + 3600000);
    LabelQuery from_laptop = { fixture->window, "Sent from the laptop" };
    GListModel *devices;
    guint laptop_at = G_MAXUINT;

    g_assert_true (dropify_history_add (history, laptop, &error));
    g_assert_no_error (error);
    wait_for (label_is_shown, &from_laptop, "the laptop's drop");

    g_assert_true (gtk_widget_activate_action (fixture->window, "win.search", NULL));
    dropdown = find_dropdown (fixture->window, "From Device");
    devices = gtk_drop_down_get_model (GTK_DROP_DOWN (dropdown));
    g_assert_cmpuint (g_list_model_get_n_items (devices), ==, 3);
    g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (devices), 0), ==, "All Devices");
    for (guint i = 0; i < g_list_model_get_n_items (devices); i++)
      if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (devices), i), "Laptop"))
        laptop_at = i;
    g_assert_cmpuint (laptop_at, ==, 1);
    g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (devices), 2), ==, "This Device");

    gtk_editable_set_text (GTK_EDITABLE (entry), "");
    gtk_drop_down_set_selected (GTK_DROP_DOWN (find_dropdown (fixture->window, "Kind of Drops")), 0);
    gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), laptop_at);
    wait_for (label_is_gone, &door, "this device's drops to be filtered out");
    g_assert_true (label_is_shown (&from_laptop));
    g_assert_false (label_is_shown (&report));

    gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), 2);
    wait_for (label_is_gone, &from_laptop, "the laptop's drop to be filtered out");
    wait_for (label_is_shown, &door, "this device's drops");
  }
}

static gboolean
devices_shown (gpointer data)
{
  AdwLeaflet *leaflet = ADW_LEAFLET (find_descendant (data, ADW_TYPE_LEAFLET));

  return g_strcmp0 (adw_leaflet_get_visible_child_name (leaflet), "devices") == 0;
}

/* Ctrl+D shows the devices, typed as a user types it, even while
 * writing a drop. */
static void
test_window_devices_shortcut (Fixture       *fixture,
                              gconstpointer  user_data)
{
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");
  GtkWidget *composer;

  if (xdotool == NULL)
    {
      g_test_skip ("xdotool is not installed (build-aux/install-deps --test)");
      return;
    }

  composer = find_descendant (fixture->window, GTK_TYPE_TEXT_VIEW);
  g_assert_true (gtk_widget_grab_focus (composer));
  type_key_until ("ctrl+d", devices_shown, fixture->window, "Ctrl+D to show the devices");
}

/* The picture on the drop's page, not one of the rows'. */
static GtkWidget *
find_preview (GtkWidget *window)
{
  GtkWidget *view = find_descendant (window, DROPIFY_TYPE_DROP_VIEW);

  return view != NULL ? find_descendant (view, GTK_TYPE_PICTURE) : NULL;
}

static gboolean
preview_is_shown (gpointer data)
{
  GtkWidget *picture = find_preview (data);

  return picture != NULL && gtk_widget_get_mapped (picture) &&
         gtk_picture_get_paintable (GTK_PICTURE (picture)) != NULL;
}

/* An image file's page shows the image, decoded off the main thread. */
static void
test_window_image_preview (Fixture       *fixture,
                           gconstpointer  user_data)
{
  g_autoptr(GBytes) pixels = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(DropifyDrop) drop = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  GdkPaintable *paintable;
  GtkWidget *list_view;
  guint8 data[64 * 48 * 4];

  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guint8) (i % 4 == 3 ? 255 : i * 7);
  pixels = g_bytes_new (data, sizeof data);
  texture = gdk_memory_texture_new (64, 48, GDK_MEMORY_R8G8B8A8, pixels, 64 * 4);
  png = gdk_texture_save_to_png_bytes (texture);

  path = g_build_filename (g_get_user_data_dir (), "photo.png", NULL);
  g_file_set_contents (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png), &error);
  g_assert_no_error (error);
  drop = send_file_at (fixture, path);
  wait_for_row (fixture, "photo.png");

  list_view = find_history_list (fixture->window);
  g_assert_true (gtk_widget_activate_action (list_view, "list.activate-item", "u", 0));
  wait_for (drop_view_is_shown, fixture->window, "the image's page");
  wait_for (preview_is_shown, fixture->window, "the preview");

  paintable = gtk_picture_get_paintable (GTK_PICTURE (find_preview (fixture->window)));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (paintable), ==, 64);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (paintable), ==, 48);
}

static gboolean
thumbnail_is_loaded (gpointer data)
{
  return dropify_thumbnail_is_loaded (data);
}

static gboolean
thumbnail_is_laid_out (gpointer data)
{
  GtkWidget *picture = find_descendant (data, GTK_TYPE_PICTURE);

  return picture != NULL && gtk_widget_get_mapped (picture) &&
         gtk_widget_get_width (data) > 0 && gtk_widget_get_height (data) > 0;
}

/* An image drop's row shows its thumbnail, made off the main thread, in
 * a box that keeps the row's height; the picture says what it shows. */
static void
test_window_row_thumbnail (Fixture       *fixture,
                           gconstpointer  user_data)
{
  g_autoptr(GdkPixbuf) image = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 1200, 800);
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(DropifyDrop) text = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  DropifyDropRow *row;
  DropifyDropRow *text_row;
  GtkWidget *thumbnail;
  GtkWidget *picture;
  GdkPaintable *paintable;
  int height_before;
  int scale;

  gdk_pixbuf_fill (image, 0xe01b24ff);
  path = g_build_filename (g_get_user_data_dir (), "sunset.jpg", NULL);
  gdk_pixbuf_save (image, path, "jpeg", &error, NULL);
  g_assert_no_error (error);

  drop = send_file_at (fixture, path);
  g_assert_cmpstr (dropify_drop_get_mime (drop), ==, "image/jpeg");
  row = wait_for_row (fixture, "sunset.jpg");
  thumbnail = find_descendant (GTK_WIDGET (row), DROPIFY_TYPE_THUMBNAIL);
  g_assert_nonnull (thumbnail);
  g_assert_true (gtk_widget_get_visible (thumbnail));
  height_before = gtk_widget_get_height (GTK_WIDGET (row));

  wait_for (thumbnail_is_loaded, thumbnail, "the row's thumbnail");
  /* Laid out at the next frame, which no pending source stands for. */
  wait_for (thumbnail_is_laid_out, thumbnail, "the thumbnail's layout");

  picture = find_descendant (thumbnail, GTK_TYPE_PICTURE);
  g_assert_true (gtk_widget_get_mapped (picture));
  g_assert_cmpstr (gtk_picture_get_alternative_text (GTK_PICTURE (picture)), ==,
                   "Thumbnail of sunset.jpg");

  /* Decoded at the size it is shown, not at the thumbnail's 256 px. */
  scale = gtk_widget_get_scale_factor (picture);
  paintable = gtk_picture_get_paintable (GTK_PICTURE (picture));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (paintable), ==, 48 * scale);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (paintable), ==, 32 * scale);
  g_assert_cmpint (gtk_widget_get_width (thumbnail), ==, 48);
  g_assert_cmpint (gtk_widget_get_height (thumbnail), ==, 48);
  if (height_before > 0)
    g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (row)), ==, height_before);

  /* The thumbnail is in the profile's cache. */
  g_assert_true (dropify_thumbnailer_has (dropify_service_get_thumbnailer (fixture->service),
                                          dropify_drop_get_sha256 (drop)));

  /* A text's row has no thumbnail. */
  text = dropify_service_send_text (fixture->service, "no picture here", 0, &error);
  g_assert_no_error (error);
  text_row = wait_for_row (fixture, "no picture here");
  thumbnail = find_descendant (GTK_WIDGET (text_row), DROPIFY_TYPE_THUMBNAIL);
  g_assert_true (thumbnail == NULL || !gtk_widget_get_visible (thumbnail));
}

static void
test_expiry_text (void)
{
  const int64_t minute = 60 * 1000;
  const int64_t hour = 60 * minute;
  const int64_t day = 24 * hour;
  const struct {
    int64_t     remaining;
    const char *text;
  } cases[] = {
    { -5 * minute, "Expires in less than a minute" },
    { 30 * 1000, "Expires in less than a minute" },
    { minute, "Expires in 1 minute" },
    { 10 * minute, "Expires in 10 minutes" },
    { 59 * minute, "Expires in 59 minutes" },
    { hour, "Expires in 1 hour" },
    { day - 1000, "Expires in 24 hours" },
    { 23 * hour + 10 * minute, "Expires in 23 hours" },
    { 47 * hour, "Expires in 47 hours" },
    { 7 * day, "Expires in 7 days" },
    { 30 * day, "Expires in 30 days" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = dropify_drop_row_format_expiry (cases[i].remaining);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *recent_dir = NULL;
  int ret;

  /* The file chooser records saved files with the default recent files
   * manager, which lives as long as the process and watches its file. Made
   * in a test's isolated dirs, it would write there after they are gone;
   * made from the real ones, it would touch the user's recent files. So it
   * gets a directory of its own for the whole run. */
  recent_dir = g_dir_make_tmp ("dropify-ui-test-XXXXXX", NULL);
  g_assert_nonnull (recent_dir);
  g_setenv ("XDG_DATA_HOME", recent_dir, TRUE);
  /* Dates are formatted in local time; the date test expects UTC. */
  g_setenv ("TZ", "UTC", TRUE);
  /* GTK's in-process accessibility backend, which tests can read, and
   * which needs no bus (unlike AT-SPI). */
  g_setenv ("GTK_A11Y", "test", TRUE);

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

  /* Made now, the manager keeps that file for the whole run. */
  gtk_recent_manager_get_default ();

  g_test_add_func ("/ui/drop-row/expiry-text", test_expiry_text);
  g_test_add_func ("/ui/drop-row/date-text", test_date_text);
  g_test_add ("/ui/window/history", Fixture, NULL,
              fixture_set_up, test_window_history, fixture_tear_down);
  g_test_add ("/ui/window/status-icons", Fixture, NULL,
              fixture_set_up, test_window_status_icons, fixture_tear_down);
  g_test_add ("/ui/window/pages-shown-late", Fixture, NULL,
              fixture_set_up, test_window_pages_shown_late, fixture_tear_down);
  g_test_add ("/ui/window/select-delete", Fixture, NULL,
              fixture_set_up, test_window_select_delete, fixture_tear_down);
  g_test_add ("/ui/window/delete-undo", Fixture, NULL,
              fixture_set_up, test_window_delete_undo, fixture_tear_down);
  g_test_add ("/ui/window/delete-in-quick-succession", Fixture, NULL,
              fixture_set_up, test_window_delete_in_quick_succession, fixture_tear_down);
  g_test_add_func ("/ui/drop-view/markup", test_drop_view_markup);
  g_test_add ("/ui/window/drop-details", Fixture, NULL,
              fixture_set_up, test_window_drop_details, fixture_tear_down);
  g_test_add ("/ui/window/file-details", Fixture, NULL,
              fixture_set_up, test_window_file_details, fixture_tear_down);
  g_test_add ("/ui/window/change-expiry", Fixture, NULL,
              fixture_set_up, test_window_change_expiry, fixture_tear_down);
  g_test_add ("/ui/window/context-menu", Fixture, NULL,
              fixture_set_up, test_window_context_menu, fixture_tear_down);
  g_test_add ("/ui/window/rows-after-jump", Fixture, NULL,
              fixture_set_up, test_window_rows_after_jump, fixture_tear_down);
  g_test_add ("/ui/window/newest-in-view", Fixture, NULL,
              fixture_set_up, test_window_newest_in_view, fixture_tear_down);
  g_test_add ("/ui/window/origin-words", Fixture, NULL,
              fixture_set_up, test_window_origin_words, fixture_tear_down);
  g_test_add ("/ui/window/clipboard-button", Fixture, NULL,
              fixture_set_up, test_window_clipboard_button, fixture_tear_down);
  g_test_add ("/ui/window/send-to", Fixture, NULL,
              fixture_set_up, test_window_send_to, fixture_tear_down);
  g_test_add ("/ui/window/search", Fixture, NULL,
              fixture_set_up, test_window_search, fixture_tear_down);
  g_test_add ("/ui/window/devices-shortcut", Fixture, NULL,
              fixture_set_up, test_window_devices_shortcut, fixture_tear_down);
  g_test_add ("/ui/window/image-preview", Fixture, NULL,
              fixture_set_up, test_window_image_preview, fixture_tear_down);
  g_test_add ("/ui/window/row-thumbnail", Fixture, NULL,
              fixture_set_up, test_window_row_thumbnail, fixture_tear_down);
  g_test_add ("/ui/window/newest-first", Fixture, NULL,
              fixture_set_up, test_window_rows_are_newest_first, fixture_tear_down);
  g_test_add ("/ui/window/row-menu", Fixture, NULL,
              fixture_set_up, test_window_row_menu, fixture_tear_down);
  g_test_add ("/ui/window/copy", Fixture, NULL,
              fixture_set_up, test_window_copy, fixture_tear_down);
  g_test_add ("/ui/window/copy-file", Fixture, NULL,
              fixture_set_up, test_window_copy_file, fixture_tear_down);
  g_test_add ("/ui/window/save-as", Fixture, NULL,
              fixture_set_up, test_window_save_as, fixture_tear_down);
  g_test_add ("/ui/window/paste-text", Fixture, NULL,
              fixture_set_up, test_window_paste_text, fixture_tear_down);
  g_test_add ("/ui/window/paste-image", Fixture, NULL,
              fixture_set_up, test_window_paste_image, fixture_tear_down);
  g_test_add ("/ui/window/paste-files", Fixture, NULL,
              fixture_set_up, test_window_paste_files, fixture_tear_down);
  g_test_add ("/ui/window/tab-through-history", Fixture, NULL,
              fixture_set_up_full, test_window_tab_through_history, fixture_tear_down);
  g_test_add ("/ui/window/narrow-header", Fixture, NULL,
              fixture_set_up, test_window_narrow_header, fixture_tear_down);
  g_test_add ("/ui/window/composer", Fixture, NULL,
              fixture_set_up, test_window_composer, fixture_tear_down);

  ret = g_test_run ();

  dropify_test_remove_dir (recent_dir);

  return ret;
}
