import { isPkiError } from '../errors';
import { decodePem } from './pem';

/** One way a PEM text departs from what every reader takes: an `error` breaks some reader, a `warning` may. */
export interface PemTextProblem {
  /** `error`: Linkerd's Go control plane (or any strict reader) misreads or refuses it; `warning`: it reads. */
  readonly severity: 'error' | 'warning';
  /** What is wrong and where, in words (never the text's content). */
  readonly message: string;
}

/** Where the lines of `text` start, and how each ends. */
function lines(text: string): { text: string; number: number; end: 'lf' | 'crlf' | 'none' }[] {
  const out: { text: string; number: number; end: 'lf' | 'crlf' | 'none' }[] = [];
  let start = 0;
  for (let n = 1; start <= text.length; n++) {
    const lf = text.indexOf('\n', start);
    const stop = lf < 0 ? text.length : lf;
    const crlf = stop > start && text.charCodeAt(stop - 1) === 0x0d && lf >= 0;
    out.push({
      text: text.slice(start, crlf ? stop - 1 : stop),
      number: n,
      end: lf < 0 ? 'none' : crlf ? 'crlf' : 'lf',
    });
    if (lf < 0) break;
    start = lf + 1;
  }
  return out;
}

function leading(line: string): number {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  return i;
}

function spread(numbers: readonly number[]): string {
  if (numbers.length === 1) return `line ${numbers[0]}`;
  const shown = numbers.slice(0, 3).join(', ');
  return `lines ${shown}${numbers.length > 3 ? ` and ${numbers.length - 3} more` : ''}`;
}

/**
 * How a PEM text (a `ca-bundle.crt`, a Secret's `tls.crt`) is damaged, said exactly: BEGIN or END lines
 * that do not start their line (Go's `encoding/pem`, which Linkerd's control plane reads with, does not
 * find them), indented base64 lines (RFC 7468 allows them; strict readers do not), carriage returns that
 * are not part of a CRLF line end or are doubled, mixed line ends, text after the last END line and
 * blocks that do not decode. An empty list means the text is clean. Never quotes the text itself, which
 * may be a private key.
 *
 * @example
 * ```ts
 * pemTextProblems('  -----BEGIN CERTIFICATE-----\n...');
 * // [{ severity: 'error', message: 'line 1: the BEGIN line is indented by 2 characters; ...' }]
 * ```
 */
export function pemTextProblems(text: string): PemTextProblem[] {
  const problems: PemTextProblem[] = [];
  const error = (message: string) => problems.push({ severity: 'error', message });
  const warning = (message: string) => problems.push({ severity: 'warning', message });
  if (typeof text !== 'string' || !text.includes('-----BEGIN ')) {
    error('holds no PEM block (no "-----BEGIN" line)');
    return problems;
  }
  const all = lines(text);
  const indented: number[] = [];
  const loneCr: number[] = [];
  const doubleCr: number[] = [];
  let crlf = 0;
  let lf = 0;
  let inside = false;
  let lastEnd = -1;
  let sawBegin = false;
  let before = false;
  for (const line of all) {
    if (line.end === 'crlf') crlf++;
    else if (line.end === 'lf') lf++;
    const body = line.text;
    if (body.endsWith('\r') && line.end !== 'none') doubleCr.push(line.number);
    else if (body.includes('\r')) loneCr.push(line.number);
    const pad = leading(body);
    const trimmed = body.slice(pad);
    if (trimmed.startsWith('-----BEGIN ')) {
      if (pad > 0) {
        error(
          `line ${line.number}: the BEGIN line is indented by ${pad} characters; Go's PEM reader (Linkerd's control plane) does not find it`,
        );
      }
      inside = true;
      sawBegin = true;
      continue;
    }
    if (trimmed.startsWith('-----END ')) {
      if (pad > 0) {
        error(
          `line ${line.number}: the END line is indented by ${pad} characters; Go's PEM reader (Linkerd's control plane) does not find it`,
        );
      }
      inside = false;
      lastEnd = line.number;
      continue;
    }
    if (inside && pad > 0 && trimmed.length > 0) indented.push(line.number);
    if (!sawBegin && trimmed.replace(/\r/g, '').length > 0) before = true;
  }
  if (doubleCr.length > 0) {
    error(`${spread(doubleCr)} end with two carriage returns (CR CR LF: line ends converted to CRLF twice)`);
  }
  if (loneCr.length > 0) {
    error(`${spread(loneCr)} hold a carriage return that is not part of a CRLF line end`);
  }
  if (crlf > 0 && lf > 0) warning(`line ends are mixed: ${crlf} CRLF and ${lf} LF`);
  if (indented.length > 0) {
    warning(
      `${spread(indented)} of base64 are indented (RFC 7468 allows it and l5d-pki and Go read it; strict readers do not)`,
    );
  }
  if (before) warning('there is text before the first BEGIN line (readers skip it)');
  if (lastEnd > 0) {
    const after = all.filter((l) => l.number > lastEnd && l.text.trim().length > 0);
    if (after.length > 0) {
      const chars = after.reduce((n, l) => n + l.text.trim().length, 0);
      error(
        `${chars} characters of text follow the last END line (line ${lastEnd}), from line ${after[0]!.number}: a truncated or pasted-over block?`,
      );
    }
  }
  try {
    decodePem(text);
  } catch (e) {
    if (!isPkiError(e)) throw e;
    error(e.message);
  }
  return problems;
}
