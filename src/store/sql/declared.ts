import type { DeclaredStore } from '../declared.ts';
import type { Ctx } from './context.ts';
import { SqlDeclaredDocuments } from './declared-documents.ts';
import { SqlDeclaredEvents, SqlServerSettings } from './declared-events.ts';
import { SqlGroupRules } from './declared-groups.ts';
import { SqlAppliedSettings, SqlDeclaredStatus, SqlLinks } from './declared-status.ts';

export class SqlDeclared implements DeclaredStore {
  readonly documents: SqlDeclaredDocuments;
  readonly status: SqlDeclaredStatus;
  readonly settings: SqlAppliedSettings;
  readonly links: SqlLinks;
  readonly groups: SqlGroupRules;
  readonly events: SqlDeclaredEvents;
  readonly server: SqlServerSettings;

  constructor(ctx: Ctx) {
    this.documents = new SqlDeclaredDocuments(ctx);
    this.status = new SqlDeclaredStatus(ctx);
    this.settings = new SqlAppliedSettings(ctx);
    this.links = new SqlLinks(ctx);
    this.groups = new SqlGroupRules(ctx);
    this.events = new SqlDeclaredEvents(ctx);
    this.server = new SqlServerSettings(ctx);
  }
}
