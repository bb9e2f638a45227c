//! A worker's share of the words file: the lines whose first byte lies in its byte range
//! [k*B/P, (k+1)*B/P) of the file's first B bytes. Each worker reads only its range (and the rest of
//! its last line), never the whole file; the shares of all P workers are the file's lines, each once.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};

/// The lines of one worker's share, back to back in `text`, line i at `text[ends[i-1]..ends[i]]`.
pub struct Share {
    pub text: Vec<u8>,
    pub ends: Vec<usize>,
}

impl Share {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn line(&self, i: usize) -> &[u8] {
        let from = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[from..self.ends[i]]
    }
}

/// Reads worker `k` of `peers`'s share of the first `bytes` bytes of `path` (newlines dropped).
pub fn read_share(path: &str, bytes: u64, k: usize, peers: usize) -> std::io::Result<Share> {
    let lo = bytes * k as u64 / peers as u64;
    let hi = bytes * (k as u64 + 1) / peers as u64;
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut at = lo.saturating_sub(1);
    reader.seek(SeekFrom::Start(at))?;
    let mut line = Vec::new();
    if lo > 0 {
        // The line holding byte lo-1 belongs to the share before; ours start after its newline.
        at += reader.read_until(b'\n', &mut line)? as u64;
    }
    let mut share = Share { text: Vec::with_capacity((hi - lo) as usize), ends: Vec::new() };
    while at < hi {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        at += n as u64;
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        share.text.extend_from_slice(text);
        share.ends.push(share.text.len());
    }
    Ok(share)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_cover_every_line_once() {
        let path = std::env::temp_dir().join(format!("timely-share-{}.txt", std::process::id()));
        let lines: Vec<String> = (0..1000).map(|i| "w".repeat(1 + i % 7) + &i.to_string()).collect();
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        let bytes = std::fs::metadata(&path).unwrap().len();
        for peers in 1..6 {
            let mut seen = Vec::new();
            for k in 0..peers {
                let share = read_share(path.to_str().unwrap(), bytes, k, peers).unwrap();
                for i in 0..share.len() {
                    seen.push(String::from_utf8(share.line(i).to_vec()).unwrap());
                }
            }
            assert_eq!(seen, lines, "{peers} workers");
        }
        std::fs::remove_file(path).unwrap();
    }
}
