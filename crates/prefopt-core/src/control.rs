//! Steering a running algorithm from outside: stop requests (Ctrl-C, SIGTERM, a test) and the
//! checkpoint a run resumes from.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A request to stop a run at its next step boundary, shared between whoever asks (a signal
/// handler, a test) and the algorithm, which finishes its step, writes a checkpoint and returns.
///
/// Clones share the request: a handler holds one clone, the run another.
#[derive(Debug, Clone)]
pub struct StopFlag {
    requested: Arc<AtomicBool>,
    /// `usize::MAX` until the algorithm stops early; then the steps it had finished.
    stopped_at: Arc<AtomicUsize>,
}

impl Default for StopFlag {
    fn default() -> Self {
        Self {
            requested: Arc::new(AtomicBool::new(false)),
            stopped_at: Arc::new(AtomicUsize::new(usize::MAX)),
        }
    }
}

impl StopFlag {
    /// A flag nobody has raised.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop. Only an atomic store: safe to call from a signal handler's thread.
    pub fn request(&self) {
        self.requested.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for; algorithms check at each step boundary.
    pub fn is_requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }

    /// Called by the algorithm when it honours the request: it stopped after `steps` steps,
    /// short of its planned number.
    pub fn stopped_after(&self, steps: usize) {
        self.stopped_at.store(steps, Ordering::SeqCst);
    }

    /// The steps finished when the algorithm stopped early; `None` when it ran to completion
    /// (or ignores stop requests, as closed-form algorithms do).
    pub fn stopped_at(&self) -> Option<usize> {
        let steps = self.stopped_at.load(Ordering::SeqCst);
        (steps != usize::MAX).then_some(steps)
    }
}

/// How a run is steered from outside the algorithm.
#[derive(Debug, Clone, Default)]
pub struct RunControl {
    /// Raised to stop at the next step boundary.
    pub stop: StopFlag,
    /// A checkpoint directory written by an earlier, interrupted run of the same config: the
    /// algorithm continues from it (parameters, optimizer state, step) instead of starting over.
    pub resume_from: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_request_and_the_acknowledgement() {
        let flag = StopFlag::new();
        let handler = flag.clone();
        assert!(!flag.is_requested());
        assert_eq!(flag.stopped_at(), None);
        handler.request();
        assert!(flag.is_requested());
        flag.stopped_after(7);
        assert_eq!(handler.stopped_at(), Some(7));
    }
}
