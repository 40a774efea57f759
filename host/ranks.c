/* The processes of an MPI run; see ranks.h. */
#include "ranks.h"

#include <stdlib.h>

#include "../io/batch_reader.h"

#ifdef CREDAL_HAVE_MPI
#include <mpi.h>
#endif

static credal__ranks world = {0, 1, 0, 1};
#ifdef CREDAL_HAVE_MPI
static int initialised_here; /* MPI_Init was ours: so is MPI_Finalize */
#endif

void credal__ranks_init(int *argc, char ***argv) {
#ifdef CREDAL_HAVE_MPI
  int done = 0, provided = 0;
  MPI_Initialized(&done);
  if (!done) {
    MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
    initialised_here = 1;
  }
  MPI_Comm_rank(MPI_COMM_WORLD, &world.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world.size);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, world.rank, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &world.local_rank);
  MPI_Comm_size(node, &world.local_size);
  MPI_Comm_free(&node);
  if (world.size > 1) credal__input_probe_disable(); /* fork under MPI is not portable */
#else
  (void)argc, (void)argv;
#endif
}

void credal__ranks_finalize(void) {
#ifdef CREDAL_HAVE_MPI
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (initialised_here && !finalized) MPI_Finalize();
#endif
}

const credal__ranks *credal__ranks_get(void) { return &world; }

int64_t credal__ranks_max(int64_t value) {
#ifdef CREDAL_HAVE_MPI
  if (world.size > 1) {
    long long in = value, out = value;
    MPI_Allreduce(&in, &out, 1, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
    return out;
  }
#endif
  return value;
}

void credal__ranks_barrier(void) {
#ifdef CREDAL_HAVE_MPI
  if (world.size > 1) MPI_Barrier(MPI_COMM_WORLD);
#endif
}

void credal__ranks_bcast(void *buf, size_t bytes, int root) {
#ifdef CREDAL_HAVE_MPI
  if (world.size > 1) MPI_Bcast(buf, (int)bytes, MPI_BYTE, root, MPI_COMM_WORLD);
#else
  (void)buf, (void)bytes, (void)root;
#endif
}

credal_status credal__ranks_send(const void *buf, size_t bytes, int to) {
#ifdef CREDAL_HAVE_MPI
  if (bytes > (size_t)INT32_MAX)
    return credal__fail(CREDAL_EINTERNAL, "an MPI message of %zu bytes is too large", bytes);
  if (MPI_Send(buf, (int)bytes, MPI_BYTE, to, 0, MPI_COMM_WORLD) == MPI_SUCCESS) return CREDAL_OK;
  return credal__fail(CREDAL_EIO, "MPI_Send to rank %d failed", to);
#else
  (void)buf, (void)bytes;
  return credal__fail(CREDAL_EINTERNAL, "no rank %d to send to (built without MPI)", to);
#endif
}

credal_status credal__ranks_recv(void *buf, size_t bytes, int from) {
#ifdef CREDAL_HAVE_MPI
  if (bytes > (size_t)INT32_MAX)
    return credal__fail(CREDAL_EINTERNAL, "an MPI message of %zu bytes is too large", bytes);
  if (MPI_Recv(buf, (int)bytes, MPI_BYTE, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE) == MPI_SUCCESS)
    return CREDAL_OK;
  return credal__fail(CREDAL_EIO, "MPI_Recv from rank %d failed", from);
#else
  (void)buf, (void)bytes;
  return credal__fail(CREDAL_EINTERNAL, "no rank %d to receive from (built without MPI)", from);
#endif
}

void credal__ranks_abort(int code) {
#ifdef CREDAL_HAVE_MPI
  if (world.size > 1) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  exit(code);
}
