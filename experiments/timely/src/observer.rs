//! What the sinks saw, checked as it comes, as the Flink job's Results.Observer does: per word the
//! last count and the number of outputs; a count that is not the word's previous + 1 is a sequence
//! violation; an input released twice a duplicate. `Shared` is the state every worker thread sees:
//! the source's clock, the stop decision, and each input's latency (-1 until released).

use crate::hash::FastMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub fn wall_ns() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as i64
}

pub struct Shared {
    pub start_ns: AtomicI64,
    /// Set by the first source that falls more than --max-lag-s behind its schedule.
    pub stopping: AtomicBool,
    /// Per worker: how many lines its share holds (published before the start), then offered.
    pub lines: Vec<AtomicU64>,
    pub offered: Vec<AtomicU64>,
    pub latency: Vec<AtomicI64>,
    pub max_lag_ns: AtomicI64,
}

impl Shared {
    pub fn new(peers: usize, count: usize) -> Shared {
        Shared {
            start_ns: AtomicI64::new(0),
            stopping: AtomicBool::new(false),
            lines: (0..peers).map(|_| AtomicU64::new(0)).collect(),
            offered: (0..peers).map(|_| AtomicU64::new(0)).collect(),
            latency: (0..count).map(|_| AtomicI64::new(-1)).collect(),
            max_lag_ns: AtomicI64::new(0),
        }
    }

    /// The global index of worker k's first line: the lines of the shares before it.
    pub fn base(&self, k: usize) -> u64 {
        self.lines[..k].iter().map(|n| n.load(Ordering::SeqCst)).sum()
    }

    pub fn note_lag(&self, lag: i64) {
        self.max_lag_ns.fetch_max(lag, Ordering::Relaxed);
    }
}

#[derive(Default)]
pub struct Observer {
    pub words: FastMap<String, [u64; 2]>,
    pub released: u64,
    pub sequence_violations: u64,
    pub order_violations: u64,
    pub duplicates: u64,
    pub bad_outputs: u64,
    pub last_release_ns: i64,
    pub output_bytes: u64,
    last_index: Option<u64>,
}

impl Observer {
    pub fn record(&mut self, shared: &Shared, word: &str, count: u64, index: u64, due: i64, now: i64) {
        self.released += 1;
        self.last_release_ns = self.last_release_ns.max(now);
        let entry = match self.words.get_mut(word) {
            Some(e) => e,
            None => self.words.entry(word.to_owned()).or_insert([0, 0]),
        };
        if count != entry[0] + 1 {
            self.sequence_violations += 1;
        }
        entry[0] = count;
        entry[1] += 1;
        let Some(slot) = shared.latency.get(index as usize) else {
            self.bad_outputs += 1;
            return;
        };
        if slot.swap(now - due, Ordering::Relaxed) >= 0 {
            self.duplicates += 1;
            return;
        }
        if self.last_index.is_some_and(|last| index < last) {
            self.order_violations += 1;
        }
        self.last_index = Some(self.last_index.map_or(index, |last| last.max(index)));
    }
}
