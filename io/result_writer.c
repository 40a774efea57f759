/* credal-result v1 writer. Datasets are chunked with the run's codec (shuffle + deflate by
 * default); the row datasets are encoded by credal on the pool and written with direct chunk
 * writes (io/chunk_write.h), except in a parallel (MPI) file, where HDF5 writes collectively.
 * Object timestamps are off so the bytes depend only on values. */
#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#ifdef CREDAL_HAVE_MPI
#include <mpi.h>
#endif

#include "chunk_write.h"
#include "h5util.h"
#include "h5write.h"
#include "result_writer.h"
#include "resume_state.h"

#define CHUNK_ELEMENTS 32768 /* 256 KiB of float64 per chunk */
#define GROUP_PER_THREAD 1   /* bands of chunk rows buffered per row dataset and pool thread */

/* Row datasets: (H, P) or (H,); the rule masks follow the credal_rule order. */
enum {
  D_LOWER, D_ARGMIN, D_REGRET, D_UPPER, D_ARGMAX, D_BEST_VALUE, D_BEST_POLICY,
  D_RULE0, D_SET_REGRET = D_RULE0 + CREDAL_RULE_COUNT, D_COUNT
};

struct credal__result_writer {
  char *path;
  hid_t file;
  hid_t rows[D_COUNT]; /* row datasets (H, P) or (H,); -1 when absent */
  hid_t dxpl;          /* row writes: H5P_DEFAULT, or collective MPI-IO for a parallel file */
  credal__chunk_writer *encoders[D_COUNT]; /* NULL in a parallel file */
  credal__encoders *threads;               /* the pool threads' encoder state */
  credal__codec codec;
  credal__result_layout layout;
};

static const char *const row_names[D_COUNT] = {
    "/lower", "/argmin", "/regret", "/upper", "/argmax", "/best/value", "/best/policy",
    "/rules/gamma_maximin", "/rules/gamma_maximax", "/rules/hurwicz", "/rules/interval_dominance",
    "/rules/maximal", "/rules/e_admissible", "/rules/set_regret"};

typedef enum { KIND_FLOAT, KIND_INDEX, KIND_MASK } row_kind;

static row_kind kind_of(int i) {
  return i == D_ARGMIN || i == D_ARGMAX || i == D_BEST_POLICY ? KIND_INDEX
         : i >= D_RULE0 && i < D_SET_REGRET                  ? KIND_MASK
                                                             : KIND_FLOAT;
}

static int rank_of(int i) { return i == D_BEST_VALUE || i == D_BEST_POLICY ? 1 : 2; }

/* Whether the layout has row dataset i. */
static int has_rows(const credal__result_layout *l, int i) {
  if (l->policy_only && rank_of(i) == 2) return 0;
  if (l->lower_only && rank_of(i) == 2 && i != D_LOWER) return 0;
  if (i == D_UPPER || i == D_ARGMAX) return l->upper;
  if (i >= D_RULE0 && i < D_SET_REGRET) return (l->rules >> (i - D_RULE0)) & 1u;
  if (i == D_SET_REGRET) return (l->rules & CREDAL_RULES_SET_REGRET) != 0;
  return 1;
}

static void chunk_shape(int64_t H, int64_t P, hsize_t chunk[2]) {
  int64_t cols = P < CHUNK_ELEMENTS ? P : CHUNK_ELEMENTS;
  int64_t rows = CHUNK_ELEMENTS / P;
  if (rows < 1) rows = 1;
  if (rows > H) rows = H;
  chunk[0] = (hsize_t)rows;
  chunk[1] = (hsize_t)cols;
}

/* Bands of chunk rows each row dataset buffers (no more than the dataset has). */
static int group_of(const credal__result_layout *l, int64_t chunk_rows) {
  const int64_t bands = (l->hypotheses + chunk_rows - 1) / chunk_rows;
  const int64_t group = (int64_t)GROUP_PER_THREAD * credal__pool_threads(l->pool);
  return (int)(group < bands ? group : bands > 0 ? bands : 1);
}

/* What one row dataset's writer holds: its encoder's buffers, or HDF5's cache of one band. */
static uint64_t rows_bytes(const credal__result_layout *l, int64_t P, size_t elem) {
  hsize_t chunk[2];
  chunk_shape(l->hypotheses, P, chunk);
  const int64_t c[2] = {(int64_t)chunk[0], (int64_t)chunk[1]};
  return credal__chunk_writer_bytes(P, c, elem, group_of(l, c[0]));
}

/* Bytes per element of row dataset i as stored. */
static size_t stored_size(const credal__result_layout *l, int i) {
  return kind_of(i) == KIND_INDEX ? 4 : kind_of(i) == KIND_MASK ? 1 : l->f32 ? 4 : 8;
}

uint64_t credal__result_cache_bytes(const credal__result_layout *l) {
  const int64_t P = l->policies;
  uint64_t total = 0;
  for (int i = 0; i < D_COUNT; i++)
    if (has_rows(l, i) && rank_of(i) == 2) total += rows_bytes(l, P, stored_size(l, i));
  hsize_t chunk[2];
  chunk_shape(l->hypotheses, P, chunk);
  const int64_t c[2] = {(int64_t)chunk[0], (int64_t)chunk[1]};
  total += (uint64_t)credal__pool_threads(l->pool) * credal__encoders_bytes_per_thread(c, 8);
  return total + 2 * rows_bytes(l, 1, 8);
}

uint64_t credal__result_estimate_bytes(const credal__result_layout *l) {
  const double H = (double)l->hypotheses, P = (double)l->policies;
  double bytes = 1 << 20; /* HDF5's superblock, object headers, chunk indexes, attributes */
  for (int i = 0; i < D_COUNT; i++)
    if (has_rows(l, i)) bytes += H * (rank_of(i) == 2 ? P : 1.0) * (double)stored_size(l, i);
  bytes += P * 8.0 * (10.0 + 2.0 * (double)l->prior_set_size); /* /policy, /rules/class */
  bytes += H * 16.0 / 4096.0 * 64.0;                              /* chunk index entries */
  return bytes >= 1.8e19 ? UINT64_MAX : (uint64_t)bytes;
}

static hid_t create_dataset(credal__result_writer *w, const char *name, hid_t file_type, int rank,
                            const hsize_t *dims) {
  hid_t space = -1, dcpl = -1, dapl = -1, dset = -1;
  hsize_t chunk[2];
  if (rank == 2) {
    chunk_shape((int64_t)dims[0], (int64_t)dims[1], chunk);
  } else {
    chunk[0] = dims[0] < CHUNK_ELEMENTS ? dims[0] : CHUNK_ELEMENTS;
  }
  if ((space = H5Screate_simple(rank, dims, NULL)) < 0) goto cleanup;
  if ((dcpl = H5Pcreate(H5P_DATASET_CREATE)) < 0) goto cleanup;
  if (H5Pset_chunk(dcpl, rank, chunk) < 0 || H5Pset_obj_track_times(dcpl, 0) < 0 ||
      credal__codec_set_filters(&w->codec, dcpl) != CREDAL_OK)
    goto cleanup;
  /* rows are encoded by credal and written whole: HDF5 caches one chunk, for rereads */
  const size_t elem = H5Tget_size(file_type);
  if ((dapl = H5Pcreate(H5P_DATASET_ACCESS)) < 0) goto cleanup;
  if (H5Pset_chunk_cache(dapl, 101, (size_t)(chunk[0] * (rank == 2 ? chunk[1] : 1)) * elem * 2, 1.0) < 0)
    goto cleanup;
  dset = H5Dcreate2(w->file, name, file_type, space, H5P_DEFAULT, dcpl, dapl);
cleanup:
  if (space >= 0) H5Sclose(space);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (dapl >= 0) H5Pclose(dapl);
  if (dset < 0) credal__fail(CREDAL_ECANTCREATE, "%s: cannot create dataset %s", w->path, name);
  return dset;
}

/* The encoder of row dataset i (none in a parallel file: HDF5 writes it collectively). */
static credal_status open_encoder(credal__result_writer *w, int i) {
  if (w->layout.parallel) return CREDAL_OK;
  credal_status st;
  if (!w->threads && (st = credal__encoders_create(credal__pool_threads(w->layout.pool), &w->threads)))
    return st;
  const row_kind kind = kind_of(i);
  const int64_t width = rank_of(i) == 1 ? 1 : w->layout.policies;
  hsize_t c[2] = {0, 1};
  if (width > 1) chunk_shape(w->layout.hypotheses, width, c);
  else c[0] = w->layout.hypotheses < CHUNK_ELEMENTS ? (hsize_t)w->layout.hypotheses : CHUNK_ELEMENTS;
  const int64_t chunk[2] = {(int64_t)c[0], (int64_t)c[1]};
  const credal__stored_type type = kind == KIND_INDEX ? CREDAL_STORED_I32
                                   : kind == KIND_MASK ? CREDAL_STORED_U8
                                   : w->layout.f32     ? CREDAL_STORED_F32
                                                       : CREDAL_STORED_F64;
  return credal__chunk_writer_open(w->rows[i], row_names[i], w->layout.hypotheses, width, type,
                                   chunk, &w->codec, group_of(&w->layout, chunk[0]), w->threads,
                                   &w->encoders[i]);
}

static credal_status create_group(credal__result_writer *w, const char *name) {
  hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
  if (gcpl >= 0) H5Pset_obj_track_times(gcpl, 0);
  hid_t g = H5Gcreate2(w->file, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
  if (gcpl >= 0) H5Pclose(gcpl);
  if (g < 0) return credal__fail(CREDAL_ECANTCREATE, "%s: cannot create group %s", w->path, name);
  H5Gclose(g);
  return CREDAL_OK;
}

static credal_status write_whole(credal__result_writer *w, const char *name, hid_t file_type,
                                 hid_t mem_type, int64_t n, const void *data) {
  hsize_t dims[1] = {(hsize_t)n};
  hid_t d = create_dataset(w, name, file_type, 1, dims);
  if (d < 0) return CREDAL_ECANTCREATE;
  herr_t e = H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  H5Dclose(d);
  if (e < 0) return credal__fail(CREDAL_EIO, "%s: cannot write %s", w->path, name);
  return CREDAL_OK;
}

/* A writer for path with nothing open yet; NULL (and the error set) when out of memory. */
static credal__result_writer *writer_new(const char *path, const credal__result_layout *layout) {
  credal__result_writer *w = calloc(1, sizeof *w);
  if (!w || !(w->path = strdup(path))) {
    free(w);
    credal__fail(CREDAL_ENOMEM, "out of memory for the output %s", path);
    return NULL;
  }
  w->layout = *layout;
  w->codec = layout->uncompressed ? (credal__codec){CREDAL_CODEC_NONE, 0}
             : layout->codec      ? *layout->codec
                                  : CREDAL_CODEC_DEFAULT;
  w->file = -1;
  w->dxpl = H5P_DEFAULT;
  for (int i = 0; i < D_COUNT; i++) w->rows[i] = -1;
  credal__h5_init();
  return w;
}

credal_status credal__result_create(const char *path, const credal__result_layout *layout,
                                    int replace, credal__result_writer **out) {
  credal_status st = CREDAL_OK;
  credal__result_writer *w = writer_new(path, layout);
  *out = NULL;
  if (!w) return CREDAL_ENOMEM;
  hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5P_DEFAULT;
  if (fcpl >= 0) H5Pset_obj_track_times(fcpl, 0);
#ifdef CREDAL_HAVE_MPI
  if (layout->parallel) { /* every rank creates it together; filtered writes must be collective */
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
    w->dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(w->dxpl, H5FD_MPIO_COLLECTIVE);
  }
#endif
  w->file = H5Fcreate(path, replace ? H5F_ACC_TRUNC : H5F_ACC_EXCL, fcpl >= 0 ? fcpl : H5P_DEFAULT,
                      fapl);
  if (fcpl >= 0) H5Pclose(fcpl);
  if (fapl != H5P_DEFAULT) H5Pclose(fapl);
  if (w->file < 0) {
    st = credal__fail(CREDAL_ECANTCREATE, "cannot create %s (does it exist, or is the directory "
                      "not writable?)", path);
    goto cleanup;
  }

  const hid_t ftype = layout->f32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
  const hsize_t hp[2] = {(hsize_t)layout->hypotheses, (hsize_t)layout->policies};
  if ((st = create_group(w, "/best")) || (st = create_group(w, "/policy")) ||
      (st = create_group(w, "/choice")) ||
      (layout->rules && ((st = create_group(w, "/rules")) || (st = create_group(w, "/rules/class")))))
    goto cleanup;
  for (int i = 0; i < D_COUNT; i++) {
    if (!has_rows(layout, i)) continue;
    const hid_t type = kind_of(i) == KIND_INDEX ? H5T_STD_I32LE
                       : kind_of(i) == KIND_MASK ? H5T_STD_U8LE
                                                 : ftype;
    w->rows[i] = create_dataset(w, row_names[i], type, rank_of(i), hp);
    if (w->rows[i] < 0) {
      st = CREDAL_ECANTCREATE;
      goto cleanup;
    }
    if ((st = open_encoder(w, i))) goto cleanup;
  }

  const char *precision = layout->f32 ? "f32" : "f64";
  char compression[32];
  credal__codec_text(&w->codec, compression, sizeof compression);
  if ((st = credal__h5_write_string_attr(w->file, "schema", "credal-result")) ||
      (st = credal__h5_write_int_attr(w->file, "version", 1)) ||
      (st = credal__h5_write_int_attr(w->file, "complete", 0)) ||
      (st = credal__h5_write_string_attr(w->file, "backend", layout->backend)) ||
      (st = credal__h5_write_string_attr(w->file, "device", layout->device)) ||
      (st = credal__h5_write_string_attr(w->file, "precision", precision)) ||
      (st = credal__h5_write_string_attr(w->file, "credal_version", CREDAL_VERSION_STRING)) ||
      (st = credal__h5_write_string_attr(w->file, "input", layout->input)) ||
      (st = credal__h5_write_string_attr(w->file, "compression", compression)) ||
      (st = credal__h5_write_string_attr(w->file, "outputs", layout->policy_only  ? "policy"
                                                             : layout->lower_only ? "lower"
                                                                                  : "all")) ||
      (st = credal__h5_write_double_attr(w->file, "elapsed_seconds", 0.0))) {
    credal__fail_context(CREDAL_EIO, "%s", path);
    st = CREDAL_EIO;
    goto cleanup;
  }
cleanup:
  if (st) {
    credal__result_abandon(w);
    return st;
  }
  *out = w;
  return CREDAL_OK;
}

/* Opens an existing dataset of the layout, checking its shape and type class. */
static hid_t open_rows(credal__result_writer *w, int which, credal_status *st) {
  const int64_t H = w->layout.hypotheses, P = w->layout.policies;
  const int rank = rank_of(which);
  const row_kind kind = kind_of(which);
  hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
  if (dapl >= 0)
    H5Pset_chunk_cache(dapl, 101, (size_t)CHUNK_ELEMENTS * 16, 1.0);
  hid_t d = H5Dopen2(w->file, row_names[which], dapl >= 0 ? dapl : H5P_DEFAULT);
  if (dapl >= 0) H5Pclose(dapl);
  int r = 0;
  hsize_t dims[2] = {0, 0};
  hid_t type = d >= 0 ? H5Dget_type(d) : -1;
  const H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
  const size_t size = type >= 0 ? H5Tget_size(type) : 0;
  if (type >= 0) H5Tclose(type);
  if (d >= 0) credal__h5_shape(d, row_names[which], &r, dims, 2);
  const int ok = d >= 0 && r == rank && dims[0] == (hsize_t)H && (rank == 1 || dims[1] == (hsize_t)P) &&
                 cls == (kind == KIND_FLOAT ? H5T_FLOAT : H5T_INTEGER) &&
                 size == (kind == KIND_INDEX ? 4u : kind == KIND_MASK ? 1u : w->layout.f32 ? 4u : 8u);
  if (!ok) {
    H5Eclear2(H5E_DEFAULT);
    if (d >= 0) H5Dclose(d);
    *st = credal__fail(CREDAL_EDATA,
                       "%s: %s is missing or not (%lld%s) %s as this run writes it: the partial "
                       "output belongs to another run (start over with --force)",
                       w->path, row_names[which], (long long)H, rank == 2 ? ", P" : "",
                       kind == KIND_INDEX ? "int32" : kind == KIND_MASK ? "uint8"
                       : w->layout.f32    ? "float32" : "float64");
    return -1;
  }
  return d;
}

static credal_status open_existing(const char *path, const credal__result_layout *layout,
                                   int writable, credal__result_writer **out) {
  credal_status st = CREDAL_OK;
  credal__result_writer *w = writer_new(path, layout);
  *out = NULL;
  if (!w) return CREDAL_ENOMEM;
  if (H5Fis_hdf5(path) <= 0 ||
      (w->file = H5Fopen(path, writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
    char text[800];
    credal__h5_open_error(path, text, sizeof text);
    if (strstr(text, "locked"))
      st = credal__fail(CREDAL_ECANTCREATE, "%s", text);
    else
      st = credal__fail(CREDAL_EDATA, "%s cannot be opened as HDF5 (damaged or truncated?); "
                        "start over with --force", path);
    H5Eclear2(H5E_DEFAULT);
    goto cleanup;
  }
  char schema[64];
  int found = 0;
  int64_t complete = -1;
  if (credal__h5_attr_string(w->file, "/", "schema", schema, sizeof schema, &found) || !found ||
      strcmp(schema, "credal-result") != 0 ||
      credal__h5_attr_int64(w->file, "/", "complete", &complete, &found) || !found) {
    st = credal__fail(CREDAL_EDATA, "%s is not a credal-result file; start over with --force", path);
    goto cleanup;
  }
  if (complete != (writable ? 0 : 1)) {
    st = credal__fail(CREDAL_EDATA, "%s is marked complete=%lld, %s", path, (long long)complete,
                      writable ? "not an interrupted run" : "an unfinished run");
    goto cleanup;
  }
  char stored[32] = "gzip:1", wanted[32]; /* files before the attribute: the default */
  credal__codec_text(&w->codec, wanted, sizeof wanted);
  /* a run continued with another codec would mix them in one dataset */
  if (writable && (credal__h5_attr_string(w->file, "/", "compression", stored, sizeof stored, &found) ||
                   strcmp(stored, wanted) != 0)) {
    st = credal__fail(CREDAL_EDATA, "%s was written with --compression %s, not %s: continue it "
                      "with the same option, or start over with --force", path, stored, wanted);
    goto cleanup;
  }
  for (int i = 0; i < D_COUNT; i++) {
    if (!has_rows(layout, i)) continue;
    if ((w->rows[i] = open_rows(w, i, &st)) < 0) goto cleanup;
    if (writable && (st = open_encoder(w, i))) goto cleanup;
  }
  /* this run's machine may differ from the interrupted one's */
  if (writable && (st = credal__h5_write_string_attr(w->file, "device", layout->device)))
    goto cleanup;
cleanup:
  if (st) {
    credal__result_abandon(w);
    return st;
  }
  *out = w;
  return CREDAL_OK;
}

credal_status credal__result_open(const char *path, const credal__result_layout *layout,
                                  credal__result_writer **out) {
  return open_existing(path, layout, 1, out);
}

credal_status credal__result_open_read(const char *path, const credal__result_layout *layout,
                                       credal__result_writer **out) {
  return open_existing(path, layout, 0, out);
}

hid_t credal__result_hid(const credal__result_writer *w) { return w->file; }

/* Rows of one dataset from data of memory type memtype (0: the computing type, int32 or
 * double). */
static credal_status write_rows_as(credal__result_writer *w, int which, int64_t h0,
                                   int64_t count, const void *data, hid_t memtype) {
  const hid_t d = w->rows[which];
  const int rank = rank_of(which);
  const row_kind kind = kind_of(which);
  if (w->encoders[which] && !memtype) {
    const credal_status st = credal__chunk_writer_put(
        w->encoders[which], h0 - w->layout.row_base, count, data,
        kind == KIND_INDEX ? CREDAL_SOURCE_I32 : kind == KIND_MASK ? CREDAL_SOURCE_U8 : CREDAL_SOURCE_F64,
        w->layout.pool);
    return st ? credal__fail_context(st, "%s", w->path) : CREDAL_OK;
  }
  if (!memtype)
    memtype = kind == KIND_INDEX ? H5T_NATIVE_INT32 : kind == KIND_MASK ? H5T_NATIVE_UINT8 : H5T_NATIVE_DOUBLE;
  const hsize_t start[2] = {(hsize_t)(h0 - w->layout.row_base), 0};
  const hsize_t n[2] = {(hsize_t)(count > 0 ? count : 1), (hsize_t)w->layout.policies};
  credal_status st = CREDAL_OK;
  static const double nothing[1] = {0.0};
  hid_t fspace = H5Dget_space(d);
  hid_t mspace = H5Screate_simple(rank, n, NULL);
  /* a rank with nothing to write still takes part in a collective write */
  const int none = count == 0;
  if (fspace < 0 || mspace < 0 ||
      (none ? H5Sselect_none(fspace) < 0 || H5Sselect_none(mspace) < 0
            : H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, n, NULL) < 0) ||
      H5Dwrite(d, memtype, mspace, fspace, w->dxpl, none ? nothing : data) < 0)
    st = credal__fail(CREDAL_EIO, "%s: cannot write %s rows %lld..%lld", w->path,
                      row_names[which], (long long)h0, (long long)(h0 + count - 1));
  if (fspace >= 0) H5Sclose(fspace);
  if (mspace >= 0) H5Sclose(mspace);
  return st;
}

static credal_status write_rows(credal__result_writer *w, int which, int64_t h0, int64_t count,
                                const void *data) {
  return write_rows_as(w, which, h0, count, data, 0);
}

credal_status credal__result_write_rows(credal__result_writer *w, int64_t h0, int64_t count,
                                        const double *lower, const int32_t *argmin,
                                        const double *upper, const int32_t *argmax,
                                        const double *regret, const double *best_value,
                                        const int32_t *best_policy) {
  const void *data[D_RULE0] = {lower, argmin, regret, upper, argmax, best_value, best_policy};
  for (int i = 0; i < D_RULE0; i++) {
    if (w->rows[i] < 0) continue;
    credal_status st = write_rows(w, i, h0, count, data[i]);
    if (st) return st;
  }
  return CREDAL_OK;
}

credal_status credal__result_write_rules(credal__result_writer *w, int64_t h0, int64_t count,
                                         const uint8_t *masks, const double *set_regret) {
  for (int i = D_RULE0; i < D_COUNT; i++) {
    if (w->rows[i] < 0) continue;
    const void *data = i == D_SET_REGRET ? (const void *)set_regret
                                         : (const void *)(masks + (i - D_RULE0) * count * w->layout.policies);
    credal_status st = write_rows(w, i, h0, count, data);
    if (st) return st;
  }
  return CREDAL_OK;
}

credal_status credal__result_write_class_rules(credal__result_writer *w,
                                               const credal__rules_class *c, double hurwicz,
                                               double tau) {
  const hid_t ftype = w->layout.f32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
  const int64_t P = w->layout.policies;
  credal_status st = CREDAL_OK;
  char name[64];
  for (int r = 0; r < CREDAL_RULE_COUNT && !st; r++) {
    if (!((w->layout.rules >> r) & 1u)) continue;
    snprintf(name, sizeof name, "/rules/class/%s", credal_rule_name((credal_rule)r));
    st = write_whole(w, name, H5T_STD_U8LE, H5T_NATIVE_UINT8, P, c->masks + r * P);
  }
  if (!st && c->set_regret)
    st = write_whole(w, "/rules/class/set_regret", ftype, H5T_NATIVE_DOUBLE, P, c->set_regret);
  if (st) return st;
  hid_t g = H5Gopen2(w->file, "/rules", H5P_DEFAULT);
  if (g < 0) return credal__fail(CREDAL_EIO, "%s: cannot open /rules", w->path);
  st = credal__h5_write_double_attr(g, "tau", tau);
  if (!st && ((w->layout.rules >> CREDAL_RULE_HURWICZ) & 1u))
    st = credal__h5_write_double_attr(g, "hurwicz", hurwicz);
  if (!st && ((w->layout.rules >> CREDAL_RULE_E_ADMISSIBLE) & 1u))
    st = credal__h5_write_int_attr(g, "e_admissible_passes", c->passes);
  H5Gclose(g);
  if (!st && c->set_minimax_regret >= 0) {
    if ((g = H5Gopen2(w->file, "/choice", H5P_DEFAULT)) < 0)
      return credal__fail(CREDAL_EIO, "%s: cannot open /choice", w->path);
    st = credal__h5_write_int_attr(g, "set_minimax_regret", c->set_minimax_regret);
    H5Gclose(g);
  }
  return st ? credal__fail_context(st, "%s: /rules", w->path) : CREDAL_OK;
}

credal_status credal__result_write_policies(credal__result_writer *w, const credal__regret *r,
                                            const double *credal_regret,
                                            const int32_t *credal_regret_prior,
                                            const credal__choices *choices) {
  const hid_t ftype = w->layout.f32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
  const int64_t P = w->layout.policies;
  credal_status st;
  if ((st = write_whole(w, "/policy/class_lower", ftype, H5T_NATIVE_DOUBLE, P, r->class_lower)) ||
      (st = write_whole(w, "/policy/class_lower_hypothesis", H5T_STD_I32LE, H5T_NATIVE_INT32, P,
                        r->class_lower_h)) ||
      (st = write_whole(w, "/policy/worst_regret", ftype, H5T_NATIVE_DOUBLE, P, r->worst_regret)) ||
      (st = write_whole(w, "/policy/worst_regret_hypothesis", H5T_STD_I32LE, H5T_NATIVE_INT32, P,
                        r->worst_regret_h)))
    return st;
  if (r->has_prior &&
      (st = write_whole(w, "/policy/bayes_regret", ftype, H5T_NATIVE_DOUBLE, P, r->bayes_regret)))
    return st;
  if (r->prior_set_size > 0 &&
      ((st = write_whole(w, "/policy/credal_regret", ftype, H5T_NATIVE_DOUBLE, P, credal_regret)) ||
       (st = write_whole(w, "/policy/credal_regret_prior", H5T_STD_I32LE, H5T_NATIVE_INT32, P,
                         credal_regret_prior))))
    return st;

  hid_t g = H5Gopen2(w->file, "/choice", H5P_DEFAULT);
  if (g < 0) return credal__fail(CREDAL_EIO, "%s: cannot open /choice", w->path);
  const char *names[4] = {"maximin", "minimax_regret", "bayes", "credal"};
  const int64_t values[4] = {choices->maximin, choices->minimax_regret, choices->bayes,
                             choices->credal};
  for (int i = 0; i < 4 && !st; i++)
    if (values[i] >= 0) st = credal__h5_write_int_attr(g, names[i], values[i]);
  H5Gclose(g);
  if (st) return credal__fail_context(st, "%s: /choice", w->path);
  return CREDAL_OK;
}

credal_status credal__result_flush(credal__result_writer *w) {
  for (int i = 0; i < D_COUNT; i++) {
    if (!w->encoders[i]) continue;
    const credal_status st = credal__chunk_writer_flush(w->encoders[i], w->layout.pool);
    if (st) return credal__fail_context(st, "%s", w->path);
  }
  return CREDAL_OK;
}

static void close_all(credal__result_writer *w) {
  for (int i = 0; i < D_COUNT; i++) {
    credal__chunk_writer_close(w->encoders[i]), w->encoders[i] = NULL;
    if (w->rows[i] >= 0) H5Dclose(w->rows[i]), w->rows[i] = -1;
  }
  credal__encoders_free(w->threads), w->threads = NULL;
  if (w->dxpl != H5P_DEFAULT) H5Pclose(w->dxpl), w->dxpl = H5P_DEFAULT;
}

credal_status credal__result_read_lower(credal__result_writer *w, int64_t h0, int64_t count,
                                        double *lower) {
  const hsize_t start[2] = {(hsize_t)(h0 - w->layout.row_base), 0};
  const hsize_t n[2] = {(hsize_t)count, (hsize_t)w->layout.policies};
  credal_status st = credal__h5_read_block(w->rows[D_LOWER], "/lower", 2, start, n,
                                           H5T_NATIVE_DOUBLE, lower);
  return st ? credal__fail_context(st, "%s", w->path) : CREDAL_OK;
}

credal_status credal__result_copy_rows(credal__result_writer *w, const char *from, int64_t row0,
                                       int64_t rows, int64_t round_rows, int64_t rounds) {
  credal__result_layout scratch = w->layout;
  scratch.hypotheses = rows, scratch.row_base = 0, scratch.parallel = 0;
  credal__result_writer *in = NULL;
  credal_status st = CREDAL_OK;
  const size_t per_row = (size_t)w->layout.policies * 8;
  void *buf = malloc((size_t)(round_rows > 0 ? round_rows : 1) * per_row);
  if (!buf) st = credal__fail(CREDAL_ENOMEM, "out of memory for %lld rows", (long long)round_rows);
  /* a rank with no rows of its own has no scratch file: it only joins the collective writes */
  if (!st && rows > 0) {
    hid_t f = H5Fopen(from, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) st = credal__fail(CREDAL_EIO, "%s: cannot open this rank's rows", from);
    else H5Fclose(f);
    if (!st) st = credal__result_open_read(from, &scratch, &in);
  }
  for (int64_t r = 0; r < rounds; r++) { /* every rank runs every round, even after a failure */
    const int64_t h = r * round_rows, n = st || h >= rows ? 0 : (rows - h < round_rows ? rows - h : round_rows);
    for (int i = 0; i < D_COUNT; i++) {
      if (w->rows[i] < 0) continue;
      const int rank = rank_of(i);
      /* rows travel in the stored type: no conversion in the collective write */
      const hid_t type = kind_of(i) == KIND_INDEX  ? H5T_NATIVE_INT32
                         : kind_of(i) == KIND_MASK ? H5T_NATIVE_UINT8
                         : w->layout.f32           ? H5T_NATIVE_FLOAT
                                                   : H5T_NATIVE_DOUBLE;
      if (n > 0) {
        const hsize_t start[2] = {(hsize_t)h, 0}, cnt[2] = {(hsize_t)n, (hsize_t)w->layout.policies};
        credal_status rs = credal__h5_read_block(in->rows[i], row_names[i], rank, start, cnt,
                                                 type, buf);
        if (rs && !st) st = credal__fail_context(rs, "%s", from);
      }
      credal_status ws = write_rows_as(w, i, w->layout.row_base + row0 + h, st ? 0 : n, buf, type);
      if (ws && !st) st = ws;
    }
  }
  credal__result_abandon(in);
  free(buf);
  return st;
}

credal_status credal__result_finish(credal__result_writer *w, double elapsed_seconds) {
  credal_status st = credal__result_flush(w);
  if (!st) st = credal__h5_write_double_attr(w->file, "elapsed_seconds", elapsed_seconds);
  if (!st) st = credal__resume_drop(w->file, w->path); /* a resumed run's state goes */
  close_all(w);
  /* complete=1 goes last, after every dataset is flushed to the file. */
  if (!st && H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0) st = CREDAL_EIO;
  if (!st) st = credal__h5_write_int_attr(w->file, "complete", 1);
  if (!st && H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0) st = CREDAL_EIO;
  if (H5Fclose(w->file) < 0 && !st) st = CREDAL_EIO;
  w->file = -1;
  if (st) credal__fail(CREDAL_EIO, "%s: cannot finish the output file", w->path);
  free(w->path);
  free(w);
  return st;
}

void credal__result_abandon(credal__result_writer *w) {
  if (!w) return;
  close_all(w);
  if (w->file >= 0) H5Fclose(w->file);
  free(w->path);
  free(w);
}
