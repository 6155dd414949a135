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

export function sendProblem(res: Response, p: Problem, headers: Record<string, string> = {}): void {
  const { status, title, detail, code, ...extra } = p;
  res
    .status(status)
    .set(headers)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: `https://backbeat.dev/problems/${code}`,
        title,
        status,
        code,
        ...(detail ? { detail } : {}),
        ...extra,
      }),
    );
}
