//! The on-disk format of the log: segment files with a versioned header, holding records
//! `len | crc32c | seq | prev | kind | payload`.
//!
//! ```text
//! segment header (40 bytes): magic "ECOMLOG\0" | version u32 | reserved u32 | index u64 | chain u64 | last_seq u64
//! record header  (25 bytes): len u32 | crc32c u32 | seq u64 | prev u64 | kind u8
//! ```
//! `len` counts the payload; the CRC32C covers everything after itself (seq, prev, kind,
//! payload). `prev` is the chain value before the record, and each record moves the chain on:
//! a record cut from elsewhere, reordered or duplicated does not fit the chain. The header's
//! `chain` is the chain value at the start of the segment, so segments cannot be swapped either,
//! and `last_seq` the last command before it, so that a log whose first segments were archived
//! (once a snapshot covers them) can still be read from the segment it now starts with.

/// The magic bytes that open every segment.
pub const MAGIC: [u8; 8] = *b"ECOMLOG\0";
/// The format version.
pub const VERSION: u32 = 1;
/// Bytes in a segment header.
pub const SEGMENT_HEADER: usize = 40;
/// Bytes in a record header.
pub const RECORD_HEADER: usize = 25;
/// The largest payload a record may have (a genesis configuration is the largest).
pub const MAX_PAYLOAD: u32 = 16 << 20;

/// What a record holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The market the log starts from (first record of the first segment, seq 0).
    Genesis = 0,
    /// A sequenced command.
    Command = 1,
    /// The state hash after the command of the same seq.
    Checkpoint = 2,
}

impl Kind {
    /// The kind of a tag byte.
    pub fn from_u8(v: u8) -> Option<Self> {
        [Self::Genesis, Self::Command, Self::Checkpoint]
            .into_iter()
            .find(|k| *k as u8 == v)
    }
}

/// The chain value after a record: a 64-bit mix of the previous value and the record's CRC,
/// sequence and kind (splitmix64's finaliser, which spreads every input bit).
pub fn next_chain(prev: u64, crc: u32, seq: u64, kind: Kind) -> u64 {
    let mut z = prev.rotate_left(17)
        ^ (u64::from(crc) << 32 | kind as u64)
        ^ seq.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The chain value a log starts from.
pub const CHAIN_START: u64 = 0x6563_6F6D_6174_6368; // "ecomatch"

/// The file name of segment `index`.
pub fn file_name(index: u64) -> String {
    format!("{index:010}.log")
}

/// The segment header bytes.
pub fn header(index: u64, chain: u64, last_seq: u64) -> [u8; SEGMENT_HEADER] {
    let mut h = [0u8; SEGMENT_HEADER];
    h[32..40].copy_from_slice(&last_seq.to_le_bytes());
    h[..8].copy_from_slice(&MAGIC);
    h[8..12].copy_from_slice(&VERSION.to_le_bytes());
    h[16..24].copy_from_slice(&index.to_le_bytes());
    h[24..32].copy_from_slice(&chain.to_le_bytes());
    h
}

/// Appends one record to `buf`; returns the chain value after it.
pub fn encode_record(buf: &mut Vec<u8>, seq: u64, prev: u64, kind: Kind, payload: &[u8]) -> u64 {
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|l| *l <= MAX_PAYLOAD)
        .expect("payload within MAX_PAYLOAD");
    let start = buf.len();
    buf.extend_from_slice(&len.to_le_bytes());
    buf.extend_from_slice(&[0; 4]);
    buf.extend_from_slice(&seq.to_le_bytes());
    buf.extend_from_slice(&prev.to_le_bytes());
    buf.push(kind as u8);
    buf.extend_from_slice(payload);
    let crc = crc32c::crc32c(&buf[start + 8..]);
    buf[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
    next_chain(prev, crc, seq, kind)
}
