/* Parallel chunk encoding for the output; see chunk_write.h. */
#include "chunk_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"

typedef struct {
  credal__codec_scratch *codec;
  unsigned char *gather; /* one chunk, gathered from the band's rows (wide datasets only) */
  size_t gather_cap;
} worker_state;

struct credal__encoders {
  int threads;
  worker_state *workers;
};

credal_status credal__encoders_create(int threads, credal__encoders **out) {
  credal__encoders *e = calloc(1, sizeof *e);
  *out = NULL;
  if (threads < 1) threads = 1;
  if (e) e->workers = calloc((size_t)threads, sizeof *e->workers);
  if (!e || !e->workers) {
    free(e);
    return credal__fail(CREDAL_ENOMEM, "out of memory for the output encoders");
  }
  e->threads = threads;
  for (int i = 0; i < threads; i++)
    if (!(e->workers[i].codec = credal__codec_scratch_new())) {
      credal__encoders_free(e);
      return CREDAL_ENOMEM;
    }
  *out = e;
  return CREDAL_OK;
}

void credal__encoders_free(credal__encoders *e) {
  if (!e) return;
  for (int i = 0; i < e->threads; i++) {
    credal__codec_scratch_free(e->workers[i].codec);
    free(e->workers[i].gather);
  }
  free(e->workers);
  free(e);
}

uint64_t credal__encoders_bytes_per_thread(const int64_t chunk[2], size_t elem) {
  /* the shuffled copy, a gathered chunk, a compressor's state */
  return 2 * (uint64_t)chunk[0] * (uint64_t)chunk[1] * elem + ((uint64_t)1 << 20);
}

struct credal__chunk_writer {
  hid_t dset;
  const char *name;
  int64_t rows, width, chunk[2];
  credal__stored_type type;
  size_t elem, chunk_bytes, bound;
  credal__codec codec;
  int64_t group_rows;     /* rows the buffer holds: group * chunk[0] */
  int64_t first;          /* the buffer's first row (a multiple of chunk[0]) */
  int64_t filled;         /* rows of the buffer holding values, from first on */
  int64_t columns;        /* column chunks per band */
  int as_is;              /* unfiltered and one chunk wide: each band is its chunk already */
  unsigned char *rowbuf;  /* (group_rows, width) in the stored type */
  unsigned char *encoded; /* one bound per chunk of the group */
  size_t *sizes;          /* encoded size per chunk */
  credal_status *status;
  credal__encoders *encoders;
};

static size_t stored_size(credal__stored_type t) {
  return t == CREDAL_STORED_F64 || t == CREDAL_STORED_I64 ? 8 : t == CREDAL_STORED_U8 ? 1 : 4;
}

static size_t source_size(credal__source_type t) {
  return t == CREDAL_SOURCE_F64 || t == CREDAL_SOURCE_I64 ? 8 : t == CREDAL_SOURCE_U8 ? 1 : 4;
}

uint64_t credal__chunk_writer_bytes(int64_t width, const int64_t chunk[2], size_t elem, int group) {
  const uint64_t columns = (uint64_t)((width + chunk[1] - 1) / chunk[1]);
  const uint64_t chunk_bytes = (uint64_t)chunk[0] * (uint64_t)chunk[1] * elem;
  /* the rows and their encoded chunks (about as large, at worst) */
  return (uint64_t)group * (uint64_t)chunk[0] * (uint64_t)width * elem +
         (uint64_t)group * columns * (chunk_bytes + chunk_bytes / 8 + 1024);
}

credal_status credal__chunk_writer_open(hid_t dset, const char *name, int64_t rows, int64_t width,
                                        credal__stored_type type, const int64_t chunk[2],
                                        const credal__codec *codec, int group,
                                        credal__encoders *encoders, credal__chunk_writer **out) {
  credal__chunk_writer *w = calloc(1, sizeof *w);
  *out = NULL;
  if (!w) return credal__fail(CREDAL_ENOMEM, "%s: out of memory", name);
  if (group < 1) group = 1;
  w->dset = dset, w->name = name, w->rows = rows, w->width = width, w->type = type;
  w->chunk[0] = chunk[0], w->chunk[1] = chunk[1];
  w->elem = stored_size(type);
  w->chunk_bytes = (size_t)chunk[0] * (size_t)chunk[1] * w->elem;
  w->bound = credal__chunk_encode_bound(codec, w->chunk_bytes);
  w->codec = *codec;
  w->encoders = encoders;
  w->group_rows = (int64_t)group * chunk[0];
  w->columns = (width + chunk[1] - 1) / chunk[1];
  const size_t chunks = (size_t)group * (size_t)w->columns;
  w->as_is = codec->kind == CREDAL_CODEC_NONE && w->columns == 1;
  w->rowbuf = calloc((size_t)w->group_rows * (size_t)width, w->elem);
  w->encoded = w->as_is ? NULL : malloc(chunks * w->bound);
  w->sizes = calloc(chunks, sizeof *w->sizes);
  w->status = calloc(chunks, sizeof *w->status);
  if (!w->rowbuf || (!w->as_is && !w->encoded) || !w->sizes || !w->status) {
    credal__chunk_writer_close(w);
    return credal__fail(CREDAL_ENOMEM, "%s: out of memory for the output chunks", name);
  }
  w->first = -1;
  *out = w;
  return CREDAL_OK;
}

void credal__chunk_writer_close(credal__chunk_writer *w) {
  if (!w) return;
  free(w->rowbuf);
  free(w->encoded);
  free(w->sizes);
  free(w->status);
  free(w);
}

/* Task i: chunk (band i / columns, column i % columns) of the buffer, gathered and encoded. */
static void encode_task(void *ctx, int64_t i, int worker) {
  credal__chunk_writer *w = ctx;
  worker_state *s = &w->encoders->workers[worker];
  const int64_t band = i / w->columns, col0 = (i % w->columns) * w->chunk[1];
  const int64_t cols = col0 + w->chunk[1] <= w->width ? w->chunk[1] : w->width - col0;
  const size_t row_bytes = (size_t)w->width * w->elem, part = (size_t)cols * w->elem;
  const unsigned char *src =
      w->rowbuf + (size_t)(band * w->chunk[0]) * row_bytes + (size_t)col0 * w->elem;
  const unsigned char *chunk = src;
  if (w->columns > 1) { /* gather the column block; the edge block is padded with zeros */
    if (s->gather_cap < w->chunk_bytes) {
      free(s->gather);
      s->gather_cap = 0;
      if (!(s->gather = malloc(w->chunk_bytes))) {
        w->status[i] = credal__fail(CREDAL_ENOMEM, "%s: out of memory", w->name);
        return;
      }
      s->gather_cap = w->chunk_bytes;
    }
    memset(s->gather, 0, w->chunk_bytes);
    for (int64_t r = 0; r < w->chunk[0]; r++)
      memcpy(s->gather + (size_t)r * (size_t)w->chunk[1] * w->elem, src + (size_t)r * row_bytes,
             part);
    chunk = s->gather;
  }
  w->status[i] = credal__chunk_encode(&w->codec, w->elem, chunk, w->chunk_bytes,
                                      w->encoded + (size_t)i * w->bound, &w->sizes[i], s->codec);
}

/* Encodes and writes the bands of the buffer that hold rows, then empties it. */
static credal_status write_buffer(credal__chunk_writer *w, credal__pool *pool) {
  if (w->first < 0 || w->filled == 0) return CREDAL_OK;
  const int64_t bands = (w->filled + w->chunk[0] - 1) / w->chunk[0], n = bands * w->columns;
  const int as_is = w->as_is; /* written straight from the rows */
  if (!as_is) credal__pool_run(pool, n, w->encoders->threads, encode_task, w);
  for (int64_t i = 0; i < n; i++) {
    if (!as_is && w->status[i]) return credal__fail_context(w->status[i], "%s: encoding", w->name);
    const hsize_t offset[2] = {(hsize_t)(w->first + (i / w->columns) * w->chunk[0]),
                               (hsize_t)((i % w->columns) * w->chunk[1])};
    const void *bytes =
        as_is ? w->rowbuf + (size_t)i * w->chunk_bytes : w->encoded + (size_t)i * w->bound;
    if (H5Dwrite_chunk(w->dset, H5P_DEFAULT, 0, offset, as_is ? w->chunk_bytes : w->sizes[i],
                       bytes) < 0) {
      char what[96];
      snprintf(what, sizeof what, "writing the chunk at row %llu", (unsigned long long)offset[0]);
      return credal__h5_fail(CREDAL_EIO, w->name, what);
    }
  }
  return CREDAL_OK;
}

static hid_t native(credal__stored_type t) {
  switch (t) {
    case CREDAL_STORED_F64:
      return H5T_NATIVE_DOUBLE;
    case CREDAL_STORED_F32:
      return H5T_NATIVE_FLOAT;
    case CREDAL_STORED_I32:
      return H5T_NATIVE_INT32;
    case CREDAL_STORED_I64:
      return H5T_NATIVE_INT64;
    default:
      return H5T_NATIVE_UINT8;
  }
}

/* Starts the buffer at the band of row h: the band's rows before h come back from the file. */
static credal_status start_buffer(credal__chunk_writer *w, int64_t h) {
  w->first = h / w->chunk[0] * w->chunk[0];
  w->filled = h - w->first;
  memset(w->rowbuf, 0, (size_t)w->group_rows * (size_t)w->width * w->elem);
  if (w->filled == 0) return CREDAL_OK;
  const int rank = w->chunk[1] == 1 && w->width == 1 ? 1 : 2;
  const hsize_t start[2] = {(hsize_t)w->first, 0},
                count[2] = {(hsize_t)w->filled, (hsize_t)w->width};
  credal_status st =
      credal__h5_read_block(w->dset, w->name, rank, start, count, native(w->type), w->rowbuf);
  return st ? credal__fail_context(st, "reloading rows written before") : CREDAL_OK;
}

/* n values of the source type into the stored type. */
static void convert_rows(const credal__chunk_writer *w, unsigned char *dst, const void *src,
                         credal__source_type source, int64_t n) {
  const int same = (w->type == CREDAL_STORED_F64 && source == CREDAL_SOURCE_F64) ||
                   (w->type == CREDAL_STORED_F32 && source == CREDAL_SOURCE_F32) ||
                   (w->type == CREDAL_STORED_I32 && source == CREDAL_SOURCE_I32) ||
                   (w->type == CREDAL_STORED_I64 && source == CREDAL_SOURCE_I64) ||
                   (w->type == CREDAL_STORED_U8 && source == CREDAL_SOURCE_U8);
  if (same) {
    memcpy(dst, src, (size_t)n * w->elem); /* stored as given */
    return;
  }
  for (int64_t i = 0; i < n; i++) {
    double v;
    switch (source) {
      case CREDAL_SOURCE_F64:
        v = ((const double *)src)[i];
        break;
      case CREDAL_SOURCE_F32:
        v = ((const float *)src)[i];
        break;
      case CREDAL_SOURCE_I32:
        v = ((const int32_t *)src)[i];
        break;
      case CREDAL_SOURCE_U8:
        v = ((const unsigned char *)src)[i];
        break;
      default:
        v = (double)((const int64_t *)src)[i];
        break;
    }
    switch (w->type) {
      case CREDAL_STORED_F64:
        ((double *)(void *)dst)[i] = v;
        break;
      case CREDAL_STORED_F32:
        ((float *)(void *)dst)[i] = (float)v;
        break;
      case CREDAL_STORED_I32:
        ((int32_t *)(void *)dst)[i] = (int32_t)v;
        break;
      case CREDAL_STORED_I64:
        ((int64_t *)(void *)dst)[i] = (int64_t)v;
        break;
      case CREDAL_STORED_U8:
        dst[i] = (unsigned char)v;
        break;
    }
  }
}

credal_status credal__chunk_writer_put(credal__chunk_writer *w, int64_t h0, int64_t count,
                                       const void *rows, credal__source_type source,
                                       credal__pool *pool) {
  credal_status st = CREDAL_OK;
  const size_t src_row = (size_t)w->width * source_size(source);
  const unsigned char *src = rows;
  if (h0 < 0 || count < 0 || h0 + count > w->rows)
    return credal__fail(CREDAL_EINTERNAL, "%s: rows %lld..%lld of %lld", w->name, (long long)h0,
                        (long long)(h0 + count), (long long)w->rows);
  while (count > 0) {
    if (w->first >= 0 && h0 != w->first + w->filled && (st = credal__chunk_writer_flush(w, pool)))
      return st;
    if (w->first < 0 && (st = start_buffer(w, h0))) return st;
    const int64_t end = w->first + w->group_rows < w->rows ? w->first + w->group_rows : w->rows;
    const int64_t n = end - h0 < count ? end - h0 : count;
    convert_rows(w, w->rowbuf + (size_t)w->filled * (size_t)w->width * w->elem, src, source,
                 n * w->width);
    w->filled += n, h0 += n, count -= n, src += (size_t)n * src_row;
    if (w->first + w->filled == end && (st = credal__chunk_writer_flush(w, pool))) return st;
  }
  return CREDAL_OK;
}

credal_status credal__chunk_writer_flush(credal__chunk_writer *w, credal__pool *pool) {
  const credal_status st = write_buffer(w, pool);
  w->first = -1, w->filled = 0;
  return st;
}
