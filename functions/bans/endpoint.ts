/**
 * GET /v1/bans (switch, reviewer, admin): the active IP bans, for switches and firewalls to pull (formats: view.ts).
 * GET /v1/bans/{ip} (reviewer, admin): why the IP is or was banned, who lifted it, and a ban withheld from it as a
 *   known peer; 404 when Tollgate holds neither about the IP.
 * DELETE /v1/bans/{ip} (reviewer, admin): lifts an active ban now (domain/bans/lift-ban.ts); 404 when not banned.
 */
import { CARRIER_SCOPE, type AuditTrail } from '../../domain/audit/audit-entry.js';
import { canonicalIp, isBanActive, isIpAddress } from '../../domain/bans/ip-ban.js';
import type { LiftBan } from '../../domain/bans/lift-ban.js';
import type { BanStore } from '../../domain/bans/ports.js';
import type { Clock } from '../../domain/shared/ports.js';
import { actorOf } from '../shared/actor.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';
import { banExplanation, banListAnswer, banView, withheldView } from './view.js';

export interface BansPorts {
  readonly bans: Pick<BanStore, 'listActive' | 'state'>;
  readonly audit: Pick<AuditTrail, 'get'>;
  readonly liftBan: LiftBan;
  readonly clock: Clock;
  readonly logger: Logger;
}

export function makeBansEndpoint(ports: BansPorts) {
  return httpEndpoint({ routes: ['GET /v1/bans', 'GET /v1/bans/{ip}', 'DELETE /v1/bans/{ip}'] }, async ({ route, query, pathParameters, principal, event }) => {
    const now = ports.clock.now();
    if (route.method === 'GET' && route.path === '/v1/bans') return banListAnswer(await ports.bans.listActive(now.toISOString()), query.format, event.headers?.accept, now);

    const raw = pathParameters.ip ?? '';
    if (!isIpAddress(raw)) throw httpErrors.badRequest('the path is invalid', [{ field: 'ip', message: 'must be an IPv4 or IPv6 address' }]);
    const ip = canonicalIp(raw);
    if (route.method === 'GET') {
      const { ban, withheld } = await ports.bans.state(ip);
      if (!ban && !withheld) throw httpErrors.notFound(`${ip} has no ban on record`);
      const lift = ban?.liftAuditId && ban.liftedAt ? await ports.audit.get(CARRIER_SCOPE, ban.liftedAt, ban.liftAuditId) : undefined;
      return { status: 200, body: { ip, banned: isBanActive(ban, now), ban: ban ? banExplanation(ban, lift?.actor) : null, knownPeer: withheld ? withheldView(withheld) : null } };
    }
    const outcome = await ports.liftBan(ip, actorOf(principal));
    if (outcome.kind === 'not-banned') throw httpErrors.notFound(`${ip} is not banned`);
    if (outcome.kind === 'conflict') throw httpErrors.conflict(`the ban on ${ip} changed meanwhile; read it again`);
    ports.logger.info('ip ban lifted', { ip, by: outcome.liftedBy });
    const { ban, liftedAt, liftedBy } = outcome;
    return { status: 200, body: { ...banView({ ...ban, bannedUntil: liftedAt }), lifted: true, liftedAt, liftedBy } };
  });
}
