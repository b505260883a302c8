#!/usr/bin/env bash
# CI for the GPU build on a machine without a GPU or CUDA toolkit: fetch the CUDA headers and link
# stubs (scripts/cuda-sdk.sh), then build, vet and compile the tests of everything with the
# hmcc_cuda tag, and build bin/hmcc-gpu and bin/gpu.test, which run on a GPU machine
# (docs/gpu.md). Nothing here needs a GPU; nothing here runs GPU code.
#
# The tag is hmcc_cuda, not cuda: gorgonia's own `cuda` files need cuDNN headers (runtime/gpu/doc.go).
set -euo pipefail
cd "$(dirname "$0")/.."
SDK=${HMCC_CUDA_SDK:-$PWD/.cuda-sdk}
./scripts/cuda-sdk.sh "$SDK"

# clang compiles the generated kernels as CUDA device code, the nearest check to NVRTC without a
# toolkit (compiler/cudagen's TestCompilesAsCUDA, required here so that it cannot skip).
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v clang++-14 >/dev/null && ! command -v clang++ >/dev/null; then
  echo "installing clang-14 from Debian..."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang-14 >/dev/null
fi
HMCC_REQUIRE_CLANG=1 go test -count=1 -run 'TestCompilesAsCUDA|TestShim|TestGolden' ./compiler/cudagen

export CGO_ENABLED=1
export CGO_CFLAGS="-I$SDK/include"
# The search path lets hmcc-gpu find the toolkit's libraries where CUDA installs them on the GPU
# machine without LD_LIBRARY_PATH (libcuda.so.1 comes with the driver; $ORIGIN lets the libraries
# sit beside the binary). It is written as DT_RPATH (--disable-new-dtags), not DT_RUNPATH: the
# loader applies an executable's RPATH to its libraries' own dependencies too (libcublas needs
# libcublasLt) and to what they dlopen (libnvrtc loads libnvrtc-builtins), RUNPATH only to the
# executable's direct dependencies.
RPATH='$ORIGIN:/usr/local/cuda/lib64:/usr/local/cuda/targets/x86_64-linux/lib'
export CGO_LDFLAGS="-L$SDK/stubs -Wl,-rpath-link,$SDK/stubs -Wl,--disable-new-dtags -Wl,-rpath,$RPATH"
# The GPU binaries take the CPU backend's pure-Go parts (hmcc_purego): no OpenBLAS, no libmvec, so
# a machine with the NVIDIA driver and CUDA needs nothing else to start them.
GPUTAGS='hmcc_cuda hmcc_purego'

# The default build must never link cu: its initialiser exits without a GPU.
if go list -deps ./cmd/hmcc | grep -q '^gorgonia.org/cu'; then
  echo "cuda-check: the default build of cmd/hmcc imports gorgonia.org/cu" >&2
  exit 1
fi

go build -tags hmcc_cuda ./...
go vet -tags hmcc_cuda ./...
go vet -tags "$GPUTAGS" ./...
mkdir -p bin
go build -tags "$GPUTAGS" -o bin/hmcc-gpu ./cmd/hmcc
# go vet has type-checked every test file with the tag; the GPU tests are the ones to carry.
go test -tags "$GPUTAGS" -c -o bin/gpu.test ./runtime/gpu

for exe in bin/hmcc-gpu bin/gpu.test; do
  ./scripts/cuda-libs.sh "$exe" "$SDK/stubs"
done

# scripts/gpu-check.sh, the device script, runs here as far as it can: against the stub driver
# every check must report, on one line, that there is no device, and the script must end at once.
set +e
out=$(LD_LIBRARY_PATH="$SDK/stubs" HMCC_GPU_CHECK_BUDGET=60 OUT="$(mktemp -d)" ./scripts/gpu-check.sh 2>&1)
status=$?
set -e
for check in env memcheck tests throughput end-to-end; do
  if [ "$(grep -c "^gpu-check: $check: " <<<"$out")" -ne 1 ]; then
    echo "cuda-check: scripts/gpu-check.sh printed no single summary line for $check:" >&2
    echo "$out" >&2
    exit 1
  fi
done
if [ "$status" -ne 1 ] || ! grep -q "^gpu-check: env: FAIL no NVIDIA driver" <<<"$out" ||
  ! grep -q "libcublasLt.so.13=" <<<"$out" || [ "$(grep -c 'NoDevice' <<<"$out")" -ne 3 ]; then
  echo "cuda-check: scripts/gpu-check.sh without a device (status $status):" >&2
  echo "$out" >&2
  exit 1
fi
echo "cuda-check: hmcc_cuda build, vet and test binaries ok (bin/hmcc-gpu, bin/gpu.test); gpu-check.sh reports no device"
