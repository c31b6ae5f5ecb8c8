//! The seam between the log writer and its segment file, and faults injected through it.
//!
//! [`LogWriter`](crate::LogWriter) makes its records durable with two operations: one write of
//! a batch and one fsync. They go through a [`SegmentIo`], the real file's by default
//! ([`Direct`]). Tests, the simulator and `ecomatch serve --inject-fault` put [`Faults`] there
//! instead, which fail the n-th write or fsync the way a disk does (EIO, ENOSPC, a short write),
//! so that what the writer does next can be checked: stop, acknowledge nothing that was not
//! durable, and never rewrite good data.

use std::fs::File;
use std::io::{self, Write};

/// The writer's two file operations on a segment.
pub trait SegmentIo: Send {
    /// Writes the whole of `buf` at the end of `file`.
    fn write_all(&mut self, file: &mut File, buf: &[u8]) -> io::Result<()>;
    /// Makes what was written to `file` durable.
    fn sync_data(&mut self, file: &File) -> io::Result<()>;
}

/// The real file operations.
#[derive(Clone, Copy, Debug, Default)]
pub struct Direct;

impl SegmentIo for Direct {
    fn write_all(&mut self, file: &mut File, buf: &[u8]) -> io::Result<()> {
        file.write_all(buf)
    }

    fn sync_data(&mut self, file: &File) -> io::Result<()> {
        file.sync_data()
    }
}

/// The real file operations, except the ones chosen to fail. Calls are counted from 1, writes
/// and fsyncs separately; a write is one commit's batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    write_error_at: Option<u64>,
    short_write_at: Option<u64>,
    sync_error_at: Option<u64>,
    writes: u64,
    syncs: u64,
}

impl Faults {
    /// No fault yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The `n`-th write fails with ENOSPC, having written nothing.
    #[must_use]
    pub fn fail_write(mut self, n: u64) -> Self {
        self.write_error_at = Some(n);
        self
    }

    /// The `n`-th write puts half its bytes in the file, then fails with EIO.
    #[must_use]
    pub fn short_write(mut self, n: u64) -> Self {
        self.short_write_at = Some(n);
        self
    }

    /// The `n`-th fsync fails with EIO (what was written may or may not be on disk).
    #[must_use]
    pub fn fail_sync(mut self, n: u64) -> Self {
        self.sync_error_at = Some(n);
        self
    }

    /// Whether any fault is planned.
    pub fn any(&self) -> bool {
        self.write_error_at.is_some()
            || self.short_write_at.is_some()
            || self.sync_error_at.is_some()
    }
}

impl SegmentIo for Faults {
    fn write_all(&mut self, file: &mut File, buf: &[u8]) -> io::Result<()> {
        self.writes += 1;
        if self.write_error_at == Some(self.writes) {
            return Err(io::Error::from_raw_os_error(28)); // ENOSPC
        }
        if self.short_write_at == Some(self.writes) {
            file.write_all(&buf[..buf.len() / 2])?;
            return Err(io::Error::from_raw_os_error(5)); // EIO
        }
        file.write_all(buf)
    }

    fn sync_data(&mut self, file: &File) -> io::Result<()> {
        self.syncs += 1;
        if self.sync_error_at == Some(self.syncs) {
            return Err(io::Error::from_raw_os_error(5)); // EIO
        }
        file.sync_data()
    }
}
