/**
 * `npm start` as a new user runs it, and Ctrl-C at any moment: while the
 * servers start, while the demo data loads, while the worker starts, and once
 * everything runs. The terminal's Ctrl-C is a SIGINT to the whole foreground
 * process group (npm, the shell, our node); every process `npm start` started
 * must be gone soon after, and the next `npm start` must start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePortBelow } from '../../dev/ports.js';

const repoRoot = new URL('../../', import.meta.url).pathname;

/** Every process descending from `root` right now (detached children included: they keep their parent). */
async function descendants(root: number): Promise<Set<number>> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parents.set(Number(entry), ppid);
  }
  const found = new Set<number>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!found.has(pid) && (ppid === root || found.has(ppid))) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start and Ctrl-C', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let apiPort: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'candidature-start-'));
    // Every port below 32768, out of the kernel's ephemeral range: other tests' outgoing connections
    // could take a port picked there before npm start binds it. Temporal's follow the frontend's
    // (dev/temporal-server.ts localTemporalPorts: +1 … +10, −300 … −294).
    const taken = new Set<number>();
    const pick = async (range: (port: number) => boolean = () => true) => {
      for (;;) {
        const port = await freePortBelow(32_000, taken);
        if (!range(port)) continue;
        for (let near = port - 300; near <= port + 10; near += 1) taken.add(near);
        return port;
      }
    };
    const temporalPort = await pick((port) => port > 21_000);
    apiPort = await pick();
    env = {
      ...process.env,
      DATA_DIR: dataDir,
      API_PORT: String(apiPort),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(await pick()),
      MONGODB_PORT: String(await pick()),
      SMTP_PORT: String(await pick()),
      POSTGRES_PORT: String(await pick()),
      TEMPORAL_ADDRESS: '',
      MONGODB_URI: '',
      SMTP_URL: '',
      DATABASE_URL: '',
      TEMPORAL_PAYLOAD_KEYS: '',
    };
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Starts `npm start` in its own process group (as a terminal does), and watches its output and its process tree. */
  function start() {
    const child: ChildProcess = spawn('npm', ['start'], { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const seen = new Set<number>();
    let watching = true;
    void (async () => {
      while (watching) {
        for (const pid of await descendants(child.pid!)) seen.add(pid);
        await delay(100);
      }
    })();
    return {
      output: () => output,
      async until(text: string, timeoutMs = 120_000) {
        const deadline = Date.now() + timeoutMs;
        while (!output.includes(text)) {
          if (Date.now() > deadline) throw new Error(`"${text}" not printed within ${timeoutMs} ms:\n${output}`);
          if (child.exitCode !== null) throw new Error(`npm start exited before "${text}":\n${output}`);
          await delay(50);
        }
      },
      /** Until a process of the tree runs `program` (a server being started). */
      async untilProcess(program: string, timeoutMs = 120_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          for (const pid of await descendants(child.pid!)) {
            if ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes(program)) return;
          }
          if (Date.now() > deadline) throw new Error(`no ${program} process within ${timeoutMs} ms:\n${output}`);
          if (child.exitCode !== null) throw new Error(`npm start exited before a ${program} process ran:\n${output}`);
          await delay(50);
        }
      },
      /** Ctrl-C; then how long until every process it ever started was gone (or what is left after 30 s). */
      async interrupt(): Promise<{ goneMs: number; left: number[] }> {
        for (const pid of await descendants(child.pid!)) seen.add(pid);
        const sent = Date.now();
        process.kill(-child.pid!, 'SIGINT');
        await exited;
        watching = false;
        for (;;) {
          const left = [...seen].filter(alive);
          if (left.length === 0) return { goneMs: Date.now() - sent, left };
          if (Date.now() - sent > 30_000) {
            for (const pid of left) process.kill(pid, 'SIGKILL');
            return { goneMs: Date.now() - sent, left };
          }
          await delay(100);
        }
      },
    };
  }

  // What to wait for before the Ctrl-C: a process appearing, or a line printed.
  const moments = [
    ['while PostgreSQL starts', { process: 'bin/postgres' }],
    ['while the schema tool sets up Temporal\'s databases', { process: 'temporal-sql-tool' }],
    ['while Temporal Server starts', { process: '--allow-no-auth' }],
    ['while FerretDB and the demo data start', { line: '[start] Temporal Server on' }],
    ['while the worker and the API start', { line: '[start] demo data' }],
    ['once everything runs', { line: 'Press Ctrl-C to stop.' }],
  ] as const;

  for (const [moment, marker] of moments) {
    it(`stops every process it started when Ctrl-C comes ${moment}`, async () => {
      const run = start();
      await ('process' in marker ? run.untilProcess(marker.process) : run.until(marker.line));
      const { goneMs, left } = await run.interrupt();
      expect(left, run.output()).toEqual([]);
      expect(run.output()).toContain('[start] stopping…');
      expect(goneMs).toBeLessThan(30_000);
      console.info(`Ctrl-C ${moment}: every process gone ${goneMs} ms after it`);
    }, 180_000);
  }

  it('starts again after those interruptions, the API healthy', async () => {
    const run = start();
    await run.until('Press Ctrl-C to stop.');
    expect((await fetch(`http://127.0.0.1:${apiPort}/api/health`)).status).toBe(200);
    const { left } = await run.interrupt();
    expect(left).toEqual([]);
  }, 180_000);
});
