import type { Response } from 'express';
import { escapeHtml, renderScriptFreePage, scriptFreePageHeaders, styleNonce } from '../web/script-free-page';

/**
 * The sign-in page of `/oauth2/authorize`: rendered on the server without any script (the CSP forbids script), so
 * nothing on it can read the password but the form post to this origin.
 */

const STYLE = `
  body { font-family: system-ui, sans-serif; margin: 0; background: #f6f8fa; color: #1f2328; }
  main { max-width: 24rem; margin: 4rem auto; padding: 2rem; background: #fff; border: 1px solid #d0d7de; border-radius: 8px; }
  h1 { font-size: 1.4rem; margin: 0 0 1.25rem; }
  label { display: block; margin: 1rem 0 .25rem; font-weight: 600; }
  input { box-sizing: border-box; width: 100%; padding: .6rem; font-size: 1rem; border: 1px solid #8c959f; border-radius: 6px; }
  button { margin-top: 1.5rem; width: 100%; padding: .75rem; font-size: 1rem; font-weight: 600; color: #fff; background: #1f6feb; border: 0; border-radius: 6px; cursor: pointer; }
  button:focus-visible, input:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
  .error { margin: 0 0 1rem; padding: .75rem; border-radius: 6px; background: #ffebe9; border: 1px solid #ff818266; }
  @media (max-width: 420px) { main { margin: 0; border: 0; border-radius: 0; min-height: 100vh; } }
`;

export interface SignInPageView {
  /** The authorization request's parameters, posted back with the form. */
  request: Record<string, string>;
  csrf: string;
  email?: string;
  /** A sentence for the person (a refused sign-in); never a detail of why. */
  error?: string;
}

function page(title: string, styleNonce: string, body: string): string {
  return renderScriptFreePage({ title, styleNonce, style: STYLE, body });
}

const hidden = (name: string, value: string) =>
  `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;

export function renderSignInPage(view: SignInPageView, styleNonce: string): string {
  const error = view.error ? `<p class="error" role="alert" id="sign-in-error">${escapeHtml(view.error)}</p>` : '';
  const described = view.error ? ' aria-describedby="sign-in-error"' : '';
  return page(
    'Sign in',
    styleNonce,
    `<h1>Sign in</h1>
${error}<form method="post" action="/oauth2/authorize">
${Object.entries(view.request)
  .map(([name, value]) => hidden(name, value))
  .join('\n')}
${hidden('csrf', view.csrf)}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(view.email ?? '')}"${described}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${described}>
<button type="submit">Sign in</button>
</form>`,
  );
}

/**
 * Answers a sign-in that cannot go on (an unknown application, a form that expired, a callback that does not match)
 * with a page saying what happened and what to do.
 */
export function sendSignInError(res: Response, status: number, message: string): void {
  const nonce = styleNonce();
  scriptFreePageHeaders(res, nonce, []);
  res
    .status(status)
    .type('html')
    .send(page('Cannot sign in', nonce, `<h1>Cannot sign in</h1>\n<p role="alert">${escapeHtml(message)}</p>`));
}
