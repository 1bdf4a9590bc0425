/**
 * The SyncML DM 1.2 message model shared by the server's session engine and the device emulator.
 *
 * Conventions, chosen so that `parseSyncML(buildSyncML(m))` deep-equals `m`:
 * - identifiers (SessionID, MsgID, CmdID, MsgRef, CmdRef) stay strings: they are opaque on the wire (Windows
 *   has sent the hex SessionID `D`) and correlation is exact string equality;
 * - status and alert codes and the byte counts in Meta are numbers;
 * - optional flags are `true` or absent, never `false`; lists the engine iterates are always present.
 */

export const SYNCML_12 = 'SYNCML:SYNCML1.2';
export const SYNCML_11 = 'SYNCML:SYNCML1.1';
export const METINF_NS = 'syncml:metinf';
/** Declared on SyncBody once SyncApplicationVersion is 3.0 or higher ([MS-MDM] §2.2.4.3). */
export const MSFT_NS = 'http://schemas.microsoft.com/MobileDevice/MDM';

/** Windows emits 1.2; every WinDC Learn sample and some servers use 1.1, which Windows also accepts. */
export type SyncMLNamespace = typeof SYNCML_12 | typeof SYNCML_11;

export interface Location {
  locUri: string;
  locName?: string;
}

/** The `syncml:metinf` fields device management uses, in MetInf DTD order. */
export interface Meta {
  format?: string;
  type?: string;
  /** `critical`, `fatal`... on 1226 generic alerts. */
  mark?: string;
  /** Byte size of the whole object; sent with the first chunk of a large object only. */
  size?: number;
  version?: string;
  nextNonce?: string;
  maxMsgSize?: number;
  maxObjSize?: number;
  /** Experimental meta information, kept verbatim. */
  emi?: string[];
  /**
   * Type is written before Format. Windows orders its generic alerts that way (the 26200 unenrollment 1226:
   * Type, Format, Mark) although the MetInf DTD lists Format first, as its Cred does.
   */
  typeFirst?: true;
}

/** Attributes in the Microsoft MDM namespace on a Data element, by local name (e.g. `originalerror`). */
export type MsftAttributes = Readonly<Record<string, string>>;

/**
 * How a Data value travels. Absent: entity-escaped character data (what Windows sends, even for XML).
 * `cdata`: one CDATA section (the WinDC documentation's style). `markup`: the string is XML emitted verbatim,
 * as Windows does for the DeclaredConfigurations summary in the 1224 alert.
 */
export type DataForm = 'cdata' | 'markup';

export interface Item {
  target?: Location;
  source?: Location;
  meta?: Meta;
  /** The exact string: entity-escaped and CDATA data decode to the same value; markup is its source text. */
  data?: string;
  dataForm?: DataForm;
  msft?: MsftAttributes;
  /** Set on every chunk of a large object except the last. */
  moreData?: boolean;
}

export interface Cred {
  meta?: Meta;
  data: string;
}

/** Authentication challenge on a 401/407 (or 200 with a new nonce) Status for the SyncHdr. */
export interface Chal {
  meta: Meta;
}

export interface SyncHdr {
  verDtd: string;
  verProto: string;
  sessionId: string;
  msgId: string;
  target: Location;
  source: Location;
  respUri?: string;
  noResp?: boolean;
  cred?: Cred;
  meta?: Meta;
}

interface CommandBase {
  cmdId: string;
  noResp?: boolean;
}

interface ItemCommandBase extends CommandBase {
  cred?: Cred;
  meta?: Meta;
  items: Item[];
}

export interface AddCommand extends ItemCommandBase {
  kind: 'Add';
}
export interface ReplaceCommand extends ItemCommandBase {
  kind: 'Replace';
}
export interface DeleteCommand extends ItemCommandBase {
  kind: 'Delete';
}
/** OMA DM 1.2 Copy. Windows does not implement it; it is parsed so a server can answer 406 precisely. */
export interface CopyCommand extends ItemCommandBase {
  kind: 'Copy';
}
export interface GetCommand extends ItemCommandBase {
  kind: 'Get';
  lang?: string;
}

export interface ExecCommand extends CommandBase {
  kind: 'Exec';
  cred?: Cred;
  meta?: Meta;
  /** OMA DM 1.2; Windows does not support it ([MS-MDM] §2.2.7.2). */
  correlator?: string;
  items: [Item];
}

export interface AlertCommand extends CommandBase {
  kind: 'Alert';
  cred?: Cred;
  /** Not in the OMA DTD for Alert; kept because peers send it. */
  meta?: Meta;
  code: number;
  correlator?: string;
  items: Item[];
}

/** Commands Atomic and Sequence may contain (OMA DM 1.2: no Status, Results or nested management of Sync). */
export type ContainedCommand =
  | AddCommand
  | ReplaceCommand
  | DeleteCommand
  | CopyCommand
  | GetCommand
  | ExecCommand
  | AlertCommand
  | AtomicCommand
  | SequenceCommand;

export interface AtomicCommand extends CommandBase {
  kind: 'Atomic';
  meta?: Meta;
  commands: ContainedCommand[];
}

export interface SequenceCommand extends CommandBase {
  kind: 'Sequence';
  meta?: Meta;
  commands: ContainedCommand[];
}

export interface StatusCommand {
  kind: 'Status';
  cmdId: string;
  msgRef: string;
  cmdRef: string;
  /** Name of the command answered, or `SyncHdr` (with CmdRef 0). */
  cmd: string;
  /** One per Item answered when a command's Items got different codes. */
  targetRefs: string[];
  sourceRefs: string[];
  cred?: Cred;
  chal?: Chal;
  code: number;
  /** `originalerror`: the Windows HRESULT behind a failure code. */
  msft?: MsftAttributes;
  items: Item[];
}

export interface ResultsCommand {
  kind: 'Results';
  cmdId: string;
  msgRef?: string;
  cmdRef: string;
  /** Not in the OMA DTD; [MS-MDM] examples carry `<Cmd>Get</Cmd>`, native Windows omits it. */
  cmd?: string;
  meta?: Meta;
  targetRef?: string;
  sourceRef?: string;
  items: Item[];
}

export type SyncMLCommand = ContainedCommand | StatusCommand | ResultsCommand;
export type CommandName = SyncMLCommand['kind'];

export interface SyncMLMessage {
  namespace: SyncMLNamespace;
  header: SyncHdr;
  /** SyncBody commands in document order. */
  commands: SyncMLCommand[];
  /** `<Final/>`: the last message of a package. */
  final: boolean;
  /** SyncBody declares (or uses) the `msft` prefix for {@link MSFT_NS}. */
  msftNamespace?: boolean;
}

/**
 * A SyncML document that need not be a complete message: Microsoft's WinDC examples omit the SyncHdr (or leave
 * it empty) and sometimes the namespace.
 */
export interface SyncMLFragment {
  namespace: SyncMLNamespace | undefined;
  header: SyncHdr | undefined;
  commands: SyncMLCommand[];
  final: boolean;
  msftNamespace?: boolean;
}
