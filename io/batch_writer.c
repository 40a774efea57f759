/* Writing credal-batch v1 files incrementally; see batch_writer.h for the contract. */
#include "batch_writer.h"
#include "paths.h"

#include "chunk_write.h"

#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Elements per chunk: 1 MiB of float64, small enough for HDF5's chunk cache and for readers
 * that fetch a few hypotheses at a time, large enough for deflate to pay off. */
#define CHUNK_ELEMENTS ((int64_t)1 << 17)

/* One dataset being appended to, front to back. */
typedef struct {
  const char *name;   /* full path, for messages */
  hid_t id;           /* H5I_INVALID_HID when the spec leaves the dataset out */
  int rank;           /* 1 or 2 */
  int along_columns;  /* 2-D only: appends add columns (the (Q, H) prior set), else rows */
  int64_t total;      /* rows (or columns) to append in all */
  int64_t width;      /* 2-D only: the other dimension */
  int64_t done;       /* appended so far */
  int64_t chunk[2];   /* the dataset's chunk (rank 1: chunk[1] = 1) */
  credal__chunk_writer *encoder; /* row appends: encoded on the pool; NULL: HDF5 writes */
} appender;

enum {
  A_OFFSETS, A_POINTS, A_CONSTANTS, A_PRIOR, A_PRIOR_SET, A_UTILITY,
  A_TV_CENTERS, A_TV_RADIUS, A_C_CENTERS, A_C_EPSILON, A_I_LOWER, A_I_UPPER,
  A_B_FOCAL, A_B_MASS, A_B_OFFSETS, A_COUNT
};

/* Total hypotheses: generators and structured sets. */
static int64_t all_hypotheses(const credal__batch_spec *s) {
  int64_t H = s->hypotheses;
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) H += s->structured[f];
  return H;
}

struct credal__batch_writer {
  char *path;
  char *partial;           /* path + ".partial", the file being written */
  credal__batch_spec spec;
  hid_t file;
  appender a[A_COUNT];
  int64_t last_offset;     /* the last offset appended, for the ordering check */
  credal_status failed;    /* status of a failed append; the writer can then only abort */
  credal__encoders *threads; /* the pool threads' encoder state */
};

/* ---- HDF5 errors become credal statuses ---- */

typedef struct {
  char text[512];
} h5_error_text;

static herr_t h5_error_walk(unsigned n, const H5E_error2_t *err, void *data) {
  h5_error_text *out = data;
  /* Walking upward, entry 0 is the innermost and most specific error. */
  if (n == 0 && err->desc != NULL) snprintf(out->text, sizeof out->text, "%s", err->desc);
  return 0;
}

/* The innermost HDF5 error message of this thread's stack, or a generic text. System call
 * failures ("file write failed: time = ..., errno = 28, error message = 'No space left on
 * device', ...") are shortened to "file write failed: No space left on device". */
static const char *h5_error(h5_error_text *buf) {
  buf->text[0] = '\0';
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, h5_error_walk, buf);
  if (buf->text[0] == '\0') snprintf(buf->text, sizeof buf->text, "HDF5 call failed");
  static const char key[] = "error message = '";
  char *colon = strchr(buf->text, ':'), *msg = strstr(buf->text, key);
  if (colon != NULL && msg != NULL && colon < msg) {
    msg += sizeof key - 1;
    char *quote = strchr(msg, '\'');
    size_t n = quote != NULL ? (size_t)(quote - msg) : strlen(msg);
    colon[1] = ' ';
    memmove(colon + 2, msg, n);
    colon[2 + n] = '\0';
  }
  return buf->text;
}

static credal_status fail_h5(credal_status status, const char *path, const char *what) {
  h5_error_text buf;
  return credal__fail(status, "%s: %s: %s", path, what, h5_error(&buf));
}

/* ---- small helpers ---- */

void credal__batch_spec_init(credal__batch_spec *spec) {
  memset(spec, 0, sizeof *spec);
  spec->kind = CREDAL_KIND_DISTRIBUTION;
  spec->codec = CREDAL_CODEC_DEFAULT;
}

static const char *kind_text(credal_kind kind) {
  switch (kind) {
    case CREDAL_KIND_DISTRIBUTION: return "distribution";
    case CREDAL_KIND_MEASURE: return "measure";
    case CREDAL_KIND_PAYOFF: return "payoff";
  }
  return NULL;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }


static void close_id(hid_t *id, herr_t (*close_fn)(hid_t)) {
  if (*id >= 0) close_fn(*id);
  *id = H5I_INVALID_HID;
}

/* A scalar string attribute, variable-length UTF-8 (h5py reads it as str). */
static int write_string_attr(hid_t loc, const char *name, const char *value) {
  int rc = -1;
  hid_t type = H5I_INVALID_HID, space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
  if ((type = H5Tcopy(H5T_C_S1)) < 0) goto cleanup;
  if (H5Tset_size(type, H5T_VARIABLE) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0) goto cleanup;
  if ((space = H5Screate(H5S_SCALAR)) < 0) goto cleanup;
  if ((attr = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT)) < 0) goto cleanup;
  if (H5Awrite(attr, type, &value) < 0) goto cleanup;
  rc = 0;
cleanup:
  close_id(&attr, H5Aclose);
  close_id(&space, H5Sclose);
  close_id(&type, H5Tclose);
  return rc;
}

/* A scalar numeric attribute: file type ftype, memory type mtype. */
static int write_scalar_attr(hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                             const void *value) {
  int rc = -1;
  hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
  if ((space = H5Screate(H5S_SCALAR)) < 0) goto cleanup;
  if ((attr = H5Acreate2(loc, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT)) < 0) goto cleanup;
  if (H5Awrite(attr, mtype, value) < 0) goto cleanup;
  rc = 0;
cleanup:
  close_id(&attr, H5Aclose);
  close_id(&space, H5Sclose);
  return rc;
}

/* Creates one fixed-size chunked dataset (the spec's codec, no timestamps, zero fill) and sizes
 * its chunk cache so that one band of chunks along the append direction stays cached until
 * complete: every chunk then reaches the disk once, whole. Only the prior set, appended by
 * columns, is written through that cache; row appends go by direct chunk writes. */
static hid_t create_dataset(hid_t loc, const char *name, hid_t ftype, appender *a,
                            const credal__codec *codec) {
  hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, dapl = H5I_INVALID_HID;
  hid_t dset = H5I_INVALID_HID;
  hsize_t dims[2], chunk[2];
  int64_t band = 1; /* chunks touched by one append across the other dimension */
  if (a->rank == 1) {
    dims[0] = (hsize_t)a->total;
    chunk[0] = (hsize_t)min64(a->total, CHUNK_ELEMENTS);
  } else if (!a->along_columns) { /* (total, width), appended by rows */
    int64_t cols = min64(a->width, CHUNK_ELEMENTS);
    dims[0] = (hsize_t)a->total;
    dims[1] = (hsize_t)a->width;
    chunk[1] = (hsize_t)cols;
    chunk[0] = (hsize_t)min64(a->total, max64(1, CHUNK_ELEMENTS / cols));
    band = (a->width + cols - 1) / cols;
  } else { /* (width, total), appended by columns */
    int64_t rows = min64(a->width, CHUNK_ELEMENTS);
    dims[0] = (hsize_t)a->width;
    dims[1] = (hsize_t)a->total;
    chunk[0] = (hsize_t)rows;
    chunk[1] = (hsize_t)min64(a->total, max64(1, CHUNK_ELEMENTS / rows));
    band = (a->width + rows - 1) / rows;
  }
  a->chunk[0] = (int64_t)chunk[0];
  a->chunk[1] = a->rank == 2 ? (int64_t)chunk[1] : 1;
  size_t chunk_bytes = H5Tget_size(ftype) * (size_t)chunk[0];
  if (a->rank == 2) chunk_bytes *= (size_t)chunk[1];
  size_t cache_bytes = chunk_bytes * (size_t)max64(4, 2 * band + 2);
  static const double zero = 0.0;

  if ((space = H5Screate_simple(a->rank, dims, NULL)) < 0) goto cleanup;
  if ((dcpl = H5Pcreate(H5P_DATASET_CREATE)) < 0) goto cleanup;
  if (H5Pset_chunk(dcpl, a->rank, chunk) < 0) goto cleanup;
  if (credal__codec_set_filters(codec, dcpl) != CREDAL_OK) goto cleanup;
  if (H5Pset_obj_track_times(dcpl, 0) < 0) goto cleanup;
  if (H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &zero) < 0) goto cleanup;
  if (H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC) < 0) goto cleanup;
  if ((dapl = H5Pcreate(H5P_DATASET_ACCESS)) < 0) goto cleanup;
  if (H5Pset_chunk_cache(dapl, 10007, cache_bytes, 1.0) < 0) goto cleanup;
  dset = H5Dcreate2(loc, name, ftype, space, H5P_DEFAULT, dcpl, dapl);
cleanup:
  close_id(&dapl, H5Pclose);
  close_id(&dcpl, H5Pclose);
  close_id(&space, H5Sclose);
  return dset;
}

/* Closes everything, ignoring errors. The file goes first: after a failed write the datasets
 * still hold chunks that cannot be flushed, and HDF5 1.10 left with a file whose close failed
 * crashes at exit; closing the file id first, then the datasets, lets it tear down cleanly. */
static void close_all(credal__batch_writer *w) {
  for (int i = 0; i < A_COUNT; i++) credal__chunk_writer_close(w->a[i].encoder), w->a[i].encoder = NULL;
  credal__encoders_free(w->threads), w->threads = NULL;
  close_id(&w->file, H5Fclose);
  for (int i = 0; i < A_COUNT; i++) close_id(&w->a[i].id, H5Dclose);
}

/* Row appends of dataset a are encoded on the pool (the (Q, H) prior set, appended by
 * columns, is written by HDF5). */
static credal_status open_encoder(credal__batch_writer *w, appender *a, hid_t ftype) {
  if (a->along_columns) return CREDAL_OK;
  credal_status st;
  if (!w->threads && (st = credal__encoders_create(credal__pool_threads(w->spec.pool), &w->threads)))
    return st;
  credal__stored_type stored = CREDAL_STORED_F64;
  if (H5Tequal(ftype, H5T_IEEE_F32LE) > 0) stored = CREDAL_STORED_F32;
  else if (H5Tequal(ftype, H5T_STD_I64LE) > 0) stored = CREDAL_STORED_I64;
  else if (H5Tequal(ftype, H5T_STD_U8LE) > 0) stored = CREDAL_STORED_U8;
  const int64_t bands = (a->total + a->chunk[0] - 1) / a->chunk[0];
  const int group = credal__pool_threads(w->spec.pool) < bands ? credal__pool_threads(w->spec.pool)
                                                                : (int)bands;
  return credal__chunk_writer_open(a->id, a->name, a->total, a->rank == 2 ? a->width : 1, stored,
                                   a->chunk, &w->spec.codec, group, w->threads, &a->encoder);
}

static void writer_free(credal__batch_writer *w) {
  if (w == NULL) return;
  free(w->path);
  free(w->partial);
  free(w);
}

void credal__batch_writer_abort(credal__batch_writer *w) {
  if (w == NULL) return;
  int created = w->file >= 0;
  close_all(w);
  if (created) unlink(w->partial);
  writer_free(w);
}

/* ---- create ---- */

static credal_status check_spec(const credal__batch_spec *s) {
  uint64_t n;
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++)
    if (s->structured[f] < 0 || s->structured[f] > INT32_MAX)
      return credal__fail(CREDAL_EUSAGE, "batch writer: %lld %s", (long long)s->structured[f],
                          credal_family_name((credal_family)f));
  if (s->structured[CREDAL_FAMILY_BELIEF] > 0 && s->focal_sets < s->structured[CREDAL_FAMILY_BELIEF])
    return credal__fail(CREDAL_EUSAGE, "batch writer: %lld focal sets for %lld belief functions",
                        (long long)s->focal_sets, (long long)s->structured[CREDAL_FAMILY_BELIEF]);
  if (s->hypotheses < 0 || s->hypotheses >= INT32_MAX || all_hypotheses(s) < 1 ||
      all_hypotheses(s) > INT32_MAX)
    return credal__fail(CREDAL_EUSAGE, "batch writer: %lld hypotheses (need at least 1)",
                        (long long)s->hypotheses);
  if (s->generators < s->hypotheses)
    return credal__fail(CREDAL_EUSAGE,
                        "batch writer: %lld generators for %lld hypotheses (need one each)",
                        (long long)s->generators, (long long)s->hypotheses);
  if (s->dim < 1 || s->policies < 1)
    return credal__fail(CREDAL_EUSAGE, "batch writer: d=%lld and P=%lld must be at least 1",
                        (long long)s->dim, (long long)s->policies);
  if (s->prior_set_size < 0)
    return credal__fail(CREDAL_EUSAGE, "batch writer: prior set size %lld is negative",
                        (long long)s->prior_set_size);
  if (kind_text(s->kind) == NULL)
    return credal__fail(CREDAL_EUSAGE, "batch writer: unknown kind %d", (int)s->kind);
  if (credal__mul_u64((uint64_t)s->generators, (uint64_t)s->dim, &n) || n > INT64_MAX ||
      credal__mul_u64((uint64_t)s->policies, (uint64_t)s->dim, &n) || n > INT64_MAX ||
      credal__mul_u64((uint64_t)s->prior_set_size, (uint64_t)all_hypotheses(s), &n) || n > INT64_MAX ||
      credal__mul_u64((uint64_t)s->focal_sets, (uint64_t)s->dim, &n) || n > INT64_MAX)
    return credal__fail(CREDAL_EUSAGE, "batch writer: dataset sizes overflow 64 bits");
  if (!(s->tolerance <= 0) && !(s->tolerance < 1e300)) /* NaN or huge */
    return credal__fail(CREDAL_EUSAGE, "batch writer: tolerance must be finite");
  return CREDAL_OK;
}

/* The bytes the file takes before compression: every dataset of spec, and a margin. */
static uint64_t estimate_bytes(const credal__batch_spec *s) {
  const double d = (double)s->dim, pts = s->points_f32 ? 4.0 : 8.0;
  double bytes = 1 << 20;
  bytes += (double)s->generators * (d * pts + (s->has_constants ? 8.0 : 0.0));
  bytes += (double)(s->hypotheses + 1) * 8.0;
  bytes += (double)s->policies * d * (s->utility_f32 ? 4.0 : 8.0);
  int64_t all = s->hypotheses;
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) {
    all += s->structured[f];
    bytes += (double)s->structured[f] * (d + 1.0) * 8.0 * (f == CREDAL_FAMILY_INTERVALS ? 2 : 1);
  }
  bytes += (double)s->focal_sets * (d + 2.0) * 8.0;
  bytes += (double)all * 8.0 * ((s->has_prior ? 1.0 : 0.0) + (double)s->prior_set_size);
  return bytes >= 1.8e19 ? UINT64_MAX : (uint64_t)bytes;
}

/* Refuses a file that cannot fit the free space where it goes, even compressed 4:1. */
static credal_status check_space(const char *path, const credal__batch_spec *spec) {
  uint64_t free_bytes;
  if (credal__free_bytes(path, &free_bytes)) return CREDAL_OK; /* cannot tell: go on */
  const uint64_t need = estimate_bytes(spec);
  const int raw = spec->codec.kind == CREDAL_CODEC_NONE;
  if (credal__least_on_disk(need, !raw) <= free_bytes) return CREDAL_OK;
  char a[32], b[32];
  return credal__fail(CREDAL_ECANTCREATE,
                      "%s: the file takes about %s%s, and its file system has %s free: free "
                      "space, write it elsewhere, or ask for fewer hypotheses or policies",
                      path, credal__format_bytes(need, a, sizeof a),
                      raw ? "" : CREDAL_LEAST_ON_DISK_WORDS,
                      credal__format_bytes(free_bytes, b, sizeof b));
}

credal_status credal__batch_writer_create(const char *path, const credal__batch_spec *spec,
                                          credal__batch_writer **out) {
  credal_status st;
  credal__batch_writer *w = NULL;
  hid_t fapl = H5I_INVALID_HID, gcpl = H5I_INVALID_HID;
  hid_t hyp = H5I_INVALID_HID, pol = H5I_INVALID_HID;
  const char *step = NULL;

  if (out == NULL || path == NULL || spec == NULL)
    return credal__fail(CREDAL_EINTERNAL, "batch writer: NULL argument");
  *out = NULL;
  if ((st = check_spec(spec)) != CREDAL_OK) return st;

  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* HDF5 errors are reported as credal statuses */

  if ((w = calloc(1, sizeof *w)) == NULL) return credal__fail(CREDAL_ENOMEM, "out of memory");
  w->spec = *spec;
  w->file = H5I_INVALID_HID;
  for (int i = 0; i < A_COUNT; i++) w->a[i].id = H5I_INVALID_HID;
  size_t len = strlen(path);
  w->path = malloc(len + 1);
  w->partial = malloc(len + sizeof ".partial");
  if (w->path == NULL || w->partial == NULL) {
    writer_free(w);
    return credal__fail(CREDAL_ENOMEM, "out of memory");
  }
  memcpy(w->path, path, len + 1);
  memcpy(w->partial, path, len);
  memcpy(w->partial + len, ".partial", sizeof ".partial");

  if (!spec->force) {
    int partial = 0;
    if (credal__path_exists(path) || (partial = credal__path_exists(w->partial))) {
      st = credal__fail(CREDAL_EEXIST, "%s exists (%suse --force to replace it)",
                        partial ? w->partial : w->path,
                        partial ? "left by an interrupted run? " : "");
      writer_free(w);
      return st;
    }
  }

  if ((st = check_space(w->path, spec))) {
    writer_free(w);
    return st;
  }

  /* The earliest file format that can hold the file: readable by every HDF5 since 1.8. */
  if ((fapl = H5Pcreate(H5P_FILE_ACCESS)) < 0 ||
      H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_LATEST) < 0) {
    st = fail_h5(CREDAL_EINTERNAL, w->partial, "file access properties");
    goto fail;
  }
  w->file = H5Fcreate(w->partial, spec->force ? H5F_ACC_TRUNC : H5F_ACC_EXCL, H5P_DEFAULT, fapl);
  if (w->file < 0) {
    st = fail_h5(CREDAL_ECANTCREATE, w->partial, "cannot create");
    goto fail;
  }

  /* Everything below only writes into the new file: a failure is an I/O error. */
  int64_t version = 1;
  step = "writing the root attributes";
  if (write_string_attr(w->file, "schema", "credal-batch") < 0 ||
      write_scalar_attr(w->file, "version", H5T_STD_I64LE, H5T_NATIVE_INT64, &version) < 0)
    goto fail_io;

  step = "creating the groups";
  if ((gcpl = H5Pcreate(H5P_GROUP_CREATE)) < 0 || H5Pset_obj_track_times(gcpl, 0) < 0) goto fail_io;
  if ((hyp = H5Gcreate2(w->file, "hypotheses", H5P_DEFAULT, gcpl, H5P_DEFAULT)) < 0) goto fail_io;
  if ((pol = H5Gcreate2(w->file, "policies", H5P_DEFAULT, gcpl, H5P_DEFAULT)) < 0) goto fail_io;
  static const char *const groups[CREDAL_FAMILY_COUNT] = {NULL, "tv_balls", "contamination",
                                                          "intervals", "belief"};
  for (int f = 1; f < CREDAL_FAMILY_COUNT; f++) {
    hid_t g;
    if (spec->structured[f] == 0) continue;
    if ((g = H5Gcreate2(w->file, groups[f], H5P_DEFAULT, gcpl, H5P_DEFAULT)) < 0) goto fail_io;
    H5Gclose(g);
  }

  step = "writing the /hypotheses attributes";
  if (write_string_attr(hyp, "kind", kind_text(spec->kind)) < 0) goto fail_io;
  if (spec->tolerance > 0 &&
      write_scalar_attr(hyp, "tolerance", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &spec->tolerance) < 0)
    goto fail_io;

  /* The datasets, in creation order (which fixes the file layout). */
  const int64_t Hg = spec->hypotheses, K = spec->generators, d = spec->dim;
  const int64_t H = all_hypotheses(spec), *S = spec->structured, M = spec->focal_sets;
  const int gen = Hg > 0;
  const hid_t f64 = H5T_IEEE_F64LE, f32 = H5T_IEEE_F32LE;
  /* name, rank, appended along columns, total, width */
#define APPENDER(name, rank, cols, total, width) {name, -1, rank, cols, total, width, 0, {0, 0}, NULL}
  struct {
    int which, wanted;
    appender a;
    hid_t ftype;
  } plan[A_COUNT] = {
      {A_POINTS, gen, APPENDER("/hypotheses/points", 2, 0, K, d), spec->points_f32 ? f32 : f64},
      {A_OFFSETS, gen, APPENDER("/hypotheses/offsets", 1, 0, Hg + 1, 0), H5T_STD_I64LE},
      {A_CONSTANTS, gen && spec->has_constants, APPENDER("/hypotheses/constants", 1, 0, K, 0), f64},
      {A_PRIOR, spec->has_prior, APPENDER("/hypotheses/prior", 1, 0, H, 0), f64},
      {A_PRIOR_SET, spec->prior_set_size > 0,
       APPENDER("/hypotheses/prior_set", 2, 1, H, spec->prior_set_size), f64},
      {A_UTILITY, 1, APPENDER("/policies/utility", 2, 0, spec->policies, d),
       spec->utility_f32 ? f32 : f64},
      {A_TV_CENTERS, S[1] > 0, APPENDER("/tv_balls/centers", 2, 0, S[1], d), f64},
      {A_TV_RADIUS, S[1] > 0, APPENDER("/tv_balls/radius", 1, 0, S[1], 0), f64},
      {A_C_CENTERS, S[2] > 0, APPENDER("/contamination/centers", 2, 0, S[2], d), f64},
      {A_C_EPSILON, S[2] > 0, APPENDER("/contamination/epsilon", 1, 0, S[2], 0), f64},
      {A_I_LOWER, S[3] > 0, APPENDER("/intervals/lower", 2, 0, S[3], d), f64},
      {A_I_UPPER, S[3] > 0, APPENDER("/intervals/upper", 2, 0, S[3], d), f64},
      {A_B_FOCAL, S[4] > 0, APPENDER("/belief/focal", 2, 0, M, d), H5T_STD_U8LE},
      {A_B_MASS, S[4] > 0, APPENDER("/belief/mass", 1, 0, M, 0), f64},
      {A_B_OFFSETS, S[4] > 0, APPENDER("/belief/offsets", 1, 0, S[4] + 1, 0), H5T_STD_I64LE},
  };
#undef APPENDER
  for (int i = 0; i < A_COUNT; i++) {
    appender *a = &w->a[plan[i].which];
    *a = plan[i].a;
    if (!plan[i].wanted) {
      a->total = 0; /* appends are refused: a->id stays invalid */
      continue;
    }
    if ((a->id = create_dataset(w->file, a->name, plan[i].ftype, a, &spec->codec)) < 0) {
      h5_error_text buf;
      st = credal__fail(CREDAL_EIO, "%s: creating %s: %s", w->partial, a->name, h5_error(&buf));
      goto fail;
    }
    if ((st = open_encoder(w, a, plan[i].ftype))) goto fail;
  }
  close_id(&hyp, H5Gclose);
  close_id(&pol, H5Gclose);
  close_id(&gcpl, H5Pclose);
  close_id(&fapl, H5Pclose);
  w->last_offset = -1;
  *out = w;
  return CREDAL_OK;

fail_io:
  st = fail_h5(CREDAL_EIO, w->partial, step);
fail:
  close_id(&hyp, H5Gclose);
  close_id(&pol, H5Gclose);
  close_id(&gcpl, H5Pclose);
  close_id(&fapl, H5Pclose);
  credal__batch_writer_abort(w);
  return st;
}

/* ---- appends ---- */

static credal_status append(credal__batch_writer *w, int which, int64_t count,
                            credal__source_type source, const void *data) {
  if (w == NULL) return credal__fail(CREDAL_EINTERNAL, "batch writer: NULL writer");
  appender *a = &w->a[which];
  if (w->spec.interrupt && *w->spec.interrupt && w->failed == CREDAL_OK) {
    w->failed = CREDAL_EINTERRUPTED;
    return credal__fail(CREDAL_EINTERRUPTED, "interrupted while writing %s: %s removed (nothing "
                        "is kept; run it again)", a->name, w->partial);
  }
  if (w->failed != CREDAL_OK)
    return credal__fail(CREDAL_EINTERNAL, "%s: the writer failed earlier", a->name);
  if (a->id < 0) {
    w->failed = CREDAL_EINTERNAL;
    return credal__fail(CREDAL_EINTERNAL, "%s: not declared in the batch spec", a->name);
  }
  if (count < 0 || count > a->total - a->done) {
    w->failed = CREDAL_EINTERNAL;
    return credal__fail(CREDAL_EINTERNAL, "%s: appending %lld at %lld overruns its %lld",
                        a->name, (long long)count, (long long)a->done, (long long)a->total);
  }
  if (count == 0) return CREDAL_OK;
  if (data == NULL) {
    w->failed = CREDAL_EINTERNAL;
    return credal__fail(CREDAL_EINTERNAL, "%s: NULL data", a->name);
  }

  credal_status st = CREDAL_OK;
  if (a->encoder) {
    if ((st = credal__chunk_writer_put(a->encoder, a->done, count, data, source, w->spec.pool))) {
      w->failed = st;
      return credal__fail_context(st, "%s", w->partial);
    }
    a->done += count;
    return CREDAL_OK;
  }
  const hid_t memtype = source == CREDAL_SOURCE_F32   ? H5T_NATIVE_FLOAT
                        : source == CREDAL_SOURCE_I64 ? H5T_NATIVE_INT64
                                                      : H5T_NATIVE_DOUBLE;
  hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
  hsize_t start[2] = {0, 0}, extent[2];
  if (a->rank == 1) {
    start[0] = (hsize_t)a->done;
    extent[0] = (hsize_t)count;
  } else if (!a->along_columns) {
    start[0] = (hsize_t)a->done;
    extent[0] = (hsize_t)count;
    extent[1] = (hsize_t)a->width;
  } else {
    start[1] = (hsize_t)a->done;
    extent[0] = (hsize_t)a->width;
    extent[1] = (hsize_t)count;
  }
  if ((fspace = H5Dget_space(a->id)) < 0 ||
      H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, extent, NULL) < 0 ||
      (mspace = H5Screate_simple(a->rank, extent, NULL)) < 0 ||
      H5Dwrite(a->id, memtype, mspace, fspace, H5P_DEFAULT, data) < 0) {
    h5_error_text buf;
    st = credal__fail(CREDAL_EIO, "%s: writing %s at %s %lld: %s", w->partial, a->name,
                      a->along_columns ? "column" : a->rank == 2 ? "row" : "index",
                      (long long)a->done, h5_error(&buf));
    w->failed = st;
  } else {
    a->done += count;
  }
  close_id(&mspace, H5Sclose);
  close_id(&fspace, H5Sclose);
  return st;
}

credal_status credal__batch_writer_append_offsets(credal__batch_writer *w, int64_t count,
                                                  const int64_t *offsets) {
  if (w == NULL) return credal__fail(CREDAL_EINTERNAL, "batch writer: NULL writer");
  if (w->failed == CREDAL_OK && offsets != NULL && count > 0 &&
      count <= w->a[A_OFFSETS].total - w->a[A_OFFSETS].done) {
    int64_t last = w->last_offset;
    for (int64_t i = 0; i < count; i++) {
      int64_t h = w->a[A_OFFSETS].done + i, v = offsets[i];
      const char *why = NULL;
      if (h == 0 && v != 0) why = "offsets[0] must be 0";
      else if (h > 0 && v <= last) why = "offsets must increase strictly";
      else if (h > 0 && v - last > INT32_MAX) why = "a hypothesis owns more than 2^31-1 rows";
      else if (v > w->spec.generators) why = "offset beyond K_total";
      else if (h == w->spec.hypotheses && v != w->spec.generators)
        why = "offsets[H] must be K_total";
      if (why != NULL) {
        w->failed = CREDAL_EINTERNAL;
        return credal__fail(CREDAL_EINTERNAL, "/hypotheses/offsets[%lld] = %lld: %s (K_total %lld)",
                            (long long)h, (long long)v, why, (long long)w->spec.generators);
      }
      last = v;
    }
    credal_status st = append(w, A_OFFSETS, count, CREDAL_SOURCE_I64, offsets);
    if (st == CREDAL_OK) w->last_offset = last;
    return st;
  }
  return append(w, A_OFFSETS, count, CREDAL_SOURCE_I64, offsets);
}

credal_status credal__batch_writer_append_points(credal__batch_writer *w, int64_t rows,
                                                 const double *points) {
  return append(w, A_POINTS, rows, CREDAL_SOURCE_F64, points);
}

credal_status credal__batch_writer_append_points_f32(credal__batch_writer *w, int64_t rows,
                                                     const float *points) {
  return append(w, A_POINTS, rows, CREDAL_SOURCE_F32, points);
}

credal_status credal__batch_writer_append_constants(credal__batch_writer *w, int64_t rows,
                                                    const double *constants) {
  return append(w, A_CONSTANTS, rows, CREDAL_SOURCE_F64, constants);
}

credal_status credal__batch_writer_append_utility(credal__batch_writer *w, int64_t rows,
                                                  const double *utility) {
  return append(w, A_UTILITY, rows, CREDAL_SOURCE_F64, utility);
}

credal_status credal__batch_writer_append_utility_f32(credal__batch_writer *w, int64_t rows,
                                                      const float *utility) {
  return append(w, A_UTILITY, rows, CREDAL_SOURCE_F32, utility);
}

credal_status credal__batch_writer_append_prior(credal__batch_writer *w, int64_t count,
                                                const double *prior) {
  return append(w, A_PRIOR, count, CREDAL_SOURCE_F64, prior);
}

credal_status credal__batch_writer_append_prior_set(credal__batch_writer *w, int64_t count,
                                                    const double *block) {
  return append(w, A_PRIOR_SET, count, CREDAL_SOURCE_F64, block);
}

credal_status credal__batch_writer_append_family(credal__batch_writer *w, credal_family family,
                                                 int64_t count, const double *rows,
                                                 const double *second) {
  static const int first[CREDAL_FAMILY_COUNT] = {-1, A_TV_CENTERS, A_C_CENTERS, A_I_LOWER,
                                                 A_B_FOCAL};
  if ((int)family < 1 || family >= CREDAL_FAMILY_COUNT)
    return credal__fail(CREDAL_EINTERNAL, "batch writer: family %d is not structured", (int)family);
  credal_status st = append(w, first[family], count, CREDAL_SOURCE_F64, rows);
  return st ? st : append(w, first[family] + 1, count, CREDAL_SOURCE_F64, second);
}

credal_status credal__batch_writer_append_belief_offsets(credal__batch_writer *w, int64_t count,
                                                         const int64_t *offsets) {
  return append(w, A_B_OFFSETS, count, CREDAL_SOURCE_I64, offsets);
}

/* ---- finish ---- */

credal_status credal__batch_writer_finish(credal__batch_writer *w) {
  credal_status st = CREDAL_OK;
  if (w == NULL) return credal__fail(CREDAL_EINTERNAL, "batch writer: NULL writer");
  if (w->failed != CREDAL_OK) { /* the failing append set the message */
    st = w->failed;
    goto fail;
  }
  for (int i = 0; i < A_COUNT; i++) {
    const appender *a = &w->a[i];
    if (a->done != a->total) {
      st = credal__fail(CREDAL_EINTERNAL, "%s: only %lld of %lld %s written", a->name,
                        (long long)a->done, (long long)a->total,
                        a->along_columns ? "columns" : a->rank == 2 ? "rows" : "values");
      goto fail;
    }
  }
  for (int i = 0; i < A_COUNT; i++) {
    if (w->a[i].encoder && (st = credal__chunk_writer_flush(w->a[i].encoder, w->spec.pool))) {
      credal__fail_context(st, "%s", w->partial);
      goto fail;
    }
  }
  /* Flush first: a full disk shows here, while the writer can still abort cleanly. */
  if (H5Fflush(w->file, H5F_SCOPE_LOCAL) < 0) {
    st = fail_h5(CREDAL_EIO, w->partial, "writing the file");
    goto fail;
  }
  for (int i = 0; i < A_COUNT; i++) credal__chunk_writer_close(w->a[i].encoder), w->a[i].encoder = NULL;
  credal__encoders_free(w->threads), w->threads = NULL;
  for (int i = 0; i < A_COUNT; i++) {
    if (w->a[i].id >= 0 && H5Dclose(w->a[i].id) < 0) {
      w->a[i].id = H5I_INVALID_HID;
      st = fail_h5(CREDAL_EIO, w->partial, "closing a dataset");
      goto fail;
    }
    w->a[i].id = H5I_INVALID_HID;
  }
  herr_t closed = H5Fclose(w->file);
  w->file = H5I_INVALID_HID;
  if (closed < 0) {
    st = fail_h5(CREDAL_EIO, w->partial, "closing the file");
    unlink(w->partial);
    writer_free(w);
    return st;
  }
  if ((st = credal__publish(w->partial, w->path, w->spec.force)) != CREDAL_OK) unlink(w->partial);
  writer_free(w);
  return st;
fail:
  credal__batch_writer_abort(w);
  return st;
}
