#include "config.h"

#include <glib/gi18n.h>

#include "dropify-application.h"
#include "dropify-cli.h"
#include "dropify-locale.h"

/* One binary: the GUI, `--headless`, and the command-line subcommands. */

static gboolean
has_arg (int          argc,
         char       **argv,
         const char  *arg)
{
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        break;
      if (g_str_equal (argv[i], arg))
        return TRUE;
    }

  return FALSE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(DropifyApplication) app = NULL;

  dropify_locale_init ();

  if (argc > 1 && dropify_cli_is_command (argv[1]))
    return dropify_cli_run (argc, argv);

  if (has_arg (argc, argv, "--version"))
    {
      g_print ("dropify %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (has_arg (argc, argv, "--headless"))
    return dropify_headless_run (argc, argv);

  if (has_arg (argc, argv, "--help") || has_arg (argc, argv, "-h"))
    {
      dropify_print_usage ();
      return 0;
    }

  app = dropify_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
