/* The reference backend behind the backend interface: synchronous, one chunk at a time, the
 * plain loops of reference.c and the regret stage of regret.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "structured.h"

typedef struct {
  credal__backend_config config;
  double *utility; /* (P, d) copy */
  int32_t *orders; /* (P, d) utility orders, with config.structured */
  credal__regret regret;
} reference_state;

/* One family's lower (upper) expectations: the plain loops of reference.c for generators, the
 * greedy passes of structured.h for the rest. */
static credal_status ref_family(const reference_state *s, credal_family family,
                                const credal_batch_f64 *batch, double *lower, int32_t *argmin,
                                double *upper, int32_t *argmax) {
  credal_batch_f64 own = *batch;
  own.utility = s->utility;
  if (family == CREDAL_FAMILY_GENERATORS) {
    credal__reference_lower(&own, lower, argmin, upper, argmax);
    return CREDAL_OK;
  }
  if (!s->orders)
    return credal__fail(CREDAL_EINTERNAL, "reference backend created without utility orders");
  credal__structured_rows(family, &own, s->utility, s->orders, 0, own.hypotheses, 0,
                          own.policies, lower, argmin, upper, argmax);
  return CREDAL_OK;
}

static credal_status ref_lower(credal__backend *b, credal_family family,
                               const credal_batch_f64 *batch, double *lower, int32_t *argmin,
                               double *upper, int32_t *argmax) {
  return ref_family(b->state, family, batch, lower, argmin, upper, argmax);
}

static credal_status ref_submit(credal__backend *b, credal__chunk *c) {
  reference_state *s = b->state;
  const credal__backend_config *cfg = &s->config;
  if (!c->lower_given) {
    const credal_batch_f64 batch = {c->count, cfg->dim, cfg->policies, c->offsets, c->points,
                                    c->constants, s->utility};
    credal_status st = ref_family(s, c->family, &batch, c->lower, c->argmin,
                                  cfg->upper ? c->upper : NULL, cfg->upper ? c->argmax : NULL);
    if (st) return st;
  }
  credal__regret_chunk(&s->regret, c->h0, c->count, c->lower, c->prior, c->prior_set,
                       c->best_value, c->best_policy, c->regret);
  return CREDAL_OK;
}

static credal_status ref_wait(credal__backend *b, credal__chunk *c) {
  (void)b, (void)c;
  return CREDAL_OK; /* submit already did the work */
}

static credal_status ref_finish(credal__backend *b, const credal__regret **accumulated) {
  reference_state *s = b->state;
  *accumulated = &s->regret;
  return CREDAL_OK;
}

static credal_status ref_restore(credal__backend *b, const credal__regret *state) {
  reference_state *s = b->state;
  credal__regret_copy(&s->regret, state);
  return CREDAL_OK;
}

static void ref_destroy(credal__backend *b) {
  reference_state *s = b->state;
  if (s) {
    credal__regret_free(&s->regret);
    free(s->utility);
    free(s->orders);
    free(s);
  }
  free(b);
}

credal_status credal__reference_backend_create(const credal__backend_config *config,
                                               credal__backend **out) {
  *out = NULL;
  if (config->f32)
    return credal__fail(CREDAL_EUSAGE,
                        "the reference backend computes in float64 only; --precision f32 needs "
                        "the cpu or gpu backend");
  credal__backend *b = calloc(1, sizeof *b);
  reference_state *s = calloc(1, sizeof *s);
  const size_t ud = (size_t)(config->policies * config->dim);
  double *u = malloc(ud * sizeof(double));
  if (!b || !s || !u) {
    free(b), free(s), free(u);
    return credal__fail(CREDAL_ENOMEM, "out of memory for the reference backend");
  }
  memcpy(u, config->utility, ud * sizeof(double));
  s->config = *config;
  s->config.utility = s->utility = u;
  credal_status st = credal__regret_init(&s->regret, config->policies, config->has_prior,
                                         config->prior_set_size);
  if (!st && config->structured)
    st = credal__utility_orders(u, config->policies, config->dim, &s->orders);
  b->name = "reference";
  b->depth = 1;
  b->state = s;
  b->lower = ref_lower;
  b->submit = ref_submit;
  b->wait = ref_wait;
  b->finish = ref_finish;
  b->restore = ref_restore;
  b->host_alloc = malloc;
  b->host_free = free;
  b->destroy = ref_destroy;
  if (st) {
    ref_destroy(b);
    return st;
  }
  *out = b;
  return CREDAL_OK;
}
