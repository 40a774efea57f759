/* The regret stage (SPEC §1): per-hypothesis best policy and regret, and the per-policy class
 * criteria accumulated across chunks of hypotheses in hypothesis order (deterministic). */
#ifndef CREDAL_REGRET_H
#define CREDAL_REGRET_H

#include "../io/criteria.h"
#include "../io/internal.h"

credal_status credal__regret_init(credal__regret *r, int64_t policies, int has_prior,
                                  int64_t prior_set_size);
void credal__regret_free(credal__regret *r); /* NULL and zeroed structs are fine */
/* Copies the accumulators (and next_hypothesis) of src into dst, both initialised alike. */
void credal__regret_copy(credal__regret *dst, const credal__regret *src);
/* Bytes credal__regret_init allocates, for memory planning. */
uint64_t credal__regret_bytes(int64_t policies, int has_prior, int64_t prior_set_size);

/* Hypotheses h0 .. h0+count-1 (h0 must equal r->next_hypothesis):
 *   lower (count, P); prior (count,) or NULL; prior_set (Q, count) or NULL
 * writes best_value (count,), best_policy (count,), regret (count, P). */
void credal__regret_chunk(credal__regret *r, int64_t h0, int64_t count, const double *lower,
                          const double *prior, const double *prior_set, double *best_value,
                          int32_t *best_policy, double *regret);

/* The same with regret[h,p] = optimum[h] - lower[h,p] (optimum (count,): the best value of
 * all policies, beyond the batch's, as a credal MDP's robust optimum); NULL: as above. */
void credal__regret_chunk_against(credal__regret *r, int64_t h0, int64_t count,
                                  const double *lower, const double *optimum, const double *prior,
                                  const double *prior_set, double *best_value,
                                  int32_t *best_policy, double *regret);

/* After the last chunk: credal_regret (P,) and credal_regret_prior (P,) when Q > 0 (else
 * untouched), and the four choices. */
void credal__regret_finish(const credal__regret *r, double *credal_regret,
                           int32_t *credal_regret_prior, credal__choices *choices);

#endif /* CREDAL_REGRET_H */
