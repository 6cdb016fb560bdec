/** One server-sent event: its id (if any) and its data lines joined. */
export interface SseEvent {
  id: string | undefined;
  data: string;
}

/**
 * Splits a text/event-stream into events (the WHATWG rules this client needs: id, data,
 * comments, CRLF or LF line ends). Fed chunk by chunk; an event is out once its blank line is in.
 */
export class SseEvents {
  private buffer = '';
  private id: string | undefined;
  private data: string[] = [];

  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const out: SseEvent[] = [];
    for (;;) {
      const end = this.buffer.indexOf('\n');
      if (end < 0) break;
      const line = this.buffer.slice(0, end > 0 && this.buffer[end - 1] === '\r' ? end - 1 : end);
      this.buffer = this.buffer.slice(end + 1);
      if (line === '') {
        if (this.data.length > 0 || this.id !== undefined) out.push({ id: this.id, data: this.data.join('\n') });
        this.id = undefined;
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
      if (field === 'data') this.data.push(value);
      else if (field === 'id') this.id = value;
    }
    return out;
  }
}
