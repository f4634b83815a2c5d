/**
 * The station settings dialogs: a new station (only the fields filled in are sent, the broker's
 * defaults fill the rest) and an existing one's edit (only what may change after creation).
 */
import type { StationConfig, StationInfo } from '@ferry/browser';
import { useState } from 'preact/hooks';
import { hrefOf } from '../lib/route.js';
import {
  type Amount,
  BYTE_UNITS,
  createConfigOf,
  DURATION_UNITS,
  emptyStationForm,
  formOfConfig,
  type StationForm,
  updateConfigOf,
} from '../lib/station-config.js';
import { useAction } from '../lib/use-action.js';
import { navigate } from '../lib/use-route.js';
import { useSession } from '../session.js';
import { Dialog, DialogActions } from '../ui/dialog.js';
import { Notice } from '../ui/notice.js';

type Setter = <K extends keyof StationForm>(key: K, value: StationForm[K]) => void;

export function NewStationDialog(props: { onClose: () => void }) {
  const { client } = useSession();
  const [name, setName] = useState('');
  const [form, setForm] = useState(emptyStationForm);
  const action = useAction();
  const set: Setter = (key, value) => setForm((f) => ({ ...f, [key]: value }));
  const submit = async (e: Event) => {
    e.preventDefault();
    const parsed = createConfigOf(form);
    if (!parsed.ok) {
      action.fail(new Error(parsed.error));
      return;
    }
    await action.run(async () => {
      const config = Object.keys(parsed.value).length === 0 ? undefined : parsed.value;
      const info = await client.stations.create(name.trim(), config);
      props.onClose();
      navigate(hrefOf({ page: 'station', station: info.name }));
    });
  };
  return (
    <Dialog title="New station" onClose={props.onClose} testId="station-dialog">
      <form class="form station-form" onSubmit={submit}>
        <label class="field">
          <span>Name</span>
          <input
            name="name"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            required
            autocomplete="off"
            placeholder="orders"
          />
        </label>
        <p class="hint">Fields left empty take the broker's defaults.</p>
        <div class="field-row">
          <label class="field">
            <span>Partitions</span>
            <input
              name="partitions"
              type="number"
              min={1}
              value={form.partitions}
              onInput={(e) => set('partitions', e.currentTarget.value)}
              placeholder="default"
            />
          </label>
          <label class="field">
            <span>Storage</span>
            <select
              name="storage"
              value={form.storage}
              onChange={(e) => set('storage', e.currentTarget.value as StationForm['storage'])}
            >
              <option value="">default</option>
              <option value="file">file</option>
              <option value="memory">memory</option>
            </select>
          </label>
          <label class="field">
            <span>Durability</span>
            <select
              name="durability"
              value={form.durability}
              disabled={form.storage === 'memory'}
              onChange={(e) =>
                set('durability', e.currentTarget.value as StationForm['durability'])
              }
            >
              <option value="">default</option>
              <option value="always">always (fsync before the ack)</option>
              <option value="interval">interval</option>
              <option value="never">never</option>
              <option value="replicated">replicated (jetstream engine)</option>
            </select>
          </label>
          {form.durability === 'interval' && (
            <DurationField
              label="Flush interval"
              name="flushInterval"
              amount={form.flushInterval}
              onChange={(a) => set('flushInterval', a)}
            />
          )}
        </div>
        <RetentionFields form={form} set={set} />
        <div class="field-row">
          <DurationField
            label="Dedup window"
            name="dedupWindow"
            amount={form.dedupWindow}
            onChange={(a) => set('dedupWindow', a)}
            hint="0 turns deduplication off"
          />
        </div>
        <GroupDefaultFields form={form} set={set} />
        <DialogActions
          action={action}
          label="Create"
          busyLabel="Creating…"
          disabled={name.trim() === ''}
          onCancel={props.onClose}
        />
      </form>
    </Dialog>
  );
}

export function EditStationDialog(props: {
  info: StationInfo;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { client } = useSession();
  const current: StationConfig = props.info.config;
  const [form, setForm] = useState(() => formOfConfig(current));
  const action = useAction();
  const [unchanged, setUnchanged] = useState(false);
  const set: Setter = (key, value) => {
    setUnchanged(false);
    setForm((f) => ({ ...f, [key]: value }));
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const parsed = updateConfigOf(form, current);
    if (!parsed.ok) {
      action.fail(new Error(parsed.error));
      return;
    }
    if (Object.keys(parsed.value).length === 0) {
      setUnchanged(true);
      return;
    }
    await action.run(async () => {
      await client.stations.update(props.info.name, parsed.value);
      props.onSaved();
      props.onClose();
    });
  };
  return (
    <Dialog title={`Edit ${props.info.name}`} onClose={props.onClose} testId="station-dialog">
      <form class="form station-form" onSubmit={submit}>
        <p class="hint">
          Partitions ({current.partitions}), storage ({current.storage}), durability (
          {current.durability}) and the dedup window are fixed when a station is created.
        </p>
        <RetentionFields form={form} set={set} />
        <GroupDefaultFields form={form} set={set} />
        {unchanged && <Notice kind="info">Nothing changed.</Notice>}
        <DialogActions action={action} label="Save" busyLabel="Saving…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

function RetentionFields(props: { form: StationForm; set: Setter }) {
  const { form, set } = props;
  return (
    <fieldset class="fieldset">
      <legend>Retention</legend>
      <p class="hint">Limits combine: the first one reached drops the oldest messages.</p>
      <div class="field-row">
        <DurationField
          label="Max age"
          name="maxAge"
          amount={form.maxAge}
          onChange={(a) => set('maxAge', a)}
          placeholder="no limit"
        />
        <label class="field">
          <span>Max messages</span>
          <input
            name="maxMessages"
            type="number"
            min={1}
            value={form.maxMessages}
            onInput={(e) => set('maxMessages', e.currentTarget.value)}
            placeholder="no limit"
          />
        </label>
        <AmountField
          label="Max bytes"
          name="maxBytes"
          units={BYTE_UNITS}
          amount={form.maxBytes}
          onChange={(a) => set('maxBytes', a)}
          placeholder="no limit"
        />
      </div>
      <label class="check">
        <input
          type="checkbox"
          name="ackBased"
          checked={form.ackBased}
          onChange={(e) => set('ackBased', e.currentTarget.checked)}
        />
        Delete messages once every group has acknowledged them
      </label>
    </fieldset>
  );
}

function GroupDefaultFields(props: { form: StationForm; set: Setter }) {
  const { form, set } = props;
  return (
    <fieldset class="fieldset">
      <legend>Consumer groups</legend>
      <div class="field-row">
        <DurationField
          label="Ack timeout"
          name="ackTimeout"
          amount={form.ackTimeout}
          onChange={(a) => set('ackTimeout', a)}
          hint="for new groups"
        />
        <label class="field">
          <span>Max deliveries</span>
          <input
            name="maxDeliveries"
            type="number"
            min={1}
            value={form.maxDeliveries}
            onInput={(e) => set('maxDeliveries', e.currentTarget.value)}
            placeholder="default"
          />
        </label>
        <label class="field">
          <span>Dead-letter store</span>
          <select
            name="deadLetter"
            value={form.deadLetter}
            onChange={(e) => set('deadLetter', e.currentTarget.value as StationForm['deadLetter'])}
          >
            {form.deadLetter === '' && <option value="">default (keep)</option>}
            <option value="on">keep dead letters</option>
            <option value="off">drop dead letters</option>
          </select>
        </label>
      </div>
    </fieldset>
  );
}

function DurationField(props: {
  label: string;
  name: string;
  amount: Amount<keyof typeof DURATION_UNITS>;
  onChange: (amount: Amount<keyof typeof DURATION_UNITS>) => void;
  hint?: string;
  placeholder?: string;
}) {
  return <AmountField {...props} units={DURATION_UNITS} />;
}

/** A number with its unit beside it, e.g. 7 d or 1 GiB. */
function AmountField<U extends string>(props: {
  label: string;
  name: string;
  units: Record<U, number>;
  amount: Amount<U>;
  onChange: (amount: Amount<U>) => void;
  hint?: string;
  placeholder?: string;
}) {
  const { amount, onChange } = props;
  return (
    <div class="field">
      <span id={`label-${props.name}`}>{props.label}</span>
      <div class="amount">
        <input
          aria-labelledby={`label-${props.name}`}
          name={props.name}
          type="number"
          min={0}
          step="any"
          value={amount.value}
          onInput={(e) => onChange({ ...amount, value: e.currentTarget.value })}
          placeholder={props.placeholder ?? 'default'}
        />
        <select
          aria-label={`${props.label} unit`}
          value={amount.unit}
          onChange={(e) => onChange({ ...amount, unit: e.currentTarget.value as U })}
        >
          {(Object.keys(props.units) as U[]).map((u) => (
            <option key={u} value={u}>
              {u}
            </option>
          ))}
        </select>
      </div>
      {props.hint !== undefined && <small class="hint">{props.hint}</small>}
    </div>
  );
}
