import { describe, expect, it } from '@jest/globals';
import { climb } from './stats.js';

interface Step {
  readonly rate: number;
  readonly p99: number;
  readonly missing: number;
}

const judge = { sustained: (step: Step) => step.p99 <= 100 && step.missing === 0, retryable: (step: Step) => step.missing === 0 };

/** A server whose steps answer from a script: each rate's outcomes in the order it is taken. */
function scripted(outcomes: Record<number, readonly Omit<Step, 'rate'>[]>) {
  const taken: number[] = [];
  const take = (rate: number) => {
    const outcome = outcomes[rate]?.[taken.filter((each) => each === rate).length] ?? { p99: 10, missing: 0 };
    taken.push(rate);
    return Promise.resolve({ rate, ...outcome });
  };
  return { taken, take };
}

describe(climb.name, () => {
  it('takes a rate missed on p99 once more, and climbs on when the second step holds', async () => {
    const server = scripted({
      4: [{ p99: 140, missing: 0 }],
      6: [
        { p99: 150, missing: 0 },
        { p99: 120, missing: 0 },
      ],
    });
    const steps = await climb([2, 4, 6, 8], server.take, judge);
    expect(server.taken).toEqual([2, 4, 4, 6, 6]);
    expect(steps.filter(judge.sustained).at(-1)?.rate).toBe(4);
  });

  it('stops at once on what one pause cannot explain', async () => {
    const server = scripted({ 4: [{ p99: 20, missing: 3 }] });
    await climb([2, 4, 6], server.take, judge);
    expect(server.taken).toEqual([2, 4]);
  });
});
