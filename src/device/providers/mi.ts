/**
 * The MI provider contract of WinDC extensibility (extensibility page): GetTargetResource, TestTargetResource and
 * SetTargetResource over an instance whose properties are all strings ("only string properties are currently
 * supported by extensibility providers"). Test follows DSC v3's synthetic test: strings compared exactly and
 * case-sensitively, and the actual state may carry properties the desired state does not mention.
 *
 * WMI resolves namespaces, classes and property names case-insensitively, so the registry does too; values are
 * never folded.
 */
import type { DscProperty } from '../../protocol/declared/index.ts';
import { HResult, HResultError } from '../hresult.ts';

export type MiInstance = Record<string, string>;

export interface MiPropertySpec {
  name: string;
  key?: boolean;
  /** Accepted values, compared case-insensitively and passed on in this spelling. */
  values?: readonly string[];
}

export interface TestOutcome {
  inDesiredState: boolean;
  /** Names of the desired properties the actual state differs in (DSC v3's differingProperties). */
  differingProperties: string[];
}

export interface MiProvider {
  readonly namespace: string;
  readonly className: string;
  readonly properties: readonly MiPropertySpec[];
  get(input: MiInstance): Promise<MiInstance>;
  test(input: MiInstance): Promise<TestOutcome>;
  set(input: MiInstance): Promise<void>;
}

/** `root\Microsoft\Windows\DesiredStateConfiguration` and the documents' forward-slash spelling are one namespace. */
export function normaliseNamespace(ns: string): string {
  return ns.replace(/\\/g, '/').replace(/^\/+/, '').toLowerCase();
}

/** DSC v3's synthetic test over string properties: every desired property equal, byte for byte. */
export function syntheticTest(desired: MiInstance, actual: MiInstance): TestOutcome {
  const differingProperties = Object.keys(desired).filter((k) => actual[k] !== desired[k]);
  return { inDesiredState: differingProperties.length === 0, differingProperties };
}

export class ProviderRegistry {
  private readonly providers = new Map<string, MiProvider>();
  private readonly namespaces = new Set<string>();

  register(p: MiProvider): void {
    const ns = normaliseNamespace(p.namespace);
    this.namespaces.add(ns);
    this.providers.set(`${ns}:${p.className.toLowerCase()}`, p);
  }

  /** The provider for a DSC block; an unknown namespace or class is the block's error, not the document's. */
  find(namespace: string, className: string): MiProvider {
    const ns = normaliseNamespace(namespace);
    if (!this.namespaces.has(ns)) {
      throw new HResultError(HResult.WBEM_INVALID_NAMESPACE, `no MI provider namespace ${namespace}`);
    }
    const p = this.providers.get(`${ns}:${className.toLowerCase()}`);
    if (!p) throw new HResultError(HResult.WBEM_INVALID_CLASS, `no MI class ${className} in ${namespace}`);
    return p;
  }

  /**
   * The instance a DSC block describes, property names in the provider's spelling. A name the class does not have,
   * a value outside a property's allowed values, or a Key given as a Value is the block's error.
   */
  bind(p: MiProvider, properties: readonly DscProperty[]): MiInstance {
    const out: MiInstance = {};
    for (const prop of properties) {
      const spec = p.properties.find((s) => s.name.toLowerCase() === prop.name.toLowerCase());
      if (!spec) {
        throw new HResultError(HResult.WBEM_INVALID_PARAMETER, `${p.className} has no property ${prop.name}`);
      }
      if (prop.role === 'Key' && !spec.key) {
        throw new HResultError(HResult.WBEM_INVALID_PARAMETER, `${spec.name} is not a Key of ${p.className}`);
      }
      let value = prop.value;
      if (spec.values) {
        const v = spec.values.find((a) => a.toLowerCase() === value.toLowerCase());
        if (v === undefined) {
          throw new HResultError(
            HResult.WBEM_INVALID_PARAMETER,
            `${spec.name} '${value}' is not one of ${spec.values.join(', ')}`,
          );
        }
        value = v;
      }
      out[spec.name] = value;
    }
    for (const s of p.properties) {
      if (s.key && out[s.name] === undefined) {
        throw new HResultError(HResult.WBEM_INVALID_PARAMETER, `${p.className} needs its Key ${s.name}`);
      }
    }
    return out;
  }
}
