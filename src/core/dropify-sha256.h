#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DropifySha256 DropifySha256;

DropifySha256 *dropify_sha256_new        (void);
void           dropify_sha256_update     (DropifySha256 *self,
                                          const void    *data,
                                          gsize          length);
char          *dropify_sha256_finish_hex (DropifySha256 *self);
void           dropify_sha256_reset      (DropifySha256 *self);
void           dropify_sha256_free       (DropifySha256 *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DropifySha256, dropify_sha256_free)

G_END_DECLS
