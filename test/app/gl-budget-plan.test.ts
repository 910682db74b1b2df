/** The WebGL context budget's decision (app/renderers/gl-budget-plan.ts): who is released, who is given a context. */
import { describe, expect, it } from 'vitest';
import { liveAfter, planBudget, type BudgetViewState } from '../../app/renderers/gl-budget-plan.ts';

function view(id: number, live: boolean, wanted: boolean, lastVisible: number): BudgetViewState {
  return { id, live, wanted, lastVisible };
}

describe('planBudget', () => {
  it('gives every wanted view a context while there is room, and releases none', () => {
    const views = [view(0, false, true, 5), view(1, false, true, 7), view(2, false, false, 0)];
    const plan = planBudget(views, 8);
    expect(plan).toEqual({ release: [], acquire: [1, 0] });
    expect(liveAfter(views, plan)).toBe(2);
  });

  it('lets views scrolled away keep their contexts while under the cap', () => {
    const views = [view(0, true, false, 1), view(1, true, false, 2), view(2, false, true, 9)];
    expect(planBudget(views, 3)).toEqual({ release: [], acquire: [2] });
  });

  it('releases the least recently visible idle views first, just enough to make room', () => {
    // 8 live, none visible now (visible at times 1..8); two views scroll into view.
    const views: BudgetViewState[] = [];
    for (let i = 0; i < 8; i++) views.push(view(i, true, false, i + 1));
    views.push(view(8, false, true, 20), view(9, false, true, 21));
    const plan = planBudget(views, 8);
    expect(plan.release).toEqual([0, 1]);
    expect(plan.acquire).toEqual([9, 8]);
    expect(liveAfter(views, plan)).toBe(8);
  });

  it('gives 20 wanted views only the 8 most recently visible, never more than the cap', () => {
    const views: BudgetViewState[] = [];
    for (let i = 0; i < 20; i++) views.push(view(i, false, true, i % 2 === 0 ? 100 + i : i));
    const plan = planBudget(views, 8);
    // Even ids were seen at 100 + i: 18, 16, …, 4 are the 8 most recent.
    expect(plan.acquire).toEqual([18, 16, 14, 12, 10, 8, 6, 4]);
    expect(plan.release).toEqual([]);
    expect(liveAfter(views, plan)).toBe(8);
  });

  it('takes a context from a live view that is still wanted but less recently visible when the cap is full of wanted views', () => {
    // 3 live and wanted (seen at 1, 2, 3), a 4th asked for (focused: seen at 10), cap 3.
    const views = [view(0, true, true, 1), view(1, true, true, 2), view(2, true, true, 3), view(3, false, true, 10)];
    const plan = planBudget(views, 3);
    expect(plan).toEqual({ release: [0], acquire: [3] });
    expect(liveAfter(views, plan)).toBe(3);
  });

  it('releases down to a lowered cap, oldest first, and breaks ties by page order', () => {
    const views = [view(0, true, false, 4), view(1, true, false, 4), view(2, true, false, 4), view(3, true, false, 9)];
    const plan = planBudget(views, 2);
    expect(plan).toEqual({ release: [2, 1], acquire: [] });
    expect(liveAfter(views, plan)).toBe(2);
  });

  it('is stable: applying a plan and planning again changes nothing', () => {
    const views: BudgetViewState[] = [];
    for (let i = 0; i < 12; i++) views.push(view(i, i < 6, i >= 4 && i < 10, i));
    const plan = planBudget(views, 5);
    const released = new Set(plan.release), acquired = new Set(plan.acquire);
    const after = views.map((v) => ({ ...v, live: (v.live && !released.has(v.id)) || acquired.has(v.id) }));
    expect(liveAfter(views, plan)).toBe(5);
    expect(planBudget(after, 5)).toEqual({ release: [], acquire: [] });
  });

  it('refuses a cap that is not a positive integer', () => {
    expect(() => planBudget([], 0)).toThrow(RangeError);
    expect(() => planBudget([], 2.5)).toThrow(/positive integer/);
  });
});
