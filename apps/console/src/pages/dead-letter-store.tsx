import { useRef, useState } from 'preact/hooks';
import { collectIds, countEntries, firstEntries, inBatches } from '../lib/dead-letter-batches.js';
import { hrefOf } from '../lib/route.js';
import {
  groupLabel,
  isSchemaRefusal,
  type ResendKind,
  resendKind,
  resentText,
} from '../lib/schema-dead-letters.js';
import { usePoll } from '../lib/use-poll.js';
import { navigate } from '../lib/use-route.js';
import { useSession } from '../session.js';
import { Confirm } from '../ui/dialog.js';
import { Empty, Loading } from '../ui/empty.js';
import { ErrorNotice, Notice } from '../ui/notice.js';
import { DeadLetterDetail } from './dead-letter-detail.js';
import { DeadLetterTable } from './dead-letter-table.js';

/** Entries shown at first and added by each "Load more". */
const PAGE = 100;
const POLL_MS = 3000;

type Act = 'resend' | 'drop';

interface Pending {
  act: Act;
  ids: number[];
  /** What the ids are, for the dialog: one entry, the selected ones, or all that match. */
  what: string;
  /** Where a resend sends them: back to their groups, or through the schema. */
  kind: ResendKind;
}

/**
 * One station's dead letters, live: filter by group, select, inspect, and resend or drop one,
 * the selected or all that match the filter, each after a confirmation.
 */
export function DeadLetterStore(props: {
  station: string;
  group: string | undefined;
  /** The station's groups, for the filter (entries may name groups deleted since). */
  groups: readonly string[];
  /** After a resend or drop: the station's counts changed too. */
  onChanged: () => void;
}) {
  const { client, may } = useSession();
  const { station, group } = props;
  const manage = may('deadletters', station);
  const maxIds = client.server.limits.maxListItems;
  const [limit, setLimit] = useState(PAGE);
  const list = usePoll(
    (signal) =>
      firstEntries(
        client.deadLetters.list(station, {
          group,
          pageSize: Math.min(limit + 1, maxIds),
          signal,
        }),
        limit,
      ),
    POLL_MS,
    [client, station, group, limit],
  );
  // "Load more" asks again with a larger limit: the rows shown so far stay until it answers.
  const kept = useRef(list.data);
  if (list.data !== undefined) kept.current = list.data;
  const page = list.data ?? kept.current;

  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [expanded, setExpanded] = useState<number | undefined>(undefined);
  const [pending, setPending] = useState<Pending | undefined>(undefined);
  const [counting, setCounting] = useState<Act | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const [failed, setFailed] = useState<unknown>(undefined);

  const shown = page?.entries ?? [];
  const chosen = shown.filter((e) => selected.has(e.id)).map((e) => e.id);
  const allChosen = shown.length > 0 && chosen.length === shown.length;
  const detail = shown.find((e) => e.id === expanded);
  const filter = group === undefined ? '' : ` ${groupFilterText(group)}`;

  const ask = (act: Act, ids: number[], what: string) => {
    setDone(undefined);
    setFailed(undefined);
    const groups = shown.filter((e) => ids.includes(e.id)).map((e) => e.group);
    setPending({ act, ids, what, kind: resendKind(groups) });
  };
  // "All" is every entry the filter matches, not only those shown: page through them first,
  // so the dialog can say how many.
  const askAll = async (act: Act) => {
    setDone(undefined);
    setFailed(undefined);
    setCounting(act);
    try {
      const { ids, groups } = await collectIds(
        client.deadLetters.list(station, { group, pageSize: maxIds }),
      );
      if (ids.length === 0) setDone(`No dead letters${filter} to ${act}.`);
      else
        setPending({
          act,
          ids,
          what: `all ${countEntries(ids.length)}${filter}`,
          kind: resendKind(groups),
        });
    } catch (error) {
      setFailed(error);
    } finally {
      setCounting(undefined);
    }
  };
  const run = async ({ act, ids, kind }: Pending) => {
    try {
      const n = await inBatches(ids, maxIds, (batch) =>
        act === 'resend'
          ? client.deadLetters.resend(station, batch)
          : client.deadLetters.drop(station, batch),
      );
      setDone(act === 'resend' ? resentText(kind, n, ids.length) : `Dropped ${countEntries(n)}.`);
      setSelected(new Set());
    } finally {
      list.refresh();
      props.onChanged();
    }
  };
  const toggle = (id: number) =>
    setSelected((s) => {
      const next = new Set(s);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  const groupOptions = [
    ...new Set([
      ...props.groups,
      ...shown.map((e) => e.group),
      ...(group === undefined ? [] : [group]),
    ]),
  ].sort();

  return (
    <section aria-label={`Dead letters of ${station}`}>
      <div class="toolbar">
        <label class="inline-field">
          Group
          <select
            name="group"
            value={group ?? ''}
            onChange={(e) =>
              navigate(
                hrefOf({ page: 'dead-letters', station }, { group: e.currentTarget.value }),
                true,
              )
            }
          >
            <option value="">All groups</option>
            {groupOptions.map((g) => (
              <option key={g} value={g}>
                {groupLabel(g)}
              </option>
            ))}
          </select>
        </label>
        {manage && shown.length > 0 && (
          <label class="inline-field">
            <input
              type="checkbox"
              aria-label="Select all"
              checked={allChosen}
              ref={(el) => {
                // Neither all nor none: the mixed state, which only a property can set.
                if (el !== null) el.indeterminate = chosen.length > 0 && !allChosen;
              }}
              onChange={() => setSelected(new Set(allChosen ? [] : shown.map((e) => e.id)))}
            />
            Select all shown
          </label>
        )}
        <span class="grow" />
        {manage && (
          <>
            <button
              type="button"
              data-testid="resend-selected"
              disabled={chosen.length === 0}
              onClick={() => ask('resend', chosen, `the ${countEntries(chosen.length)} selected`)}
            >
              Resend selected{chosen.length > 0 && ` (${chosen.length})`}
            </button>
            <button
              type="button"
              class="danger"
              data-testid="drop-selected"
              disabled={chosen.length === 0}
              onClick={() => ask('drop', chosen, `the ${countEntries(chosen.length)} selected`)}
            >
              Drop selected{chosen.length > 0 && ` (${chosen.length})`}
            </button>
            <button
              type="button"
              data-testid="resend-all"
              disabled={shown.length === 0 || counting !== undefined}
              onClick={() => void askAll('resend')}
            >
              {counting === 'resend' ? 'Counting…' : 'Resend all'}
            </button>
            <button
              type="button"
              class="danger"
              data-testid="drop-all"
              disabled={shown.length === 0 || counting !== undefined}
              onClick={() => void askAll('drop')}
            >
              {counting === 'drop' ? 'Counting…' : 'Drop all'}
            </button>
          </>
        )}
      </div>
      {!manage && (
        <Notice kind="info">
          Your credentials do not include the <code>deadletters</code> permission on{' '}
          <strong>{station}</strong>, which lists, resends and drops its dead letters: ask an
          operator for it.
        </Notice>
      )}
      {done !== undefined && <Notice kind="success">{done}</Notice>}
      {failed !== undefined && <ErrorNotice error={failed} action="Listing every entry" />}
      {list.error !== undefined && <ErrorNotice error={list.error} action="Listing dead letters" />}
      {page === undefined ? (
        list.loading && <Loading what="dead letters" />
      ) : shown.length === 0 ? (
        <Empty title={`No dead letters${filter}`}>
          <EmptyHint />
        </Empty>
      ) : (
        <>
          <DeadLetterTable
            entries={shown}
            actions={{
              selected,
              toggle,
              expanded,
              show: (id) => setExpanded((e) => (e === id ? undefined : id)),
              now: Date.now(),
              ...(manage
                ? {
                    resend: (id: number) => ask('resend', [id], `entry ${id}`),
                    drop: (id: number) => ask('drop', [id], `entry ${id}`),
                  }
                : {}),
            }}
          />
          <div class="list-footer">
            <span class="muted">
              {page.more ? `The first ${countEntries(shown.length)}` : countEntries(shown.length)}
              {filter}, refreshed every {POLL_MS / 1000} s.
            </span>
            {page.more && (
              <button type="button" onClick={() => setLimit((n) => n + PAGE)}>
                Load more
              </button>
            )}
          </div>
        </>
      )}
      {expanded !== undefined &&
        (detail === undefined ? (
          <Notice kind="info">
            Entry {expanded} is no longer in the store (resent and acknowledged, or dropped).{' '}
            <button type="button" onClick={() => setExpanded(undefined)}>
              Dismiss
            </button>
          </Notice>
        ) : (
          <DeadLetterDetail entry={detail} onClose={() => setExpanded(undefined)} />
        ))}
      {pending !== undefined && (
        <Confirm
          title={pending.act === 'resend' ? 'Resend dead letters' : 'Drop dead letters'}
          message={
            pending.act === 'resend' ? (
              <ResendQuestion pending={pending} station={station} />
            ) : (
              <p>
                Drop {pending.what} of <strong>{station}</strong>? They are deleted for good.
              </p>
            )
          }
          confirmLabel={`${pending.act === 'resend' ? 'Resend' : 'Drop'} ${countEntries(pending.ids.length)}`}
          danger={pending.act === 'drop'}
          onConfirm={() => run(pending)}
          onClose={() => setPending(undefined)}
        />
      )}
    </section>
  );
}

/** "from group billing", or "refused by the schema" for the schema's entries. */
function groupFilterText(group: string): string {
  return isSchemaRefusal(group) ? groupLabel(group) : `from group ${group}`;
}

/** Where the schema's refusals come from too, so that an operator looks for them here. */
export function EmptyHint() {
  return (
    <>
      Messages land here when a consumer dead-letters them, after maxDeliveries, or when the
      station's schema refuses them in mode deadletter.
    </>
  );
}

/** What a resend does: a consumer group's entries go back to it; the schema's are produced again. */
function ResendQuestion(props: { pending: Pending; station: string }) {
  const { pending } = props;
  const what = (
    <>
      {pending.what} of <strong>{props.station}</strong>
    </>
  );
  switch (pending.kind) {
    case 'groups':
      return (
        <p>
          Resend {what} to the groups that failed them? Each entry leaves the store once its resent
          message is acknowledged.
        </p>
      );
    case 'schema':
      return (
        <p data-testid="resend-through-schema">
          Produce {what} again through the schema? The station's schema refused them; each one it
          accepts now is stored and leaves the store, one it refuses again stays.
        </p>
      );
    case 'both':
      return (
        <p data-testid="resend-through-schema">
          Resend {what}? Entries of consumer groups go back to the groups that failed them and leave
          the store once acknowledged. Entries the schema refused are produced again through it:
          stored, they leave the store; refused again, they stay.
        </p>
      );
  }
}
