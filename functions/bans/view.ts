/** Bans on the wire: the list for switches and firewalls (JSON or text), one ban, its explanation. */
import type { WithheldBan } from '../../domain/bans/known-peer.js';
import type { StoredBan } from '../../domain/bans/ports.js';
import type { JsonResult } from '../shared/http.js';

export type BanListFormat = 'json' | 'text' | 'kamailio';

/**
 * The active bans: JSON by default; `text` (or `Accept: text/plain`) one IP per line for ipset, fail2ban, nftables;
 * `kamailio` one `htable.seti ipban <ip> <banned-until epoch>` line per ban, for `curl ... | xargs -L1 kamcmd`.
 */
export function banListAnswer(bans: readonly StoredBan[], asked: BanListFormat | undefined, accept: string | undefined, now: Date): JsonResult {
  const format = asked ?? (prefersText(accept) ? 'text' : 'json');
  if (format === 'text') return { status: 200, text: bans.map((ban) => `${ban.ip}\n`).join('') };
  if (format === 'kamailio') {
    return { status: 200, text: bans.map((ban) => `htable.seti ipban ${ban.ip} ${Math.floor(Date.parse(ban.bannedUntil) / 1000)}\n`).join('') };
  }
  return { status: 200, body: { bans: bans.map(banView), count: bans.length, generatedAt: now.toISOString() } };
}

function prefersText(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((part) => part.split(';')[0]?.trim().toLowerCase());
  return types.includes('text/plain') && !types.includes('application/json');
}

export function banView(ban: StoredBan) {
  return {
    ip: ban.ip,
    bannedAt: ban.bannedAt,
    bannedUntil: ban.bannedUntil,
    offence: ban.offence,
    failures: ban.failures,
    sipUsernames: ban.sipUsernames,
    accountId: ban.accountId ?? null,
  };
}

/** The ban with the reason for it. `liftedBy` comes from the lift's audit record when there is one. */
export function banExplanation(ban: StoredBan, liftedByAudit: string | undefined) {
  const failures = [...(ban.failureLog ?? [])].sort((a, b) => a.at.localeCompare(b.at));
  return {
    bannedAt: ban.bannedAt,
    bannedUntil: ban.bannedUntil,
    offence: ban.offence,
    accountId: ban.accountId ?? null,
    threshold: ban.threshold ?? null,
    window:
      ban.windowSeconds === undefined
        ? null
        : { seconds: ban.windowSeconds, firstFailureAt: failures[0]?.at ?? null, lastFailureAt: failures[failures.length - 1]?.at ?? null },
    failureCount: ban.failures,
    // bans written before the failures were kept on the ban item list none
    failures: failures.map((failure) => ({ at: failure.at, sipUsername: failure.sipUsername ?? null })),
    lifted: ban.liftedAt ? { at: ban.liftedAt, by: liftedByAudit ?? ban.liftedBy ?? null, auditRecordId: ban.liftAuditId ?? null } : null,
  };
}

export function withheldView(withheld: WithheldBan) {
  return { banWithheldAt: withheld.withheldAt, quietUntil: withheld.quietUntil, accountIds: withheld.accountIds, failures: withheld.failures };
}
