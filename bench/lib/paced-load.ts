/**
 * An open-loop HTTP load at a fixed rate, for the latency-at-a-rate figures (2b, 5c, 5f, 5g).
 *
 * autocannon's `overallRate` is not a steady rate: each connection sends back to back until it
 * has made its share of the second, then waits for the next one-second tick, so a rate of R
 * arrives as a burst of R requests at the start of every second (queued behind `connections`
 * sockets), and its coordinated-omission correction assumes a 1 ms interval whatever the rate.
 * Its p99 "at half of peak" was the p99 of a burst at peak concurrency.
 *
 * Here request i is due at t0 + i / rate. Its latency is measured from that due time, not from
 * when a socket was free to send it (wrk2's rule): a stalled server or a full connection pool
 * shows up as latency instead of silently lowering the rate. The time from the actual send is
 * reported beside it (`service_*`).
 *
 * The client is plain keep-alive sockets with requests encoded once and a minimal response
 * reader (status, Content-Length or chunked): Node's own http client costs ~0.1 ms of CPU per
 * request, which at 5k req/s on 2 cores took the core the server needed (the bare handler's
 * p99 at 5k req/s was 147 ms with it).
 */
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import type { AutocannonRequest } from 'autocannon';
import type { LoadResult } from './load.js';
import { percentile } from './stats.js';
import { BackbeatError } from '../../common/errors/backbeat.error.js';

export interface PacedLoadOptions {
  url: string;
  /** Requests per second, offered evenly. */
  rate: number;
  /** Seconds of offered load. */
  duration: number;
  /** Keep-alive sockets at most (requests beyond them wait, and that wait counts). */
  connections: number;
  /** The same request list autocannon takes; `setupRequest` is called once per request. */
  requests: AutocannonRequest[];
  /** Seconds to wait for answers after the last send; what is still open then is a timeout. */
  drainSeconds?: number;
  /** Distinct requests encoded up front and cycled (default 4,096, at most the total). */
  distinct?: number;
}

export interface PacedLoadResult extends LoadResult {
  offered_req_per_s: number;
  service_p50_ms: number;
  service_p99_ms: number;
}

/** How many requests a load of `rate`/s for `duration` s sends (at least one). */
function requestCount(o: { rate: number; duration: number }): number {
  return Math.max(1, Math.round(o.rate * o.duration));
}

/** How many requests are due `elapsedMs` into a load at `rate`/s, capped at `total`. */
export function dueRequests(elapsedMs: number, rate: number, total: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((elapsedMs * rate) / 1000) + 1);
}

/** The request to send as number `n`: the list's entries in turn, each through its setup. */
function requestAt(list: AutocannonRequest[], n: number): AutocannonRequest {
  const base = list[n % list.length] as AutocannonRequest;
  const req: AutocannonRequest = { ...base, headers: { ...(base.headers ?? {}) } };
  return base.setupRequest ? base.setupRequest(req, {}) : req;
}

/** Reads HTTP/1.1 responses off one keep-alive socket, one at a time. */
export class ResponseReader {
  private buf: Buffer = Buffer.alloc(0);
  private status = 0;
  private need = -1; // body bytes still to read; -1: headers not read yet; -2: chunked
  /** Feeds bytes; returns the status of every response completed by them. */
  feed(chunk: Buffer, done: (status: number) => void): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.need === -1) {
        const end = this.buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = this.buf.subarray(0, end).toString('latin1');
        this.buf = this.buf.subarray(end + 4);
        this.status = Number(head.slice(9, 12));
        const lower = head.toLowerCase();
        const cl = /\r\ncontent-length:\s*(\d+)/.exec(lower);
        const noBody = this.status === 204 || this.status === 304 || this.status < 200;
        if (noBody) this.need = 0;
        else if (/\r\ntransfer-encoding:[^\r]*chunked/.test(lower)) this.need = -2;
        else if (cl) this.need = Number(cl[1]);
        else
          throw new BackbeatError(
            'BENCH_UNREADABLE_RESPONSE',
            `response ${this.status} has neither Content-Length nor chunks`,
          );
      }
      if (this.need === -2) {
        // Chunks: "<hex>\r\n<data>\r\n", ended by "0\r\n\r\n" (no trailers from our servers).
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) return;
        const size = parseInt(this.buf.subarray(0, eol).toString('latin1'), 16);
        if (size === 0) {
          if (this.buf.length < eol + 4) return;
          this.buf = this.buf.subarray(eol + 4);
        } else {
          if (this.buf.length < eol + 2 + size + 2) return;
          this.buf = this.buf.subarray(eol + 2 + size + 2);
          continue;
        }
      } else {
        if (this.buf.length < this.need) return;
        this.buf = this.buf.subarray(this.need);
      }
      this.need = -1;
      done(this.status);
    }
  }
}

/** One request's bytes: request line, Host, the request's headers, Content-Length, body. */
export function encodeRequest(target: URL, r: AutocannonRequest): Buffer {
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body);
  let head = `${r.method ?? 'GET'} ${r.path ?? target.pathname} HTTP/1.1\r\nhost: ${target.host}\r\n`;
  for (const [k, v] of Object.entries(r.headers ?? {})) head += `${k}: ${v}\r\n`;
  head += `content-length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

interface Pending {
  bytes: Buffer;
  due: number;
}

/**
 * Runs the paced load in a worker thread: the driver then has its own event loop and its own
 * small heap, so neither the bench process's garbage collector (it holds the workload) nor its
 * progress output stalls the sends; a stall there counted as server latency. Requests are
 * encoded here (setupRequest is a function: it cannot cross threads).
 */
export function runPacedLoad(
  opts: PacedLoadOptions,
  onTick?: (done: number) => void,
): Promise<PacedLoadResult> {
  if (!(opts.rate > 0) || !(opts.duration > 0) || !(opts.connections > 0))
    throw new BackbeatError(
      'BENCH_OPTIONS_INVALID',
      `paced load needs rate, duration and connections > 0: ${JSON.stringify(opts)}`,
    );
  if (!opts.requests.length)
    throw new BackbeatError('BENCH_OPTIONS_INVALID', 'paced load needs at least one request');
  const target = new URL(opts.url);
  const total = requestCount(opts);
  const n = Math.min(total, opts.distinct ?? 4096);
  const requests = Array.from({ length: n }, (_, i) =>
    encodeRequest(target, requestAt(opts.requests, i)),
  );
  const { requests: _fns, distinct: _d, ...rest } = opts;
  const params: PacedLoopParams = { ...rest, requests };
  return new Promise((resolve, reject) => {
    // The thread runs TypeScript: it registers tsx's loader first (a worker does not inherit it).
    const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
    const file = JSON.stringify(new URL('./paced-load.worker.ts', import.meta.url).href);
    const boot = `import(${tsx}).then(({ register }) => { register(); return import(${file}); });`;
    const worker = new Worker(boot, { eval: true, workerData: params });
    let result: PacedLoadResult | undefined;
    worker.on('message', (m: { done?: number; result?: PacedLoadResult }) => {
      if (m.result) result = m.result;
      else if (m.done !== undefined) onTick?.(m.done);
    });
    worker.on('error', reject);
    worker.on('exit', (code) =>
      result
        ? resolve(result)
        : reject(
            new BackbeatError('BENCH_PROCESS_EXITED', `the paced load thread exited with ${code}`),
          ),
    );
  });
}

/** What the load thread gets: the options with every distinct request already encoded. */
export interface PacedLoopParams extends Omit<PacedLoadOptions, 'requests' | 'distinct'> {
  requests: Buffer[];
}

/** The load itself (run in its own thread by runPacedLoad): request n is requests[n % length]. */
export function pacedLoop(
  opts: PacedLoopParams,
  onTick?: (done: number) => void,
): Promise<PacedLoadResult> {
  const target = new URL(opts.url);
  const total = requestCount(opts);
  const intervalMs = 1000 / opts.rate;
  const latency: number[] = [];
  const service: number[] = [];
  const status: Record<string, number> = {};
  // Due, but every socket busy: the wait counts as latency. A queue by head index (shift() on
  // a backlog of tens of thousands would copy the array each time).
  const waiting: Pending[] = [];
  let head = 0;
  const idle: Conn[] = [];
  const conns: Conn[] = [];
  let issued = 0;
  let answered = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let lastAnswerAt = 0;
  let finished = false;

  interface Conn {
    sock: net.Socket;
    reader: ResponseReader;
    current?: Pending & { sentAt: number };
    /** Was connected once: a socket the server closed is replaced, a refused one is not. */
    connected: boolean;
  }

  return new Promise((resolve) => {
    const t0 = performance.now();
    let drainTimer: NodeJS.Timeout | undefined;

    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(drainTimer);
      for (const c of conns) c.sock.destroy();
      const seconds = Math.max(opts.duration, (lastAnswerAt - t0) / 1000);
      resolve({
        requests: issued,
        ok,
        non2xx,
        errors,
        timeouts: issued - answered,
        seconds,
        req_per_s: ok / seconds,
        offered_req_per_s: opts.rate,
        p50_ms: percentile(latency, 50),
        p99_ms: percentile(latency, 99),
        max_ms: latency.reduce((m, x) => (x > m ? x : m), latency.length ? 0 : NaN),
        service_p50_ms: percentile(service, 50),
        service_p99_ms: percentile(service, 99),
        status,
      });
    };

    const settle = () => {
      answered++;
      lastAnswerAt = performance.now();
      if (answered % 500 === 0) onTick?.(answered);
      if (issued === total && answered === issued) finish();
    };

    const start = (c: Conn, p: Pending) => {
      c.current = { ...p, sentAt: performance.now() };
      c.sock.write(p.bytes);
    };

    const release = (c: Conn) => {
      c.current = undefined;
      if (head < waiting.length) {
        start(c, waiting[head++] as Pending);
        if (head > 4096 && head * 2 > waiting.length) {
          waiting.splice(0, head);
          head = 0;
        }
      } else idle.push(c);
    };

    const open = (): Conn => {
      const c: Conn = {
        sock: net.connect({ host: target.hostname, port: Number(target.port), noDelay: true }),
        reader: new ResponseReader(),
        connected: false,
      };
      c.sock.on('connect', () => (c.connected = true));
      conns.push(c);
      c.sock.on('data', (chunk: Buffer) => {
        try {
          c.reader.feed(chunk, (code) => {
            const now = performance.now();
            const cur = c.current;
            if (!cur) return;
            const k = String(code);
            status[k] = (status[k] ?? 0) + 1;
            if (code >= 200 && code < 300) {
              ok++;
              latency.push(now - cur.due);
              service.push(now - cur.sentAt);
            } else non2xx++;
            settle();
            release(c);
          });
        } catch {
          c.sock.destroy(new BackbeatError('BENCH_UNREADABLE_RESPONSE', 'unreadable response'));
        }
      });
      c.sock.on('error', () => {});
      c.sock.on('close', () => {
        const i = conns.indexOf(c);
        if (i >= 0) conns.splice(i, 1);
        const j = idle.indexOf(c);
        if (j >= 0) idle.splice(j, 1);
        if (c.current) {
          errors++;
          settle();
          c.current = undefined;
        }
        // Replace a socket the server closed while load remains, so one reset does not shrink
        // the pool; not one that never connected (no server: reconnecting would spin). With no
        // socket left, what waits fails, and the rest shows as errors and timeouts.
        if (!finished && c.connected && (issued < total || head < waiting.length)) release(open());
        else if (!finished && !conns.length)
          while (head < waiting.length) {
            head++;
            errors++;
            settle();
          }
      });
      return c;
    };

    for (let i = 0; i < opts.connections; i++) idle.push(open());

    const tick = () => {
      if (finished) return;
      const due = dueRequests(performance.now() - t0, opts.rate, total);
      while (issued < due) {
        const n = issued++;
        const p = {
          bytes: opts.requests[n % opts.requests.length] as Buffer,
          due: t0 + n * intervalMs,
        };
        const c = idle.pop();
        if (c) start(c, p);
        else waiting.push(p);
      }
      if (issued < total) setTimeout(tick, Math.min(5, Math.max(1, intervalMs)));
      else drainTimer = setTimeout(finish, (opts.drainSeconds ?? 30) * 1000);
    };
    tick();
  });
}
