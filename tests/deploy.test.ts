import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

describe('deployment', () => {
  test("when Heroku starts a web dyno, then it runs npm start's command, with the same Node flags", () => {
    const procfile = fs.readFileSync(path.join(root, 'Procfile'), 'utf8');
    const web = /^web:\s*(.+)$/m.exec(procfile)?.[1]?.trim();
    const { scripts } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(web).toBe(scripts.start);
    // The heap settings the memory figures in the README were measured with.
    expect(scripts.start).toMatch(/^node --max-semi-space-size=\d+ --heap-growing-percent=\d+ dist\/src\/server\.js$/);
  });
});
