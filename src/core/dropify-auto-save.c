#define G_LOG_DOMAIN "dropify-auto-save"

/* renameat2 () */
#define _GNU_SOURCE

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "dropify-auto-save.h"

/* Copies every file drop that arrives from elsewhere (another device or a
 * phone) into the Downloads folder, when the `auto-save-downloads` setting
 * is on. Each copy runs in a worker thread, one at a time and in order, so
 * the main loop never waits on the disk. The history remembers which
 * drops were dealt with, so a restart copies nothing twice; a drop is
 * marked only once its copy is in place, so a crash in the middle copies
 * it again at the next start rather than never. */

/* The longest extension kept apart from the name when it must be
 * shortened or numbered; anything longer is likely part of the name. */
#define MAX_EXTENSION 16

/* Past this, something is wrong with the folder, not with the names. */
#define MAX_ATTEMPTS 10000

struct _DropifyAutoSave
{
  GObject         parent_instance;

  DropifyHistory *history;
  char           *device_id;
  GCancellable   *cancellable;
  GQueue          queue;        /* ids of drops to copy, oldest first */
  gboolean        busy;
  gboolean        enabled;
  gboolean        started;
};

G_DEFINE_FINAL_TYPE (DropifyAutoSave, dropify_auto_save, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ENABLED,
  N_PROPS
};

enum {
  SAVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void dropify_auto_save_next (DropifyAutoSave *self);

/* Names */

/* "report.pdf" → "report" and ".pdf"; "backup.tar.gz" keeps ".tar.gz"
 * whole, so that numbering gives "backup (1).tar.gz". */
static void
split_name (const char  *name,
            char       **stem,
            char       **extension)
{
  const char *dot = strrchr (name, '.');
  gsize stem_length;

  if (dot == NULL || dot == name || strlen (dot) > MAX_EXTENSION || strchr (dot, ' ') != NULL)
    {
      *stem = g_strdup (name);
      *extension = g_strdup ("");
      return;
    }

  stem_length = dot - name;
  if (stem_length > 4 && strncmp (dot - 4, ".tar", 4) == 0)
    stem_length -= 4;

  *stem = g_strndup (name, stem_length);
  *extension = g_strdup (name + stem_length);
}

/* The @attempt-th name to try: "stem.ext", then "stem (1).ext", and so
 * on, shortening the stem (never inside a character) to fit NAME_MAX. */
static char *
make_candidate (const char *stem,
                const char *extension,
                guint       attempt)
{
  g_autofree char *number = attempt > 0 ? g_strdup_printf (" (%u)", attempt) : g_strdup ("");
  gsize room = NAME_MAX - strlen (number) - strlen (extension);
  gsize length = strlen (stem);

  if (length > room)
    {
      const char *end = stem + room;

      if ((*end & 0xc0) == 0x80)
        end = g_utf8_find_prev_char (stem, end);
      length = end != NULL ? (gsize) (end - stem) : 0;
    }

  return g_strdup_printf ("%.*s%s%s", (int) length, stem, number, extension);
}

/* Moves @from to @to unless @to exists; never replaces anything. */
static gboolean
rename_no_replace (const char  *from,
                   const char  *to,
                   GError     **error)
{
  int saved_errno;
  int fd;

  if (renameat2 (AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
    return TRUE;

  saved_errno = errno;

  /* Some file systems (and sandboxes) lack RENAME_NOREPLACE: claim the
   * name first, then move over the empty file we own. */
  if (saved_errno == EINVAL || saved_errno == ENOSYS ||
      saved_errno == EOPNOTSUPP || saved_errno == EPERM)
    {
      fd = g_open (to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
      saved_errno = errno;
      if (fd >= 0)
        {
          close (fd);
          if (g_rename (from, to) == 0)
            return TRUE;
          saved_errno = errno;
          g_unlink (to);
        }
    }

  g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       g_strerror (saved_errno));
  return FALSE;
}

typedef struct
{
  GFile *source;
  char  *name;
  char  *directory;
} Copy;

static void
copy_free (gpointer data)
{
  Copy *copy = data;

  g_clear_object (&copy->source);
  g_free (copy->name);
  g_free (copy->directory);
  g_free (copy);
}

static void
copy_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Copy *copy = task_data;
  g_autofree char *safe = dropify_drop_sanitize_name (copy->name);
  g_autofree char *stem = NULL;
  g_autofree char *extension = NULL;
  g_autofree char *source_path = g_file_get_path (copy->source);
  g_autofree char *hash = NULL;
  g_autofree char *partial_name = NULL;
  g_autofree char *partial_path = NULL;
  g_autoptr(GFile) partial = NULL;
  g_autoptr(GError) error = NULL;

  if (g_mkdir_with_parents (copy->directory, 0755) != 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               _("Could not create the folder “%s”: %s"),
                               copy->directory, g_strerror (saved_errno));
      return;
    }

  /* Hidden while it is written, and named after its source, so a copy
   * cut short by a crash is replaced by the next attempt. */
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, source_path ? source_path : safe, -1);
  partial_name = g_strdup_printf (".dropify-%.16s.part", hash);
  partial_path = g_build_filename (copy->directory, partial_name, NULL);
  partial = g_file_new_for_path (partial_path);

  if (!g_file_copy (copy->source, partial,
                    G_FILE_COPY_OVERWRITE |
                    G_FILE_COPY_NOFOLLOW_SYMLINKS |
                    G_FILE_COPY_TARGET_DEFAULT_PERMS,
                    cancellable, NULL, NULL, &error))
    {
      g_file_delete (partial, NULL, NULL);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  split_name (safe, &stem, &extension);

  for (guint attempt = 0; attempt < MAX_ATTEMPTS; attempt++)
    {
      g_autofree char *candidate = make_candidate (stem, extension, attempt);
      g_autofree char *path = NULL;

      /* A sanitised name is one path component, never "." or "..". */
      g_assert (strchr (candidate, '/') == NULL);
      g_assert (candidate[0] != '.' && candidate[0] != '\0');

      path = g_build_filename (copy->directory, candidate, NULL);
      g_clear_error (&error);

      if (rename_no_replace (partial_path, path, &error))
        {
          g_task_return_pointer (task, g_steal_pointer (&path), g_free);
          return;
        }

      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        break;
    }

  g_unlink (partial_path);

  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    g_task_return_new_error (task, G_IO_ERROR, error->code,
                             _("Could not save “%s” in “%s”: %s"),
                             safe, copy->directory, error->message);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_EXISTS,
                             _("Could not save “%s” in “%s”: too many files of that name"),
                             safe, copy->directory);
}

/**
 * dropify_auto_save_copy_async:
 * @source: the file to copy
 * @name: (nullable): the name it should get, from anywhere: it is
 *   sanitised, so that the copy always lands directly in @directory
 * @directory: the folder; created if missing
 *
 * Copies @source into @directory in a worker thread. An existing file is
 * never replaced: the copy gets the first free name of "name.ext",
 * "name (1).ext", "name (2).ext"….
 */
void
dropify_auto_save_copy_async (GFile               *source,
                              const char          *name,
                              const char          *directory,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Copy *copy;

  g_return_if_fail (G_IS_FILE (source));
  g_return_if_fail (directory != NULL);

  copy = g_new0 (Copy, 1);
  copy->source = g_object_ref (source);
  copy->name = g_strdup (name);
  copy->directory = g_strdup (directory);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, dropify_auto_save_copy_async);
  g_task_set_task_data (task, copy, copy_free);
  g_task_run_in_thread (task, copy_thread);
}

/**
 * dropify_auto_save_copy_finish:
 *
 * Returns: (transfer full): the path of the copy, or %NULL with @error set
 */
char *
dropify_auto_save_copy_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * dropify_auto_save_dup_default_directory:
 *
 * Returns: (transfer full): the user's Downloads folder (XDG), or
 *   ~/Downloads when none is set
 */
char *
dropify_auto_save_dup_default_directory (void)
{
  const char *directory = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);

  if (directory != NULL && *directory != '\0')
    return g_strdup (directory);

  return g_build_filename (g_get_home_dir (), "Downloads", NULL);
}

/* The queue */

/* @id NULL: every complete file drop not dealt with yet. */
static void
mark_dealt_with (DropifyAutoSave *self,
                 const char      *id)
{
  g_autoptr(GError) error = NULL;

  if (!dropify_history_set_auto_saved (self->history, id, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    g_warning ("Could not remember which files were saved: %s", error->message);
}

static void
copy_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(DropifyAutoSave) self = user_data;
  g_autofree char *id = g_queue_pop_head (&self->queue);
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  DropifyDrop *drop;

  self->busy = FALSE;
  path = dropify_auto_save_copy_finish (result, &error);

  /* Stopped: the drop stays unmarked, for the next start. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Failures are not retried at every start: a full disk or a folder we
   * may not write to needs the user, and the drop is still there to save
   * by hand. */
  if (path == NULL)
    g_warning ("Could not save a received file in Downloads: %s", error->message);
  else
    g_debug ("Saved %s as %s", id, path);

  mark_dealt_with (self, id);

  drop = dropify_history_lookup (self->history, id);
  if (path != NULL && drop != NULL)
    g_signal_emit (self, signals[SAVED], 0, drop, path);

  dropify_auto_save_next (self);
}

static void
dropify_auto_save_next (DropifyAutoSave *self)
{
  g_autoptr(GFile) source = NULL;
  g_autofree char *directory = NULL;
  DropifyDrop *drop;
  const char *id;

  while (!self->busy && !g_cancellable_is_cancelled (self->cancellable) &&
         (id = g_queue_peek_head (&self->queue)) != NULL)
    {
      drop = dropify_history_lookup (self->history, id);

      /* Deleted or expired while it waited: nothing to keep. */
      if (drop == NULL || !dropify_drop_get_complete (drop) || dropify_drop_get_path (drop) == NULL)
        {
          g_free (g_queue_pop_head (&self->queue));
          continue;
        }

      source = g_file_new_for_path (dropify_drop_get_path (drop));
      directory = dropify_auto_save_dup_default_directory ();

      self->busy = TRUE;
      dropify_auto_save_copy_async (source, dropify_drop_get_name (drop), directory,
                                    self->cancellable, copy_cb, g_object_ref (self));
    }
}

/* A file drop that completed while auto-save is on: copied if it came
 * from elsewhere, and marked in every case. While it is off, nothing is
 * marked one by one (so it costs nothing); what completed meanwhile is
 * marked all at once when it is turned on and when it stops, so it never
 * copies the past. */
static void
dropify_auto_save_consider (DropifyAutoSave *self,
                            DropifyDrop     *drop)
{
  const char *id = dropify_drop_get_id (drop);

  if (!self->enabled ||
      dropify_drop_get_kind (drop) != DROPIFY_DROP_KIND_FILE ||
      g_queue_find_custom (&self->queue, id, (GCompareFunc) g_strcmp0) != NULL ||
      dropify_history_get_auto_saved (self->history, id))
    return;

  if (g_strcmp0 (dropify_drop_get_origin (drop), self->device_id) == 0)
    {
      mark_dealt_with (self, id);
      return;
    }

  g_queue_push_tail (&self->queue, g_strdup (id));
  dropify_auto_save_next (self);
}

/* GObject */

static void
dropify_auto_save_dispose (GObject *object)
{
  DropifyAutoSave *self = (DropifyAutoSave *)object;

  dropify_auto_save_stop (self);
  g_clear_object (&self->history);

  G_OBJECT_CLASS (dropify_auto_save_parent_class)->dispose (object);
}

static void
dropify_auto_save_finalize (GObject *object)
{
  DropifyAutoSave *self = (DropifyAutoSave *)object;

  g_queue_clear_full (&self->queue, g_free);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->device_id, g_free);

  G_OBJECT_CLASS (dropify_auto_save_parent_class)->finalize (object);
}

static void
dropify_auto_save_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  DropifyAutoSave *self = DROPIFY_AUTO_SAVE (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_auto_save_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  DropifyAutoSave *self = DROPIFY_AUTO_SAVE (object);

  switch (prop_id)
    {
    case PROP_ENABLED:
      dropify_auto_save_set_enabled (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_auto_save_class_init (DropifyAutoSaveClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dropify_auto_save_dispose;
  object_class->finalize = dropify_auto_save_finalize;
  object_class->get_property = dropify_auto_save_get_property;
  object_class->set_property = dropify_auto_save_set_property;

  properties[PROP_ENABLED] =
    g_param_spec_boolean ("enabled", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DropifyAutoSave::saved:
   * @drop: the file drop
   * @path: where its copy is
   */
  signals[SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, DROPIFY_TYPE_DROP, G_TYPE_STRING);
}

static void
dropify_auto_save_init (DropifyAutoSave *self)
{
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->queue);
}

/**
 * dropify_auto_save_new:
 * @history: the history whose files to save
 * @device_id: this device's id: its own drops are never copied
 *
 * Returns: (transfer full): a new auto-save, off until enabled and
 *   started
 */
DropifyAutoSave *
dropify_auto_save_new (DropifyHistory *history,
                       const char     *device_id)
{
  DropifyAutoSave *self;

  g_return_val_if_fail (DROPIFY_IS_HISTORY (history), NULL);
  g_return_val_if_fail (device_id != NULL, NULL);

  self = g_object_new (DROPIFY_TYPE_AUTO_SAVE, NULL);
  self->history = g_object_ref (history);
  self->device_id = g_strdup (device_id);

  return self;
}

gboolean
dropify_auto_save_get_enabled (DropifyAutoSave *self)
{
  g_return_val_if_fail (DROPIFY_IS_AUTO_SAVE (self), FALSE);
  return self->enabled;
}

/**
 * dropify_auto_save_set_enabled:
 *
 * Whether files that complete from now on are copied. Files that
 * completed while it was off stay where they are, also after a restart.
 */
void
dropify_auto_save_set_enabled (DropifyAutoSave *self,
                               gboolean         enabled)
{
  g_return_if_fail (DROPIFY_IS_AUTO_SAVE (self));

  enabled = !!enabled;
  if (self->enabled == enabled)
    return;

  self->enabled = enabled;

  if (enabled && self->started)
    mark_dealt_with (self, NULL);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENABLED]);
}

/**
 * dropify_auto_save_start:
 *
 * Follows the history, and deals with the files that completed while
 * nothing did: at start, transfers found complete and copies cut short.
 */
void
dropify_auto_save_start (DropifyAutoSave *self)
{
  g_autoptr(GPtrArray) pending = NULL;

  g_return_if_fail (DROPIFY_IS_AUTO_SAVE (self));
  g_return_if_fail (!self->started);
  g_return_if_fail (!g_cancellable_is_cancelled (self->cancellable));

  self->started = TRUE;
  g_signal_connect_object (self->history, "drop-completed",
                           G_CALLBACK (dropify_auto_save_consider),
                           self, G_CONNECT_SWAPPED);

  /* Off, what completed before is left alone for good. */
  if (!self->enabled)
    {
      mark_dealt_with (self, NULL);
      return;
    }

  pending = dropify_history_find_auto_save_pending (self->history);
  for (guint i = 0; i < pending->len; i++)
    dropify_auto_save_consider (self, g_ptr_array_index (pending, i));
}

/**
 * dropify_auto_save_stop:
 *
 * Stops following the history and cancels the copy in progress; what was
 * not copied yet is copied at the next start. Safe to call more than once.
 */
void
dropify_auto_save_stop (DropifyAutoSave *self)
{
  g_return_if_fail (DROPIFY_IS_AUTO_SAVE (self));

  g_cancellable_cancel (self->cancellable);

  if (self->history == NULL || !self->started)
    return;

  self->started = FALSE;
  g_signal_handlers_disconnect_by_data (self->history, self);

  if (!self->enabled)
    mark_dealt_with (self, NULL);
}
