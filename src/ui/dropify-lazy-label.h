#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DROPIFY_TYPE_LAZY_LABEL (dropify_lazy_label_get_type ())

G_DECLARE_FINAL_TYPE (DropifyLazyLabel, dropify_lazy_label, DROPIFY, LAZY_LABEL, GtkWidget)

guint dropify_lazy_label_get_n_misses (void);

G_END_DECLS
