/* Helpers shared by the Check suites. */
#ifndef CREDAL_TESTUTIL_H
#define CREDAL_TESTUTIL_H

#include <stdint.h>

#include "credal.h"

/* Deterministic PRNG for tests (splitmix64): uniform in [0, 1). */
typedef struct { uint64_t state; } test_rng;
double test_uniform(test_rng *rng);
int64_t test_below(test_rng *rng, int64_t n); /* uniform in [0, n) */

/* A fresh temporary directory (mkdtemp) and a path inside it; removed by test_tmp_cleanup. */
const char *test_tmpdir(void);
const char *test_path(const char *name); /* returns a static buffer: copy before the next call */
void test_tmp_cleanup(void);

/* Runs a suite (the temporary directory is made first, so forked tests share it, and removed
 * after); returns the process exit status. */
#include <check.h>
int test_run(Suite *suite);

/* n scaled by $CREDAL_TEST_SCALE (default 1), at least 1: for counts of random trials that only
 * repeat the same checks (scripts/valgrind.sh runs with 0.2; every case still runs). */
int test_scaled(int n);

/* SPEC §6 comparison: |got - ref| <= atol + rtol*|ref|, NaN never passes. */
int test_close(double got, double ref, double atol, double rtol);

#endif
