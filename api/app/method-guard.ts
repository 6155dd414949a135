import type { RequestHandler } from 'express';
import { sendProblem } from '../../common/http/problem.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

interface PathRule {
  pattern: RegExp;
  allow: string[];
}

/** `/v1/tracks/{trackId}/plays` → a regex of one path segment per parameter. */
function templateRegex(template: string): RegExp {
  const parts = template.split(/\{[^}/]+\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[^/]+')}/?$`);
}

/** The methods each documented path answers (HEAD wherever GET is), from the OpenAPI paths. */
export function allowedMethods(paths: Record<string, Record<string, unknown>>): PathRule[] {
  return Object.entries(paths).map(([template, item]) => {
    const allow = METHODS.filter((m) => m in item).map((m) => m.toUpperCase());
    if (allow.includes('GET') && !allow.includes('HEAD')) allow.push('HEAD');
    return { pattern: templateRegex(template), allow };
  });
}

/**
 * A request to a documented path with a method the path does not answer (TRACE, PUT on a read,
 * GET on POST /v1/sql, ...) is 405 with `Allow`, before any token check or route; an unknown
 * path falls through (404). The allow list comes from the OpenAPI document, so the two agree.
 */
export function methodGuard(paths: Record<string, Record<string, unknown>>): RequestHandler {
  const rules = allowedMethods(paths);
  return (req, res, next) => {
    const rule = rules.find((r) => r.pattern.test(req.path));
    if (!rule || rule.allow.includes(req.method)) return next();
    const allow = rule.allow.join(', ');
    sendProblem(
      res,
      {
        status: 405,
        code: 'method-not-allowed',
        title: 'Method not allowed',
        detail: `${req.method} is not allowed on ${req.path}; allowed: ${allow}`,
      },
      { Allow: allow },
    );
  };
}
