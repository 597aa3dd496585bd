#pragma once

#include <libsoup/soup.h>

#include "dropify-log-limit.h"

G_BEGIN_DECLS

/* A hello must come within this, and a stranger that is not paired
 * within DROPIFY_CHANNEL_UNTRUSTED_IDLE_S is let go. */
#define DROPIFY_CHANNEL_HELLO_S            10
#define DROPIFY_CHANNEL_UNTRUSTED_IDLE_S   (10 * 60)
/* Messages a stranger may send in one second: hello, auth, pairing. */
#define DROPIFY_CHANNEL_UNTRUSTED_PER_S    50
/* Frames a trusted peer may send in one second: 256 KiB chunks at 4 GiB/s,
 * or a burst of small drops; far below what would cost real CPU. */
#define DROPIFY_CHANNEL_TRUSTED_FRAMES_S   20000
/* A trusted channel pings every DROPIFY_CHANNEL_PING_S; one that has
 * heard nothing at all, not even a pong, for DROPIFY_CHANNEL_SILENT_S is
 * taken for gone (a cut cable or a frozen device says nothing). */
#define DROPIFY_CHANNEL_PING_S             10
#define DROPIFY_CHANNEL_SILENT_S           30

#define DROPIFY_TYPE_CHANNEL (dropify_channel_get_type ())

G_DECLARE_FINAL_TYPE (DropifyChannel, dropify_channel, DROPIFY, CHANNEL, GObject)

DropifyChannel *dropify_channel_new             (SoupWebsocketConnection *ws,
                                                 const char              *remote,
                                                 gboolean                 outgoing);
void            dropify_channel_set_log_limit   (DropifyChannel          *self,
                                                 DropifyLogLimit         *limit);
const char     *dropify_channel_get_fingerprint (DropifyChannel          *self);
const char     *dropify_channel_get_device_id   (DropifyChannel          *self);
GTlsConnection *dropify_channel_get_tls         (DropifyChannel          *self);
GIOStream      *dropify_channel_get_io_stream   (DropifyChannel          *self);
const char     *dropify_channel_get_remote      (DropifyChannel          *self);
gboolean        dropify_channel_is_outgoing     (DropifyChannel          *self);
gboolean        dropify_channel_is_open         (DropifyChannel          *self);
gboolean        dropify_channel_get_trusted     (DropifyChannel          *self);
void            dropify_channel_set_trusted     (DropifyChannel          *self,
                                                 gboolean                 trusted);
void            dropify_channel_hello_received  (DropifyChannel          *self);
gsize           dropify_channel_send_text       (DropifyChannel          *self,
                                                 const char              *text);
void            dropify_channel_send_binary     (DropifyChannel          *self,
                                                 const void              *data,
                                                 gsize                    len);
void            dropify_channel_close           (DropifyChannel          *self,
                                                 gushort                  code,
                                                 const char              *reason);
gushort         dropify_channel_get_close_code  (DropifyChannel          *self);
const char     *dropify_channel_get_close_reason (DropifyChannel         *self);

G_END_DECLS
