import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { renderErrorsDoc } from '../../scripts/errors-doc.ts';
import { ERROR_CATALOGUE } from '../../src/protocol/errors.ts';

const root = new URL('../..', import.meta.url).pathname;

it('docs/errors.md is generated from the catalogue and current', () => {
  assert.equal(readFileSync(join(root, 'docs/errors.md'), 'utf8'), renderErrorsDoc());
});

it('every error code thrown in src is in the catalogue', () => {
  const used = new Set<string>();
  const walk = (dir: string) => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/ProtocolError\(\s*'([A-Z0-9_]+)'/g)) used.add(m[1] as string);
      }
    }
  };
  walk(join(root, 'src'));
  for (const c of used) assert.ok(c in ERROR_CATALOGUE, `${c} is thrown but not catalogued`);
});
