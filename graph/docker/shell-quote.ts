/** Quotes one argument for the POSIX shell nx:run-commands uses; plain words stay as they are. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_\/.:=@%+,{}-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
