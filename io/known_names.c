/* The names a credal-batch v1 (SPEC §2) or credal-mdp v1 (SPEC §10) file may hold
 * (docs/schema.md). Anything else — a
 * group, dataset or attribute credal does not read — is most likely a typo (/tv_ball for
 * /tv_balls, /hypotheses/priors for prior) or an attribute on the wrong object, which would
 * silently change the run; so each is reported by path, with the nearest known name, as a
 * problem, or as a warning when the caller allows unknown names. /metadata is the user's: what
 * is under it is never read or checked. */
#include <stdio.h>
#include <string.h>

#include "h5util.h"
#include "known_names.h"

static const char *const ROOT_ATTRS[] = {"schema", "version", "title", "description", "comment",
                                         "source", "history", "references", "author", NULL};
static const char *const HYPOTHESES_ATTRS[] = {"kind", "tolerance", NULL};

typedef struct {
  const char *path;          /* relative to the root; "" the root itself */
  const char *const *attrs;  /* NULL: none */
} known_name;

static const known_name BATCH[] = {
    {"", ROOT_ATTRS},
    {"hypotheses", HYPOTHESES_ATTRS},
    {"hypotheses/points", NULL},
    {"hypotheses/offsets", NULL},
    {"hypotheses/constants", NULL},
    {"hypotheses/prior", NULL},
    {"hypotheses/prior_set", NULL},
    {"hypotheses/names", NULL},
    {"policies", NULL},
    {"policies/utility", NULL},
    {"policies/names", NULL},
    {"tv_balls", NULL},
    {"tv_balls/centers", NULL},
    {"tv_balls/radius", NULL},
    {"contamination", NULL},
    {"contamination/centers", NULL},
    {"contamination/epsilon", NULL},
    {"intervals", NULL},
    {"intervals/lower", NULL},
    {"intervals/upper", NULL},
    {"belief", NULL},
    {"belief/focal", NULL},
    {"belief/mass", NULL},
    {"belief/offsets", NULL},
    {"metadata", NULL},
    {NULL, NULL},
};

static const char *const MDP_ATTRS[] = {"objective", "discount", "horizon", "epsilon", NULL};

static const known_name MDP[] = {
    {"", ROOT_ATTRS},
    {"mdp", MDP_ATTRS},
    {"mdp/choice_offsets", NULL},
    {"mdp/successor_offsets", NULL},
    {"mdp/successors", NULL},
    {"mdp/reward", NULL},
    {"mdp/target", NULL},
    {"mdp/avoid", NULL},
    {"mdp/initial", NULL},
    {"hypotheses", NULL}, /* no tolerance: an MDP's sums are checked as the C API checks them */
    {"hypotheses/lower", NULL},
    {"hypotheses/upper", NULL},
    {"hypotheses/nominal", NULL},
    {"hypotheses/radius", NULL},
    {"hypotheses/epsilon", NULL},
    {"hypotheses/prior", NULL},
    {"hypotheses/prior_set", NULL},
    {"hypotheses/names", NULL},
    {"policies", NULL},
    {"policies/action", NULL},
    {"policies/probabilities", NULL},
    {"policies/names", NULL},
    {"metadata", NULL},
    {NULL, NULL},
};

/* Attributes HDF5's dimension scales and netCDF-4 put on objects: tools', not typos. */
static const char *const TOOL_ATTRS[] = {"CLASS", "NAME", "REFERENCE_LIST", "DIMENSION_LIST",
                                         "_Netcdf4Dimid", "_Netcdf4Coordinates", "_NCProperties",
                                         "_nc3_strict", NULL};

static int listed(const char *const *names, const char *name) {
  for (; names && *names; names++)
    if (!strcmp(*names, name)) return 1;
  return 0;
}

/* Levenshtein distance of a and b, capped at 64 characters each (longer: "far"). */
static int distance(const char *a, const char *b) {
  const size_t n = strlen(a), m = strlen(b);
  if (n > 64 || m > 64) return 1 << 20;
  int row[65];
  for (size_t j = 0; j <= m; j++) row[j] = (int)j;
  for (size_t i = 1; i <= n; i++) {
    int diag = row[0];
    row[0] = (int)i;
    for (size_t j = 1; j <= m; j++) {
      const int up = row[j];
      const int sub = diag + (a[i - 1] != b[j - 1]);
      const int del = row[j] + 1, ins = row[j - 1] + 1;
      row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
      diag = up;
    }
  }
  return row[m];
}

/* Close enough to be the name meant: a third of its length, at least 2 edits. */
static int near(const char *name, int d) {
  const int allowed = (int)strlen(name) / 3;
  return d <= (allowed > 2 ? allowed : 2);
}

typedef struct {
  const known_name *known; /* the schema's names, ending with a NULL path */
  const char *schema;
  credal__problems *sink;
  int allow;
  credal_report_fn warn;
  void *warn_ctx;
  int64_t unknown;
} walk;

static void report(walk *w, const char *fmt, ...) CREDAL_PRINTF(2, 3);
static void report(walk *w, const char *fmt, ...) {
  char msg[CREDAL_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  w->unknown++;
  if (!w->allow) {
    credal__problem(w->sink, CREDAL_EDATA, "%s (not in the %s schema: a typo? "
                    "--allow-unknown goes on without it; /metadata may hold your own)", msg,
                    w->schema);
    credal__problems_name(w->sink, msg); /* named even when another problem comes first */
  }
  else if (w->warn && w->unknown <= 20) {
    char line[CREDAL_MSG_MAX + 16];
    snprintf(line, sizeof line, "%s (ignored)", msg);
    w->warn(w->warn_ctx, CREDAL_OK, line);
  }
}

/* The known object nearest to the unknown path, or NULL. */
static const char *nearest_object(const known_name *known, const char *path) {
  const char *best = NULL;
  int best_d = 1 << 20;
  for (size_t i = 1; known[i].path; i++) {
    const int d = distance(path, known[i].path);
    if (d < best_d) best_d = d, best = known[i].path;
  }
  return best && near(path, best_d) ? best : NULL;
}

/* The attribute `name` on object `path` (known object index i, or -1). */
static void check_attr(walk *w, const char *path, long i, const char *name) {
  const known_name *known = w->known;
  if (listed(TOOL_ATTRS, name) || (i >= 0 && listed(known[i].attrs, name))) return;
  const char *shown = path[0] ? path : "";
  for (size_t k = 0; known[k].path; k++) /* a known attribute on the wrong object */
    if (listed(known[k].attrs, name)) {
      report(w, "/%s: attribute '%s' is not read here; it belongs on /%s", shown, name,
             known[k].path);
      return;
    }
  const char *best = NULL;
  size_t owner = 0;
  int best_d = 1 << 20;
  for (size_t k = 0; known[k].path; k++) /* this object's own attributes win ties */
    for (const char *const *a = known[k].attrs; a && *a; a++) {
      const int d = distance(name, *a) * 2 + ((long)k != i);
      if (d < best_d) best_d = d, best = *a, owner = k;
    }
  if (best && near(name, best_d / 2) && (long)owner == i)
    report(w, "/%s: unknown attribute '%s' (did you mean '%s'?)", shown, name, best);
  else if (best && near(name, best_d / 2))
    report(w, "/%s: unknown attribute '%s' (did you mean '%s' on /%s?)", shown, name, best,
           known[owner].path);
  else
    report(w, "/%s: unknown attribute '%s'", shown, name);
}

typedef struct {
  walk *w;
  const char *path;
  long known;
} attr_walk;

static herr_t on_attr(hid_t loc, const char *name, const H5A_info_t *info, void *data) {
  (void)loc, (void)info;
  attr_walk *a = data;
  check_attr(a->w, a->path, a->known, name);
  return 0;
}

static void check_attrs(walk *w, hid_t file, const char *path, long known) {
  hid_t obj = H5Oopen(file, path[0] ? path : "/", H5P_DEFAULT);
  if (obj < 0) {
    H5Eclear2(H5E_DEFAULT);
    return; /* unreadable objects are the structure check's to report */
  }
  attr_walk a = {w, path, known};
  hsize_t idx = 0;
  H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, on_attr, &a);
  H5Oclose(obj);
  H5Eclear2(H5E_DEFAULT);
}

static long known_index(const known_name *known, const char *path) {
  for (size_t i = 0; known[i].path; i++)
    if (!strcmp(known[i].path, path)) return (long)i;
  return -1;
}

#define MAX_SOURCES 32

typedef struct {
  walk *w;
  hid_t file;
  char skip[256]; /* "name/" of the last unknown group: its contents are not listed too */
  int n_sources;  /* datasets of this file that known virtual datasets map: storage, not typos */
  char sources[MAX_SOURCES][256];
} link_walk;

/* The same-file sources of known virtual datasets, into l->sources (relative paths). */
static void collect_sources(link_walk *l) {
  const known_name *known = l->w->known;
  for (size_t i = 1; known[i].path; i++) {
    if (H5Lexists(l->file, known[i].path, H5P_DEFAULT) <= 0) continue;
    hid_t d = H5Oopen(l->file, known[i].path, H5P_DEFAULT);
    if (d < 0 || H5Iget_type(d) != H5I_DATASET) {
      if (d >= 0) H5Oclose(d);
      continue;
    }
    hid_t dcpl = H5Dget_create_plist(d);
    size_t n = 0;
    if (dcpl >= 0 && H5Pget_layout(dcpl) == H5D_VIRTUAL && H5Pget_virtual_count(dcpl, &n) >= 0)
      for (size_t m = 0; m < n && l->n_sources < MAX_SOURCES; m++) {
        char file[8], name[256];
        if (H5Pget_virtual_filename(dcpl, m, file, sizeof file) < 0 || strcmp(file, ".") ||
            H5Pget_virtual_dsetname(dcpl, m, name, sizeof name) < 0)
          continue;
        snprintf(l->sources[l->n_sources++], sizeof l->sources[0], "%s",
                 name[0] == '/' ? name + 1 : name);
      }
    if (dcpl >= 0) H5Pclose(dcpl);
    H5Oclose(d);
  }
  H5Eclear2(H5E_DEFAULT);
}

/* Whether name is a mapped source, or a group on the way to one. */
static int is_source(const link_walk *l, const char *name) {
  const size_t n = strlen(name);
  for (int i = 0; i < l->n_sources; i++)
    if (!strcmp(l->sources[i], name) || (!strncmp(l->sources[i], name, n) && l->sources[i][n] == '/'))
      return 1;
  return 0;
}

static herr_t on_link(hid_t group, const char *name, const H5L_info_t *info, void *data) {
  (void)group;
  link_walk *l = data;
  if (!strncmp(name, "metadata/", 9)) return 0; /* the user's own */
  if (l->skip[0] && !strncmp(name, l->skip, strlen(l->skip))) return 0;
  const long i = known_index(l->w->known, name);
  if (i < 0 && is_source(l, name)) return 0;
  if (i < 0) {
    snprintf(l->skip, sizeof l->skip, "%s/", name);
    const char *best = nearest_object(l->w->known, name);
    if (best) report(l->w, "/%s: unknown name (did you mean /%s?)", name, best);
    else report(l->w, "/%s: unknown name", name);
    return 0;
  }
  if (info->type == H5L_TYPE_HARD && strcmp(name, "metadata")) check_attrs(l->w, l->file, name, i);
  return 0;
}

void credal__check_known_names(hid_t file, const char *schema, const credal__names_policy *policy,
                               credal__problems *sink) {
  const int mdp = !strcmp(schema, "credal-mdp");
  walk w = {mdp ? MDP : BATCH, mdp ? "credal-mdp" : "credal-batch", sink,
            policy && policy->allow_unknown, policy ? policy->warn : NULL,
            policy ? policy->warn_ctx : NULL, 0};
  check_attrs(&w, file, "", 0);
  link_walk l;
  memset(&l, 0, sizeof l);
  l.w = &w, l.file = file;
  collect_sources(&l);
  H5Lvisit(file, H5_INDEX_NAME, H5_ITER_NATIVE, on_link, &l);
  H5Eclear2(H5E_DEFAULT);
  if (w.allow && w.warn && w.unknown > 20) {
    char msg[96];
    snprintf(msg, sizeof msg, "... and %lld more unknown names", (long long)(w.unknown - 20));
    w.warn(w.warn_ctx, CREDAL_OK, msg);
  }
}
