/* Credal MDP sweeps (SPEC §10, host/mdp.c): the robust optimum's Bellman sweep per backend and
 * set family, on one thread, as transitions per second and the bytes a sweep must read per
 * second (to set against roofline/read_bandwidth/threads:1).
 *
 *   mdp/sweep/BACKEND/FAMILY/S:/A:/K:   the time of one sweep of the optimum (every choice of
 *                                       every state), from runs of T = 20 finite-horizon sweeps
 *   mdp/sweep/gpu/FAMILY/S:/A:/K:/P:    (CUDA builds, CREDAL_GPU_MDP=1) the time of one sweep of
 *                                       the optimum and P deterministic policies together on the
 *                                       GPU (host/gpu/gpu_mdp.c), from a 20-sweep job with its
 *                                       model's upload; checked against the reference's optimum
 *
 * The model: every state A actions, every action K distinct successors drawn from
 * bench_bits, nominal laws from bench_uniform, intervals [q a, q + (1 - q) a^2], TV radius and
 * contamination epsilon in [0, 0.5). reference sorts each choice's successors afresh; cpu
 * solves 8 (AVX-512) or 4 (AVX2) choices at once in SIMD lanes with a sorting network
 * (host/mdp_lanes.c), or without SIMD keeps each choice's order from sweep to sweep. Before
 * timing, the cpu sweep is checked against the reference: the same optimal values, bit for
 * bit. Bytes per sweep: successors (8 N), the sets (16 N intervals; 8 N + 8 C otherwise), the
 * kept orders (cpu without SIMD, intervals and TV balls: 4 N read and written), rewards (8 C),
 * the values (16 S); the GPU's successors are int32 (4 N), it keeps no orders, and
 * with policies it reads a policy's choice (N / A transitions) per state and problem. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "mdp.h"
#include "mdp_gpu.h"

#define SWEEPS 20

typedef struct {
  credal_backend backend;
  credal_mdp_sets sets;
  int64_t S, A, K, P; /* P: the GPU's policies */
  credal_mdp m;
  int32_t *actions;    /* (P, S) */
  int64_t *co, *so, *succ;
  double *a, *b, *reward, *value;
  int32_t *optimal;
  int checked;
  char error[256];
} mdp_case;

static mdp_case cases[2 * 3 + 4];
static int ncases;

static int build(mdp_case *c) {
  if (c->co) return 0;
  const int64_t S = c->S, C = S * c->A, K = c->K, N = C * K;
  c->co = malloc((size_t)(S + 1) * 8), c->so = malloc((size_t)(C + 1) * 8);
  c->succ = malloc((size_t)N * 8), c->a = malloc((size_t)N * 8), c->b = malloc((size_t)N * 8);
  c->reward = malloc((size_t)C * 8), c->value = malloc((size_t)S * 8);
  c->optimal = malloc((size_t)(SWEEPS * S) * 4);
  c->actions = malloc((size_t)(c->P * S + 1) * 4);
  for (int64_t i = 0; c->actions && i < c->P * S; i++)
    c->actions[i] = (int32_t)(bench_bits(82, (uint64_t)i) % (uint64_t)c->A);
  if (!c->co || !c->so || !c->succ || !c->a || !c->b || !c->reward || !c->value || !c->optimal)
    return -1;
  for (int64_t s = 0; s <= S; s++) c->co[s] = s * c->A;
  for (int64_t ch = 0; ch <= C; ch++) c->so[ch] = ch * K;
  for (int64_t ch = 0; ch < C; ch++) {
    int64_t *t = c->succ + ch * K;
    double *q = c->a + ch * K, sum = 0;
    for (int64_t i = 0; i < K; i++) { /* K distinct states, then ascending (insertion) */
      int64_t x;
      int fresh;
      uint64_t draw = 0;
      do {
        x = (int64_t)(bench_bits(77, (uint64_t)(ch * K + i) * 64 + draw++) % (uint64_t)S);
        fresh = 1;
        for (int64_t j = 0; j < i; j++) fresh &= t[j] != x;
      } while (!fresh);
      int64_t j = i;
      for (; j > 0 && t[j - 1] > x; j--) t[j] = t[j - 1];
      t[j] = x;
    }
    for (int64_t i = 0; i < K; i++) sum += q[i] = 0.01 + (1 + bench_uniform(78, (uint64_t)(ch * K + i)));
    for (int64_t i = 0; i < K; i++) q[i] /= sum;
    c->reward[ch] = 0.5 * (1 + bench_uniform(79, (uint64_t)ch));
    if (c->sets == CREDAL_MDP_INTERVALS)
      for (int64_t i = 0; i < K; i++) {
        const double u = 0.5 * (1 + bench_uniform(80, (uint64_t)(ch * K + i)));
        c->b[ch * K + i] = q[i] + (1 - q[i]) * u * u;
        q[i] *= u;
      }
    else
      c->b[ch] = 0.25 * (1 + bench_uniform(81, (uint64_t)ch));
  }
  credal_mdp *m = &c->m;
  memset(m, 0, sizeof *m);
  m->states = S, m->choice_offsets = c->co, m->successor_offsets = c->so, m->successors = c->succ;
  m->objective = CREDAL_MDP_DISCOUNTED, m->reward = c->reward, m->discount = 0.95;
  m->horizon = SWEEPS, m->sets = c->sets;
  if (c->sets == CREDAL_MDP_INTERVALS) m->lower = c->a, m->upper = c->b;
  else m->nominal = c->a, m->radius = c->b;
  return 0;
}

/* The cpu sweep against the reference on a short horizon: the same bits. */
static int check(mdp_case *c) {
  const int64_t S = c->S;
  credal_mdp m = c->m;
  m.horizon = 3;
  double *want = malloc((size_t)S * 8);
  int bad = !want || credal__mdp_iterate(&m, NULL, 0, 0, NULL, want, NULL, NULL, NULL) ||
            credal__mdp_iterate(&m, NULL, 0, 1, NULL, c->value, NULL, NULL, NULL) ||
            memcmp(want, c->value, (size_t)S * 8) != 0;
  free(want);
  if (bad) snprintf(c->error, sizeof c->error, "the fast sweep differs from the reference");
  return bad;
}

static void bm_sweep(credal_bench_state *st, void *ctx) {
  mdp_case *c = ctx;
  if (build(c)) {
    credal_bench_skip_with_error(st, "out of memory");
    return;
  }
  if (!c->checked) c->checked = 1 + check(c);
  if (c->checked == 2) {
    credal_bench_skip_with_error(st, c->error);
    return;
  }
  const int fast = c->backend == CREDAL_BACKEND_CPU;
  while (credal_bench_keep_running(st)) {
    const double t0 = bench_now();
    if (credal__mdp_iterate(&c->m, NULL, 0, fast, NULL, c->value, c->optimal, NULL, NULL)) {
      credal_bench_skip_with_error(st, credal_last_error());
      return;
    }
    credal_bench_set_iteration_time(st, (bench_now() - t0) / SWEEPS); /* per sweep */
  }
  const double S = (double)c->S, C = S * (double)c->A, N = C * (double)c->K;
  const double sets = c->sets == CREDAL_MDP_INTERVALS ? 16 * N : 8 * N + 8 * C;
  /* the kept orders are read and written where the scalar pass sorts (no SIMD lanes) */
  const int kept = fast && c->sets != CREDAL_MDP_CONTAMINATION && !credal__mdp_lanes_width();
  const double bytes = 8 * N + sets + (kept ? 8 * N : 0) + 8 * C + 16 * S;
  credal_bench_set_counter(st, "transitions/s", N, CREDAL_BENCH_INVARIANT_RATE);
  credal_bench_set_counter(st, "GB/s", bytes / 1e9, CREDAL_BENCH_INVARIANT_RATE);
}

#ifdef CREDAL_HAVE_CUDA
/* The optimum and P deterministic policies (drawn from bench_bits) on the GPU. */
static void bm_gpu(credal_bench_state *st, void *ctx) {
  mdp_case *c = ctx;
  const int64_t P = c->P, S = c->S;
  char name[128];
  credal__gpu_mdp *g = NULL;
  if (build(c) || !c->actions) {
    credal_bench_skip_with_error(st, "out of memory");
    return;
  }
  if (credal__gpu_mdp_create(0, name, sizeof name, &g)) {
    credal_bench_skip_with_error(st, credal_last_error());
    return;
  }
  double *want = malloc((size_t)S * 8), *initial = calloc((size_t)S, 8);
  double *lower = malloc((size_t)(P + 1) * 8), *residual = malloc((size_t)(P + 1) * 8);
  int64_t *sweeps = malloc((size_t)(P + 1) * 8);
  credal_status *status = malloc((size_t)(P + 1) * sizeof *status);
  credal__gpu_mdp_job j;
  memset(&j, 0, sizeof j);
  j.model = &c->m, j.initial = initial, j.policies = P, j.actions = c->actions, j.optimum = 1;
  j.optimum_value = c->value, j.optimal = c->optimal, j.lower = lower;
  j.iterations = sweeps, j.residual = residual, j.status = status;
  initial[0] = 1.0;
  credal_status bad = !want || !lower || !residual || !sweeps || !status ? CREDAL_ENOMEM : 0;
  if (!bad && !(bad = credal__mdp_iterate(&c->m, NULL, 0, 0, NULL, want, NULL, NULL, NULL)) &&
      !(bad = credal__gpu_mdp_solve(g, &j)) && memcmp(want, c->value, (size_t)S * 8))
    bad = credal__fail(CREDAL_EINTERNAL, "the GPU's optimum differs from the reference");
  while (!bad && credal_bench_keep_running(st)) {
    const double t0 = bench_now();
    if ((bad = credal__gpu_mdp_solve(g, &j))) break;
    credal_bench_set_iteration_time(st, (bench_now() - t0) / SWEEPS); /* per sweep */
  }
  if (bad) credal_bench_skip_with_error(st, credal_last_error());
  const double C = (double)S * (double)c->A, N = C * (double)c->K;
  const double sets = c->sets == CREDAL_MDP_INTERVALS ? 16 * N : 8 * N + 8 * C;
  const double bytes = 4 * N + sets + 8 * C + 16 * (double)S; /* the optimum's sweep */
  credal_bench_set_counter(st, "transitions/s", N + (double)P * N / (double)c->A,
                           CREDAL_BENCH_INVARIANT_RATE);
  credal_bench_set_counter(st, "optimum GB/s", bytes / 1e9, CREDAL_BENCH_INVARIANT_RATE);
  free(want), free(initial), free(lower), free(residual), free(sweeps), free(status);
  credal__gpu_mdp_free(g);
}
#endif

void bench_mdp_register(void) {
  static const char *const families[3] = {"intervals", "tv_balls", "contamination"};
  static const char *const backends[2] = {"reference", "cpu"};
  for (int b = 0; b < 2; b++)
    for (int f = 0; f < 3; f++) {
      mdp_case *c = &cases[ncases++];
      memset(c, 0, sizeof *c);
      c->backend = b ? CREDAL_BACKEND_CPU : CREDAL_BACKEND_REFERENCE;
      c->sets = (credal_mdp_sets)f, c->S = 50000, c->A = 4, c->K = 10;
      char name[96];
      snprintf(name, sizeof name, "mdp/sweep/%s/%s/S:50000/A:4/K:10", backends[b], families[f]);
      credal_bench_def *d = credal_bench_register(name, bm_sweep, c);
      credal_bench_use_manual_time(d); /* the time of one sweep */
      credal_bench_unit(d, CREDAL_BENCH_MS);
    }
#ifdef CREDAL_HAVE_CUDA
  static const int64_t policies[4] = {0, 100, 100, 100};
  static const int family_of[4] = {0, 0, 1, 2};
  for (int i = 0; i < 4; i++) {
    mdp_case *c = &cases[ncases++];
    memset(c, 0, sizeof *c);
    c->backend = CREDAL_BACKEND_GPU, c->sets = (credal_mdp_sets)family_of[i];
    c->S = 50000, c->A = 4, c->K = 10, c->P = policies[i];
    char name[96];
    snprintf(name, sizeof name, "mdp/sweep/gpu/%s/S:50000/A:4/K:10/P:%lld", families[family_of[i]],
             (long long)c->P);
    credal_bench_def *d = credal_bench_register(name, bm_gpu, c);
    credal_bench_use_manual_time(d);
    credal_bench_unit(d, CREDAL_BENCH_MS);
  }
#endif
}
