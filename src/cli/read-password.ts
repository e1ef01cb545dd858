// `cloudpass admin create` reads the password from stdin: piped (all of it, without the final newline),
// or typed at a terminal without echo.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { ValidationError } from '../lib/errors.ts';

export async function readPasswordFromStdin(input: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (input.isTTY) return promptHidden(input);
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * A new password: piped, as it is; typed at a terminal, twice, so a typo does not become the password
 * nobody knows. Two different entries are an error.
 */
export async function readNewPasswordFromStdin(input: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (!input.isTTY) return readPasswordFromStdin(input);
  const first = await promptHidden(input);
  const second = await promptHidden(input, 'Repeat the password: ');
  if (first !== second) throw new ValidationError([{ path: 'password', message: 'the two passwords are not the same; nothing was changed' }]);
  return first;
}

function promptHidden(input: NodeJS.ReadStream, prompt = 'Password: '): Promise<string> {
  process.stderr.write(prompt);
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input, output: muted, terminal: true });
  return new Promise((resolve) => {
    rl.once('line', (line) => {
      rl.close();
      process.stderr.write('\n');
      resolve(line);
    });
  });
}
