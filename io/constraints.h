/* Reading credal-constraints v1 files (docs/schema.md): credal sets given by linear
 * constraints within the simplex, the input of `credal convert`.
 *
 *   /  attrs schema = "credal-constraints", version = 1
 *   /constraints/A        float (M_total, d)  rows a_i of  a_i q <= b_i
 *   /constraints/b        float (M_total,)
 *   /constraints/offsets  integer (H+1,)      hypothesis h owns rows offsets[h]..offsets[h+1]-1
 *                                             (non-decreasing: no rows is the whole simplex)
 *   /policies/utility     float (P, d)        copied to the output
 *   /hypotheses/prior, /hypotheses/prior_set  optional, copied
 *
 * Opening checks the structure (links, storage, ranks, dtypes, shapes, offsets) and every
 * value (finite), each problem with the dataset and index; all is read into memory (the
 * constraints of one file, the policies and priors). */
#ifndef CREDAL_CONSTRAINTS_H
#define CREDAL_CONSTRAINTS_H

#include "internal.h"

typedef struct {
  int64_t hypotheses, rows, dim, policies, prior_set_size; /* H, M_total, d, P, Q */
  int64_t *offsets;   /* (H+1,) */
  double *A, *b;      /* (M_total, d), (M_total,) */
  double *utility;    /* (P, d) */
  double *prior;      /* (H,) or NULL */
  double *prior_set;  /* (Q, H) or NULL */
} credal__constraints;

/* Every problem goes to sink; CREDAL_OK with *out filled, else the first problem's status. */
credal_status credal__constraints_read(const char *path, credal__problems *sink,
                                       credal__constraints *out);
void credal__constraints_free(credal__constraints *c);

#endif /* CREDAL_CONSTRAINTS_H */
