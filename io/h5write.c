/* Attribute writers; see h5write.h. */
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
