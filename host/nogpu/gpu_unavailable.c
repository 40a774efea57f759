/* Built instead of host/gpu/ when CMake found no CUDA compiler: the GPU backend is refused
 * with a clear reason, and `auto` falls back to the CPU. */
#include "../backend.h"
#include "../mdp_gpu.h"

credal_status credal__gpu_probe(int device) {
  (void)device;
  return credal__fail(CREDAL_ENODEVICE,
                      "this build of credal has no GPU backend (CUDA was not found when it was "
                      "built)");
}

credal_status credal__gpu_backend_create(const credal__backend_config *config,
                                         credal__backend **out) {
  (void)config;
  *out = NULL;
  return credal__gpu_probe(0);
}

int credal__gpu_count(void) { return 0; }

credal_status credal__gpu_mdp_create(int device, char *name, size_t n, credal__gpu_mdp **out) {
  (void)device, (void)name, (void)n;
  *out = NULL;
  return credal__gpu_probe(0);
}

void credal__gpu_mdp_free(credal__gpu_mdp *g) { (void)g; }

credal_status credal__gpu_mdp_solve(credal__gpu_mdp *g, credal__gpu_mdp_job *job) {
  (void)g, (void)job;
  return credal__gpu_probe(0);
}
