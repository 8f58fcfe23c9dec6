// What the figures were measured on: they mean little without it.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  git: string;
  loadAverage: number[];
}

export function describeMachine(): Machine {
  let git = 'unknown';
  try {
    git = execFileSync('git', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // reported as unknown
  }
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    git,
    loadAverage: os.loadavg(),
  };
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' / ');
}

/**
 * CPU milliseconds used so far by this process (all threads) and by its
 * waited-for children (git), from /proc; undefined where there is no /proc.
 */
export function cpuTimes(): { self: number; children: number } | undefined {
  try {
    // Fields after the command name: utime, stime, cutime, cstime are 12-15 (clock ticks of 10 ms).
    const fields = readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const tick = 10;
    return { self: (Number(fields[11]) + Number(fields[12])) * tick, children: (Number(fields[13]) + Number(fields[14])) * tick };
  } catch {
    return undefined;
  }
}
