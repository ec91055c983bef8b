/** POST /v1/auth-failures (switch, admin): a failed SIP authentication; the flow is domain/bans/report-auth-failure.ts. */
import type { BanSettings } from '../../domain/bans/ip-ban.js';
import type { ReportAuthFailure, ReportAuthFailureOutcome } from '../../domain/bans/report-auth-failure.js';
import { actorOf } from '../shared/actor.js';
import { httpEndpoint } from '../shared/http.js';
import type { Logger } from '../shared/logger.js';

export interface AuthFailuresPorts {
  readonly reportAuthFailure: ReportAuthFailure;
  readonly settings: Pick<BanSettings, 'threshold' | 'windowSeconds'>;
  readonly logger: Logger;
}

export function makeAuthFailuresEndpoint(ports: AuthFailuresPorts) {
  return httpEndpoint({ routes: ['POST /v1/auth-failures'] }, async ({ body, principal }) => {
    const reportedBy = actorOf(principal);
    const outcome = await ports.reportAuthFailure({ ...body, reportedBy });
    const { ip, failuresInWindow: failures } = outcome;
    if (outcome.kind === 'banned') ports.logger.warn('ip banned', { ip, offence: outcome.ban.offence, bannedUntil: outcome.ban.bannedUntil, failures, reportedBy });
    if (outcome.kind === 'withheld' && outcome.flagged) ports.logger.warn('ban withheld from a known peer; accounts flagged for review', { ip, accountIds: outcome.knownPeerOf, failures, reportedBy });
    return { status: 200, body: answerOf(outcome, ports.settings) };
  });
}

function answerOf(outcome: ReportAuthFailureOutcome, { threshold, windowSeconds }: AuthFailuresPorts['settings']) {
  const rule = { failuresInWindow: outcome.failuresInWindow, threshold, windowSeconds };
  switch (outcome.kind) {
    case 'counted':
      return { sourceIp: outcome.ip, banned: false, ...rule };
    case 'withheld':
      return { sourceIp: outcome.ip, banned: false, knownPeerOf: outcome.knownPeerOf, ...rule, flagged: outcome.flagged };
    default:
      return { sourceIp: outcome.ip, banned: true, bannedUntil: outcome.ban.bannedUntil, offence: outcome.ban.offence, ...rule };
  }
}
