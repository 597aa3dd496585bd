/* bench-make-history DATA_DIR N_DROPS N_FILES: a full history for the
 * benchmarks that run a real `dropify` on a profile. */

#include "config.h"

#include <stdlib.h>

#include "bench-fill.h"

int
main (int   argc,
      char *argv[])
{
  if (argc != 4)
    {
      g_printerr ("Usage: %s DATA_DIR N_DROPS N_FILES\n", argv[0]);
      return 2;
    }

  bench_fill_history (argv[1], atoi (argv[2]), atoi (argv[3]));

  return 0;
}
