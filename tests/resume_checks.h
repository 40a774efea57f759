/* Interruption and --resume checks shared by check_resume (reference, cpu) and check_gpu: the
 * same input (3,000 ragged generator sets, 400 TV balls, 300 belief functions, priors, a prior
 * set, 40 policies) evaluated in many chunks at a 12 MiB budget with --upper. */
#ifndef CREDAL_RESUME_CHECKS_H
#define CREDAL_RESUME_CHECKS_H

#include <stdint.h>

#include "credal.h"

int resume_exists(const char *path);
/* A progress callback that stops the run after `after` chunks have been written. */
typedef struct {
  volatile int stop;
  int64_t calls, after;
} resume_stopper;
void resume_count_chunks(void *ctx, int64_t done, int64_t total);
void resume_make_input(const char *path, uint64_t seed);
/* Every dataset of both results equal byte for byte, the choices too, no state left in b. */
void resume_same_results(const char *a, const char *b, int upper);
/* Interrupted after `every` chunks, resumed and interrupted again every `every` chunks until
 * done: the results of one uninterrupted run, bit for bit. */
void resume_check_equals_uninterrupted(credal_backend backend, int64_t every);
/* Interrupted before its first chunk: the saved state is the defined initial one (no heap or
 * device bytes in the file), and --resume from it gives the uninterrupted run. */
void resume_check_before_any_chunk(credal_backend backend);

#endif
