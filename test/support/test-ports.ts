/** A clock the test moves by hand and ids that count up: use cases get fixed values, never the wall clock. */
import type { Clock, IdGenerator } from '../../domain/shared/ports.js';

export class TestClock implements Clock {
  private ms: number;

  constructor(start: string) {
    this.ms = Date.parse(start);
  }

  now(): Date {
    return new Date(this.ms);
  }

  advanceSeconds(seconds: number): void {
    this.ms += seconds * 1000;
  }

  /** The instant `seconds` from now, as stored (ISO). */
  isoIn(seconds: number): string {
    return new Date(this.ms + seconds * 1000).toISOString();
  }
}

export class CountingIds implements IdGenerator {
  private next = 0;

  constructor(private readonly prefix = 'id') {}

  newId(): string {
    this.next += 1;
    return `${this.prefix}-${this.next}`;
  }
}
