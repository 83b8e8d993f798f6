//! The engine loop: it alone owns the clock and the schedule. Each popped event goes to the model
//! with a [`Context`] through which the model reads the time and schedules new events; periodic
//! events are timers the engine re-arms itself after the model has handled them.

use super::{EventQueue, TimeMs};

/// A simulation model: reacts to its events, acting only through the context.
pub trait Model {
    type Event;
    fn handle(&mut self, event: Self::Event, ctx: &mut Context<'_, Self::Event>);
}

/// What a model may do while handling an event: read the time and schedule events at or after now.
pub struct Context<'q, E> {
    now_ms: TimeMs,
    queue: &'q mut EventQueue<E>,
}

impl<E: Copy> Context<'_, E> {
    pub fn now_ms(&self) -> TimeMs {
        self.now_ms
    }

    /// Schedule `event` at absolute time `at_ms`; times in the past are moved to now.
    pub fn schedule_at(&mut self, at_ms: TimeMs, event: E) {
        self.queue.push(at_ms.max(self.now_ms), event);
    }

    /// Schedule `event` after `delay_ms` (negative delays count as zero).
    pub fn schedule_in(&mut self, delay_ms: TimeMs, event: E) {
        self.queue.push(self.now_ms + delay_ms.max(0), event);
    }
}

/// Owns the clock and the queue, and runs a model.
pub struct Engine<E> {
    now_ms: TimeMs,
    queue: EventQueue<E>,
    handled: u64,
}

impl<E> Default for Engine<E> {
    fn default() -> Self {
        Engine {
            now_ms: 0,
            queue: EventQueue::default(),
            handled: 0,
        }
    }
}

impl<E: Copy> Engine<E> {
    /// Schedule an initial event before the run starts.
    pub fn schedule_at(&mut self, at_ms: TimeMs, event: E) {
        self.queue.push(at_ms.max(self.now_ms), event);
    }

    /// A periodic event: at `first_ms`, then `period_ms` after each time it was handled. The
    /// model does not reschedule it; the engine re-arms it after the handler returns.
    pub fn every(&mut self, first_ms: TimeMs, period_ms: TimeMs, event: E) {
        self.queue
            .push_timer(first_ms.max(self.now_ms), period_ms, event);
    }

    pub fn now_ms(&self) -> TimeMs {
        self.now_ms
    }

    /// Events handled so far.
    pub fn events_handled(&self) -> u64 {
        self.handled
    }

    /// Handle events in (time, seq) order until the queue is empty or the next event is at or after
    /// `end_ms`; the clock then stands at `end_ms`.
    pub fn run_until<M: Model<Event = E>>(&mut self, model: &mut M, end_ms: TimeMs) {
        while let Some(t) = self.queue.peek_time() {
            if t >= end_ms {
                break;
            }
            let Some((time_ms, event, timer)) = self.queue.pop() else {
                break;
            };
            self.now_ms = time_ms;
            self.handled += 1;
            let mut ctx = Context {
                now_ms: time_ms,
                queue: &mut self.queue,
            };
            model.handle(event, &mut ctx);
            if let Some(id) = timer {
                self.queue.rearm(id, time_ms);
            }
        }
        self.now_ms = self.now_ms.max(end_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ping {
        log: Vec<(TimeMs, u32)>,
    }
    impl Model for Ping {
        type Event = u32;
        fn handle(&mut self, n: u32, ctx: &mut Context<'_, u32>) {
            self.log.push((ctx.now_ms(), n));
            if n < 3 {
                ctx.schedule_in(10, n + 1);
                ctx.schedule_in(0, 100 + n);
            }
        }
    }

    #[test]
    fn runs_in_time_then_sequence_order_and_stops_at_end() {
        let mut e = Engine::default();
        e.schedule_at(0, 0);
        let mut m = Ping { log: vec![] };
        e.run_until(&mut m, 20);
        assert_eq!(m.log, vec![(0, 0), (0, 100), (10, 1), (10, 101)]);
        assert_eq!(e.now_ms(), 20);
        e.run_until(&mut m, 1000);
        assert_eq!(m.log.last(), Some(&(30, 3)));
    }
}
