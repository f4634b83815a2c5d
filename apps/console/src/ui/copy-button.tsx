/** A Copy button that says for a moment whether the text reached the clipboard. */
import { useEffect, useState } from 'preact/hooks';

export function CopyButton(props: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 1500);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <button
      type="button"
      onClick={() => {
        // The clipboard exists only in a secure context (https or localhost): say when it fails.
        const written =
          typeof navigator.clipboard === 'undefined'
            ? Promise.reject(new Error('no clipboard'))
            : navigator.clipboard.writeText(props.text);
        written.then(
          () => setState('copied'),
          () => setState('failed'),
        );
      }}
    >
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : (props.label ?? 'Copy')}
    </button>
  );
}
