#pragma once

#include <gtk/gtk.h>

#include "dropify-drop.h"
#include "dropify-service.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_DROP_ROW (dropify_drop_row_get_type ())

G_DECLARE_FINAL_TYPE (DropifyDropRow, dropify_drop_row, DROPIFY, DROP_ROW, GtkWidget)

GtkWidget   *dropify_drop_row_new            (DropifyService *service);
DropifyDrop *dropify_drop_row_get_drop       (DropifyDropRow *self);
void         dropify_drop_row_set_drop       (DropifyDropRow *self,
                                              DropifyDrop    *drop);
void         dropify_drop_row_refresh_expiry (DropifyDropRow *self);
char        *dropify_drop_row_format_expiry  (int64_t         remaining_ms);

G_END_DECLS
