#pragma once

#include <glib.h>

G_BEGIN_DECLS

char  *dropify_address_parse      (const char  *text,
                                   guint        example_port,
                                   GError     **error);

G_END_DECLS
