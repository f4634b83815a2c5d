/** A station's partitions, its schema and its consumer groups, with their administration. */
import type { GroupInfo, StationInfo } from '@ferry/browser';
import { useState } from 'preact/hooks';
import { formatBytes, formatCount, formatDuration } from '../lib/format.js';
import { hrefOf } from '../lib/route.js';
import { useSession } from '../session.js';
import { Confirm } from '../ui/dialog.js';
import { Empty } from '../ui/empty.js';
import { type Column, Table } from '../ui/table.js';
import type { StationData } from './station.js';
import { NewGroupDialog } from './station-group-form.js';
import { StationSchema } from './station-schema.js';
import { SeekDialog } from './station-seek-form.js';

type Partition = StationInfo['partitions'][number];

const PARTITION_COLUMNS: readonly Column<Partition>[] = [
  {
    key: 'partition',
    label: 'Partition',
    numeric: true,
    sortBy: (p) => p.partition,
    render: (p) => p.partition,
  },
  {
    key: 'firstOffset',
    label: 'First offset',
    numeric: true,
    render: (p) => formatCount(p.firstOffset),
  },
  {
    key: 'nextOffset',
    label: 'Next offset',
    numeric: true,
    render: (p) => formatCount(p.nextOffset),
  },
  {
    key: 'messages',
    label: 'Messages',
    numeric: true,
    sortBy: (p) => p.nextOffset - p.firstOffset,
    render: (p) => formatCount(p.nextOffset - p.firstOffset),
  },
  {
    key: 'bytes',
    label: 'Bytes',
    numeric: true,
    sortBy: (p) => p.bytes,
    render: (p) => formatBytes(p.bytes),
  },
];

type GroupDialog =
  | { kind: 'new' }
  | { kind: 'seek'; group: GroupInfo }
  | { kind: 'delete'; group: GroupInfo };

export function StationOverview(props: { data: StationData; refresh: () => void }) {
  const { may } = useSession();
  const { info } = props.data;
  const station = info.name;
  const admin = may('admin', station);
  const [dialog, setDialog] = useState<GroupDialog | undefined>(undefined);
  // Before the list answers, the station's own summary of its groups stands in.
  const groups = props.data.groups ?? info.groups;
  const close = () => setDialog(undefined);

  const groupColumns: Column<GroupInfo>[] = [
    { key: 'name', label: 'Group', sortBy: (g) => g.name, render: (g) => g.name },
    {
      key: 'members',
      label: 'Members',
      numeric: true,
      sortBy: (g) => g.members,
      render: (g) => g.members,
    },
    {
      key: 'lag',
      label: 'Lag',
      numeric: true,
      sortBy: (g) => g.lag,
      render: (g) => <span title={partitionLags(g)}>{formatCount(g.lag)}</span>,
    },
    {
      key: 'pending',
      label: 'In flight',
      numeric: true,
      sortBy: (g) => g.pending,
      render: (g) => formatCount(g.pending),
    },
    {
      key: 'redeliveries',
      label: 'Redeliveries',
      numeric: true,
      sortBy: (g) => g.redeliveries ?? 0,
      render: (g) => formatCount(g.redeliveries ?? 0),
    },
    {
      key: 'deadLetters',
      label: 'Dead letters',
      numeric: true,
      sortBy: (g) => g.deadLetters ?? 0,
      render: (g) => (
        <a href={hrefOf({ page: 'dead-letters', station }, { group: g.name })}>
          {formatCount(g.deadLetters ?? 0)}
        </a>
      ),
    },
    {
      key: 'ackTimeout',
      label: 'Ack timeout',
      render: (g) => (g.ackTimeoutMs === undefined ? '–' : formatDuration(g.ackTimeoutMs)),
    },
    {
      key: 'maxDeliveries',
      label: 'Max deliveries',
      numeric: true,
      render: (g) => g.maxDeliveries ?? '–',
    },
    { key: 'ordering', label: 'Ordering', render: (g) => g.ordering ?? 'none' },
    {
      key: 'push',
      label: 'Push',
      render: (g) =>
        g.push === undefined ? (
          <span class="muted">–</span>
        ) : (
          <span class="mono" title={g.push.secret ? 'signed' : 'not signed'}>
            {g.push.url}
          </span>
        ),
    },
  ];
  if (admin)
    groupColumns.push({
      key: 'actions',
      label: 'Actions',
      render: (g) => (
        <span class="row-actions">
          <button
            type="button"
            data-testid={`seek-${g.name}`}
            onClick={() => setDialog({ kind: 'seek', group: g })}
          >
            Seek
          </button>
          <button
            type="button"
            class="danger"
            data-testid={`delete-group-${g.name}`}
            onClick={() => setDialog({ kind: 'delete', group: g })}
          >
            Delete
          </button>
        </span>
      ),
    });

  return (
    <>
      <h2>Partitions</h2>
      <Table
        columns={PARTITION_COLUMNS}
        rows={info.partitions}
        rowKey={(p) => String(p.partition)}
        initialSort={{ key: 'partition' }}
        label="Partitions"
        testId="partitions-table"
      />
      <StationSchema info={info} refresh={props.refresh} />
      <div class="section-head">
        <h2>Consumer groups</h2>
        {admin && (
          <button type="button" data-testid="new-group" onClick={() => setDialog({ kind: 'new' })}>
            New group
          </button>
        )}
      </div>
      {groups.length === 0 ? (
        <Empty title="No consumer groups">
          A group appears when a consumer first joins it (
          <a href={hrefOf({ page: 'station', station }, { tab: 'code' })}>see the code</a>)
          {admin ? ', or create one here so that it keeps messages until its consumers come.' : '.'}
        </Empty>
      ) : (
        <Table
          columns={groupColumns}
          rows={groups}
          rowKey={(g) => g.name}
          initialSort={{ key: 'name' }}
          label="Consumer groups"
          testId="groups-table"
        />
      )}
      {dialog?.kind === 'new' && (
        <NewGroupDialog info={info} onClose={close} onCreated={props.refresh} />
      )}
      {dialog?.kind === 'seek' && (
        <SeekDialog info={info} group={dialog.group} onClose={close} onSought={props.refresh} />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteGroupDialog
          station={station}
          group={dialog.group}
          onClose={close}
          onDeleted={props.refresh}
        />
      )}
    </>
  );
}

function DeleteGroupDialog(p: {
  station: string;
  group: GroupInfo;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const { client } = useSession();
  const [force, setForce] = useState(false);
  const members = p.group.members;
  return (
    <Confirm
      title={`Delete group ${p.group.name}`}
      message={
        <div class="form">
          <p>
            This deletes the group's position and what it has in flight. A consumer joining it later
            starts a new group.
          </p>
          {members > 0 && (
            <label class="check">
              <input
                type="checkbox"
                name="force"
                checked={force}
                onChange={(e) => setForce(e.currentTarget.checked)}
              />
              Delete although {members} member{members === 1 ? ' is' : 's are'} subscribed (their
              consumers stop with an error)
            </label>
          )}
        </div>
      }
      confirmLabel="Delete group"
      danger
      onConfirm={async () => {
        await client.groups.delete(p.station, p.group.name, force ? { force: true } : {});
        p.onDeleted();
      }}
      onClose={p.onClose}
    />
  );
}

/** Each partition's lag, for a tooltip: "p0: 3, p1: 0". */
function partitionLags(group: GroupInfo): string | undefined {
  return group.partitions?.map((p) => `p${p.partition}: ${p.lag}`).join(', ');
}
