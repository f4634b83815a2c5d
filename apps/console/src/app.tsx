/**
 * The console: one connection through @ferry/browser, a login when the broker asks for
 * credentials, and the page the URL's hash names.
 */
import { type Auth, type Client, connect } from '@ferry/browser';
import type { JSX } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { brokerUrl, forgetAuth, storeAuth, storedAuth } from './lib/credentials.js';
import { describeError } from './lib/errors.js';
import { useLocation } from './lib/use-route.js';
import { DeadLettersPage } from './pages/dead-letters.js';
import { LoginPage } from './pages/login.js';
import { OverviewPage } from './pages/overview.js';
import { SchemaPage } from './pages/schema.js';
import { SchemasPage } from './pages/schemas.js';
import { StationPage } from './pages/station.js';
import { StationsPage } from './pages/stations.js';
import { permissionsOf, type Session, SessionContext } from './session.js';
import { Layout } from './ui/layout.js';
import { Notice } from './ui/notice.js';

type State =
  | { kind: 'connecting' }
  | { kind: 'login'; error?: unknown }
  | { kind: 'unreachable'; error: unknown }
  | { kind: 'ready'; client: Client };

/** Codes that mean "these credentials will not do": ask for others. */
const CREDENTIAL_CODES = new Set(['AUTH_FAILED', 'AUTH_EXPIRED']);

export function App() {
  const [state, setState] = useState<State>({ kind: 'connecting' });
  const [online, setOnline] = useState(true);

  const open = useCallback(async (auth: Auth | undefined): Promise<void> => {
    let client: Client;
    try {
      client = await connect(brokerUrl(window.location), {
        ...(auth === undefined ? {} : { auth }),
        name: 'ferry-console',
      });
    } catch (error) {
      const { code } = describeError(error);
      if (code !== undefined && CREDENTIAL_CODES.has(code)) {
        forgetAuth();
        // Without credentials the refusal only says the broker wants some: no error to show.
        setState({ kind: 'login', ...(auth === undefined ? {} : { error }) });
      } else setState({ kind: 'unreachable', error });
      return;
    }
    if (auth !== undefined) storeAuth(auth);
    client.onStatus((event) => {
      if (event.type === 'disconnected' || event.type === 'reconnecting') setOnline(false);
      if (event.type === 'connected') setOnline(true);
      if (event.type === 'closed') {
        const { code } = describeError(event.error);
        if (code !== undefined && CREDENTIAL_CODES.has(code)) {
          forgetAuth();
          setState({ kind: 'login', error: event.error });
        }
      }
    });
    setOnline(true);
    setState({ kind: 'ready', client });
  }, []);

  useEffect(() => {
    void open(storedAuth());
  }, [open]);

  const session = useMemo<Session | undefined>(() => {
    if (state.kind !== 'ready') return undefined;
    const { client } = state;
    return {
      client,
      principal: client.server.principal,
      ...permissionsOf(client),
      logout: () => {
        forgetAuth();
        void client.close();
        setState({ kind: 'login' });
      },
    };
  }, [state]);

  switch (state.kind) {
    case 'connecting':
      return (
        <main class="center">
          <p aria-busy="true">Connecting to the broker…</p>
        </main>
      );
    case 'login':
      return <LoginPage error={state.error} onLogin={open} />;
    case 'unreachable':
      return (
        <main class="center">
          <Notice kind="error">
            <p>
              The console cannot reach the broker at <code>{brokerUrl(window.location)}</code>:{' '}
              {describeError(state.error).message}
            </p>
            <p class="hint">Check that the broker is running, then try again.</p>
          </Notice>
          <button
            type="button"
            class="primary"
            onClick={() => {
              setState({ kind: 'connecting' });
              void open(storedAuth());
            }}
          >
            Try again
          </button>
        </main>
      );
    case 'ready':
      return session === undefined ? null : (
        <SessionContext.Provider value={session}>
          <Pages online={online} />
        </SessionContext.Provider>
      );
  }
}

function Pages(props: { online: boolean }) {
  const { route, query } = useLocation();
  let page: JSX.Element;
  switch (route.page) {
    case 'overview':
      page = <OverviewPage query={query} />;
      break;
    case 'stations':
      page = <StationsPage query={query} />;
      break;
    case 'station':
      page = <StationPage key={route.station} station={route.station} query={query} />;
      break;
    case 'dead-letters':
      page = <DeadLettersPage key={route.station} station={route.station} query={query} />;
      break;
    case 'schemas':
      page = <SchemasPage />;
      break;
    case 'schema':
      page = <SchemaPage key={route.schema} schema={route.schema} query={query} />;
      break;
    case 'not-found':
      page = (
        <main>
          <h1>Page not found</h1>
          <p>
            Nothing lives at <code>#/{route.path}</code>. <a href="#/">Go to the overview</a>.
          </p>
        </main>
      );
  }
  return (
    <Layout route={route} online={props.online}>
      {page}
    </Layout>
  );
}
