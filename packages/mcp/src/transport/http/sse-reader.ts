/** One dispatched SSE event, as the HTML event-stream rules build it. */
export interface SseEvent {
  /** The `id:` this event carried itself; undefined when it had none. */
  readonly id: string | undefined;
  /** The `data:` lines joined with "\n"; '' for an event without data (a priming event). */
  readonly data: string;
  /** The `retry:` this event carried (ms), if any. */
  readonly retry: number | undefined;
}

/**
 * Reads an SSE body and calls `onEvent` for each event, including those with an id or retry
 * but no data (a resumable stream's priming event), which the client needs for Last-Event-ID.
 * Lines end in LF or CRLF. Resolves when the body ends; rejects when it breaks.
 */
export async function readSse(body: ReadableStream<Uint8Array>, onEvent: (event: SseEvent) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let id: string | undefined;
  let retry: number | undefined;
  const line = (text: string): void => {
    if (text === '') {
      if (data.length > 0 || id !== undefined || retry !== undefined) onEvent({ id, data: data.join('\n'), retry });
      data = [];
      id = undefined;
      retry = undefined;
      return;
    }
    const colon = text.indexOf(':');
    if (colon === 0) return; // a comment (keep-alive)
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.slice(text[colon + 1] === ' ' ? colon + 2 : colon + 1);
    if (field === 'data') data.push(value);
    // An id with a NUL is ignored, as EventSource does.
    else if (field === 'id' && !value.includes('\u0000')) id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
  };
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const end = newline > 0 && buffer[newline - 1] === '\r' ? newline - 1 : newline;
      line(buffer.slice(0, end));
      buffer = buffer.slice(newline + 1);
    }
  }
}
