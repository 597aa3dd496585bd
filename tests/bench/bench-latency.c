/* Text drop latency: send on A → stored on B, for 1,000 drops between two
 * real instances in this process over TLS on loopback; against the raw
 * baseline of one small message over a plain loopback TCP socket, in the
 * same run. Prints "NAME value unit" lines. */

#include "config.h"

#include <gio/gio.h>

#include "dropify-test-support.h"

#define N_DROPS 1000

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
  return x < y ? -1 : x > y;
}

static void
report (const char *name,
        GArray     *samples)
{
  g_array_sort (samples, compare_int64);
  g_print ("%s_p50 %.3f ms\n", name, g_array_index (samples, int64_t, samples->len / 2) / 1000.0);
  g_print ("%s_p99 %.3f ms\n", name, g_array_index (samples, int64_t, samples->len * 99 / 100) / 1000.0);
  g_print ("%s_max %.3f ms\n", name, g_array_index (samples, int64_t, samples->len - 1) / 1000.0);
}

static GArray *
raw_tcp_latency (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) out = NULL;
  g_autoptr(GSocketConnection) in = NULL;
  GArray *samples = g_array_new (FALSE, FALSE, sizeof (int64_t));
  char message[160];
  guint16 port;

  g_socket_client_set_enable_proxy (client, FALSE);
  port = g_socket_listener_add_any_inet_port (listener, NULL, NULL);
  out = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  in = g_socket_listener_accept (listener, NULL, NULL, NULL);
  memset (message, 'x', sizeof message);

  for (guint i = 0; i < N_DROPS; i++)
    {
      int64_t t0 = g_get_monotonic_time ();
      gsize got = 0;

      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (out)),
                                 message, sizeof message, NULL, NULL, NULL);
      while (got < sizeof message)
        got += g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (in)),
                                    message, sizeof message - got, NULL, NULL);
      {
        int64_t dt = g_get_monotonic_time () - t0;
        g_array_append_val (samples, dt);
      }
    }

  return samples;
}

int
main (int   argc,
      char *argv[])
{
  DropifyTestNode *a, *b;
  g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (int64_t));
  g_autoptr(GArray) raw = NULL;
  g_autofree char *warm = NULL;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  a = dropify_test_node_start ("bench-a", "bench");
  b = dropify_test_node_start ("bench-b", "bench");
  dropify_test_node_connect (b, a);
  warm = dropify_test_node_send_text (a, "warm up");
  if (!dropify_test_node_has_drop (b, warm, 10000))
    g_error ("the peers did not connect");

  for (guint i = 0; i < N_DROPS; i++)
    {
      g_autofree char *text = g_strdup_printf ("latency probe %u: a short text drop of about a "
                                               "hundred bytes, like a link or a code", i);
      int64_t t0 = g_get_monotonic_time ();
      g_autofree char *id = dropify_test_node_send_text (a, text);
      int64_t dt;

      if (!dropify_test_node_has_drop (b, id, 10000))
        g_error ("drop %u never arrived", i);
      dt = g_get_monotonic_time () - t0;
      g_array_append_val (samples, dt);
    }

  raw = raw_tcp_latency ();
  g_print ("# %u text drops, A to B, TLS on, loopback, one process\n", N_DROPS);
  report ("text_drop", samples);
  report ("raw_tcp_message", raw);

  dropify_test_node_stop (a);
  dropify_test_node_stop (b);

  return 0;
}
