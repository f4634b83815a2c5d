/** Moving a group's cursor back (to replay) or forward (to skip), on every partition or one. */

import type { GroupInfo, StationInfo } from '@ferry/browser';
import { useState } from 'preact/hooks';
import { type StartForm, startOf } from '../lib/start-position.js';
import { useAction } from '../lib/use-action.js';
import { useSession } from '../session.js';
import { Dialog, DialogActions } from '../ui/dialog.js';
import { PartitionChoice } from './station-partition-choice.js';
import { StartFields } from './station-start-fields.js';

export function SeekDialog(props: {
  info: StationInfo;
  group: GroupInfo;
  onClose: () => void;
  onSought: () => void;
}) {
  const { client } = useSession();
  const { group } = props;
  const [to, setTo] = useState<StartForm>({ kind: 'earliest', number: '', time: '' });
  const [partition, setPartition] = useState('');
  const [force, setForce] = useState(false);
  const action = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    const position = startOf(to);
    if (!position.ok) {
      action.fail(new Error(position.error));
      return;
    }
    await action.run(async () => {
      await client.groups.seek(props.info.name, group.name, position.start, {
        ...(partition === '' ? {} : { partition: Number(partition) }),
        ...(force ? { force: true } : {}),
      });
      props.onSought();
      props.onClose();
    });
  };

  return (
    <Dialog title={`Seek ${group.name}`} onClose={props.onClose} testId="seek-dialog">
      <form class="form" onSubmit={submit}>
        <p class="hint">
          Offsets before the new position count as done; from it on, messages are delivered (again).
          What is in flight is dropped.
        </p>
        <StartFields
          legend="Move to"
          kinds={['earliest', 'latest', 'offset', 'time']}
          form={to}
          onChange={setTo}
        />
        <PartitionChoice
          partitions={props.info.partitions}
          value={partition}
          onChange={setPartition}
          describe={(p) => `offsets ${p.firstOffset} to ${p.nextOffset}`}
        />
        {group.members > 0 && (
          <label class="check">
            <input
              type="checkbox"
              name="force"
              checked={force}
              onChange={(e) => setForce(e.currentTarget.checked)}
            />
            Seek although {group.members} member{group.members === 1 ? ' is' : 's are'} subscribed
            (their consumers stop with an error)
          </label>
        )}
        <DialogActions action={action} label="Seek" busyLabel="Seeking…" onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}
