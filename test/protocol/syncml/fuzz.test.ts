// Property: whatever is done to a real message, decoding returns or throws a ProtocolError — never anything else —
// and whatever decodes also re-encodes to itself. Seeded, so a failure names the iteration that reproduces it.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { seededRandom } from '../../../src/device/faults.ts';
import { ProtocolError } from '../../../src/protocol/errors.ts';
import {
  buildSyncML,
  parseSyncML,
  parseSyncMLFragment,
  parseSyncMLTolerant,
} from '../../../src/protocol/syncml/index.ts';
import { ownFixture, SHARED, SHARED_MISSING, sharedFixture } from './helpers.ts';

// Override to explore: SYNCML_FUZZ_SEED=123 SYNCML_FUZZ_ITERATIONS=100000 node scripts/run-tests.mjs syncml/fuzz
const SEED = Number(process.env.SYNCML_FUZZ_SEED ?? 0x5eed_0dc1);
const ITERATIONS = Number(process.env.SYNCML_FUZZ_ITERATIONS ?? 3000);

function corpus(): string[] {
  const own = [
    'package1.xml',
    'results-multi-item.xml',
    'atomic-nested.xml',
    'sequence.xml',
    'status-chal.xml',
    'namespace11.xml',
    'cdata-data.xml',
    'status-originalerror.xml',
    'large-object-chunk.xml',
  ].map(ownFixture);
  if (SHARED_MISSING) return own;
  const dir = 'fixtures/windows-26200';
  const native = readdirSync(join(SHARED, dir))
    .filter((f) => f.endsWith('.xml'))
    .map((f) => sharedFixture(`${dir}/${f}`))
    .filter((t) => t.length < 4096); // the 16 KB Results add time, not new shapes
  return [...own, ...native];
}

const CHARS = [
  '<',
  '>',
  '&',
  '/',
  '"',
  "'",
  '=',
  ' ',
  '\n',
  ']]>',
  '<![CDATA[',
  '&#0;',
  '&#x1F600;',
  '\u0000',
  '\ud800',
  'é',
  'x',
  '0',
  '-',
];
const TAGS = [
  'Final',
  'Item',
  'CmdID',
  'Data',
  'Meta',
  'Atomic',
  'Status',
  'Sync',
  'MoreData',
  'LocURI',
  'SyncHdr',
  'x:y',
];

type Rand = () => number;
const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
const at = (r: Rand, s: string) => Math.floor(r() * (s.length + 1));

/** Start and end of a random element, found by its start tag and the next matching end tag. */
function elementSpan(r: Rand, s: string): [number, number] | undefined {
  const starts: number[] = [];
  for (let i = s.indexOf('<'); i >= 0; i = s.indexOf('<', i + 1)) if (/[A-Za-z]/.test(s[i + 1] ?? '')) starts.push(i);
  if (starts.length === 0) return undefined;
  const start = pick(r, starts);
  const name = /^<([A-Za-z:]+)/.exec(s.slice(start))?.[1] ?? '';
  const selfClose = s.indexOf('/>', start);
  const open = s.indexOf('>', start);
  if (selfClose >= 0 && selfClose + 1 === open) return [start, open + 1];
  const close = s.indexOf(`</${name}>`, start);
  return close < 0 ? undefined : [start, close + name.length + 3];
}

const MUTATIONS: Array<(r: Rand, s: string) => string> = [
  (r, s) => {
    const i = at(r, s);
    return s.slice(0, i) + pick(r, CHARS) + s.slice(i + 1);
  },
  (r, s) => s.slice(0, at(r, s)),
  (r, s) => {
    const span = elementSpan(r, s);
    return span ? s.slice(0, span[1]) + s.slice(span[0], span[1]) + s.slice(span[1]) : s;
  },
  (r, s) => {
    const span = elementSpan(r, s);
    return span ? s.slice(0, span[0]) + s.slice(span[1]) : s;
  },
  (r, s) => {
    const doctype = pick(r, [
      '<!DOCTYPE SyncML>',
      '<!DOCTYPE a [<!ENTITY e "&#38;#60;">]>',
      '<!DOCTYPE a SYSTEM "file:///etc/hostname">',
    ]);
    const i = r() < 0.5 ? 0 : at(r, s);
    return s.slice(0, i) + doctype + s.slice(i);
  },
  (r, s) => {
    const i = s.indexOf('>', at(r, s)) + 1;
    const tag = pick(r, TAGS);
    const el = r() < 0.5 ? `<${tag}/>` : `<${tag}>${pick(r, CHARS)}</${tag}>`;
    return i <= 0 ? s : s.slice(0, i) + el + s.slice(i);
  },
];

function mutate(r: Rand, s: string): string | Uint8Array {
  const n = r() < 0.6 ? 1 : 2 + Math.floor(r() * 2);
  for (let k = 0; k < n; k++) s = pick(r, MUTATIONS)(r, s);
  if (r() < 0.1) {
    const bytes = Buffer.from(s);
    if (bytes.length > 0) bytes[Math.floor(r() * bytes.length)] = Math.floor(r() * 256);
    return bytes;
  }
  return s;
}

it(`random mutations of real messages only ever yield ProtocolErrors (${ITERATIONS} iterations)`, (t) => {
  const r = seededRandom(SEED);
  const messages = corpus();
  const codes = new Map<string, number>();
  let decoded = 0;
  const started = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    const input = mutate(r, pick(r, messages));
    const where = () => `iteration ${i} (seed ${SEED}): ${String(Buffer.from(input)).slice(0, 300)}`;
    for (const decode of [parseSyncMLTolerant, parseSyncMLFragment]) {
      try {
        decode(input);
      } catch (e) {
        if (!(e instanceof ProtocolError)) assert.fail(`${decode.name} threw ${String(e)} at ${where()}`);
      }
    }
    try {
      const m = parseSyncML(input);
      decoded++;
      let rebuilt: string;
      try {
        rebuilt = buildSyncML(m);
      } catch (e) {
        assert.fail(`a decoded message did not encode (${String(e)}) at ${where()}`);
      }
      assert.deepStrictEqual(parseSyncML(rebuilt), m, where());
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      if (!(e instanceof ProtocolError)) assert.fail(`parseSyncML threw ${String(e)} at ${where()}`);
      codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
    }
  }
  const ms = performance.now() - started;
  // The mutations must reach past the XML layer, or the property says little about the SyncML decoder.
  assert.ok(decoded > ITERATIONS / 30, `only ${decoded} mutated messages decoded`);
  for (const code of ['XML_MALFORMED', 'XML_DOCTYPE_FORBIDDEN', 'SYNCML_UNEXPECTED_ELEMENT', 'SYNCML_BAD_VALUE']) {
    assert.ok(codes.has(code), `no mutation produced ${code}: ${JSON.stringify([...codes])}`);
  }
  // Reported, not asserted: a loaded CI machine must not turn a timing into a failure.
  t.diagnostic(`${decoded} decoded, ${Math.round(ms)} ms, codes ${JSON.stringify(Object.fromEntries(codes))}`);
});
