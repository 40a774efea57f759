/* The credal-mdp evaluation's shared state (host/mdp_eval.c runs it): one hypothesis's
 * computation (host/mdp_hypothesis.c) and the hypotheses' distribution over MPI ranks
 * (host/mdp_ranks.c). Internal. */
#ifndef CREDAL_MDP_JOB_H
#define CREDAL_MDP_JOB_H

#include "../io/mdp_reader.h"
#include "../io/result_writer.h"
#include "backend.h"
#include "mdp.h"
#include "mdp_gpu.h"
#include "regret.h"

/* What the run holds besides the reader: a hypothesis's rows and the optimum. */
typedef struct {
  double *optimal_v;                             /* (S,) */
  int32_t *optimal_policy;                       /* (S,) or (T, S) */
  double *lower, *upper, *regret, *prior_column; /* (P,) (P,) (P,) (Q,) */
  int32_t *argmin; /* (P,) -1: no extreme point stands for an MDP's worst case */
  int64_t *iterations;
  double *residual;
  credal_status *status;
  double *scratch;
} credal__mdp_buffers;

/* The evaluation: the input, the output, the accumulators, the workers and the device. */
typedef struct {
  credal__mdp_input *in;
  credal__result_writer *out;
  credal__regret acc;
  credal__mdp_buffers b;
  credal__pool *pool;
  int threads;
  int fast;                    /* the cpu backend: each choice's order kept from sweep to sweep */
  credal__mdp_scratch *orders; /* (threads,), made for the structure on the first hypothesis */
  credal__gpu_mdp *gpu;        /* --backend gpu: the policies (and optimum) sweep there */
  uint8_t *zero;               /* gpu, reach over an infinite horizon: (2P, S) zero sets */
  char gpu_name[128];
  int64_t policy_iterations;
  double policy_residual;
  uint64_t content; /* the digest of the hypotheses recorded (io/digest.h), for --resume */
  /* --rules (the four the values' intervals decide): the masks of a hypothesis, and the class
   * accumulators beside the regret stage's (class_upper max_h upper, tau the largest tolerance) */
  uint8_t *masks;      /* (CREDAL_RULE_COUNT, P) */
  double *class_upper; /* (P,) */
  double tau;
} credal__mdp_run_state;

/* What a hypothesis's evaluation gives besides the rows in the buffers (lower, upper, the
 * optimal policy): the numbers an MPI rank sends rank 0 with them. */
typedef struct {
  int64_t status;               /* a failed or interrupted evaluation: its status ... */
  char message[CREDAL_MSG_MAX]; /* ... and message */
  double optimum, residual, policy_residual;
  int64_t iterations, policy_iterations;
  uint64_t digest;              /* of the hypothesis's sets (credal__mdp_sets_digest) */
} credal__mdp_outcome;

/* Hypothesis h's optimum and every policy's values into r's buffers and *out
 * (host/mdp_hypothesis.c). */
credal_status credal__mdp_compute_hypothesis(credal__mdp_run_state *r, const credal_eval_options *o,
                                             int64_t h, credal__problems *sink,
                                             credal__mdp_outcome *out);
/* The workers' scratch (made on the first hypothesis), freed. */
void credal__mdp_free_orders(credal__mdp_run_state *r);
/* Hypothesis h, computed: the regret stage and its rows in the result (host/mdp_eval.c). */
credal_status credal__mdp_record_hypothesis(credal__mdp_run_state *r, const credal_eval_options *o,
                                            int64_t h, const credal__mdp_outcome *x);
/* Hypotheses *done .. H-1, in order on one rank or spread over MPI ranks with rank 0 recording
 * (host/mdp_ranks.c); the first failure (EINTERRUPTED: stopped by a signal), *done the
 * hypotheses recorded. */
credal_status credal__mdp_run_hypotheses(credal__mdp_run_state *r, const credal_eval_options *o,
                                         credal__problems *sink, int64_t *done);

#endif /* CREDAL_MDP_JOB_H */
