import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { seededRandom } from '../../../src/device/faults.ts';
import {
  buildWinDcDiscoveryRequest,
  parseWinDcDiscoveryRequest,
  resolveWinDcAuthPolicy,
  validateWinDcDiscoveryRequest,
} from '../../../src/protocol/discovery/index.ts';
import { codeOf, onlyProtocolErrors, ownFixture, SHARED, SHARED_MISSING, sharedFile } from '../mde2/helpers.ts';

/** The JSON code blocks of seed 003, in page order. */
function seedExamples(): unknown[] {
  const name = readdirSync(join(SHARED, 'seeds')).find((n) => n.startsWith('003_'));
  assert.ok(name, 'seed 003 not found');
  const text = sharedFile(`seeds/${name}`);
  return [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] as string));
}

describe('WinDC discovery request: the seed 003 examples', { skip: SHARED_MISSING }, () => {
  it('every request example validates; the AuthPolicy follows the rules, not the example labels', () => {
    const examples = seedExamples();
    const requests = examples.filter((e) => typeof e === 'object' && e !== null && 'osVersion' in e);
    assert.equal(requests.length, 6);
    const parsed = requests.map(validateWinDcDiscoveryRequest);
    assert.deepEqual(parsed[0], {
      osVersion: '10.0.00000.0',
      enrollmentType: 'Device',
      upn: 'johndoe@contoso.com',
      userDomain: 'contoso.com',
      tenantId: '00000000-0000-0000-0000-000000000000',
      emmDeviceId: '00000000-0000-0000-0000-000000000000',
    });
    assert.deepEqual(
      parsed.map((p) => [p.enrollmentType, p.upn !== undefined]),
      [
        ['Device', true],
        // The seed labels this one "Entra registered" but sends "Device": the rules make it Federated.
        ['Device', true],
        ['Device', false],
        ['User', false],
        ['Device', true],
        ['User', true],
      ],
    );
    assert.deepEqual(
      parsed.map((p) => {
        const d = resolveWinDcAuthPolicy(p);
        return d.ok ? d.authPolicy : d.reason;
      }),
      // 10.0.00000.0 is a placeholder build, so the two User examples are below the supported builds.
      ['Federated', 'Federated', 'Federated', 'platform-unsupported', 'Federated', 'platform-unsupported'],
    );
  });
});

describe('WinDC discovery request: own fixtures', () => {
  it('Entra joined body with every field', () => {
    assert.deepEqual(parseWinDcDiscoveryRequest(ownFixture('discovery-request-entra-joined.json')), {
      osVersion: '10.0.22631.4460',
      enrollmentType: 'Device',
      upn: 'ana.lima@fabrikam.test',
      userDomain: 'fabrikam.test',
      tenantId: '3c2b1a09-8f7e-4d6c-b5a4-93827160f5e4',
      emmDeviceId: '6f1c0a52-3e8d-4b7a-9c21-d04e5f6a7b8c',
    });
  });

  it('Entra registered body: unknown fields ignored, Certificate on a supported build', () => {
    const req = parseWinDcDiscoveryRequest(
      new TextEncoder().encode(ownFixture('discovery-request-entra-registered.json')),
    );
    assert.deepEqual(req, {
      osVersion: '10.0.19045.4717',
      enrollmentType: 'User',
      userDomain: 'fabrikam.test',
      emmDeviceId: '6f1c0a52-3e8d-4b7a-9c21-d04e5f6a7b8c',
    });
    assert.deepEqual(resolveWinDcAuthPolicy(req), { ok: true, authPolicy: 'Certificate' });
  });

  it('legacy body without enrollmentType is Entra joined', () => {
    const req = parseWinDcDiscoveryRequest(ownFixture('discovery-request-legacy.json'));
    assert.equal(req.enrollmentType, undefined);
    assert.deepEqual(resolveWinDcAuthPolicy(req), { ok: true, authPolicy: 'Federated' });
    assert.deepEqual(resolveWinDcAuthPolicy({ ...req, enrollmentType: '' }), { ok: true, authPolicy: 'Federated' });
  });

  it('normalises: BOM, surrounding spaces, value case, key case, null as absent, empty UPN as absent', () => {
    const req = parseWinDcDiscoveryRequest(
      '\uFEFF{"OSVERSION":" 10.0.26100.1301 ","EnrollmentType":"user","upn":"  ","tenantId":null,"osVersion2":1}',
    );
    assert.deepEqual(req, { osVersion: '10.0.26100.1301', enrollmentType: 'User' });
    // The exact spelling wins over a case variant.
    assert.equal(parseWinDcDiscoveryRequest('{"OSVersion":"bad","osVersion":"10.0.1.2"}').osVersion, '10.0.1.2');
    assert.equal(parseWinDcDiscoveryRequest('{"osVersion":"10.0.1.2","enrollmentType":""}').enrollmentType, '');
  });

  it('build → parse', () => {
    const req = {
      osVersion: '10.0.26200.9278',
      enrollmentType: 'User' as const,
      upn: 'kim@northwind.test',
      userDomain: 'northwind.test',
      tenantId: 't',
      emmDeviceId: 'e',
    };
    const json = buildWinDcDiscoveryRequest(req);
    assert.deepEqual(Object.keys(JSON.parse(json)), [
      'userDomain',
      'upn',
      'tenantId',
      'emmDeviceId',
      'enrollmentType',
      'osVersion',
    ]);
    assert.deepEqual(parseWinDcDiscoveryRequest(json), req);
  });
});

describe('WinDC discovery request: refusals', () => {
  const cases: Array<[string, string | Uint8Array, string]> = [
    ['not JSON', '{"osVersion":', 'DISCOVERY_BAD_JSON'],
    ['JSON but an array', '[{"osVersion":"10.0.1.2"}]', 'DISCOVERY_BAD_JSON'],
    ['JSON but a string', '"10.0.1.2"', 'DISCOVERY_BAD_JSON'],
    ['JSON null', 'null', 'DISCOVERY_BAD_JSON'],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 'DISCOVERY_BAD_JSON'],
    ['empty body', '', 'DISCOVERY_BAD_JSON'],
    ['no osVersion', '{"enrollmentType":"Device"}', 'DISCOVERY_MISSING_OS_VERSION'],
    ['empty osVersion', '{"osVersion":"   "}', 'DISCOVERY_MISSING_OS_VERSION'],
    ['osVersion as a number', '{"osVersion":10}', 'DISCOVERY_BAD_FIELD'],
    ['upn as an object', '{"osVersion":"10.0.1.2","upn":{"a":1}}', 'DISCOVERY_BAD_FIELD'],
    ['osVersion not a version', '{"osVersion":"Windows 11"}', 'DISCOVERY_BAD_OS_VERSION'],
    ['osVersion with five parts', '{"osVersion":"10.0.1.2.3"}', 'DISCOVERY_BAD_OS_VERSION'],
    ['unknown enrollmentType', '{"osVersion":"10.0.1.2","enrollmentType":"Kiosk"}', 'DISCOVERY_BAD_ENROLLMENT_TYPE'],
    ['enrollmentType as a boolean', '{"osVersion":"10.0.1.2","enrollmentType":true}', 'DISCOVERY_BAD_FIELD'],
    ['oversized', `{"osVersion":"10.0.1.2","pad":"${'x'.repeat(70_000)}"}`, 'DISCOVERY_TOO_LARGE'],
  ];
  for (const [name, body, code] of cases)
    it(name, () =>
      assert.equal(
        codeOf(() => parseWinDcDiscoveryRequest(body)),
        code,
      ),
    );

  it('a caller-chosen size cap is honoured', () => {
    assert.equal(
      codeOf(() => parseWinDcDiscoveryRequest('{"osVersion":"10.0.1.2"}', 10)),
      'DISCOVERY_TOO_LARGE',
    );
  });

  it('a deeply nested unknown field is ignored, not a stack overflow', () => {
    const body = `{"osVersion":"10.0.1.2","x":${'['.repeat(30_000)}${']'.repeat(30_000)}}`;
    assert.deepEqual(parseWinDcDiscoveryRequest(body), { osVersion: '10.0.1.2' });
  });

  it('prototype keys are plain data', () => {
    const req = parseWinDcDiscoveryRequest(
      '{"__proto__":{"osVersion":"10.0.9.9"},"constructor":"x","osVersion":"10.0.1.2"}',
    );
    assert.deepEqual(req, { osVersion: '10.0.1.2' });
    assert.equal(({} as Record<string, unknown>).osVersion, undefined);
  });

  it('random mutations only ever raise ProtocolError', () => {
    const rnd = seededRandom(3);
    const text = ownFixture('discovery-request-entra-joined.json');
    for (let i = 0; i < 500; i++) {
      let s = text;
      const at = Math.floor(rnd() * s.length);
      s = s.slice(0, at) + ['"', '{', '}', ',', ':', '\\', 'null', '1', ''][Math.floor(rnd() * 9)] + s.slice(at + 1);
      onlyProtocolErrors(() => parseWinDcDiscoveryRequest(s), `#${i}`);
    }
  });
});
