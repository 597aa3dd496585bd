/* dropify-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-preferences-window"

#include "config.h"

#include <stdint.h>

#include <glib/gi18n.h>

#include "dropify-preferences-window.h"

#define MINUTE (G_GUINT64_CONSTANT (60))
#define HOUR   (60 * MINUTE)
#define DAY    (24 * HOUR)
#define MIB    (G_GUINT64_CONSTANT (1024) * 1024)
#define GIB    (1024 * MIB)

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

  GSettings            *settings;
  gboolean              syncing;

  /* Template widgets */
  AdwEntryRow          *device_name_row;
  AdwComboRow          *expiry_row;
  AdwComboRow          *max_file_size_row;
};

G_DEFINE_FINAL_TYPE (DropifyPreferencesWindow, dropify_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Up to two days count in hours, as people say "24 hours" and not "1 day"
 * for how long something lasts. */
static char *
format_duration (uint64_t seconds)
{
  if (seconds >= 2 * DAY && seconds % DAY == 0)
    return g_strdup_printf (ngettext ("%u day", "%u days", (unsigned long) (seconds / DAY)),
                            (unsigned) (seconds / DAY));

  if (seconds % HOUR == 0)
    return g_strdup_printf (ngettext ("%u hour", "%u hours", (unsigned long) (seconds / HOUR)),
                            (unsigned) (seconds / HOUR));

  if (seconds % MINUTE == 0)
    return g_strdup_printf (ngettext ("%u minute", "%u minutes", (unsigned long) (seconds / MINUTE)),
                            (unsigned) (seconds / MINUTE));

  return g_strdup_printf (ngettext ("%u second", "%u seconds", (unsigned long) seconds),
                          (unsigned) seconds);
}

static char *
format_file_size (uint64_t bytes)
{
  /* Translators: a file size in gibibytes, as in "4 GiB" */
  if (bytes % GIB == 0)
    return g_strdup_printf (_("%u GiB"), (unsigned) (bytes / GIB));

  /* Translators: a file size in mebibytes, as in "100 MiB" */
  if (bytes % MIB == 0)
    return g_strdup_printf (_("%u MiB"), (unsigned) (bytes / MIB));

  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

static const uint64_t expiry_presets[] = {
  10 * MINUTE, HOUR, 24 * HOUR, 7 * DAY, 30 * DAY,
};

static const uint64_t file_size_presets[] = {
  100 * MIB, GIB, 4 * GIB, 16 * GIB, 64 * GIB,
};

static const Choice expiry_choice = {
  "default-ttl", expiry_presets, G_N_ELEMENTS (expiry_presets), format_duration,
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

  choice = row == self->expiry_row ? &expiry_choice : &file_size_choice;
  selected = adw_combo_row_get_selected (row);

  /* The extra item is the value already in effect. */
  if (selected < choice->n_presets)
    settings_set_number (self->settings, choice->key, choice->presets[selected]);
}

static void
dropify_preferences_window_settings_changed (DropifyPreferencesWindow *self,
                                             const char               *key,
                                             GSettings                *settings)
{
  if (g_strcmp0 (key, expiry_choice.key) == 0)
    dropify_preferences_window_sync_choice (self, self->expiry_row, &expiry_choice);
  else if (g_strcmp0 (key, file_size_choice.key) == 0)
    dropify_preferences_window_sync_choice (self, self->max_file_size_row, &file_size_choice);
}

/* GObject */

static void
dropify_preferences_window_constructed (GObject *object)
{
  DropifyPreferencesWindow *self = (DropifyPreferencesWindow *)object;

  G_OBJECT_CLASS (dropify_preferences_window_parent_class)->constructed (object);

  g_assert (G_IS_SETTINGS (self->settings));

  g_settings_bind (self->settings, "device-name",
                   self->device_name_row, "text",
                   G_SETTINGS_BIND_DEFAULT);

  dropify_preferences_window_sync_choice (self, self->expiry_row, &expiry_choice);
  dropify_preferences_window_sync_choice (self, self->max_file_size_row, &file_size_choice);

  g_signal_connect_object (self->settings, "changed",
                           G_CALLBACK (dropify_preferences_window_settings_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->expiry_row, "notify::selected",
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
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
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
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
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

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dropify/Dropify/ui/dropify-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DropifyPreferencesWindow, device_name_row);
  gtk_widget_class_bind_template_child (widget_class, DropifyPreferencesWindow, expiry_row);
  gtk_widget_class_bind_template_child (widget_class, DropifyPreferencesWindow, max_file_size_row);
}

static void
dropify_preferences_window_init (DropifyPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * dropify_preferences_window_new:
 * @settings: the settings of the profile to edit
 *
 * Returns: (transfer floating): a new preferences window
 */
GtkWidget *
dropify_preferences_window_new (GSettings *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (DROPIFY_TYPE_PREFERENCES_WINDOW,
                       "settings", settings,
                       NULL);
}
