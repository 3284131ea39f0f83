// The Go peer of two of the lab's workloads, chat and pipeline: the same work,
// written as a Go programmer writes it, its memory left to Go's collector. It prints one JSON
// object: the workload's counts, named as the Rust Stats fields are, its throughput, and what
// the runtime's metrics say about the heap and the collector.
//
//	go run . -workload chat [-sessions N -concurrent N ...]
//	go run . -workload pipeline [-stages N -messages N ...]
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"time"
)

const prog = "reclaimer-go-peer"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// Stats is the Rust graph Stats, field for field, with its serde names.
type Stats struct {
	Operations   uint64  `json:"operations"`
	Objects      uint64  `json:"objects"`
	LeftOnCycles uint64  `json:"left_on_cycles"`
	Dropped      uint64  `json:"dropped"`
	FailedTasks  uint64  `json:"failed_tasks"`
	Stranded     *uint64 `json:"stranded"` // idle-worker only: always null here
}

func (s *Stats) merge(o Stats) {
	s.Operations += o.Operations
	s.Objects += o.Objects
	s.LeftOnCycles += o.LeftOnCycles
	s.Dropped += o.Dropped
	s.FailedTasks += o.FailedTasks
}

// workload is one runnable workload with its parameters.
type workload struct {
	name   string
	params map[string]any
	// run does the whole workload once; tr is nil in the untracked pass.
	run func(tr *tracker) (Stats, any)
}

type config struct {
	w             workload
	untrackedPass bool
	budget        time.Duration
	interval      time.Duration
}

// output is the one JSON object the program prints.
type output struct {
	Workload string         `json:"workload"`
	Params   map[string]any `json:"params"`
	Stats    Stats          `json:"stats"`
	Counts   any            `json:"counts"`

	ThroughputPass     string  `json:"throughput_pass"`
	Ops                uint64  `json:"ops"`
	ElapsedNs          int64   `json:"elapsed_ns"`
	ThroughputOpsPerS  float64 `json:"throughput_ops_per_s"`
	TrackedOps         uint64  `json:"tracked_ops"`
	TrackedElapsedNs   int64   `json:"tracked_elapsed_ns"`
	TrackedOpsPerS     float64 `json:"tracked_throughput_ops_per_s"`
	HeapLiveBefore     uint64  `json:"heap_live_before_bytes"`
	HeapLivePeak       uint64  `json:"heap_live_peak_bytes"`
	HeapLiveAfterGC    uint64  `json:"heap_live_after_gc_bytes"`
	HeapSamples        uint64  `json:"heap_samples"`
	HeapAllocatedBytes uint64  `json:"heap_allocated_bytes"`
	HeapAllocatedObjs  uint64  `json:"heap_allocated_objects"`
	GCCycles           uint64  `json:"gc_cycles"`
	pauseFigures

	ObjectsTracked     uint64            `json:"objects_tracked"`
	ObjectsLeftAfterGC uint64            `json:"objects_left_after_gc"`
	ObjectsLeftByKind  map[string]uint64 `json:"objects_left_by_kind"`
	GCRoundsAfterRun   int               `json:"gc_rounds_after_run"`

	MetricNames map[string]string `json:"metric_names"`
	GoVersion   string            `json:"go_version"`
	GOMAXPROCS  int               `json:"gomaxprocs"`
	GOGC        string            `json:"gogc"`
	GOMEMLIMIT  string            `json:"gomemlimit"`
	NumCPU      int               `json:"num_cpu"`
	Target      string            `json:"target"`
}

// pass is what one timed run of the workload measured.
type pass struct {
	stats       Stats
	counts      any
	elapsed     time.Duration
	heapBefore  uint64
	heapPeak    uint64
	heapAfterGC uint64
	samples     uint64
	allocBytes  uint64
	allocObjs   uint64
	cycles      uint64
	pauses      pauseFigures
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseArgs(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 2
	}
	// As the Rust runner does: an untracked pass for the throughput (and here the heap and
	// collector figures), then the tracked pass, whose counts the result reports and whose
	// objects are counted back by the collector.
	var timed pass
	if cfg.untrackedPass {
		if timed, err = measure(cfg, nil); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", prog, err)
			return 1
		}
		runtime.GC()
		runtime.GC()
		timed.heapAfterGC = heapNow()
	}
	tr := &tracker{}
	tracked, err := measure(cfg, tr)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1
	}
	rounds := tr.settle()
	tracked.heapAfterGC = heapNow()
	passName := "untracked"
	if !cfg.untrackedPass {
		timed, passName = tracked, "tracked"
	}
	created, finalized := tr.totals()

	params := map[string]any{}
	for k, v := range cfg.w.params {
		params[k] = v
	}
	params["untracked_pass"] = cfg.untrackedPass
	params["budget_s"] = uint64(cfg.budget / time.Second)
	params["sample_interval_us"] = uint64(cfg.interval / time.Microsecond)
	gogc := os.Getenv("GOGC")
	if gogc == "" {
		gogc = "100"
	}
	out := output{
		Workload:           cfg.w.name,
		Params:             params,
		Stats:              tracked.stats,
		Counts:             tracked.counts,
		ThroughputPass:     passName,
		Ops:                timed.stats.Operations,
		ElapsedNs:          timed.elapsed.Nanoseconds(),
		ThroughputOpsPerS:  perSecond(timed.stats.Operations, timed.elapsed),
		TrackedOps:         tracked.stats.Operations,
		TrackedElapsedNs:   tracked.elapsed.Nanoseconds(),
		TrackedOpsPerS:     perSecond(tracked.stats.Operations, tracked.elapsed),
		HeapLiveBefore:     timed.heapBefore,
		HeapLivePeak:       timed.heapPeak,
		HeapLiveAfterGC:    timed.heapAfterGC,
		HeapSamples:        timed.samples,
		HeapAllocatedBytes: timed.allocBytes,
		HeapAllocatedObjs:  timed.allocObjs,
		GCCycles:           timed.cycles,
		pauseFigures:       timed.pauses,
		ObjectsTracked:     created,
		ObjectsLeftAfterGC: created - finalized,
		ObjectsLeftByKind:  tr.leftByKind(),
		GCRoundsAfterRun:   rounds,
		MetricNames:        metricNames(),
		GoVersion:          runtime.Version(),
		GOMAXPROCS:         runtime.GOMAXPROCS(0),
		GOGC:               gogc,
		GOMEMLIMIT:         os.Getenv("GOMEMLIMIT"),
		NumCPU:             runtime.NumCPU(),
		Target:             runtime.GOOS + "/" + runtime.GOARCH,
	}
	if err := json.NewEncoder(stdout).Encode(out); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return 1
	}
	return 0
}

// measure runs the workload once, timed from its first object to its last goroutine's end,
// with the heap sampled meanwhile; past the budget it gives up.
func measure(cfg config, tr *tracker) (pass, error) {
	runtime.GC()
	before := readSnapshot()
	smp := startSampler(cfg.interval)
	type result struct {
		stats  Stats
		counts any
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		s, c := cfg.w.run(tr)
		done <- result{s, c}
	}()
	timer := time.NewTimer(cfg.budget)
	defer timer.Stop()
	var r result
	select {
	case r = <-done:
	case <-timer.C:
		smp.finish()
		return pass{}, fmt.Errorf("workload %s did not finish within its budget of %v",
			cfg.w.name, cfg.budget)
	}
	elapsed := time.Since(start)
	peak, samples := smp.finish()
	after := readSnapshot()
	return pass{
		stats:      r.stats,
		counts:     r.counts,
		elapsed:    elapsed,
		heapBefore: before.heapObjects,
		heapPeak:   peak,
		samples:    samples,
		allocBytes: after.allocBytes - before.allocBytes,
		allocObjs:  after.allocObjects - before.allocObjects,
		cycles:     after.gcCycles - before.gcCycles,
		pauses:     pausesBetween(before.pauses, after.pauses),
	}, nil
}

func perSecond(ops uint64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(ops) / d.Seconds()
}

// parseArgs reads the flags. Every error is one line; -h prints the flags on stdout.
func parseArgs(args []string, stdout io.Writer) (config, error) {
	chat, pipe := defaultChat(), defaultPipeline()
	fs := flag.NewFlagSet(prog, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	owner := map[string]string{}
	str := func(name, def, who, usage string) *string {
		owner[name] = who
		return fs.String(name, def, usage)
	}
	num := func(name string, def uint64, who, usage string) *uint64 {
		owner[name] = who
		return fs.Uint64(name, def, usage)
	}
	workloadName := str("workload", "", "", "the workload: chat or pipeline (required)")
	seed := num("seed", 1, "", "seed of every random choice")
	owner["untracked-pass"] = ""
	untracked := fs.Bool("untracked-pass", true, "time an untracked pass first and report its throughput")
	budget := num("budget-s", 60, "", "seconds one pass may take")
	interval := num("sample-interval-us", 1000, "", "microseconds between live-heap samples")

	variant := str("variant", chat.Variant, "chat", "chat variant (only shared has a Go peer)")
	sessions := num("sessions", uint64(chat.Sessions), "chat", "sessions over the run")
	concurrent := num("concurrent", uint64(chat.Concurrent), "chat", "sessions connected at once")
	rooms := num("rooms", uint64(chat.Rooms), "chat", "rooms open at once")
	rps := num("rooms-per-session", uint64(chat.RoomsPerSession), "chat", "rooms each session joins")
	mps := num("messages-per-session", uint64(chat.MessagesPerSession), "chat", "messages each session posts")
	inbox := num("inbox", uint64(chat.Inbox), "chat", "capacity of each inbox; a full inbox drops the delivery")
	disc := num("disconnect-percent", uint64(chat.DisconnectPercent), "chat", "percentage of sessions that disconnect instead of leaving")
	churn := num("room-churn-every", uint64(chat.RoomChurnEvery), "chat", "a room closes and a new one opens every this many finished sessions (0: never)")
	owner["payload-bytes"] = "both"
	payloadBytes := fs.Uint64("payload-bytes", uint64(chat.PayloadBytes), "payload bytes per message")
	stages := num("stages", uint64(pipe.Stages), "pipeline", "stages (goroutines) in the line")
	messages := num("messages", uint64(pipe.Messages), "pipeline", "messages sent down the line")
	capacity := num("capacity", uint64(pipe.Capacity), "pipeline", "capacity of each channel")

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "usage: go run . -workload chat|pipeline [flags]\n")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
		}
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q (flags only)", fs.Arg(0))
	}
	var cfg config
	switch *workloadName {
	case "chat", "pipeline":
	case "":
		return cfg, errors.New("missing -workload (chat or pipeline)")
	default:
		return cfg, fmt.Errorf("unknown workload %q (chat or pipeline)", *workloadName)
	}
	var bad error
	fs.Visit(func(f *flag.Flag) {
		if who := owner[f.Name]; bad == nil && who != "" && who != "both" && who != *workloadName {
			bad = fmt.Errorf("-%s is a %s flag, not a %s one", f.Name, who, *workloadName)
		}
	})
	if bad != nil {
		return cfg, bad
	}
	limit := func(name string, v, lo, hi uint64) {
		if bad == nil && (v < lo || v > hi) {
			bad = fmt.Errorf("-%s %d is out of range (%d to %d)", name, v, lo, hi)
		}
	}
	limit("budget-s", *budget, 1, 86400)
	limit("sample-interval-us", *interval, 10, 10_000_000)
	limit("payload-bytes", *payloadBytes, 0, 1<<24)
	if *workloadName == "chat" {
		limit("sessions", *sessions, 0, 10_000_000)
		limit("concurrent", *concurrent, 0, math.MaxUint32)
		limit("rooms", *rooms, 0, 1_000_000)
		limit("rooms-per-session", *rps, 0, 1_000_000)
		limit("messages-per-session", *mps, 0, math.MaxUint32)
		limit("inbox", *inbox, 0, 1<<20)
		limit("disconnect-percent", *disc, 0, math.MaxUint32)
		limit("room-churn-every", *churn, 0, math.MaxUint32)
	} else {
		limit("stages", *stages, 0, 100000)
		limit("messages", *messages, 0, math.MaxUint32)
		limit("capacity", *capacity, 0, 1<<20)
	}
	if bad != nil {
		return cfg, bad
	}
	cfg.untrackedPass = *untracked
	cfg.budget = time.Duration(*budget) * time.Second
	cfg.interval = time.Duration(*interval) * time.Microsecond
	if *workloadName == "chat" {
		p := chatParams{
			Variant: *variant, Sessions: uint32(*sessions), Concurrent: uint32(*concurrent),
			Rooms: uint32(*rooms), RoomsPerSession: uint32(*rps), MessagesPerSession: uint32(*mps),
			PayloadBytes: uint32(*payloadBytes), Inbox: int(*inbox),
			DisconnectPercent: uint32(*disc), RoomChurnEvery: uint32(*churn), Seed: *seed,
		}
		if err := p.validate(); err != nil {
			return cfg, err
		}
		cfg.w = workload{name: "chat", params: p.params(),
			run: func(tr *tracker) (Stats, any) { return runChat(p, tr) }}
	} else {
		p := pipelineParams{
			Stages: int(*stages), Messages: uint32(*messages), PayloadBytes: uint32(*payloadBytes),
			Capacity: int(*capacity), Seed: *seed,
		}
		if err := p.validate(); err != nil {
			return cfg, err
		}
		cfg.w = workload{name: "pipeline", params: p.params(),
			run: func(tr *tracker) (Stats, any) { return runPipeline(p, tr) }}
	}
	return cfg, nil
}
