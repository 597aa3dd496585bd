#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean dropify_cli_is_command (const char  *name);
int      dropify_cli_run        (int          argc,
                                 char       **argv);
int      dropify_headless_run   (int          argc,
                                 char       **argv);
void     dropify_print_usage    (void);

G_END_DECLS
