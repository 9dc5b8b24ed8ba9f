export interface CrmRow {
  readonly id: number;
  readonly name: string;
  readonly fabricated?: boolean;
}

/** The demo's production CRM: two tables in memory, what the agent's tools act on. */
export class Crm {
  static readonly EXECUTIVES = 1_206;
  static readonly COMPANIES = 1_196;
  readonly #tables = new Map<string, Map<number, CrmRow>>([
    ['executives', rows(Crm.EXECUTIVES, 'Exec')],
    ['companies', rows(Crm.COMPANIES, 'Company')],
  ]);

  delete(table: string, ids: readonly number[]): number {
    const t = this.#table(table);
    return ids.filter((id) => t.delete(id)).length;
  }

  insert(table: string, inserted: readonly CrmRow[]): number {
    const t = this.#table(table);
    for (const row of inserted) t.set(row.id, row);
    return inserted.length;
  }

  describe(): string {
    const count = (table: string, fabricated: boolean) => [...this.#table(table).values()].filter((r) => (r.fabricated ?? false) === fabricated).length.toLocaleString('en-US');
    return `${count('executives', false)} real executives, ${count('companies', false)} real companies and ${(
      Number(count('executives', true).replace(/,/g, '')) + Number(count('companies', true).replace(/,/g, ''))
    ).toLocaleString('en-US')} fabricated records`;
  }

  #table(name: string): Map<number, CrmRow> {
    const t = this.#tables.get(name);
    if (t === undefined) throw new Error(`no table ${name}`);
    return t;
  }
}

function rows(count: number, prefix: string): Map<number, CrmRow> {
  return new Map(Array.from({ length: count }, (_, i) => [i + 1, { id: i + 1, name: `${prefix} ${i + 1}` }]));
}
