//! `config`: many readers of one cell, one writer swapping it at a set rate.
//!
//! **Stands for** read-mostly shared state: a service's configuration, a feature-flag set, a
//! routing snapshot, read on every request and replaced now and then (RCU).
//!
//! **Releases** each configuration version when the writer swaps it out (readers that are
//! still reading it are what deferred reclamation waits for), and the last version when the
//! run ends. Nothing is cyclic: nothing leaks under any reclaiming strategy.

use std::hint::black_box;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc as StdArc;
use std::time::Duration;

use reclaimer::{Cell, Shared, Strategy, Trace};
use serde::{Deserialize, Serialize};

use crate::exec::{join_all, Stats, Workload};
use crate::track::{Ctx, Obj};

/// Parameters of `config`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Reader tasks.
    pub readers: u32,
    /// Reads per reader.
    pub reads_per_reader: u32,
    /// A reader yields to the scheduler after this many reads.
    pub yield_every: u32,
    /// The writer stores a new version, then sleeps this long (tokio's timer has 1 ms
    /// resolution), until every reader is done.
    pub write_interval_us: u64,
    /// Bytes of configuration each version owns.
    pub config_bytes: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            readers: 16,
            reads_per_reader: 200_000,
            yield_every: 64,
            write_interval_us: 1_000,
            config_bytes: 256,
        }
    }
}

impl Config {
    /// A size for tests.
    pub fn small() -> Self {
        Config {
            readers: 4,
            reads_per_reader: 2_000,
            ..Config::default()
        }
    }

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), String> {
        if self.config_bytes == 0 || self.yield_every == 0 {
            return Err("config needs at least 1 configuration byte and yield_every >= 1".into());
        }
        Ok(())
    }
}

impl Workload for Config {
    fn name(&self) -> String {
        "config".into()
    }
    fn parameters(&self) -> Vec<(&'static str, String)> {
        vec![
            ("readers", self.readers.to_string()),
            ("reads_per_reader", self.reads_per_reader.to_string()),
            ("yield_every", self.yield_every.to_string()),
            ("write_interval_us", self.write_interval_us.to_string()),
            ("config_bytes", self.config_bytes.to_string()),
        ]
    }
}

/// One configuration version.
#[derive(Debug, Trace)]
pub struct ConfigData {
    version: u64,
    entries: Box<[u8]>,
}

type Version<S> = Shared<S, Obj<ConfigData>>;

fn version<S: Strategy>(ctx: &Ctx, p: &Config, version: u64) -> Version<S>
where
    Obj<ConfigData>: reclaimer::Shareable<S>,
{
    let entries = super::flow::payload(version, p.config_bytes);
    Shared::new(ctx.obj(
        "Config",
        ConfigData { version, entries },
        u64::from(p.config_bytes),
        |t| t.expect_release(),
    ))
}

async fn reader<S: Strategy>(ctx: Ctx, p: Config, cell: StdArc<Cell<S, Obj<ConfigData>>>) -> Stats {
    let mut sum = 0u64;
    for i in 0..p.reads_per_reader {
        let index = i as usize;
        sum = sum.wrapping_add(ctx.op(|| {
            cell.read(|c| {
                c.version
                    .wrapping_add(u64::from(c.entries[index % c.entries.len()]))
            })
        }));
        if (i + 1) % p.yield_every == 0 {
            tokio::task::yield_now().await;
        }
    }
    black_box(sum);
    Stats {
        operations: u64::from(p.reads_per_reader),
        ..Stats::default()
    }
}

crate::workload! {
    impl for Config;
    where { Obj<ConfigData>: reclaimer::Shareable<S>, }
    |this, ctx| {
        let p = this;
        let cell = StdArc::new(Cell::<S, _>::new(version::<S>(&ctx, &p, 0)));
        let done = StdArc::new(AtomicU32::new(0));
        let mut readers = Vec::with_capacity(p.readers as usize);
        for _ in 0..p.readers {
            let (ctx, cell, done) = (ctx.clone(), cell.clone(), done.clone());
            readers.push(spawn(async move {
                let stats = reader::<S>(ctx, p, cell).await;
                // Relaxed: the writer only needs to see the count eventually.
                done.fetch_add(1, Ordering::Relaxed);
                stats
            }));
        }
        let writer = spawn({
            let (ctx, cell, done) = (ctx.clone(), cell.clone(), done.clone());
            async move {
                let mut writes = 0u64;
                // Relaxed: see the readers.
                while done.load(Ordering::Relaxed) < p.readers {
                    writes += 1;
                    let new = version::<S>(&ctx, &p, writes);
                    let old = ctx.op(|| cell.swap(new));
                    old.release();
                    ctx.op(|| drop(old));
                    tokio::time::sleep(Duration::from_micros(p.write_interval_us)).await;
                }
                Stats { operations: writes, objects: writes, ..Stats::default() }
            }
        });
        let (outs, failed) = join_all(readers).await;
        let (writer, writer_failed) = join_all(vec![writer]).await;
        let mut stats = Stats { objects: 1, ..Stats::default() };
        outs.iter().chain(&writer).for_each(|s| stats.merge(s));
        stats.failed_tasks += failed + writer_failed;
        // The last version is released with the cell.
        cell.read(|c| c.release());
        drop(cell);
        stats
    }
}
