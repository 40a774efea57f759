/* Writing a chunked (rows, width) or (rows,) dataset front to back with credal's own encoders
 * (SPEC §8): rows gather in a buffer of `group` bands of chunk rows; a full group is encoded on
 * the pool, chunk by chunk in parallel, and written in order with H5Dwrite_chunk, so the bytes
 * depend only on the values. A write that starts inside a band (a resumed run, or rows after
 * a flush) first loads the band's earlier rows back from the file. */
#ifndef CREDAL_CHUNK_WRITE_H
#define CREDAL_CHUNK_WRITE_H

#include <hdf5.h>

#include "codec.h"
#include "internal.h"
#include "pool.h"

typedef struct credal__chunk_writer credal__chunk_writer;

/* Each pool thread's encoder state, shared by the writers of one file (one flush at a time). */
typedef struct credal__encoders credal__encoders;
credal_status credal__encoders_create(int threads, credal__encoders **out);
void credal__encoders_free(credal__encoders *e); /* NULL is fine */

/* How rows are stored, and the types callers pass them in. */
typedef enum {
  CREDAL_STORED_F64,
  CREDAL_STORED_F32,
  CREDAL_STORED_I32,
  CREDAL_STORED_I64,
  CREDAL_STORED_U8
} credal__stored_type;
typedef enum {
  CREDAL_SOURCE_F64,
  CREDAL_SOURCE_F32,
  CREDAL_SOURCE_I32,
  CREDAL_SOURCE_I64,
  CREDAL_SOURCE_U8
} credal__source_type;

/* Bytes the writer of such a dataset holds, and the encoders' share per thread for its chunks
 * (for memory planning). */
uint64_t credal__chunk_writer_bytes(int64_t width, const int64_t chunk[2], size_t elem, int group);
uint64_t credal__encoders_bytes_per_thread(const int64_t chunk[2], size_t elem);

/* dset: created with chunk dims chunk[0] x chunk[1] (rank 1: chunk[1] = width = 1) and the
 * codec's filters. name is kept for messages. */
credal_status credal__chunk_writer_open(hid_t dset, const char *name, int64_t rows, int64_t width,
                                        credal__stored_type type, const int64_t chunk[2],
                                        const credal__codec *codec, int group,
                                        credal__encoders *encoders, credal__chunk_writer **out);
/* Rows h0 .. h0+count-1, (count, width) row-major, of the source type (converted as C
 * converts: doubles rounded to float32 for F32, 0/1 doubles to U8). Rows come in increasing
 * order. */
credal_status credal__chunk_writer_put(credal__chunk_writer *w, int64_t h0, int64_t count,
                                       const void *rows, credal__source_type source,
                                       credal__pool *pool);
/* Writes what is buffered (a partial band padded with zeros, rewritten when its rows come). */
credal_status credal__chunk_writer_flush(credal__chunk_writer *w, credal__pool *pool);
void credal__chunk_writer_close(credal__chunk_writer *w); /* frees; NULL is fine */

#endif /* CREDAL_CHUNK_WRITE_H */
