/* credal gen --mdp: writes a synthetic credal-mdp input file (host/gen_mdp.c does the work). */
#include "../gen_mdp.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
    "usage: credal gen --mdp -o FILE.h5 --states S --actions A --successors K\n"
    "                  --hypotheses H --policies P [options]\n"
    "\n"
    "Writes a synthetic credal-mdp v1 input (SPEC §10): one random structure (each state's A\n"
    "actions, each action's K distinct successor states) shared by H hypotheses, each drawing\n"
    "its own credal set per state-action around a Dirichlet nominal law. The same options and\n"
    "seed give the same bytes on every platform.\n"
    "\n"
    "Options:\n"
    "      --sets FAMILY      intervals (default): lower q U, upper q + (1-q) U U';\n"
    "                         tv-balls or contamination: radius / epsilon uniform in [0, 0.5)\n"
    "      --objective OBJ    discounted (default; rewards uniform in [0, 1)) or reach\n"
    "      --discount G       discounted: G in [0, 1) (1 with a horizon), default 0.95\n"
    "      --horizon T        steps (default 0: infinite)\n"
    "      --targets F        reach: the chance of each state being a target (default 0.01;\n"
    "                         the last state always is)\n"
    "      --epsilon E        the /mdp epsilon attribute (default 1e-9)\n"
    "      --ragged           each state's action count uniform in 1 .. A\n"
    "      --concentration A  the nominal laws' Dirichlet parameter (default 1)\n"
    "      --randomised       randomised policies (/policies/probabilities, Dirichlet(1))\n"
    "      --prior            /hypotheses/prior, a Dirichlet(1) prior over the H\n"
    "      --prior-set Q      /hypotheses/prior_set, Q Dirichlet(1) priors\n"
    "      --seed S           random seed (default 1)\n"
    "  -f, --force            replace FILE.h5 if it exists\n"
    "  -q, --quiet            print nothing on success\n"
    "\n"
    "Example:\n"
    "  credal gen --mdp -o mdp.h5 --states 50000 --actions 4 --successors 10 \\\n"
    "             --hypotheses 20 --policies 100\n"
    "  credal eval mdp.h5 -o mdp-result.h5\n";

enum {
  OPT_MDP = 256,
  OPT_STATES,
  OPT_ACTIONS,
  OPT_SUCCESSORS,
  OPT_HYPOTHESES,
  OPT_POLICIES,
  OPT_SETS,
  OPT_OBJECTIVE,
  OPT_DISCOUNT,
  OPT_HORIZON,
  OPT_TARGETS,
  OPT_EPSILON,
  OPT_RAGGED,
  OPT_CONCENTRATION,
  OPT_RANDOMISED,
  OPT_PRIOR,
  OPT_PRIOR_SET,
  OPT_SEED
};

static const struct option long_options[] = {
    {"mdp", no_argument, NULL, OPT_MDP},
    {"output", required_argument, NULL, 'o'},
    {"states", required_argument, NULL, OPT_STATES},
    {"actions", required_argument, NULL, OPT_ACTIONS},
    {"successors", required_argument, NULL, OPT_SUCCESSORS},
    {"hypotheses", required_argument, NULL, OPT_HYPOTHESES},
    {"policies", required_argument, NULL, OPT_POLICIES},
    {"sets", required_argument, NULL, OPT_SETS},
    {"objective", required_argument, NULL, OPT_OBJECTIVE},
    {"discount", required_argument, NULL, OPT_DISCOUNT},
    {"horizon", required_argument, NULL, OPT_HORIZON},
    {"targets", required_argument, NULL, OPT_TARGETS},
    {"epsilon", required_argument, NULL, OPT_EPSILON},
    {"ragged", no_argument, NULL, OPT_RAGGED},
    {"concentration", required_argument, NULL, OPT_CONCENTRATION},
    {"randomised", no_argument, NULL, OPT_RANDOMISED},
    {"prior", no_argument, NULL, OPT_PRIOR},
    {"prior-set", required_argument, NULL, OPT_PRIOR_SET},
    {"seed", required_argument, NULL, OPT_SEED},
    {"force", no_argument, NULL, 'f'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The index of text in names (n of them), or -1. */
static int pick(const char *text, const char *const *names, int n) {
  for (int i = 0; i < n; i++)
    if (!strcmp(text, names[i])) return i;
  return -1;
}

/* One option's value into o; 0, or the usage error's exit status. */
static int parse_option(int c, const char *arg, credal__gen_mdp_options *o, int *given) {
  static const char *const sets[] = {"intervals", "tv-balls", "contamination"};
  static const char *const objectives[] = {"discounted", "reach"};
  static const char *const size_names[] = {"--states", "--actions", "--successors", "--hypotheses",
                                           "--policies"};
  int64_t *sizes[] = {&o->states, &o->actions, &o->successors, &o->hypotheses, &o->policies};
  const char *sub = "gen";
  int i;
  switch (c) {
    case OPT_STATES:
    case OPT_ACTIONS:
    case OPT_SUCCESSORS:
    case OPT_HYPOTHESES:
    case OPT_POLICIES:
      i = c - OPT_STATES;
      if (credal__parse_int(arg, 1, (int64_t)1 << 40, sizes[i]))
        return credal__cli_usage_error(sub, "%s wants a whole number >= 1, not '%s'", size_names[i],
                                       arg);
      given[i] = 1;
      return 0;
    case OPT_SETS:
      if ((i = pick(arg, sets, 3)) < 0)
        return credal__cli_usage_error(sub,
                                       "--sets wants intervals, tv-balls or contamination, "
                                       "not '%s'",
                                       arg);
      o->sets = (credal_mdp_sets)i;
      return 0;
    case OPT_OBJECTIVE:
      if ((i = pick(arg, objectives, 2)) < 0)
        return credal__cli_usage_error(sub, "--objective wants discounted or reach, not '%s'", arg);
      o->objective = (credal_mdp_objective)i;
      return 0;
    case OPT_DISCOUNT:
    case OPT_TARGETS:
    case OPT_EPSILON:
    case OPT_CONCENTRATION: {
      double *v = c == OPT_DISCOUNT  ? &o->discount
                  : c == OPT_TARGETS ? &o->targets
                  : c == OPT_EPSILON ? &o->epsilon
                                     : &o->concentration;
      if (credal__parse_double(arg, v) || !(*v > 0 || (c == OPT_DISCOUNT && *v == 0)))
        return credal__cli_usage_error(sub, "option wants a positive number, not '%s'", arg);
      return 0;
    }
    case OPT_HORIZON:
      if (credal__parse_int(arg, 0, INT32_MAX, &o->horizon))
        return credal__cli_usage_error(sub, "--horizon wants a count >= 0, not '%s'", arg);
      return 0;
    case OPT_PRIOR_SET:
      if (credal__parse_int(arg, 1, 1 << 20, &o->prior_set))
        return credal__cli_usage_error(sub, "--prior-set wants a count >= 1, not '%s'", arg);
      return 0;
    case OPT_SEED:
      if (credal__parse_seed(arg, &o->seed))
        return credal__cli_usage_error(sub, "--seed wants a whole number in 0 .. 2^64-1, not '%s'",
                                       arg);
      return 0;
  }
  return credal__cli_usage_error(sub, "unknown option");
}

int credal__cli_gen_mdp(int argc, char **argv) {
  const char *sub = "gen";
  credal__gen_mdp_options o;
  credal__gen_mdp_options_init(&o);
  int quiet = 0, given[5] = {0, 0, 0, 0, 0}, rc;
  optind = 0;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, ":o:fqh", long_options, NULL)) != -1;) {
    switch (c) {
      case OPT_MDP:
        break;
      case 'o':
        o.path = optarg;
        break;
      case OPT_RAGGED:
        o.ragged = 1;
        break;
      case OPT_RANDOMISED:
        o.randomised = 1;
        break;
      case OPT_PRIOR:
        o.prior = 1;
        break;
      case 'f':
        o.force = 1;
        break;
      case 'q':
        quiet = 1;
        break;
      case 'h':
        fputs(usage_text, stdout);
        return 0;
      case ':':
        return credal__cli_usage_error(sub, "option '%s' needs a value", argv[optind - 1]);
      case '?':
        return credal__cli_usage_error(sub, "unknown option '%s' (with --mdp)", argv[optind - 1]);
      default:
        if ((rc = parse_option(c, optarg, &o, given))) return rc;
    }
  }
  if (optind < argc) return credal__cli_usage_error(sub, "unexpected argument '%s'", argv[optind]);
  static const char *const required[] = {"--states", "--actions", "--successors", "--hypotheses",
                                         "--policies"};
  for (int i = 0; i < 5; i++)
    if (!given[i]) return credal__cli_usage_error(sub, "--mdp needs %s", required[i]);
  o.interrupt = credal__cli_stop_flag();
  credal_status st = credal__gen_mdp(&o);
  if (st == CREDAL_EUSAGE) return credal__cli_usage_error(sub, "%s", credal_last_error());
  if (st) return credal__cli_report(sub, st);
  if (!quiet)
    printf(
        "wrote %s: %lld credal MDPs of %lld states, %lld%s actions, %lld successors, "
        "%lld policies\n",
        o.path, (long long)o.hypotheses, (long long)o.states, (long long)o.actions,
        o.ragged ? " (at most)" : "",
        (long long)(o.successors < o.states ? o.successors : o.states), (long long)o.policies);
  return 0;
}
