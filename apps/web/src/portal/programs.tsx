import { useMutation, useQuery } from '@apollo/client/react';
import {
  PortalLoyaltyProgramsDocument,
  type PortalProgramFragment,
  type PortalProgramSettingsFragment,
  PortalUpdateLoyaltyProgramDocument,
  type VerificationPreset,
} from '@pos/client';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { failureSentence, restCall } from './failure';
import { when } from './format';
import { SecretOnce } from './secret-once';
import { ProblemList } from './alerts';

/**
 * Loyalty → Programs: a merchant's "app settings" for each of the partner's loyalty programs (the loyalty subgraph's
 * updateLoyaltyProgram, through the graph), the last changes with who made them, and the program's POS keys (the
 * gateway's REST routes, which own the keys). Partner admins only: the navigation does not offer it to developers,
 * and the gateway refuses them anyway.
 */

const PRESETS: ReadonlyArray<[VerificationPreset, string]> = [
  ['STANDARD', 'Standard: no PIN'],
  ['BALANCED', 'Balanced: PIN to redeem'],
  ['STRICT', 'Strict: PIN for everything'],
];

const SETTING_NAMES: Record<keyof Omit<PortalProgramSettingsFragment, '__typename'>, string> = {
  earnRatio: 'earn ratio',
  preset: 'verification preset',
  stampsPerCard: 'stamps per card',
  maxStampsPerEarn: 'maximum stamps per earn',
  rewardName: 'reward name',
};

/** "earn ratio 1 → 2, reward name Free Coffee → Free Tea": what a change changed. */
function changed(before: PortalProgramSettingsFragment, after: PortalProgramSettingsFragment): string {
  return (Object.keys(SETTING_NAMES) as Array<keyof typeof SETTING_NAMES>)
    .filter((key) => before[key] !== after[key])
    .map((key) => `${SETTING_NAMES[key]} ${String(before[key])} → ${String(after[key])}`)
    .join(', ');
}

function Settings({ program, personId }: { program: PortalProgramFragment; personId: string }) {
  const [save, { loading }] = useMutation(PortalUpdateLoyaltyProgramDocument);
  const [problems, setProblems] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const id = (name: string) => `${name}-${program.id}`;
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(false);
    const form = new FormData(event.currentTarget);
    const number = (name: string) => Number(String(form.get(name) ?? '').trim());
    try {
      const { data } = await save({
        variables: {
          input: {
            id: program.id,
            earnRatio: number('earnRatio'),
            preset: String(form.get('preset')) as VerificationPreset,
            stampsPerCard: number('stampsPerCard'),
            maxStampsPerEarn: number('maxStampsPerEarn'),
            rewardName: String(form.get('rewardName') ?? ''),
          },
        },
      });
      const result = data?.updateLoyaltyProgram;
      if (!result) return setProblems(['The settings were not saved. Try again.']);
      if (result.userErrors.length) {
        return setProblems(
          result.userErrors.map((e) => {
            const field = e.field?.[1] as keyof typeof SETTING_NAMES | undefined;
            return field && SETTING_NAMES[field] ? `The ${SETTING_NAMES[field]} ${e.message}.` : e.message;
          }),
        );
      }
      setProblems([]);
      setSaved(true);
    } catch (error) {
      setProblems([failureSentence(error)]);
    }
  };
  const who = (actorKind: string, actorId: string) =>
    actorId === personId ? 'you' : actorKind === 'person' ? 'a colleague' : `API client ${actorId}`;
  return (
    <>
      <form onSubmit={(e) => void submit(e)} aria-label={`Settings of ${program.name}`}>
        <ProblemList problems={problems} />
        {saved && (
          <p className="saved" role="status">
            Saved. The next earn or redeem uses these settings.
          </p>
        )}
        <div className="fields">
          <div>
            <label htmlFor={id('earn-ratio')}>Earn ratio</label>
            <input
              id={id('earn-ratio')}
              name="earnRatio"
              type="number"
              inputMode="decimal"
              step="0.0001"
              min="0"
              max="100"
              required
              defaultValue={program.earnRatio}
              aria-describedby={id('earn-ratio-help')}
            />
            <p className="muted" id={id('earn-ratio-help')}>
              Points per 1 {program.currency} spent.
            </p>
          </div>
          <div>
            <label htmlFor={id('preset')}>Verification preset</label>
            <select id={id('preset')} name="preset" defaultValue={program.preset}>
              {PRESETS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor={id('stamps')}>Stamps per card</label>
            <input
              id={id('stamps')}
              name="stampsPerCard"
              type="number"
              min="1"
              max="50"
              required
              defaultValue={program.stampsPerCard}
            />
          </div>
          <div>
            <label htmlFor={id('max-stamps')}>Maximum stamps per earn</label>
            <input
              id={id('max-stamps')}
              name="maxStampsPerEarn"
              type="number"
              min="1"
              max="50"
              required
              defaultValue={program.maxStampsPerEarn}
            />
          </div>
          <div>
            <label htmlFor={id('reward')}>Reward name</label>
            <input id={id('reward')} name="rewardName" maxLength={100} required defaultValue={program.rewardName} />
          </div>
        </div>
        <p className="actions">
          <button type="submit" disabled={loading}>
            Save
          </button>
        </p>
      </form>
      <section aria-label={`Changes of ${program.name}`}>
        <h3>Changes</h3>
        {program.changes.nodes.length === 0 ? (
          <p className="muted">No changes yet.</p>
        ) : (
          <ul className="changes">
            {program.changes.nodes.map((change) => (
              <li key={change.id}>
                <span className="muted">{when(change.createdAt)}</span> by {who(change.actorKind, change.actorId)}:{' '}
                {changed(change.before, change.after)}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

interface PosKey {
  id: string;
  label: string;
  active: boolean;
  created_at: string;
  revoked_at: string | null;
}

function PosKeys({ program }: { program: PortalProgramFragment }) {
  const path = `/pos/v1/loyalty-programs/${program.id}/pos-keys`;
  const [keys, setKeys] = useState<PosKey[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [issued, setIssued] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setKeys((await restCall<{ data: PosKey[] }>('GET', path)).data);
    } catch (error) {
      setProblem(failureSentence(error));
    }
  }, [path]);
  useEffect(() => void load(), [load]);
  const act = async (work: () => Promise<void>) => {
    setProblem(null);
    try {
      await work();
      await load();
    } catch (error) {
      setProblem(failureSentence(error));
    }
  };
  const issue = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const label = String(new FormData(form).get('label') ?? '').trim();
    if (!label) return setProblem('Give the key a label, e.g. the till it is for.');
    void act(async () => {
      setIssued((await restCall<{ key: string }>('POST', path, { label })).key);
      form.reset();
    });
  };
  const labelId = `key-label-${program.id}`;
  return (
    <section aria-label={`POS keys of ${program.name}`}>
      <h3>POS keys</h3>
      {issued && (
        <SecretOnce heading="POS key issued" label="POS key" secret={issued} onDone={() => setIssued(null)}>
          The POS sends this key as <code>X-Api-Key</code> to the loyalty API. Copy it now: it is not shown again.
        </SecretOnce>
      )}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {keys && keys.length > 0 && (
        <ul className="changes">
          {keys.map((key) => (
            <li key={key.id}>
              <strong>{key.label}</strong>{' '}
              <span className="muted">
                issued {when(key.created_at)}
                {key.revoked_at ? `, revoked ${when(key.revoked_at)}` : ''}
              </span>{' '}
              {key.active && (
                <button
                  type="button"
                  className="link"
                  aria-label={`Revoke ${key.label}`}
                  onClick={() =>
                    void act(async () => {
                      await restCall('POST', `${path}/${key.id}/revoke`);
                    })
                  }
                >
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {keys && keys.length === 0 && <p className="muted">No keys issued here yet.</p>}
      <form className="rotate" onSubmit={issue}>
        <label htmlFor={labelId}>Label</label>
        <input id={labelId} name="label" maxLength={200} autoComplete="off" />
        <button type="submit">Issue key</button>
      </form>
    </section>
  );
}

export function ProgramsPage({ personId }: { personId: string }) {
  const { data, loading, error } = useQuery(PortalLoyaltyProgramsDocument);
  const programs = data?.loyaltyPrograms ?? [];
  return (
    <>
      <h1>Programs</h1>
      <p className="muted">Your merchant app settings: each change applies to the next earn or redeem.</p>
      {error && (
        <p className="error" role="alert">
          {failureSentence(error)}
        </p>
      )}
      {loading && !data ? (
        <p className="muted">Loading…</p>
      ) : programs.length === 0 ? (
        !error && <p className="muted">No loyalty programs.</p>
      ) : (
        programs.map((program) => (
          <article key={program.id} className="card program" aria-labelledby={`program-${program.id}`}>
            <h2 id={`program-${program.id}`}>
              {program.name}
              {!program.subscriptionActive && <span className="muted"> (subscription lapsed)</span>}
            </h2>
            <Settings program={program} personId={personId} />
            <PosKeys program={program} />
          </article>
        ))
      )}
    </>
  );
}
