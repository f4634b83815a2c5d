/**
 * The order the `--schemas` runs produce: its JSON Schema, an equivalent protobuf message, and
 * valid orders of a given encoded size, the same objects for both codecs (protobufjs takes the
 * camelCase names the JSON uses).
 */

export const ORDER_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'customer', 'items', 'currency', 'total', 'status', 'createdAt'],
  properties: {
    id: { type: 'string', pattern: '^ord-[0-9]{10}$' },
    customer: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'email'],
      properties: {
        id: { type: 'string', pattern: '^cus-[0-9a-f]{12}$' },
        email: { type: 'string', format: 'email', maxLength: 254 },
        name: { type: 'string', maxLength: 100 },
      },
    },
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['sku', 'qty', 'price'],
        properties: {
          sku: { type: 'string', pattern: '^[A-Z]{3}-[0-9]{5}$' },
          name: { type: 'string', maxLength: 100 },
          qty: { type: 'integer', minimum: 1 },
          price: { type: 'number', minimum: 0 },
        },
      },
    },
    currency: { enum: ['EUR', 'USD', 'GBP', 'JPY'] },
    total: { type: 'number', minimum: 0 },
    status: { enum: ['NEW', 'PAID', 'SHIPPED', 'CANCELLED'] },
    createdAt: { type: 'string', format: 'date-time' },
    shipping: {
      type: 'object',
      additionalProperties: false,
      required: ['street', 'city', 'postalCode', 'country'],
      properties: {
        street: { type: 'string', maxLength: 200 },
        city: { type: 'string', maxLength: 100 },
        postalCode: { type: 'string', pattern: '^[0-9A-Z -]{3,10}$' },
        country: { type: 'string', pattern: '^[A-Z]{2}$' },
      },
    },
    channel: { enum: ['WEB', 'APP', 'STORE'] },
    couponCode: { type: 'string', pattern: '^[A-Z0-9]{4,12}$' },
    giftWrap: { type: 'boolean' },
    priority: { type: 'integer', minimum: 0, maximum: 9 },
    tags: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 32 } },
    notes: { type: 'string', maxLength: 1000 },
  },
} as const;

/** The same order in protobuf (enums with their proto3 zero value first, never produced). */
export const ORDER_PROTO = `syntax = "proto3";
package shop;

enum Currency { CURRENCY_UNSPECIFIED = 0; EUR = 1; USD = 2; GBP = 3; JPY = 4; }
enum Status { STATUS_UNSPECIFIED = 0; NEW = 1; PAID = 2; SHIPPED = 3; CANCELLED = 4; }
enum Channel { CHANNEL_UNSPECIFIED = 0; WEB = 1; APP = 2; STORE = 3; }

message Customer {
  string id = 1;
  string email = 2;
  string name = 3;
}

message Item {
  string sku = 1;
  string name = 2;
  uint32 qty = 3;
  double price = 4;
}

message Address {
  string street = 1;
  string city = 2;
  string postal_code = 3;
  string country = 4;
}

message Order {
  string id = 1;
  Customer customer = 2;
  repeated Item items = 3;
  Currency currency = 4;
  double total = 5;
  Status status = 6;
  string created_at = 7;
  Address shipping = 8;
  Channel channel = 9;
  string coupon_code = 10;
  bool gift_wrap = 11;
  uint32 priority = 12;
  repeated string tags = 13;
  string notes = 14;
}
`;

export const ORDER_TYPE = 'shop.Order';

export interface OrderItem {
  sku: string;
  name: string;
  qty: number;
  price: number;
}

export interface Order {
  id: string;
  customer: { id: string; email: string; name: string };
  items: OrderItem[];
  currency: 'EUR' | 'USD' | 'GBP' | 'JPY';
  total: number;
  status: 'NEW' | 'PAID' | 'SHIPPED' | 'CANCELLED';
  createdAt: string;
  shipping: { street: string; city: string; postalCode: string; country: string };
  channel: 'WEB' | 'APP' | 'STORE';
  couponCode: string;
  giftWrap: boolean;
  priority: number;
  tags: string[];
  notes: string;
}

const CURRENCIES = ['EUR', 'USD', 'GBP', 'JPY'] as const;
const STATUSES = ['NEW', 'PAID', 'SHIPPED', 'CANCELLED'] as const;
const CHANNELS = ['WEB', 'APP', 'STORE'] as const;
const CITIES = ['Lisbon', 'Rotterdam', 'Hamburg', 'Marseille', 'Gdansk', 'Valencia'] as const;
const PRODUCTS = ['Teapot', 'Mug', 'Kettle', 'Strainer', 'Tray', 'Caddy', 'Saucer'] as const;
const COLOURS = ['blue', 'red', 'slate', 'sand', 'green'] as const;

/** A small deterministic generator, so a seq always gives the same order. */
function random(seed: number): () => number {
  let state = (seed * 2654435761 + 1) >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function pick<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)] as T;
}

function digits(next: () => number, count: number): string {
  let text = '';
  for (let i = 0; i < count; i += 1) text += Math.floor(next() * 10);
  return text;
}

function item(next: () => number): OrderItem {
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let prefix = '';
  for (let i = 0; i < 3; i += 1) prefix += pick(next, [...letters]);
  return {
    sku: `${prefix}-${digits(next, 5)}`,
    name: `${pick(next, PRODUCTS)} in ${pick(next, COLOURS)}, ${Math.floor(next() * 900) + 100} ml`,
    qty: Math.floor(next() * 5) + 1,
    price: Math.round(next() * 10_000) / 100,
  };
}

/** Order `seq` with `items` lines and the notes given. */
export function order(seq: number, items: number, notes = ''): Order {
  const next = random(seq);
  const lines = Array.from({ length: items }, () => item(next));
  const customer = Math.floor(next() * 2 ** 32)
    .toString(16)
    .padStart(12, '0');
  return {
    id: `ord-${String(seq).padStart(10, '0')}`,
    customer: {
      id: `cus-${customer}`,
      email: `customer.${customer}@example.com`,
      name: `Customer ${customer.slice(-6)}`,
    },
    items: lines,
    currency: pick(next, CURRENCIES),
    total: Math.round(lines.reduce((sum, line) => sum + line.qty * line.price, 0) * 100) / 100,
    status: pick(next, STATUSES),
    createdAt: new Date(Date.UTC(2025, 0, 1) + seq * 1000).toISOString(),
    shipping: {
      street: `${Math.floor(next() * 300) + 1} Harbour Street`,
      city: pick(next, CITIES),
      postalCode: `${digits(next, 4)} AB`,
      country: pick(next, ['PT', 'NL', 'DE', 'FR', 'PL', 'ES']),
    },
    channel: pick(next, CHANNELS),
    couponCode: `SPRING${digits(next, 2)}`,
    giftWrap: next() < 0.2,
    priority: Math.floor(next() * 10),
    tags: ['loyalty', pick(next, ['express', 'standard', 'pickup'])],
    notes,
  };
}

/**
 * Order `seq` whose encoding (`size` gives its length in bytes) is `bytes` long, or within a byte
 * or two when a length prefix grows with the notes: as many lines as fit, then notes fill the rest.
 */
export function orderOfSize(seq: number, bytes: number, size: (order: Order) => number): Order {
  let items = 1;
  while (size(order(seq, items + 1)) <= bytes) items += 1;
  let notes = '';
  for (let attempt = 0; attempt < 4; attempt += 1) {
    const missing = bytes - size(order(seq, items, notes));
    if (missing === 0) break;
    notes = 'n'.repeat(Math.max(0, notes.length + missing));
  }
  return order(seq, items, notes);
}
