/* credal import-prism; see import_prism.h. */
#include "import_prism.h"

#include <stdlib.h>
#include <string.h>

#include "../io/mdp_writer.h"
#include "../io/prism_reader.h"

/* Whether b has a's structure; EDATA naming the first difference otherwise. */
static credal_status same_structure(const credal__prism_model *a, const credal__prism_model *b,
                                    const char *first, const char *path) {
  if (a->states != b->states || a->choices != b->choices || a->transitions != b->transitions)
    return credal__fail(CREDAL_EDATA,
                        "%s: %lld states, %lld choices, %lld transitions, but %s "
                        "has %lld, %lld, %lld (the files of one import share a structure)",
                        path, (long long)b->states, (long long)b->choices,
                        (long long)b->transitions, first, (long long)a->states,
                        (long long)a->choices, (long long)a->transitions);
  for (int64_t s = 0; s <= a->states; s++)
    if (a->choice_offsets[s] != b->choice_offsets[s])
      return credal__fail(CREDAL_EDATA, "%s: state %lld has other choices than in %s", path,
                          (long long)(s ? s - 1 : 0), first);
  for (int64_t c = 0; c < a->choices; c++)
    for (int64_t j = a->successor_offsets[c]; j < a->successor_offsets[c + 1]; j++)
      if (a->successor_offsets[c] != b->successor_offsets[c] ||
          a->successors[j] != b->successors[j])
        return credal__fail(CREDAL_EDATA, "%s: choice %lld leads to other states than in %s", path,
                            (long long)c, first);
  return CREDAL_OK;
}

/* target, avoid and the initial distribution from the labels. */
static credal_status read_labels(const credal__import_prism_options *o, int64_t S, uint8_t *target,
                                 uint8_t *avoid, double *initial) {
  credal_status st = credal__prism_read_label(o->lab, o->target, S, target);
  if (!st && o->avoid) st = credal__prism_read_label(o->lab, o->avoid, S, avoid);
  if (st) return st;
  uint8_t *init = calloc((size_t)S, 1);
  if (!init) return credal__fail(CREDAL_ENOMEM, "out of memory");
  int64_t count = 0;
  if (credal__prism_read_label(o->lab, "init", S, init) == CREDAL_OK)
    for (int64_t s = 0; s < S; s++) count += init[s];
  credal__clear_error();
  for (int64_t s = 0; s < S; s++)
    initial[s] = count ? (init[s] ? 1.0 / (double)count : 0.0) : (s == 0 ? 1.0 : 0.0);
  free(init);
  return CREDAL_OK;
}

credal_status credal__import_prism(const credal__import_prism_options *o) {
  if (o->files < 1 || !o->lab || !o->target || !o->output)
    return credal__fail(CREDAL_EUSAGE,
                        "import-prism needs MODEL.tra, --lab FILE, --target LABEL "
                        "and -o MDP.h5");
  credal__prism_model first, other;
  memset(&other, 0, sizeof other);
  credal_status st = credal__prism_read_tra(o->tra[0], &first);
  if (st) return st;
  const int64_t S = first.states;
  uint8_t *target = calloc((size_t)S, 1), *avoid = o->avoid ? calloc((size_t)S, 1) : NULL;
  double *initial = malloc((size_t)S * sizeof(double));
  int32_t *actions = calloc((size_t)S, sizeof(int32_t)); /* the one policy: action 0 */
  credal__mdp_writer *w = NULL;
  if (!target || (o->avoid && !avoid) || !initial || !actions)
    st = credal__fail(CREDAL_ENOMEM, "out of memory for %lld states", (long long)S);
  if (!st) st = read_labels(o, S, target, avoid, initial);
  for (int64_t s = 0; !st && avoid && s < S; s++)
    if (target[s] && avoid[s])
      st = credal__fail(CREDAL_EDATA, "%s: state %lld is labelled both %s and %s", o->lab,
                        (long long)s, o->target, o->avoid);
  if (!st) {
    credal__mdp_spec spec;
    memset(&spec, 0, sizeof spec);
    credal_mdp *m = &spec.model;
    m->states = S, m->choice_offsets = first.choice_offsets;
    m->successor_offsets = first.successor_offsets, m->successors = first.successors;
    m->objective = CREDAL_MDP_REACH, m->target = target, m->avoid = avoid;
    m->horizon = o->horizon, m->epsilon = o->epsilon, m->sets = CREDAL_MDP_INTERVALS;
    spec.hypotheses = o->files, spec.policies = 1, spec.initial = initial, spec.force = o->force;
    st = credal__mdp_writer_create(o->output, &spec, &w);
  }
  if (!st) st = credal__mdp_writer_hypothesis(w, 0, first.lower, first.upper);
  for (int k = 1; !st && k < o->files; k++) {
    if (!(st = credal__prism_read_tra(o->tra[k], &other)) &&
        !(st = same_structure(&first, &other, o->tra[0], o->tra[k])))
      st = credal__mdp_writer_hypothesis(w, k, other.lower, other.upper);
    credal__prism_model_free(&other);
  }
  if (!st) st = credal__mdp_writer_policies(w, actions, NULL);
  if (w) {
    if (st)
      credal__mdp_writer_abort(w);
    else
      st = credal__mdp_writer_finish(w);
  }
  credal__prism_model_free(&first);
  free(target), free(avoid), free(initial), free(actions);
  return st;
}
