/** Shared pieces: the client in context, errors with the API's per-field details, cursor paging, small formatters. */
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Client, type FieldProblem, type Me } from './api.js';

export { isMissingEndpoint } from './logic.js';

export interface Session {
  readonly client: Client;
  readonly me: Me;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('no session');
  return session;
}

/** What an error says to a person: the API's message, or the network's. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return error.message;
    return `${error.message} (HTTP ${error.status} ${error.code})`;
  }
  return error instanceof Error ? error.message : String(error);
}

export function detailsOf(error: unknown): readonly FieldProblem[] {
  return error instanceof ApiError ? error.details : [];
}

export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const details = detailsOf(error);
  return (
    <div class="error" role="alert">
      <strong>{title ?? 'Failed'}:</strong> {describe(error)}
      {details.length > 0 && (
        <ul class="details">
          {details.map((detail) => (
            <li key={`${detail.field}:${detail.message}`}>
              <code>{detail.field}</code> {detail.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}

/** Runs a load, exposing loading/error/data; `reload` runs it again. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = (generation.current += 1);
    setState((previous) => ({ ...previous, loading: true, error: undefined }));
    load().then(
      (data) => mine === generation.current && setState({ data, loading: false }),
      (error: unknown) => mine === generation.current && setState((previous) => ({ ...previous, error, loading: false })),
    );
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

/**
 * Cursor paging as the API does it: `nextCursor` leads forward; the cursors that led to the pages already seen are
 * kept so Previous goes back without the API knowing about it.
 */
export function usePaged<T>(load: (cursor: string | null) => Promise<{ items: T[]; nextCursor: string | null }>, deps: readonly unknown[]) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const current = cursors[cursors.length - 1] ?? null;
  useEffect(() => setCursors([null]), deps);
  const result = useLoad(() => load(current), [current, ...deps]);
  return {
    ...result,
    items: result.data?.items ?? [],
    page: cursors.length,
    hasNext: Boolean(result.data?.nextCursor),
    next: () => result.data?.nextCursor && setCursors([...cursors, result.data.nextCursor]),
    previous: () => cursors.length > 1 && setCursors(cursors.slice(0, -1)),
  };
}

export function Pager({ paged, label }: { paged: ReturnType<typeof usePaged<unknown>>; label: string }) {
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" onClick={paged.previous} disabled={paged.page <= 1 || paged.loading}>
        ← Previous
      </button>
      <span>Page {paged.page}</span>
      <button type="button" onClick={paged.next} disabled={!paged.hasNext || paged.loading}>
        Next →
      </button>
      <button type="button" onClick={paged.reload} disabled={paged.loading}>
        Refresh
      </button>
    </nav>
  );
}

/** A button running an action, showing its progress and its outcome beside it. */
export function ActionButton(props: { label: string; run: () => Promise<unknown>; done?: string; kind?: 'danger' | 'primary'; onDone?: () => void; confirm?: string }) {
  const [state, setState] = useState<{ busy: boolean; error?: unknown; ok?: boolean }>({ busy: false });
  const click = async () => {
    if (props.confirm && !window.confirm(props.confirm)) return;
    setState({ busy: true });
    try {
      await props.run();
      setState({ busy: false, ok: true });
      props.onDone?.();
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  return (
    <span class="action">
      <button type="button" class={props.kind ?? ''} onClick={click} disabled={state.busy} aria-busy={state.busy}>
        {state.busy ? `${props.label}…` : props.label}
      </button>
      {state.ok && props.done && (
        <span class="ok" role="status">
          {props.done}
        </span>
      )}
      {state.error !== undefined && <ErrorBox error={state.error} title={props.label} />}
    </span>
  );
}

export const money = (value: number | null | undefined) => (value === null || value === undefined ? '—' : value.toFixed(value !== 0 && Math.abs(value) < 0.01 ? 4 : 2));
export const time = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

export function Loading({ loading, what }: { loading: boolean; what: string }) {
  return loading ? (
    <p class="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  ) : null;
}
