/* shim_driver.c runs generated kernels on the host for the tests. It is built as
 *   cc -DHMCC_SOURCE='"kernels.cu"' -I testdata shim_driver.c -lm
 * (or as C++, -x c++, which is closer to what NVRTC accepts) and reads one command per line on stdin, the steps of cudagen.Program.Eval as the Go test's
 * Device sends them:
 *   init C NBUF BLOCK CHUNK          chains, buffers, threads per block, elements per block row
 *   buf I LEN DOUBLE                 allocate buffer I (LEN values; DOUBLE 1 for double)
 *   set I V...                       LEN values into buffer I
 *   zero I
 *   launch NAME N                    a kernel over N elements, on the grid the GPU would use: CHUNK
 *                                    elements per block row, more where N needs more than
 *                                    HMCC_ROWS rows (runtime/gpu's grid never launches more), and
 *                                    one row when N is at most HMCC_MIN_CHUNK
 *   order REVERSE                    1: from here on run the blocks and threads of a launch in
 *                                    reverse order (rows last to first), as a GPU may schedule them
 *   gemm TRANS ROWS COLS IN MAT OUT  as cudagen.Gemm, with the semantics of column-major cuBLAS
 *   get I                            prints LEN values of buffer I on one line
 *   window C0 C1                     from here on only chains C0 <= c < C1 run: launches run the
 *                                    threads of those chains, gemm and zero touch their columns
 *                                    only, and setw/getw move their ROWS values each (row-major by
 *                                    row, then chain). With it a test can give C and the buffers a
 *                                    size where row * C + c passes 2^31 and run a handful of chains:
 *                                    large buffers are reserved address space (mmap, MAP_NORESERVE)
 *                                    and only the pages those chains touch are ever backed.
 *   setw I ROWS V...  getw I ROWS
 * Errors go to stderr with exit status 2; a reservation the system refuses exits with status 3. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "hmcc_shim.h"
#include HMCC_SOURCE

static int C, nbuf, block, chunk, c0, c1, reverse;
static void **bufs;
static long long *lens;
static int *dbl;

static void fail(const char *msg, const char *arg) {
  fprintf(stderr, "shim: %s %s\n", msg, arg ? arg : "");
  exit(2);
}

static double get(int i, long long k) { return dbl[i] ? ((double *)bufs[i])[k] : (double)((real *)bufs[i])[k]; }
static void put(int i, long long k, double v) {
  if (dbl[i]) ((double *)bufs[i])[k] = v;
  else ((real *)bufs[i])[k] = (real)v;
}

static void launch(const char *name, int n) {
  hmcc_kernel_fn fn = 0;
  for (const struct hmcc_kernel_entry *e = hmcc_kernels; e->name; e++)
    if (strcmp(e->name, name) == 0) fn = e->fn;
  if (!fn) fail("no kernel", name);
  int ch = chunk;
  if ((n + ch - 1) / ch > HMCC_ROWS) ch = (n + HMCC_ROWS - 1) / HMCC_ROWS;
  if (n <= HMCC_MIN_CHUNK && ch < n) ch = n; /* one row, as the GPU's rows have HMCC_MIN_CHUNK */
  unsigned gy = (n + ch - 1) / ch;
  blockDim.x = block; blockDim.y = blockDim.z = 1;
  /* the blocks that hold the window's chains, and in them the window's threads */
  unsigned bx0 = c0 / block, nbx = (unsigned)(c1 - 1) / block - bx0 + 1;
  for (unsigned i = 0; i < gy; i++)
    for (unsigned k = 0; k < nbx; k++)
      for (unsigned t = 0; t < (unsigned)block; t++) {
        unsigned by = reverse ? gy - 1 - i : i, bx = bx0 + (reverse ? nbx - 1 - k : k);
        unsigned tx = reverse ? (unsigned)block - 1 - t : t;
        long long c = (long long)bx * block + tx;
        if (c < c0 || c >= c1) continue;
        blockIdx.x = bx; blockIdx.y = by; blockIdx.z = 0;
        threadIdx.x = tx; threadIdx.y = threadIdx.z = 0;
        fn((void *const *)bufs, C, ch);
      }
}

/* Out = In · op(Mcm), Mcm the column-major Cols×Rows reading of row-major M[Rows, Cols]. */
static void gemm(int trans, int rows, int cols, int in, int mat, int out) {
  int n = trans ? cols : rows, k = trans ? rows : cols;
  for (int c = c0; c < c1; c++)
    for (int o = 0; o < n; o++) {
      double s = 0;
      for (int q = 0; q < k; q++) {
        double m = trans ? get(mat, o + (long long)q * cols) : get(mat, q + (long long)o * cols);
        s += get(in, c + (long long)q * C) * m;
      }
      put(out, c + (long long)o * C, s);
    }
}

/* alloc zeroes LEN elements of SIZE bytes: reserved address space when it is large, so that a
   buffer of billions of elements costs only the pages the window's chains touch. */
static void *alloc(long long len, size_t size) {
  size_t bytes = (size_t)(len ? len : 1) * size;
  if (bytes < ((size_t)1 << 26)) return calloc(1, bytes);
  void *p = mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    fprintf(stderr, "shim: cannot reserve %zu bytes of address space\n", bytes);
    exit(3);
  }
  return p;
}

int main(void) {
  char cmd[64], name[256];
  while (scanf("%63s", cmd) == 1) {
    if (strcmp(cmd, "init") == 0) {
      if (scanf("%d %d %d %d", &C, &nbuf, &block, &chunk) != 4) fail("bad", cmd);
      c0 = 0, c1 = C;
      bufs = (void **)calloc(nbuf, sizeof *bufs);
      lens = (long long *)calloc(nbuf, sizeof *lens);
      dbl = (int *)calloc(nbuf, sizeof *dbl);
    } else if (strcmp(cmd, "buf") == 0) {
      int i;
      if (scanf("%d", &i) != 1 || i < 0 || i >= nbuf || scanf("%lld %d", &lens[i], &dbl[i]) != 2) fail("bad", cmd);
      bufs[i] = alloc(lens[i], dbl[i] ? sizeof(double) : sizeof(real));
    } else if (strcmp(cmd, "set") == 0) {
      int i;
      if (scanf("%d", &i) != 1 || i < 0 || i >= nbuf) fail("bad", cmd);
      for (long long k = 0; k < lens[i]; k++) {
        double v;
        if (scanf("%lf", &v) != 1) fail("short set", 0);
        put(i, k, v);
      }
    } else if (strcmp(cmd, "zero") == 0) {
      int i;
      if (scanf("%d", &i) != 1 || i < 0 || i >= nbuf) fail("bad", cmd);
      if (c0 == 0 && c1 == C) {
        for (long long k = 0; k < lens[i]; k++) put(i, k, 0);
      } else { /* a per-chain buffer: the window's columns of each row */
        for (long long r = 0; r * C < lens[i]; r++)
          for (int c = c0; c < c1; c++) put(i, r * C + c, 0);
      }
    } else if (strcmp(cmd, "launch") == 0) {
      int n;
      if (scanf("%255s %d", name, &n) != 2) fail("bad", cmd);
      launch(name, n);
    } else if (strcmp(cmd, "gemm") == 0) {
      int t, r, co, in, mat, out;
      if (scanf("%d %d %d %d %d %d", &t, &r, &co, &in, &mat, &out) != 6) fail("bad", cmd);
      gemm(t, r, co, in, mat, out);
    } else if (strcmp(cmd, "get") == 0) {
      int i;
      if (scanf("%d", &i) != 1 || i < 0 || i >= nbuf) fail("bad", cmd);
      for (long long k = 0; k < lens[i]; k++) printf(k ? " %.17g" : "%.17g", get(i, k));
      printf("\n");
      fflush(stdout);
    } else if (strcmp(cmd, "order") == 0) {
      if (scanf("%d", &reverse) != 1) fail("bad", cmd);
    } else if (strcmp(cmd, "window") == 0) {
      if (scanf("%d %d", &c0, &c1) != 2 || c0 < 0 || c1 > C || c0 >= c1) fail("bad", cmd);
    } else if (strcmp(cmd, "setw") == 0 || strcmp(cmd, "getw") == 0) {
      int i;
      long long rows;
      if (scanf("%d %lld", &i, &rows) != 2 || i < 0 || i >= nbuf || rows * C > lens[i]) fail("bad", cmd);
      int first = 1;
      for (long long r = 0; r < rows; r++)
        for (int c = c0; c < c1; c++) {
          if (cmd[0] == 's') {
            double v;
            if (scanf("%lf", &v) != 1) fail("short setw", 0);
            put(i, r * C + c, v);
          } else {
            printf(first ? "%.17g" : " %.17g", get(i, r * C + c));
            first = 0;
          }
        }
      if (cmd[0] == 'g') {
        printf("\n");
        fflush(stdout);
      }
    } else {
      fail("unknown command", cmd);
    }
  }
  return 0;
}
