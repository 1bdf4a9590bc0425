import { ownFixtureIn } from '../../support/protocol.ts';

export { codeOf, errorOf } from '../../support/protocol.ts';

export function fixture(name: string): string {
  return ownFixtureIn('declared', name);
}
