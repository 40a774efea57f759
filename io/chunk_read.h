/* Reading chunked datasets outside HDF5's filters (SPEC §8): HDF5 is asked only where each
 * chunk of a read lies (its file address, stored size and filter mask); the pool's threads
 * then read the stored bytes themselves (pread, no lock), decode them with io/codec.h and
 * convert the rows asked for to float64, all in parallel. An input opened from an in-memory
 * image has no file to pread: its chunks' bytes come from H5Dread_chunk, then decode in
 * parallel. */
#ifndef CREDAL_CHUNK_READ_H
#define CREDAL_CHUNK_READ_H

#include <hdf5.h>

#include "internal.h"
#include "pool.h"

typedef struct credal__chunk_reader credal__chunk_reader;

/* A reader for dset when credal can decode it itself: chunked, rank 1 or 2, little-endian
 * IEEE float32 or float64 (or 8-bit integers: belief focal sets), every filter one of
 * io/codec.h's. *out is NULL (and CREDAL_OK)
 * otherwise: HDF5 reads such a dataset as before. */
/* fd: the input file opened for reading, base: HDF5's base address in it (the user block's
 * size); fd < 0 reads the stored bytes through HDF5. */
credal_status credal__chunk_reader_open(hid_t dset, const char *name, int fd, uint64_t base,
                                        credal__chunk_reader **out);
void credal__chunk_reader_close(credal__chunk_reader *r); /* NULL is fine */

/* Rows k0 .. k0+rows-1 (every column) as float64 into rows at, at+every, ... of out (a
 * (rows*every, columns) row-major array). *fallback = 1, nothing read, when a chunk of the
 * range was never written (HDF5 supplies its fill value then). Damaged chunks: CREDAL_EDATA
 * naming the dataset and the chunk; failed reads CREDAL_EIO. */
credal_status credal__chunk_reader_rows(credal__chunk_reader *r, int64_t k0, int64_t rows,
                                        double *out, int every, int at, credal__pool *pool,
                                        int *fallback);

#endif /* CREDAL_CHUNK_READ_H */
