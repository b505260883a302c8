#!/usr/bin/env bash
# Checks what a GPU binary built by scripts/cuda-check.sh needs from the machine it runs on.
# usage: scripts/cuda-libs.sh BINARY STUBS_DIR
#  1. It links exactly the driver (libcuda.so.1), cuBLAS and NVRTC of CUDA 13 besides the C
#     library: no OpenBLAS, no libmvec (the GPU build's CPU backend is pure Go, hmcc_purego).
#  2. Its library search path is DT_RPATH (inherited by its libraries, so libcublasLt and NVRTC's
#     libnvrtc-builtins are found) and covers $ORIGIN and a standard CUDA install
#     (/usr/local/cuda/lib64 and /usr/local/cuda/targets/x86_64-linux/lib).
#  3. Copied into a folder beside stub libraries laid out as CUDA's are (libcublas needing
#     libcublasLt, libnvrtc dlopening libnvrtc-builtins, neither with a search path of its own),
#     with no LD_LIBRARY_PATH, every library resolves through that path, libcublasLt and the
#     dlopened builtins included (the stub libnvrtc exits with status 4 when it cannot load them),
#     and the binary starts and stops in cu's initialiser with status 1 (the stub driver has no
#     device): what it does on any machine without a GPU.
set -euo pipefail
exe=$1 stubs=$2
fail() { echo "cuda-libs: $exe: $*" >&2; exit 1; }
needed=$(readelf -d "$exe" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
for lib in libcuda.so.1 libcublas.so.13 libnvrtc.so.13; do
  grep -qw "$lib" <<<"$needed" || fail "does not link $lib (links: $needed)"
done
for lib in $needed; do
  case $lib in
    libcuda.so.1 | libcublas.so.13 | libnvrtc.so.13 | libc.so.6 | libm.so.6 | libpthread.so.0 | libdl.so.2 | libresolv.so.2) ;;
    *) fail "links $lib, which a machine with only the NVIDIA driver and CUDA may lack" ;;
  esac
done
dyn=$(readelf -d "$exe")
grep -q "(RUNPATH)" <<<"$dyn" && fail "has a RUNPATH, which the loader does not apply to libcublas's own libcublasLt"
rpath=$(sed -n 's/.*(RPATH).*\[\(.*\)\]/\1/p' <<<"$dyn")
for dir in '$ORIGIN' /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
  tr ':' '\n' <<<"$rpath" | grep -qxF "$dir" || fail "RPATH '$rpath' lacks $dir"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$exe" "$tmp/"
for lib in libcuda.so.1 libcublas.so.13 libcublasLt.so.13 libnvrtc.so.13 libnvrtc-builtins.so.13; do
  cp -L "$stubs/$lib" "$tmp/$lib"
done
copy="$tmp/$(basename "$exe")"
resolved=$(env -u LD_LIBRARY_PATH ldd "$copy" 2>&1) || true
grep -q 'not found' <<<"$resolved" && fail "libraries not found through its search path: $(grep 'not found' <<<"$resolved" | tr -s ' \t\n' ' ')"
grep -q "libcublasLt.so.13 => $tmp/" <<<"$resolved" || fail "libcublasLt did not resolve beside it: $resolved"
set +e
out=$(env -u LD_LIBRARY_PATH LD_BIND_NOW=1 "$copy" version 2>&1)
status=$?
set -e
if [ "$status" -ne 1 ] || ! grep -q "initialization" <<<"$out"; then
  fail "on the stub driver: status $status (want 1, cu's initialiser), output: $out"
fi
echo "cuda-libs: $exe links only $needed; RPATH $rpath; loads with every symbol bound"
