/** The fraud desk: the open review queue with its evidence, an account's live calls, the to-end list, the bans. */
import { useState } from 'preact/hooks';
import type { AccountReview, RangeReview } from './api.js';
import { ActionButton, ErrorBox, isMissingEndpoint, Loading, money, Notice, Pager, time, useLoad, usePaged, useSession } from './ui.js';

const PAGE = 20;

export function ReviewQueue({ onOpenAccount }: { onOpenAccount: (accountId: string) => void }) {
  const { client } = useSession();
  const paged = usePaged(async (cursor) => {
    const answer = await client.reviews(PAGE, cursor);
    return { items: answer.reviews, nextCursor: answer.nextCursor };
  }, []);
  return (
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">Open reviews</h2>
      <Loading loading={paged.loading} what="the review queue" />
      <ErrorBox error={paged.error} title="The review queue could not be loaded" />
      {!paged.loading && !paged.error && paged.items.length === 0 && <Notice>No open review: nothing is waiting for a decision.</Notice>}
      {paged.items.map((review) =>
        review.scope === 'carrier' ? (
          <RangeReviewCard key={review.reviewId} review={review} onResolved={paged.reload} />
        ) : (
          <ReviewCard key={review.reviewId} review={review} onResolved={paged.reload} onOpenAccount={onOpenAccount} />
        ),
      )}
      <Pager paged={paged as never} label="Review queue" />
    </section>
  );
}

/**
 * A range the range watch restricted carrier-wide: the accounts that dialled it, the numbers each dialled and when;
 * lifting it (clear) or keeping it restricted closes the review.
 */
function RangeReviewCard({ review, onResolved }: { review: RangeReview; onResolved: () => void }) {
  const { client } = useSession();
  const [note, setNote] = useState('');
  const noteId = `note-${review.reviewId}`;
  const { evidence } = review;
  return (
    <article class="card review" aria-label={`Review of range ${review.range}`}>
      <header>
        <h3>
          Range <code>{review.range}</code> (carrier-wide)
        </h3>
        <span class="meta">
          restricted {time(evidence.restrictedAt)} · updated {time(review.updatedAt)}
        </span>
      </header>
      <dl class="facts">
        <dt>Rule</dt>
        <dd>range-watch</dd>
        <dt>Distinct accounts</dt>
        <dd>
          {evidence.distinctAccounts} (threshold {evidence.threshold} in {evidence.windowMinutes} min)
        </dd>
        <dt>Numbers</dt>
        <dd>{evidence.numbers.join(', ') || '—'}</dd>
      </dl>
      <h4>Evidence</h4>
      <table>
        <caption class="sr-only">Evidence of review {review.reviewId}</caption>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">First dialled</th>
            <th scope="col">Numbers dialled (first at)</th>
          </tr>
        </thead>
        <tbody>
          {evidence.accounts.map((account) => (
            <tr key={account.accountId}>
              <td>
                <code>{account.accountId}</code>
              </td>
              <td>{account.firstDialledAt ? time(account.firstDialledAt) : '—'}</td>
              <td>{account.numbers.map((dialled) => `${dialled.number} (${time(dialled.firstDialledAt)})`).join(', ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="actions">
        <label for={noteId}>Note (required)</label>
        <input id={noteId} value={note} onInput={(event) => setNote((event.target as HTMLInputElement).value)} placeholder="why, for the audit log" />
        <ActionButton label={`Lift ${review.range}`} run={() => client.resolve(review.reviewId, 'clear', note)} onDone={onResolved} />
        <ActionButton label="Keep restricted" run={() => client.resolve(review.reviewId, 'keep', note)} onDone={onResolved} />
      </div>
    </article>
  );
}

function ReviewCard({ review, onResolved, onOpenAccount }: { review: AccountReview; onResolved: () => void; onOpenAccount: (accountId: string) => void }) {
  const { client } = useSession();
  const [note, setNote] = useState('');
  const noteId = `note-${review.reviewId}`;
  const rules = [...new Set(review.evidence.map((entry) => ruleOf(entry)))];
  return (
    <article class="card review" aria-label={`Review of account ${review.accountId}`}>
      <header>
        <h3>
          Account <code>{review.accountId}</code>
        </h3>
        <span class="meta">
          opened {time(review.openedAt)} · updated {time(review.updatedAt)}
        </span>
      </header>
      <dl class="facts">
        <dt>Rule</dt>
        <dd>{rules.join(', ') || '—'}</dd>
        <dt>Destinations</dt>
        <dd>{review.destinations.join(', ') || '—'}</dd>
        <dt>Source IPs</dt>
        <dd>{review.sourceIps.join(', ') || '—'}</dd>
        <dt>Evidence entries</dt>
        <dd>
          {review.evidence.length}
          {review.evidenceDropped > 0 ? ` (+${review.evidenceDropped} dropped)` : ''}
        </dd>
      </dl>
      <h4>Evidence</h4>
      <table>
        <caption class="sr-only">Evidence of review {review.reviewId}</caption>
        <thead>
          <tr>
            <th scope="col">At</th>
            <th scope="col">Kind</th>
            <th scope="col">Subject</th>
            <th scope="col">Counts</th>
            <th scope="col">Spend last hour</th>
          </tr>
        </thead>
        <tbody>
          {review.evidence.map((entry) => {
            const evidence = (entry as { evidence?: Record<string, unknown> }).evidence ?? {};
            const subject = 'destination' in entry ? entry.destination : 'sourceIp' in entry ? (entry as { sourceIp: string }).sourceIp : '';
            return (
              <tr key={entry.eventId}>
                <td>{time(entry.at)}</td>
                <td>{entry.kind}</td>
                <td>{subject}</td>
                <td>{countsOf(evidence)}</td>
                <td>{typeof evidence.spendLastHour === 'number' ? money(evidence.spendLastHour) : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <BurstTimeline review={review} />
      <div class="actions">
        <label for={noteId}>Note (required)</label>
        <input id={noteId} value={note} onInput={(event) => setNote((event.target as HTMLInputElement).value)} placeholder="why, for the audit log" />
        <ActionButton label="Clear" run={() => client.resolve(review.reviewId, 'clear', note)} onDone={onResolved} />
        <ActionButton label="Suspend account" kind="danger" run={() => client.resolve(review.reviewId, 'suspend', note)} onDone={onResolved} />
        {review.destinations.map((destination) => (
          <ActionButton key={destination} label={`Unblock ${destination}`} done={`${destination} unblocked`} run={() => client.unblockDestination(review.accountId, destination)} />
        ))}
        <ResetButton accountId={review.accountId} note={note} />
        <button type="button" onClick={() => onOpenAccount(review.accountId)}>
          Live calls of {review.accountId}
        </button>
      </div>
    </article>
  );
}

function ruleOf(entry: AccountReview['evidence'][number]): string {
  const evidence = (entry as { evidence?: { rule?: unknown } }).evidence;
  return typeof evidence?.rule === 'string' ? evidence.rule : entry.kind;
}

/** The numbers of an evidence record, whatever its rule names them (attempts, failures, thresholds). */
function countsOf(evidence: Record<string, unknown>): string {
  return Object.entries(evidence)
    .filter(([key, value]) => typeof value === 'number' && key !== 'spendLastHour')
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(', ');
}

interface TimelineEntry {
  readonly at: string;
  readonly label: string;
  readonly kind: 'attempt' | 'restriction';
}

/**
 * The burst on a time axis: the account's call attempts to the review's destinations (from its decisions log, the
 * latest 100) within the detection window before the review, and each restriction the evidence records.
 */
function BurstTimeline({ review }: { review: AccountReview }) {
  const { client } = useSession();
  const decisions = useLoad(() => client.decisions(review.accountId, 100), [review.accountId, review.updatedAt]);
  const windowMinutes = Math.max(
    10,
    ...review.evidence.map((entry) => Number((entry as { evidence?: { windowMinutes?: unknown } }).evidence?.windowMinutes) || 0),
  );
  const from = Date.parse(review.openedAt) - windowMinutes * 60_000;
  const to = Date.parse(review.updatedAt) + 60_000;
  const attempts: TimelineEntry[] = (decisions.data?.decisions ?? [])
    .filter((decision) => decision.destination?.country && review.destinations.includes(decision.destination.country))
    .filter((decision) => Date.parse(decision.decidedAt) >= from && Date.parse(decision.decidedAt) <= to)
    .map((decision) => ({ at: decision.decidedAt, label: `attempt to ${decision.destination?.country ?? '?'}: ${decision.decision} ${decision.reason}`, kind: 'attempt' }));
  const restrictions: TimelineEntry[] = review.evidence.map((entry) => ({
    at: entry.at,
    label: 'destination' in entry ? `${entry.destination} restricted` : entry.kind,
    kind: 'restriction',
  }));
  return (
    <>
      <ErrorBox error={decisions.error} title="The attempts could not be loaded; the timeline shows the evidence only" />
      <Timeline entries={[...attempts, ...restrictions]} attempts={attempts.length} />
    </>
  );
}

export function Timeline({ entries, attempts }: { entries: TimelineEntry[]; attempts: number }) {
  if (entries.length === 0) return null;
  const sorted = [...entries].sort((a, b) => a.at.localeCompare(b.at));
  const start = Date.parse(sorted[0]?.at ?? '');
  const end = Date.parse(sorted[sorted.length - 1]?.at ?? '');
  const span = Math.max(end - start, 1);
  const restrictions = sorted.length - attempts;
  return (
    <figure class="timeline">
      <figcaption>
        Timeline of the burst: {attempts} attempt(s) and {restrictions} restriction(s) from {time(sorted[0]?.at)} to {time(sorted[sorted.length - 1]?.at)}
        <span class="legend">
          <span class="dot attempt" aria-hidden="true" /> attempt <span class="dot restriction" aria-hidden="true" /> restriction
        </span>
      </figcaption>
      <ol class="axis">
        {sorted.map((entry, index) => (
          <li key={`${entry.at}-${index}`} class={entry.kind} style={{ left: `${sorted.length === 1 ? 50 : ((Date.parse(entry.at) - start) / span) * 100}%` }} title={`${entry.label} at ${entry.at}`}>
            <span class="sr-only">
              {entry.label} at {time(entry.at)}
            </span>
          </li>
        ))}
      </ol>
    </figure>
  );
}

function ResetButton({ accountId, note }: { accountId: string; note: string }) {
  const { client } = useSession();
  const [missing, setMissing] = useState(false);
  if (missing) return <span class="muted">Reset is not available on this API yet.</span>;
  return (
    <ActionButton
      label="Reset counters and restrictions"
      done="reset"
      run={async () => {
        try {
          await client.reset(accountId, { counters: true, restrictions: true, note: note || 'reset from the console' });
        } catch (error) {
          if (isMissingEndpoint(error)) setMissing(true);
          else throw error;
        }
      }}
    />
  );
}

/** One account's live calls, their reservations, and the suspension that ends them. */
export function LiveCalls({ accountId, onChange }: { accountId: string; onChange?: () => void }) {
  const { client, me } = useSession();
  const calls = useLoad(() => client.calls(accountId), [accountId]);
  const [note, setNote] = useState('');
  const mayOperate = me.role === 'reviewer' || me.role === 'admin';
  return (
    <section aria-labelledby="calls-title">
      <h2 id="calls-title">
        Live calls of <code>{accountId}</code>
      </h2>
      <Loading loading={calls.loading} what="live calls" />
      <ErrorBox error={calls.error} title="Live calls could not be loaded" />
      {calls.data && (
        <>
          <p>
            {calls.data.count} live call(s), {money(calls.data.reserved)} reserved.
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Call</th>
                <th scope="col">Destination</th>
                <th scope="col">Authorized</th>
                <th scope="col">Granted</th>
                <th scope="col">Reserved</th>
                <th scope="col">To end</th>
              </tr>
            </thead>
            <tbody>
              {calls.data.calls.map((call) => (
                <tr key={call.callId}>
                  <td>
                    <code>{call.callId}</code>
                  </td>
                  <td>
                    {call.destination.e164} ({call.destination.country ?? '?'})
                  </td>
                  <td>{time(call.authorizedAt)}</td>
                  <td>{call.grantedSeconds}s</td>
                  <td>{money(call.reserved)}</td>
                  <td>{call.toEnd ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <button type="button" onClick={calls.reload} disabled={calls.loading}>
        Refresh
      </button>
      {mayOperate && (
        <div class="actions">
          <label for="suspend-note">Note (required)</label>
          <input id="suspend-note" value={note} onInput={(event) => setNote((event.target as HTMLInputElement).value)} />
          <ActionButton
            label="Suspend (ends its live calls)"
            kind="danger"
            done="suspended"
            run={() => client.suspend(accountId, note)}
            onDone={() => {
              calls.reload();
              onChange?.();
            }}
          />
          <ActionButton label="Reactivate" done="reactivated" run={() => client.reactivate(accountId, note)} onDone={calls.reload} />
        </div>
      )}
    </section>
  );
}

export function ToEndList() {
  const { client } = useSession();
  const list = useLoad(() => client.toEnd(), []);
  return (
    <section aria-labelledby="to-end-title">
      <h2 id="to-end-title">Calls the switch must end</h2>
      <Loading loading={list.loading} what="the to-end list" />
      <ErrorBox error={list.error} title="The to-end list could not be loaded" />
      {list.data && list.data.calls.length === 0 && <Notice>No live call has to end.</Notice>}
      {list.data && list.data.calls.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Call</th>
              <th scope="col">Account</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {list.data.calls.map((call) => (
              <tr key={call.callId}>
                <td>
                  <code>{call.callId}</code>
                </td>
                <td>{call.accountId}</td>
                <td>{call.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" onClick={list.reload} disabled={list.loading}>
        Refresh
      </button>
    </section>
  );
}

export function LiveCallsScreen({ initialAccount }: { initialAccount?: string | undefined }) {
  const [input, setInput] = useState(initialAccount ?? '');
  const [accountId, setAccountId] = useState(initialAccount ?? '');
  const [version, setVersion] = useState(0);
  return (
    <>
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          setAccountId(input.trim());
        }}
      >
        <label for="calls-account">Account id</label>
        <input id="calls-account" value={input} onInput={(event) => setInput((event.target as HTMLInputElement).value)} />
        <button type="submit">Show live calls</button>
      </form>
      {accountId && <LiveCalls key={`${accountId}-${version}`} accountId={accountId} onChange={() => setVersion(version + 1)} />}
      <ToEndList key={`to-end-${version}`} />
    </>
  );
}

export function Bans() {
  const { client } = useSession();
  const bans = useLoad(() => client.bans(), []);
  const [explained, setExplained] = useState<{ ip: string; body?: Record<string, unknown>; error?: unknown } | undefined>();
  return (
    <section aria-labelledby="bans-title">
      <h2 id="bans-title">IP bans</h2>
      <Loading loading={bans.loading} what="bans" />
      <ErrorBox error={bans.error} title="Bans could not be loaded" />
      {bans.data && bans.data.bans.length === 0 && <Notice>No active ban.</Notice>}
      {bans.data && bans.data.bans.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">IP</th>
              <th scope="col">Offence</th>
              <th scope="col">Failures</th>
              <th scope="col">Usernames</th>
              <th scope="col">Banned until</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {bans.data.bans.map((ban) => (
              <tr key={ban.ip}>
                <td>
                  <code>{ban.ip}</code>
                </td>
                <td>{ban.offence}</td>
                <td>{ban.failures}</td>
                <td>{ban.sipUsernames.join(', ')}</td>
                <td>{time(ban.bannedUntil)}</td>
                <td>
                  <button
                    type="button"
                    onClick={() =>
                      client.ban(ban.ip).then(
                        (body) => setExplained({ ip: ban.ip, body }),
                        (error: unknown) => setExplained({ ip: ban.ip, error }),
                      )
                    }
                  >
                    Why?
                  </button>
                  <ActionButton label="Lift" kind="danger" confirm={`Lift the ban on ${ban.ip}?`} run={() => client.liftBan(ban.ip)} onDone={bans.reload} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>Bans are few and listed whole (the API answers them in one list).</p>
      <button type="button" onClick={bans.reload} disabled={bans.loading}>
        Refresh
      </button>
      {explained && (
        <div class="card" aria-live="polite">
          <h3>Why {explained.ip} is banned</h3>
          <ErrorBox error={explained.error} />
          {explained.body && <pre>{JSON.stringify(explained.body, null, 2)}</pre>}
        </div>
      )}
    </section>
  );
}
