import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import { defineConfig } from 'eslint/config';

// src/core runs in Node (tests, scripts) and in workers, so it may use only what both have:
// ES2022 builtins plus these few timers and codecs. Everything else (DOM, storage, Svelte, the
// other src/ folders) is passed in from outside, e.g. a Cache interface or a tfjs IOHandler.
const CORE_RUNTIME_GLOBALS = {
  console: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  queueMicrotask: 'readonly',
  structuredClone: 'readonly',
  TextDecoder: 'readonly',
  TextEncoder: 'readonly',
};

const CORE_GLOBAL_MESSAGE = 'src/core runs in Node and in workers: take what you need as an argument (see STYLE.md, layout).';
const CORE_RESTRICTED_GLOBALS = [
  // window and document
  'window self globalThis document navigator location history screen frames parent top opener devicePixelRatio',
  'innerWidth innerHeight matchMedia getComputedStyle requestAnimationFrame cancelAnimationFrame',
  'requestIdleCallback alert confirm prompt customElements postMessage onmessage addEventListener',
  'removeEventListener dispatchEvent importScripts',
  // DOM types and constructors
  'Node Element HTMLElement HTMLCanvasElement HTMLInputElement SVGElement SVGSVGElement Document DocumentFragment',
  'Event CustomEvent EventTarget MouseEvent PointerEvent KeyboardEvent WheelEvent ResizeObserver MutationObserver',
  'IntersectionObserver DOMParser Image ImageData ImageBitmap OffscreenCanvas CanvasRenderingContext2D',
  'WebGLRenderingContext WebGL2RenderingContext GPUBufferUsage GPUShaderStage GPUMapMode GPUTextureUsage',
  // storage, network and workers
  'localStorage sessionStorage indexedDB IDBDatabase IDBKeyRange IDBFactory IDBTransaction caches fetch',
  'XMLHttpRequest WebSocket EventSource Worker SharedWorker MessageChannel BroadcastChannel FileReader Blob File',
  // Node-only
  'process Buffer require module __dirname __filename',
]
  .flatMap((line) => line.split(' '))
  .map((name) => ({ name, message: CORE_GLOBAL_MESSAGE }));

const CORE_IMPORT_MESSAGE =
  'src/core imports only src/core and npm packages (d3-*, @tensorflow/tfjs): no Svelte, DOM or other src/ folders.';
/** no-restricted-imports options for a file `depth` folders below src/core (src/core/random.ts is depth 0). */
function coreImportRules(depth) {
  // Going up depth + 1 levels leaves src/core.
  const escape = `^(\\./)?(\\.\\./){${depth + 1},}`;
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          { group: ['svelte', 'svelte/*', '*.svelte', '*.svelte.ts', '*.svelte.js'], message: CORE_IMPORT_MESSAGE },
          {
            group: ['**/views/*', '**/state/*', '**/workers/*', '**/compute/*', '**/storage/*', '**/main.ts', '**/App.svelte'],
            message: CORE_IMPORT_MESSAGE,
          },
          { regex: escape, message: CORE_IMPORT_MESSAGE },
          { regex: '^(/|src/|~/|\\$lib|@/)', message: CORE_IMPORT_MESSAGE },
          {
            // Browser-only packages: storage, worker plumbing, GPU/wasm backends (chosen in src/compute) and DOM-bound d3 modules.
            group: ['idb', 'comlink', '@tensorflow/tfjs-backend-*', 'd3-selection', 'd3-transition', 'd3-zoom', 'd3-drag', 'd3-brush'],
            message: CORE_IMPORT_MESSAGE,
          },
        ],
      },
    ],
  };
}

export default defineConfig(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'test/output/',
      'bench/output/',
      'public/data/',
      'models/',
      'test/data/',
      'test/fixtures/**/*.json',
      '**/*.glsl',
      '.vite/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  svelte.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'warn',
      // State here replaces plain Sets/Maps held in $state.raw, or builds them inside $derived
      // (STYLE.md: replace, don't mutate), so SvelteSet/SvelteMap would only add tracking cost.
      'svelte/prefer-svelte-reactivity': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
  },
  { files: ['src/**'], ignores: ['src/core/**'], languageOptions: { globals: { ...globals.browser, __APP_VERSION__: 'readonly' } } },
  { files: ['src/workers/**'], languageOptions: { globals: { ...globals.worker } } },
  {
    files: ['scripts/**', 'test/**', '**/*.config.*'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Not covered by the browser block above: core sees ES2022 and the runtime-neutral globals only.
    files: ['src/core/**'],
    languageOptions: {
      globals: { ...globals.es2022, ...CORE_RUNTIME_GLOBALS },
      parserOptions: { lib: ['es2022'] },
    },
    rules: {
      // typescript-eslint turns no-undef off for .ts; in core it is what catches DOM types and globals.
      'no-undef': 'error',
      'no-restricted-globals': ['error', ...CORE_RESTRICTED_GLOBALS],
    },
  },
  // One block per depth, so `..` may climb within src/core but not out of it.
  [0, 1, 2, 3, 4].map((depth) => ({ files: [`src/core/${'*/'.repeat(depth)}*.ts`], rules: coreImportRules(depth) })),
);
