/**
 * Whether an enrollment's last reconciler run is still good (migration 0006 keeps the marks honest with
 * triggers). Read on every poll of every device, so the statements are prebuilt.
 */
import type { QuietStore } from '../declared.ts';
import type { Ctx } from './context.ts';
import { prebuilt, run } from './prebuilt.ts';

export class SqlQuiet implements QuietStore {
  constructor(private readonly ctx: Ctx) {}

  async generation(): Promise<number> {
    const text = prebuilt(
      this.ctx.backend,
      'quiet:generation',
      () => 'select value from declared_generation where id = 1',
    );
    const row = (await run<{ value: number | string }>(this.ctx.db, text, [])).rows[0];
    return Number(row?.value ?? 0);
  }

  async mark(enrollmentId: number, generation: number): Promise<void> {
    const text = prebuilt(
      this.ctx.backend,
      'quiet:mark',
      (p) =>
        `insert into declared_quiet (enrollment_id, generation) values (${p()}, ${p()})
         on conflict (enrollment_id) do update set generation = excluded.generation`,
    );
    await run(this.ctx.db, text, [enrollmentId, generation]);
  }

  async isQuiet(enrollmentId: number): Promise<boolean> {
    const text = prebuilt(
      this.ctx.backend,
      'quiet:is',
      (p) =>
        `select 1 as quiet from declared_quiet q join declared_generation g on g.id = 1 and g.value = q.generation
         where q.enrollment_id = ${p()}`,
    );
    return (await run(this.ctx.db, text, [enrollmentId])).rows.length > 0;
  }
}
