/* dropify-toast.c: toasts whose dismissal waits for libadwaita's animations
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libadwaita 1.2 (Debian 12) keeps each toast's state in a block that
 * its animations' "done" handlers point at, and frees that block when
 * the toast has finished hiding (300 ms) even if its slide-in (300 ms,
 * or 500 ms when it replaces another toast) has not ended; the slide's
 * end then reads freed memory and crashes. Likewise a toast pushed
 * aside by a high-priority one fades for 300 ms, and dismissing the
 * newcomer before that fade ends shows the faded toast again while it
 * still has a widget, which libadwaita refuses with an assertion.
 * Both happen when a toast is dismissed soon after another toast
 * started to move: an Undo pressed at once, an Escape, a timeout.
 *
 * Every dismissal of a toast made here therefore goes through a gate on
 * its overlay. Animations start at the frame clock's time, and only at
 * an add or a dismissal, so the gate notes that time at each of them;
 * a dismissal passes once a frame at least GATE_MS later has been
 * painted (every animation started by then has run its last step in
 * that frame), or at once when the overlay is not on screen (libadwaita
 * then skips its animations). Until then the toast's "dismissed" signal
 * is held back and emitted again later, in order, so that nobody, the
 * overlay included, sees it early. (The toast's own handler has run by
 * then and forgotten its overlay, so a held-back toast ignores further
 * dismissals, and the gate knows its overlay from OVERLAY_KEY.)
 *
 * Toasts are changed rather than replaced: a toast whose news changed
 * ("Waiting for…" becoming "Paired with…", one deletion's Undo becoming
 * the next's) gets the new title in place.
 */

#include "config.h"

#include "dropify-toast.h"

#define GATE_KEY       "dropify-toast-gate"
#define OVERLAY_KEY    "dropify-toast-overlay"
#define DISMISSING_KEY "dropify-toast-dismissing"
#define RELEASING_KEY  "dropify-toast-releasing"

/* libadwaita 1.2's longest toast animation is 500 ms; animation times
 * are whole milliseconds, hence the margin. */
#define GATE_MS 520

typedef struct
{
  AdwToastOverlay *overlay;   /* owns this gate */
  GdkFrameClock   *clock;
  gulong           after_paint_id;
  gboolean         updating;
  gint64           last_event;   /* frame time (µs) of the last add or dismissal */
  gint64           painted;      /* frame time (µs) of the last painted frame */
  GQueue           waiting;      /* AdwToast, owned: dismissals held back */
  guint            idle_id;
} ToastGate;

static void toast_gate_release (ToastGate *gate);

static void
toast_gate_detach_clock (ToastGate *gate)
{
  if (gate->clock == NULL)
    return;

  if (gate->updating)
    gdk_frame_clock_end_updating (gate->clock);
  gate->updating = FALSE;
  g_clear_signal_handler (&gate->after_paint_id, gate->clock);
  g_clear_object (&gate->clock);
}

/* The overlay is going, and its toasts with it: whoever waits for
 * their "dismissed" (the window's Undo) has its own dispose. */
static void
toast_gate_clear (ToastGate *gate)
{
  AdwToast *toast;

  g_clear_handle_id (&gate->idle_id, g_source_remove);
  toast_gate_detach_clock (gate);
  while ((toast = g_queue_pop_head (&gate->waiting)) != NULL)
    g_object_unref (toast);
}

static void
toast_gate_free (gpointer data)
{
  ToastGate *gate = data;

  toast_gate_clear (gate);
  g_free (gate);
}

static gboolean
toast_gate_is_open (ToastGate *gate)
{
  if (!gtk_widget_get_mapped (GTK_WIDGET (gate->overlay)))
    return TRUE;

  return gate->painted >= gate->last_event + GATE_MS * G_TIME_SPAN_MILLISECOND;
}

static gboolean
toast_gate_idle (gpointer data)
{
  ToastGate *gate = data;

  gate->idle_id = 0;
  toast_gate_release (gate);

  return G_SOURCE_REMOVE;
}

static void
toast_gate_after_paint (GdkFrameClock *clock,
                        ToastGate     *gate)
{
  gate->painted = gdk_frame_clock_get_frame_time (clock);

  /* Not from inside the frame: in an idle after it. */
  if (!g_queue_is_empty (&gate->waiting) && gate->idle_id == 0 && toast_gate_is_open (gate))
    gate->idle_id = g_idle_add (toast_gate_idle, gate);
}

/* Follows the overlay's frame clock (its toplevel's), which is there
 * only while the overlay is realized. */
static void
toast_gate_watch_clock (ToastGate *gate)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (gate->overlay));

  if (clock == gate->clock)
    return;

  toast_gate_detach_clock (gate);
  if (clock == NULL)
    return;

  gate->clock = g_object_ref (clock);
  gate->after_paint_id = g_signal_connect (clock, "after-paint",
                                           G_CALLBACK (toast_gate_after_paint), gate);
  gate->painted = gdk_frame_clock_get_frame_time (clock);
}

/* An add or a dismissal, either of which may start an animation now. */
static void
toast_gate_note_event (ToastGate *gate)
{
  toast_gate_watch_clock (gate);
  if (gate->clock != NULL && gtk_widget_get_mapped (GTK_WIDGET (gate->overlay)))
    gate->last_event = gdk_frame_clock_get_frame_time (gate->clock);
}

/* Keeps frames coming while dismissals wait, since an idle window
 * paints none; an unmapped overlay needs no frame. */
static void
toast_gate_schedule (ToastGate *gate)
{
  toast_gate_watch_clock (gate);

  if (g_queue_is_empty (&gate->waiting))
    {
      if (gate->updating)
        gdk_frame_clock_end_updating (gate->clock);
      gate->updating = FALSE;
      return;
    }

  if (toast_gate_is_open (gate))
    {
      if (gate->idle_id == 0)
        gate->idle_id = g_idle_add (toast_gate_idle, gate);
      return;
    }

  if (gate->clock != NULL && !gate->updating)
    {
      gdk_frame_clock_begin_updating (gate->clock);
      gate->updating = TRUE;
    }
}

/* Lets the oldest held-back dismissal through, then waits again. */
static void
toast_gate_release (ToastGate *gate)
{
  if (!g_queue_is_empty (&gate->waiting) && toast_gate_is_open (gate))
    {
      g_autoptr(AdwToast) toast = g_queue_pop_head (&gate->waiting);

      toast_gate_note_event (gate);
      g_object_set_data (G_OBJECT (toast), RELEASING_KEY, GINT_TO_POINTER (TRUE));
      /* Not adw_toast_dismiss(), which does nothing without an overlay. */
      g_signal_emit_by_name (toast, "dismissed");
      g_object_set_data (G_OBJECT (toast), RELEASING_KEY, NULL);
    }

  toast_gate_schedule (gate);
}

static ToastGate *
toast_gate_get (AdwToastOverlay *overlay)
{
  ToastGate *gate = g_object_get_data (G_OBJECT (overlay), GATE_KEY);

  if (gate == NULL)
    {
      gate = g_new0 (ToastGate, 1);
      gate->overlay = overlay;
      g_queue_init (&gate->waiting);
      g_object_set_data_full (G_OBJECT (overlay), GATE_KEY, gate, toast_gate_free);
      /* The clock goes with the toplevel's surface. */
      g_signal_connect_swapped (overlay, "unrealize", G_CALLBACK (toast_gate_detach_clock), gate);
      /* Off screen, libadwaita skips its animations. */
      g_signal_connect_swapped (overlay, "unmap", G_CALLBACK (toast_gate_schedule), gate);
      g_signal_connect_swapped (overlay, "destroy", G_CALLBACK (toast_gate_clear), gate);
    }

  return gate;
}

/* Connected on every toast made here right after libadwaita's own
 * handler, so that it runs before the overlay's handler and anyone
 * else's. */
static void
dropify_toast_dismissed (AdwToast *toast,
                         gpointer  user_data)
{
  AdwToastOverlay *overlay = g_object_get_data (G_OBJECT (toast), OVERLAY_KEY);
  ToastGate *gate;

  if (overlay == NULL || g_object_get_data (G_OBJECT (toast), RELEASING_KEY) != NULL)
    return;

  gate = toast_gate_get (overlay);
  toast_gate_watch_clock (gate);

  if (g_queue_is_empty (&gate->waiting) && toast_gate_is_open (gate))
    {
      g_object_set_data (G_OBJECT (toast), DISMISSING_KEY, GINT_TO_POINTER (TRUE));
      toast_gate_note_event (gate);
      return;
    }

  g_signal_stop_emission_by_name (toast, "dismissed");
  if (g_object_get_data (G_OBJECT (toast), DISMISSING_KEY) == NULL)
    {
      g_object_set_data (G_OBJECT (toast), DISMISSING_KEY, GINT_TO_POINTER (TRUE));
      g_queue_push_tail (&gate->waiting, g_object_ref (toast));
    }
  toast_gate_schedule (gate);
}

/* A toast of @text, taken as plain text, for @timeout seconds (0: until
 * it is dismissed or retitled). */
AdwToast *
dropify_toast_new (const char *text,
                   guint       timeout)
{
  g_autofree char *escaped = NULL;
  AdwToast *toast;

  g_return_val_if_fail (text != NULL, NULL);

  escaped = g_markup_escape_text (text, -1);
  toast = adw_toast_new (escaped);
  adw_toast_set_timeout (toast, timeout);
  g_signal_connect (toast, "dismissed", G_CALLBACK (dropify_toast_dismissed), NULL);

  return toast;
}

/* Shows @toast (transfer full), made by dropify_toast_new(), on
 * @overlay, which owns it from now on; the caller may keep a weak
 * pointer. */
void
dropify_toast_add (AdwToastOverlay *overlay,
                   AdwToast        *toast)
{
  g_return_if_fail (ADW_IS_TOAST_OVERLAY (overlay));
  g_return_if_fail (ADW_IS_TOAST (toast));
  g_return_if_fail (g_object_get_data (G_OBJECT (toast), OVERLAY_KEY) == NULL);

  /* The overlay outlives its toasts. */
  g_object_set_data (G_OBJECT (toast), OVERLAY_KEY, overlay);
  toast_gate_note_event (toast_gate_get (overlay));
  adw_toast_overlay_add_toast (overlay, toast);
}

AdwToast *
dropify_toast_show (AdwToastOverlay *overlay,
                    const char      *text,
                    guint            timeout)
{
  AdwToast *toast = dropify_toast_new (text, timeout);

  dropify_toast_add (overlay, toast);

  return toast;
}

/* Whether @toast is on its overlay, shown or queued, and nobody has
 * dismissed it (its dismissal may still be held back). */
gboolean
dropify_toast_is_up (AdwToast *toast)
{
  g_return_val_if_fail (ADW_IS_TOAST (toast), FALSE);

  return g_object_get_data (G_OBJECT (toast), OVERLAY_KEY) != NULL &&
         g_object_get_data (G_OBJECT (toast), DISMISSING_KEY) == NULL;
}

/* Gives a toast that is still up a new title, @text as plain text, and
 * @timeout seconds from now; a toast still waiting in the queue keeps
 * its place and counts from when it shows. Returns FALSE, changing
 * nothing, when @toast is no longer up: show a new one then. */
gboolean
dropify_toast_retitle (AdwToast   *toast,
                       const char *text,
                       guint       timeout)
{
  g_autofree char *escaped = NULL;
  AdwToastOverlay *overlay;

  g_return_val_if_fail (ADW_IS_TOAST (toast), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  if (!dropify_toast_is_up (toast))
    return FALSE;

  overlay = g_object_get_data (G_OBJECT (toast), OVERLAY_KEY);
  escaped = g_markup_escape_text (text, -1);
  adw_toast_set_title (toast, escaped);
  adw_toast_set_timeout (toast, timeout);
  /* Adding a toast that is already there restarts its timeout (or
   * moves it up the queue, starting no animation); the overlay drops
   * the reference it is given then. */
  adw_toast_overlay_add_toast (overlay, g_object_ref (toast));

  return TRUE;
}
