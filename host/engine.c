/* credal_eval: one input file to one output file, streamed in chunks of hypotheses.
 *
 *   open + check structure -> read and check policies and priors -> choose the backend
 *   -> create OUTPUT.partial -> the chunk pipeline (pipeline.c: read + check, lower, regret,
 *   write, overlapped) -> per-policy criteria and choices -> complete=1 -> rename to OUTPUT
 *
 * Nothing is created before the structure, the policies and the priors are known good; a
 * value problem found later removes the partial file, so a failed run leaves no output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../io/codec.h"
#include "../io/digest.h"
#include "../io/paths.h"
#include "../io/resume_state.h"
#include "engine.h"
#include "pipeline.h"
#include "ranks.h"
#include "rules.h"

void credal_eval_options_init(credal_eval_options *o) {
  memset(o, 0, sizeof *o);
  o->backend = CREDAL_BACKEND_AUTO;
  o->memory_bytes = CREDAL_DEFAULT_MEMORY;
  o->hurwicz = 0.5;
}

double credal__now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}


/* --resume: opens OUTPUT.partial, checks that it belongs to this input and these options, and
 * that the input still holds the values its hypotheses done were computed from (their digest,
 * read within `budget` bytes), and hands its accumulators to the backend; *start is where the
 * interrupted run stopped, *content the digest of the hypotheses before it. */
static credal_status continue_partial(credal_input *in, const double *utility,
                                      credal__backend *backend, credal__rules *rules,
                                      double hurwicz, const credal__result_layout *layout,
                                      const char *partial, uint64_t budget,
                                      credal__result_writer **out, int64_t *start,
                                      uint64_t *content) {
  const credal_input_summary *s = credal_input_describe(in);
  char fp[CREDAL_FINGERPRINT_MAX];
  credal__regret state;
  credal_status st = credal__fingerprint(in, utility, backend->name, layout->f32, layout->upper,
                                         layout->rules, hurwicz,
                                         layout->policy_only || layout->lower_only,
                                         layout->row_base,
                                         layout->row_base + layout->hypotheses, fp, sizeof fp);
  if (st) return st;
  if ((st = credal__result_open(partial, layout, out))) return st;
  if ((st = credal__regret_init(&state, s->policies, s->has_prior, s->prior_set_size))) return st;
  st = credal__resume_load(credal__result_hid(*out), partial, fp, s->hypotheses, &state, start,
                           content);
  uint64_t now = 0;
  if (!st) st = credal__digest_input(in, layout->row_base, *start, budget, &now);
  if (!st && now != *content)
    st = credal__fail(CREDAL_EDATA, "%s: hypotheses %lld to %lld, done, were computed from other "
                      "values than %s holds now (it was changed in place since); refusing to "
                      "continue it (start over with --force)",
                      partial, (long long)layout->row_base, (long long)(*start - 1), in->path);
  if (!st) st = backend->restore(backend, &state);
  if (!st && rules)
    st = credal__resume_load_rules(credal__result_hid(*out), partial, "resume",
                                   credal__rules_accumulated(rules));
  credal__regret_free(&state);
  return st;
}

/* The size guard, before the first byte: refuses (ECANTCREATE) an output that cannot fit the
 * free space of its file system even compressed 4:1 (the pipeline checks again against the
 * bytes actually written, after each chunk), and tells warn the size of a large one. */
static credal_status check_space(const credal__result_layout *layout, const char *output,
                                 const char *partial, int resuming, const credal_eval_options *o) {
  uint64_t free_bytes = 0, already = 0;
  if (credal__free_bytes(partial, &free_bytes)) return CREDAL_OK; /* cannot tell: go on */
  struct stat sb;
  if (resuming && stat(partial, &sb) == 0) already = (uint64_t)sb.st_size;
  const uint64_t estimate = credal__result_estimate_bytes(layout);
  const uint64_t need = estimate > already ? estimate - already : 0;
  const int raw = layout->uncompressed || (layout->codec && layout->codec->kind == CREDAL_CODEC_NONE);
  credal__result_layout policy = *layout;
  policy.policy_only = 1, policy.lower_only = 0;
  char a[32], b[32], c[32], text[400];
  credal__format_bytes(need, a, sizeof a);
  credal__format_bytes(free_bytes, b, sizeof b);
  credal__format_bytes(credal__result_estimate_bytes(&policy), c, sizeof c);
  char instead[96] = "";
  if (!layout->policy_only && !layout->lower_only)
    snprintf(instead, sizeof instead, "; --outputs policy writes only the per-policy results "
             "(about %s)", c);
  if (credal__least_on_disk(need, !raw) > free_bytes)
    return credal__fail(CREDAL_ECANTCREATE,
                        "%s: the result takes about %s%s, and its file system has %s free: free "
                        "space or write it elsewhere%s",
                        output, a, raw ? "" : CREDAL_LEAST_ON_DISK_WORDS,
                        b, instead);
  if (o->warn && need >= ((uint64_t)1 << 30)) {
    snprintf(text, sizeof text, "a large result: up to %s%s, on a file system with %s free%s", a,
             raw ? "" : " before compression", b, instead);
    o->warn(o->warn_ctx, CREDAL_OK, text);
  }
  return CREDAL_OK;
}

/* An interrupted run: records in the partial where it stopped (done) and the accumulators,
 * so that --resume continues exactly; CREDAL_EINTERRUPTED saying so, or why it could not. */
static credal_status save_interrupted(credal_input *in, const double *utility, const char *backend,
                                      credal__rules *rules, const credal_eval_options *o,
                                      const credal__result_layout *layout,
                                      credal__result_writer *out, const char *partial,
                                      int64_t begin, int64_t end, int64_t done,
                                      uint64_t content, const credal__regret *acc) {
  char fp[CREDAL_FINGERPRINT_MAX];
  credal_status st;
  if ((st = credal__result_flush(out)) ||
      (st = credal__fingerprint(in, utility, backend, o->precision_f32, o->upper, o->rules,
                                o->hurwicz, layout->policy_only || layout->lower_only, begin, end,
                                fp, sizeof fp)) ||
      (st = credal__resume_save(credal__result_hid(out), partial, done, fp, content, acc)) ||
      (rules && (st = credal__resume_save_rules(credal__result_hid(out), partial, "resume",
                                                credal__rules_accumulated(rules)))))
    return credal__fail_context(st, "interrupted, but the resume state could not be saved");
  return credal__fail(CREDAL_EINTERRUPTED,
                      "interrupted after %lld of %lld hypotheses%s; partial output kept in %s "
                      "(continue with --resume)",
                      (long long)(done - begin), (long long)(end - begin),
                      done == end ? " (in the class's decision rules)" : "", partial);
}

credal_status credal__eval_codec(const credal_eval_options *o, credal__codec *out) {
  *out = CREDAL_CODEC_DEFAULT;
  if (o->compression && credal__codec_parse(o->compression, out))
    return credal__fail(CREDAL_EUSAGE, "--compression wants gzip[:1-12], zstd[:1-22], lz4 or none, "
                        "got '%s'", o->compression);
  return CREDAL_OK;
}

int credal__eval_io_threads(const credal_eval_options *o) {
  if (o->io_threads > 0) return o->io_threads;
  return credal__pool_cores(credal__ranks_get()->local_size); /* shared among this node's ranks */
}

/* Chunks small enough that Ctrl-C stops a run within about a second: compute of about 0.1 s
 * (a chunk's generator rows times P*d multiply-adds, and the decision rules' pairs, at rates
 * well below what each backend reaches) and about 64 MiB of output to encode per I/O thread.
 * The bounds depend only on the options and the input, never on timing: chunking does not
 * change a single output byte, and the same run chunks the same way every time. */
static void bound_chunk_work(credal__plan *plan, const credal__backend *b,
                             const credal_eval_options *o, int64_t P, int64_t d, int io_threads) {
  const int cores = o->threads > 0 ? o->threads : credal__pool_cores(1);
  const int gpu = !strcmp(b->name, "gpu"), reference = !strcmp(b->name, "reference");
  plan->work_per_row = (uint64_t)P * (uint64_t)d + (o->rules ? (uint64_t)P * (uint64_t)P / 8 : 0);
  plan->max_work = gpu && !o->rules ? (uint64_t)200e9         /* the rules run on the host */
                   : reference      ? (uint64_t)200e6
                                    : (uint64_t)cores * (uint64_t)1e9;
  const uint64_t out_per_h = (uint64_t)P * (o->outputs == CREDAL_OUTPUTS_POLICY ? 0 : 40) + 16;
  const int64_t by_output = (int64_t)((uint64_t)io_threads * (64u << 20) / out_per_h);
  const int64_t cap = by_output > 1 ? by_output : 1;
  if (plan->max_hypotheses == 0 || plan->max_hypotheses > cap) plan->max_hypotheses = cap;
}

/* Resolves the backend: AUTO takes the GPU when one is usable, otherwise the fast CPU path. */
static credal_status choose_backend(const credal_eval_options *o, credal_backend *out) {
  if (o->backend != CREDAL_BACKEND_AUTO) {
    *out = o->backend;
    return CREDAL_OK;
  }
  if (credal__gpu_probe(o->device) == CREDAL_OK) {
    *out = CREDAL_BACKEND_GPU;
    return CREDAL_OK;
  }
  credal__clear_error();
  *out = CREDAL_BACKEND_CPU;
  return CREDAL_OK;
}

credal_status credal_eval(const char *input_path, const char *output_path,
                          const credal_eval_options *options, credal_eval_summary *summary) {
  credal_eval_options defaults;
  if (!options) credal_eval_options_init(&defaults), options = &defaults;
  credal__clear_error();
  if (!input_path || !output_path)
    return credal__fail(CREDAL_EUSAGE, "input and output paths are required");
  /* never over the input, --force or not (every rank sees the same files) */
  credal_status st = credal__refuse_input_as_output(input_path, output_path);
  if (st) return st;
  char schema[32];
  credal__problems sink;
  credal__problems_init(&sink, NULL, NULL, 0);
  if ((st = credal__input_schema(input_path, &sink, schema, sizeof schema)))
    return credal__problems_status(&sink);
  if (!strcmp(schema, "credal-mdp")) return credal__mdp_eval(input_path, output_path, options, summary);
  if (credal__ranks_get()->size > 1)
    return credal__eval_distributed(input_path, output_path, options, summary);
  return credal__eval_range(input_path, output_path, options, summary, 0, 0, 0);
}

credal_status credal__eval_range(const char *input_path, const char *output_path,
                                 const credal_eval_options *options,
                                 credal_eval_summary *summary, int64_t begin, int64_t end,
                                 int scratch) {
  const double started = credal__now_seconds();
  credal_status st = CREDAL_OK;
  credal_input *in = NULL;
  credal__backend *backend = NULL;
  credal__result_writer *out = NULL;
  credal__pool *pool = NULL;
  credal__rules *rules = NULL;
  credal__rules_class class_rules;
  credal__codec codec;
  memset(&class_rules, 0, sizeof class_rules);
  double *utility = NULL, *credal_regret = NULL;
  int32_t *credal_prior = NULL;
  char *partial = NULL;
  int partial_created = 0;
  credal_backend which = CREDAL_BACKEND_REFERENCE;
  credal__problems sink;
  credal__clear_error();
  credal__problems_init(&sink, NULL, NULL, 0);

  if (!input_path || !output_path)
    return credal__fail(CREDAL_EUSAGE, "input and output paths are required");
  if (options->rules & ~CREDAL_RULES_ALL)
    return credal__fail(CREDAL_EUSAGE, "unknown decision rule flags 0x%x", options->rules);
  if (options->rules && !(options->hurwicz >= 0.0 && options->hurwicz <= 1.0))
    return credal__fail(CREDAL_EUSAGE, "--hurwicz wants ALPHA in [0, 1], got %g", options->hurwicz);
  if (options->resume && options->force)
    return credal__fail(CREDAL_EUSAGE, "--resume and --force contradict each other: --resume "
                        "continues OUTPUT.partial, --force starts over");
  if ((st = credal__eval_codec(options, &codec))) return st;
  const size_t plen = strlen(output_path) + sizeof ".partial";
  if (!(partial = malloc(plen))) return credal__fail(CREDAL_ENOMEM, "out of memory");
  snprintf(partial, plen, "%s.partial", output_path);
  if (!options->force && credal__path_exists(output_path)) {
    st = credal__fail(CREDAL_EEXIST, "%s exists; use --force to replace it", output_path);
    goto cleanup;
  }
  /* --resume continues OUTPUT.partial when there is one, and starts afresh when there is none
   * (so a requeued batch job can always pass it) */
  const int resuming = options->resume && credal__path_exists(partial);
  if (!options->force && !resuming && credal__path_exists(partial)) {
    st = credal__fail(CREDAL_EEXIST,
                      "%s exists, left by an interrupted run: continue it with --resume (the "
                      "same options), or start over with --force",
                      partial);
    goto cleanup;
  }

  /* Structure, policies and priors: all checked before any output exists. */
  const credal__names_policy names = {options->allow_unknown, options->warn, options->warn_ctx};
  if ((st = credal__input_open(input_path, &names, &sink, &in))) {
    if (sink.count) st = credal__problems_status(&sink);
    goto cleanup;
  }
  /* one pool decodes the input's chunks and encodes the output's (SPEC §8) */
  if ((st = credal__pool_create(credal__eval_io_threads(options), &pool))) goto cleanup;
  credal__input_set_pool(in, pool);
  const credal_input_summary *s = credal_input_describe(in);
  const int64_t P = s->policies, d = s->dim, Q = s->prior_set_size;
  if (end <= 0) end = s->hypotheses;
  const int64_t H = end - begin; /* the rows of this output */
  /* the rules need upper expectations whether or not /upper is written */
  const int upper = options->upper || options->rules;
  /* the policies stay in memory for the whole run: a file claiming more than the budget is
   * refused before anything that size is allocated */
  const uint64_t budget = options->memory_bytes ? options->memory_bytes : CREDAL_DEFAULT_MEMORY;
  uint64_t policy_bytes;
  if (credal__mul_u64((uint64_t)P * (uint64_t)d, sizeof(double), &policy_bytes) ||
      policy_bytes > budget) {
    char need[32], have[32], hint[96];
    st = credal__fail(CREDAL_EUSAGE,
                      "/policies/utility: (%lld, %lld) policies take %s, more than --memory %s "
                      "allows%s",
                      (long long)P, (long long)d,
                      credal__format_bytes((uint64_t)P * (uint64_t)d * 8u, need, sizeof need),
                      credal__format_bytes(budget, have, sizeof have),
                      credal__memory_unit_hint(budget, hint, sizeof hint));
    goto cleanup;
  }
  if (!(utility = malloc((size_t)P * (size_t)d * sizeof(double)))) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory for the (%lld, %lld) policies", (long long)P,
                      (long long)d);
    goto cleanup;
  }
  if ((st = credal__input_utility(in, utility))) goto cleanup;
  credal__check_utility(s, utility, &sink);
  if (!sink.count && (st = credal__check_priors(in, 65536, &sink))) goto cleanup;
  if (sink.count) {
    st = credal__problems_status(&sink);
    goto cleanup;
  }

  if ((st = choose_backend(options, &which))) goto cleanup;
  const int structured = end > s->family_hypotheses[CREDAL_FAMILY_GENERATORS];
  const credal__backend_config config = {P, d, Q, s->has_prior, upper, options->precision_f32,
                                         options->device, options->threads, utility, structured};
  if ((st = credal__backend_create(which, &config, &backend))) goto cleanup;

  credal__result_layout layout = {H,    P,        Q,         s->has_prior,    options->upper,
                                  options->precision_f32, backend->name, backend->device,
                                  input_path,              begin,         0,
                                  scratch, &codec, pool, options->rules,
                                  options->outputs == CREDAL_OUTPUTS_POLICY && !scratch,
                                  /* an MPI rank's share keeps /lower: rank 0's final pass */
                                  options->outputs == CREDAL_OUTPUTS_POLICY && scratch};
  const int slots = backend->depth + 2;
  const int rule_threads = options->threads > 0 ? options->threads : credal__pool_cores(1);
  const credal__plan_extra extra = {
      options->rules ? credal__rules_bytes(P, d, options->rules, rule_threads) : 0,
      options->rules ? credal__rules_bytes_per_hypothesis(P, options->rules) : 0};
  credal__plan plan;
  if ((st = credal__plan_make(&plan, options->memory_bytes ? options->memory_bytes
                                                            : CREDAL_DEFAULT_MEMORY,
                              P, d, Q, s->has_prior, upper, credal__result_cache_bytes(&layout),
                              slots, structured, &extra)))
    goto cleanup;
  if (options->rules) {
    const credal__rules_config rc = {P, d, utility, options->rules, options->hurwicz,
                                     options->precision_f32 ? 1e-5 : 1e-12, rule_threads, 0,
                                     scratch ? NULL : options->interrupt};
    if ((st = credal__rules_create(&rc, &rules))) goto cleanup;
  }
  plan.max_rows = backend->max_rows;
  plan.max_hypotheses = backend->max_hypotheses;
  bound_chunk_work(&plan, backend, options, P, d, credal__pool_threads(pool));

  if ((st = check_space(&layout, output_path, partial, resuming, options))) goto cleanup;
  int64_t start = begin;
  uint64_t content = 0; /* the digest of the hypotheses done before this run */
  if (resuming) {
    if ((st = continue_partial(in, utility, backend, rules, options->hurwicz, &layout, partial,
                               plan.arena_bytes, &out, &start, &content)))
      goto cleanup;
  } else {
    if (options->force) unlink(partial); /* a stale partial or a link must not be written through */
    if ((st = credal__result_create(partial, &layout, 0, &out))) goto cleanup;
    partial_created = 1;
  }

  credal__result_layout policy_layout = layout;
  policy_layout.policy_only = 1, policy_layout.lower_only = 0;
  const credal__pipeline_config pc = {in,    backend, out,  &plan, slots, upper, options->progress,
                                      options->progress_ctx, options->interrupt, start, end, pool,
                                      rules, partial, begin,
                                      credal__result_estimate_bytes(&policy_layout)};
  credal__pipeline_stats stats;
  const credal__regret *acc;
  if ((st = credal__pipeline_run(&pc, &stats))) {
    if (st == CREDAL_EINTERRUPTED && !(st = backend->finish(backend, &acc)))
      st = save_interrupted(in, utility, backend->name, rules, options, &layout, out, partial,
                            begin, end, stats.hypotheses_done, content + stats.digest, acc);
    partial_created = 1; /* a failed resumed run: its partial cannot be trusted any more */
    goto cleanup;
  }
  partial_created = 1;

  if ((st = backend->finish(backend, &acc))) goto cleanup;
  if (rules && !scratch) {
    const uint64_t scan = plan.arena_bytes < CREDAL_CHUNK_MAX_BYTES ? plan.arena_bytes
                                                                    : CREDAL_CHUNK_MAX_BYTES;
    /* the pipeline's slots are free again: their budget holds the input for the class's
     * E-admissibility rounds when it fits. Interrupted here, the run keeps every hypothesis
     * done, and --resume goes straight to these rounds. */
    st = credal__rules_finish(rules, acc->class_lower, in, scan, plan.arena_bytes * (uint64_t)slots,
                              &class_rules);
    if (st == CREDAL_EINTERRUPTED)
      st = save_interrupted(in, utility, backend->name, rules, options, &layout, out, partial,
                            begin, end, end, content + stats.digest, acc);
    if (st) goto cleanup;
  }
  credal_regret = malloc((size_t)P * sizeof(double));
  credal_prior = malloc((size_t)P * sizeof(int32_t));
  if (!credal_regret || !credal_prior) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory");
    goto cleanup;
  }
  credal__choices choices;
  credal__regret_finish(acc, credal_regret, credal_prior, &choices);
  if ((st = credal__result_write_policies(out, acc, credal_regret, credal_prior, &choices)))
    goto cleanup;
  if (rules && scratch) {
    /* an MPI rank's share: rank 0 merges every share's accumulators and finishes the class */
    if ((st = credal__resume_save_rules(credal__result_hid(out), partial, "rules_state",
                                        credal__rules_accumulated(rules))))
      goto cleanup;
  } else if (rules &&
             (st = credal__result_write_class_rules(out, &class_rules, options->hurwicz,
                                                    credal__rules_accumulated(rules)->tau))) {
    goto cleanup;
  }
  /* the labels travel with the result (not for an MPI rank's share: rank 0 copies them) */
  if (!scratch && (st = credal__input_copy_names(in, credal__result_hid(out)))) goto cleanup;
  const double elapsed = credal__now_seconds() - started;
  st = credal__result_finish(out, elapsed);
  out = NULL;
  if (st || (st = credal__sync_file(partial)) ||
      (st = credal__publish(partial, output_path, options->force)))
    goto cleanup;
  partial_created = 0;

  if (summary) {
    memset(summary, 0, sizeof *summary);
    snprintf(summary->backend, sizeof summary->backend, "%s", backend->name);
    snprintf(summary->device, sizeof summary->device, "%s", backend->device);
    snprintf(summary->precision, sizeof summary->precision, "%s", options->precision_f32 ? "f32" : "f64");
    summary->hypotheses = H, summary->generators = s->generators, summary->dim = d;
    summary->policies = P, summary->prior_set_size = Q;
    summary->chunks = stats.chunks, summary->chunk_rows_max = stats.chunk_rows_max;
    summary->elapsed_seconds = elapsed;
    summary->maximin = choices.maximin;
    summary->maximin_value = acc->class_lower[choices.maximin];
    summary->minimax_regret = choices.minimax_regret;
    summary->minimax_regret_value = acc->worst_regret[choices.minimax_regret];
    summary->bayes = choices.bayes;
    summary->bayes_value = choices.bayes >= 0 ? acc->bayes_regret[choices.bayes] : NAN;
    summary->credal = choices.credal;
    summary->credal_value = choices.credal >= 0 ? credal_regret[choices.credal] : NAN;
    summary->set_minimax_regret = -1;
    summary->set_minimax_regret_value = NAN;
    if (rules && class_rules.masks) { /* (an MPI rank's share: rank 0 finishes the class) */
      summary->set_minimax_regret = class_rules.set_minimax_regret;
      if (class_rules.set_regret)
        summary->set_minimax_regret_value = class_rules.set_regret[class_rules.set_minimax_regret];
      for (int r = 0; r < CREDAL_RULE_COUNT; r++)
        for (int64_t p = 0; p < P; p++) summary->class_kept[r] += class_rules.masks[r * P + p];
    }
  }

cleanup:
  credal__result_abandon(out);
  /* Keep an interrupted run's partial output; remove a failed one so nothing half-written stays. */
  if (partial_created && st != CREDAL_OK && st != CREDAL_EINTERRUPTED && st != CREDAL_EEXIST)
    unlink(partial);
  credal__rules_class_free(&class_rules);
  credal__rules_destroy(rules);
  credal__backend_destroy(backend);
  credal_input_close(in);
  credal__pool_destroy(pool);
  free(utility);
  free(credal_regret);
  free(credal_prior);
  free(partial);
  return st;
}
