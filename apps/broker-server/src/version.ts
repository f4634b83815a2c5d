/**
 * The broker's version: the `version` of the @ferry/broker package it runs from, read through
 * the package's own `./package.json` export, so it holds from src, from dist and once installed.
 * Until a release consumes the changesets the workspace says 0.0.0, and so does the broker.
 */
import { createRequire } from 'node:module';

export const BROKER_VERSION: string = (
  createRequire(import.meta.url)('@ferry/broker/package.json') as { version: string }
).version;
