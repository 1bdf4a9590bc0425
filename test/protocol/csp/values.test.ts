import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertValue,
  formatProblem,
  type NodeDefinition,
  type NodeFormat,
  requireNode,
  validateValue,
} from '../../../src/protocol/csp/index.ts';
import { codeOf } from '../declared/support.ts';

const ID = 'EF046312-D737-460B-AA32-2E70BDA831E7';
const DC = './Device/Vendor/MSFT/DeclaredConfiguration';
const P = './Device/Vendor/MSFT/DMClient/Provider/Contoso';

describe('value formats', () => {
  const table: Array<[NodeFormat, string[], string[]]> = [
    ['node', [''], ['x']],
    ['null', [''], ['0']],
    ['chr', ['', 'any text', '<a/>'], []],
    [
      'int',
      ['0', '30', '-5', '+7', '4294967295', '-2147483648'],
      ['', '1.5', '0x10', 'ten', '4294967296', '-2147483649', ' 1'],
    ],
    ['bool', ['true', 'false', 'True', 'FALSE'], ['', '1', '0', 'yes']],
    ['float', ['1', '1.5', '-.5', '2e10'], ['', 'one', '1,5']],
    ['b64', ['', 'QUJD', 'QUI=', 'QQ==', 'QUJD\nREVG'], ['QUJ', 'QU=I', '!!!!']],
    ['bin', ['QUJD'], ['Q']],
    ['xml', ['<a/>', '<a b="1">t</a>'], ['', '<a>', 'text', '<!DOCTYPE a><a/>']],
    ['date', ['2025-03-14'], ['14/03/2025', '2025-3-14']],
    ['time', ['09:26:53', '09:26:53.5Z', '09:26:53+01:00'], ['9:26', '09:26']],
  ];
  for (const [format, good, bad] of table) {
    it(`${format}: accepts ${good.length}, refuses ${bad.length}`, () => {
      for (const v of good) assert.equal(formatProblem(format, v), undefined, `${format} '${v}'`);
      for (const v of bad) assert.equal(typeof formatProblem(format, v), 'string', `${format} '${v}'`);
    });
  }
});

describe('validateValue', () => {
  const node = (locUri: string): NodeDefinition => requireNode(locUri).node;
  const cases: Array<[string, string, 'ok' | RegExp]> = [
    [`${DC}/ManagementServiceConfiguration/RefreshInterval`, '240', 'ok'],
    [`${DC}/ManagementServiceConfiguration/RefreshInterval`, '30', 'ok'],
    [`${DC}/ManagementServiceConfiguration/RefreshInterval`, '29', /29 is outside \[30-4294967295\]/],
    [`${DC}/ManagementServiceConfiguration/RefreshInterval`, 'soon', /'soon' is not an integer/],
    [`${DC}/ManagementServiceConfiguration/CertificateExpirationThreshold`, '0', 'ok'],
    [`${DC}/ManagementServiceConfiguration/StartSyncSessionOnFailure`, 'true', 'ok'],
    [`${DC}/ManagementServiceConfiguration/StartSyncSessionOnFailure`, '1', /not true or false/],
    [`${DC}/Host/Complete/Documents/${ID}/Properties/Abandoned`, '1', 'ok'],
    [`${DC}/Host/Complete/Documents/${ID}/Properties/Abandoned`, '01', 'ok'],
    [`${DC}/Host/Complete/Documents/${ID}/Properties/Abandoned`, '2', /'2' is not one of 0, 1/],
    [`${DC}/Host/Complete/Documents/${ID}/Document`, '<DeclaredConfiguration/>', 'ok'],
    [`${DC}/Host/Complete/Documents/${ID}`, '', 'ok'],
    [`${DC}/Host/Complete/Documents/${ID}`, 'x', /interior node carries no data/],
    [`${P}/LinkedEnrollment/Enroll`, '', 'ok'],
    [`${P}/LinkedEnrollment/Enroll`, 'now', /takes no data/],
    [`${P}/LinkedEnrollment/Priority`, '0', 'ok'],
    [`${P}/LinkedEnrollment/Priority`, '2', /not one of 0, 1/],
    [`${P}/LinkedEnrollment/EnrollStatus`, '8', 'ok'],
    [`${P}/LinkedEnrollment/EnrollStatus`, '9', /not one of 0, 1, 2, 3, 4, 5, 6, 7, 8/],
    [`${P}/LinkedEnrollment/LastError`, '-2147024894', 'ok'],
    [
      `${P}/LinkedEnrollment/DiscoveryEndpoint`,
      'https://discovery.contoso.test/EnrollmentConfiguration?api-version=1.0',
      'ok',
    ],
    [`${P}/SyncApplicationVersion`, '2.0', 'ok'],
    [`${P}/SyncApplicationVersion`, '2', /does not match/],
    [`${P}/ConfigLock/UnlockDuration`, '480', 'ok'],
    [`${P}/ConfigLock/UnlockDuration`, '0', /outside \[1-480\]/],
    [`${P}/EnrollmentType`, 'Full', 'ok'],
    [`${P}/EnrollmentType`, 'full', /not one of Device, Full/],
    [`${P}/RequireMessageSigning`, 'FALSE', 'ok'],
    [`${P}/Poll/IntervalForFirstSetOfRetries`, '-1', /outside \[0-4294967295\]/],
    [`${P}/Recovery/InitiateRecovery`, '1', 'ok'],
    [`${P}/Push/Status`, '9', /not one of/],
  ];
  for (const [locUri, value, expected] of cases) {
    it(`${locUri.replace(/^\.\/Device\/Vendor\/MSFT\//, '')} = '${value}' → ${expected === 'ok' ? 'ok' : 'CSP_BAD_VALUE'}`, () => {
      const def = node(locUri);
      const check = validateValue(def, value);
      if (expected === 'ok') {
        assert.deepEqual(check, { ok: true });
        assertValue(def, value);
      } else {
        assert.ok(!check.ok);
        assert.equal(check.error.code, 'CSP_BAD_VALUE');
        assert.match(check.error.message, expected);
        assert.ok(check.error.message.startsWith(def.path), 'the message names the node');
        assert.equal(
          codeOf(() => assertValue(def, value)),
          'CSP_BAD_VALUE',
        );
      }
    });
  }
});
