/* credal — batch evaluator for imprecise-probability and infra-Bayesian decision problems.
 *
 * Public C API. Every function returns a credal_status; on failure the calling thread's
 * credal_last_error() holds a message naming the dataset and index at fault. No CUDA types here.
 */
#ifndef CREDAL_H
#define CREDAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define CREDAL_API __declspec(dllexport)
#else
#define CREDAL_API __attribute__((visibility("default")))
#endif

#define CREDAL_VERSION_STRING "0.1.0"

/* One table makes the enum, credal_strerror() and credal_exit_code() (sysexits). */
#define CREDAL_STATUS_MAP(XX)                                                         \
  XX(OK, 0, "success")                                                                \
  XX(EUSAGE, 64, "invalid usage")                                                     \
  XX(EDATA, 65, "invalid input data")                                                 \
  XX(EUNSUPPORTED, 65, "input uses a feature this build does not support")            \
  XX(ENOINPUT, 66, "cannot open input")                                               \
  XX(ENODEVICE, 69, "requested backend or device unavailable")                        \
  XX(EINTERNAL, 70, "internal error")                                                 \
  XX(ENOMEM, 70, "out of memory")                                                     \
  XX(ECANTCREATE, 73, "cannot create output")                                         \
  XX(EEXIST, 73, "output exists (use --force to replace it)")                         \
  XX(EIO, 74, "input/output error")                                                   \
  XX(EINTERRUPTED, 75, "interrupted; partial output kept")

typedef enum {
#define CREDAL_STATUS_ENUM(name, exit_code, text) CREDAL_##name,
  CREDAL_STATUS_MAP(CREDAL_STATUS_ENUM)
#undef CREDAL_STATUS_ENUM
  CREDAL_STATUS_COUNT
} credal_status;

CREDAL_API const char *credal_strerror(credal_status status);
CREDAL_API int credal_exit_code(credal_status status);
/* The detailed message of the last failure in this thread ("" if none). */
CREDAL_API const char *credal_last_error(void);
CREDAL_API const char *credal_version(void);

typedef enum {
  CREDAL_BACKEND_AUTO = 0,
  CREDAL_BACKEND_REFERENCE,
  CREDAL_BACKEND_CPU,
  CREDAL_BACKEND_GPU
} credal_backend;

CREDAL_API const char *credal_backend_name(credal_backend backend);

typedef enum {
  CREDAL_KIND_DISTRIBUTION = 0, /* rows are probability vectors */
  CREDAL_KIND_MEASURE,          /* rows and constants >= 0 (a-measures) */
  CREDAL_KIND_PAYOFF            /* any finite reals */
} credal_kind;

CREDAL_API const char *credal_kind_name(credal_kind kind);

/* How a hypothesis is given (SPEC §2). Generators list the extreme points; the structured
 * families give the set in closed form and are evaluated greedily, without vertices. In a
 * file, a batch's hypotheses come family after family in this order. */
typedef enum {
  CREDAL_FAMILY_GENERATORS = 0, /* /hypotheses: points (+ constants) */
  CREDAL_FAMILY_TV_BALLS,       /* /tv_balls: centers, radius */
  CREDAL_FAMILY_CONTAMINATION,  /* /contamination: centers, epsilon */
  CREDAL_FAMILY_INTERVALS,      /* /intervals: lower, upper */
  CREDAL_FAMILY_BELIEF,         /* /belief: focal sets with Moebius masses */
  CREDAL_FAMILY_COUNT
} credal_family;

/* "generators", "tv_balls", "contamination", "intervals", "belief". */
CREDAL_API const char *credal_family_name(credal_family family);

/* ---- The compute core, in memory (used by the engine, tests and benchmarks) ---- */

/* A batch of H hypotheses over d coordinates and P policies, float64, row-major. */
typedef struct {
  int64_t hypotheses;       /* H */
  int64_t dim;              /* d */
  int64_t policies;         /* P */
  const int64_t *offsets;   /* (H+1,) hypothesis h owns rows offsets[h]..offsets[h+1]-1 */
  const double *points;     /* (offsets[H], d) generators x_k */
  const double *constants;  /* (offsets[H],) b_k, or NULL for all zero */
  const double *utility;    /* (P, d) policy vectors u_p */
} credal_batch_f64;

/* lower[h,p] = min_k <x_k,u_p> + b_k and argmin (index within h, lowest on ties), each (H, P).
 * upper/argmax likewise with max; pass NULL for either pair to skip it. */
CREDAL_API credal_status credal_lower_f64(credal_backend backend, const credal_batch_f64 *batch,
                                          double *lower, int32_t *argmin, double *upper,
                                          int32_t *argmax);
/* Lower (and upper) expectations of hypotheses of one family, float64. The batch's rows and
 * constants carry each family's data; hypothesis h owns rows offsets[h]..offsets[h+1]-1:
 *   GENERATORS     rows: generators x_k; constants: b_k (NULL: 0) -- as credal_lower_f64
 *   TV_BALLS       one row: the center c; constants: (radius r)
 *   CONTAMINATION  one row: the center c; constants: (epsilon e)
 *   INTERVALS      two rows: lower, then upper; constants unused (NULL)
 *   BELIEF         one row per focal set A: its indicator (1 for j in A, else 0);
 *                  constants: the Moebius mass m(A)
 * argmin/argmax are -1 for the structured families (no generator to index). Inputs are not
 * validated here (credal_validate checks files). */
CREDAL_API credal_status credal_family_lower_f64(credal_backend backend, credal_family family,
                                                 const credal_batch_f64 *batch, double *lower,
                                                 int32_t *argmin, double *upper,
                                                 int32_t *argmax);
/* The same computed in float32 (inputs rounded to float32, results widened to double); the
 * cpu and gpu backends accept it, the reference (float64 only) answers CREDAL_EUSAGE. */
CREDAL_API credal_status credal_lower_f32(credal_backend backend, const credal_batch_f64 *batch,
                                          double *lower, int32_t *argmin, double *upper,
                                          int32_t *argmax);

/* ---- Imprecise decision rules (SPEC §9) ---- */

/* Each rule keeps, per hypothesis (and for the whole class), the policies it does not reject;
 * tau is the hypothesis's SPEC §6 atol (docs/math.md, "Decision rules"). */
typedef enum {
  CREDAL_RULE_GAMMA_MAXIMIN = 0, /* lower expectation within tau of the best */
  CREDAL_RULE_GAMMA_MAXIMAX,     /* upper expectation within tau of the best */
  CREDAL_RULE_HURWICZ,           /* a*upper + (1-a)*lower within tau of the best */
  CREDAL_RULE_INTERVAL_DOMINANCE, /* no q with lower[q] > upper[p] + tau */
  CREDAL_RULE_MAXIMAL,           /* no q with lower(u_q - u_p) > tau */
  CREDAL_RULE_E_ADMISSIBLE,      /* best within tau under some distribution of the set */
  CREDAL_RULE_COUNT
} credal_rule;

/* Bit flags of credal_rules_f64 and credal_eval_options.rules: 1u << rule, and the within-set
 * regret set_regret[h,p] = max_q upper_h(u_q - u_p). */
#define CREDAL_RULES_SET_REGRET (1u << CREDAL_RULE_COUNT)
#define CREDAL_RULES_ALL ((1u << (CREDAL_RULE_COUNT + 1)) - 1u)

/* "gamma_maximin", "gamma_maximax", "hurwicz", "interval_dominance", "maximal",
 * "e_admissible"; NULL outside the range. */
CREDAL_API const char *credal_rule_name(credal_rule rule);
/* "all", "none" or a comma-separated list of rule names (and "set_regret") into flags;
 * CREDAL_EUSAGE naming the unknown word. */
CREDAL_API credal_status credal_rules_parse(const char *text, unsigned *rules);

/* The rules of one family's in-memory batch (float64, the row layout of
 * credal_family_lower_f64), for every hypothesis: masks (CREDAL_RULE_COUNT, H, P), 1 = kept, 0
 * for rules not asked; set_regret (H, P) or NULL. hurwicz in [0, 1]. The batch is not validated. */
CREDAL_API credal_status credal_rules_f64(credal_family family, const credal_batch_f64 *batch,
                                          unsigned rules, double hurwicz, uint8_t *masks,
                                          double *set_regret);

/* ---- Files ---- */

typedef struct credal_input credal_input; /* an open, structurally checked credal-batch file */

typedef struct {
  int64_t hypotheses;       /* H, all hypotheses */
  int64_t generators;       /* K_total */
  int64_t dim;              /* d */
  int64_t policies;         /* P */
  int64_t prior_set_size;   /* Q, 0 without /hypotheses/prior_set */
  credal_kind kind;
  int points_f32;           /* 1 when /hypotheses/points is float32 */
  int utility_f32;          /* 1 when /policies/utility is float32 */
  int has_constants;
  int has_prior;
  double tolerance;
  int64_t max_generators;   /* largest K_h (0 until the offsets were scanned) */
  /* Hypotheses of each family; they are numbered family after family (generators first). */
  int64_t family_hypotheses[CREDAL_FAMILY_COUNT];
  int64_t focal_sets;       /* rows of /belief/focal */
} credal_input_summary;

/* Opens and checks the structure of a credal-batch v1 file (schema, ranks, dtypes, shapes,
 * links, filters, offsets); values are checked later, chunk by chunk. */
CREDAL_API credal_status credal_input_open(const char *path, credal_input **out);
CREDAL_API void credal_input_close(credal_input *input); /* NULL is fine */
CREDAL_API const credal_input_summary *credal_input_describe(const credal_input *input);
/* The optional labels /policies/names[p] and /hypotheses/names[h] into buf ("" when absent
 * or unreadable; labels never make a file invalid). Control characters become '?'. */
CREDAL_API void credal_input_policy_name(const credal_input *input, int64_t policy, char *buf,
                                         size_t cap);
CREDAL_API void credal_input_hypothesis_name(const credal_input *input, int64_t hypothesis,
                                             char *buf, size_t cap);

/* Full check of an input file: every problem is passed to report (message names the
 * dataset and index) until max_reported; *problems receives the total count.
 * Returns CREDAL_OK when there is none, else the status of the first problem. */
typedef void (*credal_report_fn)(void *ctx, credal_status status, const char *message);
CREDAL_API credal_status credal_validate(const char *path, credal_report_fn report, void *ctx,
                                         int64_t max_reported, int64_t *problems);

/* ---- Evaluation of a file into a file ---- */

/* What an evaluation writes: everything (SPEC §3), or only the per-policy results (/policy,
 * /choice, /rules/class and the (H,) /best; no (H, P) matrix: for very many hypotheses). */
typedef enum { CREDAL_OUTPUTS_ALL = 0, CREDAL_OUTPUTS_POLICY = 1 } credal_outputs;

typedef struct {
  credal_backend backend;   /* AUTO picks the GPU when usable, else the fastest CPU path */
  int precision_f32;        /* compute and store in float32 */
  int upper;                /* also /upper and /argmax */
  uint64_t memory_bytes;    /* host memory budget; 0 = default (CREDAL_DEFAULT_MEMORY) */
  int threads;              /* 0 = all cores */
  int device;               /* GPU ordinal */
  int force;                /* replace an existing OUTPUT (and OUTPUT.partial) */
  int resume;               /* continue OUTPUT.partial */
  /* Output codec: "gzip[:LEVEL]" (NULL: "gzip:1", shuffle first, readable by any HDF5),
   * "zstd[:LEVEL]", "lz4" (both need hdf5plugin or the filter plugins to read) or "none". */
  const char *compression;
  int io_threads;           /* threads decoding input and encoding output chunks; 0 = all cores */
  unsigned rules;           /* CREDAL_RULE_* flags: /rules/ masks, per hypothesis and class */
  double hurwicz;           /* the Hurwicz rule's optimism ALPHA in [0, 1] (default 0.5) */
  /* Called after every chunk; may be NULL. */
  void (*progress)(void *ctx, int64_t rows_done, int64_t rows_total);
  void *progress_ctx;
  /* When non-NULL and it becomes non-zero, the run stops at the next chunk boundary,
   * leaves OUTPUT.partial and returns CREDAL_EINTERRUPTED. */
  volatile int *interrupt;
  /* Groups, datasets and attributes the schema does not define (typos such as /tv_ball) are
   * an error (CREDAL_EDATA, naming each with the nearest known name); with allow_unknown
   * they are passed to warn (may be NULL) and the run goes on. */
  int allow_unknown;
  credal_report_fn warn;    /* also told the size of a large output before it is written */
  void *warn_ctx;
  credal_outputs outputs;
} credal_eval_options;

#define CREDAL_DEFAULT_MEMORY ((uint64_t)1 << 30)

CREDAL_API void credal_eval_options_init(credal_eval_options *options);

typedef struct {
  char backend[32];
  char device[128];
  char precision[8];
  int64_t hypotheses, generators, dim, policies, prior_set_size;
  int64_t chunks;           /* chunks processed */
  int64_t chunk_rows_max;   /* most hypotheses in one chunk */
  double elapsed_seconds;
  /* Choices (policy index, -1 when not available) and their criterion values. */
  int64_t maximin, minimax_regret, bayes, credal;
  double maximin_value, minimax_regret_value, bayes_value, credal_value;
  /* With --rules: the within-set minimax regret choice (-1 without) and its class set regret,
   * and how many policies each rule keeps for the whole class (0 for rules not asked). */
  int64_t set_minimax_regret;
  double set_minimax_regret_value;
  int64_t class_kept[CREDAL_RULE_COUNT];
  /* A credal-mdp input (SPEC §10): mdp = 1 and the model's sizes (generators and dim are 0;
   * chunks counts hypotheses). */
  int mdp;
  int64_t states, choices, transitions;
} credal_eval_summary;

CREDAL_API credal_status credal_eval(const char *input_path, const char *output_path,
                                     const credal_eval_options *options,
                                     credal_eval_summary *summary);

/* ---- Linear constraints to vertices (needs cddlib; CREDAL_EUNSUPPORTED without it) ---- */

typedef struct {
  int exact;                /* GMP rational arithmetic: for degenerate constraints */
  int force;                /* replace an existing output */
  uint64_t memory_bytes;    /* bound on the vertices held before writing; 0 = default */
} credal_convert_options;

typedef struct {
  int64_t hypotheses, vertices, largest, dim;
} credal_convert_summary;

/* Reads a credal-constraints v1 file (docs/schema.md: each hypothesis {A_h q <= b_h} within
 * the simplex), enumerates every hypothesis's vertices and writes them as a credal-batch v1
 * input with the same policies and priors. An empty set is CREDAL_EDATA naming the
 * hypothesis. options and summary may be NULL. */
CREDAL_API credal_status credal_convert(const char *input, const char *output,
                                        const credal_convert_options *options,
                                        credal_convert_summary *summary);

/* ---- Credal Markov decision processes (SPEC §10), in memory ----
 *
 * A credal MDP: state s owns choices c in [choice_offsets[s], choice_offsets[s+1]) (one per
 * available action); choice c may lead to successors[j], j in [successor_offsets[c],
 * successor_offsets[c+1]), with a law that nature picks from the choice's credal set (the
 * intervals [lower[j], upper[j]] summing to 1, or a TV ball or contamination around nominal),
 * independently at every step and state-action. Nature minimises the agent's
 * value (cooperative = 1: maximises it). docs/math.md §6. */
typedef enum { CREDAL_MDP_DISCOUNTED = 0, CREDAL_MDP_REACH = 1 } credal_mdp_objective;
/* The credal set of each choice over its listed successors: intervals [lower, upper]; the TV
 * ball {P : 0.5 sum |P - nominal| <= radius}; or {(1 - e) nominal + e Q : Q any law}, e = radius. */
typedef enum {
  CREDAL_MDP_INTERVALS = 0,
  CREDAL_MDP_TV_BALLS = 1,
  CREDAL_MDP_CONTAMINATION = 2
} credal_mdp_sets;

typedef struct {
  int64_t states;                   /* S >= 1 */
  const int64_t *choice_offsets;    /* (S+1,), every state at least one choice */
  const int64_t *successor_offsets; /* (C+1,), every choice at least one successor */
  const int64_t *successors;        /* (N,), states, ascending within a choice */
  const double *lower, *upper;      /* (N,): the interval set of each choice (sets intervals) */
  credal_mdp_objective objective;
  const double *reward;             /* (C,) discounted: the reward of taking choice c */
  double discount;                  /* discounted: gamma in [0, 1) (1 allowed with a horizon) */
  const uint8_t *target, *avoid;    /* (S,) reach: reach target before avoid (avoid may be NULL) */
  int64_t horizon;                  /* steps; 0: infinite */
  double epsilon;                   /* infinite horizon: the value within epsilon (0: 1e-12) */
  credal_mdp_sets sets;             /* 0: intervals */
  const double *nominal;            /* (N,) TV balls and contamination: the nominal laws */
  const double *radius;             /* (C,) their radius, or epsilon */
} credal_mdp;

/* The robust value (S,) of a stationary randomised policy, policy (C,) a distribution over
 * each state's choices (a deterministic policy puts 1 on one): discounted, the fixed point of
 * V(s) = sum_c policy[c] (reward[c] + gamma * min_{P in set(c)} sum_j P_j V(succ_j)), stopped
 * when a sweep moves V by less than epsilon (1 - gamma) / (2 gamma) (then V is within epsilon
 * of it); finite horizon: that many sweeps from 0 (reach: from the target's indicator, target
 * states 1, avoid states 0 throughout); infinite-horizon reachability (nature minimising) by
 * interval iteration: bounds from below and above (0 where nature can avoid the target for
 * ever) until within 2 epsilon, their midpoint returned. iterations and residual (the last
 * sweep's largest change; the bounds' gap) may be NULL. CREDAL_EDATA naming the first problem
 * of m or policy; infinite-horizon reachability with cooperative (nature helping: an MDP's
 * maximum) needs every law of a played choice to reach every listed successor, else
 * CREDAL_EUNSUPPORTED naming the choice. */
CREDAL_API credal_status credal_mdp_policy_value_f64(const credal_mdp *m, const double *policy,
                                                     int cooperative, double *value,
                                                     int64_t *iterations, double *residual);

/* The robust optimal value (S,) (the agent maximises, nature minimises) and an optimal policy:
 * optimal (S,) the choice index within each state (lowest on ties) for an infinite horizon, or
 * (horizon, S) for a finite one, row t the choice at step t (row 0 first). Infinite-horizon
 * reachability: interval iteration with the maximal end components collapsed (those of
 * nature's worst laws where a law may leave a successor out: a zero lower bound), the value the
 * bounds' midpoint (within epsilon) and an epsilon-optimal policy (docs/math.md §6). */
CREDAL_API credal_status credal_mdp_optimal_f64(const credal_mdp *m, double *value,
                                                int32_t *optimal, int64_t *iterations,
                                                double *residual);

#ifdef __cplusplus
}
#endif

#endif /* CREDAL_H */
