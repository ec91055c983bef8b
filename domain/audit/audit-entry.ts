/** An audited change: who changed what, when, before and after. Stored with the change, in the same transaction. */
export interface AuditEntry {
  /** An account id, or `carrier` for carrier-wide changes (rate deck, high-risk list, bans). */
  readonly scope: string;
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** The scope of changes that belong to no account: IP bans, their lifts, bans withheld from known peers. */
export const CARRIER_SCOPE = 'carrier';

export interface AuditPage {
  readonly records: AuditEntry[];
  readonly nextCursor: string | null;
}

export interface AuditTrail {
  list(scope: string, limit: number, cursor?: string): Promise<AuditPage>;
  get(scope: string, at: string, id: string): Promise<AuditEntry | undefined>;
}
