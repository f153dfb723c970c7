/**
 * Reads a V8 CPU profile (`node --cpu-prof`, or `npm run bench -- --cpu-prof`) and prints where the
 * busy time went: self time by function, self time by package or source file, and inclusive time
 * by package (each package counted once per sampled stack: "time with it on the stack").
 *
 *   tsx bench/profile.ts <file.cpuprofile> [--top=30] [--json]
 *
 * Percentages are of the busy time: every sample but "(idle)".
 */
import fs from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const ROOT = path.resolve(__dirname, '..');

/** `express`, `@electric-sql/pglite`, `app dist/src/http/pagination.js`, `node:internal/...`, or a V8 pseudo-frame. */
export function owner(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) {
    const parts = url.slice(modules + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/').slice(0, 2).join('/');
  const file = url.replace(/^file:\/\//, '');
  return `app ${path.relative(ROOT, file)}`;
}

function frameKey(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const file = frame.url.replace(/^file:\/\//, '');
  const short = file.includes('node_modules/') ? file.slice(file.lastIndexOf('node_modules/') + 13) : path.relative(ROOT, file) || file;
  return `${name} ${short}:${frame.lineNumber + 1}`;
}

export interface Summary {
  file: string;
  wallMs: number;
  busyMs: number;
  idleMs: number;
  selfByFunction: Array<{ key: string; ms: number; share: number }>;
  selfByOwner: Array<{ key: string; ms: number; share: number }>;
  inclusiveByOwner: Array<{ key: string; ms: number; share: number }>;
}

export function summarize(file: string, top = 30): Summary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const selfOwner = new Map<string, number>();
  const inclusiveOwner = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);

  // timeDeltas[i] is the time between sample i-1 and sample i; it is charged to sample i.
  profile.samples.forEach((nodeId, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(nodeId)!;
    if (node.callFrame.functionName === '(idle)') {
      idle += ms;
      return;
    }
    busy += ms;
    add(self, frameKey(node.callFrame), ms);
    add(selfOwner, owner(node.callFrame.url, node.callFrame.functionName), ms);
    const seen = new Set<string>();
    for (let id: number | undefined = nodeId; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (frame.functionName === '(root)') continue;
      const key = owner(frame.url, frame.functionName);
      if (!seen.has(key)) {
        seen.add(key);
        add(inclusiveOwner, key, ms);
      }
    }
  });

  const ranked = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, ms]) => ({ key, ms: Math.round(ms), share: busy > 0 ? ms / busy : 0 }));
  return {
    file,
    wallMs: Math.round((profile.endTime - profile.startTime) / 1000),
    busyMs: Math.round(busy),
    idleMs: Math.round(idle),
    selfByFunction: ranked(self),
    selfByOwner: ranked(selfOwner),
    inclusiveByOwner: ranked(inclusiveOwner),
  };
}

function print(summary: Summary): void {
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)} %`;
  const table = (title: string, rows: Summary['selfByFunction']) => {
    console.log(`\n${title}`);
    for (const row of rows) console.log(`  ${pct(row.share)}  ${String(row.ms).padStart(7)} ms  ${row.key}`);
  };
  console.log(`${summary.file}: ${summary.wallMs} ms wall, ${summary.busyMs} ms busy, ${summary.idleMs} ms idle`);
  table('self time by function', summary.selfByFunction);
  table('self time by package / file', summary.selfByOwner);
  table('inclusive time by package / file (once per stack)', summary.inclusiveByOwner);
}

if (require.main === module) {
  const files = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  const top = Number(process.argv.find((arg) => arg.startsWith('--top='))?.split('=')[1] ?? 30);
  if (files.length === 0) {
    console.error('usage: tsx bench/profile.ts <file.cpuprofile> [--top=30] [--json]');
    process.exit(2);
  }
  for (const file of files) {
    const summary = summarize(file, top);
    if (process.argv.includes('--json')) console.log(JSON.stringify(summary, null, 2));
    else print(summary);
  }
}
