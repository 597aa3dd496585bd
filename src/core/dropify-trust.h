#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  DROPIFY_TRUST_PAIRED,
  DROPIFY_TRUST_GROUP,
} DropifyTrustHow;

#define DROPIFY_TYPE_TRUST (dropify_trust_get_type ())

G_DECLARE_FINAL_TYPE (DropifyTrust, dropify_trust, DROPIFY, TRUST, GObject)

DropifyTrust *dropify_trust_new             (const char       *data_dir,
                                             GError          **error);
const char   *dropify_trust_lookup          (DropifyTrust     *self,
                                             const char       *device_id);
char         *dropify_trust_dup_name        (DropifyTrust     *self,
                                             const char       *device_id);
gboolean      dropify_trust_add             (DropifyTrust     *self,
                                             const char       *device_id,
                                             const char       *fingerprint,
                                             const char       *name,
                                             DropifyTrustHow   how,
                                             GError          **error);
gboolean      dropify_trust_remove          (DropifyTrust     *self,
                                             const char       *device_id,
                                             GError          **error);
gboolean      dropify_trust_adopt           (DropifyTrust     *self,
                                             const char       *device_id,
                                             const char       *fingerprint,
                                             GError          **error);
gboolean      dropify_trust_is_unpaired     (DropifyTrust     *self,
                                             const char       *device_id);
GStrv         dropify_trust_list            (DropifyTrust     *self);
gboolean      dropify_trust_equal           (const char       *a,
                                             const char       *b);

G_END_DECLS
