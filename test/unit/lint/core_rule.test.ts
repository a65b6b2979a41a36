import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cwd = fileURLToPath(new URL('../../..', import.meta.url));
const eslint = new ESLint({ cwd });

/** Lints `code` as if it were a file at `filePath` (relative to the repo) and returns the ids of the rules that report errors. */
async function errorRules(code: string, filePath = 'src/core/data/fake.ts'): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.severity === 2).map((m) => m.ruleId ?? m.message);
}

describe('src/core stays free of the DOM and of Svelte (eslint.config.js)', () => {
  it('rejects browser globals', async () => {
    expect(await errorRules('export const title = document.title;\n')).toContain('no-restricted-globals');
    expect(await errorRules('export const db = indexedDB.open("x");\n')).toContain('no-restricted-globals');
    // Not in the restricted list, but not an ES2022 global either.
    expect(await errorRules('export const r = new DOMRect();\n')).toContain('no-undef');
    expect(await errorRules('export type El = HTMLElement;\n')).toContain('no-undef');
  });

  it('rejects Svelte and imports that leave src/core', async () => {
    expect(await errorRules("import { mount } from 'svelte';\nexport { mount };\n")).toContain('no-restricted-imports');
    expect(await errorRules("import App from '../../App.svelte';\nexport { App };\n")).toContain('no-restricted-imports');
    expect(await errorRules("export * from '../../state/app.svelte.ts';\n")).toContain('no-restricted-imports');
    expect(await errorRules("export * from '../../views/colors.ts';\n")).toContain('no-restricted-imports');
    expect(await errorRules("export * from '../random.ts';\n", 'src/core/random.ts')).toContain('no-restricted-imports');
  });

  it('accepts plain TypeScript, imports within core and npm packages', async () => {
    expect(await errorRules('export const m = Math.max(1, 2);\n')).toEqual([]);
    expect(await errorRules("export * from '../random.ts';\nexport * from './csr.ts';\nexport * from 'd3-force';\n")).toEqual([]);
    expect(
      await errorRules('export const t = new Float32Array(4);\nexport const p: Promise<Record<string, number>> = Promise.resolve({});\n'),
    ).toEqual([]);
  });

  it('leaves browser globals alone outside src/core', async () => {
    expect(await errorRules('export const title = document.title;\n', 'src/views/fake.ts')).toEqual([]);
  });
});
