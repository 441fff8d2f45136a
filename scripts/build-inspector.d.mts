import type { Server } from 'node:http';

/** The inspector page's HTML and its Content-Security-Policy. */
export function buildInspector(options?: { fromSource?: boolean }): Promise<{ html: string; csp: string }>;
/** Serves `html` at / on 127.0.0.1 (port 0: a free one). */
export function serveInspector(
  html: string,
  csp: string,
  port?: number,
): Promise<{ server: Server; url: string }>;
