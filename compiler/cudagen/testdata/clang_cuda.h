/* clang_cuda.h: what NVRTC gives a program without any #include, rebuilt from clang's own CUDA
 * headers, so that clang can compile the generated source as CUDA device code on a machine with
 * no CUDA toolkit (TestCompilesAsCUDA):
 *   clang++ -x cuda --cuda-device-only -nocudainc -nocudalib --cuda-gpu-arch=sm_80 -S -include clang_cuda.h
 * The attribute macros are those of CUDA's host_defines.h; the math functions come from clang's
 * libdevice wrappers; atomicAdd is declared as NVRTC's sm_20 (float) and sm_60 (double) headers do. */
#define __device__ __attribute__((device))
#define __global__ __attribute__((global))
#define __host__ __attribute__((host))
#define __shared__ __attribute__((shared))
#define __constant__ __attribute__((constant))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define CUDA_VERSION 11080
#include <stddef.h>
#include <limits.h>
#define HUGE_VAL (__builtin_huge_val())
#define HUGE_VALF (__builtin_huge_valf())
#include <__clang_cuda_builtin_vars.h>
#include <__clang_cuda_libdevice_declares.h>
#include <__clang_cuda_device_functions.h>
#include <__clang_cuda_math.h>
static __device__ __forceinline__ float atomicAdd(float *p, float v) { return __nvvm_atom_add_gen_f(p, v); }
static __device__ __forceinline__ double atomicAdd(double *p, double v) { return __nvvm_atom_add_gen_d(p, v); }
