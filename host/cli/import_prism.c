/* credal import-prism: PRISM explicit interval MDPs to a credal-mdp input
 * (host/import_prism.c does the work). */
#include "../import_prism.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char usage_text[] =
    "usage: credal import-prism MODEL.tra [MORE.tra ...] --lab FILE --target LABEL\n"
    "                           [--avoid LABEL] [--horizon T] [--epsilon E] -o MDP.h5\n"
    "\n"
    "Reads PRISM's explicit MDP format: a .tra file (first line \"S C N\", then one transition\n"
    "per line, \"src choice dst value [action]\", value a probability or an interval [lo,hi];\n"
    "'#' lines are comments) and a .lab file (the labels). Writes a credal-mdp v1 input with\n"
    "the reach objective: reach the states labelled TARGET (before any labelled AVOID), within\n"
    "T steps (default 0: an infinite horizon). Several .tra files of one structure (the same\n"
    "states, choices and successors) become one hypothesis each. The initial distribution is\n"
    "uniform over the states labelled \"init\" (state 0 without one). The file gets one policy,\n"
    "action 0 in every state: replace /policies/action with the policies to compare.\n"
    "\n"
    "  -o, --output MDP.h5   the file to write (as MDP.h5.partial, renamed when complete)\n"
    "  -f, --force           replace MDP.h5 if it exists\n"
    "  -q, --quiet           print nothing on success\n";

int credal__cli_import_prism(int argc, char **argv) {
  static const struct option longopts[] = {
      {"lab", required_argument, 0, 'l'},     {"target", required_argument, 0, 't'},
      {"avoid", required_argument, 0, 'a'},   {"horizon", required_argument, 0, 'T'},
      {"epsilon", required_argument, 0, 'e'}, {"output", required_argument, 0, 'o'},
      {"force", no_argument, 0, 'f'},         {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
  const char *sub = "import-prism";
  credal__import_prism_options o = {0};
  int quiet = 0;
  optind = 0;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, ":o:fqh", longopts, NULL)) != -1;) {
    switch (c) {
      case 'l':
        o.lab = optarg;
        break;
      case 't':
        o.target = optarg;
        break;
      case 'a':
        o.avoid = optarg;
        break;
      case 'T':
        if (credal__parse_int(optarg, 0, INT32_MAX, &o.horizon))
          return credal__cli_usage_error(sub, "--horizon wants a count >= 0, not '%s'", optarg);
        break;
      case 'e':
        if (credal__parse_double(optarg, &o.epsilon) || !(o.epsilon > 0 && o.epsilon < 1))
          return credal__cli_usage_error(sub, "--epsilon wants a number in (0, 1), not '%s'",
                                         optarg);
        break;
      case 'o':
        o.output = optarg;
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
      default:
        return credal__cli_usage_error(sub, "unknown option '%s'", argv[optind - 1]);
    }
  }
  o.tra = (const char *const *)argv + optind;
  o.files = argc - optind;
  if (o.files < 1) return credal__cli_usage_error(sub, "wants at least one MODEL.tra");
  if (!o.output) return credal__cli_usage_error(sub, "missing -o MDP.h5");
  if (!o.lab || !o.target)
    return credal__cli_usage_error(sub,
                                   "needs --lab FILE and --target LABEL (the states to reach)");
  const credal_status st = credal__import_prism(&o);
  if (st) return credal__cli_report(sub, st);
  if (!quiet)
    printf("wrote %s: %d hypothes%s from PRISM, target \"%s\"%s\n", o.output, o.files,
           o.files == 1 ? "is" : "es", o.target, o.horizon ? "" : ", infinite horizon");
  return 0;
}
