#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * DropifyLocalAddressFlags:
 * @DROPIFY_LOCAL_ADDRESS_IPV4: IPv4 addresses only, no loopback
 * @DROPIFY_LOCAL_ADDRESS_IPV6: IPv6 addresses too, in brackets
 * @DROPIFY_LOCAL_ADDRESS_LOOPBACK: loopback too, last, so the list is never empty
 */
typedef enum
{
  DROPIFY_LOCAL_ADDRESS_IPV4     = 0,
  DROPIFY_LOCAL_ADDRESS_IPV6     = 1 << 0,
  DROPIFY_LOCAL_ADDRESS_LOOPBACK = 1 << 1,
} DropifyLocalAddressFlags;

GStrv dropify_local_address_list (DropifyLocalAddressFlags flags);

G_END_DECLS
