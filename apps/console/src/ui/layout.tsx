import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Route } from '../lib/route.js';
import { useSession } from '../session.js';

const NAV: Array<{ href: string; label: string; pages: Route['page'][] }> = [
  { href: '#/', label: 'Overview', pages: ['overview'] },
  { href: '#/stations', label: 'Stations', pages: ['stations', 'station'] },
  { href: '#/schemas', label: 'Schemas', pages: ['schemas', 'schema'] },
  { href: '#/dead-letters', label: 'Dead letters', pages: ['dead-letters'] },
];

/** The header (navigation, who is logged in, connection state) around every page. */
export function Layout(props: { route: Route; online: boolean; children: ComponentChildren }) {
  const { client, principal, logout } = useSession();
  const theme = useTheme();
  return (
    <div class="shell">
      <button type="button" class="skip" onClick={skipToContent}>
        Skip to content
      </button>
      <header class="topbar">
        <a class="brand" href="#/" aria-label="Ferry console, overview">
          <img src="favicon.svg" alt="" width="22" height="22" />
          Ferry
        </a>
        <nav aria-label="Main">
          {NAV.map((item) => (
            <a
              key={item.href}
              href={item.href}
              aria-current={item.pages.includes(props.route.page) ? 'page' : undefined}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <div class="who">
          <span class={props.online ? 'dot ok' : 'dot bad'} aria-hidden="true" />
          <span class="visually-hidden">{props.online ? 'Connected' : 'Reconnecting'}</span>
          <span class="muted" title={client.server.url}>
            {client.server.serverName} {client.server.serverVersion}
          </span>
          <button
            type="button"
            class="icon"
            onClick={theme.toggle}
            aria-label={`Switch to ${theme.dark ? 'light' : 'dark'} mode`}
            title="Light or dark"
          >
            {theme.dark ? '☀' : '☾'}
          </button>
          {principal !== undefined && (
            <>
              <span data-testid="principal">{principal}</span>
              <button type="button" onClick={logout} data-testid="logout">
                Log out
              </button>
            </>
          )}
        </div>
      </header>
      {!props.online && (
        <div class="banner" role="status">
          The connection to the broker dropped; reconnecting…
        </div>
      )}
      <div id="content" class="content" tabIndex={-1}>
        {props.children}
      </div>
    </div>
  );
}

/** A button, not a link: an in-page anchor would change the hash the routes live in. */
function skipToContent(): void {
  document.getElementById('content')?.focus();
}

const THEME_KEY = 'ferry.console.theme';

/** Follows the system's light or dark preference until the user picks one, then keeps it. */
function useTheme(): { dark: boolean; toggle: () => void } {
  const system = () => window.matchMedia('(prefers-color-scheme: dark)').matches;
  const [choice, setChoice] = useState(() => localStorage.getItem(THEME_KEY));
  const dark = choice === null ? system() : choice === 'dark';
  useEffect(() => {
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  }, [dark]);
  return {
    dark,
    toggle: () => {
      const next = dark ? 'light' : 'dark';
      localStorage.setItem(THEME_KEY, next);
      setChoice(next);
    },
  };
}
