//! Snapshot files: the exchange's state at a sequence number, beside the log segments.
//!
//! ```text
//! snapshot-<seq, 20 digits>.snap:
//!   magic "ECOMSNAP" | version u32 | crc32c u32 (of all that follows) | seq u64 |
//!   state hash [32] | genesis length u32 | genesis | chain u64 | payload (Exchange::snapshot)
//! ```
//! The snapshot carries the log's genesis too, so that it still restores once the segments it
//! covers (the genesis record among them) are archived, and the log's chain value after its
//! last record (version 2): a restart reads only the segments after the snapshot, and the
//! first record there must continue that chain, which ties the snapshot to this very log.
//! Written to a temporary file, fsynced, renamed into place and the directory fsynced, so a
//! snapshot file either exists whole or not at all. A snapshot is only written once the log
//! holds its sequence durably, so recovery can always replay the tail after it.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Damage, LogError, io};

const MAGIC: [u8; 8] = *b"ECOMSNAP";
const VERSION: u32 = 2;
const HEADER: usize = 8 + 4 + 4 + 8 + 32;

/// A snapshot read back and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// The file.
    pub path: PathBuf,
    /// The last command it includes.
    pub seq: u64,
    /// The state hash at that point.
    pub state_hash: [u8; 32],
    /// The log's chain value after the last record the snapshot covers; `None` in a version 1
    /// file, which recovery then cannot tie to the log without reading all of it.
    pub chain: Option<u64>,
    /// The log's genesis payload.
    pub genesis: Vec<u8>,
    /// The encoded state.
    pub payload: Vec<u8>,
}

fn name(seq: u64) -> String {
    format!("snapshot-{seq:020}.snap")
}

/// Where a snapshot stands in its log: the last command it includes, and the log's chain value
/// after the last record written then ([`crate::LogWriter::chain`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    /// The last command included.
    pub seq: u64,
    /// The chain value after the last record.
    pub chain: u64,
}

/// Writes a snapshot durably (temporary file, fsync, rename, directory fsync).
pub fn write(
    dir: &Path,
    at: Point,
    state_hash: &[u8; 32],
    genesis: &[u8],
    payload: &[u8],
) -> Result<PathBuf, LogError> {
    let seq = at.seq;
    let path = dir.join(name(seq));
    let tmp = dir.join(format!("{}.tmp", name(seq)));
    let mut body = Vec::with_capacity(HEADER + payload.len());
    body.extend_from_slice(&seq.to_le_bytes());
    body.extend_from_slice(state_hash);
    let glen = u32::try_from(genesis.len()).expect("a genesis below 4 GiB");
    body.extend_from_slice(&glen.to_le_bytes());
    body.extend_from_slice(genesis);
    body.extend_from_slice(&at.chain.to_le_bytes());
    body.extend_from_slice(payload);
    let mut f = File::create(&tmp).map_err(io(&tmp))?;
    f.write_all(&MAGIC).map_err(io(&tmp))?;
    f.write_all(&VERSION.to_le_bytes()).map_err(io(&tmp))?;
    f.write_all(&crc32c::crc32c(&body).to_le_bytes())
        .map_err(io(&tmp))?;
    f.write_all(&body).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(io(&path))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))?;
    Ok(path)
}

/// Reads and checks one snapshot file.
pub fn read(path: &Path) -> Result<Snapshot, LogError> {
    let data = std::fs::read(path).map_err(io(path))?;
    let bad = |why| LogError::Corrupt {
        file: path.to_path_buf(),
        offset: 0,
        damage: Damage::BadHeader(why),
    };
    if data.len() < HEADER || data[..8] != MAGIC {
        return Err(bad("not an ecomatch snapshot"));
    }
    let version = u32::from_le_bytes(data[8..12].try_into().expect("4 bytes"));
    if version != 1 && version != VERSION {
        return Err(bad("unknown snapshot version"));
    }
    let crc = u32::from_le_bytes(data[12..16].try_into().expect("4 bytes"));
    if crc32c::crc32c(&data[16..]) != crc {
        return Err(LogError::Corrupt {
            file: path.to_path_buf(),
            offset: 12,
            damage: Damage::Checksum,
        });
    }
    let glen = data.get(56..60).map_or(usize::MAX, |b| {
        u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize
    });
    let chained = if version == 1 { 0 } else { 8 };
    if data.len() < 60 || data.len() - 60 < glen + chained {
        return Err(bad("genesis length beyond the file"));
    }
    let after = 60 + glen;
    let chain = (version != 1)
        .then(|| u64::from_le_bytes(data[after..after + 8].try_into().expect("8 bytes")));
    Ok(Snapshot {
        path: path.to_path_buf(),
        seq: u64::from_le_bytes(data[16..24].try_into().expect("8 bytes")),
        state_hash: data[24..56].try_into().expect("32 bytes"),
        chain,
        genesis: data[60..after].to_vec(),
        payload: data[after + chained..].to_vec(),
    })
}

/// The snapshot files of a directory, newest first (by the sequence in their names).
pub fn list(dir: &Path) -> Result<Vec<(u64, PathBuf)>, LogError> {
    let mut v = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        let seq: Option<u64> = path.file_name().and_then(|n| n.to_str()).and_then(|n| {
            n.strip_prefix("snapshot-")?
                .strip_suffix(".snap")?
                .parse()
                .ok()
        });
        if let Some(seq) = seq {
            v.push((seq, path));
        }
    }
    v.sort_by_key(|s| core::cmp::Reverse(s.0));
    Ok(v)
}
