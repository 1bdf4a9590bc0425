import assert from 'node:assert/strict';
import {
  buildSyncML,
  parseSyncML,
  type SyncMLCommand,
  type SyncMLMessage,
} from '../../../src/protocol/syncml/index.ts';
import { ownFixtureIn, sharedFile } from '../../support/protocol.ts';

export { codeOf, errorOf, SHARED, SHARED_MISSING } from '../../support/protocol.ts';

export function ownFixture(name: string): string {
  return ownFixtureIn('syncml', name);
}

/** A shared file's SyncML text; `.http.txt` captures hold HTTP headers, a blank line, then the body. */
export function sharedFixture(rel: string): string {
  const text = sharedFile(rel);
  if (!rel.endsWith('.http.txt')) return text;
  const blank = text.search(/\r?\n\r?\n/);
  assert.ok(blank >= 0, `${rel} has no blank line after its headers`);
  return text.slice(blank).replace(/^\r?\n\r?\n/, '');
}

/** parse → build → parse gives the same model, and building is deterministic. */
export function assertRoundTrip(m: SyncMLMessage): void {
  const xml = buildSyncML(m);
  const again = parseSyncML(xml);
  assert.deepStrictEqual(again, m);
  assert.equal(buildSyncML(again), xml);
}

export function kinds(m: { commands: ReadonlyArray<{ kind: string }> }): string[] {
  return m.commands.map((c) => c.kind);
}

/** A minimal valid message around `body`, for error and edge-case tests. */
export function wrapBody(body: string, ns = 'SYNCML:SYNCML1.2'): string {
  return (
    `<SyncML xmlns="${ns}"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID>` +
    '<MsgID>1</MsgID><Target><LocURI>https://s.example/dm</LocURI></Target><Source><LocURI>DEV1</LocURI></Source>' +
    `</SyncHdr><SyncBody>${body}</SyncBody></SyncML>`
  );
}

/** The i-th command, asserted to be of `kind` and typed accordingly. */
export function nth<K extends SyncMLCommand['kind']>(
  list: { commands: readonly SyncMLCommand[] } | readonly SyncMLCommand[],
  i: number,
  kind: K,
): Extract<SyncMLCommand, { kind: K }> {
  const cmds = Array.isArray(list) ? list : (list as { commands: readonly SyncMLCommand[] }).commands;
  const c = cmds[i];
  assert.equal(c?.kind, kind, `command ${i} is ${c?.kind}, expected ${kind}`);
  return c as Extract<SyncMLCommand, { kind: K }>;
}
