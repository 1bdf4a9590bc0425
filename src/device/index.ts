/**
 * @module device
 * The device emulator's device-side core: everything that happens on an emulated Windows device without the
 * network. The networking half (OMA-DM session loop, enrollment client, CLI) builds on `Device` and its
 * per-account `ManagementEndpoint`; see README.md in this folder for the directory layout and the decisions taken
 * where Microsoft's documentation is silent.
 */
export type { AccountConfig, AccountInfo, AccountKind, DeclaredFeatures } from './account.ts';
export { type Clock, ManualClock, SystemClock, type TimerHandle, type TimerTask } from './clock.ts';
export type { CommandContext, Reply } from './csp/commands.ts';
export { GENERIC_CSPS, type GenericCsp } from './csp/generic.ts';
export { DEFAULT_DELAYS, type ProcessingDelays, type SyncRequest } from './declared/context.ts';
export type { DocumentRecord } from './declared/record.ts';
export { Device, type DeviceJson, type DeviceOptions, type DeviceSettings } from './device.ts';
export {
  type EnrollRequest,
  EnrollStatus,
  type LinkedEnrollmentHooks,
  type UnenrollRequest,
} from './dmclient.ts';
export { type CommandReplies, type HandleContext, ManagementEndpoint } from './endpoint.ts';
export {
  type DeviceEvent,
  type EventChannel,
  type EventLevel,
  EventLog,
  formatEventLine,
  parseEventLine,
} from './events/event-log.ts';
export {
  type FaultConfig,
  FaultInjector,
  type NetworkFaults,
  type ProviderFault,
  type ProviderOperation,
  seededRandom,
} from './faults.ts';
export { describeHResult, HResult, HResultError, hex } from './hresult.ts';
export { type DeviceIdentity, newIdentity } from './identity.ts';
export { DEVICE_FILES, type DeviceFile, devicePath } from './persist/files.ts';
export { DSC_NAMESPACE, FILE_DIRECTORY_CLASS } from './providers/file-directory.ts';
export type { MiInstance, MiPropertySpec, MiProvider, TestOutcome } from './providers/mi.ts';
export { Sandbox } from './providers/sandbox.ts';
