/* File-system facts the commands check before they write: whether an output would land on
 * the input (same file, hard link, symlink, "./X.h5"), and sizes in words a user reads; and
 * publishing a finished PATH.partial as PATH. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "internal.h"
#include "paths.h"

int credal__path_exists(const char *path) {
  struct stat sb;
  return lstat(path, &sb) == 0;
}

int credal__same_file(const char *a, const char *b) {
  struct stat sa, sb;
  if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0; /* one does not exist: not the same */
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

credal_status credal__refuse_input_as_output(const char *input, const char *output) {
  if (credal__same_file(input, output))
    return credal__fail(CREDAL_EUSAGE,
                        "%s is the input %s (the same file); refusing to write the result over "
                        "it, with or without --force: name another output",
                        output, input);
  char *partial = malloc(strlen(output) + sizeof ".partial");
  if (!partial) return credal__fail(CREDAL_ENOMEM, "out of memory");
  sprintf(partial, "%s.partial", output);
  const int same = credal__same_file(input, partial);
  free(partial);
  if (same)
    return credal__fail(CREDAL_EUSAGE,
                        "%s.partial, where the result is written until complete, is the input "
                        "%s; refusing to write over it: name another output",
                        output, input);
  return CREDAL_OK;
}

const char *credal__format_bytes(uint64_t bytes, char *buf, size_t cap) {
  static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) {
    snprintf(buf, cap, "%llu bytes", (unsigned long long)bytes);
    return buf;
  }
  double v = (double)bytes / 1024.0;
  int u = 0;
  while (v >= 1024.0 && u < 5) v /= 1024.0, u++;
  snprintf(buf, cap, "%.*f %s", v < 10.0 ? 2 : v < 100.0 ? 1 : 0, v, units[u]);
  return buf;
}

int credal__free_bytes(const char *path, uint64_t *out) {
  /* the directory that will hold path: the part before its last '/' ("." without one) */
  char *dir = strdup(path);
  if (!dir) return -1;
  char *slash = strrchr(dir, '/');
  if (slash == dir) slash[1] = '\0';
  else if (slash) *slash = '\0';
  struct statvfs vfs;
  const int rc = statvfs(slash ? dir : ".", &vfs);
  free(dir);
  if (rc != 0) return -1;
  *out = (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
  return 0;
}

const char *credal__memory_unit_hint(uint64_t bytes, char *buf, size_t cap) {
  buf[0] = '\0';
  if (bytes < 65536) /* no credal run fits in so little: a unit was surely left out */
    snprintf(buf, cap, "; a size without a unit is in bytes: did you mean %lluG or %lluMiB?",
             (unsigned long long)bytes, (unsigned long long)bytes);
  return buf;
}

/* Fsyncs a closed file so the rename that publishes it cannot overtake its data. */
credal_status credal__sync_file(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return credal__fail(CREDAL_EIO, "%s: cannot reopen to sync: %s", path, strerror(errno));
  int rc = fsync(fd);
  close(fd);
  if (rc != 0) return credal__fail(CREDAL_EIO, "%s: fsync failed: %s", path, strerror(errno));
  return CREDAL_OK;
}

/* Moves partial to output; without force, never replaces an output that appeared meanwhile. */
credal_status credal__publish(const char *partial, const char *output, int force) {
  if (force) {
    if (rename(partial, output) != 0)
      return credal__fail(CREDAL_ECANTCREATE, "cannot rename %s to %s: %s", partial, output,
                          strerror(errno));
    return CREDAL_OK;
  }
  if (link(partial, output) == 0) {
    unlink(partial);
    return CREDAL_OK;
  }
  if (errno == EEXIST)
    return credal__fail(CREDAL_EEXIST, "%s appeared during the run; the result is kept in %s",
                        output, partial);
  /* File systems without hard links: check, then rename. */
  if (credal__path_exists(output))
    return credal__fail(CREDAL_EEXIST, "%s appeared during the run; the result is kept in %s",
                        output, partial);
  if (rename(partial, output) != 0)
    return credal__fail(CREDAL_ECANTCREATE, "cannot rename %s to %s: %s", partial, output,
                        strerror(errno));
  return CREDAL_OK;
}
