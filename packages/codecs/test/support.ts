/** What the tests share: the fixtures' text. */
import { readFileSync } from 'node:fs';

export const SHOP_PROTO = readFileSync(new URL('./fixtures/shop.proto', import.meta.url), 'utf8');
