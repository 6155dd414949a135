/**
 * Whether the gateway's producer can reach Kafka, from three signals:
 * - a periodic metadata probe (a broker must answer within `probeTimeoutMs`): `failuresToDown`
 *   failures in a row mark Kafka down, one success marks it up again;
 * - librdkafka's own "all brokers down" error, which marks it down at once;
 * - a stall: events handed to the producer and no delivery report of any kind for `stallMs`
 *   (a broker that is up but does not answer, e.g. SIGSTOPped, keeps its TCP connection).
 *
 * While Kafka is down the gateway refuses batches with 503 before handing anything to the
 * producer, so a 503 means not written, and `/readyz` answers 503. Pure apart from the timer
 * loop, which `start` runs; `now` is injected.
 */
export interface KafkaHealthOptions {
  probe: (timeoutMs: number) => Promise<void>;
  now: () => number;
  probeIntervalMs?: number;
  probeTimeoutMs?: number;
  failuresToDown?: number;
  stallMs?: number;
}

export interface KafkaHealthState {
  up: boolean;
  reason?: string;
  /** Since when the state holds (ms since the epoch). */
  since: number;
}

export function createKafkaHealth(o: KafkaHealthOptions) {
  const probeIntervalMs = o.probeIntervalMs ?? 500;
  const probeTimeoutMs = o.probeTimeoutMs ?? 1000;
  const failuresToDown = o.failuresToDown ?? 2;
  const stallMs = o.stallMs ?? 2000;
  let probeDown: string | undefined;
  let failures = 0;
  let since = o.now();
  let outstanding = 0;
  let outstandingSince = 0;
  let lastReportAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let last = true;

  const stalled = (now: number) =>
    outstanding > 0 && now - Math.max(outstandingSince, lastReportAt) > stallMs;

  function state(): KafkaHealthState {
    const now = o.now();
    const reason =
      probeDown ??
      (stalled(now)
        ? `${outstanding} events handed to Kafka and no delivery report for over ${stallMs} ms`
        : undefined);
    const up = reason === undefined;
    if (up !== last) {
      last = up;
      since = now;
    }
    return up ? { up, since } : { up, reason, since };
  }

  async function probeOnce(): Promise<void> {
    try {
      await o.probe(probeTimeoutMs);
      failures = 0;
      probeDown = undefined;
    } catch (err) {
      failures++;
      if (failures >= failuresToDown) probeDown = (err as Error).message;
    }
  }

  return {
    state,
    /** One event handed to the producer. */
    sent(): void {
      if (outstanding++ === 0) outstandingSince = o.now();
    },
    /** Its delivery report arrived (success or error): the broker connection made progress. */
    reported(ok: boolean): void {
      outstanding = Math.max(0, outstanding - 1);
      lastReportAt = o.now();
      // A confirmed write is proof the broker is up; a failure is not proof it is down.
      if (ok) {
        failures = 0;
        probeDown = undefined;
      }
    },
    /** librdkafka said every broker is down. */
    allBrokersDown(message: string): void {
      failures = failuresToDown;
      probeDown = message;
    },
    probeOnce,
    start(): void {
      const loop = async () => {
        if (stopped) return;
        await probeOnce();
        if (!stopped) timer = setTimeout(() => void loop(), probeIntervalMs);
      };
      timer = setTimeout(() => void loop(), probeIntervalMs);
    },
    stop(): void {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

export type KafkaHealth = ReturnType<typeof createKafkaHealth>;
