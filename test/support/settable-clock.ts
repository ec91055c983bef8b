import type { Clock } from '../../domain/shared/ports.js';

/** A clock that moves only when the test moves it. */
export function settableClock(at: string): Clock & { set(at: string): void; advance(ms: number): void } {
  let nowMs = Date.parse(at);
  return {
    now: () => new Date(nowMs),
    set: (next) => {
      nowMs = Date.parse(next);
    },
    advance: (ms) => {
      nowMs += ms;
    },
  };
}
