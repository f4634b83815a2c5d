import { useEffect, useState } from 'preact/hooks';
import { type Location, parseHash } from './route.js';

/** The current location, updated on every hash change (links, back and forward). */
export function useLocation(): Location {
  const [location, setLocation] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const changed = () => setLocation(parseHash(window.location.hash));
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return location;
}

/** Goes to `hash`; `replace` changes the current history entry instead of adding one. */
export function navigate(hash: string, replace = false): void {
  if (replace) {
    history.replaceState(null, '', hash);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else window.location.hash = hash;
}
