/* Attribute and dataset writers; see h5write.h. */
#include "h5write.h"

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

credal_status credal__h5_write_all(hid_t file, const char *name, hid_t memtype,
                                   const void *values) {
  hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  const herr_t e = d >= 0 ? H5Dwrite(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) : -1;
  if (d >= 0) H5Dclose(d);
  if (e < 0) return credal__fail(CREDAL_EIO, "%s: cannot write it", name);
  return CREDAL_OK;
}
