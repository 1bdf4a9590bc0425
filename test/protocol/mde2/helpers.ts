import { ownFixtureIn } from '../../support/protocol.ts';

export {
  asyncCodeOf,
  codeOf,
  onlyProtocolErrors,
  SHARED,
  SHARED_MISSING,
  sharedFile,
} from '../../support/protocol.ts';

export function ownFixture(name: string): string {
  return ownFixtureIn('mde2', name);
}
