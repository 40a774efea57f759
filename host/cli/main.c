/* credal: the command-line entry point; dispatches to one file per subcommand. */
#include <stdio.h>
#include <string.h>

#include "../ranks.h"
#include "cli.h"

static int dispatch(int argc, char **argv);

static void usage(FILE *f) {
  fprintf(f,
          "credal %s — batch evaluator for imprecise-probability and infra-Bayesian decisions\n"
          "\n"
          "usage: credal COMMAND [OPTIONS]\n"
          "\n"
          "commands:\n"
          "  eval INPUT.h5 -o OUTPUT.h5   lower expectations, regret and choices\n"
          "  gen -o FILE.h5 ...           write a synthetic credal-batch (or --mdp) input\n"
          "  validate INPUT.h5            check an input fully and list every problem\n"
          "  info FILE.h5                 summarise an input or a result\n"
          "  convert CONS.h5 -o INPUT.h5  linear constraints to vertices (cddlib)\n"
          "  import-prism M.tra -o M.h5   PRISM's explicit interval MDPs to a credal-mdp input\n"
          "\n"
          "'credal COMMAND --help' explains a command; 'credal --version' prints the version.\n",
          credal_version());
}

int main(int argc, char **argv) {
  credal__ranks_init(&argc, &argv); /* MPI, in an MPI build: every rank runs main */
  const int rc = dispatch(argc, argv);
  credal__ranks_finalize();
  return rc;
}

static int dispatch(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 64;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
    printf("credal %s\n", credal_version());
    return 0;
  }
  if (!strcmp(cmd, "eval")) return credal__cli_eval(argc - 1, argv + 1);
  if (!strcmp(cmd, "gen")) return credal__cli_gen(argc - 1, argv + 1);
  if (!strcmp(cmd, "validate")) return credal__cli_validate(argc - 1, argv + 1);
  if (!strcmp(cmd, "info")) return credal__cli_info(argc - 1, argv + 1);
  if (!strcmp(cmd, "convert")) return credal__cli_convert(argc - 1, argv + 1);
  if (!strcmp(cmd, "import-prism")) return credal__cli_import_prism(argc - 1, argv + 1);
  fprintf(stderr, "credal: unknown command '%s'\n", cmd);
  usage(stderr);
  return 64;
}
