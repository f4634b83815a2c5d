import type { DeadLetterEntry } from '@ferry/browser';
import { formatAgo, formatCount, formatTime } from '../lib/format.js';
import { previewPayload } from '../lib/payload.js';
import { isSchemaRefusal } from '../lib/schema-dead-letters.js';
import { type Column, Table } from '../ui/table.js';

export interface RowActions {
  selected: ReadonlySet<number>;
  toggle(id: number): void;
  expanded: number | undefined;
  show(id: number): void;
  /** Absent when the principal may not resend or drop. */
  resend?: (id: number) => void;
  drop?: (id: number) => void;
  /** The broker's clock of the last answer, for "ago". */
  now: number;
}

/** A station's dead letters, one row each, with a checkbox and the row's own actions. */
export function DeadLetterTable(props: {
  entries: readonly DeadLetterEntry[];
  actions: RowActions;
}) {
  const a = props.actions;
  const columns: Column<DeadLetterEntry>[] = [
    {
      key: 'select',
      label: 'Select',
      render: (e) => (
        <input
          type="checkbox"
          aria-label={`Select entry ${e.id}`}
          checked={a.selected.has(e.id)}
          onChange={() => a.toggle(e.id)}
        />
      ),
    },
    { key: 'id', label: 'Id', numeric: true, sortBy: (e) => e.id, render: (e) => e.id },
    {
      key: 'group',
      label: 'Group',
      sortBy: (e) => e.group,
      render: (e) => <GroupCell group={e.group} />,
    },
    {
      key: 'position',
      label: 'Partition / offset',
      numeric: true,
      // What the schema refused was never stored: it has a partition but no offset.
      render: (e) => (
        <span class="mono">
          {e.partition} / {isSchemaRefusal(e.group) ? '–' : e.offset}
        </span>
      ),
    },
    {
      key: 'deadLetteredAt',
      label: 'Dead-lettered',
      sortBy: (e) => e.deadLetteredAt,
      render: (e) => (
        <time
          dateTime={new Date(e.deadLetteredAt).toISOString()}
          title={formatTime(e.deadLetteredAt)}
        >
          {formatAgo(e.deadLetteredAt, a.now)}
        </time>
      ),
    },
    {
      key: 'deliveryCount',
      label: 'Deliveries',
      numeric: true,
      sortBy: (e) => e.deliveryCount,
      render: (e) => formatCount(e.deliveryCount),
    },
    {
      key: 'reason',
      label: 'Reason',
      sortBy: (e) => e.reason,
      render: (e) => (
        <span class="cell-text" title={e.reason}>
          {e.reason}
        </span>
      ),
    },
    {
      key: 'payload',
      label: 'Payload',
      render: (e) => <span class="mono cell-text">{previewPayload(e.payload, 60)}</span>,
    },
    {
      key: 'actions',
      label: 'Actions',
      render: (e) => (
        <span class="row-actions">
          <button
            type="button"
            aria-expanded={a.expanded === e.id}
            aria-controls={a.expanded === e.id ? 'dead-letter-detail' : undefined}
            aria-label={`${a.expanded === e.id ? 'Hide' : 'Show'} entry ${e.id}`}
            onClick={() => a.show(e.id)}
          >
            {a.expanded === e.id ? 'Hide' : 'Show'}
          </button>
          {a.resend !== undefined && (
            <button
              type="button"
              aria-label={`Resend entry ${e.id}`}
              title={isSchemaRefusal(e.group) ? 'Produce it again through the schema' : undefined}
              onClick={() => a.resend?.(e.id)}
            >
              Resend
            </button>
          )}
          {a.drop !== undefined && (
            <button
              type="button"
              class="danger"
              aria-label={`Drop entry ${e.id}`}
              onClick={() => a.drop?.(e.id)}
            >
              Drop
            </button>
          )}
        </span>
      ),
    },
  ];
  return (
    <Table
      columns={columns}
      rows={props.entries}
      rowKey={(e) => String(e.id)}
      initialSort={{ key: 'id' }}
      label="Dead letters"
      testId="dead-letters-table"
    />
  );
}

/** A consumer group's name, or a badge for what the station's schema refused (no group failed it). */
export function GroupCell(props: { group: string }) {
  if (!isSchemaRefusal(props.group)) return <>{props.group}</>;
  return (
    <span
      class="badge"
      title="Refused by the station's schema when it was produced; no consumer group has seen it"
      data-testid="schema-refusal"
    >
      refused by the schema
    </span>
  );
}
