/* Reading credal-batch v1 files (SPEC §2): structure at open, values chunk by chunk. */
#ifndef CREDAL_BATCH_READER_H
#define CREDAL_BATCH_READER_H

#include <hdf5.h>

#include "../host/internal.h"

/* The open file. Dataset ids are H5I_INVALID_HID (-1) when the dataset is absent. */
struct credal_input {
  char *path;
  hid_t file;
  hid_t points;     /* /hypotheses/points     (K_total, d) */
  hid_t offsets;    /* /hypotheses/offsets    (H+1,) */
  hid_t constants;  /* /hypotheses/constants  (K_total,) or absent */
  hid_t prior;      /* /hypotheses/prior      (H,) or absent */
  hid_t prior_set;  /* /hypotheses/prior_set  (Q, H) or absent */
  hid_t utility;    /* /policies/utility      (P, d) */
  credal_input_summary summary;
  /* A window of offsets cached for sequential access (reads never load all H+1). */
  int64_t window_start, window_count, window_capacity;
  int64_t *window;
};

/* Opens path and checks its structure: HDF5 signature, schema/version attributes, that every
 * dataset read is reached by hard links inside the file (no external links, no external raw
 * storage, no virtual datasets mapping other files, only known filters), ranks, dtypes
 * (float32/float64 points, utility and priors; any integer offsets), matching shapes, products
 * that fit in 64 bits, the kind and tolerance attributes, and the offsets themselves
 * (offsets[0]=0, strictly increasing, offsets[H]=K_total, every K_h <= INT32_MAX), streamed in
 * windows. Structured groups (/tv_balls, /contamination, /intervals) are refused as not
 * supported yet (CREDAL_EUNSUPPORTED).
 * Every problem goes to sink; returns CREDAL_OK with *out set, or the first problem's status
 * (ENOINPUT when the file cannot be opened or is not HDF5, EDATA/EUNSUPPORTED otherwise) with
 * *out NULL. */
credal_status credal__input_open(const char *path, credal__problems *sink, credal_input **out);

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
/* (P, d) utility: finite. */
void credal__check_utility(const credal_input_summary *s, const double *utility,
                           credal__problems *sink);
/* Streams /hypotheses/prior and /hypotheses/prior_set (when present) in windows of at most
 * window hypotheses: finite, >= 0, each prior summing to 1 within tol*max(1,H). */
credal_status credal__check_priors(credal_input *in, int64_t window, credal__problems *sink);

#endif /* CREDAL_BATCH_READER_H */
