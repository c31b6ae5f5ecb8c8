//! Appending to the log with group commit: records collect in memory and go to disk in one
//! write (and at most one fsync) per commit, so durability costs a syscall per batch, not per
//! command.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ecomatch_exchange::Sequenced;

use crate::codec::Writer;
use crate::error::{LogError, io};
use crate::fault::{Direct, SegmentIo};
use crate::reader::ScanEnd;
use crate::segment::{self, CHAIN_START, Kind, SEGMENT_HEADER};

/// When the log is made durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsyncPolicy {
    /// Every commit is fsynced: nothing acknowledged is ever lost.
    Always,
    /// Group commit: the caller commits every `records` records or after `micros` µs,
    /// whichever comes first (see [`LogWriter::should_commit`]); each commit is fsynced.
    Batch {
        /// Records per batch.
        records: u32,
        /// The longest a record waits, in µs.
        micros: u64,
    },
    /// Never fsync (the OS writes when it likes): for tests and benchmarks.
    Never,
}

/// The default size at which a new segment is started.
pub const DEFAULT_SEGMENT_BYTES: u64 = 64 << 20;

/// The append side of a log directory.
pub struct LogWriter {
    dir: PathBuf,
    file: File,
    index: u64,
    len: u64,
    chain: u64,
    last_seq: u64,
    buf: Vec<u8>,
    payload: Vec<u8>,
    pending: u32,
    since: Option<Instant>,
    policy: FsyncPolicy,
    max_segment: u64,
    /// Where writes and fsyncs go: the file itself, or a fault injector in tests.
    io: Box<dyn SegmentIo>,
    /// A write or fsync failed: nothing more is accepted.
    stopped: bool,
    /// The end of what the last successful `commit` or `sync` acknowledged: (segment, length).
    /// A rotation writes the records before it without acknowledging them; a failure cuts the
    /// log back to here.
    acked: (u64, u64),
}

fn sync_dir(dir: &Path) -> Result<(), LogError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

impl LogWriter {
    /// Starts a new log in `dir` (created if needed, and which must hold no log yet) with its
    /// genesis record, durable before this returns.
    pub fn create(
        dir: &Path,
        genesis: &[u8],
        policy: FsyncPolicy,
        max_segment: u64,
    ) -> Result<Self, LogError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let mut first = Vec::with_capacity(SEGMENT_HEADER + segment::RECORD_HEADER + genesis.len());
        first.extend_from_slice(&segment::header(0, CHAIN_START, 0));
        let chain = segment::encode_record(&mut first, 0, CHAIN_START, Kind::Genesis, genesis);
        Self::new_segment(dir, 0, chain, 0, policy, max_segment, &first)
    }

    /// Continues a log after a scan: a torn tail is cut off first (and made durable).
    pub fn resume(
        dir: &Path,
        end: &ScanEnd,
        policy: FsyncPolicy,
        max_segment: u64,
    ) -> Result<Self, LogError> {
        let index = end.first_segment + end.segments - 1;
        let path = dir.join(segment::file_name(index));
        let file = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        if end.torn.is_some() {
            file.set_len(end.last_len).map_err(io(&path))?;
            file.sync_all().map_err(io(&path))?;
        }
        let mut file = file;
        std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(end.last_len))
            .map_err(io(&path))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            file,
            index,
            len: end.last_len,
            chain: end.chain,
            last_seq: end.last_seq,
            buf: Vec::with_capacity(1 << 20),
            payload: Vec::with_capacity(256),
            pending: 0,
            since: None,
            policy,
            max_segment,
            io: Box::new(Direct),
            stopped: false,
            acked: (index, end.last_len),
        })
    }

    /// Creates segment `index` holding `initial` (its header, and the genesis for the first),
    /// atomically: written to a temporary file, fsynced, renamed into place, and the directory
    /// fsynced. A crash leaves either no segment or a whole one, never a half-written header.
    fn new_segment(
        dir: &Path,
        index: u64,
        chain: u64,
        last_seq: u64,
        policy: FsyncPolicy,
        max_segment: u64,
        initial: &[u8],
    ) -> Result<Self, LogError> {
        let path = dir.join(segment::file_name(index));
        let tmp = dir.join(format!("{}.tmp", segment::file_name(index)));
        let mut f = File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(initial).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        drop(f);
        if path.exists() {
            return Err(LogError::Io {
                path,
                source: std::io::Error::from(std::io::ErrorKind::AlreadyExists),
            });
        }
        std::fs::rename(&tmp, &path).map_err(io(&path))?;
        sync_dir(dir)?;
        let mut file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(io(&path))?;
        std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0)).map_err(io(&path))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            file,
            index,
            len: initial.len() as u64,
            chain,
            last_seq,
            buf: Vec::with_capacity(1 << 20),
            payload: Vec::with_capacity(256),
            pending: 0,
            since: None,
            policy,
            max_segment,
            io: Box::new(Direct),
            stopped: false,
            acked: (index, initial.len() as u64),
        })
    }

    /// Sends the writes and fsyncs of this writer (and of the segments it starts) through
    /// `io`: fault injection for tests and the simulator.
    pub fn set_io(&mut self, io: Box<dyn SegmentIo>) {
        self.io = io;
    }

    /// True once a write or fsync failed: the writer accepts nothing more.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// The sequence number of the last command appended.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Records appended but not yet committed.
    pub fn pending(&self) -> u32 {
        self.pending
    }

    /// Appends a command (in memory until the next commit). Its sequence must be the next.
    pub fn append(&mut self, cmd: &Sequenced) -> Result<(), LogError> {
        assert_eq!(
            cmd.seq.0,
            self.last_seq + 1,
            "commands are logged in sequence"
        );
        self.payload.clear();
        Writer(&mut self.payload).sequenced(cmd);
        self.push(cmd.seq.0, Kind::Command)?;
        self.last_seq = cmd.seq.0;
        Ok(())
    }

    /// Appends a checkpoint: the state hash after the last command appended.
    pub fn checkpoint(&mut self, state_hash: &[u8; 32]) -> Result<(), LogError> {
        self.payload.clear();
        self.payload.extend_from_slice(state_hash);
        self.push(self.last_seq, Kind::Checkpoint)
    }

    fn push(&mut self, seq: u64, kind: Kind) -> Result<(), LogError> {
        if self.stopped {
            return Err(LogError::Stopped(self.dir.clone()));
        }
        let size = (segment::RECORD_HEADER + self.payload.len()) as u64;
        if self.len + self.buf.len() as u64 + size > self.max_segment
            && self.len + (self.buf.len() as u64) > SEGMENT_HEADER as u64
        {
            self.rotate()?;
        }
        self.chain = segment::encode_record(&mut self.buf, seq, self.chain, kind, &self.payload);
        self.pending += 1;
        self.since.get_or_insert_with(Instant::now);
        Ok(())
    }

    /// Writes what is buffered, syncs it, and starts the next segment.
    fn rotate(&mut self) -> Result<(), LogError> {
        self.commit_with(true)?;
        let header = segment::header(self.index + 1, self.chain, self.last_seq);
        let mut next = Self::new_segment(
            &self.dir,
            self.index + 1,
            self.chain,
            self.last_seq,
            self.policy,
            self.max_segment,
            &header,
        )?;
        // The record being pushed is already encoded in `payload`: keep it, and the I/O seam.
        core::mem::swap(&mut next.payload, &mut self.payload);
        core::mem::swap(&mut next.io, &mut self.io);
        next.acked = self.acked;
        *self = next;
        Ok(())
    }

    /// Where the log stands: the last command appended and the chain value after the last
    /// record, which a snapshot of that command records ([`crate::snapshot::Point`]).
    pub fn point(&self) -> crate::snapshot::Point {
        crate::snapshot::Point {
            seq: self.last_seq,
            chain: self.chain,
        }
    }

    /// True when the policy wants the pending records committed now.
    pub fn should_commit(&self) -> bool {
        match self.policy {
            FsyncPolicy::Always => self.pending > 0,
            FsyncPolicy::Batch { records, micros } => {
                self.pending >= records
                    || self
                        .since
                        .is_some_and(|t| t.elapsed() >= Duration::from_micros(micros))
            }
            FsyncPolicy::Never => self.buf.len() >= 1 << 20,
        }
    }

    /// Writes the pending records and fsyncs them whatever the policy: before a snapshot, which
    /// must never describe commands the log could lose.
    pub fn sync(&mut self) -> Result<(), LogError> {
        self.commit_with(false)?;
        if let Err(source) = self.io.sync_data(&self.file) {
            return Err(self.stop(source));
        }
        self.acked = (self.index, self.len);
        Ok(())
    }

    /// Writes the pending records in one write, and fsyncs them unless the policy is `Never`.
    /// When this returns, every record appended so far is durable under the policy.
    pub fn commit(&mut self) -> Result<(), LogError> {
        self.commit_with(self.policy != FsyncPolicy::Never)?;
        self.acked = (self.index, self.len);
        Ok(())
    }

    fn commit_with(&mut self, sync: bool) -> Result<(), LogError> {
        if self.stopped {
            return Err(LogError::Stopped(self.dir.clone()));
        }
        if self.buf.is_empty() {
            return Ok(());
        }
        let mut done = self.io.write_all(&mut self.file, &self.buf);
        if sync && done.is_ok() {
            done = self.io.sync_data(&self.file);
        }
        if let Err(source) = done {
            return Err(self.stop(source));
        }
        self.len += self.buf.len() as u64;
        self.buf.clear();
        self.pending = 0;
        self.since = None;
        Ok(())
    }

    /// After a failed write or fsync: the writer accepts nothing more (retrying an fsync can
    /// report success for pages the kernel already dropped), and the bytes written since the
    /// last acknowledged commit are cut off, best effort, so that a restart recovers exactly
    /// what was acknowledged rather than commands no client was told about: in this segment,
    /// and in the segments a rotation started since (removed) and wrote before (cut back).
    /// Returns the error.
    fn stop(&mut self, source: std::io::Error) -> LogError {
        self.stopped = true;
        self.buf.clear();
        self.pending = 0;
        let (index, len) = self.acked;
        if index == self.index {
            let _ = self.file.set_len(len);
            let _ = self.file.sync_all();
        } else {
            for later in index + 1..=self.index {
                let _ = std::fs::remove_file(self.dir.join(segment::file_name(later)));
            }
            let path = self.dir.join(segment::file_name(index));
            if let Ok(f) = OpenOptions::new().write(true).open(&path) {
                let _ = f.set_len(len);
                let _ = f.sync_all();
            }
            let _ = sync_dir(&self.dir);
        }
        LogError::Io {
            path: self.dir.join(segment::file_name(self.index)),
            source,
        }
    }
}
