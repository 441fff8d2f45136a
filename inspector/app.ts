// The inspector page's script: reads what is pasted, dropped or opened, entirely in the page, with the
// universal build of l5d-pki (WebCrypto). Private keys are only matched against certificates: no key
// material is ever written to the page.
import {
  base64Decode,
  type Certificate,
  type CheckResult,
  checkIdentity,
  decodePem,
  formatName,
  fromYaml,
  importPrivateKey,
  isPemText,
  type PrivateKey,
  parseCertificate,
  timelineSvg,
  verifyChain,
} from 'l5d-pki';

/** Everything read from the input. */
interface Material {
  readonly certs: { cert: Certificate; source: string; anchor: boolean }[];
  readonly keys: { key: PrivateKey; source: string }[];
  readonly notes: string[];
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** An element with text children (never HTML). */
function el(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

const message = (e: unknown) => {
  const m = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' ? `${m} [${code}]` : m;
};

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

// ---- reading ---------------------------------------------------------------------------------------

function addCert(m: Material, der: Uint8Array, source: string, anchor: boolean): void {
  try {
    const cert = parseCertificate(der);
    const same = m.certs.find((c) => hex(c.cert.der) === hex(cert.der));
    if (same) same.anchor ||= anchor;
    else m.certs.push({ cert, source, anchor });
  } catch (e) {
    m.notes.push(`${source}: not a certificate: ${message(e)}`);
  }
}

function readPem(m: Material, text: string, source: string, anchor: boolean): void {
  let blocks: ReturnType<typeof decodePem>;
  try {
    blocks = decodePem(text);
  } catch (e) {
    m.notes.push(`${source}: unreadable PEM: ${message(e)}`);
    return;
  }
  for (const block of blocks) {
    if (block.label === 'CERTIFICATE') addCert(m, block.der, source, anchor);
    else if (/PRIVATE KEY$/.test(block.label)) readKey(m, block.der, source);
    else m.notes.push(`${source}: a ${block.label} block, not shown`);
  }
}

function readKey(m: Material, der: Uint8Array, source: string): void {
  try {
    m.keys.push({ key: importPrivateKey(der), source }); // PKCS#8 or SEC1 DER; the text is not kept
  } catch (e) {
    m.notes.push(
      `${source}: a private key l5d-pki cannot read (${(e as { code?: string }).code ?? 'error'})`,
    );
  }
}

function readSpiffeBundle(m: Material, doc: unknown, source: string): void {
  const keys = (doc as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) {
    m.notes.push(`${source}: JSON without "keys": not a SPIFFE bundle`);
    return;
  }
  keys.forEach((k: { use?: unknown; x5c?: unknown; kid?: unknown }, i) => {
    if (k?.use !== 'x509-svid') return; // jwt-svid keys and others are not certificates
    if (!Array.isArray(k.x5c) || k.x5c.length !== 1 || typeof k.x5c[0] !== 'string') {
      m.notes.push(`${source}: keys[${i}] must carry exactly one certificate in x5c`);
      return;
    }
    try {
      addCert(m, base64Decode(k.x5c[0]), `${source} keys[${i}]`, true);
    } catch (e) {
      m.notes.push(`${source}: keys[${i}].x5c: ${message(e)}`);
    }
  });
}

function readYaml(m: Material, text: string, source: string): void {
  let docs: Record<string, unknown>[];
  try {
    docs = fromYaml(text);
  } catch (e) {
    m.notes.push(`${source}: ${message(e)}`);
    return;
  }
  for (const doc of docs) {
    const meta = (doc.metadata ?? {}) as { name?: string; namespace?: string };
    const where = `${doc.kind ?? 'object'} ${meta.namespace ?? ''}/${meta.name ?? ''}`;
    const entries = (field: string, base64: boolean): [string, string][] => {
      const data = doc[field];
      if (data === null || typeof data !== 'object') return [];
      return Object.entries(data as Record<string, unknown>).flatMap(([k, v]) => {
        if (typeof v !== 'string') return [];
        if (!base64) return [[k, v]];
        try {
          return [[k, new TextDecoder().decode(base64Decode(v.replace(/\s+/g, '')))]];
        } catch {
          m.notes.push(`${where}: data[${k}] is not base64`);
          return [];
        }
      });
    };
    if (doc.kind === 'Secret') {
      // Both schemes: kubernetes.io/tls (tls.crt, tls.key, ca.crt) and linkerd.io/tls (crt.pem, key.pem).
      for (const [k, v] of [...entries('data', true), ...entries('stringData', false)]) {
        if (isPemText(v)) readPem(m, v, `${where} ${k}`, k === 'ca.crt');
      }
    } else if (doc.kind === 'ConfigMap') {
      for (const [k, v] of entries('data', false)) if (isPemText(v)) readPem(m, v, `${where} ${k}`, true);
    } else {
      m.notes.push(`${where}: not a Secret or ConfigMap, skipped`);
    }
  }
}

function readText(m: Material, text: string, source: string): void {
  const trimmed = text.trim();
  if (trimmed === '') return;
  if (trimmed.startsWith('{')) {
    try {
      readSpiffeBundle(m, JSON.parse(trimmed), source);
    } catch (e) {
      m.notes.push(`${source}: invalid JSON: ${message(e)}`);
    }
  } else if (/^(apiVersion|kind):/m.test(trimmed)) {
    readYaml(m, trimmed, source);
  } else if (isPemText(trimmed)) {
    readPem(m, trimmed, source, false);
  } else {
    m.notes.push(`${source}: neither PEM, a SPIFFE bundle nor Kubernetes YAML`);
  }
}

function readBytes(m: Material, bytes: Uint8Array, source: string): void {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (/^[\s\x20-\x7e]*$/.test(text.slice(0, 2048)) && text.trim() !== '') {
    readText(m, text, source);
    return;
  }
  try {
    parseCertificate(bytes);
    addCert(m, bytes, source, false);
  } catch {
    readKey(m, bytes, source);
  }
}

// ---- showing ---------------------------------------------------------------------------------------

const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');

function role(c: Material['certs'][number]): 'anchor' | 'issuer' | 'leaf' {
  if (!c.cert.basicConstraints?.ca) return 'leaf';
  return c.anchor || c.cert.selfIssued ? 'anchor' : 'issuer';
}

function keyText(cert: Certificate): string {
  const k = cert.publicKey;
  if (k.kind === 'ec') return `EC ${k.curve ?? ''}`;
  if (k.kind === 'rsa') return `RSA ${k.rsaBits ?? ''} bits`;
  return k.kind;
}

function validity(cert: Certificate, at: Date): HTMLElement {
  const range = `${iso(cert.notBefore)} → ${iso(cert.notAfter)}`;
  if (at < cert.notBefore)
    return el('span', {}, `${range} `, el('span', { class: 'bad' }, '(not yet valid)'));
  if (at > cert.notAfter) return el('span', {}, `${range} `, el('span', { class: 'bad' }, '(expired)'));
  const days = Math.floor((cert.notAfter.getTime() - at.getTime()) / 86_400_000);
  const soon = days < 60 && cert.basicConstraints?.ca === true; // linkerd check warns about anchors and issuers
  return el(
    'span',
    {},
    `${range} `,
    el('span', { class: soon ? 'warn' : 'ok' }, `(${days === 1 ? '1 day' : `${days} days`} left)`),
  );
}

async function certCard(c: Material['certs'][number], m: Material, at: Date): Promise<HTMLElement> {
  const { cert } = c;
  const fp = hex(new Uint8Array(await crypto.subtle.digest('SHA-256', cert.der as BufferSource)));
  const sans = (cert.subjectAltNames ?? []).map((n) =>
    n.type === 'ip'
      ? `IP:${Array.from(n.value).join('.')}`
      : 'value' in n
        ? `${n.type.toUpperCase()}:${String(n.value)}`
        : n.type,
  );
  const spiffe = (cert.subjectAltNames ?? []).find(
    (n) => n.type === 'uri' && n.value.startsWith('spiffe://'),
  );
  const matched = m.keys.filter((k) => k.key.publicKey.equals(cert.publicKey));
  const rows: [string, Node | string][] = [
    [
      'role',
      `${role(c)}${cert.basicConstraints?.ca ? ` (CA${cert.basicConstraints.pathLen === undefined ? '' : `, pathLen ${cert.basicConstraints.pathLen}`})` : ''}`,
    ],
    ['subject', formatName(cert.subject) || '(empty)'],
    ['issuer', formatName(cert.issuer) || '(empty)'],
    ['SANs', sans.length ? sans.join(', ') : 'none'],
    ['SPIFFE ID', spiffe && 'value' in spiffe ? String(spiffe.value) : 'none'],
    ['validity', validity(cert, at)],
    ['key', keyText(cert)],
    ['SHA-256', el('span', { class: 'mono' }, fp)],
    ['serial', el('span', { class: 'mono' }, cert.serialHex)],
    ['from', c.source],
  ];
  if (matched.length)
    rows.push([
      'private key',
      el('span', { class: 'ok' }, `given, and it matches (${matched.map((k) => k.source).join(', ')})`),
    ]);
  const dl = el('dl');
  for (const [k, v] of rows) dl.append(el('dt', {}, k), el('dd', {}, v));
  const title = cert.subject.commonName ?? formatName(cert.subject);
  return el(
    'article',
    { class: 'card', 'data-role': role(c), 'aria-label': `${role(c)} ${title}` },
    el('h3', {}, `${role(c)}: ${title}`),
    dl,
  );
}

function checkLine(r: CheckResult): HTMLElement {
  const mark = { ok: '√', warning: '‼', error: '×', skipped: '-' }[r.status];
  const cls = { ok: 'ok', warning: 'warn', error: 'bad', skipped: 'help' }[r.status];
  return el(
    'li',
    { 'data-status': r.status },
    el('span', { class: cls }, `${mark} ${r.name}`),
    ...(r.message ? [el('div', { class: 'help mono' }, r.message)] : []),
  );
}

function timeOf(): Date {
  const value = $<HTMLInputElement>('at').value;
  if (!value) return new Date();
  const d = new Date(`${value}${value.length === 16 ? ':00' : ''}Z`);
  return Number.isNaN(d.getTime()) ? new Date() : d;
}

async function inspect(m: Material): Promise<void> {
  const at = timeOf();
  const out = $('results');
  out.replaceChildren(el('h2', { id: 'results-heading' }, 'Results'));
  if (m.certs.length === 0 && m.keys.length === 0 && m.notes.length === 0) {
    out.append(el('p', { class: 'help' }, 'Nothing inspected yet.'));
    return;
  }
  const anchors = m.certs.filter((c) => role(c) === 'anchor').map((c) => c.cert);
  const issuers = m.certs.filter((c) => role(c) === 'issuer').map((c) => c.cert);
  const leaves = m.certs.filter((c) => role(c) === 'leaf').map((c) => c.cert);

  // Chains: every leaf, or else every issuer, against the anchors given.
  const chains = el(
    'section',
    { id: 'chains', 'aria-labelledby': 'chains-heading' },
    el('h2', { id: 'chains-heading' }, 'Chains'),
  );
  const subjects = leaves.length ? leaves : issuers;
  if (anchors.length === 0)
    chains.append(
      el(
        'p',
        { class: 'help' },
        'No trust anchor given: paste ca.crt, a bundle or the trust-roots ConfigMap to verify chains.',
      ),
    );
  else if (subjects.length === 0)
    chains.append(el('p', { class: 'help' }, 'Only trust anchors: nothing to chain.'));
  else
    for (const leaf of subjects) {
      const name = leaf.subject.commonName ?? formatName(leaf.subject);
      const result = await verifyChain({
        leaf,
        intermediates: issuers.filter((i) => i !== leaf),
        bundle: anchors,
        at,
      });
      const card = el('article', { class: 'card verdict', 'data-ok': String(result.ok) }, el('h3', {}, name));
      if (result.ok) {
        const path = result.path.map((c) => c.subject.commonName ?? formatName(c.subject)).join(' → ');
        card.append(
          el('p', { class: 'ok' }, `valid: ${path}`),
          el(
            'p',
            {},
            `identity: ${result.identity.spiffeId ?? 'no SPIFFE ID'}${result.identity.dns?.length ? `; DNS ${result.identity.dns.join(', ')}` : ''}`,
          ),
          el('p', {}, `verifies until ${iso(result.validUntil)}`),
        );
      } else {
        card.append(el('p', { class: 'bad' }, `invalid [${result.code}]: ${result.reason}`));
      }
      chains.append(card);
    }

  // linkerd check's identity checks: anchors, and an issuer with its key.
  const checks = el(
    'section',
    { id: 'checks', 'aria-labelledby': 'checks-heading' },
    el('h2', { id: 'checks-heading' }, 'linkerd check: linkerd-identity'),
  );
  const issuer = issuers.find((i) => m.keys.some((k) => k.key.publicKey.equals(i.publicKey))) ?? issuers[0];
  const key = issuer && m.keys.find((k) => k.key.publicKey.equals(issuer.publicKey));
  if (anchors.length === 0 || issuer === undefined) {
    checks.append(
      el('p', { class: 'help' }, 'The checks run when trust anchors and an issuer certificate are given.'),
    );
  } else if (key === undefined) {
    checks.append(
      el(
        'p',
        { class: 'help' },
        "Give the issuer's private key (tls.key) too: the checks match it against the certificate. It stays in this page and is never shown.",
      ),
    );
  } else {
    const results = await checkIdentity({
      bundle: anchors,
      issuer: { certificate: issuer, key: key.key },
      now: at,
    });
    checks.append(el('ul', { class: 'checks' }, ...results.map(checkLine)));
  }

  const certs = el(
    'section',
    { id: 'certificates', 'aria-labelledby': 'certs-heading' },
    el('h2', { id: 'certs-heading' }, `Certificates (${m.certs.length})`),
  );
  for (const c of m.certs) certs.append(await certCard(c, m, at));
  const unmatched = m.keys.filter((k) => !m.certs.some((c) => k.key.publicKey.equals(c.cert.publicKey)));
  for (const k of unmatched)
    certs.append(
      el('p', { class: 'warn' }, `A private key (${k.source}) matches none of these certificates.`),
    );

  const timeline = el(
    'section',
    { id: 'timeline', class: 'timeline', 'aria-labelledby': 'timeline-heading' },
    el('h2', { id: 'timeline-heading' }, 'Timeline'),
  );
  if (m.certs.length > 0) {
    try {
      const svg = timelineSvg({ ...(anchors.length ? { bundle: anchors } : {}), issuers, leaves, now: at });
      const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
      timeline.append(document.importNode(doc.documentElement, true));
    } catch (e) {
      timeline.append(el('p', { class: 'bad' }, message(e)));
    }
  }

  const notes = el(
    'section',
    { id: 'notes', 'aria-labelledby': 'notes-heading' },
    el('h2', { id: 'notes-heading' }, 'Notes'),
  );
  if (m.notes.length) notes.append(el('ul', {}, ...m.notes.map((n) => el('li', {}, n))));
  else notes.append(el('p', { class: 'help' }, 'Everything given was read.'));
  out.append(chains, checks, certs, timeline, notes);
}

// ---- wiring ----------------------------------------------------------------------------------------

let files: { name: string; bytes: Uint8Array }[] = [];
/** Private keys taken out of the text box: read once, then held here, and replaced there by a note. */
let held: { key: PrivateKey; source: string }[] = [];
const KEY_BLOCK = /-----BEGIN ((?:[A-Z]+ )?PRIVATE KEY)-----[^-]*-----END \1-----\r?\n?/g;

async function run(): Promise<void> {
  const m: Material = { certs: [], keys: [], notes: [] };
  const box = $<HTMLTextAreaElement>('input');
  box.value = box.value.replace(KEY_BLOCK, (block) => {
    const before = m.keys.length;
    readPem(m, block, `pasted key #${held.length + 1}`, false);
    if (m.keys.length === before) return block; // unreadable: left for the notes to explain
    held.push(m.keys.pop()!);
    return `[private key #${held.length}: read and held in this page's memory, not shown]\n`;
  });
  m.keys.push(...held);
  readText(m, box.value.replace(/^\[private key #\d+: .*\]$/gm, ''), 'pasted text');
  for (const f of files) readBytes(m, f.bytes, f.name);
  try {
    await inspect(m);
  } catch (e) {
    $('results').append(el('p', { class: 'bad' }, message(e)));
  }
  document.body.dataset.inspected = String(Number(document.body.dataset.inspected ?? '0') + 1);
}

async function addFiles(list: FileList | null): Promise<void> {
  for (const f of Array.from(list ?? []))
    files.push({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
  await run();
}

$('inspect').addEventListener('click', () => void run());
$('clear').addEventListener('click', () => {
  files = [];
  held = [];
  $<HTMLTextAreaElement>('input').value = '';
  $<HTMLInputElement>('file').value = '';
  void run();
});
$('file').addEventListener('change', (e) => void addFiles((e.target as HTMLInputElement).files));
$('input').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void run();
});
const drop = $('drop');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  void addFiles(e.dataTransfer?.files ?? null);
});
document.body.dataset.ready = 'true';
