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
# The rpath lets hmcc-gpu find the toolkit's libcublas and libnvrtc where CUDA installs them on
# the GPU machine without LD_LIBRARY_PATH; libcuda.so.1 comes with the driver.
export CGO_LDFLAGS="-L$SDK/stubs -Wl,-rpath,/usr/local/cuda/lib64:/usr/local/cuda/targets/x86_64-linux/lib"

# The default build must never link cu: its initialiser exits without a GPU.
if go list -deps ./cmd/hmcc | grep -q '^gorgonia.org/cu'; then
  echo "cuda-check: the default build of cmd/hmcc imports gorgonia.org/cu" >&2
  exit 1
fi

go build -tags hmcc_cuda ./...
go vet -tags hmcc_cuda ./...
mkdir -p bin
go build -tags hmcc_cuda -o bin/hmcc-gpu ./cmd/hmcc
# go vet has type-checked every test file with the tag; the GPU tests are the ones to carry.
go test -tags hmcc_cuda -c -o bin/gpu.test ./runtime/gpu

# Linked against the sonames the GPU machine has (CUDA 13 toolkit, driver libcuda.so.1).
for lib in libcuda.so.1 libcublas.so.13 libnvrtc.so.13; do
  if ! readelf -d bin/hmcc-gpu | grep -q "NEEDED.*\[$lib\]"; then
    echo "cuda-check: bin/hmcc-gpu does not link $lib" >&2
    exit 1
  fi
done
# With the stub driver, whose cuInit reports "no device", the binary must load and stop in cu's
# initialiser with status 1: this is what it does on any machine without a GPU.
set +e
out=$(LD_LIBRARY_PATH="$SDK/stubs" ./bin/hmcc-gpu version 2>&1)
status=$?
set -e
if [ "$status" -ne 1 ] || ! grep -q "initialization" <<<"$out"; then
  echo "cuda-check: bin/hmcc-gpu on the stub driver: status $status, output: $out" >&2
  exit 1
fi
echo "cuda-check: hmcc_cuda build, vet and test binaries ok (bin/hmcc-gpu, bin/gpu.test)"
