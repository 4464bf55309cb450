/** Read position shared by the tokenizer and the string scanner (one per scanned file). */
export interface SourceCursor {
  readonly src: string;
  /** Index of the next unread UTF-16 unit. */
  pos: number;
  /** 1-based line of {@link pos}. */
  line: number;
}
