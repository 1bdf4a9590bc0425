/**
 * Who the emulated Windows says it is: the DevInfo values it sends in every package 1 and the DevDetail values a
 * server reads. Defaults imitate the 26200 capture (DmV 1.3, Lang en-US, SwV 10.0.26200.9278, LrgObj false).
 */
import { randomBytes, randomUUID } from 'node:crypto';

export interface DeviceIdentity {
  /** DevInfo/DevId: the DeviceID Windows also puts in its enrollment CSR (32 upper-case hex digits by default). */
  devId: string;
  /** DevInfo/Man. */
  manufacturer: string;
  /** DevInfo/Mod. */
  model: string;
  /** DevInfo/DmV. */
  dmVersion: string;
  /** DevInfo/Lang. */
  language: string;
  /** DevDetail/SwV. */
  osVersion: string;
  /** DevDetail/OEM, FwV, HwV. */
  oem: string;
  firmwareVersion: string;
  hardwareVersion: string;
  /** DevDetail/Ext/Microsoft/DeviceName and DNSComputerName. */
  deviceName: string;
  /** DevDetail/Ext/Microsoft/OSPlatform. */
  osPlatform: string;
  /** DMClient/HWDevID. */
  hwDevId: string;
  /** SID printed as "Current User" for User-context documents. */
  userSid: string;
}

/** A fresh identity; pass a seed-derived override for reproducible fleets. */
export function newIdentity(overrides: Partial<DeviceIdentity> = {}): DeviceIdentity {
  const devId = overrides.devId ?? randomBytes(16).toString('hex').toUpperCase();
  const sub = () => randomBytes(4).readUInt32LE(0);
  return {
    devId,
    manufacturer: 'windc',
    model: 'Emulated Windows Device',
    dmVersion: '1.3',
    language: 'en-US',
    osVersion: '10.0.26200.9278',
    oem: 'windc',
    firmwareVersion: '1.0',
    hardwareVersion: '1.0',
    deviceName: `WINDC-${devId.slice(0, 8)}`,
    osPlatform: 'Windows 11 Enterprise',
    hwDevId: randomUUID().replace(/-/g, '').toUpperCase() + randomUUID().replace(/-/g, '').toUpperCase(),
    userSid: `S-1-5-21-${sub()}-${sub()}-${sub()}-1001`,
    ...overrides,
  };
}
