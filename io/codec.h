/* Chunk codecs outside HDF5 (SPEC §8): the filter pipelines credal decodes itself, on any
 * thread, and the output codecs it encodes with.
 *
 * Reading: credal__filters_read takes a dataset's pipeline; credal__chunk_decode undoes it on
 * one stored chunk (its raw bytes and filter mask, as H5Dread_chunk gives them) into exactly
 * the chunk's declared size: shuffle (2), deflate (1, libdeflate), fletcher32 (3, verified),
 * LZ4 (32004), Zstd (32015), Blosc (32001) and Bitshuffle (32008: bare, with LZ4 or Zstd).
 * Decoders never write past the declared size: a
 * chunk that would inflate further (a compression bomb), is truncated, or fails its checksum is
 * CREDAL_EDATA naming the dataset and the chunk.
 *
 * Writing: an output codec is gzip[:LEVEL] (deflate, default level 1), zstd[:LEVEL] (default
 * 3), lz4 or none; every codec but none puts shuffle first. credal__chunk_encode produces the
 * bytes H5Dwrite_chunk stores for that pipeline.
 *
 * credal__codec_register makes LZ4, Zstd, Blosc and Bitshuffle known to HDF5 itself (in-process, no
 * plugin is loaded), so the library's own reads and writes of small datasets work too. */
#ifndef CREDAL_CODEC_H
#define CREDAL_CODEC_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

#define CREDAL_FILTER_BLOSC 32001
#define CREDAL_FILTER_LZ4 32004
#define CREDAL_FILTER_BITSHUFFLE 32008
#define CREDAL_FILTER_ZSTD 32015

#define CREDAL_FILTERS_MAX 16
#define CREDAL_FILTER_VALUES_MAX 16

typedef struct {
  int count;
  struct {
    int id;
    unsigned flags;
    size_t nvalues;
    unsigned values[CREDAL_FILTER_VALUES_MAX];
  } filter[CREDAL_FILTERS_MAX];
} credal__filters;

/* The pipeline of a dataset creation property list; *decodable = 1 when credal__chunk_decode
 * handles every filter in it (an empty pipeline included). */
credal_status credal__filters_read(hid_t dcpl, const char *name, credal__filters *out,
                                   int *decodable);

/* Per-thread state of the codecs (their contexts and a scratch buffer). */
typedef struct credal__codec_scratch credal__codec_scratch;
credal__codec_scratch *credal__codec_scratch_new(void);
void credal__codec_scratch_free(credal__codec_scratch *s); /* NULL is fine */

/* Undoes f on one stored chunk (raw, raw_size bytes; filter i skipped where bit i of mask is
 * set) into out, which receives exactly chunk_bytes. where names the chunk in messages
 * ("/hypotheses/points: chunk at row 4096"). */
credal_status credal__chunk_decode(const credal__filters *f, unsigned mask, const void *raw,
                                   size_t raw_size, void *out, size_t chunk_bytes,
                                   credal__codec_scratch *s, const char *where);

typedef enum {
  CREDAL_CODEC_NONE,
  CREDAL_CODEC_GZIP,
  CREDAL_CODEC_ZSTD,
  CREDAL_CODEC_LZ4
} credal__codec_kind;

typedef struct {
  credal__codec_kind kind;
  int level; /* gzip 1..12 (libdeflate's levels; 1..9 are zlib's), zstd 1..22 */
} credal__codec;

/* The default output codec: gzip:1 with shuffle, readable by any HDF5. */
#define CREDAL_CODEC_DEFAULT ((credal__codec){CREDAL_CODEC_GZIP, 1})

/* "gzip", "gzip:6", "zstd", "zstd:19", "lz4", "none"; 0 on success, -1 when malformed. */
int credal__codec_parse(const char *text, credal__codec *out);
/* "gzip:1", "zstd:3", "lz4", "none". */
void credal__codec_text(const credal__codec *c, char *buf, size_t cap);
/* Adds the codec's filters (shuffle first) to dcpl. */
credal_status credal__codec_set_filters(const credal__codec *c, hid_t dcpl);
/* Most bytes credal__chunk_encode writes for bytes of input. */
size_t credal__chunk_encode_bound(const credal__codec *c, size_t bytes);
/* Encodes one chunk of elements of elem bytes as the codec's pipeline stores it; out has
 * credal__chunk_encode_bound bytes. */
credal_status credal__chunk_encode(const credal__codec *c, size_t elem, const void *in,
                                   size_t bytes, void *out, size_t *out_size,
                                   credal__codec_scratch *s);

/* Once per process: LZ4, Zstd, Blosc and Bitshuffle as HDF5 filters (Blosc and Bitshuffle
 * decode only). */
void credal__codec_register(void);

#endif /* CREDAL_CODEC_H */
