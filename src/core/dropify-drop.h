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
JsonNode        *dropify_drop_to_json          (DropifyDrop  *self);
char            *dropify_drop_sanitize_name    (const char   *name);

char           **dropify_drop_audience_normalize (const char * const *audience,
                                                  GError            **error);
char            *dropify_drop_audience_tag       (const char * const *audience);
char            *dropify_drop_new_id             (const char * const *audience);
gboolean         dropify_drop_id_fits_audience   (const char         *id,
                                                  const char * const *audience);

G_END_DECLS
