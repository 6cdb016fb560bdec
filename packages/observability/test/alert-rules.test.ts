import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ALERT_RULES_FILE } from '@erlmcp/observability';

// promtool comes with Debian's prometheus package; .ci/run installs it when it is missing.
const TESTS = path.join(__dirname, 'rules');

function promtool(...args: string[]): string {
  return execFileSync('promtool', args, { cwd: TESTS, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('the alert rules', () => {
  it('pass promtool check rules', () => {
    expect(promtool('check', 'rules', ALERT_RULES_FILE)).toMatch(/SUCCESS: 22 rules found/);
  });

  it("fire and clear on synthetic series (promtool test rules): erlmcp's four and the rest", () => {
    const out = promtool('test', 'rules', 'erlmcp-alerts.test.yml');
    expect(out).toMatch(/SUCCESS/);
  });

  it('have a fire-and-clear test for every alert', () => {
    const rules = [...fs.readFileSync(ALERT_RULES_FILE, 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    const tests = fs.readFileSync(path.join(TESTS, 'erlmcp-alerts.test.yml'), 'utf8');
    for (const alert of rules) {
      // once expected to fire, once expected clear
      expect(tests.match(new RegExp(`alertname: ${alert}\\n`, 'g'))?.length).toBe(2);
    }
    expect(rules).toEqual(
      expect.arrayContaining([
        'ErlmcpConnectionRejectionRateHigh',
        'ErlmcpThroughputLow',
        'ErlmcpRequestLatencyP99High',
        'ErlmcpMemoryHigh',
      ]),
    );
  });
});
