/* Reading credal-batch v1 files (SPEC §2).
 *
 * credal__input_open checks the whole structure before anything large is allocated: the file,
 * its schema and version, links (hard only), storage (no external or virtual data, known
 * filters), ranks, dtypes, shapes, size products, the kind and tolerance attributes, and the
 * offsets, streamed in windows so memory does not grow with H. Values are read later, a block
 * of rows at a time, always converted to float64 by HDF5 (float32 files included). */
#include "batch_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "h5util.h"

/* Offsets cached per window: 512 KiB, whatever H is. */
#define OFFSETS_WINDOW ((int64_t)65536)

static const char P_HYPOTHESES[] = "/hypotheses";
static const char P_POLICIES[] = "/policies";
static const char P_POINTS[] = "/hypotheses/points";
static const char P_OFFSETS[] = "/hypotheses/offsets";
static const char P_CONSTANTS[] = "/hypotheses/constants";
static const char P_PRIOR[] = "/hypotheses/prior";
static const char P_PRIOR_SET[] = "/hypotheses/prior_set";
static const char P_UTILITY[] = "/policies/utility";

/* ---- problems during open ---- */

typedef struct {
  credal__problems *sink;
  credal_status first; /* first problem of this open */
} opener;

static void problem(opener *o, credal_status status, const char *fmt, ...) CREDAL_PRINTF(3, 4);

static void problem(opener *o, credal_status status, const char *fmt, ...) {
  va_list ap;
  if (o->first == CREDAL_OK) o->first = status;
  va_start(ap, fmt);
  credal__vproblem(o->sink, status, fmt, ap);
  va_end(ap);
}

/* A helper failed and set the last error: that message becomes the problem. */
static void problem_last(opener *o, credal_status status) {
  char msg[CREDAL_MSG_MAX];
  snprintf(msg, sizeof msg, "%s", credal_last_error());
  problem(o, status, "%s", msg);
}

/* ---- datasets ---- */

typedef struct {
  const char *path;
  H5T_class_t cls; /* H5T_FLOAT: float32/float64; H5T_INTEGER: up to 64 bits */
  int rank;
  const char *shape; /* "(K_total, d)" for messages */
  int required;
} dataset_rule;

/* Opens a dataset and checks its class, width, rank and that no dimension is zero.
 * Returns 1 with *id open and dims/size/sign set when usable, 0 when absent (a problem if
 * required), -1 after reporting a problem (nothing left open). */
static int open_checked(opener *o, hid_t file, const dataset_rule *rule, hid_t *id,
                        hsize_t *dims, size_t *size, H5T_sign_t *sign) {
  credal_status st;
  H5T_class_t cls;
  int rank = 0, bad = 0;
  hsize_t d[2] = {0, 0};
  char shape[96];

  *id = H5I_INVALID_HID;
  st = credal__h5_open_dataset(file, rule->path, id);
  if (st != CREDAL_OK) {
    problem_last(o, st);
    return -1;
  }
  if (*id < 0) {
    if (rule->required)
      problem(o, CREDAL_EDATA, "%s: missing (required dataset, %s %s)", rule->path,
              rule->cls == H5T_FLOAT ? "float" : "integer", rule->shape);
    return 0;
  }

  st = credal__h5_dtype(*id, rule->path, &cls, size, sign);
  if (st != CREDAL_OK) {
    problem_last(o, st);
    bad = 1;
  } else if (cls != rule->cls) {
    problem(o, CREDAL_EDATA, "%s: %s data, expected %s", rule->path, credal__h5_class_name(cls),
            rule->cls == H5T_FLOAT ? "float32 or float64" : "integers");
    bad = 1;
  } else if (cls == H5T_FLOAT && *size != 4 && *size != 8) {
    problem(o, CREDAL_EDATA, "%s: %zu-byte floats, expected float32 or float64", rule->path,
            *size);
    bad = 1;
  } else if (cls == H5T_INTEGER && *size > 8) {
    problem(o, CREDAL_EDATA, "%s: %zu-byte integers, wider than 64 bits", rule->path, *size);
    bad = 1;
  }

  st = credal__h5_shape(*id, rule->path, &rank, d, 2);
  if (st != CREDAL_OK) {
    problem_last(o, st);
    bad = 1;
  } else if (rank != rule->rank) {
    problem(o, CREDAL_EDATA, "%s: rank %d, expected rank %d %s", rule->path, rank, rule->rank,
            rule->shape);
    bad = 1;
  } else {
    int zero = 0, huge = 0;
    for (int i = 0; i < rank; i++) {
      zero |= d[i] == 0;
      huge |= d[i] > (hsize_t)INT64_MAX;
    }
    credal__h5_shape_text(rank, d, shape, sizeof shape);
    if (zero) {
      problem(o, CREDAL_EDATA, "%s: shape %s has a zero-size dimension, expected %s",
              rule->path, shape, rule->shape);
      bad = 1;
    } else if (huge) {
      problem(o, CREDAL_EDATA, "%s: shape %s is too large", rule->path, shape);
      bad = 1;
    }
  }
  if (bad) {
    H5Oclose(*id);
    *id = H5I_INVALID_HID;
    return -1;
  }
  dims[0] = d[0];
  dims[1] = rank > 1 ? d[1] : 0;
  return 1;
}

/* a*b elements fit in 64 bits, and so do their bytes as float64. */
static int product_fits(uint64_t a, uint64_t b, uint64_t *out) {
  if (credal__mul_u64(a, b, out)) return 0;
  return *out <= (uint64_t)INT64_MAX / sizeof(double);
}

/* Opens a group by hard links; 1 when usable, 0 when absent, -1 after a problem. */
static int open_group(opener *o, hid_t file, const char *path, hid_t *out) {
  int found = 0;
  credal_status st = credal__h5_open_hard(file, path, out, &found);
  if (st != CREDAL_OK) {
    problem_last(o, st);
    return -1;
  }
  if (!found) return 0;
  if (H5Iget_type(*out) != H5I_GROUP) {
    problem(o, CREDAL_EDATA, "%s: is a %s, not a group", path,
            H5Iget_type(*out) == H5I_DATASET ? "dataset" : "named datatype");
    H5Oclose(*out);
    *out = H5I_INVALID_HID;
    return -1;
  }
  return 1;
}

/* Streams /hypotheses/offsets through the window buffer: offsets[0] = 0, strictly increasing,
 * every K_h <= INT32_MAX, offsets[H] = K_total (when known, else k_total < 0). */
static void scan_offsets(opener *o, credal_input *in, int64_t hypotheses, int64_t k_total,
                         int unsigned64, int64_t *max_generators) {
  const int64_t total = hypotheses + 1;
  int64_t pos = 0, prev = 0, n = 0;
  int prev_ok = 0;

  *max_generators = 0;
  while (pos < total) {
    hsize_t start, count;
    credal_status st;

    n = total - pos < in->window_capacity ? total - pos : in->window_capacity;
    start = (hsize_t)pos;
    count = (hsize_t)n;
    st = credal__h5_read_block(in->offsets, P_OFFSETS, 1, &start, &count,
                               unsigned64 ? H5T_NATIVE_UINT64 : H5T_NATIVE_INT64, in->window);
    if (st != CREDAL_OK) {
      problem_last(o, st);
      in->window_count = 0;
      return;
    }
    for (int64_t i = 0; i < n; i++) {
      const int64_t idx = pos + i;
      int64_t v;
      if (unsigned64) {
        uint64_t u;
        memcpy(&u, &in->window[i], sizeof u);
        if (u > (uint64_t)INT64_MAX) {
          problem(o, CREDAL_EDATA, "%s: offsets[%lld] = %llu does not fit in int64", P_OFFSETS,
                  (long long)idx, (unsigned long long)u);
          prev_ok = 0;
          continue;
        }
        v = (int64_t)u;
      } else {
        v = in->window[i];
      }
      if (idx == 0) {
        if (v != 0) problem(o, CREDAL_EDATA, "%s: offsets[0] = %lld, must be 0", P_OFFSETS,
                            (long long)v);
      } else if (prev_ok) {
        const int64_t h = idx - 1;
        if (v == prev) {
          problem(o, CREDAL_EDATA, "%s: hypothesis %lld is empty (offsets[%lld] = offsets[%lld] = %lld)",
                  P_OFFSETS, (long long)h, (long long)h, (long long)idx, (long long)v);
        } else if (v < prev) {
          problem(o, CREDAL_EDATA,
                  "%s: offsets[%lld] = %lld is less than offsets[%lld] = %lld (offsets must "
                  "increase strictly)",
                  P_OFFSETS, (long long)idx, (long long)v, (long long)h, (long long)prev);
        } else {
          const uint64_t k = (uint64_t)v - (uint64_t)prev;
          if (k > (uint64_t)INT32_MAX)
            problem(o, CREDAL_EDATA, "%s: hypothesis %lld has %llu generators, more than %d",
                    P_OFFSETS, (long long)h, (unsigned long long)k, INT32_MAX);
          else if ((int64_t)k > *max_generators)
            *max_generators = (int64_t)k;
        }
      }
      if (idx == total - 1 && k_total >= 0 && v != k_total)
        problem(o, CREDAL_EDATA,
                "%s: offsets[%lld] = %lld (the last, H = %lld), but %s has %lld rows", P_OFFSETS,
                (long long)idx, (long long)v, (long long)hypotheses, P_POINTS,
                (long long)k_total);
      prev = v;
      prev_ok = 1;
    }
    pos += n;
  }
  /* The last window stays cached (read as int64 above: equal values once the scan passed). */
  in->window_start = pos - n;
  in->window_count = n;
}

credal_status credal__input_open(const char *path, credal__problems *sink, credal_input **out) {
  static const char *const structured[] = {"/tv_balls", "/contamination", "/intervals"};
  opener o;
  credal_input *in = NULL;
  hid_t hyp = H5I_INVALID_HID, pol = H5I_INVALID_HID;
  credal_status st;
  int found = 0, is_structured = 0, hyp_ok = 0, pol_ok = 0;
  int points_ok = 0, offsets_ok = 0, offsets_unsigned64 = 0, tol_found = 0;
  int64_t k_total = 0, dim = 0, hypotheses = 0, policies = 0, prior_set_size = 0;
  int64_t max_generators = 0;
  double tolerance = 0.0;
  credal_kind kind = CREDAL_KIND_DISTRIBUTION;
  hsize_t dims[2];
  size_t size = 0;
  H5T_sign_t sign = H5T_SGN_ERROR;
  int fd;
  struct stat sb;

  if (out) *out = NULL;
  if (!sink) return credal__fail(CREDAL_EINTERNAL, "credal__input_open: no problem sink");
  o.sink = sink;
  o.first = CREDAL_OK;
  if (!path || !out) {
    problem(&o, CREDAL_EUSAGE, "credal_input_open: %s is NULL", !path ? "path" : "out");
    return o.first;
  }
  credal__h5_init();

  /* ---- the file ---- */
  /* O_NONBLOCK: a FIFO named as input must not hang us here. */
  fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    problem(&o, CREDAL_ENOINPUT, "%s: %s", path, strerror(errno));
    goto done;
  }
  if (fstat(fd, &sb) != 0) {
    problem(&o, CREDAL_ENOINPUT, "%s: %s", path, strerror(errno));
    close(fd);
    goto done;
  }
  close(fd);
  if (S_ISDIR(sb.st_mode)) {
    problem(&o, CREDAL_ENOINPUT, "%s: %s", path, strerror(EISDIR));
    goto done;
  }
  if (!S_ISREG(sb.st_mode) && !S_ISBLK(sb.st_mode)) {
    problem(&o, CREDAL_ENOINPUT, "%s: not a regular file", path);
    goto done;
  }
  if (H5Fis_hdf5(path) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    problem(&o, CREDAL_ENOINPUT, "%s: not an HDF5 file", path);
    goto done;
  }

  in = calloc(1, sizeof *in);
  if (!in || !(in->path = strdup(path))) {
    problem(&o, CREDAL_ENOMEM, "%s: out of memory", path);
    goto done;
  }
  in->file = in->points = in->offsets = in->constants = H5I_INVALID_HID;
  in->prior = in->prior_set = in->utility = H5I_INVALID_HID;
  in->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (in->file < 0) {
    char text[600];
    credal__h5_error_text(text, sizeof text);
    problem(&o, CREDAL_ENOINPUT, "%s: HDF5 cannot open it (%s)", path, text);
    goto done;
  }

  /* ---- root attributes ---- */
  {
    char schema[128];
    int64_t version = 0;
    st = credal__h5_attr_string(in->file, "/", "schema", schema, sizeof schema, &found);
    if (st != CREDAL_OK) {
      problem_last(&o, st);
    } else if (!found) {
      problem(&o, CREDAL_EDATA,
              "/: attribute 'schema' is missing (expected 'credal-batch'; is this a credal "
              "input file?)");
    } else if (strcmp(schema, "credal-batch") != 0) {
      /* A different kind of file: its other contents mean nothing to us. */
      problem(&o, CREDAL_EDATA, "/: schema is '%s', expected 'credal-batch'", schema);
      goto done;
    }
    st = credal__h5_attr_int64(in->file, "/", "version", &version, &found);
    if (st != CREDAL_OK) {
      problem_last(&o, st);
    } else if (!found) {
      problem(&o, CREDAL_EDATA, "/: attribute 'version' is missing (expected 1)");
    } else if (version > 1) {
      problem(&o, CREDAL_EDATA, "/: version %lld is newer than this credal understands (1)",
              (long long)version);
      goto done;
    } else if (version < 1) {
      problem(&o, CREDAL_EDATA, "/: version %lld is not a credal-batch version (expected 1)",
              (long long)version);
    }
  }

  /* ---- structured credal sets: not yet ---- */
  for (size_t i = 0; i < sizeof structured / sizeof structured[0]; i++) {
    htri_t e = H5Lexists(in->file, structured[i] + 1, H5P_DEFAULT);
    if (e < 0) {
      problem_last(&o, credal__h5_fail(CREDAL_EDATA, structured[i], "looking up the link"));
    } else if (e > 0) {
      problem(&o, CREDAL_EUNSUPPORTED, "%s: structured credal sets are not supported yet",
              structured[i]);
      is_structured = 1;
    }
  }

  /* ---- /hypotheses ---- */
  found = open_group(&o, in->file, P_HYPOTHESES, &hyp);
  hyp_ok = found > 0;
  if (found == 0 && !is_structured)
    problem(&o, CREDAL_EDATA, "%s: missing (required group)", P_HYPOTHESES);
  if (hyp_ok) {
    char text[128];
    st = credal__h5_attr_string(hyp, P_HYPOTHESES, "kind", text, sizeof text, &found);
    if (st != CREDAL_OK) {
      problem_last(&o, st);
    } else if (found) {
      if (strcmp(text, "distribution") == 0)
        kind = CREDAL_KIND_DISTRIBUTION;
      else if (strcmp(text, "measure") == 0)
        kind = CREDAL_KIND_MEASURE;
      else if (strcmp(text, "payoff") == 0)
        kind = CREDAL_KIND_PAYOFF;
      else
        problem(&o, CREDAL_EDATA,
                "%s: kind '%s' is not one of distribution, measure, payoff", P_HYPOTHESES,
                text);
    }
    st = credal__h5_attr_double(hyp, P_HYPOTHESES, "tolerance", &tolerance, &tol_found);
    if (st != CREDAL_OK) problem_last(&o, st);
    if (st == CREDAL_OK && tol_found && !(isfinite(tolerance) && tolerance >= 0.0)) {
      problem(&o, CREDAL_EDATA, "%s: tolerance %g must be finite and >= 0", P_HYPOTHESES,
              tolerance);
    }

    {
      const dataset_rule rule = {P_POINTS, H5T_FLOAT, 2, "(K_total, d)", !is_structured};
      if (open_checked(&o, in->file, &rule, &in->points, dims, &size, &sign) > 0) {
        uint64_t prod;
        points_ok = 1;
        k_total = (int64_t)dims[0];
        dim = (int64_t)dims[1];
        in->summary.points_f32 = size == 4;
        if (!product_fits(dims[0], dims[1], &prod)) {
          problem(&o, CREDAL_EDATA, "%s: K_total*d = %llu*%llu overflows 64-bit sizes",
                  P_POINTS, (unsigned long long)dims[0], (unsigned long long)dims[1]);
          points_ok = 0;
        }
      }
    }
    {
      const dataset_rule rule = {P_OFFSETS, H5T_INTEGER, 1, "(H+1,)", !is_structured};
      if (open_checked(&o, in->file, &rule, &in->offsets, dims, &size, &sign) > 0) {
        if (dims[0] < 2) {
          problem(&o, CREDAL_EDATA,
                  "%s: has 1 entry, needs H+1 >= 2 (at least one hypothesis)", P_OFFSETS);
        } else if (dims[0] - 1 > (hsize_t)INT32_MAX) {
          problem(&o, CREDAL_EDATA, "%s: H = %llu hypotheses, more than %d", P_OFFSETS,
                  (unsigned long long)(dims[0] - 1), INT32_MAX);
        } else {
          offsets_ok = 1;
          hypotheses = (int64_t)dims[0] - 1;
          offsets_unsigned64 = sign == H5T_SGN_NONE && size == 8;
        }
      }
    }
    {
      const dataset_rule rule = {P_CONSTANTS, H5T_FLOAT, 1, "(K_total,)", 0};
      if (open_checked(&o, in->file, &rule, &in->constants, dims, &size, &sign) > 0) {
        in->summary.has_constants = 1;
        if (points_ok && dims[0] != (hsize_t)k_total)
          problem(&o, CREDAL_EDATA, "%s: has %llu entries, but %s has K_total = %lld rows",
                  P_CONSTANTS, (unsigned long long)dims[0], P_POINTS, (long long)k_total);
      }
    }
    {
      const dataset_rule rule = {P_PRIOR, H5T_FLOAT, 1, "(H,)", 0};
      if (open_checked(&o, in->file, &rule, &in->prior, dims, &size, &sign) > 0) {
        in->summary.has_prior = 1;
        if (offsets_ok && !is_structured && dims[0] != (hsize_t)hypotheses)
          problem(&o, CREDAL_EDATA, "%s: has %llu entries, but there are H = %lld hypotheses",
                  P_PRIOR, (unsigned long long)dims[0], (long long)hypotheses);
      }
    }
    {
      const dataset_rule rule = {P_PRIOR_SET, H5T_FLOAT, 2, "(Q, H)", 0};
      if (open_checked(&o, in->file, &rule, &in->prior_set, dims, &size, &sign) > 0) {
        uint64_t prod;
        prior_set_size = (int64_t)dims[0];
        if (offsets_ok && !is_structured && dims[1] != (hsize_t)hypotheses)
          problem(&o, CREDAL_EDATA, "%s: has %llu columns, but there are H = %lld hypotheses",
                  P_PRIOR_SET, (unsigned long long)dims[1], (long long)hypotheses);
        if (!product_fits(dims[0], dims[1], &prod))
          problem(&o, CREDAL_EDATA, "%s: Q*H = %llu*%llu overflows 64-bit sizes", P_PRIOR_SET,
                  (unsigned long long)dims[0], (unsigned long long)dims[1]);
      }
    }
  }

  /* ---- /policies ---- */
  found = open_group(&o, in->file, P_POLICIES, &pol);
  pol_ok = found > 0;
  if (found == 0) problem(&o, CREDAL_EDATA, "%s: missing (required group)", P_POLICIES);
  if (pol_ok) {
    const dataset_rule rule = {P_UTILITY, H5T_FLOAT, 2, "(P, d)", 1};
    if (open_checked(&o, in->file, &rule, &in->utility, dims, &size, &sign) > 0) {
      uint64_t prod;
      policies = (int64_t)dims[0];
      in->summary.utility_f32 = size == 4;
      if (dims[0] > (hsize_t)INT32_MAX)
        problem(&o, CREDAL_EDATA, "%s: P = %llu policies, more than %d", P_UTILITY,
                (unsigned long long)dims[0], INT32_MAX);
      if (!product_fits(dims[0], dims[1], &prod))
        problem(&o, CREDAL_EDATA, "%s: P*d = %llu*%llu overflows 64-bit sizes", P_UTILITY,
                (unsigned long long)dims[0], (unsigned long long)dims[1]);
      if (points_ok && dims[1] != (hsize_t)dim)
        problem(&o, CREDAL_EDATA, "%s: has d = %llu columns, but %s has d = %lld", P_UTILITY,
                (unsigned long long)dims[1], P_POINTS, (long long)dim);
    }
  }

  /* ---- the offsets themselves, a window at a time ---- */
  if (offsets_ok) {
    in->window = malloc((size_t)OFFSETS_WINDOW * sizeof *in->window);
    if (!in->window) {
      problem(&o, CREDAL_ENOMEM, "%s: out of memory for the offsets window", P_OFFSETS);
      goto done;
    }
    in->window_capacity = OFFSETS_WINDOW;
    scan_offsets(&o, in, hypotheses, points_ok ? k_total : -1, offsets_unsigned64,
                 &max_generators);
  }

done:
  if (hyp >= 0) H5Oclose(hyp);
  if (pol >= 0) H5Oclose(pol);
  if (o.first != CREDAL_OK) {
    credal_input_close(in);
    return o.first;
  }
  in->summary.hypotheses = hypotheses;
  in->summary.generators = k_total;
  in->summary.dim = dim;
  in->summary.policies = policies;
  in->summary.prior_set_size = prior_set_size;
  in->summary.kind = kind;
  in->summary.tolerance = tol_found ? tolerance : in->summary.points_f32 ? 1e-5 : 1e-9;
  in->summary.max_generators = max_generators;
  *out = in;
  return CREDAL_OK;
}

void credal_input_close(credal_input *in) {
  hid_t *ids[6];
  if (!in) return;
  ids[0] = &in->points;
  ids[1] = &in->offsets;
  ids[2] = &in->constants;
  ids[3] = &in->prior;
  ids[4] = &in->prior_set;
  ids[5] = &in->utility;
  for (int i = 0; i < 6; i++)
    if (*ids[i] >= 0) H5Oclose(*ids[i]);
  if (in->file >= 0) H5Fclose(in->file);
  H5Eclear2(H5E_DEFAULT);
  free(in->window);
  free(in->path);
  free(in);
}

credal_status credal_input_open(const char *path, credal_input **out) {
  credal__problems sink;
  credal_status st;

  credal__problems_init(&sink, NULL, NULL, 1);
  st = credal__input_open(path, &sink, out);
  if (st == CREDAL_OK) return CREDAL_OK;
  return sink.count > 0 ? credal__problems_status(&sink) : st;
}

const credal_input_summary *credal_input_describe(const credal_input *in) {
  return in ? &in->summary : NULL;
}

/* ---- reading values ---- */

credal_status credal__input_offsets(credal_input *in, int64_t h0, int64_t count, int64_t *out) {
  int64_t n;
  hsize_t start, cnt;
  credal_status st;

  if (!in || !out || h0 < 0 || count < 0 || h0 > in->summary.hypotheses ||
      count > in->summary.hypotheses - h0)
    return credal__fail(CREDAL_EINTERNAL, "%s: offsets %lld..%lld requested, H = %lld",
                        P_OFFSETS, (long long)h0, (long long)(h0 + count),
                        in ? (long long)in->summary.hypotheses : -1LL);
  n = count + 1;
  if (in->window_count > 0 && h0 >= in->window_start &&
      h0 + n <= in->window_start + in->window_count) {
    memcpy(out, in->window + (h0 - in->window_start), (size_t)n * sizeof *out);
    return CREDAL_OK;
  }
  if (!in->window) {
    in->window = malloc((size_t)OFFSETS_WINDOW * sizeof *in->window);
    if (!in->window)
      return credal__fail(CREDAL_ENOMEM, "%s: out of memory for the offsets window", P_OFFSETS);
    in->window_capacity = OFFSETS_WINDOW;
    in->window_count = 0;
  }
  if (n > in->window_capacity) { /* larger than the window: straight into out */
    start = (hsize_t)h0;
    cnt = (hsize_t)n;
    return credal__h5_read_block(in->offsets, P_OFFSETS, 1, &start, &cnt, H5T_NATIVE_INT64,
                                 out);
  }
  /* Refill the window from h0 on: sequential readers then hit it for the next calls. */
  {
    const int64_t left = in->summary.hypotheses + 1 - h0;
    const int64_t m = left < in->window_capacity ? left : in->window_capacity;
    start = (hsize_t)h0;
    cnt = (hsize_t)m;
    in->window_count = 0;
    st = credal__h5_read_block(in->offsets, P_OFFSETS, 1, &start, &cnt, H5T_NATIVE_INT64,
                               in->window);
    if (st != CREDAL_OK) return st;
    in->window_start = h0;
    in->window_count = m;
  }
  memcpy(out, in->window, (size_t)n * sizeof *out);
  return CREDAL_OK;
}

/* Rows k0 .. k0+rows-1 of a (rows_total, cols) dataset (cols 0 for rank 1) as float64. */
static credal_status read_rows(hid_t dset, const char *name, int64_t rows_total, int64_t cols,
                               int64_t k0, int64_t rows, double *out) {
  hsize_t start[2], count[2];
  if (dset < 0 || !out || k0 < 0 || rows < 0 || k0 > rows_total || rows > rows_total - k0)
    return credal__fail(CREDAL_EINTERNAL, "%s: rows %lld..%lld requested, %lld exist", name,
                        (long long)k0, (long long)(k0 + rows), (long long)rows_total);
  start[0] = (hsize_t)k0;
  start[1] = 0;
  count[0] = (hsize_t)rows;
  count[1] = (hsize_t)cols;
  return credal__h5_read_block(dset, name, cols > 0 ? 2 : 1, start, count, H5T_NATIVE_DOUBLE,
                               out);
}

credal_status credal__input_points(credal_input *in, int64_t k0, int64_t rows, double *out) {
  if (!in) return credal__fail(CREDAL_EINTERNAL, "credal__input_points: no input");
  return read_rows(in->points, P_POINTS, in->summary.generators, in->summary.dim, k0, rows, out);
}

credal_status credal__input_constants(credal_input *in, int64_t k0, int64_t rows, double *out) {
  if (!in) return credal__fail(CREDAL_EINTERNAL, "credal__input_constants: no input");
  if (in->constants < 0) {
    if (!out || k0 < 0 || rows < 0 || k0 > in->summary.generators ||
        rows > in->summary.generators - k0)
      return credal__fail(CREDAL_EINTERNAL, "%s: rows %lld..%lld requested, %lld exist",
                          P_CONSTANTS, (long long)k0, (long long)(k0 + rows),
                          (long long)in->summary.generators);
    for (int64_t i = 0; i < rows; i++) out[i] = 0.0;
    return CREDAL_OK;
  }
  return read_rows(in->constants, P_CONSTANTS, in->summary.generators, 0, k0, rows, out);
}

credal_status credal__input_utility(credal_input *in, double *out) {
  if (!in) return credal__fail(CREDAL_EINTERNAL, "credal__input_utility: no input");
  return read_rows(in->utility, P_UTILITY, in->summary.policies, in->summary.dim, 0,
                   in->summary.policies, out);
}

credal_status credal__input_prior(credal_input *in, int64_t h0, int64_t count, double *out) {
  if (!in) return credal__fail(CREDAL_EINTERNAL, "credal__input_prior: no input");
  if (in->prior < 0)
    return credal__fail(CREDAL_EINTERNAL, "%s: the input has no prior", P_PRIOR);
  return read_rows(in->prior, P_PRIOR, in->summary.hypotheses, 0, h0, count, out);
}

credal_status credal__input_prior_set(credal_input *in, int64_t h0, int64_t count, double *out) {
  hsize_t start[2], cnt[2];
  const int64_t hypotheses = in ? in->summary.hypotheses : 0;

  if (!in) return credal__fail(CREDAL_EINTERNAL, "credal__input_prior_set: no input");
  if (in->prior_set < 0)
    return credal__fail(CREDAL_EINTERNAL, "%s: the input has no prior set", P_PRIOR_SET);
  if (!out || h0 < 0 || count < 0 || h0 > hypotheses || count > hypotheses - h0)
    return credal__fail(CREDAL_EINTERNAL, "%s: columns %lld..%lld requested, H = %lld",
                        P_PRIOR_SET, (long long)h0, (long long)(h0 + count),
                        (long long)hypotheses);
  start[0] = 0;
  start[1] = (hsize_t)h0;
  cnt[0] = (hsize_t)in->summary.prior_set_size;
  cnt[1] = (hsize_t)count;
  return credal__h5_read_block(in->prior_set, P_PRIOR_SET, 2, start, cnt, H5T_NATIVE_DOUBLE,
                               out);
}
