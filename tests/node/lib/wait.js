'use strict';

// Promise helpers for event-driven tests: wait for what a client sees, never sleep for it.

const DEFAULT_TIMEOUT_MS = 5000;

/** Rejects with a readable message if `promise` has not settled within `ms`. */
function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function subscribeTo(emitter, event, listener) {
  if (typeof emitter.bind === 'function' && typeof emitter.unbind === 'function') {
    // a pusher-js dispatcher (connection, channel, user, watchlist)
    emitter.bind(event, listener);
    return () => emitter.unbind(event, listener);
  }
  emitter.on(event, listener);
  return () => emitter.off(event, listener);
}

/**
 * The first argument of the next `event` emitted by `emitter` (a Node EventEmitter or a pusher-js
 * dispatcher) for which `predicate` holds.
 */
function once(emitter, event, timeoutMs = DEFAULT_TIMEOUT_MS, predicate = () => true) {
  let unsubscribe = () => {};
  const promise = new Promise((resolve) => {
    unsubscribe = subscribeTo(emitter, event, (...args) => {
      if (predicate(...args)) {
        unsubscribe();
        resolve(args[0]);
      }
    });
  });
  return withTimeout(promise, timeoutMs, `'${event}'`).finally(unsubscribe);
}

/**
 * The first argument of the next `event`, or a rejection naming `failureEvent` if that is
 * emitted first (e.g. pusher:subscription_succeeded versus pusher:subscription_error).
 */
function onceUnless(emitter, event, failureEvent, timeoutMs = DEFAULT_TIMEOUT_MS) {
  let unsubscribe = () => {};
  const promise = new Promise((resolve, reject) => {
    const offSuccess = subscribeTo(emitter, event, (value) => {
      unsubscribe();
      resolve(value);
    });
    const offFailure = subscribeTo(emitter, failureEvent, (value) => {
      unsubscribe();
      reject(new Error(`'${failureEvent}' instead of '${event}': ${JSON.stringify(value)}`));
    });
    unsubscribe = () => {
      offSuccess();
      offFailure();
    };
  });
  return withTimeout(promise, timeoutMs, `'${event}'`).finally(unsubscribe);
}

/**
 * Records every emission of an event, so that a test can count them and wait for the n-th.
 * Each entry is the listener's argument list.
 */
class Recorder {
  constructor(emitter, event) {
    this.event = event;
    this.calls = [];
    this.waiters = [];
    this.stop = subscribeTo(emitter, event, (...args) => {
      this.calls.push(args);
      this.waiters = this.waiters.filter((w) => {
        if (this.calls.length >= w.count) {
          w.resolve(this.calls);
          return false;
        }
        return true;
      });
    });
  }

  get count() {
    return this.calls.length;
  }

  /** The first argument of each call. */
  get values() {
    return this.calls.map((args) => args[0]);
  }

  /** Resolves once at least `count` calls were recorded. */
  waitFor(count, timeoutMs = DEFAULT_TIMEOUT_MS) {
    if (this.calls.length >= count) {
      return Promise.resolve(this.calls);
    }
    const promise = new Promise((resolve) => this.waiters.push({ count, resolve }));
    return withTimeout(promise, timeoutMs, `${count} x '${this.event}' (got ${this.calls.length})`);
  }
}

/**
 * Polls `check` (sync or async) until it returns a truthy value, which it resolves with: for state
 * that only a query can show, such as the server's own view of a channel.
 */
async function eventually(check, timeoutMs = DEFAULT_TIMEOUT_MS, what = 'a condition',
  intervalMs = 25) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await check();
    if (last) {
      return last;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Every value a subscription produced (a live query, a rendered hook), in order; `next(predicate)`
 * resolves with the first value, past or future, for which the predicate holds.
 */
class ValueLog {
  constructor() {
    this.values = [];
    this.waiters = [];
  }

  push(value) {
    this.values.push(value);
    for (const w of [...this.waiters]) {
      if (w.predicate(value)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.resolve(value);
      }
    }
  }

  get current() {
    return this.values[this.values.length - 1];
  }

  next(predicate, timeoutMs = 10_000) {
    const hit = this.values.find(predicate);
    if (hit !== undefined) {
      return Promise.resolve(hit);
    }
    return new Promise((resolve, reject) => {
      const w = { predicate, resolve };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no matching value within ${timeoutMs} ms; last: ${JSON.stringify(this.current)}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }
}

module.exports = {
  DEFAULT_TIMEOUT_MS,
  ValueLog,
  eventually,
  once,
  onceUnless,
  Recorder,
  withTimeout,
};
