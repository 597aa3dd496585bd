/* dropify-local-address.c: the addresses other devices can reach this one at
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-local-address"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include "dropify-local-address.h"

/* Shown to people (the phone dialog, "add a device"), best first: the
 * interfaces of containers and VPNs rarely are what another device on
 * the LAN can reach. */
static gboolean
is_virtual_interface (const char *name)
{
  static const char * const prefixes[] = {
    "docker", "br-", "virbr", "veth", "vmnet", "vboxnet", "lxc", "lxd", "podman", "cni",
    "flannel", "tun", "tap", "wg", "zt", "tailscale",
  };

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (g_str_has_prefix (name, prefixes[i]))
      return TRUE;

  return FALSE;
}

static int
address_rank (const struct ifaddrs *ifa)
{
  gboolean loopback = (ifa->ifa_flags & IFF_LOOPBACK) != 0;
  gboolean virtual = is_virtual_interface (ifa->ifa_name);

  if (ifa->ifa_addr->sa_family == AF_INET)
    return loopback ? 5 : virtual ? 2 : 0;

  return loopback ? 6 : virtual ? 3 : 1;
}

typedef struct
{
  int   rank;
  guint order;
  char *text;
} Candidate;

static int
compare_candidates (gconstpointer a,
                    gconstpointer b)
{
  const Candidate *x = a;
  const Candidate *y = b;

  if (x->rank != y->rank)
    return x->rank - y->rank;
  return (int) x->order - (int) y->order;
}

static void
candidate_clear (gpointer data)
{
  g_free (((Candidate *) data)->text);
}

/* The address of @ifa as text, IPv6 in brackets ready for a URL; FALSE
 * for other families and for IPv6 addresses nobody can type (link-local
 * ones need a zone). */
static gboolean
format_address (const struct ifaddrs *ifa,
                char                  text[INET6_ADDRSTRLEN + 2])
{
  if (ifa->ifa_addr->sa_family == AF_INET)
    {
      const struct sockaddr_in *sin = (const struct sockaddr_in *) ifa->ifa_addr;

      return inet_ntop (AF_INET, &sin->sin_addr, text, INET6_ADDRSTRLEN + 2) != NULL;
    }

  if (ifa->ifa_addr->sa_family == AF_INET6)
    {
      const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) ifa->ifa_addr;
      char bare[INET6_ADDRSTRLEN];

      if (IN6_IS_ADDR_LINKLOCAL (&sin6->sin6_addr) || IN6_IS_ADDR_V4MAPPED (&sin6->sin6_addr) ||
          !inet_ntop (AF_INET6, &sin6->sin6_addr, bare, sizeof bare))
        return FALSE;
      g_snprintf (text, INET6_ADDRSTRLEN + 2, "[%s]", bare);
      return TRUE;
    }

  return FALSE;
}

/**
 * dropify_local_address_list:
 * @flags: which addresses besides the IPv4 ones
 *
 * Lists this device's addresses, best first: those of interfaces that are
 * up and running (a bridge with nothing plugged in is up, but not
 * running), IPv4 before IPv6, virtual interfaces (containers, VPNs) after
 * real ones, loopback last. With %DROPIFY_LOCAL_ADDRESS_LOOPBACK the list
 * holds 127.0.0.1 even when the interfaces cannot be listed.
 *
 * Returns: (transfer full): the addresses, without repeats; possibly none
 */
GStrv
dropify_local_address_list (DropifyLocalAddressFlags flags)
{
  g_autoptr(GArray) candidates = g_array_new (FALSE, TRUE, sizeof (Candidate));
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean want_ipv6 = (flags & DROPIFY_LOCAL_ADDRESS_IPV6) != 0;
  gboolean want_loopback = (flags & DROPIFY_LOCAL_ADDRESS_LOOPBACK) != 0;
  gboolean have_loopback = FALSE;
  struct ifaddrs *list = NULL;

  g_array_set_clear_func (candidates, candidate_clear);

  if (getifaddrs (&list) != 0)
    {
      g_debug ("Could not list this device's addresses: %s", g_strerror (errno));
      list = NULL;
    }

  for (const struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next)
    {
      char text[INET6_ADDRSTRLEN + 2];
      gboolean loopback;
      Candidate candidate;

      if (ifa->ifa_addr == NULL || !(ifa->ifa_flags & IFF_UP))
        continue;

      loopback = (ifa->ifa_flags & IFF_LOOPBACK) != 0;
      if (loopback ? !want_loopback : !(ifa->ifa_flags & IFF_RUNNING))
        continue;

      if (ifa->ifa_addr->sa_family == AF_INET6 && !want_ipv6)
        continue;

      if (!format_address (ifa, text))
        continue;

      candidate.rank = address_rank (ifa);
      candidate.order = candidates->len;
      candidate.text = g_strdup (text);
      have_loopback |= loopback && ifa->ifa_addr->sa_family == AF_INET;
      g_array_append_val (candidates, candidate);
    }

  if (list != NULL)
    freeifaddrs (list);

  if (want_loopback && !have_loopback)
    {
      Candidate candidate = { 5, candidates->len, g_strdup ("127.0.0.1") };
      g_array_append_val (candidates, candidate);
    }

  g_array_sort (candidates, compare_candidates);

  for (guint i = 0; i < candidates->len; i++)
    {
      const char *text = g_array_index (candidates, Candidate, i).text;

      if (g_hash_table_add (seen, (gpointer) text))
        g_strv_builder_add (builder, text);
    }

  return g_strv_builder_end (builder);
}
