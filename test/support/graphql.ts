import type { Stack } from './stack';

/** POSTs any JSON body to the gateway's /graphql as `token`: for request shapes beyond `{ query, variables }`. */
export async function postBody(stack: Stack, body: unknown, token: string) {
  const response = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}
