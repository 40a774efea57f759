/* Imprecise decision rules (SPEC §9) on the host, the same code whatever backend computed the
 * lower and upper expectations: per hypothesis, from a chunk's rows and its (count, P) lower
 * and upper; for the class, from accumulators carried across chunks in hypothesis order.
 *
 * The rules that compare pairs of policies (maximality, the within-set regret, and through
 * them E-admissibility) need lower_h(u_q - u_p). The interval bounds
 *   lower[q] - upper[p]  <=  lower_h(u_q - u_p)  <=  min(lower[q] - lower[p], upper[q] - upper[p])
 * decide most pairs without it (docs/math.md, "Decision rules"); the rest are evaluated exactly:
 * for generators as min_k (v[k,q] - v[k,p]) over the value matrix v[k,p] = <x_k, u_p> of the
 * hypothesis (computed once by the cpu tiles, so a pair costs K subtractions, not K*d
 * multiply-adds), for the structured families by their greedy pass on the difference gamble.
 * E-admissibility is settled by a screen where one decides it, by column generation over the
 * set's vertices otherwise (host/rules_eadm.c). */
#ifndef CREDAL_RULES_H
#define CREDAL_RULES_H

#include "../io/batch_reader.h"
#include "../io/criteria.h"
#include "../io/internal.h"
#include "../io/pool.h"

typedef struct {
  int64_t policies, dim;
  const double *utility; /* (P, d), copied */
  unsigned rules;        /* CREDAL_RULE_* flags asked (the flags they need are added) */
  double hurwicz;        /* ALPHA in [0, 1] */
  double tolerance;      /* 1e-12 (float64 runs) or 1e-5 (float32): SPEC §6's atol factor */
  int threads;           /* 0: every core */
  int exhaustive;        /* evaluate every pair, the bounds notwithstanding (benchmarks: what
                          * the pruning saves); the results are the same */
  volatile int *interrupt; /* non-NULL: the class's E-admissibility passes stop (EINTERRUPTED)
                            * when it becomes non-zero */
} credal__rules_config;

typedef struct credal__rules credal__rules;

credal_status credal__rules_create(const credal__rules_config *config, credal__rules **out);
void credal__rules_destroy(credal__rules *r); /* NULL is fine */

/* What credal__rules_create allocates for the run (class accumulators, per-thread scratch),
 * and what each hypothesis of a chunk adds (its masks and set regret row), for planning. */
uint64_t credal__rules_bytes(int64_t policies, int64_t dim, unsigned rules, int threads);
uint64_t credal__rules_bytes_per_hypothesis(int64_t policies, unsigned rules);
/* Whether the rules asked compare pairs of policies (the (P, P) accumulators are needed). */
int credal__rules_pairwise(unsigned rules);

/* Hypotheses of one family, in hypothesis order across calls: rows and scalars in the row
 * layout of credal_family_lower_f64 (offsets (count+1,) relative), lower and upper (count, P),
 * argmax (count, P) (generators: the index within the hypothesis; ignored otherwise).
 * Writes masks (CREDAL_RULE_COUNT, count, P) and set_regret (count, P) (NULL without it), and
 * folds the hypotheses into the class accumulators. A backend with rules_pairs (may be NULL)
 * evaluates a generator chunk's pairs; the host does what it declines. */
struct credal__backend;
credal_status credal__rules_chunk(credal__rules *r, credal_family family, int64_t count,
                                  const int64_t *offsets, const double *rows, const double *scalars,
                                  const double *lower, const double *upper, const int32_t *argmax,
                                  uint8_t *masks, double *set_regret,
                                  struct credal__backend *backend);

/* Whether the run was asked to stop (config.interrupt). */
int credal__rules_interrupted(const credal__rules *r);
/* The policies (P, d), the pool and its threads the rules run on. */
const double *credal__rules_utility(const credal__rules *r);
credal__pool *credal__rules_pool(const credal__rules *r);
int credal__rules_threads(const credal__rules *r);
/* The flags asked (config.rules), and those computed (with what they need). */
unsigned credal__rules_asked(const credal__rules *r);
double credal__rules_hurwicz(const credal__rules *r);

/* The class accumulators, for the resume state (owned by r). */
credal__rules_state *credal__rules_accumulated(credal__rules *r);
/* A state shaped like r's, initialised as before any hypothesis (for reading another's). */
credal_status credal__rules_state_alloc(const credal__rules *r, credal__rules_state *s);
void credal__rules_state_free(credal__rules_state *s); /* zeroed is fine */
/* Folds the accumulators of later hypotheses (an MPI rank after this one) into r's: the same
 * state as one run over both, in order. */
void credal__rules_merge(credal__rules *r, const credal__rules_state *later);

/* After the last hypothesis: the class masks and choice into out (allocated here; free with
 * credal__rules_class_free). class_lower (P,) is min_h lower. Where screening leaves the class
 * E-admissibility of a policy open, it reads the input again (in chunks of at most
 * chunk_bytes; once, when it fits in cache_bytes, else once per round) to generate the class's
 * vertices. */
credal_status credal__rules_finish(credal__rules *r, const double *class_lower, credal_input *in,
                                   uint64_t chunk_bytes, uint64_t cache_bytes,
                                   credal__rules_class *out);
void credal__rules_class_free(credal__rules_class *c);

/* ---- shared by rules.c, rules_eadm.c and rules_class.c ---- */

/* Γ-maximin, Γ-maximax, Hurwicz (alpha) and interval dominance of P policies with lower and
 * upper expectations lo, up (P,) and tolerance tau, into the four masks (P,) each: for one
 * hypothesis, or for the class from class_lower and class_upper. */
void credal__interval_rules(const double *lo, const double *up, int64_t P, double alpha, double tau,
                            uint8_t *gamma_maximin, uint8_t *gamma_maximax, uint8_t *hurwicz,
                            uint8_t *interval_dominance);

/* g (d,) = u_p - sum_c mu[c] u_{cols[c]}: the gamble a minimiser's mixture over the policies
 * cols (n) leaves against p. */
void credal__mixture_gamble(const double *utility, int64_t d, int64_t p, const int64_t *cols,
                            const double *mu, int64_t n, double *g);

/* The SPEC §6 atol of one hypothesis: tolerance * (max|x| * max|u| * d + max|b|), where the
 * structured families' members are distributions (max|x| <= 1) with no constants. */
double credal__rules_tau(credal_family family, const double *rows, const double *scalars,
                         int64_t nrows, int64_t dim, double max_abs_u, double tolerance);

/* The member of one structured set maximising (upper) or minimising <m, g>, by the same
 * greedy pass as credal_structured_value with g's order (credal__utility_order), into m (d,). */
void credal__structured_vertex(credal_family family, const double *rows, const double *scalars,
                               int64_t nrows, const double *g, int64_t d, const int32_t *order,
                               int upper, double *m);

/* One hypothesis's set for E-admissibility: its rows in the row layout, and for generators
 * optionally the value matrix values[r * nrows + k] = <x_k, u_r> (P, nrows), or NULL. */
typedef struct {
  credal_family family;
  const double *rows, *scalars;
  int64_t nrows, dim;
  const double *values;
} credal__set;

/* Scratch of one thread for E-admissibility (grows on demand). */
typedef struct credal__eadm_scratch credal__eadm_scratch;
credal__eadm_scratch *credal__eadm_scratch_new(int64_t policies, int64_t dim);
void credal__eadm_scratch_free(credal__eadm_scratch *s);

/* Whether policy p is E-admissible in set (SPEC §9 with tolerance tau) against the policies
 * candidates (n_candidates; they must include every maximal policy): column generation over
 * the set's vertices, starting from `seeds` (n_seeds, d) distributions of the set (with
 * set->values: one seed, generator seed_row). -1 when out of memory. */
int credal__eadm_decide(credal__eadm_scratch *s, const credal__set *set, const double *utility,
                        int64_t p, const int64_t *candidates, int64_t n_candidates,
                        const double *seeds, int64_t n_seeds, int64_t seed_row, double tau);

#endif /* CREDAL_RULES_H */
