// Package gpu runs hmcc's log density on an NVIDIA GPU. It is compiled only with the hmcc_cuda
// build tag: it is the one package that imports gorgonia.org/cu (the CUDA driver API), cu/blas
// (cuBLAS) and cu/nvrtc (the run-time CUDA C compiler), and cu's package initialiser exits the
// process when no GPU is present, so the default build must never link it.
//
// The tag is not the conventional `cuda`: gorgonia, which the CPU backend uses, has its own files
// behind `cuda` that need cuDNN headers and generated kernels it does not ship, so `-tags cuda`
// cannot build this module.
//
// A Target compiles the CUDA C that compiler/cudagen generates from the model with NVRTC for the
// device it finds, keeps every buffer on the device, follows cudagen's plan (kernels and cuBLAS
// gemm on one stream) and implements runtime.Target, so every sampler runs on it unchanged. See
// docs/gpu.md.
package gpu
