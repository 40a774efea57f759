/* Optional labels: /policies/names and /hypotheses/names, (n,) strings of any HDF5 string
 * type (their shape and type are checked when the input is opened). Here they decorate
 * messages and summaries, and travel into the result (/names/policies, /names/hypotheses) so
 * that it still names its rows when moved away from the input. */
#include <stdlib.h>
#include <string.h>

#include "batch_reader.h"
#include "h5util.h"

static void read_label(hid_t file, const char *path, int64_t n, int64_t index, char *buf,
                       size_t cap) {
  hid_t dset = H5I_INVALID_HID, ftype = H5I_INVALID_HID, mtype = H5I_INVALID_HID;
  hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
  char *fixed = NULL, *vl = NULL;
  int rank;
  hsize_t dims[1];
  buf[0] = '\0';
  if (credal__h5_open_dataset(file, path, &dset) || dset < 0) goto cleanup;
  if (credal__h5_shape(dset, path, &rank, dims, 1) || rank != 1 ||
      (n >= 0 && (int64_t)dims[0] != n) || index < 0 || index >= (int64_t)dims[0])
    goto cleanup;
  if ((ftype = H5Dget_type(dset)) < 0 || H5Tget_class(ftype) != H5T_STRING) goto cleanup;
  const int variable = H5Tis_variable_str(ftype) > 0;
  const size_t fixed_size = variable ? 0 : H5Tget_size(ftype);
  if (!variable && (fixed_size == 0 || fixed_size > 4096)) goto cleanup;
  if ((mtype = H5Tcopy(H5T_C_S1)) < 0 ||
      H5Tset_size(mtype, variable ? H5T_VARIABLE : fixed_size + 1) < 0 ||
      H5Tset_cset(mtype, H5Tget_cset(ftype)) < 0 || H5Tset_strpad(mtype, H5T_STR_NULLTERM) < 0)
    goto cleanup;
  const hsize_t start[1] = {(hsize_t)index}, one[1] = {1};
  if ((fspace = H5Dget_space(dset)) < 0 ||
      H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, one, NULL) < 0 ||
      (mspace = H5Screate_simple(1, one, NULL)) < 0)
    goto cleanup;
  if (variable) {
    if (H5Dread(dset, mtype, mspace, fspace, H5P_DEFAULT, &vl) >= 0 && vl)
      snprintf(buf, cap, "%s", vl);
  } else if ((fixed = calloc(1, fixed_size + 1)) &&
             H5Dread(dset, mtype, mspace, fspace, H5P_DEFAULT, fixed) >= 0) {
    snprintf(buf, cap, "%s", fixed);
  }
  /* control characters from an untrusted file must not reach a terminal */
  for (char *c = buf; *c; c++)
    if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
cleanup:
  if (vl) H5free_memory(vl);
  free(fixed);
  if (mspace >= 0) H5Sclose(mspace);
  if (fspace >= 0) H5Sclose(fspace);
  if (mtype >= 0) H5Tclose(mtype);
  if (ftype >= 0) H5Tclose(ftype);
  if (dset >= 0) H5Dclose(dset);
  H5Eclear2(H5E_DEFAULT);
  credal__clear_error();
}

void credal_input_policy_name(const credal_input *in, int64_t policy, char *buf, size_t cap) {
  if (!cap) return;
  read_label(in->file, "/policies/names", in->summary.policies, policy, buf, cap);
}

void credal_input_hypothesis_name(const credal_input *in, int64_t hypothesis, char *buf,
                                  size_t cap) {
  if (!cap) return;
  read_label(in->file, "/hypotheses/names", in->summary.hypotheses, hypothesis, buf, cap);
}

credal_status credal__input_copy_names(const credal_input *in, hid_t dst) {
  return credal__copy_names(in->file, dst);
}

credal_status credal__copy_names(hid_t src, hid_t dst) {
  static const char *const from[2] = {"/policies/names", "/hypotheses/names"};
  static const char *const to[2] = {"names/policies", "names/hypotheses"};
  credal_status st = CREDAL_OK;
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  if (lcpl < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0)
    st = credal__fail(CREDAL_EIO, "cannot prepare to copy the names");
  for (int i = 0; i < 2 && !st; i++) {
    /* the group first: H5Lexists fails on a path through a missing group */
    const char *group = i ? "hypotheses" : "policies";
    if (H5Lexists(src, group, H5P_DEFAULT) <= 0 || H5Lexists(src, from[i], H5P_DEFAULT) <= 0)
      continue;
    if (H5Ocopy(src, from[i], dst, to[i], H5P_DEFAULT, lcpl) < 0)
      st = credal__h5_fail(CREDAL_EIO, from[i], "copying the labels into the result");
  }
  if (lcpl >= 0) H5Pclose(lcpl);
  H5Eclear2(H5E_DEFAULT);
  return st;
}

void credal__file_label(const char *path, const char *dataset, int64_t index, char *buf,
                        size_t cap) {
  if (!cap) return;
  buf[0] = '\0';
  hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) {
    H5Eclear2(H5E_DEFAULT);
    return;
  }
  read_label(file, dataset, -1, index, buf, cap);
  H5Fclose(file);
}
