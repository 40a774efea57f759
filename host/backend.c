/* Backend selection. */
#include <stdio.h>
#include <string.h>

#include "backend.h"

/* The CPU's model name, for the output's `device` attribute. */
void credal__cpu_name(char *out, size_t n) {
  snprintf(out, n, "host CPU");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "model name", 10) == 0) {
      const char *colon = strchr(line, ':');
      if (colon) {
        colon++;
        while (*colon == ' ') colon++;
        snprintf(out, n, "%.*s", (int)strcspn(colon, "\n"), colon);
      }
      break;
    }
  }
  fclose(f);
}

credal_status credal__backend_create(credal_backend which, const credal__backend_config *config,
                                     credal__backend **out) {
  credal_status st;
  *out = NULL;
  switch (which) {
    case CREDAL_BACKEND_REFERENCE:
      if ((st = credal__reference_backend_create(config, out))) return st;
      credal__cpu_name((*out)->device, sizeof (*out)->device);
      return CREDAL_OK;
    case CREDAL_BACKEND_GPU:
      return credal__gpu_backend_create(config, out);
    case CREDAL_BACKEND_CPU: {
      if ((st = credal__cpu_backend_create(config, out))) return st;
      char cpu[64], threads[48];
      credal__cpu_name(cpu, sizeof cpu);
      memcpy(threads, (*out)->device, sizeof threads - 1);
      threads[sizeof threads - 1] = '\0';
      snprintf((*out)->device, sizeof (*out)->device, "%.63s, %.47s", cpu, threads);
      return CREDAL_OK;
    }
    case CREDAL_BACKEND_AUTO:
      break;
  }
  return credal__fail(CREDAL_EINTERNAL, "backend %d must be resolved before creation", (int)which);
}

void credal__backend_destroy(credal__backend *b) {
  if (b) b->destroy(b);
}
