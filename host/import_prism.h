/* credal import-prism: PRISM explicit interval MDPs (.tra, .lab) to a credal-mdp input. */
#ifndef CREDAL_IMPORT_PRISM_H
#define CREDAL_IMPORT_PRISM_H

#include <stdint.h>

#include "credal.h"

typedef struct {
  const char *const *tra; /* the .tra files: one hypothesis each, one structure */
  int files;
  const char *lab;        /* the .lab file */
  const char *target;     /* the label of the target states (reach objective) */
  const char *avoid;      /* a label of states to avoid, or NULL */
  int64_t horizon;        /* steps; 0 infinite */
  double epsilon;         /* the /mdp epsilon attribute (0: 1e-9) */
  const char *output;
  int force;
} credal__import_prism_options;

/* Writes output: objective reach (target, avoid from the labels), the initial distribution
 * uniform over the states labelled "init" (state 0 without one), every file's intervals as
 * one hypothesis, and one policy (action 0 in every state). EDATA naming the file and line of
 * a problem, or a file whose structure differs from the first's. */
credal_status credal__import_prism(const credal__import_prism_options *o);

#endif /* CREDAL_IMPORT_PRISM_H */
