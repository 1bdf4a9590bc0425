/**
 * CSPs the emulator stores without a full node table, so that resource-access documents (and a primary MDM) have
 * somewhere to write. Each is described by where its instances sit and, where the DDF's first level below an
 * instance is well known, the names allowed there: enough to turn seed 001's path typo into a 404 (0x86000002 in a
 * document) without transcribing whole DDFs. Deeper levels accept any name. Scopes follow the CSPVersions list of
 * the 26200 capture where it names them, both scopes otherwise.
 */
import type { Scope } from '../../protocol/csp/index.ts';

export interface GenericCsp {
  /** As registered under Vendor/MSFT. */
  name: string;
  scopes: readonly Scope[];
  /**
   * The fixed and `*` (any name) segments from the CSP root to one instance: `['*']` for VPNv2/{ProfileName},
   * `['Profile', '*']` for WiFi/Profile/{SSID}, `[]` when the CSP is a single resource. One instance is what a WinDC
   * document takes ownership of (resource-access page).
   */
  instance: readonly string[];
  /** Alternatives to `instance` for CSPs with several instance collections (ClientCertificateInstall). */
  otherInstances?: ReadonlyArray<readonly string[]>;
  /** Names allowed directly below an instance; absent: any. */
  children?: readonly string[];
  /** Leaves below an instance that take Exec. */
  execLeaves?: readonly string[];
  /** CSPVersions version reported for it. */
  version: string;
}

const BOTH: readonly Scope[] = ['Device', 'User'];

export const GENERIC_CSPS: readonly GenericCsp[] = [
  {
    name: 'VPNv2',
    scopes: BOTH,
    instance: ['*'],
    children: [
      'AppTriggerList',
      'RouteList',
      'DomainNameInformationList',
      'TrafficFilterList',
      'EdpModeId',
      'RememberCredentials',
      'AlwaysOn',
      'LockDown',
      'DeviceTunnel',
      'RegisterDNS',
      'DnsSuffix',
      'ByPassForLocal',
      'TrustedNetworkDetection',
      'ProfileXML',
      'Proxy',
      'APNBinding',
      'DeviceCompliance',
      'PluginProfile',
      'NativeProfile',
      'RequireVpnClientAppUI',
      'IPv4InterfaceMetric',
      'IPv6InterfaceMetric',
      'NetworkOutageTime',
      'UseRasCredentials',
      'DataEncryption',
      'DisableAdvancedOptionsEditButton',
      'DisableDisconnectButton',
      'DisableIKEv2Fragmentation',
      'PrivateNetwork',
      'WebAuth',
    ],
    version: '1.0',
  },
  {
    name: 'WiFi',
    scopes: BOTH,
    instance: ['Profile', '*'],
    children: ['WlanXml', 'Proxy', 'DisableInternetConnectivityChecks', 'ProxyPacUrl', 'ProxyWPAD', 'WiFiCost'],
    version: '1.0',
  },
  {
    name: 'ClientCertificateInstall',
    scopes: BOTH,
    instance: ['PFXCertInstall', '*'],
    otherInstances: [['SCEP', '*']],
    execLeaves: ['Enroll'],
    version: '1.1',
  },
  {
    name: 'ActiveSync',
    scopes: BOTH,
    instance: ['Accounts', '*'],
    children: [
      'EmailAddress',
      'Domain',
      'AccountIcon',
      'AccountType',
      'AccountName',
      'Password',
      'ServerName',
      'UserName',
      'UseSSL',
      'Schedule',
      'MailAgeFilter',
      'Logging',
      'Options',
    ],
    version: '1.0',
  },
  { name: 'WiredNetwork', scopes: BOTH, instance: [], children: ['LanXML', 'EnableBlockPeriod'], version: '1.0' },
  {
    name: 'RootCATrustedCertificates',
    scopes: BOTH,
    instance: ['Root', '*'],
    otherInstances: [
      ['CA', '*'],
      ['TrustedPublisher', '*'],
      ['TrustedPeople', '*'],
      ['UntrustedCertificates', '*'],
    ],
    children: ['EncodedCertificate', 'IssuedBy', 'IssuedTo', 'ValidFrom', 'ValidTo', 'TemplateName'],
    version: '1.2',
  },
  { name: 'VPN', scopes: BOTH, instance: ['*'], version: '1.0' },
  { name: 'CertificateStore', scopes: BOTH, instance: ['*', '*'], version: '1.0' },
  { name: 'Policy', scopes: BOTH, instance: ['Config', '*', '*'], version: '11.0' },
];

const BY_NAME = new Map(GENERIC_CSPS.map((c) => [c.name.toLowerCase(), c]));

export function genericCsp(name: string): GenericCsp | undefined {
  return BY_NAME.get(name.toLowerCase());
}

export type GenericCheck =
  /** `instanceDepth`: how many segments below the root make up the instance this path is in (undefined: above one). */
  { ok: true; instanceDepth: number | undefined } | { ok: false; reason: string };

function matches(pattern: readonly string[], rel: readonly string[]): boolean {
  return pattern.every((p, i) => rel[i] === undefined || p === '*' || p.toLowerCase() === rel[i]?.toLowerCase());
}

/**
 * Whether a path relative to the CSP root (`rel`) can exist: every fixed segment on the way to an instance must be
 * spelt as the CSP has it, and the first name below an instance must be one of `children`.
 */
export function checkGenericPath(csp: GenericCsp, rel: readonly string[]): GenericCheck {
  const patterns = [csp.instance, ...(csp.otherInstances ?? [])];
  const pattern = patterns.find((p) => matches(p, rel));
  if (!pattern) {
    const expected = patterns.map((p) => p.join('/') || '(root)').join(' or ');
    return { ok: false, reason: `${csp.name}/${rel.join('/')} is not below ${expected}` };
  }
  if (rel.length <= pattern.length) {
    return { ok: true, instanceDepth: rel.length === pattern.length ? pattern.length : undefined };
  }
  const child = rel[pattern.length] as string;
  if (csp.children && !csp.children.some((c) => c.toLowerCase() === child.toLowerCase())) {
    return { ok: false, reason: `'${child}' is not a node of a ${csp.name} instance` };
  }
  return { ok: true, instanceDepth: pattern.length };
}
