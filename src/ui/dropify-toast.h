#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

AdwToast *dropify_toast_new     (const char      *text,
                                 guint            timeout);
void      dropify_toast_add     (AdwToastOverlay *overlay,
                                 AdwToast        *toast);
AdwToast *dropify_toast_show    (AdwToastOverlay *overlay,
                                 const char      *text,
                                 guint            timeout);
gboolean  dropify_toast_is_up   (AdwToast        *toast);
gboolean  dropify_toast_retitle (AdwToast        *toast,
                                 const char      *text,
                                 guint            timeout);

G_END_DECLS
