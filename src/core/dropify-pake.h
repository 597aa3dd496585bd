#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DROPIFY_PAKE_SHARE_LEN   32
#define DROPIFY_PAKE_KEY_LEN     64
#define DROPIFY_PAKE_TAG_LEN     32
#define DROPIFY_PAKE_SCALAR_LEN  32
/* The session id must be unique per run; 16 random bytes make it so. */
#define DROPIFY_PAKE_MIN_SID_LEN 16

#define DROPIFY_PAKE_ERROR (dropify_pake_error_quark ())

typedef enum
{
  DROPIFY_PAKE_ERROR_WRONG_LENGTH,   /* the peer's share is not 32 bytes */
  DROPIFY_PAKE_ERROR_INVALID_POINT,  /* not a canonical ristretto255 encoding */
  DROPIFY_PAKE_ERROR_IDENTITY,       /* the neutral element, or a share that leads to it */
} DropifyPakeError;

typedef struct _DropifyPake DropifyPake;

GQuark        dropify_pake_error_quark     (void);
gboolean      dropify_pake_init            (void);
DropifyPake  *dropify_pake_new             (gboolean        initiator,
                                            const guint8   *prs,
                                            gsize           prs_len,
                                            const guint8   *ci,
                                            gsize           ci_len,
                                            const guint8   *sid,
                                            gsize           sid_len);
DropifyPake  *dropify_pake_new_with_scalar (gboolean        initiator,
                                            const guint8   *prs,
                                            gsize           prs_len,
                                            const guint8   *ci,
                                            gsize           ci_len,
                                            const guint8   *sid,
                                            gsize           sid_len,
                                            const guint8    scalar[DROPIFY_PAKE_SCALAR_LEN]);
const guint8 *dropify_pake_get_share       (DropifyPake    *self);
gboolean      dropify_pake_set_peer_share  (DropifyPake    *self,
                                            const guint8   *share,
                                            gsize           len,
                                            GError        **error);
const guint8 *dropify_pake_get_key         (DropifyPake    *self);
void          dropify_pake_get_tag         (DropifyPake    *self,
                                            gboolean        initiator_tag,
                                            guint8          out[DROPIFY_PAKE_TAG_LEN]);
gboolean      dropify_pake_check_tag       (DropifyPake    *self,
                                            gboolean        initiator_tag,
                                            const guint8   *tag,
                                            gsize           len);
void          dropify_pake_free            (DropifyPake    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DropifyPake, dropify_pake_free)

G_END_DECLS
