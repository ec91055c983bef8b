/** Ports the domain depends on instead of the clock and random ids, so every rule is testable with fixed values. */
export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  newId(): string;
}
