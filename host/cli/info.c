/* credal info FILE.h5: a summary of an input (sizes) or a result (choices, top policies). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../io/batch_reader.h"
#include "../../io/constraints.h"
#include "../../io/mdp_reader.h"
#include "../../io/result_reader.h"
#include "cli.h"

/* The number of a family's first hypothesis: they come family after family. */
static int64_t family_first(const credal_input_summary *s, int f) {
  int64_t first = 0;
  for (int g = 0; g < f; g++) first += s->family_hypotheses[g];
  return first;
}

static int info_input(const char *path) {
  credal_input *in;
  credal_status st = credal_input_open(path, &in);
  if (st) return credal__cli_report("info", st);
  const credal_input_summary *s = credal_input_describe(in);
  printf("%s: credal-batch v1 input\n", path);
  const int64_t *fh = s->family_hypotheses;
  printf("  hypotheses    %lld\n", (long long)s->hypotheses);
  if (fh[CREDAL_FAMILY_GENERATORS])
    printf("    generators    %lld (%lld rows, at most %lld in one)\n",
           (long long)fh[CREDAL_FAMILY_GENERATORS], (long long)s->generators,
           (long long)s->max_generators);
  static const char *const label[CREDAL_FAMILY_COUNT] = {
      NULL, "tv balls", "contaminated", "intervals", "belief"};
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) {
    if (!fh[f]) continue;
    printf("    %-13s %lld (hypotheses %lld..%lld)", label[f], (long long)fh[f],
           (long long)family_first(s, f),
           (long long)(family_first(s, f) + fh[f] - 1));
    if (f == CREDAL_FAMILY_BELIEF) printf(", %lld focal sets", (long long)s->focal_sets);
    printf("\n");
  }
  printf("  dimension     d = %lld\n", (long long)s->dim);
  printf("  policies      %lld\n", (long long)s->policies);
  printf("  kind          %s (tolerance %g)\n", credal_kind_name(s->kind), s->tolerance);
  if (fh[CREDAL_FAMILY_GENERATORS])
    printf("  points        %s%s\n", s->points_f32 ? "float32" : "float64",
           s->has_constants ? ", with constants b_k" : "");
  printf("  utility       %s\n", s->utility_f32 ? "float32" : "float64");
  printf("  prior         %s\n", s->has_prior ? "yes" : "no");
  if (s->prior_set_size) printf("  prior set     %lld priors\n", (long long)s->prior_set_size);
  else printf("  prior set     no\n");
  credal_input_close(in);
  return 0;
}

static int info_mdp(const char *path) {
  credal__problems sink;
  credal__problems_init(&sink, NULL, NULL, 0);
  credal__mdp_input *in = NULL;
  credal_status st = credal__mdp_open(path, NULL, 0, &sink, &in);
  if (st) return credal__cli_report("info", sink.count ? credal__problems_status(&sink) : st);
  const credal__mdp_summary *s = credal__mdp_describe(in);
  static const char *const sets[] = {"intervals [lower, upper]", "TV balls around a nominal law",
                                     "epsilon-contamination of a nominal law"};
  printf("%s: credal-mdp v1 input (credal Markov decision processes)\n", path);
  printf("  hypotheses    %lld MDPs, one structure\n", (long long)s->hypotheses);
  printf("  states        S = %lld (at most %d actions in one)\n", (long long)s->states,
         s->max_choices);
  printf("  choices       C = %lld, N = %lld transitions\n", (long long)s->choices,
         (long long)s->transitions);
  printf("  sets          %s\n", sets[s->sets]);
  if (s->objective == CREDAL_MDP_DISCOUNTED)
    printf("  objective     discounted reward, discount %g", s->discount);
  else
    printf("  objective     reach the target%s", s->has_avoid ? " before avoid" : "");
  if (s->horizon > 0) printf(", horizon %lld steps\n", (long long)s->horizon);
  else printf(", infinite horizon (epsilon %g)\n", s->epsilon);
  printf("  initial       %s\n", s->has_initial ? "/mdp/initial" : "state 0");
  printf("  policies      %lld %s\n", (long long)s->policies,
         s->randomised ? "randomised (probabilities)" : "deterministic (action)");
  printf("  prior         %s\n", s->has_prior ? "yes" : "no");
  if (s->prior_set_size) printf("  prior set     %lld priors\n", (long long)s->prior_set_size);
  else printf("  prior set     no\n");
  credal__mdp_close(in);
  return 0;
}

static int info_constraints(const char *path) {
  credal__problems sink;
  credal__problems_init(&sink, NULL, NULL, 0);
  credal__constraints c;
  credal_status st = credal__constraints_read(path, &sink, &c);
  if (st) return credal__cli_report("info", sink.count ? credal__problems_status(&sink) : st);
  int64_t most = 0;
  for (int64_t h = 0; h < c.hypotheses; h++)
    if (c.offsets[h + 1] - c.offsets[h] > most) most = c.offsets[h + 1] - c.offsets[h];
  printf("%s: credal-constraints v1 (credal sets as {q in the simplex : A_h q <= b_h})\n", path);
  printf("  hypotheses    %lld\n", (long long)c.hypotheses);
  printf("  constraints   %lld rows of /constraints/A (at most %lld in one hypothesis)\n",
         (long long)c.rows, (long long)most);
  printf("  dimension     d = %lld\n", (long long)c.dim);
  printf("  policies      %lld\n", (long long)c.policies);
  printf("  prior         %s\n", c.prior ? "yes" : "no");
  if (c.prior_set_size) printf("  prior set     %lld priors\n", (long long)c.prior_set_size);
  else printf("  prior set     no\n");
  printf("  `credal convert %s -o INPUT.h5` enumerates the vertices for credal eval\n", path);
  credal__constraints_free(&c);
  return 0;
}

/* Where the policies' names come from: the result's /names/policies, or for a result written
 * before the names travelled with it, the input it names (when still there and matching). */
typedef struct {
  const char *result;
  const credal_input *in;
} labels;

static void policy_label(const labels *l, int64_t p, char *buf, size_t cap) {
  credal__file_label(l->result, "/names/policies", p, buf, cap);
  if (!buf[0] && l->in) credal_input_policy_name(l->in, p, buf, cap);
}

/* Prints the `top` best policies of v (largest first when descending, else smallest), lowest
 * index first among equals: repeated selection, O(top * P), no sort of the whole vector. */
static void print_top(const char *title, const double *v, int64_t P, int descending, int64_t top,
                      const labels *in) {
  char *taken = calloc((size_t)P, 1);
  if (!taken) return;
  printf("  top policies by %s:\n", title);
  for (int64_t r = 0; r < top && r < P; r++) {
    int64_t best = -1;
    for (int64_t p = 0; p < P; p++) {
      if (taken[p]) continue;
      if (best < 0 || (descending ? v[p] > v[best] : v[p] < v[best])) best = p;
    }
    taken[best] = 1;
    char name[64] = "";
    policy_label(in, best, name, sizeof name);
    printf("    %2lld. policy %-8lld %-16s %.10g\n", (long long)(r + 1), (long long)best, name,
           v[best]);
  }
  free(taken);
}

/* "  maximal             4 of 6: 0 X1, 1 X2, 2 X3, 4 X5" (at most `top` names, then a count). */
static void print_kept(const char *label, const double *mask, int64_t P, int64_t top,
                       const labels *in) {
  int64_t kept = 0, shown = 0;
  for (int64_t p = 0; p < P; p++) kept += mask[p] != 0;
  printf("    %-20s %lld of %lld:", label, (long long)kept, (long long)P);
  for (int64_t p = 0; p < P && shown < top; p++) {
    if (!mask[p]) continue;
    char name[64] = "";
    policy_label(in, p, name, sizeof name);
    printf("%s %lld%s%s", shown ? "," : "", (long long)p, name[0] ? " " : "", name);
    shown++;
  }
  if (kept > shown) printf(", ... (%lld more)", (long long)(kept - shown));
  printf("\n");
}

/* The policies each rule keeps, for the class or (hypothesis >= 0) one hypothesis. */
static credal_status print_rules(const char *path, const credal__result_info *r, int64_t hypothesis,
                                 int64_t top, const labels *in, double *v) {
  const int64_t P = r->policies;
  char dataset[64];
  credal_status st = CREDAL_OK;
  if (hypothesis >= 0) printf("  decision rules, hypothesis %lld (policies kept):\n", (long long)hypothesis);
  else printf("  decision rules, the whole class (policies kept; --hypothesis H for one):\n");
  for (int rule = 0; rule < CREDAL_RULE_COUNT && !st; rule++) {
    if (!(r->rules & (1u << rule))) continue;
    const char *name = credal_rule_name((credal_rule)rule);
    if (hypothesis >= 0) {
      snprintf(dataset, sizeof dataset, "/rules/%s", name);
      st = credal__result_read_row(path, dataset, hypothesis, P, v);
    } else {
      snprintf(dataset, sizeof dataset, "/rules/class/%s", name);
      st = credal__result_read_vector(path, dataset, P, v);
    }
    if (!st) print_kept(name, v, P, 32, in);
  }
  if (!st && (r->rules & CREDAL_RULES_SET_REGRET)) {
    st = hypothesis >= 0 ? credal__result_read_row(path, "/rules/set_regret", hypothesis, P, v)
                         : credal__result_read_vector(path, "/rules/class/set_regret", P, v);
    if (!st) print_top("regret within the credal set(s) (set_regret, lower is better)", v, P, 0, top, in);
  }
  return st;
}

/* A credal-mdp result: each hypothesis's robust optimum (the first 8), which /regret is
 * measured against. Nothing for other results. */
static void print_mdp_optima(const char *path, int64_t H) {
  double *v = malloc((size_t)H * sizeof *v);
  if (!v || credal__result_read_vector(path, "/optimal/value", H, v)) {
    credal__clear_error();
    free(v);
    return;
  }
  printf("  model         credal MDPs; /regret against each hypothesis's robust optimum\n");
  printf("  optimum       /optimal/value:");
  for (int64_t h = 0; h < H && h < 8; h++) printf(" %.10g", v[h]);
  printf("%s\n", H > 8 ? " ..." : "");
  free(v);
}

static int info_result(const char *path, int64_t top, int64_t hypothesis) {
  credal__result_info r;
  credal_status st = credal__result_read_info(path, &r);
  if (st) return credal__cli_report("info", st);
  printf("%s: credal-result v%lld%s\n", path, (long long)r.version,
         r.complete == 1 ? "" : "  (INCOMPLETE: the run did not finish)");
  printf("  input         %s\n", r.input);
  printf("  sizes         %lld hypotheses x %lld policies%s%s\n", (long long)r.hypotheses,
         (long long)r.policies, r.has_upper ? ", with upper expectations" : "",
         r.policy_only ? " (--outputs policy: per-policy results only)" : "");
  printf("  backend       %s (%s) on %s, credal %s, %.3f s\n", r.backend, r.precision, r.device,
         r.credal_version, r.elapsed_seconds);
  if (r.complete != 1) return 0;
  print_mdp_optima(path, r.hypotheses);
  const int64_t P = r.policies;
  /* Labels come from the input the result names, when it is still there and still matches. */
  credal_input *in = NULL;
  if (credal_input_open(r.input, &in) != CREDAL_OK) in = NULL;
  if (in && credal_input_describe(in)->policies != P) credal_input_close(in), in = NULL;
  const labels names = {path, in};
  double *v = malloc((size_t)P * sizeof(double));
  if (!v) {
    credal_input_close(in);
    return credal__cli_report("info", credal__fail(CREDAL_ENOMEM, "out of memory"));
  }
  struct {
    const char *label, *dataset, *criterion;
    int available, descending;
    int64_t choice;
  } rows[4] = {
      {"maximin", "/policy/class_lower", "class lower expectation (higher is better)", 1, 1, r.choice[0]},
      {"minimax regret", "/policy/worst_regret", "worst-case regret across hypotheses (lower is better)", 1, 0, r.choice[1]},
      {"bayes", "/policy/bayes_regret", "Bayesian regret (lower is better)", r.has_bayes, 0, r.choice[2]},
      {"credal", "/policy/credal_regret", "credal-prior regret (lower is better)", r.has_credal, 0, r.choice[3]},
  };
  printf("  choices:\n");
  for (int i = 0; i < 4; i++) {
    if (!rows[i].available || rows[i].choice < 0) {
      printf("    %-15s n/a\n", rows[i].label);
      continue;
    }
    if ((st = credal__result_read_vector(path, rows[i].dataset, P, v))) break;
    char name[64] = "";
    policy_label(&names, rows[i].choice, name, sizeof name);
    printf("    %-15s policy %lld%s%s  (%s %.10g)\n", rows[i].label, (long long)rows[i].choice,
           name[0] ? " " : "", name, rows[i].dataset, v[rows[i].choice]);
  }
  if (!st && r.set_minimax_regret >= 0 &&
      !(st = credal__result_read_vector(path, "/rules/class/set_regret", P, v))) {
    char name[64] = "";
    policy_label(&names, r.set_minimax_regret, name, sizeof name);
    printf("    %-15s policy %lld%s%s  (/rules/class/set_regret %.10g: regret within the sets)\n",
           "set minimax", (long long)r.set_minimax_regret, name[0] ? " " : "", name,
           v[r.set_minimax_regret]);
  }
  for (int i = 0; i < 4 && !st && top > 0; i++) {
    if (!rows[i].available) continue;
    if ((st = credal__result_read_vector(path, rows[i].dataset, P, v))) break;
    print_top(rows[i].criterion, v, P, rows[i].descending, top, &names);
  }
  if (!st && hypothesis >= r.hypotheses)
    st = credal__fail(CREDAL_EUSAGE, "--hypothesis %lld: %s has %lld hypotheses", (long long)hypothesis,
                      path, (long long)r.hypotheses);
  if (!st && hypothesis >= 0 && r.policy_only)
    st = credal__fail(CREDAL_EUSAGE, "--hypothesis lists one hypothesis's rows, and %s was "
                      "written with --outputs policy (no per-hypothesis rows)", path);
  if (!st && hypothesis >= 0 && !r.rules)
    st = credal__fail(CREDAL_EUSAGE, "--hypothesis lists the decision rules of one hypothesis, and "
                      "%s has none (evaluate with --rules)", path);
  if (!st && r.rules) st = print_rules(path, &r, -1, top, &names, v);
  if (!st && r.rules && hypothesis >= 0) st = print_rules(path, &r, hypothesis, top, &names, v);
  free(v);
  credal_input_close(in);
  if (st) return credal__cli_report("info", st);
  return 0;
}

int credal__cli_info(int argc, char **argv) {
  static const struct option longopts[] = {
      {"top", required_argument, 0, 't'}, {"hypothesis", required_argument, 0, 'H'},
      {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  int64_t top = 5, hypothesis = -1;
  int c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "t:H:h", longopts, NULL)) != -1) {
    switch (c) {
      case 't':
        if (credal__parse_int(optarg, 0, INT32_MAX, &top))
          return credal__cli_usage_error("info", "--top wants a count, got '%s'", optarg);
        break;
      case 'H':
        if (credal__parse_int(optarg, 0, INT64_MAX, &hypothesis))
          return credal__cli_usage_error("info", "--hypothesis wants a hypothesis index, got '%s'", optarg);
        break;
      case 'h':
        printf("usage: credal info FILE.h5 [--top N] [--hypothesis H]\n"
               "\n"
               "Summarises a credal-batch or credal-mdp input (sizes, kind, priors) or a credal-result\n"
               "(backend, sizes, the chosen policy under each criterion and the top N policies\n"
               "under each, default 5; with --rules results, the policies each decision rule\n"
               "keeps for the class, and with --hypothesis H for hypothesis H too).\n");
        return 0;
      default: return credal__cli_usage_error("info", "unknown option");
    }
  }
  if (optind != argc - 1) return credal__cli_usage_error("info", "wants exactly one FILE.h5");
  const char *path = argv[optind];
  char schema[64];
  credal_status st = credal__file_schema(path, schema, sizeof schema);
  if (st) return credal__cli_report("info", st);
  if (!strcmp(schema, "credal-batch")) return info_input(path);
  if (!strcmp(schema, "credal-result")) return info_result(path, top, hypothesis);
  if (!strcmp(schema, "credal-constraints")) return info_constraints(path);
  if (!strcmp(schema, "credal-mdp")) return info_mdp(path);
  credal__fail(CREDAL_EDATA,
               "%s: not a credal-batch, credal-mdp, credal-result or credal-constraints file "
               "(schema \"%s\")",
               path, schema);
  return credal__cli_report("info", CREDAL_EDATA);
}
