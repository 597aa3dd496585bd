#pragma once

#include <adwaita.h>

#include "dropify-core.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_EXPIRY_DIALOG (dropify_expiry_dialog_get_type ())

G_DECLARE_FINAL_TYPE (DropifyExpiryDialog, dropify_expiry_dialog,
                      DROPIFY, EXPIRY_DIALOG, AdwMessageDialog)

const uint64_t *dropify_expiry_presets                (guint               *n_presets);
char           *dropify_expiry_format_duration        (uint64_t             seconds);
GtkWidget      *dropify_expiry_dialog_new             (GtkWindow           *parent,
                                                       DropifyDrop         *drop,
                                                       uint64_t             default_ttl_s);
DropifyDrop    *dropify_expiry_dialog_get_drop        (DropifyExpiryDialog *self);
int64_t         dropify_expiry_dialog_get_ttl         (DropifyExpiryDialog *self);

G_END_DECLS
