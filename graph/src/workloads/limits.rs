//! The sizes a workload accepts: every count at least 1 where zero would make an empty or
//! stuck run, and below a ceiling past which a run would not finish on a laptop's memory or in
//! a session's patience. [`Spec::validate`](super::Spec::validate) applies them, then the
//! workload's own consistency checks.

use super::Spec;

/// Largest message, letter or read count.
const MAX_COUNT: u64 = 100_000_000;
/// Largest number of tasks a workload may spawn (sessions, readers, actors, stages).
const MAX_TASKS: u64 = 1_000_000;
/// Largest payload, in bytes.
const MAX_PAYLOAD: u64 = 1 << 20;
/// Largest channel capacity.
const MAX_CAPACITY: u64 = 1 << 20;

/// `field` of `workload` must be within `min..=max`.
fn range(workload: &str, field: &str, value: u64, min: u64, max: u64) -> Result<(), String> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "{workload}: {field} = {value} is out of range (expected {min} to {max})"
        ))
    }
}

/// Checks every size of `spec` against the ceilings above.
pub(super) fn check(spec: &Spec) -> Result<(), String> {
    let name = spec.name();
    let r = |field: &str, value: u64, min: u64, max: u64| range(&name, field, value, min, max);
    let z = |value: usize| value as u64;
    match spec {
        Spec::Pipeline(w) => {
            r("stages", z(w.stages), 1, 1_024)?;
            r("messages", w.messages.into(), 1, MAX_COUNT)?;
            r("payload_bytes", w.payload_bytes.into(), 0, MAX_PAYLOAD)?;
            r("capacity", z(w.capacity), 1, MAX_CAPACITY)
        }
        Spec::Fanout(w) => {
            r("depth", w.depth.into(), 1, 16)?;
            r("arity", z(w.arity), 1, 1_024)?;
            r("messages", w.messages.into(), 1, MAX_COUNT)?;
            r("payload_bytes", w.payload_bytes.into(), 0, MAX_PAYLOAD)?;
            r("capacity", z(w.capacity), 1, MAX_CAPACITY)
        }
        Spec::Flow(w) => {
            r("messages", w.messages.into(), 1, MAX_COUNT)?;
            r("payload_bytes", w.payload_bytes.into(), 0, MAX_PAYLOAD)?;
            r("capacity", z(w.capacity), 1, MAX_CAPACITY)?;
            r("hops", w.hops.into(), 1, 1_000_000)
        }
        Spec::Config(w) => {
            r("readers", w.readers.into(), 1, MAX_TASKS)?;
            r("reads_per_reader", w.reads_per_reader.into(), 1, MAX_COUNT)?;
            r("yield_every", w.yield_every.into(), 1, MAX_COUNT)?;
            r("write_interval_us", w.write_interval_us, 1, 60_000_000)?;
            r("config_bytes", w.config_bytes.into(), 1, MAX_PAYLOAD)
        }
        Spec::Chat(w) => {
            r("sessions", w.sessions.into(), 1, MAX_TASKS)?;
            r("concurrent", w.concurrent.into(), 1, w.sessions.into())?;
            r("rooms", w.rooms.into(), 1, 100_000)?;
            r(
                "rooms_per_session",
                w.rooms_per_session.into(),
                0,
                w.rooms.into(),
            )?;
            r(
                "messages_per_session",
                w.messages_per_session.into(),
                0,
                100_000,
            )?;
            r("payload_bytes", w.payload_bytes.into(), 0, MAX_PAYLOAD)?;
            r("inbox", z(w.inbox), 1, MAX_CAPACITY)?;
            r("disconnect_percent", w.disconnect_percent.into(), 0, 100)?;
            r("room_churn_every", w.room_churn_every.into(), 0, MAX_TASKS)
        }
        Spec::Actors(w) => {
            r("actors", w.actors.into(), 2, MAX_TASKS)?;
            r("peers", w.peers.into(), 1, u64::from(w.actors) - 1)?;
            r(
                "messages_per_actor",
                w.messages_per_actor.into(),
                0,
                1_000_000,
            )?;
            r("payload_bytes", w.payload_bytes.into(), 0, MAX_PAYLOAD)?;
            r("mailbox", z(w.mailbox), 1, MAX_CAPACITY)
        }
        Spec::IdleWorker(w) => {
            r("lone", w.lone.into(), 0, MAX_COUNT)?;
            r("pairs", w.pairs.into(), 0, MAX_COUNT)?;
            r("busy_ops", w.busy_ops.into(), 0, MAX_COUNT)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_and_small_size_is_within_the_limits() {
        for name in Spec::NAMES {
            let spec: Spec = name.parse().unwrap();
            spec.validate().unwrap();
            spec.small().validate().unwrap();
        }
    }

    #[test]
    fn zero_and_absurd_sizes_name_the_field() {
        let mut chat: Spec = "chat".parse().unwrap();
        if let Spec::Chat(w) = &mut chat {
            w.sessions = 0;
        }
        let error = chat.validate().unwrap_err();
        assert!(error.contains("chat: sessions = 0"), "{error}");
        let mut pipeline: Spec = "pipeline".parse().unwrap();
        if let Spec::Pipeline(w) = &mut pipeline {
            w.stages = 1_000_000;
        }
        let error = pipeline.validate().unwrap_err();
        assert!(
            error.contains("stages = 1000000 is out of range"),
            "{error}"
        );
    }
}
