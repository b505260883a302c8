//go:build cgo && linux

package main

// The address-space limit (ulimit -v, RLIMIT_AS) is checked in C, before the Go runtime starts:
// hmcc is linked externally (it links OpenBLAS), so this constructor runs before the runtime's
// own initialisation, which reserves (reserves, does not use) about 1.2 GB of address space —
// page summaries 576 MB, the scavenger's index 512 MB, the arena map 32 MB, a first arena 64 MB —
// and dies with a runtime trace when it cannot. Below the limit that hmcc needs, it stops here
// with a message; above it, glibc is told to keep one malloc arena, since each further arena
// reserves 64 MB of address space for a thread that calls malloc (OpenBLAS, cgo threads).
//
// The resident memory of a small run is about 50 MB: users who want to cap memory should cap
// that (a cgroup's memory.max, systemd-run -p MemoryMax=), not the address space.

/*
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

// Address space, in MiB, beyond what is mapped when the constructor runs: the Go runtime's
// reservations (1184 MiB, above) and room for a small run's threads (8 MiB of stack each),
// OpenBLAS's per-thread buffers and the heap.
#define HMCC_RUNTIME_RESERVE_MIB 1184
#define HMCC_WORK_MIN_MIB 320

static unsigned long long hmcc_mapped_bytes(void) {
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long long pages = 0;
	if (f == NULL) {
		return 0;
	}
	if (fscanf(f, "%llu", &pages) != 1) {
		pages = 0;
	}
	fclose(f);
	return pages * (unsigned long long)sysconf(_SC_PAGESIZE);
}

static void __attribute__((constructor)) hmcc_check_address_space(void) {
	struct rlimit l;
	if (getrlimit(RLIMIT_AS, &l) != 0 || l.rlim_cur == RLIM_INFINITY) {
		return;
	}
	mallopt(M_ARENA_MAX, 1);
	unsigned long long mib = 1ULL << 20;
	unsigned long long need = hmcc_mapped_bytes() + (HMCC_RUNTIME_RESERVE_MIB + HMCC_WORK_MIN_MIB) * mib;
	if ((unsigned long long)l.rlim_cur >= need) {
		return;
	}
	unsigned long long needKB = (need + 1023) / 1024;
	fprintf(stderr,
		"hmcc: the address-space limit (ulimit -v) is %llu MiB, and hmcc needs at least %llu MiB of address space: "
		"the Go runtime alone reserves about %d MiB at start (reserved, not used: a small model's run is about 50 MiB resident)\n"
		"  hint: raise the limit (ulimit -v %llu) or lift it (ulimit -v unlimited); to cap memory, cap resident memory instead "
		"(a cgroup's memory.max, e.g. systemd-run --user --scope -p MemoryMax=1G hmcc ...)\n",
		(unsigned long long)l.rlim_cur / mib, (need + mib - 1) / mib, HMCC_RUNTIME_RESERVE_MIB, ((needKB + 99999) / 100000) * 100000 + 100000);
	_exit(2);
}
*/
import "C"
