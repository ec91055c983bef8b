/**
 * The console's shell: sign-in with a bearer token (kept in sessionStorage only, never localStorage or a cookie), the
 * role from `GET /v1/me`, the screens that role may use, and a progress line every request reports to.
 */
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import { Accounts, Credentials, Imports } from './admin.js';
import { ApiError, createClient, type Me, type RequestListener } from './api.js';
import { DestinationProfile, Decisions, Overview, PolicyEditor, WebhookSecret } from './customer.js';
import { Bans, LiveCallsScreen, ReviewQueue } from './reviewer.js';
import { describe, ErrorBox, SessionContext } from './ui.js';
import './styles.css';

const TOKEN_KEY = 'tollgate.token';

type Screen = 'reviews' | 'calls' | 'bans' | 'account' | 'policy' | 'destinations' | 'decisions' | 'webhook' | 'accounts' | 'credentials' | 'imports';

const SCREENS: Record<Screen, string> = {
  reviews: 'Review queue',
  calls: 'Live calls',
  bans: 'Bans',
  account: 'Balance',
  policy: 'Policy',
  destinations: 'Destinations',
  decisions: 'Decisions',
  webhook: 'Webhook secret',
  accounts: 'Accounts',
  credentials: 'Credentials',
  imports: 'Imports',
};

const ACCOUNT_SCREENS: Screen[] = ['account', 'policy', 'destinations', 'decisions', 'webhook'];

function screensOf(me: Me): Screen[] {
  if (me.role === 'customer') return ACCOUNT_SCREENS;
  if (me.role === 'reviewer') return ['reviews', 'calls', 'bans'];
  if (me.role === 'admin') return ['reviews', 'calls', 'bans', 'accounts', 'credentials', 'imports'];
  return [];
}

interface Progress {
  readonly pending: Map<number, { label: string; slow: boolean }>;
}

function App() {
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(TOKEN_KEY));
  const [me, setMe] = useState<Me | undefined>();
  const [signInError, setSignInError] = useState<string | undefined>();
  const [progress, setProgress] = useState<Progress>({ pending: new Map() });
  const listener: RequestListener = (event) =>
    setProgress((previous) => {
      const pending = new Map(previous.pending);
      if (event.phase === 'end') pending.delete(event.id);
      else pending.set(event.id, { label: event.label, slow: event.phase === 'slow' });
      return { pending };
    });
  const client = useMemo(() => (token ? createClient(token, listener) : undefined), [token]);

  useEffect(() => {
    if (!client) return;
    client.me().then(
      (answer) => {
        setMe(answer);
        setSignInError(undefined);
      },
      (error: unknown) => {
        sessionStorage.removeItem(TOKEN_KEY);
        setToken(null);
        setMe(undefined);
        setSignInError(
          error instanceof ApiError && error.status === 401
            ? 'This token was refused: it is unknown, revoked or expired. Check it and try again.'
            : `Could not sign in: ${describe(error)}`,
        );
      },
    );
  }, [client]);

  const signOut = () => {
    sessionStorage.removeItem(TOKEN_KEY);
    setToken(null);
    setMe(undefined);
  };

  if (!token || !client) {
    return (
      <SignIn
        error={signInError}
        onToken={(value) => {
          sessionStorage.setItem(TOKEN_KEY, value);
          setToken(value);
        }}
      />
    );
  }
  if (!me) return <p role="status">Signing in…</p>;
  return (
    <SessionContext.Provider value={{ client, me }}>
      <Shell me={me} progress={progress} onSignOut={signOut} />
    </SessionContext.Provider>
  );
}

function SignIn({ error, onToken }: { error: string | undefined; onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return (
    <main class="signin">
      <h1>Tollgate console</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (value.trim()) onToken(value.trim());
        }}
      >
        <label for="token">Bearer token</label>
        <input id="token" ref={input} type="password" autocomplete="off" value={value} onInput={(event) => setValue((event.target as HTMLInputElement).value)} aria-describedby="token-help" required />
        <p id="token-help" class="muted">
          Paste the token your carrier issued (customer, reviewer or admin). It is kept in this tab's session storage only and forgotten when the tab closes.
        </p>
        <button type="submit" class="primary">
          Sign in
        </button>
      </form>
      {error && (
        <div class="error" role="alert">
          {error}
        </div>
      )}
    </main>
  );
}

function Shell({ me, progress, onSignOut }: { me: Me; progress: Progress; onSignOut: () => void }) {
  const screens = screensOf(me);
  const [screen, setScreen] = useState<Screen | undefined>(screens[0]);
  const [accountId, setAccountId] = useState<string | undefined>(me.accountId ?? undefined);
  const heading = useRef<HTMLDivElement>(null);
  const go = (next: Screen) => {
    setScreen(next);
    // focus moves to the new screen so keyboard and screen-reader users land on it
    setTimeout(() => heading.current?.focus(), 0);
  };
  const openAccount = (id: string, next: Screen = me.role === 'admin' ? 'account' : 'calls') => {
    setAccountId(id);
    go(next);
  };
  const pending = [...progress.pending.values()];
  const slow = pending.filter((request) => request.slow);
  const adminAccountScreens = me.role === 'admin' && accountId ? ACCOUNT_SCREENS : [];
  return (
    <>
      <a class="skip" href="#screen">
        Skip to content
      </a>
      <header class="top">
        <h1>Tollgate console</h1>
        <span>
          Signed in as <strong>{me.role}</strong>
          {me.accountId ? (
            <>
              {' '}
              of <code>{me.accountId}</code>
            </>
          ) : null}
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <nav class="tabs" aria-label="Screens">
        {[...screens, ...adminAccountScreens].map((name) => (
          <button key={name} type="button" aria-current={screen === name ? 'page' : undefined} onClick={() => go(name)}>
            {ACCOUNT_SCREENS.includes(name) && me.role === 'admin' ? `${SCREENS[name]} (${accountId})` : SCREENS[name]}
          </button>
        ))}
      </nav>
      <div class="progress" role="status" aria-live="polite">
        {slow.length > 0 ? (
          <span class="slow">Still waiting for {slow.map((request) => request.label).join(', ')}: the API is slow to answer…</span>
        ) : pending.length > 0 ? (
          <span>Loading…</span>
        ) : null}
      </div>
      <main id="screen" ref={heading} tabIndex={-1}>
        {screens.length === 0 && <ErrorBox error={new Error(`the ${me.role} role has no screens in the console`)} />}
        {screen === 'reviews' && <ReviewQueue onOpenAccount={(id) => openAccount(id, 'calls')} />}
        {screen === 'calls' && <LiveCallsScreen key={accountId} initialAccount={accountId} />}
        {screen === 'bans' && <Bans />}
        {screen === 'accounts' && <Accounts onOpen={(id) => openAccount(id, 'account')} />}
        {screen === 'credentials' && <Credentials />}
        {screen === 'imports' && <Imports />}
        {accountId && screen === 'account' && <Overview accountId={accountId} />}
        {accountId && screen === 'policy' && <PolicyEditor accountId={accountId} />}
        {accountId && screen === 'destinations' && <DestinationProfile accountId={accountId} />}
        {accountId && screen === 'decisions' && <Decisions accountId={accountId} />}
        {accountId && screen === 'webhook' && <WebhookSecret accountId={accountId} />}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
