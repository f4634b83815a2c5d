/**
 * Dead letters a schema refused: the broker files them under the group `$schema`, which is no
 * consumer group, and resending one produces it again through the schema (SCHEMA-6,
 * SCHEMA-10). Pure, so unit-tested.
 */
import { countEntries } from './dead-letter-batches.js';

export const SCHEMA_GROUP = '$schema';

export function isSchemaRefusal(group: string): boolean {
  return group === SCHEMA_GROUP;
}

/** The group as a person reads it in a filter or a fact. */
export function groupLabel(group: string): string {
  return isSchemaRefusal(group) ? 'refused by the schema' : group;
}

/** Whether a resend goes back to consumer groups, through the schema, or both. */
export type ResendKind = 'groups' | 'schema' | 'both';

export function resendKind(groups: Iterable<string>): ResendKind {
  let schema = false;
  let other = false;
  for (const group of groups) {
    if (isSchemaRefusal(group)) schema = true;
    else other = true;
  }
  return schema ? (other ? 'both' : 'schema') : 'groups';
}

/**
 * What a resend did. The broker counts an entry refused by the schema only when it passed this
 * time; one failing again stays in the store.
 */
export function resentText(kind: ResendKind, resent: number, asked: number): string {
  const acked = `${resent === 1 ? 'it leaves' : 'each leaves'} the store once its message is acknowledged`;
  if (kind === 'groups') return `Resent ${countEntries(resent)}; ${acked}.`;
  const stayed = asked - resent;
  const refusedAgain =
    stayed > 0 ? `${countEntries(stayed)} failed the schema again and stayed in the store.` : '';
  const done =
    kind === 'schema'
      ? resent > 0
        ? `Produced ${countEntries(resent)} again through the schema and stored.`
        : ''
      : `Resent ${countEntries(resent)}: to their groups (${acked}), or through the schema.`;
  return [done, refusedAgain].filter((t) => t !== '').join(' ');
}
