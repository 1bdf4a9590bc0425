/** The vocabulary shared by the CSP engine and the CSPs with behaviour of their own (csp handlers). */
import type { AccessType, NodeFormat } from '../../protocol/csp/index.ts';
import type { AccountInfo } from '../account.ts';
import type { NodeAddress } from './path.ts';
import type { Resolution } from './resolve.ts';
import type { Transaction } from './transaction.ts';

export type CspCommand = AccessType;

/** One Item of one command, as a CSP sees it. */
export interface CspOperation {
  command: CspCommand;
  /** As the server wrote it; echoed in TargetRef and in Results. */
  locUri: string;
  resolution: Resolution;
  /** Item Data; undefined when the Item has none. */
  data: string | undefined;
  /** Item (or command) Meta/Format, when declared. */
  format: string | undefined;
  account: AccountInfo;
  tx: Transaction;
}

export interface ItemOutcome {
  code: number;
  /** The HRESULT behind a failure: logged, and sent as msft:originalerror when the session allows it. */
  hresult?: number;
  /** Get: the value. */
  value?: string;
  /** Get: the value's format, which goes into Meta/Format unless it is chr. */
  format?: NodeFormat;
}

export interface CspHandler {
  /** The outcome when this handler owns the node; undefined lets the node tables decide. */
  handle(op: CspOperation): ItemOutcome | undefined;
}

/** What the engine needs to know about a node to enforce its definition. */
export interface NodeRef {
  addr: NodeAddress;
  locUri: string;
}
