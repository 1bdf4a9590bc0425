import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildResult,
  type DeclaredConfigurationResult,
  formatResultTimestamp,
  parseResult,
  resultChecksum,
  withResultChecksum,
} from '../../../src/protocol/declared/index.ts';
import { codeOf, errorOf, fixture } from './support.ts';

const RESULTS = [
  'dsc-config-result.xml',
  'dsc-inventory-result.xml',
  'csp-wifi-result.xml',
  'csp-vpnv2-user-result.xml',
];

describe('result documents: fixtures', () => {
  it('reads a DSC Set result: state per block, names without values', () => {
    const r = parseResult(fixture('dsc-config-result.xml'));
    assert.equal(r.operation, 'Set');
    assert.equal(r.state, 60);
    assert.equal(r.resultTimestamp, '2025-03-14T09:26:53Z');
    assert.deepEqual(r.blocks, [
      {
        kind: 'DSC',
        namespace: 'root/Microsoft/Windows/DesiredStateConfiguration',
        className: 'MSFT_FileDirectoryConfiguration',
        status: '200',
        state: 60,
        properties: [
          { role: 'Key', name: 'DestinationPath', value: '' },
          { role: 'Value', name: 'Contents', value: '' },
        ],
      },
    ]);
  });

  it('reads a DSC Get result with the values read back', () => {
    const r = parseResult(fixture('dsc-inventory-result.xml'));
    assert.equal(r.operation, 'Get');
    assert.equal(r.state, 80);
    const b = r.blocks[0];
    assert.ok(b?.kind === 'DSC');
    assert.equal(b.properties[1]?.value, 'endpoint=https://telemetry.contoso.test/ingest?site=7&tier=gold\nretries=3');
  });

  it('reads a CSP result with one failed URI', () => {
    const r = parseResult(fixture('csp-wifi-result.xml'));
    assert.equal(r.state, 61);
    const b = r.blocks[0];
    assert.ok(b?.kind === 'CSP');
    assert.equal(b.status, undefined);
    assert.deepEqual(
      b.uris.map((u) => [u.path, u.status, u.state]),
      [
        ['Profile/ContosoCorp/WlanXml', '200', 60],
        ['Profile/ContosoCorp/ProxyPacUrl', '0x86000002', 61],
      ],
    );
  });

  for (const name of RESULTS) {
    it(`${name}: parse(build(x)) equals x, result_checksum is windc's`, () => {
      const text = fixture(name);
      const r = parseResult(text);
      assert.deepEqual(parseResult(buildResult(r)), r);
      assert.equal(r.resultChecksum, resultChecksum(text));
      assert.equal(resultChecksum(buildResult(r)), r.resultChecksum);
    });
  }
});

describe('result documents: rules', () => {
  const base = fixture('csp-vpnv2-user-result.xml');
  const cases: Array<[string, string, string, RegExp]> = [
    [
      'another root',
      base.replace(/DeclaredConfigurationResult/g, 'DeclaredConfiguration'),
      'DC_BAD_RESULT',
      /root element/,
    ],
    ['no result_checksum', base.replace(/ result_checksum="[^"]*"/, ''), 'DC_BAD_RESULT', /no result_checksum/],
    ['no operation', base.replace(' operation="Set"', ''), 'DC_BAD_RESULT', /no operation/],
    ['operation Apply', base.replace('operation="Set"', 'operation="Apply"'), 'DC_BAD_RESULT', /operation 'Apply'/],
    [
      'state 64',
      base.replace('operation="Set" state="60"', 'operation="Set" state="64"'),
      'DC_BAD_RESULT',
      /state '64'/,
    ],
    [
      'a Get state in a Set',
      base.replace('operation="Set" state="60"', 'operation="Set" state="80"'),
      'DC_BAD_RESULT',
      /ends a Get, not a Set/,
    ],
    ['a bad timestamp', base.replace('2025-03-14T09:33:47Z', '14/03/2025 09:33'), 'DC_BAD_RESULT', /not a UTC time/],
    [
      'a local timestamp',
      base.replace('2025-03-14T09:33:47Z', '2025-03-14T09:33:47+01:00'),
      'DC_BAD_RESULT',
      /not a UTC time/,
    ],
    ['a bad URI status', base.replace('status="200"', 'status="OK"'), 'DC_BAD_RESULT', /status 'OK'/],
    [
      'a URI without state',
      base.replace('status="200" state="60" type="chr"', 'status="200" type="chr"'),
      'DC_BAD_RESULT',
      /no state/,
    ],
    ['a CSP block without state', base.replace('VPNv2" state="60"', 'VPNv2"'), 'DC_BAD_RESULT', /<CSP> has no state/],
    [
      'an unknown block',
      base.replace('<CSP ', '<WMI ').replace('</CSP>', '</WMI>'),
      'DC_BAD_RESULT',
      /<WMI> is not a result block/,
    ],
    [
      'a DSC block in an MSFTVPN result',
      base.replace(/<CSP .*<\/CSP>/, '<DSC namespace="n" className="c" status="200" state="60"><Key name="k"/></DSC>'),
      'DC_BAD_RESULT',
      /MSFTVPN result cannot hold <DSC>/,
    ],
    ['an unknown scenario', base.replace('MSFTVPN', 'MSFTVPN2'), 'DC_UNKNOWN_SCENARIO', /MSFTVPN2/],
    [
      'an id that is not a GUID',
      base.replace('E8D61495-7788-416C-A3B4-B286FA6FDF08', 'E8D61495'),
      'DC_BAD_ID',
      /not a GUID/,
    ],
    ['context Machine', base.replace('context="User"', 'context="Machine"'), 'DC_BAD_CONTEXT', /neither/],
  ];
  for (const [what, text, code, message] of cases) {
    it(`refuses ${what} with ${code}`, () => {
      assert.notEqual(text, base);
      const e = errorOf(() => parseResult(text));
      assert.equal(e.code, code);
      assert.match(e.message, message);
    });
  }

  it('ignores attributes it does not know, as devices may add them', () => {
    const r = parseResult(base.replace('state="60">', 'state="60" build="26100">'));
    assert.equal(r.state, 60);
  });

  it('accepts a Get result without a timestamp, as seed 002 shows', () => {
    const r = parseResult(fixture('dsc-inventory-result.xml').replace(/ result_timestamp="[^"]*"/, ''));
    assert.equal(r.resultTimestamp, undefined);
  });
});

describe('result documents: building', () => {
  const set: DeclaredConfigurationResult = withResultChecksum({
    schema: '1.0',
    context: 'Device',
    id: '941E7542-1EC0-4647-8937-8905B8AA07B2',
    scenario: 'MSFTExtensibilityMIProviderConfig',
    checksum: 'A0',
    resultChecksum: '',
    resultTimestamp: formatResultTimestamp(new Date(Date.UTC(2025, 2, 14, 9, 5, 7, 321))),
    operation: 'Set',
    state: 61,
    blocks: [
      {
        kind: 'DSC',
        namespace: 'root/Microsoft/Windows/DesiredStateConfiguration',
        className: 'MSFT_FileDirectoryConfiguration',
        status: '500',
        state: 61,
        properties: [{ role: 'Key', name: 'DestinationPath', value: '' }],
      },
    ],
  });

  it('writes timestamps as Learn does, to the second', () => {
    assert.equal(set.resultTimestamp, '2025-03-14T09:05:07Z');
  });

  it('round-trips', () => {
    assert.deepEqual(parseResult(buildResult(set)), set);
  });

  it('refuses values in a Set result, which only Get results carry', () => {
    const withValue = {
      ...set,
      blocks: [
        { ...(set.blocks[0] as object), properties: [{ role: 'Key', name: 'DestinationPath', value: 'C:\\x' }] },
      ],
    } as DeclaredConfigurationResult;
    assert.match(errorOf(() => buildResult(withValue)).message, /has a value in a Set result/);
  });

  it('refuses a state that is not a DCCSPURIState', () => {
    assert.equal(
      codeOf(() => buildResult({ ...set, state: 5 as never })),
      'DC_BAD_RESULT',
    );
  });
});
