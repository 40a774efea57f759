/* See cublas_loader.h. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "cublas_loader.h"

static credal__cublas table;
static credal_status load_status = CREDAL_OK;
static char load_error[512];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
  /* the soname of the toolkit we were built with first, then whatever the system calls it */
  static const char *const names[] = {"libcublas.so." CREDAL_CUBLAS_SOVERSION, "libcublas.so"};
  void *lib = NULL;
  for (size_t i = 0; i < sizeof names / sizeof names[0] && !lib; i++)
    lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    load_status = CREDAL_ENODEVICE;
    snprintf(load_error, sizeof load_error, "cannot load cuBLAS (needed for the GEMM path): %s",
             dlerror());
    return;
  }
#define SYM(field, name)                                                                  \
  do {                                                                                    \
    *(void **)&table.field = dlsym(lib, name);                                            \
    if (!table.field) {                                                                   \
      load_status = CREDAL_ENODEVICE;                                                     \
      snprintf(load_error, sizeof load_error, "cuBLAS has no %s: %s", name, dlerror());  \
      return;                                                                             \
    }                                                                                     \
  } while (0)
  SYM(create, "cublasCreate_v2");
  SYM(destroy, "cublasDestroy_v2");
  SYM(set_stream, "cublasSetStream_v2");
  SYM(dgemm, "cublasDgemm_v2");
  SYM(sgemm, "cublasSgemm_v2");
  SYM(status_string, "cublasGetStatusString");
#undef SYM
}

credal_status credal__cublas_load(const credal__cublas **out) {
  pthread_once(&once, load);
  if (load_status) return credal__fail(load_status, "%s", load_error);
  *out = &table;
  return CREDAL_OK;
}
