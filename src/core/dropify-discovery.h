#pragma once

#include <glib-object.h>

#include "dropify-identity.h"

G_BEGIN_DECLS

#define DROPIFY_DISCOVERY_SERVICE_TYPE "_dropify._tcp"

#define DROPIFY_TYPE_DISCOVERY (dropify_discovery_get_type ())

G_DECLARE_FINAL_TYPE (DropifyDiscovery, dropify_discovery, DROPIFY, DISCOVERY, GObject)

DropifyDiscovery *dropify_discovery_new            (DropifyIdentity  *identity);
void              dropify_discovery_start          (DropifyDiscovery *self,
                                                    guint             port);
void              dropify_discovery_stop           (DropifyDiscovery *self);
gboolean          dropify_discovery_get_available  (DropifyDiscovery *self);
const char       *dropify_discovery_get_status     (DropifyDiscovery *self);
const char       *dropify_discovery_get_published_name (DropifyDiscovery *self);

G_END_DECLS
