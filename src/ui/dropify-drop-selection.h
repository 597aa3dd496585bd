#pragma once

#include <gio/gio.h>

#include "dropify-history.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_DROP_SELECTION (dropify_drop_selection_get_type ())

G_DECLARE_FINAL_TYPE (DropifyDropSelection, dropify_drop_selection, DROPIFY, DROP_SELECTION, GObject)

DropifyDropSelection *dropify_drop_selection_new          (void);
gboolean              dropify_drop_selection_get_active   (DropifyDropSelection *self);
void                  dropify_drop_selection_set_active   (DropifyDropSelection *self,
                                                           gboolean              active);
guint                 dropify_drop_selection_get_n_selected (DropifyDropSelection *self);
gboolean              dropify_drop_selection_contains     (DropifyDropSelection *self,
                                                           const char           *id);
void                  dropify_drop_selection_set_selected (DropifyDropSelection *self,
                                                           const char           *id,
                                                           gboolean              selected);
void                  dropify_drop_selection_select_all   (DropifyDropSelection *self,
                                                           GListModel           *drops);
void                  dropify_drop_selection_keep_only    (DropifyDropSelection *self,
                                                           DropifyHistory       *history);
GStrv                 dropify_drop_selection_dup_ids      (DropifyDropSelection *self);

G_END_DECLS
