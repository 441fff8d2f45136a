import {
  type CertTimes,
  certManagerRenewalTime,
  formatDuration,
  formatPlan,
  planHierarchy,
  proxyRefreshDelay,
} from '../../schedule';
import { timelineSvg } from '../../timeline';
import type { Certificate } from '../../x509/types';
import { durationFlag, HELP, parseFor, rfc3339, timeOrNow } from '../args';
import { type Command, printJson, showHelp } from '../command';
import { relative } from '../describe';
import { CliError, EXIT, toCliError, usageError } from '../errors';
import { readBundle, readCertificates } from '../inputs';
import { writeOutputs } from '../io';

const OPTIONS = {
  ...HELP,
  cert: { type: 'string' },
  anchors: { type: 'string' },
  'issuer-cert': { type: 'string' },
  'renew-before': { type: 'string' },
  'renew-before-percentage': { type: 'string' },
  'leaf-lifetime': { type: 'string' },
  now: { type: 'string' },
  svg: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

function times(cert: Certificate): CertTimes {
  const t = { notBefore: cert.notBefore, notAfter: cert.notAfter };
  return cert.subject.commonName === undefined ? t : { ...t, subject: cert.subject.commonName };
}

function renewalFlags(values: {
  'renew-before'?: string | undefined;
  'renew-before-percentage'?: string | undefined;
}): { renewBefore?: number; renewBeforePercentage?: number } | undefined {
  const before = values['renew-before'];
  const pct = values['renew-before-percentage'];
  if (before === undefined && pct === undefined) return undefined;
  if (pct !== undefined && !/^\d{1,3}$/.test(pct)) {
    throw new CliError(EXIT.USAGE, '--renew-before-percentage must be a whole number, like 33');
  }
  return {
    ...(before === undefined ? {} : { renewBefore: durationFlag(before, '--renew-before') }),
    ...(pct === undefined ? {} : { renewBeforePercentage: Number(pct) }),
  };
}

/**
 * `l5d-pki schedule`: for one certificate, when the proxy refreshes it and when cert-manager renews it;
 * for anchors and an issuer, the plan of the whole hierarchy.
 */
export const schedule: Command = async (args, io) => {
  const { values } = parseFor('schedule', { args, options: OPTIONS });
  if (values.help) return showHelp(io, 'schedule');
  const now = timeOrNow(values.now, '--now');
  const renewal = renewalFlags(values);
  const leafLifetime =
    values['leaf-lifetime'] === undefined
      ? undefined
      : durationFlag(values['leaf-lifetime'], '--leaf-lifetime');
  const planWanted = values.anchors !== undefined || values['issuer-cert'] !== undefined;
  if (planWanted && (values.anchors === undefined || values['issuer-cert'] === undefined)) {
    throw usageError('a plan needs both --anchors and --issuer-cert', 'schedule');
  }
  if (values.cert === undefined && !planWanted) {
    throw usageError('missing --cert (or --anchors with --issuer-cert)', 'schedule');
  }

  const lines: string[] = [];
  const json: Record<string, unknown> = { now: rfc3339(now) };
  if (values.cert !== undefined) {
    const cert = readCertificates(values.cert, 'certificate')[0]!;
    let delay: number;
    let renewAt: Date;
    try {
      delay = proxyRefreshDelay({ notAfter: cert.notAfter, now });
      renewAt = certManagerRenewalTime({ notBefore: cert.notBefore, notAfter: cert.notAfter, ...renewal });
    } catch (e) {
      throw toCliError(e);
    }
    // Printed in whole seconds, as every time the CLI prints; a CA is never refreshed by a proxy.
    const isCa = cert.basicConstraints?.ca === true;
    delay = Math.round(delay / 1000) * 1000;
    const refreshAt = new Date(now.getTime() + delay);
    const lifetime = cert.notAfter.getTime() - cert.notBefore.getTime();
    const rule =
      renewal?.renewBefore !== undefined && renewal.renewBefore > 0 && renewal.renewBefore < lifetime
        ? `renewBefore ${formatDuration(renewal.renewBefore)}`
        : renewal?.renewBeforePercentage !== undefined &&
            renewal.renewBeforePercentage > 0 &&
            renewal.renewBeforePercentage < 100
          ? `renewBeforePercentage ${renewal.renewBeforePercentage}`
          : 'a third of the lifetime before expiry';
    json.certificate = {
      subject: cert.subject.commonName ?? null,
      notBefore: rfc3339(cert.notBefore),
      notAfter: rfc3339(cert.notAfter),
      proxyRefresh: isCa
        ? null
        : {
            delayMs: delay,
            delay: formatDuration(delay),
            at: rfc3339(refreshAt),
          },
      certManagerRenewal: { at: rfc3339(renewAt), rule },
    };
    lines.push(
      `certificate    CN=${cert.subject.commonName ?? ''}  ${rfc3339(cert.notBefore)} .. ${rfc3339(cert.notAfter)}${isCa ? ' (a CA)' : ''}`,
      ...(isCa
        ? []
        : [
            `proxy refresh  ${rfc3339(refreshAt)} (in ${formatDuration(delay)}: 70% of the time left, within 10s..24h)`,
          ]),
      `cert-manager   ${rfc3339(renewAt)} (${relative(renewAt, now)}; ${rule})`,
    );
  }
  if (planWanted) {
    const anchors = readBundle(values.anchors!);
    const issuer = readCertificates(values['issuer-cert']!, 'issuer certificate')[0]!;
    let plan: ReturnType<typeof planHierarchy>;
    try {
      plan = planHierarchy({
        anchors: anchors.map(times),
        issuer: times(issuer),
        now,
        ...(leafLifetime === undefined ? {} : { leafLifetime }),
        ...(renewal === undefined ? {} : { issuerRenewal: renewal }),
      });
    } catch (e) {
      throw toCliError(e);
    }
    json.plan = {
      leafValidUntil: rfc3339(plan.leafValidUntil),
      leafRefreshEveryMs: Math.round(plan.leafRefreshEvery / 1000) * 1000,
      events: plan.events.map((e) => ({ ...e, at: rfc3339(e.at) })),
      warnings: plan.warnings,
    };
    if (lines.length > 0) lines.push('');
    const second = (ms: number) => Math.floor(ms / 1000) * 1000;
    lines.push(
      formatPlan({
        ...plan,
        leafValidUntil: new Date(second(plan.leafValidUntil.getTime())),
        leafRefreshEvery: Math.round(plan.leafRefreshEvery / 1000) * 1000,
        events: plan.events.map((e) => ({ ...e, at: new Date(second(e.at.getTime())) })),
      }),
    );
  }
  if (values.svg !== undefined) {
    // The timeline: --cert drawn in its role (anchor, issuer or leaf), with the plan's anchors and issuer.
    const certs = [
      ...(values.cert === undefined ? [] : readCertificates(values.cert, 'certificate').slice(0, 1)),
      ...(planWanted ? readCertificates(values['issuer-cert']!, 'issuer certificate').slice(0, 1) : []),
    ];
    const role = (c: Certificate) => (!c.basicConstraints?.ca ? 'leaf' : c.selfIssued ? 'anchor' : 'issuer');
    const anchors = [
      ...(planWanted ? readBundle(values.anchors!) : []),
      ...certs.filter((c) => role(c) === 'anchor'),
    ];
    let svg: string;
    try {
      svg = timelineSvg({
        ...(anchors.length === 0 ? {} : { bundle: anchors }),
        issuers: certs.filter((c) => role(c) === 'issuer'),
        leaves: certs.filter((c) => role(c) === 'leaf'),
        now,
        ...(leafLifetime === undefined ? {} : { leafLifetime }),
        ...(renewal !== undefined || !planWanted ? { issuerRenewal: renewal ?? {} } : {}),
      });
    } catch (e) {
      throw toCliError(e);
    }
    writeOutputs([{ path: values.svg, data: svg }], true);
    json.svgFile = values.svg;
    lines.push('', `wrote ${values.svg} (the timeline, SVG)`);
  }
  if (values.json) printJson(io, json);
  else io.out(`${lines.join('\n')}\n`);
  return EXIT.OK;
};
