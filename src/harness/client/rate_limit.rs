//! The client-side rate limit, shared by every task of a pull.

use std::time::{Duration, Instant};

/// The rate limiter: requests are spaced evenly at the configured rate.
pub(super) struct RateLimiter {
    interval: Option<Duration>,
    next: tokio::sync::Mutex<Instant>,
}

impl RateLimiter {
    pub(super) fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            interval: (per_minute > 0)
                .then(|| Duration::from_secs_f64(60.0 / f64::from(per_minute))),
            next: tokio::sync::Mutex::new(Instant::now()),
        }
    }

    /// Waits for this request's slot; returns the time waited.
    pub(super) async fn acquire(&self) -> Duration {
        let Some(interval) = self.interval else {
            return Duration::ZERO;
        };
        let slot = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + interval;
            slot
        };
        let wait = slot.saturating_duration_since(Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limiter_spaces_requests_evenly() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            // 1200 a minute: one every 50 ms, no burst.
            let limiter = RateLimiter::new(1200);
            let start = Instant::now();
            for _ in 0..5 {
                limiter.acquire().await;
            }
            assert!(start.elapsed() >= Duration::from_millis(200));
            let unlimited = RateLimiter::new(0);
            for _ in 0..1000 {
                assert_eq!(unlimited.acquire().await, Duration::ZERO);
            }
        });
    }
}
