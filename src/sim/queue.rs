//! The schedule: one-off events in a binary heap and periodic timers in a small table, both
//! ordered by (time, insertion sequence), so events at equal times come out in the order they
//! were scheduled and a seed fully decides a run.
//!
//! Almost every event of a simulated year is periodic with a fixed phase (traffic ticks, HPA
//! syncs, evaluations, autoscaler scans): a timer is re-armed in place after its event is handled
//! (time + period, a fresh sequence number, exactly as if the handler had scheduled it again last),
//! so it never touches the heap. The earliest timer is cached; the heap holds the rare one-offs
//! (pod and node lifecycle, outages).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::TimeMs;

struct Entry<E> {
    time_ms: TimeMs,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time_ms == other.time_ms && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed: BinaryHeap is a max-heap and we want the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time_ms, other.seq).cmp(&(self.time_ms, self.seq))
    }
}

/// A periodic event: fires at `time_ms`, then every `period_ms`.
struct Timer<E> {
    time_ms: TimeMs,
    seq: u64,
    period_ms: TimeMs,
    event: E,
}

/// Which timer a popped event came from (it must be re-armed with [`EventQueue::rearm`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerId(usize);

/// A priority queue of events keyed by (time, insertion sequence), with periodic timers.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    timers: Vec<Timer<E>>,
    /// Indices of the armed timers, latest (time, seq) first, so the next one is at the end.
    armed: Vec<usize>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            timers: Vec::new(),
            armed: Vec::new(),
            next_seq: 0,
        }
    }
}

impl<E: Copy> EventQueue<E> {
    fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    pub fn push(&mut self, time_ms: TimeMs, event: E) {
        let seq = self.take_seq();
        self.heap.push(Entry {
            time_ms,
            seq,
            event,
        });
    }

    #[inline]
    fn key(&self, timer: usize) -> (TimeMs, u64) {
        let t = &self.timers[timer];
        (t.time_ms, t.seq)
    }

    /// Put an armed timer into `armed` at its place. A re-armed timer has the newest sequence
    /// number, so it usually lands near the front: the scan starts there. Inlined into the
    /// engine loop through `rearm` (codegen has left it out of line, at ~+3 % of a run).
    #[inline]
    fn arm(&mut self, timer: usize) {
        let key = self.key(timer);
        let at = self
            .armed
            .iter()
            .position(|&j| self.key(j) < key)
            .unwrap_or(self.armed.len());
        self.armed.insert(at, timer);
    }

    /// A periodic event: at `first_ms`, then every `period_ms` (> 0) after each time it is handled
    /// and re-armed.
    pub fn push_timer(&mut self, first_ms: TimeMs, period_ms: TimeMs, event: E) -> TimerId {
        assert!(period_ms > 0, "a timer needs a positive period");
        let seq = self.take_seq();
        self.timers.push(Timer {
            time_ms: first_ms,
            seq,
            period_ms,
            event,
        });
        let id = self.timers.len() - 1;
        self.arm(id);
        TimerId(id)
    }

    /// The earliest event, ties broken by insertion order; a timer's event comes with its id,
    /// and the timer stays disarmed until [`rearm`](Self::rearm).
    #[inline]
    pub fn pop(&mut self) -> Option<(TimeMs, E, Option<TimerId>)> {
        let timer_first = match (self.armed.last(), self.heap.peek()) {
            (Some(&i), Some(e)) => self.key(i) < (e.time_ms, e.seq),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if timer_first {
            let i = self.armed.pop()?;
            let t = &self.timers[i];
            return Some((t.time_ms, t.event, Some(TimerId(i))));
        }
        self.heap.pop().map(|e| (e.time_ms, e.event, None))
    }

    /// Arm a popped timer again, one period after `fired_ms`, sequenced after everything
    /// scheduled so far (as if its handler had scheduled it last).
    #[inline]
    pub fn rearm(&mut self, id: TimerId, fired_ms: TimeMs) {
        let seq = self.take_seq();
        let t = &mut self.timers[id.0];
        t.time_ms = fired_ms + t.period_ms;
        t.seq = seq;
        self.arm(id.0);
    }

    #[inline]
    pub fn peek_time(&self) -> Option<TimeMs> {
        let heap = self.heap.peek().map(|e| e.time_ms);
        let timer = self.armed.last().map(|&i| self.timers[i].time_ms);
        match (heap, timer) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Events waiting (armed timers included).
    pub fn len(&self) -> usize {
        self.heap.len() + self.armed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_insertion() {
        let mut q = EventQueue::default();
        q.push(10, "c");
        q.push(5, "a");
        q.push(10, "d");
        q.push(5, "b");
        q.push(0, "start");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e, _)| e).collect();
        assert_eq!(order, ["start", "a", "b", "c", "d"]);
    }

    /// The timer table gives exactly the order of a heap in which each periodic event schedules
    /// itself again at the end of its handler, one-offs included.
    #[test]
    fn timers_order_like_rescheduling_through_the_heap() {
        // (first, period) per periodic event; one-offs scheduled by some handlers.
        let periodic = [(0, 15), (5, 15), (5, 15), (0, 10), (60, 60), (7, 14)];
        let mut heap: EventQueue<(usize, bool)> = EventQueue::default();
        let mut table: EventQueue<(usize, bool)> = EventQueue::default();
        for (i, &(first, period)) in periodic.iter().enumerate() {
            heap.push(first, (i, true));
            table.push_timer(first, period, (i, true));
        }
        let (mut a, mut b) = (Vec::new(), Vec::new());
        while heap.peek_time().is_some_and(|t| t < 2_000) {
            let (t, (i, p), _) = heap.pop().unwrap();
            a.push((t, i, p));
            if p && (t / 7) % 3 == 0 {
                heap.push(t + (i as TimeMs % 4) * 5, (100 + i, false));
            }
            if p {
                heap.push(t + periodic[i].1, (i, true));
            }
        }
        while table.peek_time().is_some_and(|t| t < 2_000) {
            let (t, (i, p), id) = table.pop().unwrap();
            b.push((t, i, p));
            if p && (t / 7) % 3 == 0 {
                table.push(t + (i as TimeMs % 4) * 5, (100 + i, false));
            }
            if let Some(id) = id {
                table.rearm(id, t);
            }
        }
        assert_eq!(a, b);
        assert!(a.len() > 500);
    }
}
