'use strict';
/* global require, module, process, performance */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS file that mocha loads as it is, unbundled */
/**
 * A mocha reporter for finding where the suite's time goes: the spec
 * reporter's output, then the wall time and CPU time of every test file,
 * hooks included (Chromium, code-server and Python start-ups are in hooks),
 * slowest first. CPU is this process's own and that of the child processes it
 * has waited for (Python, Chromium, vsce), read from /proc/self/stat.
 * Not part of the normal run:
 *
 *   npx mocha --reporter test/fileTimes.cjs [files...]
 *
 * With FILE_TIMES_OUT=PATH each file's line is also appended to PATH as the
 * file finishes, so a run that is stopped early still says something.
 */
const fs = require('node:fs');
const Mocha = require('mocha');

const { EVENT_SUITE_BEGIN, EVENT_SUITE_END, EVENT_RUN_END } = Mocha.Runner.constants;

/** Seconds of CPU: this process's (user + system) and its waited-for children's. */
function cpuSeconds() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  // Fields after the command name, which may hold spaces; utime is field 14, so index 11 here.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = 100;
  return { own: (Number(fields[11]) + Number(fields[12])) / ticks, children: (Number(fields[13]) + Number(fields[14])) / ticks };
}

const row = (wall, own, children, name) => `${wall.toFixed(1).padStart(8)} ${own.toFixed(1).padStart(8)} ${children.toFixed(1).padStart(8)}  ${name}`;

class FileTimes extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const loading = { wall: process.uptime(), cpu: cpuSeconds() };
    const files = new Map();
    let open;
    const out = process.env.FILE_TIMES_OUT;
    runner.on(EVENT_SUITE_BEGIN, (suite) => {
      if (suite.parent && suite.parent.root) open = { file: suite.file, started: performance.now(), cpu: cpuSeconds() };
    });
    runner.on(EVENT_SUITE_END, (suite) => {
      if (!suite.parent || !suite.parent.root || !open) return;
      const cpu = cpuSeconds();
      const total = files.get(open.file) || { wall: 0, own: 0, children: 0 };
      total.wall += (performance.now() - open.started) / 1000;
      total.own += cpu.own - open.cpu.own;
      total.children += cpu.children - open.cpu.children;
      files.set(open.file, total);
      if (out) fs.appendFileSync(out, row(total.wall, total.own, total.children, open.file) + '\n');
      open = undefined;
    });
    runner.once(EVENT_RUN_END, () => {
      const rows = [...files.entries()].sort((a, b) => b[1].wall - a[1].wall);
      const sum = rows.reduce((s, [, t]) => ({ wall: s.wall + t.wall, own: s.own + t.own, children: s.children + t.children }), { wall: 0, own: 0, children: 0 });
      const lines = [
        `\nTime per test file (seconds; loading the files took ${loading.wall.toFixed(1)} s, ${loading.cpu.own.toFixed(1)} s of CPU):`,
        row(0, 0, 0, '')
          .replace(/[\d.]+/g, (m) => ' '.repeat(m.length))
          .replace(/^ {8} {9} {9}/, '    wall  own cpu child cpu'),
        ...rows.map(([file, t]) => row(t.wall, t.own, t.children, file)),
        row(sum.wall, sum.own, sum.children, 'all files'),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
  }
}

module.exports = FileTimes;
