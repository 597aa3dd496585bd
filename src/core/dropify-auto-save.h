#pragma once

#include <gio/gio.h>

#include "dropify-history.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_AUTO_SAVE (dropify_auto_save_get_type ())

G_DECLARE_FINAL_TYPE (DropifyAutoSave, dropify_auto_save, DROPIFY, AUTO_SAVE, GObject)

DropifyAutoSave *dropify_auto_save_new                   (DropifyHistory       *history,
                                                          const char           *device_id);
gboolean         dropify_auto_save_get_enabled           (DropifyAutoSave      *self);
void             dropify_auto_save_set_enabled           (DropifyAutoSave      *self,
                                                          gboolean              enabled);
void             dropify_auto_save_start                 (DropifyAutoSave      *self);
void             dropify_auto_save_stop                  (DropifyAutoSave      *self);
char            *dropify_auto_save_dup_default_directory (void);
void             dropify_auto_save_copy_async            (GFile                *source,
                                                          const char           *name,
                                                          const char           *directory,
                                                          GCancellable         *cancellable,
                                                          GAsyncReadyCallback   callback,
                                                          gpointer              user_data);
char            *dropify_auto_save_copy_finish           (GAsyncResult         *result,
                                                          GError              **error);

G_END_DECLS
