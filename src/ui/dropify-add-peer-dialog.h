#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DROPIFY_TYPE_ADD_PEER_DIALOG (dropify_add_peer_dialog_get_type ())

G_DECLARE_FINAL_TYPE (DropifyAddPeerDialog, dropify_add_peer_dialog, DROPIFY, ADD_PEER_DIALOG, AdwMessageDialog)

GtkWidget  *dropify_add_peer_dialog_new         (GtkWindow            *parent,
                                                 guint                 port);
const char *dropify_add_peer_dialog_get_address (DropifyAddPeerDialog *self);

G_END_DECLS
