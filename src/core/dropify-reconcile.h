#pragma once

#include <glib-object.h>
#include <stdint.h>

#include "dropify-protocol.h"

G_BEGIN_DECLS

/**
 * DropifyReconcileEntry:
 * @id: the drop's id
 * @key: hex(SHA-256(@id)), 64 digits
 * @expires_at: when the drop expires (or would have, for a tombstone)
 * @live: %TRUE for a live drop, %FALSE for a tombstone
 *
 * One entry under a prefix, as returned by dropify_reconcile_collect().
 */
typedef struct
{
  char     *id;
  char      key[65];
  int64_t   expires_at;
  gboolean  live;
} DropifyReconcileEntry;

#define DROPIFY_TYPE_RECONCILE (dropify_reconcile_get_type ())

G_DECLARE_FINAL_TYPE (DropifyReconcile, dropify_reconcile, DROPIFY, RECONCILE, GObject)

DropifyReconcile *dropify_reconcile_new           (void);
void              dropify_reconcile_add           (DropifyReconcile *self,
                                                   const char       *id,
                                                   gboolean          live,
                                                   int64_t           expires_at);
gboolean          dropify_reconcile_remove        (DropifyReconcile *self,
                                                   const char       *id,
                                                   gboolean          live);
void              dropify_reconcile_add_targeted  (DropifyReconcile *self,
                                                   const char       *id,
                                                   int64_t           expires_at,
                                                   const char * const *holders);
void              dropify_reconcile_clear         (DropifyReconcile *self);
guint             dropify_reconcile_get_n_entries (DropifyReconcile *self);
guint             dropify_reconcile_count         (DropifyReconcile *self,
                                                   const char       *prefix);
void              dropify_reconcile_get_buckets   (DropifyReconcile *self,
                                                   const char       *prefix,
                                                   DropifyBucket     buckets[DROPIFY_PROTOCOL_FANOUT]);
GArray           *dropify_reconcile_collect       (DropifyReconcile *self,
                                                   const char       *prefix,
                                                   int64_t           now);
void              dropify_reconcile_get_buckets_for (DropifyReconcile *self,
                                                     const char       *viewer,
                                                     const char       *prefix,
                                                     DropifyBucket     buckets[DROPIFY_PROTOCOL_FANOUT]);
guint             dropify_reconcile_count_for     (DropifyReconcile *self,
                                                   const char       *viewer,
                                                   const char       *prefix);
GArray           *dropify_reconcile_collect_for   (DropifyReconcile *self,
                                                   const char       *viewer,
                                                   const char       *prefix,
                                                   int64_t           now);
guint64           dropify_reconcile_get_work      (DropifyReconcile *self);

G_END_DECLS
