/* Credal MDPs on the GPU; see host/mdp_gpu.h. A hypothesis's problems (the optimum, each
 * policy nature minimising, each cooperating; interval iteration's two bounds apiece) sweep
 * together, a thread per (problem, state) (kernels/mdp.cu); every problem stops on its own rule
 * at the sweep where the reference stops, so its values, sweeps and residual are the
 * reference's. The host looks at the problems every GROUP sweeps: whether any is still going,
 * and the interrupt. */
#include <cuda_runtime.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernels/credal_kernels.h"
#include "../backend.h"
#include "../mdp.h"
#include "../mdp_gpu.h"
#include "cuda_util.h"

#define GROUP 32                        /* sweeps between two looks from the host */
#define MAX_SWEEPS ((int64_t)100000000) /* host/mdp.c's */

/* A device buffer that grows to the largest job so far. */
typedef struct {
  void *p;
  size_t capacity;
} slot;

struct credal__gpu_mdp {
  cudaStream_t stream;
  /* the model and policies of the job (all of it goes up with each job: a few milliseconds
   * against its sweeps, and nothing stale can be read) */
  slot choice_offsets, successor_offsets, successors, target, avoid, a, b, reward, policies;
  slot arena; /* a batch's buffers */
  int64_t S, C;
};

#define TRY(call, what)                                          \
  do {                                                           \
    cudaError_t e_ = (cudaError_t)(call);                        \
    if (e_ != cudaSuccess) return credal__cuda_fail(e_, (what)); \
  } while (0)

credal_status credal__gpu_mdp_create(int device, char *name, size_t n, credal__gpu_mdp **out) {
  *out = NULL;
  credal_status st = credal__gpu_probe(device);
  if (st) return st;
  struct cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, device) != cudaSuccess) {
    cudaGetLastError();
    snprintf(name, n, "GPU %d", device);
  } else {
    snprintf(name, n, "%.64s (GPU %d, %.1f GiB, sm_%d%d)", prop.name, device,
             (double)prop.totalGlobalMem / (1024.0 * 1024.0 * 1024.0), prop.major, prop.minor);
  }
  const char *on = getenv("CREDAL_GPU_MDP");
  if (!on || strcmp(on, "1"))
    return credal__fail(CREDAL_ENODEVICE,
                        "--backend gpu: the GPU's credal MDP sweeps (kernels/mdp.cu) await their "
                        "check against the reference on a card; CREDAL_GPU_MDP=1 runs them "
                        "(scripts/gpu-check.sh does), --backend cpu meanwhile");
  credal__gpu_mdp *g = calloc(1, sizeof *g);
  if (!g) return credal__fail(CREDAL_ENOMEM, "out of memory");
  cudaError_t e = cudaStreamCreateWithFlags(&g->stream, cudaStreamNonBlocking);
  if (e != cudaSuccess) {
    free(g);
    return credal__cuda_fail(e, "creating a stream");
  }
  *out = g;
  return CREDAL_OK;
}

void credal__gpu_mdp_free(credal__gpu_mdp *g) {
  if (!g) return;
  slot *all[] = {&g->choice_offsets,
                 &g->successor_offsets,
                 &g->successors,
                 &g->target,
                 &g->avoid,
                 &g->a,
                 &g->b,
                 &g->reward,
                 &g->policies,
                 &g->arena};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) cudaFree(all[i]->p);
  cudaStreamDestroy(g->stream);
  free(g);
}

/* The slot grown to bytes (its contents lost when it grows). */
static credal_status reserve(slot *d, size_t bytes, const char *what) {
  if (bytes <= d->capacity && d->p) return CREDAL_OK;
  cudaFree(d->p);
  d->p = NULL, d->capacity = 0;
  TRY(cudaMalloc(&d->p, bytes ? bytes : 1), what);
  d->capacity = bytes;
  return CREDAL_OK;
}

/* bytes from host into the slot; synchronous (host may be a temporary). */
static credal_status put(credal__gpu_mdp *g, slot *d, const void *host, size_t bytes,
                         const char *what) {
  credal_status st = reserve(d, bytes, what);
  if (st || !bytes) return st;
  TRY(cudaMemcpyAsync(d->p, host, bytes, cudaMemcpyHostToDevice, g->stream), what);
  TRY(cudaStreamSynchronize(g->stream), what);
  return CREDAL_OK;
}

/* The job's model (successors as int32: S < 2^31, which the readers check) and policies. */
static credal_status upload(credal__gpu_mdp *g, const credal__gpu_mdp_job *j) {
  const credal_mdp *m = j->model;
  const int64_t S = m->states, C = m->choice_offsets[S], N = m->successor_offsets[C];
  const int intervals = m->sets == CREDAL_MDP_INTERVALS;
  int32_t *narrow = malloc((size_t)(N ? N : 1) * sizeof *narrow);
  if (!narrow)
    return credal__fail(CREDAL_ENOMEM, "out of memory for %lld successors", (long long)N);
  for (int64_t i = 0; i < N; i++) narrow[i] = (int32_t)m->successors[i];
  credal_status st = put(g, &g->successors, narrow, (size_t)N * 4, "copying the successors");
  free(narrow);
  g->S = S, g->C = C;
  if (st ||
      (st = put(g, &g->choice_offsets, m->choice_offsets, (size_t)(S + 1) * 8,
                "copying the choice offsets")) ||
      (st = put(g, &g->successor_offsets, m->successor_offsets, (size_t)(C + 1) * 8,
                "copying the successor offsets")) ||
      (st = put(g, &g->a, intervals ? m->lower : m->nominal, (size_t)N * 8, "copying the sets")) ||
      (st = put(g, &g->b, intervals ? m->upper : m->radius, (size_t)(intervals ? N : C) * 8,
                "copying the sets")))
    return st;
  if (m->objective == CREDAL_MDP_DISCOUNTED &&
      (st = put(g, &g->reward, m->reward, (size_t)C * 8, "copying the rewards")))
    return st;
  if (m->objective == CREDAL_MDP_REACH &&
      ((st = put(g, &g->target, m->target, (size_t)S, "copying the target")) ||
       (m->avoid && (st = put(g, &g->avoid, m->avoid, (size_t)S, "copying avoid")))))
    return st;
  return j->actions ? put(g, &g->policies, j->actions, (size_t)(j->policies * S) * 4,
                          "copying the policies")
                    : put(g, &g->policies, j->probabilities, (size_t)(j->policies * C) * 8,
                          "copying the policies");
}

static credal_kernel_mdp device_model(credal__gpu_mdp *g, const credal_mdp *m) {
  credal_kernel_mdp k;
  memset(&k, 0, sizeof k);
  k.states = m->states;
  k.choice_offsets = g->choice_offsets.p, k.successor_offsets = g->successor_offsets.p;
  k.successors = g->successors.p;
  k.sets = (int)m->sets, k.a = g->a.p, k.b = g->b.p;
  k.discounted = m->objective == CREDAL_MDP_DISCOUNTED;
  k.reward = g->reward.p, k.discount = m->discount;
  k.target = g->target.p, k.avoid = m->avoid ? g->avoid.p : NULL;
  return k;
}

/* ---- a batch: policies [p0, p1), with the optimum first when asked ---- */

typedef struct {
  int mode, optimum;
  int64_t first, count, per_policy, problems, rows; /* rows: the optimum's (horizon or 1) */
} batch;

static size_t batch_bytes(int64_t problems, int64_t S, int64_t rows, int gap) {
  const size_t q = (size_t)problems, s = (size_t)S;
  return 2 * q * s * 8 + (gap ? q * s : 0) + q * (4 + 1 + 1 + 1 + 8 + 8 + 8 + 8) +
         (size_t)rows * s * 4 + 12 * 256;
}

/* The batch's device buffers in the arena (grown when short). */
static credal_status layout(credal__gpu_mdp *g, const credal__gpu_mdp_job *j, const batch *t,
                            credal_kernel_mdp_batch *k) {
  const int64_t S = g->S, Q = t->problems;
  const size_t need = batch_bytes(Q, S, t->optimum ? t->rows : 0, t->mode == CREDAL_KERNEL_MDP_GAP);
  credal_status st = reserve(&g->arena, need, "allocating a batch of problems");
  if (st) return st;
  char *c = g->arena.p;
  memset(k, 0, sizeof *k);
  k->problems = Q;
  k->policy = credal__carve(&c, (size_t)Q * 4);
  k->cooperative = credal__carve(&c, (size_t)Q);
  k->zero = t->mode == CREDAL_KERNEL_MDP_GAP ? credal__carve(&c, (size_t)(Q * S)) : NULL;
  k->values = credal__carve(&c, (size_t)(2 * Q * S) * 8);
  k->side = credal__carve(&c, (size_t)Q), k->active = credal__carve(&c, (size_t)Q);
  k->moved = credal__carve(&c, (size_t)Q * 8), k->residual = credal__carve(&c, (size_t)Q * 8);
  k->sweeps = credal__carve(&c, (size_t)Q * 8), k->earlier = credal__carve(&c, (size_t)Q * 8);
  k->optimal = t->optimum ? credal__carve(&c, (size_t)(t->rows * S) * 4) : NULL;
  k->actions = j->actions ? g->policies.p : NULL;
  k->probabilities = j->actions ? NULL : g->policies.p;
  return CREDAL_OK;
}

/* Problem q of the batch: its policy (-1: the optimum), whether nature cooperates, and for
 * interval iteration which bound it is (0 below, 1 above). */
static void problem_of(const batch *t, int64_t q, int32_t *policy, uint8_t *cooperative,
                       int *above) {
  *above = 0;
  if (t->optimum && q == 0) {
    *policy = -1, *cooperative = 0;
    return;
  }
  int64_t i = q - t->optimum;
  if (t->mode == CREDAL_KERNEL_MDP_GAP) *above = (int)(i % 2), i /= 2;
  *policy = (int32_t)(t->first + i / t->per_policy);
  *cooperative = (uint8_t)(i % t->per_policy);
}

/* host/mdp.c's starting values: from the target's indicator; interval iteration's bound from
 * above is 1 but where the value is fixed at 0. */
static void start_row(const credal_mdp *m, const uint8_t *zero, int above, double *row) {
  for (int64_t s = 0; s < m->states; s++) {
    const int fixed = credal__mdp_fixed_value(m, zero, s);
    row[s] = above ? (fixed == 0 ? 0.0 : 1.0) : (fixed > 0 ? 1.0 : 0.0);
  }
}

/* The problems' descriptions, zero sets and starting values up; every problem active. */
static credal_status start(credal__gpu_mdp *g, const credal__gpu_mdp_job *j, const batch *t,
                           const credal_kernel_mdp_batch *k, double *row) {
  const int64_t S = g->S, Q = t->problems, P = j->policies;
  int32_t *policy = malloc((size_t)Q * 4);
  uint8_t *cooperative = malloc((size_t)Q);
  double *earlier = malloc((size_t)Q * 8);
  credal_status st =
      !policy || !cooperative || !earlier
          ? credal__fail(CREDAL_ENOMEM, "out of memory for %lld problems", (long long)Q)
          : CREDAL_OK;
  for (int64_t q = 0; !st && q < Q; q++) {
    int above;
    problem_of(t, q, policy + q, cooperative + q, &above);
    earlier[q] = 2.0;
    const uint8_t *zero = k->zero ? j->zero + (cooperative[q] * P + policy[q]) * S : NULL;
    start_row(j->model, zero, above, row);
    cudaError_t e =
        cudaMemcpyAsync(k->values + q * S, row, (size_t)S * 8, cudaMemcpyHostToDevice, g->stream);
    if (!e && zero)
      e = cudaMemcpyAsync((uint8_t *)k->zero + q * S, zero, (size_t)S, cudaMemcpyHostToDevice,
                          g->stream);
    if (!e) e = cudaStreamSynchronize(g->stream); /* row is reused */
    if (e) st = credal__cuda_fail(e, "starting the problems");
  }
  if (!st) {
    cudaError_t e = cudaMemcpyAsync((void *)k->policy, policy, (size_t)Q * 4,
                                    cudaMemcpyHostToDevice, g->stream);
    if (!e)
      e = cudaMemcpyAsync((void *)k->cooperative, cooperative, (size_t)Q, cudaMemcpyHostToDevice,
                          g->stream);
    if (!e)
      e = cudaMemcpyAsync(k->earlier, earlier, (size_t)Q * 8, cudaMemcpyHostToDevice, g->stream);
    if (!e) e = cudaMemsetAsync(k->side, 0, (size_t)Q, g->stream);
    if (!e) e = cudaMemsetAsync(k->active, 1, (size_t)Q, g->stream);
    if (!e) e = cudaMemsetAsync(k->moved, 0, (size_t)Q * 8, g->stream);
    if (!e) e = cudaMemsetAsync(k->residual, 0, (size_t)Q * 8, g->stream);
    if (!e) e = cudaMemsetAsync(k->sweeps, 0, (size_t)Q * 8, g->stream);
    if (!e) e = cudaStreamSynchronize(g->stream);
    if (e) st = credal__cuda_fail(e, "starting the problems");
  }
  free(policy), free(cooperative), free(earlier);
  return st;
}

/* Sweeps until no problem is active; EINTERRUPTED when *interrupt is set between groups. */
static credal_status sweep_all(credal__gpu_mdp *g, const credal__gpu_mdp_job *j, const batch *t,
                               const credal_kernel_mdp *km, const credal_kernel_mdp_batch *k,
                               uint8_t *active) {
  const credal_mdp *m = j->model;
  const int64_t most = t->mode == CREDAL_KERNEL_MDP_HORIZON ? m->horizon : MAX_SWEEPS;
  const double stop = credal__mdp_stop_residual(m);
  const double eps = m->epsilon > 0.0 ? m->epsilon : 1e-12;
  for (;;) {
    for (int i = 0; i < GROUP; i++) {
      if (t->mode == CREDAL_KERNEL_MDP_GAP)
        TRY(credal_mdp_close_gaps(k, g->S, eps, most, g->stream), "closing the gaps");
      TRY(credal_mdp_sweep(km, k, g->stream), "sweeping");
      TRY(credal_mdp_settle(k, t->mode, stop, most, g->stream), "settling a sweep");
    }
    TRY(cudaMemcpyAsync(active, k->active, (size_t)t->problems, cudaMemcpyDeviceToHost, g->stream),
        "reading the problems' state");
    TRY(cudaStreamSynchronize(g->stream), "sweeping");
    int any = 0;
    for (int64_t q = 0; q < t->problems; q++) any |= active[q];
    if (!any) return CREDAL_OK;
    if (j->interrupt && *j->interrupt) return CREDAL_EINTERRUPTED;
  }
}

/* Problem q's current values (interval iteration: the midpoint of its pair's bounds). */
static credal_status values_of(credal__gpu_mdp *g, const batch *t, const credal_kernel_mdp_batch *k,
                               const uint8_t *side, int64_t q, double *row, double *above) {
  const int64_t S = g->S, Q = t->problems;
  TRY(cudaMemcpy(row, k->values + (side[q] * Q + q) * S, (size_t)S * 8, cudaMemcpyDeviceToHost),
      "reading the values");
  if (t->mode != CREDAL_KERNEL_MDP_GAP) return CREDAL_OK;
  TRY(cudaMemcpy(above, k->values + (side[q + 1] * Q + q + 1) * S, (size_t)S * 8,
                 cudaMemcpyDeviceToHost),
      "reading the values");
  for (int64_t s = 0; s < S; s++) row[s] = 0.5 * (row[s] + above[s]);
  return CREDAL_OK;
}

/* Whether a problem's stop is the reference's success: settled below the residual rule, or
 * interval iteration's bounds within 2 epsilon; the reference's message when not. */
static credal_status settled(const credal_mdp *m, int mode, int64_t sweeps, double residual) {
  const double eps = m->epsilon > 0.0 ? m->epsilon : 1e-12;
  if (mode == CREDAL_KERNEL_MDP_RESIDUAL && !(residual < credal__mdp_stop_residual(m)))
    return credal__fail(CREDAL_EDATA,
                        "value iteration did not settle in %lld sweeps (residual "
                        "%.3g, discount %.17g)",
                        (long long)sweeps, residual, m->discount);
  if (mode == CREDAL_KERNEL_MDP_GAP && residual > 2.0 * eps)
    return credal__fail(CREDAL_EDATA, "interval iteration did not close in %lld sweeps (gap %.3g)",
                        (long long)sweeps, residual);
  return CREDAL_OK;
}

/* The batch's results into the job. */
static credal_status finish(credal__gpu_mdp *g, credal__gpu_mdp_job *j, const batch *t,
                            const credal_kernel_mdp_batch *k, double *row, double *above) {
  const int64_t Q = t->problems, S = g->S;
  uint8_t *side = malloc((size_t)Q);
  int64_t *sweeps = malloc((size_t)Q * 8);
  double *residual = malloc((size_t)Q * 8);
  credal_status st =
      !side || !sweeps || !residual ? credal__fail(CREDAL_ENOMEM, "out of memory") : 0;
  cudaError_t e = cudaSuccess;
  if (!st && ((e = cudaMemcpy(side, k->side, (size_t)Q, cudaMemcpyDeviceToHost)) ||
              (e = cudaMemcpy(sweeps, k->sweeps, (size_t)Q * 8, cudaMemcpyDeviceToHost)) ||
              (e = cudaMemcpy(residual, k->residual, (size_t)Q * 8, cudaMemcpyDeviceToHost))))
    st = credal__cuda_fail(e, "reading the problems' state");
  const int step = t->mode == CREDAL_KERNEL_MDP_GAP ? 2 : 1;
  for (int64_t q = 0; !st && q < Q; q += (t->optimum && q == 0) ? 1 : step) {
    int32_t p;
    uint8_t cooperative;
    int above_bound;
    problem_of(t, q, &p, &cooperative, &above_bound);
    const credal_status failed = settled(j->model, t->mode, sweeps[q], residual[q]);
    if (p < 0) { /* the optimum */
      j->optimum_iterations = sweeps[q], j->optimum_residual = residual[q];
      if ((j->optimum_status = failed)) break; /* its message stays the last error */
      if ((st = values_of(g, t, k, side, q, j->optimum_value, above))) break;
      if ((e = cudaMemcpy(j->optimal, k->optimal, (size_t)(t->rows * S) * 4,
                          cudaMemcpyDeviceToHost)))
        st = credal__cuda_fail(e, "reading the optimal policy");
      continue;
    }
    if (!cooperative) j->iterations[p] = 0, j->residual[p] = 0.0, j->status[p] = CREDAL_OK;
    if (sweeps[q] > j->iterations[p]) j->iterations[p] = sweeps[q];
    j->residual[p] = fmax(j->residual[p], residual[q]);
    if (failed) {
      if (!j->status[p]) j->status[p] = failed;
      continue;
    }
    if ((st = values_of(g, t, k, side, q, row, above))) break;
    const double x = credal__mdp_expectation(j->initial, row, S);
    *(cooperative ? j->upper_value + p : j->lower + p) = x;
  }
  free(side), free(sweeps), free(residual);
  return st;
}

/* Policies per batch: as many as half the device's free memory holds beside the optimum's
 * problem (at least one; at most CREDAL_GPU_MDP_BATCH when set). */
static int64_t batch_policies(const credal__gpu_mdp *g, const credal__gpu_mdp_job *j,
                              int64_t per_policy, int64_t rows, int gap) {
  size_t free_bytes = 0, total = 0;
  if (cudaMemGetInfo(&free_bytes, &total) != cudaSuccess) cudaGetLastError(), free_bytes = 1u << 30;
  free_bytes += g->arena.capacity; /* the last job's batch, reused */
  const size_t optimum = j->optimum ? batch_bytes(1, j->model->states, rows, 0) : 0;
  free_bytes = free_bytes / 2 > optimum ? free_bytes / 2 - optimum : 0;
  const size_t one = batch_bytes(per_policy * (gap ? 2 : 1), j->model->states, 0, gap);
  int64_t n = (int64_t)(free_bytes / (one ? one : 1));
  const char *cap = getenv("CREDAL_GPU_MDP_BATCH"); /* tests: force several batches */
  if (cap && atoll(cap) > 0 && atoll(cap) < n) n = atoll(cap);
  return n < 1 ? 1 : n > j->policies ? j->policies : n;
}

credal_status credal__gpu_mdp_solve(credal__gpu_mdp *g, credal__gpu_mdp_job *j) {
  const credal_mdp *m = j->model;
  const int gap = m->objective == CREDAL_MDP_REACH && m->horizon == 0;
  if (gap && j->optimum)
    return credal__fail(CREDAL_EUSAGE,
                        "the GPU does not compute an infinite-horizon reach optimum");
  credal_status st;
  if ((st = upload(g, j))) return st;
  const credal_kernel_mdp km = device_model(g, m);
  batch t = {gap              ? CREDAL_KERNEL_MDP_GAP
             : m->horizon > 0 ? CREDAL_KERNEL_MDP_HORIZON
                              : CREDAL_KERNEL_MDP_RESIDUAL,
             j->optimum,
             0,
             0,
             1 + (j->upper != 0),
             0,
             m->horizon > 0 ? m->horizon : 1};
  const int64_t per_batch = batch_policies(g, j, t.per_policy, t.rows, gap), S = m->states;
  j->optimum_status = CREDAL_OK;
  double *row = malloc((size_t)S * 8), *above = malloc((size_t)S * 8);
  uint8_t *active = NULL;
  if (!row || !above)
    st = credal__fail(CREDAL_ENOMEM, "out of memory for %lld states", (long long)S);
  for (int64_t p0 = 0; !st && !j->optimum_status && (p0 < j->policies || t.optimum);
       p0 += t.count) {
    t.first = p0;
    t.count = j->policies - p0 < per_batch ? j->policies - p0 : per_batch;
    t.problems = t.optimum + t.count * t.per_policy * (gap ? 2 : 1);
    credal_kernel_mdp_batch k;
    free(active);
    if (!(active = malloc((size_t)t.problems))) {
      st = credal__fail(CREDAL_ENOMEM, "out of memory");
      break;
    }
    if ((st = layout(g, j, &t, &k))) break;
    k.horizon = m->horizon;
    if ((st = start(g, j, &t, &k, row)) || (st = sweep_all(g, j, &t, &km, &k, active)) ||
        (st = finish(g, j, &t, &k, row, above)))
      break;
    t.optimum = 0;
  }
  free(row), free(above), free(active);
  return st;
}
