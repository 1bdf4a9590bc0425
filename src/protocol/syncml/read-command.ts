/** Decoders for SyncBody commands and their Items. */
import type { XmlElement } from '../xml/index.ts';
import { type CommandRef, SyncMLError } from './error.ts';
import type {
  AlertCommand,
  AtomicCommand,
  Chal,
  ContainedCommand,
  Cred,
  ExecCommand,
  Item,
  Meta,
  MsftAttributes,
  ResultsCommand,
  SequenceCommand,
  StatusCommand,
  SyncMLCommand,
} from './model.ts';
import {
  duplicate,
  elementsOf,
  fail,
  flag,
  integer,
  missing,
  once,
  type ReadContext,
  readDataInto,
  readLocation,
  readMeta,
  readMsftAttributes,
  token,
  trimXml,
  unexpected,
} from './read.ts';

export interface CommandContext extends ReadContext {
  /** CmdIDs seen so far: they must be unique across the whole message, nested commands included. */
  cmdIds: Set<string>;
}

type ItemCommandKind = 'Add' | 'Replace' | 'Delete' | 'Copy' | 'Get';

/**
 * Decodes one SyncBody command. A failure anywhere inside is rethrown with the command prepended to the error's
 * `commandPath`, so the caller learns which CmdID to answer with an error Status.
 */
export function readCommand(el: XmlElement, ctx: CommandContext, depth = 0): SyncMLCommand {
  try {
    return decodeCommand(el, ctx, depth);
  } catch (e) {
    if (e instanceof SyncMLError) e.context.commandPath = [commandRef(el), ...(e.context.commandPath ?? [])];
    throw e;
  }
}

/** Name and, when readable, CmdID of a command element, without validating anything. */
export function commandRef(el: XmlElement): CommandRef {
  for (const c of el.children) {
    if (c.kind !== 'element' || c.local !== 'CmdID') continue;
    let s = '';
    for (const t of c.children) {
      if (t.kind === 'element') return { cmd: el.local };
      s += t.text;
    }
    const id = trimXml(s);
    return id === '' ? { cmd: el.local } : { cmd: el.local, cmdId: id };
  }
  return { cmd: el.local };
}

function decodeCommand(el: XmlElement, ctx: CommandContext, depth: number): SyncMLCommand {
  if (el.uri === ctx.ns) {
    switch (el.local) {
      case 'Add':
      case 'Replace':
      case 'Delete':
      case 'Copy':
      case 'Get':
        return readItemCommand(el, ctx, el.local);
      case 'Exec':
        return readExec(el, ctx);
      case 'Alert':
        return readAlert(el, ctx);
      case 'Atomic':
      case 'Sequence':
        return readContainer(el, ctx, el.local, depth);
      case 'Status':
        return readStatus(el, ctx);
      case 'Results':
        return readResults(el, ctx);
    }
  }
  fail('SYNCML_UNKNOWN_COMMAND', `<${el.name}> is not a SyncML DM 1.2 command`, el);
}

function readCmdId(c: XmlElement, ctx: CommandContext): string {
  const id = token(c);
  if (id === '0') fail('SYNCML_BAD_VALUE', 'CmdID must not be "0"', c);
  if (ctx.cmdIds.has(id)) fail('SYNCML_BAD_VALUE', `CmdID ${id} is used twice in this message`, c);
  ctx.cmdIds.add(id);
  return id;
}

export function readCred(el: XmlElement, ctx: ReadContext): Cred {
  let meta: Meta | undefined;
  let data: string | undefined;
  for (const c of elementsOf(el, ctx)) {
    if (c.local === 'Meta') meta = once(meta, c, el, readMeta, ctx);
    else if (c.local === 'Data') data = once(data, c, el, token);
    else unexpected(c, el);
  }
  if (data === undefined) missing('Data', el);
  return meta ? { meta, data } : { data };
}

function readChal(el: XmlElement, ctx: ReadContext): Chal {
  let meta: Meta | undefined;
  for (const c of elementsOf(el, ctx)) {
    if (c.local === 'Meta') meta = once(meta, c, el, readMeta, ctx);
    else unexpected(c, el);
  }
  if (!meta) missing('Meta', el);
  return { meta };
}

export function readItem(el: XmlElement, ctx: ReadContext): Item {
  if (++ctx.items > ctx.limits.maxItems) {
    fail('SYNCML_TOO_MANY_ITEMS', `more than ${ctx.limits.maxItems} Items in one message`, el);
  }
  const item: Item = {};
  let sawData = false;
  for (const c of elementsOf(el, ctx)) {
    switch (c.local) {
      case 'Target':
        item.target = once(item.target, c, el, readLocation, ctx);
        break;
      case 'Source':
        item.source = once(item.source, c, el, readLocation, ctx);
        break;
      case 'Meta':
        item.meta = once(item.meta, c, el, readMeta, ctx);
        break;
      case 'Data':
        if (sawData) duplicate(c, el);
        sawData = true;
        readDataInto(item, c, ctx);
        break;
      case 'MoreData':
        item.moreData = once(item.moreData, c, el, flag);
        break;
      default:
        unexpected(c, el);
    }
  }
  return item;
}

/** Fields every command but Status and Results may carry. */
interface Common {
  cmdId?: string;
  noResp?: true;
  cred?: Cred;
  meta?: Meta;
  items: Item[];
}

/** Reads CmdID, NoResp, Cred, Meta and Item; returns false for any other child so the caller can handle it. */
function readCommon(c: XmlElement, el: XmlElement, ctx: CommandContext, out: Common): boolean {
  switch (c.local) {
    case 'CmdID':
      out.cmdId = once(out.cmdId, c, el, readCmdId, ctx);
      return true;
    case 'NoResp':
      out.noResp = once(out.noResp, c, el, flag);
      return true;
    case 'Cred':
      out.cred = once(out.cred, c, el, readCred, ctx);
      return true;
    case 'Meta':
      out.meta = once(out.meta, c, el, readMeta, ctx);
      return true;
    case 'Item':
      out.items.push(readItem(c, ctx));
      return true;
    default:
      return false;
  }
}

/** Copies the optional common fields that are set, so absent ones stay absent rather than `undefined`. */
function withCommon<T extends object>(target: T, src: Common): T {
  const t = target as T & Partial<Common>;
  if (src.noResp) t.noResp = true;
  if (src.cred) t.cred = src.cred;
  if (src.meta) t.meta = src.meta;
  return target;
}

function requireCmdId(src: Common, el: XmlElement): string {
  if (src.cmdId === undefined) missing('CmdID', el);
  return src.cmdId;
}

function readItemCommand(el: XmlElement, ctx: CommandContext, kind: ItemCommandKind): ContainedCommand {
  const common: Common = { items: [] };
  let lang: string | undefined;
  for (const c of elementsOf(el, ctx)) {
    if (readCommon(c, el, ctx, common)) continue;
    if (kind === 'Get' && c.local === 'Lang') lang = once(lang, c, el, token);
    else unexpected(c, el);
  }
  const cmdId = requireCmdId(common, el);
  if (common.items.length === 0) missing('Item', el);
  const cmd = withCommon({ kind, cmdId, items: common.items }, common);
  if (lang !== undefined) (cmd as { lang?: string }).lang = lang;
  return cmd;
}

function readExec(el: XmlElement, ctx: CommandContext): ExecCommand {
  const common: Common = { items: [] };
  let correlator: string | undefined;
  for (const c of elementsOf(el, ctx)) {
    if (c.local === 'Item' && common.items.length > 0) duplicate(c, el);
    if (readCommon(c, el, ctx, common)) continue;
    if (c.local === 'Correlator') correlator = once(correlator, c, el, token);
    else unexpected(c, el);
  }
  const cmdId = requireCmdId(common, el);
  const [item] = common.items;
  if (!item) missing('Item', el);
  const cmd: ExecCommand = withCommon({ kind: 'Exec', cmdId, items: [item] }, common);
  if (correlator !== undefined) cmd.correlator = correlator;
  return cmd;
}

function readAlert(el: XmlElement, ctx: CommandContext): AlertCommand {
  const common: Common = { items: [] };
  let code: number | undefined;
  let correlator: string | undefined;
  for (const c of elementsOf(el, ctx)) {
    if (readCommon(c, el, ctx, common)) continue;
    if (c.local === 'Data') code = once(code, c, el, alertCode);
    else if (c.local === 'Correlator') correlator = once(correlator, c, el, token);
    else unexpected(c, el);
  }
  const cmdId = requireCmdId(common, el);
  if (code === undefined) missing('Data', el);
  const cmd: AlertCommand = withCommon({ kind: 'Alert', cmdId, code, items: common.items }, common);
  if (correlator !== undefined) cmd.correlator = correlator;
  return cmd;
}

function readContainer(
  el: XmlElement,
  ctx: CommandContext,
  kind: 'Atomic' | 'Sequence',
  depth: number,
): AtomicCommand | SequenceCommand {
  if (depth >= ctx.limits.maxNesting) {
    fail('SYNCML_TOO_DEEP', `Atomic/Sequence nested more than ${ctx.limits.maxNesting} levels`, el);
  }
  const common: Common = { items: [] };
  const commands: ContainedCommand[] = [];
  for (const c of elementsOf(el, ctx)) {
    switch (c.local) {
      case 'CmdID':
      case 'NoResp':
      case 'Meta':
        readCommon(c, el, ctx, common);
        break;
      case 'Status':
      case 'Results':
      case 'Cred':
      case 'Item':
        unexpected(c, el);
        break;
      default:
        commands.push(readCommand(c, ctx, depth + 1) as ContainedCommand);
    }
  }
  const cmdId = requireCmdId(common, el);
  if (commands.length === 0) fail('SYNCML_MISSING_ELEMENT', `<${kind}> holds no command`, el);
  return withCommon({ kind, cmdId, commands }, common);
}

function alertCode(c: XmlElement): number {
  return integer(c, 9999);
}

function statusCode(c: XmlElement): number {
  const code = integer(c, 999);
  if (code < 100) fail('SYNCML_BAD_VALUE', `status code ${code} is not three digits`, c);
  return code;
}

function readStatus(el: XmlElement, ctx: CommandContext): StatusCommand {
  let cmdId: string | undefined;
  let msgRef: string | undefined;
  let cmdRef: string | undefined;
  let cmd: string | undefined;
  let cred: Cred | undefined;
  let chal: Chal | undefined;
  let code: number | undefined;
  let msft: MsftAttributes | undefined;
  const targetRefs: string[] = [];
  const sourceRefs: string[] = [];
  const items: Item[] = [];
  for (const c of elementsOf(el, ctx)) {
    switch (c.local) {
      case 'CmdID':
        cmdId = once(cmdId, c, el, readCmdId, ctx);
        break;
      case 'MsgRef':
        msgRef = once(msgRef, c, el, token);
        break;
      case 'CmdRef':
        cmdRef = once(cmdRef, c, el, token);
        break;
      case 'Cmd':
        cmd = once(cmd, c, el, token);
        break;
      case 'TargetRef':
        targetRefs.push(token(c));
        break;
      case 'SourceRef':
        sourceRefs.push(token(c));
        break;
      case 'Cred':
        cred = once(cred, c, el, readCred, ctx);
        break;
      case 'Chal':
        chal = once(chal, c, el, readChal, ctx);
        break;
      case 'Data':
        code = once(code, c, el, statusCode);
        msft = readMsftAttributes(c, ctx);
        break;
      case 'Item':
        items.push(readItem(c, ctx));
        break;
      default:
        unexpected(c, el);
    }
  }
  if (cmdId === undefined) missing('CmdID', el);
  if (msgRef === undefined) missing('MsgRef', el);
  if (cmdRef === undefined) missing('CmdRef', el);
  if (cmd === undefined) missing('Cmd', el);
  if (code === undefined) missing('Data', el);
  const status: StatusCommand = { kind: 'Status', cmdId, msgRef, cmdRef, cmd, targetRefs, sourceRefs, code, items };
  if (cred) status.cred = cred;
  if (chal) status.chal = chal;
  if (msft) status.msft = msft;
  return status;
}

function readResults(el: XmlElement, ctx: CommandContext): ResultsCommand {
  const r: Partial<ResultsCommand> = {};
  const items: Item[] = [];
  for (const c of elementsOf(el, ctx)) {
    switch (c.local) {
      case 'CmdID':
        r.cmdId = once(r.cmdId, c, el, readCmdId, ctx);
        break;
      case 'MsgRef':
        r.msgRef = once(r.msgRef, c, el, token);
        break;
      case 'CmdRef':
        r.cmdRef = once(r.cmdRef, c, el, token);
        break;
      case 'Cmd':
        r.cmd = once(r.cmd, c, el, token);
        break;
      case 'Meta':
        r.meta = once(r.meta, c, el, readMeta, ctx);
        break;
      case 'TargetRef':
        r.targetRef = once(r.targetRef, c, el, token);
        break;
      case 'SourceRef':
        r.sourceRef = once(r.sourceRef, c, el, token);
        break;
      case 'Item':
        items.push(readItem(c, ctx));
        break;
      default:
        unexpected(c, el);
    }
  }
  if (r.cmdId === undefined) missing('CmdID', el);
  if (r.cmdRef === undefined) missing('CmdRef', el);
  if (items.length === 0) missing('Item', el);
  return { ...r, kind: 'Results', cmdId: r.cmdId, cmdRef: r.cmdRef, items };
}
