#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* From the first SYN to the WebSocket being open. */
#define DROPIFY_PEER_DIAL_TIMEOUT_S 10

void                     dropify_peer_dial_async  (const char           *host,
                                                   guint                 port,
                                                   GTlsCertificate      *certificate,
                                                   GCancellable         *cancellable,
                                                   GAsyncReadyCallback   callback,
                                                   gpointer              user_data);
SoupWebsocketConnection *dropify_peer_dial_finish (GAsyncResult         *result,
                                                   GError              **error);

G_END_DECLS
