#define G_LOG_DOMAIN "dropify-qr"

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <qrencode.h>

#include "dropify-qr.h"

/* A QR code as a square bit matrix, made once by libqrencode. The window
 * draws it as a texture (render_rgb), the command line as text. */

struct _DropifyQr
{
  GObject  parent_instance;
  char    *text;
  guint8  *modules;   /* size × size, row by row; 1 is dark */
  guint    size;
};

G_DEFINE_FINAL_TYPE (DropifyQr, dropify_qr, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TEXT,
  PROP_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* GObject */

static void
dropify_qr_finalize (GObject *object)
{
  DropifyQr *self = (DropifyQr *)object;

  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->modules, g_free);

  G_OBJECT_CLASS (dropify_qr_parent_class)->finalize (object);
}

static void
dropify_qr_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  DropifyQr *self = DROPIFY_QR (object);

  switch (prop_id)
    {
    case PROP_TEXT: g_value_set_string (value, self->text); break;
    case PROP_SIZE: g_value_set_uint (value, self->size); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_qr_class_init (DropifyQrClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dropify_qr_finalize;
  object_class->get_property = dropify_qr_get_property;

  /**
   * DropifyQr:text:
   *
   * The text the code holds.
   */
  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * DropifyQr:size:
   *
   * The number of modules on a side, without the quiet zone.
   */
  properties[PROP_SIZE] =
    g_param_spec_uint ("size", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dropify_qr_init (DropifyQr *self)
{
}

/**
 * dropify_qr_new:
 * @text: what to encode, such as the phone page's URL
 *
 * Encodes @text as bytes, with error correction level M (15%), which
 * still reads from a slightly blurry photo of a screen.
 *
 * Returns: (transfer full): the code, or %NULL with @error set when @text
 *   is too long for a QR code
 */
DropifyQr *
dropify_qr_new (const char  *text,
                GError     **error)
{
  g_autoptr(DropifyQr) self = NULL;
  QRcode *code;

  g_return_val_if_fail (text != NULL, NULL);

  errno = 0;
  code = QRcode_encodeString8bit (text, 0, QR_ECLEVEL_M);
  if (code == NULL)
    {
      int saved_errno = errno;

      if (saved_errno == ERANGE || saved_errno == EINVAL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                             _("The text is too long for a QR code"));
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                     _("Could not make a QR code: %s"), g_strerror (saved_errno));
      return NULL;
    }

  self = g_object_new (DROPIFY_TYPE_QR, NULL);
  self->text = g_strdup (text);
  self->size = (guint) code->width;
  self->modules = g_malloc ((gsize) self->size * self->size);

  /* libqrencode packs flags in the upper bits; bit 0 is the colour. */
  for (guint i = 0; i < self->size * self->size; i++)
    self->modules[i] = code->data[i] & 1;

  QRcode_free (code);

  return g_steal_pointer (&self);
}

const char *
dropify_qr_get_text (DropifyQr *self)
{
  g_return_val_if_fail (DROPIFY_IS_QR (self), NULL);
  return self->text;
}

/**
 * dropify_qr_get_size:
 *
 * Returns: the number of modules on a side, without the quiet zone
 */
guint
dropify_qr_get_size (DropifyQr *self)
{
  g_return_val_if_fail (DROPIFY_IS_QR (self), 0);
  return self->size;
}

/**
 * dropify_qr_get_module:
 * @x: the column, from 0
 * @y: the row, from 0
 *
 * Returns: %TRUE if the module is dark; %FALSE outside the code
 */
gboolean
dropify_qr_get_module (DropifyQr *self,
                       guint      x,
                       guint      y)
{
  g_return_val_if_fail (DROPIFY_IS_QR (self), FALSE);

  if (x >= self->size || y >= self->size)
    return FALSE;

  return self->modules[(gsize) y * self->size + x];
}

/* Like get_module(), in coordinates that include the quiet zone. */
static gboolean
module_with_margin (DropifyQr *self,
                    int        x,
                    int        y)
{
  x -= DROPIFY_QR_QUIET_ZONE;
  y -= DROPIFY_QR_QUIET_ZONE;

  if (x < 0 || y < 0)
    return FALSE;

  return dropify_qr_get_module (self, (guint) x, (guint) y);
}

/**
 * dropify_qr_render_text:
 * @flags: how to paint it
 *
 * Draws the code, with its quiet zone, for a terminal: each character is
 * one module wide and two high (upper and lower half blocks), so the
 * modules come out about square in a terminal font.
 *
 * Returns: (transfer full): UTF-8 lines, each ending in a newline
 */
char *
dropify_qr_render_text (DropifyQr          *self,
                        DropifyQrTextFlags  flags)
{
  g_autoptr(GString) out = NULL;
  int full;

  g_return_val_if_fail (DROPIFY_IS_QR (self), NULL);

  full = (int) self->size + 2 * DROPIFY_QR_QUIET_ZONE;
  out = g_string_sized_new ((gsize) (full + 2) / 2 * ((gsize) full * 3 + 16));

  for (int y = 0; y < full; y += 2)
    {
      /* Black text on a bright white background, whatever the theme. */
      if (flags & DROPIFY_QR_TEXT_COLOR)
        g_string_append (out, "\033[30;107m");

      for (int x = 0; x < full; x++)
        {
          gboolean top = module_with_margin (self, x, y);
          gboolean bottom = y + 1 < full && module_with_margin (self, x, y + 1);

          if (top && bottom)
            g_string_append (out, "█");
          else if (top)
            g_string_append (out, "▀");
          else if (bottom)
            g_string_append (out, "▄");
          else
            g_string_append_c (out, ' ');
        }

      if (flags & DROPIFY_QR_TEXT_COLOR)
        g_string_append (out, "\033[0m");
      g_string_append_c (out, '\n');
    }

  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * dropify_qr_render_rgb:
 * @scale: pixels per module, at least 1
 * @width: (out): the width and height of the image, in pixels
 *
 * Draws the code with its quiet zone as black on white, 8-bit RGB pixels
 * with no padding: ready for `gdk_memory_texture_new (width, width,
 * GDK_MEMORY_R8G8B8, bytes, width * 3)`.
 *
 * Returns: (transfer full): the pixels
 */
GBytes *
dropify_qr_render_rgb (DropifyQr *self,
                       guint      scale,
                       guint     *width)
{
  guint full;
  gsize stride;
  guint8 *pixels;

  g_return_val_if_fail (DROPIFY_IS_QR (self), NULL);
  g_return_val_if_fail (scale > 0 && scale <= 64, NULL);
  g_return_val_if_fail (width != NULL, NULL);

  full = (self->size + 2 * DROPIFY_QR_QUIET_ZONE) * scale;
  stride = (gsize) full * 3;
  pixels = g_malloc (stride * full);
  memset (pixels, 0xff, stride * full);

  for (guint y = 0; y < full; y++)
    for (guint x = 0; x < full; x++)
      if (module_with_margin (self, (int) (x / scale), (int) (y / scale)))
        memset (pixels + y * stride + x * 3, 0, 3);

  *width = full;
  return g_bytes_new_take (pixels, stride * full);
}
