#pragma once

#include <adwaita.h>

#include "dropify-service.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_PEERS_PAGE (dropify_peers_page_get_type ())

G_DECLARE_FINAL_TYPE (DropifyPeersPage, dropify_peers_page, DROPIFY, PEERS_PAGE, AdwBin)

DropifyService *dropify_peers_page_get_service     (DropifyPeersPage *self);
void            dropify_peers_page_set_service     (DropifyPeersPage *self,
                                                    DropifyService   *service);
guint           dropify_peers_page_get_n_connected (DropifyPeersPage *self);
void            dropify_peers_page_set_help_delay  (DropifyPeersPage *self,
                                                    guint             delay_ms);
void            dropify_peers_page_set_searching_since (DropifyPeersPage *self,
                                                        gint64            monotonic_time);

G_END_DECLS
