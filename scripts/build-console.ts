/**
 * `npm run build:console`: bundles the console (console/src, Preact + uPlot, and the pure zod schemas of domain/)
 * into dist/console/ with esbuild: index.html, app.js, app.css. No inline script or style, so the content security
 * policy can forbid both. The output is not committed; `npm start`, the e2e suite and the CDK build it before use.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CONSOLE_DIST = join(root, 'dist', 'console');

export async function buildConsole(outdir: string = CONSOLE_DIST): Promise<string> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { app: join(root, 'console', 'src', 'main.tsx') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    sourcemap: 'linked',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    tsconfig: join(root, 'console', 'tsconfig.json'),
    legalComments: 'linked',
    logLevel: 'warning',
  });
  copyFileSync(join(root, 'console', 'index.html'), join(outdir, 'index.html'));
  return outdir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildConsole().then(
    (outdir) => console.log(`console built in ${outdir}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
