#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

double test_uniform(test_rng *rng) {
  uint64_t z = (rng->state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return (double)(z >> 11) * 0x1.0p-53;
}

int64_t test_below(test_rng *rng, int64_t n) { return (int64_t)(test_uniform(rng) * (double)n); }

static char tmpdir[256];

const char *test_tmpdir(void) {
  if (!tmpdir[0]) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/credal-test-XXXXXX");
    if (!mkdtemp(tmpdir)) {
      perror("mkdtemp");
      abort();
    }
  }
  return tmpdir;
}

const char *test_path(const char *name) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
  return path;
}

void test_tmp_cleanup(void) {
  if (!tmpdir[0]) return;
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", tmpdir);
  tmpdir[0] = '\0';
}

int test_close(double got, double ref, double atol, double rtol) {
  if (isnan(got) || isnan(ref)) return 0;
  return fabs(got - ref) <= atol + rtol * fabs(ref);
}

int test_run(Suite *suite) {
  test_tmpdir();
  SRunner *sr = srunner_create(suite);
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  test_tmp_cleanup();
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

int test_scaled(int n) {
  const char *text = getenv("CREDAL_TEST_SCALE");
  const double scale = text && atof(text) > 0 ? atof(text) : 1.0;
  const int m = (int)(n * scale + 0.5);
  return m < 1 ? 1 : m > n ? n : m;
}
