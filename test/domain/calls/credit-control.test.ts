import { describe, expect, it } from 'vitest';
import { costMicros, extendGrant, firstGrant, interimAfter, type CreditSettings } from '../../../domain/calls/credit-control.js';
import type { LiveCall } from '../../../domain/calls/ledger.js';
import { toMicros } from '../../../domain/shared/money.js';

const SETTINGS: CreditSettings = {
  maxCallDurationSeconds: 14_400,
  minimumBillableSeconds: 60,
  creditSliceSeconds: 180,
  fullGrantShare: 0.25,
  interimLeadSeconds: 30,
  reservationGraceSeconds: 120,
};

function liveCall(overrides: Partial<LiveCall> = {}): LiveCall {
  return {
    callId: 'c1',
    reservedMicros: costMicros(180, 0.27),
    grantedSeconds: 180,
    expiresAtMs: 300_000,
    ...overrides,
  };
}

describe('firstGrant', () => {
  it('grants the whole duration up front when it costs at most the share of the available balance', () => {
    // 4 h at 0.0045/min costs 1.08, under a quarter of 10.
    expect(firstGrant(14_400, 0.0045, toMicros(10), SETTINGS)).toEqual({ grantedSeconds: 14_400, reservedMicros: 1_080_000, interimSeconds: null });
  });

  it('grants a slice when the whole duration would take more than the share', () => {
    // 10 at 0.27/min buys 2222 s; one call must not reserve it all.
    const grant = firstGrant(2_222, 0.27, toMicros(10), SETTINGS);
    expect(grant).toEqual({ grantedSeconds: 180, reservedMicros: 810_000, interimSeconds: 150 });
  });

  it('lets ten parallel calls at 0.27/min on a balance of 10 each get at least three minutes', () => {
    let available = toMicros(10);
    const grants = Array.from({ length: 10 }, () => {
      const full = Math.min(14_400, Math.floor((available * 60) / toMicros(0.27)));
      const grant = firstGrant(full, 0.27, available, SETTINGS);
      available -= grant.reservedMicros;
      return grant.grantedSeconds;
    });
    expect(Math.min(...grants)).toBeGreaterThanOrEqual(180);
    expect(available).toBeGreaterThanOrEqual(0);
  });

  it('never grants a slice longer than the bound it was given', () => {
    expect(firstGrant(90, 0.27, toMicros(10), SETTINGS).grantedSeconds).toBe(90);
  });
});

describe('interimAfter', () => {
  it('asks for the update the lead time before the grant runs out, but never before half of it', () => {
    expect(interimAfter(180, SETTINGS)).toBe(150);
    expect(interimAfter(40, SETTINGS)).toBe(20);
  });
});

describe('extendGrant', () => {
  it('extends by another slice beyond the elapsed time when the balance carries it', () => {
    const extension = extendGrant({ call: liveCall(), ratePerMinute: 0.27, elapsedSeconds: 150, availableMicros: toMicros(9), spendRoomMicros: null, maxCallCostMicros: null, settings: SETTINGS });
    expect(extension).toMatchObject({ grantedSeconds: 330, extraMicros: costMicros(330, 0.27) - costMicros(180, 0.27), boundBy: 'target', interimSeconds: 150 });
  });

  it('grants only what the available balance buys, and keeps asking in case of a top-up', () => {
    // 0.27 more buys 60 s more.
    const extension = extendGrant({ call: liveCall(), ratePerMinute: 0.27, elapsedSeconds: 150, availableMicros: toMicros(0.27), spendRoomMicros: null, maxCallCostMicros: null, settings: SETTINGS });
    expect(extension).toMatchObject({ grantedSeconds: 240, extraMicros: 270_000, boundBy: 'balance', interimSeconds: 60 });
  });

  it('grants nothing more when nothing is available, and the call ends when its grant runs out', () => {
    const extension = extendGrant({ call: liveCall(), ratePerMinute: 0.27, elapsedSeconds: 150, availableMicros: 0, spendRoomMicros: null, maxCallCostMicros: null, settings: SETTINGS });
    expect(extension).toMatchObject({ grantedSeconds: 180, extraMicros: 0, boundBy: 'balance', interimSeconds: null });
  });

  it('keeps a call to an unusual destination within its cost cap', () => {
    const extension = extendGrant({ call: liveCall(), ratePerMinute: 0.27, elapsedSeconds: 150, availableMicros: toMicros(100), spendRoomMicros: null, maxCallCostMicros: toMicros(1), settings: SETTINGS });
    expect(extension).toMatchObject({ boundBy: 'unusualDestination', reservedMicros: costMicros(222, 0.27), grantedSeconds: 222 });
  });

  it('grants the rest of the carrier cap at once when it is cheap next to the balance', () => {
    const call = liveCall({ reservedMicros: costMicros(180, 0.0045) });
    const extension = extendGrant({ call, ratePerMinute: 0.0045, elapsedSeconds: 150, availableMicros: toMicros(50), spendRoomMicros: null, maxCallCostMicros: null, settings: SETTINGS });
    expect(extension).toMatchObject({ grantedSeconds: 14_400, boundBy: 'carrierCap', interimSeconds: null });
  });
});
