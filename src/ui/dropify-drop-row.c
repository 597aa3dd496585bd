/* dropify-drop-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-drop-row"

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "dropify-drop-row.h"

/* A preview never needs more than this; a 1 MiB text drop would otherwise be
 * laid out in full by Pango only to be ellipsized to three lines. */
#define PREVIEW_MAX_CHARS 400
#define PREVIEW_MAX_LINES 3

#define MINUTE_MS (G_GINT64_CONSTANT (60) * 1000)
#define HOUR_MS   (60 * MINUTE_MS)
#define DAY_MS    (24 * HOUR_MS)

struct _DropifyDropRow
{
  GtkWidget       parent_instance;

  DropifyService *service;
  DropifyDrop    *drop;
  gulong          received_handler;
  gulong          complete_handler;

  /* Template widgets */
  GtkWidget      *card;
  GtkImage       *icon;
  GtkLabel       *title_label;
  GtkLabel       *details_label;
  GtkProgressBar *progress_bar;
  GtkButton      *copy_button;
  GtkMenuButton  *menu_button;
  GMenuModel     *drop_menu;
};

G_DEFINE_FINAL_TYPE (DropifyDropRow, dropify_drop_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_DROP,
  PROP_SERVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Toasts */

static AdwToastOverlay *
dropify_drop_row_dup_toast_overlay (DropifyDropRow *self)
{
  GtkWidget *overlay;

  overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  return overlay != NULL ? g_object_ref (ADW_TOAST_OVERLAY (overlay)) : NULL;
}

/* AdwToast titles are Pango markup in libadwaita 1.2, so anything that
 * comes from a user (file names, error messages) must be escaped. */
static void
show_toast (AdwToastOverlay *overlay,
            const char      *text)
{
  g_autofree char *escaped = NULL;
  AdwToast *toast;

  if (overlay == NULL)
    {
      g_message ("%s", text);
      return;
    }

  escaped = g_markup_escape_text (text, -1);
  toast = adw_toast_new (escaped);
  adw_toast_set_timeout (toast, 3);
  adw_toast_overlay_add_toast (overlay, toast);
}

static void
show_error_toast (AdwToastOverlay *overlay,
                  const GError    *error)
{
  g_assert (error != NULL);

  g_debug ("%s", error->message);
  show_toast (overlay, error->message);
}

/* Formatting */

static char *
dropify_drop_row_dup_preview (const char *text)
{
  g_autofree char *head = NULL;
  gboolean truncated;
  char *p;
  guint lines = 0;

  if (text == NULL)
    return g_strdup ("");

  /* GLib 2.74's g_utf8_substring() reads past the end when asked for
   * more characters than there are: clamp first. */
  head = g_utf8_substring (text, 0, MIN (g_utf8_strlen (text, -1), PREVIEW_MAX_CHARS));
  truncated = strlen (head) < strlen (text);

  for (p = head; *p != '\0'; p++)
    {
      if (*p == '\n' && ++lines == PREVIEW_MAX_LINES)
        {
          truncated = TRUE;
          *p = '\0';
          break;
        }
    }

  g_strstrip (head);

  if (truncated)
    return g_strconcat (head, "…", NULL);

  return g_steal_pointer (&head);
}

/* The name came from another device, so it must never become a path. */
static char *
dropify_drop_row_dup_safe_name (DropifyDrop *drop)
{
  return dropify_drop_sanitize_name (dropify_drop_get_name (drop));
}

/**
 * dropify_drop_row_format_expiry:
 * @remaining_ms: how long until the drop expires
 *
 * Formats the time left as a sentence such as "Expires in 23 hours",
 * rounded to the nearest unit so that a freshly sent 24-hour drop reads
 * "24 hours", not "23 hours".
 *
 * Returns: (transfer full): the sentence
 */
char *
dropify_drop_row_format_expiry (int64_t remaining_ms)
{
  int64_t n;

  if (remaining_ms < MINUTE_MS)
    return g_strdup (_("Expires in less than a minute"));

  n = (remaining_ms + MINUTE_MS / 2) / MINUTE_MS;
  if (n < 60)
    return g_strdup_printf (ngettext ("Expires in %d minute",
                                      "Expires in %d minutes",
                                      (unsigned long) n),
                            (int) n);

  n = (remaining_ms + HOUR_MS / 2) / HOUR_MS;
  if (n < 48)
    return g_strdup_printf (ngettext ("Expires in %d hour",
                                      "Expires in %d hours",
                                      (unsigned long) n),
                            (int) n);

  n = (remaining_ms + DAY_MS / 2) / DAY_MS;
  return g_strdup_printf (ngettext ("Expires in %d day",
                                    "Expires in %d days",
                                    (unsigned long) MIN (n, G_MAXINT)),
                          (int) MIN (n, G_MAXINT));
}

/* A text drop that is nothing but a web address opens in the browser. */
static char *
dropify_drop_row_dup_link (DropifyDropRow *self)
{
  g_autofree char *text = NULL;
  const char *scheme;

  if (self->drop == NULL || dropify_drop_get_kind (self->drop) != DROPIFY_DROP_KIND_TEXT)
    return NULL;

  text = g_strstrip (g_strdup (dropify_drop_get_text (self->drop)));
  if (*text == '\0' || strpbrk (text, " \t\n\r") != NULL)
    return NULL;

  scheme = g_uri_peek_scheme (text);
  if (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)
    return NULL;

  if (!g_uri_is_valid (text, G_URI_FLAGS_NONE, NULL))
    return NULL;

  return g_steal_pointer (&text);
}

static gboolean
dropify_drop_row_file_is_ready (DropifyDropRow *self)
{
  return self->drop != NULL &&
         dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_FILE &&
         dropify_drop_get_complete (self->drop) &&
         dropify_drop_get_path (self->drop) != NULL;
}

static void
dropify_drop_row_update_actions (DropifyDropRow *self)
{
  g_autofree char *link = NULL;
  gboolean is_text;
  gboolean file_ready;

  is_text = self->drop != NULL &&
            dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_TEXT;
  file_ready = dropify_drop_row_file_is_ready (self);
  link = dropify_drop_row_dup_link (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.copy", is_text || file_ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.open", file_ready || link != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.save-as", file_ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.delete", self->drop != NULL);
}

static void
dropify_drop_row_update_details (DropifyDropRow *self)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *details = NULL;
  const char *origin_name;
  int64_t now;

  if (self->drop == NULL)
    return;

  if (dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_FILE)
    {
      g_autofree char *size = g_format_size (dropify_drop_get_size (self->drop));

      if (dropify_drop_get_complete (self->drop))
        {
          g_ptr_array_add (parts, g_steal_pointer (&size));
        }
      else
        {
          g_autofree char *received = g_format_size (dropify_drop_get_received (self->drop));

          /* Translators: "1.2 MB of 4.0 MB", while a file is arriving */
          g_ptr_array_add (parts, g_strdup_printf (_("%s of %s"), received, size));
        }
    }

  origin_name = dropify_drop_get_origin_name (self->drop);
  if (origin_name != NULL && *origin_name != '\0')
    /* Translators: the name of the device a drop was sent from */
    g_ptr_array_add (parts, g_strdup_printf (_("From %s"), origin_name));

  now = self->service != NULL
      ? dropify_history_now (dropify_service_get_history (self->service))
      : g_get_real_time () / 1000;
  g_ptr_array_add (parts,
                   dropify_drop_row_format_expiry (dropify_drop_get_expires_at (self->drop) - now));

  /* Keep each part on one line, so a narrow window wraps the details
   * between parts ("From Laptop" / "Expires in 3 hours") and not within. */
  for (guint i = 0; i < parts->len; i++)
    {
      GString *part = g_string_new (g_ptr_array_index (parts, i));

      g_string_replace (part, " ", "\u00a0", 0);
      g_free (g_ptr_array_index (parts, i));
      g_ptr_array_index (parts, i) = g_string_free (part, FALSE);
    }

  g_ptr_array_add (parts, NULL);

  details = g_strjoinv (" · ", (char **) parts->pdata);
  gtk_label_set_text (self->details_label, details);
}

static void
dropify_drop_row_update_progress (DropifyDropRow *self)
{
  gboolean receiving;

  g_assert (DROPIFY_IS_DROP_ROW (self));

  receiving = self->drop != NULL &&
              dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_FILE &&
              !dropify_drop_get_complete (self->drop);

  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), receiving);

  if (receiving)
    {
      uint64_t size = dropify_drop_get_size (self->drop);
      uint64_t received = dropify_drop_get_received (self->drop);

      gtk_progress_bar_set_fraction (self->progress_bar,
                                     size > 0 ? CLAMP ((double) received / size, 0.0, 1.0) : 0.0);
    }

  dropify_drop_row_update_details (self);
  dropify_drop_row_update_actions (self);
}

/* g_content_type_get_symbolic_icon() falls back to full-colour names, which
 * would look out of place next to the symbolic ones; fall back to a
 * generic symbolic icon instead. */
static GIcon *
dropify_drop_row_dup_type_icon (DropifyDropRow *self,
                                const char     *content_type)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (self)));
  g_autoptr(GIcon) icon = g_content_type_get_symbolic_icon (content_type);

  if (G_IS_THEMED_ICON (icon))
    {
      const char * const *names = g_themed_icon_get_names (G_THEMED_ICON (icon));

      for (guint i = 0; names[i] != NULL; i++)
        {
          if (g_str_has_suffix (names[i], "-symbolic") &&
              gtk_icon_theme_has_icon (theme, names[i]))
            return g_themed_icon_new (names[i]);
        }
    }

  return g_themed_icon_new ("text-x-generic-symbolic");
}

/* Setting a tooltip, even the same one, makes GTK ask the X server where
 * the pointer is, a round trip each time. */
static void
set_tooltip_text (GtkWidget  *widget,
                  const char *text)
{
  if (g_strcmp0 (gtk_widget_get_tooltip_text (widget), text) != 0)
    gtk_widget_set_tooltip_text (widget, text);
}

static void
dropify_drop_row_set_kind_class (DropifyDropRow *self,
                                 const char     *add,
                                 const char     *remove)
{
  if (gtk_widget_has_css_class (self->card, remove))
    gtk_widget_remove_css_class (self->card, remove);
  if (!gtk_widget_has_css_class (self->card, add))
    gtk_widget_add_css_class (self->card, add);
}

/* The date a drop was made, asked for only when the pointer rests on its
 * details. */
static gboolean
dropify_drop_row_details_query_tooltip (DropifyDropRow *self,
                                        int             x,
                                        int             y,
                                        gboolean        keyboard_mode,
                                        GtkTooltip     *tooltip,
                                        GtkWidget      *label)
{
  g_autoptr(GDateTime) created = NULL;
  g_autofree char *created_text = NULL;
  g_autofree char *text = NULL;

  if (self->drop == NULL)
    return FALSE;

  created = g_date_time_new_from_unix_local (dropify_drop_get_created_at (self->drop) / 1000);
  if (created == NULL)
    return FALSE;

  created_text = g_date_time_format (created, "%c");
  /* Translators: a tooltip; %s is a date and time */
  text = g_strdup_printf (_("Dropped %s"), created_text);
  gtk_tooltip_set_text (tooltip, text);

  return TRUE;
}

/* A list makes some 200 rows at once, and a popover menu for each would
 * cost start-up time and memory: the menu is made when it first opens. */
static void
dropify_drop_row_create_menu (GtkMenuButton *button,
                              gpointer       user_data)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (user_data);

  if (gtk_menu_button_get_popover (button) == NULL)
    gtk_menu_button_set_menu_model (button, self->drop_menu);
}

static void
dropify_drop_row_update (DropifyDropRow *self)
{
  /* A row is bound again for each drop that scrolls into view, and the
   * list binds some 200 at once when it jumps, so nothing here changes
   * what is already right: every change restyles or relayouts the row. */
  if (self->drop == NULL)
    {
      gtk_label_set_text (self->title_label, "");
      gtk_label_set_text (self->details_label, "");
      dropify_drop_row_update_progress (self);
      return;
    }

  if (dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_TEXT)
    {
      g_autofree char *preview = dropify_drop_row_dup_preview (dropify_drop_get_text (self->drop));

      g_autofree char *link = dropify_drop_row_dup_link (self);

      const char *icon_name = link != NULL ? "web-browser-symbolic" : "format-justify-left-symbolic";

      dropify_drop_row_set_kind_class (self, "text-drop", "file-drop");
      if (g_strcmp0 (gtk_image_get_icon_name (self->icon), icon_name) != 0)
        gtk_image_set_from_icon_name (self->icon, icon_name);
      gtk_label_set_text (self->title_label, preview);
      gtk_label_set_lines (self->title_label, PREVIEW_MAX_LINES);
      set_tooltip_text (GTK_WIDGET (self->copy_button), _("Copy Text"));
    }
  else
    {
      const char *mime = dropify_drop_get_mime (self->drop);
      g_autoptr(GIcon) icon = NULL;
      g_autofree char *content_type = NULL;

      if (mime != NULL && *mime != '\0')
        content_type = g_content_type_from_mime_type (mime);
      if (content_type == NULL)
        content_type = g_strdup ("application/octet-stream");
      icon = dropify_drop_row_dup_type_icon (self, content_type);

      dropify_drop_row_set_kind_class (self, "file-drop", "text-drop");
      gtk_image_set_from_gicon (self->icon, icon);
      gtk_label_set_text (self->title_label, dropify_drop_get_name (self->drop));
      gtk_label_set_lines (self->title_label, 2);
      set_tooltip_text (GTK_WIDGET (self->copy_button), _("Copy File"));
    }

  dropify_drop_row_update_progress (self);
}

/* Staging
 *
 * Blobs are stored under their SHA-256, so handing the blob itself to
 * another application would show it under a hash, and would let that
 * application write into the store. Opening, copying and dragging a file
 * use a private copy under the drop's own name instead, in the cache
 * directory, made once per content and name. */

static GFile *
dropify_drop_row_dup_staged_file (DropifyDropRow *self)
{
  g_autofree char *name = dropify_drop_row_dup_safe_name (self->drop);
  g_autofree char *path = NULL;

  path = g_build_filename (g_get_user_cache_dir (), "dropify", "files",
                           dropify_drop_get_sha256 (self->drop), name, NULL);

  return g_file_new_for_path (path);
}

typedef enum
{
  STAGE_FOR_OPEN,
  STAGE_FOR_COPY,
} StagePurpose;

typedef struct
{
  StagePurpose     purpose;
  AdwToastOverlay *overlay;
  GtkWindow       *window;
  GdkClipboard    *clipboard;
  GFile           *staged;
  GFile           *partial;
} StageData;

static void
stage_data_free (StageData *data)
{
  g_clear_object (&data->overlay);
  g_clear_object (&data->window);
  g_clear_object (&data->clipboard);
  g_clear_object (&data->staged);
  g_clear_object (&data->partial);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StageData, stage_data_free)

static GdkContentProvider *
create_file_content (GFile *file)
{
  GdkContentProvider *providers[2];
  GdkFileList *file_list;

  file_list = gdk_file_list_new_from_array (&file, 1);
  providers[0] = gdk_content_provider_new_typed (GDK_TYPE_FILE_LIST, file_list);
  providers[1] = gdk_content_provider_new_typed (G_TYPE_FILE, file);
  g_boxed_free (GDK_TYPE_FILE_LIST, file_list);

  return gdk_content_provider_new_union (providers, G_N_ELEMENTS (providers));
}

static void
stage_open_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(StageData) data = user_data;
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_error_toast (data->overlay, error);
}

static void
stage_ready (StageData *data)
{
  g_assert (data != NULL);

  if (data->purpose == STAGE_FOR_COPY)
    {
      g_autoptr(GdkContentProvider) content = create_file_content (data->staged);

      gdk_clipboard_set_content (data->clipboard, content);
      show_toast (data->overlay, _("File copied"));
      stage_data_free (data);
    }
  else
    {
      g_autofree char *uri = g_file_get_uri (data->staged);

      gtk_show_uri_full (data->window, uri, GDK_CURRENT_TIME, NULL, stage_open_cb, data);
    }
}

static void
stage_copy_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(StageData) data = user_data;
  g_autoptr(GError) error = NULL;

  /* The copy lands under a temporary name and is renamed when complete,
   * so an interrupted copy is never taken for a staged file. */
  if (!g_file_copy_finish (G_FILE (object), result, &error) ||
      !g_file_move (data->partial, data->staged, G_FILE_COPY_OVERWRITE,
                    NULL, NULL, NULL, &error))
    {
      g_file_delete (data->partial, NULL, NULL);
      show_error_toast (data->overlay, error);
      return;
    }

  stage_ready (g_steal_pointer (&data));
}

static void
dropify_drop_row_stage (DropifyDropRow *self,
                        StagePurpose    purpose)
{
  g_autoptr(StageData) data = NULL;
  g_autoptr(GFile) source = NULL;
  g_autoptr(GFile) dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *partial_name = NULL;
  GFile *partial;
  GtkRoot *root;

  g_assert (dropify_drop_row_file_is_ready (self));

  root = gtk_widget_get_root (GTK_WIDGET (self));

  data = g_new0 (StageData, 1);
  data->purpose = purpose;
  data->overlay = dropify_drop_row_dup_toast_overlay (self);
  data->window = GTK_IS_WINDOW (root) ? g_object_ref (GTK_WINDOW (root)) : NULL;
  data->clipboard = g_object_ref (gtk_widget_get_clipboard (GTK_WIDGET (self)));
  data->staged = dropify_drop_row_dup_staged_file (self);

  if (g_file_query_exists (data->staged, NULL))
    {
      stage_ready (g_steal_pointer (&data));
      return;
    }

  dir = g_file_get_parent (data->staged);
  if (!g_file_make_directory_with_parents (dir, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      show_error_toast (data->overlay, error);
      return;
    }

  partial_name = g_strdup_printf (".%s.part", dropify_drop_get_sha256 (self->drop));
  data->partial = g_file_get_child (dir, partial_name);
  source = g_file_new_for_path (dropify_drop_get_path (self->drop));

  /* Not tied to the row: the list recycles rows while the copy runs. */
  partial = data->partial;
  g_file_copy_async (source, partial,
                     G_FILE_COPY_OVERWRITE | G_FILE_COPY_TARGET_DEFAULT_PERMS,
                     G_PRIORITY_DEFAULT, NULL, NULL, NULL,
                     stage_copy_cb, g_steal_pointer (&data));
}

/* Dragging a drop out of the window */

static GdkContentProvider *
dropify_drop_row_drag_prepare (DropifyDropRow *self,
                               double          x,
                               double          y,
                               GtkDragSource  *source)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GFile) staged = NULL;

  g_assert (DROPIFY_IS_DROP_ROW (self));

  if (self->drop == NULL)
    return NULL;

  paintable = gtk_widget_paintable_new (GTK_WIDGET (self->icon));
  gtk_drag_source_set_icon (source, paintable, 0, 0);

  if (dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_TEXT)
    return gdk_content_provider_new_typed (G_TYPE_STRING, dropify_drop_get_text (self->drop));

  if (!dropify_drop_row_file_is_ready (self))
    return NULL;

  /* A drag cannot wait for a copy to finish, so a file can be dragged
   * out once it has been opened or copied. */
  staged = dropify_drop_row_dup_staged_file (self);
  if (g_file_query_exists (staged, NULL))
    return create_file_content (staged);

  return NULL;
}

/* Actions */

static void
dropify_drop_row_copy (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (widget);
  g_autoptr(AdwToastOverlay) overlay = NULL;

  if (self->drop == NULL)
    return;

  if (dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_FILE)
    {
      if (dropify_drop_row_file_is_ready (self))
        dropify_drop_row_stage (self, STAGE_FOR_COPY);
      return;
    }

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          dropify_drop_get_text (self->drop));

  overlay = dropify_drop_row_dup_toast_overlay (self);
  show_toast (overlay, _("Text copied"));
}

static void
dropify_drop_row_open (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (widget);
  g_autofree char *link = NULL;

  if (dropify_drop_row_file_is_ready (self))
    {
      dropify_drop_row_stage (self, STAGE_FOR_OPEN);
      return;
    }

  if ((link = dropify_drop_row_dup_link (self)) != NULL)
    {
      StageData *data = g_new0 (StageData, 1);
      GtkRoot *root = gtk_widget_get_root (widget);

      data->purpose = STAGE_FOR_OPEN;
      data->overlay = dropify_drop_row_dup_toast_overlay (self);
      data->window = GTK_IS_WINDOW (root) ? g_object_ref (GTK_WINDOW (root)) : NULL;

      gtk_show_uri_full (data->window, link, GDK_CURRENT_TIME, NULL, stage_open_cb, data);
    }
}

typedef struct
{
  AdwToastOverlay *overlay;
  GFile           *source;
  char            *name;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_object (&data->overlay);
  g_clear_object (&data->source);
  g_clear_pointer (&data->name, g_free);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveData, save_data_free)

static void
dropify_drop_row_save_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(SaveData) data = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_copy_finish (G_FILE (object), result, &error))
    {
      show_error_toast (data->overlay, error);
      return;
    }

  {
    g_autofree char *text = NULL;

    /* Translators: a toast; %s is a file name */
    text = g_strdup_printf (_("Saved “%s”"), data->name);
    show_toast (data->overlay, text);
  }
}

static void
dropify_drop_row_save_response (GtkNativeDialog *native,
                                int              response,
                                gpointer         user_data)
{
  g_autoptr(SaveData) data = user_data;
  g_autoptr(GFile) destination = NULL;
  GFile *source;

  if (response == GTK_RESPONSE_ACCEPT)
    destination = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));

  gtk_native_dialog_destroy (native);
  g_object_unref (native);

  if (destination == NULL)
    return;

  g_free (data->name);
  data->name = g_file_get_basename (destination);

  /* Not tied to the row's lifetime: the list recycles rows while the copy
   * runs, and a save the user asked for must still complete. The chooser
   * has already confirmed any overwrite. */
  source = data->source;
  g_file_copy_async (source, destination,
                     G_FILE_COPY_OVERWRITE | G_FILE_COPY_TARGET_DEFAULT_PERMS,
                     G_PRIORITY_DEFAULT, NULL, NULL, NULL,
                     dropify_drop_row_save_cb, g_steal_pointer (&data));
}

static void
dropify_drop_row_save_as (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (widget);
  g_autofree char *name = NULL;
  GtkFileChooserNative *native;
  GtkRoot *root;
  SaveData *data;

  if (!dropify_drop_row_file_is_ready (self))
    return;

  root = gtk_widget_get_root (widget);
  name = dropify_drop_row_dup_safe_name (self->drop);

  native = gtk_file_chooser_native_new (_("Save File"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"),
                                        _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);

  data = g_new0 (SaveData, 1);
  data->overlay = dropify_drop_row_dup_toast_overlay (self);
  data->source = g_file_new_for_path (dropify_drop_get_path (self->drop));
  data->name = g_steal_pointer (&name);

  g_signal_connect (native, "response",
                    G_CALLBACK (dropify_drop_row_save_response), data);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
dropify_drop_row_delete (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (widget);
  g_autoptr(AdwToastOverlay) overlay = NULL;
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;

  if (self->drop == NULL || self->service == NULL)
    return;

  /* Deleting unbinds this row from its item, so keep what we need. */
  drop = g_object_ref (self->drop);

  /* The window hides the drop and offers Undo before the deletion
   * spreads; a row outside a window deletes at once. */
  if (gtk_widget_activate_action (widget, "win.delete-drop", "s", dropify_drop_get_id (drop)))
    return;

  overlay = dropify_drop_row_dup_toast_overlay (self);
  if (!dropify_service_delete (self->service, dropify_drop_get_id (drop), &error))
    show_error_toast (overlay, error);
}

/* GObject */

static void
dropify_drop_row_dispose (GObject *object)
{
  DropifyDropRow *self = (DropifyDropRow *)object;

  dropify_drop_row_set_drop (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), DROPIFY_TYPE_DROP_ROW);

  G_OBJECT_CLASS (dropify_drop_row_parent_class)->dispose (object);
}

static void
dropify_drop_row_finalize (GObject *object)
{
  DropifyDropRow *self = (DropifyDropRow *)object;

  g_clear_object (&self->service);

  G_OBJECT_CLASS (dropify_drop_row_parent_class)->finalize (object);
}

static void
dropify_drop_row_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (object);

  switch (prop_id)
    {
    case PROP_DROP:
      g_value_set_object (value, self->drop);
      break;

    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_drop_row_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (object);

  switch (prop_id)
    {
    case PROP_DROP:
      dropify_drop_row_set_drop (self, g_value_get_object (value));
      break;

    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_drop_row_class_init (DropifyDropRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dropify_drop_row_dispose;
  object_class->finalize = dropify_drop_row_finalize;
  object_class->get_property = dropify_drop_row_get_property;
  object_class->set_property = dropify_drop_row_set_property;

  properties[PROP_DROP] =
    g_param_spec_object ("drop", NULL, NULL,
                         DROPIFY_TYPE_DROP,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL,
                         DROPIFY_TYPE_SERVICE,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dropify/Dropify/ui/dropify-drop-row.ui");
  gtk_widget_class_bind_template_child (widget_class, DropifyDropRow, card);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropRow, icon);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropRow, details_label);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropRow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropRow, copy_button);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropRow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropRow, drop_menu);
  gtk_widget_class_bind_template_callback (widget_class, dropify_drop_row_details_query_tooltip);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "droprow");

  gtk_widget_class_install_action (widget_class, "row.copy", NULL, dropify_drop_row_copy);
  gtk_widget_class_install_action (widget_class, "row.open", NULL, dropify_drop_row_open);
  gtk_widget_class_install_action (widget_class, "row.save-as", NULL, dropify_drop_row_save_as);
  gtk_widget_class_install_action (widget_class, "row.delete", NULL, dropify_drop_row_delete);
}

static void
dropify_drop_row_init (DropifyDropRow *self)
{
  GtkDragSource *source;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_menu_button_set_create_popup_func (self->menu_button, dropify_drop_row_create_menu,
                                         self, NULL);

  source = gtk_drag_source_new ();
  gtk_drag_source_set_actions (source, GDK_ACTION_COPY);
  g_signal_connect_object (source, "prepare",
                           G_CALLBACK (dropify_drop_row_drag_prepare),
                           self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (self->card, GTK_EVENT_CONTROLLER (source));

  dropify_drop_row_update_actions (self);
}

/**
 * dropify_drop_row_new:
 * @service: the service that deletes drops
 *
 * Returns: (transfer full): a new row, showing no drop until
 *   dropify_drop_row_set_drop() is called
 */
GtkWidget *
dropify_drop_row_new (DropifyService *service)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (service), NULL);

  return g_object_new (DROPIFY_TYPE_DROP_ROW,
                       "service", service,
                       NULL);
}

/**
 * dropify_drop_row_get_drop:
 * @self: a #DropifyDropRow
 *
 * Returns: (transfer none) (nullable): the drop shown by @self
 */
DropifyDrop *
dropify_drop_row_get_drop (DropifyDropRow *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP_ROW (self), NULL);

  return self->drop;
}

/**
 * dropify_drop_row_set_drop:
 * @self: a #DropifyDropRow
 * @drop: (nullable): the drop to show
 *
 * Shows @drop, and follows its transfer progress until another drop is set.
 */
void
dropify_drop_row_set_drop (DropifyDropRow *self,
                           DropifyDrop    *drop)
{
  g_return_if_fail (DROPIFY_IS_DROP_ROW (self));
  g_return_if_fail (drop == NULL || DROPIFY_IS_DROP (drop));

  if (self->drop == drop)
    return;

  if (self->drop != NULL)
    {
      g_clear_signal_handler (&self->received_handler, self->drop);
      g_clear_signal_handler (&self->complete_handler, self->drop);
    }

  g_set_object (&self->drop, drop);

  if (drop != NULL)
    {
      self->received_handler =
        g_signal_connect_object (drop, "notify::received",
                                 G_CALLBACK (dropify_drop_row_update_progress),
                                 self, G_CONNECT_SWAPPED);
      self->complete_handler =
        g_signal_connect_object (drop, "notify::complete",
                                 G_CALLBACK (dropify_drop_row_update_progress),
                                 self, G_CONNECT_SWAPPED);
    }

  dropify_drop_row_update (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DROP]);
}

/**
 * dropify_drop_row_refresh_expiry:
 * @self: a #DropifyDropRow
 *
 * Recomputes the "Expires in …" text from the history's clock. The window
 * calls this for its visible rows from a single timer.
 */
void
dropify_drop_row_refresh_expiry (DropifyDropRow *self)
{
  g_return_if_fail (DROPIFY_IS_DROP_ROW (self));

  dropify_drop_row_update_details (self);
}
