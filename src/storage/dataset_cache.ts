/**
 * The IndexedDB cache of datasets (idb). Each dataset is stored once, keyed by its content hash,
 * as Glasswing's compact body split into Blob chunks of at most 32 MB (Chrome refuses single
 * values over ~127 MiB, and Blobs read back ~5x faster than typed-array values). The metadata
 * record is written last, so a dataset is visible only once every chunk is in; chunks left by an
 * interrupted write are deleted on open. Every chunk carries its SHA-256, checked on reopen.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { decodeCompact, encodeCompact, type CompactHeader } from '../core/data/compact_format.ts';
import { canonicalChunks } from '../core/data/canonical.ts';
import type { Dataset } from '../core/data/dataset.ts';
import { sha256Hex, sha256OfChunks } from './digest.ts';

export const DB_NAME = 'glasswing';
/** v1: datasets + chunks. v2: adds the chunks-by-dataset index and the derived-results store. v3: adds `opened`. */
export const SCHEMA_VERSION = 3;
export const CHUNK_BYTES = 32 * 1024 * 1024;

/** What the cache list shows about a stored dataset. */
export interface DatasetRecord {
  hash: string;
  name: string;
  sourceFileName: string;
  nCells: number;
  nGenes: number;
  nnz: number;
  /** Bytes of the stored body. */
  bytes: number;
  addedAt: number;
  lastOpenedAt: number;
  header: CompactHeader;
  chunkHashes: string[];
}

interface ChunkRecord {
  datasetHash: string;
  index: number;
  blob: Blob;
  sha256: string;
}

/** A cached derived result (embedding, predictions, attributions, layout). */
export interface DerivedRecord {
  key: string;
  datasetHash: string;
  createdAt: number;
  value: unknown;
}

interface CacheSchema extends DBSchema {
  datasets: { key: string; value: DatasetRecord };
  chunks: { key: [string, number]; value: ChunkRecord; indexes: { byDataset: string } };
  derived: { key: string; value: DerivedRecord; indexes: { byDataset: string } };
  /** When each dataset was last opened, apart from its record so a reopen writes a few bytes, not the header. */
  opened: { key: string; value: { hash: string; lastOpenedAt: number } };
}

/** The user's storage is full: the app keeps the dataset in memory and says so. */
export class CacheQuotaError extends Error {
  override name = 'CacheQuotaError';
}

/** A stored chunk no longer matches its hash: the dataset must be imported again. */
export class CacheCorruptError extends Error {
  override name = 'CacheCorruptError';
}

/** Opens (creating or upgrading) the cache database. */
export function openCacheDb(name = DB_NAME): Promise<IDBPDatabase<CacheSchema>> {
  return openDB<CacheSchema>(name, SCHEMA_VERSION, {
    upgrade(db, oldVersion, _newVersion, tx) {
      if (oldVersion < 1) {
        db.createObjectStore('datasets', { keyPath: 'hash' });
        db.createObjectStore('chunks', { keyPath: ['datasetHash', 'index'] });
      }
      if (oldVersion < 2) {
        tx.objectStore('chunks').createIndex('byDataset', 'datasetHash');
        const derived = db.createObjectStore('derived', { keyPath: 'key' });
        derived.createIndex('byDataset', 'datasetHash');
      }
      if (oldVersion < 3) db.createObjectStore('opened', { keyPath: 'hash' });
    },
  });
}

/** Content hash of a dataset (see core/data/canonical.ts). */
export function datasetHash(ds: Dataset): Promise<string> {
  return sha256OfChunks(canonicalChunks(ds));
}

const isQuotaError = (err: unknown) =>
  err instanceof DOMException && (err.name === 'QuotaExceededError' || err.name === 'NS_ERROR_DOM_QUOTA_REACHED');

export class DatasetCache {
  private constructor(private db: IDBPDatabase<CacheSchema>) {}

  /** Opens the cache and removes chunks orphaned by an interrupted write. */
  static async open(name = DB_NAME): Promise<DatasetCache> {
    const cache = new DatasetCache(await openCacheDb(name));
    await cache.removeOrphans();
    return cache;
  }

  close(): void {
    this.db.close();
  }

  /** Complete datasets, most recently opened first. */
  async list(): Promise<DatasetRecord[]> {
    const [all, opened] = await Promise.all([this.db.getAll('datasets'), this.db.getAll('opened')]);
    const at = new Map(opened.map((o) => [o.hash, o.lastOpenedAt]));
    for (const r of all) r.lastOpenedAt = Math.max(r.lastOpenedAt, at.get(r.hash) ?? 0);
    return all.sort((a, b) => b.lastOpenedAt - a.lastOpenedAt);
  }

  /**
   * Stores `ds` (once per content hash) and returns its record. On quota errors it removes what it
   * wrote and throws CacheQuotaError; the caller keeps working in memory.
   */
  async put(ds: Dataset, sourceFileName: string, hash?: string): Promise<DatasetRecord> {
    const key = hash ?? (await datasetHash(ds));
    const existing = await this.db.get('datasets', key);
    if (existing) {
      existing.lastOpenedAt = await this.touch(key);
      return existing;
    }
    const { header, body } = encodeCompact(ds);
    const chunkHashes: string[] = [];
    try {
      for (let index = 0, offset = 0; offset < body.byteLength || index === 0; index++, offset += CHUNK_BYTES) {
        const part = body.subarray(offset, Math.min(body.byteLength, offset + CHUNK_BYTES)) as Uint8Array<ArrayBuffer>;
        const sha256 = await sha256Hex(part);
        chunkHashes.push(sha256);
        // One transaction per chunk keeps each commit small; the record below makes them visible.
        await this.db.put('chunks', { datasetHash: key, index, blob: new Blob([part]), sha256 });
        if (part.byteLength === 0) break;
      }
      const now = Date.now();
      const record: DatasetRecord = {
        hash: key,
        name: ds.name,
        sourceFileName,
        nCells: ds.matrix.nRows,
        nGenes: ds.matrix.nCols,
        nnz: ds.matrix.data.length,
        bytes: body.byteLength,
        addedAt: now,
        lastOpenedAt: now,
        header,
        chunkHashes,
      };
      await this.db.put('datasets', record);
      return record;
    } catch (err) {
      await this.deleteChunks(key);
      if (isQuotaError(err)) {
        throw new CacheQuotaError(
          `There is not enough browser storage to cache ${ds.name} (${(body.byteLength / 1e6).toFixed(0)} MB). It stays open in memory; free space by deleting cached datasets to reopen it instantly next time.`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  /** Reads a cached dataset back; null when absent. Throws CacheCorruptError when a chunk fails its hash. */
  async get(hash: string): Promise<{ dataset: Dataset; record: DatasetRecord } | null> {
    const record = await this.db.get('datasets', hash);
    if (!record) return null;
    const chunks = await this.db.getAll('chunks', IDBKeyRange.bound([hash, 0], [hash, Infinity]));
    if (chunks.length !== record.chunkHashes.length) {
      await this.dropDamaged(hash);
      throw new CacheCorruptError(
        `The cached copy of ${record.name} is missing ${record.chunkHashes.length - chunks.length} of its parts. Open the original file again to re-import it.`,
      );
    }
    const body = await new Blob(chunks.map((c) => c.blob)).arrayBuffer();
    let offset = 0;
    for (let i = 0; i < chunks.length; i++) {
      const size = chunks[i].blob.size;
      if ((await sha256Hex(new Uint8Array(body, offset, size))) !== record.chunkHashes[i]) {
        await this.dropDamaged(hash);
        throw new CacheCorruptError(
          `Part ${i + 1} of the cached copy of ${record.name} is damaged (its checksum does not match). Open the original file again to re-import it.`,
        );
      }
      offset += size;
    }
    const dataset = decodeCompact(record.header, body);
    record.lastOpenedAt = await this.touch(hash);
    return { dataset, record };
  }

  /** Records that `hash` was opened now; returns the time (ms since the epoch). */
  private async touch(hash: string): Promise<number> {
    const lastOpenedAt = Date.now();
    await this.db.put('opened', { hash, lastOpenedAt });
    return lastOpenedAt;
  }

  /** Removes a dataset, its chunks and its derived results. */
  async delete(hash: string): Promise<void> {
    await this.db.delete('datasets', hash);
    await this.db.delete('opened', hash);
    await this.deleteChunks(hash);
    const tx = this.db.transaction('derived', 'readwrite');
    for (const key of await tx.store.index('byDataset').getAllKeys(hash)) await tx.store.delete(key);
    await tx.done;
  }

  /** Caches a derived result under dataset hash + model hash + method parameters. */
  async putDerived(key: string, datasetHash: string, value: unknown): Promise<void> {
    try {
      await this.db.put('derived', { key, datasetHash, createdAt: Date.now(), value });
    } catch (err) {
      // A derived result is recomputable: running out of space is not an error the user must act on.
      if (!isQuotaError(err)) throw err;
    }
  }

  async getDerived<T>(key: string): Promise<T | null> {
    return ((await this.db.get('derived', key))?.value as T | undefined) ?? null;
  }

  /**
   * Forgets a damaged copy (record first, so it is never listed half-gone; then its chunks), so that
   * opening the original file again stores it afresh instead of finding the damaged record.
   */
  private async dropDamaged(hash: string): Promise<void> {
    await this.db.delete('datasets', hash);
    await this.db.delete('opened', hash);
    await this.deleteChunks(hash);
  }

  private async deleteChunks(hash: string): Promise<void> {
    await this.db.delete('chunks', IDBKeyRange.bound([hash, 0], [hash, Infinity]));
  }

  /** Deletes chunks whose dataset record was never written (an interrupted import). */
  async removeOrphans(): Promise<number> {
    const complete = new Set(await this.db.getAllKeys('datasets'));
    const orphanHashes = new Set<string>();
    for (const [hash] of await this.db.getAllKeys('chunks')) if (!complete.has(hash)) orphanHashes.add(hash);
    for (const hash of orphanHashes) await this.deleteChunks(hash);
    return orphanHashes.size;
  }
}

/** Key of a derived result: dataset hash + model hash + method + its parameters (stable JSON). */
export function derivedKey(datasetHash: string, modelHash: string, method: string, params: Record<string, unknown> = {}): string {
  const stable = Object.keys(params)
    .sort()
    .map((k) => `${k}=${JSON.stringify(params[k])}`)
    .join('&');
  return `${datasetHash}|${modelHash}|${method}|${stable}`;
}
