#pragma once

#include <gio/gio.h>

#include "dropify-service.h"

G_BEGIN_DECLS

#define DROPIFY_TYPE_NOTIFIER (dropify_notifier_get_type ())

G_DECLARE_FINAL_TYPE (DropifyNotifier, dropify_notifier, DROPIFY, NOTIFIER, GObject)

DropifyNotifier *dropify_notifier_new          (GApplication    *application,
                                                DropifyService  *service);
gboolean         dropify_notifier_get_watching (DropifyNotifier *self);
void             dropify_notifier_set_watching (DropifyNotifier *self,
                                                gboolean         watching);
void             dropify_notifier_withdraw_all (DropifyNotifier *self);
void             dropify_notifier_forget_drop  (DropifyNotifier *self,
                                                const char      *id);

G_END_DECLS
