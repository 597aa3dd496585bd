#pragma once

#include <gio/gio.h>

#include "dropify-phone-session.h"

G_BEGIN_DECLS

typedef struct _DropifyService DropifyService;

#define DROPIFY_TYPE_PHONE (dropify_phone_get_type ())

G_DECLARE_FINAL_TYPE (DropifyPhone, dropify_phone, DROPIFY, PHONE, GObject)

DropifyPhone *dropify_phone_new           (DropifyService  *service);
gboolean      dropify_phone_start         (DropifyPhone    *self,
                                           GError         **error);
void          dropify_phone_stop          (DropifyPhone    *self);
const char   *dropify_phone_get_token     (DropifyPhone    *self);
gboolean      dropify_phone_rotate_token  (DropifyPhone    *self,
                                           GError         **error);
GListModel   *dropify_phone_get_sessions  (DropifyPhone    *self);
char        **dropify_phone_dup_addresses (DropifyPhone    *self);
char         *dropify_phone_dup_url_for   (DropifyPhone    *self,
                                           const char      *address);
char        **dropify_phone_dup_urls      (DropifyPhone    *self);
char         *dropify_phone_dup_url       (DropifyPhone    *self);

G_END_DECLS
