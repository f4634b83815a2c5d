/**
 * A station's dead-letter store as one JetStream stream: an entry is a message on the subject of
 * its group (so per-group listing and counting are subject filters the server answers), its id
 * the stream sequence. Removing an entry deletes its message.
 */
import { decode, encode } from '@msgpack/msgpack';
import type { MsgRequest } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { DeadLetterRecord, DeadLetterStore } from '../backend/types.js';
import type { JsContext } from './context.js';
import { isNotFound, jsError } from './errors.js';
import { fromToken, type StationNames } from './names.js';
import { publish } from './publish.js';
import { MSG_ID_HEADER } from './records.js';

type Entry = Omit<DeadLetterRecord, 'id'>;

/**
 * An entry as stored (MessagePack). Its payload is copied into a Uint8Array of its own: decoded
 * from a Node Buffer it would be a Buffer view over the whole message.
 */
export function decodeEntry(data: Uint8Array): Entry {
  const entry = decode(data) as Entry;
  entry.payload = Uint8Array.from(entry.payload);
  return entry;
}

export class JetStreamDeadLetters implements DeadLetterStore {
  constructor(
    private readonly ctx: JsContext,
    private readonly names: StationNames,
  ) {}

  add(entry: Entry): Promise<number> {
    return this.addOnce(entry);
  }

  /**
   * Adds an entry; with `onceKey`, an add repeated within the stream's duplicate window (a
   * broker that stopped between dead-lettering a message and settling it) gives the first id.
   */
  async addOnce(entry: Entry, onceKey?: string): Promise<number> {
    const h = onceKey === undefined ? undefined : natsHeaders();
    if (onceKey !== undefined) h?.set(MSG_ID_HEADER, onceKey);
    try {
      const ack = await publish(
        this.ctx,
        this.names.deadLetterSubject(entry.group),
        encode(entry, { ignoreUndefined: true }),
        h,
      );
      return ack.seq;
    } catch (err) {
      throw jsError('the dead letter could not be stored', err);
    }
  }

  async list(options: {
    after?: number;
    group?: string;
    limit: number;
    admit?: (entry: DeadLetterRecord) => boolean;
  }): Promise<{ entries: DeadLetterRecord[]; more: boolean }> {
    const subject =
      options.group === undefined
        ? this.names.deadLetterSubjects
        : this.names.deadLetterSubject(options.group);
    const entries: DeadLetterRecord[] = [];
    let seq = (options.after ?? 0) + 1;
    for (;;) {
      const next = await this.next(subject, seq);
      if (next === undefined) return { entries, more: false };
      if (entries.length >= options.limit) return { entries, more: true };
      if (options.admit !== undefined && !options.admit(next)) return { entries, more: true };
      entries.push(next);
      seq = next.id + 1;
    }
  }

  async get(ids: number[]): Promise<DeadLetterRecord[]> {
    const found = await Promise.all(ids.map((id) => this.at(id)));
    return found.filter((e): e is DeadLetterRecord => e !== undefined);
  }

  async remove(ids: number[]): Promise<DeadLetterRecord[]> {
    const removed = await Promise.all(
      ids.map(async (id) => {
        const entry = await this.at(id);
        if (entry === undefined) return undefined;
        try {
          // Of concurrent removes, only one deletes it; the others find it gone.
          return (await this.ctx.jsm.streams.deleteMessage(this.names.deadLetterStream, id, false))
            ? entry
            : undefined;
        } catch (err) {
          if (isNotFound(err) || isGone(err)) return undefined;
          throw jsError('the dead letter could not be removed', err);
        }
      }),
    );
    return removed.filter((e): e is DeadLetterRecord => e !== undefined);
  }

  async count(): Promise<number> {
    try {
      return (await this.ctx.jsm.streams.info(this.names.deadLetterStream)).state.messages;
    } catch (err) {
      throw jsError('the dead letters could not be counted', err);
    }
  }

  async countByGroup(): Promise<ReadonlyMap<string, number>> {
    try {
      const info = await this.ctx.jsm.streams.info(this.names.deadLetterStream, {
        subjects_filter: this.names.deadLetterSubjects,
      });
      const counts = new Map<string, number>();
      for (const [subject, n] of Object.entries(info.state.subjects ?? {})) {
        if (n > 0) counts.set(fromToken(subject.slice(subject.lastIndexOf('.') + 1)), n);
      }
      return counts;
    } catch (err) {
      throw jsError('the dead letters could not be counted', err);
    }
  }

  private async at(id: number): Promise<DeadLetterRecord | undefined> {
    if (!Number.isSafeInteger(id) || id < 1) return undefined;
    try {
      const m = await this.ctx.jsm.streams.getMessage(this.names.deadLetterStream, { seq: id });
      return m === null ? undefined : { ...decodeEntry(m.data), id };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw jsError('the dead letter could not be read', err);
    }
  }

  private async next(subject: string, seq: number): Promise<DeadLetterRecord | undefined> {
    try {
      // The server (2.9 and later) answers next_by_subj on this API; the client types only
      // declare it for direct gets, which may read a replica behind the leader.
      const query = { next_by_subj: subject, seq } as unknown as MsgRequest;
      const m = await this.ctx.jsm.streams.getMessage(this.names.deadLetterStream, query);
      return m === null ? undefined : { ...decodeEntry(m.data), id: m.seq };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw jsError('the dead letters could not be listed', err);
    }
  }
}

/** A delete of a message another call deleted first. */
function isGone(err: unknown): boolean {
  return err instanceof Error && /no message found|not found/i.test(err.message);
}
