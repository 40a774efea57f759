/* The resume state inside OUTPUT.partial; see resume_state.h. */
#include "resume_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "h5util.h"
#include "h5write.h"

/* FNV-1a, 64 bits, over n bytes, continuing from h. */
uint64_t credal__fnv1a(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

credal_status credal__fingerprint(credal_input *in, const double *utility, const char *backend,
                                  int f32, int upper, unsigned rules, double hurwicz,
                                  int policy_only, int64_t begin, int64_t end, char *buf,
                                  size_t cap) {
  const credal_input_summary *s = &in->summary;
  struct stat sb;
  if (in->image_bytes > 0) { /* an in-memory image: its size */
    memset(&sb, 0, sizeof sb);
    sb.st_size = (off_t)in->image_bytes;
  } else if (stat(in->path, &sb) != 0) {
    return credal__fail(CREDAL_ENOINPUT, "%s: cannot stat the input", in->path);
  }
  uint64_t h = 0xcbf29ce484222325ull;
  h = credal__fnv1a(h, utility, (size_t)s->policies * (size_t)s->dim * sizeof *utility);
  const int n = snprintf(
      buf, cap,
      "input_bytes=%lld H=%lld K=%lld d=%lld P=%lld Q=%lld prior=%d "
      "kind=%s tolerance=%.17g tv=%lld contamination=%lld intervals=%lld belief=%lld "
      "focal=%lld policies_hash=%016llx backend=%s precision=%s upper=%d "
      "rules=%u hurwicz=%.17g outputs=%s range=%lld-%lld",
      (long long)sb.st_size, (long long)s->hypotheses, (long long)s->generators,
      (long long)s->dim, (long long)s->policies, (long long)s->prior_set_size, s->has_prior,
      credal_kind_name(s->kind), s->tolerance, (long long)s->family_hypotheses[1],
      (long long)s->family_hypotheses[2], (long long)s->family_hypotheses[3],
      (long long)s->family_hypotheses[4], (long long)s->focal_sets, (unsigned long long)h,
      backend, f32 ? "f32" : "f64", upper, rules, rules ? hurwicz : 0.0, policy_only ? "policy" : "all", (long long)begin, (long long)end);
  if (n < 0 || (size_t)n >= cap) return credal__fail(CREDAL_EINTERNAL, "fingerprint too long");
  return CREDAL_OK;
}

/* ---- writing ---- */

static credal_status write_vector(hid_t g, const char *path, const char *name, hid_t ftype,
                                  hid_t mtype, int rank, const hsize_t *dims, const void *data) {
  credal_status st = CREDAL_OK;
  hid_t space = H5Screate_simple(rank, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (dcpl >= 0) H5Pset_obj_track_times(dcpl, 0);
  hid_t d = space >= 0 ? H5Dcreate2(g, name, ftype, space, H5P_DEFAULT, dcpl, H5P_DEFAULT) : -1;
  if (d < 0 || H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    st = credal__fail(CREDAL_EIO, "%s: cannot write /resume/%s", path, name);
  if (d >= 0) H5Dclose(d);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (space >= 0) H5Sclose(space);
  return st;
}

credal_status credal__resume_drop(hid_t file, const char *path) {
  const htri_t e = H5Lexists(file, "resume", H5P_DEFAULT);
  if (e < 0 || (e > 0 && H5Ldelete(file, "resume", H5P_DEFAULT) < 0)) {
    H5Eclear2(H5E_DEFAULT);
    return credal__fail(CREDAL_EIO, "%s: cannot remove /resume", path);
  }
  return CREDAL_OK;
}

credal_status credal__resume_save(hid_t file, const char *path, int64_t hypotheses_done,
                                  const char *fingerprint, uint64_t content,
                                  const credal__regret *r) {
  credal_status st = credal__resume_drop(file, path);
  if (st) return st;
  hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
  if (gcpl >= 0) H5Pset_obj_track_times(gcpl, 0);
  hid_t g = H5Gcreate2(file, "resume", H5P_DEFAULT, gcpl, H5P_DEFAULT);
  if (gcpl >= 0) H5Pclose(gcpl);
  if (g < 0) return credal__fail(CREDAL_EIO, "%s: cannot create /resume", path);
  const hsize_t P[1] = {(hsize_t)r->policies}, QP[2] = {(hsize_t)r->prior_set_size, P[0]};
  const hid_t f64 = H5T_IEEE_F64LE, i32 = H5T_STD_I32LE;
  char digest[24];
  snprintf(digest, sizeof digest, "%016llx", (unsigned long long)content);
  if ((st = credal__h5_write_int_attr(g, "hypotheses_done", hypotheses_done)) ||
      (st = credal__h5_write_string_attr(g, "fingerprint", fingerprint)) ||
      (st = credal__h5_write_string_attr(g, "content_digest", digest)) ||
      (st = write_vector(g, path, "class_lower", f64, H5T_NATIVE_DOUBLE, 1, P, r->class_lower)) ||
      (st = write_vector(g, path, "class_lower_hypothesis", i32, H5T_NATIVE_INT32, 1, P,
                         r->class_lower_h)) ||
      (st = write_vector(g, path, "worst_regret", f64, H5T_NATIVE_DOUBLE, 1, P, r->worst_regret)) ||
      (st = write_vector(g, path, "worst_regret_hypothesis", i32, H5T_NATIVE_INT32, 1, P,
                         r->worst_regret_h)) ||
      (r->bayes_regret &&
       (st = write_vector(g, path, "bayes_regret", f64, H5T_NATIVE_DOUBLE, 1, P, r->bayes_regret))) ||
      (r->credal_sums &&
       (st = write_vector(g, path, "credal_sums", f64, H5T_NATIVE_DOUBLE, 2, QP, r->credal_sums)))) {
    H5Gclose(g);
    return credal__fail_context(st, "%s: saving the resume state", path);
  }
  H5Gclose(g);
  if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0)
    return credal__fail(CREDAL_EIO, "%s: cannot flush the resume state", path);
  return CREDAL_OK;
}

/* ---- reading ---- */

static credal_status read_vector(hid_t g, const char *path, const char *name, hid_t mtype,
                                 hsize_t n, void *out) {
  hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
  credal_status st = CREDAL_OK;
  if (d < 0) {
    H5Eclear2(H5E_DEFAULT);
    return credal__fail(CREDAL_EDATA, "%s: /resume/%s is missing: the partial output is damaged",
                        path, name);
  }
  hid_t space = H5Dget_space(d);
  const hssize_t have = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
  if (have != (hssize_t)n)
    st = credal__fail(CREDAL_EDATA, "%s: /resume/%s has %lld values, expected %llu", path, name,
                      (long long)have, (unsigned long long)n);
  else if (H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
    st = credal__fail(CREDAL_EDATA, "%s: cannot read /resume/%s: the partial output is damaged",
                      path, name);
  if (space >= 0) H5Sclose(space);
  H5Dclose(d);
  H5Eclear2(H5E_DEFAULT);
  return st;
}

/* The first key=value field where two fingerprints differ, for the message. */
static void first_difference(const char *want, const char *have, char *out, size_t cap) {
  const char *a = want, *b = have;
  while (*a || *b) {
    const size_t la = strcspn(a, " "), lb = strcspn(b, " ");
    if (la != lb || strncmp(a, b, la) != 0) {
      snprintf(out, cap, "it has %.*s, this run %.*s", (int)lb, b, (int)la, a);
      return;
    }
    a += la + (a[la] == ' '), b += lb + (b[lb] == ' ');
  }
  snprintf(out, cap, "they differ");
}

credal_status credal__resume_load(hid_t file, const char *path, const char *fingerprint,
                                  int64_t hypotheses, credal__regret *r, int64_t *done,
                                  uint64_t *content) {
  const htri_t e = H5Lexists(file, "resume", H5P_DEFAULT);
  if (e <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return credal__fail(CREDAL_EDATA,
                        "%s has no resume state (the run was killed before it could record one, "
                        "or it is not an interrupted credal run); start over with --force",
                        path);
  }
  hid_t g = H5Gopen2(file, "resume", H5P_DEFAULT);
  if (g < 0) {
    H5Eclear2(H5E_DEFAULT);
    return credal__fail(CREDAL_EDATA, "%s: /resume cannot be opened: the partial output is damaged", path);
  }
  char have[CREDAL_FINGERPRINT_MAX], digest[24] = "", *end = NULL;
  int found = 0, found_done = 0, found_digest = 0;
  credal_status st = credal__h5_attr_string(g, "/resume", "fingerprint", have, sizeof have, &found);
  if (!st) st = credal__h5_attr_int64(g, "/resume", "hypotheses_done", done, &found_done);
  if (!st)
    st = credal__h5_attr_string(g, "/resume", "content_digest", digest, sizeof digest, &found_digest);
  if (!st && (!found || !found_done))
    st = credal__fail(CREDAL_EDATA, "%s: /resume lacks its fingerprint or progress: damaged", path);
  if (!st && found_digest) *content = strtoull(digest, &end, 16);
  if (!st && (!found_digest || strlen(digest) != 16 || *end))
    st = credal__fail(CREDAL_EDATA, "%s: /resume has no digest of the input's content (an older "
                      "credal wrote it, or it is damaged); start over with --force", path);
  if (!st && strcmp(have, fingerprint) != 0) {
    char diff[2 * CREDAL_FINGERPRINT_MAX];
    first_difference(fingerprint, have, diff, sizeof diff);
    st = credal__fail(CREDAL_EDATA,
                      "%s belongs to another input or other options (%s); refusing to continue "
                      "it (start over with --force)",
                      path, diff);
  }
  if (!st && (*done < 0 || *done > hypotheses))
    st = credal__fail(CREDAL_EDATA, "%s: /resume says %lld hypotheses done of %lld: damaged", path,
                      (long long)*done, (long long)hypotheses);
  const hsize_t P = (hsize_t)r->policies, Q = (hsize_t)r->prior_set_size;
  if (!st) st = read_vector(g, path, "class_lower", H5T_NATIVE_DOUBLE, P, r->class_lower);
  if (!st) st = read_vector(g, path, "class_lower_hypothesis", H5T_NATIVE_INT32, P, r->class_lower_h);
  if (!st) st = read_vector(g, path, "worst_regret", H5T_NATIVE_DOUBLE, P, r->worst_regret);
  if (!st) st = read_vector(g, path, "worst_regret_hypothesis", H5T_NATIVE_INT32, P, r->worst_regret_h);
  if (!st && r->bayes_regret) st = read_vector(g, path, "bayes_regret", H5T_NATIVE_DOUBLE, P, r->bayes_regret);
  if (!st && r->credal_sums) st = read_vector(g, path, "credal_sums", H5T_NATIVE_DOUBLE, Q * P, r->credal_sums);
  H5Gclose(g);
  if (!st) r->next_hypothesis = *done;
  return st;
}

/* ---- the decision rules' accumulators ---- */

credal_status credal__resume_save_rules(hid_t file, const char *path, const char *group,
                                        const credal__rules_state *s) {
  const htri_t exists = H5Lexists(file, group, H5P_DEFAULT);
  hid_t g = -1;
  if (exists > 0) {
    g = H5Gopen2(file, group, H5P_DEFAULT);
  } else if (exists == 0) {
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    if (gcpl >= 0) H5Pset_obj_track_times(gcpl, 0);
    g = H5Gcreate2(file, group, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    if (gcpl >= 0) H5Pclose(gcpl);
  }
  if (g < 0) return credal__fail(CREDAL_EIO, "%s: cannot open /%s", path, group);
  const hsize_t P[1] = {(hsize_t)s->policies}, PD[2] = {P[0], (hsize_t)s->dim}, PP[2] = {P[0], P[0]};
  const hid_t f64 = H5T_IEEE_F64LE, md = H5T_NATIVE_DOUBLE;
  credal_status st;
  if ((st = credal__h5_write_double_attr(g, "rules_tau", s->tau)) ||
      (st = write_vector(g, path, "rules_class_upper", f64, md, 1, P, s->class_upper)) ||
      (st = write_vector(g, path, "rules_set_regret", f64, md, 1, P, s->set_regret)) ||
      (st = write_vector(g, path, "rules_e_admissible", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, P,
                         s->e_admissible)) ||
      (st = write_vector(g, path, "rules_upper_vertex", f64, md, 2, PD, s->upper_vertex)) ||
      (s->pair_min && (st = write_vector(g, path, "rules_pair_min", f64, md, 2, PP, s->pair_min))))
    credal__fail_context(st, "%s: saving the rules' resume state", path);
  H5Gclose(g);
  if (!st && H5Fflush(file, H5F_SCOPE_GLOBAL) < 0)
    st = credal__fail(CREDAL_EIO, "%s: cannot flush the resume state", path);
  return st;
}

credal_status credal__resume_load_rules(hid_t file, const char *path, const char *group,
                                        credal__rules_state *s) {
  hid_t g = H5Lexists(file, group, H5P_DEFAULT) > 0 ? H5Gopen2(file, group, H5P_DEFAULT) : -1;
  if (g < 0) {
    H5Eclear2(H5E_DEFAULT);
    return credal__fail(CREDAL_EDATA, "%s: /%s is missing or cannot be opened: damaged", path, group);
  }
  const hsize_t P = (hsize_t)s->policies, d = (hsize_t)s->dim;
  int found = 0;
  credal_status st = credal__h5_attr_double(g, group, "rules_tau", &s->tau, &found);
  if (!st && !found) st = credal__fail(CREDAL_EDATA, "%s: /%s lacks rules_tau: damaged", path, group);
  if (!st) st = read_vector(g, path, "rules_class_upper", H5T_NATIVE_DOUBLE, P, s->class_upper);
  if (!st) st = read_vector(g, path, "rules_set_regret", H5T_NATIVE_DOUBLE, P, s->set_regret);
  if (!st) st = read_vector(g, path, "rules_e_admissible", H5T_NATIVE_UINT8, P, s->e_admissible);
  if (!st) st = read_vector(g, path, "rules_upper_vertex", H5T_NATIVE_DOUBLE, P * d, s->upper_vertex);
  if (!st && s->pair_min) st = read_vector(g, path, "rules_pair_min", H5T_NATIVE_DOUBLE, P * P, s->pair_min);
  H5Gclose(g);
  return st;
}
