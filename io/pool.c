/* The codec thread pool; see pool.h. */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

struct credal__pool {
  int threads; /* workers + the caller */
  pthread_t *workers;
  pthread_mutex_t mu;
  pthread_cond_t work, done;
  pthread_mutex_t turn; /* one run at a time */
  /* the current run, guarded by mu */
  void (*task)(void *, int64_t, int);
  void *ctx;
  int64_t n, next, finished;
  int limit;           /* workers with an index >= limit sit this run out */
  uint64_t generation; /* bumped per run: a worker joins each run once */
  int busy;            /* workers inside the current run */
  int quit;
};

typedef struct {
  credal__pool *pool;
  int worker;
} worker_arg;

/* Takes task indices until none is left; mu is held on entry and exit. */
static void drain(credal__pool *p, int worker) {
  while (p->next < p->n) {
    const int64_t i = p->next++;
    pthread_mutex_unlock(&p->mu);
    p->task(p->ctx, i, worker);
    pthread_mutex_lock(&p->mu);
    if (++p->finished == p->n) pthread_cond_broadcast(&p->done);
  }
}

static void *worker_main(void *arg) {
  worker_arg *wa = arg;
  credal__pool *p = wa->pool;
  const int worker = wa->worker;
  free(wa);
  uint64_t seen = 0;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (!p->quit && p->generation == seen) pthread_cond_wait(&p->work, &p->mu);
    if (p->quit) break;
    seen = p->generation;
    if (worker >= p->limit) continue;
    p->busy++;
    drain(p, worker);
    if (--p->busy == 0) pthread_cond_broadcast(&p->done);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

credal_status credal__pool_create(int threads, credal__pool **out) {
  credal__pool *p = calloc(1, sizeof *p);
  *out = NULL;
  if (threads < 1) threads = 1;
  if (!p || !(p->workers = calloc((size_t)threads, sizeof *p->workers))) {
    free(p);
    return credal__fail(CREDAL_ENOMEM, "out of memory for the I/O thread pool");
  }
  pthread_mutex_init(&p->mu, NULL);
  pthread_mutex_init(&p->turn, NULL);
  pthread_cond_init(&p->work, NULL);
  pthread_cond_init(&p->done, NULL);
  p->threads = 1;
  for (int i = 1; i < threads; i++) {
    worker_arg *wa = malloc(sizeof *wa);
    if (!wa) break;
    wa->pool = p, wa->worker = i;
    if (pthread_create(&p->workers[i], NULL, worker_main, wa)) {
      free(wa);
      break;
    }
    p->threads++;
  }
  if (p->threads < threads) {
    credal__pool_destroy(p);
    return credal__fail(CREDAL_EINTERNAL, "cannot start %d I/O threads", threads - 1);
  }
  *out = p;
  return CREDAL_OK;
}

void credal__pool_destroy(credal__pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  p->quit = 1;
  pthread_cond_broadcast(&p->work);
  pthread_mutex_unlock(&p->mu);
  for (int i = 1; i < p->threads; i++) pthread_join(p->workers[i], NULL);
  pthread_mutex_destroy(&p->mu);
  pthread_mutex_destroy(&p->turn);
  pthread_cond_destroy(&p->work);
  pthread_cond_destroy(&p->done);
  free(p->workers);
  free(p);
}

int credal__pool_threads(const credal__pool *p) {
  return p ? p->threads : 1;
}

int credal__pool_cores(int sharers) {
  const long cores = sysconf(_SC_NPROCESSORS_ONLN) / (sharers > 1 ? sharers : 1);
  return cores > 1 ? (int)(cores < 256 ? cores : 256) : 1;
}

void credal__pool_run(credal__pool *p, int64_t n, int limit, void (*task)(void *, int64_t, int),
                      void *ctx) {
  if (n <= 0) return;
  if (!p || p->threads == 1 || n == 1 || limit == 1) {
    for (int64_t i = 0; i < n; i++) task(ctx, i, 0);
    return;
  }
  pthread_mutex_lock(&p->turn);
  pthread_mutex_lock(&p->mu);
  p->task = task, p->ctx = ctx;
  p->n = n, p->next = 0, p->finished = 0;
  p->limit = limit > 0 ? limit : p->threads;
  p->generation++;
  pthread_cond_broadcast(&p->work);
  drain(p, 0);
  /* every task finished, and no worker is still inside this run's drain */
  while (p->finished < p->n || p->busy > 0) pthread_cond_wait(&p->done, &p->mu);
  p->n = 0;
  pthread_mutex_unlock(&p->mu);
  pthread_mutex_unlock(&p->turn);
}
