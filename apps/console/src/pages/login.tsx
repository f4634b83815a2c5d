import type { Auth } from '@ferry/browser';
import { useState } from 'preact/hooks';
import { useAction } from '../lib/use-action.js';
import { ErrorNotice } from '../ui/notice.js';

/**
 * Shown when the broker requires credentials: a token (a configured token or a JWT) or a user
 * name and password, as the SDK's `auth` option takes them.
 */
export function LoginPage(props: { error?: unknown; onLogin: (auth: Auth) => Promise<void> }) {
  const [kind, setKind] = useState<'token' | 'password'>('token');
  const [token, setToken] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    await action.run(() =>
      props.onLogin(kind === 'token' ? { token: token.trim() } : { username, password }),
    );
  };
  // The session reports a refused login as props.error; the action's own only if onLogin throws.
  const error = action.error ?? props.error;
  return (
    <main class="login" data-testid="login-page">
      <form class="card form" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Log in to Ferry</h1>
        <p class="muted">This broker requires credentials.</p>
        <fieldset class="segmented">
          <legend class="visually-hidden">Credentials</legend>
          <label>
            <input
              type="radio"
              name="kind"
              checked={kind === 'token'}
              onChange={() => setKind('token')}
            />
            Token
          </label>
          <label>
            <input
              type="radio"
              name="kind"
              checked={kind === 'password'}
              onChange={() => setKind('password')}
            />
            User name and password
          </label>
        </fieldset>
        {kind === 'token' ? (
          <label class="field">
            <span>Token or JWT</span>
            <input
              type="password"
              name="token"
              autocomplete="current-password"
              value={token}
              onInput={(e) => setToken(e.currentTarget.value)}
              required
            />
          </label>
        ) : (
          <>
            <label class="field">
              <span>User name</span>
              <input
                name="username"
                autocomplete="username"
                value={username}
                onInput={(e) => setUsername(e.currentTarget.value)}
                required
              />
            </label>
            <label class="field">
              <span>Password</span>
              <input
                type="password"
                name="password"
                autocomplete="current-password"
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
                required
              />
            </label>
          </>
        )}
        {error !== undefined && <ErrorNotice error={error} />}
        <button type="submit" class="primary" disabled={action.busy}>
          {action.busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
