// Package gpu runs hmcc's log density on an NVIDIA GPU. Its CUDA-facing files are compiled only
// with the hmcc_cuda build tag: it is the one package that imports gorgonia.org/cu (the CUDA
// driver API), cu/blas (cuBLAS) and cu/nvrtc (the run-time CUDA C compiler), and cu's package
// initialiser exits the process when no GPU is present, so the default build must never link it.
// The pure parts (plan.go: launch geometry and cuBLAS arguments; cache.go: the PTX cache) are in
// every build, so that their tests run without a GPU; cmd/hmcc's default build does not import
// the package.
//
// The tag is not the conventional `cuda`: gorgonia, which the CPU backend uses, has its own files
// behind `cuda` that need cuDNN headers and generated kernels it does not ship, so `-tags cuda`
// cannot build this module.
//
// A Target compiles the CUDA C that compiler/cudagen generates from the model with NVRTC for the
// device it finds, keeps every buffer on the device, follows cudagen's plan (kernels and cuBLAS
// gemm on one stream) and implements runtime.Target, through which every sampler can evaluate, and
// runtime.ChunkedTarget, through which hmc and chees run their post-warmup transitions on the
// device (nuts builds its trees on the host). See docs/gpu.md.
package gpu
