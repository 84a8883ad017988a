import { failureSentence } from './failure';

/** What a form's fields got wrong, a line each, announced as an alert; nothing while nothing is wrong. */
export function ProblemList({ problems }: { problems: readonly string[] }) {
  if (problems.length === 0) return null;
  return (
    <div className="error" role="alert">
      <ul>
        {problems.map((p) => (
          <li key={p}>{p}</li>
        ))}
      </ul>
    </div>
  );
}

/** A list's refusal as one sentence: what the page found wrong, else what the failed request says. */
export function FailureAlert({ problem, error }: { problem: string | null | undefined; error: unknown }) {
  if (!problem && !error) return null;
  return (
    <p className="error" role="alert">
      {problem ?? failureSentence(error)}
    </p>
  );
}
