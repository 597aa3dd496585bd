/* dropify-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-preferences-window"

#include "config.h"

#include <stdint.h>

#include <glib/gi18n.h>

#include "dropify-expiry-dialog.h"
#include "dropify-phone-dialog.h"
#include "dropify-preferences-window.h"

/* Sizes are decimal, as g_format_size() writes them everywhere else (the
 * history's rows, notifications, errors): one convention in the app. */
#define KB     (G_GUINT64_CONSTANT (1000))
#define MB     (1000 * KB)
#define GB     (1000 * MB)

typedef char *(*FormatFunc) (uint64_t value);

/* A combo row over a numeric setting: a few presets, plus the current value
 * as an extra item when something else (the CLI, dconf) set a value that is
 * not a preset, so the row never shows a value that is not in effect. */
typedef struct
{
  const char     *key;
  const uint64_t *presets;
  guint           n_presets;
  FormatFunc      format;
} Choice;

struct _DropifyPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  DropifyService       *service;
  GSettings            *settings;
  gboolean              syncing;

  /* Template widgets */
  AdwEntryRow          *device_name_row;
  AdwComboRow          *expiry_row;
  AdwComboRow          *max_text_length_row;
  AdwComboRow          *max_file_size_row;
  GtkSwitch            *auto_save_switch;
  GtkSwitch            *background_switch;
  GtkSwitch            *phone_access_switch;
  AdwEntryRow          *group_secret_row;
  AdwActionRow         *port_row;
  GtkSpinButton        *port_spin;
};

G_DEFINE_FINAL_TYPE (DropifyPreferencesWindow, dropify_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SERVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* g_format_size() says "1.0 MB"; a round preset reads better as "1 MB",
 * in the same units. */
static char *
format_file_size (uint64_t bytes)
{
  /* Translators: a file size in gigabytes, as in "4 GB" */
  if (bytes % GB == 0)
    return g_strdup_printf (_("%u GB"), (unsigned) (bytes / GB));

  /* Translators: a file size in megabytes, as in "100 MB" */
  if (bytes % MB == 0)
    return g_strdup_printf (_("%u MB"), (unsigned) (bytes / MB));

  /* Translators: a size in kilobytes, as in "64 kB" */
  if (bytes % KB == 0)
    return g_strdup_printf (_("%u kB"), (unsigned) (bytes / KB));

  return g_format_size (bytes);
}

static const uint64_t text_length_presets[] = {
  64 * KB, MB, 16 * MB,
};

static const uint64_t file_size_presets[] = {
  100 * MB, GB, 4 * GB, 16 * GB, 64 * GB,
};

/* Its presets are Change Expiry's too, set in class_init. */
static Choice expiry_choice = {
  "default-ttl", NULL, 0, dropify_expiry_format_duration,
};

static const Choice text_length_choice = {
  "max-text-length", text_length_presets, G_N_ELEMENTS (text_length_presets), format_file_size,
};

static const Choice file_size_choice = {
  "max-file-size", file_size_presets, G_N_ELEMENTS (file_size_presets), format_file_size,
};

/* default-ttl is a "u" and max-file-size a "t"; one reader covers both. */
static uint64_t
settings_get_number (GSettings  *settings,
                     const char *key)
{
  g_autoptr(GVariant) value = g_settings_get_value (settings, key);

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    return g_variant_get_uint32 (value);

  return g_variant_get_uint64 (value);
}

static void
settings_set_number (GSettings  *settings,
                     const char *key,
                     uint64_t    number)
{
  g_autoptr(GVariant) current = g_settings_get_value (settings, key);

  if (g_variant_is_of_type (current, G_VARIANT_TYPE_UINT32))
    g_settings_set_uint (settings, key, (guint) MIN (number, G_MAXUINT32));
  else
    g_settings_set_uint64 (settings, key, number);
}

static void
dropify_preferences_window_sync_choice (DropifyPreferencesWindow *self,
                                        AdwComboRow              *row,
                                        const Choice             *choice)
{
  GtkStringList *model = GTK_STRING_LIST (adw_combo_row_get_model (row));
  uint64_t value = settings_get_number (self->settings, choice->key);
  guint position = choice->n_presets;
  guint n_items;

  self->syncing = TRUE;

  if (g_list_model_get_n_items (G_LIST_MODEL (model)) == 0)
    {
      for (guint i = 0; i < choice->n_presets; i++)
        {
          g_autofree char *label = choice->format (choice->presets[i]);

          gtk_string_list_append (model, label);
        }
    }

  for (guint i = 0; i < choice->n_presets; i++)
    {
      if (choice->presets[i] == value)
        position = i;
    }

  n_items = g_list_model_get_n_items (G_LIST_MODEL (model));

  if (position == choice->n_presets)
    {
      g_autofree char *label = choice->format (value);
      const char * const additions[] = { label, NULL };

      gtk_string_list_splice (model, choice->n_presets, n_items - choice->n_presets, additions);
    }
  else if (n_items > choice->n_presets)
    {
      gtk_string_list_splice (model, choice->n_presets, n_items - choice->n_presets, NULL);
    }

  adw_combo_row_set_selected (row, position);

  self->syncing = FALSE;
}

static void
dropify_preferences_window_choice_selected (DropifyPreferencesWindow *self,
                                            GParamSpec               *pspec,
                                            AdwComboRow              *row)
{
  const Choice *choice;
  guint selected;

  if (self->syncing)
    return;

  if (row == self->expiry_row)
    choice = &expiry_choice;
  else if (row == self->max_text_length_row)
    choice = &text_length_choice;
  else
    choice = &file_size_choice;
  selected = adw_combo_row_get_selected (row);

  /* The extra item is the value already in effect. */
  if (selected < choice->n_presets)
    settings_set_number (self->settings, choice->key, choice->presets[selected]);
}

/* Text rows apply with their button or Enter, not at every key: a device
 * name goes out over mDNS, and a group secret typed one letter at a time
 * would trust, for good, any device whose secret is the first few. */
static void
dropify_preferences_window_sync_entry (DropifyPreferencesWindow *self,
                                       AdwEntryRow              *row,
                                       const char               *key)
{
  g_autofree char *value = g_settings_get_string (self->settings, key);

  /* With no name set, the device goes by its default one (the host's
   * name), which is what the field shows: never a blank name. */
  if (row == self->device_name_row && *value == '\0')
    {
      g_free (value);
      value = g_strdup (dropify_identity_get_name (dropify_service_get_identity (self->service)));
    }

  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (row)), value) != 0)
    gtk_editable_set_text (GTK_EDITABLE (row), value);
}

static void
dropify_preferences_window_entry_applied (DropifyPreferencesWindow *self,
                                          AdwEntryRow              *row)
{
  const char *key = row == self->device_name_row ? "device-name" : "group-secret";

  g_settings_set_string (self->settings, key, gtk_editable_get_text (GTK_EDITABLE (row)));
}

/* The port is read once, at start; say so when the setting and the port
 * in use differ. */
static void
dropify_preferences_window_sync_port (DropifyPreferencesWindow *self)
{
  guint wanted = g_settings_get_uint (self->settings, "port");
  guint in_use = dropify_server_get_port (dropify_service_get_server (self->service));
  g_autofree char *subtitle = NULL;

  if (in_use != 0 && wanted == 0)
    subtitle = g_strdup_printf (_("A free port is picked at each start; now %u"), in_use);
  else if (in_use != 0 && wanted != in_use)
    subtitle = g_strdup_printf (_("Used from the next start of Dropify; now %u"), in_use);
  else
    subtitle = g_strdup (_("Other devices connect to this port; 0 picks a free one at each start"));

  adw_action_row_set_subtitle (self->port_row, subtitle);
}

static void
dropify_preferences_window_settings_changed (DropifyPreferencesWindow *self,
                                             const char               *key,
                                             GSettings                *settings)
{
  if (g_strcmp0 (key, expiry_choice.key) == 0)
    dropify_preferences_window_sync_choice (self, self->expiry_row, &expiry_choice);
  else if (g_strcmp0 (key, text_length_choice.key) == 0)
    dropify_preferences_window_sync_choice (self, self->max_text_length_row, &text_length_choice);
  else if (g_strcmp0 (key, file_size_choice.key) == 0)
    dropify_preferences_window_sync_choice (self, self->max_file_size_row, &file_size_choice);
  else if (g_strcmp0 (key, "device-name") == 0)
    dropify_preferences_window_sync_entry (self, self->device_name_row, key);
  else if (g_strcmp0 (key, "group-secret") == 0)
    dropify_preferences_window_sync_entry (self, self->group_secret_row, key);
  else if (g_strcmp0 (key, "port") == 0)
    dropify_preferences_window_sync_port (self);
}

static void
dropify_preferences_window_connect_phone (GtkWidget  *widget,
                                          const char *action_name,
                                          GVariant   *param)
{
  DropifyPreferencesWindow *self = DROPIFY_PREFERENCES_WINDOW (widget);
  GtkWidget *dialog = dropify_phone_dialog_new (GTK_WINDOW (self), self->service);

  gtk_window_present (GTK_WINDOW (dialog));
}

/* GtkWidget */

/* A window gives its first focusable widget the focus when it is shown,
 * and an entry selects all its text when focused: the device name would
 * be replaced by the first key pressed. Start with no focus instead; Tab
 * still reaches every row. */
static void
dropify_preferences_window_show (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (dropify_preferences_window_parent_class)->show (widget);

  gtk_window_set_focus (GTK_WINDOW (widget), NULL);
}

/* GObject */

static void
dropify_preferences_window_constructed (GObject *object)
{
  DropifyPreferencesWindow *self = (DropifyPreferencesWindow *)object;

  G_OBJECT_CLASS (dropify_preferences_window_parent_class)->constructed (object);

  g_assert (DROPIFY_IS_SERVICE (self->service));

  self->settings = g_object_ref (dropify_service_get_settings (self->service));

  dropify_preferences_window_sync_entry (self, self->device_name_row, "device-name");
  dropify_preferences_window_sync_entry (self, self->group_secret_row, "group-secret");
  dropify_preferences_window_sync_choice (self, self->expiry_row, &expiry_choice);
  dropify_preferences_window_sync_choice (self, self->max_text_length_row, &text_length_choice);
  dropify_preferences_window_sync_choice (self, self->max_file_size_row, &file_size_choice);
  dropify_preferences_window_sync_port (self);

  g_settings_bind (self->settings, "auto-save-downloads",
                   self->auto_save_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "run-in-background",
                   self->background_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "phone-access",
                   self->phone_access_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "port",
                   gtk_spin_button_get_adjustment (self->port_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);

  g_signal_connect_object (self->device_name_row, "apply",
                           G_CALLBACK (dropify_preferences_window_entry_applied),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->group_secret_row, "apply",
                           G_CALLBACK (dropify_preferences_window_entry_applied),
                           self, G_CONNECT_SWAPPED);

  g_signal_connect_object (self->settings, "changed",
                           G_CALLBACK (dropify_preferences_window_settings_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->expiry_row, "notify::selected",
                           G_CALLBACK (dropify_preferences_window_choice_selected),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->max_text_length_row, "notify::selected",
                           G_CALLBACK (dropify_preferences_window_choice_selected),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->max_file_size_row, "notify::selected",
                           G_CALLBACK (dropify_preferences_window_choice_selected),
                           self, G_CONNECT_SWAPPED);
}

static void
dropify_preferences_window_dispose (GObject *object)
{
  DropifyPreferencesWindow *self = (DropifyPreferencesWindow *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), DROPIFY_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (dropify_preferences_window_parent_class)->dispose (object);
}

static void
dropify_preferences_window_finalize (GObject *object)
{
  DropifyPreferencesWindow *self = (DropifyPreferencesWindow *)object;

  g_clear_object (&self->settings);
  g_clear_object (&self->service);

  G_OBJECT_CLASS (dropify_preferences_window_parent_class)->finalize (object);
}

static void
dropify_preferences_window_get_property (GObject    *object,
                                         guint       prop_id,
                                         GValue     *value,
                                         GParamSpec *pspec)
{
  DropifyPreferencesWindow *self = DROPIFY_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_preferences_window_set_property (GObject      *object,
                                         guint         prop_id,
                                         const GValue *value,
                                         GParamSpec   *pspec)
{
  DropifyPreferencesWindow *self = DROPIFY_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_preferences_window_class_init (DropifyPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = dropify_preferences_window_constructed;
  object_class->dispose = dropify_preferences_window_dispose;
  object_class->finalize = dropify_preferences_window_finalize;
  object_class->get_property = dropify_preferences_window_get_property;
  object_class->set_property = dropify_preferences_window_set_property;

  widget_class->show = dropify_preferences_window_show;

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL,
                         DROPIFY_TYPE_SERVICE,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  expiry_choice.presets = dropify_expiry_presets (&expiry_choice.n_presets);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dropify/Dropify/ui/dropify-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DropifyPreferencesWindow, device_name_row);
  gtk_widget_class_bind_template_child (widget_class, DropifyPreferencesWindow, expiry_row);
  gtk_widget_class_bind_template_child (widget_class, DropifyPreferencesWindow, max_text_length_row);
  gtk_widget_class_bind_template_child (widget_class, DropifyPreferencesWindow, max_file_size_row);
  gtk_widget_class_bind_template_child (widget_class, DropifyPreferencesWindow, auto_save_switch);
  gtk_widget_class_bind_template_child (widget_class, DropifyPreferencesWindow, background_switch);
  gtk_widget_class_bind_template_child (widget_class, DropifyPreferencesWindow, phone_access_switch);
  gtk_widget_class_bind_template_child (widget_class, DropifyPreferencesWindow, group_secret_row);
  gtk_widget_class_bind_template_child (widget_class, DropifyPreferencesWindow, port_row);
  gtk_widget_class_bind_template_child (widget_class, DropifyPreferencesWindow, port_spin);

  gtk_widget_class_install_action (widget_class, "preferences.connect-phone", NULL,
                                   dropify_preferences_window_connect_phone);
}

static void
dropify_preferences_window_init (DropifyPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * dropify_preferences_window_new:
 * @service: the running profile, whose settings to edit; it must have
 *   settings
 *
 * Returns: (transfer floating): a new preferences window
 */
GtkWidget *
dropify_preferences_window_new (DropifyService *service)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (service), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (dropify_service_get_settings (service)), NULL);

  return g_object_new (DROPIFY_TYPE_PREFERENCES_WINDOW,
                       "service", service,
                       NULL);
}
