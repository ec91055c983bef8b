/**
 * GET /v1/bans (switch, reviewer, admin): the active IP bans, for switches and firewalls to pull.
 *   - JSON by default;
 *   - `?format=text` or `Accept: text/plain`: one IP per line (ipset restore, fail2ban, nftables sets);
 *   - `?format=kamailio`: one `htable.seti ipban <ip> <banned-until epoch>` line per ban, for
 *     `curl ... | xargs -L1 kamcmd`; the route then refuses `$si` while `$sht(ipban=>$si) > $TS`.
 * DELETE /v1/bans/{ip} (reviewer, admin): lifts an active ban now, audited; 404 when the IP is not banned.
 */
import * as z from 'zod';
import { canonicalIp, countingRestartsAfter, isBanActive, isIpAddress } from '../../domain/bans/ip-ban.js';
import type { StoredBan } from '../adapters/dynamodb/ban-repository.js';
import { actorOf } from '../shared/actor.js';
import { httpEndpoint, httpErrors } from '../shared/http.js';
import { dependencies, resolve, type DependencySource } from '../shared/wiring.js';

const listQuerySchema = z.object({ format: z.enum(['json', 'text', 'kamailio']).optional() });

export function makeHandler(source: DependencySource) {
  return httpEndpoint({ query: listQuerySchema }, async ({ route, query, pathParameters, principal, event }) => {
    const deps = resolve(source);
    const now = deps.clock.now();
    if (route.method === 'GET') {
      const bans = await deps.bans.listActive(now.toISOString());
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
    const ban = await deps.bans.get(ip);
    if (!ban || !isBanActive(ban, now)) throw httpErrors.notFound(`${ip} is not banned`);
    const liftedAt = now.toISOString();
    const actor = actorOf(principal);
    const outcome = await deps.bans.lift(ban, liftedAt, countingRestartsAfter(now), actor, {
      scope: 'carrier',
      id: deps.ids.newId(),
      at: liftedAt,
      actor,
      action: 'ip.unbanned',
      before: { ip, bannedUntil: ban.bannedUntil, offence: ban.offence, failures: ban.failures },
      after: { ip, bannedUntil: liftedAt, offence: ban.offence },
    });
    if (outcome === 'conflict') throw httpErrors.conflict(`the ban on ${ip} changed meanwhile; read it again`);
    deps.banList.invalidate();
    deps.logger.info('ip ban lifted', { ip, by: actor });
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

export const handler = makeHandler(dependencies);
