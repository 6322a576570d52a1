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

#[cfg(test)]
mod tests {
    use super::map_in_order;

    #[test]
    fn results_come_back_by_index_whatever_the_order_they_ran_in() {
        let order: Vec<usize> = (0..50).rev().collect();
        let got = map_in_order(&order, |i| i * i);
        assert_eq!(got, (0..50).map(|i| i * i).collect::<Vec<_>>());
        assert!(map_in_order(&[], |i| i).is_empty());
    }
}
