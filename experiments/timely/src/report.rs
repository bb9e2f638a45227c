//! The driver's report: the same JSON fields as fs_bench and the Flink job print (offered,
//! released, latency percentiles past the warm-up and over the last fifth, the checks' counts), plus
//! `offered_ranges`, the global input indices offered: a run cut short offers a prefix of each
//! worker's share, not a prefix of the file. Also writes --counts-out (word, last count, outputs).

use crate::observer::{Observer, Shared};
use crate::Args;
use std::io::Write;
use std::sync::atomic::Ordering;

fn percentiles(mut v: Vec<i64>) -> String {
    if v.is_empty() {
        return "null".into();
    }
    v.sort_unstable();
    let at = |q: f64| {
        let k = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
        v[k] as f64 / 1e6
    };
    format!(
        "{{\"n\": {}, \"p50\": {:.3}, \"p90\": {:.3}, \"p99\": {:.3}, \"p999\": {:.3}, \"max\": {:.3}}}",
        v.len(), at(0.5), at(0.9), at(0.99), at(0.999), v[v.len() - 1] as f64 / 1e6
    )
}

/// Prints the report; the process's exit code (1 if a worker failed).
pub fn print(args: &Args, shared: &Shared, observers: Vec<Observer>, error: &str, job_s: f64) -> i32 {
    let peers = shared.lines.len();
    let start = shared.start_ns.load(Ordering::SeqCst);
    let span_ns = args.count as f64 / args.rate * 1e9;
    let (mut lat, mut late, mut ranges) = (Vec::new(), Vec::new(), Vec::new());
    let (mut offered, mut missing, mut warm, mut last_due) = (0u64, 0u64, 0u64, start);
    let mut in_range = vec![false; args.count];
    for k in 0..peers {
        let base = shared.base(k);
        let mine = shared.lines[k].load(Ordering::SeqCst).min((args.count as u64).saturating_sub(base));
        let n = shared.offered[k].load(Ordering::SeqCst);
        ranges.push(format!("[{}, {}]", base, base + n));
        offered += n;
        for j in 0..n {
            let due = start + (j as f64 * span_ns / mine.max(1) as f64) as i64;
            last_due = last_due.max(due);
            let i = (base + j) as usize;
            in_range[i] = true;
            let l = shared.latency[i].load(Ordering::Relaxed);
            if l < 0 {
                missing += 1;
                continue;
            }
            if (due - start) as f64 >= args.warmup_s * 1e9 {
                lat.push(l);
            } else {
                warm += 1;
            }
            if j >= n - n / 5 {
                late.push(l);
            }
        }
    }
    let mut bad: u64 = (0..args.count)
        .filter(|&i| !in_range[i] && shared.latency[i].load(Ordering::Relaxed) >= 0)
        .count() as u64;
    let (mut released, mut dups, mut seq, mut order, mut last_release, mut bytes) = (0, 0, 0, 0, 0i64, 0);
    let mut table: std::collections::HashMap<&str, [u64; 2]> = Default::default();
    for o in &observers {
        released += o.released;
        bad += o.bad_outputs;
        dups += o.duplicates;
        seq += o.sequence_violations;
        order += o.order_violations;
        last_release = last_release.max(o.last_release_ns);
        bytes += o.output_bytes;
        for (word, v) in &o.words {
            let t = table.entry(word.as_str()).or_default();
            if t[1] > 0 {
                seq += 1; // one word counted by two workers: its counts are split
            }
            t[0] = t[0].max(v[0]);
            t[1] += v[1];
        }
    }
    if let Some(path) = &args.counts_out {
        let mut w = std::io::BufWriter::new(std::fs::File::create(path).expect("--counts-out"));
        for (word, v) in &table {
            writeln!(w, "{word}\t{}\t{}", v[0], v[1]).expect("--counts-out");
        }
    }
    let span_s = if offered > 0 && last_release > 0 { (last_release - start) as f64 / 1e9 } else { 0.0 };
    let drain_ms = if offered > 0 && last_release > 0 { (last_release - last_due) as f64 / 1e6 } else { 0.0 };
    println!(
        "{{\"system\": \"timely\", \"mode\": \"plain\", \"rate\": {:.1}, \"workers\": {}, \"job_s\": {:.3},\n \
         \"requested\": {}, \"offered\": {}, \"released\": {}, \"truncated\": {},\n \
         \"offered_ranges\": [{}], \"output_bytes\": {},\n \
         \"max_schedule_lag_ms\": {:.3}, \"span_s\": {:.3}, \"drain_ms\": {:.3},\n \
         \"achieved_rate\": {:.1}, \"warmup_inputs\": {},\n \
         \"latency_ms\": {},\n \"late_latency_ms\": {},\n \
         \"bad_outputs\": {}, \"duplicates\": {}, \"missing\": {},\n \
         \"sequence_violations\": {}, \"order_violations\": {}, \"commits\": 0,\n \"error\": {:?}}}",
        args.rate, peers, job_s, args.count, offered, released,
        shared.stopping.load(Ordering::SeqCst), ranges.join(", "), bytes,
        shared.max_lag_ns.load(Ordering::Relaxed) as f64 / 1e6, span_s, drain_ms,
        if span_s > 0.0 { offered as f64 / span_s } else { 0.0 }, warm,
        percentiles(lat), percentiles(late), bad, dups, missing, seq, order, error
    );
    i32::from(!error.is_empty())
}
