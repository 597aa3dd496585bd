/* dropify-drop-actions.c: what can be done with a drop, from its row in
 * the history or from its own page
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-drop-actions"

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "dropify-auto-save.h"
#include "dropify-drop-actions.h"
#include "dropify-expiry-dialog.h"
#include "dropify-toast.h"

/* Toasts */

static AdwToastOverlay *
dup_toast_overlay (GtkWidget *widget)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);

  return overlay != NULL ? g_object_ref (ADW_TOAST_OVERLAY (overlay)) : NULL;
}

/* AdwToast titles are Pango markup in libadwaita 1.2: dropify_toast_show()
 * escapes what comes from a user (file names, error messages). */
static void
show_toast (AdwToastOverlay *overlay,
            const char      *text)
{
  if (overlay == NULL)
    {
      g_message ("%s", text);
      return;
    }

  dropify_toast_show (overlay, text, 3);
}

static void
show_error_toast (AdwToastOverlay *overlay,
                  const GError    *error)
{
  g_assert (error != NULL);

  g_debug ("%s", error->message);
  show_toast (overlay, error->message);
}

/**
 * dropify_drop_show_error:
 * @widget: a widget inside the toast overlay to show it in
 *
 * Says what went wrong in a toast, escaped (or in the log, outside one).
 */
void
dropify_drop_show_error (GtkWidget    *widget,
                         const GError *error)
{
  g_autoptr(AdwToastOverlay) overlay = dup_toast_overlay (widget);

  show_error_toast (overlay, error);
}

/* What a drop offers */

/**
 * dropify_drop_dup_short_name:
 * @drop: a drop
 *
 * What a screen reader says to tell drops apart, in the labels of
 * buttons that every drop has: a file's name, or the first line of a
 * text, and not much of it.
 *
 * Returns: (transfer full): the name
 */
char *
dropify_drop_dup_short_name (DropifyDrop *drop)
{
  const char *text;
  const char *end;

  g_return_val_if_fail (DROPIFY_IS_DROP (drop), NULL);

  if (dropify_drop_get_kind (drop) != DROPIFY_DROP_KIND_TEXT)
    return g_strdup (dropify_drop_get_name (drop));

  text = end = dropify_drop_get_text (drop);
  for (guint n = 0; *end != '\0' && *end != '\n' && n < 40; n++)
    end = g_utf8_next_char (end);

  return g_strndup (text, end - text);
}

/**
 * dropify_drop_dup_link:
 * @drop: a drop
 *
 * A text drop that is nothing but a web address opens in the browser.
 *
 * Returns: (transfer full) (nullable): that address
 */
char *
dropify_drop_dup_link (DropifyDrop *drop)
{
  g_autofree char *text = NULL;
  const char *scheme;

  if (drop == NULL || dropify_drop_get_kind (drop) != DROPIFY_DROP_KIND_TEXT)
    return NULL;

  text = g_strstrip (g_strdup (dropify_drop_get_text (drop)));
  if (*text == '\0' || strpbrk (text, " \t\n\r") != NULL)
    return NULL;

  scheme = g_uri_peek_scheme (text);
  if (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)
    return NULL;

  if (!g_uri_is_valid (text, G_URI_FLAGS_NONE, NULL))
    return NULL;

  return g_steal_pointer (&text);
}

/**
 * dropify_drop_is_file_ready:
 * @drop: (nullable): a drop
 *
 * Returns: whether @drop is a file that is all here
 */
gboolean
dropify_drop_is_file_ready (DropifyDrop *drop)
{
  return drop != NULL &&
         dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_FILE &&
         dropify_drop_get_complete (drop) &&
         dropify_drop_get_path (drop) != NULL;
}

/* Staging
 *
 * Blobs are stored under their SHA-256, so handing the blob itself to
 * another application would show it under a hash, and would let that
 * application write into the store. Opening, copying and dragging a file
 * use a private copy under the drop's own name instead, in the cache
 * directory, made once per content and name. */

/**
 * dropify_drop_dup_staged_file:
 * @drop: a file drop
 *
 * Returns: (transfer full): where the private copy of @drop's file, under
 *   its own name, is or would be
 */
GFile *
dropify_drop_dup_staged_file (DropifyDrop *drop)
{
  g_autofree char *name = dropify_drop_sanitize_name (dropify_drop_get_name (drop));
  g_autofree char *path = NULL;

  g_return_val_if_fail (DROPIFY_IS_DROP (drop), NULL);

  path = g_build_filename (g_get_user_cache_dir (), "dropify", "files",
                           dropify_drop_get_sha256 (drop), name, NULL);

  return g_file_new_for_path (path);
}

typedef enum
{
  STAGE_FOR_OPEN,
  STAGE_FOR_COPY,
  STAGE_FOR_SHOW,
} StagePurpose;

typedef struct
{
  StagePurpose     purpose;
  AdwToastOverlay *overlay;
  GtkWindow       *window;
  GdkClipboard    *clipboard;
  GFile           *staged;
  GFile           *partial;
} StageData;

static void
stage_data_free (StageData *data)
{
  g_clear_object (&data->overlay);
  g_clear_object (&data->window);
  g_clear_object (&data->clipboard);
  g_clear_object (&data->staged);
  g_clear_object (&data->partial);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StageData, stage_data_free)

/**
 * dropify_drop_create_file_content:
 * @file: a file
 *
 * Returns: (transfer full): @file as a clipboard or drag content
 */
GdkContentProvider *
dropify_drop_create_file_content (GFile *file)
{
  GdkContentProvider *providers[2];
  GdkFileList *file_list;

  file_list = gdk_file_list_new_from_array (&file, 1);
  providers[0] = gdk_content_provider_new_typed (GDK_TYPE_FILE_LIST, file_list);
  providers[1] = gdk_content_provider_new_typed (G_TYPE_FILE, file);
  g_boxed_free (GDK_TYPE_FILE_LIST, file_list);

  return gdk_content_provider_new_union (providers, G_N_ELEMENTS (providers));
}

static void
stage_open_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(StageData) data = user_data;
  g_autoptr(GError) error = NULL;

  if (!gtk_show_uri_full_finish (GTK_WINDOW (object), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_error_toast (data->overlay, error);
}

/* Show in Files: the file manager's own D-Bus interface selects the file
 * in its folder; without one, the folder opens. */
static void
show_items_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(StageData) data = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autofree char *uri = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply != NULL)
    return;

  g_debug ("No file manager to show the file in: %s", error->message);

  folder = g_file_get_parent (data->staged);
  uri = g_file_get_uri (folder);
  gtk_show_uri_full (data->window, uri, GDK_CURRENT_TIME, NULL, stage_open_cb,
                     g_steal_pointer (&data));
}

static void
show_in_files (StageData *data)
{
  GApplication *application = g_application_get_default ();
  GDBusConnection *bus = application != NULL ? g_application_get_dbus_connection (application) : NULL;
  g_autofree char *uri = g_file_get_uri (data->staged);
  const char *uris[] = { uri, NULL };

  if (bus == NULL)
    {
      g_autoptr(GFile) folder = g_file_get_parent (data->staged);
      g_autofree char *folder_uri = g_file_get_uri (folder);

      gtk_show_uri_full (data->window, folder_uri, GDK_CURRENT_TIME, NULL, stage_open_cb, data);
      return;
    }

  g_dbus_connection_call (bus,
                          "org.freedesktop.FileManager1",
                          "/org/freedesktop/FileManager1",
                          "org.freedesktop.FileManager1",
                          "ShowItems",
                          g_variant_new ("(^ass)", uris, ""),
                          NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL,
                          show_items_cb, data);
}

static void
stage_ready (StageData *data)
{
  g_assert (data != NULL);

  if (data->purpose == STAGE_FOR_COPY)
    {
      g_autoptr(GdkContentProvider) content = dropify_drop_create_file_content (data->staged);

      gdk_clipboard_set_content (data->clipboard, content);
      show_toast (data->overlay, _("File copied"));
      stage_data_free (data);
    }
  else if (data->purpose == STAGE_FOR_SHOW)
    {
      show_in_files (data);
    }
  else
    {
      g_autofree char *uri = g_file_get_uri (data->staged);

      gtk_show_uri_full (data->window, uri, GDK_CURRENT_TIME, NULL, stage_open_cb, data);
    }
}

static void
stage_copy_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(StageData) data = user_data;
  g_autoptr(GError) error = NULL;

  /* The copy lands under a temporary name and is renamed when complete,
   * so an interrupted copy is never taken for a staged file. */
  if (!g_file_copy_finish (G_FILE (object), result, &error) ||
      !g_file_move (data->partial, data->staged, G_FILE_COPY_OVERWRITE,
                    NULL, NULL, NULL, &error))
    {
      g_file_delete (data->partial, NULL, NULL);
      show_error_toast (data->overlay, error);
      return;
    }

  stage_ready (g_steal_pointer (&data));
}

static void
stage (GtkWidget    *widget,
       DropifyDrop  *drop,
       StagePurpose  purpose)
{
  g_autoptr(StageData) data = NULL;
  g_autoptr(GFile) source = NULL;
  g_autoptr(GFile) dir = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *partial_name = NULL;
  GFile *partial;
  GtkRoot *root;

  g_assert (dropify_drop_is_file_ready (drop));

  root = gtk_widget_get_root (widget);

  data = g_new0 (StageData, 1);
  data->purpose = purpose;
  data->overlay = dup_toast_overlay (widget);
  data->window = GTK_IS_WINDOW (root) ? g_object_ref (GTK_WINDOW (root)) : NULL;
  data->clipboard = g_object_ref (gtk_widget_get_clipboard (widget));
  data->staged = dropify_drop_dup_staged_file (drop);

  if (g_file_query_exists (data->staged, NULL))
    {
      stage_ready (g_steal_pointer (&data));
      return;
    }

  dir = g_file_get_parent (data->staged);
  if (!g_file_make_directory_with_parents (dir, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      show_error_toast (data->overlay, error);
      return;
    }

  partial_name = g_strdup_printf (".%s.part", dropify_drop_get_sha256 (drop));
  data->partial = g_file_get_child (dir, partial_name);
  source = g_file_new_for_path (dropify_drop_get_path (drop));

  /* Not tied to the row: the list recycles rows while the copy runs. */
  partial = data->partial;
  g_file_copy_async (source, partial,
                     G_FILE_COPY_OVERWRITE | G_FILE_COPY_TARGET_DEFAULT_PERMS,
                     G_PRIORITY_DEFAULT, NULL, NULL, NULL,
                     stage_copy_cb, g_steal_pointer (&data));
}

/* Actions */

/**
 * dropify_drop_copy:
 * @widget: the widget the action came from, for its clipboard and toasts
 * @drop: a drop
 *
 * Copies a text drop's text, or a file drop's file once it is all here.
 */
void
dropify_drop_copy (GtkWidget   *widget,
                   DropifyDrop *drop)
{
  g_autoptr(AdwToastOverlay) overlay = NULL;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (DROPIFY_IS_DROP (drop));

  if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_FILE)
    {
      if (dropify_drop_is_file_ready (drop))
        stage (widget, drop, STAGE_FOR_COPY);
      return;
    }

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget),
                          dropify_drop_get_text (drop));

  overlay = dup_toast_overlay (widget);
  show_toast (overlay, _("Text copied"));
}

/**
 * dropify_drop_open:
 * @widget: the widget the action came from
 * @drop: a drop
 *
 * Opens a file drop's file once it is all here, or a web address.
 */
void
dropify_drop_open (GtkWidget   *widget,
                   DropifyDrop *drop)
{
  g_autofree char *link = NULL;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (DROPIFY_IS_DROP (drop));

  if (dropify_drop_is_file_ready (drop))
    {
      stage (widget, drop, STAGE_FOR_OPEN);
      return;
    }

  if ((link = dropify_drop_dup_link (drop)) != NULL)
    {
      StageData *data = g_new0 (StageData, 1);
      GtkRoot *root = gtk_widget_get_root (widget);

      data->purpose = STAGE_FOR_OPEN;
      data->overlay = dup_toast_overlay (widget);
      data->window = GTK_IS_WINDOW (root) ? g_object_ref (GTK_WINDOW (root)) : NULL;

      gtk_show_uri_full (data->window, link, GDK_CURRENT_TIME, NULL, stage_open_cb, data);
    }
}

typedef struct
{
  AdwToastOverlay *overlay;
  GFile           *source;
  char            *name;
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_object (&data->overlay);
  g_clear_object (&data->source);
  g_clear_pointer (&data->name, g_free);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveData, save_data_free)

static void
save_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(SaveData) data = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_copy_finish (G_FILE (object), result, &error))
    {
      show_error_toast (data->overlay, error);
      return;
    }

  {
    g_autofree char *text = NULL;

    /* Translators: a toast; %s is a file name */
    text = g_strdup_printf (_("Saved “%s”"), data->name);
    show_toast (data->overlay, text);
  }
}

static void
keep_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(SaveData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *text = NULL;

  path = dropify_auto_save_copy_finish (result, &error);
  if (path == NULL)
    {
      show_error_toast (data->overlay, error);
      return;
    }

  name = g_path_get_basename (path);
  folder = g_filename_display_basename (data->name);
  /* Translators: a toast; the first %s is a file name (it may have a
   * number added, as in "report (1).pdf"), the second a folder's name,
   * such as Downloads */
  text = g_strdup_printf (_("Kept “%s” in %s"), name, folder);
  show_toast (data->overlay, text);
}

static void
save_response (GtkNativeDialog *native,
                                int              response,
                                gpointer         user_data)
{
  g_autoptr(SaveData) data = user_data;
  g_autoptr(GFile) destination = NULL;
  GFile *source;

  if (response == GTK_RESPONSE_ACCEPT)
    destination = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));

  gtk_native_dialog_destroy (native);
  g_object_unref (native);

  if (destination == NULL)
    return;

  g_free (data->name);
  data->name = g_file_get_basename (destination);

  /* Not tied to the row's lifetime: the list recycles rows while the copy
   * runs, and a save the user asked for must still complete. The chooser
   * has already confirmed any overwrite. */
  source = data->source;
  g_file_copy_async (source, destination,
                     G_FILE_COPY_OVERWRITE | G_FILE_COPY_TARGET_DEFAULT_PERMS,
                     G_PRIORITY_DEFAULT, NULL, NULL, NULL,
                     save_cb, g_steal_pointer (&data));
}

/**
 * dropify_drop_save_as:
 * @widget: the widget the action came from
 * @drop: a file drop
 *
 * Asks where to save a copy of @drop's file, and saves it there.
 */
void
dropify_drop_save_as (GtkWidget   *widget,
                      DropifyDrop *drop)
{
  g_autofree char *name = NULL;
  GtkFileChooserNative *native;
  GtkRoot *root;
  SaveData *data;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (DROPIFY_IS_DROP (drop));

  if (!dropify_drop_is_file_ready (drop))
    return;

  root = gtk_widget_get_root (widget);
  name = dropify_drop_sanitize_name (dropify_drop_get_name (drop));

  native = gtk_file_chooser_native_new (_("Save File"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"),
                                        _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);

  data = g_new0 (SaveData, 1);
  data->overlay = dup_toast_overlay (widget);
  data->source = g_file_new_for_path (dropify_drop_get_path (drop));
  data->name = g_steal_pointer (&name);

  g_signal_connect (native, "response",
                    G_CALLBACK (save_response), data);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/**
 * dropify_drop_keep:
 * @widget: the widget the action came from, for its toasts
 * @drop: a file drop whose content is all here
 *
 * Keeps a copy of @drop's file in the Downloads folder, as "Save Received
 * Files" does: under its own name, or "name (1).ext" beside a file of
 * that name. The copy stays; the drop itself still expires, on every
 * device, since its expiry is part of what devices share and none may
 * extend it (docs/protocol.md, section 9).
 */
void
dropify_drop_keep (GtkWidget   *widget,
                   DropifyDrop *drop)
{
  g_autofree char *directory = NULL;
  SaveData *data;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (DROPIFY_IS_DROP (drop));

  if (!dropify_drop_is_file_ready (drop))
    return;

  directory = dropify_auto_save_dup_default_directory ();

  /* The folder's path, for the toast. */
  data = g_new0 (SaveData, 1);
  data->overlay = dup_toast_overlay (widget);
  data->source = g_file_new_for_path (dropify_drop_get_path (drop));
  data->name = g_strdup (directory);

  dropify_auto_save_copy_async (data->source, dropify_drop_get_name (drop), directory,
                                NULL, keep_cb, data);
}

typedef struct
{
  DropifyService  *service;
  AdwToastOverlay *overlay;
  GtkWidget       *window;    /* weak: where to show the new drop, or NULL */
} ExpiryData;

static void
expiry_data_free (gpointer  data,
                  GClosure *closure)
{
  ExpiryData *expiry = data;

  g_clear_object (&expiry->service);
  g_clear_object (&expiry->overlay);
  g_clear_weak_pointer (&expiry->window);
  g_free (expiry);
}

static void
expiry_response_cb (DropifyExpiryDialog *dialog,
                    const char          *response,
                    ExpiryData          *expiry)
{
  DropifyDrop *drop = dropify_expiry_dialog_get_drop (dialog);
  int64_t ttl_ms = dropify_expiry_dialog_get_ttl (dialog);
  g_autoptr(DropifyDrop) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *lifetime = NULL;
  g_autofree char *text = NULL;

  if (g_strcmp0 (response, "change") != 0)
    return;

  again = dropify_service_change_expiry (expiry->service, dropify_drop_get_id (drop), ttl_ms, &error);
  if (again == NULL)
    {
      show_error_toast (expiry->overlay, error);
      return;
    }

  name = dropify_drop_dup_short_name (drop);
  lifetime = dropify_expiry_format_duration ((uint64_t) ttl_ms / 1000);
  /* Translators: a toast; %s is a file's name or the start of a text,
   * then a lifetime such as "7 days" */
  text = g_strdup_printf (_("Dropped “%s” again, to expire in %s"), name, lifetime);
  show_toast (expiry->overlay, text);

  /* Its page showed the old drop, gone now: show the new one. */
  if (expiry->window != NULL)
    gtk_widget_activate_action (expiry->window, "win.show-drop-details", "s",
                                dropify_drop_get_id (again));
}

/**
 * dropify_drop_change_expiry:
 * @widget: the widget the action came from, for its toasts
 * @service: the service that drops it again
 * @drop: a text drop, or a file drop whose content is all here
 * @show_new: whether to show the new drop's page afterwards
 *
 * Asks for a new lifetime for @drop and, if one is chosen, drops the
 * same content again with it, for the same devices, and deletes @drop
 * everywhere (dropify_service_change_expiry()): no device ever extends
 * an expiry (docs/protocol.md, section 9).
 */
void
dropify_drop_change_expiry (GtkWidget      *widget,
                            DropifyService *service,
                            DropifyDrop    *drop,
                            gboolean        show_new)
{
  GtkRoot *root;
  GtkWidget *dialog;
  ExpiryData *expiry;
  uint64_t default_ttl;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (DROPIFY_IS_SERVICE (service));
  g_return_if_fail (DROPIFY_IS_DROP (drop));

  if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_FILE && !dropify_drop_is_file_ready (drop))
    return;

  root = gtk_widget_get_root (widget);
  default_ttl = (uint64_t) dropify_service_get_default_ttl (service) / 1000;
  dialog = dropify_expiry_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, drop, default_ttl);

  expiry = g_new0 (ExpiryData, 1);
  expiry->service = g_object_ref (service);
  expiry->overlay = dup_toast_overlay (widget);
  if (show_new && GTK_IS_WINDOW (root))
    g_set_weak_pointer (&expiry->window, GTK_WIDGET (root));
  g_signal_connect_data (dialog, "response", G_CALLBACK (expiry_response_cb),
                         expiry, expiry_data_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/**
 * dropify_drop_show_in_files:
 * @widget: the widget the action came from
 * @drop: a file drop
 *
 * Shows @drop's file, under its own name, in the file manager.
 */
void
dropify_drop_show_in_files (GtkWidget   *widget,
                            DropifyDrop *drop)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (DROPIFY_IS_DROP (drop));

  if (dropify_drop_is_file_ready (drop))
    stage (widget, drop, STAGE_FOR_SHOW);
}
