/* dropify-pairing-dialog.c: the code both devices show, to confirm a pairing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-pairing-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "dropify-pairing-dialog.h"

struct _DropifyPairingDialog
{
  AdwMessageDialog  parent_instance;

  DropifyPeer      *peer;
  gboolean          request;
  guint             destroy_source;
  char             *shown_code;

  /* Template widgets */
  GtkLabel         *code_label;
  GtkLabel         *where_label;
};

G_DEFINE_FINAL_TYPE (DropifyPairingDialog, dropify_pairing_dialog, ADW_TYPE_MESSAGE_DIALOG)

enum {
  PROP_0,
  PROP_PEER,
  PROP_REQUEST,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
dropify_pairing_dialog_peer_name (DropifyPairingDialog *self)
{
  const char *name = dropify_peer_get_name (self->peer);

  if (name != NULL && *name != '\0')
    return name;

  return _("The other device");
}

static gboolean
dropify_pairing_dialog_destroy_cb (gpointer user_data)
{
  DropifyPairingDialog *self = DROPIFY_PAIRING_DIALOG (user_data);

  self->destroy_source = 0;
  gtk_window_destroy (GTK_WINDOW (self));

  return G_SOURCE_REMOVE;
}

/* Whoever opened the dialog is told nothing when it goes away on its own:
 * destroying it, rather than closing it, sends no response. */
static void
dropify_pairing_dialog_update (DropifyPairingDialog *self)
{
  const char *code = dropify_peer_get_pairing_code (self->peer);
  const char *name = dropify_pairing_dialog_peer_name (self);
  gboolean has_code = code != NULL && *code != '\0';

  /* Paired, gone, timed out or declined: there is nothing left to
   * confirm. The window says why, if it was not paired. */
  if (dropify_peer_get_trusted (self->peer) ||
      !dropify_peer_get_connected (self->peer) ||
      dropify_peer_get_pairing (self->peer) == 0)
    {
      /* Not right away: this may run from the response that paired. */
      if (self->destroy_source == 0)
        self->destroy_source = g_idle_add_full (G_PRIORITY_HIGH_IDLE,
                                                dropify_pairing_dialog_destroy_cb,
                                                self, NULL);
      return;
    }

  if (self->request)
    {
      /* Translators: %s is the name of another device */
      adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (self), _("“%s” Wants to Pair"), name);
      /* Translators: the answer to another device's request to pair */
      adw_message_dialog_set_response_label (ADW_MESSAGE_DIALOG (self), "cancel", _("_Decline"));
    }
  else
    /* Translators: %s is the name of another device */
    adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (self), _("Pair with “%s”?"), name);

  if (has_code)
    /* Translators: %s is the name of another device, which shows a
     * 6-digit code too */
    adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (self),
                                    _("Paired devices share every drop. Pair only if %s shows "
                                      "the same code, then pair there too. If the codes differ, "
                                      "cancel on both: another device may be listening in between."),
                                    name);
  else
    /* Translators: %s is the name of another device */
    adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (self),
                                    _("Agreeing on a code with %s…"), name);

  /* Two devices may have the same name: where this one is tells them
   * apart. The address is plain text, whatever it holds. */
  {
    const char *address = dropify_peer_get_address (self->peer);
    g_autofree char *where = NULL;

    if (address != NULL && *address != '\0')
      /* Translators: %s is a network address, such as 192.168.1.20 */
      where = g_strdup_printf (_("At %s"), address);
    gtk_label_set_text (self->where_label, where != NULL ? where : "");
    gtk_widget_set_visible (GTK_WIDGET (self->where_label), where != NULL);
  }

  /* The code is new for every attempt: the one shown is the one paired. */
  g_free (self->shown_code);
  self->shown_code = has_code ? g_strdup (code) : NULL;
  gtk_label_set_text (self->code_label, has_code ? code : "––– –––");
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "pair", has_code);
}

static void
dropify_pairing_dialog_peer_notify (DropifyPairingDialog *self,
                                    GParamSpec           *pspec,
                                    DropifyPeer          *peer)
{
  dropify_pairing_dialog_update (self);
}

/* GObject */

static void
dropify_pairing_dialog_constructed (GObject *object)
{
  DropifyPairingDialog *self = (DropifyPairingDialog *)object;

  G_OBJECT_CLASS (dropify_pairing_dialog_parent_class)->constructed (object);

  g_assert (DROPIFY_IS_PEER (self->peer));

  g_signal_connect_object (self->peer, "notify",
                           G_CALLBACK (dropify_pairing_dialog_peer_notify),
                           self, G_CONNECT_SWAPPED);
  dropify_pairing_dialog_update (self);
}

static void
dropify_pairing_dialog_dispose (GObject *object)
{
  DropifyPairingDialog *self = (DropifyPairingDialog *)object;

  g_clear_handle_id (&self->destroy_source, g_source_remove);

  gtk_widget_dispose_template (GTK_WIDGET (object), DROPIFY_TYPE_PAIRING_DIALOG);

  G_OBJECT_CLASS (dropify_pairing_dialog_parent_class)->dispose (object);
}

static void
dropify_pairing_dialog_finalize (GObject *object)
{
  DropifyPairingDialog *self = (DropifyPairingDialog *)object;

  g_clear_object (&self->peer);
  g_clear_pointer (&self->shown_code, g_free);

  G_OBJECT_CLASS (dropify_pairing_dialog_parent_class)->finalize (object);
}

static void
dropify_pairing_dialog_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  DropifyPairingDialog *self = DROPIFY_PAIRING_DIALOG (object);

  switch (prop_id)
    {
    case PROP_PEER:
      g_value_set_object (value, self->peer);
      break;

    case PROP_REQUEST:
      g_value_set_boolean (value, self->request);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_pairing_dialog_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  DropifyPairingDialog *self = DROPIFY_PAIRING_DIALOG (object);

  switch (prop_id)
    {
    case PROP_PEER:
      self->peer = g_value_dup_object (value);
      break;

    case PROP_REQUEST:
      self->request = g_value_get_boolean (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_pairing_dialog_class_init (DropifyPairingDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = dropify_pairing_dialog_constructed;
  object_class->dispose = dropify_pairing_dialog_dispose;
  object_class->finalize = dropify_pairing_dialog_finalize;
  object_class->get_property = dropify_pairing_dialog_get_property;
  object_class->set_property = dropify_pairing_dialog_set_property;

  /**
   * DropifyPairingDialog:peer:
   *
   * The device to pair with, connected and not trusted yet.
   */
  properties[PROP_PEER] =
    g_param_spec_object ("peer", NULL, NULL,
                         DROPIFY_TYPE_PEER,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * DropifyPairingDialog:request:
   *
   * Whether the other device asked first, rather than the user here.
   */
  properties[PROP_REQUEST] =
    g_param_spec_boolean ("request", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE |
                           G_PARAM_CONSTRUCT_ONLY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dropify/Dropify/ui/dropify-pairing-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, DropifyPairingDialog, code_label);
  gtk_widget_class_bind_template_child (widget_class, DropifyPairingDialog, where_label);
}

static void
dropify_pairing_dialog_init (DropifyPairingDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * dropify_pairing_dialog_new:
 * @parent: (nullable): the window to show the dialog over
 * @peer: a connected device that is not paired
 * @request: whether @peer asked to pair first
 *
 * Shows the pairing code of @peer, which the other device shows too, and
 * asks whether to pair. It gives the "pair" or "cancel" response; when the
 * pairing no longer waits for an answer (it completed, timed out, or the
 * device left), the dialog goes away without one.
 *
 * Returns: (transfer floating): a new dialog
 */
GtkWidget *
dropify_pairing_dialog_new (GtkWindow   *parent,
                            DropifyPeer *peer,
                            gboolean     request)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (DROPIFY_IS_PEER (peer), NULL);

  return g_object_new (DROPIFY_TYPE_PAIRING_DIALOG,
                       "transient-for", parent,
                       "modal", TRUE,
                       "peer", peer,
                       "request", request,
                       NULL);
}

/**
 * dropify_pairing_dialog_get_peer:
 * @self: a #DropifyPairingDialog
 *
 * Returns: (transfer none): the device to pair with
 */
DropifyPeer *
dropify_pairing_dialog_get_peer (DropifyPairingDialog *self)
{
  g_return_val_if_fail (DROPIFY_IS_PAIRING_DIALOG (self), NULL);

  return self->peer;
}

/**
 * dropify_pairing_dialog_get_request:
 * @self: a #DropifyPairingDialog
 *
 * Returns: whether the other device asked to pair first
 */
gboolean
dropify_pairing_dialog_get_request (DropifyPairingDialog *self)
{
  g_return_val_if_fail (DROPIFY_IS_PAIRING_DIALOG (self), FALSE);

  return self->request;
}

/**
 * dropify_pairing_dialog_get_code:
 *
 * Returns: (nullable): the code the dialog shows, which "pair" accepts
 */
const char *
dropify_pairing_dialog_get_code (DropifyPairingDialog *self)
{
  g_return_val_if_fail (DROPIFY_IS_PAIRING_DIALOG (self), NULL);
  return self->shown_code;
}
