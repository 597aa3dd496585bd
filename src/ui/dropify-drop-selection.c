/* dropify-drop-selection.c: the drops picked in selection mode
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "dropify-drop.h"
#include "dropify-history.h"
#include "dropify-drop-selection.h"

/* Selection mode, as in Files or Photos: the window's "Select" button
 * turns it on, each row then shows a check box instead of its buttons,
 * and an action bar acts on the drops picked. This keeps which ones, by
 * id, apart from the rows, which GTK's grid view makes and reuses as it
 * scrolls: a row asks here whether its drop is picked when it is bound.
 * Leaving selection mode forgets what was picked. */

struct _DropifyDropSelection
{
  GObject     parent_instance;

  GHashTable *ids;
  gboolean    active;
};

G_DEFINE_FINAL_TYPE (DropifyDropSelection, dropify_drop_selection, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ACTIVE,
  PROP_N_SELECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
dropify_drop_selection_changed (DropifyDropSelection *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_SELECTED]);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
dropify_drop_selection_finalize (GObject *object)
{
  DropifyDropSelection *self = DROPIFY_DROP_SELECTION (object);

  g_clear_pointer (&self->ids, g_hash_table_unref);

  G_OBJECT_CLASS (dropify_drop_selection_parent_class)->finalize (object);
}

static void
dropify_drop_selection_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  DropifyDropSelection *self = DROPIFY_DROP_SELECTION (object);

  switch (prop_id)
    {
    case PROP_ACTIVE:
      g_value_set_boolean (value, self->active);
      break;

    case PROP_N_SELECTED:
      g_value_set_uint (value, g_hash_table_size (self->ids));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_drop_selection_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  DropifyDropSelection *self = DROPIFY_DROP_SELECTION (object);

  switch (prop_id)
    {
    case PROP_ACTIVE:
      dropify_drop_selection_set_active (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_drop_selection_class_init (DropifyDropSelectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dropify_drop_selection_finalize;
  object_class->get_property = dropify_drop_selection_get_property;
  object_class->set_property = dropify_drop_selection_set_property;

  /**
   * DropifyDropSelection:active:
   *
   * Whether the window is in selection mode.
   */
  properties[PROP_ACTIVE] =
    g_param_spec_boolean ("active", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  properties[PROP_N_SELECTED] =
    g_param_spec_uint ("n-selected", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE |
                        G_PARAM_EXPLICIT_NOTIFY |
                        G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DropifyDropSelection::changed:
   *
   * Drops were picked or let go, or selection mode began or ended: rows
   * show it again.
   */
  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
dropify_drop_selection_init (DropifyDropSelection *self)
{
  self->ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

DropifyDropSelection *
dropify_drop_selection_new (void)
{
  return g_object_new (DROPIFY_TYPE_DROP_SELECTION, NULL);
}

gboolean
dropify_drop_selection_get_active (DropifyDropSelection *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP_SELECTION (self), FALSE);

  return self->active;
}

/**
 * dropify_drop_selection_set_active:
 *
 * Begins or ends selection mode; either way nothing is picked.
 */
void
dropify_drop_selection_set_active (DropifyDropSelection *self,
                                   gboolean              active)
{
  g_return_if_fail (DROPIFY_IS_DROP_SELECTION (self));

  active = !!active;
  if (self->active == active)
    return;

  self->active = active;
  g_hash_table_remove_all (self->ids);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
  dropify_drop_selection_changed (self);
}

guint
dropify_drop_selection_get_n_selected (DropifyDropSelection *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP_SELECTION (self), 0);

  return g_hash_table_size (self->ids);
}

gboolean
dropify_drop_selection_contains (DropifyDropSelection *self,
                                 const char           *id)
{
  g_return_val_if_fail (DROPIFY_IS_DROP_SELECTION (self), FALSE);

  return id != NULL && g_hash_table_contains (self->ids, id);
}

/**
 * dropify_drop_selection_set_selected:
 *
 * Picks the drop @id, or lets it go. Outside selection mode, nothing is
 * picked.
 */
void
dropify_drop_selection_set_selected (DropifyDropSelection *self,
                                     const char           *id,
                                     gboolean              selected)
{
  gboolean changed;

  g_return_if_fail (DROPIFY_IS_DROP_SELECTION (self));
  g_return_if_fail (id != NULL);

  if (!self->active)
    return;

  if (selected)
    changed = g_hash_table_add (self->ids, g_strdup (id));
  else
    changed = g_hash_table_remove (self->ids, id);

  if (changed)
    dropify_drop_selection_changed (self);
}

/**
 * dropify_drop_selection_select_all:
 * @drops: (element-type DropifyDrop): the drops shown
 *
 * Picks every drop in @drops (the list as filtered by a search, so that
 * "Select All" picks what the person sees).
 */
void
dropify_drop_selection_select_all (DropifyDropSelection *self,
                                   GListModel           *drops)
{
  guint n;

  g_return_if_fail (DROPIFY_IS_DROP_SELECTION (self));
  g_return_if_fail (G_IS_LIST_MODEL (drops));

  if (!self->active)
    return;

  n = g_list_model_get_n_items (drops);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DropifyDrop) drop = g_list_model_get_item (drops, i);

      g_hash_table_add (self->ids, g_strdup (dropify_drop_get_id (drop)));
    }

  dropify_drop_selection_changed (self);
}

/**
 * dropify_drop_selection_keep_only:
 * @history: the history the drops are in
 *
 * Lets go of the picked drops that left @history (deleted on another
 * device, or expired), so that the count says what a deletion would
 * delete.
 */
void
dropify_drop_selection_keep_only (DropifyDropSelection *self,
                                  DropifyHistory       *history)
{
  GHashTableIter iter;
  const char *id;
  guint before;

  g_return_if_fail (DROPIFY_IS_DROP_SELECTION (self));
  g_return_if_fail (DROPIFY_IS_HISTORY (history));

  before = g_hash_table_size (self->ids);
  g_hash_table_iter_init (&iter, self->ids);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    if (dropify_history_lookup (history, id) == NULL)
      g_hash_table_iter_remove (&iter);

  if (g_hash_table_size (self->ids) != before)
    dropify_drop_selection_changed (self);
}

/**
 * dropify_drop_selection_dup_ids:
 *
 * Returns: (transfer full): the ids of the picked drops
 */
GStrv
dropify_drop_selection_dup_ids (DropifyDropSelection *self)
{
  g_autofree char **ids = NULL;

  g_return_val_if_fail (DROPIFY_IS_DROP_SELECTION (self), NULL);

  ids = (char **) g_hash_table_get_keys_as_array (self->ids, NULL);
  return g_strdupv (ids);
}
