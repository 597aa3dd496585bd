/* dropify-toast.c: toasts that are changed, never dismissed, by the app
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libadwaita 1.2 (Debian 12) frees a toast's state when the toast has
 * finished hiding, even while it is still showing: a toast that replaces
 * another slides in for 500 ms, and one dismissed less than 200 ms after
 * that started is gone before its slide ends, which then reads freed
 * memory and crashes. So the app never dismisses a toast it showed: a
 * toast whose news changed ("Waiting for…" becoming "Paired with…", one
 * deletion's Undo becoming the next's) gets the new title in place, and
 * showing it again only starts its timeout over.
 *
 * One window is left that only a user can open: the Undo toast comes at
 * once (high priority), putting a toast already up back in the queue
 * while it fades; pressing Undo or Escape within those 300 ms makes
 * libadwaita show the faded toast again before it has gone, which it
 * refuses with an assertion.
 */

#include "config.h"

#include "dropify-toast.h"

#define OVERLAY_KEY "dropify-toast-overlay"

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

  return toast;
}

/* Shows @toast (transfer full) on @overlay, which owns it from now on;
 * the caller may keep a weak pointer. */
void
dropify_toast_add (AdwToastOverlay *overlay,
                   AdwToast        *toast)
{
  g_return_if_fail (ADW_IS_TOAST_OVERLAY (overlay));
  g_return_if_fail (ADW_IS_TOAST (toast));

  /* The overlay outlives its toasts. */
  g_object_set_data (G_OBJECT (toast), OVERLAY_KEY, overlay);
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

/* Gives a toast that is still up (not dismissed) a new title, @text as
 * plain text, and @timeout seconds from now; a toast still waiting in
 * the queue keeps its place and counts from when it shows. */
void
dropify_toast_retitle (AdwToast   *toast,
                       const char *text,
                       guint       timeout)
{
  g_autofree char *escaped = NULL;
  AdwToastOverlay *overlay;

  g_return_if_fail (ADW_IS_TOAST (toast));
  g_return_if_fail (text != NULL);

  overlay = g_object_get_data (G_OBJECT (toast), OVERLAY_KEY);
  g_return_if_fail (ADW_IS_TOAST_OVERLAY (overlay));

  escaped = g_markup_escape_text (text, -1);
  adw_toast_set_title (toast, escaped);
  adw_toast_set_timeout (toast, timeout);
  /* Adding a toast that is already there restarts its timeout; the
   * overlay drops the reference it is given then. */
  adw_toast_overlay_add_toast (overlay, g_object_ref (toast));
}
