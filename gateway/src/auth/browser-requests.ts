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

/**
 * Whether the browser vouches that this request comes from a page of `origin`: its `Origin` header is that origin,
 * or (a same-origin GET carries no Origin) its `Sec-Fetch-Site` is `same-origin`. Every browser the pages support
 * sends one of them; a request with neither is not trusted with a cookie.
 */
export function fromOwnPage(req: HeaderSource, origin: string): boolean {
  if (fromOtherSite(req, origin)) return false;
  return req.header('origin') === origin || req.header('sec-fetch-site') === 'same-origin';
}

/** Whether either header says this request comes from another site (an absent header says nothing). */
export function fromOtherSite(req: HeaderSource, origin: string): boolean {
  const sentOrigin = req.header('origin');
  const site = req.header('sec-fetch-site');
  return (sentOrigin !== undefined && sentOrigin !== origin) || site === 'cross-site' || site === 'same-site';
}
