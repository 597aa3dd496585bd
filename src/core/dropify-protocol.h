#pragma once

#include <glib.h>
#include <stdint.h>

#include "dropify-drop.h"

G_BEGIN_DECLS

/* The peer wire protocol: pure functions, no I/O, so the decoder can be
 * fuzzed. Every message is one WebSocket text frame holding one JSON
 * object with a "type". See docs/protocol.md. */

#define DROPIFY_PROTOCOL_VERSION       4
#define DROPIFY_PROTOCOL_MAX_MESSAGE   (17 * 1024 * 1024)
#define DROPIFY_PROTOCOL_MAX_IDS       4096
#define DROPIFY_PROTOCOL_FANOUT        16
#define DROPIFY_PROTOCOL_DIGEST_LEN    32
#define DROPIFY_PROTOCOL_CHUNK_HEADER  40            /* SHA-256 + offset */
#define DROPIFY_PROTOCOL_MAX_CHUNK     (1024 * 1024)

/* WebSocket close codes of our own (4000–4999 are for applications). */
#define DROPIFY_CLOSE_BAD_MESSAGE      4000
#define DROPIFY_CLOSE_INCOMPATIBLE     4001
#define DROPIFY_CLOSE_DUPLICATE        4002
#define DROPIFY_CLOSE_SELF             4003
#define DROPIFY_CLOSE_SHUTDOWN         4004
#define DROPIFY_CLOSE_WRONG_CERTIFICATE 4005
#define DROPIFY_CLOSE_NO_TLS           4006
#define DROPIFY_CLOSE_UNPAIRED         4007
#define DROPIFY_CLOSE_FLOOD            4008

#define DROPIFY_PROTOCOL_ERROR (dropify_protocol_error_quark ())

typedef enum
{
  DROPIFY_PROTOCOL_ERROR_MALFORMED,
  DROPIFY_PROTOCOL_ERROR_TOO_LARGE,
  DROPIFY_PROTOCOL_ERROR_UNKNOWN_TYPE,
  DROPIFY_PROTOCOL_ERROR_INVALID_FIELD,
} DropifyProtocolError;

typedef enum
{
  DROPIFY_MESSAGE_HELLO,
  DROPIFY_MESSAGE_SUMMARY,
  DROPIFY_MESSAGE_IDS,
  DROPIFY_MESSAGE_DROP,
  DROPIFY_MESSAGE_DELETE,
  DROPIFY_MESSAGE_FILE_GET,
  DROPIFY_MESSAGE_CREDIT,
  DROPIFY_MESSAGE_FILE_MISSING,
  DROPIFY_MESSAGE_AUTH_START,
  DROPIFY_MESSAGE_AUTH_REPLY,
  DROPIFY_MESSAGE_AUTH_CONFIRM,
  DROPIFY_MESSAGE_PAIR_REQUEST,
  DROPIFY_MESSAGE_PAIR_NONCE,
  DROPIFY_MESSAGE_PAIR_ACCEPT,
  DROPIFY_MESSAGE_PAIR_REJECT,
  DROPIFY_MESSAGE_HAVE,
  DROPIFY_MESSAGE_NAME,
  DROPIFY_MESSAGE_TRANSFER_CANCEL,
} DropifyMessageType;

/* Sizes of the pairing and group-secret fields, in bytes; each travels
 * as lower-case hex. */
#define DROPIFY_PROTOCOL_ATTEMPT_LEN   16
#define DROPIFY_PROTOCOL_SID_LEN       16
#define DROPIFY_PROTOCOL_NONCE_LEN     32
#define DROPIFY_PROTOCOL_SHARE_LEN     32
#define DROPIFY_PROTOCOL_TAG_LEN       32

/* Why a pairing attempt ended, as pair-reject says it. */
typedef enum
{
  DROPIFY_PAIR_END_DECLINED,    /* the person said no, or the codes differ */
  DROPIFY_PAIR_END_BUSY,        /* another attempt, or too many of them */
  DROPIFY_PAIR_END_TIMEOUT,
  DROPIFY_PAIR_END_FAILED,      /* the exchange did not check out */
  DROPIFY_PAIR_END_CANCELLED,   /* the person who asked withdrew */
  DROPIFY_PAIR_END_OTHER,       /* a reason this version does not know */
} DropifyPairEnd;

typedef struct
{
  char     key;                                   /* one hex digit */
  guint    count;
  char     digest[DROPIFY_PROTOCOL_DIGEST_LEN + 1];
} DropifyBucket;

typedef struct
{
  char    *id;
  int64_t  expires_at;
} DropifyTombstone;

typedef struct
{
  DropifyMessageType  type;

  /* hello; name has a name only */
  int                 version;
  char               *device_id;
  char               *name;
  int64_t             clock;
  guint               port;

  /* summary and ids */
  char               *prefix;
  GArray             *buckets;   /* DropifyBucket */
  GPtrArray          *live;      /* char * */
  GArray             *dead;      /* DropifyTombstone */

  /* drop */
  DropifyDrop        *drop;

  /* delete */
  char               *id;
  int64_t             expires_at;

  /* file-get, credit, file-missing, have, transfer-cancel */
  char               *sha256;
  uint64_t            offset;
  uint64_t            limit;

  /* auth-start, auth-reply, auth-confirm: hex */
  char               *sid;
  char               *share;
  char               *tag;
  gboolean            trusting;

  /* pair-request, pair-nonce, pair-accept, pair-reject: hex */
  char               *attempt;
  char               *commit;
  char               *nonce;
  DropifyPairEnd      reason;
} DropifyMessage;

GQuark          dropify_protocol_error_quark     (void);
gboolean        dropify_protocol_id_is_valid     (const char         *id);
gboolean        dropify_protocol_prefix_is_valid (const char         *prefix);
DropifyMessage *dropify_message_parse            (const char         *data,
                                                  gsize               length,
                                                  GError            **error);
void            dropify_message_free             (DropifyMessage     *message);
const char     *dropify_message_type_to_string   (DropifyMessageType  type);

char           *dropify_protocol_encode_hello    (const char         *device_id,
                                                  const char         *name,
                                                  int64_t             clock,
                                                  guint               port);
char           *dropify_protocol_encode_summary  (const char         *prefix,
                                                  const DropifyBucket *buckets,
                                                  guint               n_buckets);
char           *dropify_protocol_encode_ids      (const char         *prefix,
                                                  GPtrArray          *live,
                                                  GArray             *dead);
char           *dropify_protocol_encode_drop     (DropifyDrop        *drop);
char           *dropify_protocol_encode_delete   (const char         *id,
                                                  int64_t             expires_at);

char           *dropify_protocol_encode_file_get (const char         *sha256,
                                                  uint64_t            offset,
                                                  uint64_t            limit);
char           *dropify_protocol_encode_credit   (const char         *sha256,
                                                  uint64_t            limit);
char           *dropify_protocol_encode_file_missing (const char     *sha256);
char           *dropify_protocol_encode_have         (const char     *sha256);
char           *dropify_protocol_encode_transfer_cancel (const char   *sha256);
char           *dropify_protocol_encode_name         (const char     *name);
char           *dropify_protocol_encode_auth_start   (const char     *sid,
                                                      const char     *share,
                                                      gboolean        trusting);
char           *dropify_protocol_encode_auth_reply   (const char     *share,
                                                      const char     *tag);
char           *dropify_protocol_encode_auth_confirm (const char     *tag);
char           *dropify_protocol_encode_pair_request (const char     *attempt,
                                                      const char     *commit);
char           *dropify_protocol_encode_pair_nonce   (const char     *attempt,
                                                      const char     *nonce);
char           *dropify_protocol_encode_pair_accept  (const char     *attempt);
char           *dropify_protocol_encode_pair_reject  (const char     *attempt,
                                                      DropifyPairEnd  reason);
void            dropify_protocol_write_chunk_header (guint8           *header,
                                                  const char         *sha256,
                                                  uint64_t            offset);
gboolean        dropify_protocol_parse_chunk     (const guint8       *data,
                                                  gsize               length,
                                                  char                sha256[65],
                                                  uint64_t           *offset,
                                                  const guint8      **payload,
                                                  gsize              *payload_length,
                                                  GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DropifyMessage, dropify_message_free)

G_END_DECLS
