/* The decision rules' pairs on the GPU (kernels/pairs.cu): the chunk's points up, the value
 * matrix by cuBLAS DGEMM against the resident policies, the pair kernels, the reductions down;
 * synchronous, on a stream of its own. */
#ifndef CREDAL_GPU_PAIRS_H
#define CREDAL_GPU_PAIRS_H

#include "../backend.h"

typedef struct credal__gpu_pairs credal__gpu_pairs;

/* NULL unless CREDAL_GPU_PAIRS=1 (the kernels await their check on a card: until then the
 * host evaluates the pairs) or when out of memory. */
credal__gpu_pairs *credal__gpu_pairs_new(void);
void credal__gpu_pairs_free(credal__gpu_pairs *g); /* NULL is fine */

/* The pairs of job against the policies utility (P, d) on the device. CREDAL_EUNSUPPORTED when
 * one hypothesis's value matrix exceeds the bound the GEMM path keeps, or the device has no
 * room: the host takes them. */
credal_status credal__gpu_pairs_run(credal__gpu_pairs *g, const double *utility, int64_t P,
                                    int64_t d, const credal__pairs_job *job);

#endif /* CREDAL_GPU_PAIRS_H */
