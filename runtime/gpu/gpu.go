//go:build hmcc_cuda

package gpu

import (
	"fmt"
	"math"
	goruntime "runtime"
	"unsafe"

	"github.com/hmcc-dev/hmcc/compiler/cudagen"
	"github.com/hmcc-dev/hmcc/ir"
	"gonum.org/v1/gonum/blas"
	"gorgonia.org/cu"
	cublas "gorgonia.org/cu/blas"
	"gorgonia.org/cu/nvrtc"
)

// Target evaluates a model's log density and gradient for a batch of chains on the GPU. It
// implements runtime.Target. θ and the gradient cross the bus once per evaluation; everything
// else (data, intermediate values, products) stays on the device.
//
// CUDA contexts are bound to OS threads, and Go moves goroutines between threads, so every CUDA
// call runs on one goroutine locked to its thread (Target.do); the methods may be called from any
// goroutine, one at a time.
type Target struct {
	prog        *cudagen.Program
	chains, dim int
	elem        int // bytes per element of the program's precision

	work chan func()
	done chan struct{}

	ctx   cu.CUContext
	mod   cu.Module
	fns   map[string]cu.Function
	bufs  []cu.DevicePtr
	sizes []int64
	table cu.DevicePtr // device array of the buffer addresses: the kernels' B argument
	blas  *cublas.Standard
	block int // threads per block, over chains
	chunk int // slots of the ring of recorded iterations

	// host staging, reused between calls
	theta []float64
	grad  []float64
	lp    []float64
	mom   []float64 // a transition's momenta, dim×chains
	stage pinned    // page-locked: every copy to and from the device goes through it (pinned.go)
	// the ring's slots streamed back (stream.go): the order, and the copies on the device
	slots  *cudagen.SlotStream
	copies slotCopies
	slot   Recorded // one slot of the ring at a time (FlushSlots)
}

// Options configure a Target.
type Options struct {
	Precision cudagen.Precision
	Device    int // CUDA device ordinal
	// DrawChunk is how many iterations TransitionRecord keeps on the device before Flush
	// downloads them (at least 1): draws come back in chunks and never fill the device.
	DrawChunk int
}

// New generates the model's kernels, compiles them for the device, and allocates and uploads
// every buffer for the given number of chains.
func New(m *ir.Model, chains int, opt Options) (*Target, error) {
	prog, err := cudagen.Generate(m, opt.Precision)
	if err != nil {
		return nil, err
	}
	t := &Target{prog: prog, chains: chains, dim: prog.Dim, elem: 8, work: make(chan func()), done: make(chan struct{}),
		fns: map[string]cu.Function{}}
	if opt.Precision == cudagen.Float32 {
		t.elem = 4
	}
	t.block = blockSize(chains)
	t.chunk = max(1, opt.DrawChunk)
	prog.SetDrawChunk(t.chunk)
	started := make(chan error)
	go t.loop(opt.Device, started)
	if err := <-started; err != nil {
		return nil, err
	}
	if err := t.do(t.setup); err != nil {
		t.Close()
		return nil, err
	}
	t.slots = cudagen.NewSlotStream(deviceCopier{t}, t.chunk)
	t.theta = make([]float64, chains*prog.Dim)
	t.grad = make([]float64, chains*prog.Dim)
	t.lp = make([]float64, chains)
	return t, nil
}

// loop owns the CUDA context: it creates it on a locked OS thread and runs submitted work there.
func (t *Target) loop(device int, started chan<- error) {
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	dev, err := cu.GetDevice(device)
	if err == nil {
		t.ctx, err = dev.MakeContext(cu.SchedAuto)
	}
	if err == nil {
		err = cu.SetCurrentContext(t.ctx)
	}
	if err != nil {
		started <- fmt.Errorf("gpu: cannot open CUDA device %d: %w", device, err)
		return
	}
	started <- nil
	for f := range t.work {
		f()
	}
	t.release()
	close(t.done)
}

// do runs f on the context's thread and returns its error.
func (t *Target) do(f func() error) error {
	var err error
	finished := make(chan struct{})
	t.work <- func() {
		defer close(finished)
		err = f()
	}
	<-finished
	return err
}

// setup compiles the source and allocates the buffers; it runs on the context's thread.
func (t *Target) setup() error {
	dev, err := cu.CurrentDevice()
	if err != nil {
		return err
	}
	major, err := dev.Attribute(cu.ComputeCapabilityMajor)
	if err != nil {
		return err
	}
	minor, err := dev.Attribute(cu.ComputeCapabilityMinor)
	if err != nil {
		return err
	}
	arch := fmt.Sprintf("--gpu-architecture=compute_%d%d", major, minor)
	vmaj, vmin, err := nvrtc.Version()
	if err != nil {
		return fmt.Errorf("gpu: nvrtc: %w", err)
	}
	key := ptxKey(t.prog.Source, fmt.Sprintf("%d.%d", vmaj, vmin), []string{arch})
	ptx, _, err := cachedPTX(ptxCacheDir(), key, func() (string, error) { return compile(t.prog.Source, arch) })
	if err != nil {
		return err
	}
	if t.mod, err = cu.LoadData(ptx); err != nil {
		return fmt.Errorf("gpu: loading the compiled kernels: %w", err)
	}
	for _, name := range t.prog.Kernels {
		fn, err := t.mod.Function(name)
		if err != nil {
			return fmt.Errorf("gpu: kernel %s: %w", name, err)
		}
		t.fns[name] = fn
	}
	addrs := make([]uint64, len(t.prog.Buffers))
	for _, b := range t.prog.Buffers {
		size := int64(b.Len(t.chains)) * int64(t.elem)
		if b.Double {
			size = int64(b.Len(t.chains)) * 8
		}
		ptr, err := cu.MemAlloc(max(size, 8))
		if err != nil {
			return fmt.Errorf("gpu: allocating %s (%d bytes): %w", b.Name, size, err)
		}
		addrs[len(t.bufs)] = uint64(ptr)
		t.bufs = append(t.bufs, ptr)
		t.sizes = append(t.sizes, size)
		if !b.PerChain {
			if err := t.upload(len(t.bufs)-1, b.Data); err != nil {
				return err
			}
		}
	}
	if t.table, err = cu.MemAlloc(int64(8 * len(addrs))); err != nil {
		return err
	}
	if err := cu.MemcpyHtoD(t.table, unsafe.Pointer(&addrs[0]), int64(8*len(addrs))); err != nil {
		return err
	}
	// Init instead of cublas.New, which panics when cublasCreate fails.
	t.blas = &cublas.Standard{}
	if err := t.blas.Init(); err != nil {
		t.blas = nil
		return fmt.Errorf("gpu: cuBLAS: %w", err)
	}
	return nil
}

// compile runs NVRTC and returns PTX, or the compiler's log as the error.
func compile(src, arch string) (string, error) {
	p, err := nvrtc.CreateProgram(src, "hmcc.cu")
	if err != nil {
		return "", fmt.Errorf("gpu: nvrtc: %w", err)
	}
	defer p.Destroy()
	if err := p.Compile(arch); err != nil {
		log, _ := p.GetLog()
		return "", fmt.Errorf("gpu: nvrtc could not compile the generated kernels (%v):\n%s", err, log)
	}
	return p.GetPTX()
}

// release frees everything; it runs on the context's thread as the loop ends.
func (t *Target) release() {
	if t.blas != nil {
		t.blas.Close()
	}
	t.stage.free()
	t.copies.free()
	for _, b := range t.bufs {
		cu.MemFree(b)
	}
	if t.table != 0 {
		cu.MemFree(t.table)
	}
	if t.mod != (cu.Module{}) {
		t.mod.Unload()
	}
	t.ctx.Destroy()
}

// Close releases the device memory and the context.
func (t *Target) Close() error {
	close(t.work)
	<-t.done
	return nil
}

// Chains is the batch size.
func (t *Target) Chains() int { return t.chains }

// Dim is the number of unconstrained coordinates.
func (t *Target) Dim() int { return t.dim }

// Program is the generated program the target runs, for --dump and the tests.
func (t *Target) Program() *cudagen.Program { return t.prog }

// LogDensityGrad evaluates every chain at theta (chains×dim, row-major) like the CPU executor: a
// NaN log density is reported as -Inf, which the samplers treat as a divergence.
func (t *Target) LogDensityGrad(theta, logp, grad []float64) error {
	if len(theta) != t.chains*t.dim || len(logp) != t.chains || len(grad) != t.chains*t.dim {
		return fmt.Errorf("internal error: gpu target for %d chains × %d got %d, %d, %d values", t.chains, t.dim, len(theta), len(logp), len(grad))
	}
	transpose(t.theta, theta, t.chains, t.dim)
	err := t.do(func() error {
		if err := t.upload(t.prog.Theta, t.theta); err != nil {
			return err
		}
		if err := t.prog.Eval(t); err != nil {
			return err
		}
		if err := t.download(t.prog.LogP, t.lp); err != nil {
			return err
		}
		return t.download(t.prog.Grad, t.grad)
	})
	if err != nil {
		return err
	}
	transpose(grad, t.grad, t.dim, t.chains)
	for c, v := range t.lp {
		if math.IsNaN(v) {
			v = math.Inf(-1)
		}
		logp[c] = v
	}
	return nil
}

// transpose writes the cols×rows transpose of the rows×cols matrix src into dst.
func transpose(dst, src []float64, rows, cols int) {
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			dst[c*rows+r] = src[r*cols+c]
		}
	}
}

// upload converts values to the buffer's element type in the page-locked stage and copies them
// to the device.
func (t *Target) upload(buf int, v []float64) error {
	if len(v) == 0 {
		return nil
	}
	b := t.prog.Buffers[buf]
	if b.Double || t.elem == 8 {
		if err := t.stage.grow(8 * len(v)); err != nil {
			return err
		}
		copy(t.stage.f64(len(v)), v)
		return cu.MemcpyHtoD(t.bufs[buf], t.stage.p, int64(8*len(v)))
	}
	if err := t.stage.grow(4 * len(v)); err != nil {
		return err
	}
	f := t.stage.f32(len(v))
	for i, x := range v {
		f[i] = float32(x)
	}
	return cu.MemcpyHtoD(t.bufs[buf], t.stage.p, int64(4*len(f)))
}

// download copies a buffer back through the page-locked stage, as float64.
func (t *Target) download(buf int, v []float64) error { return t.downloadAt(buf, 0, v) }

// downloadAt copies len(v) elements of a buffer from element off on, as float64.
func (t *Target) downloadAt(buf int, off int, v []float64) error {
	if len(v) == 0 {
		return nil
	}
	b := t.prog.Buffers[buf]
	size := int64(t.elem)
	if b.Double {
		size = 8
	}
	if err := t.stage.grow(int(size) * len(v)); err != nil {
		return err
	}
	src := t.bufs[buf] + cu.DevicePtr(size*int64(off))
	if err := cu.MemcpyDtoH(t.stage.p, src, size*int64(len(v))); err != nil {
		return err
	}
	if size == 8 {
		copy(v, t.stage.f64(len(v)))
		return nil
	}
	for i, x := range t.stage.f32(len(v)) {
		v[i] = float64(x)
	}
	return nil
}

// The methods below implement cudagen.Device; they run on the context's thread, inside do.

// Zero clears a buffer (all-zero bits are 0.0 in both precisions).
func (t *Target) Zero(buf int) error {
	return cu.MemsetD8(t.bufs[buf], 0, t.sizes[buf])
}

// Launch runs a kernel over n elements of every chain on the grid that grid (plan.go) computes:
// threads cover the chains (x) and the elements are split into block rows (y).
func (t *Target) Launch(kernel string, n int) error {
	fn, ok := t.fns[kernel]
	if !ok {
		return fmt.Errorf("internal error: no kernel %s", kernel)
	}
	gx, gy, chunk := grid(t.chains, t.block, n)
	// cu copies 8 bytes from each parameter address; the int arguments are 4 bytes wide, so they
	// are kept in int64s whose low half (little-endian) is what the kernel reads.
	table, chains, ck := uint64(t.table), int64(t.chains), int64(chunk)
	params := []unsafe.Pointer{unsafe.Pointer(&table), unsafe.Pointer(&chains), unsafe.Pointer(&ck)}
	if err := fn.Launch(gx, gy, 1, t.block, 1, 1, 0, cu.Stream{}, params); err != nil {
		return fmt.Errorf("gpu: launching %s: %w", kernel, err)
	}
	return nil
}

// Gemm is cudagen's Out = In · op(Mcm) with cuBLAS, column-major: m = chains.
func (t *Target) Gemm(g cudagen.Gemm) error {
	a := gemmArgs(g, t.chains) // plan.go, tested against the definition of Gemm on the CPU
	tb := blas.NoTrans
	if a.transB {
		tb = blas.Trans
	}
	if t.elem == 8 {
		t.blas.Dgemm(blas.NoTrans, tb, a.m, a.n, a.k, 1, deviceSlice[float64](t.bufs[g.In], a.aLen), a.lda,
			deviceSlice[float64](t.bufs[g.Mat], a.bLen), a.ldb, 0, deviceSlice[float64](t.bufs[g.Out], a.cLen), a.ldc)
	} else {
		t.blas.Sgemm(blas.NoTrans, tb, a.m, a.n, a.k, 1, deviceSlice[float32](t.bufs[g.In], a.aLen), a.lda,
			deviceSlice[float32](t.bufs[g.Mat], a.bLen), a.ldb, 0, deviceSlice[float32](t.bufs[g.Out], a.cLen), a.ldc)
	}
	if err := t.blas.Err(); err != nil {
		return fmt.Errorf("gpu: cuBLAS gemm: %w", err)
	}
	return nil
}

// deviceSlice views device memory as a Go slice for cu/blas, whose methods take slices and pass
// &s[0] to cuBLAS. Go never reads through it; the address is outside the Go heap, so neither
// the garbage collector nor cgo's pointer checks look at it.
func deviceSlice[T float32 | float64](p cu.DevicePtr, n int) []T {
	ptr := *(*unsafe.Pointer)(unsafe.Pointer(&p))
	return unsafe.Slice((*T)(ptr), n)
}

var _ cudagen.Device = (*Target)(nil)
