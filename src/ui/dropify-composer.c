/* dropify-composer.c: the bar under the history where drops are made:
 * the text to send, files to attach, the clipboard, and who they go to
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-composer"

#include "config.h"

#include <glib/gi18n.h>

#include "dropify-audience.h"
#include "dropify-composer.h"

/* The window owns the actions that reach the composer (win.send,
 * win.send-to, win.attach, win.paste and the rest), with their shortcuts
 * and accessible names; it hands the work to the functions below, and
 * shows the toasts this emits. */

struct _DropifyComposer
{
  AdwBin                parent_instance;

  DropifyService       *service;
  GCancellable         *cancellable;

  guint                 n_pending_files;
  gboolean              can_send;

  /* Who new drops made here are for: a paired device's id, or NULL for
   * every device. */
  char                 *send_to;

  /* Template widgets */
  GtkTextView          *view;
  GtkTextBuffer        *buffer;
  GtkWidget            *placeholder;
  GtkMenuButton        *send_to_button;
};

G_DEFINE_FINAL_TYPE (DropifyComposer, dropify_composer, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_SEND_TO,
  PROP_CAN_SEND,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  TOAST,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Toasts are the window's to show. */
static void
dropify_composer_show_toast (DropifyComposer *self,
                             const char      *text)
{
  g_signal_emit (self, signals[TOAST], 0, text);
}

static void
dropify_composer_show_error (DropifyComposer *self,
                             const GError    *error)
{
  g_debug ("%s", error->message);
  dropify_composer_show_toast (self, error->message);
}

static DropifyPeer *
dropify_composer_find_peer (DropifyComposer *self,
                            const char      *device_id)
{
  DropifySync *sync;

  /* The label waits for the service, which the window sets. */
  if (self->service == NULL)
    return NULL;

  sync = dropify_service_get_sync (self->service);
  return dropify_audience_find_peer (dropify_sync_get_peers (sync), device_id);
}

/* Sending */

static gboolean
text_is_blank (const char *text)
{
  for (const char *p = text; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      if (!g_unichar_isspace (g_utf8_get_char (p)))
        return FALSE;
    }

  return TRUE;
}

/* Send to */

static void
dropify_composer_update_send_to (DropifyComposer *self)
{
  DropifyPeer *peer = self->send_to != NULL
                      ? dropify_composer_find_peer (self, self->send_to)
                      : NULL;
  g_autofree char *name = NULL;
  g_autofree char *label = NULL;

  if (self->send_to_button == NULL)
    return;

  if (self->send_to == NULL)
    label = g_strdup (_("All Devices"));
  else
    {
      name = peer != NULL ? dropify_audience_dup_peer_label (peer) : g_strndup (self->send_to, 8);
      /* Translators: who new drops go to; %s is a device's name */
      label = g_strdup_printf (_("To %s"), name);
    }

  /* A peer's name is shown as it is, never as a mnemonic. */
  gtk_menu_button_set_use_underline (self->send_to_button, FALSE);
  gtk_menu_button_set_label (self->send_to_button, label);
}

/**
 * dropify_composer_set_send_to:
 * @device_id: (nullable): a paired device's id, or %NULL or "" for every
 *   device; anything that is not a device id is ignored
 *
 * Sets who new drops made in the composer are for.
 */
void
dropify_composer_set_send_to (DropifyComposer *self,
                              const char      *device_id)
{
  g_return_if_fail (DROPIFY_IS_COMPOSER (self));

  if (device_id != NULL && *device_id == '\0')
    device_id = NULL;
  if (device_id != NULL && !dropify_protocol_id_is_valid (device_id))
    return;
  if (g_strcmp0 (self->send_to, device_id) == 0)
    return;

  g_free (self->send_to);
  self->send_to = g_strdup (device_id);
  dropify_composer_update_send_to (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEND_TO]);
}

/* Built each time it opens, from the paired devices of that moment. */
static void
dropify_composer_send_to_popup (GtkMenuButton *button,
                                gpointer       user_data)
{
  DropifyComposer *self = DROPIFY_COMPOSER (user_data);
  GSettings *settings = dropify_service_get_settings (self->service);
  GListModel *model = dropify_sync_get_peers (dropify_service_get_sync (self->service));
  g_autoptr(GPtrArray) peers = dropify_audience_dup_peers (settings, model);
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) devices = g_menu_new ();
  g_autoptr(GMenuItem) all = g_menu_item_new (_("All Devices"), NULL);

  g_menu_item_set_action_and_target (all, "win.send-to", "s", "");
  g_menu_append_item (menu, all);

  for (guint i = 0; i < peers->len; i++)
    {
      DropifyPeer *peer = g_ptr_array_index (peers, i);
      g_autoptr(GMenuItem) item = NULL;
      g_autoptr(GString) label = NULL;
      g_autofree char *name = NULL;
      const char *id = dropify_peer_get_device_id (peer);

      /* Menu labels take "_" as a mnemonic: a name keeps its own. */
      name = dropify_audience_dup_peer_label (peer);
      label = g_string_new (name);
      g_string_replace (label, "_", "__", 0);
      item = g_menu_item_new (label->str, NULL);
      g_menu_item_set_action_and_target (item, "win.send-to", "s", id);
      g_menu_append_item (devices, item);
    }

  g_menu_append_section (menu, NULL, G_MENU_MODEL (devices));
  gtk_menu_button_set_menu_model (button, G_MENU_MODEL (menu));
}

/* @to is one device's id, or %NULL for all of them. */
static const char * const *
audience_of (const char *to,
             const char *one[2])
{
  if (to == NULL)
    return NULL;

  one[0] = to;
  one[1] = NULL;
  return one;
}

static void
dropify_composer_note_recent (DropifyComposer    *self,
                              const char * const *audience)
{
  dropify_audience_note_recent (dropify_service_get_settings (self->service), audience);
}

static gboolean
dropify_composer_send_text_to (DropifyComposer *self,
                               const char      *text,
                               const char      *to)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  const char *one[2];

  if (text_is_blank (text))
    return FALSE;

  drop = dropify_service_send_text_to (self->service, text, 0, audience_of (to, one), &error);
  if (drop == NULL)
    {
      dropify_composer_show_error (self, error);
      return FALSE;
    }

  dropify_composer_note_recent (self, audience_of (to, one));
  return TRUE;
}

/* Files handed over together, from the command line or a file manager:
 * one toast says when they are all in. */
typedef struct
{
  guint  n_pending;
  guint  n_dropped;
  char  *first_name;
} DropBatch;

typedef struct
{
  DropifyComposer *self;
  char            *name;
  GFile           *temporary_dir;
  DropBatch       *batch;
} SendFileData;

/* Counts one file of @batch in, and the last one says how they went. A
 * failure already said so in a toast of its own; a window going away
 * cancels them and says nothing. */
static void
dropify_composer_batch_file_done (DropifyComposer *self,
                                  DropBatch       *batch,
                                  DropifyDrop     *drop,
                                  gboolean         cancelled)
{
  g_autofree char *text = NULL;

  if (drop != NULL && batch->n_dropped++ == 0)
    batch->first_name = g_strdup (dropify_drop_get_name (drop));

  if (--batch->n_pending > 0)
    return;

  if (cancelled)
    batch->n_dropped = 0;

  if (batch->n_dropped == 1)
    /* Translators: a toast; %s is a file name */
    text = g_strdup_printf (_("Dropped “%s”"), batch->first_name);
  else if (batch->n_dropped > 1)
    /* Translators: a toast; %u is a number of files */
    text = g_strdup_printf (ngettext ("Dropped %u file", "Dropped %u files", batch->n_dropped),
                            batch->n_dropped);

  if (text != NULL)
    dropify_composer_show_toast (self, text);

  g_free (batch->first_name);
  g_free (batch);
}

static void
send_file_data_free (SendFileData *data)
{
  /* Pasted images are written to a private directory just for the import;
   * the blob store has its own copy once the import finished. */
  if (data->temporary_dir != NULL)
    {
      g_autoptr(GFile) file = g_file_get_child (data->temporary_dir, data->name);

      g_file_delete (file, NULL, NULL);
      g_file_delete (data->temporary_dir, NULL, NULL);
    }

  g_clear_object (&data->self);
  g_clear_object (&data->temporary_dir);
  g_clear_pointer (&data->name, g_free);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SendFileData, send_file_data_free)

/* Busy: files are being added, which the window shows. */
static void
dropify_composer_pending_files_changed (DropifyComposer *self,
                                        gboolean         was_busy)
{
  if (was_busy != (self->n_pending_files > 0))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
dropify_composer_send_file_cb (GObject      *object,
                               GAsyncResult *result,
                               gpointer      user_data)
{
  g_autoptr(SendFileData) data = user_data;
  DropifyComposer *self = data->self;
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;

  drop = dropify_service_send_file_finish (DROPIFY_SERVICE (object), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (data->batch != NULL)
        dropify_composer_batch_file_done (self, data->batch, NULL, TRUE);
      return;
    }

  self->n_pending_files--;
  dropify_composer_pending_files_changed (self, TRUE);

  if (drop == NULL)
    {
      g_autofree char *text = NULL;

      g_debug ("Could not drop %s: %s", data->name, error->message);
      /* Translators: a toast; the first %s is a file name, the second
       * says what went wrong */
      text = g_strdup_printf (_("Could not drop “%s”: %s"), data->name, error->message);
      dropify_composer_show_toast (self, text);
    }

  if (data->batch != NULL)
    dropify_composer_batch_file_done (self, data->batch, drop, FALSE);
}

static void
dropify_composer_send_file_in_batch (DropifyComposer *self,
                                     GFile           *file,
                                     GFile           *temporary_dir,
                                     DropBatch       *batch,
                                     const char      *to)
{
  SendFileData *data;
  const char *one[2];

  g_assert (DROPIFY_IS_COMPOSER (self));
  g_assert (G_IS_FILE (file));

  data = g_new0 (SendFileData, 1);
  data->self = g_object_ref (self);
  data->name = g_file_get_basename (file);
  data->temporary_dir = temporary_dir != NULL ? g_object_ref (temporary_dir) : NULL;
  data->batch = batch;

  self->n_pending_files++;
  dropify_composer_pending_files_changed (self, self->n_pending_files > 1);

  dropify_service_send_file_to_async (self->service, file, 0, audience_of (to, one),
                                      self->cancellable, dropify_composer_send_file_cb, data);
  dropify_composer_note_recent (self, audience_of (to, one));
}

static void
dropify_composer_send_file (DropifyComposer *self,
                            GFile           *file,
                            GFile           *temporary_dir,
                            const char      *to)
{
  dropify_composer_send_file_in_batch (self, file, temporary_dir, NULL, to);
}

static void
dropify_composer_send_files_to (DropifyComposer *self,
                                GSList          *files,
                                const char      *to)
{
  for (const GSList *l = files; l != NULL; l = l->next)
    dropify_composer_send_file (self, G_FILE (l->data), NULL, to);
}

/* The text */

static void
dropify_composer_changed (DropifyComposer *self,
                          GtkTextBuffer   *buffer)
{
  g_autofree char *text = NULL;
  GtkTextIter start;
  GtkTextIter end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);

  gtk_widget_set_visible (self->placeholder, *text == '\0');
  if (self->can_send != !text_is_blank (text))
    {
      self->can_send = !self->can_send;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_SEND]);
    }
}

/**
 * dropify_composer_send:
 *
 * Sends what was typed as a text drop, for the composer's "Send To"
 * (win.send). On failure the text stays, so nothing the user typed is
 * lost.
 *
 * Returns: whether a drop was made
 */
gboolean
dropify_composer_send (DropifyComposer *self)
{
  g_autofree char *text = NULL;
  GtkTextIter start;
  GtkTextIter end;

  g_return_val_if_fail (DROPIFY_IS_COMPOSER (self), FALSE);

  gtk_text_buffer_get_bounds (self->buffer, &start, &end);
  text = gtk_text_buffer_get_text (self->buffer, &start, &end, FALSE);

  if (!dropify_composer_send_text_to (self, text, self->send_to))
    return FALSE;

  gtk_text_buffer_set_text (self->buffer, "", 0);
  return TRUE;
}

/* Attach */

static void
dropify_composer_attach_response (DropifyComposer      *self,
                                  int                   response,
                                  GtkFileChooserNative *native)
{
  const char *to = g_object_get_data (G_OBJECT (native), "dropify-send-to");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (native));
      guint n_files = g_list_model_get_n_items (files);

      for (guint i = 0; i < n_files; i++)
        {
          g_autoptr(GFile) file = g_list_model_get_item (files, i);

          dropify_composer_send_file (self, file, NULL, to);
        }
    }

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (native));
  g_object_unref (native);
}

/**
 * dropify_composer_attach:
 * @peer: (nullable): the one device to send to, or %NULL for the
 *   composer's "Send To"
 *
 * Asks for files and drops them: win.attach for the composer's "Send
 * To"; win.send-files-to for the one device it names, from the devices
 * page.
 */
void
dropify_composer_attach (DropifyComposer *self,
                         DropifyPeer     *peer)
{
  const char *to;
  g_autofree char *name = NULL;
  g_autofree char *title = NULL;
  GtkFileChooserNative *native;

  g_return_if_fail (DROPIFY_IS_COMPOSER (self));
  g_return_if_fail (peer == NULL || DROPIFY_IS_PEER (peer));

  to = peer != NULL ? dropify_peer_get_device_id (peer) : self->send_to;

  if (peer != NULL)
    {
      name = dropify_audience_dup_peer_label (peer);
      /* Translators: a file chooser's title; %s is a device's name */
      title = g_strdup_printf (_("Send Files to %s"), name);
    }

  native = gtk_file_chooser_native_new (title != NULL ? title : _("Attach Files"),
                                        GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                        GTK_FILE_CHOOSER_ACTION_OPEN,
                                        peer != NULL ? _("_Send") : _("_Attach"),
                                        _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (native), TRUE);
  g_object_set_data_full (G_OBJECT (native), "dropify-send-to", g_strdup (to), g_free);

  g_signal_connect_object (native, "response",
                           G_CALLBACK (dropify_composer_attach_response),
                           self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* Paste */

/* One read of the clipboard, and the device what it holds goes to. */
typedef struct
{
  DropifyComposer *self;
  char            *to;
} PasteData;

static PasteData *
paste_data_new (DropifyComposer *self,
                const char      *to)
{
  PasteData *data = g_new0 (PasteData, 1);

  data->self = g_object_ref (self);
  data->to = g_strdup (to);
  return data;
}

static void
paste_data_free (PasteData *data)
{
  g_clear_object (&data->self);
  g_clear_pointer (&data->to, g_free);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PasteData, paste_data_free)

static void
dropify_composer_paste_files_cb (GObject      *object,
                                 GAsyncResult *result,
                                 gpointer      user_data)
{
  g_autoptr(PasteData) data = user_data;
  DropifyComposer *self = data->self;
  g_autoptr(GError) error = NULL;
  const GValue *value;

  value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (object), result, &error);
  if (value == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        dropify_composer_show_error (self, error);
      return;
    }

  {
    g_autoptr(GSList) files = gdk_file_list_get_files (g_value_get_boxed (value));

    dropify_composer_send_files_to (self, files, data->to);
  }
}

static void
dropify_composer_paste_text_cb (GObject      *object,
                                GAsyncResult *result,
                                gpointer      user_data)
{
  g_autoptr(PasteData) data = user_data;
  DropifyComposer *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, &error);
  if (text == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        dropify_composer_show_error (self, error);
      return;
    }

  if (text_is_blank (text))
    dropify_composer_show_toast (self, _("The clipboard holds no text"));
  else
    dropify_composer_send_text_to (self, text, data->to);
}

typedef struct
{
  DropifyComposer *self;
  GFile           *dir;
  GFile           *file;
  char            *to;
} PasteImageData;

static void
paste_image_data_free (PasteImageData *data)
{
  g_clear_object (&data->self);
  g_clear_object (&data->dir);
  g_clear_object (&data->file);
  g_clear_pointer (&data->to, g_free);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PasteImageData, paste_image_data_free)

static void
dropify_composer_paste_image_written_cb (GObject      *object,
                                         GAsyncResult *result,
                                         gpointer      user_data)
{
  g_autoptr(PasteImageData) data = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    {
      g_file_delete (data->dir, NULL, NULL);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        dropify_composer_show_error (data->self, error);
      return;
    }

  dropify_composer_send_file (data->self, data->file, data->dir, data->to);
}

static void
dropify_composer_paste_image_cb (GObject      *object,
                                 GAsyncResult *result,
                                 gpointer      user_data)
{
  g_autoptr(PasteData) paste = user_data;
  DropifyComposer *self = paste->self;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autofree char *dir_path = NULL;
  g_autofree char *timestamp = NULL;
  g_autofree char *name = NULL;
  PasteImageData *data;

  texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (object), result, &error);
  if (texture == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        dropify_composer_show_error (self, error);
      return;
    }

  /* A pasted image has no file behind it: write it out under a readable
   * name, since that name is what the other devices see. */
  dir_path = g_dir_make_tmp ("dropify-paste-XXXXXX", &error);
  if (dir_path == NULL)
    {
      dropify_composer_show_error (self, error);
      return;
    }

  now = g_date_time_new_now_local ();
  timestamp = g_date_time_format (now, "%Y-%m-%d %H-%M-%S");
  /* Translators: the file name of an image pasted from the clipboard; %s is
   * the date and time, as in "Pasted image 2024-05-01 09-30-00.png" */
  name = g_strdup_printf (_("Pasted image %s.png"), timestamp);

  png = gdk_texture_save_to_png_bytes (texture);

  data = g_new0 (PasteImageData, 1);
  data->self = g_object_ref (self);
  data->dir = g_file_new_for_path (dir_path);
  data->file = g_file_get_child (data->dir, name);
  data->to = g_strdup (paste->to);

  g_file_replace_contents_bytes_async (data->file, png, NULL, FALSE,
                                       G_FILE_CREATE_PRIVATE, self->cancellable,
                                       dropify_composer_paste_image_written_cb, data);
}

static GdkContentFormats *
dup_clipboard_formats (GdkClipboard *clipboard)
{
  /* Other applications offer mime types; this adds the GTypes they can be
   * read as, so one check covers both local and foreign content. */
  return gdk_content_formats_union_deserialize_gtypes (
           gdk_content_formats_ref (gdk_clipboard_get_formats (clipboard)));
}

/**
 * dropify_composer_paste:
 * @peer: (nullable): the one device to send to, or %NULL for the
 *   composer's "Send To"
 *
 * Drops what the clipboard holds: files, an image or a text. win.paste
 * is Ctrl+V, which in the composer pastes text into the composer
 * instead; win.send-clipboard sends whatever the clipboard holds right
 * away, from anywhere in the window. Both land here, for the composer's
 * "Send To"; win.send-clipboard-to too, for the one device it names,
 * from the devices page.
 */
void
dropify_composer_paste (DropifyComposer *self,
                        DropifyPeer     *peer)
{
  GdkClipboard *clipboard;
  g_autoptr(GdkContentFormats) formats = NULL;
  const char *to;

  g_return_if_fail (DROPIFY_IS_COMPOSER (self));
  g_return_if_fail (peer == NULL || DROPIFY_IS_PEER (peer));

  clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));
  formats = dup_clipboard_formats (clipboard);
  to = peer != NULL ? dropify_peer_get_device_id (peer) : self->send_to;

  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    gdk_clipboard_read_value_async (clipboard, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT,
                                    self->cancellable,
                                    dropify_composer_paste_files_cb,
                                    paste_data_new (self, to));
  else if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE))
    gdk_clipboard_read_texture_async (clipboard, self->cancellable,
                                      dropify_composer_paste_image_cb,
                                      paste_data_new (self, to));
  else if (gdk_content_formats_contain_gtype (formats, G_TYPE_STRING))
    gdk_clipboard_read_text_async (clipboard, self->cancellable,
                                   dropify_composer_paste_text_cb,
                                   paste_data_new (self, to));
  else if (gdk_content_formats_get_mime_types (formats, NULL) == NULL &&
           gdk_content_formats_get_gtypes (formats, NULL) == NULL)
    dropify_composer_show_toast (self, _("The clipboard is empty"));
  else
    dropify_composer_show_toast (self, _("Nothing to paste"));
}

/* In the composer, Ctrl+V pastes text into the composer as usual; only
 * files and images, which the composer cannot hold, become drops at once. */
static gboolean
dropify_composer_text_paste (GtkWidget *widget,
                             GVariant  *args,
                             gpointer   user_data)
{
  DropifyComposer *self = DROPIFY_COMPOSER (user_data);
  g_autoptr(GdkContentFormats) formats = dup_clipboard_formats (gtk_widget_get_clipboard (widget));

  if (!gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST) &&
      (gdk_content_formats_contain_gtype (formats, G_TYPE_STRING) ||
       !gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE)))
    return FALSE;

  return gtk_widget_activate_action (GTK_WIDGET (self), "win.paste", NULL);
}


/* GObject */

static void
dropify_composer_dispose (GObject *object)
{
  DropifyComposer *self = (DropifyComposer *)object;

  g_cancellable_cancel (self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), DROPIFY_TYPE_COMPOSER);

  G_OBJECT_CLASS (dropify_composer_parent_class)->dispose (object);
}

static void
dropify_composer_finalize (GObject *object)
{
  DropifyComposer *self = (DropifyComposer *)object;

  g_clear_object (&self->cancellable);
  g_clear_object (&self->service);
  g_clear_pointer (&self->send_to, g_free);

  G_OBJECT_CLASS (dropify_composer_parent_class)->finalize (object);
}

static void
dropify_composer_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  DropifyComposer *self = DROPIFY_COMPOSER (object);

  switch (prop_id)
    {
    case PROP_SEND_TO:
      g_value_set_string (value, dropify_composer_get_send_to (self));
      break;

    case PROP_CAN_SEND:
      g_value_set_boolean (value, self->can_send);
      break;

    case PROP_BUSY:
      g_value_set_boolean (value, dropify_composer_get_busy (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_composer_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  DropifyComposer *self = DROPIFY_COMPOSER (object);

  switch (prop_id)
    {
    case PROP_SEND_TO:
      dropify_composer_set_send_to (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_composer_class_init (DropifyComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dropify_composer_dispose;
  object_class->finalize = dropify_composer_finalize;
  object_class->get_property = dropify_composer_get_property;
  object_class->set_property = dropify_composer_set_property;

  /**
   * DropifyComposer:send-to:
   *
   * Who new drops made here are for: a paired device's id, or "" for
   * every device.
   */
  properties[PROP_SEND_TO] =
    g_param_spec_string ("send-to", NULL, NULL, "",
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /**
   * DropifyComposer:can-send:
   *
   * Whether the text typed is something to send: not blank.
   */
  properties[PROP_CAN_SEND] =
    g_param_spec_boolean ("can-send", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  /**
   * DropifyComposer:busy:
   *
   * Whether files sent from here are still being added.
   */
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE |
                           G_PARAM_EXPLICIT_NOTIFY |
                           G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DropifyComposer::toast:
   * @text: what to say, as plain text
   *
   * Something to tell the user in a toast: a drop that failed, files
   * dropped, a clipboard with nothing to send.
   */
  signals[TOAST] =
    g_signal_new ("toast",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dropify/Dropify/ui/dropify-composer.ui");
  gtk_widget_class_bind_template_child (widget_class, DropifyComposer, view);
  gtk_widget_class_bind_template_child (widget_class, DropifyComposer, buffer);
  gtk_widget_class_bind_template_child (widget_class, DropifyComposer, placeholder);
  gtk_widget_class_bind_template_child (widget_class, DropifyComposer, send_to_button);
  gtk_widget_class_bind_template_callback (widget_class, dropify_composer_changed);
}

static void
dropify_composer_init (DropifyComposer *self)
{
  GtkEventController *controller;

  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Ctrl+Return must send even though the composer has focus, and the
   * composer would otherwise take it as a new line. */
  controller = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Return,
                                                                                  GDK_CONTROL_MASK),
                                                          gtk_named_action_new ("win.send")));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_KP_Enter,
                                                                                  GDK_CONTROL_MASK),
                                                          gtk_named_action_new ("win.send")));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_v,
                                                                                  GDK_CONTROL_MASK),
                                                          gtk_callback_action_new (dropify_composer_text_paste,
                                                                                   self, NULL)));
  /* Unlike Ctrl+V, Ctrl+Shift+V never pastes into the composer. */
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_v,
                                                                                  GDK_CONTROL_MASK |
                                                                                  GDK_SHIFT_MASK),
                                                          gtk_named_action_new ("win.send-clipboard")));
  gtk_widget_add_controller (GTK_WIDGET (self->view), controller);
}

/* Public API */

/**
 * dropify_composer_set_service:
 * @service: the service drops are made in
 *
 * Set once, before anything is sent.
 */
void
dropify_composer_set_service (DropifyComposer *self,
                              DropifyService  *service)
{
  g_return_if_fail (DROPIFY_IS_COMPOSER (self));
  g_return_if_fail (DROPIFY_IS_SERVICE (service));
  g_return_if_fail (self->service == NULL);

  self->service = g_object_ref (service);
  gtk_menu_button_set_create_popup_func (self->send_to_button, dropify_composer_send_to_popup, self, NULL);
  dropify_composer_update_send_to (self);
}

/**
 * dropify_composer_get_send_to:
 *
 * Returns: who new drops made here are for: a paired device's id, or ""
 *   for every device
 */
const char *
dropify_composer_get_send_to (DropifyComposer *self)
{
  g_return_val_if_fail (DROPIFY_IS_COMPOSER (self), "");
  return self->send_to != NULL ? self->send_to : "";
}

/**
 * dropify_composer_get_busy:
 *
 * Returns: whether files sent from here are still being added
 */
gboolean
dropify_composer_get_busy (DropifyComposer *self)
{
  g_return_val_if_fail (DROPIFY_IS_COMPOSER (self), FALSE);
  return self->n_pending_files > 0;
}

/**
 * dropify_composer_send_text:
 * @text: a text dropped on the window
 *
 * Makes a text drop of @text, for the composer's "Send To"; blank text
 * is none.
 *
 * Returns: whether a drop was made
 */
gboolean
dropify_composer_send_text (DropifyComposer *self,
                            const char      *text)
{
  g_return_val_if_fail (DROPIFY_IS_COMPOSER (self), FALSE);
  return dropify_composer_send_text_to (self, text, self->send_to);
}

/**
 * dropify_composer_send_files:
 * @files: (element-type GFile): files dropped on the window
 *
 * Makes a drop of each of @files, for the composer's "Send To".
 */
void
dropify_composer_send_files (DropifyComposer *self,
                             GSList          *files)
{
  g_return_if_fail (DROPIFY_IS_COMPOSER (self));
  dropify_composer_send_files_to (self, files, self->send_to);
}

/**
 * dropify_composer_drop_files:
 * @files: (array length=n_files): files to drop
 * @n_files: the number of @files
 *
 * Makes a drop of each of @files, for the composer's "Send To", and says
 * in one toast when they are all in.
 */
void
dropify_composer_drop_files (DropifyComposer  *self,
                             GFile           **files,
                             guint             n_files)
{
  DropBatch *batch;

  g_return_if_fail (DROPIFY_IS_COMPOSER (self));
  g_return_if_fail (files != NULL || n_files == 0);

  if (n_files == 0)
    return;

  batch = g_new0 (DropBatch, 1);
  batch->n_pending = n_files;

  for (guint i = 0; i < n_files; i++)
    dropify_composer_send_file_in_batch (self, files[i], NULL, batch, self->send_to);
}
