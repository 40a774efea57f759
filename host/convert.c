/* credal_convert: credal sets given by linear constraints (a credal-constraints file) into
 * their vertices (a credal-batch input), through cddlib (host/polytope.c).
 *
 *   read and check the constraints -> per hypothesis: vertices of {A_h q <= b_h} within the
 *   simplex -> credal-batch: points, offsets, the policies and priors copied
 *
 * The vertices of all hypotheses are kept until written (the batch writer needs K_total up
 * front); `memory_bytes` bounds them. */
#include <stdlib.h>
#include <string.h>

#include "../io/batch_writer.h"
#include "../io/constraints.h"
#include "../io/paths.h"
#include "polytope.h"

credal_status credal_convert(const char *input, const char *output,
                             const credal_convert_options *options, credal_convert_summary *out) {
  credal_convert_options defaults = {0, 0, 0};
  if (!options) options = &defaults;
  if (!input || !output) return credal__fail(CREDAL_EUSAGE, "input and output paths are required");
  credal_status st = credal__refuse_input_as_output(input, output);
  if (st) return st;
  if (!credal__polytope_available())
    return credal__fail(CREDAL_EUNSUPPORTED,
                        "credal convert needs cddlib: install libcdd-dev and rebuild credal");
  const uint64_t budget = options->memory_bytes ? options->memory_bytes : CREDAL_DEFAULT_MEMORY;
  credal__problems sink;
  credal__problems_init(&sink, NULL, NULL, 0);
  credal__constraints c;
  st = credal__constraints_read(input, &sink, &c);
  if (st) return sink.count ? credal__problems_status(&sink) : st;

  const int64_t H = c.hypotheses, d = c.dim;
  int64_t *offsets = malloc((size_t)(H + 1) * sizeof *offsets);
  double *points = NULL;
  int64_t total = 0, capacity = 0, largest = 0;
  if (!offsets) {
    st = credal__fail(CREDAL_ENOMEM, "out of memory for %lld offsets", (long long)H);
    goto cleanup;
  }
  offsets[0] = 0;
  for (int64_t h = 0; h < H; h++) {
    const int64_t r0 = c.offsets[h], m = c.offsets[h + 1] - r0;
    double *v = NULL;
    int64_t n = 0;
    st = credal__polytope_vertices(c.A + (size_t)r0 * (size_t)d, c.b + r0, m, d, options->exact,
                                   &v, &n);
    if (st) {
      credal__fail(st, "%s: hypothesis %lld (rows %lld..%lld of /constraints/A): %s", input,
                   (long long)h, (long long)r0, (long long)(r0 + m - 1), credal_last_error());
      goto cleanup;
    }
    if ((uint64_t)(total + n) * (uint64_t)d * 8 > budget || total + n - offsets[h] > INT32_MAX) {
      free(v);
      st = credal__fail(CREDAL_EUSAGE, "hypothesis %lld: %lld vertices so far exceed --memory %llu "
                        "bytes (raise it)", (long long)h, (long long)(total + n),
                        (unsigned long long)budget);
      goto cleanup;
    }
    if (total + n > capacity) {
      capacity = 2 * (total + n);
      double *grown = realloc(points, (size_t)capacity * (size_t)d * sizeof *grown);
      if (!grown) {
        free(v);
        st = credal__fail(CREDAL_ENOMEM, "out of memory for %lld vertices", (long long)capacity);
        goto cleanup;
      }
      points = grown;
    }
    memcpy(points + (size_t)total * (size_t)d, v, (size_t)n * (size_t)d * sizeof *v);
    free(v);
    total += n;
    offsets[h + 1] = total;
    if (n > largest) largest = n;
  }

  credal__batch_spec spec;
  credal__batch_spec_init(&spec);
  spec.hypotheses = H, spec.generators = total, spec.dim = d, spec.policies = c.policies;
  spec.prior_set_size = c.prior_set_size, spec.has_prior = c.prior != NULL;
  spec.force = options->force;
  credal__batch_writer *w;
  if ((st = credal__batch_writer_create(output, &spec, &w))) goto cleanup;
  if ((st = credal__batch_writer_append_offsets(w, H + 1, offsets)) ||
      (st = credal__batch_writer_append_points(w, total, points)) ||
      (st = credal__batch_writer_append_utility(w, c.policies, c.utility)) ||
      (c.prior && (st = credal__batch_writer_append_prior(w, H, c.prior))) ||
      (c.prior_set && (st = credal__batch_writer_append_prior_set(w, H, c.prior_set)))) {
    credal__batch_writer_abort(w);
    goto cleanup;
  }
  if ((st = credal__batch_writer_finish(w))) goto cleanup;
  if (out) out->hypotheses = H, out->vertices = total, out->largest = largest, out->dim = d;

cleanup:
  credal__constraints_free(&c);
  free(offsets);
  free(points);
  return st;
}
