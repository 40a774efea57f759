/* Reading credal-mdp v1 files; see mdp_reader.h. The structure's checks are those of the
 * in-memory API (host/mdp.c), here with the dataset and index of each problem named, so that a
 * file this reader accepts is one credal_mdp_*_f64 accepts. */
#include "mdp_reader.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_reader.h"
#include "digest.h"
#include "h5util.h"
#include "paths.h"
#include "resume_state.h"
#include <sys/stat.h>

static const char P_MDP[] = "/mdp";
static const char P_CHOICES[] = "/mdp/choice_offsets";
static const char P_SUCC_OFF[] = "/mdp/successor_offsets";
static const char P_SUCC[] = "/mdp/successors";
static const char P_REWARD[] = "/mdp/reward";
static const char P_TARGET[] = "/mdp/target";
static const char P_AVOID[] = "/mdp/avoid";
static const char P_INITIAL[] = "/mdp/initial";
static const char P_LOWER[] = "/hypotheses/lower";
static const char P_UPPER[] = "/hypotheses/upper";
static const char P_NOMINAL[] = "/hypotheses/nominal";
static const char P_RADIUS[] = "/hypotheses/radius";
static const char P_EPSILON[] = "/hypotheses/epsilon";
static const char P_PRIOR[] = "/hypotheses/prior";
static const char P_PRIOR_SET[] = "/hypotheses/prior_set";
static const char P_ACTION[] = "/policies/action";
static const char P_PROBABILITIES[] = "/policies/probabilities";

/* The tolerance of every sum (as in the in-memory API): 1e-9 per term. */
#define SUM_TOLERANCE 1e-9

enum {
  D_CHOICES,
  D_SUCC_OFF,
  D_SUCC,
  D_REWARD,
  D_TARGET,
  D_AVOID,
  D_INITIAL,
  D_LOWER,
  D_UPPER,
  D_NOMINAL,
  D_RADIUS,
  D_EPSILON,
  D_PRIOR,
  D_PRIOR_SET,
  D_ACTION,
  D_PROBABILITIES,
  D_COUNT
};

static const struct {
  const char *path;
  H5T_class_t cls;
  int rank;
  const char *shape;
} DATASETS[D_COUNT] = {
    {P_CHOICES, H5T_INTEGER, 1, "(S+1,)"}, {P_SUCC_OFF, H5T_INTEGER, 1, "(C+1,)"},
    {P_SUCC, H5T_INTEGER, 1, "(N,)"},      {P_REWARD, H5T_FLOAT, 1, "(C,)"},
    {P_TARGET, H5T_INTEGER, 1, "(S,)"},    {P_AVOID, H5T_INTEGER, 1, "(S,)"},
    {P_INITIAL, H5T_FLOAT, 1, "(S,)"},     {P_LOWER, H5T_FLOAT, 2, "(H, N)"},
    {P_UPPER, H5T_FLOAT, 2, "(H, N)"},     {P_NOMINAL, H5T_FLOAT, 2, "(H, N)"},
    {P_RADIUS, H5T_FLOAT, 2, "(H, C)"},    {P_EPSILON, H5T_FLOAT, 2, "(H, C)"},
    {P_PRIOR, H5T_FLOAT, 1, "(H,)"},       {P_PRIOR_SET, H5T_FLOAT, 2, "(Q, H)"},
    {P_ACTION, H5T_INTEGER, 2, "(P, S)"},  {P_PROBABILITIES, H5T_FLOAT, 2, "(P, C)"},
};

struct credal__mdp_input {
  hid_t file;
  hid_t ids[D_COUNT]; /* H5I_INVALID_HID when absent */
  hsize_t dims[D_COUNT][2];
  int bools[D_COUNT]; /* target/avoid stored as numpy bools (an HDF5 enum) */
  credal__mdp_summary s;
  int64_t *choice_offsets, *successor_offsets, *successors;
  double *reward, *initial;
  uint8_t *target, *avoid;
  int32_t *actions;      /* (P, S), or NULL */
  double *probabilities; /* (P, C), or NULL */
  double *prior, *prior_set;
  double *rows;        /* a hypothesis's (N,) rows: lower then upper, or nominal */
  double *scalars;     /* (C,) radius or epsilon */
  int scalars_dataset; /* D_RADIUS or D_EPSILON */
};

/* ---- structure ---- */

/* The schema and version; 0 when nothing else should be read. */
static int check_root(credal__mdp_input *in, credal__problems *sink) {
  char schema[128];
  int64_t version = 0;
  int found = 0;
  credal_status st = credal__h5_attr_string(in->file, "/", "schema", schema, sizeof schema, &found);
  if (st) return credal__problem(sink, st, "%s", credal_last_error()), 0;
  if (!found || strcmp(schema, "credal-mdp"))
    return credal__problem(sink, CREDAL_EDATA, "/: schema is '%s', expected 'credal-mdp'",
                           found ? schema : ""),
           0;
  st = credal__h5_attr_int64(in->file, "/", "version", &version, &found);
  if (st) return credal__problem(sink, st, "%s", credal_last_error()), 0;
  if (!found)
    return credal__problem(sink, CREDAL_EDATA, "/: attribute 'version' is missing (expected 1)"), 0;
  if (version != 1)
    return credal__problem(sink, CREDAL_EDATA, "/: version %lld %s (1)", (long long)version,
                           version > 1 ? "is newer than this credal understands"
                                       : "is not a credal-mdp version"),
           0;
  return 1;
}

/* Opens every dataset the file has (absent ones stay H5I_INVALID_HID). */
static void open_datasets(credal__mdp_input *in, credal__problems *sink) {
  for (int i = 0; i < D_COUNT; i++) {
    size_t size;
    H5T_sign_t sign;
    hid_t id = H5I_INVALID_HID;
    if ((i == D_TARGET || i == D_AVOID) &&
        !credal__h5_open_dataset(in->file, DATASETS[i].path, &id) && id >= 0 &&
        credal__h5_is_bool(id)) { /* numpy bools: an enum of FALSE = 0 and TRUE = 1 */
      int rank = 0;
      credal__h5_shape(id, DATASETS[i].path, &rank, in->dims[i], 1);
      if (rank != 1) {
        credal__problem(sink, CREDAL_EDATA, "%s: rank %d, expected rank 1 (S,)", DATASETS[i].path,
                        rank);
        H5Dclose(id);
        continue;
      }
      in->ids[i] = id, in->bools[i] = 1;
      continue;
    }
    if (id >= 0) H5Dclose(id);
    credal__clear_error();
    if (credal__input_dataset(sink, in->file, DATASETS[i].path, DATASETS[i].cls, DATASETS[i].rank,
                              DATASETS[i].shape, i <= D_SUCC, &in->ids[i], in->dims[i], &size,
                              &sign) < 0)
      in->ids[i] = H5I_INVALID_HID;
  }
}

/* A dataset's length (its first dimension) must be `want` (or its second, dim 1). */
static int check_length(credal__mdp_input *in, int i, int dim, int64_t want, const char *what,
                        credal__problems *sink) {
  if (in->ids[i] < 0 || want < 0 || (int64_t)in->dims[i][dim] == want) return 1;
  credal__problem(sink, CREDAL_EDATA, "%s: %s %llu, but %s", DATASETS[i].path,
                  dim ? "has columns" : "has length", (unsigned long long)in->dims[i][dim], what);
  return 0;
}

/* The sizes S, C, N, H, P, Q from the shapes, and which sets and policies the file holds. */
static void read_shapes(credal__mdp_input *in, credal__problems *sink) {
  credal__mdp_summary *s = &in->s;
  const hid_t *id = in->ids;
  s->states = id[D_CHOICES] >= 0 ? (int64_t)in->dims[D_CHOICES][0] - 1 : -1;
  s->choices = id[D_SUCC_OFF] >= 0 ? (int64_t)in->dims[D_SUCC_OFF][0] - 1 : -1;
  s->transitions = id[D_SUCC] >= 0 ? (int64_t)in->dims[D_SUCC][0] : -1;
  if (s->states == 0)
    credal__problem(sink, CREDAL_EDATA, "%s: has 1 entry, needs S+1 >= 2", P_CHOICES);
  if (s->choices == 0)
    credal__problem(sink, CREDAL_EDATA, "%s: has 1 entry, needs C+1 >= 2", P_SUCC_OFF);
  const int intervals = id[D_LOWER] >= 0 || id[D_UPPER] >= 0;
  const int nominal = id[D_NOMINAL] >= 0;
  if (intervals && nominal)
    credal__problem(sink, CREDAL_EDATA,
                    "%s and %s: one hypothesis file holds one kind of set (intervals "
                    "or nominal laws with a radius or epsilon)",
                    P_LOWER, P_NOMINAL);
  else if (!intervals && !nominal)
    credal__problem(sink, CREDAL_EDATA,
                    "/hypotheses: no credal sets (lower and upper (H, N), or nominal "
                    "(H, N) with radius or epsilon (H, C))");
  else if (intervals && (id[D_LOWER] < 0 || id[D_UPPER] < 0))
    credal__problem(sink, CREDAL_EDATA, "%s: missing (intervals need lower and upper)",
                    id[D_LOWER] < 0 ? P_LOWER : P_UPPER);
  else if (nominal && (id[D_RADIUS] >= 0) == (id[D_EPSILON] >= 0))
    credal__problem(sink, CREDAL_EDATA,
                    "%s: needs exactly one of %s (TV balls) and %s (contamination)", P_NOMINAL,
                    P_RADIUS, P_EPSILON);
  if (!nominal && (id[D_RADIUS] >= 0 || id[D_EPSILON] >= 0))
    credal__problem(sink, CREDAL_EDATA, "%s: a radius or epsilon without %s",
                    id[D_RADIUS] >= 0 ? P_RADIUS : P_EPSILON, P_NOMINAL);
  s->sets = nominal ? (id[D_RADIUS] >= 0 ? CREDAL_MDP_TV_BALLS : CREDAL_MDP_CONTAMINATION)
                    : CREDAL_MDP_INTERVALS;
  in->scalars_dataset = s->sets == CREDAL_MDP_TV_BALLS ? D_RADIUS : D_EPSILON;
  const int rows = nominal ? D_NOMINAL : D_LOWER;
  s->hypotheses = id[rows] >= 0 ? (int64_t)in->dims[rows][0] : -1;
  if ((id[D_ACTION] >= 0) == (id[D_PROBABILITIES] >= 0))
    credal__problem(sink, CREDAL_EDATA, "/policies: needs exactly one of %s (P, S) and %s (P, C)",
                    P_ACTION, P_PROBABILITIES);
  s->randomised = id[D_PROBABILITIES] >= 0;
  const int pol = s->randomised ? D_PROBABILITIES : D_ACTION;
  s->policies = id[pol] >= 0 ? (int64_t)in->dims[pol][0] : -1;
  s->has_prior = id[D_PRIOR] >= 0, s->has_initial = id[D_INITIAL] >= 0;
  s->has_avoid = id[D_AVOID] >= 0;
  s->prior_set_size = id[D_PRIOR_SET] >= 0 ? (int64_t)in->dims[D_PRIOR_SET][0] : 0;

  char what[96];
  snprintf(what, sizeof what, "there are C = %lld choices", (long long)s->choices);
  check_length(in, D_REWARD, 0, s->choices, what, sink);
  check_length(in, D_PROBABILITIES, 1, s->choices, what, sink);
  check_length(in, in->scalars_dataset, 1, nominal ? s->choices : -1, what, sink);
  snprintf(what, sizeof what, "there are S = %lld states", (long long)s->states);
  for (int i = D_TARGET; i <= D_INITIAL; i++) check_length(in, i, 0, s->states, what, sink);
  check_length(in, D_ACTION, 1, s->states, what, sink);
  snprintf(what, sizeof what, "%s has N = %lld successors", P_SUCC, (long long)s->transitions);
  for (int i = D_LOWER; i <= D_NOMINAL; i++) check_length(in, i, 1, s->transitions, what, sink);
  snprintf(what, sizeof what, "there are H = %lld hypotheses", (long long)s->hypotheses);
  check_length(in, D_UPPER, 0, s->hypotheses, what, sink);
  check_length(in, in->scalars_dataset, 0, nominal ? s->hypotheses : -1, what, sink);
  check_length(in, D_PRIOR, 0, s->hypotheses, what, sink);
  check_length(in, D_PRIOR_SET, 1, s->hypotheses, what, sink);
}

/* /mdp's attributes, and the datasets each objective reads (none it does not). */
static int read_objective_attrs(credal__mdp_input *in, hid_t group, credal__problems *sink) {
  credal__mdp_summary *s = &in->s;
  char text[64];
  int found = 0, has_discount = 0, has_horizon = 0, has_eps = 0;
  s->epsilon = 1e-9;
  if (credal__h5_attr_string(group, P_MDP, "objective", text, sizeof text, &found))
    return credal__problem(sink, CREDAL_EDATA, "%s", credal_last_error()), 0;
  if (!found)
    return credal__problem(sink, CREDAL_EDATA,
                           "%s: attribute 'objective' is missing (discounted or reach)", P_MDP),
           0;
  if (!strcmp(text, "discounted"))
    s->objective = CREDAL_MDP_DISCOUNTED;
  else if (!strcmp(text, "reach"))
    s->objective = CREDAL_MDP_REACH;
  else
    return credal__problem(sink, CREDAL_EDATA, "%s: objective '%s' is not one of discounted, reach",
                           P_MDP, text),
           0;
  if (credal__h5_attr_double(group, P_MDP, "discount", &s->discount, &has_discount) ||
      credal__h5_attr_int64(group, P_MDP, "horizon", &s->horizon, &has_horizon) ||
      credal__h5_attr_double(group, P_MDP, "epsilon", &s->epsilon, &has_eps))
    return credal__problem(sink, CREDAL_EDATA, "%s", credal_last_error()), 0;
  if (s->horizon < 0)
    credal__problem(sink, CREDAL_EDATA, "%s: horizon %lld is negative (0: infinite)", P_MDP,
                    (long long)s->horizon);
  if (!(s->epsilon > 0.0 && s->epsilon < 1.0))
    credal__problem(sink, CREDAL_EDATA, "%s: epsilon %g must be in (0, 1)", P_MDP, s->epsilon);
  const int discounted = s->objective == CREDAL_MDP_DISCOUNTED;
  if (discounted && !has_discount)
    credal__problem(sink, CREDAL_EDATA,
                    "%s: attribute 'discount' is missing (the discounted objective)", P_MDP);
  else if (discounted &&
           !(s->discount >= 0.0 && (s->horizon > 0 ? s->discount <= 1.0 : s->discount < 1.0)))
    credal__problem(sink, CREDAL_EDATA, "%s: discount %.17g is outside [0, 1)%s", P_MDP,
                    s->discount, s->horizon > 0 ? " (or 1 with a horizon)" : "");
  if (!discounted && has_discount)
    credal__problem(sink, CREDAL_EDATA,
                    "%s: attribute 'discount' belongs to the discounted objective, "
                    "and this one is reach",
                    P_MDP);
  const struct {
    int i, wanted;
  } uses[] = {{D_REWARD, discounted}, {D_TARGET, !discounted}, {D_AVOID, -1}};
  for (size_t k = 0; k < sizeof uses / sizeof uses[0]; k++) {
    const int i = uses[k].i, present = in->ids[i] >= 0;
    if (uses[k].wanted == 1 && !present)
      credal__problem(sink, CREDAL_EDATA, "%s: missing (the %s objective needs it)",
                      DATASETS[i].path, text);
    if ((uses[k].wanted == 0 || (i == D_AVOID && discounted)) && present)
      credal__problem(sink, CREDAL_EDATA,
                      "%s: not read by the %s objective (remove it, or set objective)",
                      DATASETS[i].path, text);
  }
  return 1;
}

/* /mdp (a group, by hard links) and its attributes. */
static int read_objective(credal__mdp_input *in, credal__problems *sink) {
  hid_t group = H5I_INVALID_HID;
  int found = 0;
  if (credal__h5_open_hard(in->file, P_MDP, &group, &found))
    return credal__problem(sink, CREDAL_EDATA, "%s", credal_last_error()), 0;
  if (!found) return credal__problem(sink, CREDAL_EDATA, "%s: missing (required group)", P_MDP), 0;
  const int ok = read_objective_attrs(in, group, sink);
  H5Oclose(group);
  return ok;
}

/* ---- reading the shared values ---- */

static credal_status read_all(credal__mdp_input *in, int i, hid_t memtype, void *out) {
  const hsize_t start[2] = {0, 0}, count[2] = {in->dims[i][0], in->dims[i][1]};
  return credal__h5_read_block(in->ids[i], DATASETS[i].path, DATASETS[i].rank, start, count,
                               memtype, out);
}

/* An offsets dataset: off[0] = 0, increasing strictly (every owner has an entry), off[n] =
 * total, each owner's count at most INT32_MAX. */
static int check_offsets(const int64_t *off, int64_t n, int64_t total, const char *name,
                         const char *owner, const char *owned, credal__problems *sink) {
  if (off[0] != 0)
    return credal__problem(sink, CREDAL_EDATA, "%s: entry 0 is %lld, must be 0", name,
                           (long long)off[0]),
           0;
  for (int64_t i = 0; i < n; i++)
    if (!(off[i + 1] > off[i] && off[i + 1] - off[i] <= INT32_MAX))
      return credal__problem(sink, CREDAL_EDATA,
                             "%s: %s %lld has %lld %s (entries %lld and %lld: %lld, "
                             "%lld); every %s needs at least one",
                             name, owner, (long long)i, (long long)(off[i + 1] - off[i]), owned,
                             (long long)i, (long long)(i + 1), (long long)off[i],
                             (long long)off[i + 1], owner),
             0;
  if (off[n] != total)
    credal__problem(sink, CREDAL_EDATA, "%s: the last entry is %lld, but there are %lld %s", name,
                    (long long)off[n], (long long)total, owned);
  return 1;
}

/* The structure: offsets, successors in range and ascending within each choice. */
static credal_status read_structure(credal__mdp_input *in, credal__problems *sink) {
  const credal__mdp_summary *s = &in->s;
  const int64_t S = s->states, C = s->choices, N = s->transitions, before = sink->count;
  credal_status st;
  if ((st = read_all(in, D_CHOICES, H5T_NATIVE_INT64, in->choice_offsets)) ||
      (st = read_all(in, D_SUCC_OFF, H5T_NATIVE_INT64, in->successor_offsets)) ||
      (st = read_all(in, D_SUCC, H5T_NATIVE_INT64, in->successors)))
    return credal__problem(sink, st, "%s", credal_last_error()), st;
  check_offsets(in->choice_offsets, S, C, P_CHOICES, "state", "choices", sink);
  check_offsets(in->successor_offsets, C, N, P_SUCC_OFF, "choice", "successors", sink);
  if (sink->count > before) return CREDAL_EDATA;
  for (int64_t c = 0; c < C; c++)
    for (int64_t j = in->successor_offsets[c]; j < in->successor_offsets[c + 1]; j++) {
      const int64_t t = in->successors[j];
      if (t < 0 || t >= S)
        return credal__problem(sink, CREDAL_EDATA,
                               "%s: entry %lld (choice %lld) is %lld, outside the "
                               "states 0..%lld",
                               P_SUCC, (long long)j, (long long)c, (long long)t,
                               (long long)(S - 1)),
               CREDAL_EDATA;
      if (j > in->successor_offsets[c] && t <= in->successors[j - 1])
        return credal__problem(sink, CREDAL_EDATA,
                               "%s: the successors of choice %lld are not ascending "
                               "(entry %lld is %lld after %lld)",
                               P_SUCC, (long long)c, (long long)j, (long long)t,
                               (long long)in->successors[j - 1]),
               CREDAL_EDATA;
    }
  for (int64_t st_ = 0; st_ < S; st_++) {
    const int64_t k = in->choice_offsets[st_ + 1] - in->choice_offsets[st_];
    if (k > in->s.max_choices) in->s.max_choices = (int)k;
  }
  return CREDAL_OK;
}

/* A (S,) flag dataset: 0 or 1 (integers, or numpy bools). */
static credal_status read_flags(credal__mdp_input *in, int i, uint8_t *out,
                                credal__problems *sink) {
  const int64_t S = in->s.states;
  credal_status st;
  if (in->bools[i]) {
    hid_t type = H5Dget_type(in->ids[i]);
    st = read_all(in, i, type, out);
    H5Tclose(type);
  } else {
    int64_t *wide = malloc((size_t)S * sizeof *wide);
    if (!wide)
      return credal__problem(sink, CREDAL_ENOMEM, "%s: out of memory", DATASETS[i].path),
             CREDAL_ENOMEM;
    st = read_all(in, i, H5T_NATIVE_INT64, wide);
    for (int64_t s = 0; !st && s < S; s++) {
      if (wide[s] != 0 && wide[s] != 1) {
        credal__problem(sink, CREDAL_EDATA, "%s: state %lld is %lld, expected 0 or 1",
                        DATASETS[i].path, (long long)s, (long long)wide[s]);
        break;
      }
      out[s] = (uint8_t)wide[s];
    }
    free(wide);
  }
  if (st) credal__problem(sink, st, "%s", credal_last_error());
  return st;
}

/* A finite float vector; nonneg: every entry >= 0 and summing to 1 (a distribution). */
static int check_vector(const double *v, int64_t n, int distribution, const char *name,
                        const char *entry, credal__problems *sink) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; i++) {
    if (!isfinite(v[i]))
      return credal__problem(sink, CREDAL_EDATA, "%s: %s %lld: %g", name, entry, (long long)i,
                             v[i]),
             0;
    if (distribution && v[i] < 0.0)
      return credal__problem(sink, CREDAL_EDATA, "%s: %s %lld: %.17g is negative", name, entry,
                             (long long)i, v[i]),
             0;
    sum += v[i];
  }
  if (distribution && !(fabs(sum - 1.0) <= SUM_TOLERANCE * (double)(n > 1 ? n : 1)))
    credal__problem(sink, CREDAL_EDATA, "%s sums to %.17g, not 1 (tolerance %g per entry)", name,
                    sum, SUM_TOLERANCE);
  return 1;
}

/* The objective's vectors: reward, target, avoid, initial. */
static credal_status read_objective_values(credal__mdp_input *in, credal__problems *sink) {
  const int64_t S = in->s.states, before = sink->count;
  credal_status st = CREDAL_OK;
  if (in->ids[D_REWARD] >= 0 && !(st = read_all(in, D_REWARD, H5T_NATIVE_DOUBLE, in->reward)))
    check_vector(in->reward, in->s.choices, 0, P_REWARD, "choice", sink);
  if (!st && in->ids[D_TARGET] >= 0) st = read_flags(in, D_TARGET, in->target, sink);
  if (!st && in->ids[D_AVOID] >= 0) st = read_flags(in, D_AVOID, in->avoid, sink);
  for (int64_t s = 0; !st && in->target && in->avoid && s < S; s++)
    if (in->target[s] && in->avoid[s]) {
      credal__problem(sink, CREDAL_EDATA, "%s: state %lld is both target and avoid (%s)", P_TARGET,
                      (long long)s, P_AVOID);
      break;
    }
  if (!st && in->ids[D_INITIAL] >= 0 &&
      !(st = read_all(in, D_INITIAL, H5T_NATIVE_DOUBLE, in->initial)))
    check_vector(in->initial, S, 1, P_INITIAL, "state", sink);
  else if (!st && in->ids[D_INITIAL] < 0)
    in->initial[0] = 1.0; /* calloc'd: a point mass on state 0 */
  if (st) credal__problem(sink, st, "%s", credal_last_error());
  return st ? st : sink->count > before ? CREDAL_EDATA : CREDAL_OK;
}

/* Deterministic policies: each state's action in 0 .. K_s-1; randomised: each state's choices
 * a distribution. */
static credal_status read_policies(credal__mdp_input *in, credal__problems *sink) {
  const int64_t S = in->s.states, C = in->s.choices, P = in->s.policies, *co = in->choice_offsets;
  credal_status st = in->s.randomised
                         ? read_all(in, D_PROBABILITIES, H5T_NATIVE_DOUBLE, in->probabilities)
                         : read_all(in, D_ACTION, H5T_NATIVE_INT32, in->actions);
  if (st) return credal__problem(sink, st, "%s", credal_last_error()), st;
  for (int64_t p = 0; p < P; p++)
    for (int64_t s = 0; s < S; s++) {
      const int64_t k = co[s + 1] - co[s];
      if (!in->s.randomised) {
        const int32_t a = in->actions[p * S + s];
        if (a < 0 || a >= k)
          return credal__problem(sink, CREDAL_EDATA,
                                 "%s: policy %lld, state %lld: action %d, but the "
                                 "state has %lld (0..%lld)",
                                 P_ACTION, (long long)p, (long long)s, a, (long long)k,
                                 (long long)(k - 1)),
                 CREDAL_EDATA;
        continue;
      }
      const double *q = in->probabilities + p * C + co[s];
      double sum = 0.0;
      for (int64_t c = 0; c < k; c++) {
        if (!(q[c] >= 0.0 && q[c] <= 1.0))
          return credal__problem(sink, CREDAL_EDATA,
                                 "%s: policy %lld, state %lld, action %lld: %.17g is "
                                 "not a probability",
                                 P_PROBABILITIES, (long long)p, (long long)s, (long long)c, q[c]),
                 CREDAL_EDATA;
        sum += q[c];
      }
      if (!(fabs(sum - 1.0) <= SUM_TOLERANCE * (double)k))
        return credal__problem(sink, CREDAL_EDATA,
                               "%s: policy %lld, state %lld: the actions' "
                               "probabilities sum to %.17g, not 1",
                               P_PROBABILITIES, (long long)p, (long long)s, sum),
               CREDAL_EDATA;
    }
  return CREDAL_OK;
}

/* The prior (H,) and the prior set's rows (Q, H): distributions over the hypotheses. */
static credal_status read_priors(credal__mdp_input *in, credal__problems *sink) {
  const int64_t H = in->s.hypotheses, Q = in->s.prior_set_size, before = sink->count;
  credal_status st = CREDAL_OK;
  if (in->prior && !(st = read_all(in, D_PRIOR, H5T_NATIVE_DOUBLE, in->prior)))
    check_vector(in->prior, H, 1, P_PRIOR, "hypothesis", sink);
  if (!st && in->prior_set && !(st = read_all(in, D_PRIOR_SET, H5T_NATIVE_DOUBLE, in->prior_set)))
    for (int64_t q = 0; q < Q; q++) {
      char name[64];
      snprintf(name, sizeof name, "%s row %lld", P_PRIOR_SET, (long long)q);
      check_vector(in->prior_set + q * H, H, 1, name, "hypothesis", sink);
    }
  if (st) credal__problem(sink, st, "%s", credal_last_error());
  return st ? st : sink->count > before ? CREDAL_EDATA : CREDAL_OK;
}

/* ---- open ---- */

/* Bytes the open reader holds; 0 when they overflow. */
static uint64_t resident_bytes(const credal__mdp_summary *s) {
  const uint64_t S = (uint64_t)s->states, C = (uint64_t)s->choices, N = (uint64_t)s->transitions;
  const uint64_t H = (uint64_t)s->hypotheses, P = (uint64_t)s->policies;
  const uint64_t Q = (uint64_t)s->prior_set_size;
  if (S > (1ull << 40) || C > (1ull << 40) || N > (1ull << 40) || H > (1ull << 40) ||
      P > (1ull << 40) || Q > (1ull << 20))
    return 0;
  uint64_t policies = 0, total = 0;
  if (credal__mul_u64(P, s->randomised ? C * 8 : S * 4, &policies) ||
      credal__add_u64(
          policies, 8 * (S + C + N + 2) + 8 * C + 2 * S + 8 * S + 8 * (2 * N + C) + 8 * H * (Q + 1),
          &total))
    return 0;
  return total;
}

static void *alloc_array(uint64_t n, size_t size, int *failed) {
  void *p = calloc((size_t)(n ? n : 1), size);
  if (!p) *failed = 1;
  return p;
}

static credal_status allocate(credal__mdp_input *in) {
  const credal__mdp_summary *s = &in->s;
  const uint64_t S = (uint64_t)s->states, C = (uint64_t)s->choices, N = (uint64_t)s->transitions;
  int failed = 0;
  in->choice_offsets = alloc_array(S + 1, 8, &failed);
  in->successor_offsets = alloc_array(C + 1, 8, &failed);
  in->successors = alloc_array(N, 8, &failed);
  in->initial = alloc_array(S, 8, &failed);
  in->rows = alloc_array(2 * N, 8, &failed);
  in->scalars = alloc_array(C, 8, &failed);
  if (in->ids[D_REWARD] >= 0) in->reward = alloc_array(C, 8, &failed);
  if (in->ids[D_TARGET] >= 0) in->target = alloc_array(S, 1, &failed);
  if (in->ids[D_AVOID] >= 0) in->avoid = alloc_array(S, 1, &failed);
  if (s->randomised)
    in->probabilities = alloc_array((uint64_t)s->policies * C, 8, &failed);
  else
    in->actions = alloc_array((uint64_t)s->policies * S, 4, &failed);
  if (s->has_prior) in->prior = alloc_array((uint64_t)s->hypotheses, 8, &failed);
  if (s->prior_set_size)
    in->prior_set = alloc_array((uint64_t)s->prior_set_size * (uint64_t)s->hypotheses, 8, &failed);
  return failed ? CREDAL_ENOMEM : CREDAL_OK;
}

/* Whether the shared parts fit the budget (a problem, EUSAGE, when they do not). */
static int fits(credal__mdp_input *in, uint64_t budget, credal__problems *sink) {
  in->s.resident_bytes = resident_bytes(&in->s);
  if (in->s.resident_bytes && (!budget || in->s.resident_bytes <= budget)) return 1;
  char need[32], have[32];
  credal__problem(sink, CREDAL_EUSAGE,
                  "the model (S = %lld states, C = %lld choices, N = %lld "
                  "transitions) with its %lld policies takes %s, more than --memory %s allows",
                  (long long)in->s.states, (long long)in->s.choices, (long long)in->s.transitions,
                  (long long)in->s.policies,
                  in->s.resident_bytes
                      ? credal__format_bytes(in->s.resident_bytes, need, sizeof need)
                      : "more than 2^64 bytes",
                  credal__format_bytes(budget, have, sizeof have));
  return 0;
}

static credal_status open_mdp(const char *path, const credal__names_policy *names, uint64_t budget,
                              credal__problems *sink, credal__mdp_input **out) {
  const int64_t before = sink->count;
  *out = NULL;
  credal__h5_init();
  if (credal__input_file_check(path, sink)) return CREDAL_ENOINPUT;
  credal__mdp_input *in = calloc(1, sizeof *in);
  if (!in) return credal__problem(sink, CREDAL_ENOMEM, "%s: out of memory", path), CREDAL_ENOMEM;
  for (int i = 0; i < D_COUNT; i++) in->ids[i] = H5I_INVALID_HID;
  if ((in->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
    char text[800];
    credal__h5_open_error(path, text, sizeof text);
    credal__problem(sink, CREDAL_ENOINPUT, "%s", text);
    credal__mdp_close(in);
    return CREDAL_ENOINPUT;
  }
  if (!check_root(in, sink)) goto done;
  open_datasets(in, sink);
  read_shapes(in, sink);
  read_objective(in, sink);
  for (int i = 0; i < D_COUNT; i++)
    if (in->ids[i] >= 0 && !in->bools[i])
      credal__input_chunk_index_damaged(sink, in->ids[i], DATASETS[i].path);
  if (sink->count > before || !fits(in, budget, sink)) goto done;
  if (allocate(in)) {
    credal__problem(sink, CREDAL_ENOMEM, "%s: out of memory for the model", path);
    goto done;
  }
  if (read_structure(in, sink) || read_objective_values(in, sink) || read_policies(in, sink) ||
      read_priors(in, sink))
    goto done;
  credal__input_check_labels(sink, in->file, in->s.hypotheses, in->s.policies);
  credal__check_known_names(in->file, "credal-mdp", names, sink);
  in->s.tolerance = SUM_TOLERANCE;
done:
  if (sink->count > before) {
    credal__mdp_close(in);
    return sink->first ? sink->first : CREDAL_EDATA;
  }
  *out = in;
  return CREDAL_OK;
}

/* The probe child's pass: the structure, quietly. */
static void probe_mdp(const char *path) {
  credal__problems quiet;
  credal__mdp_input *in = NULL;
  credal__problems_init(&quiet, NULL, NULL, 0);
  open_mdp(path, NULL, 0, &quiet, &in);
  credal__mdp_close(in);
}

credal_status credal__mdp_open(const char *path, const credal__names_policy *names, uint64_t budget,
                               credal__problems *sink, credal__mdp_input **out) {
  *out = NULL;
  const credal_status st = credal__input_probe(path, sink, probe_mdp);
  return st ? st : open_mdp(path, names, budget, sink, out);
}

void credal__mdp_close(credal__mdp_input *in) {
  if (!in) return;
  for (int i = 0; i < D_COUNT; i++)
    if (in->ids[i] >= 0) H5Dclose(in->ids[i]);
  if (in->file >= 0) H5Fclose(in->file);
  H5Eclear2(H5E_DEFAULT);
  void *arrays[] = {in->choice_offsets, in->successor_offsets, in->successors,
                    in->reward,         in->initial,           in->target,
                    in->avoid,          in->actions,           in->probabilities,
                    in->prior,          in->prior_set,         in->rows,
                    in->scalars};
  for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) free(arrays[i]);
  free(in);
}

const credal__mdp_summary *credal__mdp_describe(const credal__mdp_input *in) {
  return &in->s;
}
const double *credal__mdp_initial(const credal__mdp_input *in) {
  return in->initial;
}
const double *credal__mdp_prior(const credal__mdp_input *in) {
  return in->prior;
}
const double *credal__mdp_prior_set(const credal__mdp_input *in) {
  return in->prior_set;
}
hid_t credal__mdp_file(const credal__mdp_input *in) {
  return in->file;
}

void credal__mdp_policy(const credal__mdp_input *in, int64_t p, double *out) {
  const int64_t S = in->s.states, C = in->s.choices;
  if (in->s.randomised) {
    memcpy(out, in->probabilities + p * C, (size_t)C * sizeof *out);
    return;
  }
  memset(out, 0, (size_t)C * sizeof *out);
  for (int64_t s = 0; s < S; s++) out[in->choice_offsets[s] + in->actions[p * S + s]] = 1.0;
}

void credal__mdp_policy_arrays(const credal__mdp_input *in, const int32_t **actions,
                               const double **probabilities) {
  *actions = in->actions, *probabilities = in->probabilities;
}

/* ---- one hypothesis ---- */

static credal_status read_row(credal__mdp_input *in, int i, int64_t h, int64_t n, double *out,
                              credal__problems *sink) {
  const hsize_t start[2] = {(hsize_t)h, 0}, count[2] = {1, (hsize_t)n};
  const credal_status st =
      credal__h5_read_block(in->ids[i], DATASETS[i].path, 2, start, count, H5T_NATIVE_DOUBLE, out);
  if (st) credal__problem(sink, st, "%s", credal_last_error());
  return st;
}

/* Choice c of hypothesis h: its sets' values, as the in-memory API checks them. */
static int check_choice(const credal__mdp_input *in, int64_t h, int64_t c, credal__problems *sink) {
  const int64_t j0 = in->successor_offsets[c], n = in->successor_offsets[c + 1] - j0,
                N = in->s.transitions;
  const int intervals = in->s.sets == CREDAL_MDP_INTERVALS;
  const double *a = in->rows + j0, *b = in->rows + N + j0; /* lower, upper; or nominal */
  double sa = 0.0, sb = 0.0;
  for (int64_t i = 0; i < n; i++) {
    const int64_t t = in->successors[j0 + i];
    const int bad =
        intervals ? !(a[i] >= 0.0 && a[i] <= b[i] && b[i] <= 1.0) : !(a[i] >= 0.0 && a[i] <= 1.0);
    if (bad && intervals)
      return credal__problem(
                 sink, CREDAL_EDATA,
                 "%s, %s: hypothesis %lld, choice %lld, successor state "
                 "%lld (entry %lld): [%.17g, %.17g] is not within 0 <= lower <= upper <= 1",
                 P_LOWER, P_UPPER, (long long)h, (long long)c, (long long)t, (long long)(j0 + i),
                 a[i], b[i]),
             0;
    if (bad)
      return credal__problem(sink, CREDAL_EDATA,
                             "%s: hypothesis %lld, choice %lld, successor state %lld "
                             "(entry %lld): %.17g is not a probability",
                             P_NOMINAL, (long long)h, (long long)c, (long long)t,
                             (long long)(j0 + i), a[i]),
             0;
    sa += a[i], sb += intervals ? b[i] : 0.0;
  }
  const double tol = SUM_TOLERANCE * (double)n;
  if (intervals && !(sa <= 1.0 + tol && sb >= 1.0 - tol))
    return credal__problem(
               sink, CREDAL_EDATA,
               "%s, %s: hypothesis %lld, choice %lld: the lower bounds "
               "sum to %.17g and the upper to %.17g; no law fits (sum lower <= 1 <= sum upper)",
               P_LOWER, P_UPPER, (long long)h, (long long)c, sa, sb),
           0;
  if (!intervals && !(fabs(sa - 1.0) <= tol))
    return credal__problem(sink, CREDAL_EDATA,
                           "%s: hypothesis %lld, choice %lld: the nominal law sums "
                           "to %.17g, not 1",
                           P_NOMINAL, (long long)h, (long long)c, sa),
           0;
  if (!intervals && !(in->scalars[c] >= 0.0 && in->scalars[c] <= 1.0))
    return credal__problem(
               sink, CREDAL_EDATA, "%s: hypothesis %lld, choice %lld: %.17g is outside [0, 1]",
               DATASETS[in->scalars_dataset].path, (long long)h, (long long)c, in->scalars[c]),
           0;
  return 1;
}

/* Hypothesis h's sets into the reader's buffers, unchecked. */
static credal_status read_sets(credal__mdp_input *in, int64_t h, credal__problems *sink) {
  const int64_t N = in->s.transitions, C = in->s.choices;
  const int intervals = in->s.sets == CREDAL_MDP_INTERVALS;
  credal_status st = intervals ? read_row(in, D_LOWER, h, N, in->rows, sink)
                               : read_row(in, D_NOMINAL, h, N, in->rows, sink);
  if (!st)
    st = intervals ? read_row(in, D_UPPER, h, N, in->rows + N, sink)
                   : read_row(in, in->scalars_dataset, h, C, in->scalars, sink);
  return st;
}

credal_status credal__mdp_hypothesis(credal__mdp_input *in, int64_t h, credal_mdp *m,
                                     credal__problems *sink) {
  const credal__mdp_summary *s = &in->s;
  const int64_t N = s->transitions, C = s->choices;
  const int intervals = s->sets == CREDAL_MDP_INTERVALS;
  credal_status st = read_sets(in, h, sink);
  if (st) return st;
  for (int64_t c = 0; c < C; c++)
    if (!check_choice(in, h, c, sink)) return CREDAL_EDATA;
  memset(m, 0, sizeof *m);
  m->states = s->states;
  m->choice_offsets = in->choice_offsets, m->successor_offsets = in->successor_offsets;
  m->successors = in->successors;
  m->objective = s->objective, m->reward = in->reward, m->discount = s->discount;
  m->target = in->target, m->avoid = in->avoid;
  m->horizon = s->horizon, m->epsilon = s->epsilon, m->sets = s->sets;
  if (intervals)
    m->lower = in->rows, m->upper = in->rows + N;
  else
    m->nominal = in->rows, m->radius = in->scalars;
  return CREDAL_OK;
}

credal_status credal__mdp_validate(const char *path, const credal__names_policy *names,
                                   credal__problems *sink) {
  credal__mdp_input *in = NULL;
  credal_status st = credal__mdp_open(path, names, 0, sink, &in);
  credal_mdp m;
  for (int64_t h = 0; !st && h < in->s.hypotheses; h++) credal__mdp_hypothesis(in, h, &m, sink);
  credal__mdp_close(in);
  return st ? st : sink->first;
}

uint64_t credal__mdp_sets_digest(const credal__mdp_input *in, int64_t h) {
  const int64_t N = in->s.transitions, C = in->s.choices;
  if (in->s.sets == CREDAL_MDP_INTERVALS) return credal__digest_rows(h, 0, 1, 2 * N, in->rows, NULL);
  return credal__digest_rows(h, 0, 1, N, in->rows, NULL) +
         credal__digest_rows(h, 1, 1, C, in->scalars, NULL);
}

credal_status credal__mdp_fingerprint(credal__mdp_input *in, const char *path,
                                      const char *backend, int upper, unsigned rules,
                                      double hurwicz, int policy_only, char *buf, size_t cap) {
  const credal__mdp_summary *s = &in->s;
  const int64_t S = s->states, C = s->choices, N = s->transitions, H = s->hypotheses;
  struct stat sb;
  if (stat(path, &sb) != 0) return credal__fail(CREDAL_ENOINPUT, "%s: cannot stat the input", path);
  uint64_t model = 0xcbf29ce484222325ull, policies = model;
  model = credal__fnv1a(model, in->choice_offsets, (size_t)(S + 1) * 8);
  model = credal__fnv1a(model, in->successor_offsets, (size_t)(C + 1) * 8);
  model = credal__fnv1a(model, in->successors, (size_t)N * 8);
  if (in->reward) model = credal__fnv1a(model, in->reward, (size_t)C * 8);
  if (in->target) model = credal__fnv1a(model, in->target, (size_t)S);
  if (in->avoid) model = credal__fnv1a(model, in->avoid, (size_t)S);
  model = credal__fnv1a(model, in->initial, (size_t)S * 8);
  policies = in->actions ? credal__fnv1a(policies, in->actions, (size_t)(s->policies * S) * 4)
                         : credal__fnv1a(policies, in->probabilities, (size_t)(s->policies * C) * 8);
  if (in->prior) policies = credal__fnv1a(policies, in->prior, (size_t)H * 8);
  if (in->prior_set)
    policies = credal__fnv1a(policies, in->prior_set, (size_t)(s->prior_set_size * H) * 8);
  const int n = snprintf(buf, cap,
                         "mdp input_bytes=%lld S=%lld C=%lld N=%lld H=%lld P=%lld Q=%lld prior=%d "
                         "sets=%d objective=%d discount=%.17g horizon=%lld epsilon=%.17g "
                         "randomised=%d model_hash=%016llx "
                         "policies_hash=%016llx backend=%s upper=%d rules=%u hurwicz=%.17g "
                         "outputs=%s",
                         (long long)sb.st_size, (long long)S, (long long)C, (long long)N,
                         (long long)H, (long long)s->policies, (long long)s->prior_set_size,
                         s->has_prior, (int)s->sets, (int)s->objective, s->discount,
                         (long long)s->horizon, s->epsilon, s->randomised,
                         (unsigned long long)model, (unsigned long long)policies, backend, upper, rules, hurwicz,
                         policy_only ? "policy" : "all");
  if (n < 0 || (size_t)n >= cap) return credal__fail(CREDAL_EINTERNAL, "fingerprint too long");
  return CREDAL_OK;
}
