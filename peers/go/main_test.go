package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"runtime/metrics"
	"strings"
	"testing"
)

// result is the part of the output the tests read.
type result struct {
	Workload string         `json:"workload"`
	Params   map[string]any `json:"params"`
	Stats    Stats          `json:"stats"`
	Counts   struct {
		chatCounts
		pipelineCounts
	} `json:"counts"`
	ThroughputPass     string            `json:"throughput_pass"`
	Ops                uint64            `json:"ops"`
	ElapsedNs          int64             `json:"elapsed_ns"`
	Throughput         float64           `json:"throughput_ops_per_s"`
	HeapLivePeak       uint64            `json:"heap_live_peak_bytes"`
	HeapSamples        uint64            `json:"heap_samples"`
	GCPauseCount       uint64            `json:"gc_pause_count"`
	GCPauseP50         uint64            `json:"gc_pause_p50_ns"`
	GCPauseP99         uint64            `json:"gc_pause_p99_ns"`
	GCPauseMax         uint64            `json:"gc_pause_max_ns"`
	ObjectsTracked     uint64            `json:"objects_tracked"`
	ObjectsLeftAfterGC uint64            `json:"objects_left_after_gc"`
	ObjectsLeftByKind  map[string]uint64 `json:"objects_left_by_kind"`
	MetricNames        map[string]string `json:"metric_names"`
	GoVersion          string            `json:"go_version"`
	GOMAXPROCS         int               `json:"gomaxprocs"`
	GOGC               string            `json:"gogc"`
	NumCPU             int               `json:"num_cpu"`
}

func runJSON(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("%v: exit %d, stderr %q", args, code, stderr.String())
	}
	if stderr.Len() != 0 {
		t.Fatalf("%v: stderr %q", args, stderr.String())
	}
	if n := strings.Count(strings.TrimSpace(stdout.String()), "\n"); n != 0 {
		t.Fatalf("%v: %d lines on stdout, want one JSON object", args, n+1)
	}
	var r result
	dec := json.NewDecoder(&stdout)
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("%v: output does not parse: %v", args, err)
	}
	return r
}

// The Rust Chat::small() size.
var smallChat = []string{"-workload", "chat", "-sessions", "300", "-concurrent", "60",
	"-rooms", "8", "-messages-per-session", "4", "-room-churn-every", "20"}

func checkCommon(t *testing.T, r result) {
	t.Helper()
	if r.Stats.FailedTasks != 0 {
		t.Errorf("failed_tasks = %d", r.Stats.FailedTasks)
	}
	if r.ObjectsLeftAfterGC != 0 {
		t.Errorf("objects_left_after_gc = %d (%v), want 0", r.ObjectsLeftAfterGC, r.ObjectsLeftByKind)
	}
	if r.ObjectsTracked != r.Stats.Objects {
		t.Errorf("objects_tracked = %d, stats.objects = %d", r.ObjectsTracked, r.Stats.Objects)
	}
	if r.ElapsedNs <= 0 || (r.Ops > 0) != (r.Throughput > 0) || r.ThroughputPass != "untracked" {
		t.Errorf("ops %d, elapsed_ns %d, throughput %v, pass %q", r.Ops, r.ElapsedNs, r.Throughput, r.ThroughputPass)
	}
	if r.HeapLivePeak == 0 || r.HeapSamples < 2 {
		t.Errorf("heap peak %d from %d samples", r.HeapLivePeak, r.HeapSamples)
	}
	if r.GCPauseCount > 0 && !(r.GCPauseP50 <= r.GCPauseP99 && r.GCPauseP99 <= r.GCPauseMax) {
		t.Errorf("pauses p50 %d p99 %d max %d", r.GCPauseP50, r.GCPauseP99, r.GCPauseMax)
	}
	if r.MetricNames["heap_live"] != metricHeapObjects || r.GoVersion == "" || r.GOMAXPROCS < 1 ||
		r.GOGC == "" || r.NumCPU < 1 {
		t.Errorf("environment: %v %q %d %q %d", r.MetricNames, r.GoVersion, r.GOMAXPROCS, r.GOGC, r.NumCPU)
	}
}

func TestChat(t *testing.T) {
	cases := []struct {
		args                 []string
		joined, disconnected uint64 // as the Rust generator draws them for these parameters
	}{
		{smallChat, 300, 162},
		{append(smallChat[:len(smallChat):len(smallChat)], "-seed", "7"), 300, 132},
		{append(smallChat[:len(smallChat):len(smallChat)], "-rooms", "5", "-rooms-per-session", "3",
			"-messages-per-session", "3", "-disconnect-percent", "30"), 300, 96},
		{append(smallChat[:len(smallChat):len(smallChat)], "-rooms-per-session", "0", "-seed", "3"), 0, 0},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args[2:], " "), func(t *testing.T) {
			r := runJSON(t, c.args...)
			checkCommon(t, r)
			n := r.Counts.chatCounts
			if r.Workload != "chat" || r.Params["sessions"] != 300.0 || n.Sessions != 300 {
				t.Fatalf("workload %q params %v", r.Workload, r.Params)
			}
			if (r.Ops > 0) != (c.joined > 0) {
				t.Errorf("ops %d with %d sessions in rooms", r.Ops, c.joined)
			}
			if n.SessionsJoined != n.SessionsLeft+n.SessionsDisconnected {
				t.Errorf("joined %d != left %d + disconnected %d", n.SessionsJoined, n.SessionsLeft, n.SessionsDisconnected)
			}
			if n.SessionsJoined != c.joined || n.SessionsDisconnected != c.disconnected {
				t.Errorf("joined %d disconnected %d, the seed gives %d and %d",
					n.SessionsJoined, n.SessionsDisconnected, c.joined, c.disconnected)
			}
			if n.SessionsJoinedExpected != c.joined || n.SessionsDisconnectedExpected != c.disconnected {
				t.Errorf("expected figures %d/%d, want %d/%d", n.SessionsJoinedExpected,
					n.SessionsDisconnectedExpected, c.joined, c.disconnected)
			}
			if n.MessagesDelivered != r.Stats.Operations {
				t.Errorf("delivered %d but read %d", n.MessagesDelivered, r.Stats.Operations)
			}
			rooms := uint64(r.Params["rooms"].(float64)) + 300/20
			if n.RoomsOpened != rooms || n.RoomsClosed != rooms {
				t.Errorf("rooms opened %d closed %d, want %d", n.RoomsOpened, n.RoomsClosed, rooms)
			}
			if r.Stats.Objects != rooms+300+n.MessagesPosted {
				t.Errorf("objects %d != rooms %d + sessions 300 + messages %d", r.Stats.Objects, rooms, n.MessagesPosted)
			}
			// The disconnected sessions, and each room one of them was in.
			if r.Stats.LeftOnCycles < n.SessionsDisconnected ||
				r.Stats.LeftOnCycles > n.SessionsDisconnected+rooms ||
				(n.SessionsDisconnected > 0) != (r.Stats.LeftOnCycles > n.SessionsDisconnected) {
				t.Errorf("left_on_cycles %d with %d disconnected and %d rooms", r.Stats.LeftOnCycles, n.SessionsDisconnected, rooms)
			}
		})
	}
}

func TestPipeline(t *testing.T) {
	// The Rust Pipeline::small() size.
	r := runJSON(t, "-workload", "pipeline", "-stages", "4", "-messages", "500")
	checkCommon(t, r)
	if r.Workload != "pipeline" || r.Params["topology"] != "pipeline:4" {
		t.Fatalf("workload %q params %v", r.Workload, r.Params)
	}
	want := Stats{Operations: 4 * 500, Objects: 500}
	if r.Stats != want {
		t.Errorf("stats %+v, want %+v", r.Stats, want)
	}
	if r.Ops != 4*500 || r.Counts.MessagesSent != 500 || r.Counts.MessagesCompleted != 500 {
		t.Errorf("ops %d counts %+v", r.Ops, r.Counts.pipelineCounts)
	}
}

func TestTrackedOnly(t *testing.T) {
	r := runJSON(t, "-workload", "pipeline", "-stages", "2", "-messages", "50", "-untracked-pass=false")
	if r.ThroughputPass != "tracked" || r.Ops != 100 || r.ObjectsLeftAfterGC != 0 || r.ObjectsTracked != 50 {
		t.Errorf("pass %q ops %d left %d tracked %d", r.ThroughputPass, r.Ops, r.ObjectsLeftAfterGC, r.ObjectsTracked)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-workload", "mesh"},
		{"-workload", "chat", "-sessions", "-1"},
		{"-workload", "chat", "-sessions", "many"},
		{"-workload", "chat", "-no-such-flag"},
		{"-workload", "chat", "-disconnect-percent", "101"},
		{"-workload", "chat", "-rooms", "0"},
		{"-workload", "chat", "-inbox", "0"},
		{"-workload", "chat", "-concurrent", "0"},
		{"-workload", "chat", "-variant", "weak"},
		{"-workload", "chat", "-stages", "3"},
		{"-workload", "pipeline", "-sessions", "3"},
		{"-workload", "pipeline", "-stages", "0"},
		{"-workload", "pipeline", "-capacity", "0"},
		{"-workload", "pipeline", "-capacity", "99999999999"},
		{"-workload", "chat", "-sessions", "99999999999"},
		{"-workload", "chat", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		msg := stderr.String()
		if code != 2 || stdout.Len() != 0 || strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, prog+": ") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line", args, code, stdout.String(), msg)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-h"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "-rooms-per-session") {
		t.Errorf("-h: exit %d, stdout %q", code, stdout.String())
	}
}

// Vectors from the Rust side: Ctx::rng(stream) with the run's seed, then rng.usize(..32) four
// times, rng.usize(..3) three times, rng.u32(..100) three times and rng.u64(..).
func TestGeneratorMatchesRust(t *testing.T) {
	vectors := []struct {
		seed, stream uint64
		by32, by3    []uint64
		by100        []uint32
		full         uint64
	}{
		{1, 0, []uint64{4, 27, 5, 29}, []uint64{2, 1, 2}, []uint32{71, 59, 68}, 8887477171539853777},
		{1, 1, []uint64{17, 8, 23, 20}, []uint64{0, 2, 0}, []uint32{82, 61, 29}, 5884623661599748378},
		{1, 1999, []uint64{12, 16, 20, 22}, []uint64{0, 2, 0}, []uint32{32, 70, 62}, 16776276219745635702},
		{42, 7, []uint64{27, 2, 19, 30}, []uint64{0, 1, 1}, []uint32{4, 69, 72}, 7607816284394544760},
		{0, 0, []uint64{19, 0, 3, 9}, []uint64{0, 0, 1}, []uint32{59, 46, 6}, 6505242823522395373},
		{math.MaxUint64, 12345, []uint64{12, 10, 19, 10}, []uint64{2, 2, 0}, []uint32{4, 90, 88}, 11287908037642353463},
	}
	for _, v := range vectors {
		r := streamRNG(v.seed, v.stream)
		var got []string
		for range v.by32 {
			got = append(got, fmt.Sprint(r.index(32)))
		}
		for range v.by3 {
			got = append(got, fmt.Sprint(r.index(3)))
		}
		for range v.by100 {
			got = append(got, fmt.Sprint(r.below(100)))
		}
		got = append(got, fmt.Sprint(r.u64()))
		want := strings.NewReplacer("[", "", "]", "").Replace(fmt.Sprint(v.by32, v.by3, v.by100, v.full))
		if g := strings.Join(got, " "); g != want {
			t.Errorf("seed %d stream %d: got %s, want %s", v.seed, v.stream, g, want)
		}
	}
	// At the Rust defaults (seed 1), 1042 of the 2000 sessions disconnect.
	if j, d := chatExpected(defaultChat()); j != 2000 || d != 1042 {
		t.Errorf("defaults: joined %d disconnected %d, want 2000 and 1042", j, d)
	}
}

func TestPauseQuantiles(t *testing.T) {
	inf := math.Inf(1)
	before := &metrics.Float64Histogram{Counts: []uint64{0, 1, 0, 0}, Buckets: []float64{math.Inf(-1), 1e-6, 1e-5, 1e-4, inf}}
	after := &metrics.Float64Histogram{Counts: []uint64{0, 91, 9, 0}, Buckets: before.Buckets}
	f := pausesBetween(before, after)
	if f != (pauseFigures{Count: 99, P50: 10000, P99: 100000, Max: 100000}) {
		t.Errorf("%+v", f)
	}
	after.Counts[3] = 1
	if f := pausesBetween(before, after); f.Max != 100000 || f.Count != 100 {
		t.Errorf("the unbounded bucket: %+v", f)
	}
	if f := pausesBetween(nil, nil); f != (pauseFigures{}) {
		t.Errorf("no histogram: %+v", f)
	}
}
