/** The carrier's administration: accounts, credentials, rate deck and high-risk list imports. */
import { useState } from 'preact/hooks';
import { ROLES, type Role } from '../../domain/contract/routes.js';
import { lineNumbered } from './logic.js';
import { ActionButton, ErrorBox, Loading, money, Notice, Pager, time, usePaged, useSession } from './ui.js';

const PAGE = 25;

export function Accounts({ onOpen }: { onOpen: (accountId: string) => void }) {
  const { client } = useSession();
  const [search, setSearch] = useState('');
  const [applied, setApplied] = useState('');
  const paged = usePaged(async (cursor) => {
    const answer = await client.accounts(PAGE, cursor, applied || undefined);
    return { items: answer.accounts, nextCursor: answer.nextCursor };
  }, [applied]);
  return (
    <section aria-labelledby="accounts-title">
      <h2 id="accounts-title">Accounts</h2>
      <form
        class="inline"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied(search.trim());
        }}
      >
        <label for="account-search">Account id starts with</label>
        <input id="account-search" value={search} onInput={(event) => setSearch((event.target as HTMLInputElement).value)} />
        <button type="submit">Search</button>
      </form>
      <Loading loading={paged.loading} what="accounts" />
      <ErrorBox error={paged.error} title="Accounts could not be listed" />
      <table>
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Name</th>
            <th scope="col">Home</th>
            <th scope="col">Status</th>
            <th scope="col">Balance</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {paged.items.map((account) => (
            <tr key={account.accountId}>
              <td>
                <button type="button" class="link" onClick={() => onOpen(account.accountId)}>
                  {account.accountId}
                </button>
              </td>
              <td>{account.name}</td>
              <td>{account.homeCountry}</td>
              <td>{account.status}</td>
              <td>{money(account.balance)}</td>
              <td>{time(account.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!paged.loading && !paged.error && paged.items.length === 0 && <Notice>No account matches.</Notice>}
      <Pager paged={paged as never} label="Accounts" />
      <CreateAccount onCreated={paged.reload} />
    </section>
  );
}

function CreateAccount({ onCreated }: { onCreated: () => void }) {
  const { client } = useSession();
  const [form, setForm] = useState({ accountId: '', name: '', homeCountry: '', techPrefix: '' });
  const field = (name: keyof typeof form, label: string) => (
    <>
      <label for={`new-${name}`}>{label}</label>
      <input id={`new-${name}`} value={form[name]} onInput={(event) => setForm({ ...form, [name]: (event.target as HTMLInputElement).value })} />
    </>
  );
  return (
    <fieldset>
      <legend>Create an account</legend>
      {field('accountId', 'Account id')}
      {field('name', 'Name')}
      {field('homeCountry', 'Home country (ISO 3166-1 alpha-2)')}
      {field('techPrefix', 'Tech prefix (optional)')}
      <ActionButton
        label="Create account"
        kind="primary"
        done="created"
        run={() => client.createAccount({ accountId: form.accountId, name: form.name, homeCountry: form.homeCountry, ...(form.techPrefix ? { techPrefix: form.techPrefix } : {}) })}
        onDone={onCreated}
      />
    </fieldset>
  );
}

export function Credentials() {
  const { client } = useSession();
  const paged = usePaged(async (cursor) => {
    const answer = await client.credentials(PAGE, cursor);
    return { items: answer.credentials, nextCursor: answer.nextCursor };
  }, []);
  const [role, setRole] = useState<Role>('customer');
  const [accountId, setAccountId] = useState('');
  const [label, setLabel] = useState('');
  const [issued, setIssued] = useState<string | undefined>();
  return (
    <section aria-labelledby="credentials-title">
      <h2 id="credentials-title">Credentials</h2>
      <fieldset>
        <legend>Issue a credential</legend>
        <label for="issue-role">Role</label>
        <select id="issue-role" value={role} onChange={(event) => setRole((event.target as HTMLSelectElement).value as Role)}>
          {ROLES.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        {role === 'customer' && (
          <>
            <label for="issue-account">Account id</label>
            <input id="issue-account" value={accountId} onInput={(event) => setAccountId((event.target as HTMLInputElement).value)} />
          </>
        )}
        <label for="issue-label">Label (optional)</label>
        <input id="issue-label" value={label} onInput={(event) => setLabel((event.target as HTMLInputElement).value)} />
        <ActionButton
          label="Issue"
          kind="primary"
          run={async () => {
            const answer = await client.issueCredential({ role, ...(role === 'customer' ? { accountId } : {}), ...(label ? { label } : {}) });
            setIssued(answer.token);
          }}
          onDone={paged.reload}
        />
        {issued && (
          <p role="status">
            Token (shown once): <code class="secret">{issued}</code>
          </p>
        )}
      </fieldset>
      <Loading loading={paged.loading} what="credentials" />
      <ErrorBox error={paged.error} title="Credentials could not be listed" />
      <table>
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">Role</th>
            <th scope="col">Account</th>
            <th scope="col">Label</th>
            <th scope="col">Created</th>
            <th scope="col">Expires</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {paged.items.map((credential) => (
            <tr key={credential.credentialId}>
              <td>
                <code>{credential.credentialId}</code>
              </td>
              <td>{credential.role}</td>
              <td>{credential.accountId ?? '—'}</td>
              <td>{credential.label ?? '—'}</td>
              <td>{time(credential.createdAt)}</td>
              <td>{credential.expiresAt ? `${time(credential.expiresAt)}${credential.expired ? ' (expired)' : ''}` : 'never'}</td>
              <td>
                <ActionButton label="Revoke" kind="danger" confirm={`Revoke ${credential.credentialId}?`} run={() => client.revokeCredential(credential.credentialId)} onDone={paged.reload} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager paged={paged as never} label="Credentials" />
    </section>
  );
}

export function Imports() {
  const { client } = useSession();
  const [deck, setDeck] = useState('');
  const [deckResult, setDeckResult] = useState<{ ok?: Record<string, unknown>; error?: unknown; busy?: boolean }>({});
  const [prefixes, setPrefixes] = useState('');
  const [riskResult, setRiskResult] = useState<{ ok?: Record<string, unknown>; error?: unknown; busy?: boolean }>({});
  const readFile = (event: Event, set: (text: string) => void) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) void file.text().then(set);
  };
  return (
    <section aria-labelledby="imports-title">
      <h2 id="imports-title">Imports</h2>
      <fieldset>
        <legend>Rate deck (CSV: prefix,country,description,rate_per_minute)</legend>
        <label for="deck-file">CSV file</label>
        <input id="deck-file" type="file" accept=".csv,text/csv" onChange={(event) => readFile(event, setDeck)} />
        <label for="deck-text">or paste it</label>
        <textarea id="deck-text" rows={8} value={deck} onInput={(event) => setDeck((event.target as HTMLTextAreaElement).value)} spellcheck={false} />
        <button
          type="button"
          class="primary"
          disabled={!deck || deckResult.busy}
          onClick={async () => {
            setDeckResult({ busy: true });
            try {
              setDeckResult({ ok: await client.importRateDeck(deck) });
            } catch (error) {
              setDeckResult({ error });
            }
          }}
        >
          {deckResult.busy ? 'Importing…' : 'Import the rate deck'}
        </button>
        <ErrorBox error={deckResult.error} title="The rate deck was refused" />
        {deckResult.ok && (
          <p class="ok" role="status">
            Imported: {JSON.stringify(deckResult.ok)}
          </p>
        )}
      </fieldset>
      <fieldset>
        <legend>High-risk prefixes (one E.164 prefix a line, without "+")</legend>
        <label for="risk-text">Prefixes</label>
        <textarea id="risk-text" rows={8} value={prefixes} onInput={(event) => setPrefixes((event.target as HTMLTextAreaElement).value)} spellcheck={false} />
        <button
          type="button"
          class="primary"
          disabled={!prefixes || riskResult.busy}
          onClick={async () => {
            setRiskResult({ busy: true });
            try {
              setRiskResult({ ok: await client.importHighRisk(prefixes.trimEnd().split(/\r?\n/).map((line) => line.trim())) });
            } catch (error) {
              setRiskResult({ error });
            }
          }}
        >
          {riskResult.busy ? 'Importing…' : 'Replace the high-risk list'}
        </button>
        {riskResult.error !== undefined && <HighRiskError error={riskResult.error} />}
        {riskResult.ok && (
          <p class="ok" role="status">
            Saved: {JSON.stringify(riskResult.ok)}
          </p>
        )}
      </fieldset>
    </section>
  );
}

function HighRiskError({ error }: { error: unknown }) {
  const details = (error as { details?: readonly { field: string; message: string }[] }).details ?? [];
  const relabelled = Object.assign(Object.create(Object.getPrototypeOf(error) as object) as object, error, { details: lineNumbered(details) });
  return <ErrorBox error={relabelled} title="The high-risk list was refused" />;
}
