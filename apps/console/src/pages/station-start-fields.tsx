/** The start position fields shared by the new group and seek dialogs. */
import type { StartForm, StartKind } from '../lib/start-position.js';

const LABELS: Record<StartKind, string> = {
  earliest: 'Earliest (the first retained message)',
  latest: 'Latest (only new messages)',
  offset: 'Offset',
  lastN: 'The last N messages',
  time: 'Time (the first message stored at or after it)',
};

export function StartFields(props: {
  legend: string;
  kinds: readonly StartKind[];
  form: StartForm;
  onChange: (form: StartForm) => void;
}) {
  const { form, onChange } = props;
  return (
    <fieldset class="fieldset">
      <legend>{props.legend}</legend>
      <div class="choices">
        {props.kinds.map((kind) => (
          <label key={kind} class="check">
            <input
              type="radio"
              name="start"
              value={kind}
              checked={form.kind === kind}
              onChange={() => onChange({ ...form, kind })}
            />
            {LABELS[kind]}
          </label>
        ))}
      </div>
      {(form.kind === 'offset' || form.kind === 'lastN') && (
        <label class="field">
          <span>{form.kind === 'offset' ? 'Offset' : 'N'}</span>
          <input
            name={form.kind}
            type="number"
            min={0}
            required
            value={form.number}
            onInput={(e) => onChange({ ...form, number: e.currentTarget.value })}
          />
        </label>
      )}
      {form.kind === 'time' && (
        <label class="field">
          <span>Time (your time zone)</span>
          <input
            name="time"
            type="datetime-local"
            step={1}
            required
            value={form.time}
            onInput={(e) => onChange({ ...form, time: e.currentTarget.value })}
          />
        </label>
      )}
    </fieldset>
  );
}
