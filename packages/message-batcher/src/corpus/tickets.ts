/**
 * Classification: triage of support tickets for a SaaS product, the way a
 * help desk's LLM step is set up: a long policy as system prompt, the desk's
 * tools, three worked examples, and tickets of a few sentences.
 */
import type { LlmInstructions } from '../llm/request';
import { Random } from './random';

export const ticketInstructions: LlmInstructions = {
  system: `You are the triage assistant of the Northwind Cloud support desk. Northwind Cloud sells hosted PostgreSQL databases, object storage, serverless functions and a managed Kubernetes service to small and medium businesses. Every ticket that reaches the desk is read by you first; your label decides which queue picks it up and how fast, so be precise and consistent.

Categories (choose exactly one):
- "billing": invoices, charges, refunds, payment methods, plan changes, tax documents, credits.
- "account_access": login failures, two-factor authentication, SSO configuration, locked or suspended accounts, ownership transfers.
- "bug": a feature that exists behaves differently from its documentation; error messages from the console, API or CLI that are not caused by the customer's input.
- "outage": a service is unavailable or badly degraded for the customer, several customers, or a whole region; timeouts across many requests; data plane failures.
- "performance": the service works but is slower than usual or than the plan's published limits; latency, throughput, cold starts, slow queries caused by the platform.
- "feature_request": something the product does not do and the customer wants it to do.
- "how_to": questions about using an existing feature correctly; configuration help; documentation requests.
- "security": suspected compromise, leaked credentials, vulnerability reports, abuse reports, compliance questions (SOC 2, GDPR, HIPAA).
- "other": anything that fits none of the above, including sales inquiries and partnership offers.

Priority (choose exactly one):
- "p1": production is down or data is at risk, or a security incident is suspected. Response within 15 minutes.
- "p2": production is degraded, or a paying customer is blocked from a core task. Response within 2 hours.
- "p3": a non-blocking problem or a question with a workaround. Response within 1 business day.
- "p4": feedback, feature requests and general questions. Response within 3 business days.

Rules:
1. Judge by what the customer describes, not by the words they choose: "URGENT" in a subject line does not make a how-to question p1.
2. When a ticket mentions several problems, label the most severe one.
3. Enterprise customers (their ticket names a dedicated account manager or an enterprise contract) get one level higher priority, never above p1.
4. Never invent facts about the customer's account. You may call the tools to look things up, but the label must follow from the ticket and what the tools return.
5. If the ticket is empty, unreadable or spam, label it "other" with "p4".`,
  tools: [
    {
      name: 'lookup_customer',
      description:
        'Finds a customer account by email address or account id and returns its plan, contract type, open tickets and account manager.',
      parameters: {
        type: 'object',
        properties: {
          email: { type: 'string', description: 'The email address the ticket came from.' },
          account_id: {
            type: 'string',
            description: 'An account id of the form acct_XXXXXXXX, if the ticket names one.',
          },
        },
      },
    },
    {
      name: 'get_service_status',
      description:
        'Returns the current status of a Northwind Cloud service in a region: operational, degraded or outage, with the open incident if there is one.',
      parameters: {
        type: 'object',
        properties: {
          service: {
            type: 'string',
            enum: ['postgres', 'storage', 'functions', 'kubernetes', 'console', 'api'],
            description: 'The service to check.',
          },
          region: {
            type: 'string',
            enum: ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-southeast-1'],
            description: 'The region to check.',
          },
        },
        required: ['service'],
      },
    },
    {
      name: 'search_known_issues',
      description: 'Searches the list of known issues and their workarounds by free text.',
      parameters: {
        type: 'object',
        properties: {
          query: { type: 'string', description: 'Words from the ticket that describe the problem.' },
          limit: { type: 'integer', minimum: 1, maximum: 10, description: 'How many issues to return.' },
        },
        required: ['query'],
      },
    },
  ],
  examples: [
    {
      input:
        'Subject: charged twice\nHi, my card was charged $49 twice for the March invoice (INV-20931). Please refund one of them. Thanks, Dana',
      output: { category: 'billing', priority: 'p3' },
    },
    {
      input:
        'Subject: EVERYTHING IS DOWN\nOur functions in eu-west-1 have returned 502 for the last 20 minutes. Checkout is broken for all our users. Account acct_7F3K2P9Q, enterprise contract.',
      output: { category: 'outage', priority: 'p1' },
    },
    {
      input: 'Subject: dark mode?\nWould love a dark theme in the console. Not urgent at all.',
      output: { category: 'feature_request', priority: 'p4' },
    },
  ],
  answer: 'a JSON object {"category": string, "priority": "p1" | "p2" | "p3" | "p4"}',
};

const services = [
  'PostgreSQL database',
  'object storage bucket',
  'serverless function',
  'Kubernetes cluster',
  'console',
  'REST API',
  'CLI',
];
const regions = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-southeast-1'];
const names = [
  'Dana',
  'Tomasz',
  'Priya',
  'Luis',
  'Keiko',
  'Amara',
  'Jonas',
  'Fatima',
  'Oliver',
  'Mei',
  'Sven',
  'Chidi',
];
const openings = ['Hi team,', 'Hello,', 'Hey support,', 'Good morning,', 'Hi there,', ''];
const closings = ['Thanks!', 'Thanks in advance.', 'Please advise.', 'Any help appreciated.', 'Regards', 'Cheers'];

const problems: ((r: Random) => [string, string])[] = [
  (r) => [
    'invoice question',
    `Our invoice ${`INV-${r.int(10000, 99999)}`} shows ${r.int(2, 9)} seats but we only have ${r.int(1, 2)} users. Can you correct it and send a new PDF for our accountant?`,
  ],
  () => [
    'cannot log in',
    `Since this morning I cannot log in: the console says "invalid 2FA code" although the codes from my authenticator app worked yesterday. I already synced the clock on my phone.`,
  ],
  (r) => [
    `${r.pick(services)} errors`,
    `Our ${r.pick(services)} in ${r.pick(regions)} returns "ECONNRESET" on roughly one request in ${r.int(3, 20)} since ${r.int(1, 11)} am UTC. Nothing changed on our side; the deploy before was ${r.int(2, 9)} days ago.`,
  ],
  (r) => [
    'slow queries',
    `Simple primary-key lookups on our database went from ${r.int(1, 3)} ms to ${r.int(40, 400)} ms p99 overnight. CPU on the instance is at ${r.int(5, 20)}%. Is something wrong with the storage layer in ${r.pick(regions)}?`,
  ],
  () => [
    'how to rotate keys',
    `How do I rotate the access keys of a storage bucket without downtime? The docs page on keys mentions "staged rotation" but does not say how to stage them from the CLI.`,
  ],
  (r) => [
    'feature idea',
    `It would be great if scheduled functions could run more often than once a minute. We would pay more for a ${r.int(5, 30)}-second schedule.`,
  ],
  (r) => [
    'possible leak',
    `We accidentally pushed a token that starts with "nwc_live_" to a public GitHub repository about ${r.int(5, 50)} minutes ago. We removed the commit. What should we do next, and can you check whether it was used?`,
  ],
  (r) => [
    'cluster upgrade failed',
    `The upgrade of our Kubernetes cluster to ${`1.${r.int(27, 31)}`} has been stuck at "draining nodes" for ${r.int(2, 9)} hours. Workloads still run, but we cannot scale the node pool.`,
  ],
  (r) => [
    'refund request',
    `We cancelled our plan on the ${r.int(1, 28)}th but were billed for the full month. Could you refund the unused ${r.int(5, 25)} days?`,
  ],
  () => [
    'SSO setup',
    `We are setting up SAML SSO with Okta. After the redirect we land on an error page "audience mismatch". Which entity id should we configure on our side?`,
  ],
  (r) => [
    'partnership',
    `I run a consultancy of ${r.int(5, 60)} engineers and we deploy most client projects on Northwind. Is there a partner program with discounts or referral fees?`,
  ],
];

/** `n` tickets (deterministic). */
export function tickets(n: number, seed = 1): string[] {
  const r = new Random(seed);
  return Array.from({ length: n }, () => {
    const [subject, body] = r.pick(problems)(r);
    const enterprise =
      r.next() < 0.15 ? ` We are on the enterprise contract; our account manager is ${r.pick(names)}.` : '';
    const account = r.next() < 0.5 ? ` Account acct_${r.int(10_000_000, 99_999_999).toString(36).toUpperCase()}.` : '';
    return `Subject: ${subject}\n${r.pick(openings)} ${body}${enterprise}${account} ${r.pick(closings)} ${r.pick(names)}`.replace(
      /\n /,
      '\n',
    );
  });
}
