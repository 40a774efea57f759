/* credal_read_points FILE [THREADS]: the decode half of an eval on its own (SPEC §8's
 * "decode"): every row of /hypotheses/points read through credal's reader, with THREADS
 * decoding threads (default: every core), in the 32 MiB blocks the pipeline reads, into one
 * reused buffer. Prints "seconds GB/s" (GB of float64 rows delivered). bench/compare_io.py
 * sets it against `credal eval` of the same file. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "batch_reader.h"
#include "pool.h"

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: credal_read_points FILE [THREADS]\n");
    return 64;
  }
  const int threads = argc > 2 ? atoi(argv[2]) : credal__pool_cores(1);
  credal_input *in = NULL;
  credal__pool *pool = NULL;
  if (credal_input_open(argv[1], &in) || credal__pool_create(threads, &pool)) {
    fprintf(stderr, "credal_read_points: %s\n", credal_last_error());
    return 66;
  }
  credal__input_set_pool(in, pool);
  const credal_input_summary *s = credal_input_describe(in);
  const int64_t block = ((int64_t)32 << 20) / (s->dim * 8) + 1;
  double *rows = malloc((size_t)(block * s->dim) * sizeof *rows);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rc = 0;
  for (int64_t k = 0; k < s->generators && !rc; k += block) {
    const int64_t n = s->generators - k < block ? s->generators - k : block;
    if (credal__input_points(in, k, n, rows)) {
      fprintf(stderr, "credal_read_points: %s\n", credal_last_error());
      rc = 74;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  const double sec = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  if (!rc) printf("%.4f %.3f\n", sec, (double)s->generators * (double)s->dim * 8e-9 / sec);
  free(rows);
  credal_input_close(in);
  credal__pool_destroy(pool);
  return rc;
}
