/* The credal-mdp parts of a credal-result file (SPEC §10): root attribute model = "mdp",
 * /optimal/value (H,), /optimal/policy (H, S) or (H, T, S) for a horizon T, and
 * /convergence/iterations (H,), /convergence/residual (H,) of each hypothesis's robust value
 * iteration, with the most sweeps and the largest final residual of the policies' evaluations
 * as /convergence attributes. Written one hypothesis at a time into the open result. */
#ifndef CREDAL_RESULT_MDP_H
#define CREDAL_RESULT_MDP_H

#include <hdf5.h>

#include "internal.h"

/* Creates the datasets (file: the open result, credal__result_hid). */
credal_status credal__result_mdp_create(hid_t file, int64_t hypotheses, int64_t states,
                                        int64_t horizon);

/* Hypothesis h's optimum: value, policy (S,) or (T, S), the sweeps and final residual. */
credal_status credal__result_mdp_write(hid_t file, int64_t h, double value, const int32_t *policy,
                                       int64_t iterations, double residual);

/* The /convergence attributes after the last hypothesis: the most sweeps and the largest final
 * residual (interval iteration: the bounds' gap) over the policies' evaluations. */
credal_status credal__result_mdp_finish(hid_t file, int64_t policy_iterations,
                                        double policy_residual);

/* A partial result being resumed: its datasets have these shapes (EDATA naming what differs),
 * and the /convergence attributes its interrupted run saved come back (0 when absent). */
credal_status credal__result_mdp_resume(hid_t file, int64_t hypotheses, int64_t states,
                                        int64_t horizon, int64_t *policy_iterations,
                                        double *policy_residual);

/* The interval rules' class accumulators (--rules) in an interrupted run's /resume: max_h
 * upper (P,) and the largest tolerance; and back. */
credal_status credal__result_mdp_save_rules(hid_t file, int64_t policies, const double *class_upper,
                                            double tau);
credal_status credal__result_mdp_load_rules(hid_t file, int64_t policies, double *class_upper,
                                            double *tau);

#endif /* CREDAL_RESULT_MDP_H */
