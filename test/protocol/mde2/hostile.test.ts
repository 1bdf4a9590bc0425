import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import { seededRandom } from '../../../src/device/faults.ts';
import { ProtocolError } from '../../../src/protocol/errors.ts';
import {
  buildWindowsCsr,
  decodeCsr,
  mdmProvisioningProblems,
  NS,
  parseProvisioningDoc,
  parseSoapEnvelope,
  readDiscoverRequest,
  readDiscoverResponse,
  readGetPoliciesRequest,
  readGetPoliciesResponse,
  readMdmProvisioning,
  readRequestSecurityToken,
  readRequestSecurityTokenResponse,
  readSoapFault,
  verifyCsrSignature,
} from '../../../src/protocol/mde2/index.ts';
import { codeOf, onlyProtocolErrors, ownFixture } from './helpers.ts';

const READERS = [
  readDiscoverRequest,
  readDiscoverResponse,
  readGetPoliciesRequest,
  readGetPoliciesResponse,
  readRequestSecurityToken,
  readRequestSecurityTokenResponse,
] as const;

const SOAP_FIXTURES = [
  'discover-request.xml',
  'discover-request-doc-quirks.xml',
  'getpolicies-request-certificate.xml',
  'getpolicies-request-federated.xml',
  'rst-request.xml',
  'rstr-response.xml',
  'fault-detail.xml',
];

const NOISE = ['<', '>', '&', '"', '/', '=', ':', ' ', '\0', '\uFFFF', '&amp;', ']]>', '<!--', 'xmlns="x"', 'A', '9'];

function mutate(text: string, rnd: () => number): string {
  let s = text;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rnd() * s.length);
    const r = rnd();
    if (r < 0.4) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 8));
    else if (r < 0.8) s = s.slice(0, at) + NOISE[Math.floor(rnd() * NOISE.length)] + s.slice(at);
    else s = s.slice(0, at) + s.slice(at, at + 20).toUpperCase() + s.slice(at + 20);
  }
  return s;
}

describe('mde2 hostile input: only ProtocolError ever escapes', () => {
  it('entity expansion and external entities are refused before any expansion', () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>' +
      `<s:Envelope xmlns:s="${NS.soap12}"><s:Body>&lol2;</s:Body></s:Envelope>`;
    const xxe = `<!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><s:Envelope xmlns:s="${NS.soap12}">&x;</s:Envelope>`;
    for (const xml of [laughs, xxe]) {
      assert.equal(
        codeOf(() => parseSoapEnvelope(xml)),
        'XML_DOCTYPE_FORBIDDEN',
      );
      assert.equal(
        codeOf(() => parseProvisioningDoc(xml)),
        'XML_DOCTYPE_FORBIDDEN',
      );
    }
  });

  it('element floods and undefined entities', () => {
    const flood = `<s:Envelope xmlns:s="${NS.soap12}"><s:Body>${'<x/>'.repeat(20_000)}</s:Body></s:Envelope>`;
    assert.equal(
      codeOf(() => parseSoapEnvelope(flood)),
      'XML_TOO_MANY_NODES',
    );
    assert.equal(
      codeOf(() => parseSoapEnvelope(`<s:Envelope xmlns:s="${NS.soap12}">&bogus;</s:Envelope>`)),
      'XML_MALFORMED',
    );
  });

  it('random mutations of every SOAP fixture', () => {
    const rnd = seededRandom(0x5eed);
    let parsed = 0;
    for (const name of SOAP_FIXTURES) {
      const text = ownFixture(name).replace('__CSR__', 'MAA=');
      for (let i = 0; i < 250; i++) {
        const m = mutate(text, rnd);
        onlyProtocolErrors(() => {
          const env = parseSoapEnvelope(m);
          parsed++;
          readSoapFault(env);
          for (const read of READERS) onlyProtocolErrors(() => read(env), `${name}#${i} ${read.name}`);
        }, `${name}#${i}`);
      }
    }
    // The mutations must leave many messages parseable, or the readers were never exercised.
    assert.ok(parsed > 300, `only ${parsed} mutated envelopes parsed`);
  });

  it('random mutations of the provisioning document', () => {
    const rnd = seededRandom(42);
    const text = ownFixture('provisioning-doc.xml');
    for (let i = 0; i < 500; i++) {
      onlyProtocolErrors(
        () => mdmProvisioningProblems(readMdmProvisioning(parseProvisioningDoc(mutate(text, rnd)))),
        `#${i}`,
      );
    }
  });

  it('random byte corruption of a CSR: decode and verify answer or refuse, never crash', async () => {
    const keys = (await webcrypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]) },
      true,
      ['sign', 'verify'],
    )) as webcrypto.CryptoKeyPair;
    const der = await buildWindowsCsr({ keys, commonName: 'A!B', deviceId: 'B' });
    const rnd = seededRandom(7);
    let decoded = 0;
    for (let i = 0; i < 400; i++) {
      const bad = new Uint8Array(der);
      for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) bad[Math.floor(rnd() * bad.length)] = Math.floor(rnd() * 256);
      let csr: ReturnType<typeof decodeCsr> | undefined;
      onlyProtocolErrors(() => {
        csr = decodeCsr(bad);
      }, `#${i}`);
      if (!csr) continue;
      decoded++;
      try {
        assert.equal(typeof (await verifyCsrSignature(csr)), 'boolean');
      } catch (e) {
        assert.ok(e instanceof ProtocolError, `#${i}: ${String(e)}`);
      }
    }
    assert.ok(decoded > 50, `only ${decoded} corrupted CSRs decoded`);
  });
});
