#!/usr/bin/env node
/** The `ferry` executable: runs the program and turns every failure into its exit code. */
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { describe, EXIT, exitCodeOf } from '../exit-codes.js';
import { program } from '../program.js';

const { version } = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as { version: string };

const ferry = program(version).exitOverride();
for (const command of ferry.commands.flatMap((c) => [c, ...c.commands])) command.exitOverride();

try {
  await ferry.parseAsync();
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version are successes; anything else commander reports is a usage error.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    process.stderr.write(`ferry: ${describe(error)}\n`);
    process.exitCode = exitCodeOf(error);
  }
}
