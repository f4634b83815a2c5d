/**
 * An MQTT client over a plain socket that sends exactly the packets (or bytes) a test gives it
 * and keeps every packet the broker sends: for bad input, held acknowledgements and reason
 * codes a full client would hide.
 */
import { connect, type Socket } from 'node:net';
import {
  generate,
  type IConnackPacket,
  type IConnectPacket,
  type IDisconnectPacket,
  type Packet,
  parser,
} from 'mqtt-packet';
import { waitFor } from './mqtt-wait.js';

export type ProtocolVersion = 4 | 5;

/** A length-prefixed UTF-8 string as MQTT encodes it. */
export function mqttString(s: string): number[] {
  const bytes = [...Buffer.from(s, 'utf8')];
  return [bytes.length >> 8, bytes.length & 0xff, ...bytes];
}

/** A variable byte integer (remaining length). */
export function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return out;
}

/**
 * CONNECT bytes made by hand, for what the encoder refuses to make (an empty client id with a
 * persistent session): protocol `version`, keep-alive 60, no will or credentials; for v5 an
 * optional Session Expiry Interval.
 */
export function connectBytes(
  version: ProtocolVersion,
  clientId: string,
  clean: boolean,
  sessionExpiry?: number,
): number[] {
  const properties =
    version === 5
      ? sessionExpiry === undefined
        ? [0]
        : [5, 0x11, ...[24, 16, 8, 0].map((shift) => (sessionExpiry >>> shift) & 0xff)]
      : [];
  const body = [
    ...mqttString('MQTT'),
    version,
    clean ? 0x02 : 0x00,
    0,
    60,
    ...properties,
    ...mqttString(clientId),
  ];
  return [0x10, ...varint(body.length), ...body];
}

export class RawMqtt {
  /** Every packet received, in order. */
  readonly received: Packet[] = [];
  /** Packets `next` has not handed out yet. */
  private unread: Packet[] = [];
  private ended = false;
  /** Bytes the broker sent that did not parse as MQTT. */
  parseError: Error | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly version: ProtocolVersion,
  ) {
    const p = parser({ protocolVersion: version });
    p.on('packet', (packet: Packet) => {
      this.received.push(packet);
      this.unread.push(packet);
    });
    p.on('error', (error: Error) => {
      this.parseError = error;
    });
    socket.on('data', (chunk: Buffer) => p.parse(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.ended = true;
    });
  }

  static async open(port: number, version: ProtocolVersion = 4): Promise<RawMqtt> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.setNoDelay(true);
    return new RawMqtt(socket, version);
  }

  /** Whether the broker closed the connection (or it failed). */
  get closed(): boolean {
    return this.ended;
  }

  send(packet: Packet): void {
    this.socket.write(generate(packet, { protocolVersion: this.version }));
  }

  /** Bytes as they are, for input no encoder would produce. */
  write(bytes: Uint8Array | number[]): void {
    this.socket.write(Uint8Array.from(bytes));
  }

  /** The next unread packet `match` accepts (any by default), taking it out of the unread ones. */
  async next<T extends Packet = Packet>(
    match: (p: Packet) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<T> {
    const found = await waitFor(
      () => {
        const i = this.unread.findIndex(match);
        if (i !== -1) return this.unread.splice(i, 1);
        if (this.ended) throw new Error('the connection closed before the packet came');
        return undefined;
      },
      timeoutMs,
      'a packet from the broker',
    );
    return found[0] as T;
  }

  /** The next unread packet of type `cmd`. */
  nextOf<T extends Packet = Packet>(cmd: Packet['cmd'], timeoutMs = 10_000): Promise<T> {
    return this.next<T>((p) => p.cmd === cmd, timeoutMs);
  }

  /** Unread packets of type `cmd`, without taking them. */
  peek(cmd: Packet['cmd']): Packet[] {
    return this.unread.filter((p) => p.cmd === cmd);
  }

  /** Sends CONNECT and resolves with the CONNACK. */
  async handshake(connect: Partial<IConnectPacket> = {}): Promise<IConnackPacket> {
    this.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: this.version,
      clean: true,
      keepalive: 60,
      clientId: '',
      ...connect,
    } as IConnectPacket);
    return this.nextOf<IConnackPacket>('connack');
  }

  /** Resolves once the broker has closed the connection, within `timeoutMs`. */
  async waitClosed(timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.ended, timeoutMs, 'the broker to close the connection');
  }

  /** The DISCONNECT the broker sent before closing, if any. */
  get disconnect(): IDisconnectPacket | undefined {
    return this.received.find((p): p is IDisconnectPacket => p.cmd === 'disconnect');
  }

  /** Closes the socket without a DISCONNECT. */
  destroy(): void {
    this.socket.destroy();
  }

  /** DISCONNECT, then end the socket. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.send({ cmd: 'disconnect' } as IDisconnectPacket);
    this.socket.end();
    await waitFor(() => this.ended, 5000, 'the socket to close').catch(() => this.destroy());
  }
}
