#pragma once

#include "dropify-pake.h"

G_BEGIN_DECLS

/* For the unit test, which checks the draft's test vectors: those use
 * associated data (ADa, ADb) that our protocol does not send, and
 * publish K. K must not leave this module otherwise: it is enough to
 * test passwords offline (draft-irtf-cfrg-cpace-21, "Key derivation"). */

/* LEB128 needs at most 10 bytes for a 64-bit length. */
#define DROPIFY_PAKE_LENGTH_MAX 10

DropifyPake  *dropify_pake_new_full            (gboolean        initiator,
                                                const guint8   *prs,
                                                gsize           prs_len,
                                                const guint8   *ci,
                                                gsize           ci_len,
                                                const guint8   *sid,
                                                gsize           sid_len,
                                                const guint8   *ada,
                                                gsize           ada_len,
                                                const guint8   *adb,
                                                gsize           adb_len,
                                                const guint8   *scalar);
gsize         dropify_pake_encode_length       (gsize           len,
                                                guint8          out[DROPIFY_PAKE_LENGTH_MAX]);
const guint8 *dropify_pake_get_shared_point    (DropifyPake    *self);

G_END_DECLS
