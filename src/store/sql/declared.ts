import type { NamedCollection } from '../assignments.ts';
import type { CollectionLookup, DeclaredStore, EnrollmentSnapshot } from '../declared.ts';
import type { Ctx } from './context.ts';
import { SqlDeclaredDocuments } from './declared-documents.ts';
import { SqlDeclaredEvents, SqlServerSettings } from './declared-events.ts';
import { SqlGroupRules } from './declared-groups.ts';
import { snapshot } from './declared-hot.ts';
import { SqlQuiet } from './declared-quiet.ts';
import { SqlAppliedSettings, SqlDeclaredStatus, SqlLinks } from './declared-status.ts';

export class SqlDeclared implements DeclaredStore {
  readonly documents: SqlDeclaredDocuments;
  readonly status: SqlDeclaredStatus;
  readonly settings: SqlAppliedSettings;
  readonly links: SqlLinks;
  readonly groups: SqlGroupRules;
  readonly events: SqlDeclaredEvents;
  readonly server: SqlServerSettings;
  readonly collections: CollectionLookup;
  readonly quiet: SqlQuiet;

  constructor(private readonly ctx: Ctx) {
    this.documents = new SqlDeclaredDocuments(ctx);
    this.status = new SqlDeclaredStatus(ctx);
    this.settings = new SqlAppliedSettings(ctx);
    this.links = new SqlLinks(ctx);
    this.groups = new SqlGroupRules(ctx);
    this.events = new SqlDeclaredEvents(ctx);
    this.server = new SqlServerSettings(ctx);
    this.quiet = new SqlQuiet(ctx);
    const one = async (table: 'doc_sets' | 'device_groups', name: string): Promise<NamedCollection | undefined> => {
      const r = await ctx.db.selectFrom(table).selectAll().where('name', '=', name).executeTakeFirst();
      return r && { name: r.name, description: r.description, createdAt: r.created_at, updatedAt: r.updated_at };
    };
    this.collections = { set: (name) => one('doc_sets', name), group: (name) => one('device_groups', name) };
  }

  snapshot(enrollmentId: number, devicePk: number): Promise<EnrollmentSnapshot> {
    return snapshot(this.ctx, enrollmentId, devicePk);
  }
}
