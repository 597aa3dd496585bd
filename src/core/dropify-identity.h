#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DROPIFY_TYPE_IDENTITY (dropify_identity_get_type ())

G_DECLARE_FINAL_TYPE (DropifyIdentity, dropify_identity, DROPIFY, IDENTITY, GObject)

DropifyIdentity *dropify_identity_new              (const char       *data_dir,
                                                    GError          **error);
const char      *dropify_identity_get_device_id    (DropifyIdentity  *self);
gboolean         dropify_identity_is_own_id        (DropifyIdentity  *self,
                                                    const char       *id);
const char      *dropify_identity_get_name         (DropifyIdentity  *self);
void             dropify_identity_set_name         (DropifyIdentity  *self,
                                                    const char       *name);
char            *dropify_identity_dup_default_name (void);
GTlsCertificate *dropify_identity_get_certificate  (DropifyIdentity  *self);
const char      *dropify_identity_get_fingerprint  (DropifyIdentity  *self);
char            *dropify_certificate_fingerprint   (GTlsCertificate  *certificate);
char            *dropify_certificate_device_id     (GTlsCertificate  *certificate);

G_END_DECLS
