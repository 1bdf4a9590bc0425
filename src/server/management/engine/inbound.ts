/**
 * Large objects from the device (OMA DM 1.2 §2.2): a Results Item whose Data is split over messages, every
 * chunk but the last marked MoreData, the first carrying Meta/Size. Each chunk is answered 213 (the one case a
 * Results gets a Status); the last completes the Item, which is checked against Size (424 on a mismatch) and
 * then recorded like any other. A new command before the last chunk abandons the object (Alert 1225).
 */
import {
  AlertCode,
  type AlertCommand,
  alert,
  type Item,
  type ResultsCommand,
  StatusCode,
} from '../../../protocol/syncml/index.ts';
import type { EngineState, Receiving } from './state.ts';

export interface Assembled {
  /** Items complete in this message, chunked ones reassembled. */
  items: Item[];
  /** A Status this Results needs after all: 213 for a chunk, 424 or 413 for a broken object. */
  code?: number;
  /** The 1225 to send: the device moved on before finishing an object. */
  interrupted?: AlertCommand;
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function noEndOfData(p: Receiving): AlertCommand {
  return alert('', AlertCode.NO_END_OF_DATA, [{ source: { locUri: p.locUri } }]);
}

/** Updates `state.receiving` as chunks come and go; pure apart from that. */
export function assembleResults(res: ResultsCommand, state: EngineState, maxObjSize: number): Assembled {
  const out: Assembled = { items: [] };
  const items = [...res.items];
  const pending = state.receiving;
  if (pending) {
    const first = items[0];
    const continues = first !== undefined && res.cmdRef === pending.cmdRef && first.source?.locUri === pending.locUri;
    if (!continues) {
      out.interrupted = noEndOfData(pending);
      delete state.receiving;
    } else {
      items.shift();
      const data = pending.data + (first.data ?? '');
      if (utf8Length(data) > maxObjSize) {
        delete state.receiving;
        out.code = StatusCode.REQUEST_ENTITY_TOO_LARGE;
      } else if (first.moreData) {
        state.receiving = { ...pending, data };
        out.code = StatusCode.CHUNKED_ITEM_ACCEPTED;
        // Nothing may follow a chunk in its message.
        return out;
      } else {
        delete state.receiving;
        if (pending.size !== undefined && utf8Length(data) !== pending.size) {
          out.code = StatusCode.SIZE_MISMATCH;
        } else {
          const whole: Item = { source: { locUri: pending.locUri }, data };
          if (pending.meta) whole.meta = pending.meta;
          out.items.push(whole);
        }
      }
    }
  }
  const last = items[items.length - 1];
  if (last?.moreData) {
    items.pop();
    const locUri = last.source?.locUri ?? last.target?.locUri;
    const { size, ...meta } = last.meta ?? {};
    if (locUri === undefined || (size !== undefined && size > maxObjSize)) {
      out.code = locUri === undefined ? StatusCode.BAD_REQUEST : StatusCode.REQUEST_ENTITY_TOO_LARGE;
    } else {
      const r: Receiving = { cmdRef: res.cmdRef, msgRef: res.msgRef ?? '', locUri, data: last.data ?? '' };
      if (Object.keys(meta).length > 0) r.meta = meta;
      if (size !== undefined) r.size = size;
      state.receiving = r;
      out.code = StatusCode.CHUNKED_ITEM_ACCEPTED;
    }
  }
  out.items.push(...items);
  return out;
}
