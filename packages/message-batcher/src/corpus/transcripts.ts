/**
 * Summarization: support-call transcripts summarized into a CRM note. Items
 * are long (a few hundred tokens each) and the instructions shorter, so this
 * task shows how savings shrink as items grow against the shared part.
 */
import type { LlmInstructions } from '../llm/request';
import { Random } from './random';

export const transcriptInstructions: LlmInstructions = {
  system: `You write the CRM note for each recorded support call of Lumen Energy, a residential electricity and solar supplier. Agents read your note before the next contact with the customer, so it must let them pick up the conversation without listening to the recording.

Write the note in English, whatever the language of the call, in at most four sentences:
1. Why the customer called, in their terms.
2. What the agent checked or changed (tariff, meter readings, direct debit, solar export settings, appointments).
3. What was promised, by whom, and by when.
4. The customer's mood at the end of the call, in one or two words, only if it was clearly positive or negative.

Do not include personal data beyond the customer's first name: no addresses, account numbers, bank details or phone numbers. Do not speculate about causes the call did not establish.`,
  tools: [
    {
      name: 'schedule_follow_up',
      description: 'Schedules a follow-up task for the agent team.',
      parameters: {
        type: 'object',
        properties: { due: { type: 'string', description: 'YYYY-MM-DD' }, summary: { type: 'string' } },
        required: ['due', 'summary'],
      },
    },
  ],
  answer: 'the note as a string',
};

const customers = ['Hannah', 'Ravi', 'Marta', 'Joe', 'Aylin', 'Bruno', 'Grace', 'Kwame'];
const reasons = [
  [
    'my last bill is almost twice the usual amount',
    'checked the meter readings and found an estimated reading from March',
  ],
  [
    'the solar export payments stopped two months ago',
    'found that the export meter was not linked to the account after the smart meter swap',
  ],
  [
    'I want to move to the fixed tariff you advertised',
    'compared the current variable tariff with the 12-month fixed one',
  ],
  [
    'the engineer did not show up for the smart meter appointment',
    'looked up the appointment and saw it had been cancelled by the field team without notice',
  ],
  [
    'my direct debit went up without warning',
    'reviewed the usage of the last six months and the new direct debit calculation',
  ],
];
const fillers = [
  'Sorry, could you repeat that?',
  'Let me just pull that up, one moment please.',
  'Okay, I see it here.',
  'Right, that makes sense.',
  'I understand, that is frustrating.',
  'Can I put you on hold for a minute while I check with my colleague?',
  'Thanks for holding.',
  'Is there anything else I can help with today?',
];

/** `n` call transcripts (deterministic). */
export function transcripts(n: number, seed = 3): string[] {
  const r = new Random(seed);
  return Array.from({ length: n }, () => {
    const name = r.pick(customers);
    const [reason, check] = r.pick(reasons);
    const turns = [
      `Agent: Thank you for calling Lumen Energy, my name is ${r.pick(['Sam', 'Alex', 'Jordan', 'Chris'])}. Who am I speaking with?`,
      `Customer: Hi, it's ${name}. I'm calling because ${reason}.`,
      `Agent: Thanks ${name}. ${r.pick(fillers)} Can you confirm the first line of your address for security?`,
      'Customer: Yes, sure. [address given]',
      `Agent: Thank you. ${r.pick(fillers)} So I ${check}.`,
      `Customer: ${r.pick(['That would explain it.', 'I had no idea.', 'Why did nobody tell me?', 'Okay, so what happens now?'])}`,
    ];
    for (let i = 0, extra = r.int(2, 8); i < extra; i++)
      turns.push(`${i % 2 === 0 ? 'Agent' : 'Customer'}: ${r.pick(fillers)}`);
    turns.push(
      `Agent: What I'll do is ${r.pick(['raise a correction with the billing team', 'book a new engineer visit', 'switch you to the fixed tariff from your next bill', 'link the export meter and back-pay the missing months'])}, and you should hear from us within ${r.int(2, 10)} working days.`,
      `Customer: ${r.pick(['Great, thank you so much.', 'Fine. I hope this time it actually happens.', 'Okay, thanks.', 'Thanks, you have been really helpful.'])}`,
      'Agent: Thank you for calling, have a good day.',
    );
    return turns.join('\n');
  });
}
