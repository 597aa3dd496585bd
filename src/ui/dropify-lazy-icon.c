/* dropify-lazy-icon.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-lazy-icon"

#include "config.h"

#include "dropify-lazy-icon.h"

/*
 * A status page's large icon comes from the icon theme's scalable SVG,
 * and GTK loads an image's icon as soon as the page is built, shown or
 * not. The first SVG brings in librsvg and libxml2: some 11 MiB of the
 * window's memory, for empty states and a drop zone that a full history
 * never shows. This holds a page's icon back until the page is
 * first on screen.
 */

#define ICON_KEY "dropify-lazy-icon"

static void
on_map (GtkWidget *widget)
{
  const char *icon_name = g_object_get_data (G_OBJECT (widget), ICON_KEY);

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (widget), icon_name);
  g_signal_handlers_disconnect_by_func (widget, on_map, NULL);
  g_object_set_data (G_OBJECT (widget), ICON_KEY, NULL);
}

/**
 * dropify_lazy_icon_defer:
 * @page: a status page that is not shown yet
 *
 * Takes @page's icon away, and gives it back the first time @page is
 * mapped.
 */
void
dropify_lazy_icon_defer (AdwStatusPage *page)
{
  const char *icon_name;

  g_return_if_fail (ADW_IS_STATUS_PAGE (page));

  icon_name = adw_status_page_get_icon_name (page);
  if (icon_name == NULL)
    return;

  if (gtk_widget_get_mapped (GTK_WIDGET (page)))
    return;

  g_object_set_data_full (G_OBJECT (page), ICON_KEY, g_strdup (icon_name), g_free);
  adw_status_page_set_icon_name (page, NULL);
  g_signal_connect (page, "map", G_CALLBACK (on_map), NULL);
}
