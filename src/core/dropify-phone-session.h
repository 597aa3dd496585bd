#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define DROPIFY_TYPE_PHONE_SESSION (dropify_phone_session_get_type ())

G_DECLARE_FINAL_TYPE (DropifyPhoneSession, dropify_phone_session, DROPIFY, PHONE_SESSION, GObject)

DropifyPhoneSession *dropify_phone_session_new                 (const char          *address,
                                                                const char          *user_agent,
                                                                const char          *origin);
const char          *dropify_phone_session_get_address         (DropifyPhoneSession *self);
const char          *dropify_phone_session_get_name            (DropifyPhoneSession *self);
const char          *dropify_phone_session_get_origin          (DropifyPhoneSession *self);
const char          *dropify_phone_session_get_user_agent      (DropifyPhoneSession *self);
GDateTime           *dropify_phone_session_get_connected_since (DropifyPhoneSession *self);
void                 dropify_phone_session_set_name            (DropifyPhoneSession *self,
                                                                const char          *name);

char                *dropify_phone_name_from_user_agent        (const char          *user_agent);

G_END_DECLS
