/* The chunk pipeline: an I/O thread reads (and checks) chunks of hypotheses into a ring of
 * slots and writes finished slots in order, while the calling thread submits chunks to the
 * backend (which may keep several in flight). HDF5 is only ever touched by the I/O thread,
 * except for hypotheses too large for one slot, which the calling thread reads piece by piece
 * with the pipeline drained.
 *
 *   slot states:  FREE --read+check--> READY --submit--> BUSY --wait[+rules]--> DONE --write--> FREE
 *
 * Chunk i always lives in slot i % slots, so reads, submissions and writes all happen in
 * chunk order, and so do the backend's accumulations: the output does not depend on timing. */
#ifndef CREDAL_PIPELINE_H
#define CREDAL_PIPELINE_H

#include "../io/batch_reader.h"
#include "../io/result_writer.h"
#include "backend.h"
#include "plan.h"
#include "rules.h"

typedef struct {
  credal_input *input;
  credal__backend *backend;
  credal__result_writer *output;
  const credal__plan *plan;
  int slots;                  /* backend->depth + 2: one reading, `depth` computing, one writing */
  int upper;
  void (*progress)(void *ctx, int64_t rows_done, int64_t rows_total);
  void *progress_ctx;
  volatile int *interrupt;    /* stop at the next chunk boundary when it becomes non-zero */
  int64_t start;              /* first hypothesis (a resumed run: those before are done) */
  int64_t end;                /* one past the last hypothesis of this run (0: H) */
  credal__pool *pool;         /* checks each chunk's values in parallel (NULL: the I/O thread) */
  credal__rules *rules;       /* the decision rules of each finished chunk (NULL: none); needs
                               * upper */
  /* The size guard after each chunk written (NULL: none): the output file growing at path,
   * which holds hypotheses first .. end-1; policy_bytes for the message (--outputs policy). */
  const char *space_path;
  int64_t space_first;
  uint64_t policy_bytes;
} credal__pipeline_config;

typedef struct {
  int64_t hypotheses_done;    /* written to the output, in order, counting those before start */
  uint64_t digest;            /* of the hypotheses this run wrote (host/digest.h) */
  int64_t chunks;
  int64_t chunk_rows_max;     /* most hypotheses in one chunk */
} credal__pipeline_stats;

/* Runs every chunk. CREDAL_EINTERRUPTED when the interrupt flag stopped it (the chunks
 * submitted before are finished and written); any other failure stops everything and returns
 * the first error, with its message. */
credal_status credal__pipeline_run(const credal__pipeline_config *config,
                                   credal__pipeline_stats *stats);

#endif /* CREDAL_PIPELINE_H */
