import type { CliIo } from './command-line';

/**
 * Progress of long work on stderr (imports, replays, demo data, backups): one redrawn line on a
 * terminal; elsewhere (CI logs, pipes) a line at every tenth of the way, so logs stay short.
 */
export class Progress {
  private lastTenth = -1;
  private lastNote = '';
  private drawn = false;

  constructor(
    private readonly io: CliIo,
    private readonly label: string,
  ) {}

  update(done: number, total: number, note = ''): void {
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const width = 30;
    const filled = Math.round(ratio * width);
    const line = `${this.label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${done}/${total}${note ? ` ${note}` : ''}`;
    if (this.io.errIsTTY) {
      this.io.err(`\r${line}`);
      this.drawn = true;
      return;
    }
    const tenth = Math.floor(ratio * 10);
    if (tenth === this.lastTenth && note === this.lastNote) return;
    this.lastTenth = tenth;
    this.lastNote = note;
    this.io.err(`${line}\n`);
  }

  /** Ends the redrawn line on a terminal. */
  finish(): void {
    if (this.drawn) this.io.err('\n');
    this.drawn = false;
  }
}
