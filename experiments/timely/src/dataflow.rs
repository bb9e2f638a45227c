//! The running word count on Timely: lines enter at each worker's input, are tokenized where they
//! entered (as graphs/wordcount.cpp tokenizes: a word is a maximal run of ASCII letters and digits,
//! lowercased), exchanged by the word's hash, counted in a hash map, and every occurrence's count
//! leaves at once as `word\tcount` to the sink of the worker that counted it. Nothing waits for a
//! frontier: outputs come in no particular order, which is all Timely promises here.

use crate::hash::{word_hash, FastMap};
use crate::observer::{wall_ns, Observer, Shared};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::sync::Arc;
use timely::dataflow::channels::pact::{Exchange, Pipeline};
use timely::dataflow::operators::{Input, Operator, Probe};
use timely::dataflow::{InputHandleVec as InputHandle, ProbeHandle};
use timely::worker::Worker;

/// A line or a word with its input's global index and the wall time it was due (ns).
pub type Rec = (String, u64, i64);
/// A word, its count so far, and its input's index and due time.
pub type Counted = (String, u64, u64, i64);

/// `line`'s words, as graphs/wordcount.cpp splits and lowercases them.
pub fn tokenize(line: &str, mut emit: impl FnMut(String)) {
    let mut word = String::new();
    for c in line.bytes() {
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase() as char);
        } else if !word.is_empty() {
            emit(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        emit(word);
    }
}

/// Builds the dataflow on `worker`: its input handle, the probe after the count, and the observer
/// its sink records into.
pub fn build(
    worker: &mut Worker,
    shared: Arc<Shared>,
) -> (InputHandle<u64, Rec>, ProbeHandle<u64>, Rc<RefCell<Observer>>) {
    let mut input = InputHandle::<u64, Rec>::new();
    let probe = ProbeHandle::new();
    let observer = Rc::new(RefCell::new(Observer::default()));
    let seen = Rc::clone(&observer);
    worker.dataflow::<u64, _, _>(|scope| {
        scope
            .input_from(&mut input)
            .unary::<timely::container::CapacityContainerBuilder<Vec<Rec>>, _, _, _>(
                Pipeline,
                "Tokenize",
                |_, _| {
                    move |input, output| {
                        input.for_each(|time, data: &mut Vec<Rec>| {
                            let mut session = output.session(&time);
                            for (line, index, due) in data.drain(..) {
                                tokenize(&line, |word| session.give((word, index, due)));
                            }
                        });
                    }
                },
            )
            .unary::<timely::container::CapacityContainerBuilder<Vec<Counted>>, _, _, _>(
                Exchange::new(|rec: &Rec| word_hash(&rec.0)),
                "Count",
                |_, _| {
                    let mut counts: FastMap<String, u64> = FastMap::default();
                    move |input, output| {
                        input.for_each(|time, data: &mut Vec<Rec>| {
                            let mut session = output.session(&time);
                            for (word, index, due) in data.drain(..) {
                                let count = match counts.get_mut(word.as_str()) {
                                    Some(n) => {
                                        *n += 1;
                                        *n
                                    }
                                    None => *counts.entry(word.clone()).or_insert(1),
                                };
                                session.give((word, count, index, due));
                            }
                        });
                    }
                },
            )
            .probe_with(&probe)
            .sink(Pipeline, "Sink", move |(input, _)| {
                // Batches in the order they arrive (for_each_stamp would sort them by epoch and
                // reorder a word's counts).
                input.for_each(|_, batch: &mut Vec<Counted>| {
                    let now = wall_ns();
                    let mut observer = seen.borrow_mut();
                    // The output lines themselves, formatted as every system's sink formats them.
                    let mut text = Vec::with_capacity(batch.len() * 16);
                    for (word, count, index, due) in batch.drain(..) {
                        let _ = writeln!(text, "{word}\t{count}");
                        observer.record(&shared, &word, count, index, due, now);
                    }
                    observer.output_bytes += text.len() as u64;
                });
            });
    });
    (input, probe, observer)
}

#[cfg(test)]
mod tests {
    use super::tokenize;

    #[test]
    fn tokenizes_as_the_wordcount_graph() {
        let mut words = Vec::new();
        tokenize("Hello, world!  it's A3b--x", |w| words.push(w));
        assert_eq!(words, ["hello", "world", "it", "s", "a3b", "x"]);
    }
}
