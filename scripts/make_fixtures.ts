/**
 * npx tsx scripts/make_fixtures.ts: writes the tiny test fixtures under test/fixtures/.
 * Each kind of fixture has its own module; this script only calls them. The HDF5 files
 * (h5ad, loom, Cell Ranger .h5 and their bad-input corpus) come from scripts/fixtures_h5.ts; the
 * hand-written GraphModel from scripts/fixtures_graph_model.ts.
 */
import { statSync } from 'node:fs';
import { writeHdf5Fixtures } from './fixtures_h5.ts';
import { writeGraphModelFixture } from './fixtures_graph_model.ts';

const written = [...(await writeHdf5Fixtures()), ...writeGraphModelFixture()];
console.log(JSON.stringify(Object.fromEntries(written.map((p) => [p, statSync(p).size]))));
