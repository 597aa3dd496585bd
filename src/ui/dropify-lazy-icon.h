#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

void dropify_lazy_icon_defer (AdwStatusPage *page);

G_END_DECLS
