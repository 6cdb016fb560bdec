import path from 'node:path';

/** The Prometheus alert rules file this package ships (src/rules/erlmcp-alerts.yml), for `rule_files`. */
export const ALERT_RULES_FILE = path.join(__dirname, '..', '..', 'src', 'rules', 'erlmcp-alerts.yml');
