/**
 * The user's regressor or embedding model, which sits beside the classifier and the VAE: what it
 * outputs for every cell (named regressor columns, or embedding dimensions) and the single-cell
 * attribution target of one output column. engine.ts owns the model and its input and calls these.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tensor2D } from '@tensorflow/tfjs';
import type { GradientFn } from '../core/attribution/batching.ts';
import { denseLatentGradient, type DenseStack } from '../core/attribution/dense_backprop.ts';
import { outputTarget, type BatchModel, type TargetFn } from '../core/attribution/targets.ts';
import type { EmbeddingManifest, RegressorManifest } from '../core/model/manifest.ts';
import type { ClassifierSpec } from './user_model.ts';
import type { ExtraOutputs } from './protocol.ts';

type Tf = typeof tfjs;

/** A checked regressor or embedding, kept in memory so each backend loads its own copy. */
export interface ExtraModel {
  manifest: RegressorManifest | EmbeddingManifest;
  artifacts: tfjs.io.ModelArtifacts;
  /** Its tfjs format and output name (never a probability output). */
  spec: ClassifierSpec;
}

/** Output names: a regressor's declared names, or `dim 1..K` for an embedding. */
export function extraOutputNames(manifest: RegressorManifest | EmbeddingManifest): string[] {
  return manifest.kind === 'regressor' ? manifest.output.names : Array.from({ length: manifest.output.dim }, (_, k) => `dim ${k + 1}`);
}

/** The model's first output as `[rows, nOut]` (a LayersModel may return a list). */
function firstOutput(model: tfjs.LayersModel): BatchModel {
  return (t) => {
    const y = model.apply(t);
    return (Array.isArray(y) ? y[0] : y) as Tensor2D;
  };
}

/**
 * Runs the model over every cell through `runBatched` (the engine's batched, cancellable loop over
 * this model's input) and checks its width against the manifest.
 */
export async function runExtraModel(
  manifest: RegressorManifest | EmbeddingManifest,
  runBatched: (fn: (t: Tensor2D) => tfjs.Tensor, label: string) => Promise<Float32Array>,
  model: tfjs.LayersModel,
): Promise<ExtraOutputs> {
  const t0 = performance.now();
  const names = extraOutputNames(manifest);
  const fn = firstOutput(model);
  const label = manifest.kind === 'regressor' ? `Running ${manifest.name}` : `Embedding with ${manifest.name}`;
  const values = await runBatched((t) => {
    const y = fn(t);
    if (y.shape[1] !== names.length) {
      throw new Error(
        `${manifest.name} outputs ${y.shape[1]} columns but its manifest.json declares ${names.length}; fix output.${manifest.kind === 'regressor' ? 'names' : 'dim'}.`,
      );
    }
    return y;
  }, label);
  return { kind: manifest.kind, name: manifest.name, names, nOut: names.length, values, ms: performance.now() - t0 };
}

/**
 * The single-cell target "output column `index`" of the extra model, with the Dense fast gradient
 * when the model is a Dense chain (a regressor output or embedding dimension is one linear column, like z_k).
 */
export function explainOutputTarget(
  tf: Tf,
  manifest: RegressorManifest | EmbeddingManifest,
  model: tfjs.LayersModel,
  index: number,
  stack: DenseStack | null,
): { target: TargetFn; gradientFn: GradientFn | undefined; name: string } {
  const names = extraOutputNames(manifest);
  if (!Number.isInteger(index) || index < 0 || index >= names.length) {
    throw new Error(`${manifest.name} has ${names.length} outputs (0 to ${names.length - 1}); output ${index} does not exist.`);
  }
  const what = manifest.kind === 'regressor' ? 'regressor output' : 'embedding dimension';
  return {
    target: outputTarget(tf, firstOutput(model), index, what),
    gradientFn: stack ? denseLatentGradient(tf, stack, index) : undefined,
    name: names[index],
  };
}
