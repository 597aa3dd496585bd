#pragma once

#include <gtk/gtk.h>

#include "dropify-core.h"

G_BEGIN_DECLS

/* Generous, since a loaded CI machine may be slow to map a window; every
 * wait returns as soon as its condition holds. */
#define UI_TEST_TIMEOUT_MS 10000

typedef gboolean (*CheckFunc) (gpointer data);

typedef struct
{
  GtkWidget  *window;
  const char *text;
} LabelQuery;

void       wait_for            (CheckFunc   check,
                                gpointer    data,
                                const char *what);
void       drain_main_loop     (void);
void       run_main_loop_for   (guint       ms);
GtkWidget *find_descendant     (GtkWidget  *widget,
                                GType       type);
typedef const char *(*TextFunc) (GtkWidget *widget);

GtkWidget *find_shown          (GtkWidget  *widget,
                                GType       type,
                                TextFunc    text_of,
                                const char *text);
GtkWidget *find_label          (GtkWidget  *widget,
                                const char *text);
GtkWidget *find_button         (GtkWidget  *widget,
                                const char *label);
GtkWidget *find_titled_row     (GtkWidget  *widget,
                                GType       type,
                                const char *title);
GtkWidget *find_toplevel       (GType       type);
gboolean   label_is_shown      (gpointer    data);
gboolean   label_is_gone       (gpointer    data);
gboolean   widget_is_mapped    (gpointer    data);
gboolean   widget_is_unmapped  (gpointer    data);
gboolean   find_file_chooser   (gpointer    data);
gboolean   chooser_has_loaded  (gpointer    data);

DropifyService *start_service  (const char *data_dir,
                                GSettings  *settings,
                                gboolean    discovery);
GtkWidget *present_window      (GtkWidget  *window,
                                const char *what);

G_END_DECLS
