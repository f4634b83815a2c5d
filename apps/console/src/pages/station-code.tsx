/** Code that produces to and consumes from this station, for each SDK, ready to copy. */
import type { StationInfo } from '@ferry/browser';
import { useState } from 'preact/hooks';
import { brokerUrl, storedAuth } from '../lib/credentials.js';
import { RUNTIMES, type Runtime, type SnippetContext, snippet } from '../lib/snippets.js';
import { useSession } from '../session.js';
import { CopyButton } from '../ui/copy-button.js';

const TITLES: Record<Runtime, string> = { node: 'Node', browser: 'Browser', deno: 'Deno' };

export function StationCode(props: { info: StationInfo }) {
  const { principal } = useSession();
  const [group, setGroup] = useState(props.info.groups[0]?.name ?? 'workers');
  const stored = storedAuth();
  const context: SnippetContext = {
    station: props.info.name,
    group: group.trim() === '' ? 'workers' : group.trim(),
    wsUrl: brokerUrl(window.location),
    auth:
      principal === undefined || stored === undefined
        ? 'none'
        : stored.token !== undefined
          ? 'token'
          : 'password',
  };
  return (
    <>
      <div class="toolbar">
        <label class="field inline">
          <span>Group in the examples</span>
          <input name="group" value={group} onInput={(e) => setGroup(e.currentTarget.value)} />
        </label>
      </div>
      {context.auth !== 'none' && (
        <p class="hint">
          This broker requires credentials: the examples read them from the environment (the browser
          one from your own server), never from this console.
        </p>
      )}
      {RUNTIMES.map((runtime) => {
        const code = snippet(runtime, context);
        return (
          <section key={runtime} class="snippet" aria-label={TITLES[runtime]}>
            <div class="section-head">
              <h2>{TITLES[runtime]}</h2>
              <CopyButton text={code} />
            </div>
            <pre data-testid={`snippet-${runtime}`}>{code}</pre>
          </section>
        );
      })}
    </>
  );
}
