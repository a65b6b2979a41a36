/**
 * Static file serving shared by the Vite plugin (dev/preview) and the test/bench server, so every
 * server sends the same MIME types and the same security headers.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from '../src/server_headers.ts';

export const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv; charset=utf-8',
  '.tsv': 'text/tab-separated-values; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
};

/** Serves `urlPath` from `root` if it names a file inside it; returns false otherwise. */
export function serveFile(root: string, urlPath: string, res: ServerResponse): boolean {
  const rootAbs = resolve(root);
  const file = normalize(join(rootAbs, decodeURIComponent(urlPath.split('?')[0])));
  if (!file.startsWith(rootAbs + sep) && file !== rootAbs) return false;
  if (!existsSync(file) || !statSync(file).isFile()) return false;
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
    'Content-Length': statSync(file).size,
    'Cache-Control': 'no-cache',
  });
  createReadStream(file).pipe(res);
  return true;
}

/** Connect-style middleware serving `/prefix/...` from a folder. */
export function folderMiddleware(prefix: string, root: string) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const url = req.url ?? '';
    if (url.startsWith(prefix) && serveFile(root, url.slice(prefix.length), res)) return;
    next();
  };
}
