/**
 * A switch reports a failed SIP authentication from an IP.
 *
 * 1. Read the IP's ban and withheld ban. An active ban answers at once: nothing more to count.
 * 2. Store the failure and count the failures in the sliding window, starting after the last ban or lift so the
 *    failures that earned a ban do not earn the next one.
 * 3. At the threshold, ask whether the IP is a known peer: an active account whose policy allows it.
 *    - Not a peer: ban. The ban (with the failures that earned it), `IP Banned` and the carrier audit record in one
 *      write. If another report banned the IP meanwhile, answer with that ban. The process's ban list forgets its
 *      copy, so this process's authorize path refuses the IP from its next call.
 *    - A peer: never banned. Unless the IP is still quiet from an earlier flag, write the withheld-ban marker, one
 *      `Known Peer Auth Failures` per protecting account (the review-flagger opens or extends its review) and the
 *      carrier audit record in one write; then stay quiet for a window, the failures still being recorded.
 */
import { CARRIER_SCOPE } from '../audit/audit-entry.js';
import type { Clock, IdGenerator } from '../shared/ports.js';
import { canonicalIp, failureWindowStart, isBanActive, planBan, type BanSettings } from './ip-ban.js';
import { isFlagQuiet, peerAuthFailureEvidence, planWithheldBan, type PeerMatch } from './known-peer.js';
import type { BanListCopy, BanState, BanStore, FailureCount, KnownPeerLookup, StoredBan } from './ports.js';

/** Failure records outlive their window by this much, so a late count never misses one. */
const FAILURE_RETENTION_MARGIN_SECONDS = 3_600;

export interface ReportAuthFailurePorts {
  readonly bans: Pick<BanStore, 'state' | 'recordFailure' | 'countFailuresSince' | 'ban' | 'get' | 'withhold'>;
  readonly banList: BanListCopy;
  readonly knownPeers: KnownPeerLookup;
  readonly settings: BanSettings;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export interface AuthFailureReport {
  readonly sourceIp: string;
  readonly sipUsername?: string;
  readonly accountId?: string;
  /** Who reported it, as audit records name an actor. */
  readonly reportedBy: string;
}

/** Every outcome names the canonical IP and the failures counted in the window (for a ban: the failures behind it). */
export type ReportAuthFailureOutcome =
  | { readonly kind: 'counted'; readonly ip: string; readonly failuresInWindow: number }
  /** This report banned the IP. */
  | { readonly kind: 'banned'; readonly ip: string; readonly ban: StoredBan; readonly failuresInWindow: number }
  /** The IP was banned already, or a concurrent report banned it first. */
  | { readonly kind: 'already-banned'; readonly ip: string; readonly ban: StoredBan; readonly failuresInWindow: number }
  /** A known peer at the threshold: not banned; `flagged` when this report flagged the protecting accounts. */
  | { readonly kind: 'withheld'; readonly ip: string; readonly knownPeerOf: readonly string[]; readonly failuresInWindow: number; readonly flagged: boolean };

export type ReportAuthFailure = (report: AuthFailureReport) => Promise<ReportAuthFailureOutcome>;

export function makeReportAuthFailure(ports: ReportAuthFailurePorts): ReportAuthFailure {
  const { settings } = ports;
  return async (report) => {
    const now = ports.clock.now();
    const ip = canonicalIp(report.sourceIp);

    const state = await ports.bans.state(ip);
    const previous = state.ban;
    if (previous && isBanActive(previous, now)) return { kind: 'already-banned', ip, ban: previous, failuresInWindow: previous.failures };

    await ports.bans.recordFailure(
      {
        ip,
        at: now.toISOString(),
        id: ports.ids.newId(),
        ...(report.sipUsername ? { sipUsername: report.sipUsername } : {}),
        ...(report.accountId ? { accountId: report.accountId } : {}),
        reportedBy: report.reportedBy,
      },
      epochSeconds(now.getTime()) + settings.windowSeconds + FAILURE_RETENTION_MARGIN_SECONDS,
    );
    const counted = await ports.bans.countFailuresSince(ip, failureWindowStart(previous, now, settings), settings.threshold);
    if (counted.count < settings.threshold) return { kind: 'counted', ip, failuresInWindow: counted.count };

    const peers = await ports.knownPeers.protecting(ip);
    if (peers.length > 0) return withholdBan(ports, { ip, peers, counted, state, now, reportedBy: report.reportedBy });

    const plan = planBan(previous, now, settings);
    const accountId = report.accountId ?? (counted.accountIds.length === 1 ? counted.accountIds[0] : undefined);
    const ban: StoredBan = {
      ip,
      ...plan,
      failures: counted.count,
      sipUsernames: counted.sipUsernames,
      ...(accountId ? { accountId } : {}),
      failureLog: counted.failures,
      threshold: settings.threshold,
      windowSeconds: settings.windowSeconds,
    };
    const outcome = await ports.bans.ban(
      ban,
      previous,
      epochSeconds(Date.parse(plan.bannedUntil)) + settings.repeatWindowSeconds,
      { eventId: `ip-banned:${ip}:${plan.bannedAt}`, occurredAt: plan.bannedAt, accountId: accountId ?? null, ip, bannedUntil: plan.bannedUntil, failures: counted.count, offence: plan.offence },
      {
        scope: CARRIER_SCOPE,
        id: ports.ids.newId(),
        at: plan.bannedAt,
        actor: `system:auto-ban (reported by ${report.reportedBy})`,
        action: 'ip.banned',
        before: previous ? { bannedUntil: previous.bannedUntil, offence: previous.offence } : null,
        after: { ip, bannedUntil: plan.bannedUntil, offence: plan.offence, failures: counted.count, sipUsernames: counted.sipUsernames },
      },
    );
    if (outcome === 'conflict') {
      const current = await ports.bans.get(ip);
      if (current && isBanActive(current, now)) return { kind: 'already-banned', ip, ban: current, failuresInWindow: current.failures };
      throw new Error(`ban of ${ip} conflicted but no active ban was found`);
    }
    ports.banList.invalidate();
    return { kind: 'banned', ip, ban, failuresInWindow: counted.count };
  };
}

interface AtThreshold {
  readonly ip: string;
  readonly peers: readonly PeerMatch[];
  readonly counted: FailureCount;
  readonly state: BanState;
  readonly now: Date;
  readonly reportedBy: string;
}

/** Step 3 for a known peer: flag each protecting account once per quiet window; never ban. */
async function withholdBan(ports: ReportAuthFailurePorts, { ip, peers, counted, state, now, reportedBy }: AtThreshold): Promise<ReportAuthFailureOutcome> {
  const { settings } = ports;
  const answer = { kind: 'withheld', ip, knownPeerOf: peers.map((peer) => peer.accountId), failuresInWindow: counted.count } as const;
  if (isFlagQuiet(state.withheld, now)) return { ...answer, flagged: false };

  const withheld = planWithheldBan(ip, peers, counted.count, now, settings);
  const events = peers.map((peer) => ({
    eventId: `known-peer-auth-failures:${ip}:${peer.accountId}:${withheld.withheldAt}`,
    occurredAt: withheld.withheldAt,
    accountId: peer.accountId,
    ip,
    evidence: peerAuthFailureEvidence(ip, peer, counted.failures, now, settings),
  }));
  const outcome = await ports.bans.withhold(withheld, state.withheld, epochSeconds(Date.parse(withheld.quietUntil)) + settings.repeatWindowSeconds, events, {
    scope: CARRIER_SCOPE,
    id: ports.ids.newId(),
    at: withheld.withheldAt,
    actor: `system:auto-ban (reported by ${reportedBy})`,
    action: 'ip.ban-withheld',
    before: state.withheld ? { withheldAt: state.withheld.withheldAt, accountIds: state.withheld.accountIds } : null,
    after: { ip, knownPeerOf: peers, failures: counted.count, sipUsernames: counted.sipUsernames, quietUntil: withheld.quietUntil },
  });
  // A conflict: a concurrent report flagged the accounts a moment ago.
  return { ...answer, flagged: outcome === 'withheld' };
}

function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
