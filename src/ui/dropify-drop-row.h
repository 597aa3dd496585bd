#pragma once

#include <gtk/gtk.h>

#include "dropify-drop.h"
#include "dropify-drop-selection.h"
#include "dropify-service.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_DROP_ROW (dropify_drop_row_get_type ())

G_DECLARE_FINAL_TYPE (DropifyDropRow, dropify_drop_row, DROPIFY, DROP_ROW, GtkWidget)

GtkWidget   *dropify_drop_row_new            (DropifyService *service);
DropifyDrop *dropify_drop_row_get_drop       (DropifyDropRow *self);
void         dropify_drop_row_set_drop       (DropifyDropRow *self,
                                              DropifyDrop    *drop);
void         dropify_drop_row_refresh_expiry (DropifyDropRow *self);
void         dropify_drop_row_set_selection  (DropifyDropRow       *self,
                                              DropifyDropSelection *selection);
gboolean     dropify_drop_row_move_focus     (DropifyDropRow  *self,
                                              GtkDirectionType direction);
char        *dropify_drop_row_format_expiry  (int64_t         remaining_ms);
char        *dropify_drop_row_format_date    (int64_t         unix_ms,
                                              int64_t         now_ms);
gboolean     dropify_drop_row_is_own         (DropifyService *service,
                                              DropifyDrop    *drop);
char        *dropify_drop_row_dup_origin     (DropifyService *service,
                                              DropifyDrop    *drop);
gboolean     dropify_drop_row_has_delivered  (DropifyDrop    *drop,
                                             const char     *device_id);
char        *dropify_drop_row_dup_delivery   (DropifyService *service,
                                             DropifyDrop    *drop);
char        *dropify_drop_row_dup_audience   (DropifyService *service,
                                              DropifyDrop    *drop);

G_END_DECLS
