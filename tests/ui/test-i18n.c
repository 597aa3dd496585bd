/* test-i18n.c: the window in the language LANGUAGE names, from the
 * catalogs of the build tree, under a real X server
 *
 * Run once per language (see meson.build), with LANGUAGE=de or fr,
 * LC_ALL=C.UTF-8 (glibc ignores LANGUAGE in the "C" locale, and C.UTF-8 is
 * in every Debian system, where de_DE.UTF-8 may not be) and
 * DROPIFY_LOCALEDIR pointing at BUILDDIR/po. The setup is the app's own
 * dropify_locale_init(), so a catalog that is missing, not bound, or
 * decoded in the wrong charset shows English or mojibake here and fails.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <locale.h>

#include "dropify-core.h"
#include "dropify-drop-row.h"
#include "dropify-peers-page.h"
#include "dropify-window.h"
#include "ui-test-util.h"

#define HOUR_MS (60 * 60 * (int64_t) 1000)

/* What a user reading that language sees; written out rather than read
 * from the catalog, so that a catalog that is stale or broken fails. */
typedef struct
{
  const char *language;
  const char *placeholder;      /* "Write a drop…" */
  const char *empty_title;      /* "Nothing Dropped Yet" */
  const char *send_tooltip;     /* "Send (Ctrl+Enter)" */
  const char *one_hour;         /* "Expires in %d hour", singular */
  const char *hours;            /* the plural, for 24 */
  const char *copy_tooltip;     /* "Copy Text" */
  const char *devices_title;    /* "Devices" */
  const char *no_devices;       /* "No Devices Yet" */
} Expected;

static const Expected expectations[] = {
  {
    "de",
    "Eintrag schreiben …",
    "Noch keine Einträge",
    "Senden (Strg+Eingabe)",
    "Läuft in 1 Stunde ab",
    "Läuft in 24 Stunden ab",
    "Text kopieren",
    "Geräte",
    "Noch keine Geräte",
  },
  {
    "fr",
    "Saisir un texte à envoyer…",
    "Aucun envoi pour l’instant",
    "Envoyer (Ctrl+Entrée)",
    "Expire dans 1 heure",
    "Expire dans 24 heures",
    "Copier le texte",
    "Appareils",
    "Aucun appareil pour l’instant",
  },
};

static const Expected *expected;

typedef struct
{
  char           *data_dir;
  GSettings      *settings;
  DropifyService *service;
  GtkWidget      *window;
} Fixture;

/* Fixture */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  fixture->data_dir = g_build_filename (g_get_user_data_dir (), "dropify", NULL);
  fixture->settings = dropify_service_create_settings (fixture->data_dir);
  g_assert_nonnull (fixture->settings);

  fixture->service = start_service (fixture->data_dir, fixture->settings, FALSE);

  fixture->window = present_window (dropify_window_new (NULL, fixture->service),
                                    "the window to be mapped");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  drain_main_loop ();

  dropify_service_shutdown (fixture->service);
  g_clear_object (&fixture->service);
  g_clear_object (&fixture->settings);
  g_clear_pointer (&fixture->data_dir, g_free);
}

/* Helpers */

static const char *
action_name_of (GtkWidget *widget)
{
  return gtk_actionable_get_action_name (GTK_ACTIONABLE (widget));
}

/* A drop row's details join parts with no-break spaces inside each part
 * ("Expires in 3 hours"), so they are compared with plain spaces. */
static const char *
plain_label_text (GtkWidget *widget)
{
  static char *text;
  GString *plain = g_string_new (gtk_label_get_text (GTK_LABEL (widget)));

  g_string_replace (plain, "\u00a0", " ", 0);
  g_free (text);
  text = g_string_free (plain, FALSE);

  return text;
}

static GtkWidget *
find_label_containing (GtkWidget  *widget,
                       const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_LABEL (child) &&
          gtk_widget_get_mapped (child) &&
          strstr (plain_label_text (child), text) != NULL)
        return child;

      if ((found = find_label_containing (child, text)))
        return found;
    }

  return NULL;
}

static gboolean
label_containing_is_shown (gpointer data)
{
  LabelQuery *query = data;

  return find_label_containing (query->window, query->text) != NULL;
}

static void
assert_label_shown (GtkWidget  *window,
                    const char *text)
{
  LabelQuery query = { window, text };

  wait_for (label_is_shown, &query, text);
}

/* Tests */

static void
test_i18n_history (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  LabelQuery query = { fixture->window, expected->hours };
  GtkWidget *send;
  GtkWidget *label;
  GtkWidget *row;
  GtkWidget *copy;

  /* From the window's template, and from C. */
  assert_label_shown (fixture->window, expected->empty_title);
  assert_label_shown (fixture->window, expected->placeholder);

  send = find_shown (fixture->window, GTK_TYPE_BUTTON, action_name_of, "win.send");
  g_assert_nonnull (send);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (send), ==, expected->send_tooltip);

  /* A drop row, with a plural from ngettext(). */
  drop = dropify_service_send_text (fixture->service, "guten Tag, bonjour", 24 * HOUR_MS, &error);
  g_assert_no_error (error);
  wait_for (label_containing_is_shown, &query, expected->hours);

  label = find_label (fixture->window, "guten Tag, bonjour");
  g_assert_nonnull (label);
  row = gtk_widget_get_ancestor (label, DROPIFY_TYPE_DROP_ROW);
  g_assert_nonnull (row);

  copy = find_shown (row, GTK_TYPE_BUTTON, action_name_of, "row.copy");
  g_assert_nonnull (copy);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (copy), ==, expected->copy_tooltip);
}

static void
test_i18n_devices (Fixture       *fixture,
                   gconstpointer  user_data)
{
  GtkWidget *page;

  g_assert_true (gtk_widget_activate_action (fixture->window, "win.show-devices", NULL));
  page = find_descendant (fixture->window, DROPIFY_TYPE_PEERS_PAGE);
  g_assert_nonnull (page);
  wait_for (widget_is_mapped, page, "the devices page to show");

  assert_label_shown (fixture->window, expected->devices_title);
  assert_label_shown (fixture->window, expected->no_devices);
}

/* Both plural forms: one hour is singular in both languages. */
static void
test_i18n_plural (void)
{
  g_autofree char *one = dropify_drop_row_format_expiry (HOUR_MS);
  g_autofree char *many = dropify_drop_row_format_expiry (24 * HOUR_MS);

  g_assert_cmpstr (one, ==, expected->one_hour);
  g_assert_cmpstr (many, ==, expected->hours);
}

int
main (int   argc,
      char *argv[])
{
  g_auto(GStrv) languages = g_strsplit (g_getenv ("LANGUAGE") ? g_getenv ("LANGUAGE") : "", ":", 2);
  const char *messages_locale;

  /* What main() does, before anything is translated. */
  dropify_locale_init ();

  /* Isolated XDG dirs would hide the shared MIME database, and without it
   * GdkPixbuf cannot tell an SVG icon from any other file. */
  g_content_type_set_mime_dirs (NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (expectations); i++)
    if (g_strcmp0 (languages[0], expectations[i].language) == 0)
      expected = &expectations[i];

  if (expected == NULL)
    {
      g_printerr ("Set LANGUAGE to one of de, fr (it is “%s”)\n", g_getenv ("LANGUAGE"));
      return 1;
    }

  /* glibc reads LANGUAGE only outside the C locale. */
  messages_locale = setlocale (LC_MESSAGES, NULL);
  if (g_strcmp0 (messages_locale, "C") == 0 || g_strcmp0 (messages_locale, "POSIX") == 0)
    {
      g_printerr ("Skipping: no UTF-8 locale (LC_ALL=C.UTF-8 did not take); LANGUAGE is ignored\n");
      return 77;
    }

  if (!gtk_init_check ())
    {
      g_printerr ("No display: run this test under tests/ui/xvfb-test.sh\n");
      return 77;
    }

  adw_init ();

  g_test_add_func ("/i18n/plural", test_i18n_plural);
  g_test_add ("/i18n/history", Fixture, NULL,
              fixture_set_up, test_i18n_history, fixture_tear_down);
  g_test_add ("/i18n/devices", Fixture, NULL,
              fixture_set_up, test_i18n_devices, fixture_tear_down);

  return g_test_run ();
}
