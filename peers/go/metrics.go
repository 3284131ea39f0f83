package main

import (
	"math"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// The runtime/metrics names this program reads. Go 1.19 has no /gc/heap/live:bytes (it came
// in 1.21); the nearest is the bytes of heap objects, live and not yet swept dead ones.
const (
	metricHeapObjects  = "/memory/classes/heap/objects:bytes"
	metricGCPauses     = "/gc/pauses:seconds"
	metricGCCycles     = "/gc/cycles/total:gc-cycles"
	metricAllocBytes   = "/gc/heap/allocs:bytes"
	metricAllocObjects = "/gc/heap/allocs:objects"
)

// metricNames is what the output's metric_names field says, by the figure it feeds.
func metricNames() map[string]string {
	return map[string]string{
		"heap_live":              metricHeapObjects,
		"gc_pauses":              metricGCPauses,
		"gc_cycles":              metricGCCycles,
		"heap_allocated_bytes":   metricAllocBytes,
		"heap_allocated_objects": metricAllocObjects,
	}
}

// snapshot is one reading of the cumulative metrics, taken before and after a pass.
type snapshot struct {
	heapObjects  uint64
	gcCycles     uint64
	allocBytes   uint64
	allocObjects uint64
	pauses       *metrics.Float64Histogram
}

func readSnapshot() snapshot {
	samples := []metrics.Sample{
		{Name: metricHeapObjects},
		{Name: metricGCCycles},
		{Name: metricAllocBytes},
		{Name: metricAllocObjects},
		{Name: metricGCPauses},
	}
	metrics.Read(samples)
	var s snapshot
	s.heapObjects = uint64Of(samples[0].Value)
	s.gcCycles = uint64Of(samples[1].Value)
	s.allocBytes = uint64Of(samples[2].Value)
	s.allocObjects = uint64Of(samples[3].Value)
	if samples[4].Value.Kind() == metrics.KindFloat64Histogram {
		s.pauses = samples[4].Value.Float64Histogram()
	}
	return s
}

// uint64Of reads a counter, or 0 when this Go does not have the metric.
func uint64Of(v metrics.Value) uint64 {
	if v.Kind() == metrics.KindUint64 {
		return v.Uint64()
	}
	return 0
}

// heapNow is the live-heap figure right now.
func heapNow() uint64 {
	s := []metrics.Sample{{Name: metricHeapObjects}}
	metrics.Read(s)
	return uint64Of(s[0].Value)
}

// sampler reads the live-heap figure every interval, for its peak. runtime/metrics reads do
// not stop the world (runtime.ReadMemStats does).
type sampler struct {
	stop    chan struct{}
	done    chan struct{}
	peak    uint64
	samples uint64
}

func startSampler(interval time.Duration) *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{})}
	read := []metrics.Sample{{Name: metricHeapObjects}}
	take := func() {
		metrics.Read(read)
		if v := uint64Of(read[0].Value); v > s.peak {
			s.peak = v
		}
		s.samples++
	}
	take()
	go func() {
		defer close(s.done)
		ticker := time.NewTicker(interval)
		defer ticker.Stop()
		for {
			select {
			case <-ticker.C:
				take()
			case <-s.stop:
				take()
				return
			}
		}
	}()
	return s
}

// finish stops the sampler; it returns the peak and the number of samples.
func (s *sampler) finish() (peak, samples uint64) {
	close(s.stop)
	<-s.done
	return s.peak, s.samples
}

// pauseFigures summarizes the pauses between two readings of /gc/pauses:seconds.
type pauseFigures struct {
	Count uint64 `json:"gc_pause_count"`
	P50   uint64 `json:"gc_pause_p50_ns"`
	P99   uint64 `json:"gc_pause_p99_ns"`
	Max   uint64 `json:"gc_pause_max_ns"`
}

// pausesBetween takes the difference of two cumulative histograms and reads its quantiles.
// Each figure is the upper bound of the bucket the quantile falls in (the lower bound for
// the last, unbounded bucket): the histogram keeps no finer value.
func pausesBetween(before, after *metrics.Float64Histogram) pauseFigures {
	var f pauseFigures
	if after == nil {
		return f
	}
	counts := make([]uint64, len(after.Counts))
	for i, c := range after.Counts {
		counts[i] = c
		if before != nil && len(before.Counts) == len(after.Counts) {
			counts[i] -= before.Counts[i]
		}
		f.Count += counts[i]
	}
	if f.Count == 0 {
		return f
	}
	bound := func(i int) uint64 {
		hi, lo := after.Buckets[i+1], after.Buckets[i]
		v := hi
		if math.IsInf(hi, 0) {
			v = lo
		}
		if math.IsInf(v, 0) || v < 0 {
			return 0
		}
		return uint64(math.Round(v * 1e9))
	}
	quantile := func(q float64) uint64 {
		target := uint64(math.Ceil(q * float64(f.Count)))
		if target == 0 {
			target = 1
		}
		var seen uint64
		for i, c := range counts {
			seen += c
			if seen >= target {
				return bound(i)
			}
		}
		return 0
	}
	f.P50 = quantile(0.50)
	f.P99 = quantile(0.99)
	for i := len(counts) - 1; i >= 0; i-- {
		if counts[i] > 0 {
			f.Max = bound(i)
			break
		}
	}
	return f
}

// The kinds of object the tracked pass counts.
const (
	kindSession = iota
	kindRoom
	kindMessage
	kinds
)

// tracker counts, for the tracked pass, the objects made and those the collector has
// reclaimed. A cycle that includes an object with a finalizer is not guaranteed to be
// collected, so a finalizer on a session or room could keep its cycle alive: each tracked
// object instead holds a tag, a separate object with no pointer back, and the tag's finalizer
// counts the object's reclaim. The tag is reachable only through its object, so it becomes
// unreachable with it.
type tracker struct {
	created   [kinds]atomic.Uint64
	finalized [kinds]atomic.Uint64
}

// tag is 16 bytes and holds a pointer, so the runtime never puts it in a tiny-allocator
// block, where its finalizer could wait on its neighbours.
type tag struct {
	tr   *tracker
	kind int
}

func finalizeTag(t *tag) { t.tr.finalized[t.kind].Add(1) }

// newTag returns a tag for a new object of the kind, or nil in an untracked pass.
func (tr *tracker) newTag(kind int) *tag {
	if tr == nil {
		return nil
	}
	t := &tag{tr: tr, kind: kind}
	tr.created[kind].Add(1)
	runtime.SetFinalizer(t, finalizeTag)
	return t
}

func (tr *tracker) totals() (created, finalized uint64) {
	for k := 0; k < kinds; k++ {
		created += tr.created[k].Load()
		finalized += tr.finalized[k].Load()
	}
	return created, finalized
}

// leftByKind is what is still alive, by kind.
func (tr *tracker) leftByKind() map[string]uint64 {
	names := [kinds]string{"session", "room", "message"}
	out := map[string]uint64{}
	for k := 0; k < kinds; k++ {
		if c := tr.created[k].Load(); c > 0 {
			out[names[k]] = c - tr.finalized[k].Load()
		}
	}
	return out
}

// settle collects until every tracked object is finalized or the count stops moving: at
// least two collections, each followed by a wait for the finalizer goroutine to go quiet.
// It returns the collections it ran.
func (tr *tracker) settle() int {
	const maxRounds = 20
	var last uint64
	stalled := 0
	rounds := 0
	for rounds < maxRounds {
		runtime.GC()
		rounds++
		waitFinalizers(tr)
		created, finalized := tr.totals()
		if rounds >= 2 && finalized == created {
			break
		}
		if finalized == last {
			stalled++
			if rounds >= 2 && stalled >= 3 {
				break
			}
		} else {
			stalled = 0
		}
		last = finalized
	}
	return rounds
}

// waitFinalizers waits, at most 200 ms, until the finalized count holds still for 2 ms.
func waitFinalizers(tr *tracker) {
	deadline := time.Now().Add(200 * time.Millisecond)
	_, prev := tr.totals()
	for time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
		_, now := tr.totals()
		if now == prev {
			return
		}
		prev = now
	}
}

// sinkMu guards sink, where goroutines leave what they computed so the work is not dead.
var (
	sinkMu sync.Mutex
	sink   uint64
)

func keep(v uint64) {
	sinkMu.Lock()
	sink += v
	sinkMu.Unlock()
}
