/**
 * The boundary the networking half builds on: one ManagementEndpoint per OMA-DM account. It turns a server
 * message's commands into the client's Status and Results, supplies what every client message carries (the DevInfo
 * of package 1, the WinDC summary alert), and is told when a session completed. It does no I/O and numbers nothing
 * itself: CmdIDs come from the caller, who owns the message being built.
 */
import {
  type AlertCommand,
  type Item,
  type ResultsCommand,
  type StatusCommand,
  type SyncMLCommand,
  sourceItem,
} from '../protocol/syncml/index.ts';
import type { AccountInfo } from './account.ts';
import { type CommandContext, executeCommands, type Reply } from './csp/commands.ts';
import type { CspEngine } from './csp/engine.ts';
import type { DeclaredConfigurationService } from './declared/service.ts';
import type { DeviceIdentity } from './identity.ts';

export interface HandleContext {
  /** MsgID of the server message: MsgRef of every reply. */
  msgRef: string;
  nextCmdId: () => string;
}

export interface CommandReplies {
  /** Status and Results in message order: each Get's Results right after its Status(es). */
  replies: Reply[];
  statuses: StatusCommand[];
  results: ResultsCommand[];
}

export interface EndpointDeps {
  engine: CspEngine;
  declared: DeclaredConfigurationService;
  identity: () => DeviceIdentity;
}

/** [MS-MDM] §2.2.5.1: failure Data carries msft:originalerror once SyncApplicationVersion is 3.0 or more. */
function sendsOriginalError(version: string | undefined): boolean {
  const major = Number((version ?? '1.0').split('.')[0]);
  return Number.isFinite(major) && major >= 3;
}

export class ManagementEndpoint {
  constructor(
    readonly account: AccountInfo,
    private readonly d: EndpointDeps,
  ) {}

  /** The client's answers to one server message's commands (Status/Results the server sent are skipped). */
  handleCommands(commands: readonly SyncMLCommand[], ctx: HandleContext): CommandReplies {
    const version = this.d.engine.readInternal(
      `./Device/Vendor/MSFT/DMClient/Provider/${this.account.providerId}/SyncApplicationVersion`,
    );
    const full: CommandContext = { ...ctx, originalError: sendsOriginalError(version) };
    const replies = executeCommands(this.d.engine, this.account, commands, full);
    return {
      replies,
      statuses: replies.filter((r): r is StatusCommand => r.kind === 'Status'),
      results: replies.filter((r): r is ResultsCommand => r.kind === 'Results'),
    };
  }

  /** Alerts for the next client message: the 1224 WinDC summary while this account holds any document. */
  clientAlerts(nextCmdId: () => string): AlertCommand[] {
    return this.d.declared.clientAlerts(this.account.id, nextCmdId);
  }

  /** The Items of package 1's DevInfo Replace, in the order of the 26200 capture. */
  devInfo(): Item[] {
    const id = this.d.identity();
    return [
      sourceItem('./DevInfo/DevId', id.devId),
      sourceItem('./DevInfo/Man', id.manufacturer),
      sourceItem('./DevInfo/Mod', id.model),
      sourceItem('./DevInfo/DmV', id.dmVersion),
      sourceItem('./DevInfo/Lang', id.language),
    ];
  }

  /** The session ended normally (the server answered its last package): deletions it reported are dropped. */
  sessionCompleted(): void {
    this.d.declared.sessionCompleted(this.account.id);
  }
}
