/* Synthetic credal-batch inputs; see gen.h.
 *
 * Portability of the bytes: the arithmetic below must round the same way everywhere, so
 * floating-point contraction (a*b+c fused into one FMA, which GCC does by default on targets
 * that have it, e.g. aarch64) is switched off for this file, and log/exp are our own.
 */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "gen.h"
#include "../io/codec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../io/batch_writer.h"
#include "../io/internal.h"

/* ---- portable log and exp ---- */

/* ln 2 split so that e * LN2_HI is exact for any double exponent (fdlibm's constants). */
static const double LN2_HI = 6.93147180369123816490e-01;
static const double LN2_LO = 1.90821492927058770002e-10;
static const double INV_LN2 = 1.44269504088896338700e+00;
static const double SQRT_HALF = 0.70710678118654752440;

double credal__det_log(double x) {
  if (!(x > 0)) return x == 0 ? -HUGE_VAL : NAN;
  if (x == HUGE_VAL) return x;
  int e;
  double m = frexp(x, &e); /* x = m * 2^e exactly, m in [0.5, 1) */
  if (m < SQRT_HALF) {
    m *= 2.0;
    e -= 1;
  }
  /* m in [sqrt(1/2), sqrt(2)): log m = 2 atanh(s) with s = (m-1)/(m+1), |s| < 0.1716,
   * = 2s (1 + s^2/3 + s^4/5 + ...); twelve terms leave < 1e-18 relative. */
  double f = m - 1.0; /* exact */
  double s = f / (2.0 + f);
  double z = s * s;
  double p = 1.0 / 25;
  static const double inv_odd[] = {1.0 / 23, 1.0 / 21, 1.0 / 19, 1.0 / 17, 1.0 / 15, 1.0 / 13,
                                   1.0 / 11, 1.0 / 9,  1.0 / 7,  1.0 / 5,  1.0 / 3,  1.0};
  for (size_t i = 0; i < sizeof inv_odd / sizeof inv_odd[0]; i++) p = p * z + inv_odd[i];
  double log_m = 2.0 * s * p;
  return (double)e * LN2_HI + (log_m + (double)e * LN2_LO);
}

double credal__det_exp(double x) {
  if (x != x) return x;
  if (x < -746.0) return 0.0;
  if (x > 709.8) return HUGE_VAL;
  /* x = k ln2 + r, |r| <= ln2/2; exp(r) by its Taylor series to r^13/13! (< 4e-18). */
  double k = floor(x * INV_LN2 + 0.5);
  double r = (x - k * LN2_HI) - k * LN2_LO;
  double p = 1.0 / 6227020800.0; /* 1/13! */
  static const double inv_fact[] = {1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
                                    1.0 / 362880.0,    1.0 / 40320.0,    1.0 / 5040.0,
                                    1.0 / 720.0,       1.0 / 120.0,      1.0 / 24.0,
                                    1.0 / 6.0,         1.0 / 2.0,        1.0,
                                    1.0};
  for (size_t i = 0; i < sizeof inv_fact / sizeof inv_fact[0]; i++) p = p * r + inv_fact[i];
  return ldexp(p, (int)k);
}

/* ---- random numbers ---- */

static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void credal__rng_seed(credal__rng *rng, uint64_t seed, uint64_t stream) {
  uint64_t mix = stream;
  uint64_t state = seed ^ splitmix64(&mix);
  for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&state);
  rng->spare = 0.0;
  rng->has_spare = 0;
  if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0) rng->s[0] = 1; /* never all zero */
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t credal__rng_next(credal__rng *rng) {
  uint64_t *s = rng->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double credal__rng_uniform(credal__rng *rng) {
  return (double)(credal__rng_next(rng) >> 11) * 0x1.0p-53;
}

/* Uniform in (0, 1]: safe to take the logarithm of. */
static double uniform_open(credal__rng *rng) {
  return (double)((credal__rng_next(rng) >> 11) + 1) * 0x1.0p-53;
}

uint64_t credal__rng_below(credal__rng *rng, uint64_t n) {
  if (n <= 1) return 0;
  uint64_t threshold = (0 - n) % n; /* 2^64 mod n: reject the short last run */
  for (;;) {
    uint64_t r = credal__rng_next(rng);
    if (r >= threshold) return r % n;
  }
}

double credal__rng_normal(credal__rng *rng) {
  if (rng->has_spare) {
    rng->has_spare = 0;
    return rng->spare;
  }
  for (;;) {
    double u = 2.0 * credal__rng_uniform(rng) - 1.0;
    double v = 2.0 * credal__rng_uniform(rng) - 1.0;
    double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) {
      double scale = sqrt(-2.0 * credal__det_log(s) / s);
      rng->spare = v * scale;
      rng->has_spare = 1;
      return u * scale;
    }
  }
}

/* A Gamma(alpha, 1) draw for alpha >= 1: Marsaglia & Tsang (2000), "A simple method for
 * generating gamma variables"; the squeeze accepts ~98% without a logarithm. */
static double gamma_mt(credal__rng *rng, double alpha) {
  double d = alpha - 1.0 / 3.0;
  double c = 1.0 / sqrt(9.0 * d);
  for (;;) {
    double x = credal__rng_normal(rng);
    double v = 1.0 + c * x;
    if (v <= 0.0) continue;
    v = v * v * v;
    double u = uniform_open(rng);
    double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
    if (credal__det_log(u) < 0.5 * x2 + d * (1.0 - v + credal__det_log(v))) return d * v;
  }
}

double credal__rng_log_gamma(credal__rng *rng, double alpha) {
  if (alpha >= 1.0) return credal__det_log(gamma_mt(rng, alpha));
  /* Gamma(a) = Gamma(a + 1) * U^(1/a), in logs */
  double boost = credal__det_log(uniform_open(rng)) / alpha;
  if (boost < -1e300) boost = -1e300; /* alpha so tiny the quotient overflows: keep finite */
  return credal__det_log(gamma_mt(rng, alpha + 1.0)) + boost;
}

/* Neumaier's compensated sum of x[0..n) except x[skip] (skip = -1: all). */
static double sum_except(const double *x, int64_t n, int64_t skip) {
  double sum = 0.0, comp = 0.0;
  for (int64_t i = 0; i < n; i++) {
    if (i == skip) continue;
    double t = sum + x[i];
    if (fabs(sum) >= fabs(x[i])) comp += (sum - t) + x[i];
    else comp += (x[i] - t) + sum;
    sum = t;
  }
  return sum + comp;
}

void credal__rng_dirichlet(credal__rng *rng, double alpha, int64_t d, double *out) {
  int64_t arg = 0;
  if (alpha >= 1.0) { /* Gamma draws are comfortably normal numbers */
    for (int64_t j = 0; j < d; j++) {
      out[j] = gamma_mt(rng, alpha);
      if (out[j] > out[arg]) arg = j;
    }
  } else {
    /* Gamma draws in logs, then exp(l - max): the largest becomes 1, so however small alpha
     * is the row cannot underflow to all zeros. */
    for (int64_t j = 0; j < d; j++) {
      out[j] = credal__rng_log_gamma(rng, alpha);
      if (out[j] > out[arg]) arg = j;
    }
    double top = out[arg];
    for (int64_t j = 0; j < d; j++) out[j] = credal__det_exp(out[j] - top);
  }
  double total = sum_except(out, d, -1);
  for (int64_t j = 0; j < d; j++) out[j] /= total;
  double rest = sum_except(out, d, arg);
  out[arg] = rest < 1.0 ? 1.0 - rest : 0.0;
}

/* ---- the generator ---- */

/* One stream per dataset, so optional datasets do not shift the others' numbers. */
enum {
  STREAM_SIZES = 1,
  STREAM_POINTS,
  STREAM_CONSTANTS,
  STREAM_UTILITY,
  STREAM_PRIOR,
  STREAM_PRIOR_SET, /* + q for row q */
  STREAM_STRUCTURED = 1 << 30 /* + family: far from any prior-set row */
};

/* Elements of float64 held per buffered block (8 MiB), whatever H is. */
#define BLOCK_ELEMENTS ((int64_t)1 << 20)

void credal__gen_options_init(credal__gen_options *opt) {
  memset(opt, 0, sizeof *opt);
  opt->kind = CREDAL_KIND_DISTRIBUTION;
  opt->seed = 1;
  opt->concentration = 1.0;
  opt->focal_sets = 4;
}

static int64_t structured_total(const credal__gen_options *o) {
  int64_t n = 0;
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) n += o->structured[f];
  return n;
}

static credal_status check_options(const credal__gen_options *o) {
  if (o == NULL) return credal__fail(CREDAL_EINTERNAL, "NULL options");
  if (o->path == NULL || o->path[0] == '\0')
    return credal__fail(CREDAL_EUSAGE, "no output file given");
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++)
    if (o->structured[f] < 0 || o->structured[f] > INT32_MAX)
      return credal__fail(CREDAL_EUSAGE, "--%s must be in [0, %d] (got %lld)",
                          f == 1 ? "tv-balls" : credal_family_name((credal_family)f), INT32_MAX,
                          (long long)o->structured[f]);
  if (o->structured[CREDAL_FAMILY_BELIEF] && (o->focal_sets < 1 || o->focal_sets > 1 << 20))
    return credal__fail(CREDAL_EUSAGE, "--focal-sets must be in [1, 2^20] (got %lld)",
                        (long long)o->focal_sets);
  const int64_t structured = structured_total(o);
  if (o->hypotheses < (structured ? 0 : 1) || o->hypotheses > INT32_MAX - structured)
    return credal__fail(CREDAL_EUSAGE,
                        "--hypotheses (H) must be at least 1, or 0 with structured sets, and all "
                        "hypotheses together at most 2^31-1 (got %lld)",
                        (long long)o->hypotheses);
  int64_t kmax_allowed = o->ragged ? ((int64_t)INT32_MAX + 1) / 2 : INT32_MAX;
  if (o->hypotheses > 0 && (o->points < 1 || o->points > kmax_allowed))
    return credal__fail(CREDAL_EUSAGE, "--points (K) must be in [1, %lld]%s (got %lld)",
                        (long long)kmax_allowed, o->ragged ? " with --ragged" : "",
                        (long long)o->points);
  if (o->dim < 1)
    return credal__fail(CREDAL_EUSAGE, "--dim (d) must be at least 1 (got %lld)",
                        (long long)o->dim);
  if (o->policies < 1)
    return credal__fail(CREDAL_EUSAGE, "--policies (P) must be at least 1 (got %lld)",
                        (long long)o->policies);
  if (o->prior_set < 0)
    return credal__fail(CREDAL_EUSAGE, "--prior-set (Q) must not be negative (got %lld)",
                        (long long)o->prior_set);
  if (o->kind != CREDAL_KIND_DISTRIBUTION && o->kind != CREDAL_KIND_MEASURE &&
      o->kind != CREDAL_KIND_PAYOFF)
    return credal__fail(CREDAL_EUSAGE, "unknown kind %d", (int)o->kind);
  if (!(o->concentration > 0) || !isfinite(o->concentration))
    return credal__fail(CREDAL_EUSAGE,
                        "--concentration (alpha) must be a finite number > 0 (got %g)",
                        o->concentration);
  /* The largest hypothesis must fit a buffer. */
  uint64_t n, kmax = (uint64_t)(o->ragged ? 2 * o->points - 1 : o->points);
  if (credal__mul_u64(kmax, (uint64_t)o->dim, &n) || credal__mul_u64(n, sizeof(double), &n) ||
      n > (uint64_t)PTRDIFF_MAX)
    return credal__fail(CREDAL_EUSAGE, "one hypothesis of %llu x %lld values is too large",
                        (unsigned long long)kmax, (long long)o->dim);
  return CREDAL_OK;
}

static int64_t hypothesis_size(const credal__gen_options *o, credal__rng *sizes) {
  if (!o->ragged) return o->points;
  return 1 + (int64_t)credal__rng_below(sizes, (uint64_t)(2 * o->points - 1));
}

static credal_status count_generators(const credal__gen_options *o, int64_t *out) {
  uint64_t total;
  if (!o->ragged) {
    if (credal__mul_u64((uint64_t)o->hypotheses, (uint64_t)o->points, &total) || total > INT64_MAX)
      return credal__fail(CREDAL_EUSAGE, "%lld x %lld generators overflow 64 bits",
                          (long long)o->hypotheses, (long long)o->points);
    *out = (int64_t)total;
    return CREDAL_OK;
  }
  credal__rng sizes;
  credal__rng_seed(&sizes, o->seed, STREAM_SIZES);
  total = 0;
  for (int64_t h = 0; h < o->hypotheses; h++) {
    if (credal__add_u64(total, (uint64_t)hypothesis_size(o, &sizes), &total) || total > INT64_MAX)
      return credal__fail(CREDAL_EUSAGE, "the number of generators overflows 64 bits");
  }
  *out = (int64_t)total;
  return CREDAL_OK;
}

credal_status credal__gen_count(const credal__gen_options *opt, int64_t *generators) {
  credal_status st = check_options(opt);
  if (st != CREDAL_OK) return st;
  return count_generators(opt, generators);
}

/* Rounds a probability row to float32 so that its float32 entries sum to 1 within about one
 * float32 ulp of its largest entry: the largest absorbs the rounding of the others. */
static void round_distribution_f32(const double *row, int64_t d, float *out, double *scratch) {
  int64_t arg = 0;
  for (int64_t j = 0; j < d; j++) {
    out[j] = (float)row[j];
    scratch[j] = (double)out[j];
    if (row[j] > row[arg]) arg = j;
  }
  double rest = sum_except(scratch, d, arg);
  out[arg] = rest < 1.0 ? (float)(1.0 - rest) : 0.0f;
}

/* One generator row of the requested kind into row (d,). */
static void draw_row(const credal__gen_options *o, credal__rng *rng, double *row) {
  int64_t d = o->dim;
  switch (o->kind) {
    case CREDAL_KIND_DISTRIBUTION:
      credal__rng_dirichlet(rng, o->concentration, d, row);
      break;
    case CREDAL_KIND_MEASURE: {
      credal__rng_dirichlet(rng, o->concentration, d, row);
      double scale = uniform_open(rng);
      for (int64_t j = 0; j < d; j++) row[j] *= scale;
      break;
    }
    case CREDAL_KIND_PAYOFF:
      for (int64_t j = 0; j < d; j++) row[j] = 2.0 * credal__rng_uniform(rng) - 1.0;
      break;
  }
}

static credal_status write_offsets(const credal__gen_options *o, credal__batch_writer *w) {
  enum { N = 4096 };
  int64_t buf[N];
  credal__rng sizes;
  credal__rng_seed(&sizes, o->seed, STREAM_SIZES);
  int64_t offset = 0, fill = 0;
  buf[fill++] = 0;
  for (int64_t h = 0; h < o->hypotheses; h++) {
    offset += hypothesis_size(o, &sizes);
    buf[fill++] = offset;
    if (fill == N || h == o->hypotheses - 1) {
      credal_status st = credal__batch_writer_append_offsets(w, fill, buf);
      if (st != CREDAL_OK) return st;
      fill = 0;
    }
  }
  return CREDAL_OK;
}

static credal_status write_points(const credal__gen_options *o, credal__batch_writer *w) {
  credal_status st = CREDAL_OK;
  int64_t d = o->dim;
  int64_t kmax = o->ragged ? 2 * o->points - 1 : o->points;
  /* A block holds whole hypotheses: at least the largest one, else about 8 MiB. */
  int64_t cap = BLOCK_ELEMENTS / d;
  if (cap < kmax) cap = kmax;
  double *points = malloc((size_t)cap * (size_t)d * sizeof(double));
  double *constants = o->constants ? malloc((size_t)cap * sizeof(double)) : NULL;
  float *points_f32 = o->float32 ? malloc((size_t)cap * (size_t)d * sizeof(float)) : NULL;
  double *scratch = o->float32 ? malloc((size_t)d * sizeof(double)) : NULL;
  if (points == NULL || (o->constants && constants == NULL) ||
      (o->float32 && (points_f32 == NULL || scratch == NULL))) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory for a block of %lld x %lld points",
                      (long long)cap, (long long)d);
    goto cleanup;
  }

  credal__rng sizes, values, consts;
  credal__rng_seed(&sizes, o->seed, STREAM_SIZES);
  credal__rng_seed(&values, o->seed, STREAM_POINTS);
  credal__rng_seed(&consts, o->seed, STREAM_CONSTANTS);
  int64_t fill = 0;
  for (int64_t h = 0; h <= o->hypotheses; h++) {
    int64_t kh = h < o->hypotheses ? hypothesis_size(o, &sizes) : 0;
    if (fill > 0 && (h == o->hypotheses || fill + kh > cap)) { /* flush the block */
      st = o->float32 ? credal__batch_writer_append_points_f32(w, fill, points_f32)
                      : credal__batch_writer_append_points(w, fill, points);
      if (st == CREDAL_OK && o->constants)
        st = credal__batch_writer_append_constants(w, fill, constants);
      if (st != CREDAL_OK) goto cleanup;
      fill = 0;
    }
    for (int64_t k = 0; k < kh; k++, fill++) {
      double *row = points + fill * d;
      draw_row(o, &values, row);
      if (o->float32) {
        float *out = points_f32 + fill * d;
        if (o->kind == CREDAL_KIND_DISTRIBUTION) {
          round_distribution_f32(row, d, out, scratch);
        } else {
          for (int64_t j = 0; j < d; j++) out[j] = (float)row[j];
        }
      }
      if (o->constants)
        constants[fill] = o->kind == CREDAL_KIND_MEASURE ? 0.5 * credal__rng_uniform(&consts)
                                                         : 0.1 * credal__rng_normal(&consts);
    }
  }
cleanup:
  free(scratch);
  free(points_f32);
  free(constants);
  free(points);
  return st;
}

static credal_status write_utility(const credal__gen_options *o, credal__batch_writer *w) {
  credal_status st = CREDAL_OK;
  int64_t d = o->dim;
  int64_t cap = BLOCK_ELEMENTS / d;
  if (cap < 1) cap = 1;
  if (cap > o->policies) cap = o->policies;
  double *u = malloc((size_t)cap * (size_t)d * sizeof(double));
  float *u32 = o->float32 ? malloc((size_t)cap * (size_t)d * sizeof(float)) : NULL;
  if (u == NULL || (o->float32 && u32 == NULL)) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory for %lld policies", (long long)cap);
    goto cleanup;
  }
  credal__rng rng;
  credal__rng_seed(&rng, o->seed, STREAM_UTILITY);
  for (int64_t p0 = 0; p0 < o->policies; p0 += cap) {
    int64_t rows = o->policies - p0 < cap ? o->policies - p0 : cap;
    for (int64_t i = 0; i < rows * d; i++) u[i] = credal__rng_uniform(&rng);
    if (o->float32) {
      for (int64_t i = 0; i < rows * d; i++) u32[i] = (float)u[i];
      st = credal__batch_writer_append_utility_f32(w, rows, u32);
    } else {
      st = credal__batch_writer_append_utility(w, rows, u);
    }
    if (st != CREDAL_OK) goto cleanup;
  }
cleanup:
  free(u32);
  free(u);
  return st;
}

/* Dirichlet(1) over H without holding H values: Exp(1) draws, summed in a first pass over the
 * stream and divided by that sum in a second pass over the same stream. Writes the (Q, H)
 * prior set when rows > 0 and is_set, else the (H,) prior (rows = 1). */
static credal_status write_priors(const credal__gen_options *o, credal__batch_writer *w,
                                  int64_t rows, int is_set) {
  credal_status st = CREDAL_OK;
  int64_t H = o->hypotheses + structured_total(o);
  int64_t cols = BLOCK_ELEMENTS / rows;
  if (cols < 1) cols = 1;
  if (cols > H) cols = H;
  credal__rng *rng = malloc((size_t)rows * sizeof *rng);
  double *sums = malloc((size_t)rows * sizeof *sums);
  double *block = malloc((size_t)rows * (size_t)cols * sizeof *block);
  if (rng == NULL || sums == NULL || block == NULL) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory for a prior set of %lld rows",
                      (long long)rows);
    goto cleanup;
  }
  for (int64_t q = 0; q < rows; q++) {
    uint64_t stream = is_set ? (uint64_t)STREAM_PRIOR_SET + (uint64_t)q : STREAM_PRIOR;
    credal__rng_seed(&rng[q], o->seed, stream);
    double sum = 0.0, comp = 0.0; /* Neumaier */
    for (int64_t h = 0; h < H; h++) {
      double x = -credal__det_log(uniform_open(&rng[q]));
      double t = sum + x;
      comp += sum >= x ? (sum - t) + x : (x - t) + sum;
      sum = t;
    }
    sums[q] = sum + comp;
    credal__rng_seed(&rng[q], o->seed, stream); /* replay the same draws */
  }
  for (int64_t h0 = 0; h0 < H; h0 += cols) {
    int64_t n = H - h0 < cols ? H - h0 : cols;
    for (int64_t q = 0; q < rows; q++)
      for (int64_t i = 0; i < n; i++)
        block[q * n + i] = -credal__det_log(uniform_open(&rng[q])) / sums[q];
    st = is_set ? credal__batch_writer_append_prior_set(w, n, block)
                : credal__batch_writer_append_prior(w, n, block);
    if (st != CREDAL_OK) goto cleanup;
  }
cleanup:
  free(block);
  free(sums);
  free(rng);
  return st;
}

/* ---- structured sets ---- */

static int64_t focal_count(const credal__gen_options *o, credal__rng *sizes) {
  return 1 + (int64_t)credal__rng_below(sizes, (uint64_t)(2 * o->focal_sets - 1));
}

/* Focal sets of all belief functions (a first pass over their sizes' stream). */
static credal_status count_focal_sets(const credal__gen_options *o, int64_t *out) {
  credal__rng sizes;
  credal__rng_seed(&sizes, o->seed, (uint64_t)STREAM_STRUCTURED + CREDAL_FAMILY_COUNT);
  uint64_t total = 0;
  for (int64_t i = 0; i < o->structured[CREDAL_FAMILY_BELIEF]; i++)
    if (credal__add_u64(total, (uint64_t)focal_count(o, &sizes), &total) || total > INT32_MAX * 64ull)
      return credal__fail(CREDAL_EUSAGE, "too many focal sets");
  *out = (int64_t)total;
  return CREDAL_OK;
}

/* One family's sets, a block of whole hypotheses (or focal sets) at a time. */
static credal_status write_family(const credal__gen_options *o, credal__batch_writer *w,
                                  credal_family f) {
  const int64_t d = o->dim, n = o->structured[f];
  int64_t cap = BLOCK_ELEMENTS / d;
  const int64_t most = f == CREDAL_FAMILY_BELIEF ? 2 * o->focal_sets - 1 : 1;
  if (cap < most) cap = most;
  credal__rng rng, sizes;
  credal__rng_seed(&rng, o->seed, (uint64_t)STREAM_STRUCTURED + (uint64_t)f);
  credal__rng_seed(&sizes, o->seed, (uint64_t)STREAM_STRUCTURED + CREDAL_FAMILY_COUNT);
  double *rows = malloc((size_t)cap * (size_t)d * sizeof *rows);
  double *second = malloc((size_t)cap * (size_t)(f == CREDAL_FAMILY_INTERVALS ? d : 1) * sizeof *second);
  int64_t *offs = malloc(((size_t)cap + 1) * sizeof *offs);
  credal_status st = CREDAL_OK;
  if (!rows || !second || !offs) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory for a block of %s", credal_family_name(f));
    goto cleanup;
  }
  int64_t offset = 0;
  if (f == CREDAL_FAMILY_BELIEF && (st = credal__batch_writer_append_belief_offsets(w, 1, &offset)))
    goto cleanup;
  for (int64_t i = 0; i < n;) {
    int64_t fill = 0, items = 0; /* rows in the block, hypotheses in the block */
    while (i < n) {
      if (f != CREDAL_FAMILY_BELIEF) {
        if (fill == cap) break;
        double *x = rows + fill * d;
        credal__rng_dirichlet(&rng, o->concentration, d, x);
        if (f == CREDAL_FAMILY_INTERVALS) {
          double *hi = second + fill * d;
          for (int64_t j = 0; j < d; j++) {
            const double q = x[j];
            x[j] = q * credal__rng_uniform(&rng);
            hi[j] = q + (1.0 - q) * credal__rng_uniform(&rng) * credal__rng_uniform(&rng);
          }
        } else {
          second[fill] = 0.5 * credal__rng_uniform(&rng);
        }
        fill++;
      } else {
        credal__rng peek = sizes;
        const int64_t m = focal_count(o, &peek);
        if (fill + m > cap) break;
        sizes = peek;
        double total = 0.0;
        for (int64_t r = 0; r < m; r++) {
          double *a = rows + (fill + r) * d;
          const double p = credal__rng_uniform(&rng);
          for (int64_t j = 0; j < d; j++) a[j] = credal__rng_uniform(&rng) < p ? 1.0 : 0.0;
          a[credal__rng_below(&rng, (uint64_t)d)] = 1.0;
          total += second[fill + r] = -credal__det_log(uniform_open(&rng));
        }
        for (int64_t r = 0; r < m; r++) second[fill + r] /= total;
        fill += m;
        offset += m;
        offs[items] = offset;
      }
      items++;
      i++;
    }
    if ((st = credal__batch_writer_append_family(w, f, fill, rows, second))) goto cleanup;
    if (f == CREDAL_FAMILY_BELIEF && (st = credal__batch_writer_append_belief_offsets(w, items, offs)))
      goto cleanup;
  }
cleanup:
  free(rows), free(second), free(offs);
  return st;
}

credal_status credal__gen(const credal__gen_options *opt) {
  credal_status st = check_options(opt);
  if (st != CREDAL_OK) return st;
  int64_t generators = 0, focal_sets = 0;
  if ((st = count_generators(opt, &generators)) != CREDAL_OK ||
      (st = count_focal_sets(opt, &focal_sets)) != CREDAL_OK)
    return st;

  credal__batch_spec spec;
  credal__batch_spec_init(&spec);
  spec.hypotheses = opt->hypotheses;
  spec.generators = generators;
  spec.dim = opt->dim;
  spec.policies = opt->policies;
  spec.prior_set_size = opt->prior_set;
  spec.kind = opt->kind;
  spec.points_f32 = opt->float32;
  spec.utility_f32 = opt->float32;
  spec.has_constants = opt->constants;
  spec.has_prior = opt->prior;
  spec.force = opt->force;
  if (opt->compression && credal__codec_parse(opt->compression, &spec.codec))
    return credal__fail(CREDAL_EUSAGE, "--compression wants gzip[:1-12], zstd[:1-22], lz4 or none, "
                        "got '%s'", opt->compression);
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) spec.structured[f] = opt->structured[f];
  spec.focal_sets = focal_sets;
  spec.interrupt = opt->interrupt;

  /* the chunks are encoded on every core (SPEC §8) */
  credal__pool *pool = NULL;
  if ((st = credal__pool_create(credal__pool_cores(1), &pool))) return st;
  spec.pool = pool;
  credal__batch_writer *w;
  if ((st = credal__batch_writer_create(opt->path, &spec, &w)) != CREDAL_OK) goto done;
  if (opt->hypotheses > 0 &&
      ((st = write_offsets(opt, w)) != CREDAL_OK || (st = write_points(opt, w)) != CREDAL_OK))
    goto fail;
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++)
    if (opt->structured[f] && (st = write_family(opt, w, (credal_family)f)) != CREDAL_OK) goto fail;
  if ((st = write_utility(opt, w)) != CREDAL_OK) goto fail;
  if (opt->prior && (st = write_priors(opt, w, 1, 0)) != CREDAL_OK) goto fail;
  if (opt->prior_set > 0 && (st = write_priors(opt, w, opt->prior_set, 1)) != CREDAL_OK) goto fail;
  st = credal__batch_writer_finish(w);
  goto done;
fail:
  credal__batch_writer_abort(w);
done:
  credal__pool_destroy(pool);
  return st;
}
