//! Panics as text: a thread or a check that panicked is reported with its message, never
//! silently (see `server::health`, and the recovered state's invariant check in `script`).

/// The message of a panic payload (`panic!` with a literal or a formatted message).
pub fn message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_owned()
    }
}
