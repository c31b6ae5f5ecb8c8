//! Whether the server is sound, and what happens the moment it is not.
//!
//! The core, publisher and hand-off threads are the server: if one of them dies (a panic, or a
//! log write or fsync that failed), the server may never go on half alive, taking requests it
//! will never answer while `/healthz` says `ok`. So a dying thread calls [`Health::fail`]:
//! from then on `/healthz` answers `503`, every session is closed with the reason
//! `server_failure` (WebSocket close code 1011), and after a short grace period for those
//! close frames the process exits with status 70, so that a supervisor restarts it on the
//! durable log. A deterministic core would replay a poison pill on every restart; the log
//! line names the command's sequence number so that an operator can find it.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use tokio::sync::watch;

/// How long the sessions get to send their close frames before the process exits.
pub const GRACE: Duration = Duration::from_millis(1500);

/// The exit status of a server that stopped because a thread failed (`EX_SOFTWARE`).
pub const EXIT_FAILURE: i32 = 70;

/// The server's health, shared by every thread and session.
#[derive(Debug)]
pub struct Health {
    down: watch::Sender<Option<String>>,
}

impl Default for Health {
    fn default() -> Self {
        Self {
            down: watch::Sender::new(None),
        }
    }
}

impl Health {
    /// True until a thread has failed.
    pub fn is_up(&self) -> bool {
        self.down.borrow().is_none()
    }

    /// Why the server failed, once it has.
    pub fn failure(&self) -> Option<String> {
        self.down.borrow().clone()
    }

    /// Marks the server failed (the first failure is the one kept) and logs it.
    pub fn fail(&self, thread: &str, why: &str) {
        tracing::error!(
            thread,
            failure = why,
            "server failure: closing every session and exiting"
        );
        self.down.send_if_modified(|d| {
            let first = d.is_none();
            if first {
                *d = Some(format!("{thread}: {why}"));
            }
            first
        });
    }

    /// Resolves once the server has failed.
    pub async fn failed(&self) {
        let mut rx = self.down.subscribe();
        let _ = rx.wait_for(Option::is_some).await;
    }
}

/// Runs one of the server's threads: a panic or an error it returns marks the server failed
/// and ends the process after [`GRACE`]; a plain return (its queues closed) is a shutdown.
pub fn guarded(name: &str, health: &Health, exit: bool, f: impl FnOnce() -> Result<(), String>) {
    let why = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => return,
        Ok(Err(e)) => e,
        Err(panic) => format!("panicked: {}", crate::panic::message(panic.as_ref())),
    };
    health.fail(name, &why);
    if exit {
        std::thread::sleep(GRACE);
        std::process::exit(EXIT_FAILURE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_thread_marks_the_server_down_once() {
        let h = Health::default();
        assert!(h.is_up());
        guarded("core-0", &h, false, || Ok(()));
        assert!(h.is_up(), "a plain return is a shutdown");
        guarded("core-0", &h, false, || panic!("boom at {}", 7));
        assert_eq!(h.failure().as_deref(), Some("core-0: panicked: boom at 7"));
        guarded("publisher", &h, false, || Err("later".into()));
        assert_eq!(
            h.failure().as_deref(),
            Some("core-0: panicked: boom at 7"),
            "the first failure is kept"
        );
        assert!(!h.is_up());
    }
}
