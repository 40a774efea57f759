/* The chunk codecs (io/codec.c, SPEC §8) on their own: 64 MiB of float64 in 256 KiB chunks
 * (the output's chunk size) encoded and decoded on a pool of N threads, as credal's reader and
 * writer run them: codec/encode/CODEC/threads:N and codec/decode/CODEC/threads:N for gzip:1
 * (ISA-L), gzip:4 (libdeflate), zstd:1, zstd:3 and lz4, N = 1, 2 and every core.
 *
 * Data: half the chunks uniform doubles in [0, 1) (results: noisy mantissas), half Dirichlet-
 * like rows of 64 (inputs: many small values, zeros). Checked once before timing: every chunk
 * decodes to its bytes. Counters: GB/s of uncompressed bytes, and the compression ratio. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"
#include "codec.h"
#include "pool.h"

#define DATA_BYTES ((size_t)64 << 20)
#define CHUNK_BYTES ((size_t)256 << 10)
#define CHUNKS (DATA_BYTES / CHUNK_BYTES)

static const char *const CODECS[] = {"gzip:1", "gzip:4", "zstd:1", "zstd:3", "lz4"};
#define NCODECS (sizeof CODECS / sizeof CODECS[0])

typedef struct {
  credal__codec codec;
  credal__filters filters;
  unsigned char *data, *packed, *back; /* data, CHUNKS * bound, data-sized */
  size_t bound, sizes[CHUNKS];
  credal__codec_scratch *scratch[256];
  credal_status status[CHUNKS];
} codec_data;

static unsigned char *shared_data(void) {
  static unsigned char *data;
  if (data) return data;
  double *x = malloc(DATA_BYTES);
  if (!x) return NULL;
  const size_t n = DATA_BYTES / 8, half = n / 2;
  for (size_t i = 0; i < half; i++) x[i] = bench_uniform(0x5000, i);
  for (size_t i = half; i < n; i += 64) { /* rows summing to 1, a third of them zero */
    double sum = 0.0;
    for (size_t j = 0; j < 64; j++) {
      const double u = bench_uniform(0x5001, i + j);
      x[i + j] = u < 0.33 ? 0.0 : -__builtin_log(u);
      sum += x[i + j];
    }
    for (size_t j = 0; j < 64; j++) x[i + j] /= sum;
  }
  return data = (unsigned char *)x;
}

static void encode_task(void *ctx, int64_t i, int worker) {
  codec_data *g = ctx;
  g->status[i] =
      credal__chunk_encode(&g->codec, 8, g->data + (size_t)i * CHUNK_BYTES, CHUNK_BYTES,
                           g->packed + (size_t)i * g->bound, &g->sizes[i], g->scratch[worker]);
}

static void decode_task(void *ctx, int64_t i, int worker) {
  codec_data *g = ctx;
  g->status[i] = credal__chunk_decode(&g->filters, 0, g->packed + (size_t)i * g->bound, g->sizes[i],
                                      g->back + (size_t)i * CHUNK_BYTES, CHUNK_BYTES,
                                      g->scratch[worker], "bench");
}

static int failed(const codec_data *g) {
  for (size_t i = 0; i < CHUNKS; i++)
    if (g->status[i]) return 1;
  return 0;
}

/* Encoded chunks of codec c, checked to decode to the data; NULL (message in msg) on failure. */
static codec_data *prepare(int c, credal__pool *pool, char *msg, size_t cap) {
  static codec_data g[NCODECS];
  codec_data *d = &g[c];
  if (d->packed) return d;
  d->data = shared_data();
  credal__codec_parse(CODECS[c], &d->codec);
  d->bound = credal__chunk_encode_bound(&d->codec, CHUNK_BYTES);
  d->packed = malloc(CHUNKS * d->bound);
  d->back = malloc(DATA_BYTES);
  for (int i = 0; i < 256; i++) d->scratch[i] = credal__codec_scratch_new();
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  const hsize_t one = 1;
  int decodable = 0;
  H5Pset_chunk(dcpl, 1, &one);
  if (!d->data || !d->packed || !d->back || credal__codec_set_filters(&d->codec, dcpl) ||
      credal__filters_read(dcpl, "bench", &d->filters, &decodable) || !decodable) {
    snprintf(msg, cap, "cannot prepare %s: %s", CODECS[c], credal_last_error());
    H5Pclose(dcpl);
    return NULL;
  }
  H5Pclose(dcpl);
  for (int i = 0; i < d->filters.count; i++)
    if (d->filters.filter[i].id == H5Z_FILTER_SHUFFLE)
      d->filters.filter[i].nvalues = 1, d->filters.filter[i].values[0] = 8;
  credal__pool_run(pool, CHUNKS, 0, encode_task, d);
  if (!failed(d)) credal__pool_run(pool, CHUNKS, 0, decode_task, d);
  if (failed(d) || memcmp(d->back, d->data, DATA_BYTES) != 0) {
    snprintf(msg, cap, "%s does not round-trip", CODECS[c]);
    return NULL;
  }
  return d;
}

static void bm_codec(credal_bench_state *st, void *ctx) {
  const int decode = ctx != NULL;
  const int c = (int)credal_bench_range(st, 0), threads = (int)credal_bench_range(st, 1);
  credal__pool *pool = NULL;
  char msg[256] = "";
  if (credal__pool_create(threads, &pool)) {
    credal_bench_skip_with_error(st, credal_last_error());
    return;
  }
  codec_data *d = prepare(c, pool, msg, sizeof msg);
  if (!d) {
    credal_bench_skip_with_error(st, msg);
    credal__pool_destroy(pool);
    return;
  }
  while (credal_bench_keep_running(st))
    credal__pool_run(pool, CHUNKS, 0, decode ? decode_task : encode_task, d);
  credal__pool_destroy(pool);
  size_t packed = 0;
  for (size_t i = 0; i < CHUNKS; i++) packed += d->sizes[i];
  credal_bench_set_counter(st, "GB/s", (double)DATA_BYTES * 1e-9, CREDAL_BENCH_INVARIANT_RATE);
  credal_bench_set_counter(st, "ratio", (double)DATA_BYTES / (double)packed, CREDAL_BENCH_PLAIN);
  credal_bench_set_label(st, CODECS[c]);
}

void bench_codec_register(void) {
  static const char *const names[] = {"codec", "threads"};
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  for (int decode = 0; decode < 2; decode++) {
    credal_bench_def *def = credal_bench_register(decode ? "codec/decode" : "codec/encode",
                                                  bm_codec, decode ? (void *)1 : NULL);
    for (int64_t c = 0; c < (int64_t)NCODECS; c++)
      for (int64_t t = 1; t <= (cores > 2 ? cores : 2); t = t == 2 && cores > 2 ? cores : t + 1) {
        const int64_t args[2] = {c, t};
        credal_bench_args(def, 2, args);
      }
    credal_bench_arg_names(def, 2, names);
    credal_bench_use_real_time(def);
    credal_bench_unit(def, CREDAL_BENCH_MS);
  }
}
