/* libFuzzer harness over the chunk decoders (io/codec.c) on raw chunk bytes, as H5Dread_chunk
 * hands them over: the first byte picks a pipeline (deflate, shuffle, fletcher32, LZ4, Zstd,
 * Blosc, Bitshuffle bare/LZ4/Zstd, and stacks of them) and a filter mask, the next two the
 * chunk's declared size (up to 64 KiB); the rest is the stored chunk. A decoder must never
 * crash, read past the stored bytes or write past the declared size, and may only answer
 * CREDAL_OK with exactly the declared size written, or CREDAL_EDATA. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../io/codec.h"

#define F(id, ...)                                                 \
  {                                                                \
    id, 0, sizeof((unsigned[]){__VA_ARGS__}) / sizeof(unsigned), { \
      __VA_ARGS__                                                  \
    }                                                              \
  }

static const credal__filters PIPELINES[] = {
    {1, {F(H5Z_FILTER_DEFLATE, 4)}},
    {2, {F(H5Z_FILTER_SHUFFLE, 8), F(H5Z_FILTER_DEFLATE, 1)}},
    {3, {F(H5Z_FILTER_SHUFFLE, 4), F(H5Z_FILTER_DEFLATE, 1), F(H5Z_FILTER_FLETCHER32, 0)}},
    {1, {F(CREDAL_FILTER_LZ4, 0)}},
    {2, {F(H5Z_FILTER_SHUFFLE, 8), F(CREDAL_FILTER_ZSTD, 3)}},
    {1, {F(CREDAL_FILTER_BLOSC, 2, 2, 8, 0, 5, 1, 1)}},
    {1, {F(CREDAL_FILTER_BITSHUFFLE, 0, 0, 8, 0, 0)}},
    {1, {F(CREDAL_FILTER_BITSHUFFLE, 0, 0, 4, 0, 2)}},
    {1, {F(CREDAL_FILTER_BITSHUFFLE, 0, 0, 8, 64, 3)}},
    {2, {F(CREDAL_FILTER_LZ4, 0), F(H5Z_FILTER_DEFLATE, 1)}},
    {1, {F(H5Z_FILTER_FLETCHER32, 0)}},
};
#define NPIPES (sizeof PIPELINES / sizeof PIPELINES[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static credal__codec_scratch *scratch;
  if (!scratch && !(scratch = credal__codec_scratch_new())) return 0;
  if (size < 3) return 0;
  const credal__filters *f = &PIPELINES[(data[0] & 0x0f) % NPIPES];
  const unsigned mask = (unsigned)(data[0] >> 4) & 0x3; /* filters 0 and 1 skipped or not */
  const size_t chunk = ((size_t)data[1] << 8 | data[2]) + 1;
  /* exact copies: ASan sees a read past the stored bytes or a write past the chunk */
  unsigned char *raw = malloc(size - 3 + 1), *out = malloc(chunk);
  if (!raw || !out) return free(raw), free(out), 0;
  memcpy(raw, data + 3, size - 3);
  const credal_status st =
      credal__chunk_decode(f, mask, raw, size - 3, out, chunk, scratch, "fuzz");
  if (st != CREDAL_OK && st != CREDAL_EDATA && st != CREDAL_ENOMEM) abort();
  free(raw), free(out);
  return 0;
}
