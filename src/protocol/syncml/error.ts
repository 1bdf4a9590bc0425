import { type ErrorCode, type ErrorPosition, ProtocolError } from '../errors.ts';
import type { SyncHdr } from './model.ts';

/** One command on the way from SyncBody to the failing element: the outermost first. */
export interface CommandRef {
  /** Element name as sent, e.g. `Replace` or an unknown `Sync`. */
  cmd: string;
  /** Absent when the command's own CmdID is missing or unreadable. */
  cmdId?: string;
}

/**
 * What a server needs to answer a message it could not fully decode: the header to address the reply and echo
 * MsgRef, and the command to reject with a Status.
 */
export interface SyncMLErrorContext {
  /** The complete header, when the failure is in the body. */
  header?: SyncHdr;
  /** Whatever header fields were readable, when the header itself failed (e.g. VerDTD 1.0 gets Status 505). */
  partialHeader?: Partial<SyncHdr>;
  /** The failing command, outermost first: [Atomic 5, Replace 6] for a bad Replace inside Atomic 5. */
  commandPath?: CommandRef[];
}

export class SyncMLError extends ProtocolError {
  readonly context: SyncMLErrorContext;

  constructor(
    code: ErrorCode,
    message: string,
    position?: ErrorPosition,
    context: SyncMLErrorContext = {},
    cause?: unknown,
  ) {
    super(code, message, position, cause === undefined ? undefined : { cause });
    this.context = context;
  }

  /** The top-level SyncBody command that has to be answered with an error Status, if the failure is in one. */
  get command(): CommandRef | undefined {
    return this.context.commandPath?.[0];
  }
}
