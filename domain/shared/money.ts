/**
 * Money is held as integer micro-units (1 unit = 1,000,000 micros) so that per-second charges at rates such as
 * 0.0045/min add up without floating-point drift, and balances can be changed with DynamoDB's atomic ADD.
 */
export const MICROS_PER_UNIT = 1_000_000;

export function toMicros(amount: number): number {
  return Math.round(amount * MICROS_PER_UNIT);
}

export function fromMicros(micros: number): number {
  return micros / MICROS_PER_UNIT;
}
