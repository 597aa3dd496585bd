#pragma once

#include <adwaita.h>

#include "dropify-application.h"
#include "dropify-service.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_WINDOW (dropify_window_get_type ())

G_DECLARE_FINAL_TYPE (DropifyWindow, dropify_window, DROPIFY, WINDOW, AdwApplicationWindow)

GtkWidget      *dropify_window_new         (DropifyApplication *application,
                                            DropifyService     *service);
DropifyService *dropify_window_get_service (DropifyWindow      *self);
void            dropify_window_drop_files  (DropifyWindow      *self,
                                            GFile             **files,
                                            guint               n_files);
gboolean        dropify_window_show_drop   (DropifyWindow      *self,
                                            const char         *id);
void            dropify_window_open_drop   (DropifyWindow      *self,
                                            const char         *id);

G_END_DECLS
