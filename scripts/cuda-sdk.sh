#!/usr/bin/env bash
# Fetches what the `cuda` build needs at compile and link time on a machine with no GPU and no
# CUDA toolkit: CUDA 11.8 headers from Debian's non-free nvidia-cuda-dev package, and link-only
# stub libraries carrying the sonames of the GPU machine (libcuda.so.1, libcublas.so.13,
# libnvrtc.so.13). See ../shared/GPU-BUILD.md for why 11.8 headers and CUDA 13 sonames.
#
# usage: scripts/cuda-sdk.sh [DEST [CUDA_MAJOR]]   (default DEST: .cuda-sdk, ignored by git)
# Afterwards: CGO_CFLAGS=-I$DEST/include CGO_LDFLAGS=-L$DEST/stubs (scripts/cuda-check.sh sets them).
#
# It touches no system configuration: apt runs against a private state directory with one source,
# the non-free twin of this machine's own Debian entry, and only 13 headers are extracted.
# NVIDIA's headers must never be committed; DEST is in .gitignore.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
DEST=$(realpath -m "${1:-$here/../.cuda-sdk}")
MAJ=${2:-13}
HDRS="cuda.h cublas_v2.h cublas_api.h nvrtc.h cuComplex.h vector_types.h driver_types.h library_types.h
      cuda_fp16.h cuda_fp16.hpp cuda_bf16.h cuda_bf16.hpp crt/host_defines.h"

have_all() { for h in $HDRS; do [ -s "$DEST/include/$h" ] || return 1; done; [ -e "$DEST/stubs/libcuda.so.1" ] && [ -e "$DEST/stubs/libcublasLt.so.$MAJ" ] &&
  [ -e "$DEST/stubs/libnvrtc-builtins.so.$MAJ" ]; }
if have_all; then
  exit 0 # already fetched: the headers do not change, and CI reruns should cost nothing
fi

if [ -s "$DEST/include/cuda.h" ] && for h in $HDRS; do [ -s "$DEST/include/$h" ] || exit 1; done; then
  "$here/cuda-stubs.sh" "$DEST/include" "$DEST/stubs" "$MAJ" # headers fetched earlier, stubs older
  exit 0
fi

W=$DEST/.apt
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/lists/partial" "$W/cache/archives/partial" "$W/parts" "$DEST/include"
if [ -f /etc/apt/sources.list.d/debian.sources ]; then # deb822 style (Debian 12 and later)
  sed -e 's/^Components:.*/Components: non-free/' /etc/apt/sources.list.d/debian.sources > "$W/parts/nonfree.sources"
else # one-line style: keep each Debian line's URI and suite, replace the components
  grep -E '^deb [^#]*debian' /etc/apt/sources.list | sed -E 's/^(deb +(\[[^]]*\] +)?[^ ]+ +[^ ]+) .*/\1 non-free/' > "$W/parts/nonfree.list"
fi
APT=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$W/parts" -o Dir::State::Lists="$W/lists"
     -o Dir::Cache="$W/cache" -o Dir::State::status=/dev/null -o APT::Sandbox::User=root -o Debug::NoLocking=1)
apt-get "${APT[@]}" -qq update
(cd "$W" && apt-get "${APT[@]}" -qq download nvidia-cuda-dev)
# The package is large (hundreds of MB); usr/include sits at the start of its data archive, so
# --occurrence lets tar stop once every named header was read instead of streaming the rest.
dpkg-deb --fsys-tarfile "$W"/nvidia-cuda-dev_*.deb 2>/dev/null |
  tar -x --occurrence -C "$DEST/include" --strip-components=3 $(for h in $HDRS; do printf './usr/include/%s ' "$h"; done) || true
for h in $HDRS; do
  [ -s "$DEST/include/$h" ] || { echo "cuda-sdk: $h missing from nvidia-cuda-dev" >&2; exit 1; }
done
"$here/cuda-stubs.sh" "$DEST/include" "$DEST/stubs" "$MAJ"
