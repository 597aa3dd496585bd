#define G_LOG_DOMAIN "dropify-locale"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "dropify-locale.h"

/**
 * dropify_locale_get_dir:
 *
 * Where the message catalogs are: `$DROPIFY_LOCALEDIR` when it is set and
 * not empty, the install's locale dir otherwise. The build tree sets it
 * (for `meson devenv` and the tests) to `BUILDDIR/po`, where meson builds
 * each catalog as `LL/LC_MESSAGES/dropify.mo`, so an uninstalled build
 * shows its own translations rather than an installed copy's, or none.
 *
 * Returns: (transfer none): a directory
 */
const char *
dropify_locale_get_dir (void)
{
  const char *dir = g_getenv ("DROPIFY_LOCALEDIR");

  return dir != NULL && *dir != '\0' ? dir : LOCALEDIR;
}

/**
 * dropify_locale_init:
 *
 * Takes the locale from the environment and binds Dropify's message
 * catalog, in UTF-8 whatever the locale's charset. Call it first in main()
 * (and in tests that check translations), before any string is translated.
 */
void
dropify_locale_init (void)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, dropify_locale_get_dir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
