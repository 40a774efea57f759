/* credal convert CONSTRAINTS.h5 -o INPUT.h5: linear constraints to vertices (cddlib). */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static void usage(void) {
  printf(
      "usage: credal convert CONSTRAINTS.h5 -o INPUT.h5 [--exact] [--memory SIZE] [-f] [-q]\n"
      "\n"
      "Reads credal sets given by linear constraints (a credal-constraints v1 file: for each\n"
      "hypothesis h, {q in the simplex : A_h q <= b_h}; docs/schema.md), enumerates each\n"
      "set's vertices with cddlib, and writes them as a credal-batch v1 input with the same\n"
      "policies and priors, ready for credal eval.\n"
      "\n"
      "  -o, --output FILE      the credal-batch file to write (FILE.partial until complete)\n"
      "      --exact            exact GMP rational arithmetic (for degenerate constraints;\n"
      "                         slower); default cddlib's floating point\n"
      "      --memory SIZE      bound on the vertices held before writing (default 1GiB)\n"
      "  -f, --force            replace an existing output\n"
      "  -q, --quiet            print nothing on success\n"
      "\n"
      "Exit status: 0 ok, 64 usage, 65 bad data (an empty set among them), 66 cannot open,\n"
      "73 cannot create the output, 74 I/O error.\n");
}

int credal__cli_convert(int argc, char **argv) {
  enum { O_EXACT = 256, O_MEMORY };
  static const struct option longopts[] = {
      {"output", required_argument, 0, 'o'}, {"exact", no_argument, 0, O_EXACT},
      {"memory", required_argument, 0, O_MEMORY}, {"force", no_argument, 0, 'f'},
      {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  credal_convert_options opt = {0, 0, 0};
  const char *output = NULL;
  int quiet = 0, c;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:fqh", longopts, NULL)) != -1) {
    switch (c) {
      case 'o': output = optarg; break;
      case O_EXACT: opt.exact = 1; break;
      case O_MEMORY:
        if (credal__parse_size(optarg, &opt.memory_bytes) || opt.memory_bytes == 0)
          return credal__cli_usage_error("convert", "--memory wants a size such as 64MiB, got '%s'",
                                         optarg);
        break;
      case 'f': opt.force = 1; break;
      case 'q': quiet = 1; break;
      case 'h': usage(); return 0;
      case ':': return credal__cli_usage_error("convert", "option '%s' needs a value", argv[optind - 1]);
      default: return credal__cli_usage_error("convert", "unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind != argc - 1) return credal__cli_usage_error("convert", "wants exactly one CONSTRAINTS.h5");
  if (!output) return credal__cli_usage_error("convert", "-o INPUT.h5 is required");
  credal_convert_summary s;
  credal_status st = credal_convert(argv[optind], output, &opt, &s);
  if (st) return credal__cli_report("convert", st);
  if (!quiet)
    printf("wrote %s: %lld hypotheses, %lld vertices (at most %lld in one), d=%lld (%s)\n", output,
           (long long)s.hypotheses, (long long)s.vertices, (long long)s.largest, (long long)s.dim,
           opt.exact ? "exact arithmetic" : "floating point");
  return 0;
}
