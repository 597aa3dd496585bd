#pragma once

#include <glib-object.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef enum
{
  DROPIFY_PEER_QUOTA_OK,
  DROPIFY_PEER_QUOTA_RATE,   /* too many drops and deletions too fast */
  DROPIFY_PEER_QUOTA_TEXT,   /* too many bytes of text stored */
  DROPIFY_PEER_QUOTA_COUNT,  /* too many drops stored */
} DropifyPeerQuotaResult;

#define DROPIFY_TYPE_PEER_QUOTA (dropify_peer_quota_get_type ())

G_DECLARE_FINAL_TYPE (DropifyPeerQuota, dropify_peer_quota, DROPIFY, PEER_QUOTA, GObject)

DropifyPeerQuota       *dropify_peer_quota_new          (guint             burst,
                                                         guint             per_second,
                                                         guint             max_drops,
                                                         uint64_t          max_text_bytes);
DropifyPeerQuotaResult  dropify_peer_quota_admit        (DropifyPeerQuota *self,
                                                         const char       *peer_id,
                                                         int64_t           now_us,
                                                         gboolean          is_drop,
                                                         uint64_t          text_bytes);
gboolean                dropify_peer_quota_first_refusal (DropifyPeerQuota *self,
                                                         const char       *peer_id);
void                    dropify_peer_quota_add_drop     (DropifyPeerQuota *self,
                                                         const char       *peer_id,
                                                         const char       *drop_id,
                                                         uint64_t          text_bytes);
void                    dropify_peer_quota_remove_drop  (DropifyPeerQuota *self,
                                                         const char       *drop_id);
uint64_t                dropify_peer_quota_get_text_bytes (DropifyPeerQuota *self,
                                                         const char       *peer_id);
guint                   dropify_peer_quota_get_n_drops  (DropifyPeerQuota *self,
                                                         const char       *peer_id);
guint                   dropify_peer_quota_get_refill_s (DropifyPeerQuota *self);

G_END_DECLS
