/**
 * What the gateway reads of a browser's request when a cookie, not a bearer token, says who is calling: the cookie
 * itself, and where the request comes from. A browser attaches cookies to requests other sites make it send, so a
 * cookie alone proves nothing about intent (cross-site request forgery).
 */

/** An HTTP request's headers, as Express's Request reads them (and a WebSocket upgrade request, kept until init). */
export interface HeaderSource {
  header(name: string): string | undefined;
}

/** The headers of a Node request (a WebSocket upgrade), read as {@link HeaderSource}. */
export function headersOf(headers: Record<string, string | string[] | undefined>): HeaderSource {
  return {
    header: (name) => {
      const value = headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

export function cookieValue(req: HeaderSource, name: string): string | null {
  for (const part of (req.header('cookie') ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return null;
}

/** The origin of a URL, or null when it is not one. */
export const originOf = (url: string): string | null => {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
};

/**
 * Why the browser says this request comes from somewhere other than a page of `ownOrigin`, or null when neither of
 * its headers says so: `Sec-Fetch-Site` other than `same-origin`, or an `Origin` that is neither `ownOrigin` nor the
 * origin of the host the request was sent to (a gateway reached under another name than its PUBLIC_URL). An absent
 * header says nothing. The hosted checkout's forms, the sign-in page and the portal's session all use this one rule.
 */
export function crossSiteReason(req: HeaderSource, ownOrigin: string | null): string | null {
  const site = req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') return `Sec-Fetch-Site: ${site}`;
  const origin = req.header('origin');
  if (origin === undefined || origin === ownOrigin) return null;
  const host = req.header('host');
  return host && originOf(origin) !== null && new URL(origin).host === host ? null : `Origin: ${origin}`;
}

/**
 * Whether the browser vouches that this request comes from a page of `ownOrigin`: no header says otherwise (above),
 * and one says so (an `Origin`, or `Sec-Fetch-Site: same-origin` on a same-origin GET, which carries no Origin).
 * Every browser the pages support sends one of them; a request with neither is not trusted with a cookie.
 */
export function fromOwnPage(req: HeaderSource, ownOrigin: string): boolean {
  if (crossSiteReason(req, ownOrigin) !== null) return false;
  return req.header('origin') !== undefined || req.header('sec-fetch-site') === 'same-origin';
}
