/* dropify-thumbnail.c: the thumbnail of an image drop, in a box of a fixed
 * size
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-thumbnail"

#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>

#include "dropify-drop-actions.h"
#include "dropify-thumbnail.h"

/* A placeholder icon until the thumbnail is ready, then the thumbnail,
 * in the same square, so a row keeps its height whatever happens. The
 * thumbnail is made by the core's DropifyThumbnailer, and decoded here in
 * a worker thread, at the size it is shown: a row holds a few kilobytes
 * of pixels, not the 256 px thumbnail. */

struct _DropifyThumbnail
{
  GtkWidget     parent_instance;

  int           size;
  DropifyDrop  *drop;
  GCancellable *cancellable;
  gboolean      loaded;

  GtkWidget    *placeholder;
  GtkWidget    *picture;
};

G_DEFINE_FINAL_TYPE (DropifyThumbnail, dropify_thumbnail, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
dropify_thumbnail_show_placeholder (DropifyThumbnail *self)
{
  self->loaded = FALSE;
  gtk_widget_remove_css_class (GTK_WIDGET (self), "loaded");
  gtk_picture_set_paintable (GTK_PICTURE (self->picture), NULL);
  gtk_widget_set_visible (self->picture, FALSE);
  gtk_widget_set_visible (self->placeholder, TRUE);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GFile *file = task_data;
  int pixels = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "pixels"));
  GError *error = NULL;
  GdkPixbuf *pixbuf;

  int width = 0;
  int height = 0;

  /* A thumbnail is at most 256 px either way: this never decodes more.
   * It is scaled down to the box, never up. */
  if (gdk_pixbuf_get_file_info (g_file_peek_path (file), &width, &height) != NULL &&
      width <= pixels && height <= pixels)
    pixbuf = gdk_pixbuf_new_from_file (g_file_peek_path (file), &error);
  else
    pixbuf = gdk_pixbuf_new_from_file_at_scale (g_file_peek_path (file), pixels, pixels, TRUE, &error);
  if (pixbuf == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, pixbuf, g_object_unref);
}

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(DropifyThumbnail) self = user_data;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  /* Cancelled, even after the thread finished, when the drop changed. */
  pixbuf = g_task_propagate_pointer (G_TASK (result), &error);
  if (pixbuf == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Could not load a thumbnail: %s", error->message);
      return;
    }

  texture = gdk_texture_new_for_pixbuf (pixbuf);
  gtk_picture_set_paintable (GTK_PICTURE (self->picture), GDK_PAINTABLE (texture));
  gtk_widget_set_visible (self->placeholder, FALSE);
  gtk_widget_set_visible (self->picture, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self), "loaded");
  self->loaded = TRUE;
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(DropifyThumbnail) self = user_data;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;

  file = dropify_thumbnailer_lookup_finish (DROPIFY_THUMBNAILER (object), result, &error);
  if (file == NULL)
    {
      /* Not an image after all, or a damaged one: the icon stays. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No thumbnail: %s", error->message);
      return;
    }

  task = g_task_new (self, self->cancellable, load_cb, g_object_ref (self));
  g_task_set_source_tag (task, lookup_cb);
  g_task_set_task_data (task, g_steal_pointer (&file), g_object_unref);
  g_object_set_data (G_OBJECT (task), "pixels",
                     GINT_TO_POINTER (self->size * gtk_widget_get_scale_factor (GTK_WIDGET (self))));
  g_task_run_in_thread (task, load_thread);
}

/* GObject */

static void
dropify_thumbnail_dispose (GObject *object)
{
  DropifyThumbnail *self = (DropifyThumbnail *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->drop);
  g_clear_pointer (&self->placeholder, gtk_widget_unparent);
  g_clear_pointer (&self->picture, gtk_widget_unparent);

  G_OBJECT_CLASS (dropify_thumbnail_parent_class)->dispose (object);
}

static void
dropify_thumbnail_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  DropifyThumbnail *self = DROPIFY_THUMBNAIL (object);

  switch (prop_id)
    {
    case PROP_SIZE:
      g_value_set_int (value, self->size);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_thumbnail_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  DropifyThumbnail *self = DROPIFY_THUMBNAIL (object);

  switch (prop_id)
    {
    case PROP_SIZE:
      dropify_thumbnail_set_size (self, g_value_get_int (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_thumbnail_class_init (DropifyThumbnailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dropify_thumbnail_dispose;
  object_class->get_property = dropify_thumbnail_get_property;
  object_class->set_property = dropify_thumbnail_set_property;

  properties[PROP_SIZE] =
    g_param_spec_int ("size", NULL, NULL,
                      1, DROPIFY_THUMBNAIL_SIZE, 48,
                      (G_PARAM_READWRITE |
                       G_PARAM_EXPLICIT_NOTIFY |
                       G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "thumbnail");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
dropify_thumbnail_init (DropifyThumbnail *self)
{
  /* The row or the page says what the drop is already. */
  self->placeholder = g_object_new (GTK_TYPE_IMAGE,
                                    "icon-name", "image-x-generic-symbolic",
                                    "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                    NULL);
  gtk_widget_set_parent (self->placeholder, GTK_WIDGET (self));

  self->picture = gtk_picture_new ();
  gtk_picture_set_can_shrink (GTK_PICTURE (self->picture), TRUE);
  gtk_picture_set_content_fit (GTK_PICTURE (self->picture), GTK_CONTENT_FIT_COVER);
  gtk_widget_set_visible (self->picture, FALSE);
  gtk_widget_set_parent (self->picture, GTK_WIDGET (self));

  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_set_halign (GTK_WIDGET (self), GTK_ALIGN_CENTER);
  gtk_widget_set_valign (GTK_WIDGET (self), GTK_ALIGN_CENTER);
  dropify_thumbnail_set_size (self, 48);
}

/**
 * dropify_thumbnail_new:
 * @size: the width and height of the box, in logical pixels
 *
 * Returns: (transfer full): a thumbnail box, showing a placeholder
 */
GtkWidget *
dropify_thumbnail_new (int size)
{
  DropifyThumbnail *self = g_object_new (DROPIFY_TYPE_THUMBNAIL, NULL);

  dropify_thumbnail_set_size (self, size);
  return GTK_WIDGET (self);
}

/**
 * dropify_thumbnail_set_size:
 * @size: the width and height of the box; the thumbnail is cropped to
 *   fill it when it is small, and fits whole in it when it is larger
 *   than a row's
 */
void
dropify_thumbnail_set_size (DropifyThumbnail *self,
                            int               size)
{
  g_return_if_fail (DROPIFY_IS_THUMBNAIL (self));
  g_return_if_fail (size > 0 && size <= DROPIFY_THUMBNAIL_SIZE);

  if (self->size == size)
    return;

  self->size = size;
  gtk_widget_set_size_request (GTK_WIDGET (self), size, size);
  gtk_image_set_pixel_size (GTK_IMAGE (self->placeholder), MAX (16, size / 3));
  gtk_picture_set_content_fit (GTK_PICTURE (self->picture),
                               size > 96 ? GTK_CONTENT_FIT_CONTAIN : GTK_CONTENT_FIT_COVER);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIZE]);
}

/**
 * dropify_thumbnail_set_drop:
 * @thumbnailer: (nullable): where thumbnails come from
 * @drop: (nullable): the drop to show
 *
 * Shows a placeholder, then @drop's thumbnail once it is ready, never
 * waiting for it. Setting the same drop again only asks for its thumbnail
 * if it could have none before, such as a file that has just arrived.
 */
void
dropify_thumbnail_set_drop (DropifyThumbnail   *self,
                            DropifyThumbnailer *thumbnailer,
                            DropifyDrop        *drop)
{
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;

  g_return_if_fail (DROPIFY_IS_THUMBNAIL (self));
  g_return_if_fail (thumbnailer == NULL || DROPIFY_IS_THUMBNAILER (thumbnailer));
  g_return_if_fail (drop == NULL || DROPIFY_IS_DROP (drop));

  if (drop == self->drop && (self->cancellable != NULL || self->loaded))
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (drop != self->drop)
    {
      g_set_object (&self->drop, drop);
      dropify_thumbnail_show_placeholder (self);
    }

  if (drop == NULL || thumbnailer == NULL || !dropify_thumbnailer_is_candidate (drop))
    return;

  name = dropify_drop_dup_short_name (drop);
  /* Translators: a picture's description for screen readers; %s is a
   * file name */
  description = g_strdup_printf (_("Thumbnail of %s"), name);
  gtk_picture_set_alternative_text (GTK_PICTURE (self->picture), description);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->picture),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);

  self->cancellable = g_cancellable_new ();
  dropify_thumbnailer_lookup_async (thumbnailer, drop, self->cancellable,
                                    lookup_cb, g_object_ref (self));
}

/**
 * dropify_thumbnail_is_loaded:
 *
 * Returns: whether the thumbnail shows, rather than the placeholder
 */
gboolean
dropify_thumbnail_is_loaded (DropifyThumbnail *self)
{
  g_return_val_if_fail (DROPIFY_IS_THUMBNAIL (self), FALSE);
  return self->loaded;
}
