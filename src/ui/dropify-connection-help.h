#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DROPIFY_TYPE_CONNECTION_HELP (dropify_connection_help_get_type ())

G_DECLARE_FINAL_TYPE (DropifyConnectionHelp, dropify_connection_help, DROPIFY, CONNECTION_HELP, AdwBin)

guint dropify_connection_help_get_port (DropifyConnectionHelp *self);
void  dropify_connection_help_set_port (DropifyConnectionHelp *self,
                                        guint                  port);

G_END_DECLS
