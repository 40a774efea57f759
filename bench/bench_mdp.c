/* Credal MDP sweeps (SPEC §10, host/mdp.c): the robust optimum's Bellman sweep per backend and
 * set family, on one thread, as transitions per second and the bytes a sweep must read per
 * second (to set against roofline/read_bandwidth/threads:1).
 *
 *   mdp/sweep/BACKEND/FAMILY/S:/A:/K:   the time of one sweep of the optimum (every choice of
 *                                       every state), from runs of T = 20 finite-horizon sweeps
 *
 * The model: every state A actions, every action K distinct successors drawn from
 * bench_bits, nominal laws from bench_uniform, intervals [q a, q + (1 - q) a^2], TV radius and
 * contamination epsilon in [0, 0.5). reference sorts each choice's successors afresh; cpu keeps
 * each choice's order from sweep to sweep. Before timing, the cpu sweep is checked against the
 * reference: the same optimal values, bit for bit. Bytes per sweep: successors (8 N), the
 * sets (16 N intervals; 8 N + 8 C otherwise), the kept orders (cpu: 4 N read and written),
 * rewards (8 C), the values (16 S). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "mdp.h"

#define SWEEPS 20

typedef struct {
  credal_backend backend;
  credal_mdp_sets sets;
  int64_t S, A, K;
  credal_mdp m;
  int64_t *co, *so, *succ;
  double *a, *b, *reward, *value;
  int32_t *optimal;
  int checked;
  char error[256];
} mdp_case;

static mdp_case cases[2 * 3];
static int ncases;

static int build(mdp_case *c) {
  if (c->co) return 0;
  const int64_t S = c->S, C = S * c->A, K = c->K, N = C * K;
  c->co = malloc((size_t)(S + 1) * 8), c->so = malloc((size_t)(C + 1) * 8);
  c->succ = malloc((size_t)N * 8), c->a = malloc((size_t)N * 8), c->b = malloc((size_t)N * 8);
  c->reward = malloc((size_t)C * 8), c->value = malloc((size_t)S * 8);
  c->optimal = malloc((size_t)(SWEEPS * S) * 4);
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
  const double bytes = 8 * N + sets + (fast ? 8 * N : 0) + 8 * C + 16 * S;
  credal_bench_set_counter(st, "transitions/s", N, CREDAL_BENCH_INVARIANT_RATE);
  credal_bench_set_counter(st, "GB/s", bytes / 1e9, CREDAL_BENCH_INVARIANT_RATE);
}

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
}
