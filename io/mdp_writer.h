/* Writing credal-mdp v1 files (SPEC §10): the structure and objective at create, then the
 * hypotheses' sets one hypothesis at a time (memory does not grow with H), the policies and
 * priors, and finish. Written as PATH.partial and renamed to PATH only when every part is
 * there; abort (or a failing finish) removes PATH.partial. Datasets are chunked, shuffled and
 * deflated, without timestamps: the same calls give the same bytes. */
#ifndef CREDAL_MDP_WRITER_H
#define CREDAL_MDP_WRITER_H

#include <stdint.h>

#include "internal.h"

typedef struct {
  credal_mdp model;         /* structure, objective, sets (its per-hypothesis arrays unused) */
  int64_t hypotheses, policies, prior_set_size;
  int randomised;           /* /policies/probabilities (P, C) instead of /policies/action */
  const double *initial;    /* (S,) or NULL (point mass on state 0) */
  int has_prior;
  int force;                /* replace an existing PATH and a stale PATH.partial */
} credal__mdp_spec;

typedef struct credal__mdp_writer credal__mdp_writer;

/* Creates PATH.partial with the root attributes, /mdp (written now) and the empty datasets.
 * EEXIST when PATH or PATH.partial exists without force; ECANTCREATE when the file cannot be
 * created or cannot fit its file system's free space; EUSAGE for a bad spec. */
credal_status credal__mdp_writer_create(const char *path, const credal__mdp_spec *spec,
                                        credal__mdp_writer **out);
/* Hypothesis h's sets: intervals lower (N,), upper (N,); TV balls / contamination nominal
 * (N,) and radius / epsilon (C,). Hypotheses may come in any order. */
credal_status credal__mdp_writer_hypothesis(credal__mdp_writer *w, int64_t h, const double *a,
                                            const double *b);
/* The policies: actions (P, S) (each state's action 0 .. K_s-1), or probabilities (P, C). */
credal_status credal__mdp_writer_policies(credal__mdp_writer *w, const int32_t *actions,
                                          const double *probabilities);
/* prior (H,) when spec.has_prior, prior_set (Q, H) when Q > 0. */
credal_status credal__mdp_writer_priors(credal__mdp_writer *w, const double *prior,
                                        const double *prior_set);
/* Checks that everything was written, closes and renames; frees w in every case. */
credal_status credal__mdp_writer_finish(credal__mdp_writer *w);
/* Closes, removes PATH.partial, frees w (NULL is fine); keeps this thread's last error. */
void credal__mdp_writer_abort(credal__mdp_writer *w);

#endif /* CREDAL_MDP_WRITER_H */
