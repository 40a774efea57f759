/* The credal MDP iteration behind credal_mdp_*_f64 (mdp.c), for the batch (mdp_eval.c). */
#ifndef CREDAL_MDP_H
#define CREDAL_MDP_H

#include "../io/internal.h"

/* Value iteration for policy (C,) (NULL: the optimum, its choices into optimal, (S,) or
 * (horizon, S)); fast keeps each choice's successor order from sweep to sweep (the cpu
 * backend; the same values to the last bit as a fresh sort, which the reference does). */
credal_status credal__mdp_iterate(const credal_mdp *m, const double *policy, int cooperative,
                                  int fast, double *value, int32_t *optimal, int64_t *iterations,
                                  double *residual);

#endif /* CREDAL_MDP_H */
