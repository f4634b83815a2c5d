/** Purging a station: every message, or one partition's, dropped as retention drops them. */

import type { StationInfo } from '@ferry/browser';
import { useState } from 'preact/hooks';
import { formatCount } from '../lib/format.js';
import { useSession } from '../session.js';
import { Confirm } from '../ui/dialog.js';
import { PartitionChoice } from './station-partition-choice.js';

export function PurgeDialog(props: {
  info: StationInfo;
  onClose: () => void;
  onPurged: () => void;
}) {
  const { client } = useSession();
  const { info } = props;
  const [partition, setPartition] = useState('');
  return (
    <Confirm
      title={`Purge ${info.name}`}
      message={
        <div class="form">
          <p>
            This drops the messages as retention would: groups continue from what is left, and the
            offsets of later messages do not change. It cannot be undone.
          </p>
          <PartitionChoice
            partitions={info.partitions}
            value={partition}
            onChange={setPartition}
            describe={(p) => `${formatCount(p.nextOffset - p.firstOffset)} messages`}
          />
        </div>
      }
      confirmLabel="Purge"
      danger
      onConfirm={async () => {
        await client.stations.purge(
          info.name,
          partition === '' ? {} : { partition: Number(partition) },
        );
        props.onPurged();
      }}
      onClose={props.onClose}
    />
  );
}
