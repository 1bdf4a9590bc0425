import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DC_STATES,
  type DcState,
  isError,
  isPermanent,
  isSuccess,
  isTransient,
  parseDcState,
  stateName,
  stateOperation,
  stateOutcome,
} from '../../../src/protocol/declared/index.ts';

// Every value of seed 002's DCCSPURIState with its name, class and what windc derives from it.
const TABLE: Array<[DcState, string, 'transient' | 'permanent', string, string]> = [
  [0, 'NotDefined', 'transient', 'pending', 'config'],
  [1, 'ConfigRequest', 'transient', 'pending', 'config'],
  [2, 'ConfigInprogress', 'transient', 'pending', 'config'],
  [3, 'ConfigInProgressAsyncPending', 'transient', 'pending', 'config'],
  [10, 'DeleteRequest', 'transient', 'pending', 'delete'],
  [11, 'DeleteInprogress', 'transient', 'pending', 'delete'],
  [20, 'GetRequest', 'transient', 'pending', 'get'],
  [21, 'GetInprogress', 'transient', 'pending', 'get'],
  [40, 'ConstructURIStorageSuccess', 'transient', 'pending', 'config'],
  [60, 'ConfigCompletedSuccess', 'permanent', 'success', 'config'],
  [61, 'ConfigCompletedError', 'permanent', 'error', 'config'],
  [62, 'ConfigInfraError', 'permanent', 'infra-error', 'config'],
  [63, 'ConfigCompletedSuccessNoRefresh', 'permanent', 'success', 'config'],
  [70, 'DeleteCompletedSuccess', 'permanent', 'success', 'delete'],
  [71, 'DeleteCompletedError', 'permanent', 'error', 'delete'],
  [72, 'DeleteInfraError', 'permanent', 'infra-error', 'delete'],
  [80, 'GetCompletedSuccess', 'permanent', 'success', 'get'],
  [81, 'GetCompletedError', 'permanent', 'error', 'get'],
  [82, 'GetInfraError', 'permanent', 'infra-error', 'get'],
];

describe('DCCSPURIState', () => {
  it('has exactly the 19 values of seed 002', () => {
    assert.deepEqual(
      Object.values(DC_STATES).sort((a, b) => a - b),
      TABLE.map((r) => r[0]),
    );
  });

  for (const [state, name, kind, outcome, operation] of TABLE) {
    it(`${state} is ${name}: ${kind}, ${outcome}, ${operation}`, () => {
      assert.equal(stateName(state), name);
      assert.equal(DC_STATES[name as keyof typeof DC_STATES], state);
      assert.equal(isTransient(state), kind === 'transient');
      assert.equal(isPermanent(state), kind === 'permanent');
      assert.equal(stateOutcome(state), outcome);
      assert.equal(isSuccess(state), outcome === 'success');
      assert.equal(isError(state), outcome === 'error' || outcome === 'infra-error');
      assert.equal(stateOperation(state), operation);
      assert.equal(parseDcState(String(state)), state);
    });
  }

  it('parses only decimal values that are states', () => {
    for (const text of ['4', '64', '83', '-1', '060x', ' 60', '6e1', '', '1000']) {
      assert.equal(parseDcState(text), undefined, text);
    }
  });
});
