/* libFuzzer harness over the CLI's argument parsers (host/cli/args.c): sizes ("64MiB", "2G"),
 * integers and reals, from arbitrary bytes. They must never crash, never read past the string,
 * and accept only what they can represent: a size that parses is never 0 by overflow, an
 * integer stays within its bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../host/cli/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  uint64_t bytes = 0;
  int64_t n = 0;
  double x = 0;
  if (credal__parse_size(text, &bytes) == 0 && strchr(text, '0') == NULL && bytes == 0) abort();
  if (credal__parse_int(text, -1000, 1000, &n) == 0 && (n < -1000 || n > 1000)) abort();
  if (credal__parse_double(text, &x) == 0 && !(x - x == 0.0)) abort(); /* finite only */
  free(text);
  return 0;
}
