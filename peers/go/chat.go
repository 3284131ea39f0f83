package main

// chat: a chat server whose sessions and rooms point at each other, the Go peer of the lab's
// `chat` workload (its shared variant).
//
// One goroutine per connected session; a room holds its members in a mutex-guarded map, to
// broadcast to them; a session holds its rooms, to post into them; a routing table (copied on
// write behind an atomic pointer) lists the open rooms. Sessions connect in waves of
// `concurrent`, join `rooms_per_session` rooms picked from the table, post
// `messages_per_session` messages, each broadcast to every member of the room, and read their
// inbox. Then each session either leaves (removes itself from its rooms) or disconnects (its
// goroutine just ends and the pointers stay). Every `room_churn_every` finished sessions the
// oldest room closes and a new one opens; at the end every room closes.
//
// A disconnected session and its rooms point at each other: once the rooms close, that is
// garbage on a cycle, which the collector traces and frees. The workload records each
// disconnected session's rooms, so it knows how many objects it left on cycles
// (left_on_cycles, what a refcounting strategy could not reclaim).

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
)

// chatParams are the Rust `Chat` parameters, with the same defaults, and the run's seed.
type chatParams struct {
	Variant            string
	Sessions           uint32
	Concurrent         uint32
	Rooms              uint32
	RoomsPerSession    uint32
	MessagesPerSession uint32
	PayloadBytes       uint32
	Inbox              int
	DisconnectPercent  uint32
	RoomChurnEvery     uint32
	Seed               uint64
}

func defaultChat() chatParams {
	return chatParams{
		Variant:            "shared",
		Sessions:           2000,
		Concurrent:         200,
		Rooms:              32,
		RoomsPerSession:    2,
		MessagesPerSession: 8,
		PayloadBytes:       64,
		Inbox:              256,
		DisconnectPercent:  50,
		RoomChurnEvery:     100,
		Seed:               1,
	}
}

func (p chatParams) validate() error {
	if p.Variant != "shared" {
		return errors.New("only the shared chat variant has a Go peer (-variant shared)")
	}
	if p.Rooms == 0 || p.Concurrent == 0 || p.Inbox == 0 {
		return errors.New("chat needs at least one room, one concurrent session and an inbox")
	}
	if p.DisconnectPercent > 100 {
		return errors.New("disconnect_percent is a percentage (0 to 100)")
	}
	return nil
}

func (p chatParams) params() map[string]any {
	return map[string]any{
		"variant":              p.Variant,
		"sessions":             p.Sessions,
		"concurrent":           p.Concurrent,
		"rooms":                p.Rooms,
		"rooms_per_session":    p.RoomsPerSession,
		"messages_per_session": p.MessagesPerSession,
		"payload_bytes":        p.PayloadBytes,
		"inbox":                p.Inbox,
		"disconnect_percent":   p.DisconnectPercent,
		"room_churn_every":     p.RoomChurnEvery,
		"seed":                 p.Seed,
	}
}

type chatMessage struct {
	from, room uint64
	text       []byte
	tag        *tag
}

type session struct {
	id    uint64
	rooms []*room // only the session's own goroutine touches it
	mu    sync.Mutex
	// closed and the sends into inbox are under mu: once closed is set, nothing more arrives.
	closed bool
	inbox  chan *chatMessage
	tag    *tag
}

type room struct {
	id      uint64
	mu      sync.RWMutex
	members map[*session]struct{}
	closed  atomic.Bool // a hint to posters; a post racing the close is still a valid post
	tag     *tag
}

type routingTable struct{ rooms []*room }

type chatServer struct {
	p           chatParams
	tr          *tracker
	table       atomic.Pointer[routingTable]
	nextRoom    atomic.Uint64
	finished    atomic.Uint64
	roomsOpened atomic.Uint64
	roomsClosed atomic.Uint64

	bookMu           sync.Mutex
	bookDisconnected uint64              // disconnected sessions that were in a room
	bookRooms        map[uint64]struct{} // the rooms they were in
}

// chatCounts are the chat figures beyond the Rust Stats fields.
type chatCounts struct {
	Sessions                     uint64 `json:"sessions"`
	SessionsJoined               uint64 `json:"sessions_joined"`
	SessionsLeft                 uint64 `json:"sessions_left"`
	SessionsDisconnected         uint64 `json:"sessions_disconnected"`
	SessionsJoinedExpected       uint64 `json:"sessions_joined_expected"`
	SessionsDisconnectedExpected uint64 `json:"sessions_disconnected_expected"`
	MessagesPosted               uint64 `json:"messages_posted"`
	MessagesDelivered            uint64 `json:"messages_delivered"`
	RoomsOpened                  uint64 `json:"rooms_opened"`
	RoomsClosed                  uint64 `json:"rooms_closed"`
}

// sessionOutcome is what one session did.
type sessionOutcome struct {
	stats                      Stats
	posted, delivered, sum     uint64
	joined, left, disconnected bool
	failed                     bool
}

func runChat(p chatParams, tr *tracker) (Stats, any) {
	s := &chatServer{p: p, tr: tr, bookRooms: map[uint64]struct{}{}}
	rooms := make([]*room, p.Rooms)
	for i := range rooms {
		rooms[i] = s.openRoom(uint64(i))
	}
	s.table.Store(&routingTable{rooms: rooms})
	s.nextRoom.Store(uint64(p.Rooms))

	outcomes := make([]sessionOutcome, p.Sessions)
	gate := make(chan struct{}, minU32(p.Concurrent, p.Sessions))
	var wg sync.WaitGroup
	for id := range outcomes {
		gate <- struct{}{}
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			defer func() { <-gate }()
			defer func() {
				if recover() != nil {
					outcomes[id].failed = true
				}
			}()
			outcomes[id] = s.session(uint64(id))
		}(id)
	}
	wg.Wait()

	// Every room closes.
	for _, r := range s.table.Swap(&routingTable{}).rooms {
		s.closeRoom(r)
	}

	stats := Stats{Objects: uint64(p.Rooms)}
	counts := chatCounts{Sessions: uint64(p.Sessions)}
	counts.SessionsJoinedExpected, counts.SessionsDisconnectedExpected = chatExpected(p)
	var sum uint64
	for i := range outcomes {
		o := &outcomes[i]
		stats.merge(o.stats)
		if o.failed {
			stats.FailedTasks++
		}
		counts.MessagesPosted += o.posted
		counts.MessagesDelivered += o.delivered
		counts.SessionsJoined += b2u(o.joined)
		counts.SessionsLeft += b2u(o.left)
		counts.SessionsDisconnected += b2u(o.disconnected)
		sum += o.sum
	}
	keep(sum)
	counts.RoomsOpened = s.roomsOpened.Load()
	counts.RoomsClosed = s.roomsClosed.Load()
	stats.LeftOnCycles = s.bookDisconnected + uint64(len(s.bookRooms))
	return stats, counts
}

// session is one connected session: connect, join, chat, then leave or disconnect. It draws
// from its generator in the order the Rust session does.
func (s *chatServer) session(id uint64) (out sessionOutcome) {
	p := s.p
	rng := streamRNG(p.Seed, id)
	out.stats.Objects = 1
	me := &session{id: id, inbox: make(chan *chatMessage, p.Inbox), tag: s.tr.newTag(kindSession)}

	// Join.
	var joined []uint64
	for i := uint32(0); i < p.RoomsPerSession; i++ {
		t := s.table.Load()
		if len(t.rooms) == 0 {
			continue
		}
		r := t.rooms[rng.index(len(t.rooms))]
		if containsID(joined, r.id) || r.closed.Load() {
			continue
		}
		r.join(me)
		me.rooms = append(me.rooms, r)
		joined = append(joined, r.id)
	}

	// Chat.
	for seq := uint64(0); seq < uint64(p.MessagesPerSession); seq++ {
		if len(me.rooms) > 0 {
			r := me.rooms[rng.index(len(me.rooms))]
			if !r.closed.Load() {
				msg := &chatMessage{
					from: id, room: r.id,
					text: payload(seq^id, p.PayloadBytes),
					tag:  s.tr.newTag(kindMessage),
				}
				out.stats.Objects++
				out.posted++
				r.broadcast(msg, &out)
			}
		}
		out.stats.Operations += me.drain(&out.sum)
		runtime.Gosched()
	}
	out.stats.Operations += me.drain(&out.sum)

	// Leave, or disconnect.
	out.joined = len(joined) > 0
	if rng.below(100) >= p.DisconnectPercent {
		for _, r := range me.rooms {
			r.leave(me)
		}
		me.rooms = nil
		out.left = out.joined
	} else if out.joined {
		s.bookMu.Lock()
		s.bookDisconnected++
		for _, rid := range joined {
			s.bookRooms[rid] = struct{}{}
		}
		s.bookMu.Unlock()
		out.disconnected = true
	}
	// Nothing arrives once the inbox is closed; read what is left.
	out.stats.Operations += me.closeAndDrain(&out.sum)

	// Room churn: the oldest room closes, a new one opens.
	finished := s.finished.Add(1)
	if p.RoomChurnEvery > 0 && finished%uint64(p.RoomChurnEvery) == 0 {
		fresh := s.openRoom(s.nextRoom.Add(1) - 1)
		out.stats.Objects++
		for {
			old := s.table.Load()
			rooms := make([]*room, 0, len(old.rooms)+1)
			if len(old.rooms) > 0 {
				rooms = append(rooms, old.rooms[1:]...)
			}
			rooms = append(rooms, fresh)
			if s.table.CompareAndSwap(old, &routingTable{rooms: rooms}) {
				if len(old.rooms) > 0 {
					s.closeRoom(old.rooms[0])
				}
				break
			}
		}
	}
	return out
}

func (s *chatServer) openRoom(id uint64) *room {
	s.roomsOpened.Add(1)
	return &room{id: id, members: map[*session]struct{}{}, tag: s.tr.newTag(kindRoom)}
}

// closeRoom marks the room closed; it keeps its members, as the Rust room does.
func (s *chatServer) closeRoom(r *room) {
	r.closed.Store(true)
	s.roomsClosed.Add(1)
}

func (r *room) join(m *session) {
	r.mu.Lock()
	r.members[m] = struct{}{}
	r.mu.Unlock()
}

func (r *room) leave(m *session) {
	r.mu.Lock()
	delete(r.members, m)
	r.mu.Unlock()
}

// broadcast sends msg to every member without waiting; a full or closed inbox drops the
// delivery.
func (r *room) broadcast(msg *chatMessage, out *sessionOutcome) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for m := range r.members {
		if m.deliver(msg) {
			out.delivered++
		} else {
			out.stats.Dropped++
		}
	}
}

func (m *session) deliver(msg *chatMessage) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	select {
	case m.inbox <- msg:
		return true
	default:
		return false
	}
}

// drain reads what is waiting in the inbox; it returns how many.
func (m *session) drain(sum *uint64) (n uint64) {
	for {
		select {
		case msg := <-m.inbox:
			*sum += msg.from ^ msg.room + uint64(len(msg.text))
			n++
		default:
			return n
		}
	}
}

func (m *session) closeAndDrain(sum *uint64) uint64 {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	return m.drain(sum)
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func minU32(a, b uint32) uint32 {
	if a < b {
		return a
	}
	return b
}
