/* The credal-mdp parts of a result; see result_mdp.h. Deflated (small next to the (H, P)
 * matrices), written by hyperslab a hypothesis at a time. */
#include "result_mdp.h"

#include <hdf5.h>

#include "h5write.h"

static const char P_VALUE[] = "/optimal/value", P_POLICY[] = "/optimal/policy";
static const char P_ITERATIONS[] = "/convergence/iterations";
static const char P_RESIDUAL[] = "/convergence/residual";

static credal_status create_group(hid_t file, const char *name) {
  hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
  if (gcpl >= 0) H5Pset_obj_track_times(gcpl, 0);
  hid_t g = H5Gcreate2(file, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
  if (gcpl >= 0) H5Pclose(gcpl);
  if (g < 0) return credal__fail(CREDAL_ECANTCREATE, "cannot create the group %s", name);
  H5Gclose(g);
  return CREDAL_OK;
}

credal_status credal__result_mdp_create(hid_t file, int64_t hypotheses, int64_t states,
                                        int64_t horizon) {
  const hsize_t H = (hsize_t)hypotheses, S = (hsize_t)states, T = (hsize_t)horizon;
  const hsize_t one[1] = {H}, policy[3] = {H, horizon > 0 ? T : S, S};
  credal_status st;
  if ((st = credal__h5_write_string_attr(file, "model", "mdp")) ||
      (st = create_group(file, "/optimal")) || (st = create_group(file, "/convergence")) ||
      (st = credal__h5_create_rows(file, P_VALUE, H5T_IEEE_F64LE, 1, one)) ||
      (st = credal__h5_create_rows(file, P_POLICY, H5T_STD_I32LE, horizon > 0 ? 3 : 2, policy)) ||
      (st = credal__h5_create_rows(file, P_ITERATIONS, H5T_STD_I64LE, 1, one)) ||
      (st = credal__h5_create_rows(file, P_RESIDUAL, H5T_IEEE_F64LE, 1, one)))
    return st;
  return CREDAL_OK;
}

credal_status credal__result_mdp_write(hid_t file, int64_t h, double value, const int32_t *policy,
                                       int64_t iterations, double residual) {
  credal_status st;
  if ((st = credal__h5_write_row(file, P_VALUE, H5T_NATIVE_DOUBLE, h, &value)) ||
      (st = credal__h5_write_row_chunks(file, P_POLICY, sizeof *policy, h, policy)) ||
      (st = credal__h5_write_row(file, P_ITERATIONS, H5T_NATIVE_INT64, h, &iterations)) ||
      (st = credal__h5_write_row(file, P_RESIDUAL, H5T_NATIVE_DOUBLE, h, &residual)))
    return st;
  return CREDAL_OK;
}

credal_status credal__result_mdp_finish(hid_t file, int64_t policy_iterations,
                                        double policy_residual) {
  hid_t g = H5Gopen2(file, "/convergence", H5P_DEFAULT);
  if (g < 0) return credal__fail(CREDAL_EIO, "cannot open /convergence");
  credal_status st = credal__h5_write_int_attr(g, "policy_iterations_max", policy_iterations);
  if (!st) st = credal__h5_write_double_attr(g, "policy_residual_max", policy_residual);
  H5Gclose(g);
  return st;
}

/* Whether the dataset name has the given shape. */
static int has_shape(hid_t file, const char *name, int rank, const hsize_t *want) {
  hid_t d = H5Dopen2(file, name, H5P_DEFAULT), space = d >= 0 ? H5Dget_space(d) : -1;
  hsize_t dims[3] = {0, 0, 0};
  const int ok = space >= 0 && H5Sget_simple_extent_ndims(space) == rank &&
                 H5Sget_simple_extent_dims(space, dims, NULL) == rank && dims[0] == want[0] &&
                 (rank < 2 || dims[1] == want[1]) && (rank < 3 || dims[2] == want[2]);
  if (space >= 0) H5Sclose(space);
  if (d >= 0) H5Dclose(d);
  H5Eclear2(H5E_DEFAULT);
  return ok;
}

credal_status credal__result_mdp_resume(hid_t file, int64_t hypotheses, int64_t states,
                                        int64_t horizon, int64_t *policy_iterations,
                                        double *policy_residual) {
  const hsize_t H = (hsize_t)hypotheses, S = (hsize_t)states, T = (hsize_t)horizon;
  const hsize_t one[1] = {H}, policy[3] = {H, horizon > 0 ? T : S, S};
  const char *bad = !has_shape(file, P_VALUE, 1, one)                         ? P_VALUE
                    : !has_shape(file, P_POLICY, horizon > 0 ? 3 : 2, policy) ? P_POLICY
                    : !has_shape(file, P_ITERATIONS, 1, one)                  ? P_ITERATIONS
                    : !has_shape(file, P_RESIDUAL, 1, one)                    ? P_RESIDUAL
                                                                              : NULL;
  if (bad)
    return credal__fail(CREDAL_EDATA,
                        "%s: missing or of another shape than this run's: not the "
                        "partial of this credal-mdp run",
                        bad);
  *policy_iterations = 0, *policy_residual = 0.0;
  hid_t g = H5Gopen2(file, "/convergence", H5P_DEFAULT);
  if (g >= 0 && H5Aexists(g, "policy_iterations_max") > 0) {
    hid_t a = H5Aopen(g, "policy_iterations_max", H5P_DEFAULT);
    if (a >= 0) H5Aread(a, H5T_NATIVE_INT64, policy_iterations), H5Aclose(a);
    a = H5Aopen(g, "policy_residual_max", H5P_DEFAULT);
    if (a >= 0) H5Aread(a, H5T_NATIVE_DOUBLE, policy_residual), H5Aclose(a);
  }
  if (g >= 0) H5Gclose(g);
  H5Eclear2(H5E_DEFAULT);
  return CREDAL_OK;
}

static const char P_CLASS_UPPER[] = "/resume/mdp_class_upper";

credal_status credal__result_mdp_save_rules(hid_t file, int64_t policies, const double *class_upper,
                                            double tau) {
  const hsize_t P[1] = {(hsize_t)policies};
  credal_status st = CREDAL_OK;
  if (H5Lexists(file, P_CLASS_UPPER, H5P_DEFAULT) <= 0)
    st = credal__h5_create_rows(file, P_CLASS_UPPER, H5T_IEEE_F64LE, 1, P);
  H5Eclear2(H5E_DEFAULT);
  if (!st) st = credal__h5_write_all(file, P_CLASS_UPPER, H5T_NATIVE_DOUBLE, class_upper);
  hid_t g = st ? -1 : H5Gopen2(file, "/resume", H5P_DEFAULT);
  if (g >= 0)
    st = credal__h5_write_double_attr(g, "mdp_rules_tau", tau), H5Gclose(g);
  else if (!st)
    st = credal__fail(CREDAL_EIO, "cannot open /resume");
  return st;
}

credal_status credal__result_mdp_load_rules(hid_t file, int64_t policies, double *class_upper,
                                            double *tau) {
  const hsize_t P[1] = {(hsize_t)policies};
  hid_t g = -1, a = -1, d = -1;
  int ok = has_shape(file, P_CLASS_UPPER, 1, P) &&
           (d = H5Dopen2(file, P_CLASS_UPPER, H5P_DEFAULT)) >= 0 &&
           H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, class_upper) >= 0 &&
           (g = H5Gopen2(file, "/resume", H5P_DEFAULT)) >= 0 &&
           (a = H5Aopen(g, "mdp_rules_tau", H5P_DEFAULT)) >= 0 &&
           H5Aread(a, H5T_NATIVE_DOUBLE, tau) >= 0;
  if (a >= 0) H5Aclose(a);
  if (g >= 0) H5Gclose(g);
  if (d >= 0) H5Dclose(d);
  H5Eclear2(H5E_DEFAULT);
  return ok ? CREDAL_OK
            : credal__fail(CREDAL_EDATA,
                           "/resume: the decision rules' state is missing or "
                           "damaged: not the partial of this --rules run");
}
