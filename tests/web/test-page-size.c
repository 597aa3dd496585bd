#include "config.h"

#include <gio/gio.h>

#include "dropify-web-resources.h"

/* The phone page loads over a phone's Wi-Fi: every file it is made of,
 * together, stays within 40 KB, uncompressed, "before thumbnails" (issue
 * 15): the thumbnails' <img> in app.js and its .thumb rule in style.css
 * add 318 bytes, and only those.
 *
 * The "Send to" picker (issue 17) is no part of the first load: the page
 * fetches picker.js and picker.css when the person first opens it, so
 * they have a budget of their own. So has upload.js, how a file goes,
 * which the page fetches with the first file sent. Every file is in
 * exactly one budget, so a new one cannot slip past them. */

#define THUMBNAIL_BYTES 318
#define PAGE_BUDGET   (40 * 1024 + THUMBNAIL_BYTES)
#define PICKER_BUDGET (6 * 1024)
#define UPLOAD_BUDGET (4 * 1024)
#define WEB_PREFIX    "/io/github/dropify/Dropify/web/"

static const char * const first_load[] = { "index.html", "app.js", "style.css", "icon.svg", NULL };
static const char * const picker[] = { "picker.js", "picker.css", NULL };
static const char * const upload[] = { "upload.js", NULL };

static void
test_budget (void)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  gsize page = 0;
  gsize lazy = 0;
  gsize sending = 0;

  names = g_resource_enumerate_children (dropify_web_get_resource (), WEB_PREFIX,
                                         G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (names), >=, 3);

  for (guint i = 0; names[i]; i++)
    {
      g_autofree char *path = g_strconcat (WEB_PREFIX, names[i], NULL);
      gsize size = 0;

      g_assert_true (g_resource_get_info (dropify_web_get_resource (), path,
                                          G_RESOURCE_LOOKUP_FLAGS_NONE, &size, NULL, &error));
      g_assert_no_error (error);
      g_test_message ("%-12s %6" G_GSIZE_FORMAT " bytes", names[i], size);

      if (g_strv_contains (first_load, names[i]))
        page += size;
      else if (g_strv_contains (picker, names[i]))
        lazy += size;
      else if (g_strv_contains (upload, names[i]))
        sending += size;
      else
        g_error ("%s is in no budget: add it to the first load or to the picker", names[i]);
    }

  g_test_message ("first load   %6" G_GSIZE_FORMAT " bytes of %d", page, PAGE_BUDGET);
  g_test_message ("picker       %6" G_GSIZE_FORMAT " bytes of %d", lazy, PICKER_BUDGET);
  g_test_message ("upload       %6" G_GSIZE_FORMAT " bytes of %d", sending, UPLOAD_BUDGET);
  g_assert_cmpuint (page, <=, PAGE_BUDGET);
  g_assert_cmpuint (lazy, <=, PICKER_BUDGET);
  g_assert_cmpuint (sending, <=, UPLOAD_BUDGET);
}

/* Everything the page refers to is in the resource. */
static void
test_complete (void)
{
  static const char * const files[] = { "index.html", "app.js", "style.css", "icon.svg",
                                        "picker.js", "picker.css", "upload.js" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_strconcat (WEB_PREFIX, files[i], NULL);
      g_autoptr(GBytes) bytes = g_resource_lookup_data (dropify_web_get_resource (), path,
                                                        G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);

      g_assert_nonnull (bytes);
      g_assert_cmpuint (g_bytes_get_size (bytes), >, 0);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/web/page/budget", test_budget);
  g_test_add_func ("/web/page/complete", test_complete);

  return g_test_run ();
}
