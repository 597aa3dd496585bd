/* The baselines of the idle benchmark, doing nothing the cheapest way:
 *   bench-idle-baseline glib   an empty GLib main loop
 *   bench-idle-baseline adw    an empty AdwApplicationWindow */

#include <adwaita.h>

static void
activate_cb (GApplication *app)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));

  gtk_window_set_default_size (GTK_WINDOW (window), 720, 640);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 2 && g_str_equal (argv[1], "glib"))
    {
      g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

      g_main_loop_run (loop);
      return 0;
    }

  if (argc == 2 && g_str_equal (argv[1], "adw"))
    {
      g_autoptr(AdwApplication) app = adw_application_new ("io.github.dropify.BenchBaseline",
                                                           G_APPLICATION_NON_UNIQUE);

      g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
      return g_application_run (G_APPLICATION (app), 1, argv);
    }

  g_printerr ("Usage: %s glib|adw\n", argv[0]);
  return 2;
}
