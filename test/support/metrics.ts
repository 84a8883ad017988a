import type { Stack } from './stack';

/** The sum of every sample of the metric `name` (whatever its labels) on a subgraph's /metrics; 0 when absent. */
export async function subgraphMetric(stack: Stack, subgraph: string, name: string): Promise<number> {
  const text = await (await fetch(stack.subgraphs[subgraph].url.replace('/graphql', '/metrics'))).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (match?.[1] === name) sum += Number(match[2]);
  }
  return sum;
}

/** The value of the first sample of `name` whose labels include `labels` in a /metrics text (label order is not fixed). */
export function metricSample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...match[2].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) return Number(match[3]);
  }
  return Number.NaN;
}
