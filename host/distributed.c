/* credal_eval across MPI ranks (issue 6): `mpirun -np N credal eval IN -o OUT`.
 *
 *   1. every rank splits the hypotheses the same way, balanced by rows (generators, or a
 *      structured set's rows) plus one per hypothesis, and evaluates its share [begin, end)
 *      with the one-process engine into its own scratch file OUT.rank<r>of<N> (its own
 *      OUT.rank<r>of<N>.partial while running: interruption and --resume work per rank);
 *   2. the ranks agree on the outcome: any failure fails all (every rank removes its files),
 *      any interruption stops all with 75 and keeps the scratch files for --resume;
 *   3. all ranks create OUT.partial together with parallel HDF5 and copy their rows into it in
 *      collective rounds (the datasets are compressed: parallel HDF5 writes filtered datasets
 *      collectively only);
 *   4. rank 0 reads /lower back in hypothesis order and runs the regret stage's reductions
 *      over it (best, regret, class lower, worst, Bayes and prior-set sums), the same
 *      arithmetic in the same order as one process: the per-policy criteria and choices are
 *      those of a one-process run bit for bit; then complete=1 and the rename.
 *
 * Threads per rank default to the node's cores divided among its ranks; a GPU rank takes
 * device (local rank mod visible devices). */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../io/batch_reader.h"
#include "../io/paths.h"
#include "../io/result_writer.h"
#include "../io/resume_state.h"
#include "backend.h"
#include "engine.h"
#include "ranks.h"
#include "regret.h"
#include "rules.h"

#define ROUND_BYTES ((int64_t)8 << 20) /* rows copied per collective round, per dataset */
#define FINAL_ROWS_BYTES ((int64_t)32 << 20) /* /lower read back per block by rank 0 */

static int remote_failure; /* this rank's error is another rank's failure, reported there */

int credal__error_is_remote(void) { return remote_failure; }
void credal__error_set_remote(int remote) { remote_failure = remote; }

/* Hypothesis boundaries of N shares of about equal cost (rows + 1 per hypothesis): share r is
 * [bounds[r], bounds[r+1]). */
static credal_status partition(credal_input *in, int N, int64_t *bounds) {
  const credal_input_summary *s = credal_input_describe(in);
  const int64_t H = s->hypotheses, W = 65536;
  int64_t *offs = malloc((size_t)(W + 1) * sizeof *offs);
  if (!offs) return credal__fail(CREDAL_ENOMEM, "out of memory for the partition");
  credal_status st = CREDAL_OK;
  /* pass 1: total cost; pass 2: cut where the running cost passes r/N of it */
  int64_t total = 0;
  for (int pass = 0; pass < 2 && !st; pass++) {
    int64_t cost = 0, h = 0;
    int r = 1;
    bounds[0] = 0;
    for (int f = 0; f < CREDAL_FAMILY_COUNT && !st; f++)
      for (int64_t i = 0; i < s->family_hypotheses[f] && !st;) {
        const int64_t n = s->family_hypotheses[f] - i < W ? s->family_hypotheses[f] - i : W;
        if ((st = credal__input_family_offsets(in, (credal_family)f, i, n, offs))) break;
        for (int64_t k = 0; k < n; k++, h++) {
          cost += offs[k + 1] - offs[k] + 1;
          while (pass == 1 && r < N && cost * N >= total * r) bounds[r++] = h + 1;
        }
        i += n;
      }
    total = cost;
    while (r <= N) bounds[r++] = H;
  }
  free(offs);
  return st;
}

/* OUT.rank<r>of<N> */
static char *scratch_path(const char *output, int r, int N) {
  const size_t n = strlen(output) + 48;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s.rank%dof%d", output, r, N);
  return p;
}

static void remove_scratch(const char *scratch) {
  char partial[4096];
  snprintf(partial, sizeof partial, "%s.partial", scratch);
  unlink(scratch);
  unlink(partial);
}

/* Step 2: every rank's status to all. Returns this rank's status, or the first failing
 * rank's (with a message naming it), or EINTERRUPTED when some rank was interrupted and none
 * failed. */
credal_status credal__ranks_agree(credal_status mine, const char *what) {
  const credal__ranks *w = credal__ranks_get();
  const int failed = mine != CREDAL_OK && mine != CREDAL_EINTERRUPTED;
  /* the lowest failing rank, encoded so that max picks it: (size - rank) << 8 | status */
  const int64_t code = credal__ranks_max(failed ? ((int64_t)(w->size - w->rank) << 8) | mine : 0);
  if (code) {
    const int rank = w->size - (int)(code >> 8);
    const credal_status st = (credal_status)(code & 0xff);
    if (rank != w->rank) {
      credal__fail(st, "rank %d of %d failed %s", rank, w->size, what);
      remote_failure = 1;
    }
    return st;
  }
  if (credal__ranks_max(mine == CREDAL_EINTERRUPTED)) {
    remote_failure = w->rank != 0; /* rank 0 says it for all */
    return mine == CREDAL_EINTERRUPTED
               ? mine
               : credal__fail(CREDAL_EINTERRUPTED, "another rank was interrupted");
  }
  return CREDAL_OK;
}

/* Step 4 with --rules (rank 0): every share's class accumulators, merged in rank order (which
 * is hypothesis order), then the class rules as one process finishes them. */
static credal_status finish_rules(credal_input *in, credal__result_writer *w, const double *class_lower,
                                  const char *output, const credal_eval_options *o,
                                  const int64_t *bounds, int N, credal_eval_summary *summary) {
  const credal_input_summary *s = credal_input_describe(in);
  const int64_t P = s->policies, d = s->dim;
  credal__rules *r = NULL;
  credal__rules_state share;
  credal__rules_class class_rules;
  memset(&share, 0, sizeof share);
  memset(&class_rules, 0, sizeof class_rules);
  double *utility = malloc((size_t)(P * d) * sizeof(double));
  credal_status st = utility ? credal__input_utility(in, utility)
                             : credal__fail(CREDAL_ENOMEM, "out of memory for the policies");
  const credal__rules_config rc = {P, d, utility, o->rules, o->hurwicz,
                                   o->precision_f32 ? 1e-5 : 1e-12, o->threads, 0, NULL};
  if (st || (st = credal__rules_create(&rc, &r)) || (st = credal__rules_state_alloc(r, &share)))
    goto cleanup;
  for (int k = 0; k < N && !st; k++) {
    if (bounds[k + 1] == bounds[k]) continue; /* a rank without hypotheses has no share */
    char *path = scratch_path(output, k, N);
    hid_t f = path ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
    if (f < 0) st = credal__fail(CREDAL_EIO, "%s: cannot open rank %d's share", path ? path : output, k);
    else st = credal__resume_load_rules(f, path, "rules_state", &share);
    if (f >= 0) H5Fclose(f);
    free(path);
    if (!st) credal__rules_merge(r, &share);
  }
  const uint64_t budget = o->memory_bytes ? o->memory_bytes : CREDAL_DEFAULT_MEMORY;
  if (!st) st = credal__rules_finish(r, class_lower, in, budget / 8, budget / 2, &class_rules);
  if (!st) st = credal__result_write_class_rules(w, &class_rules, o->hurwicz,
                                                 credal__rules_accumulated(r)->tau);
  if (!st && summary) {
    summary->set_minimax_regret = class_rules.set_minimax_regret;
    summary->set_minimax_regret_value =
        class_rules.set_regret ? class_rules.set_regret[class_rules.set_minimax_regret] : 0.0 / 0.0;
    for (int rule = 0; rule < CREDAL_RULE_COUNT; rule++) {
      summary->class_kept[rule] = 0;
      for (int64_t p = 0; p < P; p++) summary->class_kept[rule] += class_rules.masks[rule * P + p];
    }
  }
cleanup:
  credal__rules_class_free(&class_rules);
  credal__rules_state_free(&share);
  credal__rules_destroy(r);
  free(utility);
  return st;
}

/* Rows h0 .. h0+count-1 of /lower: from the output, or with --outputs policy (which has no
 * /lower) from the ranks' shares that hold them. */
static credal_status read_lower(credal__result_writer *w, const credal__result_layout *layout,
                                const char *output, const int64_t *bounds, int N, int64_t h0,
                                int64_t count, double *lower) {
  if (!layout->policy_only) return credal__result_read_lower(w, h0, count, lower);
  credal_status st = CREDAL_OK;
  for (int k = 0; k < N && !st; k++) {
    const int64_t a = h0 > bounds[k] ? h0 : bounds[k];
    const int64_t b = h0 + count < bounds[k + 1] ? h0 + count : bounds[k + 1];
    if (a >= b) continue;
    credal__result_layout share = *layout;
    share.hypotheses = bounds[k + 1] - bounds[k], share.row_base = 0;
    share.policy_only = 0, share.lower_only = 1;
    char *path = scratch_path(output, k, N);
    credal__result_writer *r = NULL;
    if (!path) st = credal__fail(CREDAL_ENOMEM, "out of memory");
    if (!st && !(st = credal__result_open_read(path, &share, &r)))
      st = credal__result_read_lower(r, a - bounds[k], b - a, lower + (a - h0) * layout->policies);
    credal__result_abandon(r);
    free(path);
  }
  return st;
}

/* Step 4 (rank 0): the regret stage over all of /lower, in order, then the policies, choices,
 * the class decision rules, complete=1 and the rename. */
static credal_status finish_on_rank0(credal_input *in, const credal__result_layout *layout,
                                     const char *partial, const char *output,
                                     const credal_eval_options *o, const int64_t *bounds, int N,
                                     credal_eval_summary *summary) {
  const int force = o->force;
  const credal_input_summary *s = credal_input_describe(in);
  const int64_t H = s->hypotheses, P = s->policies, Q = s->prior_set_size;
  int64_t block = FINAL_ROWS_BYTES / (P * 8);
  if (block < 1) block = 1;
  if (block > H) block = H;
  credal__result_writer *w = NULL;
  credal__regret acc;
  memset(&acc, 0, sizeof acc);
  double *lower = malloc((size_t)(block * P) * 8), *regret = malloc((size_t)(block * P) * 8);
  double *best = malloc((size_t)block * 8), *prior = malloc((size_t)block * 8);
  double *prior_set = malloc((size_t)(Q * block + 1) * 8);
  double *credal_regret = malloc((size_t)P * 8);
  int32_t *best_policy = malloc((size_t)block * 4), *credal_prior = malloc((size_t)P * 4);
  credal_status st = CREDAL_OK;
  if (!lower || !regret || !best || !prior || !prior_set || !credal_regret || !best_policy ||
      !credal_prior) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory for the final pass");
    goto cleanup;
  }
  if ((st = credal__regret_init(&acc, P, s->has_prior, Q)) ||
      (st = credal__result_open(partial, layout, &w)))
    goto cleanup;
  for (int64_t h0 = 0; h0 < H; h0 += block) {
    const int64_t n = H - h0 < block ? H - h0 : block;
    if ((st = read_lower(w, layout, output, bounds, N, h0, n, lower)) ||
        (s->has_prior && (st = credal__input_prior(in, h0, n, prior))) ||
        (Q && (st = credal__input_prior_set(in, h0, n, prior_set))))
      goto cleanup;
    credal__regret_chunk(&acc, h0, n, lower, s->has_prior ? prior : NULL, Q ? prior_set : NULL,
                         best, best_policy, regret);
  }
  credal__choices choices;
  credal__regret_finish(&acc, credal_regret, credal_prior, &choices);
  if ((st = credal__result_write_policies(w, &acc, credal_regret, credal_prior, &choices)) ||
      (o->rules && (st = finish_rules(in, w, acc.class_lower, output, o, bounds, N, summary))) ||
      (st = credal__input_copy_names(in, credal__result_hid(w))))
    goto cleanup;
  st = credal__result_finish(w, summary ? summary->elapsed_seconds : 0.0);
  w = NULL;
  if (st || (st = credal__sync_file(partial)) || (st = credal__publish(partial, output, force)))
    goto cleanup;
  if (summary) {
    summary->maximin = choices.maximin, summary->maximin_value = acc.class_lower[choices.maximin];
    summary->minimax_regret = choices.minimax_regret;
    summary->minimax_regret_value = acc.worst_regret[choices.minimax_regret];
    summary->bayes = choices.bayes;
    summary->bayes_value = choices.bayes >= 0 ? acc.bayes_regret[choices.bayes] : 0.0 / 0.0;
    summary->credal = choices.credal;
    summary->credal_value = choices.credal >= 0 ? credal_regret[choices.credal] : 0.0 / 0.0;
  }
cleanup:
  credal__result_abandon(w);
  credal__regret_free(&acc);
  free(lower), free(regret), free(best), free(prior), free(prior_set), free(credal_regret);
  free(best_policy), free(credal_prior);
  return st;
}

credal_status credal__eval_distributed(const char *input_path, const char *output_path,
                                       const credal_eval_options *options,
                                       credal_eval_summary *summary) {
  const credal__ranks *world = credal__ranks_get();
  const int r = world->rank, N = world->size;
  const double started = credal__now_seconds();
  remote_failure = 0;
  credal_status st = CREDAL_OK;
  credal_input *in = NULL;
  int64_t *bounds = NULL;
  char *scratch = NULL, *partial = NULL;
  credal__result_writer *out = NULL;
  credal_eval_summary mine;
  memset(&mine, 0, sizeof mine);

  if (!input_path || !output_path)
    return credal__fail(CREDAL_EUSAGE, "input and output paths are required");
  const size_t plen = strlen(output_path) + sizeof ".partial";
  bounds = malloc((size_t)(N + 1) * sizeof *bounds);
  scratch = scratch_path(output_path, r, N);
  partial = malloc(plen);
  if (!bounds || !scratch || !partial) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory");
    goto agree_share;
  }
  snprintf(partial, plen, "%s.partial", output_path);
  if (!options->force && credal__path_exists(output_path)) {
    st = credal__fail(CREDAL_EEXIST, "%s exists; use --force to replace it", output_path);
    goto agree_share;
  }
  if (options->resume && credal__path_exists(partial)) { /* an interrupted merge starts over */
    char *first = scratch_path(output_path, 0, N); /* room for ".partial" too */
    int ours = first && credal__path_exists(first);
    if (first && !ours) ours = (strcat(first, ".partial"), credal__path_exists(first));
    free(first);
    if (!ours) {
      st = credal__fail(CREDAL_EDATA, "%s was not left by a run of %d processes (resume with the "
                        "number of processes that started it, or start over with --force)",
                        partial, N);
      goto agree_share;
    }
  }
  if (options->resume) { /* another run's shares would be silently orphaned */
    char pattern[4096], mine_suffix[32];
    glob_t g;
    snprintf(pattern, sizeof pattern, "%s.rank*of*", output_path);
    snprintf(mine_suffix, sizeof mine_suffix, "of%d", N);
    if (glob(pattern, 0, NULL, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc && !st; i++) {
        const char *name = g.gl_pathv[i] + strlen(output_path);
        const char *of = strstr(name, "of");
        const size_t n = strlen(mine_suffix);
        if (of && (strncmp(of, mine_suffix, n) != 0 || (of[n] != '\0' && of[n] != '.')))
          st = credal__fail(CREDAL_EDATA, "%s was left by a run of another number of processes; "
                            "resume with that number, or start over with --force", g.gl_pathv[i]);
      }
      globfree(&g);
    }
    if (st) goto agree_share;
  }
  if (options->force) { /* shares of runs with any number of processes go */
    char pattern[4096];
    glob_t g;
    snprintf(pattern, sizeof pattern, "%s.rank*of*", output_path);
    credal__ranks_barrier(); /* nobody removes another's file while it is being made */
    if (r == 0 && glob(pattern, 0, NULL, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; i++) unlink(g.gl_pathv[i]);
      globfree(&g);
    }
    credal__ranks_barrier();
  }
  {
    /* unknown names: refused here as eval_range would; warned about there, by rank 0 */
    const credal__names_policy quiet = {options->allow_unknown, NULL, NULL};
    credal__problems sink;
    credal__problems_init(&sink, NULL, NULL, 1);
    if ((st = credal__input_open(input_path, &quiet, &sink, &in)))
      st = sink.count ? credal__problems_status(&sink) : st;
  }
  if (st || (st = partition(in, N, bounds))) goto agree_share;

  /* 1. this rank's share into its scratch file */
  {
    credal_eval_options o = *options;
    if (r != 0) o.warn = NULL; /* rank 0 speaks for all */
    if (!o.threads) {
      const long cores = sysconf(_SC_NPROCESSORS_ONLN);
      o.threads = cores > world->local_size ? (int)(cores / world->local_size) : 1;
    }
    const int gpus = o.backend == CREDAL_BACKEND_CPU || o.backend == CREDAL_BACKEND_REFERENCE
                         ? 0 : credal__gpu_count();
    if (gpus > 0 && o.device == 0) o.device = world->local_rank % gpus;
    if (r != 0) o.progress = NULL;
    if (options->resume && credal__path_exists(scratch)) {
      st = CREDAL_OK; /* this rank finished its share before the interruption */
    } else if (bounds[r + 1] > bounds[r]) {
      st = credal__eval_range(input_path, scratch, &o, &mine, bounds[r], bounds[r + 1], 1);
    }
  }

agree_share:
  st = credal__ranks_agree(st, "evaluating its hypotheses");
  if (st) {
    if (st != CREDAL_EINTERRUPTED && scratch) remove_scratch(scratch);
    if (st == CREDAL_EINTERRUPTED && r == 0)
      credal__fail(st, "interrupted; every rank's progress is kept in %s.rank*of%d(.partial) "
                   "(continue with --resume and %d processes)", output_path, N, N);
    goto cleanup;
  }

  /* 3. the shares into one file, collectively */
  {
    const credal_input_summary *s = credal_input_describe(in);
    const int64_t H = s->hypotheses, P = s->policies, rows = bounds[r + 1] - bounds[r];
    char device[sizeof mine.device], backend[32];
    snprintf(device, sizeof device, "%d ranks, rank 0: %.96s", N, mine.device);
    snprintf(backend, sizeof backend, "%s", mine.backend);
    credal__ranks_bcast(device, sizeof device, 0); /* attributes must agree on every rank */
    credal__ranks_bcast(backend, sizeof backend, 0);
    credal__codec codec;
    if ((st = credal__eval_codec(options, &codec))) goto cleanup; /* checked alike on every rank */
    credal__result_layout layout = {H,       P,       s->prior_set_size, s->has_prior,
                                    options->upper,    options->precision_f32, backend, device,
                                    input_path,        0, 1, 0, &codec, NULL, options->rules,
                                    options->outputs == CREDAL_OUTPUTS_POLICY, 0};
    int64_t round_rows = ROUND_BYTES / (P * 8);
    if (round_rows < 1) round_rows = 1;
    const int64_t rounds = credal__ranks_max((rows + round_rows - 1) / round_rows);
    st = credal__result_create(partial, &layout, 1, &out);
    if (credal__ranks_max(st != CREDAL_OK)) {
      /* creating a parallel file is collective: a rank that failed leaves all without it */
      if (!st) st = credal__fail(CREDAL_EIO, "another rank could not create %s", partial);
      credal__result_abandon(out);
      out = NULL;
      goto cleanup;
    }
    st = credal__result_copy_rows(out, scratch, bounds[r], rows, round_rows, rounds);
    credal__result_abandon(out); /* collective close */
    out = NULL;
    st = credal__ranks_agree(st, "copying its rows");
    if (st) goto cleanup;

    /* 4. rank 0 finishes; the others wait for its verdict */
    mine.elapsed_seconds = credal__now_seconds() - started;
    if (r == 0) {
      layout.parallel = 0;
      st = finish_on_rank0(in, &layout, partial, output_path, options, bounds, N, &mine);
    }
    int64_t verdict = st;
    credal__ranks_bcast(&verdict, sizeof verdict, 0);
    if (r != 0 && verdict) {
      st = credal__fail((credal_status)verdict, "rank 0 could not finish %s", output_path);
      remote_failure = 1;
    }
    if (!st) remove_scratch(scratch);
    if (summary) {
      *summary = mine;
      snprintf(summary->device, sizeof summary->device, "%s", device);
      summary->hypotheses = H, summary->policies = P, summary->dim = s->dim;
      summary->generators = s->generators, summary->prior_set_size = s->prior_set_size;
      summary->chunks = credal__ranks_max(mine.chunks);
    }
  }

cleanup:
  credal_input_close(in);
  free(bounds), free(scratch), free(partial);
  return st;
}
