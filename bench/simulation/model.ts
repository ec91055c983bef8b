/** The simulated carrier's vocabulary: accounts, planned events, what the replay recorded. */

/** `diaspora`: a diaspora carrier's customer, calling one popular country every evening (carrier.ts). */
export type Profile = 'domestic' | 'international' | 'open' | 'diaspora';

export interface SimPolicy {
  readonly allowedIps: readonly string[];
  readonly credentialsEnabled: boolean;
  readonly internationalEnabled: boolean;
  readonly whitelistCountries: readonly string[];
  readonly maxRatePerMinute: number | null;
  readonly limits: {
    readonly callsPerMinute: number | null;
    readonly concurrentCalls: number | null;
    readonly spendPerHour: number | null;
    readonly spendPerDay: number | null;
  };
}

export interface SimAccount {
  readonly accountId: string;
  readonly name: string;
  readonly profile: Profile;
  /** `ordinary` accounts are the false-positive population; victims are attacked (their own calls go on too). */
  readonly role: 'ordinary' | 'victim';
  readonly homeCountry: 'US';
  readonly sipUsername: string;
  /** The customer's PBX. */
  readonly sourceIp: string;
  readonly policy: SimPolicy;
  readonly balance: number;
  /** Mean outbound calls per weekday. */
  readonly dailyCalls: number;
  /** Non-US countries the customer calls as part of its business (whitelisted or not). */
  readonly regularCountries: readonly string[];
  /** Share of its calls going to those countries. */
  readonly internationalShare: number;
}

export interface PlannedCall {
  readonly kind: 'call';
  /** The account the event belongs to: its events replay strictly in time order, one in flight at a time (a burst counts as one). */
  readonly lane: string;
  readonly at: number;
  readonly callId: string;
  readonly accountId: string;
  readonly to: string;
  readonly sourceIp: string;
  readonly authMethod: 'ip' | 'digest';
  /** Sent instead of accountId when the switch identifies the caller by SIP username (digest). */
  readonly identifyBy: 'accountId' | 'sipUsername';
  readonly sipUsername: string;
  /** How long the call would last if nothing cut it (the switch enforces maxDurationSeconds). */
  readonly intendedSeconds: number;
  /** `ordinary`, or the id of the attack the call belongs to. */
  readonly origin: string;
  /**
   * Calls of one burst are sent together at the same instant, none waiting for another's answer (a compromised PBX
   * firing all at once); their interim updates and completions falling at the same instant are sent together too.
   */
  readonly burst?: string;
}

export interface PlannedAuthFailure {
  readonly kind: 'auth-failure';
  readonly lane: string;
  readonly at: number;
  readonly sourceIp: string;
  readonly sipUsername: string;
  readonly origin: string;
}

export type PlannedEvent = PlannedCall | PlannedAuthFailure;

export interface CallRecord {
  readonly callId: string;
  readonly origin: string;
  readonly accountId: string;
  readonly at: number;
  readonly to: string;
  readonly country: string | null;
  readonly ratePerMinute: number | null;
  readonly decision: 'allow' | 'deny';
  readonly reason: string;
  /** The deciding rule's explanation (denials only). */
  readonly detail?: string;
  /** The range restricted carrier-wide (the range watch) that denied the call, if one did. */
  readonly carrierRange?: string;
  readonly maxDurationSeconds: number | null;
  readonly intendedSeconds: number;
  /** Wall time from sending the authorize to its answer (this machine's, not simulated time). */
  readonly answerMs: number;
  /** The grant the call ended with (maxDurationSeconds of the last interim answer; allowed calls only). */
  grantedSeconds?: number;
  /** Interim updates the switch sent for the call (credit control: when an answer carried interimSeconds). */
  interimUpdates?: number;
  /** Why an interim answer told the switch to end the call, if one did. */
  stopReason?: string;
  /** Filled in when the call completes (allowed calls only). */
  durationSeconds?: number;
  charged?: number;
  endedAt?: number;
}

export interface AuthFailureRecord {
  readonly origin: string;
  readonly at: number;
  readonly sourceIp: string;
  readonly banned: boolean;
}

export type AttackKind = 'single-account' | 'many-accounts' | 'capped-by-balance';

export interface AttackInfo {
  readonly id: string;
  readonly title: string;
  readonly kind: AttackKind;
  readonly description: string;
  /** The account attacked (single-account attacks). */
  readonly victim?: string;
  readonly startsAt: number;
  /** `parallel`: every attempt sent at the same instant; `sequential`: one after another. */
  readonly mode: 'sequential' | 'parallel';
  /** Report the attack per UTC day (calls allowed, charged, largest grant): an attack that spreads over days. */
  readonly daily?: boolean;
  /** For a parallel attack: the id of the same attempts sent one after another, to set side by side. */
  readonly sequentialCounterpart?: string;
}
