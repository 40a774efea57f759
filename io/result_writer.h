/* Writing credal-result v1 files (SPEC §3), rows chunk by chunk, into OUTPUT.partial. */
#ifndef CREDAL_RESULT_WRITER_H
#define CREDAL_RESULT_WRITER_H

#include <hdf5.h>

#include "internal.h"
#include "criteria.h"
#include "codec.h"
#include "pool.h"

typedef struct {
  int64_t hypotheses, policies, prior_set_size;
  int has_prior;
  int upper;          /* /upper and /argmax */
  int f32;            /* float datasets stored as float32 */
  const char *backend, *device, *input;
  int64_t row_base;   /* hypothesis h is row h - row_base of the file (a rank's scratch file) */
  int parallel;       /* every MPI rank opens the file together (MPI-IO); writes are collective */
  int uncompressed;   /* no shuffle + deflate: a rank's scratch file, read back once */
  const credal__codec *codec; /* the row datasets' codec (NULL: CREDAL_CODEC_DEFAULT) */
  credal__pool *pool;         /* encodes the row chunks (NULL: on the writing thread) */
  unsigned rules;     /* CREDAL_RULE_* flags: /rules/NAME masks and /rules/set_regret */
  int policy_only;    /* --outputs policy: no (H, P) datasets; /best, /policy, /choice, class rules */
  int lower_only;     /* an MPI share of a --outputs policy run: of the (H, P) datasets only
                       * /lower, which rank 0's final pass reads */
} credal__result_layout;

typedef struct credal__result_writer credal__result_writer;

/* Bytes of row buffers and encoded chunks the writer holds (for memory planning). */
uint64_t credal__result_cache_bytes(const credal__result_layout *layout);

/* What the finished file holds before compression: every dataset of the layout plus a margin
 * for HDF5's metadata (the size guard's estimate). */
uint64_t credal__result_estimate_bytes(const credal__result_layout *layout);

/* Creates path (which must not exist unless replace) with every dataset of the layout, and
 * root attributes with complete=0. */
credal_status credal__result_create(const char *path, const credal__result_layout *layout,
                                    int replace, credal__result_writer **out);

/* Opens an existing OUTPUT.partial to continue it (--resume): a credal-result file with
 * complete=0 whose row datasets have this layout's shapes and types; EDATA naming what differs
 * (or that it cannot be opened: damaged, truncated) otherwise. Updates the device attribute. */
credal_status credal__result_open(const char *path, const credal__result_layout *layout,
                                  credal__result_writer **out);
/* Opens a finished result of this layout (complete=1) read-only: a rank's scratch rows. */
credal_status credal__result_open_read(const char *path, const credal__result_layout *layout,
                                       credal__result_writer **out);
/* The open HDF5 file (for the resume state, io/resume_state.h). */
hid_t credal__result_hid(const credal__result_writer *w);

/* Rows h0 .. h0+count-1 of the (H, P) and (H,) datasets; upper/argmax NULL without --upper.
 * Parallel files: every rank calls it together, count 0 where a rank has nothing to write. */
credal_status credal__result_write_rows(credal__result_writer *w, int64_t h0, int64_t count,
                                        const double *lower, const int32_t *argmin,
                                        const double *upper, const int32_t *argmax,
                                        const double *regret, const double *best_value,
                                        const int32_t *best_policy);

/* Reads rows h0 .. h0+count-1 of /lower back as float64, for the MPI run's final pass over
 * all hypotheses in order (the regret stage recomputes best and regret from it exactly). */
credal_status credal__result_read_lower(credal__result_writer *w, int64_t h0, int64_t count,
                                        double *lower);
/* Copies rows [0, rows) of every row dataset of the finished scratch file `from` (the same
 * layout with hypotheses = rows) into rows row0 .. row0+rows-1 of the parallel file w, in
 * `rounds` collective rounds of at most `round_rows` rows (ranks with fewer rows join the later
 * rounds with nothing to write). */
credal_status credal__result_copy_rows(credal__result_writer *w, const char *from, int64_t row0,
                                       int64_t rows, int64_t round_rows, int64_t rounds);

/* Rows h0 .. h0+count-1 of the /rules datasets: masks (CREDAL_RULE_COUNT, count, P), of which
 * the layout's rules are written, and set_regret (count, P) (NULL without it). */
credal_status credal__result_write_rules(credal__result_writer *w, int64_t h0, int64_t count,
                                         const uint8_t *masks, const double *set_regret);
/* /rules/class/NAME, /rules/class/set_regret, the /rules attributes (tau, hurwicz, passes) and
 * /choice set_minimax_regret. */
credal_status credal__result_write_class_rules(credal__result_writer *w,
                                               const credal__rules_class *c, double hurwicz,
                                               double tau);

/* The per-policy criteria and the /choice attributes. credal_regret may be NULL without Q. */
credal_status credal__result_write_policies(credal__result_writer *w, const credal__regret *r,
                                            const double *credal_regret,
                                            const int32_t *credal_regret_prior,
                                            const credal__choices *choices);

/* Writes every row still buffered (an interrupted run's, before its resume state is saved). */
credal_status credal__result_flush(credal__result_writer *w);

/* Writes elapsed_seconds, removes a resume state, and, last, complete=1; flushes and closes.
 * w is freed either way. */
credal_status credal__result_finish(credal__result_writer *w, double elapsed_seconds);

/* Closes without marking complete (interruption or failure). NULL is fine. */
void credal__result_abandon(credal__result_writer *w);

#endif /* CREDAL_RESULT_WRITER_H */
