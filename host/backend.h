/* The backend interface: what the pipeline asks of reference, cpu and gpu.
 *
 * A backend evaluates chunks of consecutive hypotheses: lower (and upper) expectations, then
 * the regret stage (best policy per hypothesis, regret, and the per-policy accumulators in
 * hypothesis order). submit() may return before the work is done (the GPU keeps `depth`
 * chunks in flight on its streams); wait() completes the oldest submitted chunk, after which
 * its host outputs are in place. Chunks are submitted in hypothesis order. */
#ifndef CREDAL_BACKEND_H
#define CREDAL_BACKEND_H

#include "regret.h"

typedef struct {
  credal_family family;     /* of all its hypotheses: chunks never mix families */
  int64_t h0, count;        /* hypotheses h0 .. h0+count-1 */
  int64_t rows;             /* rows in the chunk (generators, or a family's rows) */
  const int64_t *offsets;   /* (count+1,) relative to the chunk's first row */
  const double *points;     /* (rows, d), in the row layout of credal_family_lower_f64 */
  const double *constants;  /* (rows,) or NULL: constants, radius, epsilon or masses */
  const double *prior;      /* (count,) or NULL */
  const double *prior_set;  /* (Q, count) or NULL */
  int lower_given;          /* lower/argmin (upper/argmax) already filled: regret stage only */
  /* host outputs */
  double *lower, *upper, *regret, *best_value; /* (count, P) x3, (count,) */
  int32_t *argmin, *argmax, *best_policy;      /* (count, P) x2, (count,) */
} credal__chunk;

typedef struct {
  int64_t policies, dim, prior_set_size;
  int has_prior, upper, f32, device, threads;
  const double *utility;    /* (P, d), copied or uploaded by create */
  int structured;           /* structured families will come: keep the policies' utility orders */
} credal__backend_config;

/* The decision rules' pairs of a chunk of generator hypotheses, for a backend that evaluates
 * them (kernels/credal_kernels.h, credal_kernel_pairs, has the meaning of each array). */
typedef struct {
  int64_t count, rows;
  const int64_t *offsets;      /* (count+1,) relative to the chunk's first row */
  const double *points;        /* (rows, d) */
  const double *lower, *upper, *tau;
  const uint8_t *open;         /* (count, P) */
  uint8_t *dominated, *optimal; /* (count, P) out */
  double *regret_max;          /* (count, P) out */
  double *pair_min;            /* (P, P) out */
} credal__pairs_job;

typedef struct credal__backend credal__backend;
struct credal__backend {
  const char *name;         /* "reference", "cpu", "gpu" */
  char device[128];         /* what runs it, for the output's `device` attribute */
  int depth;                /* chunks that may be in flight at once (1: synchronous) */
  int64_t max_rows;         /* most generator rows per chunk (0: no limit of its own) */
  int64_t max_hypotheses;   /* most hypotheses per chunk (0: no limit of its own) */
  void *state;
  /* lower/argmin (upper/argmax when non-NULL) of an in-memory batch of one family against the
   * backend's own policies (batch->utility is ignored), synchronously; structured families
   * need config->structured */
  credal_status (*lower)(credal__backend *b, credal_family family, const credal_batch_f64 *batch,
                         double *lower, int32_t *argmin, double *upper, int32_t *argmax);
  credal_status (*submit)(credal__backend *b, credal__chunk *chunk);
  credal_status (*wait)(credal__backend *b, credal__chunk *chunk);
  /* After the last chunk: the accumulated per-policy criteria (owned by the backend). */
  credal_status (*finish)(credal__backend *b, const credal__regret **accumulated);
  /* Before the first chunk of a resumed run: the accumulators as an interrupted run left them
   * after its first state->next_hypothesis hypotheses (chunks then start there). */
  credal_status (*restore)(credal__backend *b, const credal__regret *state);
  /* Optional (NULL: none): the pairs of job, synchronously; CREDAL_EUNSUPPORTED when this
   * backend cannot take them (the host evaluates them then). */
  credal_status (*rules_pairs)(credal__backend *b, const credal__pairs_job *job);
  /* Host buffers the backend can copy from fastest (pinned for the GPU). */
  void *(*host_alloc)(size_t bytes);
  void (*host_free)(void *p);
  void (*destroy)(credal__backend *b);
};

/* Structured families on the host (reference and cpu): hypotheses [h_begin, h_end) of a batch
 * in the row layout of credal_family_lower_f64, policies [p_begin, p_end) with their orders
 * (P, d); lower/upper (H, P) rows (upper may be NULL), argmin/argmax set to -1. */
void credal__structured_rows(credal_family family, const credal_batch_f64 *batch,
                             const double *utility, const int32_t *orders, int64_t h_begin,
                             int64_t h_end, int64_t p_begin, int64_t p_end, double *lower,
                             int32_t *argmin, double *upper, int32_t *argmax);

/* Creates the backend `which` (AUTO resolved by the caller). ENODEVICE when it is not
 * available here, with the reason. */
credal_status credal__backend_create(credal_backend which, const credal__backend_config *config,
                                     credal__backend **out);
void credal__backend_destroy(credal__backend *b); /* NULL is fine */

/* The CPU's model name ("host CPU" when unknown), for the output's `device` attribute. */
void credal__cpu_name(char *out, size_t n);

/* Whether a GPU backend can run here (CUDA built and a usable device `device`); the reason
 * in credal_last_error() when not. */
credal_status credal__gpu_probe(int device);
/* CUDA devices visible to this process (0 without CUDA or a driver). */
int credal__gpu_count(void);

/* Backends (each file's constructor). */
credal_status credal__reference_backend_create(const credal__backend_config *config,
                                               credal__backend **out);
credal_status credal__cpu_backend_create(const credal__backend_config *config,
                                         credal__backend **out);
credal_status credal__gpu_backend_create(const credal__backend_config *config,
                                         credal__backend **out);

#endif /* CREDAL_BACKEND_H */
