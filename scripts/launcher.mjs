// The command that started a script — `npx -y pnpm@… start`, pnpm, the `sh -c` each runs a script in — does
// not always pass a signal on: SIGTERM to npx ends npx and its shell and leaves pnpm and everything below it
// running. So a script that supervises servers watches that chain and stops them when any link of it ends.
import { readFileSync } from 'node:fs';
import { clearInterval, setInterval } from 'node:timers';

const LAUNCHER = /(^|\/)(npx|npm|pnpm|node)( |$)|npm exec|npm-cli|pnpm\.c?js|^sh -c|^\/bin\/sh -c/;

function parentOf(pid) {
  // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses, so split after the last ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function commandOf(pid) {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
}

/** This process's ancestors that are part of the launching command (npx, npm, pnpm, node, their shells). */
export function launcherChain(pid = process.pid) {
  const chain = [];
  try {
    for (let parent = parentOf(pid); parent > 1 && LAUNCHER.test(commandOf(parent)); parent = parentOf(parent)) chain.push(parent);
  } catch {
    // No /proc (not Linux) or a process gone meanwhile: watch what was found.
  }
  return chain;
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};

/** Calls `onExit` once, when any process of the launching command has ended (checked every `everyMs`). */
export function watchLauncher(onExit, everyMs = 200) {
  const chain = launcherChain();
  if (chain.length === 0) return;
  const timer = setInterval(() => {
    if (chain.every(alive)) return;
    clearInterval(timer);
    onExit();
  }, everyMs);
  timer.unref();
}
