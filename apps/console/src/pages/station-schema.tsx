/** The schema a station checks produced messages against, with attaching and detaching it. */
import type { SchemaInfo, SchemaMode, StationInfo } from '@ferry/browser';
import { useState } from 'preact/hooks';
import { hrefOf } from '../lib/route.js';
import { attachedVersion, versionsOf } from '../lib/schema-view.js';
import { useAction } from '../lib/use-action.js';
import { usePoll } from '../lib/use-poll.js';
import { useSession } from '../session.js';
import { Confirm, Dialog, DialogActions } from '../ui/dialog.js';
import { Empty, Loading } from '../ui/empty.js';
import { ErrorNotice, Notice } from '../ui/notice.js';

const MODES: Record<SchemaMode, string> = {
  reject: 'reject: the producer gets SCHEMA_VIOLATION, nothing is stored',
  deadletter: 'deadletter: kept in the dead-letter store, never delivered',
};

export function StationSchema(props: { info: StationInfo; refresh: () => void }) {
  const { client, may } = useSession();
  const { info } = props;
  const attached = info.schema;
  const admin = may('admin', info.name);
  const [dialog, setDialog] = useState<'attach' | 'detach' | undefined>();
  const close = () => setDialog(undefined);
  return (
    <>
      <div class="section-head">
        <h2>Schema</h2>
        {admin && (
          <div class="actions">
            <button type="button" data-testid="attach-schema" onClick={() => setDialog('attach')}>
              {attached === undefined ? 'Attach schema' : 'Change'}
            </button>
            {attached !== undefined && (
              <button
                type="button"
                class="danger"
                data-testid="detach-schema"
                onClick={() => setDialog('detach')}
              >
                Detach
              </button>
            )}
          </div>
        )}
      </div>
      {attached === undefined ? (
        <Empty title="No schema">
          Messages are stored as produced, unchecked.
          {admin && ' Attach a schema to have every produced message validated.'}
        </Empty>
      ) : (
        <dl class="facts" data-testid="station-schema">
          <dt>Schema</dt>
          <dd>
            <a href={hrefOf({ page: 'schema', schema: attached.name })}>{attached.name}</a>
          </dd>
          <dt>Version</dt>
          <dd data-testid="station-schema-version">{attachedVersion(attached)}</dd>
          <dt>Mode</dt>
          <dd data-testid="station-schema-mode">{MODES[attached.mode]}</dd>
        </dl>
      )}
      {dialog === 'attach' && (
        <AttachSchemaDialog info={info} onClose={close} onAttached={props.refresh} />
      )}
      {dialog === 'detach' && attached !== undefined && (
        <Confirm
          title={`Detach ${attached.name}`}
          message={
            <p>
              Messages produced to <strong>{info.name}</strong> are no longer validated, from the
              next batch on. The schema stays registered.
            </p>
          }
          confirmLabel="Detach schema"
          danger
          onConfirm={async () => {
            await client.stations.detachSchema(info.name);
            props.refresh();
          }}
          onClose={close}
        />
      )}
    </>
  );
}

function AttachSchemaDialog(props: {
  info: StationInfo;
  onClose: () => void;
  onAttached: () => void;
}) {
  const { client } = useSession();
  const { info } = props;
  // Only while the dialog is open, and seldom: a schema registered meanwhile shows up.
  const schemas = usePoll(
    async (signal) => {
      const all: SchemaInfo[] = [];
      for await (const schema of client.schemas.list({ signal })) all.push(schema);
      return all;
    },
    10_000,
    [client],
  );
  const [name, setName] = useState(info.schema?.name ?? '');
  const [version, setVersion] = useState(info.schema?.version?.toString() ?? '');
  const [mode, setMode] = useState<SchemaMode>(info.schema?.mode ?? 'reject');
  const action = useAction();
  const list = schemas.data ?? [];
  const chosen = list.find((s) => s.name === name) ?? list[0];
  const submit = async (e: Event) => {
    e.preventDefault();
    if (chosen === undefined) return;
    await action.run(async () => {
      await client.stations.attachSchema(info.name, chosen.name, {
        mode,
        ...(version === '' ? {} : { version: Number(version) }),
      });
      props.onAttached();
      props.onClose();
    });
  };
  return (
    <Dialog title={`Schema of ${info.name}`} onClose={props.onClose} testId="attach-dialog">
      <form class="form" onSubmit={submit}>
        {schemas.error !== undefined && (
          <ErrorNotice error={schemas.error} action="Listing schemas" />
        )}
        {schemas.loading ? (
          <Loading what="schemas" />
        ) : chosen === undefined ? (
          <Notice kind="info">
            There is no schema to attach yet:{' '}
            <a href={hrefOf({ page: 'schemas' })}>register one on the Schemas page</a>.
          </Notice>
        ) : (
          <div class="field-row">
            <label class="field">
              <span>Schema</span>
              <select
                name="schema"
                value={chosen.name}
                onChange={(e) => {
                  setName(e.currentTarget.value);
                  setVersion('');
                }}
              >
                {list.map((s) => (
                  <option key={s.name} value={s.name}>
                    {s.name} ({s.schemaType})
                  </option>
                ))}
              </select>
            </label>
            <label class="field">
              <span>Version</span>
              <select
                name="version"
                value={version}
                onChange={(e) => setVersion(e.currentTarget.value)}
              >
                <option value="">latest, following new versions</option>
                {versionsOf(chosen.latest).map((v) => (
                  <option key={v} value={v}>
                    v{v}
                  </option>
                ))}
              </select>
            </label>
            <label class="field">
              <span>A message that fails</span>
              <select
                name="mode"
                value={mode}
                onChange={(e) => setMode(e.currentTarget.value as SchemaMode)}
              >
                {(Object.keys(MODES) as SchemaMode[]).map((m) => (
                  <option key={m} value={m}>
                    {MODES[m]}
                  </option>
                ))}
              </select>
            </label>
          </div>
        )}
        {mode === 'deadletter' && info.config.deadLetter?.enabled === false && (
          <Notice kind="warning">
            This station keeps no dead letters: a message the schema refuses is dropped.
          </Notice>
        )}
        <p class="hint">Messages already stored are not checked; the next produced batch is.</p>
        <DialogActions
          action={action}
          label="Attach"
          busyLabel="Attaching…"
          disabled={chosen === undefined}
          onCancel={props.onClose}
        />
      </form>
    </Dialog>
  );
}
