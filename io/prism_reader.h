/* PRISM's explicit model files (the PRISM manual, "Explicit Model Files"), for credal
 * import-prism: an MDP's transitions (.tra), probabilities or intervals "[lo,hi]", and its
 * labels (.lab). */
#ifndef CREDAL_PRISM_READER_H
#define CREDAL_PRISM_READER_H

#include <stdint.h>

#include "internal.h"

/* An interval MDP from a .tra file: the first line (after '#' comments) "S C N" (states,
 * choices, transitions), then one transition per line "src choice dst value [action]", value
 * a probability or "[lo,hi]", in any order; choices numbered 0 .. K_s-1 within each state.
 * Held in credal-mdp's layout (SPEC §10): successors ascending within a choice. */
typedef struct {
  int64_t states, choices, transitions;
  int64_t *choice_offsets;    /* (S+1,) */
  int64_t *successor_offsets; /* (C+1,) */
  int64_t *successors;        /* (N,) */
  double *lower, *upper;      /* (N,) */
} credal__prism_model;

/* Reads path; EDATA naming the file and line of the first problem (malformed line, index out
 * of range, a count that disagrees with the header, a transition given twice, a state without
 * a choice, a choice numbered out of sequence, an interval outside 0 <= lo <= hi <= 1, a choice
 * whose intervals admit no law), ENOINPUT when it cannot be opened. */
credal_status credal__prism_read_tra(const char *path, credal__prism_model *out);
void credal__prism_model_free(credal__prism_model *m);

/* From a .lab file (first line `0="init" 1="deadlock" ...`, then `s: i j ...` per state):
 * marks[s] = 1 for the states carrying the label `name` (states S). EDATA naming the file and
 * line for a malformed line or a state out of range, and when the label is not declared. */
credal_status credal__prism_read_label(const char *path, const char *name, int64_t states,
                                       uint8_t *marks);

#endif /* CREDAL_PRISM_READER_H */
