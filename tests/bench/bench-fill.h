#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Writes a history of @n_drops drops, @n_files of them files with real
 * content in the blob store, into the profile at @data_dir, as a running
 * instance would find it. Every drop lives a week from now. */
void bench_fill_history (const char *data_dir,
                         guint       n_drops,
                         guint       n_files);

G_END_DECLS
