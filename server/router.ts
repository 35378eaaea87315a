/**
 * Route look-up for the API: exact paths from a map, and paths with parameters
 * (`/api/auth/orgs/:org/members/:userId`), one `:name` per whole segment.
 *
 * Matching works on the raw path (no normalization: `//`, `.` and `..` are just segments that
 * match nothing), and each parameter is percent-decoded on its own, so an encoded `/` stays inside
 * its parameter. A segment that is empty or not valid percent-encoding matches no route (404).
 */

/** Decoded path parameters by name. */
export type RouteParams = Readonly<Record<string, string>>;

/** Longest decoded parameter accepted (ids are far shorter). */
const MAX_PARAM_LENGTH = 512;

interface Pattern<R> {
  readonly segments: readonly string[];
  readonly route: R;
}

export interface RouteMatch<R> {
  readonly route: R;
  readonly params: RouteParams;
}

/** A matcher over `table` (keys: exact paths, or patterns with `:name` segments). */
export function compileRoutes<R>(table: Readonly<Record<string, R>>): (rawPath: string) => RouteMatch<R> | null {
  const exact = new Map<string, R>();
  const patterns: Pattern<R>[] = [];
  for (const [path, route] of Object.entries(table)) {
    if (path.split('/').some((s) => s.startsWith(':'))) patterns.push({ segments: path.split('/'), route });
    else exact.set(path, route);
  }
  return (rawPath) => {
    const route = exact.get(rawPath);
    if (route !== undefined) return { route, params: {} };
    const segments = rawPath.split('/');
    for (const p of patterns) {
      const params = matchSegments(p.segments, segments);
      if (params !== null) return { route: p.route, params };
    }
    return null;
  };
}

function matchSegments(pattern: readonly string[], segments: readonly string[]): RouteParams | null {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [i, want] of pattern.entries()) {
    const got = segments[i]!;
    if (!want.startsWith(':')) {
      if (got !== want) return null;
      continue;
    }
    const value = decodeSegment(got);
    if (value === null) return null;
    params[want.slice(1)] = value;
  }
  return params;
}

function decodeSegment(segment: string): string | null {
  if (segment === '') return null;
  try {
    const value = decodeURIComponent(segment);
    return value.length > MAX_PARAM_LENGTH ? null : value;
  } catch {
    return null;
  }
}
