/* shim_driver.c runs generated kernels on the host for the tests. It is built as
 *   cc -DHMCC_SOURCE='"kernels.cu"' -I testdata shim_driver.c -lm
 * (or as C++, -x c++, which is closer to what NVRTC accepts) and reads one command per line on stdin, the steps of cudagen.Program.Eval as the Go test's
 * Device sends them:
 *   init C NBUF BLOCK CHUNK          chains, buffers, threads per block, elements per block row
 *   buf I LEN DOUBLE                 allocate buffer I (LEN values; DOUBLE 1 for double)
 *   set I V...                       LEN values into buffer I
 *   zero I
 *   launch NAME N                    a kernel over N elements, on the grid the GPU would use
 *   gemm TRANS ROWS COLS IN MAT OUT  as cudagen.Gemm, with the semantics of column-major cuBLAS
 *   get I                            prints LEN values of buffer I on one line
 * Errors go to stderr with exit status 2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hmcc_shim.h"
#include HMCC_SOURCE

static int C, nbuf, block, chunk;
static void **bufs;
static int *lens, *dbl;

static void fail(const char *msg, const char *arg) {
  fprintf(stderr, "shim: %s %s\n", msg, arg ? arg : "");
  exit(2);
}

static double get(int i, int k) { return dbl[i] ? ((double *)bufs[i])[k] : (double)((real *)bufs[i])[k]; }
static void put(int i, int k, double v) {
  if (dbl[i]) ((double *)bufs[i])[k] = v;
  else ((real *)bufs[i])[k] = (real)v;
}

static void launch(const char *name, int n) {
  hmcc_kernel_fn fn = 0;
  for (const struct hmcc_kernel_entry *e = hmcc_kernels; e->name; e++)
    if (strcmp(e->name, name) == 0) fn = e->fn;
  if (!fn) fail("no kernel", name);
  unsigned gx = (C + block - 1) / block, gy = (n + chunk - 1) / chunk;
  blockDim.x = block; blockDim.y = blockDim.z = 1;
  for (unsigned by = 0; by < gy; by++)
    for (unsigned bx = 0; bx < gx; bx++)
      for (unsigned tx = 0; tx < (unsigned)block; tx++) {
        blockIdx.x = bx; blockIdx.y = by; blockIdx.z = 0;
        threadIdx.x = tx; threadIdx.y = threadIdx.z = 0;
        fn((void *const *)bufs, C, chunk);
      }
}

/* Out = In · op(Mcm), Mcm the column-major Cols×Rows reading of row-major M[Rows, Cols]. */
static void gemm(int trans, int rows, int cols, int in, int mat, int out) {
  int n = trans ? cols : rows, k = trans ? rows : cols;
  for (int c = 0; c < C; c++)
    for (int o = 0; o < n; o++) {
      double s = 0;
      for (int q = 0; q < k; q++) {
        double m = trans ? get(mat, o + q * cols) : get(mat, q + o * cols);
        s += get(in, c + q * C) * m;
      }
      put(out, c + o * C, s);
    }
}

int main(void) {
  char cmd[64], name[256];
  while (scanf("%63s", cmd) == 1) {
    if (strcmp(cmd, "init") == 0) {
      if (scanf("%d %d %d %d", &C, &nbuf, &block, &chunk) != 4) fail("bad", cmd);
      bufs = (void **)calloc(nbuf, sizeof *bufs);
      lens = (int *)calloc(nbuf, sizeof *lens);
      dbl = (int *)calloc(nbuf, sizeof *dbl);
    } else if (strcmp(cmd, "buf") == 0) {
      int i;
      if (scanf("%d", &i) != 1 || i < 0 || i >= nbuf || scanf("%d %d", &lens[i], &dbl[i]) != 2) fail("bad", cmd);
      bufs[i] = calloc(lens[i] ? lens[i] : 1, dbl[i] ? sizeof(double) : sizeof(real));
    } else if (strcmp(cmd, "set") == 0) {
      int i;
      if (scanf("%d", &i) != 1 || i < 0 || i >= nbuf) fail("bad", cmd);
      for (int k = 0; k < lens[i]; k++) {
        double v;
        if (scanf("%lf", &v) != 1) fail("short set", 0);
        put(i, k, v);
      }
    } else if (strcmp(cmd, "zero") == 0) {
      int i;
      if (scanf("%d", &i) != 1 || i < 0 || i >= nbuf) fail("bad", cmd);
      for (int k = 0; k < lens[i]; k++) put(i, k, 0);
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
      for (int k = 0; k < lens[i]; k++) printf(k ? " %.17g" : "%.17g", get(i, k));
      printf("\n");
      fflush(stdout);
    } else {
      fail("unknown command", cmd);
    }
  }
  return 0;
}
