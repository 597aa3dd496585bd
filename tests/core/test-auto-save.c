#include "config.h"

#include <glib/gstdio.h>
#include <limits.h>
#include <unistd.h>

#include "dropify-test-support.h"

/* The copy auto-save makes: into the folder itself whatever the name, and
 * never over an existing file. Real files in a temporary folder. */

typedef struct
{
  char  *top;         /* holds the folder, to see nothing escapes it */
  char  *folder;
  char  *source;
  char  *sha256;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->top = dropify_test_make_dir ("auto-save");
  fixture->folder = g_build_filename (fixture->top, "a", "Downloads", NULL);
  fixture->source = dropify_test_write_random (fixture->top, "source.bin", 70000);
  fixture->sha256 = dropify_test_sha256_file (fixture->source);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  dropify_test_remove_dir (fixture->top);
  g_free (fixture->top);
  g_free (fixture->folder);
  g_free (fixture->source);
  g_free (fixture->sha256);
}

static void
copy_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

/* Copies the source as @name and returns the copy's name, checking it is
 * directly in the folder and holds the source's bytes. */
static char *
copy_as (Fixture    *fixture,
         const char *name)
{
  g_autoptr(GFile) source = g_file_new_for_path (fixture->source);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *sha256 = NULL;

  dropify_auto_save_copy_async (source, name, fixture->folder, NULL, copy_cb, &result);
  g_assert_true (dropify_test_wait_for (is_set, &result, 10000));

  path = dropify_auto_save_copy_finish (result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (path);

  dir = g_path_get_dirname (path);
  g_assert_cmpstr (dir, ==, fixture->folder);
  sha256 = dropify_test_sha256_file (path);
  g_assert_cmpstr (sha256, ==, fixture->sha256);

  return g_path_get_basename (path);
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (handle != NULL && g_dir_read_name (handle) != NULL)
    n++;

  return n;
}

static void
test_numbered (Fixture       *fixture,
               gconstpointer  data)
{
  static const struct {
    const char *name;
    const char *copy;
  } cases[] = {
    { "report.pdf", "report.pdf" },
    { "report.pdf", "report (1).pdf" },
    { "report.pdf", "report (2).pdf" },
    { "backup.tar.gz", "backup.tar.gz" },
    { "backup.tar.gz", "backup (1).tar.gz" },
    { "notes", "notes" },
    { "notes", "notes (1)" },
    { "My File.final version", "My File.final version" },
    { "My File.final version", "My File.final version (1)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *copy = copy_as (fixture, cases[i].name);

      g_assert_cmpstr (copy, ==, cases[i].copy);
    }

  /* Nothing else, and no partial file left behind. */
  g_assert_cmpuint (count_entries (fixture->folder), ==, G_N_ELEMENTS (cases));
}

/* Names from another device that try to leave the folder, hide, or are
 * no name at all. */
static void
test_hostile_names (Fixture       *fixture,
                    gconstpointer  data)
{
  static const struct {
    const char *name;
    const char *copy;
  } cases[] = {
    { "../../x", "x" },
    { "../x", "x (1)" },
    { "/etc/passwd", "passwd" },
    { "..", "Drop" },
    { ".", "Drop (1)" },
    { "", "Drop (2)" },
    { NULL, "Drop (3)" },
    { "...", "Drop (4)" },
    { ".bashrc", "bashrc" },
    { "a\\..\\b", "a_.._b" },
    { "tab\there", "tab_here" },
    { "dir/", "dir" },
  };
  g_autofree char *parent = g_path_get_dirname (fixture->folder);
  g_autofree char *escaped = g_build_filename (parent, "x", NULL);
  g_autofree char *escaped_more = g_build_filename (fixture->top, "x", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *copy = copy_as (fixture, cases[i].name);

      g_test_message ("name “%s” saved as “%s”", cases[i].name ? cases[i].name : "(null)", copy);
      g_assert_cmpstr (copy, ==, cases[i].copy);
    }

  g_assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (escaped_more, G_FILE_TEST_EXISTS));
  /* The folder's parent holds only the folder. */
  g_assert_cmpuint (count_entries (parent), ==, 1);
  g_assert_cmpuint (count_entries (fixture->folder), ==, G_N_ELEMENTS (cases));
}

/* A symbolic link in the folder is a name taken, never a way through. */
static void
test_symlink_not_followed (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *target = g_build_filename (fixture->top, "target.txt", NULL);
  g_autofree char *link = g_build_filename (fixture->folder, "link.txt", NULL);
  g_autofree char *copy = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_file_set_contents (target, "untouched", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (fixture->folder, 0700), ==, 0);
  g_assert_cmpint (symlink (target, link), ==, 0);

  copy = copy_as (fixture, "link.txt");
  g_assert_cmpstr (copy, ==, "link (1).txt");

  g_file_get_contents (target, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, "untouched");
}

/* A name at the file system's limit still fits once numbered, and is cut
 * between characters, never inside one. */
static void
test_long_name (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GString) name = g_string_new (NULL);

  for (guint i = 0; i < 127; i++)
    g_string_append (name, "é");
  g_string_append (name, ".txt");
  g_assert_cmpuint (name->len, >, NAME_MAX);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *copy = copy_as (fixture, name->str);

      g_test_message ("saved as %s", copy);
      g_assert_cmpuint (strlen (copy), <=, NAME_MAX);
      g_assert_true (g_utf8_validate (copy, -1, NULL));
      g_assert_true (g_str_has_suffix (copy, i == 0 ? "é.txt" : ").txt"));
    }

  g_assert_cmpuint (count_entries (fixture->folder), ==, 3);
}

static void
test_missing_source (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (fixture->top, "missing", NULL);
  g_autoptr(GFile) source = g_file_new_for_path (missing);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  dropify_auto_save_copy_async (source, "missing.txt", fixture->folder, NULL, copy_cb, &result);
  g_assert_true (dropify_test_wait_for (is_set, &result, 10000));

  path = dropify_auto_save_copy_finish (result, &error);
  g_assert_null (path);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_cmpuint (count_entries (fixture->folder), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/auto-save/numbered", test_numbered);
  ADD ("/auto-save/hostile-names", test_hostile_names);
  ADD ("/auto-save/symlink-not-followed", test_symlink_not_followed);
  ADD ("/auto-save/long-name", test_long_name);
  ADD ("/auto-save/missing-source", test_missing_source);

  return g_test_run ();
}
