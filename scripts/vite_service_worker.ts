/**
 * Vite plugin: after the build, lists every file in the output folder and writes the list, a
 * build id (SHA-256 of the files' contents) and the shipped security headers into dist/sw.js
 * (public/sw.js's MANIFEST line). A new build gets a new id, so its cache replaces the old one.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Plugin } from 'vite';
import { SECURITY_HEADERS } from '../src/server_headers.ts';

const PLACEHOLDER = /\/\*__GLASSWING_MANIFEST__\*\/ \{[^\n]*\};/;

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/** The manifest for the build in `outDir`: files to precache (relative URLs) and the build id. */
export function buildManifest(outDir: string): { build: string; files: string[]; headers: Record<string, string> } {
  const hash = createHash('sha256');
  const files: string[] = [];
  for (const path of listFiles(outDir).sort()) {
    const rel = relative(outDir, path).split(sep).join('/');
    // Documentation files are not needed to run; sw.js is fetched by the browser itself.
    if (rel === 'sw.js' || rel.endsWith('.md')) continue;
    files.push(rel === 'index.html' ? './' : rel);
    hash.update(rel).update(readFileSync(path));
  }
  files.push('index.html');
  return { build: hash.digest('hex').slice(0, 16), files, headers: SECURITY_HEADERS };
}

/** Writes the manifest into `<outDir>/sw.js`. Run after the other plugins have copied their files. */
export function serviceWorkerManifest(): Plugin {
  let outDir = 'dist';
  return {
    name: 'glasswing-service-worker',
    enforce: 'post',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle: {
      order: 'post',
      handler() {
        const swPath = join(outDir, 'sw.js');
        const source = readFileSync(swPath, 'utf8');
        if (!PLACEHOLDER.test(source)) throw new Error('public/sw.js lost its MANIFEST placeholder line.');
        writeFileSync(swPath, source.replace(PLACEHOLDER, `${JSON.stringify(buildManifest(outDir))};`));
      },
    },
  };
}
