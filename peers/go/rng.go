package main

import "math/bits"

// wyrand is the generator the Rust workloads draw from (fastrand 2's Rng), ported bit for bit:
// the same seed gives the same sequence, and usize/u32 map it onto a range the same way
// (Lemire's multiply-and-reject), so a Go session makes the same choices as the Rust session
// with the same id.
type wyrand struct{ state uint64 }

const (
	wyConst0 = 0x2d358dccaa6c78a5
	wyConst1 = 0x8bb84b93962eacc9
)

// streamRNG is the Rust Ctx::rng(stream): one generator per part of a workload (a session's
// id), derived from the run's seed.
func streamRNG(seed, stream uint64) *wyrand {
	s := seed*0x9E3779B97F4A7C15 + stream*0xD1B54A32D192ED03
	return &wyrand{state: bits.RotateLeft64(s, 17)}
}

func (r *wyrand) u64() uint64 {
	s := r.state + wyConst0
	r.state = s
	hi, lo := bits.Mul64(s, s^wyConst1)
	return lo ^ hi
}

func (r *wyrand) u32() uint32 { return uint32(r.u64()) }

// modU64 is fastrand's gen_mod_u64: a value in [0, n), n > 0.
func (r *wyrand) modU64(n uint64) uint64 {
	hi, lo := bits.Mul64(r.u64(), n)
	if lo < n {
		t := -n % n
		for lo < t {
			hi, lo = bits.Mul64(r.u64(), n)
		}
	}
	return hi
}

// modU32 is fastrand's gen_mod_u32: a value in [0, n), n > 0.
func (r *wyrand) modU32(n uint32) uint32 {
	m := uint64(r.u32()) * uint64(n)
	hi, lo := uint32(m>>32), uint32(m)
	if lo < n {
		t := -n % n
		for lo < t {
			m = uint64(r.u32()) * uint64(n)
			hi, lo = uint32(m>>32), uint32(m)
		}
	}
	return hi
}

// index is Rust's rng.usize(..n) on a 64-bit target (n > 0).
func (r *wyrand) index(n int) int { return int(r.modU64(uint64(n))) }

// below is Rust's rng.u32(..n) (n > 0).
func (r *wyrand) below(n uint32) uint32 { return r.modU32(n) }

// chatExpected replays each session's draws to count, from the seed alone, the sessions that
// join a room and those of them that disconnect. It assumes what holds unless a room closes
// between a session's read of the routing table and its join: the table always lists `rooms`
// rooms, and a session's picks name distinct rooms exactly when their indices differ. The
// disconnect draw comes after rooms_per_session + messages_per_session draws whatever rooms
// they name, so only a session whose every pick was closed could end otherwise.
func chatExpected(p chatParams) (joined, disconnected uint64) {
	for id := uint64(0); id < uint64(p.Sessions); id++ {
		rng := streamRNG(p.Seed, id)
		var picked []uint64
		for i := uint32(0); i < p.RoomsPerSession; i++ {
			idx := uint64(rng.index(int(p.Rooms)))
			if !containsID(picked, idx) {
				picked = append(picked, idx)
			}
		}
		if len(picked) == 0 {
			continue
		}
		for seq := uint32(0); seq < p.MessagesPerSession; seq++ {
			rng.index(len(picked))
		}
		joined++
		if rng.below(100) < p.DisconnectPercent {
			disconnected++
		}
	}
	return joined, disconnected
}

func containsID(ids []uint64, id uint64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
