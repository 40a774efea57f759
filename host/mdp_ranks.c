/* The hypotheses of a credal-mdp evaluation over MPI ranks (host/mdp_job.h): every rank
 * evaluates hypotheses done + rank, + size, ...; rank 0 records them in order, receiving the
 * others' from their ranks (their rows and outcome in one message). One rank: in order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdp_job.h"
#include "ranks.h"

static size_t message_bytes(const credal__mdp_summary *s) {
  const size_t T = s->horizon > 0 ? (size_t)s->horizon : 1;
  return sizeof(credal__mdp_outcome) + 2 * (size_t)s->policies * sizeof(double) +
         T * (size_t)s->states * sizeof(int32_t);
}

/* A rank's hypothesis to rank 0: the outcome (status and message when it failed), the rows. */
static credal_status send_hypothesis(credal__mdp_run_state *r, credal_status st,
                                     credal__mdp_outcome *x, char *msg) {
  const credal__mdp_summary *s = credal__mdp_describe(r->in);
  const size_t P = (size_t)s->policies, T = s->horizon > 0 ? (size_t)s->horizon : 1;
  x->status = st;
  if (st) snprintf(x->message, sizeof x->message, "%s", credal_last_error());
  memcpy(msg, x, sizeof *x);
  memcpy(msg + sizeof *x, r->b.lower, P * 8);
  memcpy(msg + sizeof *x + P * 8, r->b.upper, P * 8);
  memcpy(msg + sizeof *x + 2 * P * 8, r->b.optimal_policy, T * (size_t)s->states * 4);
  return credal__ranks_send(msg, message_bytes(s), 0);
}

/* Rank 0: another rank's hypothesis into the buffers and *x; its status (and message). */
static credal_status receive_hypothesis(credal__mdp_run_state *r, int from, credal__mdp_outcome *x,
                                        char *msg) {
  const credal__mdp_summary *s = credal__mdp_describe(r->in);
  const size_t P = (size_t)s->policies, T = s->horizon > 0 ? (size_t)s->horizon : 1;
  credal_status st = credal__ranks_recv(msg, message_bytes(s), from);
  if (st) return st;
  memcpy(x, msg, sizeof *x);
  memcpy(r->b.lower, msg + sizeof *x, P * 8);
  memcpy(r->b.upper, msg + sizeof *x + P * 8, P * 8);
  memcpy(r->b.optimal_policy, msg + sizeof *x + 2 * P * 8, T * (size_t)s->states * 4);
  if (x->status == CREDAL_EINTERRUPTED) return CREDAL_EINTERRUPTED;
  if (x->status) return credal__fail((credal_status)x->status, "rank %d: %s", from, x->message);
  return CREDAL_OK;
}

/* Hypotheses done .. H-1: on one rank, in order; across ranks, as above. Returns the first
 * failure (EINTERRUPTED: stopped by a signal) with *done the hypotheses recorded. */
credal_status credal__mdp_run_hypotheses(credal__mdp_run_state *r, const credal_eval_options *o,
                                         credal__problems *sink, int64_t *done) {
  const credal__ranks *w = credal__ranks_get();
  const int64_t H = credal__mdp_describe(r->in)->hypotheses, first = *done, size = w->size;
  credal__mdp_outcome x;
  char *msg = size > 1 ? malloc(message_bytes(credal__mdp_describe(r->in))) : NULL;
  credal_status st = size > 1 && !msg ? credal__fail(CREDAL_ENOMEM, "out of memory") : CREDAL_OK;
  if (w->rank != 0) { /* compute and send, until the list ends or a hypothesis fails */
    for (int64_t h = first + w->rank; h < H && !st; h += size) {
      const credal_status mine = credal__mdp_compute_hypothesis(r, o, h, sink, &x);
      st = send_hypothesis(r, mine, &x, msg);
      if (!st) st = mine;
    }
    free(msg);
    return st;
  }
  int64_t h = first;
  int stopped = 0; /* the rank whose own failure stopped the run: it sends no more */
  for (; h < H && !st; h++) {
    const int owner = (int)((h - first) % size);
    st = owner ? receive_hypothesis(r, owner, &x, msg)
               : credal__mdp_compute_hypothesis(r, o, h, sink, &x);
    if (st && owner) stopped = owner;
    if (!st && !(st = credal__mdp_record_hypothesis(r, o, h, &x))) *done = h + 1;
    if (!st && h + 1 < H && o->interrupt && *o->interrupt) st = CREDAL_EINTERRUPTED;
  }
  /* the other ranks' messages not yet received: each sends until its list ends or it fails */
  char why[CREDAL_MSG_MAX];
  snprintf(why, sizeof why, "%s", credal_last_error());
  for (int from = 1; from < size && msg; from++) {
    int64_t next = first + from;
    while (next < h) next += size; /* received already */
    for (credal__mdp_outcome y; from != stopped && next < H; next += size)
      if (receive_hypothesis(r, from, &y, msg)) break;
  }
  if (st) credal__fail(st, "%s", why);
  free(msg);
  return st;
}
