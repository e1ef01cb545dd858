// Schemas every route shares: text a person or a client may send, the problem document of RFC 9457, and
// the error responses a route describes in the OpenAPI document.
import { Type, type StringOptions, type TSchema, type TString } from '@sinclair/typebox';

// C0 and C1 control characters (NUL among them: PostgreSQL refuses it in text, SQLite keeps it) and the
// bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), which make a name read backwards in
// an operator's queue or an email. Tab, line feed and carriage return are text in a multi-line field only.
const LINE = '\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069';
const TEXT = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069';
export const SINGLE_LINE_PATTERN = `^[^${LINE}]*$`;
export const MULTI_LINE_PATTERN = `^[^${TEXT}]*$`;

/**
 * One line of text from outside (a name, an email, an id, a cursor, a code): no control characters, no
 * line breaks, no bidirectional overrides. Every text input of an API route or a page form uses this or
 * MultiLineText, so both databases refuse the same bytes with the same 400.
 */
export const SingleLineText = (options: StringOptions = {}): TString =>
  Type.String({ ...options, pattern: SINGLE_LINE_PATTERN });

/** Several lines of text (a description, a message): line breaks and tabs allowed, other control characters not. */
export const MultiLineText = (options: StringOptions = {}): TString =>
  Type.String({ ...options, pattern: MULTI_LINE_PATTERN });

/** RFC 9457 problem document; extra members (`errors`, `choices`) pass through. */
export const ProblemSchema = Type.Object({
  type: Type.String(), title: Type.String(), status: Type.Integer(), detail: Type.String(), code: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
}, { additionalProperties: true, description: 'application/problem+json' });

/**
 * The problem responses of a route, by status: `response: { 200: Thing, ...problems(404, 409) }`, each under
 * `application/problem+json`. The statuses every route can give (400, 401, 403, 404, 413, 415, 500, by what
 * the route accepts) are added to every documented route by `describeRoute` (src/http/route-schemas.ts).
 */
export function problems(...statuses: number[]): Record<number, ProblemResponse> {
  return Object.fromEntries(statuses.map((status) => [status, {
    description: 'A problem document (RFC 9457); `code` says which', content: { 'application/problem+json': { schema: ProblemSchema } },
  }]));
}

export interface ProblemResponse { description: string; content: { 'application/problem+json': { schema: TSchema } } }

/** Error responses every operator route can give. */
export const operatorProblems = problems(400, 401, 403);
