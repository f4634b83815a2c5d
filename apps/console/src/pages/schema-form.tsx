/**
 * The schema dialogs: a new schema, its next version, and its compatibility. The broker checks
 * every definition; what it refuses (SCHEMA_INVALID, SCHEMA_INCOMPATIBLE, SCHEMA_EXISTS) shows
 * in the dialog, which stays open to fix it.
 */
import type { SchemaCompatibility, SchemaInfo, SchemaType } from '@ferry/browser';
import { useState } from 'preact/hooks';
import { hrefOf } from '../lib/route.js';
import {
  compatibilityRefusal,
  DEFINITION_PLACEHOLDERS,
  emptySchemaForm,
  newSchemaOf,
  SCHEMA_TYPES,
  withType,
} from '../lib/schema-form.js';
import { useAction } from '../lib/use-action.js';
import { navigate } from '../lib/use-route.js';
import { useSession } from '../session.js';
import { Dialog, DialogActions } from '../ui/dialog.js';
import { Notice } from '../ui/notice.js';

export function NewSchemaDialog(props: { onClose: () => void }) {
  const { client } = useSession();
  const [form, setForm] = useState(emptySchemaForm);
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const parsed = newSchemaOf(form);
    if (!parsed.ok) {
      action.fail(new Error(parsed.error));
      return;
    }
    await action.run(async () => {
      const info = await client.schemas.create(parsed.value.name, parsed.value.schema);
      props.onClose();
      navigate(hrefOf({ page: 'schema', schema: info.name }));
    });
  };
  return (
    <Dialog title="New schema" onClose={props.onClose} testId="schema-dialog">
      <form class="form" onSubmit={submit}>
        <div class="field-row">
          <label class="field">
            <span>Name</span>
            <input
              name="name"
              value={form.name}
              onInput={(e) => setForm({ ...form, name: e.currentTarget.value })}
              required
              autocomplete="off"
              placeholder="orders"
            />
          </label>
          <label class="field">
            <span>Type</span>
            <select
              name="type"
              value={form.type}
              onChange={(e) => setForm(withType(form, e.currentTarget.value as SchemaType))}
            >
              {SCHEMA_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
          {form.type === 'protobuf' && (
            <MessageTypeField
              value={form.messageType}
              onChange={(messageType) => setForm({ ...form, messageType })}
              required
            />
          )}
          <CompatibilityField
            type={form.type}
            value={form.compatibility}
            onChange={(compatibility) => setForm({ ...form, compatibility })}
          />
        </div>
        <DefinitionField
          type={form.type}
          value={form.definition}
          onChange={(definition) => setForm({ ...form, definition })}
        />
        <DialogActions
          action={action}
          label="Create"
          busyLabel="Creating…"
          disabled={form.name.trim() === ''}
          onCancel={props.onClose}
        />
      </form>
    </Dialog>
  );
}

/** The next version of a schema, starting from the definition shown. */
export function AddVersionDialog(props: {
  info: SchemaInfo;
  definition: string;
  messageType: string | undefined;
  onClose: () => void;
  onAdded: (version: number) => void;
}) {
  const { client } = useSession();
  const { info } = props;
  const [definition, setDefinition] = useState(props.definition);
  const [messageType, setMessageType] = useState(props.messageType ?? '');
  const [same, setSame] = useState(false);
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    setSame(false);
    await action.run(async () => {
      const type = messageType.trim();
      const after = await client.schemas.addVersion(
        info.name,
        definition,
        info.schemaType === 'protobuf' && type !== '' ? { messageType: type } : {},
      );
      // The latest definition again adds no version: say so rather than close as if it had.
      if (after.latest === info.latest) setSame(true);
      else {
        props.onAdded(after.latest);
        props.onClose();
      }
    });
  };
  return (
    <Dialog title={`New version of ${info.name}`} onClose={props.onClose} testId="version-dialog">
      <form class="form" onSubmit={submit}>
        <p class="hint">
          Version {info.latest + 1}, a {info.schemaType} definition.{' '}
          {info.compatibility === 'backward'
            ? `Compatibility is backward: it must read everything written with version ${info.latest}.`
            : 'Compatibility is none: any valid definition is accepted.'}
        </p>
        {info.schemaType === 'protobuf' && (
          <MessageTypeField value={messageType} onChange={setMessageType} />
        )}
        <DefinitionField type={info.schemaType} value={definition} onChange={setDefinition} />
        {same && (
          <Notice kind="info">
            This is version {info.latest}'s definition: no version was added.
          </Notice>
        )}
        <DialogActions
          action={action}
          label="Add version"
          busyLabel="Adding…"
          disabled={definition.trim() === ''}
          onCancel={props.onClose}
        />
      </form>
    </Dialog>
  );
}

/** What versions added from now on must keep; those made already stay as they are. */
export function CompatibilityDialog(props: {
  info: SchemaInfo;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { client } = useSession();
  const { info } = props;
  const [compatibility, setCompatibility] = useState(info.compatibility);
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    await action.run(async () => {
      await client.schemas.update(info.name, { compatibility });
      props.onSaved();
      props.onClose();
    });
  };
  return (
    <Dialog title={`Compatibility of ${info.name}`} onClose={props.onClose} testId="compat-dialog">
      <form class="form" onSubmit={submit}>
        <CompatibilityField
          type={info.schemaType}
          value={compatibility}
          onChange={setCompatibility}
        />
        <p class="hint">It applies to the versions added from now on.</p>
        <DialogActions
          action={action}
          label="Save"
          busyLabel="Saving…"
          disabled={compatibility === info.compatibility}
          onCancel={props.onClose}
        />
      </form>
    </Dialog>
  );
}

/** none or backward; backward disabled, with the reason beside it, where the type has none. */
function CompatibilityField(props: {
  type: SchemaType;
  value: SchemaCompatibility;
  onChange: (value: SchemaCompatibility) => void;
}) {
  const refusal = compatibilityRefusal(props.type, 'backward');
  return (
    <div class="field">
      <span id="label-compatibility">Compatibility</span>
      <select
        name="compatibility"
        value={props.value}
        aria-labelledby="label-compatibility"
        aria-describedby={refusal === undefined ? undefined : 'compatibility-note'}
        onChange={(e) => props.onChange(e.currentTarget.value as SchemaCompatibility)}
      >
        <option value="none">none: any valid definition</option>
        <option value="backward" disabled={refusal !== undefined}>
          backward: reads what the previous version wrote
        </option>
      </select>
      {refusal !== undefined && (
        <small class="hint" id="compatibility-note" data-testid="compatibility-note">
          {refusal}
        </small>
      )}
    </div>
  );
}

function MessageTypeField(props: {
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
}) {
  return (
    <label class="field">
      <span>Message type</span>
      <input
        name="messageType"
        value={props.value}
        onInput={(e) => props.onChange(e.currentTarget.value)}
        required={props.required}
        autocomplete="off"
        placeholder="shop.Order"
      />
    </label>
  );
}

function DefinitionField(props: {
  type: SchemaType;
  value: string;
  onChange: (value: string) => void;
}) {
  return (
    <label class="field">
      <span>Definition</span>
      <textarea
        name="definition"
        class="definition"
        value={props.value}
        onInput={(e) => props.onChange(e.currentTarget.value)}
        placeholder={DEFINITION_PLACEHOLDERS[props.type]}
        spellcheck={false}
        required
      />
    </label>
  );
}
