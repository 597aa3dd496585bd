#pragma once

#include <adwaita.h>

#include "dropify-core.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_SEND_TO_DIALOG (dropify_send_to_dialog_get_type ())

G_DECLARE_FINAL_TYPE (DropifySendToDialog, dropify_send_to_dialog,
                      DROPIFY, SEND_TO_DIALOG, AdwMessageDialog)

GtkWidget   *dropify_send_to_dialog_new           (GtkWindow           *parent,
                                                   DropifyDrop         *drop,
                                                   GPtrArray           *peers);
DropifyDrop *dropify_send_to_dialog_get_drop      (DropifySendToDialog *self);
GStrv        dropify_send_to_dialog_dup_audience  (DropifySendToDialog *self);

G_END_DECLS
