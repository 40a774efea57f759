/* Value checks of credal-batch inputs (SPEC §2) and the full `credal validate` pass.
 *
 * Structure is checked by credal__input_open; here the values are streamed in bounded blocks
 * (at most VALUES_PER_READ float64 values in memory per dataset, whatever H is) and every
 * problem goes to the sink with the dataset, hypothesis, generator, absolute row and column.
 * Within one row each kind of problem is reported once ("... (and 3 more ...)"), so a row of a
 * million NaNs is one problem, not a million. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch_reader.h"
#include "mdp_reader.h"
#include "h5util.h"

/* 8 MiB of float64 per read. */
#define VALUES_PER_READ ((int64_t)1 << 20)
/* Hypotheses per offsets read; +1 offsets fit the reader's 65536-entry window. */
#define OFFSETS_PER_READ ((int64_t)65535)
#define PRIOR_WINDOW ((int64_t)65536)

static const char P_POINTS[] = "/hypotheses/points";
static const char P_CONSTANTS[] = "/hypotheses/constants";
static const char P_PRIOR[] = "/hypotheses/prior";
static const char P_PRIOR_SET[] = "/hypotheses/prior_set";
static const char P_UTILITY[] = "/policies/utility";

/* An operational failure (read error, out of memory) that already set the last error:
 * it becomes a problem too, and stays this thread's last error. */
static credal_status report_failure(credal__problems *sink, credal_status status) {
  char msg[CREDAL_MSG_MAX];
  snprintf(msg, sizeof msg, "%s", credal_last_error());
  credal__problem(sink, status, "%s", msg);
  return credal__fail(status, "%s", msg);
}

/* Numbers in messages. */
typedef struct {
  char text[40];
} num_text;

static int num_special(num_text *t, double v) {
  if (isnan(v)) {
    snprintf(t->text, sizeof t->text, "NaN");
    return 1;
  }
  if (isinf(v)) {
    snprintf(t->text, sizeof t->text, "%s", v > 0 ? "inf" : "-inf");
    return 1;
  }
  return 0;
}

/* A value from the file: the shortest text that reads back as it, in the file's precision
 * ("-0.2", not "-0.20000000298023224" for a float32 -0.2). */
static num_text num_in(double v, int f32) {
  num_text t;
  if (num_special(&t, v)) return t;
  for (int p = 1; p <= 17; p++) {
    snprintf(t.text, sizeof t.text, "%.*g", p, v);
    const double back = strtod(t.text, NULL);
    if (f32 ? (float)back == (float)v : back == v) break;
  }
  return t;
}

static num_text num(double v) {
  return num_in(v, 0);
}

/* A derived quantity (a deviation, a limit): three digits are plenty. */
static num_text num3(double v) {
  num_text t;
  if (!num_special(&t, v)) snprintf(t.text, sizeof t.text, "%.3g", v);
  return t;
}

/* A sum that is off by `off`: enough digits to see the deviation, no more
 * ("0.9", "1.000000003"). */
static num_text num_sum(double sum, double off) {
  num_text t;
  int p = 6;
  if (num_special(&t, sum)) return t;
  if (off > 0 && isfinite(off)) {
    const int need = 3 - (int)floor(log10(off));
    if (need > p) p = need;
  }
  if (p > 17) p = 17;
  snprintf(t.text, sizeof t.text, "%.*g", p, sum);
  return t;
}

/* After "sums to S, off by OFF > tolerance ...": a deviation small enough to be rounding (the
 * probabilities written with a few digits) gets the way out. */
static const char *rounding_hint(double off) {
  return off <= 0.05 ? "; rounded probabilities? the /hypotheses attribute 'tolerance' (default "
                       "1e-9, float32 1e-5) sets the error allowed (docs/schema.md)"
                     : "";
}

/* " (and N more WHAT)" or "". */
typedef struct {
  char text[96];
} more_text;

static more_text more(int64_t n, const char *what) {
  more_text t;
  t.text[0] = '\0';
  if (n > 0) snprintf(t.text, sizeof t.text, " (and %lld more %s)", (long long)n, what);
  return t;
}

/* Per-row tally: the first offender of each kind and how many there were. */
typedef struct {
  int64_t nonfinite, nonfinite_col;
  int64_t negative, negative_col;
  double nonfinite_value, negative_value;
  double sum; /* of the finite entries */
} tally;

static void tally_add(tally *t, double v, int64_t col, double floor) {
  if (!isfinite(v)) {
    if (t->nonfinite++ == 0) {
      t->nonfinite_col = col;
      t->nonfinite_value = v;
    }
    return;
  }
  t->sum += v;
  if (v < floor) {
    if (t->negative++ == 0) {
      t->negative_col = col;
      t->negative_value = v;
    }
  }
}

/* Generator k (absolute row), g-th of hypothesis h: x is its (d,) row, b its constant or NULL. */
static void check_row(const credal_input_summary *s, int64_t h, int64_t g, int64_t k,
                      const double *x, const double *b, credal__problems *sink) {
  const int64_t d = s->dim;
  const double tol = s->tolerance;
  const credal_kind kind = s->kind;
  /* Entries below floor are a problem: -tol for distributions, 0 for measures, none else. */
  const double floor = kind == CREDAL_KIND_DISTRIBUTION ? -tol
                       : kind == CREDAL_KIND_MEASURE    ? 0.0
                                                        : -INFINITY;
  tally t;

  memset(&t, 0, sizeof t);
  for (int64_t j = 0; j < d; j++) tally_add(&t, x[j], j, floor);

  if (t.nonfinite)
    credal__problem(
        sink, CREDAL_EDATA, "%s: hypothesis %lld, generator %lld (row %lld), column %lld: %s%s",
        P_POINTS, (long long)h, (long long)g, (long long)k, (long long)t.nonfinite_col,
        num(t.nonfinite_value).text, more(t.nonfinite - 1, "non-finite entries in this row").text);
  if (t.negative && kind == CREDAL_KIND_DISTRIBUTION)
    credal__problem(
        sink, CREDAL_EDATA,
        "%s: hypothesis %lld, generator %lld (row %lld), column %lld: entry %s is below "
        "-tolerance (%s)%s",
        P_POINTS, (long long)h, (long long)g, (long long)k, (long long)t.negative_col,
        num_in(t.negative_value, s->points_f32).text, num(-tol).text,
        more(t.negative - 1, "entries below -tolerance in this row").text);
  if (t.negative && kind == CREDAL_KIND_MEASURE)
    credal__problem(
        sink, CREDAL_EDATA,
        "%s: hypothesis %lld, generator %lld (row %lld), column %lld: entry %s is negative "
        "(kind measure)%s",
        P_POINTS, (long long)h, (long long)g, (long long)k, (long long)t.negative_col,
        num_in(t.negative_value, s->points_f32).text,
        more(t.negative - 1, "negative entries in this row").text);
  if (kind == CREDAL_KIND_DISTRIBUTION && t.nonfinite == 0) {
    const double limit = tol * (d > 1 ? (double)d : 1.0);
    const double off = fabs(t.sum - 1.0);
    if (!(off <= limit))
      credal__problem(
          sink, CREDAL_EDATA,
          "%s: hypothesis %lld, generator %lld (row %lld): row sums to %s, off the simplex "
          "by %s > tolerance %s*max(1,d) = %s%s",
          P_POINTS, (long long)h, (long long)g, (long long)k, num_sum(t.sum, off).text,
          num3(off).text, num(tol).text, num3(limit).text, rounding_hint(off));
  }
  if (b) {
    if (!isfinite(*b))
      credal__problem(sink, CREDAL_EDATA, "%s: hypothesis %lld, generator %lld (row %lld): %s",
                      P_CONSTANTS, (long long)h, (long long)g, (long long)k, num(*b).text);
    else if (kind == CREDAL_KIND_MEASURE && *b < 0.0)
      credal__problem(
          sink, CREDAL_EDATA,
          "%s: hypothesis %lld, generator %lld (row %lld): constant %s is negative (kind "
          "measure)",
          P_CONSTANTS, (long long)h, (long long)g, (long long)k, num(*b).text);
  }
}

void credal__check_points(const credal_input_summary *s, int64_t h0, int64_t count,
                          const int64_t *offsets, const double *points, const double *constants,
                          credal__problems *sink) {
  const int64_t base = offsets[0];
  const size_t d = (size_t)s->dim;
  for (int64_t i = 0; i < count; i++) {
    for (int64_t k = offsets[i]; k < offsets[i + 1]; k++) {
      const size_t r = (size_t)(k - base);
      check_row(s, h0 + i, k - offsets[i], k, points + r * d, constants ? constants + r : NULL,
                sink);
    }
  }
}

void credal__check_piece(const credal_input_summary *s, int64_t h, int64_t hypothesis_first_row,
                         int64_t k0, int64_t rows, const double *points, const double *constants,
                         credal__problems *sink) {
  const size_t d = (size_t)s->dim;
  for (int64_t j = 0; j < rows; j++)
    check_row(s, h, k0 + j - hypothesis_first_row, k0 + j, points + (size_t)j * d,
              constants ? constants + j : NULL, sink);
}

void credal__check_utility_rows(const credal_input_summary *s, int64_t p0, int64_t count,
                                const double *utility, credal__problems *sink) {
  const size_t d = (size_t)s->dim;
  for (int64_t i = 0; i < count; i++) {
    tally t;
    memset(&t, 0, sizeof t);
    for (size_t j = 0; j < d; j++) tally_add(&t, utility[(size_t)i * d + j], (int64_t)j, -INFINITY);
    if (t.nonfinite)
      credal__problem(sink, CREDAL_EDATA, "%s: policy %lld, column %lld: %s%s", P_UTILITY,
                      (long long)(p0 + i), (long long)t.nonfinite_col, num(t.nonfinite_value).text,
                      more(t.nonfinite - 1, "non-finite entries in this row").text);
  }
}

void credal__check_utility(const credal_input_summary *s, const double *utility,
                           credal__problems *sink) {
  credal__check_utility_rows(s, 0, s->policies, utility, sink);
}

/* One prior (a row of the prior set when row >= 0) after its last entry was tallied. */
static void report_prior(const credal_input_summary *s, const tally *t, int64_t row,
                         credal__problems *sink) {
  const double tol = s->tolerance;
  const double limit = tol * (s->hypotheses > 1 ? (double)s->hypotheses : 1.0);
  char where[80];

  if (row >= 0)
    snprintf(where, sizeof where, "%s: row %lld,", P_PRIOR_SET, (long long)row);
  else
    snprintf(where, sizeof where, "%s:", P_PRIOR);
  if (t->nonfinite)
    credal__problem(sink, CREDAL_EDATA, "%s hypothesis %lld: %s%s", where,
                    (long long)t->nonfinite_col, num(t->nonfinite_value).text,
                    more(t->nonfinite - 1, "non-finite entries").text);
  if (t->negative)
    credal__problem(sink, CREDAL_EDATA, "%s hypothesis %lld: %s is negative%s", where,
                    (long long)t->negative_col, num(t->negative_value).text,
                    more(t->negative - 1, "negative entries").text);
  if (t->nonfinite == 0) {
    const double off = fabs(t->sum - 1.0);
    if (!(off <= limit)) {
      if (row >= 0)
        credal__problem(sink, CREDAL_EDATA,
                        "%s: row %lld sums to %s, off by %s > tolerance %s*max(1,H) = %s%s",
                        P_PRIOR_SET, (long long)row, num_sum(t->sum, off).text, num3(off).text,
                        num(tol).text, num3(limit).text, rounding_hint(off));
      else
        credal__problem(sink, CREDAL_EDATA, "%s sums to %s, off by %s > tolerance %s*max(1,H) = %s%s",
                        P_PRIOR, num_sum(t->sum, off).text, num3(off).text, num(tol).text,
                        num3(limit).text, rounding_hint(off));
    }
  }
}

credal_status credal__check_priors(credal_input *in, int64_t window, credal__problems *sink) {
  credal_status st = CREDAL_OK;
  const credal_input_summary *s = &in->summary;
  const int64_t hypotheses = s->hypotheses;
  const int64_t before = sink->count;
  double *buf = NULL;
  tally *rows = NULL;

  if (window <= 0) window = PRIOR_WINDOW;
  if (window > VALUES_PER_READ) window = VALUES_PER_READ;
  if (window > hypotheses) window = hypotheses;
  if (window < 1) window = 1;

  if (in->prior >= 0) {
    tally t;
    memset(&t, 0, sizeof t);
    buf = malloc((size_t)window * sizeof *buf);
    if (!buf) {
      st = report_failure(sink, credal__fail(CREDAL_ENOMEM, "%s: out of memory", P_PRIOR));
      goto cleanup;
    }
    for (int64_t h0 = 0; h0 < hypotheses; h0 += window) {
      const int64_t n = hypotheses - h0 < window ? hypotheses - h0 : window;
      st = credal__input_prior(in, h0, n, buf);
      if (st != CREDAL_OK) {
        st = report_failure(sink, st);
        goto cleanup;
      }
      for (int64_t i = 0; i < n; i++) tally_add(&t, buf[i], h0 + i, 0.0);
    }
    report_prior(s, &t, -1, sink);
    free(buf);
    buf = NULL;
  }

  if (in->prior_set >= 0) {
    /* Blocks of (qn rows, window columns); one tally per row of the block. */
    const int64_t q_total = s->prior_set_size;
    int64_t qn = VALUES_PER_READ / window;
    if (qn < 1) qn = 1;
    if (qn > q_total) qn = q_total;
    buf = malloc((size_t)qn * (size_t)window * sizeof *buf);
    rows = malloc((size_t)qn * sizeof *rows);
    if (!buf || !rows) {
      st = report_failure(sink, credal__fail(CREDAL_ENOMEM, "%s: out of memory", P_PRIOR_SET));
      goto cleanup;
    }
    for (int64_t q0 = 0; q0 < q_total; q0 += qn) {
      const int64_t m = q_total - q0 < qn ? q_total - q0 : qn;
      memset(rows, 0, (size_t)m * sizeof *rows);
      for (int64_t h0 = 0; h0 < hypotheses; h0 += window) {
        const int64_t n = hypotheses - h0 < window ? hypotheses - h0 : window;
        const hsize_t start[2] = {(hsize_t)q0, (hsize_t)h0};
        const hsize_t count[2] = {(hsize_t)m, (hsize_t)n};
        st = credal__h5_read_block(in->prior_set, P_PRIOR_SET, 2, start, count, H5T_NATIVE_DOUBLE,
                                   buf);
        if (st != CREDAL_OK) {
          st = report_failure(sink, st);
          goto cleanup;
        }
        for (int64_t r = 0; r < m; r++)
          for (int64_t i = 0; i < n; i++)
            tally_add(&rows[r], buf[(size_t)r * (size_t)n + (size_t)i], h0 + i, 0.0);
      }
      for (int64_t r = 0; r < m; r++) report_prior(s, &rows[r], q0 + r, sink);
    }
  }

cleanup:
  free(buf);
  free(rows);
  if (st == CREDAL_OK && sink->count > before) st = credal__problems_status(sink);
  return st;
}

/* Reads rows k0 .. k0+rows-1 of points (and constants when present) into the buffers. */
static credal_status read_generators(credal_input *in, int64_t k0, int64_t rows, double *points,
                                     double *constants) {
  credal_status st = credal__input_points(in, k0, rows, points);
  if (st == CREDAL_OK && constants) st = credal__input_constants(in, k0, rows, constants);
  return st;
}

/* Every generator row, a block of whole hypotheses at a time (or a block of rows of one
 * hypothesis too large for a block). Stops at the first read failure, which it reports. */
static void check_all_points(credal_input *in, credal__problems *sink) {
  const credal_input_summary *s = &in->summary;
  const int64_t d = s->dim, hypotheses = s->family_hypotheses[CREDAL_FAMILY_GENERATORS];
  int64_t budget = VALUES_PER_READ / d; /* rows per read */
  int64_t *offs = NULL;
  double *points = NULL, *constants = NULL;
  credal_status st = CREDAL_OK;

  if (hypotheses == 0) return;
  if (budget < 1) budget = 1;
  if (budget > s->generators) budget = s->generators;
  offs = malloc((size_t)(OFFSETS_PER_READ + 1) * sizeof *offs);
  points = malloc((size_t)budget * (size_t)d * sizeof *points);
  if (s->has_constants) constants = malloc((size_t)budget * sizeof *constants);
  if (!offs || !points || (s->has_constants && !constants)) {
    report_failure(sink, credal__fail(CREDAL_ENOMEM, "%s: out of memory for a block of %lld rows",
                                      P_POINTS, (long long)budget));
    goto cleanup;
  }

  for (int64_t h = 0; h < hypotheses;) {
    const int64_t n = hypotheses - h < OFFSETS_PER_READ ? hypotheses - h : OFFSETS_PER_READ;
    int64_t i = 0;
    st = credal__input_offsets(in, h, n, offs);
    if (st != CREDAL_OK) goto fail;
    while (i < n) {
      if (offs[i + 1] - offs[i] > budget) {
        /* One hypothesis larger than a block: its rows in pieces. */
        for (int64_t k = offs[i]; k < offs[i + 1];) {
          const int64_t r = offs[i + 1] - k < budget ? offs[i + 1] - k : budget;
          st = read_generators(in, k, r, points, constants);
          if (st != CREDAL_OK) goto fail;
          credal__check_piece(s, h + i, offs[i], k, r, points, constants, sink);
          k += r;
        }
        i++;
      } else {
        int64_t c = 1;
        while (i + c < n && offs[i + c + 1] - offs[i] <= budget) c++;
        st = read_generators(in, offs[i], offs[i + c] - offs[i], points, constants);
        if (st != CREDAL_OK) goto fail;
        credal__check_points(s, h + i, c, offs + i, points, constants, sink);
        i += c;
      }
    }
    h += n;
  }
  goto cleanup;

fail:
  report_failure(sink, st);
cleanup:
  free(offs);
  free(points);
  free(constants);
}

/* ---- structured families ---- */

/* A distribution given as a row (a center): finite, >= -tol, summing to 1. `what` names it:
 * "/tv_balls/centers: tv ball 3 (hypothesis 1003)". */
static void check_center(const char *what, const double *c, int64_t d, double tol, int f32,
                         credal__problems *sink) {
  tally t;
  memset(&t, 0, sizeof t);
  for (int64_t j = 0; j < d; j++) tally_add(&t, c[j], j, -tol);
  if (t.nonfinite)
    credal__problem(sink, CREDAL_EDATA, "%s, column %lld: %s%s", what, (long long)t.nonfinite_col,
                    num(t.nonfinite_value).text, more(t.nonfinite - 1, "non-finite entries").text);
  if (t.negative)
    credal__problem(sink, CREDAL_EDATA, "%s, column %lld: entry %s is below -tolerance (%s)%s",
                    what, (long long)t.negative_col, num_in(t.negative_value, f32).text,
                    num(-tol).text, more(t.negative - 1, "entries below -tolerance").text);
  if (!t.nonfinite) {
    const double limit = tol * (d > 1 ? (double)d : 1.0), off = fabs(t.sum - 1.0);
    if (!(off <= limit))
      credal__problem(sink, CREDAL_EDATA,
                      "%s: sums to %s, off the simplex by %s > tolerance %s*max(1,d) = %s%s", what,
                      num_sum(t.sum, off).text, num3(off).text, num(tol).text, num3(limit).text,
                      rounding_hint(off));
  }
}

/* A radius or epsilon: in [0, 1]. */
static void check_unit(const char *name, int64_t i, int64_t h, double v, int f32,
                       credal__problems *sink) {
  if (!(v >= 0.0 && v <= 1.0))
    credal__problem(sink, CREDAL_EDATA, "%s[%lld] (hypothesis %lld): %s is outside [0, 1]", name,
                    (long long)i, (long long)h, num_in(v, f32).text);
}

static void check_intervals(const credal__family_data *fd, int64_t i, int64_t h,
                            const double *lo, const double *hi, int64_t d,
                            credal__problems *sink) {
  const double tol = fd->tolerance, limit = tol * (d > 1 ? (double)d : 1.0);
  tally tl, th;
  int64_t crossed = 0, crossed_col = 0;
  memset(&tl, 0, sizeof tl);
  memset(&th, 0, sizeof th);
  for (int64_t j = 0; j < d; j++) {
    tally_add(&tl, lo[j], j, -tol);
    tally_add(&th, hi[j], j, -INFINITY);
    if (lo[j] > hi[j] && crossed++ == 0) crossed_col = j;
  }
  if (tl.nonfinite)
    credal__problem(sink, CREDAL_EDATA, "%s: interval set %lld (hypothesis %lld), column %lld: %s%s",
                    fd->rows_name, (long long)i, (long long)h, (long long)tl.nonfinite_col,
                    num(tl.nonfinite_value).text, more(tl.nonfinite - 1, "non-finite entries").text);
  if (th.nonfinite)
    credal__problem(sink, CREDAL_EDATA, "%s: interval set %lld (hypothesis %lld), column %lld: %s%s",
                    fd->rows2_name, (long long)i, (long long)h, (long long)th.nonfinite_col,
                    num(th.nonfinite_value).text, more(th.nonfinite - 1, "non-finite entries").text);
  if (tl.negative)
    credal__problem(sink, CREDAL_EDATA,
                    "%s: interval set %lld (hypothesis %lld), column %lld: lower bound %s is "
                    "below -tolerance (%s)%s",
                    fd->rows_name, (long long)i, (long long)h, (long long)tl.negative_col,
                    num_in(tl.negative_value, fd->f32).text, num(-tol).text,
                    more(tl.negative - 1, "entries below -tolerance").text);
  if (crossed)
    credal__problem(sink, CREDAL_EDATA,
                    "%s: interval set %lld (hypothesis %lld), column %lld: lower %s > upper %s%s",
                    fd->rows_name, (long long)i, (long long)h, (long long)crossed_col,
                    num_in(lo[crossed_col], fd->f32).text, num_in(hi[crossed_col], fd->f32).text,
                    more(crossed - 1, "columns with lower > upper").text);
  if (!tl.nonfinite && !(tl.sum <= 1.0 + limit))
    credal__problem(sink, CREDAL_EDATA,
                    "%s: interval set %lld (hypothesis %lld): lower bounds sum to %s > 1 + "
                    "tolerance %s*max(1,d): no distribution fits (empty set)",
                    fd->rows_name, (long long)i, (long long)h, num_sum(tl.sum, tl.sum - 1.0).text,
                    num(tol).text);
  if (!th.nonfinite && !(th.sum >= 1.0 - limit))
    credal__problem(sink, CREDAL_EDATA,
                    "%s: interval set %lld (hypothesis %lld): upper bounds sum to %s < 1 - "
                    "tolerance %s*max(1,d): no distribution fits (empty set)",
                    fd->rows2_name, (long long)i, (long long)h, num_sum(th.sum, 1.0 - th.sum).text,
                    num(tol).text);
}

/* Belief function i (hypothesis h): its focal sets rows [r0, r1) of the block (absolute focal
 * row numbers from abs0) and their masses. */
static void check_belief(const credal__family_data *fd, int64_t i, int64_t h, int64_t abs0,
                         const double *focal, const double *mass, int64_t sets, int64_t d,
                         credal__problems *sink) {
  const double tol = fd->tolerance, limit = tol * (d > 1 ? (double)d : 1.0);
  double sum = 0.0;
  int finite = 1;
  for (int64_t r = 0; r < sets; r++) {
    const double *a = focal + r * d;
    int64_t members = 0, bad = 0, bad_col = 0;
    for (int64_t j = 0; j < d; j++) {
      if (a[j] == 1.0) members++;
      else if (a[j] != 0.0 && bad++ == 0) bad_col = j;
    }
    if (bad)
      credal__problem(sink, CREDAL_EDATA,
                      "%s: belief function %lld (hypothesis %lld), focal set %lld (row %lld), "
                      "column %lld: %s is not 0 or 1%s",
                      fd->rows_name, (long long)i, (long long)h, (long long)r, (long long)(abs0 + r),
                      (long long)bad_col, num(a[bad_col]).text, more(bad - 1, "such entries").text);
    else if (members == 0)
      credal__problem(sink, CREDAL_EDATA,
                      "%s: belief function %lld (hypothesis %lld), focal set %lld (row %lld) is "
                      "empty (a focal set needs at least one outcome)",
                      fd->rows_name, (long long)i, (long long)h, (long long)r, (long long)(abs0 + r));
    if (!isfinite(mass[r]) || mass[r] < 0.0)
      credal__problem(sink, CREDAL_EDATA,
                      "%s: belief function %lld (hypothesis %lld), focal set %lld (row %lld): "
                      "mass %s must be finite and >= 0",
                      fd->scalars_name, (long long)i, (long long)h, (long long)r,
                      (long long)(abs0 + r), num_in(mass[r], fd->f32).text);
    finite &= isfinite(mass[r]) != 0;
    sum += mass[r];
  }
  const double off = fabs(sum - 1.0);
  if (finite && !(off <= limit))
    credal__problem(sink, CREDAL_EDATA,
                    "%s: belief function %lld (hypothesis %lld): masses sum to %s, off by %s > "
                    "tolerance %s*max(1,d) = %s%s",
                    fd->scalars_name, (long long)i, (long long)h, num_sum(sum, off).text,
                    num3(off).text, num(tol).text, num3(limit).text, rounding_hint(off));
}

void credal__check_family(const credal_input *in, credal_family family, int64_t i0,
                          int64_t count, const int64_t *offsets, const double *rows,
                          const double *scalars, credal__problems *sink) {
  const credal__family_data *fd = &in->family[family];
  const int64_t d = in->summary.dim;
  char what[160];
  for (int64_t n = 0; n < count; n++) {
    const int64_t i = i0 + n, h = fd->first + i;
    const double *r = rows + (size_t)(offsets[n] - offsets[0]) * (size_t)d;
    const double *sc = scalars ? scalars + (offsets[n] - offsets[0]) : NULL;
    switch (family) {
      case CREDAL_FAMILY_TV_BALLS:
      case CREDAL_FAMILY_CONTAMINATION:
        snprintf(what, sizeof what, "%s: %s %lld (hypothesis %lld)", fd->rows_name,
                 family == CREDAL_FAMILY_TV_BALLS ? "tv ball" : "contaminated set", (long long)i,
                 (long long)h);
        check_center(what, r, d, fd->tolerance, fd->f32, sink);
        check_unit(fd->scalars_name, i, h, sc[0], fd->f32, sink);
        break;
      case CREDAL_FAMILY_INTERVALS: check_intervals(fd, i, h, r, r + d, d, sink); break;
      case CREDAL_FAMILY_BELIEF:
        check_belief(fd, i, h, offsets[n], r, sc, offsets[n + 1] - offsets[n], d, sink);
        break;
      default: break;
    }
  }
}

/* Every structured hypothesis of every family, blocks of whole hypotheses (a belief function
 * larger than a block is read whole: its check needs all its masses). */
static void check_all_families(credal_input *in, credal__problems *sink) {
  const int64_t d = in->summary.dim;
  int64_t *offs = malloc((size_t)(OFFSETS_PER_READ + 1) * sizeof *offs);
  double *rows = NULL, *scalars = NULL;
  int64_t cap = 0;
  credal_status st = CREDAL_OK;
  if (!offs) {
    report_failure(sink, credal__fail(CREDAL_ENOMEM, "out of memory for the structured checks"));
    return;
  }
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) {
    const credal__family_data *fd = &in->family[f];
    for (int64_t i = 0; i < fd->count;) {
      int64_t n = fd->count - i < OFFSETS_PER_READ ? fd->count - i : OFFSETS_PER_READ;
      if ((st = credal__input_family_offsets(in, (credal_family)f, i, n, offs))) goto fail;
      /* as many hypotheses as fit VALUES_PER_READ values (at least one) */
      int64_t c = 1;
      while (c < n && (offs[c + 1] - offs[0]) * d <= VALUES_PER_READ) c++;
      const int64_t nrows = offs[c] - offs[0];
      if (nrows > cap) {
        free(rows), free(scalars);
        rows = malloc((size_t)nrows * (size_t)d * sizeof *rows);
        scalars = malloc((size_t)nrows * sizeof *scalars);
        cap = nrows;
        if (!rows || !scalars) {
          st = credal__fail(CREDAL_ENOMEM, "%s: out of memory for %lld rows", fd->rows_name,
                            (long long)nrows);
          goto fail;
        }
      }
      if ((st = credal__input_family_rows(in, (credal_family)f, offs[0], nrows, rows, scalars)))
        goto fail;
      credal__check_family(in, (credal_family)f, i, c, offs, rows, scalars, sink);
      i += c;
    }
  }
  goto cleanup;
fail:
  report_failure(sink, st);
cleanup:
  free(offs), free(rows), free(scalars);
}

/* The policies a block of rows at a time (at most VALUES_PER_READ values in memory). */
static void check_all_utility(credal_input *in, credal__problems *sink) {
  const credal_input_summary *s = &in->summary;
  int64_t rows = VALUES_PER_READ / s->dim;
  if (rows < 1) rows = 1;
  if (rows > s->policies) rows = s->policies;
  double *block = malloc((size_t)rows * (size_t)s->dim * sizeof *block);
  if (!block) {
    report_failure(sink, credal__fail(CREDAL_ENOMEM, "%s: out of memory for (%lld, %lld) values",
                                      P_UTILITY, (long long)rows, (long long)s->dim));
    return;
  }
  for (int64_t p0 = 0; p0 < s->policies; p0 += rows) {
    const int64_t n = s->policies - p0 < rows ? s->policies - p0 : rows;
    const hsize_t start[2] = {(hsize_t)p0, 0}, count[2] = {(hsize_t)n, (hsize_t)s->dim};
    credal_status st = credal__h5_read_block(in->utility, P_UTILITY, 2, start, count,
                                             H5T_NATIVE_DOUBLE, block);
    if (st != CREDAL_OK) {
      report_failure(sink, st);
      break;
    }
    credal__check_utility_rows(s, p0, n, block, sink);
  }
  free(block);
}

credal_status credal_validate(const char *path, credal_report_fn report_fn, void *ctx,
                              int64_t max_reported, int64_t *problems) {
  return credal__validate(path, NULL, report_fn, ctx, max_reported, problems);
}

credal_status credal__validate(const char *path, const credal__names_policy *names,
                               credal_report_fn report_fn, void *ctx, int64_t max_reported,
                               int64_t *problems) {
  credal__problems sink;
  credal_input *in = NULL;
  credal_status st;

  credal__pool *pool = NULL;
  credal__problems_init(&sink, report_fn, ctx, max_reported);
  if (problems) *problems = 0;
  char schema[32];
  if (!(st = credal__input_schema(path, &sink, schema, sizeof schema)) &&
      !strcmp(schema, "credal-mdp")) {
    st = credal__mdp_validate(path, names, &sink);
    if (problems) *problems = sink.count;
    return sink.count ? credal__problems_status(&sink) : st;
  }
  if (!st) st = credal__input_open(path, names, &sink, &in);
  /* the values' chunks decode on every core (without a pool, on this thread) */
  if (st == CREDAL_OK && credal__pool_create(credal__pool_cores(1), &pool) == CREDAL_OK)
    credal__input_set_pool(in, pool);
  if (st == CREDAL_OK) {
    /* Independent of one another: each runs whatever the others found. */
    check_all_utility(in, &sink);
    check_all_points(in, &sink);
    check_all_families(in, &sink);
    credal__check_priors(in, PRIOR_WINDOW, &sink);
  }
  credal_input_close(in);
  credal__pool_destroy(pool);
  if (problems) *problems = sink.count;
  if (sink.count > 0) return credal__problems_status(&sink);
  if (st != CREDAL_OK) return st;
  credal__clear_error();
  return CREDAL_OK;
}
