import type { Command } from 'commander';
import { expect, it } from 'vitest';
import { program } from '../src/program.js';
import { ferry } from './support/ferry.js';

function leaves(command: Command, path: string[] = []): string[][] {
  if (command.commands.length === 0) return [path];
  return command.commands.flatMap((sub) => leaves(sub, [...path, sub.name()]));
}

it("ends every command's --help with examples, and exits 0", async () => {
  const paths = leaves(program('0.0.0'));
  expect(paths.length).toBeGreaterThan(20);
  for (const path of paths) {
    const help = await ferry([...path, '--help']);
    expect(help.code, path.join(' ')).toBe(0);
    expect(help.stdout, path.join(' ')).toMatch(/\nExamples:\n {2}\$ ferry /);
  }
});

it('lists the exit codes in the top-level help', async () => {
  const help = await ferry(['--help']);
  expect(help.stdout).toMatch(/Exit codes:\n {2}0 +ok\n {2}1 +usage/);
});
