import { describe, expect, it } from 'vitest';
import { applyOverrides, coerceParameter, overridesRecord, parseParameterArgs, ParameterOverrideError } from '../../kernel/parameters.ts';
import { Kernel } from '../../kernel/runtime.ts';
import type { KernelMessage } from '../../kernel/protocol.ts';

describe('parseParameterArgs', () => {
  it('keeps every name as an own key, __proto__ included, and survives structured clone', () => {
    const m = parseParameterArgs(['__proto__=1', 'constructor=2', 'minHu=300', 'expr=a=b']);
    expect([...m]).toEqual([['__proto__', '1'], ['constructor', '2'], ['minHu', '300'], ['expr', 'a=b']]);
    const sent = structuredClone(overridesRecord(m));
    expect(Object.keys(sent)).toEqual(['__proto__', 'constructor', 'minHu', 'expr']);
    expect(Object.hasOwn(sent, '__proto__')).toBe(true);
  });

  it('refuses a name given twice', () => {
    expect(() => parseParameterArgs(['minHu=300', 'minHu=400'])).toThrow(/-p minHu is given twice \("300" and "400"\)/);
  });

  it('refuses a missing = and a name that is not an identifier', () => {
    expect(() => parseParameterArgs(['minHu'])).toThrow(/expected name=value/);
    expect(() => parseParameterArgs(['=3'])).toThrow(/expected name=value/);
    expect(() => parseParameterArgs(['min hu=3'])).toThrow(/"min hu" is not a parameter name/);
  });
});

describe('coerceParameter', () => {
  const bad: Array<[string, RegExp]> = [
    ['0x10', /"0x10" is not written in decimal/],
    ['0b1', /not written in decimal/],
    [' 12 ', /" 12 " has spaces around it/],
    ["1e", /"1e" is not a number \(write a decimal/],
    ['Infinity', /"Infinity" is not a finite number/],
    ['-Infinity', /is not a finite number/],
    ['NaN', /"NaN" is not a finite number/],
    ['', /"" is empty/],
    ['1_000', /is not a number/],
    ['12px', /is not a number/],
    ['1e400', /too large/],
  ];
  for (const [text, why] of bad) {
    it(`refuses ${JSON.stringify(text)} as a number, saying why`, () => {
      expect(() => coerceParameter('minHu', text, 226)).toThrow(ParameterOverrideError);
      expect(() => coerceParameter('minHu', text, 226)).toThrow(why);
      expect(() => coerceParameter('minHu', text, 226)).toThrow(/parameter minHu: .*\(its default is 226\)/);
    });
  }

  it('accepts decimal literals', () => {
    expect(['-12', '3.5', '1e-3', '.5', '5.', '0', '-0.25E+2'].map((t) => coerceParameter('x', t, 1))).toEqual([-12, 3.5, 0.001, 0.5, 5, 0, -25]);
  });

  it('accepts only true and false for a boolean', () => {
    expect(coerceParameter('b', 'true', false)).toBe(true);
    expect(coerceParameter('b', 'false', true)).toBe(false);
    for (const t of ['True', '1', 'yes', '']) expect(() => coerceParameter('b', t, false)).toThrow(/is not true or false/);
  });

  it('keeps text for a string default and checks the kind of JSON for arrays and objects', () => {
    expect(coerceParameter('s', ' 12 ', 'a')).toBe(' 12 ');
    expect(coerceParameter('xs', '[1,2]', [0])).toEqual([1, 2]);
    expect(() => coerceParameter('xs', '{"a":1}', [0])).toThrow(/is an object, not an array/);
    expect(() => coerceParameter('o', '[1]', { a: 1 })).toThrow(/is an array, not an object/);
    expect(() => coerceParameter('o', '{a:1}', { a: 1 })).toThrow(/is not valid JSON/);
    expect(coerceParameter('n', '7', 3n)).toBe(7n);
  });
});

describe('applyOverrides', () => {
  const defaults = () => ({ minHu: 226, input: 'ct' });
  for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
    it(`refuses "${name}", which the parameters cell does not define, listing the known names`, () => {
      const values = defaults();
      expect(() => applyOverrides(values, new Map([[name, '1']]))).toThrow(`unknown parameter "${name}"; the parameters cell defines: minHu, input`);
      expect(values).toEqual(defaults());
      expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
    });
  }

  it('names every unknown parameter at once', () => {
    expect(() => applyOverrides(defaults(), new Map([['a', '1'], ['minHu', '3'], ['b', '2']]))).toThrow('unknown parameters "a", "b"; the parameters cell defines: minHu, input');
  });
});

describe('Kernel parameter overrides', () => {
  async function runWith(overrides: Record<string, unknown>) {
    const messages: KernelMessage[] = [];
    const kernel = new Kernel({ importModule: async () => ({}) }, (m) => messages.push(m));
    await kernel.open(`// %% id="p" tags=["parameters"]\nconst n = 3;\n\n// %% id="a"\nn * 2\n`, overrides);
    const ok = await kernel.run();
    const p = messages.filter((m): m is Extract<KernelMessage, { type: 'cell' }> => m.type === 'cell' && m.id === 'p').pop()!;
    return { ok, p };
  }

  it('refuses constructor=1 (a name on Object.prototype) instead of accepting it', async () => {
    const { ok, p } = await runWith({ constructor: '1' });
    expect(ok).toBe(false);
    expect(p.error).toMatchObject({ name: 'ParameterOverrideError', message: 'unknown parameter "constructor"; the parameters cell defines: n' });
  });

  it('refuses __proto__=1 instead of dropping it', async () => {
    const { ok, p } = await runWith(overridesRecord(parseParameterArgs(['__proto__=1'])));
    expect(ok).toBe(false);
    expect(p.error?.message).toMatch(/unknown parameter "__proto__"/);
  });
});
