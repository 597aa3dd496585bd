#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/**
 * DropifyDropKind:
 * @DROPIFY_DROP_KIND_TEXT: a text snippet
 * @DROPIFY_DROP_KIND_FILE: a file, stored by its SHA-256 in the blob store
 */
typedef enum
{
  DROPIFY_DROP_KIND_TEXT,
  DROPIFY_DROP_KIND_FILE,
} DropifyDropKind;

/**
 * DropifyHolding:
 * @DROPIFY_HOLDING_DROP: the device holds the drop itself
 * @DROPIFY_HOLDING_CONTENT: the device holds the drop's file content
 *
 * What a device is known to hold of a drop (docs/protocol.md §11.8).
 */
typedef enum
{
  DROPIFY_HOLDING_DROP,
  DROPIFY_HOLDING_CONTENT,
} DropifyHolding;

/**
 * DropifyHolder:
 * @device_id: the device, one of this device's paired devices
 * @drop: whether it holds the drop
 * @content: whether it holds the drop's content (file drops)
 * @since: when this device first learned either, µs since the epoch
 */
typedef struct
{
  char     *device_id;
  gboolean  drop;
  gboolean  content;
  int64_t   since;
} DropifyHolder;

/* The most devices recorded as holding one drop: as many as can be
 * paired in practice, and a bound on what a history keeps per drop. */
#define DROPIFY_DROP_MAX_HOLDERS 32

/* The most devices one drop may be sent to (docs/protocol.md §4.4). */
#define DROPIFY_DROP_MAX_AUDIENCE 16

#define DROPIFY_TYPE_DROP (dropify_drop_get_type ())

G_DECLARE_FINAL_TYPE (DropifyDrop, dropify_drop, DROPIFY, DROP, GObject)

DropifyDrop     *dropify_drop_new_text         (const char   *id,
                                                const char   *origin,
                                                const char   *origin_name,
                                                const char   *text,
                                                int64_t       created_at,
                                                int64_t       expires_at);
DropifyDrop     *dropify_drop_new_file         (const char   *id,
                                                const char   *origin,
                                                const char   *origin_name,
                                                const char   *name,
                                                const char   *mime,
                                                uint64_t      size,
                                                const char   *sha256,
                                                int64_t       created_at,
                                                int64_t       expires_at);
const char      *dropify_drop_get_id           (DropifyDrop  *self);
DropifyDropKind  dropify_drop_get_kind         (DropifyDrop  *self);
const char      *dropify_drop_get_text         (DropifyDrop  *self);
const char      *dropify_drop_get_name         (DropifyDrop  *self);
const char      *dropify_drop_get_mime         (DropifyDrop  *self);
uint64_t         dropify_drop_get_size         (DropifyDrop  *self);
const char      *dropify_drop_get_sha256       (DropifyDrop  *self);
const char      *dropify_drop_get_origin       (DropifyDrop  *self);
const char      *dropify_drop_get_origin_name  (DropifyDrop  *self);
int64_t          dropify_drop_get_created_at   (DropifyDrop  *self);
int64_t          dropify_drop_get_expires_at   (DropifyDrop  *self);
gboolean         dropify_drop_get_complete     (DropifyDrop  *self);
void             dropify_drop_set_complete     (DropifyDrop  *self,
                                                gboolean      complete);
const char      *dropify_drop_get_path         (DropifyDrop  *self);
void             dropify_drop_set_path         (DropifyDrop  *self,
                                                const char   *path);
uint64_t         dropify_drop_get_received     (DropifyDrop  *self);
void             dropify_drop_set_received     (DropifyDrop  *self,
                                                uint64_t      received);
gboolean         dropify_drop_is_expired       (DropifyDrop  *self,
                                                int64_t       now);
const char * const *dropify_drop_get_audience (DropifyDrop  *self);
void             dropify_drop_set_audience     (DropifyDrop  *self,
                                                const char * const *audience);
gboolean         dropify_drop_is_targeted      (DropifyDrop  *self);
gboolean         dropify_drop_is_for           (DropifyDrop  *self,
                                                const char   *device_id);
GPtrArray       *dropify_drop_get_holders      (DropifyDrop  *self);
gboolean         dropify_drop_add_holder       (DropifyDrop  *self,
                                                const char   *device_id,
                                                DropifyHolding what,
                                                int64_t       since);
gboolean         dropify_drop_remove_holder    (DropifyDrop  *self,
                                                const char   *device_id);
JsonNode        *dropify_drop_to_json          (DropifyDrop  *self);
char            *dropify_drop_sanitize_name    (const char   *name);

char           **dropify_drop_audience_normalize (const char * const *audience,
                                                  GError            **error);
char            *dropify_drop_audience_tag       (const char * const *audience);
char            *dropify_drop_new_id             (const char * const *audience);
gboolean         dropify_drop_id_fits_audience   (const char         *id,
                                                  const char * const *audience);

G_END_DECLS
