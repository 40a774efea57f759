/* Synthetic credal-batch inputs (`credal gen`) and the portable random numbers behind them.
 *
 * The same options and seed give a byte-identical file on every platform: the generator is
 * self-contained (splitmix64 seeding xoshiro256**), and the few transcendental functions it
 * needs (log, exp) are computed here from + - * / and sqrt only, so no libm differences enter.
 * Hypotheses are produced and written in chunks: memory does not grow with H.
 */
#ifndef CREDAL_GEN_H
#define CREDAL_GEN_H

#include <stdint.h>

#include "credal.h"

/* ---- random numbers (also handy for tests that want reproducible random inputs) ---- */

typedef struct {
  uint64_t s[4];   /* xoshiro256** state */
  double spare;    /* the polar method's second normal, when has_spare */
  int has_spare;
} credal__rng;

/* Seeds an independent stream: the same (seed, stream) always gives the same sequence. */
void credal__rng_seed(credal__rng *rng, uint64_t seed, uint64_t stream);
/* The next 64 random bits (xoshiro256**). */
uint64_t credal__rng_next(credal__rng *rng);
/* Uniform in [0, 1), a multiple of 2^-53. */
double credal__rng_uniform(credal__rng *rng);
/* Uniform in [0, n) without modulo bias; n >= 1. */
uint64_t credal__rng_below(credal__rng *rng, uint64_t n);
/* Standard normal (Marsaglia's polar method). */
double credal__rng_normal(credal__rng *rng);
/* The logarithm of a Gamma(alpha, 1) draw, alpha > 0 (Marsaglia-Tsang; for alpha < 1 the
 * boost Gamma(alpha) = Gamma(alpha + 1) * U^(1/alpha), taken in logs so tiny alphas do not
 * underflow). */
double credal__rng_log_gamma(credal__rng *rng, double alpha);
/* A Dirichlet(alpha, ..., alpha) draw of length d into out: normalised Gamma(alpha) draws
 * (for alpha < 1 normalised in logs, so a row never underflows to all zeros); entries >= 0
 * and the largest is set to 1 - (sum of the others), so the row sums to 1 within rounding. */
void credal__rng_dirichlet(credal__rng *rng, double alpha, int64_t d, double *out);

/* Portable natural logarithm (x > 0, finite) and exponential, accurate to a few ulp and
 * bitwise identical on every IEEE-754 platform. */
double credal__det_log(double x);
double credal__det_exp(double x);

/* ---- the generator ---- */

typedef struct {
  const char *path;        /* output file */
  int64_t hypotheses;      /* H >= 1 */
  int64_t points;          /* K >= 1: generators per hypothesis (the mean when ragged) */
  int64_t dim;             /* d >= 1 */
  int64_t policies;        /* P >= 1 */
  credal_kind kind;        /* distribution (default) | measure | payoff */
  uint64_t seed;           /* default 1 */
  double concentration;    /* Dirichlet alpha > 0, default 1 */
  int ragged;              /* K_h uniform in [1, 2K-1] instead of K */
  int constants;           /* write /hypotheses/constants: measure >= 0, else normal(0, 0.1^2) */
  int prior;               /* write /hypotheses/prior, a Dirichlet(1) draw over the H */
  int64_t prior_set;       /* Q > 0: write /hypotheses/prior_set, Q Dirichlet(1) priors */
  int float32;             /* store points and utility as float32 */
  int force;               /* replace an existing file */
  const char *compression; /* the datasets' codec (io/codec.h); NULL: gzip:1 */
  /* Structured sets after the generator hypotheses (hypotheses may then be 0): counts per
   * family ([GENERATORS] unused) and the mean focal sets per belief function. */
  int64_t structured[CREDAL_FAMILY_COUNT];
  int64_t focal_sets;      /* default 4 */
  volatile int *interrupt; /* non-NULL: when it becomes non-zero, stop and remove the partial */
} credal__gen_options;

/* Defaults: kind distribution, seed 1, concentration 1; sizes 0 (the caller must set them). */
void credal__gen_options_init(credal__gen_options *opt);

/* Writes opt->path (through opt->path.partial, renamed at the end). What is drawn:
 *   distribution: each row Dirichlet(alpha), summing to 1 (float32 rows are renormalised in
 *                 float32 so they sum to 1 within 1e-6);
 *   measure:      a Dirichlet(alpha) row times a scale uniform in (0, 1];
 *   payoff:       entries uniform in [-1, 1);
 *   utility:      entries uniform in [0, 1), for every kind;
 *   tv balls, contaminated sets: Dirichlet(alpha) centers, radius / epsilon uniform in [0, 0.5);
 *   intervals:    around a Dirichlet(alpha) q: lower_j = q_j U, upper_j = q_j + (1 - q_j) U U';
 *   belief:       1 .. 2F-1 focal sets each (F = focal_sets), every outcome in a set with a
 *                 probability drawn per set (never empty), Dirichlet(1) masses.
 * Each dataset draws from its own stream (sizes, points, constants, utility, prior, each
 * prior-set row), so e.g. adding --prior leaves the points unchanged.
 * Returns CREDAL_EUSAGE for bad options, else the writer's status. */
credal_status credal__gen(const credal__gen_options *opt);

/* K_total that credal__gen writes for these options (H*K unless ragged); O(H) time. */
credal_status credal__gen_count(const credal__gen_options *opt, int64_t *generators);

#endif /* CREDAL_GEN_H */
