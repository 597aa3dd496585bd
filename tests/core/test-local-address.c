#define _GNU_SOURCE

#include "config.h"

#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "dropify-test-support.h"

/* This device's addresses, as shown in "add a device" and the phone
 * dialog. As root the test runs in a network namespace of its own, with
 * interfaces it made, so the whole list is known; elsewhere only the
 * rules every list must follow are checked. */

static gboolean own_network = FALSE;

static void
run (const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_assert_true (g_spawn_command_line_sync (command, NULL, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("“%s” failed: %s", command, err);
}

/* A LAN interface, a container bridge and a VPN, all up; one more down.
 * Veth pairs, since their other ends (without addresses) can be brought
 * up where dummy interfaces do not exist. */
static gboolean
make_own_network (void)
{
  static const char * const interfaces[] = { "eth0", "docker0", "wg0", "eth1" };
  g_autofree char *ip = g_find_program_in_path ("ip");

  if (getuid () != 0 || ip == NULL || unshare (CLONE_NEWNET) != 0)
    return FALSE;

  run ("ip link set lo up");
  for (guint i = 0; i < G_N_ELEMENTS (interfaces); i++)
    {
      g_autofree char *add = g_strdup_printf ("ip link add %s type veth peer name x%u", interfaces[i], i);
      g_autofree char *up = g_strdup_printf ("ip link set x%u up", i);

      run (add);
      run (up);
    }
  run ("ip addr add 10.1.2.3/24 dev eth0");
  run ("ip addr add 2001:db8::5/64 dev eth0 nodad");
  run ("ip addr add fe80::5/64 dev eth0 nodad");
  run ("ip link set eth0 up");
  run ("ip addr add 172.17.0.1/16 dev docker0");
  run ("ip link set docker0 up");
  run ("ip addr add 10.9.9.9/24 dev wg0");
  run ("ip link set wg0 up");
  run ("ip addr add 10.5.5.5/24 dev eth1");

  return TRUE;
}

static char *
joined (GStrv list)
{
  return g_strjoinv (" ", list);
}

static void
test_known_network (void)
{
  g_auto(GStrv) ipv4 = NULL;
  g_auto(GStrv) all = NULL;
  g_autofree char *ipv4_text = NULL;
  g_autofree char *all_text = NULL;

  if (!own_network)
    {
      g_test_skip ("needs root and `ip` for a network namespace of its own");
      return;
    }

  /* Real before virtual, the interface that is down left out. */
  ipv4 = dropify_local_address_list (DROPIFY_LOCAL_ADDRESS_IPV4);
  ipv4_text = joined (ipv4);
  g_assert_cmpstr (ipv4_text, ==, "10.1.2.3 172.17.0.1 10.9.9.9");

  /* IPv6 after IPv4 of the same kind, link-local left out, loopback last. */
  all = dropify_local_address_list (DROPIFY_LOCAL_ADDRESS_IPV6 | DROPIFY_LOCAL_ADDRESS_LOOPBACK);
  all_text = joined (all);
  g_assert_cmpstr (all_text, ==, "10.1.2.3 [2001:db8::5] 172.17.0.1 10.9.9.9 127.0.0.1 [::1]");
}

static void
test_no_interface_up (void)
{
  g_auto(GStrv) ipv4 = NULL;
  g_auto(GStrv) all = NULL;

  if (!own_network)
    {
      g_test_skip ("needs root and `ip` for a network namespace of its own");
      return;
    }

  run ("ip link set eth0 down");
  run ("ip link set docker0 down");
  run ("ip link set wg0 down");
  run ("ip link set lo down");

  ipv4 = dropify_local_address_list (DROPIFY_LOCAL_ADDRESS_IPV4);
  g_assert_cmpuint (g_strv_length (ipv4), ==, 0);

  /* Never empty with loopback asked for: a page on this computer works. */
  all = dropify_local_address_list (DROPIFY_LOCAL_ADDRESS_IPV6 | DROPIFY_LOCAL_ADDRESS_LOOPBACK);
  g_assert_cmpstrv (all, ((const char * const[]) { "127.0.0.1", NULL }));

  run ("ip link set lo up");
  run ("ip link set eth0 up");
  run ("ip link set docker0 up");
  run ("ip link set wg0 up");
}

/* What holds on any machine. */
static void
test_rules (void)
{
  g_auto(GStrv) ipv4 = dropify_local_address_list (DROPIFY_LOCAL_ADDRESS_IPV4);
  g_auto(GStrv) all = dropify_local_address_list (DROPIFY_LOCAL_ADDRESS_IPV6 |
                                                  DROPIFY_LOCAL_ADDRESS_LOOPBACK);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean loopback_seen = FALSE;
  guint n = g_strv_length (all);

  for (guint i = 0; ipv4[i] != NULL; i++)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (ipv4[i]);

      g_assert_nonnull (address);
      g_assert_cmpint (g_inet_address_get_family (address), ==, G_SOCKET_FAMILY_IPV4);
      g_assert_false (g_inet_address_get_is_loopback (address));
      g_assert_true (g_strv_contains ((const char * const *) all, ipv4[i]));
    }

  g_assert_cmpuint (n, >, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *bare = NULL;
      g_autoptr(GInetAddress) address = NULL;

      g_assert_true (g_hash_table_add (seen, all[i]));
      if (all[i][0] == '[')
        {
          g_assert_true (g_str_has_suffix (all[i], "]"));
          bare = g_strndup (all[i] + 1, strlen (all[i]) - 2);
        }
      else
        bare = g_strdup (all[i]);
      address = g_inet_address_new_from_string (bare);
      g_assert_nonnull (address);
      g_assert_cmpint (all[i][0] == '[', ==, g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6);
      g_assert_false (g_inet_address_get_is_link_local (address));

      /* Loopback addresses, once they start, are all that follow. */
      if (g_inet_address_get_is_loopback (address))
        loopback_seen = TRUE;
      else
        g_assert_false (loopback_seen);
    }
  g_assert_true (loopback_seen);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  own_network = make_own_network ();

  g_test_add_func ("/local-address/rules", test_rules);
  g_test_add_func ("/local-address/known-network", test_known_network);
  g_test_add_func ("/local-address/no-interface-up", test_no_interface_up);

  return g_test_run ();
}
