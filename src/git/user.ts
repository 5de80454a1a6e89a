/** Who runs a command, for what it records on the cluster: `git config user.email`, else the login name. */
import os from 'node:os';
import { Git } from './git.js';

export async function whoRuns(cwd: string): Promise<string> {
  try {
    const email = (await new Git(cwd).raw(['config', 'user.email'], { timeoutMs: 5000 })).trim();
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
