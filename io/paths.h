/* File-system facts checked before writing (io/paths.c). */
#ifndef CREDAL_PATHS_H
#define CREDAL_PATHS_H

#include <stddef.h>
#include <stdint.h>

#include "credal.h"

/* Whether anything (a dangling link too) is at path. */
int credal__path_exists(const char *path);
/* Whether a and b (symlinks followed) are one file; 0 when either does not exist. */
int credal__same_file(const char *a, const char *b);
/* CREDAL_EUSAGE, naming both, when output or output.partial is the input file. */
credal_status credal__refuse_input_as_output(const char *input, const char *output);
/* "512 bytes", "3.20 MiB", "80.0 GiB" into buf; returns buf. */
const char *credal__format_bytes(uint64_t bytes, char *buf, size_t cap);
/* For a --memory below 64 KiB (a unit forgotten?): "; a size without a unit is in bytes: did
 * you mean 10G ...", else ""; into buf, returned. */
const char *credal__memory_unit_hint(uint64_t bytes, char *buf, size_t cap);
/* The size guards' rule (eval, gen, convert): the least an output of `bytes` before
 * compression can take on disk — all of it stored raw, a quarter compressed. Refusing only what
 * cannot fit even then never refuses a run that would have fitted. */
static inline uint64_t credal__least_on_disk(uint64_t bytes, int compressed) {
  return compressed ? bytes / 4 : bytes;
}
#define CREDAL_LEAST_ON_DISK_WORDS " before compression (more than fits even at 4:1)"

/* The bytes an unprivileged writer may still use on the file system that would hold path
 * (its directory); 0 on success, -1 when it cannot be told. */
int credal__free_bytes(const char *path, uint64_t *out);

/* Fsyncs a closed file, so the rename that publishes it cannot overtake its data. */
credal_status credal__sync_file(const char *path);
/* Moves partial to output; without force never replaces an output that appeared meanwhile
 * (EEXIST, the result kept in partial). */
credal_status credal__publish(const char *partial, const char *output, int force);

#endif /* CREDAL_PATHS_H */
