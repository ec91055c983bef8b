/**
 * The customer's screens: balance, the policy beside the carrier's ceilings with an editor that validates with the
 * API's own zod schema, the destination profile as a chart, the decisions log with unblock hints, the webhook secret.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import type { Decision, WhatIf } from './api.js';
import { applyHint, bucketByCountry, describeHint, validatePolicy } from './logic.js';
import { ActionButton, ErrorBox, isMissingEndpoint, Loading, money, Notice, Pager, time, useLoad, usePaged, useSession } from './ui.js';

export function Overview({ accountId }: { accountId: string }) {
  const { client } = useSession();
  const account = useLoad(() => client.account(accountId), [accountId]);
  return (
    <section aria-labelledby="overview-title">
      <h2 id="overview-title">
        Account <code>{accountId}</code>
      </h2>
      <Loading loading={account.loading} what="the account" />
      <ErrorBox error={account.error} title="The account could not be loaded" />
      {account.data && (
        <dl class="facts big">
          <dt>Status</dt>
          <dd class={`status-${account.data.status}`}>{account.data.status}</dd>
          <dt>Balance</dt>
          <dd>{money(account.data.balance)}</dd>
          <dt>Reserved by live calls</dt>
          <dd>{money((account.data as { reserved?: number }).reserved)}</dd>
          <dt>Available</dt>
          <dd>{money((account.data as { available?: number }).available)}</dd>
          <dt>Live calls</dt>
          <dd>{String((account.data as { liveCalls?: number }).liveCalls ?? '—')}</dd>
          <dt>Restricted destinations</dt>
          <dd>{account.data.restrictedDestinations.join(', ') || 'none'}</dd>
        </dl>
      )}
    </section>
  );
}

const CEILING_FIELDS = ['maxRatePerMinute', 'internationalEnabled', 'limits', 'autoRestriction', 'allowedHighRiskPrefixes'] as const;

export function PolicyEditor({ accountId }: { accountId: string }) {
  const { client } = useSession();
  const answer = useLoad(() => client.policy(accountId), [accountId]);
  const [text, setText] = useState('');
  const [saved, setSaved] = useState<{ error?: unknown; ok?: boolean; busy?: boolean }>({});
  const [whatIf, setWhatIf] = useState<{ busy?: boolean; result?: WhatIf; error?: unknown; missing?: boolean }>({});
  useEffect(() => {
    if (answer.data) setText(JSON.stringify(answer.data.policy, null, 2));
  }, [answer.data]);
  const validation = useMemo(() => (text ? validatePolicy(text) : { problems: [] }), [text]);

  const save = async () => {
    if (!validation.policy) return;
    setSaved({ busy: true });
    try {
      await client.putPolicy(accountId, validation.policy);
      setSaved({ ok: true });
      answer.reload();
    } catch (error) {
      setSaved({ error });
    }
  };
  const runWhatIf = async () => {
    if (!validation.policy) return;
    setWhatIf({ busy: true });
    const to = new Date();
    const from = new Date(to.getTime() - 7 * 86_400_000);
    try {
      setWhatIf({ result: await client.whatIf(accountId, { policy: validation.policy, from: from.toISOString(), to: to.toISOString() }) });
    } catch (error) {
      setWhatIf(isMissingEndpoint(error) ? { missing: true } : { error });
    }
  };

  return (
    <section aria-labelledby="policy-title">
      <h2 id="policy-title">Policy</h2>
      <Loading loading={answer.loading} what="the policy" />
      <ErrorBox error={answer.error} title="The policy could not be loaded" />
      {answer.data && (
        <>
          <table>
            <caption>Your policy, the carrier's ceilings, and what applies (the stricter of the two)</caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Yours</th>
                <th scope="col">Carrier ceiling</th>
                <th scope="col">Effective</th>
              </tr>
            </thead>
            <tbody>
              {CEILING_FIELDS.map((field) => (
                <tr key={field}>
                  <th scope="row">{field}</th>
                  <td>
                    <code>{JSON.stringify(answer.data?.policy[field])}</code>
                  </td>
                  <td>
                    <code>{JSON.stringify((answer.data?.carrierPolicy as Record<string, unknown>)[field])}</code>
                  </td>
                  <td>
                    <code>{JSON.stringify(answer.data?.effectivePolicy[field])}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <label for="policy-json">Edit the policy (JSON; checked as you type with the schema the API uses)</label>
          <textarea id="policy-json" rows={18} spellcheck={false} value={text} onInput={(event) => setText((event.target as HTMLTextAreaElement).value)} aria-describedby="policy-problems" />
          <div id="policy-problems" aria-live="polite">
            {validation.problems.length > 0 ? (
              <ul class="details invalid">
                {validation.problems.map((problem) => (
                  <li key={problem.field + problem.message}>
                    <code>{problem.field}</code> {problem.message}
                  </li>
                ))}
              </ul>
            ) : (
              <p class="ok">The policy is valid.</p>
            )}
          </div>
          <div class="actions">
            <button type="button" onClick={runWhatIf} disabled={!validation.policy || whatIf.busy}>
              {whatIf.busy ? 'Replaying…' : 'What if? (last 7 days)'}
            </button>
            <button type="button" class="primary" onClick={save} disabled={!validation.policy || saved.busy}>
              {saved.busy ? 'Saving…' : 'Save policy'}
            </button>
            {saved.ok && (
              <span class="ok" role="status">
                Saved.
              </span>
            )}
          </div>
          <ErrorBox error={saved.error} title="The API refused the policy" />
          {whatIf.missing && <Notice>What-if is not available on this API yet.</Notice>}
          <ErrorBox error={whatIf.error} title="What-if failed" />
          {whatIf.result && (
            <div class="card" aria-live="polite">
              <h3>What if (last 7 days)</h3>
              <dl class="facts">
                <dt>Evaluated</dt>
                <dd>{whatIf.result.evaluated}</dd>
                <dt>Changed</dt>
                <dd>{whatIf.result.changed}</dd>
                <dt>Newly denied</dt>
                <dd>{whatIf.result.newlyDenied.length}</dd>
                <dt>Newly allowed</dt>
                <dd>{whatIf.result.newlyAllowed.length}</dd>
                <dt>Spend avoided</dt>
                <dd>{money(whatIf.result.spendAvoided)}</dd>
              </dl>
              <pre>{JSON.stringify(whatIf.result.byReason, null, 2)}</pre>
            </div>
          )}
        </>
      )}
    </section>
  );
}

export function Decisions({ accountId }: { accountId: string }) {
  const { client, me } = useSession();
  const [filter, setFilter] = useState<{ decision: string; reason: string }>({ decision: '', reason: '' });
  const [pageSize, setPageSize] = useState(25);
  const paged = usePaged(async (cursor) => {
    const answer = await client.decisions(accountId, pageSize, cursor);
    return { items: answer.decisions, nextCursor: answer.nextCursor };
  }, [accountId, pageSize]);
  const reasons = [...new Set(paged.items.map((decision) => decision.reason))].sort();
  const shown = paged.items.filter((decision) => (!filter.decision || decision.decision === filter.decision) && (!filter.reason || decision.reason === filter.reason));
  const mayApply = me.role === 'customer' || me.role === 'admin';
  return (
    <section aria-labelledby="decisions-title">
      <h2 id="decisions-title">Decisions</h2>
      <form class="inline" onSubmit={(event) => event.preventDefault()}>
        <label for="filter-decision">Decision</label>
        <select id="filter-decision" value={filter.decision} onChange={(event) => setFilter({ ...filter, decision: (event.target as HTMLSelectElement).value })}>
          <option value="">any</option>
          <option value="allow">allow</option>
          <option value="deny">deny</option>
        </select>
        <label for="filter-reason">Reason</label>
        <select id="filter-reason" value={filter.reason} onChange={(event) => setFilter({ ...filter, reason: (event.target as HTMLSelectElement).value })}>
          <option value="">any</option>
          {reasons.map((reason) => (
            <option key={reason} value={reason}>
              {reason}
            </option>
          ))}
        </select>
        <label for="page-size">Per page</label>
        <select id="page-size" value={String(pageSize)} onChange={(event) => setPageSize(Number((event.target as HTMLSelectElement).value))}>
          {[10, 25, 50, 100].map((size) => (
            <option key={size} value={String(size)}>
              {size}
            </option>
          ))}
        </select>
      </form>
      <p class="muted">Filters apply to the page loaded from the API (newest first).</p>
      <Loading loading={paged.loading} what="decisions" />
      <ErrorBox error={paged.error} title="Decisions could not be loaded" />
      <table>
        <thead>
          <tr>
            <th scope="col">Decided</th>
            <th scope="col">Call</th>
            <th scope="col">To</th>
            <th scope="col">Decision</th>
            <th scope="col">Reason and rule</th>
            <th scope="col">Unblock</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((decision) => (
            <DecisionRow key={decision.decisionId} decision={decision} accountId={accountId} mayApply={mayApply} onApplied={paged.reload} />
          ))}
        </tbody>
      </table>
      {!paged.loading && shown.length === 0 && <Notice>No decision on this page matches.</Notice>}
      <Pager paged={paged as never} label="Decisions" />
    </section>
  );
}

function DecisionRow({ decision, accountId, mayApply, onApplied }: { decision: Decision; accountId: string; mayApply: boolean; onApplied: () => void }) {
  const { client } = useSession();
  return (
    <tr class={`decision-${decision.decision}`}>
      <td>{time(decision.decidedAt)}</td>
      <td>
        <code>{decision.callId}</code>
      </td>
      <td>
        {decision.request.to}
        {decision.destination?.country ? ` (${decision.destination.country})` : ''}
      </td>
      <td>
        <strong>{decision.decision}</strong> {decision.sipCode}
      </td>
      <td>
        <code>{decision.reason}</code>
        <div class="muted">{decision.rule.detail}</div>
      </td>
      <td>
        {decision.decision === 'deny' && decision.unblock === undefined && <span class="muted">no hint</span>}
        {decision.decision === 'deny' && decision.unblock?.length === 0 && <span class="muted">only a reviewer may help</span>}
        {decision.unblock?.map((hint, index) =>
          'path' in hint && mayApply ? (
            <ActionButton key={index} label={describeHint(hint)} done="applied" run={() => applyHint(client, accountId, hint)} onDone={onApplied} />
          ) : (
            <div key={index} class="muted">
              {describeHint(hint)}
            </div>
          ),
        )}
      </td>
    </tr>
  );
}

/**
 * The destination profile: attempts per country over time from the decisions log (the last 200 decisions, bucketed
 * by hour), and the lifetime completed calls, minutes and spend per country the API keeps.
 */
export function DestinationProfile({ accountId }: { accountId: string }) {
  const { client } = useSession();
  const profile = useLoad(() => client.destinations(accountId), [accountId]);
  const history = useLoad(async () => {
    const decisions: Decision[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 2; page += 1) {
      const answer: { decisions: Decision[]; nextCursor: string | null } = await client.decisions(accountId, 100, cursor);
      decisions.push(...answer.decisions);
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    return decisions;
  }, [accountId]);
  return (
    <section aria-labelledby="profile-title">
      <h2 id="profile-title">Destination profile</h2>
      <Loading loading={profile.loading || history.loading} what="the destination profile" />
      <ErrorBox error={profile.error ?? history.error} title="The profile could not be loaded" />
      {history.data && <CountryChart decisions={history.data} />}
      {profile.data && (
        <>
          <p>
            Home country {profile.data.homeCountry}; known: {profile.data.knownCountries.join(', ') || 'none'}; restricted: {profile.data.restrictedDestinations.join(', ') || 'none'}.
          </p>
          <table>
            <caption>Completed calls by country (lifetime)</caption>
            <thead>
              <tr>
                <th scope="col">Country</th>
                <th scope="col">Calls</th>
                <th scope="col">Minutes</th>
                <th scope="col">Spend</th>
                <th scope="col">Last call</th>
              </tr>
            </thead>
            <tbody>
              {profile.data.countries.map((row) => (
                <tr key={row.key}>
                  <td>{row.country}</td>
                  <td>{row.completedCalls}</td>
                  <td>{row.minutes}</td>
                  <td>{money(row.spend)}</td>
                  <td>{time(row.lastCompletedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {profile.data.countries.length === 0 && <Notice>No completed call yet.</Notice>}
        </>
      )}
    </section>
  );
}

const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a7ea4', '#57606a'];

function CountryChart({ decisions }: { decisions: Decision[] }) {
  const container = useRef<HTMLDivElement>(null);
  const { countries, data, bucketName } = useMemo(() => bucketByCountry(decisions), [decisions]);
  useEffect(() => {
    if (!container.current || countries.length === 0) return;
    const chart = new uPlot(
      {
        width: Math.min(container.current.clientWidth || 720, 900),
        height: 260,
        title: `Call attempts per country, per ${bucketName}`,
        series: [{}, ...countries.map((country, index) => ({ label: country, stroke: COLORS[index % COLORS.length] ?? '#000', width: 2 }))],
        axes: [{}, { label: 'attempts' }],
      },
      data as uPlot.AlignedData,
      container.current,
    );
    return () => chart.destroy();
  }, [countries, data, bucketName]);
  if (countries.length === 0) return <Notice>No decision yet to chart.</Notice>;
  return (
    <figure>
      <div ref={container} class="chart" role="img" aria-label={`Call attempts per country per ${bucketName}: ${countries.join(', ')}`} />
      <figcaption class="muted">From the last {decisions.length} decisions (the access log); spend per country is in the table below.</figcaption>
    </figure>
  );
}

export function WebhookSecret({ accountId }: { accountId: string }) {
  const { client } = useSession();
  const [secret, setSecret] = useState<Record<string, unknown> | undefined>();
  return (
    <section aria-labelledby="webhook-title">
      <h2 id="webhook-title">Webhook signing secret</h2>
      <p>Rotating issues a new secret, shown once; the previous one stays valid for a while so you can switch over.</p>
      <ActionButton label="Rotate the webhook secret" done="rotated" confirm="Rotate the webhook secret now?" run={async () => setSecret(await client.rotateWebhookSecret(accountId))} />
      {secret && (
        <div class="card" aria-live="polite">
          <p>
            New secret (copy it now; it is not shown again): <code class="secret">{String(secret.secret)}</code>
          </p>
          <p class="muted">Previous secret valid until: {time(secret.previousSecretValidUntil as string | null)}</p>
          <p class="muted">{String(secret.signatureHeader ?? '')}</p>
        </div>
      )}
    </section>
  );
}
