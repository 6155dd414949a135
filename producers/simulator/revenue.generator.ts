import type { RevenueReportEvent } from '../../schemas/generated/events.types.js';
import {
  DAY_MS,
  HOUR_MS,
  MARKETS,
  type SimEvent,
  type SimulationParams,
  type User,
} from './simulator.types.js';

/** Share of subscription and ad revenue that goes into the royalty pool, in percent. */
const ROYALTY_PERCENT = 52;
/** Ad revenue per free listener, as a fraction of the premium price. */
const AD_FRACTION = 0.1;

function monthKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The months [start, end) touches, with how many of each month's days it covers. */
export function monthsCovered(
  startMs: number,
  endMs: number,
): { period: string; days: number; daysInMonth: number }[] {
  const out = new Map<string, { period: string; days: number; daysInMonth: number }>();
  for (let t = startMs; t < endMs; t += DAY_MS) {
    const d = new Date(t);
    const daysInMonth = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    const key = monthKey(t);
    const m = out.get(key) ?? { period: key, days: 0, daysInMonth };
    m.days++;
    out.set(key, m);
  }
  return [...out.values()];
}

/**
 * One revenue-report per market with listeners and per month the period covers, sent after the
 * period ends. The pool is in integer minor units of the market's currency: the royalty share
 * of premium subscriptions plus ad revenue from free listeners, pro rata for a partial month.
 */
export function generateRevenueReports(
  params: Pick<SimulationParams, 'startMs' | 'days'>,
  deps: { users: User[] },
): Omit<SimEvent<'revenue-report'>, 'seq'>[] {
  const end = params.startMs + params.days * DAY_MS;
  const out: Omit<SimEvent<'revenue-report'>, 'seq'>[] = [];
  const months = monthsCovered(params.startMs, end);
  let i = 0;
  for (const market of MARKETS) {
    const listeners = deps.users.filter((u) => u.market === market.code);
    if (!listeners.length) continue;
    const premium = listeners.filter((u) => u.product === 'PREMIUM').length;
    const free = listeners.length - premium;
    for (const m of months) {
      const revenue = (premium + free * AD_FRACTION) * market.priceMinor * (m.days / m.daysInMonth);
      const at = end + HOUR_MS + i++;
      const event: RevenueReportEvent = {
        event_id: '',
        event_time: at,
        received_time: at,
        report_id: `rr-${market.code}-${m.period}-1`,
        market: market.code,
        period: m.period,
        currency: market.currency,
        minor_unit: market.minorUnit,
        pool_minor: Math.round((revenue * ROYALTY_PERCENT) / 100),
        premium_listeners: premium,
      };
      out.push({ type: 'revenue-report', event, sent_at: at, delivery: 'online' });
    }
  }
  return out;
}
