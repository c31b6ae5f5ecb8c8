//! Reading a log back: every segment in order, every record checked (header, length, CRC32C,
//! sequence, hash chain). A torn last record is reported for truncation; damage anywhere else
//! is an error naming the segment and the offset.

use std::path::{Path, PathBuf};

use crate::error::{Damage, LogError, io};
use crate::segment::{self, CHAIN_START, Kind, MAX_PAYLOAD, RECORD_HEADER, SEGMENT_HEADER};

/// One record, borrowed from the segment being read.
#[derive(Clone, Copy, Debug)]
pub struct RecordRef<'a> {
    /// Its sequence number (0 for the genesis; a checkpoint repeats its command's).
    pub seq: u64,
    /// What it holds.
    pub kind: Kind,
    /// The payload.
    pub payload: &'a [u8],
    /// The segment it is in.
    pub file: &'a Path,
    /// Its byte offset in the segment.
    pub offset: u64,
    /// The chain value before it (the record continues the log's chain from this value).
    pub prev: u64,
}

/// A torn record at the end of the last segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Torn {
    /// The segment.
    pub file: PathBuf,
    /// Where the torn record starts (the length to truncate to).
    pub offset: u64,
    /// How many bytes follow it.
    pub bytes: u64,
}

/// Where a complete scan ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanEnd {
    /// The index of the first segment present (0 unless earlier ones were archived).
    pub first_segment: u64,
    /// The last command before the first segment present (0 unless archived).
    pub first_seq_before: u64,
    /// The number of segments.
    pub segments: u64,
    /// The last command sequence number (0 if none).
    pub last_seq: u64,
    /// The chain value after the last good record.
    pub chain: u64,
    /// The length of the last segment up to its last good record.
    pub last_len: u64,
    /// A torn record found at the very end, if any.
    pub torn: Option<Torn>,
}

/// The segment files of a log directory, in order, checked for gaps (the first ones may be
/// missing if they were archived; [`ScanEnd::first_segment`] says where the log starts).
pub fn segments(dir: &Path) -> Result<Vec<PathBuf>, LogError> {
    let mut found: Vec<(u64, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        let index = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".log"))
            .and_then(|n| n.parse().ok());
        if let Some(index) = index {
            found.push((index, path));
        }
    }
    found.sort();
    // The first segments may have been archived (see `archive`); the rest must be contiguous.
    let first = found.first().map_or(0, |f| f.0);
    for (i, (index, _)) in found.iter().enumerate() {
        let expected = first + i as u64;
        if *index != expected {
            let missing = dir.join(segment::file_name(expected));
            return Err(LogError::Corrupt {
                file: missing,
                offset: 0,
                damage: Damage::MissingSegment,
            });
        }
    }
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

/// Reads every record of the log in `dir`, calling `visit` on each, in order.
pub fn scan(
    dir: &Path,
    visit: impl FnMut(&RecordRef<'_>) -> Result<(), LogError>,
) -> Result<ScanEnd, LogError> {
    scan_files(dir, None, visit)
}

/// Reads the log in `dir` from the segment that holds command `after + 1` (the last one whose
/// header says at most `after` commands precede it) to the end, with every check [`scan`]
/// makes from there on: what a restart from a snapshot of command `after` needs, at a cost
/// that does not grow with the log before it. The segments before are not read (only their
/// 40-byte headers, to find the start). If no segment present starts early enough (they were
/// archived), the log cannot continue from `after`: [`Damage::MissingSegment`].
pub fn scan_after(
    dir: &Path,
    after: u64,
    visit: impl FnMut(&RecordRef<'_>) -> Result<(), LogError>,
) -> Result<ScanEnd, LogError> {
    scan_files(dir, Some(after), visit)
}

fn scan_files(
    dir: &Path,
    after: Option<u64>,
    mut visit: impl FnMut(&RecordRef<'_>) -> Result<(), LogError>,
) -> Result<ScanEnd, LogError> {
    let files = segments(dir)?;
    if files.is_empty() {
        return Err(LogError::Empty(dir.to_path_buf()));
    }
    let skip = match after {
        None => 0,
        Some(after) => start_segment(&files, after)?,
    };
    let files = &files[skip..];
    let first = segment_index(&files[0]);
    let mut end = ScanEnd {
        first_segment: first,
        first_seq_before: 0,
        segments: files.len() as u64,
        last_seq: 0,
        chain: CHAIN_START,
        last_len: 0,
        torn: None,
    };
    // A scan that starts past segment 0 (archived, or a restart's tail) continues where its
    // first segment's header says; the genesis record lies behind it.
    let mut seen_genesis = first > 0;
    if first > 0 {
        let h = read_header(&files[0])?;
        end.chain = u64::from_le_bytes(h[24..32].try_into().expect("8 bytes"));
        end.last_seq = u64::from_le_bytes(h[32..40].try_into().expect("8 bytes"));
        end.first_seq_before = end.last_seq;
    }
    for (i, file) in files.iter().enumerate() {
        let data = std::fs::read(file).map_err(io(file))?;
        let last = i + 1 == files.len();
        scan_segment(
            file,
            &data,
            first + i as u64,
            last,
            &mut end,
            &mut seen_genesis,
            &mut visit,
        )?;
    }
    Ok(end)
}

/// The first 40 bytes of a segment (zeros past a shorter file, which the full check of that
/// segment then refuses).
pub fn read_header(file: &Path) -> Result<[u8; SEGMENT_HEADER], LogError> {
    use std::io::Read;
    let mut h = [0u8; SEGMENT_HEADER];
    let mut f = std::fs::File::open(file).map_err(io(file))?;
    let mut got = 0;
    while got < h.len() {
        match f.read(&mut h[got..]).map_err(io(file))? {
            0 => break,
            n => got += n,
        }
    }
    Ok(h)
}

/// The position in `files` of the last segment whose header says at most `after` commands
/// precede it.
fn start_segment(files: &[PathBuf], after: u64) -> Result<usize, LogError> {
    let mut start = None;
    for (i, f) in files.iter().enumerate() {
        let h = read_header(f)?;
        let before = u64::from_le_bytes(h[32..40].try_into().expect("8 bytes"));
        if before > after {
            break;
        }
        start = Some(i);
    }
    start.ok_or_else(|| LogError::Corrupt {
        file: files[0].clone(),
        offset: 0,
        damage: Damage::MissingSegment,
    })
}

/// Reads the records of segments already in memory, as [`scan`] reads a directory's (the
/// first is segment 0): the same checks, for fuzzing the decoder without a file system.
pub fn scan_bytes(
    segments: &[&[u8]],
    mut visit: impl FnMut(&RecordRef<'_>) -> Result<(), LogError>,
) -> Result<ScanEnd, LogError> {
    let mut end = ScanEnd {
        first_segment: 0,
        first_seq_before: 0,
        segments: segments.len() as u64,
        last_seq: 0,
        chain: CHAIN_START,
        last_len: 0,
        torn: None,
    };
    let mut seen_genesis = false;
    for (i, data) in segments.iter().enumerate() {
        let name = PathBuf::from(segment::file_name(i as u64));
        let last = i + 1 == segments.len();
        scan_segment(
            &name,
            data,
            i as u64,
            last,
            &mut end,
            &mut seen_genesis,
            &mut visit,
        )?;
    }
    Ok(end)
}

/// Reads one segment's records, continuing `end` from the segments before it.
fn scan_segment(
    file: &Path,
    data: &[u8],
    index: u64,
    last: bool,
    end: &mut ScanEnd,
    seen_genesis: &mut bool,
    visit: &mut impl FnMut(&RecordRef<'_>) -> Result<(), LogError>,
) -> Result<(), LogError> {
    let corrupt = |offset: usize, damage| LogError::Corrupt {
        file: file.to_path_buf(),
        offset: offset as u64,
        damage,
    };
    check_header(data, index, end.chain, end.last_seq).map_err(|d| corrupt(0, d))?;
    let mut at = SEGMENT_HEADER;
    while at < data.len() {
        let rec = match parse(data, at) {
            Ok(rec) => rec,
            Err(_) if last && is_torn(data, at, end.last_seq) => {
                end.torn = Some(Torn {
                    file: file.to_path_buf(),
                    offset: at as u64,
                    bytes: (data.len() - at) as u64,
                });
                break;
            }
            Err(damage) => return Err(corrupt(at, damage)),
        };
        if rec.prev != end.chain {
            return Err(corrupt(at, Damage::ChainBroken));
        }
        let expected = match rec.kind {
            Kind::Genesis => 0,
            Kind::Command => end.last_seq + 1,
            Kind::Checkpoint => end.last_seq,
        };
        if rec.seq != expected || (rec.kind == Kind::Genesis) == *seen_genesis {
            let damage = if rec.kind == Kind::Genesis || !*seen_genesis {
                Damage::BadRecord("the genesis must be the first record, and only it")
            } else {
                Damage::SequenceGap {
                    expected,
                    found: rec.seq,
                }
            };
            return Err(corrupt(at, damage));
        }
        *seen_genesis = true;
        let payload = &data[at + RECORD_HEADER..at + RECORD_HEADER + rec.len];
        visit(&RecordRef {
            seq: rec.seq,
            kind: rec.kind,
            payload,
            file,
            offset: at as u64,
            prev: rec.prev,
        })?;
        end.chain = segment::next_chain(rec.prev, rec.crc, rec.seq, rec.kind);
        if rec.kind == Kind::Command {
            end.last_seq = rec.seq;
        }
        at += RECORD_HEADER + rec.len;
    }
    end.last_len = end.torn.as_ref().map_or(data.len() as u64, |t| t.offset);
    Ok(())
}

fn segment_index(path: &Path) -> u64 {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".log"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn check_header(data: &[u8], index: u64, chain: u64, last_seq: u64) -> Result<(), Damage> {
    if data.len() < SEGMENT_HEADER {
        return Err(Damage::BadHeader("shorter than a header"));
    }
    if data[..8] != segment::MAGIC {
        return Err(Damage::BadHeader("not an ecomatch log segment"));
    }
    if u32::from_le_bytes(data[8..12].try_into().expect("4 bytes")) != segment::VERSION {
        return Err(Damage::BadHeader("unknown format version"));
    }
    if u64::from_le_bytes(data[16..24].try_into().expect("8 bytes")) != index {
        return Err(Damage::BadHeader(
            "segment index differs from the file name",
        ));
    }
    if u64::from_le_bytes(data[24..32].try_into().expect("8 bytes")) != chain {
        return Err(Damage::BadHeader(
            "does not continue the previous segment's chain",
        ));
    }
    if u64::from_le_bytes(data[32..40].try_into().expect("8 bytes")) != last_seq {
        return Err(Damage::BadHeader(
            "does not continue the previous segment's sequence",
        ));
    }
    Ok(())
}

struct Parsed {
    len: usize,
    crc: u32,
    seq: u64,
    prev: u64,
    kind: Kind,
}

fn parse(data: &[u8], at: usize) -> Result<Parsed, Damage> {
    let rest = &data[at..];
    if rest.len() < RECORD_HEADER {
        return Err(Damage::Truncated);
    }
    let word =
        |r: core::ops::Range<usize>| u64::from_le_bytes(rest[r].try_into().expect("8 bytes"));
    let len = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes"));
    if len > MAX_PAYLOAD {
        return Err(Damage::BadRecord("length beyond the largest payload"));
    }
    let len = len as usize;
    if rest.len() < RECORD_HEADER + len {
        return Err(Damage::Truncated);
    }
    let crc = u32::from_le_bytes(rest[4..8].try_into().expect("4 bytes"));
    if crc32c::crc32c(&rest[8..RECORD_HEADER + len]) != crc {
        return Err(Damage::Checksum);
    }
    let kind = Kind::from_u8(rest[24]).ok_or(Damage::BadRecord("unknown record kind"))?;
    Ok(Parsed {
        len,
        crc,
        seq: word(8..16),
        prev: word(16..24),
        kind,
    })
}

/// A bad record in the last segment is torn (a write cut short by a crash) only if no good
/// record follows it: a damaged record with good ones after it is corruption, not a torn tail.
fn is_torn(data: &[u8], at: usize, last_seq: u64) -> bool {
    !(at + 1..data.len().saturating_sub(RECORD_HEADER - 1)).any(|p| {
        let seq = u64::from_le_bytes(data[p + 8..p + 16].try_into().expect("8 bytes"));
        // Only plausible sequence numbers are worth a checksum.
        (last_seq..=last_seq + 1_000).contains(&seq) && parse(data, p).is_ok()
    })
}
