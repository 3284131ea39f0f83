package main

// pipeline: messages handed down a line of stages, the Go peer of the lab's `pipeline`
// workload. Each stage is a goroutine that reads every payload byte of each message and
// passes the same message on over a bounded channel; the last stage drops it. The channels
// close from the first stage down. Nothing is shared by two stages at once and nothing is
// cyclic.

import (
	"errors"
	"fmt"
	"sync"
)

// pipelineParams are the Rust `Pipeline` parameters, with the same defaults, and the seed
// (which the pipeline never draws from; it is recorded as the Rust run records it).
type pipelineParams struct {
	Stages       int
	Messages     uint32
	PayloadBytes uint32
	Capacity     int
	Seed         uint64
}

func defaultPipeline() pipelineParams {
	return pipelineParams{Stages: 8, Messages: 30000, PayloadBytes: 64, Capacity: 64, Seed: 1}
}

func (p pipelineParams) validate() error {
	if p.Stages < 1 || p.Stages > 100000 {
		return fmt.Errorf("pipeline:%d has %d nodes; expected 1 to 100000", p.Stages, p.Stages)
	}
	if p.Capacity < 1 {
		return errors.New("the channel capacity must be at least 1")
	}
	return nil
}

func (p pipelineParams) params() map[string]any {
	return map[string]any{
		"topology":      fmt.Sprintf("pipeline:%d", p.Stages),
		"stages":        p.Stages,
		"messages":      p.Messages,
		"payload_bytes": p.PayloadBytes,
		"capacity":      p.Capacity,
		"seed":          p.Seed,
	}
}

type flowMessage struct {
	seq     uint64
	payload []byte
	tag     *tag
}

// pipelineCounts are the pipeline figures beyond the Rust Stats fields.
type pipelineCounts struct {
	MessagesSent      uint64   `json:"messages_sent"`
	MessagesCompleted uint64   `json:"messages_completed"`
	HandledPerStage   []uint64 `json:"handled_per_stage"`
}

func runPipeline(p pipelineParams, tr *tracker) (Stats, any) {
	chans := make([]chan *flowMessage, p.Stages)
	for i := range chans {
		chans[i] = make(chan *flowMessage, p.Capacity)
	}
	handled := make([]uint64, p.Stages)
	dropped := make([]uint64, p.Stages)
	failed := make([]bool, p.Stages)
	var wg sync.WaitGroup
	for i := range chans {
		var out chan<- *flowMessage
		if i+1 < len(chans) {
			out = chans[i+1]
		}
		wg.Add(1)
		go func(i int, in <-chan *flowMessage, out chan<- *flowMessage) {
			defer wg.Done()
			if out != nil {
				defer close(out)
			}
			defer func() {
				// A stage that failed refuses what is still coming, so the line ends.
				if recover() != nil {
					failed[i] = true
					for range in {
						dropped[i]++
					}
				}
			}()
			stage(in, out, &handled[i])
		}(i, chans[i], out)
	}
	for seq := uint64(0); seq < uint64(p.Messages); seq++ {
		chans[0] <- &flowMessage{
			seq:     seq,
			payload: payload(seq, p.PayloadBytes),
			tag:     tr.newTag(kindMessage),
		}
	}
	close(chans[0])
	wg.Wait()

	stats := Stats{Objects: uint64(p.Messages)}
	for i := range handled {
		stats.Operations += handled[i]
		stats.Dropped += dropped[i]
		stats.FailedTasks += b2u(failed[i])
	}
	counts := pipelineCounts{
		MessagesSent:      uint64(p.Messages),
		MessagesCompleted: handled[len(handled)-1],
		HandledPerStage:   handled,
	}
	return stats, counts
}

// stage handles each message, then passes it on (the last stage has no out).
func stage(in <-chan *flowMessage, out chan<- *flowMessage, handled *uint64) {
	var sum uint64
	for m := range in {
		*handled++
		sum += work(m)
		if out != nil {
			out <- m
		}
	}
	keep(sum)
}

// work reads every payload byte, as the Rust node does.
func work(m *flowMessage) uint64 {
	sum := m.seq
	for _, b := range m.payload {
		sum = sum*31 + uint64(b)
	}
	return sum
}

// payload is the Rust flow::payload: bytes derived from a sequence number.
func payload(seq uint64, n uint32) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(uint32(seq) + uint32(i))
	}
	return b
}
