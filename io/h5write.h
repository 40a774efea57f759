/* Attribute and dataset writers shared by the output and input writers. Strings are variable-length UTF-8
 * (h5py reads them as str); integers int64; reals float64. Existing attributes are replaced. */
#ifndef CREDAL_H5WRITE_H
#define CREDAL_H5WRITE_H

#include <hdf5.h>

#include "internal.h"

credal_status credal__h5_write_string_attr(hid_t obj, const char *name, const char *value);
credal_status credal__h5_write_int_attr(hid_t obj, const char *name, int64_t value);
credal_status credal__h5_write_double_attr(hid_t obj, const char *name, double value);

/* Creates the dataset name of dims[0] rows (rank 1 to 3), chunked by whole rows of at most 64 Ki
 * elements (rank 1: 64 Ki rows), shuffled and deflated, without timestamps; not written. */
credal_status credal__h5_create_rows(hid_t file, const char *name, hid_t type, int rank,
                                     const hsize_t *dims);
/* Writes row h (all its other dimensions) of the dataset name from values, as memtype. */
credal_status credal__h5_write_row(hid_t file, const char *name, hid_t memtype, int64_t h,
                                   const void *values);
/* Writes row h of the dataset name (rank 2 or 3, made by credal__h5_create_rows: chunks of one
 * row, shuffled and deflated) from values, elements of elem bytes in the stored type's layout:
 * each chunk encoded by credal's own gzip encoder (codec.h: ISA-L or libdeflate, several times
 * zlib's speed) and written whole with H5Dwrite_chunk, the edge chunks padded with zeros. */
credal_status credal__h5_write_row_chunks(hid_t file, const char *name, size_t elem, int64_t h,
                                          const void *values);
/* Writes all of the dataset name from values, as memtype. */
credal_status credal__h5_write_all(hid_t file, const char *name, hid_t memtype,
                                   const void *values);

#endif /* CREDAL_H5WRITE_H */
