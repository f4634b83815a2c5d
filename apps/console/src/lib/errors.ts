/** What an error says to a person: its stable code when Ferry gave one, and its message. */
export interface Described {
  code?: string;
  message: string;
}

export function describeError(err: unknown): Described {
  if (err !== null && typeof err === 'object') {
    const { code, message } = err as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' && message !== '' ? message : String(err);
    return typeof code === 'string' ? { code, message: text } : { message: text };
  }
  return { message: String(err) };
}

/** Whether the broker refused because the principal may not do it. */
export function isDenied(err: unknown): boolean {
  return describeError(err).code === 'NOT_AUTHORIZED';
}
