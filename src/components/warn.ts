const issued = new Set<string>();

/**
 * A console warning for integrators, issued once per `code` per page (lit's `issueWarning` habit):
 * a misconfigured page gets one clear line, not one per element or per render.
 */
export function warnOnce(code: string, message: string): void {
  if (issued.has(code)) return;
  issued.add(code);
  console.warn(`[auth-elements] ${message}`);
}
