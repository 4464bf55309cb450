/** Token types produced by {@link PythonTokenizer}. Numbers, not strings, because the scanner compares them in its hot loop. */
export const PyToken = {
  Name: 1,
  Number: 2,
  String: 3,
  /** Any operator or delimiter: one character, except `:=` (two). */
  Op: 4,
  /** End of a logical line (only emitted at bracket depth 0, never for blank or comment-only lines). */
  Newline: 5,
  EndOfFile: 6,
  /** The scan stopped; `PythonTokenizer.error` says why. */
  Error: 7,
} as const;

export type PyTokenType = (typeof PyToken)[keyof typeof PyToken];
