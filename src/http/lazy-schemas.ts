// Route schemas compiled at a route's first request instead of at start.
//
// Fastify compiles every route's validators (Ajv) and response serializers (fast-json-stringify) while
// it boots: for our ~230 routes that was 40% of `serve`'s start-up CPU and ~20 MB of its idle memory
// (`npm run bench startup`), though most processes only ever serve a few of those routes. These factories
// wrap Fastify's own compilers, with the same options, and compile a schema when its route is first hit.
// `compilePendingSchemas()` compiles whatever is left, so a test can still prove every schema compiles.
import ajvCompiler from '@fastify/ajv-compiler';
import serializerCompiler from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };
type Serialize = (data: unknown) => string;
interface RouteSchema { schema?: unknown; httpPart?: string }
type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

const pending = new Set<() => void>();

/** Compiles every schema no request has needed yet; throws the first compile error. Returns how many. */
export function compilePendingSchemas(): number {
  const compiles = [...pending];
  for (const compile of compiles) compile();
  return compiles.length;
}

/** `schemaController.compilersFactory.buildValidator`: Fastify's Ajv compiler, built and run on demand. */
export function lazyValidatorBuilder(): NonNullable<CompilersFactory['buildValidator']> {
  const build = ajvCompiler() as unknown as (...args: unknown[]) => (route: RouteSchema) => Validate;
  const builder = (...builderArgs: unknown[]) => {
    let compiler: ((route: RouteSchema) => Validate) | undefined;
    return (route: RouteSchema): Validate => {
      // Fastify lower-cases a header schema's names itself only for its default compiler.
      const target = route.httpPart === 'headers' ? { ...route, schema: lowerCaseHeaderNames(route.schema) } : route;
      let validate: Validate | undefined;
      const compile = () => {
        pending.delete(compile);
        return (validate ??= (compiler ??= build(...builderArgs))(target));
      };
      pending.add(compile);
      const lazy: Validate = (data, context) => {
        const real = validate ?? compile();
        // Ajv takes the parent object (which lets it strip or coerce the root value) as its second argument.
        const result = real.schemaEnv ? real(data, context) : real(data);
        lazy.errors = real.errors;
        return result;
      };
      // Tells Fastify to pass that parent object.
      lazy.schemaEnv = true;
      return lazy;
    };
  };
  return builder as unknown as NonNullable<CompilersFactory['buildValidator']>;
}

/** `schemaController.compilersFactory.buildSerializer`: fast-json-stringify, built and run on demand. */
export function lazySerializerBuilder(): NonNullable<CompilersFactory['buildSerializer']> {
  const build = serializerCompiler() as unknown as (...args: unknown[]) => (route: RouteSchema) => Serialize;
  const builder = (...builderArgs: unknown[]) => {
    let compiler: ((route: RouteSchema) => Serialize) | undefined;
    return (route: RouteSchema): Serialize => {
      let serialize: Serialize | undefined;
      const compile = () => {
        pending.delete(compile);
        return (serialize ??= (compiler ??= build(...builderArgs))(route));
      };
      pending.add(compile);
      return (data) => (serialize ?? compile())(data);
    };
  };
  return builder;
}

function lowerCaseHeaderNames(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null || !('properties' in schema)) return schema;
  const { properties, required } = schema as { properties: Record<string, unknown>; required?: string[] };
  return {
    ...schema,
    properties: Object.fromEntries(Object.entries(properties).map(([name, value]) => [name.toLowerCase(), value])),
    ...(required ? { required: required.map((name) => name.toLowerCase()) } : {}),
  };
}
