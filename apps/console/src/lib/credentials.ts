/**
 * The credentials of this tab's login. Kept in sessionStorage: a reload stays logged in, closing
 * the tab forgets them, and other tabs and sites never see them.
 */
import type { Auth } from '@ferry/browser';

const KEY = 'ferry.console.auth';

export function storedAuth(): Auth | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (raw === null) return undefined;
    const auth = JSON.parse(raw) as Auth;
    return typeof auth === 'object' && auth !== null ? auth : undefined;
  } catch {
    return undefined;
  }
}

export function storeAuth(auth: Auth): void {
  sessionStorage.setItem(KEY, JSON.stringify(auth));
}

export function forgetAuth(): void {
  sessionStorage.removeItem(KEY);
}

/** The broker's WebSocket endpoint on the origin that served the console. */
export function brokerUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}
