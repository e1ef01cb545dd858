// Schemas every API route shares: the problem document of RFC 9457 and the error responses of a route.
import { Type, type TSchema } from '@sinclair/typebox';

/** RFC 9457 problem document; extra members (`errors`, `choices`) pass through. */
export const ProblemSchema = Type.Object({
  type: Type.String(), title: Type.String(), status: Type.Integer(), detail: Type.String(), code: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
}, { additionalProperties: true, description: 'application/problem+json' });

/** Error responses every operator route can give. */
export const operatorProblems = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema } satisfies Record<number, TSchema>;
