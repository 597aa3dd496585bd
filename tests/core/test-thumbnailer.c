#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "dropify-test-support.h"

typedef struct
{
  char               *dir;
  char               *thumb_dir;
  DropifyBlobStore   *store;
  DropifyThumbnailer *thumbnailer;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *blobs = NULL;

  fixture->dir = dropify_test_make_dir ("thumbs");
  blobs = g_build_filename (fixture->dir, "files", NULL);
  fixture->thumb_dir = g_build_filename (fixture->dir, "thumbnails", NULL);
  fixture->store = dropify_blob_store_new (blobs, &error);
  g_assert_no_error (error);
  fixture->thumbnailer = dropify_thumbnailer_new (fixture->thumb_dir, fixture->store, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->thumbnailer);
  g_clear_object (&fixture->store);
  dropify_test_remove_dir (fixture->dir);
  g_free (fixture->thumb_dir);
  g_free (fixture->dir);
}

/* Puts @bytes in the store, as a transfer would, and returns its digest. */
static char *
store_bytes (Fixture      *fixture,
             const guint8 *bytes,
             gsize         length)
{
  g_autoptr(GError) error = NULL;
  char *sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, bytes, length);
  g_autofree char *path = dropify_blob_store_dup_path (fixture->store, sha256);
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, (const char *) bytes, (gssize) length, &error);
  g_assert_no_error (error);

  return sha256;
}

static DropifyDrop *
file_drop (const char *sha256,
           const char *name,
           const char *mime,
           uint64_t    size)
{
  g_autofree char *id = g_uuid_string_random ();
  DropifyDrop *drop = dropify_drop_new_file (id, "origin", "Origin", name, mime, size, sha256,
                                             1000, G_MAXINT64 / 2);

  dropify_drop_set_complete (drop, TRUE);
  return drop;
}

static GBytes *
make_image (int         width,
            int         height,
            const char *type)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  char *buffer = NULL;
  gsize length = 0;

  gdk_pixbuf_fill (pixbuf, 0x3584e4ff);
  gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, type, &error, NULL);
  g_assert_no_error (error);

  return g_bytes_new_take (buffer, length);
}

static DropifyDrop *
image_drop (Fixture    *fixture,
            GBytes     *bytes,
            const char *name,
            const char *mime)
{
  g_autofree char *sha256 = store_bytes (fixture, g_bytes_get_data (bytes, NULL),
                                         g_bytes_get_size (bytes));

  return file_drop (sha256, name, mime, g_bytes_get_size (bytes));
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;
  *out = g_object_ref (result);
}

static GFile *
lookup (DropifyThumbnailer  *thumbnailer,
        DropifyDrop         *drop,
        GCancellable        *cancellable,
        GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  dropify_thumbnailer_lookup_async (thumbnailer, drop, cancellable, lookup_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return dropify_thumbnailer_lookup_finish (thumbnailer, result, error);
}

/* A thumbnail is a PNG that fits DROPIFY_THUMBNAIL_SIZE. */
static void
assert_thumbnail (GFile *file,
                  int    expected_width,
                  int    expected_height)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *name = NULL;
  GdkPixbufFormat *format;
  int width = 0;
  int height = 0;
  GStatBuf st;

  format = gdk_pixbuf_get_file_info (path, &width, &height);
  g_assert_nonnull (format);
  name = gdk_pixbuf_format_get_name (format);
  g_assert_cmpstr (name, ==, "png");
  g_assert_cmpint (width, ==, expected_width);
  g_assert_cmpint (height, ==, expected_height);
  g_assert_cmpint (width, <=, DROPIFY_THUMBNAIL_SIZE);
  g_assert_cmpint (height, <=, DROPIFY_THUMBNAIL_SIZE);

  /* Only this user reads another device's pictures. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_png (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(GBytes) bytes = make_image (1000, 600, "png");
  g_autoptr(DropifyDrop) drop = image_drop (fixture, bytes, "photo.png", "image/png");
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *dir = NULL;

  g_assert_true (dropify_thumbnailer_is_candidate (drop));
  g_assert_false (dropify_thumbnailer_has (fixture->thumbnailer, dropify_drop_get_sha256 (drop)));

  file = lookup (fixture->thumbnailer, drop, NULL, &error);
  g_assert_no_error (error);
  assert_thumbnail (file, 256, 154);

  /* In the profile, named by the image's content. */
  dir = g_path_get_dirname (g_file_peek_path (file));
  g_assert_cmpstr (dir, ==, fixture->thumb_dir);
  g_assert_true (dropify_thumbnailer_has (fixture->thumbnailer, dropify_drop_get_sha256 (drop)));
}

static void
test_jpeg (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GBytes) bytes = make_image (300, 2000, "jpeg");
  /* Whatever the name says: the content decides. */
  g_autoptr(DropifyDrop) drop = image_drop (fixture, bytes, "scan", "image/jpeg");
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;

  file = lookup (fixture->thumbnailer, drop, NULL, &error);
  g_assert_no_error (error);
  assert_thumbnail (file, 38, 256);
}

static void
test_small_not_enlarged (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GBytes) bytes = make_image (40, 30, "png");
  g_autoptr(DropifyDrop) drop = image_drop (fixture, bytes, "icon.png", "image/png");
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;

  file = lookup (fixture->thumbnailer, drop, NULL, &error);
  g_assert_no_error (error);
  assert_thumbnail (file, 40, 30);
}

static guint32
crc32 (const guint8 *data,
       gsize         length)
{
  guint32 crc = 0xffffffff;

  for (gsize i = 0; i < length; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320 & (0u - (crc & 1)));
    }

  return crc ^ 0xffffffff;
}

static void
append_chunk (GByteArray   *png,
              const char   *type,
              const guint8 *data,
              guint32       length)
{
  guint32 be = GUINT32_TO_BE (length);
  guint32 crc;
  g_autoptr(GByteArray) typed = g_byte_array_new ();

  g_byte_array_append (png, (const guint8 *) &be, 4);
  g_byte_array_append (typed, (const guint8 *) type, 4);
  g_byte_array_append (typed, data, length);
  g_byte_array_append (png, typed->data, typed->len);
  crc = GUINT32_TO_BE (crc32 (typed->data, typed->len));
  g_byte_array_append (png, (const guint8 *) &crc, 4);
}

/* A PNG whose header says 100,000 × 100,000 pixels (40 GB decoded),
 * followed by a few bytes of nothing. */
static GBytes *
make_bomb (void)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  static const guint8 junk[64] = { 0x78, 0x9c };
  GByteArray *png = g_byte_array_new ();
  guint8 ihdr[13] = { 0 };
  guint32 side = GUINT32_TO_BE (100000);

  memcpy (ihdr, &side, 4);
  memcpy (ihdr + 4, &side, 4);
  ihdr[8] = 8;      /* bit depth */
  ihdr[9] = 6;      /* RGBA */

  g_byte_array_append (png, signature, sizeof signature);
  append_chunk (png, "IHDR", ihdr, sizeof ihdr);
  append_chunk (png, "IDAT", junk, sizeof junk);
  append_chunk (png, "IEND", NULL, 0);

  return g_byte_array_free_to_bytes (png);
}

static void
test_huge_dimensions (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GBytes) bytes = make_bomb ();
  g_autoptr(DropifyDrop) drop = image_drop (fixture, bytes, "bomb.png", "image/png");
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) again = NULL;
  g_autofree char *path = dropify_blob_store_dup_path (fixture->store, dropify_drop_get_sha256 (drop));
  int width = 0;
  int height = 0;

  /* What the refusal is based on: the header says so. */
  g_assert_nonnull (gdk_pixbuf_get_file_info (path, &width, &height));
  g_assert_cmpint (width, ==, 100000);

  file = lookup (fixture->thumbnailer, drop, NULL, &error);
  g_assert_error (error, DROPIFY_THUMBNAILER_ERROR, DROPIFY_THUMBNAILER_ERROR_TOO_LARGE);
  g_assert_null (file);
  g_clear_error (&error);

  /* Refused again at once, without reading it again. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  again = lookup (fixture->thumbnailer, drop, NULL, &error);
  g_assert_error (error, DROPIFY_THUMBNAILER_ERROR, DROPIFY_THUMBNAILER_ERROR_TOO_LARGE);
  g_assert_false (dropify_thumbnailer_has (fixture->thumbnailer, dropify_drop_get_sha256 (drop)));
}

/* A file over the size limit is not even opened as an image, whatever
 * size its drop claims. */
static void
test_large_file (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GBytes) bytes = make_image (64, 64, "png");
  g_autofree char *big_sha256 = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "big", -1);
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  int fd;

  drop = image_drop (fixture, bytes, "big.png", "image/png");
  path = dropify_blob_store_dup_path (fixture->store, dropify_drop_get_sha256 (drop));
  /* Sparse: 60 MB on paper, nothing on the disk. */
  fd = g_open (path, O_WRONLY, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 60 * 1000 * 1000), ==, 0);
  close (fd);

  file = lookup (fixture->thumbnailer, drop, NULL, &error);
  g_assert_error (error, DROPIFY_THUMBNAILER_ERROR, DROPIFY_THUMBNAILER_ERROR_TOO_LARGE);
  g_assert_null (file);
  g_clear_object (&drop);

  /* A drop that says it is that large is not tried at all. */
  drop = file_drop (big_sha256, "big.png", "image/png", 60 * 1000 * 1000);
  g_assert_false (dropify_thumbnailer_is_candidate (drop));
}

static void
test_corrupt (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GBytes) whole = make_image (500, 500, "png");
  g_autoptr(GBytes) half = g_bytes_new_from_bytes (whole, 0, g_bytes_get_size (whole) / 2);
  g_autoptr(GBytes) jpeg = make_image (500, 500, "jpeg");
  g_autoptr(GBytes) cut_jpeg = g_bytes_new_from_bytes (jpeg, 0, 200);
  GBytes *cases[] = { half, cut_jpeg };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DropifyDrop) drop = image_drop (fixture, cases[i], "cut.png", "image/png");
      g_autoptr(GError) error = NULL;
      g_autoptr(GFile) file = NULL;

      g_test_message ("case %u", i);
      file = lookup (fixture->thumbnailer, drop, NULL, &error);
      g_assert_null (file);
      g_assert_error (error, DROPIFY_THUMBNAILER_ERROR, DROPIFY_THUMBNAILER_ERROR_CORRUPT);
      g_assert_false (dropify_thumbnailer_has (fixture->thumbnailer, dropify_drop_get_sha256 (drop)));
    }
}

static void
test_not_an_image (Fixture       *fixture,
                   gconstpointer  data)
{
  static const char svg[] =
    "<?xml version=\"1.0\"?>\n"
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100000\" height=\"100000\">"
    "<rect width=\"100%\" height=\"100%\" fill=\"red\"/></svg>\n";
  static const char text[] = "Just some text, whatever its name says.\n";
  static const guint8 random_bytes[] = { 0x89, 'P', 'N', 'G', 1, 2, 3, 4, 5, 6, 7, 8, 9 };
  struct {
    const guint8 *bytes;
    gsize         length;
    const char   *name;
    const char   *mime;
  } cases[] = {
    { (const guint8 *) svg, sizeof svg - 1, "drawing.png", "image/png" },
    { (const guint8 *) text, sizeof text - 1, "notes.png", "image/png" },
    { random_bytes, sizeof random_bytes, "noise.png", "image/png" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (cases[i].bytes, cases[i].length);
      g_autoptr(DropifyDrop) drop = image_drop (fixture, bytes, cases[i].name, cases[i].mime);
      g_autoptr(GError) error = NULL;
      g_autoptr(GFile) file = NULL;

      g_test_message ("case %s", cases[i].name);
      file = lookup (fixture->thumbnailer, drop, NULL, &error);
      g_assert_null (file);
      g_assert_nonnull (error);
      g_assert_true (error->domain == DROPIFY_THUMBNAILER_ERROR);
      g_assert_true (error->code == DROPIFY_THUMBNAILER_ERROR_NOT_AN_IMAGE ||
                     error->code == DROPIFY_THUMBNAILER_ERROR_CORRUPT);
    }

  /* An SVG that says so is not even tried, nor is a text. */
  {
    g_autoptr(GBytes) bytes = g_bytes_new_static (svg, sizeof svg - 1);
    g_autoptr(DropifyDrop) drop = image_drop (fixture, bytes, "drawing.svg", "image/svg+xml");
    g_autoptr(DropifyDrop) text_drop = dropify_drop_new_text ("id", "origin", "Origin", "hi", 1, 2);
    g_autoptr(GError) error = NULL;
    g_autoptr(GFile) file = NULL;

    g_assert_false (dropify_thumbnailer_is_candidate (drop));
    g_assert_false (dropify_thumbnailer_is_candidate (text_drop));
    file = lookup (fixture->thumbnailer, drop, NULL, &error);
    g_assert_error (error, DROPIFY_THUMBNAILER_ERROR, DROPIFY_THUMBNAILER_ERROR_NOT_AN_IMAGE);
  }

  /* Nothing was written for any of them. */
  {
    g_autoptr(GDir) dir = g_dir_open (fixture->thumb_dir, 0, NULL);
    g_assert_nonnull (dir);
    g_assert_null (g_dir_read_name (dir));
  }
}

/* The second lookup finds the first's thumbnail: the image is not
 * decoded again, and need not even be there any more. */
static void
test_cache_hit (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GBytes) bytes = make_image (800, 800, "png");
  g_autoptr(DropifyDrop) drop = image_drop (fixture, bytes, "photo.png", "image/png");
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) first = NULL;
  g_autoptr(GFile) second = NULL;
  g_autofree char *source = dropify_blob_store_dup_path (fixture->store, dropify_drop_get_sha256 (drop));
  g_autofree char *path = NULL;

  first = lookup (fixture->thumbnailer, drop, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_unlink (source), ==, 0);

  second = lookup (fixture->thumbnailer, drop, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_equal (first, second));
  assert_thumbnail (second, 256, 256);

  path = dropify_thumbnailer_dup_path (fixture->thumbnailer, dropify_drop_get_sha256 (drop));
  g_assert_cmpstr (path, ==, g_file_peek_path (first));
}

/* Lookups of the same image at once make one thumbnail, and a cancelled
 * one says so. */
static void
test_concurrent_and_cancelled (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GBytes) bytes = make_image (900, 300, "png");
  g_autoptr(DropifyDrop) drop = image_drop (fixture, bytes, "photo.png", "image/png");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) a = NULL;
  g_autoptr(GAsyncResult) b = NULL;
  g_autoptr(GAsyncResult) c = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file_a = NULL;
  g_autoptr(GFile) file_b = NULL;
  g_autoptr(GFile) file_c = NULL;

  dropify_thumbnailer_lookup_async (fixture->thumbnailer, drop, NULL, lookup_cb, &a);
  dropify_thumbnailer_lookup_async (fixture->thumbnailer, drop, cancellable, lookup_cb, &b);
  dropify_thumbnailer_lookup_async (fixture->thumbnailer, drop, NULL, lookup_cb, &c);
  g_cancellable_cancel (cancellable);
  while (a == NULL || b == NULL || c == NULL)
    g_main_context_iteration (NULL, TRUE);

  file_a = dropify_thumbnailer_lookup_finish (fixture->thumbnailer, a, &error);
  g_assert_no_error (error);
  file_b = dropify_thumbnailer_lookup_finish (fixture->thumbnailer, b, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  file_c = dropify_thumbnailer_lookup_finish (fixture->thumbnailer, c, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_equal (file_a, file_c));
}

/* Lookups collected as they answer. */
typedef struct
{
  guint n_answered;
  guint n_ok;
  guint n_busy;
  guint n_cancelled;
} Tally;

static void
tally_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Tally *tally = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = dropify_thumbnailer_lookup_finish (DROPIFY_THUMBNAILER (object), result, &error);

  tally->n_answered++;
  if (file != NULL)
    tally->n_ok++;
  else if (g_error_matches (error, DROPIFY_THUMBNAILER_ERROR, DROPIFY_THUMBNAILER_ERROR_BUSY))
    tally->n_busy++;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    tally->n_cancelled++;
}

static GPtrArray *
distinct_images (Fixture *fixture,
                 guint    n)
{
  GPtrArray *drops = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GBytes) bytes = make_image (8 + i % 64, 8 + i / 64, "png");
      g_ptr_array_add (drops, image_drop (fixture, bytes, "tiny.png", "image/png"));
    }

  return drops;
}

/* Two are made at once and a few hundred wait; beyond that, a lookup
 * is refused at once rather than queued without end. */
static void
test_bounded_queue (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) drops = distinct_images (fixture, 300);
  Tally tally = { 0 };

  for (guint i = 0; i < drops->len; i++)
    dropify_thumbnailer_lookup_async (fixture->thumbnailer, g_ptr_array_index (drops, i), NULL,
                                      tally_cb, &tally);
  while (tally.n_answered < drops->len)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (tally.n_busy, ==, 300 - 2 - 256);
  g_assert_cmpuint (tally.n_ok, ==, 2 + 256);
}

typedef struct
{
  DropifyThumbnailer *thumbnailer;
  GPtrArray          *drops;
} MadeQuery;

static guint
count_made (MadeQuery *query)
{
  guint made = 0;

  for (guint i = 0; i < query->drops->len; i++)
    if (dropify_thumbnailer_has (query->thumbnailer,
                                 dropify_drop_get_sha256 (g_ptr_array_index (query->drops, i))))
      made++;

  return made;
}

static gboolean
two_made (gpointer data)
{
  return count_made (data) >= 2;
}

/* Lookups nobody waits for any more (rows scrolled away) are dropped
 * before their thumbnails are made. */
static void
test_cancelled_dropped (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GPtrArray) drops = distinct_images (fixture, 20);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Tally tally = { 0 };
  MadeQuery made_query = { 0 };

  for (guint i = 0; i < drops->len; i++)
    dropify_thumbnailer_lookup_async (fixture->thumbnailer, g_ptr_array_index (drops, i),
                                      cancellable, tally_cb, &tally);
  g_cancellable_cancel (cancellable);
  while (tally.n_answered < drops->len)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (tally.n_cancelled, ==, drops->len);

  /* The two already being made finish, and are kept; no other starts. */
  made_query.thumbnailer = fixture->thumbnailer;
  made_query.drops = drops;
  g_assert_true (dropify_test_wait_for (two_made, &made_query, 10000));
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (count_made (&made_query), ==, 2);
}

static void
test_remove (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GBytes) bytes = make_image (300, 300, "png");
  g_autoptr(GBytes) other_bytes = make_image (301, 300, "png");
  g_autoptr(DropifyDrop) drop = image_drop (fixture, bytes, "photo.png", "image/png");
  g_autoptr(DropifyDrop) other = image_drop (fixture, other_bytes, "other.png", "image/png");
  g_autoptr(DropifyThumbnailer) reopened = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) other_file = NULL;

  file = lookup (fixture->thumbnailer, drop, NULL, &error);
  g_assert_no_error (error);
  other_file = lookup (fixture->thumbnailer, other, NULL, &error);
  g_assert_no_error (error);

  /* The content went: so does its thumbnail. */
  g_assert_true (dropify_blob_store_remove (fixture->store, dropify_drop_get_sha256 (drop), NULL));
  dropify_thumbnailer_remove (fixture->thumbnailer, dropify_drop_get_sha256 (drop));
  g_assert_false (g_file_query_exists (file, NULL));
  g_assert_false (dropify_thumbnailer_has (fixture->thumbnailer, dropify_drop_get_sha256 (drop)));

  /* Content that went while nothing ran: the next start cleans up. */
  g_assert_true (dropify_blob_store_remove (fixture->store, dropify_drop_get_sha256 (other), NULL));
  g_assert_true (g_file_query_exists (other_file, NULL));
  g_clear_object (&fixture->thumbnailer);
  reopened = dropify_thumbnailer_new (fixture->thumb_dir, fixture->store, &error);
  g_assert_no_error (error);
  g_assert_false (g_file_query_exists (other_file, NULL));
  g_assert_false (dropify_thumbnailer_has (reopened, dropify_drop_get_sha256 (other)));
}

/* Thumbnails are kept across runs while their image is. */
static void
test_reopen_keeps (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GBytes) bytes = make_image (300, 300, "png");
  g_autoptr(DropifyDrop) drop = image_drop (fixture, bytes, "photo.png", "image/png");
  g_autoptr(DropifyThumbnailer) reopened = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *stray = g_build_filename (fixture->thumb_dir, "stray.png.ABC123", NULL);

  file = lookup (fixture->thumbnailer, drop, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (stray, "half", -1, NULL));

  g_clear_object (&fixture->thumbnailer);
  reopened = dropify_thumbnailer_new (fixture->thumb_dir, fixture->store, &error);
  g_assert_no_error (error);
  g_assert_true (dropify_thumbnailer_has (reopened, dropify_drop_get_sha256 (drop)));
  g_assert_true (g_file_query_exists (file, NULL));
  g_assert_false (g_file_test (stray, G_FILE_TEST_EXISTS));
}

/* Through the service: deleting the last drop of an image, or its
 * expiry, removes its thumbnail. */
static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  DropifyDrop **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = dropify_service_send_file_finish (DROPIFY_SERVICE (object), result, &error);
  g_assert_no_error (error);
}

static gboolean
file_is_gone (gpointer data)
{
  return !g_file_query_exists (data, NULL);
}

static void
test_service_removes (void)
{
  g_autofree char *dir = dropify_test_make_dir ("thumb-service");
  g_autofree char *data_dir = g_build_filename (dir, "profile", NULL);
  g_autofree char *image_path = g_build_filename (dir, "photo.png", NULL);
  g_autoptr(GBytes) bytes = make_image (640, 480, "png");
  g_autoptr(DropifyService) service = NULL;
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GFile) image = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  DropifyThumbnailer *thumbnailer;

  g_assert_true (g_file_set_contents (image_path, g_bytes_get_data (bytes, NULL),
                                      (gssize) g_bytes_get_size (bytes), NULL));
  service = dropify_service_new (data_dir, NULL, &error);
  g_assert_no_error (error);
  thumbnailer = dropify_service_get_thumbnailer (service);

  image = g_file_new_for_path (image_path);
  dropify_service_send_file_async (service, image, 0, NULL, sent_cb, &drop);
  while (drop == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (dropify_drop_get_mime (drop), ==, "image/png");

  file = lookup (thumbnailer, drop, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (g_file_peek_path (file), data_dir));
  assert_thumbnail (file, 256, 192);

  g_assert_true (dropify_service_delete (service, dropify_drop_get_id (drop), &error));
  g_assert_no_error (error);
  g_assert_false (g_file_query_exists (file, NULL));
  g_assert_false (dropify_thumbnailer_has (thumbnailer, dropify_drop_get_sha256 (drop)));

  /* And when the drop expires. */
  g_clear_object (&drop);
  g_clear_object (&file);
  dropify_service_send_file_async (service, image, 1000, NULL, sent_cb, &drop);
  while (drop == NULL)
    g_main_context_iteration (NULL, TRUE);
  file = lookup (thumbnailer, drop, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_query_exists (file, NULL));
  g_assert_true (dropify_test_wait_for (file_is_gone, file, 10000));
  g_assert_false (dropify_thumbnailer_has (thumbnailer, dropify_drop_get_sha256 (drop)));

  dropify_service_shutdown (service);
  g_clear_object (&service);
  dropify_test_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  /* gdk-pixbuf picks a loader through GIO's MIME database, which the
   * isolated dirs lack. */
  static const char * const mime_dirs[] = { "/usr/local/share/mime", "/usr/share/mime", NULL };

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_content_type_set_mime_dirs (mime_dirs);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/thumbnailer/png", test_png);
  ADD ("/thumbnailer/jpeg", test_jpeg);
  ADD ("/thumbnailer/small-not-enlarged", test_small_not_enlarged);
  ADD ("/thumbnailer/huge-dimensions", test_huge_dimensions);
  ADD ("/thumbnailer/large-file", test_large_file);
  ADD ("/thumbnailer/corrupt", test_corrupt);
  ADD ("/thumbnailer/not-an-image", test_not_an_image);
  ADD ("/thumbnailer/cache-hit", test_cache_hit);
  ADD ("/thumbnailer/concurrent-and-cancelled", test_concurrent_and_cancelled);
  ADD ("/thumbnailer/bounded-queue", test_bounded_queue);
  ADD ("/thumbnailer/cancelled-dropped", test_cancelled_dropped);
  ADD ("/thumbnailer/remove", test_remove);
  ADD ("/thumbnailer/reopen-keeps", test_reopen_keeps);
  g_test_add_func ("/thumbnailer/service-removes", test_service_removes);

#undef ADD

  return g_test_run ();
}
