/**
 * Bucket names for the windowed counters. Minutes, hours and days are UTC and aligned to the epoch; spend limits
 * are therefore per calendar hour and UTC day, velocity is a sliding estimate over the last minute.
 */
export const minuteBucket = (epochMs: number) => `M#${Math.floor(epochMs / 60_000)}`;
export const hourBucket = (epochMs: number) => `H#${Math.floor(epochMs / 3_600_000)}`;
export const dayBucket = (epochMs: number) => `D#${Math.floor(epochMs / 86_400_000)}`;

/** Prefix of the per-call attributes on the concurrency item. */
export const SLOT_PREFIX = 's_';
export const slotAttribute = (callId: string) => `${SLOT_PREFIX}${callId}`;
