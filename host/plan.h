/* Chunk planning: how many hypotheses (and generator rows) fit in the memory budget.
 *
 * The budget (--memory) pays first for what stays resident for the whole run — the (P, d)
 * policies, the per-policy accumulators, the output chunk caches, a fixed allowance for HDF5
 * and the offsets window — and the rest is one arena that each chunk reuses:
 *   per hypothesis: P * (lower 8 + argmin 4 + regret 8 [+ upper 8 + argmax 4]) + best 8+4
 *                   + prior 8 + prior_set Q*8 + offset 8 [+ the rules' masks and set regret]
 *   per generator : d * 8 + 8 (points and constant, float64)
 * The pipeline keeps `slots` chunks alive at once (being read, computed, written), so each
 * slot's arena is the rest divided by `slots`. A chunk takes consecutive hypotheses while they
 * fit its arena and the backend's own limits; a hypothesis too large on its own is evaluated
 * in pieces of generator rows and merged (lowest index on ties). */
#ifndef CREDAL_PLAN_H
#define CREDAL_PLAN_H

#include "../io/internal.h"

/* Chunks never exceed this many bytes of input even with a huge budget, so progress and
 * interruption stay responsive. */
#define CREDAL_CHUNK_MAX_BYTES ((uint64_t)32 << 20)
/* Nor more than this in all (input and results): output-heavy runs then overlap computing one
 * chunk with writing the last, and touch no more memory than that takes. */
#define CREDAL_CHUNK_MAX_FOOTPRINT ((uint64_t)96 << 20)
/* Per-slot allowance for aligning each of a slot's buffers to 64 bytes. */
#define CREDAL_SLOT_SLACK ((uint64_t)16 * 64)
/* Allowance for HDF5's own buffers (type conversion, metadata and input chunk caches). */
#define CREDAL_HDF5_ALLOWANCE ((uint64_t)8 << 20)

typedef struct {
  uint64_t resident_bytes;      /* what stays allocated for the whole run */
  uint64_t arena_bytes;         /* what one chunk (one slot) may use */
  uint64_t bytes_per_hypothesis;
  uint64_t bytes_per_generator;
  int64_t max_rows;             /* the backend's limits per chunk (0: none) */
  int64_t max_hypotheses;
  /* Work bound per chunk, so that an interrupted run stops within about a second: a chunk
   * (beyond its first hypothesis) holds at most max_work / work_per_row generator rows
   * (0: no bound). Memory-sized chunks of many policies would take tens of seconds. */
  uint64_t max_work, work_per_row;
} credal__plan;

/* What a stage beyond the regret stage adds (the decision rules): bytes for the whole run and
 * per hypothesis of a chunk. */
typedef struct {
  uint64_t resident_bytes;
  uint64_t bytes_per_hypothesis;
} credal__plan_extra;

/* extra may be NULL. out_cache_bytes: the output writer's chunk caches; structured: the input has structured
 * sets (the policies' utility orders stay resident, and a slot must hold the two rows of an
 * interval set). Fails with EUSAGE naming the minimum --memory when the budget cannot hold the
 * resident part plus, in each of `slots` slots, one hypothesis row and one (two) rows. */
credal_status credal__plan_make(credal__plan *plan, uint64_t memory_bytes, int64_t policies,
                                int64_t dim, int64_t prior_set_size, int has_prior, int upper,
                                uint64_t out_cache_bytes, int slots, int structured,
                                const credal__plan_extra *extra);

/* Bytes of one slot's buffers for a chunk of `count` hypotheses and `rows` generator rows
 * (including alignment): what credal__plan_chunk keeps within arena_bytes. */
uint64_t credal__plan_chunk_bytes(const credal__plan *plan, int64_t count, int64_t rows);

/* Given offsets[0..available] of hypotheses h0 .. h0+available-1 (absolute row numbers),
 * returns how many of them (>= 1) form the next chunk. *piece_rows is 0 when the whole chunk
 * fits, else the chunk is one hypothesis to be read in pieces of *piece_rows rows. */
int64_t credal__plan_chunk(const credal__plan *plan, const int64_t *offsets, int64_t available,
                           int64_t *piece_rows);

#endif /* CREDAL_PLAN_H */
