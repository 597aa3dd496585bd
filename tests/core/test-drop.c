#include "config.h"

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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/drop/text-json", test_drop_text_json);
  g_test_add_func ("/drop/file-json", test_drop_file_json);
  g_test_add_func ("/drop/notify-only-on-change", test_drop_notify_only_on_change);

  return g_test_run ();
}
