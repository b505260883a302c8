//go:build !cgo

#include "textflag.h"

// hmcc_rt0_amd64_linux is the pure-Go build's entry point when it is linked with
// -ldflags=-E=hmcc_rt0_amd64_linux (README.md, Builds): it checks the address-space limit
// (ulimit -v, RLIMIT_AS) before the Go runtime starts, as the cgo build's C constructor does
// (limit_cgo.go), and exits 2 with a message when the limit cannot hold the runtime's
// reservations (about 1.2 GB, reserved at start: page summaries, the scavenger's index, the
// arena map, a first arena); otherwise it jumps to the runtime's own entry with the stack as the
// kernel left it. Without the check the runtime dies in its first allocation ("fatal error: out
// of memory", "failed to reserve page summary memory") before any of hmcc's code runs.
// Limits from 1300 MiB up are judged exactly by hmcclib.CheckAddressSpace in main, once the
// runtime's reservations are mapped.
TEXT hmcc_rt0_amd64_linux(SB),NOSPLIT|NOFRAME,$0
	SUBQ	$16, SP
	MOVQ	$302, AX	// prlimit64(0, RLIMIT_AS, NULL, SP)
	MOVQ	$0, DI
	MOVQ	$9, SI
	MOVQ	$0, DX
	MOVQ	SP, R10
	SYSCALL
	MOVQ	0(SP), BX	// rlim_cur (RLIM_INFINITY is all ones: never below)
	ADDQ	$16, SP
	CMPQ	AX, $0
	JNE	start	// no limit read: leave it to the runtime
	MOVQ	$(1300<<20), CX
	CMPQ	BX, CX
	JAE	start
	MOVQ	$1, AX	// write(2, limitmsg, len)
	MOVQ	$2, DI
	LEAQ	limitmsg<>(SB), SI
	MOVQ	$426, DX
	SYSCALL
	MOVQ	$231, AX	// exit_group(2)
	MOVQ	$2, DI
	SYSCALL
start:
	JMP	_rt0_amd64_linux(SB)

// The message, 426 bytes (NUL padding to a multiple of 8 is not written).
DATA	limitmsg<>+0(SB)/8, $"hmcc: th"
DATA	limitmsg<>+8(SB)/8, $"e addres"
DATA	limitmsg<>+16(SB)/8, $"s-space "
DATA	limitmsg<>+24(SB)/8, $"limit (u"
DATA	limitmsg<>+32(SB)/8, $"limit -v"
DATA	limitmsg<>+40(SB)/8, $") is bel"
DATA	limitmsg<>+48(SB)/8, $"ow the 1"
DATA	limitmsg<>+56(SB)/8, $"300 MiB "
DATA	limitmsg<>+64(SB)/8, $"of addre"
DATA	limitmsg<>+72(SB)/8, $"ss space"
DATA	limitmsg<>+80(SB)/8, $" hmcc ne"
DATA	limitmsg<>+88(SB)/8, $"eds at l"
DATA	limitmsg<>+96(SB)/8, $"east: th"
DATA	limitmsg<>+104(SB)/8, $"e Go run"
DATA	limitmsg<>+112(SB)/8, $"time alo"
DATA	limitmsg<>+120(SB)/8, $"ne reser"
DATA	limitmsg<>+128(SB)/8, $"ves abou"
DATA	limitmsg<>+136(SB)/8, $"t 1184 M"
DATA	limitmsg<>+144(SB)/8, $"iB at st"
DATA	limitmsg<>+152(SB)/8, $"art (res"
DATA	limitmsg<>+160(SB)/8, $"erved, n"
DATA	limitmsg<>+168(SB)/8, $"ot used:"
DATA	limitmsg<>+176(SB)/8, $" a small"
DATA	limitmsg<>+184(SB)/8, $" model's"
DATA	limitmsg<>+192(SB)/8, $" run is "
DATA	limitmsg<>+200(SB)/8, $"about 50"
DATA	limitmsg<>+208(SB)/8, $" MiB res"
DATA	limitmsg<>+216(SB)/8, $"ident)\n "
DATA	limitmsg<>+224(SB)/8, $" hint: r"
DATA	limitmsg<>+232(SB)/8, $"aise the"
DATA	limitmsg<>+240(SB)/8, $" limit ("
DATA	limitmsg<>+248(SB)/8, $"ulimit -"
DATA	limitmsg<>+256(SB)/8, $"v 150000"
DATA	limitmsg<>+264(SB)/8, $"0) or li"
DATA	limitmsg<>+272(SB)/8, $"ft it (u"
DATA	limitmsg<>+280(SB)/8, $"limit -v"
DATA	limitmsg<>+288(SB)/8, $" unlimit"
DATA	limitmsg<>+296(SB)/8, $"ed); to "
DATA	limitmsg<>+304(SB)/8, $"cap memo"
DATA	limitmsg<>+312(SB)/8, $"ry, cap "
DATA	limitmsg<>+320(SB)/8, $"resident"
DATA	limitmsg<>+328(SB)/8, $" memory "
DATA	limitmsg<>+336(SB)/8, $"instead "
DATA	limitmsg<>+344(SB)/8, $"(a cgrou"
DATA	limitmsg<>+352(SB)/8, $"p's memo"
DATA	limitmsg<>+360(SB)/8, $"ry.max, "
DATA	limitmsg<>+368(SB)/8, $"e.g. sys"
DATA	limitmsg<>+376(SB)/8, $"temd-run"
DATA	limitmsg<>+384(SB)/8, $" --user "
DATA	limitmsg<>+392(SB)/8, $"--scope "
DATA	limitmsg<>+400(SB)/8, $"-p Memor"
DATA	limitmsg<>+408(SB)/8, $"yMax=1G "
DATA	limitmsg<>+416(SB)/8, $"hmcc ..."
DATA	limitmsg<>+424(SB)/8, $")\n\x00\x00\x00\x00\x00\x00"
GLOBL	limitmsg<>(SB), RODATA, $432
