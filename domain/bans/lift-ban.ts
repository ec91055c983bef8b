/**
 * A reviewer lifts an IP's active ban now.
 *
 * 1. Read the ban; an IP with no ban in force is not banned (nothing to lift).
 * 2. End it now, conditioned on the ban read: the item and its offence count stay, failures up to now no longer
 *    count; the carrier audit record (who, before, after) in the same write. A ban that changed meanwhile is a
 *    conflict: the caller reads it again.
 * 3. The process's ban list forgets its copy, so this process's authorize path admits the IP from its next call.
 */
import { CARRIER_SCOPE } from '../audit/audit-entry.js';
import type { Clock, IdGenerator } from '../shared/ports.js';
import { countingRestartsAfter, isBanActive } from './ip-ban.js';
import type { BanListCopy, BanStore, StoredBan } from './ports.js';

export interface LiftBanPorts {
  readonly bans: Pick<BanStore, 'get' | 'lift'>;
  readonly banList: BanListCopy;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export type LiftBanOutcome =
  /** `ban` as it was before the lift. */
  | { readonly kind: 'lifted'; readonly ban: StoredBan; readonly liftedAt: string; readonly liftedBy: string }
  | { readonly kind: 'not-banned' }
  | { readonly kind: 'conflict' };

/** `ip` in canonical form (domain/bans/ip-ban.ts `canonicalIp`); `actor` as audit records name one. */
export type LiftBan = (ip: string, actor: string) => Promise<LiftBanOutcome>;

export function makeLiftBan(ports: LiftBanPorts): LiftBan {
  return async (ip, actor) => {
    const now = ports.clock.now();
    const ban = await ports.bans.get(ip);
    if (!ban || !isBanActive(ban, now)) return { kind: 'not-banned' };

    const liftedAt = now.toISOString();
    const outcome = await ports.bans.lift(ban, liftedAt, countingRestartsAfter(now), actor, {
      scope: CARRIER_SCOPE,
      id: ports.ids.newId(),
      at: liftedAt,
      actor,
      action: 'ip.unbanned',
      before: { ip, bannedUntil: ban.bannedUntil, offence: ban.offence, failures: ban.failures },
      after: { ip, bannedUntil: liftedAt, offence: ban.offence },
    });
    if (outcome === 'conflict') return { kind: 'conflict' };
    ports.banList.invalidate();
    return { kind: 'lifted', ban, liftedAt, liftedBy: actor };
  };
}
