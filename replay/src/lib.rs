//! The sequenced command log, snapshots, recovery and replay (see docs/ARCHITECTURE.md).
