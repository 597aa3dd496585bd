#pragma once

#include <adwaita.h>

#include "dropify-service.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_COMPOSER (dropify_composer_get_type ())

G_DECLARE_FINAL_TYPE (DropifyComposer, dropify_composer, DROPIFY, COMPOSER, AdwBin)

void        dropify_composer_set_service (DropifyComposer  *self,
                                          DropifyService   *service);
const char *dropify_composer_get_send_to (DropifyComposer  *self);
void        dropify_composer_set_send_to (DropifyComposer  *self,
                                          const char       *device_id);
gboolean    dropify_composer_get_busy    (DropifyComposer  *self);
gboolean    dropify_composer_send        (DropifyComposer  *self);
gboolean    dropify_composer_send_text   (DropifyComposer  *self,
                                          const char       *text);
void        dropify_composer_send_files  (DropifyComposer  *self,
                                          GSList           *files);
void        dropify_composer_drop_files  (DropifyComposer  *self,
                                          GFile           **files,
                                          guint             n_files);
void        dropify_composer_attach      (DropifyComposer  *self,
                                          DropifyPeer      *peer);
void        dropify_composer_paste       (DropifyComposer  *self,
                                          DropifyPeer      *peer);

G_END_DECLS
