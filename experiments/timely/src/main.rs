//! The word-count benchmark's Timely Dataflow driver (experiments/wordcount/bench, system `timely`):
//! the same words file, tokenizer and per-word output as FlameStream's `wordcount` and the Flink
//! job, run in one process with --workers worker threads, and the same JSON report on stdout.
//! Worker k reads only its byte range of the file (input.rs) and offers its lines open-loop, spread
//! evenly over the run's duration count/rate, so together the workers offer the file at --rate.

mod dataflow;
mod hash;
mod input;
mod observer;
mod report;

use observer::{wall_ns, Shared};
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Barrier};
use std::time::Duration;

/// At most this many lines enter in one epoch; at most WINDOW epochs are in flight per worker.
const BATCH: usize = 1024;
const WINDOW: u64 = 8;

pub struct Args {
    pub words: String,
    pub count: usize,
    pub bytes: u64,
    pub rate: f64,
    pub workers: usize,
    pub warmup_s: f64,
    pub max_lag_s: f64,
    pub counts_out: Option<String>,
}

fn usage(why: &str) -> ! {
    eprintln!("timely-wordcount-bench: {why}");
    eprintln!("usage: timely-wordcount-bench --words FILE --count N --rate R [--bytes B] [--workers N] \
        [--warmup-s S] [--max-lag-s S] [--counts-out FILE] [--mode plain]");
    std::process::exit(2);
}

fn parse() -> Args {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut a = HashMap::new();
    for pair in argv.chunks(2) {
        if pair.len() != 2 || !pair[0].starts_with("--") {
            usage(&format!("bad argument {}", pair[0]));
        }
        a.insert(pair[0][2..].to_string(), pair[1].clone());
    }
    let get = |k: &str| a.get(k).cloned();
    let num = |k: &str, d: f64| get(k).map_or(d, |v| v.parse().unwrap_or_else(|_| usage(&format!("bad --{k}"))));
    if get("mode").is_some_and(|m| m != "plain") {
        usage("Timely runs one mode: plain (no ordering, no exactly-once)");
    }
    let words = get("words").unwrap_or_else(|| usage("--words is required"));
    let size = std::fs::metadata(&words).map(|m| m.len()).unwrap_or_else(|e| usage(&format!("{words}: {e}")));
    Args {
        count: num("count", 0.0) as usize,
        bytes: (num("bytes", size as f64) as u64).min(size),
        rate: num("rate", 1e9),
        workers: (num("workers", 1.0) as usize).max(1),
        warmup_s: num("warmup-s", 2.0),
        max_lag_s: num("max-lag-s", 3.0),
        counts_out: get("counts-out"),
        words,
    }
}

/// One worker's run: read its share, agree on the start, offer its lines on schedule, drain.
fn run_worker(
    worker: &mut timely::worker::Worker,
    args: &Args,
    shared: &Arc<Shared>,
    barrier: &Barrier,
) -> Result<observer::Observer, String> {
    let (k, peers) = (worker.index(), worker.peers());
    let share = input::read_share(&args.words, args.bytes, k, peers).map_err(|e| e.to_string())?;
    shared.lines[k].store(share.len() as u64, Ordering::SeqCst);
    let (mut input, probe, observer) = dataflow::build(worker, Arc::clone(shared));
    barrier.wait();
    let base = shared.base(k);
    let mine = share.len().min((args.count as u64).saturating_sub(base) as usize);
    if k == 0 {
        shared.start_ns.store(wall_ns(), Ordering::SeqCst);
    }
    barrier.wait();
    let start = shared.start_ns.load(Ordering::SeqCst);
    // Line j of this share is due at start + j * span / mine: the shares end together.
    let span_ns = args.count as f64 / args.rate * 1e9;
    let due = |j: usize| start + (j as f64 * span_ns / mine.max(1) as f64) as i64;
    let max_lag_ns = (args.max_lag_s * 1e9) as i64;
    let mut next = 0;
    while next < mine {
        let now = wall_ns();
        let mut sent = 0;
        while next < mine && sent < BATCH && due(next) <= now {
            if shared.stopping.load(Ordering::Relaxed) {
                break;
            }
            let lag = now - due(next);
            shared.note_lag(lag);
            if lag > max_lag_ns {
                shared.stopping.store(true, Ordering::SeqCst);
                break;
            }
            let line = String::from_utf8_lossy(share.line(next)).into_owned();
            input.send((line, base + next as u64, due(next)));
            next += 1;
            sent += 1;
        }
        shared.offered[k].store(next as u64, Ordering::SeqCst);
        if shared.stopping.load(Ordering::Relaxed) {
            break;
        }
        if sent > 0 {
            let epoch = *input.time() + 1;
            input.advance_to(epoch);
            while probe.less_than(&epoch.saturating_sub(WINDOW)) {
                worker.step();
            }
        }
        if next < mine && due(next) > wall_ns() {
            worker.step_or_park(Some(Duration::from_nanos((due(next) - wall_ns()).max(0) as u64)));
        } else {
            worker.step();
        }
    }
    input.close();
    while worker.step_or_park(None) {}
    let observed = std::mem::take(&mut *observer.borrow_mut());
    Ok(observed)
}

fn main() {
    let args = Arc::new(parse());
    let shared = Arc::new(Shared::new(args.workers, args.count));
    let barrier = Arc::new(Barrier::new(args.workers));
    let t0 = std::time::Instant::now();
    let (a, s, b) = (Arc::clone(&args), Arc::clone(&shared), Arc::clone(&barrier));
    let outcome = timely::execute(timely::Config::process(args.workers), move |worker| {
        run_worker(worker, &a, &s, &b)
    });
    let (observers, error) = match outcome {
        Ok(guards) => {
            let mut observers = Vec::new();
            let mut error = String::new();
            for r in guards.join() {
                match r {
                    Ok(Ok(o)) => observers.push(o),
                    Ok(Err(e)) | Err(e) => error = e,
                }
            }
            (observers, error)
        }
        Err(e) => (Vec::new(), e),
    };
    let job_s = t0.elapsed().as_secs_f64();
    let code = report::print(&args, &shared, observers, &error, job_s);
    std::process::exit(code);
}
