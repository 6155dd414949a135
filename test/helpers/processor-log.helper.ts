/** The "partitions assigned" lines of a processors log (info level), oldest first. */
export function partitionAssignments(
  log: string,
): { at: number; group: string; assigned: string[] }[] {
  const out: { at: number; group: string; assigned: string[] }[] = [];
  for (const line of log.split('\n')) {
    if (!line.includes('"partitions assigned"')) continue;
    try {
      const j = JSON.parse(line) as { time: string; group: string; assigned: string[] };
      out.push({ at: Date.parse(j.time), group: j.group, assigned: j.assigned });
    } catch {
      // a line cut short at the end of the output: the next assignment comes whole
    }
  }
  return out;
}

/**
 * When `survivor` first owned, after `since`, every partition that `killed` last owned, per
 * group (undefined while it has not): the failover time of a consumer group.
 */
export function takenOverAt(
  killedLog: string,
  survivorLog: string,
  since: number,
): number | undefined {
  const owned = new Map<string, string[]>();
  for (const a of partitionAssignments(killedLog)) owned.set(a.group, a.assigned);
  for (const [g, parts] of owned) if (!parts.length) owned.delete(g);
  if (!owned.size) throw new Error('the killed instance owned no partition');
  const after = partitionAssignments(survivorLog).filter((a) => a.at >= since);
  const taken = [...owned].map(
    ([g, parts]) =>
      after.find((a) => a.group === g && parts.every((p) => a.assigned.includes(p)))?.at,
  );
  return taken.some((t) => t === undefined) ? undefined : Math.max(...(taken as number[]));
}
