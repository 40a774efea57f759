/* Helpers the GPU backends' host code shares (gpu_backend.c, gpu_pairs.c, gpu_mdp.c). */
#ifndef CREDAL_CUDA_UTIL_H
#define CREDAL_CUDA_UTIL_H

#include <cuda_runtime.h>
#include <stddef.h>

#include "../../io/internal.h"

/* A CUDA error as a status (ENOMEM for an allocation, else EINTERNAL) naming what was being done;
 * the runtime's last error is cleared, so the next call does not report it again. */
static inline credal_status credal__cuda_fail(cudaError_t e, const char *what) {
  cudaGetLastError();
  return credal__fail(e == cudaErrorMemoryAllocation ? CREDAL_ENOMEM : CREDAL_EINTERNAL,
                      "CUDA error while %s: %s (%s)", what, cudaGetErrorString(e),
                      cudaGetErrorName(e));
}

/* The next n bytes of a device arena at *cursor, each buffer on a 256-byte boundary. */
static inline void *credal__carve(char **cursor, size_t n) {
  void *p = *cursor;
  *cursor += (n + 255) / 256 * 256;
  return p;
}

#endif /* CREDAL_CUDA_UTIL_H */
