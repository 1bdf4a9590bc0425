import type { DocumentSummary, PutResult } from './documents.ts';
import type { EpochMs, Page } from './types.ts';

/**
 * KMFDDM's model: documents belong to sets, sets are assigned to devices or to groups of devices, all
 * many-to-many. A document never attaches straight to a device; a one-off is a set assigned to one device.
 * Assignments hang off devices rather than enrollments, so they survive re-enrollment.
 */
export interface NamedCollection {
  name: string;
  description: string | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

export type AssignmentTarget = { devicePk: number } | { group: string };

export interface Reach {
  documentIds?: readonly string[] | undefined;
  setNames?: readonly string[] | undefined;
  groupNames?: readonly string[] | undefined;
}

export interface AssignmentStore {
  putSet(name: string, description?: string | null | undefined): Promise<PutResult<NamedCollection>>;
  deleteSet(name: string): Promise<boolean>;
  listSets(page?: Page<string>): Promise<NamedCollection[]>;
  /** Returns how many were newly added. NOT_FOUND if the set or any document does not exist. */
  addToSet(setName: string, documentIds: readonly string[]): Promise<number>;
  removeFromSet(setName: string, documentIds: readonly string[]): Promise<number>;
  setDocuments(setName: string): Promise<string[]>;
  documentSets(documentId: string): Promise<string[]>;

  putGroup(name: string, description?: string | null | undefined): Promise<PutResult<NamedCollection>>;
  deleteGroup(name: string): Promise<boolean>;
  listGroups(page?: Page<string>): Promise<NamedCollection[]>;
  /** Returns how many were newly added. NOT_FOUND if the group or any device does not exist. */
  addToGroup(groupName: string, devicePks: readonly number[]): Promise<number>;
  removeFromGroup(groupName: string, devicePks: readonly number[]): Promise<number>;
  groupMembers(groupName: string, page?: Page): Promise<number[]>;
  deviceGroups(devicePk: number): Promise<string[]>;

  /** Returns false when the assignment already existed. NOT_FOUND if the set or target does not exist. */
  assign(setName: string, target: AssignmentTarget): Promise<boolean>;
  unassign(setName: string, target: AssignmentTarget): Promise<boolean>;
  /** Sets that reach the device directly or through its groups, by name. */
  setsForDevice(devicePk: number): Promise<string[]>;
  assignmentsOfSet(setName: string): Promise<{ devicePks: number[]; groups: string[] }>;

  /** The union of every document reaching the device, each once, ordered by id. */
  desiredDocuments(devicePk: number): Promise<DocumentSummary[]>;
  /**
   * Devices whose desired documents may change when the given documents, sets or groups change: who to
   * reconcile after an admin write. Ordered, each once.
   */
  devicesReaching(reach: Reach): Promise<number[]>;
}
