/** Signals a whole process group (the child is spawned detached, so its pid is the group id). */
export function killProcessGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    // ESRCH: the group is already gone. EPERM cannot happen for our own children.
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}
