/* credal-mdp v1 writer; see mdp_writer.h. */
#include "mdp_writer.h"

#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h5util.h"
#include "h5write.h"
#include "paths.h"

struct credal__mdp_writer {
  char *path, *partial;
  hid_t file;
  credal__mdp_spec spec;
  uint8_t *written; /* (H,) hypotheses written */
  int policies_done, priors_done;
};

static const char *set_names(credal_mdp_sets sets, int second) {
  if (sets == CREDAL_MDP_INTERVALS) return second ? "/hypotheses/upper" : "/hypotheses/lower";
  if (!second) return "/hypotheses/nominal";
  return sets == CREDAL_MDP_TV_BALLS ? "/hypotheses/radius" : "/hypotheses/epsilon";
}

static credal_status group(hid_t file, const char *name, hid_t *out) {
  hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
  if (gcpl >= 0) H5Pset_obj_track_times(gcpl, 0);
  *out = H5Gcreate2(file, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
  if (gcpl >= 0) H5Pclose(gcpl);
  if (*out < 0) return credal__fail(CREDAL_ECANTCREATE, "cannot create the group %s", name);
  return CREDAL_OK;
}

/* A whole (n,) or (rows, n) dataset, created and written. */
static credal_status put(hid_t file, const char *name, hid_t type, hid_t memtype, int64_t rows,
                         int64_t n, const void *values) {
  const hsize_t dims[2] = {(hsize_t)(rows ? rows : n), (hsize_t)n};
  credal_status st = credal__h5_create_rows(file, name, type, rows ? 2 : 1, dims);
  return st ? st : credal__h5_write_all(file, name, memtype, values);
}

/* /mdp: the structure and the objective. */
static credal_status write_model(credal__mdp_writer *w) {
  const credal_mdp *m = &w->spec.model;
  const int64_t S = m->states, C = m->choice_offsets[S], N = m->successor_offsets[C];
  hid_t g;
  credal_status st = group(w->file, "/mdp", &g);
  if (st) return st;
  const int discounted = m->objective == CREDAL_MDP_DISCOUNTED;
  if (!(st = credal__h5_write_string_attr(g, "objective", discounted ? "discounted" : "reach")) &&
      !(st = credal__h5_write_int_attr(g, "horizon", m->horizon)) &&
      !(st = credal__h5_write_double_attr(g, "epsilon", m->epsilon > 0 ? m->epsilon : 1e-9)) &&
      discounted)
    st = credal__h5_write_double_attr(g, "discount", m->discount);
  H5Gclose(g);
  if (st ||
      (st = put(w->file, "/mdp/choice_offsets", H5T_STD_I64LE, H5T_NATIVE_INT64, 0, S + 1,
                m->choice_offsets)) ||
      (st = put(w->file, "/mdp/successor_offsets", H5T_STD_I64LE, H5T_NATIVE_INT64, 0, C + 1,
                m->successor_offsets)) ||
      (st = put(w->file, "/mdp/successors", H5T_STD_I64LE, H5T_NATIVE_INT64, 0, N, m->successors)))
    return st;
  if (discounted)
    st = put(w->file, "/mdp/reward", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, C, m->reward);
  if (!st && !discounted)
    st = put(w->file, "/mdp/target", H5T_STD_U8LE, H5T_NATIVE_UINT8, 0, S, m->target);
  if (!st && !discounted && m->avoid)
    st = put(w->file, "/mdp/avoid", H5T_STD_U8LE, H5T_NATIVE_UINT8, 0, S, m->avoid);
  if (!st && w->spec.initial)
    st = put(w->file, "/mdp/initial", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, S, w->spec.initial);
  return st;
}

/* The empty per-hypothesis datasets and the groups. */
static credal_status create_rest(credal__mdp_writer *w) {
  const credal__mdp_spec *sp = &w->spec;
  const int64_t S = sp->model.states, C = sp->model.choice_offsets[S];
  const int64_t N = sp->model.successor_offsets[C], H = sp->hypotheses;
  const int intervals = sp->model.sets == CREDAL_MDP_INTERVALS;
  hid_t g;
  credal_status st;
  if ((st = group(w->file, "/hypotheses", &g))) return st;
  H5Gclose(g);
  if ((st = group(w->file, "/policies", &g))) return st;
  H5Gclose(g);
  const hsize_t a[2] = {(hsize_t)H, (hsize_t)N}, b[2] = {(hsize_t)H, (hsize_t)(intervals ? N : C)};
  if ((st = credal__h5_create_rows(w->file, set_names(sp->model.sets, 0), H5T_IEEE_F64LE, 2, a)))
    return st;
  return credal__h5_create_rows(w->file, set_names(sp->model.sets, 1), H5T_IEEE_F64LE, 2, b);
}

static credal_status check_spec(const credal__mdp_spec *sp) {
  const credal_mdp *m = &sp->model;
  if (m->states < 1 || !m->choice_offsets || !m->successor_offsets || !m->successors ||
      sp->hypotheses < 1 || sp->policies < 1 || sp->prior_set_size < 0)
    return credal__fail(CREDAL_EUSAGE, "an MDP file needs S, H, P >= 1 and the structure");
  if (m->objective == CREDAL_MDP_DISCOUNTED ? !m->reward : !m->target)
    return credal__fail(CREDAL_EUSAGE, "the %s objective needs %s",
                        m->objective == CREDAL_MDP_DISCOUNTED ? "discounted" : "reach",
                        m->objective == CREDAL_MDP_DISCOUNTED ? "rewards" : "a target");
  return CREDAL_OK;
}

credal_status credal__mdp_writer_create(const char *path, const credal__mdp_spec *spec,
                                        credal__mdp_writer **out) {
  *out = NULL;
  credal_status st = check_spec(spec);
  if (st) return st;
  credal__mdp_writer *w = calloc(1, sizeof *w);
  const size_t len = strlen(path);
  if (!w || !(w->path = strdup(path)) || !(w->partial = malloc(len + sizeof ".partial")) ||
      !(w->written = calloc((size_t)spec->hypotheses, 1))) {
    if (w) free(w->path), free(w->partial), free(w);
    return credal__fail(CREDAL_ENOMEM, "out of memory for %s", path);
  }
  memcpy(w->partial, path, len);
  memcpy(w->partial + len, ".partial", sizeof ".partial");
  w->spec = *spec;
  w->file = H5I_INVALID_HID;
  if (!spec->force && (credal__path_exists(path) || credal__path_exists(w->partial))) {
    st = credal__fail(CREDAL_EEXIST, "%s exists (use --force to replace it)",
                      credal__path_exists(path) ? path : w->partial);
    free(w->written), free(w->path), free(w->partial), free(w);
    return st;
  }
  credal__h5_init();
  if (spec->force) unlink(w->partial);
  hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
  if (fcpl >= 0) H5Pset_obj_track_times(fcpl, 0);
  w->file = H5Fcreate(w->partial, H5F_ACC_EXCL, fcpl >= 0 ? fcpl : H5P_DEFAULT, H5P_DEFAULT);
  if (fcpl >= 0) H5Pclose(fcpl);
  if (w->file < 0) {
    st = credal__fail(CREDAL_ECANTCREATE, "cannot create %s", w->partial);
    free(w->written), free(w->path), free(w->partial), free(w);
    return st;
  }
  if ((st = credal__h5_write_string_attr(w->file, "schema", "credal-mdp")) ||
      (st = credal__h5_write_int_attr(w->file, "version", 1)) || (st = write_model(w)) ||
      (st = create_rest(w))) {
    credal__fail_context(st, "%s", w->partial);
    credal__mdp_writer_abort(w);
    return st;
  }
  *out = w;
  return CREDAL_OK;
}

credal_status credal__mdp_writer_hypothesis(credal__mdp_writer *w, int64_t h, const double *a,
                                            const double *b) {
  if (h < 0 || h >= w->spec.hypotheses)
    return credal__fail(CREDAL_EINTERNAL, "hypothesis %lld outside 0..%lld", (long long)h,
                        (long long)(w->spec.hypotheses - 1));
  credal_status st;
  const credal_mdp_sets sets = w->spec.model.sets;
  if ((st = credal__h5_write_row(w->file, set_names(sets, 0), H5T_NATIVE_DOUBLE, h, a)) ||
      (st = credal__h5_write_row(w->file, set_names(sets, 1), H5T_NATIVE_DOUBLE, h, b)))
    return credal__fail_context(st, "%s", w->partial);
  w->written[h] = 1;
  return CREDAL_OK;
}

credal_status credal__mdp_writer_policies(credal__mdp_writer *w, const int32_t *actions,
                                          const double *probabilities) {
  const credal_mdp *m = &w->spec.model;
  const int64_t S = m->states, C = m->choice_offsets[S], P = w->spec.policies;
  credal_status st = w->spec.randomised ? put(w->file, "/policies/probabilities", H5T_IEEE_F64LE,
                                              H5T_NATIVE_DOUBLE, P, C, probabilities)
                                        : put(w->file, "/policies/action", H5T_STD_I32LE,
                                              H5T_NATIVE_INT32, P, S, actions);
  if (st) return credal__fail_context(st, "%s", w->partial);
  w->policies_done = 1;
  return CREDAL_OK;
}

credal_status credal__mdp_writer_priors(credal__mdp_writer *w, const double *prior,
                                        const double *prior_set) {
  const int64_t H = w->spec.hypotheses, Q = w->spec.prior_set_size;
  credal_status st = CREDAL_OK;
  if (w->spec.has_prior)
    st = put(w->file, "/hypotheses/prior", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, H, prior);
  if (!st && Q > 0)
    st = put(w->file, "/hypotheses/prior_set", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, Q, H, prior_set);
  if (st) return credal__fail_context(st, "%s", w->partial);
  w->priors_done = 1;
  return CREDAL_OK;
}

credal_status credal__mdp_writer_finish(credal__mdp_writer *w) {
  credal_status st = CREDAL_OK;
  for (int64_t h = 0; h < w->spec.hypotheses && !st; h++)
    if (!w->written[h])
      st = credal__fail(CREDAL_EINTERNAL, "%s: hypothesis %lld was not written", w->partial,
                        (long long)h);
  if (!st && !w->policies_done)
    st = credal__fail(CREDAL_EINTERNAL, "%s: the policies were not written", w->partial);
  if (!st && !w->priors_done && (w->spec.has_prior || w->spec.prior_set_size))
    st = credal__fail(CREDAL_EINTERNAL, "%s: the priors were not written", w->partial);
  if (!st && H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0)
    st = credal__h5_fail(CREDAL_EIO, w->partial, "writing the file");
  if (st) {
    credal__mdp_writer_abort(w);
    return st;
  }
  const herr_t closed = H5Fclose(w->file);
  w->file = H5I_INVALID_HID;
  if (closed < 0) st = credal__h5_fail(CREDAL_EIO, w->partial, "closing the file");
  if (!st) st = credal__sync_file(w->partial);
  if (!st) st = credal__publish(w->partial, w->path, w->spec.force);
  if (st) unlink(w->partial);
  free(w->written), free(w->path), free(w->partial), free(w);
  return st;
}

void credal__mdp_writer_abort(credal__mdp_writer *w) {
  if (!w) return;
  if (w->file >= 0) H5Fclose(w->file);
  H5Eclear2(H5E_DEFAULT);
  unlink(w->partial);
  free(w->written), free(w->path), free(w->partial), free(w);
}
