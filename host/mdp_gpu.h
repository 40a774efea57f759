/* Credal MDPs on the GPU (host/gpu/gpu_mdp.c, kernels/mdp.cu): a hypothesis's robust optimum
 * and every policy's robust values, all of them sweeping at once over one copy of the model on
 * the device, to the reference's bits (the same operations as host/mdp.c, in the same order).
 * Builds without CUDA answer CREDAL_ENODEVICE (host/nogpu/). */
#ifndef CREDAL_MDP_GPU_H
#define CREDAL_MDP_GPU_H

#include <stdint.h>

#include "../io/internal.h"

typedef struct credal__gpu_mdp credal__gpu_mdp;

/* A hypothesis's work (its model and the policies go up to the device with it). */
typedef struct {
  const credal_mdp *model;     /* checked (credal__mdp_check) */
  const double *initial;       /* (S,) */
  int64_t policies;            /* P */
  const int32_t *actions;      /* (P, S) deterministic policies, or NULL ... */
  const double *probabilities; /* ... (P, C) randomised ones */
  int optimum; /* also the robust optimum (not for reach over an infinite horizon) */
  int upper;   /* also each policy's value with nature cooperating */
  /* reach over an infinite horizon: rows p and P + p (with upper) the zero sets (S,) of policy
   * p, nature minimising and cooperating (credal__mdp_unreachable; the cooperative ones'
   * supports checked); else NULL */
  const uint8_t *zero;
  volatile int *interrupt; /* non-NULL: watched between groups of sweeps */
  /* out: the optimum's values (S,), choices ((horizon or 1), S), sweeps and last residual, and
   * its status (CREDAL_EDATA: did not settle, the message the last error; nothing more done) */
  double *optimum_value;
  int32_t *optimal;
  int64_t optimum_iterations;
  double optimum_residual;
  credal_status optimum_status;
  /* out (P,): the values from initial, the most sweeps and the larger residual of the two,
   * each policy's status (CREDAL_EDATA: did not settle) */
  double *lower, *upper_value;
  int64_t *iterations;
  double *residual;
  credal_status *status;
} credal__gpu_mdp_job;

/* The GPU's MDP solver on device `device`, its description into name (n bytes):
 * CREDAL_ENODEVICE without one, or unless CREDAL_GPU_MDP=1 is set (the kernels
 * await their check on a card). */
credal_status credal__gpu_mdp_create(int device, char *name, size_t n, credal__gpu_mdp **out);
void credal__gpu_mdp_free(credal__gpu_mdp *g); /* NULL is fine */
/* The job, in batches of policies that fit the device's free memory; CREDAL_EINTERRUPTED when
 * *job->interrupt was set, a CUDA failure as EINTERNAL or ENOMEM naming it. */
credal_status credal__gpu_mdp_solve(credal__gpu_mdp *g, credal__gpu_mdp_job *job);

#endif /* CREDAL_MDP_GPU_H */
