//! Wrong passwords slow the next try down: each key (a login, a client's address, the master
//! password) has at most one try under way, and after wrong ones its next try waits longer
//! and longer. Parallel guesses are then no faster than guesses one after the other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What one key has been through.
#[derive(Debug, Clone, Copy)]
struct Gate {
    /// Wrong tries in a row.
    failures: u32,
    /// No try before then.
    not_before: Instant,
    /// A try is under way.
    busy: bool,
}

/// How a key's tries are spaced after wrong ones.
#[derive(Debug, Clone, Copy)]
pub struct Spacing {
    /// Wrong tries in a row that cost nothing.
    pub free: u32,
    /// The wait after the first one that costs.
    pub first: Duration,
    /// The longest wait.
    pub most: Duration,
}

impl Spacing {
    /// The wait after `failures` wrong tries in a row.
    pub fn after(&self, failures: u32) -> Duration {
        match failures.checked_sub(self.free + 1) {
            None => Duration::ZERO,
            Some(doublings) => self
                .first
                .saturating_mul(1u32 << doublings.min(16))
                .min(self.most),
        }
    }
}

/// The gates of every key that has a wrong try against it.
#[derive(Debug)]
pub struct Throttle {
    spacing: Spacing,
    gates: Arc<Mutex<HashMap<String, Gate>>>,
}

/// The most keys kept: past it, the keys whose wait is over are forgotten.
const MOST_KEYS: usize = 10_000;

impl Throttle {
    pub fn new(spacing: Spacing) -> Self {
        Self {
            spacing,
            gates: Arc::default(),
        }
    }

    /// Starts a try against every one of `keys`, or says how long to wait first (another try
    /// under way on one of them counts as a short wait).
    pub fn begin(&self, keys: &[String]) -> Result<Attempt, Duration> {
        let now = Instant::now();
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = Duration::ZERO;
        for key in keys {
            if let Some(gate) = gates.get(key) {
                let left = gate.not_before.saturating_duration_since(now);
                let left = if gate.busy {
                    left.max(Duration::from_millis(50))
                } else {
                    left
                };
                wait = wait.max(left);
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        if gates.len() >= MOST_KEYS {
            gates.retain(|_, gate| gate.busy || gate.not_before > now);
        }
        for key in keys {
            let gate = gates.entry(key.clone()).or_insert(Gate {
                failures: 0,
                not_before: now,
                busy: false,
            });
            gate.busy = true;
        }
        Ok(Attempt {
            keys: keys.to_vec(),
            gates: self.gates.clone(),
            spacing: self.spacing,
            done: false,
        })
    }

    /// Waits until a try against `keys` may start, and starts it.
    pub async fn wait_to_begin(&self, keys: &[String]) -> Attempt {
        loop {
            match self.begin(keys) {
                Ok(attempt) => return attempt,
                Err(wait) => tokio::time::sleep(wait).await,
            }
        }
    }
}

/// A try under way; dropped without an outcome, it counts as neither.
#[derive(Debug)]
pub struct Attempt {
    keys: Vec<String>,
    gates: Arc<Mutex<HashMap<String, Gate>>>,
    spacing: Spacing,
    done: bool,
}

impl Attempt {
    /// The password was right: its keys start afresh.
    pub fn succeeded(mut self) {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        for key in &self.keys {
            gates.remove(key);
        }
        self.done = true;
    }

    /// The password was wrong: returns how long the keys now wait (the longest of them).
    pub fn failed(mut self) -> Duration {
        let now = Instant::now();
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = Duration::ZERO;
        for key in &self.keys {
            if let Some(gate) = gates.get_mut(key) {
                gate.failures = gate.failures.saturating_add(1);
                let after = self.spacing.after(gate.failures);
                gate.not_before = now + after;
                gate.busy = false;
                wait = wait.max(after);
            }
        }
        self.done = true;
        wait
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        for key in &self.keys {
            if let Some(gate) = gates.get_mut(key) {
                gate.busy = false;
            }
        }
    }
}

/// Sign-in tries, watched by login and by the client's address.
#[derive(Debug)]
pub struct SignIns {
    /// Two wrong passwords in a row for one login are free; then each try waits twice as long
    /// as the last (0.25 s, 0.5 s, ... up to 30 s).
    pub by_login: Throttle,
    /// The same from one address, after ten free ones (an office behind one address mistypes
    /// more than one person does).
    pub by_address: Throttle,
}

impl Default for SignIns {
    fn default() -> Self {
        let spacing = |free| Spacing {
            free,
            first: Duration::from_millis(250),
            most: Duration::from_secs(30),
        };
        Self {
            by_login: Throttle::new(spacing(2)),
            by_address: Throttle::new(spacing(10)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPACING: Spacing = Spacing {
        free: 2,
        first: Duration::from_millis(250),
        most: Duration::from_secs(8),
    };

    #[test]
    fn the_wait_doubles_after_the_free_tries_up_to_the_most() {
        let waits: Vec<u64> = (1..=9)
            .map(|n| u64::try_from(SPACING.after(n).as_millis()).unwrap())
            .collect();
        assert_eq!(waits, [0, 0, 250, 500, 1000, 2000, 4000, 8000, 8000]);
    }

    #[test]
    fn one_try_at_a_time_per_key_and_wrong_ones_close_the_gate() {
        let throttle = Throttle::new(SPACING);
        let key = |k: &str| vec![k.to_owned()];
        let first = throttle.begin(&key("alice")).unwrap();
        assert!(throttle.begin(&key("alice")).is_err(), "one at a time");
        let other = throttle.begin(&key("bob")).unwrap();
        drop(other);
        assert_eq!(
            first.failed(),
            Duration::ZERO,
            "the first wrong try is free"
        );
        throttle.begin(&key("alice")).unwrap().failed();
        let third = throttle.begin(&key("alice")).unwrap().failed();
        assert_eq!(third, Duration::from_millis(250));
        let refused = throttle.begin(&key("alice")).unwrap_err();
        assert!(refused > Duration::from_millis(200) && refused <= third);
        // a try against two keys waits for the slower one.
        assert!(throttle
            .begin(&[String::from("bob"), String::from("alice")])
            .is_err());
    }
}
