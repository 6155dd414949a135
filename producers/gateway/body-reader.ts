import type { IncomingMessage } from 'node:http';
import type { Ticket } from './admission.js';

export type BodyRead =
  | { ok: true; body: Buffer }
  /** Over the body limit (413), over the gateway's byte budget (503), or the client went away. */
  | { ok: false; reason: 'too-large' | 'over-budget' | 'aborted' };

/**
 * Reads a request body of at most `maxBytes`, counting every chunk against the request's
 * admission ticket as it arrives (a chunked body declares no length up front). Stops at the
 * first chunk over either limit; what the client still sends is discarded by the caller
 * answering with `Connection: close`.
 */
export function readBody(
  req: IncomingMessage,
  maxBytes: number,
  ticket: Ticket,
): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const finish = (r: BodyRead) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAborted);
      req.off('close', onClose);
      req.off('error', onAborted);
      if (!r.ok) {
        chunks.length = 0;
        req.resume(); // discard the rest while the answer goes out
      }
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) return finish({ ok: false, reason: 'too-large' });
      if (!ticket.addBytes(chunk.length)) return finish({ ok: false, reason: 'over-budget' });
      chunks.push(chunk);
    };
    const onEnd = () =>
      finish({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) });
    const onAborted = () => finish({ ok: false, reason: 'aborted' });
    const onClose = () => {
      if (!req.complete) finish({ ok: false, reason: 'aborted' });
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('close', onClose);
    req.on('error', onAborted);
  });
}
