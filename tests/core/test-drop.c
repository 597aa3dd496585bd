#include "config.h"

#include <string.h>

#include "dropify-core.h"

#define SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static void
test_drop_text_json (void)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;

  drop = dropify_drop_new_text ("id-1", "origin-1", "Laptop", "hello", 1000, 2000);
  g_assert_true (dropify_drop_get_complete (drop));
  g_assert_cmpint (dropify_drop_get_kind (drop), ==, DROPIFY_DROP_KIND_TEXT);

  node = dropify_drop_to_json (drop);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, "id-1");
  g_assert_cmpstr (json_object_get_string_member (object, "kind"), ==, "text");
  g_assert_cmpstr (json_object_get_string_member (object, "origin"), ==, "origin-1");
  g_assert_cmpstr (json_object_get_string_member (object, "origin_name"), ==, "Laptop");
  g_assert_cmpint (json_object_get_int_member (object, "created_at"), ==, 1000);
  g_assert_cmpint (json_object_get_int_member (object, "expires_at"), ==, 2000);
  g_assert_cmpstr (json_object_get_string_member (object, "text"), ==, "hello");
  g_assert_false (json_object_has_member (object, "name"));
  g_assert_false (json_object_has_member (object, "path"));
}

static void
test_drop_file_json (void)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *object;

  drop = dropify_drop_new_file ("id-2", "origin-1", "Laptop", "a.txt", "text/plain", 4, SHA, 1000, 2000);
  g_assert_false (dropify_drop_get_complete (drop));

  node = dropify_drop_to_json (drop);
  object = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (object, "kind"), ==, "file");
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "a.txt");
  g_assert_cmpint (json_object_get_int_member (object, "size"), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (object, "sha256"), ==, SHA);
  g_assert_false (json_object_get_boolean_member (object, "complete"));
  g_assert_false (json_object_has_member (object, "path"));
  g_assert_false (json_object_has_member (object, "text"));

  /* The path shows only once the file is complete. */
  dropify_drop_set_path (drop, "/blobs/x");
  g_clear_pointer (&node, json_node_unref);
  node = dropify_drop_to_json (drop);
  g_assert_false (json_object_has_member (json_node_get_object (node), "path"));

  dropify_drop_set_complete (drop, TRUE);
  g_clear_pointer (&node, json_node_unref);
  node = dropify_drop_to_json (drop);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "path"), ==, "/blobs/x");
}

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           guint      *count)
{
  (*count)++;
}

static void
test_drop_notify_only_on_change (void)
{
  g_autoptr(DropifyDrop) drop = NULL;
  guint count = 0;

  drop = dropify_drop_new_file ("id-3", "o", "n", "a", NULL, 4, SHA, 1, 2);
  g_assert_cmpstr (dropify_drop_get_mime (drop), ==, "application/octet-stream");
  g_signal_connect (drop, "notify::complete", G_CALLBACK (notify_cb), &count);

  dropify_drop_set_complete (drop, FALSE);
  g_assert_cmpuint (count, ==, 0);
  dropify_drop_set_complete (drop, TRUE);
  g_assert_cmpuint (count, ==, 1);
  dropify_drop_set_complete (drop, TRUE);
  g_assert_cmpuint (count, ==, 1);
}

static void
test_drop_audience (void)
{
  const char * const audience[] = { "laptop", "phone", NULL };
  const char * const other[] = { "laptop", NULL };
  g_autofree char *id = dropify_drop_new_id (audience);
  g_autofree char *plain = dropify_drop_new_id (NULL);
  g_autoptr(DropifyDrop) drop = dropify_drop_new_text (id, "desktop", "Desktop", "hi", 1000, 2000);
  g_autoptr(DropifyDrop) everyone = dropify_drop_new_text (plain, "desktop", "Desktop", "hi", 1000, 2000);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *array;

  dropify_drop_set_audience (drop, audience);
  g_assert_true (dropify_drop_is_targeted (drop));
  g_assert_true (dropify_drop_is_for (drop, "desktop"));   /* its origin */
  g_assert_true (dropify_drop_is_for (drop, "phone"));
  g_assert_false (dropify_drop_is_for (drop, "tv"));
  g_assert_false (dropify_drop_is_for (drop, NULL));
  g_assert_false (dropify_drop_is_targeted (everyone));
  g_assert_true (dropify_drop_is_for (everyone, "tv"));

  /* The id carries the audience, in any order, and nothing else. */
  g_assert_cmpuint (strlen (id), <=, 64);
  g_assert_true (dropify_drop_id_fits_audience (id, audience));
  g_assert_false (dropify_drop_id_fits_audience (id, other));
  g_assert_false (dropify_drop_id_fits_audience (id, NULL));
  g_assert_true (dropify_drop_id_fits_audience (plain, NULL));
  g_assert_false (dropify_drop_id_fits_audience (plain, audience));
  {
    const char * const swapped[] = { "phone", "laptop", NULL };
    g_assert_true (dropify_drop_id_fits_audience (id, swapped));
  }

  node = dropify_drop_to_json (drop);
  array = json_object_get_array_member (json_node_get_object (node), "audience");
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (array, 0), ==, "laptop");
  g_clear_pointer (&node, json_node_unref);
  node = dropify_drop_to_json (everyone);
  array = json_object_get_array_member (json_node_get_object (node), "audience");
  g_assert_cmpuint (json_array_get_length (array), ==, 0);

  /* Validation: bad ids, too many, duplicates. */
  {
    const char * const bad[] = { "laptop", "not an id", NULL };
    const char * const dup[] = { "laptop", "phone", "laptop", NULL };
    const char * const empty[] = { "", NULL };
    const char * const comma[] = { "a,b", NULL };
    g_autoptr(GPtrArray) many = g_ptr_array_new_with_free_func (g_free);
    g_auto(GStrv) ok = NULL;

    g_assert_null (dropify_drop_audience_normalize (bad, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_assert_null (dropify_drop_audience_normalize (dup, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_assert_null (dropify_drop_audience_normalize (empty, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_assert_null (dropify_drop_audience_normalize (comma, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);

    for (guint i = 0; i <= DROPIFY_DROP_MAX_AUDIENCE; i++)
      g_ptr_array_add (many, g_strdup_printf ("device-%u", i));
    g_ptr_array_add (many, NULL);
    g_assert_null (dropify_drop_audience_normalize ((const char * const *) many->pdata, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);

    g_assert_null (dropify_drop_audience_normalize (NULL, &error));
    g_assert_no_error (error);
    ok = dropify_drop_audience_normalize ((const char * const *) audience, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_strv_length (ok), ==, 2);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/drop/text-json", test_drop_text_json);
  g_test_add_func ("/drop/file-json", test_drop_file_json);
  g_test_add_func ("/drop/notify-only-on-change", test_drop_notify_only_on_change);
  g_test_add_func ("/drop/audience", test_drop_audience);

  return g_test_run ();
}
