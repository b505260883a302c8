#!/bin/sh
# Builds link-only stub libraries for libcuda, libcublas and libnvrtc from the CUDA headers, so a
# cgo binary importing gorgonia.org/cu links on a machine without the toolkit. Every function the
# headers declare becomes `int f(void) { return ERR; }`: enough for the linker, never meant to run.
# The sonames are those of the GPU machine (driver libcuda.so.1, toolkit major MAJ), so the binary
# built here loads the real libraries there.
# usage: scripts/cuda-stubs.sh INCLUDE_DIR OUT_DIR [CUDA_MAJOR]
set -eu
INC=$1; OUT=$2; MAJ=${3:-13}
mkdir -p "$OUT"
printf '#include <cuda.h>\n#include <cublas_v2.h>\n#include <nvrtc.h>\n' > "$OUT/all.h.c"
# Names are taken after preprocessing so that versioned macros (cuCtxCreate -> cuCtxCreate_v2)
# give the symbols cu's object files actually reference.
${CC:-cc} -E -P -I"$INC" "$OUT/all.h.c" |
  grep -oE '\b(cu[A-Z][A-Za-z0-9_]*|cublas[A-Za-z0-9_]*|nvrtc[A-Za-z0-9_]*)[[:space:]]*\(' |
  tr -d '( \t' | sort -u > "$OUT/syms.txt"
stub() { # name soname regex errcode [linker flags] (100 = CUDA_ERROR_NO_DEVICE, 1 = not initialised)
  grep -E "$3" "$OUT/syms.txt" | sed "s/.*/int &(void) { return $4; }/" > "$OUT/$1.c"
  ${CC:-cc} -shared -fPIC -o "$OUT/lib$1.so" -Wl,-soname,"$2" "$OUT/$1.c" ${5:-}
  ln -sf "lib$1.so" "$OUT/$2" # lets a GPU-less smoke run resolve the soname through LD_LIBRARY_PATH
}
stub cuda libcuda.so.1 '^cu[A-Z]' 100
# The real libcublas needs libcublasLt from the same directory, with no search path of its own
# that the loader must honour; the stub does too, so that scripts/cuda-check.sh can check that
# hmcc-gpu's search path reaches a library it does not link directly.
printf 'int cublasLtCreate(void) { return 1; }\n' > "$OUT/cublasLt.c"
${CC:-cc} -shared -fPIC -o "$OUT/libcublasLt.so" -Wl,-soname,"libcublasLt.so.$MAJ" "$OUT/cublasLt.c"
ln -sf libcublasLt.so "$OUT/libcublasLt.so.$MAJ"
stub cublas "libcublas.so.$MAJ" '^cublas' 1 "-L$OUT -Wl,--no-as-needed -lcublasLt"
# The real libnvrtc dlopens libnvrtc-builtins from its own directory when it compiles; the stub
# does it as it loads (and exits with status 4 if it cannot), so that the same check shows that
# the binary's search path reaches what its libraries dlopen.
printf 'int nvrtcGetBuiltinsVersion(void) { return 0; }\n' > "$OUT/nvrtc-builtins.c"
${CC:-cc} -shared -fPIC -o "$OUT/libnvrtc-builtins.so" -Wl,-soname,"libnvrtc-builtins.so.$MAJ" "$OUT/nvrtc-builtins.c"
ln -sf libnvrtc-builtins.so "$OUT/libnvrtc-builtins.so.$MAJ"
cat > "$OUT/nvrtc-load.c" <<EOF2
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>
__attribute__((constructor)) static void hmcc_stub_builtins(void) {
  if (!dlopen("libnvrtc-builtins.so.$MAJ", RTLD_NOW)) {
    fprintf(stderr, "stub libnvrtc: cannot load libnvrtc-builtins: %s\n", dlerror());
    _exit(4);
  }
}
EOF2
stub nvrtc "libnvrtc.so.$MAJ" '^nvrtc' 1 "$OUT/nvrtc-load.c -ldl"
rm -f "$OUT"/*.c "$OUT/syms.txt"
