/* ui-test-util.c: waiting for, and finding, what a user would see
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <execinfo.h>
#include <signal.h>
#include <unistd.h>

#include "ui-test-util.h"

#if !defined(__SANITIZE_ADDRESS__)
/* A UI test that crashes once in many runs leaves only "SIGSEGV" in the
 * log; print where it was, so the next time is the last. Sanitizer
 * builds print their own reports, so this stays out of their way. */
static void
print_backtrace_and_die (int signum)
{
  static const char header[] = "\n*** crashed; backtrace:\n";
  void *frames[64];
  int n;

  if (write (STDERR_FILENO, header, sizeof header - 1) < 0)
    _exit (128 + signum);
  n = backtrace (frames, G_N_ELEMENTS (frames));
  backtrace_symbols_fd (frames, n, STDERR_FILENO);
  signal (signum, SIG_DFL);
  raise (signum);
}

__attribute__((constructor)) static void
install_crash_backtrace (void)
{
  signal (SIGSEGV, print_backtrace_and_die);
  signal (SIGBUS, print_backtrace_and_die);
  signal (SIGFPE, print_backtrace_and_die);
}
#endif

static gboolean
keep_waking (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Sanitizer builds set DROPIFY_TEST_SLOW: everything runs several times
 * slower there. */
static guint
slow_factor (void)
{
  const char *slow = g_getenv ("DROPIFY_TEST_SLOW");

  return slow != NULL ? MAX (1, (guint) g_ascii_strtoull (slow, NULL, 10)) : 1;
}

/* Runs the main loop until @check holds, or fails the test after
 * UI_TEST_TIMEOUT_MS (times DROPIFY_TEST_SLOW). */
void
wait_for (CheckFunc   check,
          gpointer    data,
          const char *what)
{
  guint timeout_ms = UI_TEST_TIMEOUT_MS * slow_factor ();
  int64_t deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  guint tick = g_timeout_add (10, keep_waking, NULL);

  while (!check (data))
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_source_remove (tick);
          g_error ("Timed out after %u ms waiting for %s", timeout_ms, what);
        }

      g_main_context_iteration (NULL, TRUE);
    }

  g_source_remove (tick);
}

void
drain_main_loop (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static gboolean
set_true (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* For checking that something does *not* happen within @ms. */
void
run_main_loop_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_true, &done);
  wait_for (is_true, &done, "time to pass");
}

GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;

      if ((found = find_descendant (child, type)))
        return found;
    }

  return NULL;
}

/* Finds a mapped widget of @type whose text (as @text_of reads it) is
 * @text: one the user can see. */
GtkWidget *
find_shown (GtkWidget  *widget,
            GType       type,
            TextFunc    text_of,
            const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type) &&
          gtk_widget_get_mapped (child) &&
          g_strcmp0 (text_of (child), text) == 0)
        return child;

      if ((found = find_shown (child, type, text_of, text)))
        return found;
    }

  return NULL;
}

static const char *
label_text (GtkWidget *widget)
{
  return gtk_label_get_text (GTK_LABEL (widget));
}

static const char *
button_label (GtkWidget *widget)
{
  return gtk_button_get_label (GTK_BUTTON (widget));
}

static const char *
row_title (GtkWidget *widget)
{
  return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget));
}

GtkWidget *
find_label (GtkWidget  *widget,
            const char *text)
{
  return find_shown (widget, GTK_TYPE_LABEL, label_text, text);
}

/* A mapped button labelled @label, mnemonic included ("_Pair…"). */
GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  return find_shown (widget, GTK_TYPE_BUTTON, button_label, label);
}

/* A mapped row of @type (an AdwPreferencesRow) titled @title. */
GtkWidget *
find_titled_row (GtkWidget  *widget,
                 GType       type,
                 const char *title)
{
  return find_shown (widget, type, row_title, title);
}

/* Finds a mapped toplevel of @type, such as a dialog. */
GtkWidget *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) toplevel = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (toplevel, type) && gtk_widget_get_mapped (toplevel))
        return toplevel;
    }

  return NULL;
}

gboolean
label_is_shown (gpointer data)
{
  LabelQuery *query = data;

  return find_label (query->window, query->text) != NULL;
}

gboolean
label_is_gone (gpointer data)
{
  return !label_is_shown (data);
}

gboolean
widget_is_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

gboolean
widget_is_unmapped (gpointer data)
{
  return !gtk_widget_get_mapped (data);
}

/* A service as the app runs it, on @data_dir with @settings, started on a
 * free port; automatic discovery only if @discovery. */
/* The mapped file chooser, into *@data. */
gboolean
find_file_chooser (gpointer data)
{
  GtkWidget **chooser = data;
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) toplevel = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER_DIALOG (toplevel) && gtk_widget_get_mapped (toplevel))
        {
          *chooser = toplevel;
          return TRUE;
        }
    }

  return FALSE;
}

/* GTK 4.8's file chooser lists files in a GtkTreeView. */
static gboolean
has_listed_files (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_TREE_VIEW (child) && gtk_widget_get_mapped (child))
        {
          GtkTreeModel *model = gtk_tree_view_get_model (GTK_TREE_VIEW (child));

          if (model != NULL && gtk_tree_model_iter_n_children (model, NULL) > 0)
            return TRUE;
        }

      if (has_listed_files (child))
        return TRUE;
    }

  return FALSE;
}

/* The file chooser @data lists the files of its folder: it does not
 * respond before that. */
gboolean
chooser_has_loaded (gpointer data)
{
  return has_listed_files (data);
}

DropifyService *
start_service (const char *data_dir,
               GSettings  *settings,
               gboolean    discovery)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DropifyService) service = dropify_service_new (data_dir, settings, &error);

  g_assert_no_error (error);
  g_assert_nonnull (service);
  dropify_service_set_discovery_enabled (service, discovery);
  dropify_service_start (service, 0, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&service);
}

/* Shows @window and waits until it is mapped; @what names it. */
GtkWidget *
present_window (GtkWidget  *window,
                const char *what)
{
  gtk_window_present (GTK_WINDOW (window));
  wait_for (widget_is_mapped, window, what);

  return window;
}
