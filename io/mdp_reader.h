/* Reading credal-mdp v1 files (SPEC §10, docs/schema.md): the structure, objective, policies
 * and priors are read and checked at open and stay in memory (every hypothesis shares them);
 * the hypotheses' credal sets are read and checked one hypothesis at a time. */
#ifndef CREDAL_MDP_READER_H
#define CREDAL_MDP_READER_H

#include <hdf5.h>

#include "internal.h"
#include "known_names.h"

typedef struct {
  int64_t states, choices, transitions;         /* S, C, N */
  int64_t hypotheses, policies, prior_set_size; /* H, P, Q */
  int has_prior, has_initial, has_avoid;
  int randomised;  /* /policies/probabilities (P, C) rather than /policies/action (P, S) */
  int max_choices; /* the most choices one state has */
  credal_mdp_sets sets;
  credal_mdp_objective objective;
  double discount, epsilon, tolerance;
  int64_t horizon;         /* 0: infinite */
  uint64_t resident_bytes; /* what the open reader holds (the memory budget's share) */
} credal__mdp_summary;

typedef struct credal__mdp_input credal__mdp_input;

/* Opens path, checks its structure and reads the shared parts: /mdp and its attributes,
 * /policies, the priors, with every value checked; names neither schema defines are problems
 * (or with names->allow_unknown warnings). A file whose shared parts take more than budget
 * bytes (0: no limit) is EUSAGE. Every problem goes to sink; returns CREDAL_OK with *out set or
 * the first problem's status with *out NULL. */
credal_status credal__mdp_open(const char *path, const credal__names_policy *names, uint64_t budget,
                               credal__problems *sink, credal__mdp_input **out);
void credal__mdp_close(credal__mdp_input *in); /* NULL is fine */
const credal__mdp_summary *credal__mdp_describe(const credal__mdp_input *in);

/* The model of hypothesis h (0 <= h < H): the shared structure and objective with h's credal
 * sets, read into the reader's buffers (valid until the next call) and checked, each problem
 * to sink naming the dataset, hypothesis, choice and successor. CREDAL_EDATA when h has one. */
credal_status credal__mdp_hypothesis(credal__mdp_input *in, int64_t h, credal_mdp *model,
                                     credal__problems *sink);
/* The initial distribution (S,): /mdp/initial, or a point mass on state 0. */
const double *credal__mdp_initial(const credal__mdp_input *in);
/* Policy p (0 <= p < P) as a distribution over each state's choices, (C,). */
void credal__mdp_policy(const credal__mdp_input *in, int64_t p, double *out);
/* The policies as stored: actions (P, S), or probabilities (P, C) when randomised; the other
 * NULL. */
void credal__mdp_policy_arrays(const credal__mdp_input *in, const int32_t **actions,
                               const double **probabilities);
/* /hypotheses/prior (H,) and /hypotheses/prior_set (Q, H), or NULL when absent. */
const double *credal__mdp_prior(const credal__mdp_input *in);
const double *credal__mdp_prior_set(const credal__mdp_input *in);
/* The open HDF5 file (names travel into the result from it). */
hid_t credal__mdp_file(const credal__mdp_input *in);

/* The digest (io/digest.h) of hypothesis h's sets, as the last credal__mdp_hypothesis read
 * them. */
uint64_t credal__mdp_sets_digest(const credal__mdp_input *in, int64_t h);
/* The resume fingerprint (io/resume_state.h) of the input at path and the options that change
 * the output: sizes, objective, a digest of the structure, policies and priors (the sets of
 * the hypotheses done have their own digest, credal__mdp_sets_digest). */
credal_status credal__mdp_fingerprint(credal__mdp_input *in, const char *path,
                                      const char *backend, int upper, unsigned rules,
                                      double hurwicz, int policy_only, char *buf, size_t cap);

/* credal validate on a credal-mdp file: the open's checks, then every hypothesis's sets. */
credal_status credal__mdp_validate(const char *path, const credal__names_policy *names,
                                   credal__problems *sink);

#endif /* CREDAL_MDP_READER_H */
