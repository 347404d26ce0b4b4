// Data-dir lock, so two nodes never write one chainstate (Core's LockDirectory). The lock
// is a file holding our pid, created exclusively; a lock left by a dead process (kill -9)
// is taken over, a live one is an error.
import { openSync, writeSync, closeSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e: any) {
    return e.code === 'EPERM';
  }
}

export class DirLock {
  private constructor(private readonly file: string) {}

  static acquire(dir: string): DirLock {
    const file = join(dir, '.lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new DirLock(file);
      } catch (e: any) {
        if (e.code !== 'EEXIST') throw e;
        const pid = Number(readFileSync(file, 'utf8').trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
          throw new Error(`Cannot obtain a lock on data directory ${dir}. ODA is probably already running (pid ${pid}).`);
        }
        unlinkSync(file); // stale: its owner died without releasing it
      }
    }
    throw new Error(`Cannot obtain a lock on data directory ${dir}.`);
  }

  release(): void {
    try { unlinkSync(this.file); } catch { /* already gone */ }
  }
}
