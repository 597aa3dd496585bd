#pragma once

#include <adwaita.h>

#include "dropify-service.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_APPLICATION (dropify_application_get_type ())

G_DECLARE_FINAL_TYPE (DropifyApplication, dropify_application, DROPIFY, APPLICATION, AdwApplication)

DropifyApplication *dropify_application_new         (void);
DropifyService     *dropify_application_get_service (DropifyApplication *self);
gboolean            dropify_application_close_to_background
                                                    (DropifyApplication *self);

G_END_DECLS
