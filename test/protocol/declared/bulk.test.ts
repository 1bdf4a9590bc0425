import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildInstanceBlob,
  checkInstances,
  expandTemplate,
  parseDocument,
  parseInstanceBlob,
  templateVariables,
} from '../../../src/protocol/declared/index.ts';
import { errorOf, fixture } from './support.ts';

describe('bulk templates', () => {
  const doc = parseDocument(fixture('bulk-template-document.xml'));
  const blob = parseInstanceBlob(fixture('bulk-variables.xml'));

  it('reads ReflectedProperties', () => {
    assert.deepEqual(doc.reflectedProperties, [{ name: 'batch', type: 'chr', value: '2025-Q1' }]);
  });

  it('lists the placeholders the template uses, in order of first use', () => {
    assert.deepEqual(templateVariables(doc), ['thumb', 'pfx', 'pwd']);
  });

  it('reads the instance blob and round-trips it', () => {
    assert.equal(blob.instances.length, 2);
    assert.deepEqual(blob.instances[1]?.[2], { name: 'pwd', value: 'Qm9X-1207' });
    assert.deepEqual(parseInstanceBlob(buildInstanceBlob(blob)), blob);
  });

  it('expands the template once per instance', () => {
    const blocks = expandTemplate(doc, blob);
    assert.equal(blocks.length, 2);
    assert.deepEqual(blocks[1]?.uris[1], {
      path: 'PFXCertInstall/7B21D0E4A95C3F8816D2B07E4C9A1F3350B8E6D2/PFXCertBlob',
      type: 'chr',
      value: blob.instances[1]?.[1]?.value,
    });
    assert.ok(blocks.every((b) => b.uris.every((u) => !u.path.includes('@#') && !u.value.includes('@#'))));
  });

  it('needs every placeholder in every instance, and nothing else', () => {
    const missing = { ...blob, instances: [blob.instances[0]?.slice(0, 2) ?? []] };
    assert.match(errorOf(() => checkInstances(doc, missing)).message, /instance 1 gives no value for pwd/);
    const extra = { ...blob, instances: [[...(blob.instances[0] ?? []), { name: 'pwdd', value: 'x' }]] };
    assert.match(errorOf(() => checkInstances(doc, extra)).message, /sets pwdd, which the template does not use/);
  });

  const cases: Array<[string, string, RegExp]> = [
    ['another root', '<Instances schema="1.0"/>', /root element/],
    ['no instance', '<InstanceBlob schema="1.0"/>', /no Instance/],
    ['schema 2', '<InstanceBlob schema="2"><Instance/></InstanceBlob>', /not 1.0/],
    ['another element', '<InstanceBlob schema="1.0"><Item/></InstanceBlob>', /Instance elements/],
    [
      'a variable twice',
      '<InstanceBlob schema="1.0"><Instance><InstanceData variable="a">1</InstanceData><InstanceData variable="a">2</InstanceData></Instance></InstanceBlob>',
      /given twice/,
    ],
    [
      'data without a variable',
      '<InstanceBlob schema="1.0"><Instance><InstanceData>1</InstanceData></Instance></InstanceBlob>',
      /no variable/,
    ],
  ];
  for (const [what, text, message] of cases) {
    it(`refuses an instance blob with ${what}`, () => {
      const e = errorOf(() => parseInstanceBlob(text));
      assert.equal(e.code, 'DC_BAD_DOCUMENT');
      assert.match(e.message, message);
    });
  }
});
