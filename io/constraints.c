/* Reading credal-constraints v1 files; see constraints.h. */
#include "constraints.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "h5util.h"

static const char P_A[] = "/constraints/A", P_B[] = "/constraints/b";
static const char P_OFFSETS[] = "/constraints/offsets", P_UTILITY[] = "/policies/utility";
static const char P_PRIOR[] = "/hypotheses/prior", P_PRIOR_SET[] = "/hypotheses/prior_set";

/* A problem with the last error's message. */
static credal_status report_last(credal__problems *sink, credal_status st) {
  char msg[CREDAL_MSG_MAX];
  snprintf(msg, sizeof msg, "%s", credal_last_error());
  credal__problem(sink, st, "%s", msg);
  return st;
}

/* Reads a whole dataset of the given rank as `memtype` into a new buffer; dims[] receives its
 * shape. Absent and optional: CREDAL_OK with *out NULL. */
static credal_status read_whole(hid_t file, const char *name, int rank, int integer, int required,
                                hsize_t *dims, void **out, credal__problems *sink) {
  hid_t d = H5I_INVALID_HID;
  credal_status st = credal__h5_open_dataset(file, name, &d);
  *out = NULL;
  if (st) return report_last(sink, st);
  if (d < 0) {
    if (!required) return CREDAL_OK;
    credal__problem(sink, CREDAL_EDATA, "%s: missing (required dataset)", name);
    return CREDAL_EDATA;
  }
  H5T_class_t cls;
  size_t size;
  H5T_sign_t sign;
  int r = 0;
  hsize_t shape[2] = {0, 0};
  if ((st = credal__h5_dtype(d, name, &cls, &size, &sign)) ||
      (st = credal__h5_shape(d, name, &r, shape, 2))) {
    report_last(sink, st);
    goto done;
  }
  if (cls != (integer ? H5T_INTEGER : H5T_FLOAT) || (integer && size > 8) || (!integer && size != 4 && size != 8)) {
    st = CREDAL_EDATA;
    char words[96];
    credal__problem(sink, st, "%s: %s, expected %s%s", name,
                    credal__h5_data_words(d, cls, words, sizeof words),
                    integer ? "integers" : "float32 or float64",
                    cls == H5T_ENUM ? (integer ? " (write it with .astype(np.int64))"
                                               : " (write it with .astype(np.float64))")
                                    : "");
    goto done;
  }
  if (r != rank || shape[0] == 0 || (rank == 2 && shape[1] == 0) ||
      shape[0] > ((hsize_t)1 << 40) || (rank == 2 && shape[1] > ((hsize_t)1 << 31))) {
    char text[64];
    credal__h5_shape_text(r, shape, text, sizeof text);
    st = CREDAL_EDATA;
    credal__problem(sink, st, "%s: shape %s, expected rank %d with no zero or huge dimension",
                    name, text, rank);
    goto done;
  }
  const size_t n = (size_t)shape[0] * (rank == 2 ? (size_t)shape[1] : 1);
  void *buf = malloc(n * 8 + 8);
  if (!buf) {
    st = report_last(sink, credal__fail(CREDAL_ENOMEM, "%s: out of memory", name));
    goto done;
  }
  const hsize_t start[2] = {0, 0};
  if ((st = credal__h5_read_block(d, name, rank, start, shape,
                                  integer ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE, buf))) {
    free(buf);
    report_last(sink, st);
    goto done;
  }
  dims[0] = shape[0], dims[1] = rank == 2 ? shape[1] : 0;
  *out = buf;
done:
  H5Oclose(d);
  return st;
}

/* Finite values; one problem per dataset row at most. */
static void check_finite(const char *name, const double *v, int64_t rows, int64_t cols,
                         credal__problems *sink) {
  const int64_t w = cols > 0 ? cols : 1;
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < w; j++)
      if (!isfinite(v[i * w + j])) {
        if (cols > 0)
          credal__problem(sink, CREDAL_EDATA, "%s: row %lld, column %lld: %g is not finite", name,
                          (long long)i, (long long)j, v[i * w + j]);
        else
          credal__problem(sink, CREDAL_EDATA, "%s[%lld]: %g is not finite", name, (long long)i,
                          v[i]);
        break;
      }
}

credal_status credal__constraints_read(const char *path, credal__problems *sink,
                                       credal__constraints *c) {
  memset(c, 0, sizeof *c);
  credal__h5_init();
  if (H5Fis_hdf5(path) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    credal__problem(sink, CREDAL_ENOINPUT, "%s: cannot open, or not an HDF5 file", path);
    return CREDAL_ENOINPUT;
  }
  hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) {
    char text[800];
    credal__h5_open_error(path, text, sizeof text);
    credal__problem(sink, CREDAL_ENOINPUT, "%s", text);
    return CREDAL_ENOINPUT;
  }
  const int64_t before = sink->count;
  char schema[64];
  int found = 0;
  int64_t version = 0;
  if (credal__h5_attr_string(file, "/", "schema", schema, sizeof schema, &found) || !found ||
      strcmp(schema, "credal-constraints") != 0) {
    credal__problem(sink, CREDAL_EDATA, "/: schema is %s%s%s, expected 'credal-constraints'",
                    found ? "'" : "", found ? schema : "missing", found ? "'" : "");
    goto done;
  }
  if (credal__h5_attr_int64(file, "/", "version", &version, &found) || !found || version != 1) {
    credal__problem(sink, CREDAL_EDATA, "/: version must be 1");
    goto done;
  }
  hsize_t a[2], b[2], o[2], u[2], p[2], z[2];
  void *A, *B, *O, *U, *Pr, *Z;
  read_whole(file, P_A, 2, 0, 1, a, &A, sink);
  read_whole(file, P_B, 1, 0, 1, b, &B, sink);
  read_whole(file, P_OFFSETS, 1, 1, 1, o, &O, sink);
  read_whole(file, P_UTILITY, 2, 0, 1, u, &U, sink);
  read_whole(file, P_PRIOR, 1, 0, 0, p, &Pr, sink);
  read_whole(file, P_PRIOR_SET, 2, 0, 0, z, &Z, sink);
  c->A = A, c->b = B, c->offsets = O, c->utility = U, c->prior = Pr, c->prior_set = Z;
  if (sink->count > before) goto done;
  c->rows = (int64_t)a[0], c->dim = (int64_t)a[1], c->hypotheses = (int64_t)o[0] - 1;
  c->policies = (int64_t)u[0], c->prior_set_size = Z ? (int64_t)z[0] : 0;
  if ((int64_t)b[0] != c->rows)
    credal__problem(sink, CREDAL_EDATA, "%s: %llu entries, but %s has %lld rows", P_B,
                    (unsigned long long)b[0], P_A, (long long)c->rows);
  if ((int64_t)u[1] != c->dim)
    credal__problem(sink, CREDAL_EDATA, "%s: d = %llu, but %s has d = %lld", P_UTILITY,
                    (unsigned long long)u[1], P_A, (long long)c->dim);
  if (c->hypotheses < 1 || c->hypotheses > INT32_MAX)
    credal__problem(sink, CREDAL_EDATA, "%s: needs H+1 entries, 2 <= H+1 <= 2^31", P_OFFSETS);
  if (Pr && (int64_t)p[0] != c->hypotheses)
    credal__problem(sink, CREDAL_EDATA, "%s: %llu entries, but there are H = %lld hypotheses",
                    P_PRIOR, (unsigned long long)p[0], (long long)c->hypotheses);
  if (Z && (int64_t)z[1] != c->hypotheses)
    credal__problem(sink, CREDAL_EDATA, "%s: %llu columns, but there are H = %lld hypotheses",
                    P_PRIOR_SET, (unsigned long long)z[1], (long long)c->hypotheses);
  if (sink->count > before) goto done;
  for (int64_t h = 0; h <= c->hypotheses; h++) {
    const int64_t v = c->offsets[h];
    if ((h == 0 && v != 0) || (h > 0 && v < c->offsets[h - 1]) || v > c->rows ||
        (h == c->hypotheses && v != c->rows)) {
      credal__problem(sink, CREDAL_EDATA,
                      "%s: offsets[%lld] = %lld (need offsets[0] = 0, non-decreasing, "
                      "offsets[H] = M_total = %lld)",
                      P_OFFSETS, (long long)h, (long long)v, (long long)c->rows);
      break;
    }
  }
  check_finite(P_A, c->A, c->rows, c->dim, sink);
  check_finite(P_B, c->b, c->rows, 0, sink);
  check_finite(P_UTILITY, c->utility, c->policies, c->dim, sink);
done:
  H5Fclose(file);
  H5Eclear2(H5E_DEFAULT);
  if (sink->count > before) {
    credal_status st = credal__problems_status(sink);
    credal__constraints_free(c);
    return st;
  }
  return CREDAL_OK;
}

void credal__constraints_free(credal__constraints *c) {
  free(c->offsets), free(c->A), free(c->b), free(c->utility), free(c->prior), free(c->prior_set);
  memset(c, 0, sizeof *c);
}
