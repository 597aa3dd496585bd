#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * DropifyQrTextFlags:
 * @DROPIFY_QR_TEXT_NONE: plain text; the terminal's text colour is taken
 *   as dark
 * @DROPIFY_QR_TEXT_COLOR: paint black on white with ANSI escapes, so the
 *   code reads the same on a dark terminal and on a light one
 */
typedef enum
{
  DROPIFY_QR_TEXT_NONE  = 0,
  DROPIFY_QR_TEXT_COLOR = 1 << 0,
} DropifyQrTextFlags;

/* The quiet zone around the code, in modules, as the standard asks. */
#define DROPIFY_QR_QUIET_ZONE 4

#define DROPIFY_TYPE_QR (dropify_qr_get_type ())

G_DECLARE_FINAL_TYPE (DropifyQr, dropify_qr, DROPIFY, QR, GObject)

DropifyQr  *dropify_qr_new          (const char          *text,
                                     GError             **error);
const char *dropify_qr_get_text     (DropifyQr           *self);
guint       dropify_qr_get_size     (DropifyQr           *self);
gboolean    dropify_qr_get_module   (DropifyQr           *self,
                                     guint                x,
                                     guint                y);
char       *dropify_qr_render_text  (DropifyQr           *self,
                                     DropifyQrTextFlags   flags);
GBytes     *dropify_qr_render_rgb   (DropifyQr           *self,
                                     guint                scale,
                                     guint               *width);

G_END_DECLS
