/**
 * POST /v1/auth-failures (switch, admin): a failed SIP authentication from `sourceIp`.
 *
 * 1. Read the IP's ban and withheld ban (one Query). An active ban answers at once: nothing more to count.
 * 2. Store the failure (its own item: concurrent reports never contend) and count the failures in the sliding
 *    window, starting after the last ban or lift so the failures that earned a ban do not earn the next one.
 * 3. At the threshold, ask whether the IP is a known peer: an active account whose policy allows it (peer index,
 *    then the accounts read consistently).
 *    - Not a peer: ban. The ban item (with the failures that earned it), `IP Banned` and the carrier audit record in
 *      one transaction. If another report banned the IP meanwhile, answer with that ban.
 *    - A peer: never banned. Unless the IP is still quiet from an earlier flag, write the withheld-ban marker, one
 *      `Known Peer Auth Failures` per protecting account (the review-flagger opens or extends its review) and the
 *      carrier audit record in one transaction; then stay quiet for a window, the failures still being recorded.
 */
import * as z from 'zod';
import { accountIdSchema } from '../../domain/accounts/account.js';
import { canonicalIp, failureWindowStart, ipAddressSchema, isBanActive, planBan, type BanSettings } from '../../domain/bans/ip-ban.js';
import { isFlagQuiet, peerAuthFailureEvidence, planWithheldBan, type PeerMatch } from '../../domain/bans/known-peer.js';
import type { BanState, FailureCount, StoredBan } from '../../domain/bans/ports.js';
import { actorOf } from '../shared/actor.js';
import { httpEndpoint } from '../shared/http.js';
import type { Runtime } from '../shared/runtime.js';
import type { RuntimeConfig } from '../shared/config.js';
import type { BanRepository } from '../adapters/dynamodb/ban-repository.js';
import type { BanListCache } from '../shared/ban-list-cache.js';
import type { KnownPeers } from '../shared/known-peers.js';

const authFailureSchema = z
  .object({
    sourceIp: ipAddressSchema,
    sipUsername: z.string().min(1).max(128).optional(),
    accountId: accountIdSchema.optional(),
  })
  .strict();

export interface AuthFailuresPorts {
  readonly bans: Pick<BanRepository, 'state' | 'recordFailure' | 'countFailuresSince' | 'ban' | 'get' | 'withhold'>;
  readonly banList: Pick<BanListCache, 'invalidate'>;
  readonly knownPeers: Pick<KnownPeers, 'protecting'>;
  readonly config: Pick<RuntimeConfig, 'bans'>;
  readonly clock: Runtime['clock'];
  readonly ids: Runtime['ids'];
  readonly logger: Runtime['logger'];
}

export function makeAuthFailuresEndpoint(ports: AuthFailuresPorts) {
  return httpEndpoint({ body: authFailureSchema }, async ({ body, principal }) => {
    const settings: BanSettings = ports.config.bans;
    const now = ports.clock.now();
    const ip = canonicalIp(body.sourceIp);
    const reportedBy = actorOf(principal);

    const state = await ports.bans.state(ip);
    const previous = state.ban;
    if (previous && isBanActive(previous, now)) return { status: 200, body: banAnswer(ip, previous, previous.failures, settings) };

    await ports.bans.recordFailure(
      {
        ip,
        at: now.toISOString(),
        id: ports.ids.newId(),
        ...(body.sipUsername ? { sipUsername: body.sipUsername } : {}),
        ...(body.accountId ? { accountId: body.accountId } : {}),
        reportedBy,
      },
      Math.floor(now.getTime() / 1000) + settings.windowSeconds + 3_600,
    );
    const counted = await ports.bans.countFailuresSince(ip, failureWindowStart(previous, now, settings), settings.threshold);
    if (counted.count < settings.threshold) {
      return { status: 200, body: { sourceIp: ip, banned: false, failuresInWindow: counted.count, threshold: settings.threshold, windowSeconds: settings.windowSeconds } };
    }

    const peers = await ports.knownPeers.protecting(ip);
    if (peers.length > 0) return { status: 200, body: await withholdBan(ports, ip, peers, counted, state, now, reportedBy) };

    const plan = planBan(previous, now, settings);
    const accountId = body.accountId ?? (counted.accountIds.length === 1 ? counted.accountIds[0] : undefined);
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
    const expiresAt = Math.floor(Date.parse(plan.bannedUntil) / 1000) + settings.repeatWindowSeconds;
    const outcome = await ports.bans.ban(
      ban,
      previous,
      expiresAt,
      { eventId: `ip-banned:${ip}:${plan.bannedAt}`, occurredAt: plan.bannedAt, accountId: accountId ?? null, ip, bannedUntil: plan.bannedUntil, failures: counted.count, offence: plan.offence },
      {
        scope: 'carrier',
        id: ports.ids.newId(),
        at: plan.bannedAt,
        actor: `system:auto-ban (reported by ${reportedBy})`,
        action: 'ip.banned',
        before: previous ? { bannedUntil: previous.bannedUntil, offence: previous.offence } : null,
        after: { ip, bannedUntil: plan.bannedUntil, offence: plan.offence, failures: counted.count, sipUsernames: counted.sipUsernames },
      },
    );
    if (outcome === 'conflict') {
      const current = await ports.bans.get(ip);
      if (current && isBanActive(current, now)) return { status: 200, body: banAnswer(ip, current, current.failures, settings) };
      throw new Error(`ban of ${ip} conflicted but no active ban was found`);
    }
    ports.banList.invalidate(); // this process's authorize path refuses the IP from its next call
    ports.logger.warn('ip banned', { ip, offence: plan.offence, bannedUntil: plan.bannedUntil, failures: counted.count, reportedBy });
    return { status: 200, body: banAnswer(ip, ban, counted.count, settings) };
  });
}

/** Step 3 for a known peer: flag each protecting account once per quiet window; never ban. */
async function withholdBan(ports: AuthFailuresPorts, ip: string, peers: readonly PeerMatch[], counted: FailureCount, state: BanState, now: Date, reportedBy: string) {
  const settings: BanSettings = ports.config.bans;
  const accountIds = peers.map((peer) => peer.accountId);
  const answer = { sourceIp: ip, banned: false, knownPeerOf: accountIds, failuresInWindow: counted.count, threshold: settings.threshold, windowSeconds: settings.windowSeconds };
  if (isFlagQuiet(state.withheld, now)) return { ...answer, flagged: false };

  const withheld = planWithheldBan(ip, peers, counted.count, now, settings);
  const events = peers.map((peer) => ({
    eventId: `known-peer-auth-failures:${ip}:${peer.accountId}:${withheld.withheldAt}`,
    occurredAt: withheld.withheldAt,
    accountId: peer.accountId,
    ip,
    evidence: peerAuthFailureEvidence(ip, peer, counted.failures, now, settings),
  }));
  const outcome = await ports.bans.withhold(withheld, state.withheld, Math.floor(Date.parse(withheld.quietUntil) / 1000) + settings.repeatWindowSeconds, events, {
    scope: 'carrier',
    id: ports.ids.newId(),
    at: withheld.withheldAt,
    actor: `system:auto-ban (reported by ${reportedBy})`,
    action: 'ip.ban-withheld',
    before: state.withheld ? { withheldAt: state.withheld.withheldAt, accountIds: state.withheld.accountIds } : null,
    after: { ip, knownPeerOf: peers, failures: counted.count, sipUsernames: counted.sipUsernames, quietUntil: withheld.quietUntil },
  });
  // A conflict: a concurrent report flagged the accounts a moment ago.
  if (outcome === 'conflict') return { ...answer, flagged: false };
  ports.logger.warn('ban withheld from a known peer; accounts flagged for review', { ip, accountIds, failures: counted.count, reportedBy });
  return { ...answer, flagged: true };
}

function banAnswer(ip: string, ban: StoredBan, failures: number, settings: BanSettings) {
  return {
    sourceIp: ip,
    banned: true,
    bannedUntil: ban.bannedUntil,
    offence: ban.offence,
    failuresInWindow: failures,
    threshold: settings.threshold,
    windowSeconds: settings.windowSeconds,
  };
}

