/* screenshots.c: the window in the states worth showing, saved as PNGs
 *
 * Not a test. Run it under tests/ui/xvfb-test.sh from the build dir:
 *
 *   GSETTINGS_SCHEMA_DIR=data \
 *     ../tests/ui/xvfb-test.sh tests/ui/screenshots OUTDIR [SCENE...]
 *
 * Scenes: main-window, empty, drop-details (and file-details,
 * image-details), undo,
 * new-drops (at 720 px only), search, peers, peers-empty, no-discovery, add-peer,
 * pairing, send-to, phone-dialog, preferences, help. Each is saved at 720 px and at
 * the 360 px minimum ("-narrow"), light and dark ("-dark"); the phone
 * dialog and the preferences, windows of their own, at their own size.
 * Everything runs in this process on 127.0.0.1, with discovery off or
 * unable to reach a bus; "found on this network" is simulated with
 * dropify_sync_add_discovered(). "help" needs discovery to work: a system
 * bus with avahi-daemon and no other Dropify on the network, such as one
 * host of tests/lan/lanlib.sh (DBUS_SYSTEM_BUS_ADDRESS and `ip netns exec`
 * around this program); it is only taken when asked for by name.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <adwaita.h>
#include <libsoup/soup.h>

#include "dropify-add-peer-dialog.h"
#include "dropify-core.h"
#include "dropify-drop-row.h"
#include "dropify-drop-view.h"
#include "dropify-pairing-dialog.h"
#include "dropify-phone-dialog.h"
#include "dropify-peers-page.h"
#include "dropify-preferences-window.h"
#include "dropify-send-to-dialog.h"
#include "dropify-test-support.h"
#include "dropify-thumbnail.h"
#include "dropify-window.h"
#include "ui-test-util.h"

#define GROUP_SECRET "screenshots"
#define NO_SYSTEM_BUS "unix:path=/nonexistent/dropify-screenshots/system_bus_socket"
#define HEIGHT 560

typedef struct
{
  const char      *out_dir;
  char            *data_dir;
  GSettings       *settings;
  DropifyService  *service;
  GtkWidget       *window;
  GPtrArray       *nodes;
} Scene;

/* The history's list: drop-downs hold list views of their own. */
static GtkWidget *
find_history_list (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if ((GTK_IS_GRID_VIEW (child) || GTK_IS_LIST_VIEW (child)) &&
          gtk_widget_has_css_class (child, "drop-history"))
        return child;

      if ((found = find_history_list (child)))
        return found;
    }

  return NULL;
}

/* Rendering */

static GdkTexture *
render (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));

  return gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                      &GRAPHENE_RECT_INIT (0, 0, width, height));
}

/* A dialog over its dimmed parent, as a window manager would show it. */
static GdkTexture *
render_over (GtkWidget *parent,
             GtkWidget *dialog)
{
  g_autoptr(GdkTexture) below = render (parent);
  g_autoptr(GdkTexture) above = render (dialog);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  int width = gdk_texture_get_width (below);
  int height = gdk_texture_get_height (below);
  int x = (width - gdk_texture_get_width (above)) / 2;
  int y = MAX (0, (height - gdk_texture_get_height (above)) / 2);

  gtk_snapshot_append_texture (snapshot, below, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gtk_snapshot_append_color (snapshot, &(GdkRGBA) { 0, 0, 0, 0.25 },
                             &GRAPHENE_RECT_INIT (0, 0, width, height));

  gtk_snapshot_append_texture (snapshot, above,
                               &GRAPHENE_RECT_INIT (x, y,
                                                    gdk_texture_get_width (above),
                                                    gdk_texture_get_height (above)));
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));

  return gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (parent)), node,
                                      &GRAPHENE_RECT_INIT (0, 0, width, height));
}

typedef struct
{
  GtkWidget *widget;
  int        width;
} WidthQuery;

static gboolean
has_width (gpointer data)
{
  WidthQuery *query = data;

  return gtk_widget_get_width (query->widget) == query->width;
}

static void
settle (void)
{
  /* Revealers and the leaflet animate for 250 ms or so. */
  run_main_loop_for (600);
}

/* A list view keeps its first row at the top edge through a resize,
 * scrolling its top padding out of sight, which opening the window at
 * that size would not do: start every shot from the top. */
static void
scroll_to_top (GtkWidget *widget)
{
  if (GTK_IS_SCROLLED_WINDOW (widget))
    {
      GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (widget));

      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_lower (adjustment));
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    scroll_to_top (child);
}

static void
save (Scene      *scene,
      GdkTexture *texture,
      const char *name,
      gboolean    narrow,
      gboolean    dark)
{
  g_autofree char *file = g_strdup_printf ("%s%s%s.png", name,
                                           narrow ? "-narrow" : "", dark ? "-dark" : "");
  g_autofree char *path = g_build_filename (scene->out_dir, file, NULL);

  if (!gdk_texture_save_to_png (texture, path))
    g_error ("Could not write %s", path);

  g_print ("%s\n", path);
}

/* Saves @name at both widths, light and dark; @dialog, when given, over
 * the window. */
static void
shoot (Scene      *scene,
       const char *name,
       GtkWidget  *dialog)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  const int widths[] = { 720, 360 };

  int default_width;
  int default_height;
  int slack;

  /* The window's width leaves out what it draws around itself (a border
   * without a compositor), so aim at the same difference, once it has
   * its first size. */
  settle ();
  gtk_window_get_default_size (GTK_WINDOW (scene->window), &default_width, &default_height);
  slack = default_width - gtk_widget_get_width (scene->window);

  for (guint w = 0; w < G_N_ELEMENTS (widths); w++)
    {
      WidthQuery query = { scene->window, widths[w] - slack };

      gtk_window_set_default_size (GTK_WINDOW (scene->window), widths[w], HEIGHT);
      wait_for (has_width, &query, "the window to resize");

      for (guint dark = 0; dark < 2; dark++)
        {
          g_autoptr(GdkTexture) texture = NULL;

          adw_style_manager_set_color_scheme (style, dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                                          : ADW_COLOR_SCHEME_FORCE_LIGHT);
          scroll_to_top (scene->window);
          settle ();

          texture = dialog != NULL ? render_over (scene->window, dialog) : render (scene->window);
          save (scene, texture, name, w == 1, dark);
        }
    }

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
}

/* Scenes */

static Scene *
scene_new (const char *out_dir,
           gboolean    discovery)
{
  Scene *scene = g_new0 (Scene, 1);
  g_autoptr(GError) error = NULL;

  scene->out_dir = out_dir;
  scene->nodes = g_ptr_array_new_with_free_func ((GDestroyNotify) dropify_test_node_stop);
  scene->data_dir = dropify_test_make_dir ("Workstation");
  scene->settings = dropify_service_create_settings (scene->data_dir);
  g_settings_set_string (scene->settings, "device-name", "Workstation");
  g_settings_set_string (scene->settings, "group-secret", GROUP_SECRET);
  g_settings_set_strv (scene->settings, "manual-peers", NULL);

  scene->service = dropify_service_new (scene->data_dir, scene->settings, &error);
  g_assert_no_error (error);
  dropify_service_set_discovery_enabled (scene->service, discovery);
  dropify_service_start (scene->service, 41717, &error);
  if (error != NULL)
    {
      g_clear_error (&error);
      dropify_service_start (scene->service, 0, &error);
    }
  g_assert_no_error (error);

  scene->window = dropify_window_new (NULL, scene->service);
  gtk_window_set_default_size (GTK_WINDOW (scene->window), 720, HEIGHT);
  gtk_window_present (GTK_WINDOW (scene->window));
  wait_for (widget_is_mapped, scene->window, "the window to be mapped");

  return scene;
}

static void
scene_free (Scene *scene)
{
  GtkWidget *toplevel;

  while ((toplevel = find_toplevel (GTK_TYPE_WINDOW)) != NULL)
    gtk_window_destroy (GTK_WINDOW (toplevel));
  drain_main_loop ();

  dropify_service_shutdown (scene->service);
  g_clear_object (&scene->service);
  g_clear_pointer (&scene->nodes, g_ptr_array_unref);
  g_clear_object (&scene->settings);
  dropify_test_remove_dir (scene->data_dir);
  g_free (scene->data_dir);
  g_free (scene);
}

static void
show_devices (Scene *scene)
{
  gtk_widget_activate_action (scene->window, "win.show-devices", NULL);
  settle ();
}

static DropifyTestNode *
add_node (Scene      *scene,
          const char *name,
          const char *secret)
{
  DropifyTestNode *node = dropify_test_node_start (name, secret);

  g_ptr_array_add (scene->nodes, node);

  return node;
}

static guint
node_port (DropifyTestNode *node)
{
  return dropify_server_get_port (dropify_service_get_server (node->service));
}

/* As if mDNS had found @node on this network. */
static void
discover_node (Scene           *scene,
               DropifyTestNode *node)
{
  DropifyIdentity *identity = dropify_service_get_identity (node->service);

  dropify_sync_add_discovered (dropify_service_get_sync (scene->service),
                               dropify_identity_get_device_id (identity),
                               dropify_identity_get_name (identity),
                               "127.0.0.1", node_port (node));
}

typedef struct
{
  Scene *scene;
  guint  n;
} CountQuery;

static gboolean
has_connected (gpointer data)
{
  CountQuery *query = data;
  GListModel *peers = dropify_sync_get_peers (dropify_service_get_sync (query->scene->service));
  g_autoptr(DropifyPeerCount) count = dropify_peer_count_new (peers);

  return dropify_peer_count_get_n_connected (count) == query->n;
}

static gboolean
peer_is_offline (gpointer data)
{
  return dropify_peer_get_state (data) == DROPIFY_PEER_STATE_OFFLINE;
}

static DropifyPeer *
find_peer (Scene      *scene,
           const char *name)
{
  GListModel *peers = dropify_sync_get_peers (dropify_service_get_sync (scene->service));

  for (guint i = 0; i < g_list_model_get_n_items (peers); i++)
    {
      g_autoptr(DropifyPeer) peer = g_list_model_get_item (peers, i);

      if (g_strcmp0 (dropify_peer_get_name (peer), name) == 0)
        return peer;
    }

  return NULL;
}

static gboolean
peer_is_named (gpointer data)
{
  void **args = data;

  return find_peer (args[0], args[1]) != NULL;
}

static void
scene_peers (const char *out_dir)
{
  Scene *scene = scene_new (out_dir, FALSE);
  g_autofree char *laptop_address = NULL;
  DropifyTestNode *laptop;
  DropifyTestNode *server;
  DropifyTestNode *old;
  DropifyTestNode *stranger;
  CountQuery two = { scene, 2 };
  void *old_named[] = { scene, (void *) "Old Laptop" };
  DropifyPeer *old_peer;

  laptop = add_node (scene, "Laptop", GROUP_SECRET);
  server = add_node (scene, "Home Server", GROUP_SECRET);
  old = add_node (scene, "Old Laptop", GROUP_SECRET);
  stranger = add_node (scene, "Guest’s Laptop", "another group");

  discover_node (scene, server);
  laptop_address = g_strdup_printf ("127.0.0.1:%u", node_port (laptop));
  dropify_service_add_peer (scene->service, laptop_address, NULL);
  discover_node (scene, stranger);
  discover_node (scene, old);

  /* A device that was found, and then went away. */
  wait_for (peer_is_named, old_named, "the old laptop's hello");
  old_peer = g_object_ref (find_peer (scene, "Old Laptop"));
  g_ptr_array_remove (scene->nodes, old);
  wait_for (peer_is_offline, old_peer, "the old laptop to be offline");
  g_object_unref (old_peer);

  wait_for (has_connected, &two, "two devices to connect");
  show_devices (scene);
  shoot (scene, "peers", NULL);

  scene_free (scene);
}

/* The history */

#define MINUTE_MS (60 * 1000)
#define HOUR_MS   (60 * MINUTE_MS)

static void
send_text (DropifyService *service,
           const char     *text,
           int64_t         ttl_ms)
{
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;

  drop = dropify_service_send_text (service, text, ttl_ms, &error);
  g_assert_no_error (error);
}

static void
send_file_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  DropifyDrop **drop = user_data;
  g_autoptr(GError) error = NULL;

  *drop = dropify_service_send_file_finish (DROPIFY_SERVICE (object), result, &error);
  g_assert_no_error (error);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

/* A file of @size bytes named @name, dropped from @service. */
static void
send_file (DropifyService *service,
           const char     *dir,
           const char     *name,
           gsize           size,
           int64_t         ttl_ms)
{
  g_autofree char *path = dropify_test_write_random (dir, name, size);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(DropifyDrop) drop = NULL;

  dropify_service_send_file_async (service, file, ttl_ms, NULL, send_file_cb, &drop);
  wait_for (is_set, &drop, "the file to be dropped");
}

/* A sunset-coloured gradient, @width × @height, as a PNG at @path. */
static void
write_gradient (const char *path,
                guint       width,
                guint       height)
{
  g_autofree guint8 *pixels = g_malloc ((gsize) width * height * 4);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  for (guint y = 0; y < height; y++)
    for (guint x = 0; x < width; x++)
      {
        guint8 *p = pixels + ((gsize) y * width + x) * 4;

        p[0] = 255;
        p[1] = (guint8) (80 + y * 120 / height);
        p[2] = (guint8) (40 + x * 100 / width);
        p[3] = 255;
      }
  bytes = g_bytes_new_take (g_steal_pointer (&pixels), (gsize) width * height * 4);
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, bytes, width * 4);
  gdk_texture_save_to_png (texture, path);
}

/* Every thumbnail on screen shows its picture, not its placeholder. */
static gboolean
thumbnails_are_loaded (gpointer data)
{
  GtkWidget *widget = data;

  if (DROPIFY_IS_THUMBNAIL (widget) && gtk_widget_get_mapped (widget) &&
      !dropify_thumbnail_is_loaded (DROPIFY_THUMBNAIL (widget)))
    return FALSE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (!thumbnails_are_loaded (child))
      return FALSE;

  return TRUE;
}

typedef struct
{
  DropifyHistory *history;
  guint           n;
} HistoryQuery;

/* @n drops, every file complete. */
static gboolean
history_is_full (gpointer data)
{
  HistoryQuery *query = data;
  GListModel *model = G_LIST_MODEL (query->history);

  if (g_list_model_get_n_items (model) != query->n)
    return FALSE;

  for (guint i = 0; i < query->n; i++)
    {
      g_autoptr(DropifyDrop) drop = g_list_model_get_item (model, i);

      if (dropify_drop_get_kind (drop) == DROPIFY_DROP_KIND_FILE && !dropify_drop_get_complete (drop))
        return FALSE;
    }

  return TRUE;
}

/* A history such as a day of use leaves: texts and files from this
 * device and from a laptop in the same group, oldest first. */
static void
scene_main_window (const char *out_dir)
{
  Scene *scene = scene_new (out_dir, FALSE);
  DropifyTestNode *laptop = add_node (scene, "Laptop", GROUP_SECRET);
  DropifyService *here = scene->service;
  HistoryQuery full = { dropify_service_get_history (here), 7 };
  CountQuery one = { scene, 1 };
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", node_port (laptop));
  g_autofree char *photo = g_build_filename (laptop->dir, "Sunset over the lake.png", NULL);
  g_autoptr(GFile) photo_file = g_file_new_for_path (photo);
  g_autoptr(DropifyDrop) photo_drop = NULL;

  dropify_service_connect_to (here, address, NULL);
  wait_for (has_connected, &one, "the laptop to connect");

  send_file (here, laptop->dir, "Holiday photos.zip", 3700 * 1000, 24 * HOUR_MS);
  write_gradient (photo, 1600, 1000);
  dropify_service_send_file_async (laptop->service, photo_file, 24 * HOUR_MS, NULL,
                                   send_file_cb, &photo_drop);
  wait_for (is_set, &photo_drop, "the photo to be dropped");
  send_file (laptop->service, laptop->dir, "Boarding pass.pdf", 184300, 24 * HOUR_MS);
  send_text (here, "https://gitlab.gnome.org/GNOME/libadwaita/-/merge_requests/1234", 7 * 24 * HOUR_MS);
  send_text (here, "WiFi password: correct-horse-battery-staple", 10 * MINUTE_MS);
  send_text (laptop->service, "Remember to pick up:\n- oat milk\n- coffee beans\n- bread", 24 * HOUR_MS);
  send_text (laptop->service, "The door code is 4711#", HOUR_MS);
  wait_for (history_is_full, &full, "the laptop's drops to arrive");
  wait_for (thumbnails_are_loaded, scene->window, "the photo's thumbnail");

  shoot (scene, "main-window", NULL);

  scene_free (scene);
}

static gboolean
transfers_moving (gpointer data)
{
  Scene *scene = data;
  GListModel *transfers = dropify_sync_get_transfers (dropify_service_get_sync (scene->service));
  guint in = 0, out = 0;

  for (guint i = 0; i < g_list_model_get_n_items (transfers); i++)
    {
      g_autoptr(DropifyTransfer) transfer = g_list_model_get_item (transfers, i);

      if (dropify_transfer_get_state (transfer) == DROPIFY_TRANSFER_STATE_ACTIVE &&
          dropify_transfer_get_rate (transfer) > 0 &&
          dropify_transfer_get_done (transfer) > dropify_transfer_get_size (transfer) / 5)
        {
          if (dropify_transfer_get_direction (transfer) == DROPIFY_TRANSFER_DIRECTION_IN)
            in++;
          else
            out++;
        }
    }

  return in > 0 && out > 0;
}

/* Files on their way both ways, each end at its own pace: this device
 * sends a video to the laptop (its row says how far), and receives a
 * backup from it (speed and time left); a text already delivered says
 * so. Senders are capped so that the moment lasts. */
static void
scene_transfer (const char *out_dir)
{
  Scene *scene = scene_new (out_dir, FALSE);
  DropifyTestNode *laptop = add_node (scene, "Laptop", GROUP_SECRET);
  DropifyService *here = scene->service;
  CountQuery one = { scene, 1 };
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", node_port (laptop));

  dropify_service_connect_to (here, address, NULL);
  wait_for (has_connected, &one, "the laptop to connect");

  send_text (here, "Lunch at 12:30?", HOUR_MS);
  settle ();
  dropify_sync_set_max_send_rate (dropify_service_get_sync (here), 2 * 1000 * 1000);
  dropify_sync_set_max_send_rate (dropify_service_get_sync (laptop->service), 3 * 1000 * 1000);
  send_file (here, laptop->dir, "Holiday video.mp4", 60 * 1000 * 1000, 24 * HOUR_MS);
  send_file (laptop->service, laptop->dir, "Backup 2026-12.tar", 90 * 1000 * 1000, 24 * HOUR_MS);
  wait_for (transfers_moving, scene, "both files to be a fifth of the way");
  run_main_loop_for (1500);

  shoot (scene, "transfer", NULL);

  scene_free (scene);
}

static void
show_details (Scene *scene,
              guint  position)
{
  GtkWidget *list_view = find_history_list (scene->window);

  g_assert_true (gtk_widget_activate_action (list_view, "list.activate-item", "u", position));
  settle ();
}

/* A drop's own page: a long text with a link, then a file. */
static void
scene_drop_details (const char *out_dir)
{
  Scene *scene = scene_new (out_dir, FALSE);
  DropifyService *here = scene->service;
  HistoryQuery full = { dropify_service_get_history (here), 2 };
  g_autofree char *dir = dropify_test_make_dir ("screenshots-files");

  send_file (here, dir, "Holiday photos.zip", 3700 * 1000, 24 * HOUR_MS);
  send_text (here,
             "Packing list for Saturday:\n\n"
             "- tent, sleeping bags, the blue stove\n"
             "- water filter (the spare cartridge is in the garage)\n"
             "- first aid kit\n\n"
             "Trail map: https://www.openstreetmap.org/#map=13/46.5580/7.9900\n\n"
             "We meet at the station at 7:30; the train leaves at 7:52.",
             24 * HOUR_MS);
  wait_for (history_is_full, &full, "the drops");

  show_details (scene, 0);
  shoot (scene, "drop-details", NULL);

  gtk_widget_activate_action (scene->window, "win.show-history", NULL);
  settle ();
  show_details (scene, 1);
  shoot (scene, "file-details", NULL);

  /* An image: a gradient, drawn here. */
  {
    g_autofree char *path = g_build_filename (dir, "Sunset.png", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (path);
    g_autoptr(DropifyDrop) image = NULL;

    write_gradient (path, 480, 300);
    dropify_service_send_file_async (here, file, 24 * HOUR_MS, NULL, send_file_cb, &image);
    wait_for (is_set, &image, "the image to be dropped");
  }

  gtk_widget_activate_action (scene->window, "win.show-history", NULL);
  settle ();
  show_details (scene, 0);
  wait_for (thumbnails_are_loaded, scene->window, "the image's thumbnail");
  shoot (scene, "image-details", NULL);

  scene_free (scene);
}

/* Right after Delete Everywhere: the drop is gone here, and Undo shows. */
static void
scene_undo (const char *out_dir)
{
  Scene *scene = scene_new (out_dir, FALSE);
  DropifyService *here = scene->service;
  HistoryQuery full = { dropify_service_get_history (here), 3 };
  g_autoptr(DropifyDrop) newest = NULL;
  GtkWidget *view;

  send_text (here, "The door code is 4711#", HOUR_MS);
  send_text (here, "WiFi password: correct-horse-battery-staple", 10 * MINUTE_MS);
  send_text (here, "Remember to pick up:\n- oat milk\n- coffee beans\n- bread", 24 * HOUR_MS);
  wait_for (history_is_full, &full, "the drops");

  newest = g_list_model_get_item (G_LIST_MODEL (dropify_service_get_history (here)), 0);
  show_details (scene, 0);
  view = find_descendant (scene->window, DROPIFY_TYPE_DROP_VIEW);
  g_assert_true (gtk_widget_activate_action (view, "drop.delete", NULL));
  shoot (scene, "undo", NULL);

  scene_free (scene);
}

static void
add_laptop_text (DropifyService *service,
                 const char     *text)
{
  DropifyHistory *history = dropify_service_get_history (service);
  int64_t now = dropify_history_now (history);
  g_autofree char *id = g_uuid_string_random ();
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;

  drop = dropify_drop_new_text (id, "laptop", "Laptop", text, now, now + 24 * HOUR_MS);
  dropify_history_add (history, drop, &error);
  g_assert_no_error (error);
}

static gboolean
has_size (gpointer data)
{
  return gtk_widget_get_mapped (data) &&
         gtk_widget_get_width (data) > 0 && gtk_widget_get_height (data) > 0;
}

/* Reading older drops while three new ones come in from the laptop: the
 * view stays, and a button offers to go up. Taken at 720 px only, since
 * resizing the window would scroll it. */
static void
scene_new_drops (const char *out_dir)
{
  Scene *scene = scene_new (out_dir, FALSE);
  AdwStyleManager *style = adw_style_manager_get_default ();
  GtkWidget *list_view = find_history_list (scene->window);
  GtkAdjustment *vadjustment;

  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *text = g_strdup_printf ("Note %u from the meeting:\nfollow up with the printer people", i + 1);

      send_text (scene->service, text, 24 * HOUR_MS);
    }
  settle ();

  vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (gtk_widget_get_parent (list_view)));
  gtk_adjustment_set_value (vadjustment, (gtk_adjustment_get_upper (vadjustment) -
                                          gtk_adjustment_get_page_size (vadjustment)) / 2);
  settle ();

  add_laptop_text (scene->service, "The door code is 4711#");
  add_laptop_text (scene->service, "Lunch at 12:30?");
  add_laptop_text (scene->service, "https://gitlab.gnome.org/GNOME/libadwaita");

  for (guint dark = 0; dark < 2; dark++)
    {
      g_autoptr(GdkTexture) texture = NULL;

      adw_style_manager_set_color_scheme (style, dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                                      : ADW_COLOR_SCHEME_FORCE_LIGHT);
      settle ();
      wait_for (has_size, scene->window, "the window to be laid out");
      texture = render (scene->window);
      save (scene, texture, "new-drops", FALSE, dark);
    }

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  scene_free (scene);
}

/* Ctrl+F, looking for a code. */
static void
scene_search (const char *out_dir)
{
  Scene *scene = scene_new (out_dir, FALSE);
  DropifyService *here = scene->service;
  HistoryQuery full = { dropify_service_get_history (here), 4 };
  GtkWidget *entry;

  send_text (here, "The door code is 4711#", HOUR_MS);
  send_text (here, "WiFi password: correct-horse-battery-staple", 10 * MINUTE_MS);
  send_text (here, "Remember to pick up:\n- oat milk\n- coffee beans\n- bread", 24 * HOUR_MS);
  send_text (here, "Bike lock code: 0815", 24 * HOUR_MS);
  wait_for (history_is_full, &full, "the drops");

  gtk_widget_activate_action (scene->window, "win.search", NULL);
  entry = find_descendant (scene->window, GTK_TYPE_SEARCH_ENTRY);
  gtk_editable_set_text (GTK_EDITABLE (entry), "code");
  settle ();
  shoot (scene, "search", NULL);

  scene_free (scene);
}

/* Selection mode, two of four drops picked. */
static void
scene_select (const char *out_dir)
{
  Scene *scene = scene_new (out_dir, FALSE);
  DropifyService *here = scene->service;
  HistoryQuery full = { dropify_service_get_history (here), 4 };
  const char *picked[] = { "Bike lock code: 0815", "WiFi password: correct-horse-battery-staple" };

  send_text (here, "The door code is 4711#", HOUR_MS);
  send_text (here, "WiFi password: correct-horse-battery-staple", 10 * MINUTE_MS);
  send_text (here, "Remember to pick up:\n- oat milk\n- coffee beans\n- bread", 24 * HOUR_MS);
  send_text (here, "Bike lock code: 0815", 24 * HOUR_MS);
  wait_for (history_is_full, &full, "the drops");

  gtk_widget_activate_action (scene->window, "win.selection-mode", NULL);
  settle ();
  for (guint i = 0; i < G_N_ELEMENTS (picked); i++)
    {
      GtkWidget *label = find_label (scene->window, picked[i]);
      GtkWidget *row;

      g_assert_nonnull (label);
      row = gtk_widget_get_ancestor (label, DROPIFY_TYPE_DROP_ROW);

      gtk_check_button_set_active (GTK_CHECK_BUTTON (find_descendant (row, GTK_TYPE_CHECK_BUTTON)), TRUE);
    }
  settle ();
  shoot (scene, "select", NULL);

  scene_free (scene);
}

static void
scene_empty (const char *out_dir)
{
  Scene *scene = scene_new (out_dir, FALSE);

  shoot (scene, "empty", NULL);

  scene_free (scene);
}

static void
scene_peers_empty (const char *out_dir)
{
  Scene *scene = scene_new (out_dir, FALSE);

  show_devices (scene);
  shoot (scene, "peers-empty", NULL);

  scene_free (scene);
}

static void
scene_no_discovery (const char *out_dir)
{
  Scene *scene = scene_new (out_dir, TRUE);

  show_devices (scene);
  shoot (scene, "no-discovery", NULL);

  scene_free (scene);
}

static void
scene_add_peer (const char *out_dir)
{
  Scene *scene = scene_new (out_dir, FALSE);
  GtkWidget *dialog;
  GtkWidget *entry;

  gtk_widget_activate_action (scene->window, "win.add-device", NULL);
  drain_main_loop ();
  dialog = find_toplevel (DROPIFY_TYPE_ADD_PEER_DIALOG);
  g_assert_nonnull (dialog);
  wait_for (widget_is_mapped, dialog, "the dialog");

  entry = find_descendant (dialog, GTK_TYPE_ENTRY);
  shoot (scene, "add-peer", dialog);

  gtk_editable_set_text (GTK_EDITABLE (entry), "192.168.1.20");
  g_signal_emit_by_name (find_descendant (entry, GTK_TYPE_TEXT), "activate");
  shoot (scene, "add-peer-error", dialog);

  scene_free (scene);
}

/* "Send To…" on a text drop: the paired devices, one ticked. */
static void
scene_send_to (const char *out_dir)
{
  Scene *scene = scene_new (out_dir, FALSE);
  g_autoptr(DropifyDrop) drop = NULL;
  g_autoptr(GError) error = NULL;
  CountQuery two = { scene, 2 };
  DropifyTestNode *nodes[2];
  GtkWidget *dialog;
  GtkWidget *row;
  GtkWidget *check;

  nodes[0] = add_node (scene, "Laptop", GROUP_SECRET);
  nodes[1] = add_node (scene, "Home Server", GROUP_SECRET);
  for (guint i = 0; i < G_N_ELEMENTS (nodes); i++)
    {
      g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", node_port (nodes[i]));

      dropify_service_add_peer (scene->service, address, NULL);
    }
  wait_for (has_connected, &two, "two devices to connect");

  drop = dropify_service_send_text (scene->service, "Wi-Fi password for the guest network: "
                                    "correct-horse-battery-staple", 0, &error);
  g_assert_no_error (error);
  settle ();

  gtk_widget_activate_action (scene->window, "win.send-drop-to", "s", dropify_drop_get_id (drop));
  drain_main_loop ();
  dialog = find_toplevel (DROPIFY_TYPE_SEND_TO_DIALOG);
  g_assert_nonnull (dialog);
  wait_for (widget_is_mapped, dialog, "the dialog");

  row = find_titled_row (dialog, ADW_TYPE_ACTION_ROW, "Laptop");
  g_assert_nonnull (row);
  check = find_descendant (row, GTK_TYPE_CHECK_BUTTON);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  shoot (scene, "send-to", dialog);

  scene_free (scene);
}

static gboolean
peer_is_connected (gpointer data)
{
  void **args = data;
  DropifyPeer *peer = find_peer (args[0], args[1]);

  return peer != NULL && dropify_peer_get_connected (peer);
}

static gboolean
peer_has_code (gpointer data)
{
  void **args = data;
  DropifyPeer *peer = find_peer (args[0], args[1]);

  return peer != NULL && dropify_peer_get_pairing_code (peer) != NULL;
}

static void
scene_pairing (const char *out_dir)
{
  Scene *scene = scene_new (out_dir, FALSE);
  void *laptop_named[] = { scene, (void *) "Laptop" };
  g_autofree char *address = NULL;
  DropifyTestNode *laptop;
  GtkWidget *dialog;

  /* Not in the scene's group: it can only be paired. */
  laptop = add_node (scene, "Laptop", "another group");
  address = g_strdup_printf ("127.0.0.1:%u", node_port (laptop));
  dropify_service_add_peer (scene->service, address, NULL);
  wait_for (peer_is_connected, laptop_named, "the laptop to connect");

  show_devices (scene);
  shoot (scene, "peers-pairing", NULL);

  gtk_widget_activate_action (scene->window, "win.pair-device", "s",
                              dropify_peer_get_device_id (find_peer (scene, "Laptop")));
  drain_main_loop ();
  dialog = find_toplevel (DROPIFY_TYPE_PAIRING_DIALOG);
  g_assert_nonnull (dialog);
  wait_for (widget_is_mapped, dialog, "the dialog");
  wait_for (peer_has_code, laptop_named, "the code of the attempt");
  drain_main_loop ();
  shoot (scene, "pairing", dialog);

  scene_free (scene);
}

static void
phone_connect_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SoupWebsocketConnection **ws = user_data;

  *ws = soup_session_websocket_connect_finish (SOUP_SESSION (object), result, NULL);
  g_assert_nonnull (*ws);
}

static gboolean
phone_is_connected (gpointer data)
{
  return *(gpointer *) data != NULL;
}

/* As a phone's browser does when it opens the page. */
static SoupWebsocketConnection *
connect_phone (Scene       *scene,
               SoupSession *session,
               const char  *user_agent)
{
  DropifyPhone *phone = dropify_service_get_phone (scene->service);
  g_autofree char *uri = g_strdup_printf ("ws://127.0.0.1:%u/api/live",
                                          dropify_server_get_port (dropify_service_get_server (scene->service)));
  g_autofree char *bearer = g_strconcat ("bearer.", dropify_phone_get_token (phone), NULL);
  const char *protocols[] = { "dropify", bearer, NULL };
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  SoupWebsocketConnection *ws = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "User-Agent", user_agent);
  soup_session_websocket_connect_async (session, msg, NULL, (char **) protocols,
                                        G_PRIORITY_DEFAULT, NULL, phone_connect_cb, &ws);
  wait_for (phone_is_connected, &ws, "the phone to connect");

  return ws;
}

static void
scene_phone_dialog (const char *out_dir)
{
  Scene *scene = scene_new (out_dir, FALSE);
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupWebsocketConnection) ws = NULL;
  GtkWidget *dialog;

  ws = connect_phone (scene, session,
                      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
                      "(KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36");

  gtk_widget_activate_action (scene->window, "win.connect-phone", NULL);
  drain_main_loop ();
  dialog = find_toplevel (DROPIFY_TYPE_PHONE_DIALOG);
  g_assert_nonnull (dialog);
  wait_for (widget_is_mapped, dialog, "the dialog");

  for (guint dark = 0; dark < 2; dark++)
    {
      g_autoptr(GdkTexture) texture = NULL;

      adw_style_manager_set_color_scheme (style, dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                                      : ADW_COLOR_SCHEME_FORCE_LIGHT);
      settle ();
      texture = render (dialog);
      save (scene, texture, "phone-dialog", FALSE, dark);
    }

  /* The smallest the dialog gets. */
  {
    WidthQuery query = { dialog, 360 };
    g_autoptr(GdkTexture) texture = NULL;

    adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
    gtk_window_set_default_size (GTK_WINDOW (dialog), 360, 640);
    wait_for (has_width, &query, "the dialog to resize");
    settle ();
    texture = render (dialog);
    save (scene, texture, "phone-dialog", TRUE, FALSE);
  }

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  scene_free (scene);
}

/* A window of its own (@dialog), at its own default size, light and dark,
 * and at the narrowest a phone gives it. */
static void
shoot_alone (Scene      *scene,
             const char *name,
             GtkWidget  *dialog,
             int         narrow_height)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  WidthQuery query = { dialog, 360 };

  for (guint dark = 0; dark < 2; dark++)
    {
      g_autoptr(GdkTexture) texture = NULL;

      adw_style_manager_set_color_scheme (style, dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                                      : ADW_COLOR_SCHEME_FORCE_LIGHT);
      settle ();
      texture = render (dialog);
      save (scene, texture, name, FALSE, dark);
    }

  gtk_window_set_default_size (GTK_WINDOW (dialog), 360, narrow_height);
  wait_for (has_width, &query, "the window to resize");

  for (guint dark = 0; dark < 2; dark++)
    {
      g_autoptr(GdkTexture) texture = NULL;

      adw_style_manager_set_color_scheme (style, dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                                      : ADW_COLOR_SCHEME_FORCE_LIGHT);
      settle ();
      texture = render (dialog);
      save (scene, texture, name, TRUE, dark);
    }

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
}

static void
scene_preferences (const char *out_dir)
{
  Scene *scene = scene_new (out_dir, FALSE);
  GtkWidget *preferences;

  g_settings_set_boolean (scene->settings, "auto-save-downloads", TRUE);

  preferences = dropify_preferences_window_new (scene->service);
  gtk_window_set_transient_for (GTK_WINDOW (preferences), GTK_WINDOW (scene->window));
  gtk_window_present (GTK_WINDOW (preferences));
  wait_for (widget_is_mapped, preferences, "the preferences");
  shoot_alone (scene, "preferences", preferences, 720);

  gtk_window_set_default_size (GTK_WINDOW (preferences), 640, 680);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (preferences), "connections");
  {
    WidthQuery query = { preferences, 640 };

    wait_for (has_width, &query, "the window to resize");
  }
  shoot_alone (scene, "preferences-connections", preferences, 720);

  scene_free (scene);
}

static gboolean
discovery_is_available (gpointer data)
{
  return dropify_discovery_get_available (data);
}

static void
scene_help (const char *out_dir)
{
  Scene *scene = scene_new (out_dir, TRUE);

  wait_for (discovery_is_available, dropify_service_get_discovery (scene->service),
            "discovery (this scene needs avahi-daemon)");
  show_devices (scene);
  dropify_peers_page_set_help_delay (DROPIFY_PEERS_PAGE (find_descendant (scene->window,
                                                                          DROPIFY_TYPE_PEERS_PAGE)),
                                     0);
  shoot (scene, "help", NULL);

  scene_free (scene);
}

static const struct {
  const char *name;
  void      (*take) (const char *out_dir);
  gboolean    by_default;
} scenes[] = {
  { "main-window", scene_main_window, TRUE },
  { "empty", scene_empty, TRUE },
  { "drop-details", scene_drop_details, TRUE },
  { "undo", scene_undo, TRUE },
  { "new-drops", scene_new_drops, TRUE },
  { "search", scene_search, TRUE },
  { "select", scene_select, TRUE },
  { "transfer", scene_transfer, TRUE },
  { "peers", scene_peers, TRUE },
  { "peers-empty", scene_peers_empty, TRUE },
  { "no-discovery", scene_no_discovery, TRUE },
  { "add-peer", scene_add_peer, TRUE },
  { "pairing", scene_pairing, TRUE },
  { "send-to", scene_send_to, TRUE },
  { "phone-dialog", scene_phone_dialog, TRUE },
  { "preferences", scene_preferences, TRUE },
  { "help", scene_help, FALSE },
};

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GtkCssProvider) provider = NULL;
  g_autoptr(GtkCssProvider) frame = NULL;
  const char *out_dir;

  if (argc < 2)
    {
      g_printerr ("Usage: %s OUTDIR [SCENE...]\n", argv[0]);
      return 2;
    }
  out_dir = argv[1];

  /* Only the help scene is meant to reach a system bus, and it is run on
   * a private one (see tests/lan/lanlib.sh). */
  if (argc == 2 || !g_strv_contains ((const char * const *) argv + 2, "help"))
    g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", NO_SYSTEM_BUS, TRUE);

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_init ();
  adw_init ();

  /* What AdwApplication would load from the resource base path. */
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/dropify/Dropify/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  /* Without a compositor, windows get a wide frame for resizing, which
   * a desktop would not show: draw them as a tiled window instead. */
  frame = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (frame,
                                   "window.solid-csd { padding: 0; box-shadow: none; }"
                                   "window.messagedialog.solid-csd {"
                                   "  box-shadow: inset 0 0 0 1px alpha(black, 0.3); }",
                                   -1);
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (frame),
                                              GTK_STYLE_PROVIDER_PRIORITY_USER);
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/io/github/dropify/Dropify/icons");
  g_mkdir_with_parents (out_dir, 0755);

  for (guint i = 0; i < G_N_ELEMENTS (scenes); i++)
    {
      if (argc == 2 ? scenes[i].by_default
                    : g_strv_contains ((const char * const *) argv + 2, scenes[i].name))
        scenes[i].take (out_dir);
    }

  return 0;
}
