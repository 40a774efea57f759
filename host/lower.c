/* credal_lower_f64: the in-memory entry point, dispatching to a backend. */
#include "backend.h"
#include "structured.h"

static credal_status check_batch(const credal_batch_f64 *b) {
  if (!b || b->hypotheses < 1 || b->dim < 1 || b->policies < 1 || !b->offsets || !b->points ||
      !b->utility)
    return credal__fail(CREDAL_EUSAGE, "credal_lower: batch needs H, d, P >= 1 and data");
  if (b->offsets[0] != 0)
    return credal__fail(CREDAL_EUSAGE, "credal_lower: offsets[0] must be 0");
  for (int64_t h = 0; h < b->hypotheses; h++) {
    const int64_t size = b->offsets[h + 1] - b->offsets[h];
    if (size < 1 || size > INT32_MAX)
      return credal__fail(CREDAL_EUSAGE, "credal_lower: hypothesis %lld has %lld generators",
                          (long long)h, (long long)size);
  }
  return CREDAL_OK;
}

/* An overflow (in float32: beyond 3.4e38) is an error, never a silent inf or NaN in the
 * results (which stay filled, for inspection). */
static credal_status check_finite(const credal_batch_f64 *b, const double *lower,
                                  const double *upper) {
  const int64_t n = b->hypotheses * b->policies;
  for (int which = 0; which < 2; which++) {
    const double *v = which ? upper : lower;
    for (int64_t i = 0; v && i < n; i++)
      if (!(v[i] - v[i] == 0.0))
        return credal__fail(CREDAL_EDATA,
                            "%s[%lld, %lld] = %g is not finite: the values overflow the compute "
                            "precision (rescale the generators or policies)",
                            which ? "upper" : "lower", (long long)(i / b->policies),
                            (long long)(i % b->policies), v[i]);
  }
  return CREDAL_OK;
}

/* Resolves AUTO: the GPU when one is usable, else the fast CPU path. */
static credal_backend resolve(credal_backend backend) {
  if (backend != CREDAL_BACKEND_AUTO) return backend;
  if (credal__gpu_probe(0) == CREDAL_OK) return CREDAL_BACKEND_GPU;
  credal__clear_error();
  return CREDAL_BACKEND_CPU;
}

static credal_status lower_with(credal_backend backend, credal_family family, int f32,
                                const credal_batch_f64 *batch, double *lower, int32_t *argmin,
                                double *upper, int32_t *argmax) {
  credal_status st = check_batch(batch);
  if (st) return st;
  if ((lower == NULL) != (argmin == NULL) || (upper == NULL) != (argmax == NULL))
    return credal__fail(CREDAL_EUSAGE, "credal_lower: pass values and indices together");
  if ((int)family < 0 || family >= CREDAL_FAMILY_COUNT)
    return credal__fail(CREDAL_EUSAGE, "credal_family_lower: unknown family %d", (int)family);
  const int64_t rows = credal__family_rows(family);
  for (int64_t h = 0; rows && h < batch->hypotheses; h++)
    if (batch->offsets[h + 1] - batch->offsets[h] != rows)
      return credal__fail(CREDAL_EUSAGE, "credal_family_lower: %s hypothesis %lld needs %lld row%s",
                          credal_family_name(family), (long long)h, (long long)rows,
                          rows == 1 ? "" : "s");
  if (family != CREDAL_FAMILY_GENERATORS && family != CREDAL_FAMILY_INTERVALS &&
      !batch->constants)
    return credal__fail(CREDAL_EUSAGE, "credal_family_lower: %s needs constants (%s)",
                        credal_family_name(family),
                        family == CREDAL_FAMILY_BELIEF ? "masses" : "radius or epsilon");
  if (backend == CREDAL_BACKEND_REFERENCE && !f32 && family == CREDAL_FAMILY_GENERATORS) {
    credal__reference_lower(batch, lower, argmin, upper, argmax); /* no copy of the policies */
    return check_finite(batch, lower, upper);
  }
  const credal__backend_config config = {batch->policies, batch->dim, 0,    0,
                                         upper != NULL,   f32,        0,    0,
                                         batch->utility,  family != CREDAL_FAMILY_GENERATORS};
  credal__backend *b;
  if ((st = credal__backend_create(resolve(backend), &config, &b))) return st;
  st = b->lower(b, family, batch, lower, argmin, upper, argmax);
  credal__backend_destroy(b);
  return st ? st : check_finite(batch, lower, upper);
}

credal_status credal_lower_f64(credal_backend backend, const credal_batch_f64 *batch,
                               double *lower, int32_t *argmin, double *upper, int32_t *argmax) {
  return lower_with(backend, CREDAL_FAMILY_GENERATORS, 0, batch, lower, argmin, upper, argmax);
}

credal_status credal_lower_f32(credal_backend backend, const credal_batch_f64 *batch,
                               double *lower, int32_t *argmin, double *upper, int32_t *argmax) {
  return lower_with(backend, CREDAL_FAMILY_GENERATORS, 1, batch, lower, argmin, upper, argmax);
}

credal_status credal_family_lower_f64(credal_backend backend, credal_family family,
                                      const credal_batch_f64 *batch, double *lower,
                                      int32_t *argmin, double *upper, int32_t *argmax) {
  return lower_with(backend, family, 0, batch, lower, argmin, upper, argmax);
}
