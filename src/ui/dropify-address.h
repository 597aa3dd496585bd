#pragma once

#include <glib.h>

G_BEGIN_DECLS

char  *dropify_address_parse      (const char  *text,
                                   guint        example_port,
                                   GError     **error);
GStrv  dropify_address_dup_local  (void);

G_END_DECLS
