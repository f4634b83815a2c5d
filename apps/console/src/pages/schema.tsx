/**
 * One schema: its versions, the chosen version's definition (`?version=`, else the latest), the
 * stations it is attached to, and its administration.
 */
import type { SchemaDefinition, SchemaInfo, SchemaVersion } from '@ferry/browser';
import { useRef, useState } from 'preact/hooks';
import { describeError } from '../lib/errors.js';
import { formatTime } from '../lib/format.js';
import { hrefOf } from '../lib/route.js';
import { chosenVersion, prettyDefinition, shortFingerprint } from '../lib/schema-view.js';
import { usePoll } from '../lib/use-poll.js';
import { navigate } from '../lib/use-route.js';
import { useSession } from '../session.js';
import { Confirm } from '../ui/dialog.js';
import { Empty, Loading } from '../ui/empty.js';
import { ErrorNotice } from '../ui/notice.js';
import { type Column, Table } from '../ui/table.js';
import { AddVersionDialog, CompatibilityDialog } from './schema-form.js';
import { StationLinks } from './schemas.js';

const POLL_MS = 3000;

interface SchemaData {
  info: SchemaInfo;
  shown: SchemaDefinition;
}

export function SchemaPage(props: { schema: string; query: URLSearchParams }) {
  const { client, may } = useSession();
  const { schema } = props;
  const asked = props.query.get('version');
  // A version never changes, so each definition is fetched once; the fingerprint in the key
  // tells a schema deleted and made again under this name from the one it replaced.
  const definitions = useRef(new Map<string, SchemaDefinition>());
  const polled = usePoll<SchemaData>(
    async (signal) => {
      const info = await client.schemas.info(schema, { signal });
      const version = chosenVersion(asked, info.latest);
      const fingerprint = info.versions?.find((v) => v.version === version)?.fingerprint;
      const key = `${version} ${fingerprint}`;
      let shown = definitions.current.get(key);
      if (shown === undefined) {
        shown = await client.schemas.get(schema, version, { signal });
        definitions.current.set(key, shown);
      }
      return { info, shown };
    },
    POLL_MS,
    [client, schema, asked],
  );
  const [dialog, setDialog] = useState<'version' | 'compatibility' | 'delete' | undefined>();

  if (describeError(polled.error).code === 'SCHEMA_NOT_FOUND')
    return (
      <main>
        <h1>{schema}</h1>
        <Empty title={`There is no schema “${schema}”`}>
          <p>It may have been deleted, or never registered.</p>
          <a href={hrefOf({ page: 'schemas' })}>Back to the schemas</a>
        </Empty>
      </main>
    );
  const info = polled.data?.info;
  const shown = polled.data?.shown;
  const admin = may('admin', schema);
  const close = () => setDialog(undefined);
  const attached = info?.stations ?? [];
  return (
    <main>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={hrefOf({ page: 'schemas' })}>Schemas</a> /
      </nav>
      <div class="page-head">
        <h1>{schema}</h1>
        {admin && info !== undefined && (
          <div class="actions">
            <button type="button" data-testid="add-version" onClick={() => setDialog('version')}>
              Add version
            </button>
            <button
              type="button"
              data-testid="change-compatibility"
              onClick={() => setDialog('compatibility')}
            >
              Compatibility
            </button>
            <button
              type="button"
              class="danger"
              data-testid="delete-schema"
              disabled={attached.length > 0}
              aria-describedby={attached.length > 0 ? 'delete-reason' : undefined}
              onClick={() => setDialog('delete')}
            >
              Delete
            </button>
          </div>
        )}
      </div>
      {admin && attached.length > 0 && (
        <p class="hint delete-reason" id="delete-reason" data-testid="delete-reason">
          It cannot be deleted while attached to {attached.join(', ')}: detach it on{' '}
          {attached.length === 1 ? 'that station' : 'those stations'} first.
        </p>
      )}
      {info !== undefined && (
        <>
          <ul class="badges" aria-label="Settings">
            <li class="badge">{info.schemaType}</li>
            <li class="badge">compatibility {info.compatibility}</li>
            <li class="badge">latest v{info.latest}</li>
          </ul>
          <dl class="facts">
            <dt>Stations</dt>
            <dd data-testid="schema-stations">
              <StationLinks stations={attached} />
            </dd>
            <dt>Created</dt>
            <dd>{formatTime(info.createdAt)}</dd>
          </dl>
        </>
      )}
      {polled.error !== undefined && <ErrorNotice error={polled.error} />}
      {info === undefined || shown === undefined ? (
        polled.loading && <Loading what="the schema" />
      ) : (
        <>
          <h2>Versions</h2>
          <Table
            columns={versionColumns(schema, shown.version)}
            rows={info.versions ?? []}
            rowKey={(v) => String(v.version)}
            initialSort={{ key: 'version', descending: true }}
            label="Versions"
            testId="versions-table"
          />
          <div class="section-head">
            <h2>Version {shown.version}</h2>
            {shown.messageType !== undefined && (
              <span class="muted">
                message type <code>{shown.messageType}</code>
              </span>
            )}
          </div>
          <pre class="definition" data-testid="schema-definition">
            {prettyDefinition(shown.type, shown.definition)}
          </pre>
        </>
      )}
      {dialog === 'version' && info !== undefined && shown !== undefined && (
        <AddVersionDialog
          info={info}
          definition={prettyDefinition(shown.type, shown.definition)}
          messageType={shown.messageType}
          onClose={close}
          onAdded={(version) => navigate(hrefOf({ page: 'schema', schema }, { version }), true)}
        />
      )}
      {dialog === 'compatibility' && info !== undefined && (
        <CompatibilityDialog info={info} onClose={close} onSaved={polled.refresh} />
      )}
      {dialog === 'delete' && (
        <Confirm
          title={`Delete ${schema}`}
          message={
            <p>
              This deletes the schema with every version. Consumers that decode messages by their{' '}
              <code>ferry-schema</code> header can no longer fetch it. It cannot be undone.
            </p>
          }
          confirmLabel="Delete schema"
          danger
          typeToConfirm={schema}
          onConfirm={async () => {
            await client.schemas.delete(schema);
            navigate(hrefOf({ page: 'schemas' }));
          }}
          onClose={close}
        />
      )}
    </main>
  );
}

/** The versions table's columns; the version shown is marked and the others link to theirs. */
function versionColumns(schema: string, shown: number): Column<SchemaVersion>[] {
  return [
    {
      key: 'version',
      label: 'Version',
      numeric: true,
      sortBy: (v) => v.version,
      render: (v) => (
        <a
          href={hrefOf({ page: 'schema', schema }, { version: v.version })}
          aria-current={v.version === shown ? 'page' : undefined}
        >
          v{v.version}
        </a>
      ),
    },
    {
      key: 'fingerprint',
      label: 'Fingerprint',
      render: (v) => (
        <span class="mono" title={v.fingerprint}>
          {shortFingerprint(v.fingerprint)}
        </span>
      ),
    },
    {
      key: 'createdAt',
      label: 'Created',
      sortBy: (v) => v.createdAt,
      render: (v) => formatTime(v.createdAt),
    },
    {
      key: 'messageType',
      label: 'Message type',
      render: (v) =>
        v.messageType === undefined ? (
          <span class="muted">–</span>
        ) : (
          <span class="mono">{v.messageType}</span>
        ),
    },
  ];
}
