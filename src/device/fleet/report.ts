/**
 * How a fleet run reads while it runs and when it ends: a progress bar with the current rates, latencies and the
 * emulator's CPU, then a summary (also as JSON for scripts). Rates of the live line are over the last interval;
 * the summary's are over the whole run.
 */
import type { SteadyState } from './runner.ts';
import { type CpuSample, coreShare, DEVICE_STATES, type FleetStats, type Histogram } from './stats.ts';

export interface Snapshot {
  at: CpuSample;
  sessions: number;
  enrolled: number;
}

export function snapshot(stats: FleetStats): Snapshot {
  return { at: stats.cpu(), sessions: stats.sessions, enrolled: stats.enrolled };
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const pct = (h: Histogram) =>
  `p50 ${ms(h.percentile(0.5))} p90 ${ms(h.percentile(0.9))} p99 ${ms(h.percentile(0.99))} ms`;

function bar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** One status line: enrollment progress, session rate, latency, CPU over the last interval, devices per state. */
export function liveLine(stats: FleetStats, total: number, prev: Snapshot, now: Snapshot): string {
  const seconds = (now.at.wallMs - prev.at.wallMs) / 1000 || 1;
  const done = stats.enrolled + stats.enrollFailures;
  const parts = [
    `${bar(done, total)} ${done}/${total} enrolled`,
    `${((now.enrolled - prev.enrolled) / seconds).toFixed(0)} enroll/s`,
    `${stats.sessions} sessions ${((now.sessions - prev.sessions) / seconds).toFixed(0)}/s`,
    stats.sessionLatency.count > 0 ? pct(stats.sessionLatency) : '',
    `errors ${stats.enrollFailures + stats.sessionFailures}`,
    `cpu ${(coreShare(prev.at, now.at) * 100).toFixed(0)}%`,
    DEVICE_STATES.filter((st) => (stats.states.get(st) ?? 0) > 0)
      .map((st) => `${st} ${stats.states.get(st)}`)
      .join(' '),
  ];
  return parts.filter((p) => p !== '').join('  ');
}

export interface FleetSummary {
  devices: number;
  wallSeconds: number;
  enrolled: number;
  enrollFailures: number;
  enrollPerSecond: number;
  sessions: number;
  sessionFailures: number;
  sessionsPerSecond: number;
  exchanges: number;
  retries: number;
  latencyMs: {
    session: { p50: number; p90: number; p99: number; max: number };
    enroll: { p50: number; p90: number; p99: number; max: number };
    exchange: { p50: number; p90: number; p99: number; max: number };
  };
  cpu: { seconds: number; cores: number; microsecondsPerSession: number };
  /** The server's CPU over the same run, when its process was given (`--server-pid`). */
  serverCpu?: { seconds: number; microsecondsPerSession: number };
  states: Record<string, number>;
  errors: Record<string, { count: number; example: string }>;
}

const quantiles = (h: Histogram) => ({
  p50: round(h.percentile(0.5)),
  p90: round(h.percentile(0.9)),
  p99: round(h.percentile(0.99)),
  max: round(h.max),
});
const round = (v: number) => Math.round(v * 100) / 100;

/**
 * CPU per session counts the whole run, enrollment included; `phaseCpu` lets the caller pass the CPU of the
 * session-only phase when it wants the steady-state cost.
 */
export function summarize(stats: FleetStats, devices: number): FleetSummary {
  const c = stats.cpu();
  const wall = c.wallMs / 1000;
  const server = stats.serverCpuMs();
  const summary: FleetSummary = {
    devices,
    wallSeconds: round(wall),
    enrolled: stats.enrolled,
    enrollFailures: stats.enrollFailures,
    enrollPerSecond: round(stats.enrolled / (wall || 1)),
    sessions: stats.sessions,
    sessionFailures: stats.sessionFailures,
    sessionsPerSecond: round(stats.sessions / (wall || 1)),
    exchanges: stats.exchanges,
    retries: stats.retries,
    latencyMs: {
      session: quantiles(stats.sessionLatency),
      enroll: quantiles(stats.enrollLatency),
      exchange: quantiles(stats.exchangeLatency),
    },
    cpu: {
      seconds: round(c.cpuMs / 1000),
      cores: round(c.cpuMs / (c.wallMs || 1)),
      microsecondsPerSession: stats.sessions === 0 ? 0 : Math.round((c.cpuMs * 1000) / stats.sessions),
    },
    states: Object.fromEntries(DEVICE_STATES.map((s) => [s, stats.states.get(s) ?? 0])),
    errors: Object.fromEntries(stats.errors),
  };
  if (server !== undefined) {
    summary.serverCpu = {
      seconds: round(server / 1000),
      microsecondsPerSession: stats.sessions === 0 ? 0 : Math.round((server * 1000) / stats.sessions),
    };
  }
  return summary;
}

/** "x µs, y for the server (emulator/server r)" when the server's CPU is known. */
function beside(emulatorUs: number, serverUs: number | undefined): string {
  if (serverUs === undefined) return '';
  const ratio = serverUs > 0 ? ` (emulator/server ${(emulatorUs / serverUs).toFixed(2)})` : '';
  return `; server ${serverUs.toFixed(0)} µs${ratio}`;
}

export function renderSummary(s: FleetSummary, steady?: SteadyState): string {
  const l = s.latencyMs;
  const lines = [
    `fleet of ${s.devices} devices, ${s.wallSeconds} s`,
    `  enrolled        ${s.enrolled} (${s.enrollFailures} failed), ${s.enrollPerSecond}/s; latency p50 ${l.enroll.p50} p90 ${l.enroll.p90} p99 ${l.enroll.p99} ms`,
    `  sessions        ${s.sessions} (${s.sessionFailures} failed), ${s.sessionsPerSecond}/s; latency p50 ${l.session.p50} p90 ${l.session.p90} p99 ${l.session.p99} max ${l.session.max} ms`,
    `  HTTP exchanges  ${s.exchanges}, latency p50 ${l.exchange.p50} p99 ${l.exchange.p99} ms; ${s.retries} retries`,
    `  emulator CPU    ${s.cpu.seconds} s, ${(s.cpu.cores * 100).toFixed(0)}% of one core on average, ${s.cpu.microsecondsPerSession} µs per session overall`,
  ];
  if (s.serverCpu) {
    lines.push(
      `  server CPU      ${s.serverCpu.seconds} s, ${s.serverCpu.microsecondsPerSession} µs per session overall (enrollment included)`,
    );
  }
  if (steady && steady.sessions > 0) {
    const perSession = (steady.cpuMs * 1000) / steady.sessions;
    lines.push(
      `  steady state    ${steady.sessions} sessions at ${((steady.sessions * 1000) / steady.wallMs).toFixed(0)}/s, emulator ${perSession.toFixed(0)} µs CPU each${beside(perSession, steady.serverCpuMs === undefined ? undefined : (steady.serverCpuMs * 1000) / steady.sessions)}: one core would carry ${Math.floor(1e6 / perSession)} emulated sessions/s`,
    );
  }
  lines.push(
    `  devices         ${Object.entries(s.states)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  for (const [kind, e] of Object.entries(s.errors)) lines.push(`  error ${kind} ×${e.count}: ${e.example}`);
  return lines.join('\n');
}
