//! Independent jobs over the machine's cores, results in the jobs' order:
//! what `grade` (one lab, many submissions) and `sweep` (one scenario, many
//! settings) both need. Each job runs once, on one of `threads` scoped threads.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `work` on every job on `threads` threads (0: one per core) and gives
/// the results in the jobs' order. A result is `None` only if its job could
/// not hand it back (a poisoned lock).
pub fn map_ordered<T: Send, R: Send>(
    jobs: Vec<T>,
    threads: usize,
    work: impl Fn(T) -> R + Sync,
) -> Vec<Option<R>> {
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .clamp(1, jobs.len().max(1));
    let next = AtomicUsize::new(0);
    let jobs: Vec<Mutex<Option<T>>> = jobs.into_iter().map(|j| Mutex::new(Some(j))).collect();
    let results: Vec<Mutex<Option<R>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let Some(job) = job.lock().ok().and_then(|mut j| j.take()) else {
                        continue;
                    };
                    let result = work(job);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .map(|r| r.into_inner().ok().flatten())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_job_order_on_any_number_of_threads() {
        for threads in [0, 1, 3, 64] {
            let out = map_ordered((0..100u64).collect(), threads, |x| x * x);
            let want: Vec<Option<u64>> = (0..100u64).map(|x| Some(x * x)).collect();
            assert_eq!(out, want, "{threads} threads");
        }
        assert!(map_ordered(Vec::<u8>::new(), 4, |x| x).is_empty());
    }
}
