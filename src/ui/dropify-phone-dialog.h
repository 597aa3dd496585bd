#pragma once

#include <adwaita.h>

#include "dropify-service.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_PHONE_DIALOG (dropify_phone_dialog_get_type ())

G_DECLARE_FINAL_TYPE (DropifyPhoneDialog, dropify_phone_dialog, DROPIFY, PHONE_DIALOG, AdwWindow)

GtkWidget  *dropify_phone_dialog_new     (GtkWindow          *parent,
                                          DropifyService     *service);
const char *dropify_phone_dialog_get_url (DropifyPhoneDialog *self);

G_END_DECLS
