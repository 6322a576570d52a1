//! What a long command is doing, on stderr: a live line on a terminal; in a
//! CI log (stderr not a terminal) plain lines, one per phase and at least
//! one a minute while a phase lasts, so a working job is never taken for a
//! hung one; nothing with `-q`; never on stdout.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{term_safe, Output};

/// How often a CI log hears from a phase that goes on.
const HEARTBEAT: Duration = Duration::from_secs(60);

type Sink = Box<dyn Write + Send>;

/// The phases of one command.
pub(crate) struct Phases {
    inner: Option<Arc<Inner>>,
    thread: Option<JoinHandle<()>>,
    bar: Option<indicatif::ProgressBar>,
}

struct Inner {
    start: Instant,
    state: Mutex<State>,
    wake: Condvar,
}

struct State {
    phase: String,
    since: Instant,
    last_line: Instant,
    done: bool,
    sink: Sink,
}

impl Phases {
    /// Progress for a command: a live line when stderr is a terminal,
    /// plain lines otherwise, nothing when quiet.
    pub(crate) fn start(out: &Output) -> Phases {
        if out.quiet {
            return Phases {
                inner: None,
                thread: None,
                bar: None,
            };
        }
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} [{elapsed}] {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            return Phases {
                inner: None,
                thread: None,
                bar: Some(bar),
            };
        }
        Phases::lines(Box::new(std::io::stderr()), HEARTBEAT)
    }

    /// Plain lines into `sink`, a heartbeat every `every` while a phase
    /// lasts.
    fn lines(sink: Sink, every: Duration) -> Phases {
        let now = Instant::now();
        let inner = Arc::new(Inner {
            start: now,
            state: Mutex::new(State {
                phase: String::new(),
                since: now,
                last_line: now,
                done: false,
                sink,
            }),
            wake: Condvar::new(),
        });
        let beat = Arc::clone(&inner);
        let thread = std::thread::spawn(move || heartbeat(&beat, every));
        Phases {
            inner: Some(inner),
            thread: Some(thread),
            bar: None,
        }
    }

    /// A new phase: `writing review.xlsx (52,310 grants)`.
    pub(crate) fn phase(&self, what: impl std::fmt::Display) {
        let what = term_safe(&what.to_string());
        if let Some(bar) = &self.bar {
            bar.set_message(what);
            return;
        }
        let Some(inner) = &self.inner else {
            return;
        };
        let mut st = inner.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let _ = writeln!(
            st.sink,
            "reviewpack: [{:>6.1}s] {what}",
            now.duration_since(inner.start).as_secs_f64()
        );
        st.phase = what;
        st.since = now;
        st.last_line = now;
    }
}

impl Drop for Phases {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if let Some(inner) = &self.inner {
            inner.state.lock().unwrap_or_else(|e| e.into_inner()).done = true;
            inner.wake.notify_all();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Says the phase still goes on, every `every`, until done.
fn heartbeat(inner: &Inner, every: Duration) {
    let mut st = inner.state.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if st.done {
            return;
        }
        let due = st.last_line + every;
        let now = Instant::now();
        if now >= due {
            if !st.phase.is_empty() {
                let line = format!(
                    "reviewpack: [{:>6.1}s] still {} ({:.0}s in this step)",
                    now.duration_since(inner.start).as_secs_f64(),
                    st.phase,
                    now.duration_since(st.since).as_secs_f64()
                );
                let _ = writeln!(st.sink, "{line}");
            }
            st.last_line = now;
            continue;
        }
        st = inner
            .wake
            .wait_timeout(st, due - now)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink tests can read.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_log_gets_a_line_per_phase_and_a_heartbeat_while_one_lasts() {
        let sink = Shared::default();
        let p = Phases::lines(Box::new(sink.clone()), Duration::from_millis(40));
        p.phase("evaluating findings");
        std::thread::sleep(Duration::from_millis(150));
        p.phase("writing review.xlsx");
        drop(p);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with("] evaluating findings"), "{text}");
        let beats = lines
            .iter()
            .filter(|l| l.contains("still evaluating findings ("))
            .count();
        assert!(beats >= 2, "{text}");
        assert!(
            lines.last().unwrap().ends_with("] writing review.xlsx"),
            "{text}"
        );
        assert!(
            lines.iter().all(|l| l.starts_with("reviewpack: [")),
            "{text}"
        );
    }

    #[test]
    fn quiet_says_nothing() {
        let p = Phases::start(&Output { quiet: true });
        p.phase("anything");
        assert!(p.inner.is_none() && p.bar.is_none());
    }
}
