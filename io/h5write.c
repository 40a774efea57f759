/* Attribute and dataset writers; see h5write.h. */
#include "h5write.h"

#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "h5util.h"

static credal_status write_attr(hid_t obj, const char *name, hid_t type, const void *value) {
  credal_status st = CREDAL_OK;
  hid_t space = -1, attr = -1;
  if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0) goto fail;
  if ((space = H5Screate(H5S_SCALAR)) < 0) goto fail;
  if ((attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0) goto fail;
  if (H5Awrite(attr, type, value) < 0) goto fail;
  goto cleanup;
fail:
  st = credal__fail(CREDAL_EIO, "cannot write attribute %s", name);
cleanup:
  if (attr >= 0) H5Aclose(attr);
  if (space >= 0) H5Sclose(space);
  return st;
}

credal_status credal__h5_write_string_attr(hid_t obj, const char *name, const char *value) {
  hid_t type = H5Tcopy(H5T_C_S1);
  if (type < 0 || H5Tset_size(type, H5T_VARIABLE) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0) {
    if (type >= 0) H5Tclose(type);
    return credal__fail(CREDAL_EIO, "cannot make a string type for attribute %s", name);
  }
  credal_status st = write_attr(obj, name, type, &value);
  H5Tclose(type);
  return st;
}

credal_status credal__h5_write_int_attr(hid_t obj, const char *name, int64_t value) {
  return write_attr(obj, name, H5T_NATIVE_INT64, &value);
}

credal_status credal__h5_write_double_attr(hid_t obj, const char *name, double value) {
  return write_attr(obj, name, H5T_NATIVE_DOUBLE, &value);
}

#define CHUNK_ELEMENTS 65536

credal_status credal__h5_create_rows(hid_t file, const char *name, hid_t type, int rank,
                                     const hsize_t *dims) {
  hsize_t chunk[3] = {1, 1, 1};
  if (rank == 1) chunk[0] = dims[0] < CHUNK_ELEMENTS ? dims[0] : CHUNK_ELEMENTS;
  for (int i = rank - 1, room = CHUNK_ELEMENTS; i >= 1; i--) {
    chunk[i] = dims[i] < (hsize_t)room ? dims[i] : (hsize_t)room;
    room = (int)(room / chunk[i]) > 0 ? (int)(room / chunk[i]) : 1;
  }
  hid_t space = H5Screate_simple(rank, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE), d = -1;
  if (space >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, rank, chunk) >= 0 &&
      H5Pset_obj_track_times(dcpl, 0) >= 0 && H5Pset_shuffle(dcpl) >= 0 &&
      H5Pset_deflate(dcpl, 4) >= 0)
    d = H5Dcreate2(file, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (space >= 0) H5Sclose(space);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (d < 0) return credal__fail(CREDAL_ECANTCREATE, "cannot create the dataset %s", name);
  H5Dclose(d);
  return CREDAL_OK;
}

credal_status credal__h5_write_row(hid_t file, const char *name, hid_t memtype, int64_t h,
                                   const void *values) {
  hid_t d = H5Dopen2(file, name, H5P_DEFAULT), space = -1, mem = -1;
  herr_t e = -1;
  if (d >= 0 && (space = H5Dget_space(d)) >= 0) {
    hsize_t dims[3] = {0, 1, 1}, start[3] = {(hsize_t)h, 0, 0};
    const int rank = H5Sget_simple_extent_dims(space, dims, NULL);
    dims[0] = 1;
    if (rank > 0 && H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, dims, NULL) >= 0 &&
        (mem = H5Screate_simple(rank, dims, NULL)) >= 0)
      e = H5Dwrite(d, memtype, mem, space, H5P_DEFAULT, values);
  }
  if (mem >= 0) H5Sclose(mem);
  if (space >= 0) H5Sclose(space);
  if (d >= 0) H5Dclose(d);
  if (e < 0) return credal__fail(CREDAL_EIO, "%s: cannot write row %lld", name, (long long)h);
  return CREDAL_OK;
}

/* Row h's chunks of d (dims (rows, T, S), chunks (1, ct, cs); rank 2: T = ct = 1), encoded. */
static credal_status write_chunks(hid_t d, const char *name, int rank, const hsize_t *dims,
                                  const hsize_t *chunk, size_t elem, int64_t h,
                                  const unsigned char *values) {
  /* shuffle + deflate, the dcpl's filters (its level 4 is only for HDF5's own encoder) */
  const credal__codec codec = CREDAL_CODEC_DEFAULT;
  const hsize_t T = rank == 3 ? dims[1] : 1, S = dims[rank - 1];
  const hsize_t ct = rank == 3 ? chunk[1] : 1, cs = chunk[rank - 1];
  const size_t bytes = (size_t)(ct * cs) * elem, bound = credal__chunk_encode_bound(&codec, bytes);
  unsigned char *raw = malloc(bytes), *out = malloc(bound);
  credal__codec_scratch *scratch = credal__codec_scratch_new();
  credal_status st = raw && out && scratch ? CREDAL_OK
                                           : credal__fail(CREDAL_ENOMEM, "%s: out of memory", name);
  for (hsize_t t0 = 0; t0 < T && !st; t0 += ct)
    for (hsize_t s0 = 0; s0 < S && !st; s0 += cs) {
      const hsize_t rows = t0 + ct <= T ? ct : T - t0, cols = s0 + cs <= S ? cs : S - s0;
      memset(raw, 0, bytes);
      for (hsize_t t = 0; t < rows; t++)
        memcpy(raw + (size_t)(t * cs) * elem, values + (size_t)((t0 + t) * S + s0) * elem,
               (size_t)cols * elem);
      size_t size = 0;
      st = credal__chunk_encode(&codec, elem, raw, bytes, out, &size, scratch);
      const hsize_t at3[3] = {(hsize_t)h, t0, s0}, at2[2] = {(hsize_t)h, s0};
      if (!st && H5Dwrite_chunk(d, H5P_DEFAULT, 0, rank == 3 ? at3 : at2, size, out) < 0)
        st = credal__h5_fail(CREDAL_EIO, name, "writing a chunk");
    }
  free(raw), free(out), credal__codec_scratch_free(scratch);
  return st;
}

credal_status credal__h5_write_row_chunks(hid_t file, const char *name, size_t elem, int64_t h,
                                          const void *values) {
  hid_t d = H5Dopen2(file, name, H5P_DEFAULT), space = -1, dcpl = -1;
  hsize_t dims[3] = {0, 0, 0}, chunk[3] = {0, 0, 0};
  int rank = -1;
  if (d >= 0 && (space = H5Dget_space(d)) >= 0 && (dcpl = H5Dget_create_plist(d)) >= 0)
    rank = H5Sget_simple_extent_dims(space, dims, NULL);
  credal_status st = CREDAL_OK;
  if (rank < 2 || rank > 3 || H5Pget_chunk(dcpl, rank, chunk) != rank || chunk[0] != 1)
    st = credal__fail(CREDAL_EINTERNAL, "%s: not a dataset of rows in chunks of one", name);
  else
    st = write_chunks(d, name, rank, dims, chunk, elem, h, values);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (space >= 0) H5Sclose(space);
  if (d >= 0) H5Dclose(d);
  return st;
}

credal_status credal__h5_write_all(hid_t file, const char *name, hid_t memtype,
                                   const void *values) {
  hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  const herr_t e = d >= 0 ? H5Dwrite(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) : -1;
  if (d >= 0) H5Dclose(d);
  if (e < 0) return credal__fail(CREDAL_EIO, "%s: cannot write it", name);
  return CREDAL_OK;
}
