/* Chunk codecs outside HDF5; see codec.h. Byte formats follow the filters' own definitions:
 * HDF5's shuffle and fletcher32 (H5Zshuffle.c, H5Zfletcher32.c), zlib streams for deflate,
 * HDF5's LZ4 filter (a big-endian header of the original size and the block size, then per
 * block a big-endian compressed size and the block, stored raw when LZ4 did not shrink it),
 * one Zstd frame per chunk, and one Blosc buffer per chunk. */
#include "codec.h"

#include <blosc.h>
#include <emmintrin.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <lz4.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "h5util.h"

struct credal__codec_scratch {
  struct libdeflate_decompressor *inflate;
  struct libdeflate_compressor *deflate;
  int deflate_level;
  ZSTD_DCtx *zstd_d;
  ZSTD_CCtx *zstd_c;
  unsigned char *isal_level_buf; /* ISA-L's working memory for levels 1..3 */
  unsigned char *bits;           /* Bitshuffle: a decompressed block and its byte rows */
  size_t bits_cap;
  unsigned char *buf; /* intermediate stages of a pipeline */
  size_t buf_cap;
};

credal__codec_scratch *credal__codec_scratch_new(void) {
  credal__codec_scratch *s = calloc(1, sizeof *s);
  if (!s) credal__fail(CREDAL_ENOMEM, "out of memory for a codec's state");
  return s;
}

void credal__codec_scratch_free(credal__codec_scratch *s) {
  if (!s) return;
  if (s->inflate) libdeflate_free_decompressor(s->inflate);
  if (s->deflate) libdeflate_free_compressor(s->deflate);
  ZSTD_freeDCtx(s->zstd_d);
  ZSTD_freeCCtx(s->zstd_c);
  free(s->isal_level_buf);
  free(s->bits);
  free(s->buf);
  free(s);
}

static unsigned char *scratch_buf(credal__codec_scratch *s, size_t bytes) {
  if (s->buf_cap < bytes) {
    free(s->buf);
    s->buf_cap = 0;
    if (!(s->buf = malloc(bytes))) return NULL;
    s->buf_cap = bytes;
  }
  return s->buf;
}

/* ---- the pipeline ---- */

static int decodable(int id) {
  return id == H5Z_FILTER_SHUFFLE || id == H5Z_FILTER_DEFLATE || id == H5Z_FILTER_FLETCHER32 ||
         id == CREDAL_FILTER_LZ4 || id == CREDAL_FILTER_ZSTD || id == CREDAL_FILTER_BLOSC ||
         id == CREDAL_FILTER_BITSHUFFLE;
}

credal_status credal__filters_read(hid_t dcpl, const char *name, credal__filters *out, int *ok) {
  memset(out, 0, sizeof *out);
  *ok = 1;
  const int n = H5Pget_nfilters(dcpl);
  if (n < 0) return credal__h5_fail(CREDAL_EDATA, name, "reading the filter pipeline");
  if (n > CREDAL_FILTERS_MAX)
    return credal__fail(CREDAL_EDATA, "%s: %d filters in its pipeline, more than %d", name, n,
                        CREDAL_FILTERS_MAX);
  for (int i = 0; i < n; i++) {
    unsigned config = 0;
    size_t nvalues = CREDAL_FILTER_VALUES_MAX;
    const H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &out->filter[i].flags, &nvalues,
                                           out->filter[i].values, 0, NULL, &config);
    if (id < 0) return credal__h5_fail(CREDAL_EDATA, name, "reading the filter pipeline");
    out->filter[i].id = (int)id;
    out->filter[i].nvalues =
        nvalues < CREDAL_FILTER_VALUES_MAX ? nvalues : CREDAL_FILTER_VALUES_MAX;
    *ok &= decodable((int)id);
  }
  out->count = n;
  return CREDAL_OK;
}

/* ---- one stage each ---- */

static uint32_t load_be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t load_be64(const unsigned char *p) {
  return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}
static void store_be32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}
static void store_be64(unsigned char *p, uint64_t v) {
  store_be32(p, (uint32_t)(v >> 32));
  store_be32(p + 4, (uint32_t)v);
}

/* 16 elements of 8 bytes from the 8 byte planes p[0..7] (at offset i) into out: a transpose
 * of 8 x 16 bytes in three rounds of SSE2 unpacks. */
static void unshuffle16_8(const unsigned char *const p[8], size_t i, unsigned char *out) {
  __m128i a[8], b[8], c[8];
  for (int j = 0; j < 8; j++) a[j] = _mm_loadu_si128((const __m128i *)(const void *)(p[j] + i));
  for (int j = 0; j < 8; j += 2) {
    b[j] = _mm_unpacklo_epi8(a[j], a[j + 1]);     /* elements 0-7, planes j, j+1 */
    b[j + 1] = _mm_unpackhi_epi8(a[j], a[j + 1]); /* elements 8-15 */
  }
  for (int h = 0; h < 2; h++) { /* h = 0: planes 0-3, 1: planes 4-7 */
    const __m128i *lo = &b[4 * h], *hi = &b[4 * h + 2];
    c[4 * h + 0] = _mm_unpacklo_epi16(lo[0], hi[0]); /* elements 0-3 */
    c[4 * h + 1] = _mm_unpackhi_epi16(lo[0], hi[0]); /* 4-7 */
    c[4 * h + 2] = _mm_unpacklo_epi16(lo[1], hi[1]); /* 8-11 */
    c[4 * h + 3] = _mm_unpackhi_epi16(lo[1], hi[1]); /* 12-15 */
  }
  __m128i *o = (__m128i *)(void *)out;
  for (int q = 0; q < 4; q++) {
    _mm_storeu_si128(o + 2 * q, _mm_unpacklo_epi32(c[q], c[4 + q]));
    _mm_storeu_si128(o + 2 * q + 1, _mm_unpackhi_epi32(c[q], c[4 + q]));
  }
}

/* The same for elements of 4 bytes (planes p[0..3]). */
static void unshuffle16_4(const unsigned char *const p[4], size_t i, unsigned char *out) {
  __m128i a[4], b[4];
  for (int j = 0; j < 4; j++) a[j] = _mm_loadu_si128((const __m128i *)(const void *)(p[j] + i));
  b[0] = _mm_unpacklo_epi8(a[0], a[1]), b[1] = _mm_unpackhi_epi8(a[0], a[1]);
  b[2] = _mm_unpacklo_epi8(a[2], a[3]), b[3] = _mm_unpackhi_epi8(a[2], a[3]);
  __m128i *o = (__m128i *)(void *)out;
  _mm_storeu_si128(o + 0, _mm_unpacklo_epi16(b[0], b[2]));
  _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(b[0], b[2]));
  _mm_storeu_si128(o + 2, _mm_unpacklo_epi16(b[1], b[3]));
  _mm_storeu_si128(o + 3, _mm_unpackhi_epi16(b[1], b[3]));
}

/* HDF5's shuffle: byte j of every element together; a tail of size % elem bytes stays. */
static void unshuffle(const unsigned char *in, size_t size, size_t elem, unsigned char *out) {
  const size_t n = elem > 1 ? size / elem : 0;
  size_t done = 0;
  if (elem == 8 || elem == 4) { /* the float64 and float32 data credal reads */
    const unsigned char *planes[8];
    for (size_t j = 0; j < elem; j++) planes[j] = in + j * n;
    for (; done + 16 <= n; done += 16)
      (elem == 8 ? unshuffle16_8 : unshuffle16_4)(planes, done, out + done * elem);
  }
  for (size_t j = 0; j < elem && n; j++) {
    const unsigned char *src = in + j * n;
    unsigned char *dst = out + j;
    for (size_t i = done; i < n; i++) dst[i * elem] = src[i];
  }
  memcpy(out + n * elem, in + n * elem, size - n * elem);
}

static void shuffle(const unsigned char *in, size_t size, size_t elem, unsigned char *out) {
  const size_t n = elem > 1 ? size / elem : 0;
  for (size_t j = 0; j < elem && n; j++) {
    const unsigned char *src = in + j;
    unsigned char *dst = out + j * n;
    for (size_t i = 0; i < n; i++) dst[i] = src[i * elem];
  }
  memcpy(out + n * elem, in + n * elem, size - n * elem);
}

/* H5_checksum_fletcher32: 16-bit big-endian words, sums folded every 360 words. */
static uint32_t fletcher32(const unsigned char *data, size_t bytes) {
  size_t words = bytes / 2;
  uint32_t sum1 = 0, sum2 = 0;
  while (words) {
    size_t t = words > 360 ? 360 : words;
    words -= t;
    do {
      sum1 += (uint32_t)data[0] << 8 | data[1];
      data += 2;
      sum2 += sum1;
    } while (--t);
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  if (bytes % 2) {
    sum1 += (uint32_t)data[0] << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >> 16);
  return sum2 << 16 | sum1;
}

typedef struct {
  const unsigned char *in;
  size_t in_size;
  unsigned char *out;
  size_t out_cap;
  size_t out_size;
} stage;

#define BAD(...) credal__fail(CREDAL_EDATA, __VA_ARGS__)

static credal_status inflate_stage(stage *g, credal__codec_scratch *s, const char *where) {
  if (!s->inflate && !(s->inflate = libdeflate_alloc_decompressor()))
    return credal__fail(CREDAL_ENOMEM, "%s: out of memory for a deflate decoder", where);
  const enum libdeflate_result r =
      libdeflate_zlib_decompress(s->inflate, g->in, g->in_size, g->out, g->out_cap, &g->out_size);
  if (r == LIBDEFLATE_INSUFFICIENT_SPACE)
    return BAD(
        "%s: deflate data inflates past the chunk's %zu bytes (damaged, or a compression "
        "bomb)",
        where, g->out_cap);
  if (r != LIBDEFLATE_SUCCESS) return BAD("%s: deflate data is damaged or truncated", where);
  return CREDAL_OK;
}

static credal_status lz4_stage(stage *g, const char *where) {
  const unsigned char *p = g->in, *end = g->in + g->in_size;
  if (g->in_size < 12) return BAD("%s: LZ4 chunk of %zu bytes is truncated", where, g->in_size);
  const uint64_t total = load_be64(p);
  const uint32_t block = load_be32(p + 8);
  p += 12;
  if (total > g->out_cap)
    return BAD(
        "%s: LZ4 chunk claims %llu bytes, more than the chunk's %zu (damaged, or a "
        "compression bomb)",
        where, (unsigned long long)total, g->out_cap);
  if (block == 0 && total > 0) return BAD("%s: LZ4 chunk has a block size of 0", where);
  uint64_t done = 0;
  while (done < total) {
    const uint64_t want = total - done < block ? total - done : block;
    if (end - p < 4) return BAD("%s: LZ4 chunk is truncated", where);
    const uint32_t csize = load_be32(p);
    p += 4;
    if (csize > (uint64_t)(end - p)) return BAD("%s: LZ4 chunk is truncated", where);
    if (csize == want) {
      memcpy(g->out + done, p, want); /* stored raw */
    } else {
      if (csize > INT32_MAX || want > INT32_MAX) return BAD("%s: LZ4 block too large", where);
      const int got =
          LZ4_decompress_safe((const char *)p, (char *)g->out + done, (int)csize, (int)want);
      if (got < 0 || (uint64_t)got != want)
        return BAD("%s: LZ4 block at byte %llu is damaged", where, (unsigned long long)done);
    }
    p += csize;
    done += want;
  }
  g->out_size = (size_t)total;
  return CREDAL_OK;
}

static credal_status zstd_stage(stage *g, credal__codec_scratch *s, const char *where) {
  if (!s->zstd_d && !(s->zstd_d = ZSTD_createDCtx()))
    return credal__fail(CREDAL_ENOMEM, "%s: out of memory for a Zstd decoder", where);
  const unsigned long long claimed = ZSTD_getFrameContentSize(g->in, g->in_size);
  if (claimed != ZSTD_CONTENTSIZE_UNKNOWN && claimed != ZSTD_CONTENTSIZE_ERROR &&
      claimed > g->out_cap)
    return BAD(
        "%s: Zstd frame claims %llu bytes, more than the chunk's %zu (damaged, or a "
        "compression bomb)",
        where, claimed, g->out_cap);
  const size_t r = ZSTD_decompressDCtx(s->zstd_d, g->out, g->out_cap, g->in, g->in_size);
  if (ZSTD_isError(r)) {
    if (ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall)
      return BAD(
          "%s: Zstd data inflates past the chunk's %zu bytes (damaged, or a compression "
          "bomb)",
          where, g->out_cap);
    return BAD("%s: Zstd data is damaged or truncated (%s)", where, ZSTD_getErrorName(r));
  }
  g->out_size = r;
  return CREDAL_OK;
}

static credal_status blosc_stage(stage *g, const char *where) {
  size_t nbytes = 0;
  if (g->in_size < BLOSC_MIN_HEADER_LENGTH ||
      blosc_cbuffer_validate(g->in, g->in_size, &nbytes) < 0)
    return BAD("%s: Blosc chunk is damaged or truncated", where);
  if (nbytes > g->out_cap)
    return BAD("%s: Blosc chunk claims %zu bytes, more than the chunk's %zu", where, nbytes,
               g->out_cap);
  const int r = blosc_decompress_ctx(g->in, g->out, g->out_cap, 1);
  if (r < 0 || (size_t)r != nbytes) return BAD("%s: Blosc chunk is damaged", where);
  g->out_size = nbytes;
  return CREDAL_OK;
}

/* ---- Bitshuffle (32008), as its HDF5 filter stores chunks ----
 * cd_values: [2] element size, [3] block size in elements (0: the default), [4] 0 none, 2 LZ4,
 * 3 Zstd. Compressed chunks start with the big-endian byte count and block size in bytes, then
 * each block as a big-endian compressed size and the compressed bit-transposed block. Blocks
 * hold a multiple of 8 elements; a last partial block is cut to a multiple of 8, and the
 * remaining (< 8) elements follow as they are. */
#define BSHUF_LZ4 2
#define BSHUF_ZSTD 3

static size_t bshuf_default_block(size_t elem) {
  size_t block = 8192 / elem / 8 * 8;
  return block > 128 ? block : 128;
}

/* The inverse of the bit transpose within 8x8-bit tiles (bitshuffle's TRANS_BIT_8X8). */
static uint64_t transpose_8x8(uint64_t x) {
  uint64_t t;
  t = (x ^ (x >> 7)) & 0x00AA00AA00AA00AAULL;
  x = x ^ t ^ (t << 7);
  t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCCULL;
  x = x ^ t ^ (t << 14);
  t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0ULL;
  return x ^ t ^ (t << 28);
}

/* n (a multiple of 8) elements of elem bytes, bit-transposed in `in`, back into out; tmp holds
 * n * elem bytes. */
static void bit_untranspose(const unsigned char *in, unsigned char *out, size_t n, size_t elem,
                            unsigned char *tmp) {
  const size_t rows = n / 8; /* bytes per bit row */
  for (size_t j = 0; j < elem; j++)
    for (size_t i = 0; i < rows; i++)
      for (size_t k = 0; k < 8; k++) tmp[i * 8 * elem + j * 8 + k] = in[(j * 8 + k) * rows + i];
  const size_t bytes = n * elem;
  for (size_t j = 0; j < 8 * elem; j += 8)
    for (size_t i = 0; i + 8 * elem <= bytes; i += 8 * elem) {
      uint64_t x;
      memcpy(&x, tmp + i + j, 8);
      x = transpose_8x8(x);
      for (size_t k = 0; k < 8; k++, x >>= 8) out[i + j / 8 + k * elem] = (unsigned char)x;
    }
}

static credal_status bitshuffle_stage(stage *g, const unsigned *v, size_t nv,
                                      credal__codec_scratch *s, const char *where) {
  const size_t elem = nv > 2 ? v[2] : 0;
  const unsigned codec = nv > 4 ? v[4] : 0;
  const unsigned char *p = g->in, *end = g->in + g->in_size;
  uint64_t total = g->in_size, block = nv > 3 && v[3] ? v[3] : 0;
  if (elem == 0 || elem > 1024 || (codec && codec != BSHUF_LZ4 && codec != BSHUF_ZSTD))
    return BAD("%s: Bitshuffle parameters (element size %zu, codec %u) are not supported", where,
               elem, codec);
  if (codec) {
    if (g->in_size < 12) return BAD("%s: Bitshuffle chunk is truncated", where);
    total = load_be64(p);
    block = load_be32(p + 8) / elem;
    p += 12;
  }
  if (!block) block = bshuf_default_block(elem);
  if (total > g->out_cap)
    return BAD(
        "%s: Bitshuffle chunk claims %llu bytes, more than the chunk's %zu (damaged, or a "
        "compression bomb)",
        where, (unsigned long long)total, g->out_cap);
  if (total % elem || block % 8 || block > (1u << 24))
    return BAD("%s: Bitshuffle chunk is damaged (size %llu, block %llu)", where,
               (unsigned long long)total, (unsigned long long)block);
  const size_t block_bytes = (size_t)block * elem;
  if (s->bits_cap < 2 * block_bytes) {
    free(s->bits);
    s->bits_cap = 0;
    if (!(s->bits = malloc(2 * block_bytes)))
      return credal__fail(CREDAL_ENOMEM, "%s: out of memory", where);
    s->bits_cap = 2 * block_bytes;
  }
  const size_t size = (size_t)(total / elem);
  size_t done = 0;
  while (size - done >= 8) {
    const size_t n = size - done >= block ? (size_t)block : (size - done) / 8 * 8, bytes = n * elem;
    const unsigned char *src = p;
    if (codec) {
      if (end - p < 4) return BAD("%s: Bitshuffle chunk is truncated", where);
      const uint32_t csize = load_be32(p);
      p += 4;
      if (csize > (size_t)(end - p)) return BAD("%s: Bitshuffle chunk is truncated", where);
      int ok;
      if (codec == BSHUF_LZ4) {
        ok = csize <= INT32_MAX && LZ4_decompress_safe((const char *)p, (char *)s->bits, (int)csize,
                                                       (int)bytes) == (int)bytes;
      } else {
        const size_t r = ZSTD_decompress(s->bits, bytes, p, csize);
        ok = !ZSTD_isError(r) && r == bytes;
      }
      if (!ok) return BAD("%s: Bitshuffle block at element %zu is damaged", where, done);
      p += csize;
      src = s->bits;
    } else {
      if ((size_t)(end - p) < bytes) return BAD("%s: Bitshuffle chunk is truncated", where);
      p += bytes;
    }
    bit_untranspose(src, g->out + done * elem, n, elem, s->bits + block_bytes);
    done += n;
  }
  const size_t rest = (size - done) * elem; /* fewer than 8 elements, stored as they are */
  if ((size_t)(end - p) < rest) return BAD("%s: Bitshuffle chunk is truncated", where);
  memcpy(g->out + done * elem, p, rest);
  g->out_size = size * elem;
  return CREDAL_OK;
}

/* Verifies and strips the trailing checksum (in place: no copy). */
static credal_status fletcher_stage(stage *g, const char *where) {
  if (g->in_size < 4)
    return BAD("%s: fletcher32 chunk of %zu bytes is truncated", where, g->in_size);
  const size_t n = g->in_size - 4;
  const unsigned char *c = g->in + n;
  const uint32_t stored =
      (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
  const uint32_t sum = fletcher32(g->in, n);
  /* HDF5 before 1.6.3 stored the two halves' bytes swapped; it accepts both, so do we */
  const uint32_t swapped = (sum & 0x00ff00ffu) << 8 | (sum & 0xff00ff00u) >> 8;
  if (stored != sum && stored != swapped)
    return BAD(
        "%s: fletcher32 checksum mismatch (stored %08x, computed %08x): the chunk is "
        "damaged",
        where, stored, sum);
  g->in_size = n;
  return CREDAL_OK;
}

credal_status credal__chunk_decode(const credal__filters *f, unsigned mask, const void *raw,
                                   size_t raw_size, void *out, size_t chunk_bytes,
                                   credal__codec_scratch *s, const char *where) {
  int steps = 0; /* stages that write a new buffer */
  for (int i = 0; i < f->count; i++)
    if (!(mask & (1u << i)) && f->filter[i].id != H5Z_FILTER_FLETCHER32) steps++;
  /* the last stage writes into out; the others alternate so that it does */
  const size_t mid_cap = (raw_size > chunk_bytes ? raw_size : chunk_bytes) + 4096;
  unsigned char *mid = steps > 1 ? scratch_buf(s, mid_cap) : NULL;
  if (steps > 1 && !mid) return credal__fail(CREDAL_ENOMEM, "%s: out of memory", where);
  stage g = {raw, raw_size, NULL, 0, 0};
  for (int i = f->count - 1; i >= 0; i--) {
    if (mask & (1u << i)) continue;
    const int id = f->filter[i].id;
    credal_status st = CREDAL_OK;
    if (id == H5Z_FILTER_FLETCHER32) {
      if ((st = fletcher_stage(&g, where))) return st;
      continue;
    }
    const int into_out = steps % 2 == 1;
    g.out = into_out ? out : (g.in == mid ? NULL : mid);
    g.out_cap = into_out ? chunk_bytes : mid_cap;
    if (!g.out) return credal__fail(CREDAL_EINTERNAL, "%s: codec buffers crossed", where);
    switch (id) {
      case H5Z_FILTER_DEFLATE:
        st = inflate_stage(&g, s, where);
        break;
      case H5Z_FILTER_SHUFFLE: {
        const size_t elem = f->filter[i].nvalues > 0 ? f->filter[i].values[0] : 1;
        if (g.in_size > g.out_cap)
          return BAD("%s: %zu shuffled bytes, more than the chunk's %zu", where, g.in_size,
                     g.out_cap);
        unshuffle(g.in, g.in_size, elem ? elem : 1, g.out);
        g.out_size = g.in_size;
        break;
      }
      case CREDAL_FILTER_LZ4:
        st = lz4_stage(&g, where);
        break;
      case CREDAL_FILTER_ZSTD:
        st = zstd_stage(&g, s, where);
        break;
      case CREDAL_FILTER_BLOSC:
        st = blosc_stage(&g, where);
        break;
      case CREDAL_FILTER_BITSHUFFLE:
        st = bitshuffle_stage(&g, f->filter[i].values, f->filter[i].nvalues, s, where);
        break;
      default:
        return credal__fail(CREDAL_EUNSUPPORTED, "%s: filter %d is not decoded by credal", where,
                            id);
    }
    if (st) return st;
    g.in = g.out, g.in_size = g.out_size;
    steps--;
  }
  if (g.in_size != chunk_bytes)
    return BAD("%s: decodes to %zu bytes, but the chunk holds %zu", where, g.in_size, chunk_bytes);
  if (g.in != out) memcpy(out, g.in, chunk_bytes);
  return CREDAL_OK;
}

/* ---- output codecs ---- */

int credal__codec_parse(const char *text, credal__codec *out) {
  static const struct {
    const char *name;
    credal__codec_kind kind;
    int level, lo, hi;
  } codecs[] = {{"gzip", CREDAL_CODEC_GZIP, 1, 1, 12},
                {"zstd", CREDAL_CODEC_ZSTD, 3, 1, 22},
                {"lz4", CREDAL_CODEC_LZ4, 0, 0, 0},
                {"none", CREDAL_CODEC_NONE, 0, 0, 0}};
  if (!text) return -1;
  for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) {
    const size_t n = strlen(codecs[i].name);
    if (strncmp(text, codecs[i].name, n) != 0 || (text[n] && text[n] != ':')) continue;
    out->kind = codecs[i].kind, out->level = codecs[i].level;
    if (!text[n]) return 0;
    if (codecs[i].hi == 0) return -1; /* no levels */
    char *end = NULL;
    const long level = strtol(text + n + 1, &end, 10);
    if (!text[n + 1] || *end || level < codecs[i].lo || level > codecs[i].hi) return -1;
    out->level = (int)level;
    return 0;
  }
  return -1;
}

void credal__codec_text(const credal__codec *c, char *buf, size_t cap) {
  switch (c->kind) {
    case CREDAL_CODEC_GZIP:
      snprintf(buf, cap, "gzip:%d", c->level);
      break;
    case CREDAL_CODEC_ZSTD:
      snprintf(buf, cap, "zstd:%d", c->level);
      break;
    case CREDAL_CODEC_LZ4:
      snprintf(buf, cap, "lz4");
      break;
    default:
      snprintf(buf, cap, "none");
      break;
  }
}

credal_status credal__codec_set_filters(const credal__codec *c, hid_t dcpl) {
  herr_t e = 0;
  const unsigned level = (unsigned)c->level, lz4_block = 0;
  if (c->kind == CREDAL_CODEC_NONE) return CREDAL_OK;
  credal__codec_register();
  e = H5Pset_shuffle(dcpl);
  if (e >= 0 && c->kind == CREDAL_CODEC_GZIP) e = H5Pset_deflate(dcpl, level > 9 ? 9 : level);
  if (e >= 0 && c->kind == CREDAL_CODEC_ZSTD)
    e = H5Pset_filter(dcpl, CREDAL_FILTER_ZSTD, H5Z_FLAG_MANDATORY, 1, &level);
  if (e >= 0 && c->kind == CREDAL_CODEC_LZ4)
    e = H5Pset_filter(dcpl, CREDAL_FILTER_LZ4, H5Z_FLAG_MANDATORY, 1, &lz4_block);
  return e < 0 ? credal__h5_fail(CREDAL_EIO, "output", "setting the compression filters")
               : CREDAL_OK;
}

#define LZ4_HEADER 12

size_t credal__chunk_encode_bound(const credal__codec *c, size_t bytes) {
  switch (c->kind) {
    case CREDAL_CODEC_GZIP:
      return libdeflate_zlib_compress_bound(NULL, bytes);
    case CREDAL_CODEC_ZSTD:
      return ZSTD_compressBound(bytes);
    case CREDAL_CODEC_LZ4:
      return LZ4_HEADER + 4 + (size_t)LZ4_compressBound((int)bytes);
    default:
      return bytes;
  }
}

/* HDF5's LZ4 format with the whole chunk as one block. */
static size_t lz4_encode(const unsigned char *in, size_t bytes, unsigned char *out) {
  store_be64(out, bytes);
  store_be32(out + 8, (uint32_t)bytes);
  const int n = LZ4_compress_default((const char *)in, (char *)out + LZ4_HEADER + 4, (int)bytes,
                                     LZ4_compressBound((int)bytes));
  if (n <= 0 || (size_t)n >= bytes) { /* LZ4 did not shrink it: stored raw */
    store_be32(out + LZ4_HEADER, (uint32_t)bytes);
    memcpy(out + LZ4_HEADER + 4, in, bytes);
    return LZ4_HEADER + 4 + bytes;
  }
  store_be32(out + LZ4_HEADER, (uint32_t)n);
  return LZ4_HEADER + 4 + (size_t)n;
}

/* gzip levels 1..3: ISA-L's deflate (several times libdeflate's speed at a similar ratio);
 * 0 when it could not (the caller falls back to libdeflate). */
static size_t isal_encode(int level, const unsigned char *in, size_t bytes, unsigned char *out,
                          size_t cap, credal__codec_scratch *s) {
  static const uint32_t level_buf[4] = {0, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT,
                                        ISAL_DEF_LVL3_DEFAULT};
  const uint32_t need = ISAL_DEF_LVL3_DEFAULT; /* one buffer fits every level */
  if (!s->isal_level_buf && !(s->isal_level_buf = malloc(need))) return 0;
  struct isal_zstream z;
  /* stateless_init leaves parts of the internal state alone (has_wrap_hdr among them, which
   * decides whether the zlib header is written): start from zeros */
  memset(&z, 0, sizeof z);
  isal_deflate_stateless_init(&z);
  z.level = (uint32_t)level;
  z.level_buf = s->isal_level_buf;
  z.level_buf_size = level_buf[level];
  z.gzip_flag = IGZIP_ZLIB;
  z.end_of_stream = 1;
  z.flush = NO_FLUSH;
  z.next_in = (uint8_t *)in, z.avail_in = (uint32_t)bytes;
  z.next_out = out, z.avail_out = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
  return isal_deflate_stateless(&z) == COMP_OK ? z.total_out : 0;
}

/* bytes of in compressed by codec c (not shuffled) into out, which has cap bytes. */
static credal_status encode_bytes(const credal__codec *c, const unsigned char *in, size_t bytes,
                                  unsigned char *out, size_t cap, size_t *out_size,
                                  credal__codec_scratch *s) {
  if (c->kind == CREDAL_CODEC_GZIP && c->level <= 3 &&
      (*out_size = isal_encode(c->level, in, bytes, out, cap, s)) > 0)
    return CREDAL_OK;
  if (c->kind == CREDAL_CODEC_GZIP) {
    if (s->deflate && s->deflate_level != c->level)
      libdeflate_free_compressor(s->deflate), s->deflate = NULL;
    if (!s->deflate && !(s->deflate = libdeflate_alloc_compressor(c->level)))
      return credal__fail(CREDAL_ENOMEM, "out of memory for a deflate encoder");
    s->deflate_level = c->level;
    *out_size = libdeflate_zlib_compress(s->deflate, in, bytes, out, cap);
    return *out_size ? CREDAL_OK : credal__fail(CREDAL_EINTERNAL, "deflate: output bound exceeded");
  }
  if (c->kind == CREDAL_CODEC_ZSTD) {
    if (!s->zstd_c && !(s->zstd_c = ZSTD_createCCtx()))
      return credal__fail(CREDAL_ENOMEM, "out of memory for a Zstd encoder");
    const size_t r = ZSTD_compressCCtx(s->zstd_c, out, cap, in, bytes, c->level);
    if (ZSTD_isError(r)) return credal__fail(CREDAL_EINTERNAL, "zstd: %s", ZSTD_getErrorName(r));
    *out_size = r;
    return CREDAL_OK;
  }
  if (c->kind == CREDAL_CODEC_LZ4) {
    *out_size = lz4_encode(in, bytes, out);
    return CREDAL_OK;
  }
  memcpy(out, in, bytes);
  *out_size = bytes;
  return CREDAL_OK;
}

credal_status credal__chunk_encode(const credal__codec *c, size_t elem, const void *in,
                                   size_t bytes, void *out, size_t *out_size,
                                   credal__codec_scratch *s) {
  const size_t cap = credal__chunk_encode_bound(c, bytes);
  if (c->kind == CREDAL_CODEC_NONE) return encode_bytes(c, in, bytes, out, cap, out_size, s);
  if (bytes > INT32_MAX)
    return credal__fail(CREDAL_EINTERNAL, "chunk of %zu bytes to encode", bytes);
  unsigned char *shuffled = scratch_buf(s, bytes ? bytes : 1);
  if (!shuffled) return credal__fail(CREDAL_ENOMEM, "out of memory for an output chunk");
  shuffle(in, bytes, elem, shuffled);
  return encode_bytes(c, shuffled, bytes, out, cap, out_size, s);
}

/* ---- the same codecs as HDF5 filters, for the library's own reads and writes ---- */

/* Bytes an HDF5 filter call may produce: HDF5 never holds a chunk larger than credal accepts
 * (io/h5util.c refuses larger chunks at open), plus room for stacked filters. */
#define FILTER_OUT_MAX ((size_t)CREDAL_H5_MAX_CHUNK_BYTES + ((size_t)1 << 20))

static size_t h5_filter(int id, unsigned flags, size_t nvalues, const unsigned values[],
                        size_t nbytes, size_t *buf_size, void **buf) {
  credal__codec_scratch *s = credal__codec_scratch_new();
  void *out = NULL;
  size_t out_size = 0;
  if (!s) return 0;
  if (flags & H5Z_FLAG_REVERSE) {
    credal__filters f = {
        1, {{id, 0, nvalues < CREDAL_FILTER_VALUES_MAX ? nvalues : CREDAL_FILTER_VALUES_MAX, {0}}}};
    memcpy(f.filter[0].values, values, f.filter[0].nvalues * sizeof *values);
    stage probe = {*buf, nbytes, NULL, FILTER_OUT_MAX, 0};
    size_t claimed = FILTER_OUT_MAX; /* the size the stored data says it decodes to */
    if (id == CREDAL_FILTER_LZ4 && nbytes >= 8) claimed = (size_t)load_be64(probe.in);
    if (id == CREDAL_FILTER_BITSHUFFLE)
      claimed = nvalues > 4 && values[4] ? nbytes >= 8 ? (size_t)load_be64(probe.in) : 0 : nbytes;
    if (id == CREDAL_FILTER_ZSTD) {
      const unsigned long long n = ZSTD_getFrameContentSize(probe.in, nbytes);
      if (n != ZSTD_CONTENTSIZE_UNKNOWN && n != ZSTD_CONTENTSIZE_ERROR) claimed = (size_t)n;
    }
    if (id == CREDAL_FILTER_BLOSC && blosc_cbuffer_validate(probe.in, nbytes, &claimed) < 0)
      claimed = 0;
    if (claimed > 0 && claimed <= FILTER_OUT_MAX && (out = H5allocate_memory(claimed, 0)) &&
        credal__chunk_decode(&f, 0, *buf, nbytes, out, claimed, s, "HDF5 filter") == CREDAL_OK)
      out_size = claimed;
  } else {
    const credal__codec c = {
        id == CREDAL_FILTER_ZSTD ? CREDAL_CODEC_ZSTD : CREDAL_CODEC_LZ4,
        id == CREDAL_FILTER_ZSTD && nvalues > 0 && values[0] >= 1 && values[0] <= 22
            ? (int)values[0]
            : 3};
    /* HDF5 ran the pipeline's shuffle stage itself: the bytes are compressed as they come */
    const size_t cap = credal__chunk_encode_bound(&c, nbytes);
    if ((out = H5allocate_memory(cap, 0)) && encode_bytes(&c, *buf, nbytes, out, cap, &out_size, s))
      out_size = 0;
  }
  credal__codec_scratch_free(s);
  if (!out_size) {
    if (out) H5free_memory(out);
    return 0;
  }
  H5free_memory(*buf);
  *buf = out;
  *buf_size = out_size;
  return out_size;
}

static size_t h5_lz4(unsigned flags, size_t n, const unsigned v[], size_t nbytes, size_t *size,
                     void **buf) {
  return h5_filter(CREDAL_FILTER_LZ4, flags, n, v, nbytes, size, buf);
}
static size_t h5_zstd(unsigned flags, size_t n, const unsigned v[], size_t nbytes, size_t *size,
                      void **buf) {
  return h5_filter(CREDAL_FILTER_ZSTD, flags, n, v, nbytes, size, buf);
}
static size_t h5_bitshuffle(unsigned flags, size_t n, const unsigned v[], size_t nbytes,
                            size_t *size, void **buf) {
  if (!(flags & H5Z_FLAG_REVERSE)) return 0; /* credal writes no Bitshuffle */
  return h5_filter(CREDAL_FILTER_BITSHUFFLE, flags, n, v, nbytes, size, buf);
}
static size_t h5_blosc(unsigned flags, size_t n, const unsigned v[], size_t nbytes, size_t *size,
                       void **buf) {
  if (!(flags & H5Z_FLAG_REVERSE)) return 0; /* credal writes no Blosc */
  return h5_filter(CREDAL_FILTER_BLOSC, flags, n, v, nbytes, size, buf);
}

static pthread_once_t registered = PTHREAD_ONCE_INIT;

static void register_once(void) {
  static const H5Z_class2_t classes[] = {
      {H5Z_CLASS_T_VERS, CREDAL_FILTER_LZ4, 1, 1, "lz4 (credal)", NULL, NULL, h5_lz4},
      {H5Z_CLASS_T_VERS, CREDAL_FILTER_ZSTD, 1, 1, "zstd (credal)", NULL, NULL, h5_zstd},
      {H5Z_CLASS_T_VERS, CREDAL_FILTER_BLOSC, 0, 1, "blosc (credal)", NULL, NULL, h5_blosc},
      {H5Z_CLASS_T_VERS, CREDAL_FILTER_BITSHUFFLE, 0, 1, "bitshuffle (credal)", NULL, NULL,
       h5_bitshuffle},
  };
  for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) H5Zregister(&classes[i]);
  H5Eclear2(H5E_DEFAULT);
}

void credal__codec_register(void) {
  pthread_once(&registered, register_once);
}
