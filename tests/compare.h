/* Backends against the reference on random inputs (SPEC §6), shared by check_cpu and check_gpu. */
#ifndef CREDAL_COMPARE_H
#define CREDAL_COMPARE_H

#include "credal.h"
#include "testutil.h"

typedef struct {
  int64_t H, d, P, K;
  int64_t *offsets;
  double *x, *b, *u;
} batch;

/* H hypotheses of 1..max_k generators; ties: small integers (exact in any order); scale:
 * magnitude of the values otherwise. */
batch compare_make(test_rng *rng, int64_t H, int64_t max_k, int64_t d, int64_t P, int ties,
                   int constants, double scale);
void compare_free(batch *t);

typedef struct {
  int64_t H, max_k, d, P;
} shape;

/* d 1..4096, generators per hypothesis 1..10,000 and ragged, P 1..2048. */
extern const shape compare_shapes[];
#define COMPARE_SHAPES 14

/* Runs shape `index` on `backend` (f32 or f64; for the GPU, the fused or the GEMM path) with
 * outputs poisoned first, and fails the test on any difference beyond SPEC §6, lower and upper;
 * with ties in float64, argmin must equal the reference exactly. */
void compare_shape(credal_backend backend, int index, int f32, int path_gemm, int ties);

/* Structured families: H hypotheses over d outcomes, P policies, belief functions of
 * 1..max_sets focal sets. */
typedef struct {
  int64_t H, d, P, max_sets;
} family_shape;
extern const family_shape compare_family_shapes[];
#define COMPARE_FAMILY_SHAPES 8

/* A random batch of family f in the row layout of credal_family_lower_f64 (x: rows, b:
 * scalars, NULL for intervals): centers with exact zeros, radius/epsilon 0 and 1 a quarter of
 * the time, degenerate intervals a fifth, random non-empty focal sets; ties: utilities in
 * {-1, 0, 1}. */
batch compare_make_family(test_rng *rng, credal_family f, int64_t H, int64_t d, int64_t P,
                          int64_t max_sets, int ties);
/* Shape `index` of family f on `backend` against the reference (SPEC §6, lower and upper,
 * argmin/argmax -1), outputs poisoned first. */
void compare_family(credal_backend backend, credal_family f, int index);
/* A whole dataset of a file as float64 (any numeric type), failing the test when absent. */
void compare_read_doubles(const char *path, const char *name, double *out);
/* End to end: a credal gen file of ragged generators and 700 sets of every family, through
 * credal_eval on `backend` in many chunks, against the reference run (SPEC §6 on every float
 * dataset, argmin/argmax -1 for the structured sets) and twice bitwise identical. */
void compare_eval_families(credal_backend backend, int seed);

#endif
