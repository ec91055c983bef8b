/**
 * GET /v1/bans (switch, reviewer, admin): the active IP bans, for switches and firewalls to pull.
 *   - JSON by default;
 *   - `?format=text` or `Accept: text/plain`: one IP per line (ipset restore, fail2ban, nftables sets);
 *   - `?format=kamailio`: one `htable.seti ipban <ip> <banned-until epoch>` line per ban, for
 *     `curl ... | xargs -L1 kamcmd`; the route then refuses `$si` while `$sht(ipban=>$si) > $TS`.
 * GET /v1/bans/{ip} (reviewer, admin): why the IP is or was banned: each failure's time and username, the window and
 *   the threshold in force, when it was banned and until when, who lifted it (from the audit record of the lift);
 *   and, for a known peer, the ban withheld from it. 404 when Tollgate holds neither about the IP.
 * DELETE /v1/bans/{ip} (reviewer, admin): lifts an active ban now, audited; 404 when the IP is not banned.
 */
import * as z from 'zod';
import { canonicalIp, countingRestartsAfter, isBanActive, isIpAddress } from '../../domain/bans/ip-ban.js';
import type { WithheldBan } from '../../domain/bans/known-peer.js';
import type { StoredBan } from '../../domain/bans/ports.js';
import { actorOf } from '../shared/actor.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { Runtime } from '../shared/runtime.js';
import type { BanRepository } from '../adapters/dynamodb/ban-repository.js';
import type { AuditTrail } from '../../domain/audit/audit-entry.js';
import type { BanListCache } from '../shared/ban-list-cache.js';

const listQuerySchema = z.object({ format: z.enum(['json', 'text', 'kamailio']).optional() });

export interface BansPorts {
  readonly bans: Pick<BanRepository, 'listActive' | 'state' | 'get' | 'lift'>;
  readonly audit: Pick<AuditTrail, 'get'>;
  readonly banList: Pick<BanListCache, 'invalidate'>;
  readonly clock: Runtime['clock'];
  readonly ids: Runtime['ids'];
  readonly logger: Runtime['logger'];
}

export function makeBansEndpoint(ports: BansPorts) {
  return httpEndpoint({ query: listQuerySchema }, async ({ route, query, pathParameters, principal, event }) => {
    const now = ports.clock.now();
    if (route.method === 'GET' && route.path === '/v1/bans') {
      const bans = await ports.bans.listActive(now.toISOString());
      const format = query.format ?? (prefersText(event.headers?.accept) ? 'text' : 'json');
      if (format === 'text') return { status: 200, text: bans.map((ban) => `${ban.ip}\n`).join('') };
      if (format === 'kamailio') {
        return { status: 200, text: bans.map((ban) => `htable.seti ipban ${ban.ip} ${Math.floor(Date.parse(ban.bannedUntil) / 1000)}\n`).join('') };
      }
      return { status: 200, body: { bans: bans.map(banView), count: bans.length, generatedAt: now.toISOString() } };
    }

    const raw = pathParameters.ip ?? '';
    if (!isIpAddress(raw)) throw httpErrors.badRequest('the path is invalid', [{ field: 'ip', message: 'must be an IPv4 or IPv6 address' }]);
    const ip = canonicalIp(raw);
    if (route.method === 'GET') {
      const state = await ports.bans.state(ip);
      if (!state.ban && !state.withheld) throw httpErrors.notFound(`${ip} has no ban on record`);
      const lift = state.ban?.liftAuditId && state.ban.liftedAt ? await ports.audit.get('carrier', state.ban.liftedAt, state.ban.liftAuditId) : undefined;
      return {
        status: 200,
        body: { ip, banned: isBanActive(state.ban, now), ban: state.ban ? banExplanation(state.ban, lift?.actor) : null, knownPeer: state.withheld ? withheldView(state.withheld) : null },
      };
    }
    const ban = await ports.bans.get(ip);
    if (!ban || !isBanActive(ban, now)) throw httpErrors.notFound(`${ip} is not banned`);
    const liftedAt = now.toISOString();
    const actor = actorOf(principal);
    const outcome = await ports.bans.lift(ban, liftedAt, countingRestartsAfter(now), actor, {
      scope: 'carrier',
      id: ports.ids.newId(),
      at: liftedAt,
      actor,
      action: 'ip.unbanned',
      before: { ip, bannedUntil: ban.bannedUntil, offence: ban.offence, failures: ban.failures },
      after: { ip, bannedUntil: liftedAt, offence: ban.offence },
    });
    if (outcome === 'conflict') throw httpErrors.conflict(`the ban on ${ip} changed meanwhile; read it again`);
    ports.banList.invalidate();
    ports.logger.info('ip ban lifted', { ip, by: actor });
    return { status: 200, body: { ...banView({ ...ban, bannedUntil: liftedAt }), lifted: true, liftedAt, liftedBy: actor } };
  });
}

function prefersText(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((part) => part.split(';')[0]?.trim().toLowerCase());
  return types.includes('text/plain') && !types.includes('application/json');
}

function banView(ban: StoredBan) {
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
function banExplanation(ban: StoredBan, liftedByAudit: string | undefined) {
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

function withheldView(withheld: WithheldBan) {
  return { banWithheldAt: withheld.withheldAt, quietUntil: withheld.quietUntil, accountIds: withheld.accountIds, failures: withheld.failures };
}

