#pragma once

#include "dropify-blob-store.h"
#include "dropify-clock.h"
#include "dropify-discovery.h"
#include "dropify-drop.h"
#include "dropify-history.h"
#include "dropify-identity.h"
#include "dropify-peer.h"
#include "dropify-protocol.h"
#include "dropify-server.h"
#include "dropify-sync.h"
#include "dropify-service.h"
#include "dropify-enums.h"
