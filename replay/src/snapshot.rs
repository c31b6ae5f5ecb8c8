//! Snapshot files: the exchange's state at a sequence number, beside the log segments.
//!
//! ```text
//! snapshot-<seq, 20 digits>.snap:
//!   magic "ECOMSNAP" | version u32 | crc32c u32 (of all that follows) | seq u64 |
//!   state hash [32] | genesis length u32 | genesis | payload (Exchange::snapshot)
//! ```
//! The snapshot carries the log's genesis too, so that it still restores once the segments it
//! covers (the genesis record among them) are archived.
//! ```text
//! ```
//! Written to a temporary file, fsynced, renamed into place and the directory fsynced, so a
//! snapshot file either exists whole or not at all. A snapshot is only written once the log
//! holds its sequence durably, so recovery can always replay the tail after it.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Damage, LogError, io};

const MAGIC: [u8; 8] = *b"ECOMSNAP";
const VERSION: u32 = 1;
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
    /// The log's genesis payload.
    pub genesis: Vec<u8>,
    /// The encoded state.
    pub payload: Vec<u8>,
}

fn name(seq: u64) -> String {
    format!("snapshot-{seq:020}.snap")
}

/// Writes a snapshot durably (temporary file, fsync, rename, directory fsync).
pub fn write(
    dir: &Path,
    seq: u64,
    state_hash: &[u8; 32],
    genesis: &[u8],
    payload: &[u8],
) -> Result<PathBuf, LogError> {
    let path = dir.join(name(seq));
    let tmp = dir.join(format!("{}.tmp", name(seq)));
    let mut body = Vec::with_capacity(HEADER + payload.len());
    body.extend_from_slice(&seq.to_le_bytes());
    body.extend_from_slice(state_hash);
    let glen = u32::try_from(genesis.len()).expect("a genesis below 4 GiB");
    body.extend_from_slice(&glen.to_le_bytes());
    body.extend_from_slice(genesis);
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
    if u32::from_le_bytes(data[8..12].try_into().expect("4 bytes")) != VERSION {
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
    if data.len() < 60 || data.len() - 60 < glen {
        return Err(bad("genesis length beyond the file"));
    }
    Ok(Snapshot {
        path: path.to_path_buf(),
        seq: u64::from_le_bytes(data[16..24].try_into().expect("8 bytes")),
        state_hash: data[24..56].try_into().expect("32 bytes"),
        genesis: data[60..60 + glen].to_vec(),
        payload: data[60 + glen..].to_vec(),
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
