/* dropify-lazy-label.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-lazy-label"

#include "config.h"

#include <string.h>

#include "dropify-lazy-label.h"

/**
 * DropifyLazyLabel:
 *
 * Holds one wrapping #GtkLabel and gives it the size its text will take
 * without laying the text out: from the advance of each character in the
 * label's font, measured once per font, and a greedy line break.
 *
 * The history's grid view keeps some 30 rows around what it shows (GTK
 * 4.8's list view kept 200), and measures every row it binds, so a jump
 * in a long history lays out the text of every row it binds in a frame, which is what made dragging the scrollbar
 * slow. With the size estimated, only the rows that are drawn lay their
 * text out. A row is drawn only when it is in view: there the label is
 * measured for real once, and if the estimate was wrong (a font with
 * kerning, a line break Pango places elsewhere) the exact size is kept
 * and the label is sized again, one frame later.
 */

/* Estimates that turned out wrong, kept so that a drop seen again is
 * sized right at once; a bounded cache, emptied when full. */
#define MAX_CORRECTIONS 4096

/* One line, two, … up to this many are measured for each font; more
 * lines are extrapolated. */
#define MEASURED_LINES 4

struct _DropifyLazyLabel
{
  GtkWidget  parent_instance;

  GtkLabel  *label;

  /* What it was last allocated for, and whether the label was measured
   * for real since, where it was drawn. */
  uint64_t   key;
  int        width;
  int        height;
  gboolean   checked;
  guint      resize_tick;
};

static void dropify_lazy_label_buildable_init (GtkBuildableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DropifyLazyLabel, dropify_lazy_label, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_BUILDABLE,
                                                      dropify_lazy_label_buildable_init))

static GtkBuildableIface *parent_buildable_iface;

/* The sizes of one font, in Pango units for advances and pixels for
 * heights. */
typedef struct
{
  int ascii[128];          /* the advance of each printable ASCII character */
  int other;               /* of any other character */
  int lines[MEASURED_LINES + 1];   /* the height of 1, 2, … lines */
} FontSizes;

typedef struct
{
  int minimum;
  int natural;
} Height;

/* The size a text was found to take at a width. */
typedef struct
{
  int    width;
  Height height;
} Correction;

static GHashTable *font_sizes;   /* font description hash → FontSizes */
static GHashTable *corrections;  /* text_key() → Correction */
static guint       n_misses;

/* Sizes */

static FontSizes *
measure_font (GtkLabel *label)
{
  GtkWidget *widget = GTK_WIDGET (label);
  PangoContext *context = gtk_widget_get_pango_context (widget);
  const PangoFontDescription *description = pango_context_get_font_description (context);
  g_autoptr(PangoLayout) layout = NULL;
  g_autoptr(GString) lines = g_string_new ("X");
  PangoFontMetrics *metrics;
  PangoLayoutIter *iter;
  FontSizes *sizes;
  char ascii[96];
  guint hash;

  hash = description != NULL ? pango_font_description_hash (description) : 0;
  if (font_sizes == NULL)
    font_sizes = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  if ((sizes = g_hash_table_lookup (font_sizes, GUINT_TO_POINTER (hash))) != NULL)
    return sizes;

  sizes = g_new0 (FontSizes, 1);

  for (int c = 32; c < 127; c++)
    ascii[c - 32] = (char) c;
  ascii[127 - 32] = '\0';

  /* The label's own font and CSS attributes: one layout of every
   * printable ASCII character, each glyph's advance credited to the
   * character it came from. */
  layout = gtk_widget_create_pango_layout (widget, ascii);
  iter = pango_layout_get_iter (layout);
  do
    {
      PangoLayoutRun *run = pango_layout_iter_get_run_readonly (iter);

      if (run == NULL)
        continue;

      for (int i = 0; i < run->glyphs->num_glyphs; i++)
        {
          int offset = run->item->offset + run->glyphs->log_clusters[i];

          if (offset >= 0 && offset < 95)
            sizes->ascii[offset + 32] += run->glyphs->glyphs[i].geometry.width;
        }
    }
  while (pango_layout_iter_next_run (iter));
  pango_layout_iter_free (iter);

  metrics = pango_context_get_metrics (context, description, NULL);
  sizes->other = pango_font_metrics_get_approximate_char_width (metrics);
  pango_font_metrics_unref (metrics);

  for (int n = 1; n <= MEASURED_LINES; n++)
    {
      int height;

      if (n > 1)
        g_string_append (lines, "\nX");
      pango_layout_set_text (layout, lines->str, -1);
      pango_layout_get_pixel_size (layout, NULL, &height);
      sizes->lines[n] = height;
    }

  g_hash_table_insert (font_sizes, GUINT_TO_POINTER (hash), sizes);

  return sizes;
}

static int
char_advance (const FontSizes *sizes,
              gunichar         c)
{
  if (c >= 32 && c < 127)
    return sizes->ascii[c];
  if (c == 0x00a0)
    return sizes->ascii[' '];
  if (g_unichar_iswide (c))
    return 2 * sizes->other;

  return sizes->other;
}

/* Where Pango may break a line within a word, roughly: after a hyphen
 * or a slash. */
static gboolean
breaks_after (gunichar c)
{
  return c == '-' || c == '/';
}

/* Puts a word of @word Pango units on the line that ends at *@x, on the
 * next one if it does not fit, and across lines if it fits none. */
static void
place_word (int  word,
            int  width,
            int *x,
            int *lines)
{
  if (*x > 0 && *x + word > width)
    {
      (*lines)++;
      *x = 0;
    }

  while (word > width && width > 0)
    {
      (*lines)++;
      word -= width;
    }

  *x += word;
}

/* How many lines @text takes at @width (Pango units), wrapping between
 * words and within a word too long for a line, as PANGO_WRAP_WORD_CHAR
 * does. Spaces hang at the end of a line, as in Pango. */
static int
count_lines (const FontSizes *sizes,
             const char      *text,
             int              width)
{
  int lines = 1;
  int x = 0;
  int word = 0;

  for (const char *p = text; ; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\0' || c == '\n')
        {
          place_word (word, width, &x, &lines);
          if (c == '\0')
            break;
          word = x = 0;
          lines++;
        }
      else if (c == ' ' || c == '\t')
        {
          place_word (word, width, &x, &lines);
          word = 0;
          x += char_advance (sizes, c);
        }
      else
        {
          word += char_advance (sizes, c);
          if (breaks_after (c))
            {
              place_word (word, width, &x, &lines);
              word = 0;
            }
        }
    }

  return lines;
}

static int
lines_height (const FontSizes *sizes,
              int              n)
{
  if (n <= MEASURED_LINES)
    return sizes->lines[MAX (n, 1)];

  return sizes->lines[MEASURED_LINES] +
         (n - MEASURED_LINES) * (sizes->lines[MEASURED_LINES] - sizes->lines[MEASURED_LINES - 1]);
}

/* The widest paragraph, unwrapped, in Pango units. */
static int
text_width (const FontSizes *sizes,
            const char      *text)
{
  int widest = 0;
  int x = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\n')
        x = 0;
      else
        x += char_advance (sizes, c);
      widest = MAX (widest, x);
    }

  return widest;
}

/* What names a text as a label shows it: the text, the font and the
 * number of lines the label may show. */
static uint64_t
text_key (GtkLabel   *label,
          const char *text)
{
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (label));
  const PangoFontDescription *description = pango_context_get_font_description (context);
  uint64_t key;

  key = g_str_hash (text);
  key = key * 1000003u ^ (uint64_t) strlen (text);
  key = key * 1000003u ^ (uint64_t) (guint) gtk_label_get_lines (label);
  key = key * 1000003u ^ (description != NULL ? pango_font_description_hash (description) : 0);

  return key;
}

static void
dropify_lazy_label_estimate_height (DropifyLazyLabel *self,
                                    int               width,
                                    int              *minimum,
                                    int              *natural)
{
  const char *text = gtk_label_get_text (self->label);
  const FontSizes *sizes = measure_font (self->label);
  int max_lines = gtk_label_get_lines (self->label);
  uint64_t key = text_key (self->label, text);
  Correction *known;
  int n;

  /* A parent may measure at a width a little off the one it allocates
   * (GtkGrid does, by a few pixels): a correction holds near its width. */
  if (corrections != NULL && (known = g_hash_table_lookup (corrections, &key)) != NULL &&
      ABS (known->width - width) * 20 <= known->width)
    {
      *minimum = known->height.minimum;
      *natural = known->height.natural;
      return;
    }

  n = count_lines (sizes, text, width * PANGO_SCALE);
  if (max_lines > 0 && gtk_label_get_ellipsize (self->label) != PANGO_ELLIPSIZE_NONE)
    n = MIN (n, max_lines);

  *minimum = *natural = lines_height (sizes, n);
}

/* GtkWidget */

static GtkSizeRequestMode
dropify_lazy_label_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
dropify_lazy_label_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  DropifyLazyLabel *self = DROPIFY_LAZY_LABEL (widget);
  const FontSizes *sizes;

  if (self->label == NULL || !gtk_widget_get_visible (GTK_WIDGET (self->label)))
    return;

  sizes = measure_font (self->label);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* A few characters at least, as a wrapping label needs; the whole
       * text on one line at most. */
      int width = PANGO_PIXELS_CEIL (text_width (sizes, gtk_label_get_text (self->label)));

      *minimum = MIN (width, PANGO_PIXELS_CEIL (4 * sizes->other));
      *natural = width;
      return;
    }

  /* Asked for a height without a width: as if on one line. */
  dropify_lazy_label_estimate_height (self, for_size < 0 ? G_MAXINT / PANGO_SCALE : for_size,
                                      minimum, natural);
}

static void
dropify_lazy_label_size_allocate (GtkWidget *widget,
                                  int        width,
                                  int        height,
                                  int        baseline)
{
  DropifyLazyLabel *self = DROPIFY_LAZY_LABEL (widget);

  uint64_t key;

  if (self->label == NULL || !gtk_widget_get_visible (GTK_WIDGET (self->label)))
    return;

  /* A new text or a new size is checked when it is next drawn. */
  key = text_key (self->label, gtk_label_get_text (self->label));
  if (key != self->key || width != self->width || height != self->height)
    {
      self->key = key;
      self->width = width;
      self->height = height;
      self->checked = FALSE;
    }

  /* Not measured, on purpose: allocating a label only tells its layout
   * its width, and the text is laid out when it is drawn. */
  gtk_widget_allocate (GTK_WIDGET (self->label), width, height, -1, NULL);
}

/* A resize queued while drawing is not seen by GTK 4.8: it is queued
 * from the next frame instead. */
static gboolean
dropify_lazy_label_resize_tick (GtkWidget     *widget,
                                GdkFrameClock *clock,
                                gpointer       user_data)
{
  DropifyLazyLabel *self = DROPIFY_LAZY_LABEL (widget);

  self->resize_tick = 0;
  gtk_widget_queue_resize (widget);

  return G_SOURCE_REMOVE;
}

static void
dropify_lazy_label_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  DropifyLazyLabel *self = DROPIFY_LAZY_LABEL (widget);

  if (self->label == NULL)
    return;

  /* Drawn, so in view: measure the label for real, once, and size it
   * again if it was given a size its text does not take. */
  if (!self->checked)
    {
      int width = gtk_widget_get_width (widget);
      int height = gtk_widget_get_height (widget);
      Correction *known = corrections != NULL ? g_hash_table_lookup (corrections, &self->key) : NULL;
      Correction exact = { width, { 0, 0 } };

      self->checked = TRUE;
      gtk_widget_measure (GTK_WIDGET (self->label), GTK_ORIENTATION_VERTICAL, width,
                          &exact.height.minimum, &exact.height.natural, NULL, NULL);

      /* Once for each text and width: if the size was already corrected,
       * the parent had reasons of its own. */
      if ((height < exact.height.minimum || height > exact.height.natural) &&
          (known == NULL || memcmp (known, &exact, sizeof exact) != 0))
        {
          n_misses++;
          g_debug ("“%s” was given %d px at %d px, it takes %d",
                   gtk_label_get_text (self->label), height, width, exact.height.natural);

          if (corrections == NULL)
            corrections = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
          if (g_hash_table_size (corrections) >= MAX_CORRECTIONS)
            g_hash_table_remove_all (corrections);
          g_hash_table_insert (corrections,
                               g_memdup2 (&self->key, sizeof self->key),
                               g_memdup2 (&exact, sizeof exact));
          if (self->resize_tick == 0)
            self->resize_tick = gtk_widget_add_tick_callback (widget,
                                                              dropify_lazy_label_resize_tick,
                                                              NULL, NULL);
        }
    }

  gtk_widget_snapshot_child (widget, GTK_WIDGET (self->label), snapshot);
}

/* GObject */

static void
dropify_lazy_label_dispose (GObject *object)
{
  DropifyLazyLabel *self = DROPIFY_LAZY_LABEL (object);
  GtkWidget *child;

  if (self->resize_tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->resize_tick);
      self->resize_tick = 0;
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  self->label = NULL;

  G_OBJECT_CLASS (dropify_lazy_label_parent_class)->dispose (object);
}

/* The label is never measured, and GTK 4.8 clears a widget's "resize
 * needed" only when it is measured: after its first change, the label's
 * own queue_resize() stops at itself, and this widget would keep sizes
 * measured for an old text. It is told directly. */
static void
dropify_lazy_label_label_changed (DropifyLazyLabel *self,
                                  GParamSpec       *pspec,
                                  GtkLabel         *label)
{
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static void
dropify_lazy_label_set_label (DropifyLazyLabel *self,
                              GtkLabel         *label)
{
  self->label = label;
  gtk_widget_set_parent (GTK_WIDGET (label), GTK_WIDGET (self));
  g_signal_connect_object (label, "notify::label",
                           G_CALLBACK (dropify_lazy_label_label_changed),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (label, "notify::lines",
                           G_CALLBACK (dropify_lazy_label_label_changed),
                           self, G_CONNECT_SWAPPED);
}

/* GtkBuildable */

/* The one child of a <object class="DropifyLazyLabel"> is its label. */
static void
dropify_lazy_label_buildable_add_child (GtkBuildable *buildable,
                                        GtkBuilder   *builder,
                                        GObject      *child,
                                        const char   *type)
{
  DropifyLazyLabel *self = DROPIFY_LAZY_LABEL (buildable);

  if (GTK_IS_LABEL (child) && type == NULL && self->label == NULL)
    {
      dropify_lazy_label_set_label (self, GTK_LABEL (child));
      return;
    }

  parent_buildable_iface->add_child (buildable, builder, child, type);
}

static void
dropify_lazy_label_buildable_init (GtkBuildableIface *iface)
{
  parent_buildable_iface = g_type_interface_peek_parent (iface);
  iface->add_child = dropify_lazy_label_buildable_add_child;
}

static void
dropify_lazy_label_class_init (DropifyLazyLabelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dropify_lazy_label_dispose;

  widget_class->get_request_mode = dropify_lazy_label_get_request_mode;
  widget_class->measure = dropify_lazy_label_measure;
  widget_class->size_allocate = dropify_lazy_label_size_allocate;
  widget_class->snapshot = dropify_lazy_label_snapshot;

  gtk_widget_class_set_css_name (widget_class, "lazylabel");
}

static void
dropify_lazy_label_init (DropifyLazyLabel *self)
{
}

/**
 * dropify_lazy_label_get_n_misses:
 *
 * Returns: how many times, in this process, a label was drawn at a size
 *   other than its own and had to be sized again
 */
guint
dropify_lazy_label_get_n_misses (void)
{
  return n_misses;
}
