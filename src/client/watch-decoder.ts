// Splits a watch response (newline-delimited JSON events) into events, whatever the chunking:
// an event may span several chunks and one chunk may hold several events.
import { StringDecoder } from 'node:string_decoder';

export class WatchDecoder {
  private readonly utf8 = new StringDecoder('utf8');
  private pending = '';

  /** Feed a chunk; returns the complete JSON values it finished. Throws on malformed JSON. */
  push(chunk: Buffer): unknown[] {
    this.pending += this.utf8.write(chunk);
    const out: unknown[] = [];
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl).trim();
      this.pending = this.pending.slice(nl + 1);
      if (line) out.push(JSON.parse(line));
    }
    return out;
  }

  /** End of stream: a last event without a trailing newline still counts. */
  end(): unknown[] {
    const rest = (this.pending + this.utf8.end()).trim();
    this.pending = '';
    return rest ? [JSON.parse(rest)] : [];
  }
}
