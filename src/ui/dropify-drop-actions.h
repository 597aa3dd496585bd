#pragma once

#include <gtk/gtk.h>

#include "dropify-drop.h"
#include "dropify-service.h"

G_BEGIN_DECLS

char               *dropify_drop_dup_short_name       (DropifyDrop *drop);
char               *dropify_drop_dup_link             (DropifyDrop *drop);
gboolean            dropify_drop_is_file_ready        (DropifyDrop *drop);
GFile              *dropify_drop_dup_staged_file      (DropifyDrop *drop);
GdkContentProvider *dropify_drop_create_file_content  (GFile       *file);
void                dropify_drop_copy                 (GtkWidget   *widget,
                                                       DropifyDrop *drop);
void                dropify_drop_open                 (GtkWidget   *widget,
                                                       DropifyDrop *drop);
void                dropify_drop_show_in_files        (GtkWidget   *widget,
                                                       DropifyDrop *drop);
void                dropify_drop_save_as              (GtkWidget   *widget,
                                                       DropifyDrop *drop);
void                dropify_drop_keep                 (GtkWidget   *widget,
                                                       DropifyDrop *drop);
void                dropify_drop_change_expiry        (GtkWidget      *widget,
                                                       DropifyService *service,
                                                       DropifyDrop    *drop,
                                                       gboolean        show_new);
void                dropify_drop_show_error           (GtkWidget    *widget,
                                                       const GError *error);

G_END_DECLS
