/**
 * One emulated Windows device: its identity, CSP tree, OMA-DM accounts, DeclaredConfiguration documents, MI
 * providers over a sandbox directory, event log and fault injection, living in a directory laid out as
 * src/device/README.md describes. Everything here happens on the device; sessions, enrollment and HTTP belong to
 * the networking half, which talks to a device through `endpoint(accountId)`, the hooks and the events below.
 */
import { existsSync } from 'node:fs';
import type { NodeFormat } from '../protocol/csp/index.ts';
import { type AccountConfig, type AccountInfo, accountConfig, accountInfo } from './account.ts';
import { type Clock, SystemClock } from './clock.ts';
import { CspEngine } from './csp/engine.ts';
import { Ownership } from './csp/ownership.ts';
import { address, formatAddress, type NodeAddress } from './csp/path.ts';
import { NodeStore, type NodeStoreJson } from './csp/store.ts';
import { DEFAULT_DELAYS, type ProcessingDelays, type SyncRequest } from './declared/context.ts';
import { type DocumentRecord, recordFromJson } from './declared/record.ts';
import { DeclaredConfigurationService } from './declared/service.ts';
import { DmClient, type LinkedEnrollmentHooks } from './dmclient.ts';
import { ManagementEndpoint } from './endpoint.ts';
import { EventLog } from './events/event-log.ts';
import { type FaultConfig, FaultInjector } from './faults.ts';
import { type DeviceIdentity, newIdentity } from './identity.ts';
import { checkFormat, DEVICE_FILES, devicePath, readJsonIfExists } from './persist/files.ts';
import { Persister, readDocumentFiles } from './persist/persister.ts';
import { FileDirectoryProvider } from './providers/file-directory.ts';
import { ProviderRegistry } from './providers/mi.ts';
import { Sandbox } from './providers/sandbox.ts';

export interface DeviceSettings {
  delays: ProcessingDelays;
  faults: FaultConfig;
}

/** device.json. */
export interface DeviceJson {
  format: 1;
  identity: DeviceIdentity;
  settings: DeviceSettings;
  accounts: AccountConfig[];
}

export interface DeviceOptions {
  /** Default: the system clock. Tests pass a ManualClock. */
  clock?: Clock;
  /** For a new device; ignored when loading. */
  identity?: Partial<DeviceIdentity>;
  /** Overrides the stored delays; `{ queueMs: 0, applyMs: 0 }` for load runs. */
  delays?: Partial<ProcessingDelays>;
  /** Overrides the stored fault configuration. */
  faults?: FaultConfig;
  /** Write state to the directory; default true. The sandbox is always on disk. */
  persist?: boolean;
  eventCapacity?: number;
}

type Listener<T> = (value: T) => void;

export class Device {
  readonly clock: Clock;
  readonly events: EventLog;
  readonly faults: FaultInjector;
  readonly sandbox: Sandbox;
  readonly providers = new ProviderRegistry();
  readonly engine: CspEngine;
  readonly declared: DeclaredConfigurationService;
  readonly dmclient: DmClient;
  private readonly store = new NodeStore();
  private readonly ownership = new Ownership();
  private readonly accounts = new Map<string, AccountInfo>();
  private readonly persister: Persister;
  private readonly unenrollListeners = new Set<Listener<AccountInfo>>();
  readonly identity: DeviceIdentity;
  /** Made once: every session builds an endpoint, and a closure per session costs the TypeScript loader a defineProperty. */
  private readonly identityOf = (): DeviceIdentity => this.identity;
  private settings: DeviceSettings;

  private constructor(
    readonly dir: string,
    json: DeviceJson,
    options: DeviceOptions,
  ) {
    this.identity = json.identity;
    this.settings = {
      delays: { ...json.settings.delays, ...options.delays },
      faults: options.faults ?? json.settings.faults,
    };
    this.clock = options.clock ?? new SystemClock();
    const persist = options.persist ?? true;
    this.events = new EventLog({
      ...(persist ? { file: devicePath(dir, 'events') } : {}),
      ...(options.eventCapacity ? { capacity: options.eventCapacity } : {}),
    });
    this.faults = new FaultInjector(this.settings.faults);
    this.sandbox = new Sandbox(devicePath(dir, 'sandbox'));
    this.providers.register(new FileDirectoryProvider(this.sandbox));
    const now = () => this.clock.now();
    this.engine = new CspEngine({
      store: this.store,
      standard: { identity: this.identity, now },
      ownership: this.ownership,
      events: this.events,
      now,
    });
    this.declared = new DeclaredConfigurationService({
      engine: this.engine,
      providers: this.providers,
      faults: this.faults,
      events: this.events,
      clock: this.clock,
      identity: this.identity,
      ownership: this.ownership,
      delays: this.settings.delays,
      account: (id) => this.accounts.get(id),
    });
    this.dmclient = new DmClient({
      engine: this.engine,
      events: this.events,
      now,
      accounts: () => this.accountList(),
      removeAccount: (id) => this.removeAccount(id),
      unenrollRequested: (a) => {
        for (const l of this.unenrollListeners) l(a);
      },
    });
    this.engine.addHandler(this.declared.handler);
    this.engine.addHandler(this.dmclient);
    this.persister = new Persister(dir, persist, {
      deviceJson: () => this.toJson(),
      cspJson: (): NodeStoreJson => this.store.toJSON(formatAddress),
    });
    this.store.onChange(() => this.persister.markCsp());
    this.declared.docs.setListener({
      changed: (rec) => this.persister.markDoc(rec),
      removed: (rec) => this.persister.markDocRemoved(rec),
    });
    for (const config of json.accounts) {
      const a = accountInfo(config);
      this.accounts.set(a.id, a);
    }
  }

  /** A new device in `dir`, which must not hold one already. */
  static async create(dir: string, options: DeviceOptions = {}): Promise<Device> {
    if (existsSync(devicePath(dir, 'device')))
      throw new Error(`${dir} already holds a device (${DEVICE_FILES.device})`);
    const json: DeviceJson = {
      format: 1,
      identity: newIdentity(options.identity),
      settings: { delays: { ...DEFAULT_DELAYS }, faults: {} },
      accounts: [],
    };
    const device = new Device(dir, json, options);
    device.engine.setInternal('./Device/Vendor/MSFT/DMClient/HWDevID', json.identity.hwDevId);
    await device.init([]);
    await device.save();
    return device;
  }

  /** The device stored in `dir`, exactly as it was saved; documents that were in progress start over. */
  static async load(dir: string, options: DeviceOptions = {}): Promise<Device> {
    const file = devicePath(dir, 'device');
    const json = await readJsonIfExists<DeviceJson>(file);
    if (!json) throw new Error(`${dir} holds no device (${DEVICE_FILES.device} missing)`);
    checkFormat(file, json.format, 1);
    const device = new Device(dir, json, options);
    const csp = await readJsonIfExists<NodeStoreJson>(devicePath(dir, 'csp'));
    if (csp) {
      checkFormat(devicePath(dir, 'csp'), csp.format, 1);
      device.store.load(csp);
    }
    const records = (await readDocumentFiles(dir)).map((j) => {
      checkFormat(`${DEVICE_FILES.declared}/${j.accountId}/${j.docId}`, j.format, 1);
      return recordFromJson(j);
    });
    await device.init(records);
    return device;
  }

  /** Loads the device in `dir`, or creates one there. */
  static async open(dir: string, options: DeviceOptions = {}): Promise<Device> {
    return existsSync(devicePath(dir, 'device')) ? Device.load(dir, options) : Device.create(dir, options);
  }

  private async init(records: DocumentRecord[]): Promise<void> {
    await this.sandbox.init();
    await this.events.load();
    this.declared.restore(records);
  }

  /** Where the networking half keeps the enrollment key, client certificate and trusted root. */
  get paths(): { key: string; cert: string; ca: string; sandbox: string; events: string } {
    return {
      key: devicePath(this.dir, 'key'),
      cert: devicePath(this.dir, 'cert'),
      ca: devicePath(this.dir, 'ca'),
      sandbox: devicePath(this.dir, 'sandbox'),
      events: devicePath(this.dir, 'events'),
    };
  }

  /** Adds an OMA-DM account and its DMClient provider node; what enrollment's provisioning document does. */
  addAccount(config: AccountConfig): AccountInfo {
    const a = accountInfo(config);
    if (this.accounts.has(a.id)) throw new Error(`account ${a.id} exists`);
    if (this.accountList().some((x) => x.providerId.toLowerCase() === a.providerId.toLowerCase())) {
      throw new Error(`an account with ProviderID ${a.providerId} exists`);
    }
    this.accounts.set(a.id, a);
    const base = `./Device/Vendor/MSFT/DMClient/Provider/${a.providerId}`;
    this.engine.setInternal(base, undefined);
    if (a.serverUrl !== undefined) this.engine.setInternal(`${base}/ManagementServiceAddress`, a.serverUrl);
    this.persister.markDevice();
    return a;
  }

  /** Removes an account, its provider node and its documents (with their CSP resources). */
  removeAccount(id: string): void {
    const a = this.accounts.get(id);
    if (!a) return;
    this.declared.removeAccount(id);
    this.engine.ownerDelete(this.providerAddress(a));
    this.accounts.delete(id);
    this.persister.markDevice();
  }

  account(id: string): AccountInfo | undefined {
    return this.accounts.get(id);
  }

  accountList(): AccountInfo[] {
    return [...this.accounts.values()];
  }

  endpoint(accountId: string): ManagementEndpoint {
    const a = this.accounts.get(accountId);
    if (!a) throw new Error(`no account ${accountId}`);
    return new ManagementEndpoint(a, { engine: this.engine, declared: this.declared, identity: this.identityOf });
  }

  /** A refresh could not repair a document (or lacks instance data): start a session for that account. */
  onSyncRequested(listener: Listener<SyncRequest>): () => void {
    return this.declared.onSyncRequested(listener);
  }

  onDocumentStateChanged(listener: Listener<DocumentRecord>): () => void {
    return this.declared.onStateChanged(listener);
  }

  /** A server Exec'd DMClient Unenroll for this account. */
  onUnenrollRequested(listener: Listener<AccountInfo>): () => void {
    this.unenrollListeners.add(listener);
    return () => this.unenrollListeners.delete(listener);
  }

  setLinkedEnrollmentHooks(hooks: LinkedEnrollmentHooks | undefined): void {
    this.dmclient.setHooks(hooks);
  }

  /** A node's value as the device sees it (defaults included); for the CLI and the networking half. */
  getNode(locUri: string): string | undefined {
    return this.engine.readInternal(locUri);
  }

  /** Sets a node as the device itself (no access or ownership checks): provisioning, test set-up. */
  setNode(locUri: string, value: string | undefined, format: NodeFormat = 'chr'): void {
    this.engine.setInternal(locUri, value, format);
  }

  configureFaults(config: FaultConfig): void {
    this.settings.faults = config;
    this.faults.configure(config);
    this.persister.markDevice();
  }

  /** Runs the refresh task now, as its schedule would. */
  refreshNow(): Promise<void> {
    return this.declared.refresh.runNow();
  }

  /** Resolves when no document processing, refresh pass or linked enrollment is running. */
  async idle(): Promise<void> {
    await this.declared.idle();
    await this.dmclient.idle();
  }

  /** Writes the whole device. */
  async save(): Promise<void> {
    await this.persister.saveAll(this.declared.docs.list());
    await this.events.flush();
  }

  /** Waits for pending writes. */
  async flush(): Promise<void> {
    await this.persister.flush();
    await this.events.flush();
  }

  /**
   * Stops the refresh schedule and queued processing and writes what is pending; processing resumes on the next
   * load. A linked enrollment still running is waited for, since the networking half owns it.
   */
  async close(): Promise<void> {
    this.declared.stop();
    await this.dmclient.idle();
    await this.persister.close();
    await this.events.flush();
  }

  private providerAddress(a: AccountInfo): NodeAddress {
    return address('msft', 'Device', ['DMClient', 'Provider', a.providerId]);
  }

  private toJson(): DeviceJson {
    return {
      format: 1,
      identity: this.identity,
      settings: this.settings,
      accounts: this.accountList().map(accountConfig),
    };
  }
}
