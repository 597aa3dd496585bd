#include "config.h"

#include <glib/gstdio.h>

#include "dropify-test-support.h"

/* The device identity: an id that comes from the certificate's key, kept
 * across restarts, and the random id of devices made before that kept as
 * the previous one. */

static void
test_derived (void)
{
  g_autofree char *dir = dropify_test_make_dir ("identity");
  g_autofree char *other_dir = dropify_test_make_dir ("identity");
  g_autoptr(DropifyIdentity) first = NULL;
  g_autoptr(DropifyIdentity) again = NULL;
  g_autoptr(DropifyIdentity) other = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *derived = NULL;

  first = dropify_identity_new (dir, &error);
  g_assert_no_error (error);
  derived = dropify_certificate_device_id (dropify_identity_get_certificate (first));
  g_assert_cmpstr (dropify_identity_get_device_id (first), ==, derived);
  g_assert_true (g_uuid_string_is_valid (derived));
  g_assert_cmpint (derived[14], ==, '8');       /* UUID version 8 */
  g_assert_true (strchr ("89ab", derived[19]) != NULL);

  /* The same after a restart; another device has another. */
  again = dropify_identity_new (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dropify_identity_get_device_id (again), ==, derived);
  g_assert_cmpstr (dropify_identity_get_fingerprint (again), ==, dropify_identity_get_fingerprint (first));
  other = dropify_identity_new (other_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dropify_identity_get_device_id (other), !=, derived);

  /* Only this device's ids are its own. */
  g_assert_true (dropify_identity_is_own_id (first, derived));
  g_assert_false (dropify_identity_is_own_id (first, dropify_identity_get_device_id (other)));
  g_assert_false (dropify_identity_is_own_id (first, NULL));

  dropify_test_remove_dir (dir);
  dropify_test_remove_dir (other_dir);
}

static void
test_previous_id (void)
{
  g_autofree char *dir = dropify_test_make_dir ("identity");
  g_autofree char *ini = g_build_filename (dir, "identity.ini", NULL);
  g_autofree char *old_id = g_uuid_string_random ();
  g_autofree char *contents = g_strdup_printf ("[device]\nid=%s\n", old_id);
  g_autofree char *stored = NULL;
  g_autoptr(DropifyIdentity) made = NULL;
  g_autoptr(DropifyIdentity) upgraded = NULL;
  g_autoptr(DropifyIdentity) later = NULL;
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  /* A device from before: its certificate, and a random id beside it. */
  made = dropify_identity_new (dir, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (ini, contents, -1, &error));

  upgraded = dropify_identity_new (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dropify_identity_get_device_id (upgraded), ==, dropify_identity_get_device_id (made));
  g_assert_true (dropify_identity_is_own_id (upgraded, old_id));

  g_assert_true (g_key_file_load_from_file (keyfile, ini, G_KEY_FILE_NONE, &error));
  stored = g_key_file_get_string (keyfile, "device", "id", NULL);
  g_assert_cmpstr (stored, ==, dropify_identity_get_device_id (made));
  g_clear_pointer (&stored, g_free);
  stored = g_key_file_get_string (keyfile, "device", "previous-id", NULL);
  g_assert_cmpstr (stored, ==, old_id);

  /* Remembered from then on. */
  later = dropify_identity_new (dir, &error);
  g_assert_no_error (error);
  g_assert_true (dropify_identity_is_own_id (later, old_id));

  dropify_test_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/identity/derived", test_derived);
  g_test_add_func ("/identity/previous-id", test_previous_id);

  return g_test_run ();
}
