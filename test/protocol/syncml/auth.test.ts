import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildSyncML,
  md5Cred,
  md5Digest,
  md5DigestFromHash,
  md5UserHash,
  parseSyncML,
} from '../../../src/protocol/syncml/index.ts';

// OMA DM Security's worked example (user Bruce1, password OhBehave, nonce "nonce"), as the open-source OMA DM
// clients quote it: B64(H(Bruce1:OhBehave)) = izei3G6za6rVDRgO8aQXyQ==, digest lnZLb3wBhv5gvClt8C+m7w==.
const NONCE_B64 = Buffer.from('nonce').toString('base64');

describe('syncml auth-md5', () => {
  it('computes B64(H(B64(H(user:pass)):nonce)) with the nonce as raw bytes', () => {
    assert.equal(md5UserHash('Bruce1', 'OhBehave'), 'izei3G6za6rVDRgO8aQXyQ==');
    assert.equal(md5Digest('Bruce1', 'OhBehave', NONCE_B64), 'lnZLb3wBhv5gvClt8C+m7w==');
    assert.equal(md5DigestFromHash('izei3G6za6rVDRgO8aQXyQ==', NONCE_B64), 'lnZLb3wBhv5gvClt8C+m7w==');
  });

  it('a binary nonce is hashed as its bytes, not as its base64 text', () => {
    const bytes = Buffer.from([0, 0xff, 0x80, 0x7f, 10, 13]).toString('base64');
    assert.notEqual(md5Digest('u', 'p', bytes), md5Digest('u', 'p', Buffer.from(bytes).toString('base64')));
  });

  it('the Cred is Meta Format b64 then Type auth-md5, as the 26200 capture writes it', () => {
    const cred = md5Cred('Bruce1', 'OhBehave', NONCE_B64);
    const xml = buildSyncML({
      namespace: 'SYNCML:SYNCML1.2',
      header: {
        verDtd: '1.2',
        verProto: 'DM/1.2',
        sessionId: '1',
        msgId: '2',
        target: { locUri: 'https://s' },
        source: { locUri: 'D', locName: 'Bruce1' },
        cred,
      },
      commands: [],
      final: true,
    });
    assert.match(
      xml,
      /<Cred><Meta><Format xmlns="syncml:metinf">b64<\/Format><Type xmlns="syncml:metinf">syncml:auth-md5<\/Type><\/Meta><Data>lnZLb3wBhv5gvClt8C\+m7w==<\/Data><\/Cred>/,
    );
    assert.deepEqual(parseSyncML(xml).header.cred, cred);
  });
});
