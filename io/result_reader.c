/* credal-result v1 reader; see result_reader.h. */
#include <hdf5.h>
#include <string.h>

#include "h5util.h"
#include "result_reader.h"

static credal_status open_file(const char *path, hid_t *file) {
  credal__h5_init();
  if (H5Fis_hdf5(path) <= 0)
    return credal__fail(CREDAL_ENOINPUT, "%s: cannot open (missing, unreadable or not HDF5)", path);
  *file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (*file < 0) {
    char text[800];
    credal__h5_open_error(path, text, sizeof text);
    return credal__fail(CREDAL_ENOINPUT, "%s", text);
  }
  return CREDAL_OK;
}

credal_status credal__file_schema(const char *path, char *schema, size_t cap) {
  hid_t file = -1;
  credal_status st = open_file(path, &file);
  if (st) return st;
  int found = 0;
  st = credal__h5_attr_string(file, "/", "schema", schema, cap, &found);
  if (!found) schema[0] = '\0';
  H5Fclose(file);
  return st;
}

credal_status credal__result_read_info(const char *path, credal__result_info *info) {
  hid_t file = -1, obj = -1;
  int found;
  memset(info, 0, sizeof *info);
  for (int i = 0; i < 4; i++) info->choice[i] = -1;
  info->set_minimax_regret = -1;
  info->rules = 0;
  credal_status st = open_file(path, &file);
  if (st) return st;
  if ((st = credal__h5_attr_int64(file, "/", "version", &info->version, &found)) ||
      (st = credal__h5_attr_int64(file, "/", "complete", &info->complete, &found)) ||
      (st = credal__h5_attr_string(file, "/", "backend", info->backend, sizeof info->backend, &found)) ||
      (st = credal__h5_attr_string(file, "/", "device", info->device, sizeof info->device, &found)) ||
      (st = credal__h5_attr_string(file, "/", "precision", info->precision, sizeof info->precision, &found)) ||
      (st = credal__h5_attr_string(file, "/", "credal_version", info->credal_version,
                                   sizeof info->credal_version, &found)) ||
      (st = credal__h5_attr_string(file, "/", "input", info->input, sizeof info->input, &found)) ||
      (st = credal__h5_attr_double(file, "/", "elapsed_seconds", &info->elapsed_seconds, &found)))
    goto cleanup;
  /* H and P: from /lower, or in a --outputs policy result from /best/value and the policies' */
  char outputs[16] = "all";
  if ((st = credal__h5_attr_string(file, "/", "outputs", outputs, sizeof outputs, &found)))
    goto cleanup;
  info->policy_only = !strcmp(outputs, "policy");
  const char *sizes[2] = {"/lower", "/lower"};
  if (info->policy_only) sizes[0] = "/best/value", sizes[1] = "/policy/class_lower";
  for (int k = 0; k < 2; k++) {
    int rank;
    hsize_t dims[2] = {0, 0};
    if ((st = credal__h5_open_dataset(file, sizes[k], &obj))) goto cleanup;
    if (obj < 0) {
      st = credal__fail(CREDAL_EDATA, "%s: %s is missing", path, sizes[k]);
      goto cleanup;
    }
    st = credal__h5_shape(obj, sizes[k], &rank, dims, 2);
    H5Oclose(obj);
    obj = -1;
    if (st) goto cleanup;
    if (rank != (info->policy_only ? 1 : 2)) {
      st = credal__fail(CREDAL_EDATA, "%s: %s has rank %d, expected %d", path, sizes[k], rank,
                        info->policy_only ? 1 : 2);
      goto cleanup;
    }
    if (k == 0) info->hypotheses = (int64_t)dims[0];
    else info->policies = (int64_t)dims[info->policy_only ? 0 : 1];
  }
  info->has_upper = H5Lexists(file, "/upper", H5P_DEFAULT) > 0;
  info->has_bayes = H5Lexists(file, "/policy", H5P_DEFAULT) > 0 &&
                    H5Lexists(file, "/policy/bayes_regret", H5P_DEFAULT) > 0;
  info->has_credal = H5Lexists(file, "/policy", H5P_DEFAULT) > 0 &&
                     H5Lexists(file, "/policy/credal_regret", H5P_DEFAULT) > 0;
  if (H5Lexists(file, "/choice", H5P_DEFAULT) > 0) {
    hid_t g = H5Gopen2(file, "/choice", H5P_DEFAULT);
    const char *names[4] = {"maximin", "minimax_regret", "bayes", "credal"};
    for (int i = 0; g >= 0 && i < 4 && !st; i++)
      st = credal__h5_attr_int64(g, "/choice", names[i], &info->choice[i], &found);
    info->set_minimax_regret = -1;
    if (g >= 0 && !st)
      st = credal__h5_attr_int64(g, "/choice", "set_minimax_regret", &info->set_minimax_regret, &found);
    if (g >= 0) H5Gclose(g);
  }
  char name[64];
  for (int r = 0; r < CREDAL_RULE_COUNT && H5Lexists(file, "/rules", H5P_DEFAULT) > 0 &&
                  H5Lexists(file, "/rules/class", H5P_DEFAULT) > 0; r++) {
    snprintf(name, sizeof name, "/rules/class/%s", credal_rule_name((credal_rule)r));
    if (H5Lexists(file, name, H5P_DEFAULT) > 0) info->rules |= 1u << r;
  }
  if (H5Lexists(file, "/rules", H5P_DEFAULT) > 0 && H5Lexists(file, "/rules/class", H5P_DEFAULT) > 0 &&
      H5Lexists(file, "/rules/class/set_regret", H5P_DEFAULT) > 0)
    info->rules |= CREDAL_RULES_SET_REGRET;
cleanup:
  if (obj >= 0) H5Oclose(obj);
  H5Fclose(file);
  return st;
}

/* Row h of an (H, n) dataset (rank 2), or the whole (n,) dataset (rank 1, h = 0), as float64. */
static credal_status read_values(const char *path, const char *dataset, int rank, int64_t h,
                                 int64_t n, double *out) {
  hid_t file = -1, d = -1;
  credal_status st = open_file(path, &file);
  if (st) return st;
  int have;
  hsize_t dims[2] = {0, 0};
  if ((st = credal__h5_open_dataset(file, dataset, &d))) goto cleanup;
  if (d < 0) {
    st = credal__fail(CREDAL_EDATA, "%s: %s is missing", path, dataset);
    goto cleanup;
  }
  if ((st = credal__h5_shape(d, dataset, &have, dims, 2))) goto cleanup;
  if (have != rank || (int64_t)dims[rank - 1] != n || h < 0 || (rank == 2 && h >= (int64_t)dims[0])) {
    st = rank == 1 ? credal__fail(CREDAL_EDATA, "%s: %s should have shape (%lld,)", path, dataset,
                                  (long long)n)
                   : credal__fail(CREDAL_EDATA, "%s: %s has no row %lld of %lld values", path,
                                  dataset, (long long)h, (long long)n);
    goto cleanup;
  }
  const hsize_t start[2] = {(hsize_t)h, 0}, count[2] = {rank == 2 ? 1 : (hsize_t)n, (hsize_t)n};
  st = credal__h5_read_block(d, dataset, rank, start, count, H5T_NATIVE_DOUBLE, out);
cleanup:
  if (d >= 0) H5Oclose(d);
  H5Fclose(file);
  return st;
}

credal_status credal__result_read_vector(const char *path, const char *dataset, int64_t n,
                                         double *out) {
  return read_values(path, dataset, 1, 0, n, out);
}

credal_status credal__result_read_row(const char *path, const char *dataset, int64_t h, int64_t n,
                                      double *out) {
  return read_values(path, dataset, 2, h, n, out);
}

