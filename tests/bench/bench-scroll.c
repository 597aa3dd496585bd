/* GUI scroll smoothness with a large history, under a real X server:
 *
 *   bench-scroll dropify   the real window over a real service whose
 *                          history holds 100,000 drops (1,000 of them files)
 *   bench-scroll plain     a baseline: a plain GtkListView of 100,000
 *                          GtkLabels in a window of the same size
 *   bench-scroll labels    a baseline: the same, each row the two labels of
 *                          a drop row, wrapping and ellipsized as it sets
 *                          them, without the rest of the row
 *
 * Each flicks the list (40 px a frame from the top, as a quick touchpad
 * swipe would), then drags it to the bottom as a scrollbar would, one step
 * of the adjustment per frame clock tick. It measures the gaps between
 * ticks (the frame clock ticks every 16.7 ms under Xvfb, so a gap over
 * 25 ms is a missed frame), the longest main-loop iteration (from poll()
 * returning to the next poll()), the main thread's CPU time a frame (which
 * a busy machine does not inflate as it does the gaps), and the time to
 * the first frame. Run it
 * under tests/ui/xvfb-test.sh.
 * Prints "NAME value unit" lines. Environment:
 *   DROPIFY_BENCH_SCROLL_DROPS  how many drops (default 100000)
 *   DROPIFY_BENCH_SCROLL_FLICK  frames of the flick (default 300)
 *   DROPIFY_BENCH_SCROLL_STEPS  frames of the drag to the bottom (default 200)
 */

#include "config.h"

#include <adwaita.h>
#include <stdlib.h>
#include <time.h>

#include "bench-fill.h"
#include "dropify-core.h"
#include "dropify-drop-row.h"
#include "dropify-test-support.h"
#include "dropify-window.h"

#define WIDTH 720
#define HEIGHT 640
#define TIMEOUT_S 600

typedef struct
{
  const char    *name;
  GtkWidget     *window;
  GtkAdjustment *adjustment;
  int64_t        t0;
  int64_t        first_frame;
  /* flick: FLICK_PX a tick from the top, for flick_ticks ticks; drag: from
   * there to the bottom in drag_steps steps, as a scrollbar dragged */
  gboolean       dragging;
  guint          flick_ticks;
  guint          drag_steps;
  guint          step;
  double         start;
  int64_t        last_tick;
  GArray        *gaps;          /* int64_t, µs */
  gboolean       done;
} Scroll;

#define FLICK_PX 40

/* Main-loop iterations: from poll() returning to the next call. */
static int64_t poll_returned;
static int64_t longest_iteration;
static gboolean measuring;

static int
timed_poll (GPollFD *fds,
            guint    nfds,
            int      timeout)
{
  int64_t now = g_get_monotonic_time ();
  int ret;

  if (measuring && poll_returned > 0)
    longest_iteration = MAX (longest_iteration, now - poll_returned);

  ret = g_poll (fds, nfds, timeout);
  poll_returned = g_get_monotonic_time ();

  return ret;
}

/* CPU time of this thread, µs: what a frame costs whatever else the
 * machine runs, where the gaps between frames also count the waits for a
 * core. */
static int64_t
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static guint
env_uint (const char *name,
          guint       fallback)
{
  const char *value = g_getenv (name);

  return value != NULL && atoi (value) > 0 ? (guint) atoi (value) : fallback;
}

/* The first shown widget of @type: the window's drop-downs hold list views
 * of their own, in popovers that are not shown. */
static GtkWidget *
find_widget (GtkWidget *widget,
             GType      type)
{
  if (g_type_is_a (G_OBJECT_TYPE (widget), type) && gtk_widget_get_mapped (widget))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static guint
count_widgets (GtkWidget *widget,
               GType      type)
{
  guint n = g_type_is_a (G_OBJECT_TYPE (widget), type);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_widgets (child, type);

  return n;
}

static void
after_paint_cb (GdkFrameClock *clock,
                Scroll        *scroll)
{
  if (scroll->first_frame == 0)
    scroll->first_frame = g_get_monotonic_time ();
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  Scroll *scroll = user_data;
  GtkAdjustment *adj = scroll->adjustment;
  int64_t now = g_get_monotonic_time ();
  double bottom;

  if (scroll->last_tick > 0)
    {
      int64_t gap = now - scroll->last_tick;
      g_array_append_val (scroll->gaps, gap);
    }
  scroll->last_tick = now;

  if (!scroll->dragging)
    {
      if (scroll->step++ >= scroll->flick_ticks)
        {
          scroll->done = TRUE;
          return G_SOURCE_REMOVE;
        }
      gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) + FLICK_PX);
      return G_SOURCE_CONTINUE;
    }

  /* The list estimates its height from the rows it has seen, so the
   * bottom moves as it goes: each step aims at its share of the current
   * one, and the last step goes all the way. */
  bottom = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj);
  if (scroll->step >= scroll->drag_steps)
    {
      if (gtk_adjustment_get_value (adj) >= bottom - 1)
        {
          scroll->done = TRUE;
          return G_SOURCE_REMOVE;
        }
      gtk_adjustment_set_value (adj, bottom);
      return G_SOURCE_CONTINUE;
    }

  scroll->step++;
  gtk_adjustment_set_value (adj, scroll->start + (bottom - scroll->start) * scroll->step / scroll->drag_steps);

  return G_SOURCE_CONTINUE;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
  return x < y ? -1 : x > y;
}

static gboolean
quit_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *@flag, at most TIMEOUT_S. */
static void
run_until (gboolean *flag,
           const char *what)
{
  int64_t deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;

  while (!*flag)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
run_for (guint ms)
{
  gboolean over = FALSE;

  g_timeout_add (ms, quit_cb, &over);
  run_until (&over, "a pause");
}

/* Scrolls one phase and prints its figures. */
static void
scroll_phase (Scroll     *scroll,
              GtkWidget  *list,
              const char *phase)
{
  guint over_25 = 0, over_50 = 0;
  int64_t total = 0, t_phase, cpu_phase;

  scroll->gaps = g_array_new (FALSE, FALSE, sizeof (int64_t));
  scroll->step = 0;
  scroll->last_tick = 0;
  scroll->done = FALSE;
  scroll->start = gtk_adjustment_get_value (scroll->adjustment);

  measuring = TRUE;
  longest_iteration = 0;
  t_phase = g_get_monotonic_time ();
  cpu_phase = thread_cpu_us ();
  gtk_widget_add_tick_callback (list, tick_cb, scroll, NULL);
  run_until (&scroll->done, phase);
  t_phase = g_get_monotonic_time () - t_phase;
  cpu_phase = thread_cpu_us () - cpu_phase;
  measuring = FALSE;

  for (guint i = 0; i < scroll->gaps->len; i++)
    {
      int64_t gap = g_array_index (scroll->gaps, int64_t, i);

      total += gap;
      over_25 += gap > 25 * 1000;
      over_50 += gap > 50 * 1000;
    }
  g_array_sort (scroll->gaps, compare_int64);

  g_print ("# %s %s: %u frames in %.1f s, %.1f frames/s; at %.0f of %.0f px\n",
           scroll->name, phase, scroll->gaps->len + 1, t_phase / 1e6,
           scroll->gaps->len / (total / 1e6),
           gtk_adjustment_get_value (scroll->adjustment) + gtk_adjustment_get_page_size (scroll->adjustment),
           gtk_adjustment_get_upper (scroll->adjustment));
  g_print ("scroll_%s_%s_gap_p50 %.1f ms\n", scroll->name, phase,
           g_array_index (scroll->gaps, int64_t, scroll->gaps->len / 2) / 1000.0);
  g_print ("scroll_%s_%s_gap_p99 %.1f ms\n", scroll->name, phase,
           g_array_index (scroll->gaps, int64_t, scroll->gaps->len * 99 / 100) / 1000.0);
  g_print ("scroll_%s_%s_gap_max %.1f ms\n", scroll->name, phase,
           g_array_index (scroll->gaps, int64_t, scroll->gaps->len - 1) / 1000.0);
  g_print ("scroll_%s_%s_gaps_over_25ms %u\n", scroll->name, phase, over_25);
  g_print ("scroll_%s_%s_gaps_over_50ms %u\n", scroll->name, phase, over_50);
  g_print ("scroll_%s_%s_longest_iteration %.1f ms\n", scroll->name, phase,
           longest_iteration / 1000.0);
  g_print ("scroll_%s_%s_cpu_per_frame %.1f ms\n", scroll->name, phase,
           cpu_phase / 1000.0 / (scroll->gaps->len + 1));

  g_clear_pointer (&scroll->gaps, g_array_unref);
}

static void
measure (Scroll *scroll)
{
  GdkFrameClock *clock;
  GtkWidget *list;
  GtkWidget *scroller;

  gtk_window_set_default_size (GTK_WINDOW (scroll->window), WIDTH, HEIGHT);
  gtk_window_present (GTK_WINDOW (scroll->window));
  clock = gtk_widget_get_frame_clock (scroll->window);
  g_assert (clock != NULL);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), scroll);

  while (scroll->first_frame == 0)
    g_main_context_iteration (NULL, TRUE);
  g_print ("scroll_%s_first_frame %.1f ms\n", scroll->name,
           (scroll->first_frame - scroll->t0) / 1000.0);

  /* Let start-up work finish before scrolling. */
  run_for (1000);

  list = find_widget (scroll->window, GTK_TYPE_LIST_VIEW);
  if (list == NULL)
    list = find_widget (scroll->window, GTK_TYPE_GRID_VIEW);
  g_assert (list != NULL);
  scroller = gtk_widget_get_ancestor (list, GTK_TYPE_SCROLLED_WINDOW);
  scroll->adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  g_print ("# %s: %u rows made at the top\n", scroll->name,
           count_widgets (list, g_type_from_name ("GtkListItemWidget")));

  scroll->dragging = FALSE;
  scroll_phase (scroll, list, "flick");
  scroll->dragging = TRUE;
  scroll_phase (scroll, list, "drag");
}

/* The baselines: rows of one plain label, and rows of the two labels of a
 * drop row set up as it sets them up, without the rest of the row. */

static void
plain_setup_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  labels)
{
  GtkWidget *title = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  if (!GPOINTER_TO_INT (labels))
    {
      gtk_list_item_set_child (item, title);
      return;
    }

  {
    GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
    GtkWidget *details = gtk_label_new (NULL);

    gtk_label_set_wrap (GTK_LABEL (title), TRUE);
    gtk_label_set_wrap_mode (GTK_LABEL (title), PANGO_WRAP_WORD_CHAR);
    gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
    gtk_label_set_lines (GTK_LABEL (title), 3);
    gtk_label_set_xalign (GTK_LABEL (details), 0);
    gtk_label_set_wrap (GTK_LABEL (details), TRUE);
    gtk_label_set_wrap_mode (GTK_LABEL (details), PANGO_WRAP_WORD_CHAR);
    gtk_widget_add_css_class (details, "caption");
    gtk_box_append (GTK_BOX (box), title);
    gtk_box_append (GTK_BOX (box), details);
    gtk_list_item_set_child (item, box);
  }
}

static void
plain_bind_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  labels)
{
  GtkStringObject *string = gtk_list_item_get_item (item);
  GtkWidget *child = gtk_list_item_get_child (item);

  if (!GPOINTER_TO_INT (labels))
    {
      gtk_label_set_text (GTK_LABEL (child), gtk_string_object_get_string (string));
      return;
    }

  gtk_label_set_text (GTK_LABEL (gtk_widget_get_first_child (child)),
                      gtk_string_object_get_string (string));
  gtk_label_set_text (GTK_LABEL (gtk_widget_get_last_child (child)),
                      "From\u00a0Laptop · Expires\u00a0in\u00a06\u00a0days");
}

static void
run_plain (Scroll *scroll,
           guint   n_drops,
           gboolean labels)
{
  g_autoptr(GtkStringList) strings = gtk_string_list_new (NULL);
  GtkListItemFactory *factory;
  GtkWidget *list, *scroller;

  scroll->t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n_drops; i++)
    {
      g_autofree char *text = g_strdup_printf ("Drop number %u: a short text, like a link to "
                                               "https://example.org/%u or a code to copy", i, i);
      gtk_string_list_append (strings, text);
    }

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (plain_setup_cb), GINT_TO_POINTER (labels));
  g_signal_connect (factory, "bind", G_CALLBACK (plain_bind_cb), GINT_TO_POINTER (labels));
  list = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (g_object_ref (strings)))),
                            factory);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), list);
  scroll->window = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (scroll->window), scroller);

  measure (scroll);
  gtk_window_destroy (GTK_WINDOW (scroll->window));
}

/* The real window */

static gboolean
shows_drop (GtkWidget   *widget,
            DropifyDrop *drop)
{
  if (DROPIFY_IS_DROP_ROW (widget) &&
      dropify_drop_row_get_drop (DROPIFY_DROP_ROW (widget)) == drop)
    return gtk_widget_get_mapped (widget);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (shows_drop (child, drop))
        return TRUE;
    }

  return FALSE;
}

static void
run_dropify (Scroll *scroll,
             guint   n_drops)
{
  g_autofree char *dir = dropify_test_make_dir ("bench-scroll");
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(DropifyService) service = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *history;

  bench_fill_history (dir, n_drops, n_drops / 100);

  /* From opening the history to the first frame of the window. */
  scroll->t0 = g_get_monotonic_time ();
  settings = dropify_service_create_settings (dir);
  service = dropify_service_new (dir, settings, &error);
  g_assert_no_error (error);
  dropify_service_start (service, 0, &error);
  g_assert_no_error (error);
  history = G_LIST_MODEL (dropify_service_get_history (service));
  if (g_list_model_get_n_items (history) != n_drops)
    g_error ("The history holds %u drops, not %u", g_list_model_get_n_items (history), n_drops);
  g_print ("# dropify: history loaded in %.1f ms\n", (g_get_monotonic_time () - scroll->t0) / 1000.0);

  scroll->window = dropify_window_new (NULL, service);
  measure (scroll);

  /* The bottom is the oldest drop, and its row is there. */
  {
    g_autoptr(DropifyDrop) oldest = g_list_model_get_item (history, n_drops - 1);

    if (!shows_drop (scroll->window, oldest))
      g_error ("The oldest drop is not shown at the bottom");
  }

  gtk_window_destroy (GTK_WINDOW (scroll->window));
  dropify_service_shutdown (service);
  g_clear_object (&service);
  dropify_test_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  guint n_drops = env_uint ("DROPIFY_BENCH_SCROLL_DROPS", 100000);
  Scroll scroll = {
    .flick_ticks = env_uint ("DROPIFY_BENCH_SCROLL_FLICK", 300),
    .drag_steps = env_uint ("DROPIFY_BENCH_SCROLL_STEPS", 200),
  };

  if (argc != 2 ||
      (!g_str_equal (argv[1], "dropify") && !g_str_equal (argv[1], "plain") &&
       !g_str_equal (argv[1], "labels")))
    {
      g_printerr ("Usage: %s dropify|plain|labels\n", argv[0]);
      return 2;
    }
  scroll.name = argv[1];

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_content_type_set_mime_dirs (NULL);

  if (!gtk_init_check ())
    {
      g_printerr ("No display: run this under tests/ui/xvfb-test.sh\n");
      return 77;
    }
  adw_init ();
  g_main_context_set_poll_func (NULL, timed_poll);

  g_print ("# %s: %u drops; flick: %u frames of %d px from the top; drag: to the bottom in %u frames\n",
           scroll.name, n_drops, scroll.flick_ticks, FLICK_PX, scroll.drag_steps);
  if (g_str_equal (argv[1], "dropify"))
    run_dropify (&scroll, n_drops);
  else
    run_plain (&scroll, n_drops, g_str_equal (argv[1], "labels"));

  return 0;
}
