/** Headless Chromium for the end-to-end tests, and esbuild to turn a test page into a script. */
import { type BuildOptions, build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';

/** The Debian package's path; FERRY_CHROMIUM points elsewhere. */
const executablePath = process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium';

/** `args`: more Chromium switches, such as `--ignore-certificate-errors-spki-list=...`. */
export function launchChromium(args: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
  });
}

/** Bundles a page's entry into one browser script, as an app's bundler would. */
export async function bundlePage(entry: string, options: BuildOptions = {}): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'warning',
    ...options,
    write: false,
  });
  return result.outputFiles[0]?.text ?? '';
}
