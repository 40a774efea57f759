/* io/codec.c, io/pool.c, io/chunk_write.c: every stored pipeline decodes bit for bit what
 * HDF5's own encoders (deflate, shuffle, fletcher32) and credal's registered ones (LZ4, Zstd)
 * wrote, chunk by chunk through H5Dread_chunk; credal's encoders round-trip; damaged,
 * truncated and oversized chunks and bombs are CREDAL_EDATA; the pool runs every task once;
 * the chunk writer's rows read back through HDF5 in any grouping of writes and flushes.
 * End to end against h5py + hdf5plugin files: tests/test_codecs.py. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "chunk_write.h"
#include "codec.h"
#include "h5util.h"
#include "pool.h"
#include "testutil.h"

/* An in-memory HDF5 file (core driver, never written out). */
static hid_t memory_file(void) {
  credal__h5_init();
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_core(fapl, 1 << 20, 0);
  static int n;
  char name[64];
  snprintf(name, sizeof name, "codec-%d.h5", n++);
  hid_t f = H5Fcreate(name, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  ck_assert_int_ge(f, 0);
  return f;
}

static void fill(double *x, int64_t n, uint64_t seed) {
  test_rng rng = {seed};
  for (int64_t i = 0; i < n; i++) x[i] = i % 7 == 0 ? 0.0 : test_uniform(&rng) * 100.0 - 3.0;
}

enum { SHUFFLE = 1, DEFLATE = 2, FLETCHER = 4, LZ4 = 8, ZSTD = 16 };

/* (rows, cols) float64 in chunks of (cr, cc) with the pipeline `pipe`, written by HDF5; every
 * chunk read raw and decoded by credal must equal the block HDF5 was given (edges zero). */
static void check_pipeline(int pipe, int64_t rows, int64_t cols, int64_t cr, int64_t cc) {
  hid_t f = memory_file();
  const hsize_t dims[2] = {(hsize_t)rows, (hsize_t)cols}, chunk[2] = {(hsize_t)cr, (hsize_t)cc};
  hid_t space = H5Screate_simple(2, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 2, chunk);
  const unsigned level = 5, block = 0;
  if (pipe & SHUFFLE) H5Pset_shuffle(dcpl);
  if (pipe & DEFLATE) H5Pset_deflate(dcpl, 4);
  if (pipe & LZ4) H5Pset_filter(dcpl, CREDAL_FILTER_LZ4, H5Z_FLAG_MANDATORY, 1, &block);
  if (pipe & ZSTD) H5Pset_filter(dcpl, CREDAL_FILTER_ZSTD, H5Z_FLAG_MANDATORY, 1, &level);
  if (pipe & FLETCHER) H5Pset_fletcher32(dcpl);
  hid_t d = H5Dcreate2(f, "x", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  ck_assert_int_ge(d, 0);
  double *x = malloc((size_t)(rows * cols) * 8), *got = malloc((size_t)(cr * cc) * 8);
  fill(x, rows * cols, (uint64_t)pipe * 1000 + (uint64_t)rows);
  ck_assert_int_ge(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x), 0);
  credal__filters filters;
  int decodable = 0;
  hid_t dcpl2 = H5Dget_create_plist(d);
  ck_assert_int_eq(credal__filters_read(dcpl2, "/x", &filters, &decodable), CREDAL_OK);
  ck_assert_int_eq(decodable, 1);
  credal__codec_scratch *s = credal__codec_scratch_new();
  unsigned char *raw = malloc((size_t)(cr * cc) * 8 * 2 + 4096);
  for (int64_t r0 = 0; r0 < rows; r0 += cr)
    for (int64_t c0 = 0; c0 < cols; c0 += cc) {
      const hsize_t off[2] = {(hsize_t)r0, (hsize_t)c0};
      hsize_t bytes = 0;
      uint32_t mask = 0;
      ck_assert_int_ge(H5Dget_chunk_storage_size(d, off, &bytes), 0);
      ck_assert_int_ge(H5Dread_chunk(d, H5P_DEFAULT, off, &mask, raw), 0);
      ck_assert_int_eq(
          credal__chunk_decode(&filters, mask, raw, bytes, got, (size_t)(cr * cc) * 8, s, "/x"),
          CREDAL_OK);
      for (int64_t i = 0; i < cr; i++)
        for (int64_t j = 0; j < cc; j++) {
          const int inside = r0 + i < rows && c0 + j < cols;
          const double want = inside ? x[(r0 + i) * cols + c0 + j] : 0.0;
          ck_assert_msg(got[i * cc + j] == want, "pipeline %d chunk (%lld, %lld) [%lld, %lld]",
                        pipe, (long long)r0, (long long)c0, (long long)i, (long long)j);
        }
      if (r0 == 0 && c0 == 0 && bytes > 8) { /* the same chunk cut short is refused */
        ck_assert_int_eq(credal__chunk_decode(&filters, mask, raw, bytes / 2, got,
                                              (size_t)(cr * cc) * 8, s, "/x"),
                         CREDAL_EDATA);
        ck_assert_ptr_nonnull(strstr(credal_last_error(), "/x"));
      }
    }
  credal__codec_scratch_free(s);
  free(raw), free(x), free(got);
  H5Pclose(dcpl2), H5Pclose(dcpl), H5Sclose(space), H5Dclose(d), H5Fclose(f);
}

START_TEST(test_decodes_what_hdf5_wrote) {
  static const int pipes[] = {
      0,   SHUFFLE,       DEFLATE, SHUFFLE | DEFLATE,        SHUFFLE | DEFLATE | FLETCHER, FLETCHER,
      LZ4, SHUFFLE | LZ4, ZSTD,    SHUFFLE | ZSTD | FLETCHER};
  static const int64_t shapes[][4] = {
      {10, 3, 4, 2}, {1, 1, 1, 1}, {100, 17, 33, 17}, {64, 64, 7, 5}};
  const int pipe = pipes[_i % 10];
  const int64_t *sh = shapes[_i / 10];
  check_pipeline(pipe, sh[0], sh[1], sh[2], sh[3]);
}
END_TEST

START_TEST(test_encoders_round_trip) {
  static const char *codecs[] = {"gzip:1", "gzip:3",  "gzip:6", "gzip:12",
                                 "zstd",   "zstd:19", "lz4",    "none"};
  static const size_t sizes[] = {0, 1, 7, 8, 4096, 100003};
  credal__codec c;
  ck_assert_int_eq(credal__codec_parse(codecs[_i], &c), 0);
  credal__filters f = {0};
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  const hsize_t one = 1;
  H5Pset_chunk(dcpl, 1, &one);
  ck_assert_int_eq(credal__codec_set_filters(&c, dcpl), CREDAL_OK);
  int decodable;
  ck_assert_int_eq(credal__filters_read(dcpl, "/y", &f, &decodable), CREDAL_OK);
  H5Pclose(dcpl);
  credal__codec_scratch *s = credal__codec_scratch_new();
  for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    for (size_t elem = 1; elem <= 8; elem *= 2) {
      const size_t n = sizes[k];
      unsigned char *in = malloc(n + 1), *out = malloc(credal__chunk_encode_bound(&c, n) + 1),
                    *back = malloc(n + 1);
      test_rng rng = {n * 31 + elem};
      for (size_t i = 0; i < n; i++)
        in[i] = (unsigned char)(i % 3 ? test_below(&rng, 256) : (int64_t)i);
      size_t size = 0;
      ck_assert_int_eq(credal__chunk_encode(&c, elem, in, n, out, &size, s), CREDAL_OK);
      ck_assert_uint_le(size, credal__chunk_encode_bound(&c, n));
      /* the pipeline's shuffle runs with the stored element size */
      for (int i = 0; i < f.count; i++)
        if (f.filter[i].id == H5Z_FILTER_SHUFFLE)
          f.filter[i].nvalues = 1, f.filter[i].values[0] = (unsigned)elem;
      ck_assert_int_eq(credal__chunk_decode(&f, 0, out, size, back, n, s, "/y"), CREDAL_OK);
      ck_assert(n == 0 || memcmp(in, back, n) == 0);
      if (n > 8 && c.kind != CREDAL_CODEC_NONE) /* one byte short of its size: refused */
        ck_assert_int_eq(credal__chunk_decode(&f, 0, out, size, back, n - 1, s, "/y"),
                         CREDAL_EDATA);
      free(in), free(out), free(back);
    }
  }
  credal__codec_scratch_free(s);
}
END_TEST

START_TEST(test_bombs_and_garbage) {
  credal__codec_scratch *s = credal__codec_scratch_new();
  const size_t chunk = 4096, big = (size_t)16 << 20;
  unsigned char *zeros = calloc(big, 1), *packed = malloc(big), *out = malloc(chunk);
  /* deflate: 16 MiB of zeros in a 4 KiB chunk */
  uLongf n = big;
  ck_assert_int_eq(compress2(packed, &n, zeros, big, 9), Z_OK);
  credal__filters f = {1, {{H5Z_FILTER_DEFLATE, 0, 1, {9}}}};
  ck_assert_int_eq(credal__chunk_decode(&f, 0, packed, n, out, chunk, s, "/b"), CREDAL_EDATA);
  ck_assert_ptr_nonnull(strstr(credal_last_error(), "compression bomb"));
  /* LZ4: a header claiming 1 TiB */
  unsigned char lz4[16] = {0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 1};
  f.filter[0].id = CREDAL_FILTER_LZ4;
  ck_assert_int_eq(credal__chunk_decode(&f, 0, lz4, sizeof lz4, out, chunk, s, "/b"), CREDAL_EDATA);
  /* garbage for every codec, and a mask that skips everything on a short chunk */
  static const int ids[] = {H5Z_FILTER_DEFLATE, CREDAL_FILTER_LZ4, CREDAL_FILTER_ZSTD,
                            CREDAL_FILTER_BLOSC, H5Z_FILTER_FLETCHER32};
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
    f.filter[0].id = ids[i];
    memset(packed, 0xA5, 100);
    ck_assert_int_eq(credal__chunk_decode(&f, 0, packed, 100, out, chunk, s, "/b"), CREDAL_EDATA);
    ck_assert_int_eq(credal__chunk_decode(&f, 1, packed, 100, out, chunk, s, "/b"), CREDAL_EDATA);
  }
  f.filter[0].id = 12345; /* never decoded: refused, not guessed */
  ck_assert_int_ne(credal__chunk_decode(&f, 0, packed, 100, out, chunk, s, "/b"), CREDAL_OK);
  credal__codec_scratch_free(s);
  free(zeros), free(packed), free(out);
}
END_TEST

static void count_task(void *ctx, int64_t i, int worker) {
  int *hits = ctx;
  ck_assert_int_lt(worker, 3);
  __atomic_add_fetch(&hits[i], 1, __ATOMIC_RELAXED);
}

START_TEST(test_pool_runs_every_task_once) {
  credal__pool *pool = NULL;
  ck_assert_int_eq(credal__pool_create(3, &pool), CREDAL_OK);
  ck_assert_int_eq(credal__pool_threads(pool), 3);
  for (int n = 0; n < 300; n += 37) {
    int *hits = calloc((size_t)n + 1, sizeof *hits);
    credal__pool_run(pool, n, n % 2 ? 2 : 0, count_task, hits);
    for (int i = 0; i < n; i++) ck_assert_int_eq(hits[i], 1);
    free(hits);
  }
  credal__pool_destroy(pool);
  credal__pool_destroy(NULL);
}
END_TEST

/* Rows written in ragged pieces, with flushes in the middle, read back through HDF5. */
START_TEST(test_chunk_writer_rows) {
  static const char *codecs[] = {"gzip:1", "zstd:3", "lz4", "none"};
  credal__codec c;
  ck_assert_int_eq(credal__codec_parse(codecs[_i % 4], &c), 0);
  const int64_t rows = 1000, width = _i < 4 ? 37 : 1, chunk[2] = {64, width > 1 ? 16 : 1};
  hid_t f = memory_file();
  const hsize_t dims[2] = {(hsize_t)rows, (hsize_t)width},
                cdims[2] = {(hsize_t)chunk[0], (hsize_t)chunk[1]};
  const int rank = width > 1 ? 2 : 1;
  hid_t space = H5Screate_simple(rank, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, rank, cdims);
  ck_assert_int_eq(credal__codec_set_filters(&c, dcpl), CREDAL_OK);
  hid_t d = H5Dcreate2(f, "r", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  credal__pool *pool = NULL;
  credal__encoders *enc = NULL;
  ck_assert_int_eq(credal__pool_create(2, &pool), CREDAL_OK);
  ck_assert_int_eq(credal__encoders_create(2, &enc), CREDAL_OK);
  credal__chunk_writer *w = NULL;
  ck_assert_int_eq(
      credal__chunk_writer_open(d, "/r", rows, width, CREDAL_STORED_F64, chunk, &c, 3, enc, &w),
      CREDAL_OK);
  double *x = malloc((size_t)(rows * width) * 8), *back = malloc((size_t)(rows * width) * 8);
  fill(x, rows * width, 7 + (uint64_t)_i);
  test_rng rng = {99};
  for (int64_t h = 0; h < rows;) {
    const int64_t draw = 1 + test_below(&rng, 150), n = draw < rows - h ? draw : rows - h;
    ck_assert_int_eq(credal__chunk_writer_put(w, h, n, x + h * width, CREDAL_SOURCE_F64, pool),
                     CREDAL_OK);
    h += n;
    if (test_below(&rng, 4) == 0) /* as an interrupted run does; the band reloads after */
      ck_assert_int_eq(credal__chunk_writer_flush(w, pool), CREDAL_OK);
  }
  ck_assert_int_eq(credal__chunk_writer_flush(w, pool), CREDAL_OK);
  ck_assert_int_ge(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, back), 0);
  ck_assert(memcmp(x, back, (size_t)(rows * width) * 8) == 0);
  credal__chunk_writer_close(w);
  credal__encoders_free(enc);
  credal__pool_destroy(pool);
  free(x), free(back);
  H5Pclose(dcpl), H5Sclose(space), H5Dclose(d), H5Fclose(f);
}
END_TEST

static Suite *codec_suite(void) {
  Suite *s = suite_create("codec");
  TCase *tc = tcase_create("codec");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_decodes_what_hdf5_wrote, 0, 40);
  tcase_add_loop_test(tc, test_encoders_round_trip, 0, 8);
  tcase_add_test(tc, test_bombs_and_garbage);
  tcase_add_test(tc, test_pool_runs_every_task_once);
  tcase_add_loop_test(tc, test_chunk_writer_rows, 0, 8);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return test_run(codec_suite());
}
