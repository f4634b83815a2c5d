/** Creating a consumer group ahead of its consumers, so that it keeps messages from its start. */
import type { CreateGroupOptions, StationInfo } from '@ferry/browser';
import { useState } from 'preact/hooks';
import { formatDuration } from '../lib/format.js';
import { type StartForm, startOf } from '../lib/start-position.js';
import { DURATION_UNITS, wholeNumber } from '../lib/station-config.js';
import { useAction } from '../lib/use-action.js';
import { useSession } from '../session.js';
import { Dialog, DialogActions } from '../ui/dialog.js';
import { StartFields } from './station-start-fields.js';

export function NewGroupDialog(props: {
  info: StationInfo;
  onClose: () => void;
  onCreated: () => void;
}) {
  const { client } = useSession();
  const { config } = props.info;
  const [name, setName] = useState('');
  const [start, setStart] = useState<StartForm>({ kind: 'earliest', number: '', time: '' });
  const [ackTimeoutS, setAckTimeoutS] = useState('');
  const [maxDeliveries, setMaxDeliveries] = useState('');
  const [ordering, setOrdering] = useState<'none' | 'partition'>('none');
  const action = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const position = startOf(start);
    const timeout = wholeNumber(ackTimeoutS, 'Ack timeout', 1);
    const deliveries = wholeNumber(maxDeliveries, 'Max deliveries', 1);
    const failed = [position, timeout, deliveries].find((p) => !p.ok);
    if (failed !== undefined && !failed.ok) {
      action.fail(new Error(failed.error));
      return;
    }
    const options: CreateGroupOptions = { ordering };
    if (position.ok) options.start = position.start;
    if (timeout.ok && timeout.value !== undefined)
      options.ackTimeoutMs = timeout.value * DURATION_UNITS.s;
    if (deliveries.ok && deliveries.value !== undefined) options.maxDeliveries = deliveries.value;
    await action.run(async () => {
      await client.groups.create(props.info.name, name.trim(), options);
      props.onCreated();
      props.onClose();
    });
  };

  return (
    <Dialog title="New consumer group" onClose={props.onClose} testId="group-dialog">
      <form class="form" onSubmit={submit}>
        <label class="field">
          <span>Name</span>
          <input
            name="group"
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
            required
            autocomplete="off"
            placeholder="billing"
          />
        </label>
        <StartFields
          legend="Start from"
          kinds={['earliest', 'latest', 'time', 'lastN']}
          form={start}
          onChange={setStart}
        />
        <div class="field-row">
          <label class="field">
            <span>Ack timeout (s)</span>
            <input
              name="ackTimeout"
              type="number"
              min={1}
              value={ackTimeoutS}
              onInput={(e) => setAckTimeoutS(e.currentTarget.value)}
              placeholder={
                config.ackTimeoutMs === undefined
                  ? 'station default'
                  : formatDuration(config.ackTimeoutMs)
              }
            />
          </label>
          <label class="field">
            <span>Max deliveries</span>
            <input
              name="maxDeliveries"
              type="number"
              min={1}
              value={maxDeliveries}
              onInput={(e) => setMaxDeliveries(e.currentTarget.value)}
              placeholder={String(config.maxDeliveries ?? 'station default')}
            />
          </label>
          <label class="field">
            <span>Ordering</span>
            <select
              name="ordering"
              value={ordering}
              onChange={(e) => setOrdering(e.currentTarget.value as 'none' | 'partition')}
            >
              <option value="none">none: every member gets every partition</option>
              <option value="partition">partition: one member a partition, in order</option>
            </select>
          </label>
        </div>
        <p class="hint">Ordering is fixed once the group exists.</p>
        <DialogActions
          action={action}
          label="Create group"
          busyLabel="Creating…"
          disabled={name.trim() === ''}
          onCancel={props.onClose}
        />
      </form>
    </Dialog>
  );
}
