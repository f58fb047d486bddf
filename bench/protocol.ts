/**
 * Messages between the bench runner and its client workers (child processes started with
 * `serialization: 'advanced'`, so typed arrays cross the IPC channel as they are).
 */

export type SystemName = 'herald' | 'baseline';

/** One client socket to open: its global index and what its handshake carries. */
export interface SocketSpec {
  index: number;
  auth: Record<string, string>;
}

export type ToWorker =
  | { type: 'connect'; system: SystemName; url: string; sockets: SocketSpec[]; concurrency: number; timeoutMs: number }
  | { type: 'start'; scenario: string }
  | { type: 'progress' }
  | { type: 'collect' }
  | { type: 'disconnect'; system: SystemName }
  /** Opens one more socket with a cursor (`auth.lastSeenId`), takes its replay until `replay:done`, and closes it. */
  | { type: 'replay'; url: string; auth: Record<string, string>; timeoutMs: number };

export interface ConnectReport {
  type: 'connected';
  system: SystemName;
  /** Global indices of the sockets that connected. */
  indices: number[];
  failed: number;
  /** A few distinct connect errors, for the runner to print. */
  errors: string[];
  ms: number;
}

export interface ProgressReport {
  type: 'progress';
  received: number;
  /** Sockets that dropped since they connected (any system). */
  dropped: number;
}

/** Every delivery of the current scenario, in arrival order: parallel arrays. */
export interface ResultsReport {
  type: 'results';
  socketIndex: Int32Array;
  seq: Int32Array;
  /** Receive time minus `data.sentAt`, in milliseconds. */
  latencyMs: Float64Array;
  /** Wall-clock time of the last delivery (performance.timeOrigin + now()), 0 when none. */
  lastReceivedAt: number;
  /** CPU time the worker used since `start`, in milliseconds. */
  cpuMs: number;
}

/** What one replaying socket got: wall-clock times (0 for what did not happen) and every notification id, in arrival order. */
export interface ReplayReport {
  type: 'replayed';
  /** Just before io() was called: the handshake is part of the replay's time. */
  startedAt: number;
  connectedAt: number;
  /** The first and the last `notification` received. */
  firstNotificationAt: number;
  lastNotificationAt: number;
  replayDoneAt: number;
  replayDone: { count: number; lastId: string | null; position: string } | null;
  /** Ids of every `notification` received (ids stay below 2^53 in a bench database). */
  ids: Float64Array;
  /** Why it stopped before `replay:done`: a connect error, a disconnect, or the time limit. */
  error?: string;
  /** CPU the worker used while it replayed (its other sockets included), in milliseconds. */
  cpuMs: number;
}

export type FromWorker = ConnectReport | ProgressReport | ResultsReport | ReplayReport | { type: 'disconnected'; system: SystemName } | { type: 'ready' };

/** What every bench notification carries in `data`. */
export interface BenchData {
  bench: string;
  seq: number;
  sentAt: number;
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const wallClock = (): number => performance.timeOrigin + performance.now();
