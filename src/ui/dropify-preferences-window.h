#pragma once

#include <adwaita.h>

#include "dropify-service.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_PREFERENCES_WINDOW (dropify_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (DropifyPreferencesWindow, dropify_preferences_window, DROPIFY, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWidget *dropify_preferences_window_new (DropifyService *service);

G_END_DECLS
