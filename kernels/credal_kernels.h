/* C interface to credal's CUDA kernels. Every launcher is asynchronous on `stream` (a
 * cudaStream_t passed as void * so that C callers need no CUDA types here) and returns a
 * cudaError_t as int (0: launched). All pointers are device pointers.
 *
 * Lower expectations of a chunk: rows r = 0..rows-1 of the (rows, d) generator matrix belong
 * to hypotheses h = 0..count-1 by offsets (count+1,), and
 *   lower[h, p] = min_{r in h} <x_r, u_p> + b_r,  argmin = r - offsets[h], lowest on exact ties
 * (upper/argmax likewise), outputs (count, P) row-major in float64 whatever T is. A NaN value
 * wins (so the host refuses it), as in the reference. */
#ifndef CREDAL_KERNELS_H
#define CREDAL_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int64_t count, rows, dim, policies;
  const int64_t *offsets;  /* (count+1,) relative to row 0 */
  const void *points;      /* (rows, d) of T */
  const void *constants;   /* (rows,) of T, or NULL */
  const void *utility;     /* (P, d) of T */
  double *lower;           /* (count, P) */
  int32_t *argmin;
  double *upper;           /* NULL: no upper/argmax */
  int32_t *argmax;
} credal_kernel_batch;

/* The fused kernel: tiles of 64 rows x 64 policies (128 x 16 when P <= 16; kernels/lower.cu),
 * the inner products accumulated in registers over d, then a segmented (min, index) scan per hypothesis inside the tile;
 * hypotheses that cross tiles leave (head, tail) partials that a second kernel merges in tile
 * order. No atomics: every result is the lexicographic (value, index) extreme, which does not
 * depend on scheduling. */
#define CREDAL_FUSED_ROWS 64 /* every tile's row count is a multiple of this */
size_t credal_fused_workspace_bytes(int64_t rows, int64_t policies, int upper);
int credal_fused_lower(const credal_kernel_batch *b, int f32, void *workspace, void *stream);

/* The GEMM path's second half: values (rows, P) of T already hold <x_r, u_p> (from cuBLAS);
 * adds b_r and reduces each hypothesis's rows, one thread per (hypothesis, policy), or with
 * CREDAL_GPU_SCAN=tiles one per (tile of 512 rows, policy) and a merge, its partials in
 * workspace (credal_scan_workspace_bytes). */
size_t credal_scan_workspace_bytes(int64_t rows, int64_t policies, int upper);
int credal_segmented_extremes(const credal_kernel_batch *b, int f32, const void *values,
                              void *workspace, void *stream);

/* Structured families (host/structured.h), computed in float64 whatever the precision: rows,
 * constants and utility hold doubles in the row layout of credal_family_lower_f64, orders
 * (P, d) the policies' utility orders; round_f32 rounds the results to float32 values (what a
 * float32 output stores); argmin/argmax are set to -1. */
int credal_structured_lower(const credal_kernel_batch *b, int family, const int32_t *orders,
                            int round_f32, void *stream);

/* out[i] = in[i] - in[0] for i = 0..n-1 (a sub-chunk's offsets made relative). */
int credal_rebase_offsets(const int64_t *in, int64_t *out, int64_t n, void *stream);

/* float64 -> float32, n elements. */
int credal_to_f32(const double *in, float *out, int64_t n, void *stream);

/* The regret stage of a chunk (float64): best_value/best_policy (count,) (lowest p on ties) and
 * regret (count, P). */
int credal_regret_rows(const double *lower, int64_t count, int64_t policies, double *best_value,
                       int32_t *best_policy, double *regret, void *stream);

/* Per-policy accumulators, updated hypothesis by hypothesis in order (deterministic):
 * class_lower/_h (min, lowest h), worst_regret/_h (max, lowest h), bayes (+= prior*regret, when
 * prior != NULL), credal_sums (Q, P) (+= Z[q,h]*regret, when Q > 0; prior_set is (Q, count)).
 * h0 is the chunk's first hypothesis (for the _h outputs); first_chunk resets them. */
typedef struct {
  double *class_lower;
  int32_t *class_lower_h;
  double *worst_regret;
  int32_t *worst_regret_h;
  double *bayes_regret;    /* or NULL */
  double *credal_sums;     /* (Q, P) or NULL */
} credal_kernel_accumulators;
int credal_accumulate(const credal_kernel_accumulators *acc, const double *lower,
                      const double *regret, const double *prior, const double *prior_set,
                      int64_t h0, int64_t count, int64_t policies, int64_t prior_set_size,
                      int first_chunk, void *stream);

/* The decision rules' pairs (kernels/pairs.cu, host/rules.h) of `count` generator hypotheses
 * whose value matrix values (rows, P) = <x_k, u_p> is given, offsets (count+1,) relative to
 * its row 0; lower, upper (count, P), tau (count,) and open (count, P) (p's maximality needs
 * pairs) in. Out: dominated (count, P) (some q has the interval bound and
 * lower_h(u_q - u_p) above tau), regret_max (count, P) = max_k (max_q v[k,q] - v[k,p]),
 * optimal (count, P) (p within tau of the best at some generator), pair_min (P, P) = the
 * minimum over the hypotheses of lower_h(u_q - u_p) (+inf on the diagonal). */
typedef struct {
  int64_t count, rows, policies;
  const double *values;
  const int64_t *offsets;
  const double *lower, *upper, *tau;
  const uint8_t *open;
  uint8_t *dominated, *optimal;
  double *regret_max, *pair_min;
} credal_kernel_pairs;
size_t credal_pairs_workspace_bytes(int64_t count, int64_t rows, int64_t policies);
int64_t credal_pairs_slices(int64_t count, int64_t policies);
int credal_rules_pairs(const credal_kernel_pairs *k, void *workspace, void *stream);

/* Credal MDP sweeps (kernels/mdp.cu, host/mdp.c): one model (device copies of credal_mdp's
 * arrays, successors as int32) and a batch of problems over it, each a policy's evaluation
 * (policy[q] >= 0, nature minimising or cooperating) or the robust optimum (policy[q] = -1). */
enum { CREDAL_KERNEL_MDP_INTERVALS = 0, CREDAL_KERNEL_MDP_TV_BALLS = 1,
       CREDAL_KERNEL_MDP_CONTAMINATION = 2 };
enum { CREDAL_KERNEL_MDP_RESIDUAL = 0, CREDAL_KERNEL_MDP_HORIZON = 1, CREDAL_KERNEL_MDP_GAP = 2 };
typedef struct {
  int64_t states;
  const int64_t *choice_offsets, *successor_offsets; /* (S+1,) (C+1,) */
  const int32_t *successors;                         /* (N,) */
  int sets;                                          /* CREDAL_KERNEL_MDP_* */
  const double *a, *b;        /* intervals: lower, upper (N,); else nominal (N,), radius (C,) */
  int discounted;             /* else reach */
  const double *reward;       /* (C,) discounted */
  double discount;
  const uint8_t *target, *avoid; /* (S,) reach; avoid may be NULL */
} credal_kernel_mdp;

/* The batch's per-problem state. Values are (2, problems, S): problem q's current values are
 * side[q]'s row, a sweep writes the other. A problem sweeps while active[q]; moved (problems,)
 * collects a sweep's largest change (zero it before the first). Mode GAP pairs problems 2i
 * (the bound from below) and 2i+1 (from above) of one policy. */
typedef struct {
  int64_t problems, horizon;
  const int32_t *policy;        /* (problems,) policy index, -1: the optimum */
  const uint8_t *cooperative;   /* (problems,) */
  const int32_t *actions;       /* (P, S) deterministic policies, or NULL ... */
  const double *probabilities;  /* ... (P, C) randomised ones */
  const uint8_t *zero;          /* (problems, S) states whose value is 0 (GAP), or NULL */
  double *values;               /* (2, problems, S) */
  uint8_t *side, *active;       /* (problems,) */
  double *moved, *residual;     /* (problems,) */
  int64_t *sweeps;              /* (problems,) */
  double *earlier;              /* (problems / 2,) GAP: the gap at the last stall check (2.0) */
  int32_t *optimal;             /* the optimum's choices (horizon or 1, S), or NULL */
} credal_kernel_mdp_batch;
/* One sweep of every active problem. */
int credal_mdp_sweep(const credal_kernel_mdp *m, const credal_kernel_mdp_batch *b, void *stream);
/* After a sweep: the values swapped in, sweeps counted; mode RESIDUAL keeps a problem active
 * while its sweep moved V by stop or more, HORIZON until `most` sweeps (GAP: see below). */
int credal_mdp_settle(const credal_kernel_mdp_batch *b, int mode, double stop, int64_t most,
                      void *stream);
/* Mode GAP, before each sweep: each pair's largest gap (its residual); the pair stops within
 * 2 epsilon, after `most` sweeps, or when 100,000 sweeps have not shrunk the gap by 1%. */
int credal_mdp_close_gaps(const credal_kernel_mdp_batch *b, int64_t states, double epsilon,
                          int64_t most, void *stream);

#ifdef __cplusplus
}
#endif

#endif /* CREDAL_KERNELS_H */
