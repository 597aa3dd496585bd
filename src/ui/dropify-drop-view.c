/* dropify-drop-view.c: one drop in full, a page of the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-drop-view"

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "dropify-drop-actions.h"
#include "dropify-drop-row.h"
#include "dropify-drop-view.h"
#include "dropify-thumbnail.h"

struct _DropifyDropView
{
  GtkWidget       parent_instance;

  DropifyService *service;
  DropifyDrop    *drop;
  gulong          received_handler;
  gulong          complete_handler;
  gulong          holders_handler;

  /* Template widgets */
  GtkWidget      *box;
  AdwWindowTitle *window_title;
  GtkWidget      *back_button;
  GtkLabel       *text_label;
  GtkWidget      *file_box;
  GtkImage       *file_icon;
  GtkLabel       *name_label;
  DropifyThumbnail *preview;
  GtkWidget      *copy_button;
  GtkWidget      *open_button;
  GtkListBox     *details_list;
  GtkWidget      *show_in_files_row;
  GtkWidget      *save_as_row;
  GtkWidget      *keep_row;
  GtkWidget      *change_expiry_row;
  GtkWidget      *send_to_row;
  GtkWidget      *delete_button;
  GtkWidget      *delete_row;
};

G_DEFINE_FINAL_TYPE (DropifyDropView, dropify_drop_view, GTK_TYPE_WIDGET)

/* Formatting */

/* Web addresses end before white space, quotes and angle brackets, and
 * not on the punctuation that usually follows them in a sentence. */
static const char *
find_link_end (const char *start)
{
  const char *end = start;

  while (*end != '\0' && !g_ascii_isspace (*end) && strchr ("<>\"'`", *end) == NULL)
    end++;

  while (end > start && strchr (".,;:!?)]}", end[-1]) != NULL)
    end--;

  return end;
}

/**
 * dropify_drop_view_dup_text_markup:
 * @text: a drop's text, as another device sent it
 *
 * Escapes @text for a label that uses markup, and makes each http and
 * https address in it a link. Nothing in @text is ever taken as markup.
 *
 * Returns: (transfer full): Pango markup
 */
char *
dropify_drop_view_dup_text_markup (const char *text)
{
  GString *markup;
  const char *p;

  g_return_val_if_fail (text != NULL, NULL);

  markup = g_string_new (NULL);
  p = text;

  while (*p != '\0')
    {
      const char *http = strstr (p, "http://");
      const char *https = strstr (p, "https://");
      const char *start = http == NULL ? https : https == NULL ? http : MIN (http, https);
      const char *end;
      g_autofree char *before = NULL;
      g_autofree char *link = NULL;
      g_autofree char *escaped = NULL;

      if (start == NULL)
        break;

      end = find_link_end (start);
      before = g_markup_escape_text (p, start - p);
      g_string_append (markup, before);

      link = g_strndup (start, end - start);
      if (end - start <= (ptrdiff_t) strlen ("https://") ||
          !g_uri_is_valid (link, G_URI_FLAGS_NONE, NULL))
        {
          escaped = g_markup_escape_text (link, -1);
          g_string_append (markup, escaped);
        }
      else
        {
          escaped = g_markup_escape_text (link, -1);
          g_string_append_printf (markup, "<a href=\"%s\">%s</a>", escaped, escaped);
        }

      p = end;
    }

  {
    g_autofree char *rest = g_markup_escape_text (p, -1);

    g_string_append (markup, rest);
  }

  return g_string_free (markup, FALSE);
}

static void
add_detail (DropifyDropView *self,
            const char      *key,
            const char      *value)
{
  GtkWidget *row;
  GtkWidget *box;
  GtkWidget *key_label;
  GtkWidget *value_label;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  gtk_widget_set_margin_top (box, 9);
  gtk_widget_set_margin_bottom (box, 9);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  key_label = gtk_label_new (key);
  gtk_label_set_xalign (GTK_LABEL (key_label), 0);
  gtk_widget_add_css_class (key_label, "caption");
  gtk_widget_add_css_class (key_label, "dim-label");
  gtk_box_append (GTK_BOX (box), key_label);

  /* Plain text: names and paths come from other devices. */
  value_label = gtk_label_new (value);
  gtk_label_set_xalign (GTK_LABEL (value_label), 0);
  gtk_label_set_wrap (GTK_LABEL (value_label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (value_label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (value_label), TRUE);
  gtk_box_append (GTK_BOX (box), value_label);

  gtk_accessible_update_relation (GTK_ACCESSIBLE (value_label),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, key_label, NULL,
                                  -1);

  row = gtk_list_box_row_new ();
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_append (self->details_list, row);
}

/* Every paired device known to hold the drop, one a line, and what of
 * it (docs/protocol.md §11.8). */
static void
dropify_drop_view_add_holders (DropifyDropView *self)
{
  GPtrArray *holders = dropify_drop_get_holders (self->drop);
  g_autoptr(GString) lines = g_string_new (NULL);
  gboolean is_file = dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_FILE;
  DropifySync *sync;

  if (self->service == NULL || holders == NULL ||
      !(sync = dropify_service_get_sync (self->service)))
    return;

  for (guint i = 0; i < holders->len; i++)
    {
      DropifyHolder *holder = g_ptr_array_index (holders, i);
      g_autofree char *name = dropify_sync_dup_holder_name (sync, holder->device_id);
      const char *what;

      if (name == NULL)
        continue;

      if (!is_file)
        what = _("has the text");
      else if (holder->content)
        what = _("has the file");
      else
        what = _("has the drop, not the file yet");

      if (lines->len > 0)
        g_string_append_c (lines, '\n');
      /* Translators: a device and what it holds of a drop: "Laptop — has the file" */
      g_string_append_printf (lines, _("%s — %s"), name, what);
    }

  if (lines->len > 0)
    /* Translators: a detail of a drop: the other devices that hold it */
    add_detail (self, _("Delivered To"), lines->str);
}

static void
dropify_drop_view_update_details (DropifyDropView *self)
{
  GtkWidget *child;
  int64_t now;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->details_list))) != NULL)
    gtk_list_box_remove (self->details_list, child);

  if (self->drop == NULL)
    return;

  now = self->service != NULL
      ? dropify_history_now (dropify_service_get_history (self->service))
      : g_get_real_time () / 1000;

  if (dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_FILE)
    {
      const char *mime = dropify_drop_get_mime (self->drop);
      g_autofree char *content_type = NULL;
      g_autofree char *description = NULL;
      g_autofree char *size = g_format_size (dropify_drop_get_size (self->drop));

      if (mime != NULL && *mime != '\0')
        content_type = g_content_type_from_mime_type (mime);
      if (content_type != NULL)
        description = g_content_type_get_description (content_type);

      add_detail (self, _("Type"), description != NULL ? description : _("Unknown"));

      if (dropify_drop_get_complete (self->drop))
        {
          add_detail (self, _("Size"), size);
        }
      else
        {
          g_autofree char *received = g_format_size (dropify_drop_get_received (self->drop));
          /* Translators: "1.2 MB of 4.0 MB", while a file is arriving */
          g_autofree char *progress = g_strdup_printf (_("%s of %s"), received, size);

          add_detail (self, _("Size"), progress);
        }

      add_detail (self, _("On This Device"),
                  dropify_drop_is_file_ready (self->drop)
                  ? dropify_drop_get_path (self->drop)
                  : _("Not all here yet"));
      add_detail (self, _("SHA-256"), dropify_drop_get_sha256 (self->drop));
    }

  {
    g_autofree char *origin = dropify_drop_row_dup_origin (self->service, self->drop);
    g_autofree char *created = dropify_drop_row_format_date (dropify_drop_get_created_at (self->drop), now);
    g_autofree char *expiry = dropify_drop_row_format_expiry (dropify_drop_get_expires_at (self->drop) - now);

    g_autofree char *audience = dropify_drop_row_dup_audience (self->service, self->drop);

    add_detail (self, _("From"), origin);
    if (audience != NULL)
      /* Translators: a detail of a drop: who it was sent to, "To Laptop" */
      add_detail (self, _("Sent To"), audience);
    add_detail (self, _("Dropped"), created);
    add_detail (self, _("Expiry"), expiry);
  }

  dropify_drop_view_add_holders (self);
}

static void
dropify_drop_view_update_actions (DropifyDropView *self)
{
  g_autofree char *link = dropify_drop_dup_link (self->drop);
  gboolean is_text = self->drop != NULL &&
                     dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_TEXT;
  gboolean file_ready = dropify_drop_is_file_ready (self->drop);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "drop.copy", is_text || file_ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "drop.open", file_ready || link != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "drop.show-in-files", file_ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "drop.save-as", file_ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "drop.keep", file_ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "drop.change-expiry",
                                 self->service != NULL && (is_text || file_ready));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "drop.send-to", is_text || file_ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "drop.delete", self->drop != NULL);

  gtk_widget_set_visible (self->open_button, !is_text || link != NULL);
  gtk_widget_set_visible (self->show_in_files_row, !is_text);
  gtk_widget_set_visible (self->save_as_row, !is_text);
  gtk_widget_set_visible (self->keep_row, !is_text);
}

static void dropify_drop_view_update_preview (DropifyDropView *self);

static void
dropify_drop_view_progress (DropifyDropView *self)
{
  dropify_drop_view_update_details (self);
  dropify_drop_view_update_actions (self);
}

/* A file that was still arriving can be previewed once it is all here. */
static void
dropify_drop_view_completed (DropifyDropView *self)
{
  dropify_drop_view_progress (self);
  dropify_drop_view_update_preview (self);
}

static void G_GNUC_PRINTF (2, 3)
set_accessible_label (GtkWidget  *widget,
                      const char *format,
                      ...)
{
  g_autofree char *label = NULL;
  va_list args;

  va_start (args, format);
  label = g_strdup_vprintf (format, args);
  va_end (args);

  gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

/* A screen reader says which drop each action is for, as it does for
 * the buttons on the history's rows. */
static void
dropify_drop_view_update_labels (DropifyDropView *self)
{
  g_autofree char *name = NULL;

  if (self->drop == NULL)
    return;

  name = dropify_drop_dup_short_name (self->drop);

  /* Translators: a button's label for screen readers; %s is the start of
   * a text or a file name */
  set_accessible_label (self->copy_button, _("Copy “%s”"), name);
  /* Translators: a button's label for screen readers; %s is the start of
   * a text (a web address) or a file name */
  set_accessible_label (self->open_button, _("Open “%s”"), name);
  /* Translators: a label for screen readers; %s is a file name */
  set_accessible_label (self->show_in_files_row, _("Show “%s” in Files"), name);
  /* Translators: a label for screen readers; %s is a file name */
  set_accessible_label (self->save_as_row, _("Save “%s” As…"), name);
  /* Translators: a label for screen readers; %s is a file name */
  set_accessible_label (self->keep_row, _("Keep a Copy of “%s”"), name);
  /* Translators: a label for screen readers; %s is the start of a text or
   * a file name */
  set_accessible_label (self->change_expiry_row, _("Change Expiry of “%s”…"), name);
  /* Translators: a label for screen readers; %s is the start of a text or
   * a file name */
  set_accessible_label (self->send_to_row, _("Send “%s” To…"), name);
  /* Translators: a label for screen readers; %s is the start of a text or
   * a file name */
  set_accessible_label (self->delete_button, _("Delete “%s” Everywhere"), name);
  set_accessible_label (self->delete_row, _("Delete “%s” Everywhere"), name);
}

static void
dropify_drop_view_update (DropifyDropView *self)
{
  gboolean is_text = self->drop != NULL &&
                     dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_TEXT;

  gtk_widget_set_visible (GTK_WIDGET (self->text_label), is_text);
  gtk_widget_set_visible (self->file_box, self->drop != NULL && !is_text);
  dropify_drop_view_update_labels (self);

  if (self->drop == NULL)
    {
      adw_window_title_set_title (self->window_title, "");
      gtk_label_set_markup (self->text_label, "");
    }
  else if (is_text)
    {
      g_autofree char *markup = dropify_drop_view_dup_text_markup (dropify_drop_get_text (self->drop));

      adw_window_title_set_title (self->window_title, _("Text"));
      gtk_label_set_markup (self->text_label, markup);
    }
  else
    {
      const char *mime = dropify_drop_get_mime (self->drop);
      g_autofree char *content_type = NULL;
      g_autoptr(GIcon) icon = NULL;

      if (mime != NULL && *mime != '\0')
        content_type = g_content_type_from_mime_type (mime);
      icon = g_content_type_get_symbolic_icon (content_type != NULL ? content_type
                                                                    : "application/octet-stream");

      adw_window_title_set_title (self->window_title, _("File"));
      gtk_label_set_text (self->name_label, dropify_drop_get_name (self->drop));
      gtk_image_set_from_gicon (self->file_icon, icon);
      gtk_label_set_markup (self->text_label, "");
    }

  dropify_drop_view_progress (self);
}

/* Image previews: the thumbnail, made off the main thread and cached
 * by the core, also used by the history's rows. */

static void
dropify_drop_view_update_preview (DropifyDropView *self)
{
  gboolean image = self->drop != NULL &&
                   dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_FILE &&
                   dropify_thumbnailer_is_image_type (dropify_drop_get_mime (self->drop));
  DropifyThumbnailer *thumbnailer = self->service != NULL
                                  ? dropify_service_get_thumbnailer (self->service)
                                  : NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->preview), image);
  dropify_thumbnail_set_drop (self->preview, thumbnailer, image ? self->drop : NULL);
}

/* Actions */

static void
dropify_drop_view_copy (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *param)
{
  DropifyDropView *self = DROPIFY_DROP_VIEW (widget);

  if (self->drop != NULL)
    dropify_drop_copy (widget, self->drop);
}

static void
dropify_drop_view_open (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *param)
{
  DropifyDropView *self = DROPIFY_DROP_VIEW (widget);

  if (self->drop != NULL)
    dropify_drop_open (widget, self->drop);
}

static void
dropify_drop_view_show_in_files (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *param)
{
  DropifyDropView *self = DROPIFY_DROP_VIEW (widget);

  if (self->drop != NULL)
    dropify_drop_show_in_files (widget, self->drop);
}

static void
dropify_drop_view_send_to (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  DropifyDropView *self = DROPIFY_DROP_VIEW (widget);

  if (self->drop != NULL)
    gtk_widget_activate_action (widget, "win.send-drop-to", "s", dropify_drop_get_id (self->drop));
}

static void
dropify_drop_view_save_as (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  DropifyDropView *self = DROPIFY_DROP_VIEW (widget);

  if (self->drop != NULL)
    dropify_drop_save_as (widget, self->drop);
}

static void
dropify_drop_view_keep (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *param)
{
  DropifyDropView *self = DROPIFY_DROP_VIEW (widget);

  if (self->drop != NULL)
    dropify_drop_keep (widget, self->drop);
}

static void
dropify_drop_view_change_expiry (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *param)
{
  DropifyDropView *self = DROPIFY_DROP_VIEW (widget);

  if (self->drop != NULL && self->service != NULL)
    dropify_drop_change_expiry (widget, self->service, self->drop, TRUE);
}

static void
dropify_drop_view_delete (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  DropifyDropView *self = DROPIFY_DROP_VIEW (widget);

  /* The window takes the drop away, with Undo, and goes back to the
   * history, where the Undo toast shows. */
  if (self->drop != NULL)
    gtk_widget_activate_action (widget, "win.delete-drop", "s", dropify_drop_get_id (self->drop));
}

/* GObject */

static void
dropify_drop_view_dispose (GObject *object)
{
  DropifyDropView *self = (DropifyDropView *)object;

  dropify_drop_view_set_drop (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), DROPIFY_TYPE_DROP_VIEW);

  G_OBJECT_CLASS (dropify_drop_view_parent_class)->dispose (object);
}

static void
dropify_drop_view_finalize (GObject *object)
{
  DropifyDropView *self = (DropifyDropView *)object;

  g_clear_object (&self->service);

  G_OBJECT_CLASS (dropify_drop_view_parent_class)->finalize (object);
}

static void
dropify_drop_view_class_init (DropifyDropViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dropify_drop_view_dispose;
  object_class->finalize = dropify_drop_view_finalize;

  g_type_ensure (DROPIFY_TYPE_THUMBNAIL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dropify/Dropify/ui/dropify-drop-view.ui");
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, box);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, window_title);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, back_button);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, text_label);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, file_box);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, file_icon);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, name_label);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, preview);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, copy_button);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, open_button);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, details_list);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, show_in_files_row);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, save_as_row);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, keep_row);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, change_expiry_row);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, send_to_row);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, delete_button);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropView, delete_row);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  gtk_widget_class_install_action (widget_class, "drop.copy", NULL, dropify_drop_view_copy);
  gtk_widget_class_install_action (widget_class, "drop.open", NULL, dropify_drop_view_open);
  gtk_widget_class_install_action (widget_class, "drop.show-in-files", NULL,
                                   dropify_drop_view_show_in_files);
  gtk_widget_class_install_action (widget_class, "drop.save-as", NULL, dropify_drop_view_save_as);
  gtk_widget_class_install_action (widget_class, "drop.keep", NULL, dropify_drop_view_keep);
  gtk_widget_class_install_action (widget_class, "drop.change-expiry", NULL,
                                   dropify_drop_view_change_expiry);
  gtk_widget_class_install_action (widget_class, "drop.send-to", NULL, dropify_drop_view_send_to);
  gtk_widget_class_install_action (widget_class, "drop.delete", NULL, dropify_drop_view_delete);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.show-history", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "drop.delete", NULL);
}

static void
dropify_drop_view_init (DropifyDropView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  dropify_drop_view_update (self);
}

/**
 * dropify_drop_view_set_service:
 * @self: a #DropifyDropView
 * @service: the service whose drops are shown
 */
void
dropify_drop_view_set_service (DropifyDropView *self,
                               DropifyService  *service)
{
  g_return_if_fail (DROPIFY_IS_DROP_VIEW (self));
  g_return_if_fail (DROPIFY_IS_SERVICE (service));

  if (g_set_object (&self->service, service))
    dropify_drop_view_update_actions (self);
}

/**
 * dropify_drop_view_get_drop:
 * @self: a #DropifyDropView
 *
 * Returns: (transfer none) (nullable): the drop shown
 */
DropifyDrop *
dropify_drop_view_get_drop (DropifyDropView *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP_VIEW (self), NULL);

  return self->drop;
}

/**
 * dropify_drop_view_set_drop:
 * @self: a #DropifyDropView
 * @drop: (nullable): the drop to show
 *
 * Shows @drop in full, and follows its transfer until another is set.
 */
void
dropify_drop_view_set_drop (DropifyDropView *self,
                            DropifyDrop     *drop)
{
  g_return_if_fail (DROPIFY_IS_DROP_VIEW (self));
  g_return_if_fail (drop == NULL || DROPIFY_IS_DROP (drop));

  if (self->drop == drop)
    return;

  if (self->drop != NULL)
    {
      g_clear_signal_handler (&self->received_handler, self->drop);
      g_clear_signal_handler (&self->complete_handler, self->drop);
      g_clear_signal_handler (&self->holders_handler, self->drop);
    }

  g_set_object (&self->drop, drop);

  if (drop != NULL)
    {
      self->received_handler =
        g_signal_connect_object (drop, "notify::received",
                                 G_CALLBACK (dropify_drop_view_progress),
                                 self, G_CONNECT_SWAPPED);
      self->complete_handler =
        g_signal_connect_object (drop, "notify::complete",
                                 G_CALLBACK (dropify_drop_view_completed),
                                 self, G_CONNECT_SWAPPED);
      self->holders_handler =
        g_signal_connect_object (drop, "notify::holders",
                                 G_CALLBACK (dropify_drop_view_update_details),
                                 self, G_CONNECT_SWAPPED);
    }

  dropify_drop_view_update (self);
  dropify_drop_view_update_preview (self);
}

/**
 * dropify_drop_view_focus_start:
 * @self: a #DropifyDropView
 *
 * Puts the focus where reading starts, rather than selecting the whole
 * text as a selectable label does when it takes the focus.
 */
void
dropify_drop_view_focus_start (DropifyDropView *self)
{
  g_return_if_fail (DROPIFY_IS_DROP_VIEW (self));

  gtk_widget_grab_focus (self->back_button);
}
