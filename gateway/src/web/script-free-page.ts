import { randomBytes } from 'node:crypto';
import type { Response } from 'express';

/**
 * What the gateway's server-rendered pages share (the hosted checkout, the sign-in page): no script at all, so the
 * Content-Security-Policy forbids every script; one inline stylesheet admitted by a per-response nonce; every value
 * from a request or a row escaped.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]);

/** A fresh nonce for a response's one stylesheet. */
export const styleNonce = () => randomBytes(16).toString('base64');

/**
 * The headers of a page without script: nothing may load but the nonce's stylesheet, forms post only to this origin
 * and `formTargets`, no framing, nothing cached, no referrer beyond this origin.
 */
export function scriptFreePageHeaders(res: Response, styleNonce: string, formTargets: string[]): void {
  const formAction = formTargets.length ? `'self' ${[...new Set(formTargets)].join(' ')}` : "'none'";
  res.setHeader(
    'Content-Security-Policy',
    `default-src 'none'; style-src 'nonce-${styleNonce}'; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
  );
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
  res.setHeader('X-Robots-Tag', 'noindex, nofollow');
}

/** A whole page: `body` goes in `<main>`, `style` in the one stylesheet the nonce admits. */
export function renderScriptFreePage(page: { title: string; styleNonce: string; style: string; body: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(page.title)}</title>
<style nonce="${escapeHtml(page.styleNonce)}">${page.style}</style>
</head>
<body>
<main>
${page.body}
</main>
</body>
</html>
`;
}
