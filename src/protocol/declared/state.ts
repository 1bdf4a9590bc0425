/**
 * DCCSPURIState: the state a device reports for a whole document (1224 summary, result root) and for each DSC, CSP
 * and URI inside a result. Values and names are Microsoft's (seed 002, "WinDC states"); the decade groups them by
 * operation (0-3 and 60-63 configure, 10-11 and 70-72 delete, 20-21 and 80-82 get), 40 is the storage step between
 * request and completion, and only 60 and above are final.
 */
export const DC_STATES = {
  NotDefined: 0,
  ConfigRequest: 1,
  ConfigInprogress: 2,
  /** An asynchronous step ran and its outcome is still pending. */
  ConfigInProgressAsyncPending: 3,
  DeleteRequest: 10,
  DeleteInprogress: 11,
  GetRequest: 20,
  GetInprogress: 21,
  ConstructURIStorageSuccess: 40,
  ConfigCompletedSuccess: 60,
  ConfigCompletedError: 61,
  ConfigInfraError: 62,
  ConfigCompletedSuccessNoRefresh: 63,
  DeleteCompletedSuccess: 70,
  DeleteCompletedError: 71,
  DeleteInfraError: 72,
  GetCompletedSuccess: 80,
  GetCompletedError: 81,
  GetInfraError: 82,
} as const;

export type DcStateName = keyof typeof DC_STATES;
export type DcState = (typeof DC_STATES)[DcStateName];

export type StateOperation = 'config' | 'delete' | 'get';

/**
 * `success` and `error` only for permanent states; a transient state has no outcome yet. `infra-error` separates
 * a failure of the WinDC machinery (62, 72, 82) from the scenario itself failing (61, 71, 81): the first is worth
 * retrying unchanged, the second needs a different document.
 */
export type StateOutcome = 'pending' | 'success' | 'error' | 'infra-error';

const NAMES = new Map<number, DcStateName>(
  (Object.entries(DC_STATES) as Array<[DcStateName, DcState]>).map(([name, value]) => [value, name]),
);

export function isDcState(n: number): n is DcState {
  return NAMES.has(n);
}

export function stateName(state: DcState): DcStateName {
  return NAMES.get(state) as DcStateName;
}

/** Decimal digits only, as the attribute is written; anything else is not a state. */
export function parseDcState(text: string): DcState | undefined {
  if (!/^[0-9]{1,3}$/.test(text)) return undefined;
  const n = Number(text);
  return isDcState(n) ? n : undefined;
}

export function isPermanent(state: DcState): boolean {
  return state >= 60;
}

export function isTransient(state: DcState): boolean {
  return state < 60;
}

export function stateOutcome(state: DcState): StateOutcome {
  if (state < 60) return 'pending';
  switch (state % 10) {
    case 0:
    case 3:
      return 'success';
    case 1:
      return 'error';
    default:
      return 'infra-error';
  }
}

export function isSuccess(state: DcState): boolean {
  return stateOutcome(state) === 'success';
}

/** Both kinds of failure: the scenario's own (x1) and the infrastructure's (x2). */
export function isError(state: DcState): boolean {
  const o = stateOutcome(state);
  return o === 'error' || o === 'infra-error';
}

/**
 * Which operation a state belongs to. NotDefined (0) and ConstructURIStorageSuccess (40) name no operation; they
 * are grouped with configuration so that every state has one, and callers that care test for them by value.
 */
export function stateOperation(state: DcState): StateOperation {
  const decade = Math.floor(state / 10);
  if (decade === 1 || decade === 7) return 'delete';
  if (decade === 2 || decade === 8) return 'get';
  return 'config';
}
