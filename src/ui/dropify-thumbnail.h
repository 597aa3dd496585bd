#pragma once

#include <gtk/gtk.h>

#include "dropify-drop.h"
#include "dropify-thumbnailer.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_THUMBNAIL (dropify_thumbnail_get_type ())

G_DECLARE_FINAL_TYPE (DropifyThumbnail, dropify_thumbnail, DROPIFY, THUMBNAIL, GtkWidget)

GtkWidget *dropify_thumbnail_new         (int                 size);
void       dropify_thumbnail_set_size    (DropifyThumbnail   *self,
                                          int                 size);
void       dropify_thumbnail_set_drop    (DropifyThumbnail   *self,
                                          DropifyThumbnailer *thumbnailer,
                                          DropifyDrop        *drop);
gboolean   dropify_thumbnail_is_loaded   (DropifyThumbnail   *self);

G_END_DECLS
