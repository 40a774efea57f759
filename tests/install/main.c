/* A program built against an installed credal (tests/test_install.sh): the lower and upper
 * expectations of two policies under one credal set of two extreme points, through
 * libcredal.so alone. Prints them and exits 0 when they are right. */
#include <credal.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  /* extreme points (0.2, 0.8) and (0.6, 0.4); gambles (1, 0) and (0, 2) */
  const int64_t offsets[2] = {0, 2};
  const double points[4] = {0.2, 0.8, 0.6, 0.4}, utility[4] = {1, 0, 0, 2};
  const credal_batch_f64 batch = {1, 2, 2, offsets, points, NULL, utility};
  double lower[2], upper[2];
  int32_t argmin[2], argmax[2];
  const credal_status st =
      credal_lower_f64(CREDAL_BACKEND_CPU, &batch, lower, argmin, upper, argmax);
  if (st != CREDAL_OK) {
    fprintf(stderr, "credal_lower_f64: %s\n", credal_last_error());
    return 1;
  }
  printf("credal %s: lower %.17g %.17g, upper %.17g %.17g\n", credal_version(), lower[0],
         lower[1], upper[0], upper[1]);
  const int right = lower[0] == 0.2 && lower[1] == 0.8 && upper[0] == 0.6 && upper[1] == 1.6 &&
                    argmin[0] == 0 && argmin[1] == 1 && argmax[0] == 1 && argmax[1] == 0;
  return right && !strcmp(credal_version(), CREDAL_VERSION_STRING) ? 0 : 2;
}
