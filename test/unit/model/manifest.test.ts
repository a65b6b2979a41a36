import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../../src/core/model/manifest.ts';

function classifier(): Record<string, unknown> {
  return {
    schemaVersion: 1,
    name: 'pbmc3k-classifier',
    kind: 'classifier',
    description: 'MLP cell-type classifier trained on pbmc3k.',
    input: {
      genes: ['CD3E', 'MS4A1', 'LYZ', 'NKG7'],
      geneIdType: 'symbol',
      covariates: [{ name: 'log_library_size', size: 1 }],
    },
    preprocessing: {
      steps: [
        { op: 'normalize_total', targetSum: 10000 },
        { op: 'log1p' },
        { op: 'select_genes' },
        { op: 'scale', mean: [0.1, 0.2, 0.3, 0.4], std: [1, 1.5, 2, 0.5], maxValue: 10 },
      ],
      hvg: { flavor: 'seurat', nTopGenes: 2000 },
    },
    output: { type: 'logits', classes: ['T', 'B', 'Monocyte'] },
    files: { model: 'model.json' },
    training: { epochs: 30, seed: 1 },
    metrics: { accuracy: 0.93 },
  };
}

function vae(): Record<string, unknown> {
  return {
    schemaVersion: 1,
    name: 'pbmc3k-vae',
    kind: 'vae',
    input: { genes: ['ENSG00000198851', 'ENSG00000156738'], geneIdType: 'ensembl' },
    preprocessing: { steps: [{ op: 'normalize_total', targetSum: 10000 }, { op: 'log1p' }, { op: 'select_genes' }] },
    output: { latentDim: 10, decoderOutput: 'log1p_normalized_mean', likelihood: 'nb' },
    files: { encoder: 'encoder/model.json', decoder: 'decoder/model.json' },
  };
}

/** Runs the validator on a modified copy and returns its errors (fails if it was accepted). */
function errorsFor(base: () => Record<string, unknown>, edit: (m: Record<string, any>) => void): string[] {
  const m = base();
  edit(m);
  const res = validateManifest(m);
  if (res.ok) throw new Error('expected the manifest to be rejected');
  return res.errors;
}

describe('validateManifest', () => {
  it('accepts a good classifier manifest and returns an equal, separate copy', () => {
    const json = classifier();
    const res = validateManifest(json);
    expect(res).toEqual({ ok: true, manifest: json });
    if (!res.ok) return;
    expect(res.manifest).not.toBe(json);
    expect(res.manifest.input.genes).not.toBe((json.input as { genes: string[] }).genes);
    if (res.manifest.kind === 'classifier') expect(res.manifest.output.classes).toEqual(['T', 'B', 'Monocyte']);
  });

  it('accepts a good vae manifest', () => {
    const json = vae();
    const res = validateManifest(json);
    expect(res).toEqual({ ok: true, manifest: json });
  });

  it('accepts regressor and embedding manifests', () => {
    const regressor = { ...vae(), kind: 'regressor', output: { names: ['age'] }, files: { model: 'model.json' } };
    const embedding = { ...vae(), kind: 'embedding', output: { dim: 32 }, files: { model: 'm/model.json' } };
    expect(validateManifest(regressor).ok).toBe(true);
    expect(validateManifest(embedding).ok).toBe(true);
  });

  it('rejects missing genes, naming input.genes', () => {
    const errors = errorsFor(classifier, (m) => delete m.input.genes);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^"input\.genes" is missing; add a list of strings/);
  });

  it('rejects an empty gene list', () => {
    const [error] = errorsFor(vae, (m) => (m.input.genes = []));
    expect(error).toMatch(/"input\.genes" is empty/);
  });

  it('rejects duplicate genes, naming them', () => {
    const [error] = errorsFor(classifier, (m) => (m.input.genes = ['CD3E', 'LYZ', 'CD3E', 'LYZ']));
    expect(error).toBe('"input.genes" repeats "CD3E", "LYZ"; each gene must appear once, so remove or rename the duplicates.');
  });

  it('rejects an unknown kind, listing the known ones', () => {
    const errors = errorsFor(classifier, (m) => (m.kind = 'segmenter'));
    expect(errors).toEqual([
      '"kind" is "segmenter", which is not a known model kind; use one of "classifier", "vae", "regressor", "embedding".',
    ]);
  });

  it('rejects a classifier with no classes', () => {
    const [error] = errorsFor(classifier, (m) => (m.output.classes = []));
    expect(error).toMatch(/^"output\.classes" is empty; list the class names in logit column order/);
  });

  it('rejects a wrong or missing schemaVersion', () => {
    expect(errorsFor(classifier, (m) => (m.schemaVersion = 2))).toEqual([
      '"schemaVersion" is 2, but this version of Glasswing reads only schemaVersion 1; export the manifest as schemaVersion 1 or update Glasswing.',
    ]);
    expect(errorsFor(vae, (m) => delete m.schemaVersion)[0]).toMatch(/"schemaVersion" is missing; add "schemaVersion": 1/);
  });

  it('rejects kind-specific problems in output and files', () => {
    expect(errorsFor(vae, (m) => (m.output.decoderOutput = 'counts'))[0]).toMatch(/"output\.decoderOutput" is "counts"/);
    expect(errorsFor(vae, (m) => (m.output.latentDim = 0))[0]).toMatch(/"output\.latentDim" is 0; set it to a whole number ≥ 1/);
    expect(errorsFor(vae, (m) => (m.files = { model: 'model.json' }))).toEqual([
      '"files.model" is not a manifest field for kind "vae"; check its spelling (known: "encoder", "decoder") or remove it.',
      '"files.encoder" is missing; add the path of a tfjs model.json relative to the manifest, e.g. "model.json".',
      '"files.decoder" is missing; add the path of a tfjs model.json relative to the manifest, e.g. "model.json".',
    ]);
    expect(errorsFor(classifier, (m) => (m.output.type = 'probabilities'))[0]).toMatch(/"output\.type" is "probabilities"/);
  });

  it('keeps model files local and inside the model folder', () => {
    expect(errorsFor(classifier, (m) => (m.files.model = 'https://example.com/model.json'))[0]).toMatch(
      /"files\.model" is "https:\/\/example\.com\/model\.json", an absolute path or URL/,
    );
    expect(errorsFor(classifier, (m) => (m.files.model = '../other/model.json'))[0]).toMatch(/"files\.model" .* leaves the model's folder/);
    expect(errorsFor(classifier, (m) => (m.files.model = 'weights.bin'))[0]).toMatch(/"files\.model" .* not a \.json file/);
  });

  it('checks preprocessing steps and their per-gene arrays', () => {
    expect(errorsFor(classifier, (m) => (m.preprocessing.steps[3].mean = [0, 0]))).toEqual([
      '"preprocessing.steps[3].mean" has 2 values but input.genes has 4; give one value per input gene, in the same order.',
    ]);
    expect(errorsFor(classifier, (m) => (m.preprocessing.steps[3].std[1] = 0))[0]).toMatch(/"preprocessing\.steps\[3\]\.std\[1\]" is 0/);
    expect(errorsFor(classifier, (m) => (m.preprocessing.steps[0] = { op: 'sqrt' }))[0]).toMatch(
      /"preprocessing\.steps\[0\]\.op" is "sqrt", which Glasswing cannot apply/,
    );
    expect(errorsFor(classifier, (m) => (m.preprocessing.steps[0].targetSum = -1))[0]).toMatch(
      /"preprocessing\.steps\[0\]\.targetSum" is -1/,
    );
  });

  it('catches misspelt fields and bad covariates', () => {
    expect(errorsFor(classifier, (m) => (m.output.clases = ['x']))).toEqual([
      '"output.clases" is not a manifest field for kind "classifier"; check its spelling (known: "type", "classes") or remove it.',
    ]);
    expect(errorsFor(classifier, (m) => (m.input.covariates = [{ name: 'batch', size: 0 }]))[0]).toMatch(
      /"input\.covariates\[0\]\.size" is 0/,
    );
  });

  it('reports every problem at once, each naming its field', () => {
    const errors = errorsFor(classifier, (m) => {
      m.schemaVersion = 3;
      m.input.geneIdType = 'entrez';
      m.output.classes = ['A', 'A'];
      m.files = {};
    });
    expect(errors.map((e) => e.match(/^"([^"]+)"/)?.[1])).toEqual(['schemaVersion', 'input.geneIdType', 'output.classes', 'files.model']);
  });

  it('rejects something that is not an object', () => {
    expect(validateManifest([1, 2])).toEqual({
      ok: false,
      errors: [
        'The manifest is a list of 2, not a JSON object; it must be an object with schemaVersion, name, kind, input, preprocessing, output and files.',
      ],
    });
    expect(validateManifest(null).ok).toBe(false);
  });
});
