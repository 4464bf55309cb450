function isAt(text: string, start: number, end: number, word: string): boolean {
  return end - start === word.length && text.startsWith(word, start);
}

/**
 * True when the word text[start, end) is a keyword after which an operand is expected, so that a
 * following `/` starts a regex literal (`return /x/`) rather than a division (`a / b`).
 */
export function isOperandKeyword(text: string, start: number, end: number): boolean {
  const len = end - start;
  if (len < 2 || len > 10) return false;
  switch (text.charCodeAt(start)) {
    case 97:
      return isAt(text, start, end, 'await');
    case 99:
      return isAt(text, start, end, 'case');
    case 100:
      return isAt(text, start, end, 'do') || isAt(text, start, end, 'delete');
    case 101:
      return isAt(text, start, end, 'else') || isAt(text, start, end, 'extends');
    case 105:
      return isAt(text, start, end, 'in') || isAt(text, start, end, 'instanceof');
    case 110:
      return isAt(text, start, end, 'new');
    case 111:
      return isAt(text, start, end, 'of');
    case 114:
      return isAt(text, start, end, 'return');
    case 116:
      return isAt(text, start, end, 'typeof') || isAt(text, start, end, 'throw');
    case 118:
      return isAt(text, start, end, 'void');
    case 121:
      return isAt(text, start, end, 'yield');
    default:
      return false;
  }
}
