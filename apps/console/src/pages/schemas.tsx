/** The schema registry, live: every schema with its type, latest version and stations. */
import type { SchemaInfo } from '@ferry/browser';
import { useState } from 'preact/hooks';
import { formatTime } from '../lib/format.js';
import { hrefOf } from '../lib/route.js';
import { usePoll } from '../lib/use-poll.js';
import { useSession } from '../session.js';
import { Empty, Loading } from '../ui/empty.js';
import { ErrorNotice } from '../ui/notice.js';
import { type Column, Table } from '../ui/table.js';
import { NewSchemaDialog } from './schema-form.js';

const POLL_MS = 3000;

const COLUMNS: readonly Column<SchemaInfo>[] = [
  {
    key: 'name',
    label: 'Schema',
    sortBy: (s) => s.name,
    render: (s) => <a href={hrefOf({ page: 'schema', schema: s.name })}>{s.name}</a>,
  },
  { key: 'type', label: 'Type', sortBy: (s) => s.schemaType, render: (s) => s.schemaType },
  {
    key: 'latest',
    label: 'Latest version',
    numeric: true,
    sortBy: (s) => s.latest,
    render: (s) => s.latest,
  },
  {
    key: 'compatibility',
    label: 'Compatibility',
    sortBy: (s) => s.compatibility,
    render: (s) => s.compatibility,
  },
  {
    key: 'stations',
    label: 'Stations',
    sortBy: (s) => s.stations.length,
    render: (s) => <StationLinks stations={s.stations} />,
  },
  {
    key: 'createdAt',
    label: 'Created',
    sortBy: (s) => s.createdAt,
    render: (s) => formatTime(s.createdAt),
  },
];

export function SchemasPage() {
  const { client, mayAny } = useSession();
  const [creating, setCreating] = useState(false);
  const polled = usePoll(
    async (signal) => {
      const schemas: SchemaInfo[] = [];
      for await (const schema of client.schemas.list({ signal })) schemas.push(schema);
      return schemas;
    },
    POLL_MS,
    [client],
  );
  // Schemas are named and permitted like stations: whoever administers some station may try.
  const mayCreate = mayAny('admin');
  return (
    <main>
      <div class="page-head">
        <h1>Schemas</h1>
        {mayCreate && (
          <button
            type="button"
            class="primary"
            data-testid="new-schema"
            onClick={() => setCreating(true)}
          >
            New schema
          </button>
        )}
      </div>
      <p class="hint">
        A schema attached to a station checks every message produced to it: JSON Schema, Protobuf or
        Avro, in numbered versions that never change.
      </p>
      {polled.error !== undefined && <ErrorNotice error={polled.error} action="Listing schemas" />}
      {polled.loading ? (
        <Loading what="schemas" />
      ) : polled.data === undefined ? null : polled.data.length === 0 ? (
        <Empty title="No schemas yet">
          {mayCreate
            ? 'Register one with New schema above, then attach it on a station’s overview.'
            : 'An operator registers schemas and attaches them to stations.'}
        </Empty>
      ) : (
        <Table
          columns={COLUMNS}
          rows={polled.data}
          rowKey={(s) => s.name}
          initialSort={{ key: 'name' }}
          label="Schemas"
          testId="schemas-table"
        />
      )}
      {creating && <NewSchemaDialog onClose={() => setCreating(false)} />}
    </main>
  );
}

/** The stations a schema is attached to, each a link; a muted "none" without any. */
export function StationLinks(props: { stations: readonly string[] }) {
  if (props.stations.length === 0) return <span class="muted">none</span>;
  return (
    <>
      {props.stations.map((station, i) => (
        <span key={station}>
          {i > 0 && ', '}
          <a href={hrefOf({ page: 'station', station })}>{station}</a>
        </span>
      ))}
    </>
  );
}
