#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "dropify-drop.h"
#include "dropify-phone.h"
#include "dropify-service.h"

G_BEGIN_DECLS

/* Shared by dropify-phone.c (the object, the token, access control, the
 * live connection) and dropify-phone-api.c (the HTTP API and uploads). */

struct _DropifyPhone
{
  GObject         parent_instance;

  DropifyService *service;       /* unowned: the service owns us */
  DropifyHistory *history;
  SoupServer     *server;
  GCancellable   *cancellable;

  char           *token_path;
  char           *token;

  GListStore     *sessions;      /* DropifyPhoneSession, in connection order */
  GPtrArray      *lives;         /* Live, one per open WebSocket */
  GHashTable     *failures;      /* client address → Failures */
  guint           ping_source;
  GHashTable     *progressed;    /* id → DropifyDrop, received changed */
  guint           progress_source;
  GHashTable     *uploads;       /* origin/id → DropifyPhoneUpload */
  GHashTable     *names;         /* origin → the name its page chose */
  guint           uploads_source;
  int64_t         upload_expiry; /* µs without a byte before one goes */
  gboolean        started;
};

/* The largest body a request we refuse may send; we read and drop that
 * much to answer properly, and cut the connection beyond it. */
#define DROPIFY_PHONE_DRAIN_LIMIT (16 * 1024 * 1024)

/* A hundred drops of the largest text each would be too much for a phone;
 * the page shows the newest ones. */
#define DROPIFY_PHONE_MAX_LISTED 1000

/* Texts longer than this are listed as their first PREVIEW_BYTES; the
 * page asks for the rest (GET /api/drops/ID) when it is wanted. */
#define DROPIFY_PHONE_PREVIEW_LIMIT 2048
#define DROPIFY_PHONE_PREVIEW_BYTES 1024

/* The longest name a phone may choose, as a peer's device name. */
#define DROPIFY_PHONE_MAX_NAME_CHARS 64

/* An unfinished upload is kept this long after its last byte, for the
 * page to go on with it after a dropped connection. */
#define DROPIFY_PHONE_UPLOAD_EXPIRY (10 * 60 * G_USEC_PER_SEC)

typedef struct _DropifyPhoneUpload DropifyPhoneUpload;

void      dropify_phone_add_headers       (SoupServerMessage *msg,
                                           gboolean           attachment);
void      dropify_phone_respond_json      (SoupServerMessage *msg,
                                           guint              status,
                                           JsonNode          *node);
void      dropify_phone_respond_error     (SoupServerMessage *msg,
                                           guint              status,
                                           const char        *message);
gboolean  dropify_phone_admit             (DropifyPhone      *self,
                                           SoupServerMessage *msg,
                                           const char        *credential,
                                           gboolean           credentials_valid);
gboolean  dropify_phone_token_matches     (DropifyPhone      *self,
                                           const char        *token);
const char *dropify_phone_bearer_token    (SoupServerMessage *msg);
gboolean  dropify_phone_download_matches  (DropifyPhone      *self,
                                           const char        *id,
                                           const char        *sig);
char     *dropify_phone_dup_origin        (DropifyPhone      *self,
                                           SoupServerMessage *msg);
JsonNode *dropify_phone_drop_to_json      (DropifyPhone      *self,
                                           DropifyDrop       *drop,
                                           gboolean           full);
char     *dropify_phone_dup_origin_name   (DropifyPhone      *self,
                                           SoupServerMessage *msg,
                                           const char        *origin);
void      dropify_phone_set_origin_name   (DropifyPhone      *self,
                                           const char        *origin,
                                           const char        *name);
JsonNode *dropify_phone_info_to_json      (DropifyPhone      *self,
                                           SoupServerMessage *msg);
gboolean  dropify_phone_may_list          (DropifyPhone      *self,
                                           DropifyDrop       *drop,
                                           const char        *origin);
char    **dropify_phone_check_audience    (DropifyPhone      *self,
                                           const char * const *ids,
                                           GError           **error);
char    **dropify_phone_parse_audience_header (DropifyPhone      *self,
                                           SoupServerMessage *msg,
                                           GError           **error);
JsonNode *dropify_phone_devices_to_json   (DropifyPhone      *self);

void      dropify_phone_live_authorize    (DropifyPhone      *self,
                                           SoupServerMessage *msg);
void      dropify_phone_live_open         (DropifyPhone      *self,
                                           SoupServerMessage *msg,
                                           SoupWebsocketConnection *ws);

char     *dropify_phone_decode_file_name  (const char        *header);
DropifyDrop *dropify_phone_add_file_drop  (DropifyPhone      *self,
                                           SoupServerMessage *msg,
                                           const char        *name,
                                           const char * const *audience,
                                           const guint8      *head,
                                           gsize              head_len,
                                           const char        *sha256,
                                           uint64_t           size,
                                           GError           **error);

void      dropify_phone_uploads_init      (DropifyPhone      *self);
void      dropify_phone_uploads_clear     (DropifyPhone      *self);
DropifyPhoneUpload *dropify_phone_upload_begin (DropifyPhone      *self,
                                                SoupServerMessage *msg,
                                                const char        *id,
                                                gconstpointer      owner);
gboolean  dropify_phone_upload_write      (DropifyPhoneUpload *upload,
                                           SoupServerMessage  *msg,
                                           gconstpointer       owner,
                                           const guint8       *data,
                                           gsize               length);
void      dropify_phone_upload_end        (DropifyPhoneUpload *upload,
                                           SoupServerMessage  *msg,
                                           gconstpointer       owner);
void      dropify_phone_upload_release    (DropifyPhoneUpload *upload,
                                           gconstpointer       owner);
void      dropify_phone_upload_status     (DropifyPhone      *self,
                                           SoupServerMessage *msg,
                                           const char        *id);
void      dropify_phone_upload_cancel     (DropifyPhone      *self,
                                           SoupServerMessage *msg,
                                           const char        *id);
DropifyPhoneUpload *dropify_phone_upload_ref   (DropifyPhoneUpload *upload);
void      dropify_phone_upload_unref      (DropifyPhoneUpload *upload);

void      dropify_phone_api_attach        (DropifyPhone      *self);
void      dropify_phone_api_detach        (DropifyPhone      *self);

G_END_DECLS
