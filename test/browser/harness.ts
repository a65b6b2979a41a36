/**
 * Browser test harness: serves the built app (dist/) with the shipped headers, drives Debian's
 * Chromium through playwright-core, and records every request so a test fails on any request
 * that leaves the app's origin.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { serveFile } from '../../scripts/serve_static.ts';

export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
];

/** A static server over `root` on a free localhost port. */
export async function startServer(root = 'dist'): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (serveFile(root, path === '/' ? '/index.html' : path, res)) return;
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('server has no port');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    // Keep-alive connections would hold close() open (and let a page keep talking to a "stopped" server).
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A fresh Chromium profile with request and error recording. */
export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Every URL the page or its workers requested. */
  requests: string[];
  /** Requests whose origin is not the app's (must stay empty). */
  foreign: string[];
  pageErrors: string[];
  consoleErrors: string[];
  close: () => Promise<void>;
}

export async function openBrowser(appUrl: string, viewport = { width: 1600, height: 1000 }): Promise<BrowserSession> {
  const dir = mkdtempSync(join(tmpdir(), 'glasswing-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    ignoreDefaultArgs: ['--headless'],
    args: CHROMIUM_ARGS,
    viewport,
  });
  const origin = new URL(appUrl).origin;
  const requests: string[] = [];
  const foreign: string[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  // Context-level: also sees requests made by workers.
  context.on('request', (r) => {
    const u = r.url();
    requests.push(u);
    if (!/^(data|blob):/.test(u) && new URL(u).origin !== origin) foreign.push(u);
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  return {
    context,
    page,
    requests,
    foreign,
    pageErrors,
    consoleErrors,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until the demo has encoded every cell (the status line says Ready). */
export async function waitForReady(page: Page, timeoutMs = 240_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const s = document.querySelector('[data-testid="status"]')?.textContent ?? '';
      return s.startsWith('Ready') || s.startsWith('Something went wrong');
    },
    undefined,
    { timeout: timeoutMs, polling: 250 },
  );
  const status = await page.textContent('[data-testid="status"]');
  if (!status?.startsWith('Ready')) {
    const errors = await page.locator('[role="alert"]').allTextContents();
    throw new Error(`The app did not become ready: ${status} ${errors.join(' ')}`);
  }
}
