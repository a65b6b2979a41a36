import type { PreprocessStep } from '../data/preprocess.ts';

/** The only manifest schema version this build reads. */
export const MANIFEST_SCHEMA_VERSION = 1;

/** What a model's outputs mean (the architecture is free). */
export type ModelKind = 'classifier' | 'vae' | 'regressor' | 'embedding';

/** Every model kind, in the order the UI lists them. */
export const MODEL_KINDS: readonly ModelKind[] = ['classifier', 'vae', 'regressor', 'embedding'];

/** How `input.genes` identifies genes. */
export type GeneIdType = 'symbol' | 'ensembl';

/** An extra model input beside the genes, e.g. a batch one-hot (`size` columns) or library size (1 column). */
export interface Covariate {
  name: string;
  /** Columns this covariate adds after the genes, ≥ 1. */
  size: number;
  description?: string;
}

/** What the model reads: `[nCells, genes.length + Σ covariate sizes]` float32, genes first in this order. */
export interface ManifestInput {
  genes: string[];
  geneIdType: GeneIdType;
  covariates?: Covariate[];
}

/** The highly-variable-gene selection used at training time (informational; `select_genes` applies `input.genes`). */
export interface HvgInfo {
  flavor: string;
  nTopGenes: number;
}

/** Preprocessing from counts to model input, applied in order (scanpy conventions). */
export interface ManifestPreprocessing {
  steps: PreprocessStep[];
  hvg?: HvgInfo;
}

/** Classifier output `[rows, classes.length]` float32 logits. */
export interface ClassifierOutput {
  type: 'logits';
  classes: string[];
}

/** VAE: encoder gives the latent mean `[rows, latentDim]`; decoder gives expected expression `[rows, nGenes]` (log1p of normalised counts). */
export interface VaeOutput {
  latentDim: number;
  decoderOutput: 'log1p_normalized_mean';
  /** The training likelihood, e.g. 'gaussian', 'nb', 'zinb' (informational). */
  likelihood: string;
}

/** Regressor output `[rows, names.length]` float32, one named quantity per column. */
export interface RegressorOutput {
  names: string[];
}

/** Embedding output `[rows, dim]` float32. */
export interface EmbeddingOutput {
  dim: number;
}

/** One tfjs model: a path to its `model.json`, relative to the manifest. */
export interface SingleModelFiles {
  model: string;
}

/** A VAE's two tfjs models: paths to each `model.json`, relative to the manifest. */
export interface VaeFiles {
  encoder: string;
  decoder: string;
}

interface ManifestCommon {
  schemaVersion: 1;
  name: string;
  description?: string;
  input: ManifestInput;
  preprocessing: ManifestPreprocessing;
  /** Free-form training record (data, epochs, seed…), shown as-is. */
  training?: Record<string, unknown>;
  /** Free-form evaluation metrics, shown as-is. */
  metrics?: Record<string, unknown>;
}

/** A classifier manifest. */
export interface ClassifierManifest extends ManifestCommon {
  kind: 'classifier';
  output: ClassifierOutput;
  files: SingleModelFiles;
}

/** A VAE manifest. */
export interface VaeManifest extends ManifestCommon {
  kind: 'vae';
  output: VaeOutput;
  files: VaeFiles;
}

/** A regressor manifest. */
export interface RegressorManifest extends ManifestCommon {
  kind: 'regressor';
  output: RegressorOutput;
  files: SingleModelFiles;
}

/** An embedding-model manifest. */
export interface EmbeddingManifest extends ManifestCommon {
  kind: 'embedding';
  output: EmbeddingOutput;
  files: SingleModelFiles;
}

/** A Glasswing model manifest (schemaVersion 1), discriminated by `kind`. See docs/MANIFEST.md. */
export type Manifest = ClassifierManifest | VaeManifest | RegressorManifest | EmbeddingManifest;

/** `validateManifest`'s answer: a clean copy of the manifest, or every problem found as a sentence. */
export type ManifestValidation = { ok: true; manifest: Manifest } | { ok: false; errors: string[] };

type Json = Record<string, unknown>;

const TOP_KEYS = ['schemaVersion', 'name', 'kind', 'description', 'input', 'preprocessing', 'output', 'files', 'training', 'metrics'];
const OUTPUT_KEYS: Record<ModelKind, string[]> = {
  classifier: ['type', 'classes'],
  vae: ['latentDim', 'decoderOutput', 'likelihood'],
  regressor: ['names'],
  embedding: ['dim'],
};
const FILE_KEYS: Record<ModelKind, string[]> = {
  classifier: ['model'],
  vae: ['encoder', 'decoder'],
  regressor: ['model'],
  embedding: ['model'],
};

/**
 * Checks a parsed `manifest.json` against schema version 1 and returns a clean copy, or every
 * problem as a sentence naming the field, what is wrong and how to fix it.
 */
export function validateManifest(json: unknown): ManifestValidation {
  const errors: string[] = [];
  if (!isObject(json)) {
    return {
      ok: false,
      errors: [
        `The manifest is ${describe(json)}, not a JSON object; it must be an object with schemaVersion, name, kind, input, preprocessing, output and files.`,
      ],
    };
  }
  unknownKeys(json, TOP_KEYS, '', errors);

  const version = json.schemaVersion;
  if (version === undefined) {
    errors.push(`"schemaVersion" is missing; add "schemaVersion": 1.`);
  } else if (version !== MANIFEST_SCHEMA_VERSION) {
    errors.push(
      `"schemaVersion" is ${JSON.stringify(version)}, but this version of Glasswing reads only schemaVersion 1; export the manifest as schemaVersion 1 or update Glasswing.`,
    );
  }
  const name = requireString(json, 'name', 'name', errors, 'a short model name such as "pbmc3k-classifier"');
  const description = optionalString(json, 'description', 'description', errors);

  const kindValue = json.kind;
  let kind: ModelKind | undefined;
  if (kindValue === undefined) {
    errors.push(`"kind" is missing; set it to one of ${quoted(MODEL_KINDS)} to say what the outputs mean.`);
  } else if (typeof kindValue !== 'string' || !(MODEL_KINDS as readonly string[]).includes(kindValue)) {
    errors.push(`"kind" is ${JSON.stringify(kindValue)}, which is not a known model kind; use one of ${quoted(MODEL_KINDS)}.`);
  } else {
    kind = kindValue as ModelKind;
  }

  const input = validateInput(json.input, errors);
  const preprocessing = validatePreprocessing(json.preprocessing, input?.genes.length, errors);
  const output = kind ? validateOutput(kind, json.output, errors) : undefined;
  const files = kind ? validateFiles(kind, json.files, errors) : undefined;
  const training = optionalObject(json, 'training', errors);
  const metrics = optionalObject(json, 'metrics', errors);

  if (errors.length > 0 || !kind || name === undefined || !input || !preprocessing || !output || !files) {
    return { ok: false, errors };
  }
  const manifest = {
    schemaVersion: 1,
    name,
    kind,
    ...(description !== undefined && { description }),
    input,
    preprocessing,
    output,
    files,
    ...(training !== undefined && { training }),
    ...(metrics !== undefined && { metrics }),
  } as Manifest;
  return { ok: true, manifest };
}

function validateInput(value: unknown, errors: string[]): ManifestInput | undefined {
  if (!isObject(value)) {
    errors.push(missingOrWrong('input', value, 'an object with "genes" (the model\'s input genes, in column order) and "geneIdType"'));
    return undefined;
  }
  unknownKeys(value, ['genes', 'geneIdType', 'covariates'], 'input.', errors);
  const genes = validateNameList(
    value.genes,
    'input.genes',
    'gene',
    'list the model\'s input genes in column order, e.g. ["CD3E", "MS4A1"]',
    errors,
  );
  let geneIdType: GeneIdType | undefined;
  if (value.geneIdType === 'symbol' || value.geneIdType === 'ensembl') {
    geneIdType = value.geneIdType;
  } else {
    errors.push(
      value.geneIdType === undefined
        ? `"input.geneIdType" is missing; set it to "symbol" or "ensembl" to say how input.genes names genes.`
        : `"input.geneIdType" is ${JSON.stringify(value.geneIdType)}; use "symbol" or "ensembl".`,
    );
  }
  let covariates: Covariate[] | undefined;
  if (value.covariates !== undefined) covariates = validateCovariates(value.covariates, errors);
  if (!genes || !geneIdType) return undefined;
  return { genes, geneIdType, ...(covariates && { covariates }) };
}

function validateCovariates(value: unknown, errors: string[]): Covariate[] | undefined {
  if (!Array.isArray(value)) {
    errors.push(`"input.covariates" is ${describe(value)}; make it a list of {"name", "size"} objects or remove it.`);
    return undefined;
  }
  const out: Covariate[] = [];
  const seen = new Set<string>();
  value.forEach((c, i) => {
    const field = `input.covariates[${i}]`;
    if (!isObject(c)) {
      errors.push(`"${field}" is ${describe(c)}; make it an object such as {"name": "batch", "size": 3}.`);
      return;
    }
    unknownKeys(c, ['name', 'size', 'description'], `${field}.`, errors);
    const name = requireString(c, 'name', `${field}.name`, errors, 'the covariate\'s name, e.g. "batch"');
    const size = positiveInteger(c.size, `${field}.size`, 'the number of input columns it adds (e.g. 1 for library size)', errors);
    const description = optionalString(c, 'description', `${field}.description`, errors);
    if (name !== undefined && seen.has(name)) {
      errors.push(`"${field}.name" repeats the covariate "${name}"; give each covariate a unique name.`);
    }
    if (name !== undefined) seen.add(name);
    if (name !== undefined && size !== undefined) out.push({ name, size, ...(description !== undefined && { description }) });
  });
  return out.length === value.length ? out : undefined;
}

function validatePreprocessing(value: unknown, nGenes: number | undefined, errors: string[]): ManifestPreprocessing | undefined {
  if (!isObject(value)) {
    errors.push(
      missingOrWrong(
        'preprocessing',
        value,
        'an object with "steps", e.g. {"steps": [{"op": "normalize_total", "targetSum": 10000}, {"op": "log1p"}]} (an empty list if the model reads raw values)',
      ),
    );
    return undefined;
  }
  unknownKeys(value, ['steps', 'hvg'], 'preprocessing.', errors);
  if (!Array.isArray(value.steps)) {
    errors.push(
      missingOrWrong('preprocessing.steps', value.steps, 'a list of steps applied in order (an empty list if the model reads raw values)'),
    );
    return undefined;
  }
  const steps: PreprocessStep[] = [];
  const before = errors.length;
  value.steps.forEach((s, i) => {
    const step = validateStep(s, `preprocessing.steps[${i}]`, nGenes, errors);
    if (step) steps.push(step);
  });
  let hvg: HvgInfo | undefined;
  if (value.hvg !== undefined) {
    if (!isObject(value.hvg)) {
      errors.push(`"preprocessing.hvg" is ${describe(value.hvg)}; make it {"flavor": "seurat", "nTopGenes": 2000} or remove it.`);
    } else {
      unknownKeys(value.hvg, ['flavor', 'nTopGenes'], 'preprocessing.hvg.', errors);
      const flavor = requireString(value.hvg, 'flavor', 'preprocessing.hvg.flavor', errors, 'the scanpy flavor used, e.g. "seurat"');
      const nTopGenes = positiveInteger(value.hvg.nTopGenes, 'preprocessing.hvg.nTopGenes', 'the number of genes kept', errors);
      if (flavor !== undefined && nTopGenes !== undefined) hvg = { flavor, nTopGenes };
    }
  }
  if (errors.length > before) return undefined;
  return { steps, ...(hvg && { hvg }) };
}

function validateStep(s: unknown, field: string, nGenes: number | undefined, errors: string[]): PreprocessStep | undefined {
  const ops = ['normalize_total', 'log1p', 'select_genes', 'scale'];
  if (!isObject(s)) {
    errors.push(`"${field}" is ${describe(s)}; make it an object with an "op" (${quoted(ops)}).`);
    return undefined;
  }
  switch (s.op) {
    case 'normalize_total': {
      unknownKeys(s, ['op', 'targetSum'], `${field}.`, errors);
      const t = s.targetSum;
      if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) {
        errors.push(
          `"${field}.targetSum" is ${describe(t)}; set it to the counts per cell after normalisation, a positive number such as 10000.`,
        );
        return undefined;
      }
      return { op: 'normalize_total', targetSum: t };
    }
    case 'log1p':
    case 'select_genes':
      unknownKeys(s, ['op'], `${field}.`, errors);
      return { op: s.op };
    case 'scale': {
      unknownKeys(s, ['op', 'mean', 'std', 'maxValue'], `${field}.`, errors);
      const mean = numberList(s.mean, `${field}.mean`, nGenes, false, errors);
      const std = numberList(s.std, `${field}.std`, nGenes, true, errors);
      let maxValue: number | undefined;
      if (s.maxValue !== undefined) {
        if (typeof s.maxValue !== 'number' || !Number.isFinite(s.maxValue) || s.maxValue <= 0) {
          errors.push(`"${field}.maxValue" is ${describe(s.maxValue)}; set it to a positive clip value such as 10, or remove it.`);
        } else {
          maxValue = s.maxValue;
        }
      }
      if (!mean || !std) return undefined;
      return { op: 'scale', mean, std, ...(maxValue !== undefined && { maxValue }) };
    }
    default:
      errors.push(
        s.op === undefined
          ? `"${field}.op" is missing; set it to one of ${quoted(ops)}.`
          : `"${field}.op" is ${JSON.stringify(s.op)}, which Glasswing cannot apply; use one of ${quoted(ops)}.`,
      );
      return undefined;
  }
}

function validateOutput(kind: ModelKind, value: unknown, errors: string[]): Manifest['output'] | undefined {
  const example: Record<ModelKind, string> = {
    classifier: '{"type": "logits", "classes": ["B", "T"]}',
    vae: '{"latentDim": 10, "decoderOutput": "log1p_normalized_mean", "likelihood": "nb"}',
    regressor: '{"names": ["age"]}',
    embedding: '{"dim": 32}',
  };
  if (!isObject(value)) {
    errors.push(missingOrWrong('output', value, `for a ${kind}, an object such as ${example[kind]}`));
    return undefined;
  }
  unknownKeys(value, OUTPUT_KEYS[kind], 'output.', errors, `for kind "${kind}"`);
  switch (kind) {
    case 'classifier': {
      if (value.type !== 'logits') {
        errors.push(
          `"output.type" is ${describe(value.type)}; a classifier must output logits (before softmax), so set it to "logits" and export the model without its final softmax.`,
        );
      }
      const classes = validateNameList(
        value.classes,
        'output.classes',
        'class',
        'list the class names in logit column order, e.g. ["B", "T", "NK"]',
        errors,
      );
      return classes && value.type === 'logits' ? { type: 'logits', classes } : undefined;
    }
    case 'vae': {
      const latentDim = positiveInteger(
        value.latentDim,
        'output.latentDim',
        'the number of latent dimensions (columns of the encoder mean)',
        errors,
      );
      if (value.decoderOutput !== 'log1p_normalized_mean') {
        errors.push(
          `"output.decoderOutput" is ${describe(value.decoderOutput)}; the decoder must output the expected expression on the input scale (log1p of normalised counts), so set it to "log1p_normalized_mean".`,
        );
      }
      const likelihood = requireString(
        value,
        'likelihood',
        'output.likelihood',
        errors,
        'the training likelihood, e.g. "gaussian", "nb" or "zinb"',
      );
      return latentDim !== undefined && likelihood !== undefined && value.decoderOutput === 'log1p_normalized_mean'
        ? { latentDim, decoderOutput: 'log1p_normalized_mean', likelihood }
        : undefined;
    }
    case 'regressor': {
      const names = validateNameList(value.names, 'output.names', 'output', 'list one name per output column, e.g. ["age"]', errors);
      return names ? { names } : undefined;
    }
    case 'embedding': {
      const dim = positiveInteger(value.dim, 'output.dim', 'the number of embedding columns', errors);
      return dim !== undefined ? { dim } : undefined;
    }
  }
}

function validateFiles(kind: ModelKind, value: unknown, errors: string[]): Manifest['files'] | undefined {
  const keys = FILE_KEYS[kind];
  if (!isObject(value)) {
    const example = keys.map((k) => `"${k}": "${k === 'model' ? '' : `${k}/`}model.json"`).join(', ');
    errors.push(missingOrWrong('files', value, `for a ${kind}, an object such as {${example}} with paths relative to the manifest`));
    return undefined;
  }
  unknownKeys(value, keys, 'files.', errors, `for kind "${kind}"`);
  const out: Record<string, string> = {};
  for (const key of keys) {
    const path = relativeModelPath(value[key], `files.${key}`, errors);
    if (path !== undefined) out[key] = path;
  }
  return Object.keys(out).length === keys.length ? (out as unknown as Manifest['files']) : undefined;
}

/** Accepts a relative path to a tfjs model.json that stays inside the model's folder. */
function relativeModelPath(value: unknown, field: string, errors: string[]): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    errors.push(missingOrWrong(field, value, 'the path of a tfjs model.json relative to the manifest, e.g. "model.json"'));
    return undefined;
  }
  // Models load from the same folder as their manifest: no network (privacy) and no escaping the folder.
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) || value.startsWith('/') || value.startsWith('\\')) {
    errors.push(
      `"${field}" is "${value}", an absolute path or URL; give a path relative to the manifest, e.g. "model.json", and put the file beside it.`,
    );
    return undefined;
  }
  if (value.split(/[\\/]/).includes('..')) {
    errors.push(
      `"${field}" is "${value}", which leaves the model's folder; move the file beside the manifest and give a path without "..".`,
    );
    return undefined;
  }
  if (!value.toLowerCase().endsWith('.json')) {
    errors.push(
      `"${field}" is "${value}", which is not a .json file; point it at the tfjs model.json (the weight .bin files are found from it).`,
    );
    return undefined;
  }
  return value;
}

/** A non-empty list of unique, non-empty strings (genes, classes, output names). */
function validateNameList(value: unknown, field: string, noun: string, fix: string, errors: string[]): string[] | undefined {
  if (!Array.isArray(value)) {
    errors.push(missingOrWrong(field, value, `a list of strings; ${fix}`));
    return undefined;
  }
  if (value.length === 0) {
    errors.push(`"${field}" is empty; ${fix}.`);
    return undefined;
  }
  const bad = value.findIndex((v) => typeof v !== 'string' || v.trim() === '');
  if (bad >= 0) {
    errors.push(`"${field}[${bad}]" is ${describe(value[bad])}; every ${noun} must be a non-empty string.`);
    return undefined;
  }
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const v of value as string[]) {
    if (seen.has(v)) duplicates.add(v);
    seen.add(v);
  }
  if (duplicates.size > 0) {
    const shown = [...duplicates]
      .slice(0, 5)
      .map((d) => `"${d}"`)
      .join(', ');
    const more = duplicates.size > 5 ? ` and ${duplicates.size - 5} more` : '';
    errors.push(`"${field}" repeats ${shown}${more}; each ${noun} must appear once, so remove or rename the duplicates.`);
    return undefined;
  }
  return [...(value as string[])];
}

/** A list of finite numbers, one per gene when the gene count is known; `isPositive` for std. */
function numberList(
  value: unknown,
  field: string,
  nGenes: number | undefined,
  isPositive: boolean,
  errors: string[],
): number[] | undefined {
  if (!Array.isArray(value)) {
    errors.push(missingOrWrong(field, value, 'a list of numbers, one per input gene'));
    return undefined;
  }
  if (nGenes !== undefined && value.length !== nGenes) {
    errors.push(`"${field}" has ${value.length} values but input.genes has ${nGenes}; give one value per input gene, in the same order.`);
    return undefined;
  }
  const bad = value.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v) || (isPositive && v <= 0));
  if (bad >= 0) {
    const need = isPositive ? 'a positive number (a zero std would divide by zero; use 1 for constant genes)' : 'a finite number';
    errors.push(`"${field}[${bad}]" is ${describe(value[bad])}; every entry must be ${need}.`);
    return undefined;
  }
  return [...(value as number[])];
}

function positiveInteger(value: unknown, field: string, meaning: string, errors: string[]): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
  errors.push(`"${field}" is ${describe(value)}; set it to a whole number ≥ 1: ${meaning}.`);
  return undefined;
}

function requireString(obj: Json, key: string, field: string, errors: string[], meaning: string): string | undefined {
  const v = obj[key];
  if (typeof v === 'string' && v.trim() !== '') return v;
  errors.push(missingOrWrong(field, v, `a non-empty string: ${meaning}`));
  return undefined;
}

function optionalString(obj: Json, key: string, field: string, errors: string[]): string | undefined {
  const v = obj[key];
  if (v === undefined || typeof v === 'string') return v;
  errors.push(`"${field}" is ${describe(v)}; make it a string or remove it.`);
  return undefined;
}

function optionalObject(obj: Json, key: string, errors: string[]): Record<string, unknown> | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (isObject(v)) return v;
  errors.push(`"${key}" is ${describe(v)}; make it an object of named values or remove it.`);
  return undefined;
}

/** Unknown keys are usually typos ("clases"), which would otherwise be ignored silently. */
function unknownKeys(obj: Json, known: string[], prefix: string, errors: string[], context = ''): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      const where = context ? ` ${context}` : '';
      errors.push(`"${prefix}${key}" is not a manifest field${where}; check its spelling (known: ${quoted(known)}) or remove it.`);
    }
  }
}

function missingOrWrong(field: string, value: unknown, want: string): string {
  return value === undefined ? `"${field}" is missing; add ${want}.` : `"${field}" is ${describe(value)}; it must be ${want}.`;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short, safe description of a bad value for an error sentence. */
function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

function quoted(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}
