/**
 * Bulk templates (2024-09-12 resource-access page): a document under Host/BulkTemplate whose URI paths and values
 * hold `@#name#` placeholders, and an `<InstanceBlob>` written to …/BulkVariables/Value that gives every placeholder
 * a value once per instance. The device applies the CSP blocks once per instance.
 */
import type { XmlLimits } from '../xml/index.ts';
import { el, wrap } from '../xml/index.ts';
import { checkSchema } from './checks.ts';
import type { CspBlock, DeclaredConfigurationDocument } from './document.ts';
import { elementChildren, fail, leafText, onlyAttributes, parseRoot, required } from './xml-read.ts';

const E = 'DC_BAD_DOCUMENT';
const PLACEHOLDERS = /@#([^#]+)#/g;

export interface InstanceVariable {
  name: string;
  value: string;
}

export interface InstanceBlob {
  schema: string;
  /** Each instance as an ordered list of `<InstanceData variable>` values. */
  instances: InstanceVariable[][];
}

export function parseInstanceBlob(text: string, limits?: Partial<XmlLimits>): InstanceBlob {
  const root = parseRoot(text, 'InstanceBlob', E, limits);
  onlyAttributes(root, ['schema'], E);
  const schema = required(root, 'schema', E);
  checkSchema(schema, E, root);
  const instances = elementChildren(root, E).map((i) => {
    if (i.name !== 'Instance') throw fail(E, i, `<InstanceBlob> holds Instance elements, not <${i.name}>`);
    const seen = new Set<string>();
    return elementChildren(i, E).map((d) => {
      if (d.name !== 'InstanceData') throw fail(E, d, `<Instance> holds InstanceData elements, not <${d.name}>`);
      onlyAttributes(d, ['variable'], E);
      const name = required(d, 'variable', E);
      if (seen.has(name)) throw fail(E, d, `variable ${name} is given twice in one instance`);
      seen.add(name);
      return { name, value: leafText(d, E) };
    });
  });
  if (instances.length === 0) throw fail(E, root, '<InstanceBlob> has no Instance');
  return { schema, instances };
}

export function buildInstanceBlob(blob: InstanceBlob): string {
  checkSchema(blob.schema, E);
  let inner = '';
  for (const instance of blob.instances) {
    let data = '';
    for (const v of instance) data += el('InstanceData', v.value, [['variable', v.name]]);
    inner += wrap('Instance', data);
  }
  return wrap('InstanceBlob', inner, [['schema', blob.schema]]);
}

/** Placeholder names used by the document's CSP blocks, in order of first use. */
export function templateVariables(doc: DeclaredConfigurationDocument): string[] {
  const names = new Set<string>();
  for (const b of doc.blocks) {
    if (b.kind !== 'CSP') continue;
    for (const u of b.uris) {
      for (const m of `${u.path}\n${u.value}`.matchAll(PLACEHOLDERS)) names.add(m[1] as string);
    }
  }
  return [...names];
}

/**
 * "Each instance must specify all the subinstance data": every placeholder the template uses, and (to catch a
 * misspelt name, which would otherwise show up only as a missing one) nothing else.
 */
export function checkInstances(doc: DeclaredConfigurationDocument, blob: InstanceBlob): void {
  const used = templateVariables(doc);
  blob.instances.forEach((instance, i) => {
    const given = new Set(instance.map((v) => v.name));
    const missing = used.filter((n) => !given.has(n));
    if (missing.length > 0) throw fail(E, undefined, `instance ${i + 1} gives no value for ${missing.join(', ')}`);
    const extra = [...given].filter((n) => !used.includes(n));
    if (extra.length > 0)
      throw fail(E, undefined, `instance ${i + 1} sets ${extra.join(', ')}, which the template does not use`);
  });
}

/** The CSP blocks of every instance with placeholders substituted, instance by instance, as the device applies them. */
export function expandTemplate(doc: DeclaredConfigurationDocument, blob: InstanceBlob): CspBlock[] {
  checkInstances(doc, blob);
  const out: CspBlock[] = [];
  for (const instance of blob.instances) {
    const values = new Map(instance.map((v) => [v.name, v.value]));
    const sub = (s: string) => s.replace(PLACEHOLDERS, (_, name: string) => values.get(name) as string);
    for (const b of doc.blocks) {
      if (b.kind !== 'CSP') continue;
      out.push({
        kind: 'CSP',
        name: b.name,
        uris: b.uris.map((u) => ({ ...u, path: sub(u.path), value: sub(u.value) })),
      });
    }
  }
  return out;
}
