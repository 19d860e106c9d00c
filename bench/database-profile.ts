/**
 * A CPU profile of FerretDB (Go's pprof, served by our launcher with
 * -debug-addr) over a window of the benchmark, summarised by `go tool pprof`.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadDevConfig } from '../dev/config.js';

const run = promisify(execFile);

export interface DatabaseProfile {
  /** Resolves, once the window is over, to `go tool pprof -top` by cumulative time. */
  done: Promise<string>;
}

export function profileDatabase(debugPort: number, seconds: number, dir: string, label: string): DatabaseProfile {
  const done = (async () => {
    const response = await fetch(`http://127.0.0.1:${debugPort}/debug/pprof/profile?seconds=${seconds}`);
    if (!response.ok) throw new Error(`FerretDB profile: HTTP ${response.status}`);
    const file = join(dir, `ferretdb-${label}.pprof`);
    await writeFile(file, Buffer.from(await response.arrayBuffer()));
    const { GO } = loadDevConfig();
    const { stdout } = await run(GO, ['tool', 'pprof', '-top', '-cum', '-nodecount=60', file], { maxBuffer: 10 * 1024 * 1024 });
    return stdout;
  })();
  return { done };
}
