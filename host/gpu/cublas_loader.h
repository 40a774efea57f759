/* cuBLAS, loaded on first use. Linking libcublas costs every process about 200 MiB of
 * resident memory at start (its relocations), even a CPU-only run; so the GPU backend opens it
 * with dlopen only when a GEMM is about to run. */
#ifndef CREDAL_CUBLAS_LOADER_H
#define CREDAL_CUBLAS_LOADER_H

#include <cublas_v2.h>

#include "../../io/internal.h"

typedef struct {
  cublasStatus_t (*create)(cublasHandle_t *);
  cublasStatus_t (*destroy)(cublasHandle_t);
  cublasStatus_t (*set_stream)(cublasHandle_t, cudaStream_t);
  cublasStatus_t (*dgemm)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                          const double *, const double *, int, const double *, int,
                          const double *, double *, int);
  cublasStatus_t (*sgemm)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                          const float *, const float *, int, const float *, int, const float *,
                          float *, int);
  const char *(*status_string)(cublasStatus_t);
} credal__cublas;

/* The loaded library (once per process); CREDAL_ENODEVICE with dlerror() when it is missing. */
credal_status credal__cublas_load(const credal__cublas **out);

#endif /* CREDAL_CUBLAS_LOADER_H */
