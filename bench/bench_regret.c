/* The regret stage (host/regret.c, SPEC §1) on its own: per hypothesis the best policy and the
 * regret row, and the per-policy class criteria, over H hypotheses in chunks of CHUNK as the
 * pipeline feeds them, then credal__regret_finish. One timed iteration is init + every chunk
 * + finish + free. Runs regret/H:../P:../Q:.. on (H, P) = (10,000, 256) and (100,000, 16),
 * without priors (Q:0) and with a prior and a prior set of Q = 8 (Q:8).
 *
 * Inputs: lower (H, P) uniform in (-1, 1); priors uniform and normalised (never zero); the prior
 * set laid out per chunk as the pipeline passes it ((Q, count) blocks). Checked once before
 * the timing against a direct computation here: best value, best policy and regret of every
 * hypothesis exactly, class_lower, worst_regret (and their hypotheses) exactly, bayes_regret and
 * credal_regret within 1e-12 relative to the sum of the magnitudes of their terms, and the
 * four choices (a different bayes or credal choice only on a tie within that tolerance).
 * Counters: pairs/s (hypothesis x policy pairs per second) and GB/s (lower read, regret
 * written, priors read). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "regret.h"

#define CHUNK 4096

typedef struct {
  int64_t H, P, Q;
  double *lower, *prior, *prior_set; /* (H, P), (H,) or NULL, per-chunk (Q, count) blocks */
  double *best_value, *regret, *credal_regret;
  int32_t *best_policy, *credal_regret_prior;
} regret_data;

static void data_free(regret_data *g) {
  free(g->lower), free(g->prior), free(g->prior_set), free(g->best_value), free(g->regret);
  free(g->credal_regret), free(g->best_policy), free(g->credal_regret_prior);
  memset(g, 0, sizeof *g);
}

/* The data for (H, P, Q), cached (one set at a time). */
static const regret_data *data_for(int64_t H, int64_t P, int64_t Q) {
  static regret_data g;
  if (g.lower && g.H == H && g.P == P && g.Q == Q) return &g;
  data_free(&g);
  g.H = H, g.P = P, g.Q = Q;
  const size_t HP = (size_t)(H * P);
  g.lower = malloc(HP * sizeof(double));
  g.regret = malloc(HP * sizeof(double));
  g.best_value = malloc((size_t)H * sizeof(double));
  g.best_policy = malloc((size_t)H * sizeof(int32_t));
  g.credal_regret = malloc((size_t)P * sizeof(double));
  g.credal_regret_prior = malloc((size_t)P * sizeof(int32_t));
  if (Q > 0) {
    g.prior = malloc((size_t)H * sizeof(double));
    g.prior_set = malloc((size_t)(Q * H) * sizeof(double));
  }
  if (!g.lower || !g.regret || !g.best_value || !g.best_policy || !g.credal_regret ||
      !g.credal_regret_prior || (Q > 0 && (!g.prior || !g.prior_set))) {
    data_free(&g);
    return NULL;
  }
  for (size_t i = 0; i < HP; i++) g.lower[i] = bench_uniform(0x3000, i);
  if (Q > 0) {
    /* row q of the prior set (q = Q for the prior): uniform in (0, 1), normalised */
    double *row = malloc((size_t)H * sizeof(double));
    if (!row) {
      data_free(&g);
      return NULL;
    }
    for (int64_t q = 0; q <= Q; q++) {
      double sum = 0;
      for (int64_t h = 0; h < H; h++)
        sum += row[h] = 0.5 * (bench_uniform(0x3100 + (uint64_t)q, (uint64_t)h) + 1.0);
      for (int64_t h = 0; h < H; h++) row[h] /= sum;
      if (q == Q) {
        memcpy(g.prior, row, (size_t)H * sizeof(double));
        continue;
      }
      /* chunk c (hypotheses h0 .. h0+n-1) owns Q*n values from Q*h0: block[q*n + i] */
      for (int64_t h0 = 0; h0 < H; h0 += CHUNK) {
        const int64_t n = H - h0 < CHUNK ? H - h0 : CHUNK;
        for (int64_t i = 0; i < n; i++) g.prior_set[Q * h0 + q * n + i] = row[h0 + i];
      }
    }
    free(row);
  }
  return &g;
}

/* The whole stage once; the choices into *choices. With keep, the accumulators are left in
 * *keep for the check (the caller frees them). */
static credal_status run_once(const regret_data *g, credal__choices *choices,
                              credal__regret *keep) {
  credal__regret r;
  const credal_status st = credal__regret_init(&r, g->P, g->Q > 0, g->Q);
  if (st != CREDAL_OK) return st;
  for (int64_t h0 = 0; h0 < g->H; h0 += CHUNK) {
    const int64_t n = g->H - h0 < CHUNK ? g->H - h0 : CHUNK;
    credal__regret_chunk(&r, h0, n, g->lower + h0 * g->P, g->prior ? g->prior + h0 : NULL,
                         g->prior_set ? g->prior_set + g->Q * h0 : NULL, g->best_value + h0,
                         g->best_policy + h0, g->regret + h0 * g->P);
  }
  credal__regret_finish(&r, g->credal_regret, g->credal_regret_prior, choices);
  if (keep)
    *keep = r;
  else
    credal__regret_free(&r);
  return CREDAL_OK;
}

static int64_t arg_extreme(const double *v, int64_t n, int sign) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; i++)
    if (sign > 0 ? v[i] < v[best] : v[i] > v[best]) best = i;
  return best;
}

/* Checks the stage's outputs against a direct computation; "" in msg when all agree. */
static void check(const regret_data *g, const credal__regret *r, const credal__choices *ch,
                  char *msg, size_t cap) {
  const int64_t H = g->H, P = g->P, Q = g->Q;
  msg[0] = '\0';
  double *class_lower = malloc((size_t)P * sizeof(double));
  double *worst = malloc((size_t)P * sizeof(double));
  int32_t *class_lower_h = malloc((size_t)P * sizeof(int32_t));
  int32_t *worst_h = malloc((size_t)P * sizeof(int32_t));
  double *sums = calloc((size_t)((Q + 1) * P), sizeof(double)); /* Q prior-set rows, then bayes */
  double *mags = calloc((size_t)((Q + 1) * P), sizeof(double));
  double *credal = malloc((size_t)P * sizeof(double));
  if (!class_lower || !worst || !class_lower_h || !worst_h || !sums || !mags || !credal) {
    snprintf(msg, cap, "check: out of memory");
    goto cleanup;
  }
  for (int64_t h = 0; h < H; h++) {
    const double *row = g->lower + h * P;
    int64_t bp = 0;
    for (int64_t p = 1; p < P; p++)
      if (row[p] > row[bp]) bp = p;
    if (g->best_policy[h] != bp || g->best_value[h] != row[bp]) {
      snprintf(msg, cap, "check: hypothesis %lld: best policy %d value %.17g, expected %lld %.17g",
               (long long)h, g->best_policy[h], g->best_value[h], (long long)bp, row[bp]);
      goto cleanup;
    }
    for (int64_t p = 0; p < P; p++) {
      const double reg = row[bp] - row[p];
      if (g->regret[h * P + p] != reg) {
        snprintf(msg, cap, "check: regret[h=%lld, p=%lld] = %.17g, expected %.17g", (long long)h,
                 (long long)p, g->regret[h * P + p], reg);
        goto cleanup;
      }
      if (h == 0 || row[p] < class_lower[p]) class_lower[p] = row[p], class_lower_h[p] = (int32_t)h;
      if (h == 0 || reg > worst[p]) worst[p] = reg, worst_h[p] = (int32_t)h;
      if (Q > 0) {
        for (int64_t q = 0; q < Q; q++) {
          /* Z[q, h] from chunk c's block */
          const int64_t h0 = h / CHUNK * CHUNK, n = H - h0 < CHUNK ? H - h0 : CHUNK;
          const double z = g->prior_set[Q * h0 + q * n + (h - h0)];
          sums[q * P + p] += z * reg, mags[q * P + p] += fabs(z * reg);
        }
        sums[Q * P + p] += g->prior[h] * reg, mags[Q * P + p] += fabs(g->prior[h] * reg);
      }
    }
  }
  for (int64_t p = 0; p < P; p++) {
    if (r->class_lower[p] != class_lower[p] || r->class_lower_h[p] != class_lower_h[p] ||
        r->worst_regret[p] != worst[p] || r->worst_regret_h[p] != worst_h[p]) {
      snprintf(msg, cap,
               "check: policy %lld: class_lower %.17g (h=%d), worst_regret %.17g (h=%d); "
               "expected %.17g (h=%d), %.17g (h=%d)",
               (long long)p, r->class_lower[p], r->class_lower_h[p], r->worst_regret[p],
               r->worst_regret_h[p], class_lower[p], class_lower_h[p], worst[p], worst_h[p]);
      goto cleanup;
    }
    if (Q > 0 && !(fabs(r->bayes_regret[p] - sums[Q * P + p]) <= 1e-12 * mags[Q * P + p])) {
      snprintf(msg, cap, "check: bayes_regret[p=%lld] = %.17g, expected %.17g", (long long)p,
               r->bayes_regret[p], sums[Q * P + p]);
      goto cleanup;
    }
  }
  for (int64_t p = 0; p < P && Q > 0; p++) {
    int64_t bq = 0;
    for (int64_t q = 1; q < Q; q++)
      if (sums[q * P + p] > sums[bq * P + p]) bq = q;
    credal[p] = sums[bq * P + p];
    const double tol = 1e-12 * mags[bq * P + p];
    if (!(fabs(g->credal_regret[p] - credal[p]) <= tol)) {
      snprintf(msg, cap, "check: credal_regret[p=%lld] = %.17g, expected %.17g", (long long)p,
               g->credal_regret[p], credal[p]);
      goto cleanup;
    }
  }
  const int64_t maximin = arg_extreme(class_lower, P, -1), minimax = arg_extreme(worst, P, +1);
  const int64_t bayes = Q > 0 ? arg_extreme(sums + Q * P, P, +1) : -1;
  const int64_t cred = Q > 0 ? arg_extreme(credal, P, +1) : -1;
  /* bayes and credal sums may round differently from ours; a different choice must tie */
  if (ch->maximin != maximin || ch->minimax_regret != minimax ||
      (ch->bayes != bayes &&
       !(bayes >= 0 && ch->bayes >= 0 && ch->bayes < P &&
         fabs(sums[Q * P + ch->bayes] - sums[Q * P + bayes]) <= 1e-12 * mags[Q * P + bayes])) ||
      (ch->credal != cred &&
       !(cred >= 0 && ch->credal >= 0 && ch->credal < P &&
         fabs(credal[ch->credal] - credal[cred]) <= 1e-12 * fabs(credal[cred]))))
    snprintf(msg, cap,
             "check: choices maximin %lld, minimax_regret %lld, bayes %lld, credal %lld; "
             "expected %lld, %lld, %lld, %lld",
             (long long)ch->maximin, (long long)ch->minimax_regret, (long long)ch->bayes,
             (long long)ch->credal, (long long)maximin, (long long)minimax, (long long)bayes,
             (long long)cred);
cleanup:
  free(class_lower), free(worst), free(class_lower_h), free(worst_h);
  free(sums), free(mags), free(credal);
}

static void bm_regret(credal_bench_state *st, void *ctx) {
  (void)ctx;
  static int64_t checked_H = -1, checked_P = -1, checked_Q = -1; /* the last set checked */
  const int64_t H = credal_bench_range(st, 0), P = credal_bench_range(st, 1),
                Q = credal_bench_range(st, 2);
  const regret_data *g = data_for(H, P, Q);
  if (!g) {
    credal_bench_skip_with_error(st, "out of memory for the inputs");
    return;
  }
  credal__choices choices;
  if (checked_H != H || checked_P != P || checked_Q != Q) { /* the check run, also the warm-up */
    char msg[512];
    credal__regret r;
    const credal_status rc = run_once(g, &choices, &r);
    if (rc != CREDAL_OK) {
      snprintf(msg, sizeof msg, "%s: %s", credal_strerror(rc), credal_last_error());
    } else {
      check(g, &r, &choices, msg, sizeof msg);
      credal__regret_free(&r);
    }
    if (msg[0]) {
      credal_bench_skip_with_error(st, msg);
      return;
    }
    checked_H = H, checked_P = P, checked_Q = Q;
  }
  while (credal_bench_keep_running(st)) {
    const credal_status rc = run_once(g, &choices, NULL);
    if (rc != CREDAL_OK) {
      credal_bench_skip_with_error(st, credal_last_error());
      break;
    }
  }
  const double pairs = (double)H * (double)P;
  credal_bench_set_counter(st, "pairs/s", pairs, CREDAL_BENCH_INVARIANT_RATE);
  credal_bench_set_counter(st, "GB/s", (pairs * 16.0 + (double)(H * (Q + (Q > 0))) * 8.0) * 1e-9,
                           CREDAL_BENCH_INVARIANT_RATE);
  if (Q > 0) credal_bench_set_label(st, "prior + prior set");
}

void bench_regret_register(void) {
  static const int64_t runs[][3] = {{10000, 256, 0}, {10000, 256, 8}, {100000, 16, 0}, {100000, 16, 8}};
  static const char *const names[] = {"H", "P", "Q"};
  credal_bench_def *def = credal_bench_register("regret", bm_regret, NULL);
  for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) credal_bench_args(def, 3, runs[i]);
  credal_bench_arg_names(def, 3, names);
  credal_bench_use_real_time(def);
  credal_bench_unit(def, CREDAL_BENCH_MS);
}
