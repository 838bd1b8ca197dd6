/** A one-line progress bar on stderr (redrawn in place on a terminal, a line per 10 % elsewhere). */
const WIDTH = 30;

function human(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function progressBar(
  label: string,
  out: NodeJS.WriteStream = process.stderr,
): { update(done: number, total: number): void; end(): void } {
  let lastTenth = -1;
  let lastDraw = 0;
  return {
    update(done, total) {
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      if (out.isTTY) {
        const now = Date.now();
        if (now - lastDraw < 100 && done < total) return;
        lastDraw = now;
        const filled = Math.round(fraction * WIDTH);
        out.write(
          `\r${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${human(done)}/${human(total)}`,
        );
        return;
      }
      const tenth = Math.floor(fraction * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        out.write(`${label}: ${tenth * 10}% (${human(done)} of ${human(total)})\n`);
      }
    },
    end() {
      if (out.isTTY) out.write('\n');
    },
  };
}
