import type { Context, Next } from 'koa';
import type { SecretScanningKeys } from '../../config/secret-scanning-keys.ts';
import type { LeakOutcome } from '../../domain/access-tokens/revoke-leaked-token.ts';
import { AppError, invalidInput } from '../../errors.ts';
import type { Logger } from '../../logging/create-logger.ts';
import type { LeakedTokens } from '../../oidc/leaked-tokens.ts';
import { sendProblem } from '../problems/problem-response.ts';
import { type GithubLabel, isGithubAlert, parseGithubAlert, verifyGithubSignature } from './github-alert.ts';
import { readRawBody } from './read-raw-body.ts';
import type { ReportRateLimit } from './report-rate-limit.ts';

/**
 * POST /leaked-tokens: anyone who found a Tessera token in public reports it here, without
 * authenticating; the token is revoked (oidc/leaked-tokens.ts). The public form's answer tells
 * nothing about the token: 202 and the same body whether it existed, was revoked already or never
 * was ours, and never sooner than ANSWER_FLOOR_MS after the request arrived, so the time a
 * revocation takes does not tell either. Signed GitHub secret scanning alerts (github-alert.ts)
 * are answered with a label per token, which is that program's contract: GitHub is authenticated.
 */
export const LEAKED_TOKENS_PATH = '/leaked-tokens';

/** Longer than a revocation's commit takes on a healthy database; the answer is padded to it. */
const ANSWER_FLOOR_MS = 250;
const FORM_LIMIT = 16 * 1024;
const ALERT_LIMIT = 1024 * 1024;
const URL_LIMIT = 4096;

export const RECEIVED = {
  status: 'received',
  detail: 'Thank you. If this is a Tessera token, it is revoked now and its owner is told.',
} as const;

export type LeakedTokenRouteDeps = {
  leakedTokens: LeakedTokens;
  secretScanningKeys: SecretScanningKeys;
  rateLimit: ReportRateLimit;
  logger: Logger;
  /** For tests of the floor's absence; the server always pads. */
  answerFloorMs?: number;
};

const sourceUrl = (value: string | null): string | undefined => {
  if (value === null || value === '') return undefined;
  if (value.length > URL_LIMIT || !URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw invalidInput('url must be the http(s) URL where the token was found', 'url');
  }
  return value;
};

const labelOf = (outcome: LeakOutcome): GithubLabel['label'] =>
  outcome === 'unknown' ? 'false_positive' : 'true_positive';

const delayUntil = (deadline: number) =>
  new Promise<void>((done) => setTimeout(done, Math.max(0, deadline - Date.now())));

export const createLeakedTokenRoute = (deps: LeakedTokenRouteDeps) => {
  const floor = deps.answerFloorMs ?? ANSWER_FLOOR_MS;

  const publicReport = async (ctx: Context) => {
    const deadline = Date.now() + floor;
    await deps.rateLimit.count(ctx.ip);
    if (!ctx.is('application/x-www-form-urlencoded')) {
      throw new AppError(
        'unsupported_media_type',
        'send a form (application/x-www-form-urlencoded) with token and url, or a signed GitHub secret scanning alert',
      );
    }
    const form = new URLSearchParams((await readRawBody(ctx, FORM_LIMIT)).toString('utf8'));
    const token = form.get('token');
    if (!token) throw invalidInput('token is required: the token you found', 'token');
    if (token.length > 8192) throw invalidInput('token is longer than any Tessera token', 'token');
    const url = sourceUrl(form.get('url'));
    const reporter = {
      kind: 'reporter' as const,
      id: 'public',
      meta: { ip: ctx.ip, userAgent: ctx.get('user-agent') || undefined },
    };
    await deps.leakedTokens.report(reporter, token, { url, source: 'public' });
    await delayUntil(deadline);
    ctx.status = 202;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = RECEIVED;
  };

  const githubAlert = async (ctx: Context) => {
    const header = (name: string) => ctx.get(name);
    const body = await readRawBody(ctx, ALERT_LIMIT);
    let keyId: string;
    try {
      keyId = verifyGithubSignature(deps.secretScanningKeys, header, body);
    } catch (error) {
      // A forged alert counts against its address like a public report; a genuine one does not.
      await deps.rateLimit.count(ctx.ip);
      throw error;
    }
    const alerts = parseGithubAlert(body);
    const meta = { ip: ctx.ip, userAgent: ctx.get('user-agent') || undefined };
    const reporter = { kind: 'reporter' as const, id: `github:${keyId}`, meta };
    const labels: GithubLabel[] = [];
    // One after another: a batch of a thousand must not take a thousand connections at once.
    for (const alert of alerts) {
      const url = alert.url && URL.canParse(alert.url) ? alert.url : undefined;
      const outcome = await deps.leakedTokens.report(reporter, alert.token, {
        url,
        source: alert.source ? `github:${alert.source}` : 'github',
      });
      labels.push({ token_raw: alert.token, token_type: alert.type, label: labelOf(outcome) });
    }
    ctx.status = 200;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = labels;
  };

  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.path !== LEAKED_TOKENS_PATH) return next();
    try {
      if (ctx.method !== 'POST') {
        throw new AppError('method_not_allowed', 'report a leaked token with POST', {
          headers: { Allow: 'POST' },
        });
      }
      if (isGithubAlert(ctx.get.bind(ctx))) await githubAlert(ctx);
      else await publicReport(ctx);
    } catch (error) {
      sendProblem(ctx, error, deps.logger);
    }
  };
};
