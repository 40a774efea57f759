/* A digest of an input's content, hypothesis by hypothesis, for --resume: a partial output
 * records the digest of the hypotheses it has done, and a resumed run recomputes it from the
 * input before continuing, so that any edit of their values, offsets or priors is refused,
 * whatever the file's size and time stamps (docs/streaming.md, "Interruption and resume").
 *
 * The digest is a sum (mod 2^64) of one term per row (its hypothesis, its place in it, its
 * values and scalar) and one per hypothesis (its family, its rows, its prior and prior-set
 * column): the same for any chunking, pieces, threads or ranks. A credal MDP's hypothesis is
 * its sets (io/mdp_reader.h). */
#ifndef CREDAL_DIGEST_H
#define CREDAL_DIGEST_H

#include <stdint.h>

#include "batch_reader.h"

/* Rows row0 .. row0+rows-1 of hypothesis h, (rows, d), with their scalars (NULL: none). */
uint64_t credal__digest_rows(int64_t h, int64_t row0, int64_t rows, int64_t d,
                             const double *points, const double *scalars);
/* Hypothesis h's own term: its family, its row count, prior (NULL: none) and its Q prior-set
 * entries, prior_set[q * stride] (Q may be 0). */
uint64_t credal__digest_hypothesis(int64_t h, credal_family family, int64_t rows,
                                   const double *prior, const double *prior_set, int64_t Q,
                                   int64_t stride);
/* The digest of a batch input's hypotheses [h0, h1), read within about `budget` bytes of
 * buffers (a hypothesis larger than that is read in pieces). */
credal_status credal__digest_input(credal_input *in, int64_t h0, int64_t h1, uint64_t budget,
                                   uint64_t *out);

#endif /* CREDAL_DIGEST_H */
