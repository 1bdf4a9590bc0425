import type { XmlElement, XmlLimits } from '../xml/index.ts';
import { attr, escapeAttr, parseXml } from '../xml/index.ts';
import { failAt } from './read.ts';

/**
 * The OMA Client Provisioning document Windows applies at the end of enrollment (MS-MDE2 §2.2.9): nested
 * `characteristic type=` nodes holding `parm name= value= datatype=` leaves. Order is kept because Windows
 * applies the document top to bottom (certificates before the account that references them).
 */
export interface ProvisioningParm {
  kind: 'parm';
  name: string;
  /** Absent for flag parms such as BACKCOMPATRETRYDISABLED, whose presence is the value. */
  value?: string;
  datatype?: string;
}

export interface ProvisioningCharacteristic {
  kind: 'characteristic';
  type: string;
  children: ProvisioningNode[];
}

export type ProvisioningNode = ProvisioningParm | ProvisioningCharacteristic;

export interface ProvisioningDoc {
  version: string;
  characteristics: ProvisioningCharacteristic[];
}

export function parm(name: string, value?: string | number | boolean, datatype?: string): ProvisioningParm {
  const p: ProvisioningParm = { kind: 'parm', name };
  if (value !== undefined) p.value = String(value);
  if (datatype !== undefined) p.datatype = datatype;
  return p;
}

export function characteristic(type: string, ...children: ProvisioningNode[]): ProvisioningCharacteristic {
  return { kind: 'characteristic', type, children };
}

/** Provisioning documents are a few KB; this leaves room for certificate chains and nothing more. */
export const PROVISIONING_XML_LIMITS: XmlLimits = { maxBytes: 256 * 1024, maxDepth: 16, maxElements: 5_000 };

export function parseProvisioningDoc(xml: string, limits: Partial<XmlLimits> = {}): ProvisioningDoc {
  // Malformed XML keeps its XML_* code: the document failed before its provisioning form could be judged.
  const { root } = parseXml(xml, { ...PROVISIONING_XML_LIMITS, ...limits });
  if (root.name !== 'wap-provisioningdoc') {
    failAt('PROVISIONING_MALFORMED', `root is <${root.name}>, expected <wap-provisioningdoc>`, root);
  }
  const characteristics: ProvisioningCharacteristic[] = [];
  for (const n of readChildren(root)) {
    if (n.kind !== 'characteristic')
      failAt('PROVISIONING_MALFORMED', `parm "${n.name}" outside a characteristic`, root);
    characteristics.push(n);
  }
  return { version: attr(root, 'version') ?? '', characteristics };
}

function readChildren(parent: XmlElement): ProvisioningNode[] {
  const out: ProvisioningNode[] = [];
  for (const c of parent.children) {
    if (c.kind === 'text') {
      if (c.text.trim() !== '') failAt('PROVISIONING_MALFORMED', `text inside <${parent.name}>`, parent);
      continue;
    }
    if (c.name === 'characteristic') {
      const type = attr(c, 'type') ?? failAt('PROVISIONING_MALFORMED', 'characteristic without type', c);
      out.push({ kind: 'characteristic', type, children: readChildren(c) });
    } else if (c.name === 'parm') {
      const name = attr(c, 'name') ?? failAt('PROVISIONING_MALFORMED', 'parm without name', c);
      if (c.children.some((x) => x.kind === 'element' || x.text.trim() !== '')) {
        failAt('PROVISIONING_MALFORMED', `parm "${name}" has content`, c);
      }
      out.push(parm(name, attr(c, 'value'), attr(c, 'datatype')));
    } else {
      failAt('PROVISIONING_MALFORMED', `<${c.name}> is not part of a wap-provisioningdoc`, c);
    }
  }
  return out;
}

/**
 * Serialises with an XML declaration, as Microsoft's servers do. Parms are written as empty elements with
 * attributes in name, value, datatype order, the form every Microsoft example uses.
 */
export function serializeProvisioningDoc(doc: ProvisioningDoc): string {
  let s = `<?xml version="1.0" encoding="UTF-8"?><wap-provisioningdoc version="${escapeAttr(doc.version)}">`;
  for (const c of doc.characteristics) s += writeNode(c);
  return `${s}</wap-provisioningdoc>`;
}

function writeNode(n: ProvisioningNode): string {
  if (n.kind === 'parm') {
    let s = `<parm name="${escapeAttr(n.name)}"`;
    if (n.value !== undefined) s += ` value="${escapeAttr(n.value)}"`;
    if (n.datatype !== undefined) s += ` datatype="${escapeAttr(n.datatype)}"`;
    return `${s}/>`;
  }
  const open = `<characteristic type="${escapeAttr(n.type)}"`;
  if (n.children.length === 0) return `${open}/>`;
  return `${open}>${n.children.map(writeNode).join('')}</characteristic>`;
}

/** The characteristic reached by following `path` by type, first match at each level. */
export function findCharacteristic(
  parent: ProvisioningDoc | ProvisioningCharacteristic,
  ...path: string[]
): ProvisioningCharacteristic | undefined {
  let cur: ProvisioningCharacteristic | undefined;
  let list: readonly ProvisioningNode[] = 'characteristics' in parent ? parent.characteristics : parent.children;
  for (const type of path) {
    cur = list.find((n): n is ProvisioningCharacteristic => n.kind === 'characteristic' && n.type === type);
    if (!cur) return undefined;
    list = cur.children;
  }
  return cur;
}

export function subCharacteristics(c: ProvisioningCharacteristic): ProvisioningCharacteristic[] {
  return c.children.filter((n): n is ProvisioningCharacteristic => n.kind === 'characteristic');
}

export function parms(c: ProvisioningCharacteristic): ProvisioningParm[] {
  return c.children.filter((n): n is ProvisioningParm => n.kind === 'parm');
}

export function findParm(c: ProvisioningCharacteristic, name: string): ProvisioningParm | undefined {
  return c.children.find((n): n is ProvisioningParm => n.kind === 'parm' && n.name === name);
}
