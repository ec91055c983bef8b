/**
 * Port: the payment provider that funds automatic top-ups. A simulated provider stands in locally; a real one
 * (Stripe, Adyen, the carrier's billing system) implements the same interface.
 */
export interface TopUpCharge {
  readonly accountId: string;
  readonly amountMicros: number;
  /**
   * The provider must treat a repeated key as the same charge and return the first outcome: the consumer retries
   * after crashes and timeouts, and the money must move at most once.
   */
  readonly idempotencyKey: string;
  readonly description: string;
}

export type ChargeOutcome =
  | { readonly kind: 'succeeded'; readonly paymentReference: string }
  | { readonly kind: 'declined'; readonly failure: string };

export interface PaymentProvider {
  /** Resolves with the provider's answer; throws only when the answer is unknown (unreachable, timed out). */
  charge(request: TopUpCharge): Promise<ChargeOutcome>;
}
