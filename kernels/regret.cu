// The regret stage on the GPU (float64), following host/regret.c: best policy per hypothesis,
// regret, and the per-policy accumulators updated hypothesis by hypothesis in order, so the
// result is deterministic and equal in meaning to the CPU's.
#include <cuda_runtime.h>
#include <stdint.h>

#include "credal_kernels.h"

namespace {

constexpr int ROW_THREADS = 256;

// One block per hypothesis: best = max_p lower (lowest p on ties), then regret = best - lower.
__global__ void __launch_bounds__(ROW_THREADS)
    regret_rows(const double *lower, int64_t count, int64_t P, double *best_value,
                int32_t *best_policy, double *regret) {
  __shared__ double values[ROW_THREADS];
  __shared__ int64_t indices[ROW_THREADS];
  for (int64_t h = blockIdx.x; h < count; h += gridDim.x) {
    const double *row = lower + h * P;
    double best = 0.0;
    int64_t best_p = -1;
    for (int64_t p = threadIdx.x; p < P; p += ROW_THREADS)
      if (best_p < 0 || row[p] > best) best = row[p], best_p = p;  // p ascends: ties keep the first
    values[threadIdx.x] = best;
    indices[threadIdx.x] = best_p;
    __syncthreads();
    // (value desc, index asc) is a total order, so the tree's shape cannot change the answer
    for (int stride = ROW_THREADS / 2; stride > 0; stride /= 2) {
      if (threadIdx.x < stride) {
        const int64_t oi = indices[threadIdx.x + stride];
        const double ov = values[threadIdx.x + stride];
        const int64_t mi = indices[threadIdx.x];
        if (oi >= 0 && (mi < 0 || ov > values[threadIdx.x] ||
                        (ov == values[threadIdx.x] && oi < mi)))
          values[threadIdx.x] = ov, indices[threadIdx.x] = oi;
      }
      __syncthreads();
    }
    const double b = values[0];
    if (threadIdx.x == 0) best_value[h] = b, best_policy[h] = static_cast<int32_t>(indices[0]);
    for (int64_t p = threadIdx.x; p < P; p += ROW_THREADS) regret[h * P + p] = b - row[p];
    __syncthreads();  // values[] is reused by the next hypothesis
  }
}

// One thread per policy: class_lower, worst_regret and Bayes over the chunk's hypotheses in
// order (reads coalesced across the warp's policies).
__global__ void accumulate_policies(credal_kernel_accumulators acc, const double *lower,
                                    const double *regret, const double *prior, int64_t h0,
                                    int64_t count, int64_t P, int first_chunk) {
  const int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (p >= P) return;
  double cl = first_chunk ? 0.0 : acc.class_lower[p];
  int32_t cl_h = first_chunk ? -1 : acc.class_lower_h[p];
  double wr = first_chunk ? 0.0 : acc.worst_regret[p];
  int32_t wr_h = first_chunk ? -1 : acc.worst_regret_h[p];
  double bayes = (acc.bayes_regret && !first_chunk) ? acc.bayes_regret[p] : 0.0;
  for (int64_t i = 0; i < count; i++) {
    const double l = lower[i * P + p], r = regret[i * P + p];
    const int32_t h = static_cast<int32_t>(h0 + i);
    if (cl_h < 0 || l < cl) cl = l, cl_h = h;
    if (wr_h < 0 || r > wr) wr = r, wr_h = h;
    if (prior) bayes += prior[i] * r;
  }
  acc.class_lower[p] = cl, acc.class_lower_h[p] = cl_h;
  acc.worst_regret[p] = wr, acc.worst_regret_h[p] = wr_h;
  if (acc.bayes_regret) acc.bayes_regret[p] = bayes;
}

// One thread per (prior q, policy): sum_h Z[q, h] regret[h, p] in hypothesis order.
__global__ void accumulate_credal(double *sums, const double *regret, const double *prior_set,
                                  int64_t q0, int64_t count, int64_t P, int first_chunk) {
  const int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t q = q0 + blockIdx.y;
  if (p >= P) return;
  double s = first_chunk ? 0.0 : sums[q * P + p];
  const double *z = prior_set + q * count;
  for (int64_t i = 0; i < count; i++) s += z[i] * regret[i * P + p];
  sums[q * P + p] = s;
}

}  // namespace

extern "C" int credal_regret_rows(const double *lower, int64_t count, int64_t policies,
                                  double *best_value, int32_t *best_policy, double *regret,
                                  void *stream) {
  const unsigned blocks = static_cast<unsigned>(count < 65535 ? count : 65535);
  regret_rows<<<blocks, ROW_THREADS, 0, static_cast<cudaStream_t>(stream)>>>(
      lower, count, policies, best_value, best_policy, regret);
  return static_cast<int>(cudaGetLastError());
}

extern "C" int credal_accumulate(const credal_kernel_accumulators *acc, const double *lower,
                                 const double *regret, const double *prior,
                                 const double *prior_set, int64_t h0, int64_t count,
                                 int64_t policies, int64_t prior_set_size, int first_chunk,
                                 void *stream) {
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  const unsigned blocks = static_cast<unsigned>((policies + 127) / 128);
  accumulate_policies<<<blocks, 128, 0, s>>>(*acc, lower, regret, prior, h0, count, policies,
                                             first_chunk);
  for (int64_t q0 = 0; q0 < prior_set_size; q0 += 65535) {  // grid.y holds 65535 priors
    const int64_t nq = prior_set_size - q0 < 65535 ? prior_set_size - q0 : 65535;
    accumulate_credal<<<dim3(blocks, static_cast<unsigned>(nq)), 128, 0, s>>>(
        acc->credal_sums, regret, prior_set, q0, count, policies, first_chunk);
  }
  return static_cast<int>(cudaGetLastError());
}
