/* dropify-drop-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "dropify-drop-row"

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "dropify-drop-actions.h"
#include "dropify-drop-row.h"
#include "dropify-lazy-label.h"
#include "dropify-thumbnail.h"
#include "dropify-transfer-watch.h"

/* A preview never needs more than this; a 1 MiB text drop would otherwise be
 * laid out in full by Pango only to be ellipsized to three lines. */
#define PREVIEW_MAX_CHARS 400
#define PREVIEW_MAX_LINES 3

#define MINUTE_MS (G_GINT64_CONSTANT (60) * 1000)
#define HOUR_MS   (60 * MINUTE_MS)
#define DAY_MS    (24 * HOUR_MS)

struct _DropifyDropRow
{
  GtkWidget       parent_instance;

  DropifyService *service;
  DropifyDrop    *drop;
  gulong          received_handler;
  gulong          complete_handler;
  gulong          holders_handler;
  DropifyTransferWatch *transfers;   /* of the drop's content, both ways */

  /* Template widgets */
  GtkWidget      *card;
  GtkImage       *icon;
  DropifyThumbnail *thumbnail;   /* made for the first image drop shown */
  GtkLabel       *title_label;
  GtkLabel       *details_label;
  GtkWidget      *text_box;
  GtkProgressBar *progress_bar;  /* made for the first file that arrives */
  GtkButton      *copy_button;
  GtkMenuButton  *menu_button;
  GtkCheckButton *select_check;

  /* Selection mode: the window's, shared by every row. */
  DropifyDropSelection *selection;
  gboolean        syncing_check;

  /* The same menu at the pointer, for a right click or a long press. */
  GtkWidget      *context_menu;

  /* The copy button's tooltip, when it is set once the row is drawn. */
  const char     *copy_tooltip;
};

G_DEFINE_FINAL_TYPE (DropifyDropRow, dropify_drop_row, GTK_TYPE_WIDGET)

/* The menu of a drop's actions: immutable, so built once for every row
 * (see dropify-drop-menu.ui). */
static GMenuModel *drop_menu;

enum {
  PROP_0,
  PROP_DROP,
  PROP_SERVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Formatting */

static char *
dropify_drop_row_dup_preview (const char *text)
{
  g_autofree char *head = NULL;
  gboolean truncated;
  char *p;
  guint lines = 0;

  if (text == NULL)
    return g_strdup ("");

  /* GLib 2.74's g_utf8_substring() reads past the end when asked for
   * more characters than there are: clamp first. */
  head = g_utf8_substring (text, 0, MIN (g_utf8_strlen (text, -1), PREVIEW_MAX_CHARS));
  truncated = strlen (head) < strlen (text);

  for (p = head; *p != '\0'; p++)
    {
      if (*p == '\n' && ++lines == PREVIEW_MAX_LINES)
        {
          truncated = TRUE;
          *p = '\0';
          break;
        }
    }

  g_strstrip (head);

  if (truncated)
    return g_strconcat (head, "…", NULL);

  return g_steal_pointer (&head);
}

/**
 * dropify_drop_row_format_expiry:
 * @remaining_ms: how long until the drop expires
 *
 * Formats the time left as a sentence such as "Expires in 23 hours",
 * rounded to the nearest unit so that a freshly sent 24-hour drop reads
 * "24 hours", not "23 hours".
 *
 * Returns: (transfer full): the sentence
 */
char *
dropify_drop_row_format_expiry (int64_t remaining_ms)
{
  int64_t n;

  if (remaining_ms < MINUTE_MS)
    return g_strdup (_("Expires in less than a minute"));

  n = (remaining_ms + MINUTE_MS / 2) / MINUTE_MS;
  if (n < 60)
    return g_strdup_printf (ngettext ("Expires in %d minute",
                                      "Expires in %d minutes",
                                      (unsigned long) n),
                            (int) n);

  n = (remaining_ms + HOUR_MS / 2) / HOUR_MS;
  if (n < 48)
    return g_strdup_printf (ngettext ("Expires in %d hour",
                                      "Expires in %d hours",
                                      (unsigned long) n),
                            (int) n);

  n = (remaining_ms + DAY_MS / 2) / DAY_MS;
  return g_strdup_printf (ngettext ("Expires in %d day",
                                    "Expires in %d days",
                                    (unsigned long) MIN (n, G_MAXINT)),
                          (int) MIN (n, G_MAXINT));
}

/* GLib 2.74 finds the local time zone again each time it is asked for,
 * by a stat() of /etc/localtime and a readlink(), and a date takes four:
 * hundreds of system calls a frame while the list binds a screenful of
 * rows. Asked for once
 * a second at most, so a change of zone still shows soon. */
static GTimeZone *
dup_local_time_zone (void)
{
  static GTimeZone *zone;
  static int64_t found_at;
  int64_t now = g_get_monotonic_time ();

  if (zone == NULL || now - found_at > G_USEC_PER_SEC)
    {
      g_clear_pointer (&zone, g_time_zone_unref);
      zone = g_time_zone_new_local ();
      found_at = now;
    }

  return g_time_zone_ref (zone);
}

static GDateTime *
date_time_new_from_unix (GTimeZone *zone,
                         int64_t    unix_s)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_s);

  return utc != NULL ? g_date_time_to_timezone (utc, zone) : NULL;
}

/**
 * dropify_drop_row_format_date:
 * @unix_ms: when something happened
 * @now_ms: now
 *
 * Formats a date the way people say it: "Today at 14:05", "Yesterday at
 * 09:30", or the date for anything older.
 *
 * Returns: (transfer full): the date
 */
char *
dropify_drop_row_format_date (int64_t unix_ms,
                              int64_t now_ms)
{
  g_autoptr(GTimeZone) zone = dup_local_time_zone ();
  g_autoptr(GDateTime) date = date_time_new_from_unix (zone, unix_ms / 1000);
  g_autoptr(GDateTime) now = date_time_new_from_unix (zone, now_ms / 1000);
  g_autoptr(GDateTime) day = NULL;
  g_autoptr(GDateTime) today = NULL;
  g_autofree char *time = NULL;
  GTimeSpan days;

  if (date == NULL || now == NULL)
    return g_strdup ("");

  day = g_date_time_new (zone, g_date_time_get_year (date), g_date_time_get_month (date),
                         g_date_time_get_day_of_month (date), 0, 0, 0);
  today = g_date_time_new (zone, g_date_time_get_year (now), g_date_time_get_month (now),
                           g_date_time_get_day_of_month (now), 0, 0, 0);
  /* Rounded, as a day with a daylight saving change is not 24 hours. */
  days = (g_date_time_difference (today, day) + G_TIME_SPAN_HOUR * 12) / G_TIME_SPAN_DAY;

  /* Translators: a time of day, for g_date_time_format(), as in "14:05"
   * xgettext:no-c-format */
  time = g_date_time_format (date, _("%H:%M"));

  if (days == 0)
    /* Translators: %s is a time of day, as in "Today at 14:05" */
    return g_strdup_printf (_("Today at %s"), time);

  if (days == 1)
    /* Translators: %s is a time of day, as in "Yesterday at 14:05" */
    return g_strdup_printf (_("Yesterday at %s"), time);

  if (days > 1 && days < 7)
    /* Translators: a weekday and a time, for g_date_time_format(), as in
     * "Monday at 14:05"
     * xgettext:no-c-format */
    return g_date_time_format (date, _("%A at %H:%M"));

  /* Translators: a date and a time, for g_date_time_format(), as in
   * "2 December 2026 at 14:05"
   * xgettext:no-c-format */
  return g_date_time_format (date, _("%-e %B %Y at %H:%M"));
}

/**
 * dropify_drop_row_is_own:
 * @service: (nullable): the service
 * @drop: a drop
 *
 * Returns: whether @drop was made on this device
 */
gboolean
dropify_drop_row_is_own (DropifyService *service,
                         DropifyDrop    *drop)
{
  return service != NULL && drop != NULL &&
         dropify_identity_is_own_id (dropify_service_get_identity (service),
                                     dropify_drop_get_origin (drop));
}

/**
 * dropify_drop_row_dup_origin:
 * @service: (nullable): the service
 * @drop: a drop
 *
 * Returns: (transfer full): "This device", or the name of the device
 *   @drop came from
 */
char *
dropify_drop_row_dup_origin (DropifyService *service,
                             DropifyDrop    *drop)
{
  const char *name;

  if (dropify_drop_row_is_own (service, drop))
    return g_strdup (_("This device"));

  name = dropify_drop_get_origin_name (drop);
  if (name == NULL || *name == '\0')
    return g_strdup (_("Another device"));

  return g_strdup (name);
}

/**
 * dropify_drop_row_has_delivered:
 * @drop: a drop
 * @device_id: a device
 *
 * Returns: whether @device_id is known to hold @drop whole: the text for
 *   a text drop, the content for a file (docs/protocol.md §11.8)
 */
gboolean
dropify_drop_row_has_delivered (DropifyDrop *drop,
                                const char  *device_id)
{
  GPtrArray *holders = dropify_drop_get_holders (drop);

  for (guint i = 0; holders != NULL && i < holders->len; i++)
    {
      DropifyHolder *holder = g_ptr_array_index (holders, i);

      if (g_strcmp0 (holder->device_id, device_id) == 0)
        return dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_FILE
               ? holder->content : holder->drop || holder->content;
    }

  return FALSE;
}

/**
 * dropify_drop_row_dup_delivery:
 * @service: (nullable): the service
 * @drop: a drop made on this device, for every device
 *
 * Returns: (transfer full) (nullable): "Delivered to Laptop", "On Laptop
 *   and Phone" or "On 3 devices": the paired devices known to hold it
 *   whole; %NULL when none is known yet
 */
char *
dropify_drop_row_dup_delivery (DropifyService *service,
                               DropifyDrop    *drop)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *holders = dropify_drop_get_holders (drop);
  DropifySync *sync;

  if (service == NULL || holders == NULL || !(sync = dropify_service_get_sync (service)))
    return NULL;

  for (guint i = 0; i < holders->len; i++)
    {
      DropifyHolder *holder = g_ptr_array_index (holders, i);
      char *name;

      if (dropify_drop_row_has_delivered (drop, holder->device_id) &&
          (name = dropify_sync_dup_holder_name (sync, holder->device_id)))
        g_ptr_array_add (names, name);
    }

  if (names->len == 0)
    return NULL;
  if (names->len == 1)
    /* Translators: %s is the one other device known to hold a drop */
    return g_strdup_printf (_("Delivered to %s"), (char *) names->pdata[0]);
  if (names->len == 2)
    /* Translators: the two other devices known to hold a drop */
    return g_strdup_printf (_("On %s and %s"), (char *) names->pdata[0], (char *) names->pdata[1]);

  /* Translators: how many other devices are known to hold a drop */
  return g_strdup_printf (ngettext ("On %u device", "On %u devices", names->len), names->len);
}

/**
 * dropify_drop_row_dup_audience:
 * @service: (nullable): the service
 * @drop: a drop
 *
 * Returns: (transfer full) (nullable): "To Laptop, Phone" for a drop sent
 *   to some devices only, by their names as the peers list has them;
 *   %NULL for a drop for every device
 */
char *
dropify_drop_row_dup_audience (DropifyService *service,
                               DropifyDrop    *drop)
{
  const char * const *audience = dropify_drop_get_audience (drop);
  g_autoptr(GString) names = g_string_new (NULL);
  GListModel *peers = NULL;

  if (audience == NULL)
    return NULL;

  if (service != NULL)
    peers = dropify_sync_get_peers (dropify_service_get_sync (service));

  for (guint i = 0; audience[i] != NULL; i++)
    {
      g_autofree char *name = NULL;

      if (service != NULL && dropify_identity_is_own_id (dropify_service_get_identity (service), audience[i]))
        name = g_strdup (_("This device"));

      for (guint p = 0; name == NULL && peers != NULL && p < g_list_model_get_n_items (peers); p++)
        {
          g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, p);
          const char *peer_name = dropify_peer_get_name (peer);

          if (g_strcmp0 (dropify_peer_get_device_id (peer), audience[i]) == 0 &&
              peer_name != NULL && *peer_name != '\0')
            name = g_strdup (peer_name);
        }

      /* A device this one never met: the start of its id. */
      if (name == NULL)
        name = g_strndup (audience[i], 8);

      /* Whether each reached it, for a drop sent from here. */
      if (dropify_drop_row_is_own (service, drop) &&
          dropify_drop_row_has_delivered (drop, audience[i]))
        {
          /* Translators: a device a drop was sent to, which has it:
           * "To Laptop — delivered" */
          char *delivered = g_strdup_printf (_("%s — delivered"), name);

          g_free (name);
          name = delivered;
        }

      if (names->len > 0)
        g_string_append (names, ", ");
      g_string_append (names, name);
    }

  /* Translators: who a drop was sent to; %s is one or more device names */
  return g_strdup_printf (_("To %s"), names->str);
}

/* A transfer of the drop's content that moves, in @direction (or any
 * direction, with -1). */
static gboolean
dropify_drop_row_has_moving (DropifyDropRow *self,
                             int             direction)
{
  GPtrArray *transfers;

  if (self->transfers == NULL)
    return FALSE;

  transfers = dropify_transfer_watch_get_matches (self->transfers);
  for (guint i = 0; i < transfers->len; i++)
    {
      DropifyTransfer *transfer = g_ptr_array_index (transfers, i);
      DropifyTransferState state = dropify_transfer_get_state (transfer);

      if ((direction < 0 || (int) dropify_transfer_get_direction (transfer) == direction) &&
          (state == DROPIFY_TRANSFER_STATE_QUEUED || state == DROPIFY_TRANSFER_STATE_ACTIVE ||
           state == DROPIFY_TRANSFER_STATE_STALLED))
        return TRUE;
    }

  return FALSE;
}

static void
dropify_drop_row_update_actions (DropifyDropRow *self)
{
  g_autofree char *link = NULL;
  gboolean is_text;
  gboolean file_ready;
  gboolean incomplete;

  is_text = self->drop != NULL &&
            dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_TEXT;
  file_ready = dropify_drop_is_file_ready (self->drop);
  link = dropify_drop_dup_link (self->drop);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.copy", is_text || file_ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.open", file_ready || link != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.show-in-files", file_ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.save-as", file_ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.delete", self->drop != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.change-expiry",
                                 self->service != NULL && (is_text || file_ready));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.details", self->drop != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.send-to", is_text || file_ready);

  /* Asking again is for a file that is not here and not on its way;
   * cancelling for one that moves, either way. */
  incomplete = self->drop != NULL && dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_FILE &&
               !dropify_drop_get_complete (self->drop);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.download",
                                 incomplete &&
                                 !dropify_drop_row_has_moving (self, DROPIFY_TRANSFER_DIRECTION_IN));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "row.cancel-transfers",
                                 dropify_drop_row_has_moving (self, -1));
}

/* "About 3 minutes left", at @rate bytes a second for what is left. */
static char *
dup_time_left (uint64_t left,
               uint64_t rate)
{
  uint64_t s = (left + rate - 1) / rate;

  if (s < 60)
    return g_strdup_printf (ngettext ("%u second left", "%u seconds left", (unsigned long) s), (guint) s);
  if (s < 60 * 60)
    return g_strdup_printf (ngettext ("About %u minute left", "About %u minutes left",
                                      (unsigned long) ((s + 30) / 60)),
                            (guint) ((s + 30) / 60));

  return g_strdup_printf (ngettext ("About %u hour left", "About %u hours left",
                                    (unsigned long) MIN ((s + 1800) / 3600, G_MAXUINT)),
                          (guint) MIN ((s + 1800) / 3600, G_MAXUINT));
}

/* Parts like "37% to Laptop", "Sent to Phone", or why it does not move:
 * how this drop's content travels to and from each device (issue 14). */
static void
dropify_drop_row_add_transfers (DropifyDropRow *self,
                                GPtrArray      *parts)
{
  GPtrArray *transfers;
  DropifyTransfer *incoming = NULL;
  guint n_out = 0;

  if (self->transfers == NULL)
    return;

  transfers = dropify_transfer_watch_get_matches (self->transfers);
  for (guint i = 0; i < transfers->len; i++)
    {
      DropifyTransfer *transfer = g_ptr_array_index (transfers, i);
      const char *peer = dropify_transfer_get_peer_name (transfer);
      const char *reason = dropify_transfer_get_reason (transfer);
      uint64_t size = dropify_transfer_get_size (transfer);
      int percent = size > 0 ? (int) (dropify_transfer_get_done (transfer) * 100 / size) : 100;

      if (dropify_transfer_get_direction (transfer) == DROPIFY_TRANSFER_DIRECTION_IN)
        {
          /* The newest says where it stands. */
          incoming = transfer;
          continue;
        }

      /* A few devices is all one person has; past that, the list says. */
      if (++n_out > 4)
        continue;

      switch (dropify_transfer_get_state (transfer))
        {
        case DROPIFY_TRANSFER_STATE_QUEUED:
        case DROPIFY_TRANSFER_STATE_ACTIVE:
          /* Translators: how much of a file went to another device so
           * far: "37% to Laptop" */
          g_ptr_array_add (parts, g_strdup_printf (_("%d%% to %s"), percent, peer));
          break;
        case DROPIFY_TRANSFER_STATE_DONE:
          /* Once it says it has it, the delivery says so (below). */
          if (!dropify_drop_row_has_delivered (self->drop, dropify_transfer_get_peer_id (transfer)))
            g_ptr_array_add (parts, g_strdup_printf (_("Sent to %s"), peer));
          break;
        case DROPIFY_TRANSFER_STATE_STALLED:
        case DROPIFY_TRANSFER_STATE_CANCELLED:
        case DROPIFY_TRANSFER_STATE_FAILED:
        default:
          /* Translators: a file did not reach a device, and why: "To
           * Laptop: Waiting for Laptop to come back" */
          g_ptr_array_add (parts, g_strdup_printf (_("To %s: %s"), peer, reason != NULL ? reason : ""));
          break;
        }
    }

  if (incoming == NULL || dropify_drop_get_complete (self->drop))
    return;

  if (dropify_transfer_get_state (incoming) == DROPIFY_TRANSFER_STATE_ACTIVE &&
      dropify_transfer_get_rate (incoming) > 0)
    {
      uint64_t done = dropify_transfer_get_done (incoming);
      uint64_t size = dropify_transfer_get_size (incoming);
      g_autofree char *rate = g_format_size (dropify_transfer_get_rate (incoming));

      /* Translators: how fast a file arrives: "4.1 MB/s" */
      g_ptr_array_add (parts, g_strdup_printf (_("%s/s"), rate));
      if (size > done)
        g_ptr_array_add (parts, dup_time_left (size - done, dropify_transfer_get_rate (incoming)));
    }
  else if (dropify_transfer_get_reason (incoming) != NULL)
    g_ptr_array_add (parts, g_strdup (dropify_transfer_get_reason (incoming)));
}

static void
dropify_drop_row_update_details (DropifyDropRow *self)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *details = NULL;
  const char *origin_name;
  int64_t now;

  if (self->drop == NULL)
    return;

  if (dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_FILE)
    {
      g_autofree char *size = g_format_size (dropify_drop_get_size (self->drop));

      if (dropify_drop_get_complete (self->drop))
        {
          g_ptr_array_add (parts, g_steal_pointer (&size));
        }
      else
        {
          g_autofree char *received = g_format_size (dropify_drop_get_received (self->drop));

          /* Translators: "1.2 MB of 4.0 MB", while a file is arriving */
          g_ptr_array_add (parts, g_strdup_printf (_("%s of %s"), received, size));
        }

      dropify_drop_row_add_transfers (self, parts);
    }

  if (dropify_drop_row_is_own (self->service, self->drop))
    {
      g_ptr_array_add (parts, g_strdup (_("This device")));
      /* A targeted drop says it for each of its audience, below. */
      if (!dropify_drop_is_targeted (self->drop))
        {
          char *delivery = dropify_drop_row_dup_delivery (self->service, self->drop);

          if (delivery != NULL)
            g_ptr_array_add (parts, delivery);
        }
    }
  else
    {
      origin_name = dropify_drop_get_origin_name (self->drop);
      if (origin_name != NULL && *origin_name != '\0')
        /* Translators: the name of the device a drop was sent from */
        g_ptr_array_add (parts, g_strdup_printf (_("From %s"), origin_name));
    }

  if (dropify_drop_is_targeted (self->drop))
    g_ptr_array_add (parts, dropify_drop_row_dup_audience (self->service, self->drop));

  now = self->service != NULL
      ? dropify_history_now (dropify_service_get_history (self->service))
      : g_get_real_time () / 1000;
  /* "Today at 14:05"; the full date is in the tooltip. */
  g_ptr_array_add (parts, dropify_drop_row_format_date (dropify_drop_get_created_at (self->drop), now));
  g_ptr_array_add (parts,
                   dropify_drop_row_format_expiry (dropify_drop_get_expires_at (self->drop) - now));

  /* Keep each part on one line, so a narrow window wraps the details
   * between parts ("From Laptop" / "Expires in 3 hours") and not within. */
  for (guint i = 0; i < parts->len; i++)
    {
      GString *part = g_string_new (g_ptr_array_index (parts, i));

      g_string_replace (part, " ", "\u00a0", 0);
      g_free (g_ptr_array_index (parts, i));
      g_ptr_array_index (parts, i) = g_string_free (part, FALSE);
    }

  g_ptr_array_add (parts, NULL);

  details = g_strjoinv (" · ", (char **) parts->pdata);
  gtk_label_set_text (self->details_label, details);
}

/* Image drops show a thumbnail where others show an icon, from the moment
 * they appear: the box is there, a fixed square with a placeholder, while
 * the file arrives and while its thumbnail is made, so the row keeps its
 * height. A row makes its box only for its first image: a list of texts
 * costs nothing more. */
static void
dropify_drop_row_update_thumbnail (DropifyDropRow *self)
{
  gboolean image = self->drop != NULL &&
                   dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_FILE &&
                   dropify_thumbnailer_is_image_type (dropify_drop_get_mime (self->drop));
  DropifyThumbnailer *thumbnailer = self->service != NULL
                                  ? dropify_service_get_thumbnailer (self->service)
                                  : NULL;

  if (!image && self->thumbnail == NULL)
    return;

  if (self->thumbnail == NULL)
    {
      self->thumbnail = DROPIFY_THUMBNAIL (dropify_thumbnail_new (48));
      gtk_widget_set_valign (GTK_WIDGET (self->thumbnail), GTK_ALIGN_START);
      gtk_grid_attach (GTK_GRID (self->card), GTK_WIDGET (self->thumbnail), 0, 0, 1, 1);
    }

  if (gtk_widget_get_visible (GTK_WIDGET (self->icon)) == image)
    gtk_widget_set_visible (GTK_WIDGET (self->icon), !image);
  if (gtk_widget_get_visible (GTK_WIDGET (self->thumbnail)) != image)
    gtk_widget_set_visible (GTK_WIDGET (self->thumbnail), image);

  dropify_thumbnail_set_drop (self->thumbnail, thumbnailer, image ? self->drop : NULL);
}

static void
dropify_drop_row_update_progress (DropifyDropRow *self)
{
  gboolean receiving;

  g_assert (DROPIFY_IS_DROP_ROW (self));

  receiving = self->drop != NULL &&
              dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_FILE &&
              !dropify_drop_get_complete (self->drop);

  /* A list keeps some 30 rows: a row makes its progress bar only for
   * the first file it shows arriving. */
  if (receiving && self->progress_bar == NULL)
    {
      self->progress_bar = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
      gtk_widget_set_margin_top (GTK_WIDGET (self->progress_bar), 4);
      gtk_box_append (GTK_BOX (self->text_box), GTK_WIDGET (self->progress_bar));
    }

  if (self->progress_bar != NULL &&
      gtk_widget_get_visible (GTK_WIDGET (self->progress_bar)) != receiving)
    gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), receiving);

  if (receiving)
    {
      uint64_t size = dropify_drop_get_size (self->drop);
      uint64_t received = dropify_drop_get_received (self->drop);

      gtk_progress_bar_set_fraction (self->progress_bar,
                                     size > 0 ? CLAMP ((double) received / size, 0.0, 1.0) : 0.0);
    }

  dropify_drop_row_update_thumbnail (self);
  dropify_drop_row_update_details (self);
  dropify_drop_row_update_actions (self);
}

/* g_content_type_get_symbolic_icon() falls back to full-colour names, which
 * would look out of place next to the symbolic ones; fall back to a
 * generic symbolic icon instead. */
static GIcon *
dropify_drop_row_dup_type_icon (DropifyDropRow *self,
                                const char     *content_type)
{
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (self)));
  g_autoptr(GIcon) icon = g_content_type_get_symbolic_icon (content_type);

  if (G_IS_THEMED_ICON (icon))
    {
      const char * const *names = g_themed_icon_get_names (G_THEMED_ICON (icon));

      for (guint i = 0; names[i] != NULL; i++)
        {
          if (g_str_has_suffix (names[i], "-symbolic") &&
              gtk_icon_theme_has_icon (theme, names[i]))
            return g_themed_icon_new (names[i]);
        }
    }

  return g_themed_icon_new ("text-x-generic-symbolic");
}

/* Setting a tooltip, even the same one, makes GTK ask the X server where
 * the pointer is, a round trip each time. */
static void
set_tooltip_text (GtkWidget  *widget,
                  const char *text)
{
  if (g_strcmp0 (gtk_widget_get_tooltip_text (widget), text) != 0)
    gtk_widget_set_tooltip_text (widget, text);
}

/* Binds a frame past which a row is taken to be one of a jump's. */
#define BINDS_IN_A_JUMP 8

/* The copy button says "Copy Text" or "Copy File". When the list jumps
 * it binds some 30 rows in a frame, and each row whose kind changed would
 * cost a round trip to the X server (see above): rows bound then set their
 * tooltip when they are drawn, so only the rows in view do. */
static void
dropify_drop_row_set_copy_tooltip (DropifyDropRow *self,
                                   const char     *text)
{
  static int64_t frame = -1;
  static guint binds;
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

  if (clock != NULL && gdk_frame_clock_get_frame_counter (clock) != frame)
    {
      frame = gdk_frame_clock_get_frame_counter (clock);
      binds = 0;
    }

  if (clock == NULL || ++binds <= BINDS_IN_A_JUMP)
    {
      self->copy_tooltip = NULL;
      set_tooltip_text (GTK_WIDGET (self->copy_button), text);
      return;
    }

  self->copy_tooltip = text;
}

static void
dropify_drop_row_set_kind_class (DropifyDropRow *self,
                                 const char     *add,
                                 const char     *remove)
{
  if (gtk_widget_has_css_class (self->card, remove))
    gtk_widget_remove_css_class (self->card, remove);
  if (!gtk_widget_has_css_class (self->card, add))
    gtk_widget_add_css_class (self->card, add);
}

/* The date a drop was made, asked for only when the pointer rests on its
 * details. */
static gboolean
dropify_drop_row_details_query_tooltip (DropifyDropRow *self,
                                        int             x,
                                        int             y,
                                        gboolean        keyboard_mode,
                                        GtkTooltip     *tooltip,
                                        GtkWidget      *label)
{
  g_autoptr(GDateTime) created = NULL;
  g_autofree char *created_text = NULL;
  g_autofree char *text = NULL;

  if (self->drop == NULL)
    return FALSE;

  created = g_date_time_new_from_unix_local (dropify_drop_get_created_at (self->drop) / 1000);
  if (created == NULL)
    return FALSE;

  /* Translators: a full date, for g_date_time_format(), as in
   * "Wednesday, 2 December 2026, 14:05:33"
   * xgettext:no-c-format */
  created_text = g_date_time_format (created, _("%A, %-e %B %Y, %H:%M:%S"));
  /* Translators: a tooltip; %s is a date and time */
  text = g_strdup_printf (_("Dropped %s"), created_text);
  gtk_tooltip_set_text (tooltip, text);

  return TRUE;
}

static void dropify_drop_row_update_labels (DropifyDropRow *self);

/* A list keeps some 30 rows at once, and a popover menu for each would
 * cost start-up time and memory: the menu is made when it first opens. */
static void
dropify_drop_row_create_menu (GtkMenuButton *button,
                              gpointer       user_data)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (user_data);

  if (gtk_menu_button_get_popover (button) == NULL)
    {
      gtk_menu_button_set_menu_model (button, drop_menu);
      dropify_drop_row_update_labels (self);
    }
}

/* A screen reader says which drop a button is for: every row has the
 * same buttons. */
static void
dropify_drop_row_update_labels (DropifyDropRow *self)
{
  g_autofree char *name = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *actions = NULL;
  g_autofree char *select = NULL;

  if (self->drop == NULL)
    return;

  name = dropify_drop_dup_short_name (self->drop);

  /* Translators: a button's label for screen readers; %s is the start of
   * a text or a file name */
  copy = g_strdup_printf (_("Copy “%s”"), name);
  /* Translators: a menu button's label for screen readers; %s is the
   * start of a text or a file name */
  actions = g_strdup_printf (_("Actions for “%s”"), name);
  /* Translators: a check box's label for screen readers, in selection
   * mode; %s is the start of a text or a file name */
  select = g_strdup_printf (_("Select “%s”"), name);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->select_check),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, select,
                                  -1);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->copy_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, copy,
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->menu_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, actions,
                                  -1);

  /* Its items are the same for every drop: the menu says whose. */
  if (gtk_menu_button_get_popover (self->menu_button) != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (gtk_menu_button_get_popover (self->menu_button)),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, actions,
                                    -1);
  if (self->context_menu != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->context_menu),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, actions,
                                    -1);
}

static void
dropify_drop_row_update (DropifyDropRow *self)
{
  /* A row is bound again for each drop that scrolls into view, and the
   * list binds some 30 at once when it jumps, so nothing here changes
   * what is already right: every change restyles or relayouts the row. */
  if (self->drop == NULL)
    {
      /* Unbound, the row is bound to another drop next or let go: its
       * actions, which do nothing without a drop, are left as they are,
       * or each rebind would turn its buttons off and on, restyling them
       * twice. */
      gtk_label_set_text (self->title_label, "");
      gtk_label_set_text (self->details_label, "");
      dropify_drop_row_update_thumbnail (self);
      return;
    }

  if (dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_TEXT)
    {
      g_autofree char *preview = dropify_drop_row_dup_preview (dropify_drop_get_text (self->drop));

      g_autofree char *link = dropify_drop_dup_link (self->drop);

      const char *icon_name = link != NULL ? "web-browser-symbolic" : "format-justify-left-symbolic";

      dropify_drop_row_set_kind_class (self, "text-drop", "file-drop");
      if (g_strcmp0 (gtk_image_get_icon_name (self->icon), icon_name) != 0)
        gtk_image_set_from_icon_name (self->icon, icon_name);
      gtk_label_set_text (self->title_label, preview);
      gtk_label_set_lines (self->title_label, PREVIEW_MAX_LINES);
      dropify_drop_row_set_copy_tooltip (self, _("Copy Text"));
    }
  else
    {
      const char *mime = dropify_drop_get_mime (self->drop);
      g_autoptr(GIcon) icon = NULL;
      g_autofree char *content_type = NULL;

      if (mime != NULL && *mime != '\0')
        content_type = g_content_type_from_mime_type (mime);
      if (content_type == NULL)
        content_type = g_strdup ("application/octet-stream");
      icon = dropify_drop_row_dup_type_icon (self, content_type);

      dropify_drop_row_set_kind_class (self, "file-drop", "text-drop");
      gtk_image_set_from_gicon (self->icon, icon);
      gtk_label_set_text (self->title_label, dropify_drop_get_name (self->drop));
      gtk_label_set_lines (self->title_label, 2);
      dropify_drop_row_set_copy_tooltip (self, _("Copy File"));
    }

  dropify_drop_row_update_labels (self);
  dropify_drop_row_update_progress (self);
}

/* Dragging a drop out of the window */

static GdkContentProvider *
dropify_drop_row_drag_prepare (DropifyDropRow *self,
                               double          x,
                               double          y,
                               GtkDragSource  *source)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GFile) staged = NULL;

  g_assert (DROPIFY_IS_DROP_ROW (self));

  if (self->drop == NULL)
    return NULL;

  paintable = gtk_widget_paintable_new (self->thumbnail != NULL &&
                                        gtk_widget_get_visible (GTK_WIDGET (self->thumbnail))
                                        ? GTK_WIDGET (self->thumbnail)
                                        : GTK_WIDGET (self->icon));
  gtk_drag_source_set_icon (source, paintable, 0, 0);

  if (dropify_drop_get_kind (self->drop) == DROPIFY_DROP_KIND_TEXT)
    return gdk_content_provider_new_typed (G_TYPE_STRING, dropify_drop_get_text (self->drop));

  if (!dropify_drop_is_file_ready (self->drop))
    return NULL;

  /* A drag cannot wait for a copy to finish, so a file can be dragged
   * out once it has been opened or copied. */
  staged = dropify_drop_dup_staged_file (self->drop);
  if (g_file_query_exists (staged, NULL))
    return dropify_drop_create_file_content (staged);

  return NULL;
}

/* Actions */

static void
dropify_drop_row_copy (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (widget);

  if (self->drop != NULL)
    dropify_drop_copy (widget, self->drop);
}

static void
dropify_drop_row_open (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *param)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (widget);

  if (self->drop != NULL)
    dropify_drop_open (widget, self->drop);
}

static void
dropify_drop_row_show_in_files (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *param)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (widget);

  if (self->drop != NULL)
    dropify_drop_show_in_files (widget, self->drop);
}

static void
dropify_drop_row_save_as (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (widget);

  if (self->drop != NULL)
    dropify_drop_save_as (widget, self->drop);
}

static void
dropify_drop_row_send_to (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (widget);

  if (self->drop != NULL)
    gtk_widget_activate_action (widget, "win.send-drop-to", "s", dropify_drop_get_id (self->drop));
}

static void
dropify_drop_row_change_expiry (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *param)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (widget);

  if (self->drop != NULL && self->service != NULL)
    dropify_drop_change_expiry (widget, self->service, self->drop, FALSE);
}

static void
dropify_drop_row_delete (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (widget);
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;

  if (self->drop == NULL || self->service == NULL)
    return;

  /* Deleting unbinds this row from its item, so keep what we need. */
  drop = g_object_ref (self->drop);

  /* The window hides the drop and offers Undo before the deletion
   * spreads; a row outside a window deletes at once. */
  if (gtk_widget_activate_action (widget, "win.delete-drop", "s", dropify_drop_get_id (drop)))
    return;

  if (!dropify_service_delete (self->service, dropify_drop_get_id (drop), &error))
    dropify_drop_show_error (widget, error);
}

static void
dropify_drop_row_download (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *param)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (widget);
  DropifySync *sync = self->service != NULL ? dropify_service_get_sync (self->service) : NULL;
  g_autoptr(GError) error = NULL;

  if (self->drop == NULL || sync == NULL)
    return;

  if (!dropify_sync_download (sync, dropify_drop_get_id (self->drop), &error))
    dropify_drop_show_error (widget, error);
}

/* Every transfer of the drop's content that moves, both ways: the
 * other ends are told. */
static void
dropify_drop_row_cancel_transfers (GtkWidget  *widget,
                                   const char *action_name,
                                   GVariant   *param)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (widget);
  g_autoptr(GPtrArray) moving = g_ptr_array_new_with_free_func (g_object_unref);
  GPtrArray *transfers;

  if (self->transfers == NULL || self->service == NULL)
    return;

  /* Cancelling changes the list watched: go over a copy. */
  transfers = dropify_transfer_watch_get_matches (self->transfers);
  for (guint i = 0; i < transfers->len; i++)
    g_ptr_array_add (moving, g_object_ref (g_ptr_array_index (transfers, i)));

  for (guint i = 0; i < moving->len; i++)
    {
      DropifyTransfer *transfer = g_ptr_array_index (moving, i);
      g_autoptr(GError) error = NULL;

      if (dropify_transfer_is_finished (transfer))
        continue;

      if (!dropify_sync_cancel_transfer (dropify_service_get_sync (self->service),
                                         dropify_transfer_get_id (transfer), &error))
        g_debug ("Could not cancel a transfer: %s", error->message);
    }
}

static void
dropify_drop_row_details (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *param)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (widget);

  if (self->drop != NULL)
    gtk_widget_activate_action (widget, "win.show-drop-details", "s",
                                dropify_drop_get_id (self->drop));
}

/* The Menu key and Shift+F10 open the row's menu from its button. */
static void
dropify_drop_row_show_menu (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (widget);

  gtk_menu_button_popup (self->menu_button);
}

static void
dropify_drop_row_popup_at (DropifyDropRow *self,
                           double          x,
                           double          y)
{
  if (self->drop == NULL)
    return;

  if (self->context_menu == NULL)
    {
      self->context_menu = gtk_popover_menu_new_from_model (drop_menu);
      gtk_widget_set_parent (self->context_menu, GTK_WIDGET (self));
      gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
      gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
      dropify_drop_row_update_labels (self);
    }

  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu),
                               &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

static void
dropify_drop_row_right_click (DropifyDropRow *self,
                              int             n_press,
                              double          x,
                              double          y,
                              GtkGestureClick *gesture)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  dropify_drop_row_popup_at (self, x, y);
}

static void
dropify_drop_row_long_press (DropifyDropRow      *self,
                             double               x,
                             double               y,
                             GtkGestureLongPress *gesture)
{
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  dropify_drop_row_popup_at (self, x, y);
}

/* Selection */

/* Shows whether selection mode is on, and whether this row's drop is
 * picked. */
static void
dropify_drop_row_update_selection (DropifyDropRow *self)
{
  gboolean selecting = self->selection != NULL && dropify_drop_selection_get_active (self->selection);
  gboolean picked = selecting && self->drop != NULL &&
                    dropify_drop_selection_contains (self->selection, dropify_drop_get_id (self->drop));

  gtk_widget_set_visible (GTK_WIDGET (self->select_check), selecting);
  gtk_widget_set_visible (GTK_WIDGET (self->copy_button), !selecting);
  gtk_widget_set_visible (GTK_WIDGET (self->menu_button), !selecting);

  self->syncing_check = TRUE;
  gtk_check_button_set_active (self->select_check, picked);
  self->syncing_check = FALSE;

  if (picked)
    gtk_widget_add_css_class (self->card, "picked");
  else
    gtk_widget_remove_css_class (self->card, "picked");
}

static void
dropify_drop_row_select_toggled (DropifyDropRow *self,
                                 GtkCheckButton *check)
{
  if (self->syncing_check || self->selection == NULL || self->drop == NULL)
    return;

  dropify_drop_selection_set_selected (self->selection, dropify_drop_get_id (self->drop),
                                       gtk_check_button_get_active (check));
}

/**
 * dropify_drop_row_set_selection:
 * @self: a #DropifyDropRow
 * @selection: (nullable): the window's selection
 *
 * Follows @selection: in selection mode the row shows a check box in place
 * of its buttons, and ticking it picks the drop.
 */
void
dropify_drop_row_set_selection (DropifyDropRow       *self,
                                DropifyDropSelection *selection)
{
  g_return_if_fail (DROPIFY_IS_DROP_ROW (self));
  g_return_if_fail (selection == NULL || DROPIFY_IS_DROP_SELECTION (selection));

  if (self->selection == selection)
    return;

  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_func (self->selection, dropify_drop_row_update_selection, self);

  g_set_object (&self->selection, selection);

  if (selection != NULL)
    g_signal_connect_object (selection, "changed",
                             G_CALLBACK (dropify_drop_row_update_selection),
                             self, G_CONNECT_SWAPPED);

  dropify_drop_row_update_selection (self);
}

/**
 * dropify_drop_row_move_focus:
 * @self: a #DropifyDropRow whose row, or one of its buttons, has the focus
 * @direction: %GTK_DIR_RIGHT towards the buttons, %GTK_DIR_LEFT back
 *   to the row, whatever the text direction
 *
 * Moves the focus between the row and its buttons, as Tab no longer
 * reaches them (a row is one Tab stop).
 *
 * Returns: %TRUE if the focus was in @self, and so the key is dealt with
 */
gboolean
dropify_drop_row_move_focus (DropifyDropRow   *self,
                             GtkDirectionType  direction)
{
  GtkWidget *item = gtk_widget_get_parent (GTK_WIDGET (self));
  gboolean selecting = gtk_widget_get_visible (GTK_WIDGET (self->select_check));
  GtkWidget *stops[3] = { item,
                          selecting ? GTK_WIDGET (self->select_check) : GTK_WIDGET (self->copy_button),
                          selecting ? NULL : GTK_WIDGET (self->menu_button) };
  GtkWidget *focus = gtk_root_get_focus (gtk_widget_get_root (GTK_WIDGET (self)));
  int current = -1;
  int next;

  g_return_val_if_fail (DROPIFY_IS_DROP_ROW (self), FALSE);
  g_return_val_if_fail (direction == GTK_DIR_LEFT || direction == GTK_DIR_RIGHT, FALSE);

  if (focus == NULL || item == NULL)
    return FALSE;

  /* A menu button's focus is on the toggle button inside it. */
  for (int i = G_N_ELEMENTS (stops) - 1; i >= 0 && current < 0; i--)
    if (stops[i] != NULL && (focus == stops[i] || (i > 0 && gtk_widget_is_ancestor (focus, stops[i]))))
      current = i;

  if (current < 0)
    return FALSE;

  next = CLAMP (current + (direction == GTK_DIR_RIGHT ? 1 : -1), 0,
                (int) G_N_ELEMENTS (stops) - (selecting ? 2 : 1));
  if (next != current)
    gtk_widget_grab_focus (stops[next]);

  return TRUE;
}

/* GObject */

static void
dropify_drop_row_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (widget);

  GTK_WIDGET_CLASS (dropify_drop_row_parent_class)->size_allocate (widget, width, height, baseline);

  if (self->context_menu != NULL)
    gtk_popover_present (GTK_POPOVER (self->context_menu));
}

static void
dropify_drop_row_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (widget);

  /* Drawn, so in view: the tooltip a jump put off. */
  if (self->copy_tooltip != NULL)
    {
      set_tooltip_text (GTK_WIDGET (self->copy_button), self->copy_tooltip);
      self->copy_tooltip = NULL;
    }

  GTK_WIDGET_CLASS (dropify_drop_row_parent_class)->snapshot (widget, snapshot);
}

static void
dropify_drop_row_dispose (GObject *object)
{
  DropifyDropRow *self = (DropifyDropRow *)object;

  dropify_drop_row_set_drop (self, NULL);
  dropify_drop_row_set_selection (self, NULL);
  g_clear_object (&self->transfers);
  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (self), DROPIFY_TYPE_DROP_ROW);
  /* They were the card's children, gone with it. */
  self->thumbnail = NULL;
  self->progress_bar = NULL;

  G_OBJECT_CLASS (dropify_drop_row_parent_class)->dispose (object);
}

static void
dropify_drop_row_finalize (GObject *object)
{
  DropifyDropRow *self = (DropifyDropRow *)object;

  g_clear_object (&self->service);

  G_OBJECT_CLASS (dropify_drop_row_parent_class)->finalize (object);
}

static void
dropify_drop_row_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (object);

  switch (prop_id)
    {
    case PROP_DROP:
      g_value_set_object (value, self->drop);
      break;

    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dropify_drop_row_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  DropifyDropRow *self = DROPIFY_DROP_ROW (object);

  switch (prop_id)
    {
    case PROP_DROP:
      dropify_drop_row_set_drop (self, g_value_get_object (value));
      break;

    case PROP_SERVICE:
      self->service = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* A row is one stop in the Tab order: Tab lands on the row itself (the
 * list's item widget takes the focus when no child does), and the arrow
 * keys reach its buttons (dropify_drop_row_move_focus()). */
static gboolean
dropify_drop_row_focus (GtkWidget        *widget,
                        GtkDirectionType  direction)
{
  if (direction == GTK_DIR_TAB_FORWARD || direction == GTK_DIR_TAB_BACKWARD)
    return FALSE;

  return GTK_WIDGET_CLASS (dropify_drop_row_parent_class)->focus (widget, direction);
}

static void
dropify_drop_row_class_init (DropifyDropRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  g_autoptr(GtkBuilder) builder = NULL;

  object_class->dispose = dropify_drop_row_dispose;
  widget_class->size_allocate = dropify_drop_row_size_allocate;
  widget_class->focus = dropify_drop_row_focus;
  widget_class->snapshot = dropify_drop_row_snapshot;
  object_class->finalize = dropify_drop_row_finalize;
  object_class->get_property = dropify_drop_row_get_property;
  object_class->set_property = dropify_drop_row_set_property;

  properties[PROP_DROP] =
    g_param_spec_object ("drop", NULL, NULL,
                         DROPIFY_TYPE_DROP,
                         (G_PARAM_READWRITE |
                          G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL,
                         DROPIFY_TYPE_SERVICE,
                         (G_PARAM_READWRITE |
                          G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  builder = gtk_builder_new_from_resource ("/io/github/dropify/Dropify/ui/dropify-drop-menu.ui");
  drop_menu = g_object_ref (G_MENU_MODEL (gtk_builder_get_object (builder, "drop_menu")));

  g_type_ensure (DROPIFY_TYPE_LAZY_LABEL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/dropify/Dropify/ui/dropify-drop-row.ui");
  gtk_widget_class_bind_template_child (widget_class, DropifyDropRow, card);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropRow, icon);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropRow, details_label);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropRow, text_box);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropRow, copy_button);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropRow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, DropifyDropRow, select_check);
  gtk_widget_class_bind_template_callback (widget_class, dropify_drop_row_select_toggled);
  gtk_widget_class_bind_template_callback (widget_class, dropify_drop_row_details_query_tooltip);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "droprow");

  gtk_widget_class_install_action (widget_class, "row.copy", NULL, dropify_drop_row_copy);
  gtk_widget_class_install_action (widget_class, "row.open", NULL, dropify_drop_row_open);
  gtk_widget_class_install_action (widget_class, "row.show-in-files", NULL,
                                   dropify_drop_row_show_in_files);
  gtk_widget_class_install_action (widget_class, "row.save-as", NULL, dropify_drop_row_save_as);
  gtk_widget_class_install_action (widget_class, "row.send-to", NULL, dropify_drop_row_send_to);
  gtk_widget_class_install_action (widget_class, "row.delete", NULL, dropify_drop_row_delete);
  gtk_widget_class_install_action (widget_class, "row.change-expiry", NULL,
                                   dropify_drop_row_change_expiry);
  gtk_widget_class_install_action (widget_class, "row.details", NULL, dropify_drop_row_details);
  gtk_widget_class_install_action (widget_class, "row.download", NULL, dropify_drop_row_download);
  gtk_widget_class_install_action (widget_class, "row.cancel-transfers", NULL,
                                   dropify_drop_row_cancel_transfers);
  gtk_widget_class_install_action (widget_class, "row.show-menu", NULL, dropify_drop_row_show_menu);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "row.show-menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK,
                                       "row.show-menu", NULL);
}

static void
dropify_drop_row_init (DropifyDropRow *self)
{
  GtkGesture *long_press;
  GtkGesture *click;
  GtkDragSource *source;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_menu_button_set_create_popup_func (self->menu_button, dropify_drop_row_create_menu,
                                         self, NULL);

  source = gtk_drag_source_new ();
  gtk_drag_source_set_actions (source, GDK_ACTION_COPY);
  g_signal_connect_object (source, "prepare",
                           G_CALLBACK (dropify_drop_row_drag_prepare),
                           self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (self->card, GTK_EVENT_CONTROLLER (source));

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect_object (click, "pressed",
                           G_CALLBACK (dropify_drop_row_right_click),
                           self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  long_press = gtk_gesture_long_press_new ();
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (long_press), TRUE);
  g_signal_connect_object (long_press, "pressed",
                           G_CALLBACK (dropify_drop_row_long_press),
                           self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (long_press));

  dropify_drop_row_update_actions (self);
}

/**
 * dropify_drop_row_new:
 * @service: the service that deletes drops
 *
 * Returns: (transfer full): a new row, showing no drop until
 *   dropify_drop_row_set_drop() is called
 */
GtkWidget *
dropify_drop_row_new (DropifyService *service)
{
  g_return_val_if_fail (DROPIFY_IS_SERVICE (service), NULL);

  return g_object_new (DROPIFY_TYPE_DROP_ROW,
                       "service", service,
                       NULL);
}

/**
 * dropify_drop_row_get_drop:
 * @self: a #DropifyDropRow
 *
 * Returns: (transfer none) (nullable): the drop shown by @self
 */
DropifyDrop *
dropify_drop_row_get_drop (DropifyDropRow *self)
{
  g_return_val_if_fail (DROPIFY_IS_DROP_ROW (self), NULL);

  return self->drop;
}

/**
 * dropify_drop_row_set_drop:
 * @self: a #DropifyDropRow
 * @drop: (nullable): the drop to show
 *
 * Shows @drop, and follows its transfer progress until another drop is set.
 */
void
dropify_drop_row_set_drop (DropifyDropRow *self,
                           DropifyDrop    *drop)
{
  g_return_if_fail (DROPIFY_IS_DROP_ROW (self));
  g_return_if_fail (drop == NULL || DROPIFY_IS_DROP (drop));

  if (self->drop == drop)
    return;

  if (self->drop != NULL)
    {
      g_clear_signal_handler (&self->received_handler, self->drop);
      g_clear_signal_handler (&self->complete_handler, self->drop);
      g_clear_signal_handler (&self->holders_handler, self->drop);
    }

  g_set_object (&self->drop, drop);

  if (self->transfers == NULL && drop != NULL && self->service != NULL &&
      dropify_service_get_sync (self->service) != NULL)
    {
      DropifySync *sync = dropify_service_get_sync (self->service);

      self->transfers = dropify_transfer_watch_new (dropify_sync_get_transfers (sync));
      g_signal_connect_object (self->transfers, "changed",
                               G_CALLBACK (dropify_drop_row_update_progress),
                               self, G_CONNECT_SWAPPED);
    }
  if (self->transfers != NULL)
    dropify_transfer_watch_set_sha256 (self->transfers,
                                       drop != NULL && dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_FILE
                                       ? dropify_drop_get_sha256 (drop) : NULL);

  if (drop != NULL)
    {
      self->received_handler =
        g_signal_connect_object (drop, "notify::received",
                                 G_CALLBACK (dropify_drop_row_update_progress),
                                 self, G_CONNECT_SWAPPED);
      self->complete_handler =
        g_signal_connect_object (drop, "notify::complete",
                                 G_CALLBACK (dropify_drop_row_update_progress),
                                 self, G_CONNECT_SWAPPED);
      self->holders_handler =
        g_signal_connect_object (drop, "notify::holders",
                                 G_CALLBACK (dropify_drop_row_update_details),
                                 self, G_CONNECT_SWAPPED);
    }

  dropify_drop_row_update (self);
  dropify_drop_row_update_selection (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DROP]);
}

/**
 * dropify_drop_row_refresh_expiry:
 * @self: a #DropifyDropRow
 *
 * Recomputes the "Expires in …" text from the history's clock. The window
 * calls this for its visible rows from a single timer.
 */
void
dropify_drop_row_refresh_expiry (DropifyDropRow *self)
{
  g_return_if_fail (DROPIFY_IS_DROP_ROW (self));

  dropify_drop_row_update_details (self);
}
