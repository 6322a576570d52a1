//! Independent jobs on every core: `f` of each index, taken in a given
//! order by whichever thread is free (a longest-first order keeps a long job
//! from starting last and leaving the other cores idle), results returned by
//! index, so the output does not depend on which thread ran what.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// `f(i)` for every `i` in `order` (each index of `0..order.len()` once),
/// on at most as many threads as there are cores; the results by index.
pub fn map_in_order<R: Send>(order: &[usize], f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    map_in_order_with(order, || (), |_, i| f(i))
}

/// [`map_in_order`] where each thread keeps a state of its own across the
/// jobs it runs, made by `init` on the thread (such as caches), so the
/// results must not depend on which thread ran what.
pub fn map_in_order_with<S, R: Send>(
    order: &[usize],
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, usize) -> R + Sync,
) -> Vec<R> {
    let n = order.len();
    let slots: Vec<Mutex<Option<R>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, |c| c.get())
        .clamp(1, n.max(1));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut state = init();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = order.get(k) else { break };
                    let r = f(&mut state, i);
                    *slots[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .expect("every index in the order is run")
        })
        .collect()
}

/// `f` of every item on every core, handed to `consume` one at a time in
/// the items' order, as soon as each is ready, with at most twice as many
/// results made ahead as there are threads: for results too large to hold
/// all at once (a returned workbook's rows). A panic in `f` is raised again
/// when `consume` reaches its item; items `consume` never asks for are not
/// made.
pub fn stream_in_order<T: Sync, R: Send, C>(
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
    consume: impl FnOnce(&mut dyn Iterator<Item = R>) -> C,
) -> C {
    struct State<R> {
        /// The next item a thread may take.
        next: usize,
        /// Items handed to `consume`.
        taken: usize,
        /// Made, not yet taken.
        ready: std::collections::BTreeMap<usize, std::thread::Result<R>>,
        /// `consume` returned: threads stop.
        done: bool,
    }
    let n = items.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, |c| c.get())
        .clamp(1, n.max(1));
    let ahead = 2 * threads;
    let state = Mutex::new(State {
        next: 0,
        taken: 0,
        ready: std::collections::BTreeMap::new(),
        done: false,
    });
    let changed = std::sync::Condvar::new();
    let lock = || state.lock().unwrap_or_else(|p| p.into_inner());
    let wait = |g| changed.wait(g).unwrap_or_else(|p| p.into_inner());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = {
                    let mut g = lock();
                    while !g.done && g.next < n && g.next >= g.taken + ahead {
                        g = wait(g);
                    }
                    if g.done || g.next >= n {
                        return;
                    }
                    g.next += 1;
                    g.next - 1
                };
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&items[i])));
                lock().ready.insert(i, r);
                changed.notify_all();
            });
        }
        // Stops the threads however `consume` ends, a panic included.
        struct Done<'a, R>(&'a Mutex<State<R>>, &'a std::sync::Condvar);
        impl<R> Drop for Done<'_, R> {
            fn drop(&mut self) {
                self.0.lock().unwrap_or_else(|p| p.into_inner()).done = true;
                self.1.notify_all();
            }
        }
        let _done = Done(&state, &changed);
        let mut results = (0..n).map(|k| {
            let mut g = lock();
            let r = loop {
                if let Some(r) = g.ready.remove(&k) {
                    break r;
                }
                g = wait(g);
            };
            g.taken = k + 1;
            drop(g);
            changed.notify_all();
            r.unwrap_or_else(|p| std::panic::resume_unwind(p))
        });
        consume(&mut results)
    })
}

#[cfg(test)]
mod tests {
    use super::{map_in_order, stream_in_order};

    #[test]
    fn streamed_results_come_in_order_and_a_consumer_may_stop_early() {
        let items: Vec<u64> = (0..40).collect();
        // Later items finish first.
        let slow = |&i: &u64| {
            std::thread::sleep(std::time::Duration::from_millis((40 - i) % 7));
            i * 10
        };
        let got: Vec<u64> = stream_in_order(&items, slow, |it| it.collect());
        assert_eq!(got, (0..40).map(|i| i * 10).collect::<Vec<_>>());
        let made = std::sync::atomic::AtomicUsize::new(0);
        let first: Vec<u64> = stream_in_order(
            &items,
            |&i| {
                made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                i
            },
            |it| it.take(3).collect(),
        );
        assert_eq!(first, [0, 1, 2]);
        let threads = std::thread::available_parallelism().map_or(1, |c| c.get());
        assert!(
            made.into_inner() <= 3 + 2 * threads,
            "made far ahead of the consumer"
        );
        let none: Vec<u64> = stream_in_order(&[] as &[u64], |&i| i, |it| it.collect());
        assert!(none.is_empty());
    }

    #[test]
    fn a_panic_making_an_item_is_raised_where_it_is_consumed() {
        let items: Vec<u32> = (0..10).collect();
        let caught = std::panic::catch_unwind(|| {
            stream_in_order(
                &items,
                |&i| {
                    assert!(i != 4, "item four");
                    i
                },
                |it| it.count(),
            )
        });
        assert!(caught.is_err());
    }

    #[test]
    fn results_come_back_by_index_whatever_the_order_they_ran_in() {
        let order: Vec<usize> = (0..50).rev().collect();
        let got = map_in_order(&order, |i| i * i);
        assert_eq!(got, (0..50).map(|i| i * i).collect::<Vec<_>>());
        assert!(map_in_order(&[], |i| i).is_empty());
    }
}
