#define G_LOG_DOMAIN "dropify-history"

#include "config.h"

#include <string.h>
#ifdef __GLIBC__
# include <malloc.h>
#endif

#include <glib/gi18n.h>
#include <sqlite3.h>

#include "dropify-history.h"

/* The history keeps live drops in SQLite and mirrors them in memory as a
 * GListModel, newest first. `items` is kept oldest first so that the common
 * case, a new drop, is an append; positions are mirrored in get_item().
 *
 * Deleting a drop leaves a tombstone until the drop would have expired, so
 * a peer that still has it cannot bring it back. One timeout is armed for
 * the next expiry of either; nothing polls. */

#define MAX_ID_LENGTH      64
#define MAX_NAME_LENGTH    255
#define MAX_ORIGIN_LENGTH  256

struct _DropifyHistory
{
  GObject           parent_instance;

  sqlite3          *db;
  char             *path;
  DropifyBlobStore *blobs;
  DropifyClockFunc  clock;
  gpointer          clock_data;

  GPtrArray        *items;       /* DropifyDrop, oldest first */
  GHashTable       *by_id;       /* id → DropifyDrop (borrowed from items) */
  GHashTable       *tombstones;  /* id → int64 expires_at, boxed */
  GHashTable       *cancelled;   /* sha256s not fetched until asked for */

  uint64_t          max_file_size;
  guint             max_text_length;
  guint64           generation;    /* bumped on every change of ids or tombstones */
  guint             expiry_source;
  int64_t           armed_for;     /* the deadline expiry_source fires at */
  GSource          *release_source;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DropifyHistory, dropify_history, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))
G_DEFINE_QUARK (dropify-history-error-quark, dropify_history_error)

enum {
  PROP_0,
  PROP_MAX_FILE_SIZE,
  PROP_MAX_TEXT_LENGTH,
  PROP_N_ITEMS,
  N_PROPS
};

enum {
  DROP_ADDED,
  DROP_REMOVED,
  DROP_COMPLETED,
  TOMBSTONE_ADDED,
  TOMBSTONE_REMOVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Each entry migrates from version (index) to version (index + 1). */
static const char * const migrations[] = {
  /* 0 → 1: the first schema */
  "CREATE TABLE drops ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  kind INTEGER NOT NULL,"
  "  text TEXT,"
  "  name TEXT,"
  "  size INTEGER NOT NULL DEFAULT 0,"
  "  sha256 TEXT,"
  "  origin TEXT NOT NULL,"
  "  origin_name TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  complete INTEGER NOT NULL DEFAULT 0"
  ") WITHOUT ROWID;"
  "CREATE INDEX drops_expires_at ON drops (expires_at);"
  "CREATE TABLE tombstones ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  expires_at INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  "CREATE INDEX tombstones_expires_at ON tombstones (expires_at);",

  /* 1 → 2: MIME types, and a fast “is this blob still used” lookup */
  "ALTER TABLE drops ADD COLUMN mime TEXT;"
  "CREATE INDEX drops_sha256 ON drops (sha256);",

  /* 2 → 3: whether auto-save has dealt with a complete file drop, so it
   * copies each one at most once. Files that were already complete before
   * auto-save existed count as dealt with: turning it on never copies the
   * past. The partial index keeps the start-up lookup of the few that are
   * not cheap with a large history. */
  "ALTER TABLE drops ADD COLUMN auto_saved INTEGER NOT NULL DEFAULT 0;"
  "UPDATE drops SET auto_saved = 1 WHERE complete = 1;"
  "CREATE INDEX drops_auto_save_pending ON drops (created_at)"
  "  WHERE kind = 1 AND complete = 1 AND auto_saved = 0;",

  /* 3 → 4: text drops have no SHA-256, so they leave the blob index: an
   * expiry sweep of 50,000 text drops then updates one index less, a
   * third less work. Lookups by SHA-256 still use it. */
  "DROP INDEX drops_sha256;"
  "CREATE INDEX drops_sha256 ON drops (sha256) WHERE sha256 IS NOT NULL;",

  /* 4 → 5: who a drop is for: its audience's device ids, sorted and
   * separated by commas (no device id holds one); NULL for every device,
   * which is what every drop stored before was. */
  "ALTER TABLE drops ADD COLUMN audience TEXT;",

  /* 5 → 6: which paired devices hold each drop (what 0) and its content
   * (what 1), docs/protocol.md §11.8. Rows go with their drop, whether
   * deleted or expired, by the trigger; at most DROPIFY_DROP_MAX_HOLDERS
   * devices per drop, kept so by dropify_history_add_holders(). */
  "CREATE TABLE holders ("
  "  drop_id TEXT NOT NULL,"
  "  device_id TEXT NOT NULL,"
  "  what INTEGER NOT NULL,"
  "  since INTEGER NOT NULL,"
  "  PRIMARY KEY (drop_id, device_id, what)"
  ") WITHOUT ROWID;"
  "CREATE INDEX holders_device_id ON holders (device_id);"
  "CREATE TRIGGER holders_follow_drops AFTER DELETE ON drops"
  "  BEGIN DELETE FROM holders WHERE drop_id = old.id; END;",

  /* 6 → 7: contents whose transfer was cancelled, not fetched again by
   * themselves until someone asks (docs/protocol.md §11.7). Kept here so
   * that a restart does not fetch what the user stopped; a row goes with
   * the last drop of its content. And holders lose their index by
   * device, which slowed every expiry sweep. */
  "CREATE TABLE cancelled ("
  "  sha256 TEXT PRIMARY KEY NOT NULL,"
  "  since INTEGER NOT NULL"
  ") WITHOUT ROWID;"
  /* With three devices holding each drop, keeping this index up to date
   * made an expiry sweep of 50,000 drops cost 3.1x the CPU of one without
   * holders, 2.0x without the index (the trigger itself costs little:
   * docs/benchmarks.md). Its one user, forgetting a device, is rare and
   * scans the table instead. */
  "DROP INDEX holders_device_id;",

  /* 7 → 8: sends cancelled here while their receiver was away, answered
   * with a cancel (once) when it comes back and asks, even after a
   * restart (docs/protocol.md §11.7). At most CANCELLED_SENDS_MAX rows;
   * a row goes with the last drop of its content or with its device. */
  "CREATE TABLE cancelled_sends ("
  "  sha256 TEXT NOT NULL,"
  "  device_id TEXT NOT NULL,"
  "  since INTEGER NOT NULL,"
  "  PRIMARY KEY (sha256, device_id)"
  ") WITHOUT ROWID;",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == DROPIFY_HISTORY_SCHEMA_VERSION);
/* The auto-save index spells the file kind as a number. */
G_STATIC_ASSERT (DROPIFY_DROP_KIND_FILE == 1);

static gboolean
set_sqlite_error (DropifyHistory  *self,
                  GError         **error,
                  int              rc)
{
  int code = DROPIFY_HISTORY_ERROR_IO;

  if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
    code = DROPIFY_HISTORY_ERROR_CORRUPT;

  if (code == DROPIFY_HISTORY_ERROR_CORRUPT)
    g_set_error (error, DROPIFY_HISTORY_ERROR, code,
                 _("The history “%s” is damaged or is not a Dropify history. "
                   "It was left untouched; move it away to start a new history."),
                 self->path);
  else if (rc == SQLITE_FULL)
    g_set_error (error, DROPIFY_HISTORY_ERROR, code,
                 _("The disk holding the history “%s” is full; nothing was stored. "
                   "Free some space, then try again."),
                 self->path);
  else
    g_set_error (error, DROPIFY_HISTORY_ERROR, code,
                 _("Could not use the history “%s”: %s"),
                 self->path, self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
  return FALSE;
}

/* The drops live in memory, so SQLite's page cache only speeds up a
 * burst of statements; between bursts it would keep up to 2 MiB of pages
 * that whatever last ran read (a scan at start-up reads them all). It is
 * given back a few seconds after a burst begins, and so is what malloc
 * keeps of it and of whatever else was freed meanwhile (0.9 MiB of a
 * window's RSS after start-up): glibc returns freed memory inside its
 * heap only when asked. */
#define RELEASE_CACHE_SECONDS 5

static gboolean
release_cache_cb (gpointer user_data)
{
  DropifyHistory *self = DROPIFY_HISTORY (user_data);

  g_clear_pointer (&self->release_source, g_source_unref);
  if (self->db != NULL)
    sqlite3_db_release_memory (self->db);
#ifdef __GLIBC__
  malloc_trim (0);
#endif

  return G_SOURCE_REMOVE;
}

/* In the context of the thread that uses the history, as the history is
 * used from one thread only. */
static void
release_cache_later (DropifyHistory *self)
{
  if (self->release_source != NULL)
    return;

  self->release_source = g_timeout_source_new_seconds (RELEASE_CACHE_SECONDS);
  g_source_set_callback (self->release_source, release_cache_cb, self, NULL);
  g_source_set_static_name (self->release_source, "[dropify] release the history's cache");
  g_source_attach (self->release_source, g_main_context_get_thread_default ());
}

static gboolean
exec (DropifyHistory  *self,
      const char      *sql,
      GError         **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  release_cache_later (self);
  if (rc != SQLITE_OK)
    return set_sqlite_error (self, error, rc);

  return TRUE;
}

static sqlite3_stmt *
prepare (DropifyHistory  *self,
         const char      *sql,
         GError         **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);

  release_cache_later (self);

  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, error, rc);
      return NULL;
    }

  return stmt;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

static const char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

/* Model */

static guint
position_of_index (DropifyHistory *self,
                   guint           index)
{
  return self->items->len - 1 - index;
}

/* Newest first: later created_at, then larger id, comes first. */
static int
compare_age (DropifyDrop *a,
             DropifyDrop *b)
{
  int64_t ca = dropify_drop_get_created_at (a);
  int64_t cb = dropify_drop_get_created_at (b);

  if (ca != cb)
    return ca < cb ? -1 : 1;

  return strcmp (dropify_drop_get_id (a), dropify_drop_get_id (b));
}

static GType
dropify_history_get_item_type (GListModel *model)
{
  return DROPIFY_TYPE_DROP;
}

static guint
dropify_history_get_n_items (GListModel *model)
{
  return DROPIFY_HISTORY (model)->items->len;
}

static gpointer
dropify_history_get_item (GListModel *model,
                          guint       position)
{
  DropifyHistory *self = DROPIFY_HISTORY (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position_of_index (self, position)));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = dropify_history_get_item_type;
  iface->get_n_items = dropify_history_get_n_items;
  iface->get_item = dropify_history_get_item;
}

static void
items_changed (DropifyHistory *self,
               guint           position,
               guint           removed,
               guint           added)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
insert_item (DropifyHistory *self,
             DropifyDrop    *drop)
{
  guint lo = 0;
  guint hi = self->items->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (compare_age (g_ptr_array_index (self->items, mid), drop) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }

  self->generation++;
  g_ptr_array_insert (self->items, lo, g_object_ref (drop));
  g_hash_table_insert (self->by_id, (gpointer) dropify_drop_get_id (drop), drop);
  items_changed (self, self->items->len - 1 - lo, 0, 1);
}

static guint
index_of_item (DropifyHistory *self,
               DropifyDrop    *drop)
{
  guint index;

  if (!g_ptr_array_find (self->items, drop, &index))
    g_assert_not_reached ();

  return index;
}

/* Runs @sql, a DELETE from cancelled_sends with one text parameter
 * (@value) or none. */
static void
forget_cancelled_sends (DropifyHistory *self,
                        const char     *sql,
                        const char     *value)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;

  if (self->db == NULL)
    return;

  if (!(stmt = prepare (self, sql, &error)))
    {
      g_warning ("Could not forget cancelled sends: %s", error->message);
      return;
    }
  if (value != NULL)
    sqlite3_bind_text (stmt, 1, value, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    g_warning ("Could not forget cancelled sends: %s", sqlite3_errmsg (self->db));
}

/* Blobs */

static gboolean
blob_in_use (DropifyHistory *self,
             const char     *sha256)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (self, "SELECT 1 FROM drops WHERE sha256 = ? LIMIT 1", NULL);

  if (stmt == NULL)
    return TRUE;

  sqlite3_bind_text (stmt, 1, sha256, -1, SQLITE_STATIC);
  return sqlite3_step (stmt) == SQLITE_ROW;
}

static void
release_blob (DropifyHistory *self,
              const char     *sha256)
{
  g_autoptr(GError) error = NULL;

  if (sha256 == NULL || blob_in_use (self, sha256))
    return;

  /* No drop left to download it for: its cancel means nothing now. */
  if (g_hash_table_contains (self->cancelled, sha256))
    dropify_history_set_cancelled (self, sha256, FALSE);
  forget_cancelled_sends (self, "DELETE FROM cancelled_sends WHERE sha256 = ?", sha256);

  if (!dropify_blob_store_remove (self->blobs, sha256, &error))
    g_warning ("Could not remove an unused file: %s", error->message);
}

/* Expiry */

static gboolean
expiry_cb (gpointer user_data)
{
  DropifyHistory *self = DROPIFY_HISTORY (user_data);

  self->expiry_source = 0;
  dropify_history_sweep (self);

  return G_SOURCE_REMOVE;
}

static void
arm_expiry (DropifyHistory *self)
{
  int64_t next = dropify_history_get_next_expiry (self);
  int64_t delay;

  g_clear_handle_id (&self->expiry_source, g_source_remove);
  self->armed_for = next;

  if (next == G_MAXINT64)
    return;

  delay = CLAMP (next - dropify_history_now (self), 0, (int64_t) G_MAXUINT);
  self->expiry_source = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) delay,
                                            expiry_cb, self, NULL);
  g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->expiry_source),
                            "[dropify] history expiry");
}

static void
maybe_arm_expiry (DropifyHistory *self,
                  int64_t         expires_at)
{
  /* Only re-arm when the new deadline comes before the armed one. */
  if (self->expiry_source == 0 || expires_at < self->armed_for)
    arm_expiry (self);
}

/* Loading */

static gboolean
check_integrity (DropifyHistory  *self,
                 GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (!(stmt = prepare (self, "PRAGMA quick_check", error)))
    return FALSE;

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    return set_sqlite_error (self, error, rc);

  if (g_strcmp0 (column_text (stmt, 0), "ok") != 0)
    return set_sqlite_error (self, error, SQLITE_CORRUPT);

  return TRUE;
}

static gboolean
migrate (DropifyHistory  *self,
         GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *set_version = NULL;
  int version;
  int rc;

  if (!(stmt = prepare (self, "PRAGMA user_version", error)))
    return FALSE;

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    return set_sqlite_error (self, error, rc);

  version = sqlite3_column_int (stmt, 0);
  /* A statement still running would keep DROP INDEX from migrating. */
  sqlite3_reset (stmt);

  if (version > DROPIFY_HISTORY_SCHEMA_VERSION || version < 0)
    {
      g_set_error (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_NEWER_SCHEMA,
                   _("The history “%s” was written by a newer version of Dropify "
                     "(format %d; this version reads up to %d). Update Dropify to open it."),
                   self->path, version, DROPIFY_HISTORY_SCHEMA_VERSION);
      return FALSE;
    }

  if (version == DROPIFY_HISTORY_SCHEMA_VERSION)
    return TRUE;

  /* Never migrate, and so rewrite, a damaged file. */
  if (version > 0 && !check_integrity (self, error))
    return FALSE;

  if (!exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;

  for (int v = version; v < DROPIFY_HISTORY_SCHEMA_VERSION; v++)
    {
      if (!exec (self, migrations[v], error))
        {
          exec (self, "ROLLBACK", NULL);
          return FALSE;
        }
    }

  set_version = g_strdup_printf ("PRAGMA user_version = %d", DROPIFY_HISTORY_SCHEMA_VERSION);
  if (!exec (self, set_version, error) || !exec (self, "COMMIT", error))
    {
      exec (self, "ROLLBACK", NULL);
      return FALSE;
    }

  if (version > 0)
    g_message ("Upgraded the history from format %d to %d", version, DROPIFY_HISTORY_SCHEMA_VERSION);

  return TRUE;
}

static DropifyDrop *
drop_from_row (DropifyHistory *self,
               sqlite3_stmt   *stmt)
{
  /* id, kind, text, name, mime, size, sha256, origin, origin_name,
   * created_at, expires_at, complete, audience */
  const char *audience = column_text (stmt, 12);
  g_auto(GStrv) ids = NULL;
  DropifyDrop *drop;

  /* The file is ours, but a drop whose audience does not check out would
   * go to devices it was not meant for: it is left out. */
  if (audience != NULL && *audience != '\0')
    {
      g_auto(GStrv) split = g_strsplit (audience, ",", -1);

      ids = dropify_drop_audience_normalize ((const char * const *) split, NULL);
      if (ids == NULL)
        return NULL;
    }
  if (!dropify_drop_id_fits_audience (column_text (stmt, 0), (const char * const *) ids))
    return NULL;

  if (sqlite3_column_int (stmt, 1) == DROPIFY_DROP_KIND_TEXT)
    {
      drop = dropify_drop_new_text (column_text (stmt, 0),
                                    column_text (stmt, 7),
                                    column_text (stmt, 8),
                                    column_text (stmt, 2) ? column_text (stmt, 2) : "",
                                    sqlite3_column_int64 (stmt, 9),
                                    sqlite3_column_int64 (stmt, 10));
    }
  else
    {
      const char *sha256 = column_text (stmt, 6);

      if (!dropify_sha256_is_valid (sha256))
        return NULL;

      drop = dropify_drop_new_file (column_text (stmt, 0),
                                    column_text (stmt, 7),
                                    column_text (stmt, 8),
                                    column_text (stmt, 3) ? column_text (stmt, 3) : "",
                                    column_text (stmt, 4),
                                    (uint64_t) sqlite3_column_int64 (stmt, 5),
                                    sha256,
                                    sqlite3_column_int64 (stmt, 9),
                                    sqlite3_column_int64 (stmt, 10));
    }

  dropify_drop_set_audience (drop, (const char * const *) ids);
  return drop;
}

static gboolean
load_holders (DropifyHistory  *self,
              GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (!(stmt = prepare (self,
                        "SELECT drop_id, device_id, what, since FROM holders ORDER BY since ASC",
                        error)))
    return FALSE;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      DropifyDrop *drop = g_hash_table_lookup (self->by_id, column_text (stmt, 0));
      const char *device_id = column_text (stmt, 1);
      int what = sqlite3_column_int (stmt, 2);

      if (drop != NULL && device_id != NULL &&
          (what == DROPIFY_HOLDING_DROP || what == DROPIFY_HOLDING_CONTENT))
        dropify_drop_add_holder (drop, device_id, what, sqlite3_column_int64 (stmt, 3));
    }

  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, error, rc);

  return TRUE;
}

/* Only those of a drop still here: a crash between removing a content's
 * last drop and its cancel leaves the row behind, and it is then removed
 * once the history is open (forget_stale_cancels()). */
static gboolean
load_cancelled (DropifyHistory  *self,
                GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  if (!(stmt = prepare (self,
                        "SELECT sha256 FROM cancelled WHERE sha256 IN"
                        "  (SELECT sha256 FROM drops WHERE sha256 IS NOT NULL)",
                        error)))
    return FALSE;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (self->cancelled, g_strdup (column_text (stmt, 0)));

  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, error, rc);

  return TRUE;
}

static void
forget_stale_cancels (DropifyHistory *self)
{
  g_autoptr(GError) error = NULL;

  if (!exec (self,
             "DELETE FROM cancelled WHERE sha256 NOT IN"
             "  (SELECT sha256 FROM drops WHERE sha256 IS NOT NULL)",
             &error))
    g_warning ("Could not forget cancelled transfers of drops gone: %s", error->message);
}

static gboolean
load (DropifyHistory  *self,
      GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(sqlite3_stmt) tomb = NULL;
  g_autoptr(GPtrArray) completed = g_ptr_array_new ();
  int rc;

  if (!(stmt = prepare (self,
                        "SELECT id, kind, text, name, mime, size, sha256, origin, origin_name,"
                        "       created_at, expires_at, complete, audience"
                        "  FROM drops ORDER BY created_at ASC, id ASC",
                        error)))
    return FALSE;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(DropifyDrop) drop = drop_from_row (self, stmt);

      if (drop == NULL)
        continue;

      if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_FILE)
        {
          const char *sha256 = dropify_drop_get_sha256 (drop);
          gboolean marked = sqlite3_column_int (stmt, 11) != 0;

          /* The blob is the truth: a crash between storing a verified blob
           * and marking the drop leaves the mark behind, and a blob removed
           * behind our back must not be offered as complete. */
          if (dropify_blob_store_contains (self->blobs, sha256))
            {
              g_autofree char *path = dropify_blob_store_dup_path (self->blobs, sha256);

              dropify_drop_set_path (drop, path);
              dropify_drop_set_received (drop, dropify_drop_get_size (drop));
              dropify_drop_set_complete (drop, TRUE);
              if (!marked)
                g_ptr_array_add (completed, drop);
            }
        }

      g_hash_table_insert (self->by_id, (gpointer) dropify_drop_get_id (drop), drop);
      g_ptr_array_add (self->items, g_steal_pointer (&drop));
    }

  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, error, rc);

  for (guint i = 0; i < completed->len; i++)
    dropify_history_mark_complete (self, dropify_drop_get_id (completed->pdata[i]), NULL);

  if (!load_holders (self, error))
    return FALSE;

  if (!load_cancelled (self, error))
    return FALSE;

  if (!(tomb = prepare (self, "SELECT id, expires_at FROM tombstones", error)))
    return FALSE;

  while ((rc = sqlite3_step (tomb)) == SQLITE_ROW)
    {
      int64_t *expires_at = g_new (int64_t, 1);

      *expires_at = sqlite3_column_int64 (tomb, 1);
      g_hash_table_insert (self->tombstones, g_strdup (column_text (tomb, 0)), expires_at);
    }

  if (rc != SQLITE_DONE)
    return set_sqlite_error (self, error, rc);

  return TRUE;
}

static gboolean
open_database (DropifyHistory  *self,
               GError         **error)
{
  int rc;

  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    return set_sqlite_error (self, error, rc);

  sqlite3_busy_timeout (self->db, 5000);
  sqlite3_extended_result_codes (self->db, 0);

  /* The version is read before anything writes, so a foreign or newer
   * file is refused untouched. */
  return migrate (self, error);
}

/* Only after everything was read: switching to WAL writes the header, and
 * a damaged file must be left as it was. WAL keeps every committed
 * transaction across a crash of the app; synchronous=NORMAL only risks the
 * last ones on power loss. */
static gboolean
enable_wal (DropifyHistory  *self,
            GError         **error)
{
  return exec (self, "PRAGMA journal_mode = WAL", error) &&
         exec (self, "PRAGMA synchronous = NORMAL", error);
}

/* GObject */

static void
dropify_history_dispose (GObject *object)
{
  DropifyHistory *self = (DropifyHistory *)object;

  dropify_history_close (self);

  G_OBJECT_CLASS (dropify_history_parent_class)->dispose (object);
}

static void
dropify_history_finalize (GObject *object)
{
  DropifyHistory *self = (DropifyHistory *)object;

  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->tombstones, g_hash_table_unref);
  g_clear_pointer (&self->cancelled, g_hash_table_unref);
  g_clear_pointer (&self->path, g_free);
  g_clear_object (&self->blobs);

  G_OBJECT_CLASS (dropify_history_parent_class)->finalize (object);
}

static void
dropify_history_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  DropifyHistory *self = DROPIFY_HISTORY (object);

  switch (prop_id)
    {
    case PROP_MAX_FILE_SIZE:
      g_value_set_uint64 (value, self->max_file_size);
      break;
    case PROP_MAX_TEXT_LENGTH:
      g_value_set_uint (value, self->max_text_length);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->items->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_history_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  DropifyHistory *self = DROPIFY_HISTORY (object);

  switch (prop_id)
    {
    case PROP_MAX_FILE_SIZE:
      dropify_history_set_max_file_size (self, g_value_get_uint64 (value));
      break;
    case PROP_MAX_TEXT_LENGTH:
      dropify_history_set_max_text_length (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_history_class_init (DropifyHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dropify_history_dispose;
  object_class->finalize = dropify_history_finalize;
  object_class->get_property = dropify_history_get_property;
  object_class->set_property = dropify_history_set_property;

  properties[PROP_MAX_FILE_SIZE] =
    g_param_spec_uint64 ("max-file-size", NULL, NULL,
                         1, G_MAXUINT64, G_GUINT64_CONSTANT (4) << 30,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MAX_TEXT_LENGTH] =
    g_param_spec_uint ("max-text-length", NULL, NULL,
                       1, G_MAXUINT, 1 << 20,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DropifyHistory::drop-added:
   * @drop: the new drop
   *
   * Emitted after a drop was stored, whatever its source.
   */
  signals[DROP_ADDED] =
    g_signal_new ("drop-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, DROPIFY_TYPE_DROP);

  /**
   * DropifyHistory::drop-removed:
   * @drop: the drop
   * @expired: %TRUE if it expired, %FALSE if it was deleted
   */
  signals[DROP_REMOVED] =
    g_signal_new ("drop-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, DROPIFY_TYPE_DROP, G_TYPE_BOOLEAN);

  /**
   * DropifyHistory::drop-completed:
   * @drop: a file drop
   *
   * Emitted when a file drop's content is in the blob store: when it is
   * added with content already there, or when its transfer finished.
   */
  signals[DROP_COMPLETED] =
    g_signal_new ("drop-completed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, DROPIFY_TYPE_DROP);

  /**
   * DropifyHistory::tombstone-added:
   * @id: the deleted drop's id
   * @expires_at: when the tombstone goes
   *
   * Emitted after a tombstone was stored: by a deletion here, before
   * #DropifyHistory::drop-removed, or by one from a peer. Together with
   * the drop signals it lets an index follow the history change by
   * change instead of reading it all again.
   */
  signals[TOMBSTONE_ADDED] =
    g_signal_new ("tombstone-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT64);

  /**
   * DropifyHistory::tombstone-removed:
   * @id: the deleted drop's id
   *
   * Emitted when a tombstone expired and was removed.
   */
  signals[TOMBSTONE_REMOVED] =
    g_signal_new ("tombstone-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
dropify_history_init (DropifyHistory *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->tombstones = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->cancelled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* 4 GB and 1 MB, as Preferences show them (decimal, as
   * g_format_size() writes sizes). */
  self->max_file_size = G_GUINT64_CONSTANT (4000000000);
  self->max_text_length = 1000000;
  self->clock = dropify_clock_real_now;
}

/**
 * dropify_history_new:
 * @path: the SQLite file; created if missing
 * @blobs: where file contents are kept
 * @clock: (nullable): the wall clock; %NULL for the real one
 * @clock_data: closure for @clock
 *
 * Opens the history. A damaged file, or one written by a newer version,
 * gives an error and is never modified.
 *
 * Returns: (transfer full): the history, or %NULL with @error set
 */
DropifyHistory *
dropify_history_new (const char        *path,
                     DropifyBlobStore  *blobs,
                     DropifyClockFunc   clock,
                     gpointer           clock_data,
                     GError           **error)
{
  g_autoptr(DropifyHistory) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (DROPIFY_IS_BLOB_STORE (blobs), NULL);

  self = g_object_new (DROPIFY_TYPE_HISTORY, NULL);
  self->path = g_strdup (path);
  self->blobs = g_object_ref (blobs);
  if (clock != NULL)
    {
      self->clock = clock;
      self->clock_data = clock_data;
    }

  if (!open_database (self, error))
    return NULL;

  if (!load (self, error) || !enable_wal (self, error))
    return NULL;

  /* Drops that expired while we were not running go first. */
  dropify_history_sweep (self);
  forget_stale_cancels (self);
  forget_cancelled_sends (self,
                          "DELETE FROM cancelled_sends WHERE sha256 NOT IN"
                          "  (SELECT sha256 FROM drops WHERE sha256 IS NOT NULL)",
                          NULL);

  /* Loading read every page of the drops table into SQLite's page cache
   * (2 MiB at 10,000 drops), and the drops now live in memory: give the
   * pages back now (see release_cache_cb()). */
  sqlite3_db_release_memory (self->db);

  return g_steal_pointer (&self);
}

int64_t
dropify_history_now (DropifyHistory *self)
{
  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), 0);
  return self->clock (self->clock_data);
}

/**
 * dropify_history_get_generation:
 *
 * Returns: a number that changes whenever a drop or tombstone is added
 *   or removed, so callers can cache what they derive from the ids
 */
guint64
dropify_history_get_generation (DropifyHistory *self)
{
  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), 0);
  return self->generation;
}

DropifyBlobStore *
dropify_history_get_blob_store (DropifyHistory *self)
{
  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), NULL);
  return self->blobs;
}

static gboolean
check_string (const char  *value,
              gsize        max_length,
              gboolean     allow_empty,
              const char  *field,
              GError     **error)
{
  if (value == NULL || (!allow_empty && value[0] == '\0'))
    {
      g_set_error (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_INVALID,
                   _("The drop has no %s"), field);
      return FALSE;
    }

  if (strlen (value) > max_length)
    {
      g_set_error (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_INVALID,
                   _("The drop’s %s is too long"), field);
      return FALSE;
    }

  if (!g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_INVALID,
                   _("The drop’s %s is not valid UTF-8"), field);
      return FALSE;
    }

  return TRUE;
}

static gboolean
id_is_valid (const char *id)
{
  gsize len = id ? strlen (id) : 0;

  if (len == 0 || len > MAX_ID_LENGTH)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '-' && id[i] != '_')
      return FALSE;

  return TRUE;
}

/* File names are shown and used as suggested names when saving, never as
 * paths; still, refuse anything that could be mistaken for one. */
static gboolean
file_name_is_valid (const char *name)
{
  if (g_str_equal (name, ".") || g_str_equal (name, ".."))
    return FALSE;

  for (const char *p = name; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '/' || c == '\\' || g_unichar_iscntrl (c))
        return FALSE;
    }

  return TRUE;
}

static gboolean
validate (DropifyHistory  *self,
          DropifyDrop     *drop,
          GError         **error)
{
  const char *id = dropify_drop_get_id (drop);
  int64_t now = dropify_history_now (self);

  if (!id_is_valid (id))
    {
      g_set_error_literal (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_INVALID,
                           _("The drop’s id is not valid"));
      return FALSE;
    }

  if (!dropify_drop_id_fits_audience (id, dropify_drop_get_audience (drop)))
    {
      g_set_error_literal (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_INVALID,
                           _("The drop’s id does not match who it is for"));
      return FALSE;
    }

  if (!check_string (dropify_drop_get_origin (drop), MAX_ORIGIN_LENGTH, FALSE, _("origin"), error) ||
      !check_string (dropify_drop_get_origin_name (drop), MAX_ORIGIN_LENGTH, TRUE, _("sender name"), error))
    return FALSE;

  if (dropify_drop_get_created_at (drop) <= 0 ||
      dropify_drop_get_expires_at (drop) <= dropify_drop_get_created_at (drop))
    {
      g_set_error_literal (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_INVALID,
                           _("The drop’s times are not valid"));
      return FALSE;
    }

  if (dropify_drop_is_expired (drop, now))
    {
      g_set_error_literal (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_EXPIRED,
                           _("The drop has already expired"));
      return FALSE;
    }

  if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_TEXT)
    {
      const char *text = dropify_drop_get_text (drop);

      if (!check_string (text, G_MAXSIZE, FALSE, _("text"), error))
        return FALSE;

      if (strlen (text) > self->max_text_length)
        {
          g_autofree char *limit = g_format_size (self->max_text_length);
          g_set_error (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_TOO_LARGE,
                       _("The text is longer than the limit of %s"), limit);
          return FALSE;
        }
    }
  else
    {
      const char *name = dropify_drop_get_name (drop);

      if (!check_string (name, MAX_NAME_LENGTH, FALSE, _("file name"), error) ||
          !check_string (dropify_drop_get_mime (drop), MAX_NAME_LENGTH, FALSE, _("type"), error))
        return FALSE;

      if (!file_name_is_valid (name))
        {
          g_set_error_literal (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_INVALID,
                               _("The file name contains a path or control characters"));
          return FALSE;
        }

      if (!dropify_sha256_is_valid (dropify_drop_get_sha256 (drop)))
        {
          g_set_error_literal (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_INVALID,
                               _("The file’s SHA-256 is not valid"));
          return FALSE;
        }

      if (dropify_drop_get_size (drop) > self->max_file_size ||
          dropify_drop_get_size (drop) > (uint64_t) G_MAXINT64)
        {
          g_autofree char *limit = g_format_size (self->max_file_size);
          g_set_error (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_TOO_LARGE,
                       _("The file is larger than the limit of %s"), limit);
          return FALSE;
        }
    }

  if (g_hash_table_contains (self->tombstones, id))
    {
      g_set_error_literal (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_DELETED,
                           _("The drop was deleted"));
      return FALSE;
    }

  if (g_hash_table_contains (self->by_id, id))
    {
      g_set_error_literal (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_EXISTS,
                           _("The drop is already in the history"));
      return FALSE;
    }

  return TRUE;
}

/**
 * dropify_history_add:
 * @drop: a drop from anywhere: this device, a peer or a phone
 *
 * Validates and stores @drop. Whatever fails validation (limits, expiry,
 * bad strings, a tombstone) is refused with @error set and nothing stored.
 * A file drop whose blob is already in the store is complete at once.
 *
 * Returns: %TRUE if the drop was stored
 */
gboolean
dropify_history_add (DropifyHistory  *self,
                     DropifyDrop     *drop,
                     GError         **error)
{
  g_autofree char *audience = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean is_file;
  gboolean complete = TRUE;
  int rc;

  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (DROPIFY_IS_DROP (drop), FALSE);

  if (self->db == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The history is closed"));
      return FALSE;
    }

  if (!validate (self, drop, error))
    return FALSE;

  is_file = dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_FILE;
  if (is_file)
    complete = dropify_blob_store_contains (self->blobs, dropify_drop_get_sha256 (drop));

  if (!(stmt = prepare (self,
                        "INSERT INTO drops (id, kind, text, name, mime, size, sha256, origin,"
                        "                   origin_name, created_at, expires_at, complete, audience)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        error)))
    return FALSE;

  sqlite3_bind_text (stmt, 1, dropify_drop_get_id (drop), -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 2, dropify_drop_get_kind (drop));
  sqlite3_bind_text (stmt, 3, dropify_drop_get_text (drop), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, dropify_drop_get_name (drop), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, is_file ? dropify_drop_get_mime (drop) : NULL, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, (int64_t) dropify_drop_get_size (drop));
  sqlite3_bind_text (stmt, 7, dropify_drop_get_sha256 (drop), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 8, dropify_drop_get_origin (drop), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 9, dropify_drop_get_origin_name (drop), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 10, dropify_drop_get_created_at (drop));
  sqlite3_bind_int64 (stmt, 11, dropify_drop_get_expires_at (drop));
  sqlite3_bind_int (stmt, 12, complete);
  if (dropify_drop_is_targeted (drop))
    {
      audience = g_strjoinv (",", (char **) dropify_drop_get_audience (drop));
      sqlite3_bind_text (stmt, 13, audience, -1, SQLITE_STATIC);
    }

  if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
    return set_sqlite_error (self, error, rc);

  if (is_file)
    {
      if (complete)
        {
          g_autofree char *path = dropify_blob_store_dup_path (self->blobs, dropify_drop_get_sha256 (drop));

          dropify_drop_set_path (drop, path);
          dropify_drop_set_received (drop, dropify_drop_get_size (drop));
        }
      dropify_drop_set_complete (drop, complete);
    }

  insert_item (self, drop);
  maybe_arm_expiry (self, dropify_drop_get_expires_at (drop));

  g_signal_emit (self, signals[DROP_ADDED], 0, drop);

  if (is_file && complete)
    g_signal_emit (self, signals[DROP_COMPLETED], 0, drop);

  return TRUE;
}

/**
 * dropify_history_lookup:
 *
 * Returns: (transfer none) (nullable): the live drop with @id
 */
DropifyDrop *
dropify_history_lookup (DropifyHistory *self,
                        const char     *id)
{
  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), NULL);

  if (id == NULL)
    return NULL;

  return g_hash_table_lookup (self->by_id, id);
}

gboolean
dropify_history_is_deleted (DropifyHistory *self,
                            const char     *id)
{
  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), FALSE);

  return id != NULL && g_hash_table_contains (self->tombstones, id);
}

/**
 * dropify_history_delete:
 * @id: the drop to delete
 *
 * Deletes a drop and leaves a tombstone until the drop would have expired.
 * Its blob goes once no other live drop uses it.
 */
gboolean
dropify_history_delete (DropifyHistory  *self,
                        const char      *id,
                        GError         **error)
{
  g_autoptr(sqlite3_stmt) del = NULL;
  g_autoptr(sqlite3_stmt) tomb = NULL;
  g_autoptr(DropifyDrop) drop = NULL;
  int64_t *expires_at;
  guint index, position;
  int rc;

  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), FALSE);

  if (self->db == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The history is closed"));
      return FALSE;
    }

  if (id == NULL || !(drop = g_hash_table_lookup (self->by_id, id)))
    {
      g_set_error_literal (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_NOT_FOUND,
                           _("There is no such drop in the history"));
      return FALSE;
    }
  g_object_ref (drop);

  if (!(del = prepare (self, "DELETE FROM drops WHERE id = ?", error)) ||
      !(tomb = prepare (self, "INSERT OR REPLACE INTO tombstones (id, expires_at) VALUES (?, ?)", error)))
    return FALSE;

  if (!exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;

  sqlite3_bind_text (del, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (tomb, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (tomb, 2, dropify_drop_get_expires_at (drop));

  if ((rc = sqlite3_step (del)) != SQLITE_DONE ||
      (rc = sqlite3_step (tomb)) != SQLITE_DONE)
    {
      exec (self, "ROLLBACK", NULL);
      return set_sqlite_error (self, error, rc);
    }

  if (!exec (self, "COMMIT", error))
    {
      exec (self, "ROLLBACK", NULL);
      return FALSE;
    }

  expires_at = g_new (int64_t, 1);
  *expires_at = dropify_drop_get_expires_at (drop);
  g_hash_table_insert (self->tombstones, g_strdup (id), expires_at);
  self->generation++;

  index = index_of_item (self, drop);
  position = position_of_index (self, index);
  g_hash_table_remove (self->by_id, dropify_drop_get_id (drop));
  g_ptr_array_remove_index (self->items, index);
  items_changed (self, position, 1, 0);

  if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_FILE)
    release_blob (self, dropify_drop_get_sha256 (drop));

  g_signal_emit (self, signals[TOMBSTONE_ADDED], 0, dropify_drop_get_id (drop),
                 dropify_drop_get_expires_at (drop));
  g_signal_emit (self, signals[DROP_REMOVED], 0, drop, FALSE);

  return TRUE;
}

/**
 * dropify_history_add_tombstone:
 * @id: a drop deleted elsewhere
 * @expires_at: when that drop would have expired
 *
 * Applies a deletion made on another device: deletes the drop if it is
 * here, and otherwise remembers the tombstone so that the drop is refused
 * if it arrives later. An expired or known tombstone changes nothing.
 *
 * Returns: %TRUE unless storing failed
 */
gboolean
dropify_history_add_tombstone (DropifyHistory  *self,
                               const char      *id,
                               int64_t          expires_at,
                               GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int64_t *boxed;
  int rc;

  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), FALSE);

  if (self->db == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The history is closed"));
      return FALSE;
    }

  if (!id_is_valid (id))
    {
      g_set_error_literal (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_INVALID,
                           _("The drop’s id is not valid"));
      return FALSE;
    }

  if (g_hash_table_contains (self->by_id, id))
    return dropify_history_delete (self, id, error);

  if (expires_at <= dropify_history_now (self) || g_hash_table_contains (self->tombstones, id))
    return TRUE;

  if (!(stmt = prepare (self, "INSERT OR REPLACE INTO tombstones (id, expires_at) VALUES (?, ?)", error)))
    return FALSE;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, expires_at);
  if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
    return set_sqlite_error (self, error, rc);

  boxed = g_new (int64_t, 1);
  *boxed = expires_at;
  g_hash_table_insert (self->tombstones, g_strdup (id), boxed);
  self->generation++;
  maybe_arm_expiry (self, expires_at);

  g_signal_emit (self, signals[TOMBSTONE_ADDED], 0, id, expires_at);

  return TRUE;
}

/**
 * dropify_history_foreach_tombstone:
 * @func: called with each tombstone's id and expiry
 */
void
dropify_history_foreach_tombstone (DropifyHistory *self,
                                   void          (*func) (const char *id,
                                                          int64_t     expires_at,
                                                          gpointer    user_data),
                                   gpointer        user_data)
{
  GHashTableIter iter;
  gpointer key, value;

  g_return_if_fail (DROPIFY_IS_HISTORY (self));

  g_hash_table_iter_init (&iter, self->tombstones);
  while (g_hash_table_iter_next (&iter, &key, &value))
    func (key, *(int64_t *) value, user_data);
}

/**
 * dropify_history_find_by_sha256:
 *
 * Returns: (transfer container) (element-type DropifyDrop): the live file
 *   drops whose content has this digest
 */
GPtrArray *
dropify_history_find_by_sha256 (DropifyHistory *self,
                                const char     *sha256)
{
  GPtrArray *found = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), found);

  for (guint i = 0; i < self->items->len; i++)
    {
      DropifyDrop *drop = g_ptr_array_index (self->items, i);

      if (g_strcmp0 (dropify_drop_get_sha256 (drop), sha256) == 0)
        g_ptr_array_add (found, g_object_ref (drop));
    }

  return found;
}

/* Whether @haystack holds @needle (already in lower case), ignoring the
 * case of ASCII letters, as SQL's LIKE does. The candidates for a first
 * letter are found with memchr(), which reads many bytes at a time. */
static gboolean
contains_ascii_nocase (const char *haystack,
                       const char *needle,
                       gsize       needle_len)
{
  const char *end;
  const char *p;
  char lower = needle[0];
  char upper = g_ascii_toupper (needle[0]);

  if (haystack == NULL)
    return FALSE;

  if (lower == upper)
    {
      /* No letter first: look for the first byte as it is. */
      for (p = haystack; (p = strchr (p, lower)) != NULL; p++)
        if (g_ascii_strncasecmp (p, needle, needle_len) == 0)
          return TRUE;
      return FALSE;
    }

  end = haystack + strlen (haystack);
  p = haystack;

  while ((gsize) (end - p) >= needle_len)
    {
      const char *l = memchr (p, lower, end - p);
      const char *u = memchr (p, upper, (l != NULL ? l : end) - p);
      const char *candidate = u != NULL ? u : l;

      if (candidate == NULL || (gsize) (end - candidate) < needle_len)
        return FALSE;

      if (g_ascii_strncasecmp (candidate, needle, needle_len) == 0)
        return TRUE;

      p = candidate + 1;
    }

  return FALSE;
}

/* A needle with a letter outside ASCII: its characters through
 * g_unichar_tolower(), and its first character's lower and upper case in
 * UTF-8, which strstr() finds many bytes at a time. */
typedef struct
{
  gunichar *chars;
  glong     n;
  char      first[2][8];
} WideNeedle;

/* Whether @haystack holds @needle, ignoring case in every script: "ÉTÉ"
 * finds "été". Candidates start where the first character stands in
 * either case; each is compared one character at a time, with no copy of
 * the haystack. */
static gboolean
contains_unicode_nocase (const char       *haystack,
                         const WideNeedle *needle)
{
  const char *next[2];
  gsize first_len[2];

  if (haystack == NULL)
    return FALSE;

  for (guint v = 0; v < 2; v++)
    {
      first_len[v] = strlen (needle->first[v]);
      next[v] = v == 1 && strcmp (needle->first[0], needle->first[1]) == 0 ? NULL
                : strstr (haystack, needle->first[v]);
    }

  while (next[0] != NULL || next[1] != NULL)
    {
      const char *p = next[0] == NULL ? next[1]
                      : next[1] == NULL ? next[0] : MIN (next[0], next[1]);
      const char *q = p;
      glong k = 0;

      while (k < needle->n && *q != '\0' && g_unichar_tolower (g_utf8_get_char (q)) == needle->chars[k])
        {
          q = g_utf8_next_char (q);
          k++;
        }
      if (k == needle->n)
        return TRUE;

      for (guint v = 0; v < 2; v++)
        if (next[v] == p)
          next[v] = strstr (p + first_len[v], needle->first[v]);
    }

  return FALSE;
}

static gboolean
is_ascii (const char *text)
{
  for (; *text != '\0'; text++)
    if ((guchar) *text >= 0x80)
      return FALSE;
  return TRUE;
}

/**
 * dropify_history_search:
 * @self: a #DropifyHistory
 * @text: (nullable): what to look for in texts and file names, or %NULL or
 *   "" for any
 * @kind: the kind of drops to find, or -1 for both
 * @origin: (nullable): the device whose drops to find (its id, as in
 *   #DropifyDrop:origin), or %NULL for any
 * @error: return location for a #GError
 *
 * Finds the live drops whose text or file name contains @text, ignoring
 * case, in any script (@text is taken in NFC, as typed). The history holds
 * every live drop in memory already, so this reads them there: no query,
 * and no copy of any text.
 *
 * Returns: (transfer full) (element-type DropifyDrop DropifyDrop): the
 *   drops found, as a set, or %NULL with @error set
 */
GHashTable *
dropify_history_search (DropifyHistory  *self,
                        const char      *text,
                        int              kind,
                        const char      *origin,
                        GError         **error)
{
  g_autoptr(GHashTable) found = NULL;
  g_autofree char *needle = NULL;
  WideNeedle wide = { NULL };
  gsize needle_len;
  int64_t now;

  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), NULL);
  g_return_val_if_fail (text == NULL || g_utf8_validate (text, -1, NULL), NULL);

  if (self->db == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The history is closed"));
      return NULL;
    }

  needle = g_ascii_strdown (text != NULL ? text : "", -1);
  needle_len = strlen (needle);
  if (!is_ascii (needle))
    {
      g_autofree char *composed = g_utf8_normalize (needle, -1, G_NORMALIZE_DEFAULT_COMPOSE);

      wide.chars = g_utf8_to_ucs4_fast (composed, -1, &wide.n);
      for (glong i = 0; i < wide.n; i++)
        wide.chars[i] = g_unichar_tolower (wide.chars[i]);
      wide.first[0][g_unichar_to_utf8 (wide.chars[0], wide.first[0])] = '\0';
      wide.first[1][g_unichar_to_utf8 (g_unichar_toupper (wide.chars[0]), wide.first[1])] = '\0';
    }
  now = dropify_history_now (self);

  found = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);

  for (guint i = 0; i < self->items->len; i++)
    {
      DropifyDrop *drop = g_ptr_array_index (self->items, i);
      DropifyDropKind drop_kind = dropify_drop_get_kind (drop);
      const char *haystack;

      if ((kind >= 0 && (int) drop_kind != kind) || dropify_drop_is_expired (drop, now) ||
          (origin != NULL && g_strcmp0 (dropify_drop_get_origin (drop), origin) != 0))
        continue;

      haystack = drop_kind == DROPIFY_DROP_KIND_TEXT ? dropify_drop_get_text (drop)
                                                      : dropify_drop_get_name (drop);

      if (needle_len == 0 ||
          (wide.chars != NULL ? contains_unicode_nocase (haystack, &wide)
                              : contains_ascii_nocase (haystack, needle, needle_len)))
        g_hash_table_add (found, g_object_ref (drop));
    }

  g_free (wide.chars);
  return g_steal_pointer (&found);
}

/**
 * dropify_history_dup_origins:
 * @max: how many devices at most
 *
 * The devices the live drops come from, for a filter: each origin once,
 * the one with the newest drop first, with the name its newest drop
 * gives it.
 *
 * Returns: (transfer full) (element-type utf8): pairs of strings, id then
 *   name, 2 × at most @max of them
 */
GPtrArray *
dropify_history_dup_origins (DropifyHistory *self,
                             guint           max)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *origins = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), origins);

  /* Newest first, as the list model is (items are kept oldest first). */
  for (guint i = self->items->len; i > 0 && g_hash_table_size (seen) < max; i--)
    {
      DropifyDrop *drop = g_ptr_array_index (self->items, i - 1);
      const char *origin = dropify_drop_get_origin (drop);

      if (origin == NULL || !g_hash_table_add (seen, (gpointer) origin))
        continue;

      g_ptr_array_add (origins, g_strdup (origin));
      g_ptr_array_add (origins, g_strdup (dropify_drop_get_origin_name (drop)));
    }

  return origins;
}

/**
 * dropify_history_mark_complete:
 *
 * Records that a file drop's blob is now in the store.
 */
gboolean
dropify_history_mark_complete (DropifyHistory  *self,
                               const char      *id,
                               GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *path = NULL;
  DropifyDrop *drop;
  gboolean was_complete;
  int rc;

  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), FALSE);

  /* A check that finishes after the service stopped. */
  if (self->db == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The history is closed"));
      return FALSE;
    }

  if (!(drop = dropify_history_lookup (self, id)) ||
      dropify_drop_get_kind (drop) != DROPIFY_DROP_KIND_FILE)
    {
      g_set_error_literal (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_NOT_FOUND,
                           _("There is no such file drop in the history"));
      return FALSE;
    }

  if (!dropify_blob_store_contains (self->blobs, dropify_drop_get_sha256 (drop)))
    {
      g_set_error_literal (error, DROPIFY_HISTORY_ERROR, DROPIFY_HISTORY_ERROR_NOT_FOUND,
                           _("The file’s content is not stored yet"));
      return FALSE;
    }

  if (!(stmt = prepare (self, "UPDATE drops SET complete = 1 WHERE id = ?", error)))
    return FALSE;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
    return set_sqlite_error (self, error, rc);

  was_complete = dropify_drop_get_complete (drop);
  path = dropify_blob_store_dup_path (self->blobs, dropify_drop_get_sha256 (drop));
  dropify_drop_set_path (drop, path);
  dropify_drop_set_received (drop, dropify_drop_get_size (drop));
  dropify_drop_set_complete (drop, TRUE);

  if (!was_complete)
    g_signal_emit (self, signals[DROP_COMPLETED], 0, drop);

  return TRUE;
}

/**
 * dropify_history_add_holders:
 * @device_id: a paired device, as proven by its connection
 * @ids: (element-type utf8): ids of drops it holds
 * @what: what it holds of them
 *
 * Records that @device_id holds @what of each drop of @ids that is in
 * the history (docs/protocol.md §11.8), in one transaction however many
 * there are. Ids not in the history, facts already known and devices
 * past %DROPIFY_DROP_MAX_HOLDERS for a drop are skipped.
 *
 * Returns: how many drops changed
 */
guint
dropify_history_add_holders (DropifyHistory *self,
                             const char     *device_id,
                             GPtrArray      *ids,
                             DropifyHolding  what)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) changed = NULL;
  g_autoptr(GError) error = NULL;
  int64_t now;

  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), 0);
  g_return_val_if_fail (device_id != NULL, 0);
  g_return_val_if_fail (ids != NULL, 0);

  if (self->db == NULL || ids->len == 0 || strlen (device_id) > MAX_ORIGIN_LENGTH)
    return 0;

  now = dropify_history_now (self);
  changed = g_ptr_array_new ();
  for (guint i = 0; i < ids->len; i++)
    {
      DropifyDrop *drop = g_hash_table_lookup (self->by_id, g_ptr_array_index (ids, i));

      if (drop != NULL && dropify_drop_add_holder (drop, device_id, what, now))
        g_ptr_array_add (changed, drop);
    }

  if (changed->len == 0)
    return 0;

  /* What is shown is true either way: a failed write only loses it at
   * the next start, and the next reconciliation learns it again. */
  if (!(stmt = prepare (self,
                        "INSERT OR IGNORE INTO holders (drop_id, device_id, what, since)"
                        " VALUES (?, ?, ?, ?)",
                        &error)) ||
      !exec (self, "BEGIN IMMEDIATE", &error))
    {
      g_warning ("Could not record which devices hold drops: %s", error->message);
      return changed->len;
    }

  for (guint i = 0; i < changed->len; i++)
    {
      int rc;

      sqlite3_reset (stmt);
      sqlite3_bind_text (stmt, 1, dropify_drop_get_id (changed->pdata[i]), -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, device_id, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 3, what);
      sqlite3_bind_int64 (stmt, 4, now);
      if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
        {
          g_warning ("Could not record which devices hold drops: %s", sqlite3_errstr (rc));
          exec (self, "ROLLBACK", NULL);
          return changed->len;
        }
    }

  if (!exec (self, "COMMIT", &error))
    {
      g_warning ("Could not record which devices hold drops: %s", error->message);
      exec (self, "ROLLBACK", NULL);
    }
  else
    g_debug ("%s holds %s of %u more drops", device_id,
             what == DROPIFY_HOLDING_DROP ? "the drop" : "the content", changed->len);

  return changed->len;
}

/**
 * dropify_history_forget_holder:
 * @device_id: a device no longer paired
 *
 * Forgets what @device_id was known to hold, for every drop.
 */
void
dropify_history_forget_holder (DropifyHistory *self,
                               const char     *device_id)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (DROPIFY_IS_HISTORY (self));
  g_return_if_fail (device_id != NULL);

  if (self->db == NULL)
    return;

  if (!(stmt = prepare (self, "DELETE FROM holders WHERE device_id = ?", &error)))
    {
      g_warning ("Could not forget what a device holds: %s", error->message);
      return;
    }
  sqlite3_bind_text (stmt, 1, device_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    g_warning ("Could not forget what a device holds: %s", sqlite3_errmsg (self->db));

  for (guint i = 0; i < self->items->len; i++)
    dropify_drop_remove_holder (g_ptr_array_index (self->items, i), device_id);

  forget_cancelled_sends (self, "DELETE FROM cancelled_sends WHERE device_id = ?", device_id);
}

/**
 * dropify_history_is_cancelled:
 * @sha256: a file drop's content
 *
 * Whether a transfer of @sha256 was cancelled, here or by its sender,
 * and nobody asked for it since (docs/protocol.md §11.7).
 *
 * Returns: %TRUE if it is not to be fetched by itself
 */
gboolean
dropify_history_is_cancelled (DropifyHistory *self,
                              const char     *sha256)
{
  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (sha256 != NULL, FALSE);

  return g_hash_table_contains (self->cancelled, sha256);
}

/**
 * dropify_history_set_cancelled:
 * @sha256: a file drop's content
 * @cancelled: %TRUE once its transfer is cancelled, %FALSE once someone
 *   asks for it again
 *
 * Remembers, across restarts, that @sha256 is not to be fetched by
 * itself. Only content of a drop in the history is remembered, and it is
 * forgotten with the last drop of that content.
 */
void
dropify_history_set_cancelled (DropifyHistory *self,
                               const char     *sha256,
                               gboolean        cancelled)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (DROPIFY_IS_HISTORY (self));
  g_return_if_fail (sha256 != NULL);

  if (self->db == NULL || g_hash_table_contains (self->cancelled, sha256) == !!cancelled)
    return;

  if (cancelled && !blob_in_use (self, sha256))
    return;

  /* What this run does is right either way: a failed write only loses
   * the cancel at the next start, as before schema 7. */
  if (cancelled)
    {
      g_hash_table_add (self->cancelled, g_strdup (sha256));
      stmt = prepare (self, "INSERT OR REPLACE INTO cancelled (sha256, since) VALUES (?, ?)", &error);
    }
  else
    {
      g_hash_table_remove (self->cancelled, sha256);
      stmt = prepare (self, "DELETE FROM cancelled WHERE sha256 = ?", &error);
    }

  if (stmt == NULL)
    {
      g_warning ("Could not remember a cancelled transfer: %s", error->message);
      return;
    }

  sqlite3_bind_text (stmt, 1, sha256, -1, SQLITE_STATIC);
  if (cancelled)
    sqlite3_bind_int64 (stmt, 2, dropify_history_now (self));
  if (sqlite3_step (stmt) != SQLITE_DONE)
    g_warning ("Could not remember a cancelled transfer: %s", sqlite3_errmsg (self->db));
}

/**
 * dropify_history_add_cancelled_send:
 * @sha256: a file drop's content
 * @device_id: the device it was being sent to, away when it was cancelled
 *
 * Remembers, across restarts, that sending @sha256 to @device_id was
 * cancelled here while @device_id was away, so that its next request
 * is answered with a cancel. Only content of a drop in the history is
 * remembered, and at most %DROPIFY_HISTORY_CANCELLED_SENDS_MAX pairs:
 * the oldest go first.
 */
void
dropify_history_add_cancelled_send (DropifyHistory *self,
                                    const char     *sha256,
                                    const char     *device_id)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *trim = NULL;

  g_return_if_fail (DROPIFY_IS_HISTORY (self));
  g_return_if_fail (sha256 != NULL);
  g_return_if_fail (device_id != NULL);

  if (self->db == NULL || !blob_in_use (self, sha256))
    return;

  if (!(stmt = prepare (self,
                        "INSERT OR REPLACE INTO cancelled_sends (sha256, device_id, since)"
                        " VALUES (?, ?, ?)",
                        &error)))
    {
      g_warning ("Could not remember a cancelled send: %s", error->message);
      return;
    }
  sqlite3_bind_text (stmt, 1, sha256, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, device_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, dropify_history_now (self));
  if (sqlite3_step (stmt) != SQLITE_DONE)
    g_warning ("Could not remember a cancelled send: %s", sqlite3_errmsg (self->db));

  trim = g_strdup_printf ("DELETE FROM cancelled_sends WHERE (sha256, device_id) IN"
                          "  (SELECT sha256, device_id FROM cancelled_sends"
                          "   ORDER BY since DESC, sha256, device_id LIMIT -1 OFFSET %u)",
                          DROPIFY_HISTORY_CANCELLED_SENDS_MAX);
  forget_cancelled_sends (self, trim, NULL);
}

/**
 * dropify_history_take_cancelled_send:
 * @sha256: a file drop's content
 * @device_id: the device that asks for it
 *
 * Whether sending @sha256 to @device_id was cancelled while it was away;
 * forgets it, so that the next request is served.
 *
 * Returns: %TRUE if it was, once
 */
gboolean
dropify_history_take_cancelled_send (DropifyHistory *self,
                                     const char     *sha256,
                                     const char     *device_id)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (sha256 != NULL, FALSE);
  g_return_val_if_fail (device_id != NULL, FALSE);

  if (self->db == NULL)
    return FALSE;

  if (!(stmt = prepare (self, "DELETE FROM cancelled_sends WHERE sha256 = ? AND device_id = ?", &error)))
    {
      g_warning ("Could not look up a cancelled send: %s", error->message);
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, sha256, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, device_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      g_warning ("Could not look up a cancelled send: %s", sqlite3_errmsg (self->db));
      return FALSE;
    }

  return sqlite3_changes (self->db) > 0;
}

/**
 * dropify_history_find_auto_save_pending:
 *
 * The complete file drops that auto-save has not dealt with yet, oldest
 * first: those that completed while nothing listened, such as at start.
 *
 * Returns: (transfer container) (element-type DropifyDrop): the drops
 */
GPtrArray *
dropify_history_find_auto_save_pending (DropifyHistory *self)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *found;
  int rc;

  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), NULL);

  found = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->db == NULL)
    return found;

  /* The same terms as the partial index, so that it is used. */
  if (!(stmt = prepare (self,
                        "SELECT id FROM drops"
                        " WHERE kind = 1 AND complete = 1 AND auto_saved = 0"
                        " ORDER BY created_at, id",
                        &error)))
    {
      g_warning ("Could not look for files to save: %s", error->message);
      return found;
    }

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      DropifyDrop *drop = dropify_history_lookup (self, column_text (stmt, 0));

      /* The mark says complete, but the blob may have gone since. */
      if (drop != NULL && dropify_drop_get_complete (drop))
        g_ptr_array_add (found, g_object_ref (drop));
    }

  if (rc != SQLITE_DONE)
    g_warning ("Could not look for files to save: %s", sqlite3_errmsg (self->db));

  return found;
}

/**
 * dropify_history_get_auto_saved:
 *
 * Returns: whether auto-save has dealt with the drop @id
 */
gboolean
dropify_history_get_auto_saved (DropifyHistory *self,
                                const char     *id)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  if (self->db == NULL ||
      !(stmt = prepare (self, "SELECT auto_saved FROM drops WHERE id = ?", NULL)))
    return FALSE;

  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);

  return sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_int (stmt, 0) != 0;
}

/**
 * dropify_history_set_auto_saved:
 * @id: (nullable): a drop's id, or %NULL for every complete file drop
 *
 * Records that auto-save has dealt with the drop @id, by copying it or by
 * deciding not to, so that it never copies it again.
 */
gboolean
dropify_history_set_auto_saved (DropifyHistory  *self,
                                const char      *id,
                                GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), FALSE);

  if (self->db == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, _("The history is closed"));
      return FALSE;
    }

  if (id == NULL)
    stmt = prepare (self,
                    "UPDATE drops SET auto_saved = 1"
                    " WHERE kind = 1 AND complete = 1 AND auto_saved = 0",
                    error);
  else if ((stmt = prepare (self, "UPDATE drops SET auto_saved = 1 WHERE id = ?", error)))
    sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);

  if (stmt == NULL)
    return FALSE;

  if ((rc = sqlite3_step (stmt)) != SQLITE_DONE)
    return set_sqlite_error (self, error, rc);

  return TRUE;
}

/**
 * dropify_history_get_next_expiry:
 *
 * Returns: the earliest `expires_at` of any drop or tombstone, or
 *   %G_MAXINT64 when there is none
 */
int64_t
dropify_history_get_next_expiry (DropifyHistory *self)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int64_t next = G_MAXINT64;

  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), G_MAXINT64);

  if (self->db == NULL)
    return G_MAXINT64;

  stmt = prepare (self,
                  "SELECT MIN(t) FROM (SELECT MIN(expires_at) AS t FROM drops"
                  "                    UNION ALL SELECT MIN(expires_at) FROM tombstones)",
                  NULL);
  if (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW &&
      sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    next = sqlite3_column_int64 (stmt, 0);

  return next;
}

/**
 * dropify_history_sweep:
 *
 * Removes every drop and tombstone that has expired by now, with the
 * blobs no live drop uses any more, and arms the timer for the next one.
 * The model changes in one step.
 *
 * Returns: how many drops expired
 */
guint
dropify_history_sweep (DropifyHistory *self)
{
  g_autoptr(GPtrArray) expired = NULL;
  g_autoptr(GPtrArray) gone = NULL;
  g_autoptr(sqlite3_stmt) del = NULL;
  g_autoptr(sqlite3_stmt) tomb = NULL;
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer key, value;
  int64_t now;
  guint first = G_MAXUINT, last = 0, write = 0;

  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), 0);

  if (self->db == NULL)
    return 0;

  now = dropify_history_now (self);

  if (!(del = prepare (self, "DELETE FROM drops WHERE expires_at <= ?", &error)) ||
      !(tomb = prepare (self, "DELETE FROM tombstones WHERE expires_at <= ?", &error)))
    {
      g_warning ("Could not remove expired drops: %s", error->message);
      return 0;
    }

  sqlite3_bind_int64 (del, 1, now);
  sqlite3_bind_int64 (tomb, 1, now);

  if (!exec (self, "BEGIN IMMEDIATE", &error))
    {
      g_warning ("Could not remove expired drops: %s", error->message);
      return 0;
    }

  if (sqlite3_step (del) != SQLITE_DONE || sqlite3_step (tomb) != SQLITE_DONE ||
      !exec (self, "COMMIT", &error))
    {
      g_warning ("Could not remove expired drops: %s",
                 error ? error->message : sqlite3_errmsg (self->db));
      exec (self, "ROLLBACK", NULL);
      arm_expiry (self);
      return 0;
    }

  gone = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_iter_init (&iter, self->tombstones);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (*(int64_t *) value <= now)
      {
        g_ptr_array_add (gone, g_strdup (key));
        g_hash_table_iter_remove (&iter);
        self->generation++;
      }
  for (guint i = 0; i < gone->len; i++)
    g_signal_emit (self, signals[TOMBSTONE_REMOVED], 0, g_ptr_array_index (gone, i));

  /* Compact the array in one pass and report the span that changed. */
  expired = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->items->len; i++)
    {
      DropifyDrop *drop = g_ptr_array_index (self->items, i);

      if (dropify_drop_is_expired (drop, now))
        {
          g_hash_table_remove (self->by_id, dropify_drop_get_id (drop));
          g_ptr_array_add (expired, drop);
          first = MIN (first, i);
          last = i;
        }
      else
        {
          self->items->pdata[write++] = drop;
        }
    }

  if (expired->len > 0)
    {
      guint old_len = self->items->len;

      self->generation++;
      guint removed_span = last - first + 1;
      guint added_span = removed_span - expired->len;

      /* The items were moved, not freed: shrink without unreffing. */
      g_ptr_array_set_free_func (self->items, NULL);
      g_ptr_array_set_size (self->items, write);
      g_ptr_array_set_free_func (self->items, g_object_unref);

      /* Newest-first positions of the span [first, last]. */
      items_changed (self, old_len - 1 - last, removed_span, added_span);

      for (guint i = 0; i < expired->len; i++)
        {
          DropifyDrop *drop = g_ptr_array_index (expired, i);

          if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_FILE)
            release_blob (self, dropify_drop_get_sha256 (drop));

          g_signal_emit (self, signals[DROP_REMOVED], 0, drop, TRUE);
        }
    }

  arm_expiry (self);

  return expired->len;
}

uint64_t
dropify_history_get_max_file_size (DropifyHistory *self)
{
  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), 0);
  return self->max_file_size;
}

void
dropify_history_set_max_file_size (DropifyHistory *self,
                                   uint64_t        max_file_size)
{
  g_return_if_fail (DROPIFY_IS_HISTORY (self));

  if (self->max_file_size == max_file_size)
    return;

  self->max_file_size = max_file_size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_FILE_SIZE]);
}

guint
dropify_history_get_max_text_length (DropifyHistory *self)
{
  g_return_val_if_fail (DROPIFY_IS_HISTORY (self), 0);
  return self->max_text_length;
}

void
dropify_history_set_max_text_length (DropifyHistory *self,
                                     guint           max_text_length)
{
  g_return_if_fail (DROPIFY_IS_HISTORY (self));

  if (self->max_text_length == max_text_length)
    return;

  self->max_text_length = max_text_length;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_TEXT_LENGTH]);
}

/**
 * dropify_history_close:
 *
 * Closes the database. The model keeps its items but nothing more is
 * stored. Safe to call more than once.
 */
void
dropify_history_close (DropifyHistory *self)
{
  g_return_if_fail (DROPIFY_IS_HISTORY (self));

  g_clear_handle_id (&self->expiry_source, g_source_remove);
  if (self->release_source != NULL)
    {
      g_source_destroy (self->release_source);
      g_clear_pointer (&self->release_source, g_source_unref);
    }

  if (self->db != NULL)
    {
      int rc = sqlite3_close (self->db);

      if (rc != SQLITE_OK)
        g_warning ("Could not close the history cleanly: %s", sqlite3_errstr (rc));
      self->db = NULL;
    }
}
