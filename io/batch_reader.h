/* Reading credal-batch v1 files (SPEC §2): structure at open, values chunk by chunk. */
#ifndef CREDAL_BATCH_READER_H
#define CREDAL_BATCH_READER_H

#include <hdf5.h>

#include "internal.h"
#include "chunk_read.h"
#include "known_names.h"
#include "pool.h"

/* A window of an offsets dataset cached for sequential access (reads never load all H+1). */
typedef struct {
  int64_t start, count, capacity;
  int64_t *values;
} credal__offsets_window;

/* A structured family's datasets (SPEC §2, docs/schema.md), in the row layout of
 * credal_family_lower_f64: tv_balls and contamination one row (center) and one scalar (radius,
 * epsilon) per hypothesis; intervals two rows (lower, upper: `rows` and `rows2`, read
 * interleaved); belief one row (focal set indicator) and one scalar (mass) per focal set,
 * grouped by offsets. */
typedef struct {
  hid_t rows, rows2, scalars, offsets;  /* H5I_INVALID_HID when absent */
  const char *rows_name, *rows2_name, *scalars_name, *offsets_name;
  int64_t first;      /* its first hypothesis in the batch's numbering */
  int64_t count;      /* its hypotheses */
  int64_t rows_total; /* rows of `rows` */
  int f32;            /* values stored as float32 */
  double tolerance;
  credal__offsets_window window; /* belief */
} credal__family_data;

/* The open file. Dataset ids are H5I_INVALID_HID (-1) when the dataset is absent. */
struct credal_input {
  char *path;
  int64_t image_bytes; /* > 0: opened from an in-memory image (credal__input_image_set) */
  hid_t file;
  hid_t points;     /* /hypotheses/points     (K_total, d) */
  hid_t offsets;    /* /hypotheses/offsets    (H+1,) */
  hid_t constants;  /* /hypotheses/constants  (K_total,) or absent */
  hid_t prior;      /* /hypotheses/prior      (H,) or absent */
  hid_t prior_set;  /* /hypotheses/prior_set  (Q, H) or absent */
  hid_t utility;    /* /policies/utility      (P, d) */
  credal_input_summary summary;
  credal__offsets_window window; /* of /hypotheses/offsets */
  credal__family_data family[CREDAL_FAMILY_COUNT]; /* [GENERATORS]: first, count, tolerance */
  credal__pool *pool; /* decodes the streamed datasets' chunks (NULL: on the reading thread) */
  int fd;             /* the file, for the chunk readers' preads (-1: an in-memory image) */
  uint64_t base;      /* HDF5's base address in it (the user block) */
  struct {
    hid_t id;
    credal__chunk_reader *reader; /* NULL: HDF5 reads this dataset */
  } decoders[24];                 /* one per streamed dataset, made at its first read */
  int ndecoders;
};

/* The pool that decodes chunks for reads of in from now on (NULL: the reading thread alone).
 * The pool must outlive the reads. */
void credal__input_set_pool(credal_input *in, credal__pool *pool);

/* Opens path and checks its structure: HDF5 signature, schema/version attributes, that every
 * dataset read is reached by hard links inside the file (no external links, no external raw
 * storage, no virtual datasets mapping other files, only known filters), ranks, dtypes
 * (float32/float64 points, utility and priors; any integer offsets), matching shapes, products
 * that fit in 64 bits, the kind and tolerance attributes, and the offsets themselves
 * (offsets[0]=0, strictly increasing, offsets[H]=K_total, every K_h <= INT32_MAX), streamed in
 * windows; the structured groups (/tv_balls, /contamination, /intervals, /belief) likewise,
 * with /belief/offsets scanned as the generators' are.
 * Names SPEC §2 does not define, and /hypotheses/names or /policies/names of the wrong
 * length, are problems too (names: NULL, or allow_unknown 0) or warnings (io/known_names.h).
 * Every problem goes to sink; returns CREDAL_OK with *out set, or the first problem's status
 * (ENOINPUT when the file cannot be opened or is not HDF5, EDATA/EUNSUPPORTED otherwise) with
 * *out NULL. */
credal_status credal__input_open(const char *path, const credal__names_policy *names,
                                 credal__problems *sink, credal_input **out);

/* ---- the pieces of opening an input that every input schema shares (io/mdp_reader.c) ---- */

/* path is a regular file (or block device) holding HDF5; ENOINPUT to sink naming why not. */
credal_status credal__input_file_check(const char *path, credal__problems *sink);
/* Runs read_structure(path) in a child process first (unless CREDAL_NO_PROBE or an MPI run):
 * a file on which libhdf5 crashes or hangs is refused (EDATA to sink), not followed. */
credal_status credal__input_probe(const char *path, credal__problems *sink,
                                  void (*read_structure)(const char *path));
/* The schema attribute of the file at path ("" when it has none or is not HDF5), read after the
 * probe: a file on which libhdf5 crashes opening it is EDATA to sink. */
credal_status credal__input_schema(const char *path, credal__problems *sink, char *schema,
                                   size_t cap);
/* Opens the dataset at path (hard links only, storage checked) and checks its class (H5T_FLOAT:
 * 4 or 8 bytes; H5T_INTEGER: up to 64 bits), rank (shape is its description for messages) and
 * that no dimension is zero. 1: usable, *id open, dims (the second 0 for rank 1), size and sign
 * set; 0: absent (a problem when required); -1: a problem was reported, nothing left open. */
int credal__input_dataset(credal__problems *sink, hid_t file, const char *path, H5T_class_t cls,
                          int rank, const char *shape, int required, hid_t *id, hsize_t dims[2],
                          size_t *size, H5T_sign_t *sign);
/* Walks a chunked dataset's chunk index once; 1 (and a problem) when libhdf5 finds it damaged. */
int credal__input_chunk_index_damaged(credal__problems *sink, hid_t dset, const char *name);
/* /hypotheses/names and /policies/names, when present: (n,) strings of the right length
 * (hypotheses or policies < 0: not known, length unchecked). */
void credal__input_check_labels(credal__problems *sink, hid_t file, int64_t hypotheses,
                                int64_t policies);
/* Copies /policies/names and /hypotheses/names of src, when present, into dst as
 * /names/policies and /names/hypotheses. */
credal_status credal__copy_names(hid_t src, hid_t dst);

/* Copies /policies/names and /hypotheses/names, when the input has them, into the result file
 * dst as /names/policies and /names/hypotheses. */
credal_status credal__input_copy_names(const credal_input *in, hid_t dst);
/* Label `index` of the (n,) strings `dataset` of the HDF5 file at path ("" when absent). */
void credal__file_label(const char *path, const char *dataset, int64_t index, char *buf,
                        size_t cap);

/* credal_validate with a policy for unknown names (NULL: they are problems). */
credal_status credal__validate(const char *path, const credal__names_policy *names,
                               credal_report_fn report, void *ctx, int64_t max_reported,
                               int64_t *problems);

/* No structure probe in a child process from now on (an MPI run: fork under MPI is not
 * portable); host/ranks.c calls it when there are several ranks. */
void credal__input_probe_disable(void);

/* In-memory inputs, for the fuzzing harness: while an image is set, credal__input_open(name)
 * (and so validate and eval) opens a copy of those bytes through HDF5's core driver instead of
 * a file named name; NULL clears it. One image per process; not for concurrent use. */
credal_status credal__input_image_set(const char *name, const void *bytes, size_t size);

/* The family of hypothesis h (0 <= h < H) and its index within the family. */
credal_family credal__input_family_of(const credal_input *in, int64_t h, int64_t *local);

/* Row offsets of hypotheses i0 .. i0+count of a family (count+1 values, numbered within the
 * family's rows): the generators' and belief functions' from their offsets datasets, i and 2i
 * for the one- and two-row families. */
credal_status credal__input_family_offsets(credal_input *in, credal_family family, int64_t i0,
                                           int64_t count, int64_t *out);
/* Rows k0 .. k0+rows-1 of a family as float64, (rows, d), and their scalars (rows,) when
 * scalars is non-NULL (generators: constants, zeros when absent; intervals: none, zeros).
 * Intervals: k0 and rows are even, lower and upper interleaved. */
credal_status credal__input_family_rows(credal_input *in, credal_family family, int64_t k0,
                                        int64_t rows, double *out, double *scalars);

/* offsets[h0 .. h0+count] (count+1 values) into out, through the window cache. */
credal_status credal__input_offsets(credal_input *in, int64_t h0, int64_t count, int64_t *out);
/* Rows k0 .. k0+rows-1 of /hypotheses/points as float64, (rows, d) row-major. */
credal_status credal__input_points(credal_input *in, int64_t k0, int64_t rows, double *out);
/* Constants for rows k0 .. k0+rows-1 (zeros when the dataset is absent). */
credal_status credal__input_constants(credal_input *in, int64_t k0, int64_t rows, double *out);
/* The whole (P, d) utility matrix as float64. */
credal_status credal__input_utility(credal_input *in, double *out);
/* prior[h0 .. h0+count) into out (count,). */
credal_status credal__input_prior(credal_input *in, int64_t h0, int64_t count, double *out);
/* Columns h0 .. h0+count-1 of the (Q, H) prior set into out, (Q, count) row-major. */
credal_status credal__input_prior_set(credal_input *in, int64_t h0, int64_t count, double *out);

/* ---- value checks (io/validate.c); each reports every problem in its range to sink ---- */

/* Generator rows of hypotheses h0 .. h0+count-1: offsets (count+1, absolute row numbers),
 * points (offsets[count]-offsets[0], d), constants (same rows) or NULL. Per kind:
 * every value finite; distribution: entries >= -tol and |sum-1| <= tol*max(1,d);
 * measure: entries and constants >= 0; payoff: finite only. */
void credal__check_points(const credal_input_summary *s, int64_t h0, int64_t count,
                          const int64_t *offsets, const double *points, const double *constants,
                          credal__problems *sink);
/* Rows k0 .. k0+rows-1 of hypothesis h (whose first row is hypothesis_first_row), for a
 * hypothesis too large to check in one block: same rules and messages as above. */
void credal__check_piece(const credal_input_summary *s, int64_t h, int64_t hypothesis_first_row,
                         int64_t k0, int64_t rows, const double *points, const double *constants,
                         credal__problems *sink);
/* Rows of structured hypotheses i0 .. i0+count-1 of a family (not generators), laid out as
 * credal__input_family_rows gives them, offsets (count+1,) as credal__input_family_offsets
 * gives them. tv_balls/contamination: centers finite, >= -tol, summing to 1 within
 * tol*max(1,d), radius/epsilon in [0, 1]; intervals: finite, lower >= -tol, lower <= upper,
 * sum lower <= 1 + tol*max(1,d) and sum upper >= 1 - tol*max(1,d); belief: focal entries 0 or
 * 1, no empty focal set, masses finite and >= 0 summing to 1 within tol*max(1,d). */
void credal__check_family(const credal_input *in, credal_family family, int64_t i0,
                          int64_t count, const int64_t *offsets, const double *rows,
                          const double *scalars, credal__problems *sink);
/* (P, d) utility: finite. */
void credal__check_utility(const credal_input_summary *s, const double *utility,
                           credal__problems *sink);
/* Policies p0 .. p0+count-1, utility (count, d): the same checks. */
void credal__check_utility_rows(const credal_input_summary *s, int64_t p0, int64_t count,
                                const double *utility, credal__problems *sink);
/* Streams /hypotheses/prior and /hypotheses/prior_set (when present) in windows of at most
 * window hypotheses: finite, >= 0, each prior summing to 1 within tol*max(1,H). */
credal_status credal__check_priors(credal_input *in, int64_t window, credal__problems *sink);

#endif /* CREDAL_BATCH_READER_H */
