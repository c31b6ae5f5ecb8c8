//! The primary's lease on a stream, in a JetStream key-value bucket: one key per stream, the
//! holder's writer id as its value. An entry lives [`LEASE_TTL`] unless renewed; a free key
//! is taken with a create, which only one contender can win. The holder renews it from a
//! thread of its own, so that a core waiting out a stream election does not let it lapse.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_nats::jetstream::{self, kv, stream as js};

use crate::ReplicaError;

/// The bucket of leases.
const LEASE_BUCKET: &str = "ECOMATCH_LEASES";
/// How long a lease lasts without renewal: the longest a dead primary keeps the market
/// without one, and what a pause must exceed before another takes over.
pub const LEASE_TTL: Duration = Duration::from_secs(3);

fn unavailable(e: &dyn core::fmt::Display) -> ReplicaError {
    ReplicaError::Unavailable(e.to_string())
}

/// Opens the bucket, creating it if needed.
pub(crate) async fn bucket(
    js: &jetstream::Context,
    replicas: usize,
) -> Result<kv::Store, ReplicaError> {
    // The bucket's stream is made as a key-value bucket is made, by hand: the client's own
    // `create_key_value` asks the account for its limits in a form nats-server 2.9 does not
    // answer.
    js.get_or_create_stream(js::Config {
        name: format!("KV_{LEASE_BUCKET}"),
        subjects: vec![format!("$KV.{LEASE_BUCKET}.>")],
        max_messages_per_subject: 1,
        max_age: LEASE_TTL,
        storage: js::StorageType::File,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: js::DiscardPolicy::New,
        num_replicas: replicas,
        ..Default::default()
    })
    .await
    .map_err(|e| unavailable(&e))?;
    js.get_key_value(LEASE_BUCKET)
        .await
        .map_err(|e| unavailable(&e))
}

/// Takes the lease on `key` if it is free: its revision, or `None` when another holds it.
pub(crate) async fn take(
    store: &kv::Store,
    key: &str,
    writer: &str,
) -> Result<Option<u64>, ReplicaError> {
    match store
        .create(key, writer.to_owned().into_bytes().into())
        .await
    {
        Ok(revision) => Ok(Some(revision)),
        Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => Ok(None),
        Err(e) => Err(unavailable(&e)),
    }
}

/// A held lease, renewed three times per [`LEASE_TTL`] by a thread of its own until dropped.
#[derive(Debug)]
pub struct Renewal {
    /// Why the lease was lost, once it was.
    lost: Arc<OnceLock<String>>,
    stop: Arc<AtomicBool>,
}

impl Renewal {
    /// Starts renewing the lease on `key` (taken at `revision`) over a connection of its own.
    pub(crate) fn start(
        servers: Vec<String>,
        key: String,
        writer: String,
        revision: u64,
    ) -> std::io::Result<Self> {
        let lost = Arc::new(OnceLock::new());
        let stop = Arc::new(AtomicBool::new(false));
        let (lost2, stop2) = (Arc::clone(&lost), Arc::clone(&stop));
        std::thread::Builder::new()
            .name("lease".into())
            .spawn(move || {
                let renewed = renew_until_stopped(servers, &key, &writer, revision, &stop2);
                if !stop2.load(Ordering::Acquire) {
                    let why = renewed.err().map_or_else(String::new, |e| e.to_string());
                    let _ = lost2.set(why);
                }
            })?;
        Ok(Self { lost, stop })
    }

    /// Why the lease could not be renewed, once that happened: another may hold it now.
    pub fn lost(&self) -> Option<&str> {
        self.lost.get().map(String::as_str)
    }
}

impl Drop for Renewal {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}

/// The renewal thread's work: returns when stopped (Ok) or when the lease is lost (Err).
fn renew_until_stopped(
    servers: Vec<String>,
    key: &str,
    writer: &str,
    mut revision: u64,
    stop: &AtomicBool,
) -> Result<(), ReplicaError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| unavailable(&e))?;
    rt.block_on(async {
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(1))
            .connect(servers)
            .await
            .map_err(|e| unavailable(&e))?;
        let js = jetstream::new(client);
        let store = js
            .get_key_value(LEASE_BUCKET)
            .await
            .map_err(|e| unavailable(&e))?;
        loop {
            tokio::time::sleep(LEASE_TTL / 3).await;
            if stop.load(Ordering::Acquire) {
                return Ok(());
            }
            // Retried while the bucket's stream elects a leader (nobody can take the lease
            // then either). A lease that lapsed meanwhile is taken again if it is still
            // free; held by another, it is lost.
            loop {
                let value = writer.to_owned().into_bytes().into();
                match store.update(key, value, revision).await {
                    Ok(r) => {
                        revision = r;
                        break;
                    }
                    Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => {
                        match take(&store, key, writer).await {
                            Ok(Some(r)) => {
                                revision = r;
                                break;
                            }
                            Ok(None) => return Err(ReplicaError::LeaseLost(e.to_string())),
                            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                        }
                    }
                    Err(_) if !stop.load(Ordering::Acquire) => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(_) => return Ok(()),
                }
            }
        }
    })
}
