/**
 * The notebook's dataflow graph (DESIGN.md §2). Invariants once built:
 * - every name is defined by at most one cell; cells that define the same name carry an
 *   error and have no outgoing edges for it;
 * - an edge a → b means b reads a name a defines;
 * - `order` lists the runnable cells so that each comes after all its parents, ties broken
 *   by document order; cells on a cycle are left out and carry an error.
 */

export interface GraphCell {
  readonly id: string;
  readonly defines: readonly string[];
  readonly references: ReadonlySet<string>;
}

export interface Graph {
  /** Parents (cells it reads from), by cell id. */
  readonly parents: ReadonlyMap<string, readonly string[]>;
  readonly children: ReadonlyMap<string, readonly string[]>;
  /** Which cell defines each name. */
  readonly definer: ReadonlyMap<string, string>;
  /** Names each cell reads from other cells, sorted. */
  readonly inputs: ReadonlyMap<string, readonly string[]>;
  /** Topological order of the cells without structural errors. */
  readonly order: readonly string[];
  /** Structural errors by cell id (duplicate definitions, cycles). */
  readonly errors: ReadonlyMap<string, readonly string[]>;
}

/**
 * Builds the graph from each cell's definitions and free references (from `analyzeCell`).
 * Cycles are found with Tarjan's strongly connected components (Tarjan 1972,
 * doi:10.1137/0201010), the order with Kahn's algorithm (Kahn 1962, doi:10.1145/368996.369025).
 * Never throws: problems are returned in `errors`, keyed by cell id.
 */
export function buildGraph(cells: readonly GraphCell[]): Graph {
  const errors = new Map<string, string[]>();
  const addError = (id: string, msg: string) => {
    const list = errors.get(id) ?? [];
    list.push(msg);
    errors.set(id, list);
  };
  // Definitions: one cell per name.
  const definers = new Map<string, string[]>();
  for (const c of cells) for (const name of c.defines) {
    if (name.startsWith('_')) continue;
    const list = definers.get(name) ?? [];
    list.push(c.id);
    definers.set(name, list);
  }
  const definer = new Map<string, string>();
  for (const [name, ids] of definers) {
    if (ids.length === 1) definer.set(name, ids[0]!);
    else for (const id of ids) addError(id, `"${name}" is defined in ${ids.length} cells (${ids.join(', ')}); a name may be defined in one cell only`);
  }
  // Edges.
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  const inputs = new Map<string, string[]>();
  for (const c of cells) {
    parents.set(c.id, []);
    children.set(c.id, []);
  }
  for (const c of cells) {
    const ins: string[] = [];
    const ps = new Set<string>();
    for (const name of c.references) {
      const d = definer.get(name) ?? (definers.has(name) ? definers.get(name)![0] : undefined);
      if (d === undefined || d === c.id) continue;
      ins.push(name);
      ps.add(d);
    }
    inputs.set(c.id, ins.sort());
    for (const p of ps) {
      parents.get(c.id)!.push(p);
      children.get(p)!.push(c.id);
    }
  }
  // Cycles: Tarjan's strongly connected components; any component of size > 1 is a cycle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let counter = 0;
  const strong = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of children.get(v)!) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) {
        const ring = cells.map((c) => c.id).filter((id) => comp.includes(id));
        for (const id of ring) addError(id, `cycle: ${[...ring, ring[0]].join(' → ')}; break it by moving a definition`);
      }
    }
  };
  for (const c of cells) if (!index.has(c.id)) strong(c.id);
  // Topological order (Kahn), document order among ready cells.
  const position = new Map(cells.map((c, i) => [c.id, i]));
  const pending = new Map<string, number>();
  for (const c of cells) pending.set(c.id, parents.get(c.id)!.length);
  const ready = cells.filter((c) => pending.get(c.id) === 0).map((c) => c.id);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => position.get(a)! - position.get(b)!);
    const id = ready.shift()!;
    order.push(id);
    for (const ch of children.get(id)!) {
      const n = pending.get(ch)! - 1;
      pending.set(ch, n);
      if (n === 0) ready.push(ch);
    }
  }
  const runnable = order.filter((id) => !errors.has(id));
  return { parents, children, definer, inputs, order: runnable, errors };
}

/** All cells downstream of `ids` (not including them), in no particular order. */
export function descendants(graph: Graph, ids: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const todo = [...ids];
  while (todo.length > 0) {
    const id = todo.pop()!;
    for (const ch of graph.children.get(id) ?? []) if (!out.has(ch)) {
      out.add(ch);
      todo.push(ch);
    }
  }
  return out;
}
