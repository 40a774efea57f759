/* libFuzzer harness over credal's handling of untrusted input files: each input is an HDF5
 * image, opened in memory through HDF5's core driver (credal__input_image_set) and given to the
 * real path — credal_validate (open, every structural and value check), then, when it passes
 * and the sizes are small, credal_eval (reference backend, a 12 MiB budget, several chunks,
 * the output on tmpfs) — so the code the CLI runs is the code fuzzed, without a file system
 * round trip per input. Any crash, sanitizer report or leak is a finding; a refusal is the
 * expected outcome for almost every mutated image.
 *
 *   build-fuzz/tests/fuzz/fuzz_input CORPUS_DIR -max_total_time=60   (see scripts/fuzz.sh) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "credal.h"
#include "../io/batch_reader.h"

/* the name validate and eval are given; no such file exists */
#define IMAGE_NAME "fuzz-input (in-memory image)"

static char out_path[256];

static void paths(void) {
  if (out_path[0]) return;
  const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  snprintf(out_path, sizeof out_path, "%s/credal-fuzz-%d-out.h5", dir, (int)getpid());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  paths();
  if (credal__input_image_set(IMAGE_NAME, data, size) != CREDAL_OK) return 0;
  int64_t problems = 0;
  if (credal_validate(IMAGE_NAME, NULL, NULL, 0, &problems) == CREDAL_OK) {
    credal_input *in = NULL;
    if (credal_input_open(IMAGE_NAME, &in) == CREDAL_OK) {
      const credal_input_summary *s = credal_input_describe(in);
      const int small = s->hypotheses <= 100000 && s->policies <= 4096 && s->dim <= 4096 &&
                        (s->generators + s->focal_sets + s->hypotheses) * s->dim * s->policies <= (int64_t)1 << 28;
      credal_input_close(in);
      if (small) {
        credal_eval_options o;
        credal_eval_options_init(&o);
        o.backend = CREDAL_BACKEND_REFERENCE, o.force = 1, o.upper = 1;
        o.memory_bytes = (uint64_t)12 << 20;
        credal_eval(IMAGE_NAME, out_path, &o, NULL);
        unlink(out_path);
      }
    }
  }
  credal__input_image_set(NULL, NULL, 0);
  return 0;
}
