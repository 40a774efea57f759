/* Writing credal-batch v1 files (SPEC §2) incrementally, so a producer never holds all H
 * hypotheses in memory.
 *
 * Usage: fill a credal__batch_spec with the final sizes, create the writer, append every
 * dataset front to back in blocks (in any interleaving of datasets), then finish:
 *
 *   credal__batch_spec spec;
 *   credal__batch_spec_init(&spec);
 *   spec.hypotheses = H; spec.generators = K_total; spec.dim = d; spec.policies = P;
 *   credal__batch_writer *w;
 *   if ((st = credal__batch_writer_create(path, &spec, &w)) != CREDAL_OK) return st;
 *   ... credal__batch_writer_append_offsets(w, n, offsets) ...   (H+1 values in all)
 *   ... credal__batch_writer_append_points(w, rows, points) ...  (K_total rows in all)
 *   ... credal__batch_writer_append_utility(w, rows, utility) ...(P rows in all)
 *   return credal__batch_writer_finish(w);   (w is freed whatever the outcome)
 *
 * The file is written as PATH.partial and renamed to PATH by finish, only once every dataset
 * is complete; credal__batch_writer_abort() (or any failing finish) removes PATH.partial, so
 * no half-written file remains. Datasets are chunked with the spec's codec (default shuffle +
 * deflate(1)); rows appended front to back are encoded by credal on the spec's pool and written
 * with direct chunk writes (io/chunk_write.h), the prior set's columns by HDF5. They carry no
 * timestamps: the same appends give byte-identical files. Memory use does not depend on H
 * (HDF5 chunk caches of a few chunks per dataset).
 *
 * Errors are credal statuses with the message in credal_last_error(): ECANTCREATE / EEXIST
 * when the file cannot be created, EIO when HDF5 fails while writing, EUSAGE for a bad spec,
 * EINTERNAL for appends that overrun a dataset or break the offsets' rules. After a failed
 * append the writer can only be aborted.
 */
#ifndef CREDAL_BATCH_WRITER_H
#define CREDAL_BATCH_WRITER_H

#include <stdint.h>

#include "internal.h"
#include "codec.h"
#include "pool.h"

typedef struct {
  int64_t hypotheses;      /* generator hypotheses H_g >= 1 (or 0 with structured sets) */
  int64_t generators;      /* K_total >= H_g (every hypothesis owns at least one row) */
  int64_t dim;             /* d >= 1 */
  int64_t policies;        /* P >= 1 */
  int64_t prior_set_size;  /* Q: rows of /hypotheses/prior_set, 0 for none */
  credal_kind kind;        /* /hypotheses attr kind */
  int points_f32;          /* /hypotheses/points stored as float32 (else float64) */
  int utility_f32;         /* /policies/utility stored as float32 (else float64) */
  int has_constants;       /* write /hypotheses/constants (float64, (K_total,)) */
  int has_prior;           /* write /hypotheses/prior (float64, (H,)) */
  double tolerance;        /* /hypotheses attr tolerance when > 0; not written when <= 0 */
  int force;               /* replace an existing PATH and a stale PATH.partial */
  credal__codec codec;     /* every dataset's filters (spec_init: gzip:1 with shuffle) */
  credal__pool *pool;      /* encodes the row-appended datasets' chunks (NULL: the caller's
                              thread); must outlive the writer */
  /* Structured sets after the generators: hypotheses per family ([GENERATORS] unused), and
   * the belief functions' focal sets in all. Priors cover all hypotheses. */
  int64_t structured[CREDAL_FAMILY_COUNT];
  int64_t focal_sets;
  /* When non-NULL and it becomes non-zero, the next append fails with CREDAL_EINTERRUPTED
   * (abort then removes the partial file: a writer does not resume). */
  volatile int *interrupt;
} credal__batch_spec;

/* Zeroes spec: kind distribution, float64, no optional dataset, no tolerance, no force,
 * codec gzip:1. */
void credal__batch_spec_init(credal__batch_spec *spec);

typedef struct credal__batch_writer credal__batch_writer;

/* Creates PATH.partial with the root attributes, the groups and every dataset of spec
 * (fixed sizes, not yet written). Fails with CREDAL_EEXIST when PATH (or PATH.partial)
 * exists and spec->force is 0, and with CREDAL_ECANTCREATE when the file cannot fit the free
 * space of its file system even compressed 4:1. On failure *out is NULL and nothing is left
 * on disk. */
credal_status credal__batch_writer_create(const char *path, const credal__batch_spec *spec,
                                          credal__batch_writer **out);

/* Appends the next count values of /hypotheses/offsets ((H+1,) in all). The writer checks
 * them as they pass: offsets[0] = 0, strictly increasing, offsets[H] = K_total. */
credal_status credal__batch_writer_append_offsets(credal__batch_writer *w, int64_t count,
                                                  const int64_t *offsets);
/* Appends the next rows generators, (rows, d) row-major, to /hypotheses/points; converted to
 * the stored type (the _f32 variant lets a producer control float32 rounding itself). */
credal_status credal__batch_writer_append_points(credal__batch_writer *w, int64_t rows,
                                                 const double *points);
credal_status credal__batch_writer_append_points_f32(credal__batch_writer *w, int64_t rows,
                                                     const float *points);
/* Appends the next rows constants b_k, (rows,), to /hypotheses/constants. */
credal_status credal__batch_writer_append_constants(credal__batch_writer *w, int64_t rows,
                                                    const double *constants);
/* Appends the next rows policies, (rows, d) row-major, to /policies/utility. */
credal_status credal__batch_writer_append_utility(credal__batch_writer *w, int64_t rows,
                                                  const double *utility);
credal_status credal__batch_writer_append_utility_f32(credal__batch_writer *w, int64_t rows,
                                                      const float *utility);
/* Appends prior[h] for the next count hypotheses to /hypotheses/prior. */
credal_status credal__batch_writer_append_prior(credal__batch_writer *w, int64_t count,
                                                const double *prior);
/* Appends the next count columns (hypotheses) of the (Q, H) prior set; block is (Q, count)
 * row-major: block[q * count + i] = Z[q, h0 + i]. */
credal_status credal__batch_writer_append_prior_set(credal__batch_writer *w, int64_t count,
                                                    const double *block);

/* Appends the next count items of a structured family: tv_balls, contamination: centers
 * (count, d) and radius or epsilon (count,); intervals: lower (count, d) and upper (count, d);
 * belief: focal sets (count, d) of 0/1 (stored as uint8) and masses (count,). */
credal_status credal__batch_writer_append_family(credal__batch_writer *w, credal_family family,
                                                 int64_t count, const double *rows,
                                                 const double *second);
/* Appends the next count values of /belief/offsets ((H_b+1,) in all). */
credal_status credal__batch_writer_append_belief_offsets(credal__batch_writer *w, int64_t count,
                                                         const int64_t *offsets);

/* Checks that every dataset was written in full, closes the file and renames PATH.partial to
 * PATH (never replacing an existing PATH unless spec.force). Frees w in every case; on
 * failure PATH.partial is removed. NULL is refused with CREDAL_EINTERNAL. */
credal_status credal__batch_writer_finish(credal__batch_writer *w);
/* Closes, removes PATH.partial and frees w. NULL is fine. Keeps this thread's last error. */
void credal__batch_writer_abort(credal__batch_writer *w);

#endif /* CREDAL_BATCH_WRITER_H */
