#pragma once

#include <glib.h>

G_BEGIN_DECLS

void        dropify_locale_init      (void);
const char *dropify_locale_get_dir   (void);

G_END_DECLS
