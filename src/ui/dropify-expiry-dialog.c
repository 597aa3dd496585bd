/* dropify-expiry-dialog.c: "Change Expiry…" for a drop in the history.
 *
 * No device ever extends a drop's expiry (docs/protocol.md §9), so a new
 * lifetime means a new drop: the dialog says so, and offers the same
 * lifetimes as the default in Preferences.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-expiry-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "dropify-drop-actions.h"
#include "dropify-expiry-dialog.h"

#define MINUTE (G_GUINT64_CONSTANT (60))
#define HOUR   (60 * MINUTE)
#define DAY    (24 * HOUR)

struct _DropifyExpiryDialog
{
  AdwMessageDialog  parent_instance;

  DropifyDrop      *drop;

  /* Template widgets */
  AdwComboRow      *lifetime_row;
};

G_DEFINE_FINAL_TYPE (DropifyExpiryDialog, dropify_expiry_dialog, ADW_TYPE_MESSAGE_DIALOG)

static const uint64_t presets[] = {
  10 * MINUTE, HOUR, 24 * HOUR, 7 * DAY, 30 * DAY,
};

/**
 * dropify_expiry_presets:
 * @n_presets: (out): how many there are
 *
 * The lifetimes a drop is offered, in seconds, shortest first: for the
 * default in Preferences and for Change Expiry alike.
 *
 * Returns: (array length=n_presets): the lifetimes
 */
const uint64_t *
dropify_expiry_presets (guint *n_presets)
{
  g_return_val_if_fail (n_presets != NULL, NULL);

  *n_presets = G_N_ELEMENTS (presets);
  return presets;
}

/**
 * dropify_expiry_format_duration:
 * @seconds: a lifetime
 *
 * Up to two days count in hours, as people say "24 hours" and not
 * "1 day" for how long something lasts.
 *
 * Returns: (transfer full): "10 minutes", "24 hours", "7 days"
 */
char *
dropify_expiry_format_duration (uint64_t seconds)
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

/* GObject */

static void
dropify_expiry_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), DROPIFY_TYPE_EXPIRY_DIALOG);

  G_OBJECT_CLASS (dropify_expiry_dialog_parent_class)->dispose (object);
}

static void
dropify_expiry_dialog_finalize (GObject *object)
{
  DropifyExpiryDialog *self = DROPIFY_EXPIRY_DIALOG (object);

  g_clear_object (&self->drop);

  G_OBJECT_CLASS (dropify_expiry_dialog_parent_class)->finalize (object);
}

static void
dropify_expiry_dialog_class_init (DropifyExpiryDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dropify_expiry_dialog_dispose;
  object_class->finalize = dropify_expiry_dialog_finalize;

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/dropify/Dropify/ui/dropify-expiry-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, DropifyExpiryDialog, lifetime_row);
}

static void
dropify_expiry_dialog_init (DropifyExpiryDialog *self)
{
  g_autoptr(GtkStringList) lifetimes = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    {
      g_autofree char *text = dropify_expiry_format_duration (presets[i]);

      gtk_string_list_append (lifetimes, text);
    }
  adw_combo_row_set_model (self->lifetime_row, G_LIST_MODEL (lifetimes));
}

/**
 * dropify_expiry_dialog_new:
 * @parent: (nullable): the window it belongs to
 * @drop: the drop to give a new lifetime
 * @default_ttl_s: the lifetime chosen at first, in seconds; the nearest
 *   preset at or above it (the longest if none is)
 *
 * Returns: (transfer floating): a dialog whose "change" response means
 *   "drop @drop again living dropify_expiry_dialog_get_ttl(), and delete
 *   it everywhere"
 */
GtkWidget *
dropify_expiry_dialog_new (GtkWindow   *parent,
                           DropifyDrop *drop,
                           uint64_t     default_ttl_s)
{
  DropifyExpiryDialog *self;
  g_autofree char *name = NULL;
  g_autofree char *body = NULL;
  guint selected = G_N_ELEMENTS (presets) - 1;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (DROPIFY_IS_DROP (drop), NULL);

  self = g_object_new (DROPIFY_TYPE_EXPIRY_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       NULL);
  self->drop = g_object_ref (drop);

  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    if (presets[i] >= default_ttl_s)
      {
        selected = i;
        break;
      }
  adw_combo_row_set_selected (self->lifetime_row, selected);

  name = dropify_drop_dup_short_name (drop);
  if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_FILE)
    /* Translators: the Change Expiry dialog's text; %s is a file's name */
    body = g_strdup_printf (_("A drop’s expiry can’t be changed on the devices that have it. "
                              "Dropify drops “%s” again for the same devices, to expire after "
                              "the time chosen here, then deletes this drop everywhere. "
                              "The file is not sent again."), name);
  else
    /* Translators: the Change Expiry dialog's text; %s is the start of a
     * text */
    body = g_strdup_printf (_("A drop’s expiry can’t be changed on the devices that have it. "
                              "Dropify drops “%s” again for the same devices, to expire after "
                              "the time chosen here, then deletes this drop everywhere."), name);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self), body);

  return GTK_WIDGET (self);
}

/**
 * dropify_expiry_dialog_get_drop:
 *
 * Returns: (transfer none): the drop to give a new lifetime
 */
DropifyDrop *
dropify_expiry_dialog_get_drop (DropifyExpiryDialog *self)
{
  g_return_val_if_fail (DROPIFY_IS_EXPIRY_DIALOG (self), NULL);

  return self->drop;
}

/**
 * dropify_expiry_dialog_get_ttl:
 *
 * Returns: the lifetime chosen, in milliseconds
 */
int64_t
dropify_expiry_dialog_get_ttl (DropifyExpiryDialog *self)
{
  guint selected;

  g_return_val_if_fail (DROPIFY_IS_EXPIRY_DIALOG (self), 0);

  selected = adw_combo_row_get_selected (self->lifetime_row);
  if (selected >= G_N_ELEMENTS (presets))
    selected = G_N_ELEMENTS (presets) - 1;

  return (int64_t) presets[selected] * 1000;
}
