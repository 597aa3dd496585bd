/* test-toast.c: toasts dismissed while libadwaita still animates them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>

#include "dropify-toast.h"
#include "ui-test-util.h"

/* libadwaita 1.2 crashes, or stops on an assertion, when a toast is
 * dismissed within a few hundred milliseconds of another toast starting
 * to move (dropify-toast.c tells how). These tests do that on purpose,
 * on a real overlay in a real window, and check that every toast goes,
 * that each "dismissed" is seen once, and that nothing crashes. Run
 * with MALLOC_PERTURB_ (meson.build sets it) so that freed memory read
 * again is garbage. */

typedef struct
{
  GtkWidget       *window;
  AdwToastOverlay *overlay;
  GHashTable      *dismissed;   /* AdwToast (unowned) → count */
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  fixture->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 480, 320);
  fixture->overlay = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  adw_toast_overlay_set_child (fixture->overlay, gtk_label_new ("Under the toasts"));
  gtk_window_set_child (GTK_WINDOW (fixture->window), GTK_WIDGET (fixture->overlay));
  fixture->dismissed = g_hash_table_new (NULL, NULL);
  present_window (fixture->window, "the window");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  if (fixture->window != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->window));
  /* Past any fade, so that a crash would show here. */
  run_main_loop_for (700);
  g_hash_table_unref (fixture->dismissed);
}

static void
count_dismissed (AdwToast *toast,
                 Fixture  *fixture)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (fixture->dismissed, toast));

  g_hash_table_insert (fixture->dismissed, toast, GUINT_TO_POINTER (n + 1));
}

static guint
times_dismissed (Fixture  *fixture,
                 AdwToast *toast)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (fixture->dismissed, toast));
}

static AdwToast *
show (Fixture          *fixture,
      const char       *text,
      AdwToastPriority  priority)
{
  AdwToast *toast = dropify_toast_new (text, 0);

  adw_toast_set_priority (toast, priority);
  g_signal_connect (toast, "dismissed", G_CALLBACK (count_dismissed), fixture);
  dropify_toast_add (fixture->overlay, toast);

  return toast;
}

typedef struct
{
  Fixture  *fixture;
  AdwToast *toast;
} ToastQuery;

static gboolean
toast_was_dismissed (gpointer data)
{
  ToastQuery *query = data;

  return times_dismissed (query->fixture, query->toast) > 0;
}

/* Toast widgets on the overlay, besides its child: shown or fading. */
static guint
count_toast_widgets (Fixture *fixture)
{
  GtkWidget *child = adw_toast_overlay_get_child (fixture->overlay);
  guint n = 0;

  for (GtkWidget *widget = gtk_widget_get_first_child (GTK_WIDGET (fixture->overlay));
       widget != NULL;
       widget = gtk_widget_get_next_sibling (widget))
    n += widget != child;

  return n;
}

static gboolean
no_toast_widgets (gpointer data)
{
  return count_toast_widgets (data) == 0;
}

/* A toast that replaces one still fading slides in for 500 ms; dismissed
 * at once, it used to be freed when its 300 ms fade ended, before its
 * slide did. */
static void
test_dismiss_while_replacing (Fixture       *fixture,
                              gconstpointer  user_data)
{
  g_autoptr(AdwToast) first = g_object_ref (show (fixture, "First toast", ADW_TOAST_PRIORITY_NORMAL));
  g_autoptr(AdwToast) second = NULL;
  ToastQuery query = { fixture, NULL };

  wait_for (label_is_shown, &(LabelQuery) { fixture->window, "First toast" }, "the first toast");
  adw_toast_dismiss (first);
  query.toast = first;
  wait_for (toast_was_dismissed, &query, "the first toast's dismissal");

  /* The first one fades now, so the second one replaces it. */
  second = g_object_ref (show (fixture, "Second toast", ADW_TOAST_PRIORITY_NORMAL));
  g_assert_true (dropify_toast_is_up (second));
  adw_toast_dismiss (second);
  /* Held back while the second toast slides in, and not up any more. */
  g_assert_cmpuint (times_dismissed (fixture, second), ==, 0);
  g_assert_false (dropify_toast_is_up (second));
  g_assert_false (dropify_toast_retitle (second, "Changed", 0));
  g_assert_cmpstr (adw_toast_get_title (second), ==, "Second toast");

  query.toast = second;
  wait_for (toast_was_dismissed, &query, "the second toast's dismissal");
  wait_for (no_toast_widgets, fixture, "both toasts to go");
  run_main_loop_for (700);
  g_assert_cmpuint (times_dismissed (fixture, first), ==, 1);
  g_assert_cmpuint (times_dismissed (fixture, second), ==, 1);
  g_assert_cmpuint (count_toast_widgets (fixture), ==, 0);
}

/* A high-priority toast pushes the shown one back into the queue, where
 * it fades for 300 ms; dismissing the newcomer sooner used to show the
 * fading toast again while it still had its widget. */
static void
test_dismiss_high_priority (Fixture       *fixture,
                            gconstpointer  user_data)
{
  g_autoptr(AdwToast) first = g_object_ref (show (fixture, "Pushed aside", ADW_TOAST_PRIORITY_NORMAL));
  g_autoptr(AdwToast) urgent = NULL;
  ToastQuery query = { fixture, NULL };

  wait_for (label_is_shown, &(LabelQuery) { fixture->window, "Pushed aside" }, "the first toast");
  urgent = g_object_ref (show (fixture, "Urgent", ADW_TOAST_PRIORITY_HIGH));
  adw_toast_dismiss (urgent);
  g_assert_cmpuint (times_dismissed (fixture, urgent), ==, 0);

  query.toast = urgent;
  wait_for (toast_was_dismissed, &query, "the urgent toast's dismissal");
  /* The first toast comes back, and goes when dismissed. */
  wait_for (label_is_shown, &(LabelQuery) { fixture->window, "Pushed aside" }, "the first toast again");
  g_assert_true (dropify_toast_is_up (first));
  g_assert_true (dropify_toast_retitle (first, "Pushed aside, then changed", 0));
  wait_for (label_is_shown, &(LabelQuery) { fixture->window, "Pushed aside, then changed" },
            "the new title");
  adw_toast_dismiss (first);
  query.toast = first;
  wait_for (toast_was_dismissed, &query, "the first toast's dismissal");
  wait_for (no_toast_widgets, fixture, "both toasts to go");
  g_assert_cmpuint (times_dismissed (fixture, first), ==, 1);
  g_assert_cmpuint (times_dismissed (fixture, urgent), ==, 1);
}

/* Dismissals held back go in the order they were asked for, each once,
 * even when asked for twice. */
static void
test_dismissals_in_order (Fixture       *fixture,
                          gconstpointer  user_data)
{
  g_autoptr(GPtrArray) toasts = g_ptr_array_new_with_free_func (g_object_unref);
  ToastQuery query = { fixture, NULL };

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *text = g_strdup_printf ("Toast %u", i);

      g_ptr_array_add (toasts, g_object_ref (show (fixture, text, ADW_TOAST_PRIORITY_HIGH)));
    }
  for (guint i = 0; i < toasts->len; i++)
    {
      adw_toast_dismiss (g_ptr_array_index (toasts, i));
      adw_toast_dismiss (g_ptr_array_index (toasts, i));
    }

  for (guint i = 0; i < toasts->len; i++)
    {
      query.toast = g_ptr_array_index (toasts, i);
      wait_for (toast_was_dismissed, &query, "a held-back dismissal");
      for (guint j = i + 1; j < toasts->len; j++)
        g_assert_cmpuint (times_dismissed (fixture, g_ptr_array_index (toasts, j)), ==, 0);
    }
  wait_for (no_toast_widgets, fixture, "every toast to go");
  for (guint i = 0; i < toasts->len; i++)
    g_assert_cmpuint (times_dismissed (fixture, g_ptr_array_index (toasts, i)), ==, 1);
}

static gboolean
window_unmapped (gpointer data)
{
  return !gtk_widget_get_mapped (data);
}

/* Off screen, libadwaita skips its animations, so a held-back dismissal
 * goes at once; a window destroyed with one held back does not crash. */
static void
test_window_goes (Fixture       *fixture,
                  gconstpointer  user_data)
{
  g_autoptr(AdwToast) first = g_object_ref (show (fixture, "Hidden", ADW_TOAST_PRIORITY_NORMAL));
  g_autoptr(AdwToast) urgent = g_object_ref (show (fixture, "Destroyed", ADW_TOAST_PRIORITY_HIGH));
  ToastQuery query = { fixture, first };

  adw_toast_dismiss (urgent);
  g_assert_cmpuint (times_dismissed (fixture, urgent), ==, 0);
  gtk_widget_set_visible (fixture->window, FALSE);
  wait_for (window_unmapped, fixture->window, "the window to hide");
  query.toast = urgent;
  wait_for (toast_was_dismissed, &query, "the dismissal once hidden");

  gtk_widget_set_visible (fixture->window, TRUE);
  wait_for (widget_is_mapped, fixture->window, "the window again");
  /* Shown again when the urgent one went, now on screen with its
   * slide-in under way: this dismissal is held back, and the window
   * goes before it is let through. */
  g_assert_true (dropify_toast_is_up (first));
  adw_toast_dismiss (first);
  g_assert_false (dropify_toast_is_up (first));
  gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&fixture->window)));
  run_main_loop_for (700);
  g_assert_cmpuint (times_dismissed (fixture, urgent), ==, 1);
  g_assert_cmpuint (times_dismissed (fixture, first), <=, 1);
}

/* Toasts shown, raised, retitled and dismissed at random moments, some
 * faster than any animation: every one ends dismissed exactly once. */
static void
test_storm (Fixture       *fixture,
            gconstpointer  user_data)
{
  g_autoptr(GPtrArray) toasts = g_ptr_array_new_with_free_func (g_object_unref);
  guint steps = g_test_slow () ? 300 : 40;

  for (guint step = 0; step < steps; step++)
    {
      guint choice = g_test_rand_int_range (0, 10);
      g_autoptr(GPtrArray) up = g_ptr_array_new ();

      for (guint i = 0; i < toasts->len; i++)
        if (dropify_toast_is_up (g_ptr_array_index (toasts, i)))
          g_ptr_array_add (up, g_ptr_array_index (toasts, i));

      if (choice < 2 || up->len == 0)
        {
          g_autofree char *text = g_strdup_printf ("Storm %u", step);
          AdwToastPriority priority = choice == 0 ? ADW_TOAST_PRIORITY_HIGH : ADW_TOAST_PRIORITY_NORMAL;

          g_ptr_array_add (toasts, g_object_ref (show (fixture, text, priority)));
        }
      else if (choice < 9)
        {
          adw_toast_dismiss (g_ptr_array_index (up, g_test_rand_int_range (0, up->len)));
        }
      else
        {
          g_autofree char *text = g_strdup_printf ("Retitled %u", step);

          g_assert_true (dropify_toast_retitle (g_ptr_array_index (up, g_test_rand_int_range (0, up->len)),
                                                text, 0));
        }

      if (g_test_rand_int_range (0, 3) > 0)
        run_main_loop_for (g_test_rand_int_range (1, 250));
    }

  for (guint i = 0; i < toasts->len; i++)
    adw_toast_dismiss (g_ptr_array_index (toasts, i));
  for (guint i = 0; i < toasts->len; i++)
    {
      ToastQuery query = { fixture, g_ptr_array_index (toasts, i) };

      wait_for (toast_was_dismissed, &query, "every toast's dismissal");
    }
  wait_for (no_toast_widgets, fixture, "every toast to go");
  for (guint i = 0; i < toasts->len; i++)
    g_assert_cmpuint (times_dismissed (fixture, g_ptr_array_index (toasts, i)), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (!gtk_init_check ())
    {
      g_printerr ("No display: run this test under tests/ui/xvfb-test.sh\n");
      return 77;
    }

  adw_init ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/ui/toast/dismiss-while-replacing", test_dismiss_while_replacing);
  ADD ("/ui/toast/dismiss-high-priority", test_dismiss_high_priority);
  ADD ("/ui/toast/dismissals-in-order", test_dismissals_in_order);
  ADD ("/ui/toast/window-goes", test_window_goes);
  ADD ("/ui/toast/storm", test_storm);

  return g_test_run ();
}
