/* dropify-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-window"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "dropify-add-peer-dialog.h"
#include "dropify-audience.h"
#include "dropify-composer.h"
#include "dropify-drop-actions.h"
#include "dropify-drop-row.h"
#include "dropify-drop-view.h"
#include "dropify-lazy-icon.h"
#include "dropify-pairing-dialog.h"
#include "dropify-peer-count.h"
#include "dropify-peers-page.h"
#include "dropify-phone-dialog.h"
#include "dropify-send-to-dialog.h"
#include "dropify-toast.h"
#include "dropify-window.h"

/* Rows say "Expires in 23 hours"; a minute is the finest unit they show. */
#define EXPIRY_REFRESH_SECONDS 60

struct _DropifyWindow
{
  AdwApplicationWindow  parent_instance;

  DropifyService       *service;
  GCancellable         *cancellable;

  /* The rows currently bound to a drop, refreshed by one timer for the
   * whole window rather than one per row. */
  GPtrArray            *rows;
  guint                 expiry_source;
  gboolean              following;
  guint                 pin_tick;
  guint                 pin_stable_frames;
  guint                 n_unseen;

  gboolean              dragging;

  /* A drop to open once its row is bound, asked for from outside the
   * window (a notification's "Open"). */
  char                 *open_when_bound;

  /* Drops deleted here but not yet everywhere: hidden from the list while
   * their Undo toast shows, and deleted in the core when it goes. */
  GHashTable           *pending_deletes;
  GtkCustomFilter      *pending_filter;
  GtkFilterListModel   *visible_drops;

  /* While searching: the drops found, by the history. */
  GtkCustomFilter      *search_filter;
  GHashTable           *search_results;
  guint                 search_source;

  /* The list's filters are changing: rows come and go, none arrives. */
  gboolean              refiltering;

  /* "Waiting for … to confirm", which a completed pairing replaces. */
  AdwToast             *waiting_toast;
  AdwToast             *undo_toast;

  /* Selection mode: the drops picked, and the bar that acts on them. */
  DropifyDropSelection *selection;

  /* Template widgets */
  AdwLeaflet           *leaflet;
  AdwToastOverlay      *toast_overlay;
  GtkWidget            *devices_page;
  AdwToastOverlay      *devices_toast_overlay;
  AdwToastOverlay      *drop_toast_overlay;
  DropifyDropView      *drop_view;     /* made when a drop is first shown */
  AdwWindowTitle       *window_title;
  AdwWindowTitle       *short_window_title;
  DropifyPeersPage     *peers_page;    /* made when the devices are first shown */
  DropifyPeerCount     *peer_count;
  gint64                searching_since;
  GtkSpinner           *spinner;
  GtkStack             *stack;
  GtkScrolledWindow    *history_scroller;
  GtkGridView          *history_view;
  GtkRevealer          *new_drops_revealer;
  GtkToggleButton      *search_button;
  GtkToggleButton      *narrow_search_button;
  GtkSearchBar         *search_bar;
  GtkSearchEntry       *search_entry;
  GtkWidget            *search_box;
  GtkDropDown          *kind_dropdown;     /* both made when the search first opens */
  GtkDropDown          *device_dropdown;
  GPtrArray            *device_ids;   /* the device filter's, "" for all */
  GtkLabel             *new_drops_label;
  GtkActionBar         *selection_bar;
  GtkLabel             *selection_label;
  DropifyComposer      *composer;

  /* Made the first time it is asked for. */
  GtkWindow            *shortcuts_window;
};

G_DEFINE_FINAL_TYPE (DropifyWindow, dropify_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SERVICE,
  PROP_SEND_TO,
  PROP_SELECTION_MODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void dropify_window_check_shown_drop (DropifyWindow *self);
static DropifyPeer *dropify_window_find_peer (DropifyWindow *self,
                                              const char    *device_id);

/* Toasts */

static void
dropify_window_waiting_toast_dismissed (DropifyWindow *self,
                                        AdwToast      *toast)
{
  if (self->waiting_toast == toast)
    g_clear_weak_pointer (&self->waiting_toast);
}

/* The devices page and a drop's page are hidden until first shown:
 * a hidden widget is neither styled nor measured, so a window that never
 * shows them does not pay for them (nor load the fingerprint's monospace
 * font). Once shown, they stay, ready for the way back. */
static void
dropify_window_show_page (DropifyWindow *self,
                          GtkWidget     *page)
{
  gtk_widget_set_visible (page, TRUE);
  adw_leaflet_set_visible_child (self->leaflet, page);
}

/* A toast on the page in view; dropify_toast_new() escapes what users
 * and peers wrote, since titles are Pango markup in libadwaita 1.2. */
static AdwToast *
dropify_window_show_toast (DropifyWindow *self,
                           const char    *text)
{
  AdwToastOverlay *overlay;

  /* Each page has its own overlay, so that toasts on the history stay
   * above the composer. */
  if (g_strcmp0 (adw_leaflet_get_visible_child_name (self->leaflet), "devices") == 0)
    overlay = self->devices_toast_overlay;
  else if (g_strcmp0 (adw_leaflet_get_visible_child_name (self->leaflet), "drop") == 0)
    overlay = self->drop_toast_overlay;
  else
    overlay = self->toast_overlay;

  return dropify_toast_show (overlay, text, 3);
}

static void
dropify_window_show_error (DropifyWindow *self,
                           const GError  *error)
{
  g_debug ("%s", error->message);
  dropify_window_show_toast (self, error->message);
}

/* History */

/* The status pages in place of the history. Each is made when first
 * shown: a window with a history never shows them, and three status
 * pages (their widgets, styles and icons) kept 0.3 MiB. */
static const struct {
  const char *name;
  const char *icon_name;
  const char *title;
  const char *description;
  const char *css_class;
} status_pages[] = {
  { "empty", "dropify-drop-symbolic", N_("Nothing Dropped Yet"),
    N_("Type below, drop files here, or paste with Ctrl+V. Your other devices get every drop."),
    NULL },
  { "no-results", "system-search-symbolic", N_("No Results"),
    N_("No drop has that text or file name"), NULL },
  { "dropping", "document-send-symbolic", N_("Drop to Send"),
    N_("Your other devices get it right away"), "drop-zone" },
};

static void
dropify_window_show_stack_page (DropifyWindow *self,
                                const char    *name)
{
  if (gtk_stack_get_child_by_name (self->stack, name) == NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (status_pages); i++)
        {
          GtkWidget *page;

          if (!g_str_equal (status_pages[i].name, name))
            continue;

          page = adw_status_page_new ();
          adw_status_page_set_icon_name (ADW_STATUS_PAGE (page), status_pages[i].icon_name);
          adw_status_page_set_title (ADW_STATUS_PAGE (page), _(status_pages[i].title));
          adw_status_page_set_description (ADW_STATUS_PAGE (page), _(status_pages[i].description));
          if (status_pages[i].css_class != NULL)
            gtk_widget_add_css_class (page, status_pages[i].css_class);
          gtk_stack_add_named (self->stack, page, name);
          /* Below the history: while the stack fades from one to the
           * other, the history on top is what clicks reach. */
          gtk_widget_insert_before (page, GTK_WIDGET (self->stack),
                                    gtk_widget_get_first_child (GTK_WIDGET (self->stack)));
        }
    }

  gtk_stack_set_visible_child_name (self->stack, name);
}

static void
dropify_window_update_page (DropifyWindow *self)
{
  GListModel *history = G_LIST_MODEL (self->visible_drops);

  if (self->dragging)
    dropify_window_show_stack_page (self, "dropping");
  else if (g_list_model_get_n_items (history) == 0 && self->search_results != NULL)
    dropify_window_show_stack_page (self, "no-results");
  else if (g_list_model_get_n_items (history) == 0)
    dropify_window_show_stack_page (self, "empty");
  else
    dropify_window_show_stack_page (self, "history");
}

/* The newest drop in view
 *
 * The list keeps the row that was on top in place when rows are inserted
 * above it, so a new drop would land out of sight. Someone reading at the
 * top follows the newest: the view is held at the top, frame after frame,
 * until the list has placed every new row. Whether they read at the top
 * is decided by their own scrolling only, never by the list moving the
 * view while it places rows, so a second drop arriving while the first
 * is being placed is followed too. Someone scrolled down to older drops
 * stays there, and a button counts what came in above. */

/* Frames the view must stay at the top before holding it there stops. */
#define PIN_STABLE_FRAMES 3

static void
dropify_window_update_new_drops (DropifyWindow *self)
{
  if (self->n_unseen > 0)
    {
      g_autofree char *text = NULL;

      /* Translators: a button over the history that scrolls up to the
       * drops that came in while the user read older ones */
      text = g_strdup_printf (ngettext ("%u new drop", "%u new drops", self->n_unseen),
                              self->n_unseen);
      gtk_label_set_text (self->new_drops_label, text);
    }

  gtk_revealer_set_reveal_child (self->new_drops_revealer, self->n_unseen > 0);
}

static gboolean
dropify_window_pin_tick (GtkWidget     *widget,
                         GdkFrameClock *frame_clock,
                         gpointer       user_data)
{
  DropifyWindow *self = DROPIFY_WINDOW (user_data);
  GtkAdjustment *vadjustment = gtk_scrolled_window_get_vadjustment (self->history_scroller);

  if (gtk_adjustment_get_value (vadjustment) > gtk_adjustment_get_lower (vadjustment))
    {
      self->pin_stable_frames = 0;
      gtk_adjustment_set_value (vadjustment, gtk_adjustment_get_lower (vadjustment));
      return G_SOURCE_CONTINUE;
    }

  if (++self->pin_stable_frames < PIN_STABLE_FRAMES)
    return G_SOURCE_CONTINUE;

  self->pin_tick = 0;
  return G_SOURCE_REMOVE;
}

static void
dropify_window_follow_newest (DropifyWindow *self)
{
  GtkAdjustment *vadjustment = gtk_scrolled_window_get_vadjustment (self->history_scroller);

  self->following = TRUE;
  self->n_unseen = 0;
  dropify_window_update_new_drops (self);

  self->pin_stable_frames = 0;
  if (self->pin_tick == 0)
    self->pin_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->history_view),
                                                   dropify_window_pin_tick,
                                                   self, NULL);

  gtk_adjustment_set_value (vadjustment, gtk_adjustment_get_lower (vadjustment));
}

static void
dropify_window_scroll_to_newest (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *param)
{
  dropify_window_follow_newest (DROPIFY_WINDOW (widget));
}

static void
dropify_window_scrolled (DropifyWindow *self,
                         GtkAdjustment *vadjustment)
{
  /* The view moves on its own while new rows are placed. */
  if (self->pin_tick != 0)
    return;

  self->following = gtk_adjustment_get_value (vadjustment) <= gtk_adjustment_get_lower (vadjustment) + 1;

  if (self->following && self->n_unseen > 0)
    {
      self->n_unseen = 0;
      dropify_window_update_new_drops (self);
    }
}

static void
dropify_window_history_changed (DropifyWindow *self,
                                guint          position,
                                guint          removed,
                                guint          added,
                                GListModel    *history)
{
  g_autoptr(DropifyDrop) newest = NULL;
  DropifyIdentity *identity;

  dropify_window_update_page (self);

  if (removed > 0)
    dropify_window_check_shown_drop (self);

  if (position != 0 || added == 0 || self->refiltering)
    return;

  /* New drops arrive on top. Show them to someone reading at the top, and
   * always show a drop made here; someone scrolled down to an older drop
   * is left where they are when a peer's drop comes in. */
  newest = g_list_model_get_item (history, 0);
  identity = dropify_service_get_identity (self->service);

  if (self->following || dropify_identity_is_own_id (identity, dropify_drop_get_origin (newest)))
    {
      dropify_window_follow_newest (self);
    }
  else
    {
      self->n_unseen += added;
      dropify_window_update_new_drops (self);
    }
}

static gboolean
dropify_window_refresh_expiry (gpointer user_data)
{
  DropifyWindow *self = DROPIFY_WINDOW (user_data);

  if (self->rows->len == 0)
    {
      self->expiry_source = 0;
      return G_SOURCE_REMOVE;
    }

  /* Nobody reads a hidden window; rows catch up when they are bound again
   * or at the next tick. */
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return G_SOURCE_CONTINUE;

  for (guint i = 0; i < self->rows->len; i++)
    dropify_drop_row_refresh_expiry (g_ptr_array_index (self->rows, i));

  return G_SOURCE_CONTINUE;
}

static void
dropify_window_setup_row (DropifyWindow            *self,
                          GtkListItem              *item,
                          GtkSignalListItemFactory *factory)
{
  /* Clicking a row, or Enter on it, opens the drop in full. */
  GtkWidget *row = dropify_drop_row_new (self->service);

  gtk_list_item_set_activatable (item, TRUE);
  dropify_drop_row_set_selection (DROPIFY_DROP_ROW (row), self->selection);
  gtk_list_item_set_child (item, row);
}

static void
dropify_window_bind_row (DropifyWindow            *self,
                         GtkListItem              *item,
                         GtkSignalListItemFactory *factory)
{
  DropifyDropRow *row = DROPIFY_DROP_ROW (gtk_list_item_get_child (item));

  dropify_drop_row_set_drop (row, gtk_list_item_get_item (item));
  g_ptr_array_add (self->rows, row);

  if (self->open_when_bound != NULL &&
      g_strcmp0 (dropify_drop_get_id (gtk_list_item_get_item (item)), self->open_when_bound) == 0)
    {
      g_clear_pointer (&self->open_when_bound, g_free);
      gtk_widget_activate_action (GTK_WIDGET (row), "row.open", NULL);
    }

  if (self->expiry_source == 0)
    self->expiry_source = g_timeout_add_seconds (EXPIRY_REFRESH_SECONDS,
                                                 dropify_window_refresh_expiry,
                                                 self);
}

static void
dropify_window_unbind_row (DropifyWindow            *self,
                           GtkListItem              *item,
                           GtkSignalListItemFactory *factory)
{
  DropifyDropRow *row = DROPIFY_DROP_ROW (gtk_list_item_get_child (item));

  dropify_drop_row_set_drop (row, NULL);
  g_ptr_array_remove_fast (self->rows, row);
}

/* Filters */

static void
dropify_window_refilter (DropifyWindow    *self,
                         GtkCustomFilter  *filter,
                         GtkFilterChange   change)
{
  self->refiltering = TRUE;
  gtk_filter_changed (GTK_FILTER (filter), change);
  self->refiltering = FALSE;
}

/* Searching
 *
 * The history answers (see dropify_history_search()); the list shows the
 * drops it found. The entry waits for a pause in typing
 * before it asks. */

static gboolean
dropify_window_drop_is_found (gpointer item,
                              gpointer user_data)
{
  DropifyWindow *self = DROPIFY_WINDOW (user_data);

  return self->search_results == NULL || g_hash_table_contains (self->search_results, item);
}

static void
dropify_window_search (DropifyWindow *self)
{
  g_autoptr(GError) error = NULL;
  const char *text;
  const char *origin = NULL;
  guint selected;
  int kind;
  GHashTable *results = NULL;

  /* The template's signals may come before the window is whole. */
  if (self->service == NULL || self->visible_drops == NULL)
    return;

  text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  selected = self->kind_dropdown != NULL ? gtk_drop_down_get_selected (self->kind_dropdown) : 0;
  kind = selected == 1 ? DROPIFY_DROP_KIND_TEXT : selected == 2 ? DROPIFY_DROP_KIND_FILE : -1;
  selected = self->device_dropdown != NULL ? gtk_drop_down_get_selected (self->device_dropdown) : 0;
  if (self->device_ids != NULL && selected > 0 && selected < self->device_ids->len)
    origin = g_ptr_array_index (self->device_ids, selected);

  if (gtk_search_bar_get_search_mode (self->search_bar) && (*text != '\0' || kind >= 0 || origin != NULL))
    {
      results = dropify_history_search (dropify_service_get_history (self->service), text, kind, origin,
                                        &error);
      if (results == NULL)
        dropify_window_show_error (self, error);
    }

  if (results == NULL && self->search_results == NULL)
    return;

  g_clear_pointer (&self->search_results, g_hash_table_unref);
  self->search_results = results;
  dropify_window_refilter (self, self->search_filter, GTK_FILTER_CHANGE_DIFFERENT);
  dropify_window_update_page (self);
}

static void
dropify_window_search_changed (DropifyWindow *self)
{
  dropify_window_search (self);
}

/* New and expired drops change what a search finds; the history changes
 * in bursts, so one search answers a burst. */
static gboolean
dropify_window_search_again_cb (gpointer user_data)
{
  DropifyWindow *self = DROPIFY_WINDOW (user_data);

  self->search_source = 0;
  dropify_window_search (self);

  return G_SOURCE_REMOVE;
}

static void
dropify_window_history_items_changed (DropifyWindow *self)
{
  if (dropify_drop_selection_get_n_selected (self->selection) > 0)
    dropify_drop_selection_keep_only (self->selection, dropify_service_get_history (self->service));

  if (self->search_results != NULL && self->search_source == 0)
    self->search_source = g_timeout_add (100, dropify_window_search_again_cb, self);
}

/* The device filter offers the devices the drops come from (this one
 * named as such), the newest first, at most 24 of them; what was chosen
 * stays chosen while its device still has drops. */
#define MAX_FILTER_DEVICES 24

static void
dropify_window_fill_devices (DropifyWindow *self)
{
  DropifyIdentity *identity = dropify_service_get_identity (self->service);
  g_autoptr(GPtrArray) origins = dropify_history_dup_origins (dropify_service_get_history (self->service),
                                                              MAX_FILTER_DEVICES);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autofree char *chosen = NULL;
  guint selected = gtk_drop_down_get_selected (self->device_dropdown);
  guint select = 0;

  if (self->device_ids != NULL && selected > 0 && selected < self->device_ids->len)
    chosen = g_strdup (g_ptr_array_index (self->device_ids, selected));

  g_clear_pointer (&self->device_ids, g_ptr_array_unref);
  self->device_ids = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->device_ids, g_strdup (""));
  gtk_string_list_append (names, _("All Devices"));

  for (guint i = 0; i + 1 < origins->len; i += 2)
    {
      const char *id = g_ptr_array_index (origins, i);
      const char *name = g_ptr_array_index (origins, i + 1);
      g_autofree char *shown = NULL;

      if (dropify_identity_is_own_id (identity, id))
        shown = g_strdup (_("This Device"));
      else
        shown = dropify_drop_sanitize_name (name != NULL && *name != '\0' ? name : id);

      if (g_strcmp0 (id, chosen) == 0)
        select = self->device_ids->len;
      g_ptr_array_add (self->device_ids, g_strdup (id));
      gtk_string_list_append (names, shown);
    }

  /* Not a search of its own: the one below asks once. */
  g_signal_handlers_block_by_func (self->device_dropdown, dropify_window_search_changed, self);
  gtk_drop_down_set_model (self->device_dropdown, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->device_dropdown, select);
  g_signal_handlers_unblock_by_func (self->device_dropdown, dropify_window_search_changed, self);
}

/* The search's drop-downs, made when it first opens: each holds a
 * popover and a list, which a window that is never searched does not
 * need (0.15 MiB). */
static GtkDropDown *
dropify_window_add_dropdown (DropifyWindow *self,
                             GListModel    *model,
                             const char    *tooltip)
{
  GtkWidget *dropdown = gtk_drop_down_new (model, NULL);

  gtk_widget_set_tooltip_text (dropdown, tooltip);
  g_signal_connect_object (dropdown, "notify::selected",
                           G_CALLBACK (dropify_window_search_changed),
                           self, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (self->search_box), dropdown);

  return GTK_DROP_DOWN (dropdown);
}

static void
dropify_window_ensure_search_filters (DropifyWindow *self)
{
  const char * const kinds[] = { _("All"), _("Texts"), _("Files"), NULL };

  if (self->device_dropdown != NULL)
    return;

  /* Filled from the history each time the search opens. */
  self->device_dropdown = dropify_window_add_dropdown (self, NULL, _("From Device"));
  self->kind_dropdown = dropify_window_add_dropdown (self, G_LIST_MODEL (gtk_string_list_new (kinds)),
                                                     _("Kind of Drops"));
}

static void
dropify_window_search_mode_changed (DropifyWindow *self)
{
  if (gtk_search_bar_get_search_mode (self->search_bar))
    {
      dropify_window_ensure_search_filters (self);
      dropify_window_fill_devices (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
    }
  dropify_window_search (self);
}

static void
dropify_window_start_search (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *param)
{
  DropifyWindow *self = DROPIFY_WINDOW (widget);

  adw_leaflet_set_visible_child_name (self->leaflet, "history");
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* Deleting, with Undo */

/* How long the Undo toast shows, and so how long a deletion waits before
 * it spreads to the other devices. */
#define UNDO_TIMEOUT_SECONDS 5

static gboolean
dropify_window_drop_is_shown (gpointer item,
                              gpointer user_data)
{
  DropifyWindow *self = DROPIFY_WINDOW (user_data);

  return self->pending_deletes == NULL ||
         !g_hash_table_contains (self->pending_deletes, dropify_drop_get_id (item));
}

/* Deletes @id in the core, which spreads it to every device, unless it
 * was undone or already done. */
static void
dropify_window_commit_delete (DropifyWindow *self,
                              const char    *id)
{
  g_autoptr(GError) error = NULL;

  if (self->pending_deletes == NULL ||
      !g_hash_table_remove (self->pending_deletes, id))
    return;

  if (!dropify_service_delete (self->service, id, &error))
    {
      /* Gone already (expired, or deleted on another device) is what
       * was asked for. */
      if (g_error_matches (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_NOT_FOUND) ||
          g_error_matches (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_DELETED))
        return;

      dropify_window_refilter (self, self->pending_filter, GTK_FILTER_CHANGE_LESS_STRICT);
      dropify_window_show_error (self, error);
    }
}

static void
dropify_window_commit_all_deletes (DropifyWindow *self)
{
  g_autofree char **ids = NULL;

  if (self->pending_deletes == NULL || self->service == NULL)
    return;

  ids = (char **) g_hash_table_get_keys_as_array (self->pending_deletes, NULL);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autofree char *id = g_strdup (ids[i]);

      dropify_window_commit_delete (self, id);
    }
}

static void
dropify_window_undo_toast_clicked (DropifyWindow *self,
                                   AdwToast      *toast)
{
  const char * const *ids = g_object_get_data (G_OBJECT (toast), "dropify-drop-ids");
  gboolean restored = FALSE;

  for (guint i = 0; self->pending_deletes != NULL && ids[i] != NULL; i++)
    restored |= g_hash_table_remove (self->pending_deletes, ids[i]);
  if (restored)
    dropify_window_refilter (self, self->pending_filter, GTK_FILTER_CHANGE_LESS_STRICT);
}

static void
dropify_window_undo_toast_dismissed (DropifyWindow *self,
                                     AdwToast      *toast)
{
  const char * const *ids = g_object_get_data (G_OBJECT (toast), "dropify-drop-ids");

  for (guint i = 0; ids[i] != NULL; i++)
    dropify_window_commit_delete (self, ids[i]);

  if (self->undo_toast == toast)
    g_clear_weak_pointer (&self->undo_toast);
}

/* The drops in @ids leave this window at once, and everywhere else only
 * when their Undo toast goes; Undo brings them all back. */
static void
dropify_window_delete_drops (DropifyWindow      *self,
                             const char * const *ids)
{
  DropifyHistory *history = dropify_service_get_history (self->service);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) deleted = NULL;
  g_autofree char *title = NULL;
  DropifyDrop *first = NULL;
  guint n;
  AdwToast *toast;

  for (guint i = 0; ids[i] != NULL; i++)
    {
      DropifyDrop *drop = dropify_history_lookup (history, ids[i]);

      if (drop == NULL || g_hash_table_contains (self->pending_deletes, ids[i]))
        continue;
      if (first == NULL)
        first = drop;
      g_strv_builder_add (builder, ids[i]);
    }
  deleted = g_strv_builder_end (builder);
  n = g_strv_length (deleted);
  if (n == 0)
    return;

  /* One Undo at a time: the previous deletion spreads now, and its toast
   * tells of this one. A toast already dismissed (its going may be held
   * back: see dropify-toast.c) keeps its own deletion. */
  if (self->undo_toast != NULL && !dropify_toast_is_up (self->undo_toast))
    g_clear_weak_pointer (&self->undo_toast);
  if (self->undo_toast != NULL)
    {
      const char * const *previous = g_object_get_data (G_OBJECT (self->undo_toast),
                                                        "dropify-drop-ids");

      for (guint i = 0; previous[i] != NULL; i++)
        dropify_window_commit_delete (self, previous[i]);
    }

  for (guint i = 0; i < n; i++)
    g_hash_table_add (self->pending_deletes, g_strdup (deleted[i]));
  dropify_window_refilter (self, self->pending_filter, GTK_FILTER_CHANGE_MORE_STRICT);

  if (n > 1)
    {
      /* Translators: a toast with an Undo button */
      title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u drop deleted", "%u drops deleted", n), n);
    }
  else if (dropify_drop_get_kind (first) == DROPIFY_DROP_KIND_FILE)
    {
      g_autofree char *name = dropify_drop_sanitize_name (dropify_drop_get_name (first));

      /* Translators: a toast with an Undo button; %s is a file name */
      title = g_strdup_printf (_("“%s” deleted"), name);
    }
  else
    {
      title = g_strdup (_("Text deleted"));
    }

  adw_leaflet_set_visible_child_name (self->leaflet, "history");

  if (self->undo_toast != NULL &&
      dropify_toast_retitle (self->undo_toast, title, UNDO_TIMEOUT_SECONDS))
    {
      g_object_set_data_full (G_OBJECT (self->undo_toast), "dropify-drop-ids",
                              g_steal_pointer (&deleted), (GDestroyNotify) g_strfreev);
      return;
    }

  toast = dropify_toast_new (title, UNDO_TIMEOUT_SECONDS);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_object_set_data_full (G_OBJECT (toast), "dropify-drop-ids", g_steal_pointer (&deleted),
                          (GDestroyNotify) g_strfreev);
  g_signal_connect_object (toast, "button-clicked",
                           G_CALLBACK (dropify_window_undo_toast_clicked),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (toast, "dismissed",
                           G_CALLBACK (dropify_window_undo_toast_dismissed),
                           self, G_CONNECT_SWAPPED);
  g_set_weak_pointer (&self->undo_toast, toast);
  dropify_toast_add (self->toast_overlay, toast);
}

/* win.delete-drop: one drop, from its row, its page or the Delete key. */
static void
dropify_window_delete_drop (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  const char *ids[] = { g_variant_get_string (param, NULL), NULL };

  dropify_window_delete_drops (DROPIFY_WINDOW (widget), ids);
}

/* Selection mode */

static void
dropify_window_selection_changed (DropifyWindow *self)
{
  guint n = dropify_drop_selection_get_n_selected (self->selection);
  gboolean active = dropify_drop_selection_get_active (self->selection);
  g_autofree char *label = NULL;

  if (n == 0)
    label = g_strdup (_("No Drops Selected"));
  else
    /* Translators: in selection mode, how many drops are picked */
    label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u Selected", "%u Selected", n), n);

  gtk_label_set_label (self->selection_label, label);
  gtk_widget_set_visible (GTK_WIDGET (self->selection_bar), active);
  gtk_action_bar_set_revealed (self->selection_bar, active);
  gtk_widget_set_visible (GTK_WIDGET (self->composer), !active);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.delete-selected", active && n > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.select-all", active);
}

static void
dropify_window_selection_active_changed (DropifyWindow *self)
{
  if (dropify_drop_selection_get_active (self->selection))
    adw_leaflet_set_visible_child_name (self->leaflet, "history");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTION_MODE]);
}

static void
dropify_window_select_all (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  DropifyWindow *self = DROPIFY_WINDOW (widget);

  dropify_drop_selection_select_all (self->selection, G_LIST_MODEL (self->visible_drops));
}

static void
dropify_window_delete_selected (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *param)
{
  DropifyWindow *self = DROPIFY_WINDOW (widget);
  g_auto(GStrv) ids = dropify_drop_selection_dup_ids (self->selection);

  dropify_drop_selection_set_active (self->selection, FALSE);
  dropify_window_delete_drops (self, (const char * const *) ids);
}

/* Escape leaves selection mode; otherwise it is not ours. */
static gboolean
dropify_window_leave_selection (GtkWidget *widget,
                                GVariant  *args,
                                gpointer   user_data)
{
  DropifyWindow *self = DROPIFY_WINDOW (widget);

  if (!dropify_drop_selection_get_active (self->selection))
    return FALSE;

  dropify_drop_selection_set_active (self->selection, FALSE);
  return TRUE;
}

/* The Delete key deletes the drop whose row has the focus. */
static gboolean
dropify_window_delete_focused (GtkWidget *widget,
                               GVariant  *args,
                               gpointer   user_data)
{
  DropifyWindow *self = DROPIFY_WINDOW (user_data);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  GtkWidget *row = NULL;
  DropifyDrop *drop;

  if (focus == NULL)
    return FALSE;

  row = gtk_widget_get_ancestor (focus, DROPIFY_TYPE_DROP_ROW);
  /* The list's own item widget holds the focus when no button does. */
  if (row == NULL && DROPIFY_IS_DROP_ROW (gtk_widget_get_first_child (focus)))
    row = gtk_widget_get_first_child (focus);

  if (row == NULL || (drop = dropify_drop_row_get_drop (DROPIFY_DROP_ROW (row))) == NULL)
    return FALSE;

  return gtk_widget_activate_action (GTK_WIDGET (self), "win.delete-drop", "s",
                                     dropify_drop_get_id (drop));
}

/* Rows are one stop in the Tab order: from any row, Tab leaves the
 * history, as the list would otherwise walk through every row in turn.
 * The list takes no focus while the window looks for the next widget. */
static gboolean
dropify_window_tab_out_of_history (GtkWidget *widget,
                                   GVariant  *args,
                                   gpointer   user_data)
{
  GtkDirectionType direction = g_variant_get_int32 (args);

  gtk_widget_set_can_focus (widget, FALSE);
  gtk_widget_child_focus (GTK_WIDGET (gtk_widget_get_root (widget)), direction);
  gtk_widget_set_can_focus (widget, TRUE);

  return TRUE;
}

static void
dropify_window_add_tab_shortcut (GtkShortcutController *shortcuts,
                                 guint                  keyval,
                                 GdkModifierType        modifiers,
                                 GtkDirectionType       direction)
{
  GtkShortcut *shortcut;

  shortcut = gtk_shortcut_new (gtk_keyval_trigger_new (keyval, modifiers),
                               gtk_callback_action_new (dropify_window_tab_out_of_history,
                                                        NULL, NULL));
  gtk_shortcut_set_arguments (shortcut, g_variant_new_int32 (direction));
  gtk_shortcut_controller_add_shortcut (shortcuts, shortcut);
}

/* Right and Left move between a row and its buttons. */
static gboolean
dropify_window_move_in_row (GtkWidget *widget,
                            GVariant  *args,
                            gpointer   user_data)
{
  DropifyWindow *self = DROPIFY_WINDOW (user_data);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  GtkDirectionType direction;
  GtkWidget *row;

  if (focus == NULL)
    return FALSE;

  row = gtk_widget_get_ancestor (focus, DROPIFY_TYPE_DROP_ROW);
  if (row == NULL && DROPIFY_IS_DROP_ROW (gtk_widget_get_first_child (focus)))
    row = gtk_widget_get_first_child (focus);

  if (row == NULL)
    return FALSE;

  /* Right to left, the buttons are on the left. */
  direction = g_variant_get_int32 (args);
  if (gtk_widget_get_direction (row) == GTK_TEXT_DIR_RTL)
    direction = direction == GTK_DIR_RIGHT ? GTK_DIR_LEFT : GTK_DIR_RIGHT;

  return dropify_drop_row_move_focus (DROPIFY_DROP_ROW (row), direction);
}

/* The drop's own page */

static void
dropify_window_show_drop_details (GtkWidget  *widget,
                                  const char *action_name,
                                  GVariant   *param)
{
  DropifyWindow *self = DROPIFY_WINDOW (widget);
  const char *id = g_variant_get_string (param, NULL);
  DropifyDrop *drop;

  drop = dropify_history_lookup (dropify_service_get_history (self->service), id);
  if (drop == NULL || g_hash_table_contains (self->pending_deletes, id))
    return;

  if (self->drop_view == NULL)
    {
      self->drop_view = g_object_new (DROPIFY_TYPE_DROP_VIEW, NULL);
      dropify_drop_view_set_service (self->drop_view, self->service);
      adw_toast_overlay_set_child (self->drop_toast_overlay, GTK_WIDGET (self->drop_view));
    }

  dropify_drop_view_set_drop (self->drop_view, drop);
  dropify_window_show_page (self, GTK_WIDGET (self->drop_toast_overlay));
  dropify_drop_view_focus_start (self->drop_view);
}

static void
dropify_window_row_activated (DropifyWindow *self,
                              guint          position,
                              GtkGridView   *history_view)
{
  g_autoptr(DropifyDrop) drop = g_list_model_get_item (G_LIST_MODEL (self->visible_drops), position);
  const char *id;

  if (drop == NULL)
    return;

  /* In selection mode, a click (or Enter, or Space) picks the drop. */
  id = dropify_drop_get_id (drop);
  if (dropify_drop_selection_get_active (self->selection))
    dropify_drop_selection_set_selected (self->selection, id,
                                         !dropify_drop_selection_contains (self->selection, id));
  else
    gtk_widget_activate_action (GTK_WIDGET (self), "win.show-drop-details", "s", id);
}

/* A drop that leaves the history (deleted, here or elsewhere, or expired)
 * takes its page with it. */
static void
dropify_window_check_shown_drop (DropifyWindow *self)
{
  DropifyDrop *drop = self->drop_view != NULL ? dropify_drop_view_get_drop (self->drop_view) : NULL;
  const char *id;

  if (drop == NULL)
    return;

  id = dropify_drop_get_id (drop);
  if (dropify_history_lookup (dropify_service_get_history (self->service), id) == drop &&
      !g_hash_table_contains (self->pending_deletes, id))
    return;

  if (g_strcmp0 (adw_leaflet_get_visible_child_name (self->leaflet), "drop") == 0)
    adw_leaflet_set_visible_child_name (self->leaflet, "history");
  dropify_drop_view_set_drop (self->drop_view, NULL);
}

/* Send a drop again */

static void
dropify_window_send_again_response (DropifyWindow       *self,
                                    const char          *response,
                                    DropifySendToDialog *dialog)
{
  DropifyDrop *drop = dropify_send_to_dialog_get_drop (dialog);
  g_auto(GStrv) audience = NULL;
  g_autoptr(DropifyDrop) sent = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;
  guint n;

  if (g_strcmp0 (response, "send") != 0)
    return;

  audience = dropify_send_to_dialog_dup_audience (dialog);
  n = g_strv_length (audience);
  if (n == 0)
    return;

  sent = dropify_service_send_again (self->service, drop, (const char * const *) audience, &error);
  if (sent == NULL)
    {
      dropify_window_show_error (self, error);
      return;
    }

  dropify_audience_note_recent (dropify_service_get_settings (self->service),
                                (const char * const *) audience);

  name = dropify_drop_dup_short_name (drop);
  /* Translators: a toast; %s is a file's name or the start of a text, %u
   * a number of devices */
  text = g_strdup_printf (ngettext ("Sent “%s” to %u device", "Sent “%s” to %u devices", n),
                          name, n);
  dropify_window_show_toast (self, text);
}

/* win.send-drop-to, from a drop's row or its page: the drop is sent again,
 * as a new drop, to the devices chosen in a dialog. */
static void
dropify_window_send_drop_to (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *param)
{
  DropifyWindow *self = DROPIFY_WINDOW (widget);
  const char *id = g_variant_get_string (param, NULL);
  GListModel *model = dropify_sync_get_peers (dropify_service_get_sync (self->service));
  g_autoptr(GPtrArray) peers = NULL;
  DropifyDrop *drop;
  GtkWidget *dialog;

  drop = dropify_history_lookup (dropify_service_get_history (self->service), id);
  if (drop == NULL || g_hash_table_contains (self->pending_deletes, id))
    return;

  peers = dropify_audience_dup_peers (dropify_service_get_settings (self->service), model);
  if (peers->len == 0)
    {
      dropify_window_show_toast (self, _("No paired devices to send to yet"));
      return;
    }

  dialog = dropify_send_to_dialog_new (GTK_WINDOW (self), drop, peers);
  g_signal_connect_object (dialog, "response",
                           G_CALLBACK (dropify_window_send_again_response),
                           self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Composer: its actions are the window's, with their shortcuts, so that
 * they work from anywhere in it; the composer does the work. */

static void
dropify_window_send (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *param)
{
  dropify_composer_send (DROPIFY_WINDOW (widget)->composer);
}

/* The device an action's parameter names, or %NULL for all of them
 * (an empty id, or none). */
static const char *
dropify_window_target_of (GVariant *param)
{
  const char *id;

  if (param == NULL)
    return NULL;

  id = g_variant_get_string (param, NULL);
  if (*id == '\0' || !dropify_protocol_id_is_valid (id))
    return NULL;

  return id;
}

/* Who an action sends to: with no parameter, the composer's "Send To"
 * (@peer %NULL); with one, the device it names, which must be listed.
 * New drops show in the history, also when the action comes from the
 * devices page. */
static gboolean
dropify_window_start_sending (DropifyWindow  *self,
                              GVariant       *param,
                              DropifyPeer   **peer)
{
  const char *to = dropify_window_target_of (param);

  *peer = to != NULL ? dropify_window_find_peer (self, to) : NULL;
  if (param != NULL && *peer == NULL)
    return FALSE;

  adw_leaflet_set_visible_child_name (self->leaflet, "history");
  return TRUE;
}

/* win.attach drops files for the composer's "Send To"; win.send-files-to
 * for the one device it names, from the devices page. */
static void
dropify_window_attach (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  DropifyWindow *self = DROPIFY_WINDOW (widget);
  DropifyPeer *peer;

  if (dropify_window_start_sending (self, param, &peer))
    dropify_composer_attach (self->composer, peer);
}

/* win.paste (Ctrl+V), win.send-clipboard (Ctrl+Shift+V), and
 * win.send-clipboard-to for the one device it names, from the devices
 * page. */
static void
dropify_window_paste (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  DropifyWindow *self = DROPIFY_WINDOW (widget);
  DropifyPeer *peer;

  if (dropify_window_start_sending (self, param, &peer))
    dropify_composer_paste (self->composer, peer);
}

static void
dropify_window_composer_toast (DropifyWindow *self,
                               const char    *text)
{
  dropify_window_show_toast (self, text);
}

static void
dropify_window_composer_can_send (DropifyWindow *self)
{
  gboolean can_send;

  g_object_get (self->composer, "can-send", &can_send, NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.send", can_send);
}

static void
dropify_window_composer_send_to (DropifyWindow *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEND_TO]);
}

/* Drag and drop */

static gboolean
dropify_window_drop_accept (DropifyWindow *self,
                            GdkDrop       *drop,
                            GtkDropTarget *target)
{
  /* A drop dragged out of this very window must not come back as a copy. */
  if (gdk_drop_get_drag (drop) != NULL)
    return FALSE;

  return (gdk_drop_get_actions (drop) & GDK_ACTION_COPY) != 0 &&
         gdk_content_formats_match (gtk_drop_target_get_formats (target),
                                    gdk_drop_get_formats (drop));
}

static GdkDragAction
dropify_window_drop_enter (DropifyWindow *self,
                           double         x,
                           double         y,
                           GtkDropTarget *target)
{
  self->dragging = TRUE;
  dropify_window_update_page (self);

  return GDK_ACTION_COPY;
}

static void
dropify_window_drop_leave (DropifyWindow *self,
                           GtkDropTarget *target)
{
  self->dragging = FALSE;
  dropify_window_update_page (self);
}

static gboolean
dropify_window_drop (DropifyWindow *self,
                     const GValue  *value,
                     double         x,
                     double         y,
                     GtkDropTarget *target)
{
  self->dragging = FALSE;
  dropify_window_update_page (self);

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      g_autoptr(GSList) files = gdk_file_list_get_files (g_value_get_boxed (value));

      if (files == NULL)
        return FALSE;

      dropify_composer_send_files (self->composer, files);
      return TRUE;
    }

  if (G_VALUE_HOLDS_STRING (value))
    return dropify_composer_send_text (self->composer, g_value_get_string (value));

  return FALSE;
}

/* Devices */

static void
dropify_window_n_connected_changed (DropifyWindow *self)
{
  g_autofree char *summary = NULL;
  g_autofree char *short_summary = NULL;
  guint n_connected = self->peer_count != NULL
                    ? dropify_peer_count_get_n_connected (self->peer_count)
                    : 0;

  if (n_connected == 0)
    {
      DropifyDiscovery *discovery = self->service != NULL
                                  ? dropify_service_get_discovery (self->service)
                                  : NULL;

      /* Nobody connected and nobody to be found on their own: say so,
       * or the subtitle reads as if devices should just appear. */
      if (self->service == NULL)
        summary = g_strdup (_("No devices connected"));
      else if (discovery == NULL)
        summary = g_strdup (_("No devices connected · Discovery off"));
      else if (!dropify_discovery_get_available (discovery))
        summary = g_strdup (_("No devices connected · Discovery unavailable"));
      else
        summary = g_strdup (_("No devices connected"));
      /* Translators: the window's subtitle when the window is narrow */
      short_summary = g_strdup (_("Not connected"));
    }
  else
    {
      /* Translators: the window's subtitle; %u is how many of the user's
       * other devices are connected and syncing */
      summary = g_strdup_printf (ngettext ("%u device connected",
                                           "%u devices connected",
                                           n_connected),
                                 n_connected);
      /* Translators: the window's subtitle when the window is narrow; %u
       * is how many of the user's other devices are connected */
      short_summary = g_strdup_printf (ngettext ("%u connected",
                                                 "%u connected",
                                                 n_connected),
                                       n_connected);
    }

  adw_window_title_set_subtitle (self->window_title, summary);
  adw_window_title_set_subtitle (self->short_window_title, short_summary);
}

static void
dropify_window_discovery_changed (DropifyWindow *self)
{
  dropify_window_n_connected_changed (self);
}

/* The devices page is made when first shown: a window that never shows
 * it keeps 0.9 MiB less (its widgets, and the fonts and icons they
 * load). Its help still counts discovery's time from the start. */
static void
dropify_window_show_devices_page (DropifyWindow *self)
{
  if (self->peers_page == NULL)
    {
      self->peers_page = g_object_new (DROPIFY_TYPE_PEERS_PAGE, NULL);
      dropify_peers_page_set_searching_since (self->peers_page, self->searching_since);
      if (self->service != NULL)
        dropify_peers_page_set_service (self->peers_page, self->service);
      adw_toast_overlay_set_child (self->devices_toast_overlay, GTK_WIDGET (self->peers_page));
    }

  dropify_window_show_page (self, self->devices_page);
}

static void
dropify_window_show_devices (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *param)
{
  dropify_window_show_devices_page (DROPIFY_WINDOW (widget));
}

static void
dropify_window_show_history (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *param)
{
  DropifyWindow *self = DROPIFY_WINDOW (widget);

  adw_leaflet_set_visible_child_name (self->leaflet, "history");
}

static void
dropify_window_add_device_response (DropifyWindow        *self,
                                    const char           *response,
                                    DropifyAddPeerDialog *dialog)
{
  g_autoptr(GError) error = NULL;
  const char *address = dropify_add_peer_dialog_get_address (dialog);

  /* The dialog gives "add" only with a valid address. */
  if (address == NULL)
    return;

  /* The new device shows on the devices page, connecting. */
  dropify_window_show_devices_page (self);

  if (!dropify_service_add_peer (self->service, address, &error))
    dropify_window_show_error (self, error);
}

static void
dropify_window_add_device (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  DropifyWindow *self = DROPIFY_WINDOW (widget);
  DropifyServer *server = dropify_service_get_server (self->service);
  GtkWidget *dialog;

  dialog = dropify_add_peer_dialog_new (GTK_WINDOW (self),
                                        server != NULL ? dropify_server_get_port (server) : 0);
  g_signal_connect_object (dialog, "response::add",
                           G_CALLBACK (dropify_window_add_device_response),
                           self, G_CONNECT_SWAPPED);

  gtk_window_present (GTK_WINDOW (dialog));
}

/* Pairing */

static DropifyPeer *
dropify_window_find_peer (DropifyWindow *self,
                          const char    *device_id)
{
  DropifySync *sync = dropify_service_get_sync (self->service);

  return dropify_audience_find_peer (dropify_sync_get_peers (sync), device_id);
}

static GtkWindow *
dropify_window_find_pairing_dialog (DropifyPeer *peer)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  guint n_items = g_list_model_get_n_items (toplevels);

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(GtkWindow) toplevel = g_list_model_get_item (toplevels, i);

      if (DROPIFY_IS_PAIRING_DIALOG (toplevel) &&
          dropify_pairing_dialog_get_peer (DROPIFY_PAIRING_DIALOG (toplevel)) == peer)
        return toplevel;
    }

  return NULL;
}

static void
dropify_window_pairing_response (DropifyWindow        *self,
                                 const char           *response,
                                 DropifyPairingDialog *dialog)
{
  DropifyPeer *peer = dropify_pairing_dialog_get_peer (dialog);
  gboolean accept = g_strcmp0 (response, "pair") == 0;
  g_autoptr(GError) error = NULL;

  /* Declining tells the other device, which then stops asking. The code
   * accepted is the one the dialog showed. */
  if (!dropify_sync_pair (dropify_service_get_sync (self->service),
                          dropify_peer_get_device_id (peer),
                          accept,
                          accept ? dropify_pairing_dialog_get_code (dialog) : NULL,
                          &error))
    {
      dropify_window_show_error (self, error);
      return;
    }

  /* When the other device accepted first, this completed the pairing,
   * and the toast says so instead. */
  if (accept && !dropify_peer_get_trusted (peer))
    {
      g_autofree char *text = NULL;

      /* Translators: a toast; %s is the name of another device */
      text = g_strdup_printf (_("Waiting for “%s” to confirm…"), dropify_peer_get_name (peer));
      g_set_weak_pointer (&self->waiting_toast, dropify_window_show_toast (self, text));
      g_signal_connect_object (self->waiting_toast, "dismissed",
                               G_CALLBACK (dropify_window_waiting_toast_dismissed),
                               self, G_CONNECT_SWAPPED);
    }
}

static void
dropify_window_show_pairing (DropifyWindow *self,
                             DropifyPeer   *peer,
                             gboolean       request)
{
  GtkWindow *dialog = dropify_window_find_pairing_dialog (peer);

  if (dialog == NULL)
    {
      dialog = GTK_WINDOW (dropify_pairing_dialog_new (GTK_WINDOW (self), peer, request));
      g_signal_connect_object (dialog, "response",
                               G_CALLBACK (dropify_window_pairing_response),
                               self, G_CONNECT_SWAPPED);
    }

  gtk_window_present (dialog);
}

static void
dropify_window_pair_device (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  DropifyWindow *self = DROPIFY_WINDOW (widget);
  DropifyPeer *peer = dropify_window_find_peer (self, g_variant_get_string (param, NULL));
  g_autoptr(GError) error = NULL;

  if (peer == NULL || !dropify_peer_get_connected (peer) || dropify_peer_get_trusted (peer))
    return;

  /* A new attempt, with a code of its own, unless one is under way. */
  if (!dropify_sync_pair_request (dropify_service_get_sync (self->service),
                                  dropify_peer_get_device_id (peer), &error))
    {
      dropify_window_show_error (self, error);
      return;
    }

  dropify_window_show_pairing (self, peer, FALSE);
}

/* The other device accepted first: ask here too, without being asked to
 * ask. A device this one already accepted is only waited for. */
static void
dropify_window_peer_wants_to_pair (DropifyWindow *self,
                                   GParamSpec    *pspec,
                                   DropifyPeer   *peer)
{
  if (dropify_peer_get_wants_to_pair (peer) &&
      !dropify_peer_get_pair_sent (peer) &&
      !dropify_peer_get_trusted (peer))
    dropify_window_show_pairing (self, peer, TRUE);
}

/* Toasts queue: news of a pairing would wait behind "Waiting for…", so
 * that toast says it instead, while it is still up. */
static void
dropify_window_tell_pairing_news (DropifyWindow *self,
                                  const char    *text)
{
  if (self->waiting_toast == NULL ||
      !dropify_toast_retitle (self->waiting_toast, text, 3))
    dropify_window_show_toast (self, text);
  g_clear_weak_pointer (&self->waiting_toast);
}

/* An attempt to pair ended without pairing: whoever waited is told why,
 * on both devices. */
static void
dropify_window_peer_pairing_failed (DropifyWindow *self,
                                    GParamSpec    *pspec,
                                    DropifyPeer   *peer)
{
  const char *error = dropify_peer_get_pairing_error (peer);

  if (error == NULL || *error == '\0' || dropify_peer_get_trusted (peer))
    return;

  dropify_window_tell_pairing_news (self, error);
}

/* A device trusted through the group secret was not paired by anyone
 * here: only a pairing someone confirmed gets a toast. The core clears the
 * pairing's flags just after it trusts the device. */
static void
dropify_window_peer_trusted (DropifyWindow *self,
                             GParamSpec    *pspec,
                             DropifyPeer   *peer)
{
  g_autofree char *text = NULL;
  const char *name;

  if (!dropify_peer_get_trusted (peer) ||
      !(dropify_peer_get_pair_sent (peer) || dropify_peer_get_wants_to_pair (peer)))
    return;

  name = dropify_peer_get_name (peer);
  if (name == NULL || *name == '\0')
    name = dropify_peer_get_address (peer);

  /* Translators: a toast; %s is the name of another device */
  text = g_strdup_printf (_("Paired with “%s”"), name != NULL ? name : "");

  dropify_window_tell_pairing_news (self, text);
}

static void
dropify_window_peers_changed (DropifyWindow *self,
                              guint          position,
                              guint          removed,
                              guint          added,
                              GListModel    *peers)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);

      g_signal_connect_object (peer, "notify::wants-to-pair",
                               G_CALLBACK (dropify_window_peer_wants_to_pair),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (peer, "notify::trusted",
                               G_CALLBACK (dropify_window_peer_trusted),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (peer, "notify::pairing-error",
                               G_CALLBACK (dropify_window_peer_pairing_failed),
                               self, G_CONNECT_SWAPPED);
      dropify_window_peer_wants_to_pair (self, NULL, peer);
    }
}

/* Phones */

static void
dropify_window_connect_phone (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *param)
{
  DropifyWindow *self = DROPIFY_WINDOW (widget);
  GtkWidget *dialog = dropify_phone_dialog_new (GTK_WINDOW (self), self->service);

  gtk_window_present (GTK_WINDOW (dialog));
}

/* Window state */

static void
dropify_window_restore_state (DropifyWindow *self)
{
  GSettings *settings = dropify_service_get_settings (self->service);
  int width;
  int height;

  if (settings == NULL)
    return;

  width = g_settings_get_int (settings, "window-width");
  height = g_settings_get_int (settings, "window-height");

  if (width > 0 && height > 0)
    gtk_window_set_default_size (GTK_WINDOW (self), width, height);

  if (g_settings_get_boolean (settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
dropify_window_save_state (DropifyWindow *self)
{
  GSettings *settings;
  gboolean maximized;
  int width;
  int height;

  if (self->service == NULL)
    return;

  settings = dropify_service_get_settings (self->service);
  if (settings == NULL)
    return;

  maximized = gtk_window_is_maximized (GTK_WINDOW (self));
  g_settings_set_boolean (settings, "window-maximized", maximized);

  /* The default size of a maximized window is its size before it was
   * maximized, which is the one worth restoring. */
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  if (width > 0 && height > 0)
    {
      g_settings_set_int (settings, "window-width", width);
      g_settings_set_int (settings, "window-height", height);
    }
}

static gboolean
dropify_window_close_request (GtkWindow *window)
{
  GtkApplication *application = gtk_window_get_application (window);

  dropify_window_save_state (DROPIFY_WINDOW (window));

  /* Nobody is left to undo: what was deleted here spreads now. */
  dropify_window_commit_all_deletes (DROPIFY_WINDOW (window));

  /* Running in the background, the window hides and keeps what was
   * being written; a new launch shows it again. */
  if (DROPIFY_IS_APPLICATION (application) &&
      dropify_application_close_to_background (DROPIFY_APPLICATION (application)))
    {
      gtk_widget_set_visible (GTK_WIDGET (window), FALSE);
      return TRUE;
    }

  return GTK_WINDOW_CLASS (dropify_window_parent_class)->close_request (window);
}

/* GObject */

static void
dropify_window_constructed (GObject *object)
{
  DropifyWindow *self = (DropifyWindow *)object;
  DropifyHistory *history;
  g_autoptr(GtkNoSelection) selection = NULL;
  GtkShortcutController *shortcuts;
  GtkEveryFilter *filters;
  GtkListItemFactory *factory;
  GListModel *peers;

  G_OBJECT_CLASS (dropify_window_parent_class)->constructed (object);

  g_assert (DROPIFY_IS_SERVICE (self->service));

  history = dropify_service_get_history (self->service);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect_object (factory, "setup",
                           G_CALLBACK (dropify_window_setup_row),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (factory, "bind",
                           G_CALLBACK (dropify_window_bind_row),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (factory, "unbind",
                           G_CALLBACK (dropify_window_unbind_row),
                           self, G_CONNECT_SWAPPED);
  gtk_grid_view_set_factory (self->history_view, factory);
  g_object_unref (factory);

  self->pending_filter = gtk_custom_filter_new (dropify_window_drop_is_shown, self, NULL);
  self->search_filter = gtk_custom_filter_new (dropify_window_drop_is_found, self, NULL);
  filters = gtk_every_filter_new ();
  gtk_multi_filter_append (GTK_MULTI_FILTER (filters), g_object_ref (GTK_FILTER (self->pending_filter)));
  gtk_multi_filter_append (GTK_MULTI_FILTER (filters), g_object_ref (GTK_FILTER (self->search_filter)));
  self->visible_drops = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (history)),
                                                   GTK_FILTER (filters));
  g_signal_connect_object (history, "items-changed",
                           G_CALLBACK (dropify_window_history_items_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->search_bar, "notify::search-mode-enabled",
                           G_CALLBACK (dropify_window_search_mode_changed),
                           self, G_CONNECT_SWAPPED);
  g_object_bind_property (self->search_button, "active",
                          self->search_bar, "search-mode-enabled",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->narrow_search_button, "active",
                          self->search_bar, "search-mode-enabled",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->visible_drops)));
  gtk_grid_view_set_model (self->history_view, GTK_SELECTION_MODEL (selection));

  shortcuts = GTK_SHORTCUT_CONTROLLER (gtk_shortcut_controller_new ());
  gtk_shortcut_controller_add_shortcut (shortcuts,
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Delete, 0),
                                                          gtk_callback_action_new (dropify_window_delete_focused,
                                                                                   self, NULL)));
  gtk_shortcut_controller_add_shortcut (shortcuts,
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_KP_Delete, 0),
                                                          gtk_callback_action_new (dropify_window_delete_focused,
                                                                                   self, NULL)));
  dropify_window_add_tab_shortcut (shortcuts, GDK_KEY_Tab, 0, GTK_DIR_TAB_FORWARD);
  dropify_window_add_tab_shortcut (shortcuts, GDK_KEY_KP_Tab, 0, GTK_DIR_TAB_FORWARD);
  dropify_window_add_tab_shortcut (shortcuts, GDK_KEY_Tab, GDK_SHIFT_MASK, GTK_DIR_TAB_BACKWARD);
  dropify_window_add_tab_shortcut (shortcuts, GDK_KEY_KP_Tab, GDK_SHIFT_MASK, GTK_DIR_TAB_BACKWARD);
  gtk_widget_add_controller (GTK_WIDGET (self->history_view), GTK_EVENT_CONTROLLER (shortcuts));

  /* Before the list's own arrow keys, which would leave a button for the
   * next row. */
  shortcuts = GTK_SHORTCUT_CONTROLLER (gtk_shortcut_controller_new ());
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (shortcuts), GTK_PHASE_CAPTURE);
  for (guint i = 0; i < 4; i++)
    {
      const guint keyvals[] = { GDK_KEY_Right, GDK_KEY_KP_Right, GDK_KEY_Left, GDK_KEY_KP_Left };
      GtkShortcut *shortcut;

      shortcut = gtk_shortcut_new (gtk_keyval_trigger_new (keyvals[i], 0),
                                   gtk_callback_action_new (dropify_window_move_in_row, self, NULL));
      gtk_shortcut_set_arguments (shortcut, g_variant_new_int32 (i < 2 ? GTK_DIR_RIGHT : GTK_DIR_LEFT));
      gtk_shortcut_controller_add_shortcut (shortcuts, shortcut);
    }
  gtk_widget_add_controller (GTK_WIDGET (self->history_view), GTK_EVENT_CONTROLLER (shortcuts));

  gtk_grid_view_set_single_click_activate (self->history_view, TRUE);
  g_signal_connect_object (self->history_view, "activate",
                           G_CALLBACK (dropify_window_row_activated),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->history_scroller),
                           "value-changed",
                           G_CALLBACK (dropify_window_scrolled),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->visible_drops, "items-changed",
                           G_CALLBACK (dropify_window_history_changed),
                           self, G_CONNECT_SWAPPED);
  dropify_window_update_page (self);

  /* The subtitle sums up the connections; this device's own name is on
   * the devices page. */
  self->searching_since = g_get_monotonic_time ();
  self->peer_count = dropify_peer_count_new (dropify_sync_get_peers (dropify_service_get_sync (self->service)));
  g_signal_connect_object (self->peer_count, "notify::n-connected",
                           G_CALLBACK (dropify_window_n_connected_changed),
                           self, G_CONNECT_SWAPPED);
  dropify_window_n_connected_changed (self);
  if (dropify_service_get_discovery (self->service) != NULL)
    g_signal_connect_object (dropify_service_get_discovery (self->service), "notify::available",
                             G_CALLBACK (dropify_window_discovery_changed),
                             self, G_CONNECT_SWAPPED);

  peers = dropify_sync_get_peers (dropify_service_get_sync (self->service));
  g_signal_connect_object (peers, "items-changed",
                           G_CALLBACK (dropify_window_peers_changed),
                           self, G_CONNECT_SWAPPED);
  dropify_window_peers_changed (self, 0, 0, g_list_model_get_n_items (peers), peers);

  dropify_composer_set_service (self->composer, self->service);
  g_object_bind_property (self->composer, "busy", self->spinner, "visible", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->composer, "busy", self->spinner, "spinning", G_BINDING_SYNC_CREATE);

  dropify_window_restore_state (self);
}

/* The keyboard shortcuts window, built when it is first shown rather
 * than with every window, as GtkApplicationWindow does for a
 * gtk/help-overlay.ui (half a MiB the window would keep for nothing). */
static void
dropify_window_show_shortcuts (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *param)
{
  DropifyWindow *self = DROPIFY_WINDOW (widget);

  if (self->shortcuts_window == NULL)
    {
      g_autoptr(GtkBuilder) builder = NULL;

      builder = gtk_builder_new_from_resource ("/io/github/dropify/Dropify/ui/dropify-shortcuts-window.ui");
      self->shortcuts_window = g_object_ref (GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay")));
      gtk_window_set_transient_for (self->shortcuts_window, GTK_WINDOW (self));
      gtk_window_set_hide_on_close (self->shortcuts_window, TRUE);
    }

  gtk_window_present (self->shortcuts_window);
}

static void
dropify_window_dispose (GObject *object)
{
  DropifyWindow *self = (DropifyWindow *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->expiry_source, g_source_remove);
  g_clear_handle_id (&self->search_source, g_source_remove);
  if (self->pin_tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self->history_view), self->pin_tick);
      self->pin_tick = 0;
    }

  /* A window destroyed without being closed still keeps its word. */
  dropify_window_commit_all_deletes (self);
  g_clear_pointer (&self->pending_deletes, g_hash_table_unref);
  g_clear_weak_pointer (&self->undo_toast);

  if (self->shortcuts_window != NULL)
    gtk_window_destroy (self->shortcuts_window);
  g_clear_object (&self->shortcuts_window);

  gtk_widget_dispose_template (GTK_WIDGET (self), DROPIFY_TYPE_WINDOW);
  self->drop_view = NULL;   /* the drop page's overlay held it */
  self->peers_page = NULL;  /* and the devices page's, this */
  g_clear_object (&self->peer_count);

  g_clear_object (&self->visible_drops);
  g_clear_object (&self->pending_filter);
  g_clear_object (&self->search_filter);
  g_clear_pointer (&self->search_results, g_hash_table_unref);

  G_OBJECT_CLASS (dropify_window_parent_class)->dispose (object);
}

static void
dropify_window_finalize (GObject *object)
{
  DropifyWindow *self = (DropifyWindow *)object;

  g_clear_weak_pointer (&self->waiting_toast);
  g_clear_pointer (&self->open_when_bound, g_free);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->service);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_object (&self->selection);
  g_clear_pointer (&self->device_ids, g_ptr_array_unref);

  G_OBJECT_CLASS (dropify_window_parent_class)->finalize (object);
}

static void
dropify_window_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  DropifyWindow *self = DROPIFY_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;

    case PROP_SEND_TO:
      g_value_set_string (value, dropify_composer_get_send_to (self->composer));
      break;

    case PROP_SELECTION_MODE:
      g_value_set_boolean (value, dropify_drop_selection_get_active (self->selection));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_window_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  DropifyWindow *self = DROPIFY_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;

    case PROP_SEND_TO:
      dropify_composer_set_send_to (self->composer, g_value_get_string (value));
      break;

    case PROP_SELECTION_MODE:
      dropify_drop_selection_set_active (self->selection, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_window_class_init (DropifyWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = dropify_window_constructed;
  object_class->dispose = dropify_window_dispose;
  object_class->finalize = dropify_window_finalize;
  object_class->get_property = dropify_window_get_property;
  object_class->set_property = dropify_window_set_property;

  window_class->close_request = dropify_window_close_request;

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL,
                         DROPIFY_TYPE_SERVICE,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * DropifyWindow:send-to:
   *
   * Who new drops made in this window are for: a paired device's id, or
   * "" for every device.
   */
  properties[PROP_SEND_TO] =
    g_param_spec_string ("send-to", NULL, NULL, "",
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * DropifyWindow:selection-mode:
   *
   * Whether rows show check boxes to pick drops, and the action bar that
   * deletes them shows in place of the composer.
   */
  properties[PROP_SELECTION_MODE] =
    g_param_spec_boolean ("selection-mode", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (DROPIFY_TYPE_COMPOSER);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dropify/Dropify/ui/dropify-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, devices_page);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, devices_toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, drop_toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, short_window_title);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, history_scroller);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, history_view);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, new_drops_revealer);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, new_drops_label);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, narrow_search_button);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, search_box);
  gtk_widget_class_bind_template_callback (widget_class, dropify_window_search_changed);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, selection_bar);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, selection_label);
  gtk_widget_class_bind_template_child (widget_class, DropifyWindow, composer);

  gtk_widget_class_install_action (widget_class, "win.send", NULL, dropify_window_send);
  gtk_widget_class_install_action (widget_class, "win.show-help-overlay", NULL,
                                   dropify_window_show_shortcuts);
  gtk_widget_class_install_property_action (widget_class, "win.send-to", "send-to");
  gtk_widget_class_install_action (widget_class, "win.attach", NULL, dropify_window_attach);
  gtk_widget_class_install_action (widget_class, "win.paste", NULL, dropify_window_paste);
  gtk_widget_class_install_action (widget_class, "win.send-clipboard", NULL, dropify_window_paste);
  gtk_widget_class_install_action (widget_class, "win.send-clipboard-to", "s",
                                   dropify_window_paste);
  gtk_widget_class_install_action (widget_class, "win.send-files-to", "s", dropify_window_attach);
  gtk_widget_class_install_action (widget_class, "win.send-drop-to", "s",
                                   dropify_window_send_drop_to);
  gtk_widget_class_install_action (widget_class, "win.show-devices", NULL,
                                   dropify_window_show_devices);
  gtk_widget_class_install_action (widget_class, "win.show-history", NULL,
                                   dropify_window_show_history);
  gtk_widget_class_install_action (widget_class, "win.add-device", NULL,
                                   dropify_window_add_device);
  gtk_widget_class_install_action (widget_class, "win.pair-device", "s",
                                   dropify_window_pair_device);
  gtk_widget_class_install_action (widget_class, "win.connect-phone", NULL,
                                   dropify_window_connect_phone);
  gtk_widget_class_install_action (widget_class, "win.delete-drop", "s",
                                   dropify_window_delete_drop);
  gtk_widget_class_install_action (widget_class, "win.search", NULL,
                                   dropify_window_start_search);
  gtk_widget_class_install_action (widget_class, "win.scroll-to-newest", NULL,
                                   dropify_window_scroll_to_newest);
  gtk_widget_class_install_action (widget_class, "win.show-drop-details", "s",
                                   dropify_window_show_drop_details);
  gtk_widget_class_install_property_action (widget_class, "win.selection-mode", "selection-mode");
  gtk_widget_class_install_action (widget_class, "win.select-all", NULL,
                                   dropify_window_select_all);
  gtk_widget_class_install_action (widget_class, "win.delete-selected", NULL,
                                   dropify_window_delete_selected);
  gtk_widget_class_add_shortcut (widget_class,
                                 gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                   gtk_callback_action_new (dropify_window_leave_selection,
                                                                            NULL, NULL)));

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "win.send", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "win.send", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "win.attach", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK,
                                       "win.show-devices", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.add-device", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK,
                                       "win.connect-phone", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK,
                                       "win.paste", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.send-clipboard", NULL);
}

static void
dropify_window_init (DropifyWindow *self)
{
  GtkDropTarget *target;
  GType drop_types[] = { GDK_TYPE_FILE_LIST, G_TYPE_STRING };

  self->cancellable = g_cancellable_new ();
  self->rows = g_ptr_array_new ();
  self->pending_deletes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->following = TRUE;
  self->selection = dropify_drop_selection_new ();
  g_signal_connect_object (self->selection, "changed",
                           G_CALLBACK (dropify_window_selection_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->selection, "notify::active",
                           G_CALLBACK (dropify_window_selection_active_changed),
                           self, G_CONNECT_SWAPPED);

  gtk_widget_init_template (GTK_WIDGET (self));
  dropify_window_selection_changed (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.send", FALSE);
  g_signal_connect_object (self->composer, "notify::can-send",
                           G_CALLBACK (dropify_window_composer_can_send),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->composer, "notify::send-to",
                           G_CALLBACK (dropify_window_composer_send_to),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->composer, "toast",
                           G_CALLBACK (dropify_window_composer_toast),
                           self, G_CONNECT_SWAPPED);

  target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (target, drop_types, G_N_ELEMENTS (drop_types));
  g_signal_connect_object (target, "accept",
                           G_CALLBACK (dropify_window_drop_accept),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (target, "enter",
                           G_CALLBACK (dropify_window_drop_enter),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (target, "leave",
                           G_CALLBACK (dropify_window_drop_leave),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (target, "drop",
                           G_CALLBACK (dropify_window_drop),
                           self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->stack), GTK_EVENT_CONTROLLER (target));
}

/**
 * dropify_window_new:
 * @application: (nullable): the application, or %NULL in tests
 * @service: the service whose history the window shows
 *
 * Returns: (transfer floating): a new main window
 */
GtkWidget *
dropify_window_new (DropifyApplication *application,
                    DropifyService     *service)
{
  g_return_val_if_fail (application == NULL || DROPIFY_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (DROPIFY_IS_SERVICE (service), NULL);

  return g_object_new (DROPIFY_TYPE_WINDOW,
                       "application", application,
                       "service", service,
                       NULL);
}

/**
 * dropify_window_drop_files:
 * @self: a #DropifyWindow
 * @files: (array length=n_files): files to drop
 * @n_files: the number of @files
 *
 * Makes a drop of each of @files, as if they were dropped on the window,
 * and says in one toast when they are all in.
 */
void
dropify_window_drop_files (DropifyWindow  *self,
                           GFile         **files,
                           guint           n_files)
{
  g_return_if_fail (DROPIFY_IS_WINDOW (self));
  g_return_if_fail (files != NULL || n_files == 0);

  if (n_files == 0)
    return;

  /* New drops show in the history. */
  adw_leaflet_set_visible_child_name (self->leaflet, "history");

  dropify_composer_drop_files (self->composer, files, n_files);
}

static gboolean
dropify_window_find_drop (DropifyWindow *self,
                          const char    *id,
                          guint         *position)
{
  GListModel *history = G_LIST_MODEL (self->visible_drops);
  guint n_items = g_list_model_get_n_items (history);

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(DropifyDrop) drop = g_list_model_get_item (history, i);

      if (g_strcmp0 (dropify_drop_get_id (drop), id) == 0)
        {
          *position = i;
          return TRUE;
        }
    }

  return FALSE;
}

/**
 * dropify_window_show_drop:
 * @self: a #DropifyWindow
 * @id: the id of a drop
 *
 * Shows the history scrolled to the drop @id.
 *
 * Returns: %FALSE when the history has no such drop (it expired, or was
 *   deleted)
 */
gboolean
dropify_window_show_drop (DropifyWindow *self,
                          const char    *id)
{
  guint position;

  g_return_val_if_fail (DROPIFY_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  adw_leaflet_set_visible_child_name (self->leaflet, "history");

  if (!dropify_window_find_drop (self, id, &position))
    {
      dropify_window_show_toast (self, _("That drop is gone: it expired or was deleted"));
      return FALSE;
    }

  gtk_widget_activate_action (GTK_WIDGET (self->history_view), "list.scroll-to-item", "u", position);

  return TRUE;
}

/**
 * dropify_window_open_drop:
 * @self: a #DropifyWindow
 * @id: the id of a file drop
 *
 * Shows the drop @id, and opens it as its row's Open button does.
 */
void
dropify_window_open_drop (DropifyWindow *self,
                          const char    *id)
{
  g_return_if_fail (DROPIFY_IS_WINDOW (self));
  g_return_if_fail (id != NULL);

  if (!dropify_window_show_drop (self, id))
    return;

  for (guint i = 0; i < self->rows->len; i++)
    {
      DropifyDropRow *row = g_ptr_array_index (self->rows, i);
      DropifyDrop *drop = dropify_drop_row_get_drop (row);

      if (drop != NULL && g_strcmp0 (dropify_drop_get_id (drop), id) == 0)
        {
          gtk_widget_activate_action (GTK_WIDGET (row), "row.open", NULL);
          return;
        }
    }

  /* Scrolled to, its row is bound at the next layout. */
  g_free (self->open_when_bound);
  self->open_when_bound = g_strdup (id);
}

/**
 * dropify_window_get_service:
 * @self: a #DropifyWindow
 *
 * Returns: (transfer none): the service shown by @self
 */
DropifyService *
dropify_window_get_service (DropifyWindow *self)
{
  g_return_val_if_fail (DROPIFY_IS_WINDOW (self), NULL);

  return self->service;
}
