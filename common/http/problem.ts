import type { Response } from 'express';

/** RFC 9457 problem details: every HTTP error of Backbeat's APIs is answered this way. */
export interface Problem {
  status: number;
  title: string;
  detail?: string;
  /** A stable, documented error code (also the last segment of `type`). */
  code: string;
  [extra: string]: unknown;
}

/** The problem+json body of `p`, for any HTTP framework. */
export function problemBody(p: Problem): Record<string, unknown> {
  const { status, title, detail, code, ...extra } = p;
  return {
    type: `https://backbeat.dev/problems/${code}`,
    title,
    status,
    code,
    ...(detail ? { detail } : {}),
    ...extra,
  };
}

export function sendProblem(res: Response, p: Problem, headers: Record<string, string> = {}): void {
  res
    .status(p.status)
    .set(headers)
    .type('application/problem+json')
    .send(JSON.stringify(problemBody(p)));
}
