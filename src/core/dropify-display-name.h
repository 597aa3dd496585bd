#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Text another device chose (a device name, a file name) is shown on this
 * one: in a terminal, in labels, in notifications. It must never steer
 * what is around it. See docs/security.md. */

#define DROPIFY_DISPLAY_NAME_MAX_DEVICE_CHARS 64
#define DROPIFY_DISPLAY_NAME_MAX_FILE_BYTES   255

gboolean  dropify_display_name_is_unsafe_char (gunichar    c);
char     *dropify_display_name_clean_device   (const char *name);
char     *dropify_display_name_clean_file     (const char *name);
char     *dropify_display_name_escape         (const char *text,
                                               gboolean    keep_line_breaks);

G_END_DECLS
