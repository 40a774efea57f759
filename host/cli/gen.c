/* credal gen: writes a synthetic credal-batch input file (host/gen.c does the work). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../gen.h"
#include "../../io/codec.h"
#include "cli.h"

static const char usage_text[] =
    "usage: credal gen -o FILE.h5 --hypotheses H --points K --dim D --policies P [options]\n"
    "\n"
    "Writes a synthetic credal-batch v1 input file. The same options and seed give the same\n"
    "bytes on every platform; memory use does not grow with H.\n"
    "\n"
    "Required:\n"
    "  -o, --output FILE.h5   the file to write (as FILE.h5.partial, renamed when complete)\n"
    "      --hypotheses H     number of hypotheses (credal sets), H >= 1\n"
    "      --points K         generators per hypothesis (their mean with --ragged), K >= 1\n"
    "      --dim D            outcome coordinates per generator and policy, D >= 1\n"
    "      --policies P       number of policies (rows of /policies/utility), P >= 1\n"
    "\n"
    "Options:\n"
    "      --kind KIND        what the generators are (the /hypotheses attr kind):\n"
    "                           distribution  probability vectors drawn Dirichlet(A) (default)\n"
    "                           measure       Dirichlet(A) rows times a scale in (0, 1]\n"
    "                           payoff        entries uniform in [-1, 1)\n"
    "      --seed S           random seed, 0 .. 2^64-1, decimal or 0x hex (default 1)\n"
    "      --concentration A  Dirichlet parameter A > 0 (default 1; small A, sparse rows)\n"
    "      --ragged           draw each hypothesis's generator count uniformly from 1 .. 2K-1\n"
    "      --constants        also write /hypotheses/constants b_k: uniform in [0, 0.5) for\n"
    "                         measure, normal with sd 0.1 otherwise\n"
    "      --prior            also write /hypotheses/prior, a Dirichlet(1) prior over the H\n"
    "      --prior-set Q      also write /hypotheses/prior_set, Q Dirichlet(1) priors (Q, H)\n"
    "      --float32          store points and utility as float32 (default float64)\n"
    "      --compression C    gzip[:LEVEL] (default gzip:1, shuffled), zstd[:LEVEL], lz4 or none\n"
    "\n"
    "Structured credal sets (after the generator hypotheses; with any of them, --hypotheses\n"
    "may be 0 and --points is then not needed):\n"
    "      --tv-balls N       N total-variation balls: Dirichlet(A) centers, radius in [0, 0.5)\n"
    "      --contamination N  N epsilon-contaminated sets: centers as above, epsilon in [0, 0.5)\n"
    "      --intervals N      N probability-interval sets around Dirichlet(A) distributions\n"
    "      --belief N         N belief functions of 1 .. 2F-1 random focal sets each\n"
    "      --focal-sets F     the mean F of focal sets per belief function (default 4)\n"
    "  -f, --force            replace FILE.h5 (and a stale FILE.h5.partial) if it exists\n"
    "  -q, --quiet            print nothing on success\n"
    "  -h, --help             show this help and exit\n"
    "\n"
    "Policy utilities are uniform in [0, 1) for every kind.\n"
    "\n"
    "credal gen --mdp writes credal MDPs instead (credal gen --mdp --help).\n"
    "\n"
    "Example:\n"
    "  credal gen -o big.h5 --hypotheses 100000 --points 32 --dim 64 --policies 256 --prior\n"
    "  credal eval big.h5 -o big-result.h5\n";

enum {
  OPT_HYPOTHESES = 256,
  OPT_POINTS,
  OPT_DIM,
  OPT_POLICIES,
  OPT_KIND,
  OPT_SEED,
  OPT_CONCENTRATION,
  OPT_RAGGED,
  OPT_CONSTANTS,
  OPT_PRIOR,
  OPT_PRIOR_SET,
  OPT_FLOAT32,
  OPT_TV_BALLS, /* the structured families, in credal_family order */
  OPT_CONTAMINATION,
  OPT_INTERVALS,
  OPT_BELIEF,
  OPT_FOCAL_SETS,
  OPT_COMPRESSION
};

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"hypotheses", required_argument, NULL, OPT_HYPOTHESES},
    {"points", required_argument, NULL, OPT_POINTS},
    {"dim", required_argument, NULL, OPT_DIM},
    {"policies", required_argument, NULL, OPT_POLICIES},
    {"kind", required_argument, NULL, OPT_KIND},
    {"seed", required_argument, NULL, OPT_SEED},
    {"concentration", required_argument, NULL, OPT_CONCENTRATION},
    {"ragged", no_argument, NULL, OPT_RAGGED},
    {"constants", no_argument, NULL, OPT_CONSTANTS},
    {"prior", no_argument, NULL, OPT_PRIOR},
    {"prior-set", required_argument, NULL, OPT_PRIOR_SET},
    {"float32", no_argument, NULL, OPT_FLOAT32},
    {"tv-balls", required_argument, NULL, OPT_TV_BALLS},
    {"contamination", required_argument, NULL, OPT_CONTAMINATION},
    {"intervals", required_argument, NULL, OPT_INTERVALS},
    {"belief", required_argument, NULL, OPT_BELIEF},
    {"focal-sets", required_argument, NULL, OPT_FOCAL_SETS},
    {"compression", required_argument, NULL, OPT_COMPRESSION},
    {"force", no_argument, NULL, 'f'},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const char *kind_names[] = {"distribution", "measure", "payoff"};

int credal__cli_gen(int argc, char **argv) {
  const char *sub = "gen";
  credal__gen_options opt;
  credal__gen_options_init(&opt);
  int64_t *sizes[] = {&opt.hypotheses, &opt.points, &opt.dim, &opt.policies};
  const char *size_names[] = {"--hypotheses", "--points", "--dim", "--policies"};
  int quiet = 0, given[4] = {0, 0, 0, 0};

  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--mdp")) return credal__cli_gen_mdp(argc, argv);
  optind = 0; /* full re-initialisation: another subcommand may have parsed before */
  opterr = 0; /* we word the errors ourselves */
  for (;;) {
    int c = getopt_long(argc, argv, ":o:fqh", long_options, NULL);
    if (c == -1) break;
    switch (c) {
      case 'o':
        opt.path = optarg;
        break;
      case OPT_HYPOTHESES:
      case OPT_POINTS:
      case OPT_DIM:
      case OPT_POLICIES: {
        int i = c - OPT_HYPOTHESES;
        if (credal__parse_int(optarg, i == 0 ? 0 : 1, INT64_MAX - 2, sizes[i]) != 0)
          return credal__cli_usage_error(sub, "%s wants a whole number >= %d, not '%s'",
                                         size_names[i], i == 0 ? 0 : 1, optarg);
        given[i] = 1;
        break;
      }
      case OPT_KIND: {
        int found = 0;
        for (int k = 0; k < 3; k++) {
          if (strcmp(optarg, kind_names[k]) == 0) {
            opt.kind = (credal_kind)k;
            found = 1;
          }
        }
        if (!found)
          return credal__cli_usage_error(
              sub, "--kind wants distribution, measure or payoff, not '%s'", optarg);
        break;
      }
      case OPT_SEED:
        if (credal__parse_seed(optarg, &opt.seed) != 0)
          return credal__cli_usage_error(
              sub, "--seed wants a whole number in 0 .. 2^64-1, not '%s'", optarg);
        break;
      case OPT_CONCENTRATION:
        if (credal__parse_double(optarg, &opt.concentration) != 0 || !(opt.concentration > 0))
          return credal__cli_usage_error(sub, "--concentration wants a number > 0, not '%s'",
                                         optarg);
        break;
      case OPT_RAGGED:
        opt.ragged = 1;
        break;
      case OPT_CONSTANTS:
        opt.constants = 1;
        break;
      case OPT_PRIOR:
        opt.prior = 1;
        break;
      case OPT_PRIOR_SET:
        if (credal__parse_int(optarg, 1, INT64_MAX, &opt.prior_set) != 0)
          return credal__cli_usage_error(sub, "--prior-set wants a whole number >= 1, not '%s'",
                                         optarg);
        break;
      case OPT_COMPRESSION: {
        credal__codec codec;
        if (credal__codec_parse(optarg, &codec))
          return credal__cli_usage_error(sub, "--compression wants gzip[:1-12], zstd[:1-22], lz4 or none, not '%s'", optarg);
        opt.compression = optarg;
        break;
      }
      case OPT_FLOAT32:
        opt.float32 = 1;
        break;
      case OPT_TV_BALLS:
      case OPT_CONTAMINATION:
      case OPT_INTERVALS:
      case OPT_BELIEF: {
        const int f = CREDAL_FAMILY_TV_BALLS + (c - OPT_TV_BALLS);
        if (credal__parse_int(optarg, 0, INT32_MAX, &opt.structured[f]) != 0)
          return credal__cli_usage_error(sub, "%s wants a whole number >= 0, not '%s'",
                                         argv[optind - 1], optarg);
        break;
      }
      case OPT_FOCAL_SETS:
        if (credal__parse_int(optarg, 1, 1 << 20, &opt.focal_sets) != 0)
          return credal__cli_usage_error(sub, "--focal-sets wants a whole number in 1 .. 2^20, "
                                         "not '%s'", optarg);
        break;
      case 'f':
        opt.force = 1;
        break;
      case 'q':
        quiet = 1;
        break;
      case 'h':
        fputs(usage_text, stdout);
        return 0;
      case ':':
        return credal__cli_usage_error(sub, "option '%s' needs a value", argv[optind - 1]);
      default: /* '?' */
        if (optopt > 0 && optopt < 256)
          return credal__cli_usage_error(sub, "unknown option '-%c'", optopt);
        if (optopt != 0) /* a long flag given a value: --ragged=1 */
          return credal__cli_usage_error(sub, "option '%s' takes no value", argv[optind - 1]);
        return credal__cli_usage_error(sub, "unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc) return credal__cli_usage_error(sub, "unexpected argument '%s'", argv[optind]);
  if (opt.path == NULL) return credal__cli_usage_error(sub, "missing -o FILE.h5");
  int64_t structured = 0;
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) structured += opt.structured[f];
  for (int i = 0; i < 4; i++) {
    const int optional = structured > 0 && (i == 0 || (i == 1 && opt.hypotheses == 0));
    if (!given[i] && !optional) return credal__cli_usage_error(sub, "missing %s", size_names[i]);
  }
  if (opt.hypotheses == 0 && structured == 0)
    return credal__cli_usage_error(sub, "--hypotheses 0 needs structured sets (--tv-balls ...)");

  /* Ctrl-C (or Slurm's SIGTERM) stops at the next block and removes FILE.partial: a generator
   * has no state worth resuming */
  opt.interrupt = credal__cli_stop_flag();
  credal_status st = credal__gen(&opt);
  if (st == CREDAL_EUSAGE) { /* bad option values found by the generator */
    return credal__cli_usage_error(sub, "%s", credal_last_error());
  }
  if (st != CREDAL_OK) return credal__cli_report(sub, st);
  if (!quiet) {
    int64_t generators = 0;
    if (credal__gen_count(&opt, &generators) != CREDAL_OK) generators = -1;
    printf("wrote %s: %lld hypotheses, %lld generators, d=%lld, %lld policies (%s, %s)",
           opt.path, (long long)(opt.hypotheses + structured), (long long)generators,
           (long long)opt.dim, (long long)opt.policies, kind_names[opt.kind],
           opt.float32 ? "float32" : "float64");
    for (int f = 1; f < CREDAL_FAMILY_COUNT; f++)
      if (opt.structured[f])
        printf(", %lld %s", (long long)opt.structured[f], credal_family_name((credal_family)f));
    printf("\n");
  }
  return credal_exit_code(CREDAL_OK);
}
