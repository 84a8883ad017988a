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
