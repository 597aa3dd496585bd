#pragma once

#include <adwaita.h>

#include "dropify-peer.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_PAIRING_DIALOG (dropify_pairing_dialog_get_type ())

G_DECLARE_FINAL_TYPE (DropifyPairingDialog, dropify_pairing_dialog, DROPIFY, PAIRING_DIALOG, AdwMessageDialog)

GtkWidget   *dropify_pairing_dialog_new         (GtkWindow            *parent,
                                                 DropifyPeer          *peer,
                                                 gboolean              request);
DropifyPeer *dropify_pairing_dialog_get_peer    (DropifyPairingDialog *self);
gboolean     dropify_pairing_dialog_get_request (DropifyPairingDialog *self);
const char  *dropify_pairing_dialog_get_code    (DropifyPairingDialog *self);

G_END_DECLS
