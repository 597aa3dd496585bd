/* test-preferences.c: every preference, both ways, over a real service
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>

#include "dropify-core.h"
#include "dropify-phone-dialog.h"
#include "dropify-preferences-window.h"
#include "dropify-test-support.h"
#include "ui-test-util.h"

/* Each row changes its setting as a person would (the switch's row
 * activated, a combo item picked, text applied), and each setting changed
 * elsewhere (the command line, settings.ini) shows in its row. The service
 * underneath is real, so the effect of a setting is checked where it is
 * cheap to see. */

typedef struct
{
  char           *data_dir;
  GSettings      *settings;
  DropifyService *service;
  GtkWidget      *window;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  fixture->data_dir = dropify_test_make_dir ("prefs");
  fixture->settings = dropify_service_create_settings (fixture->data_dir);
  g_assert_nonnull (fixture->settings);

  fixture->service = start_service (fixture->data_dir, fixture->settings, FALSE);
  fixture->window = present_window (dropify_preferences_window_new (fixture->service),
                                    "the preferences to be mapped");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  GtkWidget *toplevel;

  while ((toplevel = find_toplevel (GTK_TYPE_WINDOW)) != NULL)
    gtk_window_destroy (GTK_WINDOW (toplevel));
  drain_main_loop ();

  dropify_service_shutdown (fixture->service);
  g_clear_object (&fixture->service);
  g_clear_object (&fixture->settings);
  dropify_test_remove_dir (fixture->data_dir);
  g_clear_pointer (&fixture->data_dir, g_free);
}

/* Rows are only found on the page that shows. */
static GtkWidget *
find_row (Fixture    *fixture,
          const char *page,
          GType       type,
          const char *title)
{
  GtkWidget *row;

  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (fixture->window), page);
  drain_main_loop ();

  row = find_titled_row (fixture->window, type, title);
  if (row == NULL)
    g_error ("No row “%s” on the page “%s”", title, page);

  return row;
}

static GtkSwitch *
row_switch (GtkWidget *row)
{
  GtkWidget *widget = find_descendant (row, GTK_TYPE_SWITCH);

  g_assert_nonnull (widget);
  return GTK_SWITCH (widget);
}

typedef struct
{
  GSettings  *settings;
  const char *key;
  gboolean    value;
} BooleanQuery;

static gboolean
setting_is (gpointer data)
{
  BooleanQuery *query = data;

  return g_settings_get_boolean (query->settings, query->key) == query->value;
}

/* As a click on the row does; the switch moves with an animation, and
 * changes its state at the end of it. */
static void
activate_switch_row (Fixture    *fixture,
                     GtkWidget  *row,
                     const char *key)
{
  BooleanQuery flipped = { fixture->settings, key, !g_settings_get_boolean (fixture->settings, key) };

  adw_action_row_activate (ADW_ACTION_ROW (row));
  wait_for (setting_is, &flipped, key);
}

static char *
selected_string (AdwComboRow *row)
{
  g_autoptr(GtkStringObject) item = g_list_model_get_item (adw_combo_row_get_model (row),
                                                           adw_combo_row_get_selected (row));

  g_assert_nonnull (item);
  return g_strdup (gtk_string_object_get_string (item));
}

/* Picks the item labelled @label, as a click in the popover does. */
static void
select_string (AdwComboRow *row,
               const char  *label)
{
  GListModel *model = adw_combo_row_get_model (row);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), label) == 0)
        {
          adw_combo_row_set_selected (row, i);
          return;
        }
    }

  g_error ("No item “%s” in the row", label);
}

static void
test_expiry (Fixture       *fixture,
             gconstpointer  user_data)
{
  AdwComboRow *row = ADW_COMBO_ROW (find_row (fixture, "general", ADW_TYPE_COMBO_ROW, "Expire After"));
  g_autofree char *shown = NULL;

  g_settings_set_uint (fixture->settings, "default-ttl", 86400);
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 2);
  g_assert_cmpstr ((shown = selected_string (row)), ==, "24 hours");
  g_clear_pointer (&shown, g_free);

  select_string (row, "1 hour");
  g_assert_cmpuint (g_settings_get_uint (fixture->settings, "default-ttl"), ==, 3600);
  g_assert_cmpint (dropify_service_get_default_ttl (fixture->service), ==, 3600 * 1000);

  /* A value from elsewhere shows as itself, not as the nearest preset. */
  g_settings_set_uint (fixture->settings, "default-ttl", 7200);
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 5);
  g_assert_cmpstr ((shown = selected_string (row)), ==, "2 hours");
  g_clear_pointer (&shown, g_free);
  g_assert_cmpuint (g_settings_get_uint (fixture->settings, "default-ttl"), ==, 7200);

  g_settings_set_uint (fixture->settings, "default-ttl", 600);
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (row)), ==, 5);
}

static void
test_limits (Fixture       *fixture,
             gconstpointer  user_data)
{
  DropifyHistory *history = dropify_service_get_history (fixture->service);
  AdwComboRow *text = ADW_COMBO_ROW (find_row (fixture, "general", ADW_TYPE_COMBO_ROW, "Longest Text"));
  AdwComboRow *file = ADW_COMBO_ROW (find_row (fixture, "general", ADW_TYPE_COMBO_ROW, "Largest File"));
  g_autofree char *shown = NULL;

  g_assert_cmpstr ((shown = selected_string (text)), ==, "1 MB");
  g_clear_pointer (&shown, g_free);
  select_string (text, "16 MB");
  g_assert_cmpuint (g_settings_get_uint (fixture->settings, "max-text-length"), ==, 16000000);
  g_assert_cmpuint (dropify_history_get_max_text_length (history), ==, 16000000);

  g_settings_set_uint (fixture->settings, "max-text-length", 64000);
  g_assert_cmpstr ((shown = selected_string (text)), ==, "64 kB");
  g_clear_pointer (&shown, g_free);

  g_assert_cmpstr ((shown = selected_string (file)), ==, "4 GB");
  g_clear_pointer (&shown, g_free);
  select_string (file, "100 MB");
  g_assert_cmpuint (g_settings_get_uint64 (fixture->settings, "max-file-size"), ==, 100000000);
  g_assert_cmpuint (dropify_history_get_max_file_size (history), ==, 100000000);

  g_settings_set_uint64 (fixture->settings, "max-file-size", G_GUINT64_CONSTANT (64000000000));
  g_assert_cmpstr ((shown = selected_string (file)), ==, "64 GB");
}

/* Entry rows apply with their button (or Enter), as GNOME Settings'
 * device name does: typing alone changes nothing yet. */
static void
type_and_apply (AdwEntryRow *row,
                const char  *text,
                GSettings   *settings,
                const char  *key)
{
  g_autofree char *before = g_settings_get_string (settings, key);
  g_autofree char *after = NULL;

  gtk_editable_set_text (GTK_EDITABLE (row), text);
  after = g_settings_get_string (settings, key);
  g_assert_cmpstr (after, ==, before);

  g_signal_emit_by_name (row, "apply");
}

static void
test_device_name (Fixture       *fixture,
                  gconstpointer  user_data)
{
  DropifyIdentity *identity = dropify_service_get_identity (fixture->service);
  AdwEntryRow *row = ADW_ENTRY_ROW (find_row (fixture, "general", ADW_TYPE_ENTRY_ROW, "Device Name"));
  g_autofree char *name = NULL;

  /* With no name set, the field shows the name in use, not a blank. */
  g_assert_cmpstr ((name = g_settings_get_string (fixture->settings, "device-name")), ==, "");
  g_clear_pointer (&name, g_free);
  g_assert_cmpstr (dropify_identity_get_name (identity), !=, "");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, dropify_identity_get_name (identity));

  /* Opening the window does not put the name up for replacing, also
   * narrow, where the page switcher moves down and the name comes first. */
  g_assert_false (GTK_IS_TEXT (gtk_window_get_focus (GTK_WINDOW (fixture->window))));
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 360, 600);
  run_main_loop_for (300);
  g_assert_false (GTK_IS_TEXT (gtk_window_get_focus (GTK_WINDOW (fixture->window))));

  type_and_apply (row, "Studio", fixture->settings, "device-name");
  g_assert_cmpstr ((name = g_settings_get_string (fixture->settings, "device-name")), ==, "Studio");
  g_assert_cmpstr (dropify_identity_get_name (identity), ==, "Studio");

  g_settings_set_string (fixture->settings, "device-name", "Attic");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "Attic");
}

static void
test_auto_save (Fixture       *fixture,
                gconstpointer  user_data)
{
  DropifyAutoSave *auto_save = dropify_service_get_auto_save (fixture->service);
  GtkWidget *row = find_row (fixture, "general", ADW_TYPE_ACTION_ROW, "Save Received Files");
  GtkSwitch *toggle = row_switch (row);

  g_assert_false (g_settings_get_boolean (fixture->settings, "auto-save-downloads"));
  g_assert_false (gtk_switch_get_active (toggle));
  g_assert_false (dropify_auto_save_get_enabled (auto_save));

  activate_switch_row (fixture, row, "auto-save-downloads");
  g_assert_true (gtk_switch_get_active (toggle));
  g_assert_true (dropify_auto_save_get_enabled (auto_save));

  g_settings_set_boolean (fixture->settings, "auto-save-downloads", FALSE);
  g_assert_false (gtk_switch_get_active (toggle));
  g_assert_false (dropify_auto_save_get_enabled (auto_save));
}

static void
test_phone_access (Fixture       *fixture,
                   gconstpointer  user_data)
{
  GtkWidget *row = find_row (fixture, "connections", ADW_TYPE_ACTION_ROW, "Phone Access");
  GtkSwitch *toggle = row_switch (row);

  g_assert_true (gtk_switch_get_active (toggle));
  g_assert_nonnull (dropify_service_get_phone (fixture->service));

  activate_switch_row (fixture, row, "phone-access");
  g_assert_false (gtk_switch_get_active (toggle));
  g_assert_null (dropify_service_get_phone (fixture->service));

  g_settings_set_boolean (fixture->settings, "phone-access", TRUE);
  g_assert_true (gtk_switch_get_active (toggle));
  g_assert_nonnull (dropify_service_get_phone (fixture->service));
}

static gboolean
phone_dialog_is_shown (gpointer data)
{
  return find_toplevel (DROPIFY_TYPE_PHONE_DIALOG) != NULL;
}

static gboolean
has_icon (GtkWidget  *widget,
          const char *icon_name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_IMAGE (child) && gtk_widget_get_visible (child) &&
          g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (child)), icon_name) == 0)
        return TRUE;

      if (has_icon (child, icon_name))
        return TRUE;
    }

  return FALSE;
}

static void
test_connect_phone (Fixture       *fixture,
                    gconstpointer  user_data)
{
  GtkWidget *row = find_row (fixture, "connections", ADW_TYPE_ACTION_ROW, "Connect a Phone…");
  GtkWidget *dialog;

  g_assert_true (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (row)));

  /* A row that opens something has an arrow, as GNOME's settings do. */
  g_assert_true (has_icon (row, "go-next-symbolic"));

  g_signal_emit_by_name (row, "activate");
  wait_for (phone_dialog_is_shown, NULL, "the phone dialog");

  dialog = find_toplevel (DROPIFY_TYPE_PHONE_DIALOG);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (fixture->window));
  g_assert_nonnull (dropify_phone_dialog_get_url (DROPIFY_PHONE_DIALOG (dialog)));
}

typedef struct
{
  DropifyService *service;
  const char     *name;
} TrustQuery;

static DropifyPeer *
find_peer (DropifyService *service,
           const char     *name)
{
  GListModel *peers = dropify_sync_get_peers (dropify_service_get_sync (service));

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);

      if (g_strcmp0 (dropify_peer_get_name (peer), name) == 0)
        return peer;
    }

  return NULL;
}

static gboolean
peer_is_trusted (gpointer data)
{
  TrustQuery *query = data;
  DropifyPeer *peer = find_peer (query->service, query->name);

  return peer != NULL && dropify_peer_get_trusted (peer);
}

static gboolean
peer_waits_to_pair (gpointer data)
{
  TrustQuery *query = data;
  DropifyPeer *peer = find_peer (query->service, query->name);

  return peer != NULL && dropify_peer_get_connected (peer) && !dropify_peer_get_trusted (peer);
}

/* The secret is applied at once: a device already connected with it, and
 * waiting to be paired, is trusted without pairing. */
static void
test_group_secret (Fixture       *fixture,
                   gconstpointer  user_data)
{
  AdwEntryRow *row = ADW_ENTRY_ROW (find_row (fixture, "connections", ADW_TYPE_PASSWORD_ENTRY_ROW,
                                              "Group Secret"));
  DropifyTestNode *laptop = dropify_test_node_start ("Laptop", "correct horse battery staple");
  TrustQuery trusted = { fixture->service, "Laptop" };
  g_autofree char *secret = NULL;

  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "");

  /* The laptop dials in with its secret; this device has none yet. */
  {
    g_autofree char *address =
      g_strdup_printf ("127.0.0.1:%u", dropify_server_get_port (dropify_service_get_server (fixture->service)));

    g_assert_true (dropify_service_connect_to (laptop->service, address, NULL));
  }
  wait_for (peer_waits_to_pair, &trusted, "the laptop to wait for pairing");
  g_assert_false (peer_is_trusted (&trusted));

  type_and_apply (row, "correct horse battery staple", fixture->settings, "group-secret");
  g_assert_cmpstr ((secret = g_settings_get_string (fixture->settings, "group-secret")), ==,
                   "correct horse battery staple");
  wait_for (peer_is_trusted, &trusted, "the laptop to be trusted by its group secret");

  g_settings_set_string (fixture->settings, "group-secret", "");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, "");

  dropify_test_node_stop (laptop);
}

static void
test_port (Fixture       *fixture,
           gconstpointer  user_data)
{
  AdwActionRow *row = ADW_ACTION_ROW (find_row (fixture, "connections", ADW_TYPE_ACTION_ROW, "Port"));
  GtkSpinButton *spin = GTK_SPIN_BUTTON (find_descendant (GTK_WIDGET (row), GTK_TYPE_SPIN_BUTTON));
  guint in_use = dropify_server_get_port (dropify_service_get_server (fixture->service));
  g_autofree char *now = g_strdup_printf ("now %u", in_use);

  g_assert_nonnull (spin);
  g_assert_cmpuint (in_use, >, 0);
  g_assert_cmpint ((int) gtk_spin_button_get_value (spin), ==, 41717);

  /* The fixture's service listens on a free port: the subtitle says
   * which, and that the setting waits for the next start. */
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (row), now));

  gtk_spin_button_set_value (spin, 0);
  g_assert_cmpuint (g_settings_get_uint (fixture->settings, "port"), ==, 0);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (row), "free port"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (row), now));

  gtk_spin_button_set_value (spin, in_use);
  g_assert_cmpuint (g_settings_get_uint (fixture->settings, "port"), ==, in_use);
  g_assert_null (strstr (adw_action_row_get_subtitle (row), "now"));

  g_settings_set_uint (fixture->settings, "port", 41800);
  g_assert_cmpint ((int) gtk_spin_button_get_value (spin), ==, 41800);
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (row), "next start"));
}

/* What the window shows, as one string: every switch, spin button, combo
 * row and text, on every page. */
static void
append_state (GtkWidget *widget,
              GString   *state)
{
  if (GTK_IS_SWITCH (widget))
    g_string_append_printf (state, "switch %d\n", gtk_switch_get_active (GTK_SWITCH (widget)));
  else if (GTK_IS_SPIN_BUTTON (widget))
    g_string_append_printf (state, "spin %g\n", gtk_spin_button_get_value (GTK_SPIN_BUTTON (widget)));
  else if (ADW_IS_COMBO_ROW (widget))
    {
      g_autofree char *shown = selected_string (ADW_COMBO_ROW (widget));

      g_string_append_printf (state, "combo %s\n", shown);
    }
  else if (GTK_IS_TEXT (widget))
    g_string_append_printf (state, "text %s\n", gtk_editable_get_text (GTK_EDITABLE (widget)));

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    append_state (child, state);
}

static char *
window_state (GtkWidget *window)
{
  GString *state = g_string_new (NULL);

  append_state (window, state);
  return g_string_free (state, FALSE);
}

/* Every setting a person may want to change is in the window: changing
 * any key of the schema (but those kept out on purpose) changes what the
 * window shows. A new key fails here until it gets a row. */
static void
test_every_key_shown (Fixture       *fixture,
                      gconstpointer  user_data)
{
  static const char * const hidden[] = {
    "manual-peers",       /* the Devices page adds and forgets them */
    "window-width",       /* window state, not preferences */
    "window-height",
    "window-maximized",
    "recent-devices",     /* the Send To lists' order, kept as they are used */
    NULL
  };
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (fixture->settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);

  for (guint i = 0; keys[i]; i++)
    {
      g_autoptr(GSettingsSchemaKey) key = g_settings_schema_get_key (schema, keys[i]);
      g_autoptr(GVariant) current = g_settings_get_value (fixture->settings, keys[i]);
      g_autoptr(GVariant) range = g_settings_schema_key_get_range (key);
      g_autoptr(GVariant) other = NULL;
      g_autofree char *before = NULL;
      g_autofree char *after = NULL;
      const char *range_type;
      GVariant *limits;

      if (g_strv_contains (hidden, keys[i]))
        continue;

      g_variant_get (range, "(&sv)", &range_type, &limits);

      if (g_variant_is_of_type (current, G_VARIANT_TYPE_BOOLEAN))
        other = g_variant_new_boolean (!g_variant_get_boolean (current));
      else if (g_variant_is_of_type (current, G_VARIANT_TYPE_STRING))
        other = g_variant_new_string ("Probe");
      else if (g_variant_is_of_type (current, G_VARIANT_TYPE_UINT32))
        {
          guint32 min, max;

          g_variant_get (limits, "(uu)", &min, &max);
          other = g_variant_new_uint32 (g_variant_get_uint32 (current) == min ? max : min);
        }
      else if (g_variant_is_of_type (current, G_VARIANT_TYPE_UINT64))
        {
          guint64 min, max;

          g_variant_get (limits, "(tt)", &min, &max);
          other = g_variant_new_uint64 (g_variant_get_uint64 (current) == min ? max : min);
        }
      g_variant_unref (limits);

      if (other == NULL)
        g_error ("The test does not know how to change “%s” (%s); teach it",
                 keys[i], g_variant_get_type_string (current));

      before = window_state (fixture->window);
      g_assert_true (g_settings_set_value (fixture->settings, keys[i], g_steal_pointer (&other)));
      drain_main_loop ();
      after = window_state (fixture->window);

      g_test_message ("key %s", keys[i]);
      if (g_str_equal (before, after))
        g_error ("Changing “%s” changes nothing in Preferences: give it a row, "
                 "or list it as hidden on purpose", keys[i]);

      g_settings_reset (fixture->settings, keys[i]);
      drain_main_loop ();
    }
}

int
main (int   argc,
      char *argv[])
{
  /* Isolated XDG dirs would hide the shared MIME database, and without it
   * GdkPixbuf cannot tell an SVG icon from any other file. */
  g_content_type_set_mime_dirs (NULL);
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  if (!gtk_init_check ())
    {
      g_printerr ("No display: run this test under tests/ui/xvfb-test.sh\n");
      return 77;
    }

  adw_init ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/ui/preferences/expiry", test_expiry);
  ADD ("/ui/preferences/limits", test_limits);
  ADD ("/ui/preferences/device-name", test_device_name);
  ADD ("/ui/preferences/auto-save", test_auto_save);
  ADD ("/ui/preferences/phone-access", test_phone_access);
  ADD ("/ui/preferences/connect-phone", test_connect_phone);
  ADD ("/ui/preferences/group-secret", test_group_secret);
  ADD ("/ui/preferences/port", test_port);
  ADD ("/ui/preferences/every-key", test_every_key_shown);

  return g_test_run ();
}
