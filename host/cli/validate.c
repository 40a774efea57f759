/* credal validate INPUT.h5: the full check, every problem listed (capped, with a count). */
#include <getopt.h>
#include <stdio.h>

#include "../../io/batch_reader.h"
#include "../../io/result_reader.h"
#include "cli.h"

static void print_problem(void *ctx, credal_status status, const char *message) {
  (void)ctx, (void)status;
  fprintf(stderr, "  %s\n", message);
}

static void print_warning(void *ctx, credal_status status, const char *message) {
  (void)ctx, (void)status;
  fprintf(stderr, "  warning: %s\n", message);
}

int credal__cli_validate(int argc, char **argv) {
  static const struct option longopts[] = {{"max-problems", required_argument, 0, 'm'},
                                           {"quiet", no_argument, 0, 'q'},
                                           {"allow-unknown", no_argument, 0, 'u'},
                                           {"help", no_argument, 0, 'h'},
                                           {0, 0, 0, 0}};
  int64_t max_problems = 50;
  int quiet = 0, allow_unknown = 0, c;
  optind = 0;
  while ((c = getopt_long(argc, argv, "m:qh", longopts, NULL)) != -1) {
    switch (c) {
      case 'm':
        if (credal__parse_int(optarg, 0, INT64_MAX, &max_problems))
          return credal__cli_usage_error("validate", "--max-problems wants a count, got '%s'", optarg);
        break;
      case 'q': quiet = 1; break;
      case 'u': allow_unknown = 1; break;
      case 'h':
        printf("usage: credal validate INPUT.h5 [--max-problems N] [--allow-unknown] [--quiet]\n"
               "\n"
               "Checks a credal-batch input completely — structure, every generator row, the\n"
               "policies and the priors — and lists every problem found (the first N, default\n"
               "50, then a count). Groups, datasets and attributes the schema does not define\n"
               "are problems too (typos, with the nearest known name); --allow-unknown makes\n"
               "them warnings. Exit status: 0 valid, 65 invalid data, 66 cannot open.\n");
        return 0;
      default: return credal__cli_usage_error("validate", "unknown option");
    }
  }
  if (optind != argc - 1) return credal__cli_usage_error("validate", "wants exactly one INPUT.h5");
  const char *path = argv[optind];
  int64_t problems = 0;
  if (!quiet) fprintf(stderr, "credal validate: checking %s\n", path);
  const credal__names_policy names = {allow_unknown, quiet ? NULL : print_warning, NULL};
  credal_status st =
      credal__validate(path, &names, quiet ? NULL : print_problem, NULL, max_problems, &problems);
  if (st == CREDAL_OK && problems == 0) {
    char schema[32] = "";
    if (credal__file_schema(path, schema, sizeof schema) || !schema[0]) credal__clear_error();
    if (!quiet) printf("%s: valid %s v1 input\n", path, schema[0] ? schema : "credal-batch");
    return 0;
  }
  if (problems == 0) return credal__cli_report("validate", st); /* could not run the check */
  if (problems > max_problems)
    fprintf(stderr, "  ... and %lld more\n", (long long)(problems - max_problems));
  fprintf(stderr, "%s: %lld problem%s\n", path, (long long)problems, problems == 1 ? "" : "s");
  return credal_exit_code(st);
}
