/**
 * `osdefinedscenario` names. Learn has published two lists and Windows fails any other name with "Invalid scenario
 * name". Which list a build enforces is unknown, so both are kept and a lookup says which matched: the server can
 * refuse names outside the newer list, and the emulator can be told which Windows it imitates.
 */
export type ScenarioListId = 'learn-2024-09-12' | 'learn-2024-07-29';

export const SCENARIO_LISTS: readonly ScenarioListId[] = ['learn-2024-09-12', 'learn-2024-07-29'];

/**
 * The 2024-09-12 resource-access table plus the two extensibility scenarios from the extensibility page of the same
 * date, with Microsoft's casing. The table maps MSFTResource to ActiveSync and MSFTClientCertificateInstall to bulk
 * template data, though the page's own bulk template example uses MSFTResource.
 */
const SUPPORTED_2024_09_12 = [
  'MSFTWiredNetwork',
  'MSFTResource',
  'MSFTVPN',
  'MSFTWifi',
  'MSFTInventory',
  'MSFTClientCertificateInstall',
  'MSFTExtensibilityMIProviderConfig',
  'MSFTExtensibilityMIProviderInventory',
];

/**
 * The 2024-07-29 resource-access page, lower-case (and one mixed-case) as published. The page lists msftadmxinstall
 * twice, 28 entries for 27 names; it is kept once here. MSFTPolicies, which Intune EPM sends, is only on this list.
 */
const LISTED_2024_07_29 = [
  'msftpolicies',
  'msftfirewall',
  'msftdefender',
  'msftnetworkproxy',
  'msftnetworkqospolicy',
  'msftpassportforwork',
  'msftwirednetwork',
  'msftdefaultproperties',
  'msftextensibilitymiproviderconfig',
  'msftadmxconfig',
  'msftresource',
  'msftvpn',
  'msftwifi',
  'msfttransaction',
  'msftinventory',
  'msftcertinventory',
  'msftsecuredcorestateinventory',
  'msftextensibilitymiproviderinventory',
  'msftonetime',
  'msftadmxinstall',
  'msftrootcatrustedcertificates',
  'msftcertificatestore',
  'msftscep',
  'msftclientcertificateinstall',
  'msftenterprisemodernappmanagementstoreinstall',
  'msftenterprisemodernappmanagementhostedinstall',
  'msftextensibilitymiproviderInstall',
];

export interface ScenarioMatch {
  /** The name as the newest list that has it spells it. */
  name: string;
  /** Every list the name is on, newest first. */
  lists: ScenarioListId[];
  /**
   * An MI-provider (DSC) scenario: Device scope only, and its body is `<DSC>` blocks. The same prefix is used for
   * the 2024-07-29 `…Install` name, whose body Microsoft never showed.
   */
  extensibility: boolean;
}

const INDEX = new Map<string, ScenarioMatch>();
for (const [list, names] of [
  ['learn-2024-09-12', SUPPORTED_2024_09_12],
  ['learn-2024-07-29', LISTED_2024_07_29],
] as const) {
  for (const name of names) {
    const key = name.toLowerCase();
    const known = INDEX.get(key);
    if (!known) {
      INDEX.set(key, { name, lists: [list], extensibility: key.startsWith('msftextensibilitymiprovider') });
    } else if (!known.lists.includes(list)) {
      known.lists.push(list);
    }
  }
}

/** Case-insensitive, because the two lists disagree on case and Learn's own examples use both spellings. */
export function lookupScenario(name: string): ScenarioMatch | undefined {
  const m = INDEX.get(name.toLowerCase());
  return m && { name: m.name, lists: [...m.lists], extensibility: m.extensibility };
}

export function scenarioNames(list: ScenarioListId): string[] {
  return list === 'learn-2024-09-12' ? [...SUPPORTED_2024_09_12] : [...LISTED_2024_07_29];
}

export function isExtensibilityScenario(name: string): boolean {
  return INDEX.get(name.toLowerCase())?.extensibility ?? false;
}
