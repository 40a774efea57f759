/* credal eval INPUT.h5 -o OUTPUT.h5: the main job, with a progress bar and a summary. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../engine.h"
#include "../../io/batch_reader.h"
#include "../ranks.h"
#include "cli.h"

static volatile int interrupted; /* set by SIGINT/SIGTERM; the run stops at a chunk boundary */
static volatile sig_atomic_t signals;
static char first_words[512], again_words[512]; /* written before the handler is installed */

/* The first signal is acknowledged at once (only async-signal-safe calls here); the run then
 * finishes the chunk in flight (chunks are bounded to well under a second of work), saves
 * the resume state and exits 75. A second signal is acknowledged too and changes nothing, so
 * the state is still saved; a third kills credal at once (the default action, restored). */
static void on_signal(int sig) {
  interrupted = 1;
  const int n = ++signals;
  const char *words = n == 1 ? first_words : again_words;
  if (words[0]) {
    ssize_t said = write(STDERR_FILENO, words, strlen(words));
    (void)said;
  }
  if (n >= 2) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
  }
}

typedef struct {
  double started, last_draw;
  int drawn;
} progress_bar;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Drawn on stderr only after the first second, at most ten times a second. */
static void draw_progress(void *ctx, int64_t done, int64_t total) {
  progress_bar *bar = ctx;
  const double t = now(), elapsed = t - bar->started;
  if (elapsed < 1.0 || (done < total && t - bar->last_draw < 0.1)) return;
  bar->last_draw = t;
  bar->drawn = 1;
  const double frac = total ? (double)done / (double)total : 1.0;
  const double rate = (double)done / elapsed;
  const double eta = rate > 0 ? (double)(total - done) / rate : 0.0;
  char cells[31];
  const int filled = (int)(frac * 30);
  for (int i = 0; i < 30; i++) cells[i] = i < filled ? '#' : '.';
  cells[30] = '\0';
  fprintf(stderr, "\r[%s] %5.1f%%  %lld/%lld hypotheses  %.0f/s  ETA %.0fs   ", cells,
          100.0 * frac, (long long)done, (long long)total, rate, eta);
  fflush(stderr);
}

static void usage(void) {
  printf(
      "usage: credal eval INPUT.h5 -o OUTPUT.h5 [options]\n"
      "\n"
      "Computes, for every hypothesis h and policy p of a credal-batch input, the lower\n"
      "expectation, its minimising generator and the regret across hypotheses, then ranks the\n"
      "policies by maximin, worst-case, Bayesian and credal-prior regret (regret of lower\n"
      "expectations across the hypotheses; --rules set_regret is the regret within each set).\n"
      "See docs/math.md.\n"
      "\n"
      "  -o, --output FILE      result file (credal-result v1); written to FILE.partial first\n"
      "  --backend NAME         auto (default), reference, cpu or gpu\n"
      "  --precision f64|f32    compute precision (default f64)\n"
      "  --upper                also the upper expectation and its generator (/upper, /argmax)\n"
      "  --rules all|LIST       imprecise decision rules (SPEC §9), per hypothesis (/rules/NAME)\n"
      "                         and for the class (/rules/class/NAME): gamma_maximin,\n"
      "                         gamma_maximax, hurwicz, interval_dominance, maximal,\n"
      "                         e_admissible, and set_regret (regret within each credal set,\n"
      "                         the choice set_minimax_regret); comma-separated\n"
      "  --hurwicz ALPHA        the Hurwicz rule's optimism in [0, 1] (default 0.5)\n"
      "  --outputs all|policy   all (default): every (H, P) matrix too (/lower, /regret,\n"
      "                         /argmin, ...); policy: only the per-policy criteria, choices\n"
      "                         and class rules, and /best (H,): for very many hypotheses\n"
      "  --memory SIZE          host memory budget, e.g. 64MiB, 2G (default 1GiB); hypotheses\n"
      "                         are streamed in chunks that fit it\n"
      "  --threads N            CPU threads for the cpu backend (default: all cores)\n"
      "  --device N             GPU ordinal for the gpu backend (default 0)\n"
      "  --compression CODEC    output codec: gzip[:LEVEL] (default gzip:1, shuffled; any HDF5\n"
      "                         reads it), zstd[:LEVEL] (default level 3), lz4 (h5py needs\n"
      "                         hdf5plugin for these two) or none\n"
      "  --io-threads N         threads that decode input and encode output chunks (default:\n"
      "                         all cores; they share the cores with --threads)\n"
      "  --resume               continue the OUTPUT.partial an interrupted run left (exactly:\n"
      "                         the result equals an uninterrupted run's); without one, start\n"
      "                         afresh. A partial of another input or other options is refused\n"
      "  --allow-unknown        warn about groups, datasets and attributes the credal-batch\n"
      "                         schema does not define, instead of refusing the input (65)\n"
      "  -f, --force            replace an existing OUTPUT (and a stale OUTPUT.partial)\n"
      "  -q, --quiet            no progress bar and no summary\n"
      "\n"
      "Exit status: 0 ok, 64 usage, 65 bad data, 66 cannot open input, 69 backend unavailable,\n"
      "70 internal error, 73 cannot create output, 74 I/O error, 75 interrupted.\n");
}

static void print_warning(void *ctx, credal_status status, const char *message) {
  (void)ctx, (void)status;
  if (credal__ranks_get()->rank == 0) fprintf(stderr, "credal eval: %s\n", message);
}

/* "policy 4 X5 (2.35)": the index, the label the result carries (/names/policies), the value. */
static const char *choice_line(char *buf, size_t n, const char *result, int64_t policy,
                               double value) {
  if (policy < 0) return "n/a";
  char name[64] = "";
  credal__file_label(result, "/names/policies", policy, name, sizeof name);
  snprintf(buf, n, "policy %lld%s%s (%.10g)", (long long)policy, name[0] ? " " : "", name, value);
  return buf;
}

int credal__cli_eval(int argc, char **argv) {
  enum { O_BACKEND = 256, O_PRECISION, O_UPPER, O_MEMORY, O_THREADS, O_DEVICE, O_RESUME, O_FORCE,
         O_QUIET, O_COMPRESSION, O_IO_THREADS, O_RULES, O_HURWICZ, O_ALLOW_UNKNOWN, O_OUTPUTS };
  static const struct option longopts[] = {
      {"output", required_argument, 0, 'o'},     {"backend", required_argument, 0, O_BACKEND},
      {"precision", required_argument, 0, O_PRECISION}, {"upper", no_argument, 0, O_UPPER},
      {"memory", required_argument, 0, O_MEMORY},       {"threads", required_argument, 0, O_THREADS},
      {"device", required_argument, 0, O_DEVICE},       {"resume", no_argument, 0, O_RESUME},
      {"force", no_argument, 0, O_FORCE},               {"quiet", no_argument, 0, O_QUIET},
      {"compression", required_argument, 0, O_COMPRESSION},
      {"io-threads", required_argument, 0, O_IO_THREADS},
      {"rules", required_argument, 0, O_RULES},         {"hurwicz", required_argument, 0, O_HURWICZ},
      {"allow-unknown", no_argument, 0, O_ALLOW_UNKNOWN},
      {"outputs", required_argument, 0, O_OUTPUTS},
      {"help", no_argument, 0, 'h'},                    {0, 0, 0, 0}};
  credal_eval_options opt;
  credal_eval_options_init(&opt);
  const char *output = NULL;
  int quiet = 0, hurwicz_given = 0, c;
  int64_t n;
  optind = 0;
  opterr = 0; /* we word the errors ourselves */
  while ((c = getopt_long(argc, argv, ":o:fqh", longopts, NULL)) != -1) {
    switch (c) {
      case 'o': output = optarg; break;
      case O_BACKEND:
        if (!strcmp(optarg, "auto")) opt.backend = CREDAL_BACKEND_AUTO;
        else if (!strcmp(optarg, "reference")) opt.backend = CREDAL_BACKEND_REFERENCE;
        else if (!strcmp(optarg, "cpu")) opt.backend = CREDAL_BACKEND_CPU;
        else if (!strcmp(optarg, "gpu")) opt.backend = CREDAL_BACKEND_GPU;
        else return credal__cli_usage_error("eval", "--backend wants auto, reference, cpu or gpu, got '%s'", optarg);
        break;
      case O_PRECISION:
        if (!strcmp(optarg, "f64")) opt.precision_f32 = 0;
        else if (!strcmp(optarg, "f32")) opt.precision_f32 = 1;
        else return credal__cli_usage_error("eval", "--precision wants f64 or f32, got '%s'", optarg);
        break;
      case O_UPPER: opt.upper = 1; break;
      case O_MEMORY:
        if (credal__parse_size(optarg, &opt.memory_bytes) || opt.memory_bytes == 0)
          return credal__cli_usage_error("eval", "--memory wants a size such as 64MiB or 2G, got '%s'", optarg);
        break;
      case O_THREADS:
        if (credal__parse_int(optarg, 0, 4096, &n))
          return credal__cli_usage_error("eval", "--threads wants 0..4096, got '%s'", optarg);
        opt.threads = (int)n;
        break;
      case O_COMPRESSION: {
        credal__codec codec;
        if (credal__codec_parse(optarg, &codec))
          return credal__cli_usage_error("eval", "--compression wants gzip[:1-12], zstd[:1-22], lz4 or none, got '%s'", optarg);
        opt.compression = optarg;
        break;
      }
      case O_IO_THREADS:
        if (credal__parse_int(optarg, 0, 256, &n))
          return credal__cli_usage_error("eval", "--io-threads wants 0..256, got '%s'", optarg);
        opt.io_threads = (int)n;
        break;
      case O_RULES:
        if (credal_rules_parse(optarg, &opt.rules))
          return credal__cli_usage_error("eval", "%s", credal_last_error());
        break;
      case O_HURWICZ: {
        char *end = NULL;
        opt.hurwicz = strtod(optarg, &end);
        if (end == optarg || *end || !(opt.hurwicz >= 0.0 && opt.hurwicz <= 1.0))
          return credal__cli_usage_error("eval", "--hurwicz wants ALPHA in [0, 1], got '%s'", optarg);
        hurwicz_given = 1;
        break;
      }
      case O_DEVICE:
        if (credal__parse_int(optarg, 0, 1024, &n))
          return credal__cli_usage_error("eval", "--device wants a GPU ordinal, got '%s'", optarg);
        opt.device = (int)n;
        break;
      case O_RESUME: opt.resume = 1; break;
      case O_ALLOW_UNKNOWN: opt.allow_unknown = 1; break;
      case O_OUTPUTS:
        if (!strcmp(optarg, "all")) opt.outputs = CREDAL_OUTPUTS_ALL;
        else if (!strcmp(optarg, "policy")) opt.outputs = CREDAL_OUTPUTS_POLICY;
        else return credal__cli_usage_error("eval", "--outputs wants all or policy, got '%s'", optarg);
        break;
      case 'f':
      case O_FORCE: opt.force = 1; break;
      case 'q':
      case O_QUIET: quiet = 1; break;
      case 'h': usage(); return 0;
      case ':': return credal__cli_usage_error("eval", "option '%s' needs a value", argv[optind - 1]);
      default:
        if (optopt > 0 && optopt < 256)
          return credal__cli_usage_error("eval", "unknown option '-%c'", optopt);
        return credal__cli_usage_error("eval", "unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind != argc - 1) return credal__cli_usage_error("eval", "wants exactly one INPUT.h5");
  if (!output) return credal__cli_usage_error("eval", "-o OUTPUT.h5 is required");
  if (hurwicz_given && !(opt.rules & (1u << CREDAL_RULE_HURWICZ)))
    return credal__cli_usage_error("eval", "--hurwicz sets the hurwicz rule's ALPHA: add --rules "
                                   "hurwicz (or all)");
  const char *input = argv[optind];

  progress_bar bar = {now(), 0.0, 0};
  if (!quiet && isatty(STDERR_FILENO)) {
    opt.progress = draw_progress;
    opt.progress_ctx = &bar;
  }
  if (credal__ranks_get()->rank == 0) { /* in an MPI run, rank 0 speaks for all */
    snprintf(first_words, sizeof first_words,
             "\ncredal eval: stopping after the chunk in flight (about a second), then saving "
             "%s.partial for --resume; Ctrl-C again is safe\n", output);
    snprintf(again_words, sizeof again_words,
             "\ncredal eval: still stopping: the resumable state is being saved (a third Ctrl-C "
             "kills credal at once and loses %s.partial)\n", output);
  }
  credal__cli_on_signals(on_signal);
  opt.interrupt = &interrupted;
  opt.warn = print_warning;

  credal_eval_summary s;
  credal_status st = credal_eval(input, output, &opt, &s);
  if (bar.drawn) fputc('\n', stderr);
  const int rank = credal__ranks_get()->rank; /* in an MPI run, rank 0 speaks for all */
  if (st) {
    const int code = credal__error_is_remote() ? credal_exit_code(st) : credal__cli_report("eval", st);
    /* every rank ends together, so the message is out before mpirun stops the job at the
     * first non-zero exit */
    credal__ranks_barrier();
    return code;
  }
  if (!quiet && rank == 0) {
    char b[4][128];
    const char *in = output; /* the labels */
    printf("credal eval: %s -> %s\n", input, output);
    printf("  backend   %s (%s) on %s\n", s.backend, s.precision, s.device);
    if (s.mdp)
      printf("  sizes     %lld credal MDPs (%lld states, %lld choices, %lld transitions), %lld "
             "policies", (long long)s.hypotheses, (long long)s.states, (long long)s.choices,
             (long long)s.transitions, (long long)s.policies);
    else
      printf("  sizes     %lld hypotheses, %lld generators, d=%lld, %lld policies",
             (long long)s.hypotheses, (long long)s.generators, (long long)s.dim,
             (long long)s.policies);
    if (s.prior_set_size) printf(", %lld priors in the prior set", (long long)s.prior_set_size);
    printf("\n  time      %.3f s in %lld chunk%s (%.3g hypotheses/s)\n", s.elapsed_seconds,
           (long long)s.chunks, s.chunks == 1 ? "" : "s",
           s.elapsed_seconds > 0 ? (double)s.hypotheses / s.elapsed_seconds : 0.0);
    if (s.mdp) printf("  regret    against each hypothesis's robust optimum (/optimal/value)\n");
    printf("  choices   maximin         %s  class lower\n",
           choice_line(b[0], sizeof b[0], in, s.maximin, s.maximin_value));
    printf("            minimax regret  %s  worst-case regret across hypotheses\n",
           choice_line(b[1], sizeof b[1], in, s.minimax_regret, s.minimax_regret_value));
    printf("            bayes           %s%s\n", choice_line(b[2], sizeof b[2], in, s.bayes, s.bayes_value),
           s.bayes >= 0 ? "  Bayesian regret" : " (no /hypotheses/prior)");
    printf("            credal          %s%s\n", choice_line(b[3], sizeof b[3], in, s.credal, s.credal_value),
           s.credal >= 0 ? "  credal-prior regret" : " (no /hypotheses/prior_set)");
    if (s.set_minimax_regret >= 0)
      printf("            set minimax     %s  regret within the sets (set_regret)\n",
             choice_line(b[0], sizeof b[0], in, s.set_minimax_regret, s.set_minimax_regret_value));
    if (opt.rules & ((1u << CREDAL_RULE_COUNT) - 1)) {
      printf("  rules     policies kept for the class (of %lld):", (long long)s.policies);
      for (int r = 0; r < CREDAL_RULE_COUNT; r++)
        if (opt.rules & (1u << r))
          printf(" %s %lld", credal_rule_name((credal_rule)r), (long long)s.class_kept[r]);
      printf("\n            `credal info %s` lists them\n", output);
    }
  }
  return 0;
}
