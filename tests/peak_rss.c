/* peak_rss COMMAND [ARGS...]: runs COMMAND and prints its peak resident set size in KiB.
 * A tiny parent matters: Linux counts a child's pre-exec RSS (the forked parent's pages) in
 * ru_maxrss, so measuring from a large process such as Python would report the parent. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: peak_rss COMMAND [ARGS...]\n");
    return 64;
  }
  pid_t pid = fork();
  if (pid < 0) return perror("fork"), 71;
  if (pid == 0) {
    execvp(argv[1], argv + 1);
    perror("exec");
    _exit(127);
  }
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) return perror("wait4"), 71;
  printf("%ld\n", ru.ru_maxrss);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
