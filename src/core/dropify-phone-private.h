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
JsonNode *dropify_phone_info_to_json      (DropifyPhone      *self);

void      dropify_phone_live_authorize    (DropifyPhone      *self,
                                           SoupServerMessage *msg);
void      dropify_phone_live_open         (DropifyPhone      *self,
                                           SoupServerMessage *msg,
                                           SoupWebsocketConnection *ws);

void      dropify_phone_api_attach        (DropifyPhone      *self);
void      dropify_phone_api_detach        (DropifyPhone      *self);

G_END_DECLS
