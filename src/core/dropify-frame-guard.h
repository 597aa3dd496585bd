#pragma once

#include <stdint.h>

#include <gio/gio.h>

G_BEGIN_DECLS

/* What a stranger may send before it is trusted: a hello, an auth, a
 * pairing answer. Each is a few hundred bytes. */
#define DROPIFY_FRAME_GUARD_UNTRUSTED_MESSAGE     (64 * 1024)
#define DROPIFY_FRAME_GUARD_UNTRUSTED_FRAMES_S    64
/* The request or response line and headers before the upgrade. */
#define DROPIFY_FRAME_GUARD_MAX_HEADERS           (16 * 1024)

/* The pure part: a parser that follows the WebSocket framing of a byte
 * stream (RFC 6455 §5.2) without keeping any of it, and says when the
 * stream breaks a limit. No I/O, so it can be fuzzed. */
typedef enum
{
  DROPIFY_FRAME_PARSER_HEADERS,   /* the HTTP upgrade, up to its blank line */
  DROPIFY_FRAME_PARSER_FRAMES,
} DropifyFrameParserStage;

typedef struct
{
  DropifyFrameParserStage stage;
  guint8    header[14];
  guint     header_len;
  guint     header_need;
  uint64_t  payload_left;     /* of the frame being read */
  gboolean  in_message;       /* a data message that has not ended */
  gboolean  frame_is_data;
  gboolean  frame_fin;
  uint64_t  message_bytes;    /* payload of the message being read, all fragments */
  uint64_t  max_message;
  guint     header_bytes;     /* of the HTTP part */
  guint     header_match;     /* how much of "\r\n\r\n" was seen */
  uint64_t  frames;           /* all frames whose header was read */
  uint64_t  data_messages;    /* data messages begun */
  char     *violation;
} DropifyFrameParser;

void        dropify_frame_parser_init    (DropifyFrameParser       *parser,
                                          DropifyFrameParserStage   stage,
                                          uint64_t                  max_message);
void        dropify_frame_parser_clear   (DropifyFrameParser       *parser);
gboolean    dropify_frame_parser_feed    (DropifyFrameParser       *parser,
                                          const guint8             *data,
                                          gsize                     len);

#define DROPIFY_TYPE_FRAME_GUARD (dropify_frame_guard_get_type ())

G_DECLARE_FINAL_TYPE (DropifyFrameGuard, dropify_frame_guard, DROPIFY, FRAME_GUARD, GFilterInputStream)

DropifyFrameGuard *dropify_frame_guard_new            (GInputStream      *base,
                                                       DropifyFrameParserStage stage);
void               dropify_frame_guard_set_limits     (DropifyFrameGuard *self,
                                                       uint64_t           max_message,
                                                       guint              max_frames_per_s);
const char        *dropify_frame_guard_get_violation  (DropifyFrameGuard *self);
uint64_t           dropify_frame_guard_get_frames     (DropifyFrameGuard *self);
uint64_t           dropify_frame_guard_get_bytes      (DropifyFrameGuard *self);
gboolean           dropify_frame_guard_headers_done   (DropifyFrameGuard *self);

G_END_DECLS
