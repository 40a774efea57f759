/* Chunked reads decoded on the pool; see chunk_read.h. */
#include "chunk_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec.h"
#include "h5util.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the chunk reader converts little-endian floats in place; port it for this host"
#endif

/* Stored bytes gathered before each parallel decode: bounds the extra memory of a read. */
#define STAGE_BYTES ((size_t)32 << 20)
/* Chunk buffers held at once (three per thread): threads are capped to fit. */
#define DECODE_BYTES ((size_t)256 << 20)

typedef struct {
  credal__codec_scratch *codec;
  unsigned char *chunk; /* one decoded chunk */
  unsigned char *raw;   /* one stored chunk (pread) */
  size_t raw_cap;
} worker_state;

struct credal__chunk_reader {
  hid_t dset;
  const char *name;
  int fd;        /* < 0: stored bytes through H5Dread_chunk */
  uint64_t base; /* file offset of HDF5 address 0 */
  int rank;
  int64_t dims[2], chunk[2]; /* rank 1: dims[1] = chunk[1] = 1 */
  size_t elem;               /* 8, 4 (float64, float32) or 1 (belief focal sets: 8-bit ints) */
  int is_signed;             /* 8-bit: int8 rather than uint8 */
  size_t chunk_bytes;
  credal__filters filters;
  unsigned char *stage; /* STAGE_BYTES or one chunk's stored size, whichever is larger */
  size_t stage_cap;
  worker_state *workers;
  int nworkers;
};

credal_status credal__chunk_reader_open(hid_t dset, const char *name, int fd, uint64_t base,
                                        credal__chunk_reader **out) {
  credal_status st = CREDAL_OK;
  hid_t dcpl = H5Dget_create_plist(dset), type = H5Dget_type(dset), space = H5Dget_space(dset);
  hsize_t dims[2] = {0, 0}, chunk[2] = {1, 1};
  int decodable = 0;
  credal__filters filters;
  *out = NULL;
  if (dcpl < 0 || type < 0 || space < 0) {
    st = credal__h5_fail(CREDAL_EDATA, name, "reading the storage layout");
    goto cleanup;
  }
  const int rank = H5Sget_simple_extent_ndims(space);
  const int f64 = H5Tequal(type, H5T_IEEE_F64LE) > 0, f32 = H5Tequal(type, H5T_IEEE_F32LE) > 0;
  const int u8 = H5Tequal(type, H5T_STD_U8LE) > 0, i8 = H5Tequal(type, H5T_STD_I8LE) > 0;
  if (H5Pget_layout(dcpl) != H5D_CHUNKED || (rank != 1 && rank != 2) || !(f64 || f32 || u8 || i8) ||
      H5Pget_chunk(dcpl, rank, chunk) != rank ||
      H5Sget_simple_extent_dims(space, dims, NULL) != rank)
    goto cleanup; /* HDF5 reads it */
  if ((st = credal__filters_read(dcpl, name, &filters, &decodable)) || !decodable) goto cleanup;
  credal__chunk_reader *r = calloc(1, sizeof *r);
  if (!r) {
    st = credal__fail(CREDAL_ENOMEM, "%s: out of memory", name);
    goto cleanup;
  }
  r->dset = dset, r->name = name, r->rank = rank, r->fd = fd, r->base = base;
  r->elem = f64 ? 8 : f32 ? 4 : 1;
  r->is_signed = i8;
  r->filters = filters;
  for (int i = 0; i < 2; i++) {
    r->dims[i] = i < rank ? (int64_t)dims[i] : 1;
    r->chunk[i] = i < rank ? (int64_t)chunk[i] : 1;
  }
  r->chunk_bytes = (size_t)r->chunk[0] * (size_t)r->chunk[1] * r->elem; /* <= 64 MiB: h5util */
  *out = r;
cleanup:
  H5Eclear2(H5E_DEFAULT);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (type >= 0) H5Tclose(type);
  if (space >= 0) H5Sclose(space);
  return st;
}

void credal__chunk_reader_close(credal__chunk_reader *r) {
  if (!r) return;
  for (int i = 0; i < r->nworkers; i++) {
    credal__codec_scratch_free(r->workers[i].codec);
    free(r->workers[i].chunk);
    free(r->workers[i].raw);
  }
  free(r->workers);
  free(r->stage);
  free(r);
}

static credal_status ensure_workers(credal__chunk_reader *r, int n) {
  if (n <= r->nworkers) return CREDAL_OK;
  worker_state *w = realloc(r->workers, (size_t)n * sizeof *w);
  if (!w) return credal__fail(CREDAL_ENOMEM, "%s: out of memory for the decoders", r->name);
  r->workers = w;
  for (; r->nworkers < n; r->nworkers++) {
    worker_state *ws = &r->workers[r->nworkers];
    ws->codec = credal__codec_scratch_new();
    ws->chunk = malloc(r->chunk_bytes);
    ws->raw = NULL, ws->raw_cap = 0;
    if (!ws->codec || !ws->chunk) {
      credal__codec_scratch_free(ws->codec);
      free(ws->chunk);
      return credal__fail(CREDAL_ENOMEM, "%s: out of memory for the decoders", r->name);
    }
  }
  return CREDAL_OK;
}

/* One stored chunk waiting for its decode. */
typedef struct {
  int64_t band, column; /* chunk coordinates in chunks */
  size_t at, size;      /* its stored bytes: at this offset in the stage (in-memory images) */
  uint64_t address;     /* or at this HDF5 address in the file (pread) */
  unsigned mask;
  credal_status status;
  char message[CREDAL_MSG_MAX];
} pending;

typedef struct {
  credal__chunk_reader *r;
  pending *chunks;
  int64_t k0, rows;
  double *out;
  int every, at;
} batch;

/* Rows of decoded chunk c that fall in [k0, k0+rows), converted into out. */
static void scatter(const batch *b, const pending *c, const unsigned char *chunk) {
  const credal__chunk_reader *r = b->r;
  const int64_t row0 = c->band * r->chunk[0], col0 = c->column * r->chunk[1];
  const int64_t first = row0 > b->k0 ? row0 : b->k0;
  const int64_t last = row0 + r->chunk[0] < b->k0 + b->rows ? row0 + r->chunk[0] : b->k0 + b->rows;
  const int64_t cols = col0 + r->chunk[1] < r->dims[1] ? r->chunk[1] : r->dims[1] - col0;
  for (int64_t row = first; row < last; row++) {
    const unsigned char *src = chunk + (size_t)((row - row0) * r->chunk[1]) * r->elem;
    double *dst = b->out + ((row - b->k0) * b->every + b->at) * r->dims[1] + col0;
    if (r->elem == 8) {
      memcpy(dst, src, (size_t)cols * 8);
    } else if (r->elem == 4) {
      const float *f = (const float *)(const void *)src;
      for (int64_t j = 0; j < cols; j++) dst[j] = (double)f[j];
    } else {
      for (int64_t j = 0; j < cols; j++)
        dst[j] = r->is_signed ? (double)(signed char)src[j] : (double)src[j];
    }
  }
}

/* The stored bytes of chunk c into the worker's buffer, from the file itself. */
static credal_status pread_chunk(const credal__chunk_reader *r, const pending *c, worker_state *ws,
                                 const char *where) {
  if (ws->raw_cap < c->size) {
    free(ws->raw);
    ws->raw_cap = 0;
    if (!(ws->raw = malloc(c->size)))
      return credal__fail(CREDAL_ENOMEM, "%s: out of memory", where);
    ws->raw_cap = c->size;
  }
  for (size_t got = 0; got < c->size;) {
    const ssize_t n =
        pread(r->fd, ws->raw + got, c->size - got, (off_t)(r->base + c->address + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return credal__fail(CREDAL_EIO, "%s: reading %zu stored bytes: %s", where, c->size,
                          strerror(errno));
    if (n == 0)
      return credal__fail(CREDAL_EDATA, "%s: the file ends inside the chunk (truncated)", where);
    got += (size_t)n;
  }
  return CREDAL_OK;
}

static void decode_task(void *ctx, int64_t i, int worker) {
  batch *b = ctx;
  credal__chunk_reader *r = b->r;
  pending *c = &b->chunks[i];
  char where[160];
  if (r->rank == 2)
    snprintf(where, sizeof where, "%s: chunk at row %lld, column %lld", r->name,
             (long long)(c->band * r->chunk[0]), (long long)(c->column * r->chunk[1]));
  else
    snprintf(where, sizeof where, "%s: chunk at element %lld", r->name,
             (long long)(c->band * r->chunk[0]));
  worker_state *ws = &r->workers[worker];
  const unsigned char *stored = r->stage + c->at;
  if (r->fd >= 0 && (c->status = pread_chunk(r, c, ws, where))) {
    snprintf(c->message, sizeof c->message, "%s", credal_last_error());
    return;
  }
  if (r->fd >= 0) stored = ws->raw;
  /* a float64 chunk of whole rows inside the range decodes straight into its rows */
  const int64_t row0 = c->band * r->chunk[0];
  const int direct = r->elem == 8 && b->every == 1 && r->chunk[1] == r->dims[1] && row0 >= b->k0 &&
                     row0 + r->chunk[0] <= b->k0 + b->rows;
  unsigned char *into =
      direct ? (unsigned char *)(b->out + (row0 - b->k0) * r->dims[1]) : ws->chunk;
  c->status = credal__chunk_decode(&r->filters, c->mask, stored, c->size, into, r->chunk_bytes,
                                   ws->codec, where);
  if (c->status)
    snprintf(c->message, sizeof c->message, "%s", credal_last_error());
  else if (!direct)
    scatter(b, c, ws->chunk);
}

/* Where every chunk of the list is stored (address, size, filter mask); *fallback when one
 * was never written. */
static credal_status locate_chunks(credal__chunk_reader *r, pending *list, int64_t n,
                                   int *fallback) {
  for (int64_t i = 0; i < n; i++) {
    pending *c = &list[i];
    const hsize_t offset[2] = {(hsize_t)(c->band * r->chunk[0]),
                               (hsize_t)(c->column * r->chunk[1])};
    unsigned mask = 0;
    haddr_t address = HADDR_UNDEF;
    hsize_t bytes = 0;
    if (H5Dget_chunk_info_by_coord(r->dset, offset, &mask, &address, &bytes) < 0) {
      char what[96];
      snprintf(what, sizeof what, "locating the chunk at row %llu", (unsigned long long)offset[0]);
      return credal__h5_fail(CREDAL_EDATA, r->name, what);
    }
    if (address == HADDR_UNDEF || bytes == 0) {
      *fallback = 1;
      return CREDAL_OK;
    }
    if (bytes > (hsize_t)CREDAL_H5_MAX_CHUNK_BYTES * 2)
      return credal__fail(CREDAL_EDATA,
                          "%s: a chunk stored in %llu bytes, more than any of its "
                          "%zu-byte chunks needs",
                          r->name, (unsigned long long)bytes, r->chunk_bytes);
    c->address = (uint64_t)address, c->size = (size_t)bytes, c->mask = mask;
  }
  return CREDAL_OK;
}

/* Reads the stored bytes of located chunks [from, to) of the list into the stage, as many as
 * fit (at least one); *staged is where the next batch starts. */
static credal_status stage_chunks(credal__chunk_reader *r, pending *list, int64_t from, int64_t to,
                                  int64_t *staged) {
  size_t used = 0;
  int64_t i = from;
  for (; i < to; i++) {
    pending *c = &list[i];
    if (i > from && used + c->size > STAGE_BYTES) break; /* the next batch */
    if (used + c->size > r->stage_cap) {
      const size_t cap = used + c->size > STAGE_BYTES ? used + c->size : STAGE_BYTES;
      unsigned char *grown = realloc(r->stage, cap);
      if (!grown)
        return credal__fail(CREDAL_ENOMEM, "%s: out of memory for stored chunks", r->name);
      r->stage = grown, r->stage_cap = cap;
    }
    const hsize_t offset[2] = {(hsize_t)(c->band * r->chunk[0]),
                               (hsize_t)(c->column * r->chunk[1])};
    uint32_t mask = 0;
    if (H5Dread_chunk(r->dset, H5P_DEFAULT, offset, &mask, r->stage + used) < 0) {
      char what[96];
      snprintf(what, sizeof what, "reading the chunk at row %llu", (unsigned long long)offset[0]);
      return credal__h5_fail(CREDAL_EIO, r->name, what);
    }
    c->at = used, c->mask = mask;
    used += c->size;
  }
  *staged = i;
  return CREDAL_OK;
}

/* Decodes chunks [from, to) of b's list on the pool; the first failure in chunk order. */
static credal_status decode_chunks(batch *b, pending *list, int64_t from, int64_t to,
                                   credal__pool *pool, int threads) {
  b->chunks = list + from;
  credal__pool_run(pool, to - from, threads, decode_task, b);
  for (int64_t i = from; i < to; i++)
    if (list[i].status) return credal__fail(list[i].status, "%s", list[i].message);
  return CREDAL_OK;
}

credal_status credal__chunk_reader_rows(credal__chunk_reader *r, int64_t k0, int64_t rows,
                                        double *out, int every, int at, credal__pool *pool,
                                        int *fallback) {
  *fallback = 0;
  if (rows <= 0) return CREDAL_OK;
  if (k0 < 0 || k0 + rows > r->dims[0])
    return credal__fail(CREDAL_EINTERNAL, "%s: rows %lld..%lld requested, %lld exist", r->name,
                        (long long)k0, (long long)(k0 + rows), (long long)r->dims[0]);
  const int64_t band0 = k0 / r->chunk[0], band1 = (k0 + rows - 1) / r->chunk[0];
  const int64_t columns = (r->dims[1] + r->chunk[1] - 1) / r->chunk[1];
  const int64_t n = (band1 - band0 + 1) * columns;
  /* each thread holds a stored chunk, a decoded one and a codec's scratch: large chunks use
   * fewer threads */
  int threads = credal__pool_threads(pool);
  const size_t per_thread = 3 * r->chunk_bytes + 1;
  if ((size_t)threads * per_thread > DECODE_BYTES)
    threads = DECODE_BYTES / per_thread > 1 ? (int)(DECODE_BYTES / per_thread) : 1;
  credal_status st = ensure_workers(r, threads);
  pending *list = calloc((size_t)n, sizeof *list);
  if (!st && !list) st = credal__fail(CREDAL_ENOMEM, "%s: out of memory", r->name);
  for (int64_t i = 0; i < n && !st; i++)
    list[i].band = band0 + i / columns, list[i].column = i % columns;
  batch b = {r, list, k0, rows, out, every, at};
  if (!st) st = locate_chunks(r, list, n, fallback);
  if (!st && !*fallback && r->fd >= 0) /* the pool's threads read and decode every chunk */
    st = decode_chunks(&b, list, 0, n, pool, threads);
  /* an in-memory image: its chunks' bytes come through HDF5, a batch at a time */
  for (int64_t from = 0, to = 0; !st && !*fallback && r->fd < 0 && from < n; from = to)
    if (!(st = stage_chunks(r, list, from, n, &to)))
      st = decode_chunks(&b, list, from, to, pool, threads);
  free(list);
  return st;
}
