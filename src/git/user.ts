/** Who runs a command, for what it records on the cluster: `git config user.email`, else the login name. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export function whoRuns(cwd: string): string {
  try {
    const email = execFileSync('git', ['config', 'user.email'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    if (email) return email;
  } catch {
    // no git, or no user.email: the login name below
  }
  let login = process.env.USER || process.env.USERNAME || '';
  if (!login) {
    try {
      login = os.userInfo().username;
    } catch {
      // no passwd entry (a container with an arbitrary uid)
    }
  }
  return login || 'unknown';
}
