#pragma once

#include <gtk/gtk.h>

#include "dropify-drop.h"
#include "dropify-service.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_DROP_VIEW (dropify_drop_view_get_type ())

G_DECLARE_FINAL_TYPE (DropifyDropView, dropify_drop_view, DROPIFY, DROP_VIEW, GtkWidget)

void         dropify_drop_view_set_service     (DropifyDropView *self,
                                                DropifyService  *service);
DropifyDrop *dropify_drop_view_get_drop        (DropifyDropView *self);
void         dropify_drop_view_set_drop        (DropifyDropView *self,
                                                DropifyDrop     *drop);
void         dropify_drop_view_focus_start     (DropifyDropView *self);
char        *dropify_drop_view_dup_text_markup (const char      *text);

G_END_DECLS
