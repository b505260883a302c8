/* hmcc_shim.h: the CUDA built-ins the generated kernels use, for the host C compiler.
 *
 * The kernels never synchronise threads, share memory or use atomics (one thread per chain;
 * per-chain sums across block rows go through partial sums and a second kernel), so running every
 * (block, thread) of a launch one after another, in any order, is a faithful execution: the driver
 * sets blockIdx and threadIdx before each call. There is no atomicAdd here, so a kernel that used
 * one would not compile. */
#define HMCC_HOST 1
#include <math.h>

typedef struct { unsigned x, y, z; } hmcc_dim3;
static hmcc_dim3 blockIdx, threadIdx, blockDim;

#define HMCC_KERNEL static
#define HMCC_DEVICE static inline
#define HMCC_INF INFINITY
#define HMCC_NAN NAN

typedef void (*hmcc_kernel_fn)(void *const *B, const int C, const int chunk);
struct hmcc_kernel_entry {
  const char *name;
  hmcc_kernel_fn fn;
};
