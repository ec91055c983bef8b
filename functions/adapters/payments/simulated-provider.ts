/**
 * The local stand-in for a payment provider. Like a real one it answers a repeated idempotency key with the first
 * outcome. Its behaviour comes from TOLLGATE_SIMULATED_PAYMENTS and can be switched at run time (tests):
 * `succeed`, `fail` (every charge is declined) or `unavailable` (every charge throws, as a timeout would).
 */
import type { ChargeOutcome, PaymentProvider, TopUpCharge } from '../../../domain/payments/payment-provider.js';
import type { IdGenerator } from '../../../domain/shared/ports.js';

export type SimulatedPaymentMode = 'succeed' | 'fail' | 'unavailable';

export interface SimulatedCharge extends TopUpCharge {
  readonly outcome: ChargeOutcome;
}

export class SimulatedPaymentProvider implements PaymentProvider {
  /** Every charge answered, by idempotency key. */
  readonly charges = new Map<string, SimulatedCharge>();

  constructor(
    private mode: SimulatedPaymentMode,
    private readonly ids: IdGenerator,
  ) {}

  setMode(mode: SimulatedPaymentMode): void {
    this.mode = mode;
  }

  async charge(request: TopUpCharge): Promise<ChargeOutcome> {
    const earlier = this.charges.get(request.idempotencyKey);
    if (earlier) return earlier.outcome;
    if (this.mode === 'unavailable') throw new Error('simulated payment provider unavailable');
    const outcome: ChargeOutcome =
      this.mode === 'fail' ? { kind: 'declined', failure: 'card_declined (simulated)' } : { kind: 'succeeded', paymentReference: `sim_${this.ids.newId()}` };
    this.charges.set(request.idempotencyKey, { ...request, outcome });
    return outcome;
  }
}
