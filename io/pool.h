/* A small pool of worker threads for the chunk codecs (SPEC §8): one pool per run serves the
 * input's decoding and the output's encoding. credal__pool_run hands out task indices to the
 * workers and the calling thread alike and returns when every task is done; callers take
 * turns (a run is never interleaved with another), so the pool needs no queue. */
#ifndef CREDAL_POOL_H
#define CREDAL_POOL_H

#include <stdint.h>

#include "internal.h"

typedef struct credal__pool credal__pool;

/* threads >= 1 in all, counting the caller of credal__pool_run (threads - 1 workers start).
 * Fails (nothing left running) when a thread cannot be started. */
credal_status credal__pool_create(int threads, credal__pool **out);
void credal__pool_destroy(credal__pool *pool); /* NULL is fine */
/* The online cores shared out among `sharers` (at least 1, at most 256): a pool's default size. */
int credal__pool_cores(int sharers);
/* Threads that run tasks (1 for NULL). */
int credal__pool_threads(const credal__pool *pool);

/* Runs task(ctx, i, worker) for i in [0, n): worker in [0, min(limit, threads)) says which
 * thread runs it (for per-thread scratch; limit <= 0: every thread). NULL pool: all on the
 * caller, worker 0. Tasks report failures through their context. */
void credal__pool_run(credal__pool *pool, int64_t n, int limit,
                      void (*task)(void *ctx, int64_t i, int worker), void *ctx);

#endif /* CREDAL_POOL_H */
