/**
 * Extraction: fields of supplier invoices received as plain text (an OCR or
 * email body), into the schema of an accounts-payable system, with the
 * record tool's schema sent along as an agent's would be.
 */
import type { LlmInstructions } from '../llm/request';
import { Random } from './random';

export const invoiceInstructions: LlmInstructions = {
  system: `You extract structured data from supplier invoices for the accounts-payable team of Harbor & Finch Ltd. The text of each invoice comes from email bodies or OCR of scanned PDFs, so expect broken lines, stray characters and inconsistent formatting.

Extract these fields:
- vendor: the legal name of the company that issued the invoice, without addresses.
- invoice_number: exactly as printed, keeping prefixes and dashes.
- issue_date and due_date: ISO 8601 dates (YYYY-MM-DD). If only payment terms are given ("Net 30"), compute the due date from the issue date. If a date is ambiguous between day-first and month-first, prefer day-first for vendors with an address in Europe and month-first for vendors in the United States.
- currency: the ISO 4217 code (EUR, USD, GBP, ...). A "$" without a country is USD; "£" is GBP; "€" is EUR.
- line_items: each billed line with description, quantity (a number; 1 when not printed) and unit_price (a number in the invoice currency, without symbols or thousands separators).
- subtotal, tax and total: numbers in the invoice currency. If tax is not printed, use 0. Check that subtotal + tax = total within 0.01; if it does not add up, still report what is printed and set "needs_review" to true.
- purchase_order: the buyer's PO number if printed, else null.

Rules:
1. Never guess a value that is not on the invoice: use null.
2. Numbers use a dot as decimal separator in your answer, whatever the invoice uses.
3. Keep descriptions short: at most 80 characters, no SKU codes unless they are the only description.
4. Credit notes have negative totals; keep the sign.`,
  tools: [
    {
      name: 'record_invoice',
      description: 'Records an extracted invoice in the accounts-payable system.',
      parameters: {
        type: 'object',
        properties: {
          vendor: { type: 'string', description: 'Legal name of the issuer.' },
          invoice_number: { type: 'string' },
          issue_date: { type: 'string', description: 'YYYY-MM-DD' },
          due_date: { type: 'string', description: 'YYYY-MM-DD' },
          currency: { type: 'string', description: 'ISO 4217 code' },
          purchase_order: { type: 'string' },
          line_items: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                description: { type: 'string' },
                quantity: { type: 'number' },
                unit_price: { type: 'number' },
              },
              required: ['description', 'quantity', 'unit_price'],
            },
          },
          subtotal: { type: 'number' },
          tax: { type: 'number' },
          total: { type: 'number' },
          needs_review: {
            type: 'boolean',
            description: 'True when the amounts do not add up or a field was unreadable.',
          },
        },
        required: ['vendor', 'invoice_number', 'issue_date', 'currency', 'line_items', 'total'],
      },
    },
    {
      name: 'find_vendor',
      description:
        'Looks up a vendor in the vendor master data by name or VAT number; returns its id, address and default currency.',
      parameters: { type: 'object', properties: { name: { type: 'string' }, vat_number: { type: 'string' } } },
    },
  ],
  answer: 'a JSON object with the fields listed above',
};

const vendors: [string, string, string][] = [
  ['Kestrel Office Supplies GmbH', 'Hauptstr. 12, 10115 Berlin, Germany', '€'],
  ['Bluewater Logistics Inc.', '400 Harbor Blvd, Oakland, CA 94607, USA', '$'],
  ['Pennine Print & Design Ltd', '7 Mill Lane, Leeds LS1 4AB, United Kingdom', '£'],
  ['Atelier Moreau SARL', '18 rue des Tanneurs, 69001 Lyon, France', '€'],
  ['Copperline Networks LLC', '2200 Market St, Denver, CO 80205, USA', '$'],
];
const goods = [
  ['A4 copy paper, 80 g, box of 5 reams', 24, 38],
  ['Toner cartridge, black, high yield', 60, 140],
  ['Pallet freight, Oakland to Reno', 180, 420],
  ['Brochure printing, 12 pages, full colour', 0.4, 1.9],
  ['Network switch, 24 ports, managed', 210, 480],
  ['On-site installation, per hour', 65, 140],
  ['Annual support contract', 900, 2400],
  ['Ergonomic office chair', 180, 390],
] as const;

function money(value: number, symbol: string, european: boolean): string {
  const fixed = value.toFixed(2);
  return european ? `${fixed.replace('.', ',')} ${symbol}` : `${symbol}${fixed}`;
}

/** `n` invoices as text (deterministic). */
export function invoices(n: number, seed = 2): string[] {
  const r = new Random(seed);
  return Array.from({ length: n }, () => {
    const [vendor, address, symbol] = r.pick(vendors);
    const european = symbol === '€';
    const lines = r.some(goods, r.int(1, 4)).map(([description, low, high]) => ({
      description,
      quantity: r.int(1, 12),
      price: low + r.next() * (high - low),
    }));
    const subtotal = lines.reduce((s, l) => s + l.quantity * l.price, 0);
    const tax = subtotal * r.pick([0, 0.07, 0.19, 0.2]);
    const day = r.int(1, 28);
    const month = r.int(1, 12);
    const date = european ? `${day}.${month}.2026` : `${month}/${day}/2026`;
    const po = r.next() < 0.5 ? `\nYour PO: PO-${r.int(1000, 9999)}` : '';
    const rows = lines
      .map(
        (l) =>
          `${l.description}  ${l.quantity} x ${money(l.price, symbol, european)}  ${money(l.quantity * l.price, symbol, european)}`,
      )
      .join('\n');
    return `${vendor}\n${address}\nINVOICE ${r.pick(['INV-', 'RE-', 'No. ', ''])}${r.int(2026000, 2026999)}\nDate: ${date}   Terms: Net ${r.pick([14, 30, 45])}${po}\n\n${rows}\n\nSubtotal ${money(subtotal, symbol, european)}\nTax ${money(tax, symbol, european)}\nTOTAL DUE ${money(subtotal + tax, symbol, european)}`;
  });
}
