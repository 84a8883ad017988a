import type { ApolloServerPlugin } from '@apollo/server';
import type { MikroORM } from '@mikro-orm/postgresql';
import {
  type Attributes,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  createContextKey,
  propagation,
  trace,
} from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Request, Response } from 'express';
import {
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type ResponsePath,
  isObjectType,
} from 'graphql';
import { getMetadataStorage } from 'type-graphql';

/*
 * Tracing with OpenTelemetry, by explicit spans at the few places that are ours: the REST facade's routes and the
 * gateway's /graphql (server spans), the operation the gateway runs, each subgraph fetch and entity read (client
 * spans that carry a W3C `traceparent`), each subgraph's request (a server span continuing that traceparent), its
 * root and field resolvers, and every SQL statement MikroORM runs. No monkey-patching instrumentation: it must load
 * before the modules it patches, which an in-process test stack cannot arrange, and the pg instrumentation would see
 * MikroORM's statements with their parameter values already inlined.
 *
 * Off unless started: without a provider every entry point below is a boolean test and a direct call, so the
 * overhead is nil. The SDK itself is only loaded when tracing starts.
 */

/** Span attribute naming the service a span belongs to (one process runs all five in the test stack). */
export const POS_SERVICE_ATTRIBUTE = 'pos.service';
const SERVICE_KEY = createContextKey('pos.service');
/** Longest SQL text kept on a span (a multi-row insert can be long); the rest is cut. */
const MAX_STATEMENT_LENGTH = 2_000;

export type { ReadableSpan };
export { SpanKind };

export interface TracingOptions {
  /** The service's name, the resource's `service.name` (gateway, orders, checks, payments, loyalty). */
  serviceName: string;
  /**
   * Where spans go, each as it ends (SimpleSpanProcessor): tests give an InMemorySpanExporter. Without one, spans are
   * batched to OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, and
   * tracing stays off when neither is.
   */
  exporter?: SpanExporter;
  /** The environment to read the OTLP settings from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface Tracing {
  serviceName: string;
  /** Exports what has ended and not yet been sent. */
  forceFlush(): Promise<void>;
  /** Flushes, then unregisters the provider, the context manager and the propagator: tracing is off again. */
  shutdown(): Promise<void>;
}

interface ActiveTracing extends Tracing {
  tracer: Tracer;
}

let active: ActiveTracing | null = null;

/** Whether a tracer provider is installed: everything here is a no-op when it is not. */
export const tracingEnabled = (): boolean => active !== null;

/** The tracer of our own spans; a no-op tracer while tracing is off. */
export const posTracer = (): Tracer => active?.tracer ?? trace.getTracer('pos');

/** The OTLP/HTTP traces URL the environment configures, or null (tracing off). */
export function otlpTracesUrl(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return null;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return new URL(traces).toString();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  // As the OTLP specification says: the signal's path is appended to the base endpoint.
  return base ? new URL(`${base.replace(/\/+$/, '')}/v1/traces`).toString() : null;
}

/**
 * Starts tracing in this process: registers a tracer provider with the AsyncLocalStorage context manager and the
 * W3C trace-context propagator. Returns null, registering nothing, when no exporter is given and no OTLP endpoint
 * is configured, or when tracing already runs in this process (the test stack runs every service in one).
 */
export async function startTracing(options: TracingOptions): Promise<Tracing | null> {
  if (active) return null;
  const url = options.exporter ? null : otlpTracesUrl(options.env);
  if (!options.exporter && !url) return null;
  const [sdk, resources, core, hooks] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
    import('@opentelemetry/context-async-hooks'),
  ]);
  if (active) return null;
  let exporter = options.exporter;
  if (!exporter) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    exporter = new OTLPTraceExporter({ url: url! });
  }
  const resource = resources
    .defaultResource()
    // OTEL_RESOURCE_ATTRIBUTES adds attributes (deployment.environment, ...); the service names itself.
    .merge(resources.detectResources({ detectors: [resources.envDetector] }))
    .merge(resources.resourceFromAttributes({ 'service.name': options.serviceName, 'service.namespace': 'pos' }));
  const provider = new sdk.BasicTracerProvider({
    resource,
    spanProcessors: [
      serviceAttribute(options.serviceName),
      options.exporter ? new sdk.SimpleSpanProcessor(exporter) : new sdk.BatchSpanProcessor(exporter),
    ],
  });
  const contextManager = new hooks.AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const started: ActiveTracing = {
    serviceName: options.serviceName,
    tracer: provider.getTracer('pos'),
    forceFlush: () => provider.forceFlush(),
    shutdown: async () => {
      if (active !== started) return;
      active = null;
      try {
        await provider.shutdown();
      } finally {
        trace.disable();
        propagation.disable();
        context.disable();
      }
    },
  };
  active = started;
  return started;
}

/** Spans kept in memory, for tests: tracing on with an InMemorySpanExporter, one span exported as it ends. */
export interface TestTracing extends Tracing {
  spans(): ReadableSpan[];
  reset(): void;
}

export async function installTestTracing(serviceName = 'pos-test'): Promise<TestTracing> {
  const { InMemorySpanExporter } = await import('@opentelemetry/sdk-trace-base');
  const exporter = new InMemorySpanExporter();
  const tracing = await startTracing({ serviceName, exporter });
  if (!tracing) throw new Error('tracing is already started in this process');
  return { ...tracing, spans: () => exporter.getFinishedSpans(), reset: () => exporter.reset() };
}

/**
 * Names each span's service: spans the service starts itself carry it, and every span below them (ours and those
 * of libraries that use the global tracer, such as @apollo/gateway's `gateway.plan`) inherits it from the context.
 */
function serviceAttribute(fallback: string): SpanProcessor {
  return {
    onStart(span, parent) {
      if (span.attributes[POS_SERVICE_ATTRIBUTE] === undefined) {
        span.setAttribute(POS_SERVICE_ATTRIBUTE, (parent.getValue(SERVICE_KEY) as string | undefined) ?? fallback);
      }
    },
    onEnd: () => undefined,
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
  };
}

const NOOP_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * What an error was, for a span's status: its GraphQL or Node code, or its class name. Never its message, which
 * can carry SQL with values (MikroORM's exceptions inline them) or what a caller sent.
 */
function errorType(error: unknown): string {
  const e = error as { extensions?: { code?: unknown }; code?: unknown; name?: unknown } | null;
  const code = e?.extensions?.code ?? e?.code ?? e?.name;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : 'Error';
}

/** Marks a span failed, with the error's type (its code or name), never its message. */
export function markFailed(span: Span, error: unknown): void {
  const type = errorType(error);
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === 'function';

export interface PosSpanOptions extends SpanOptions {
  /** The service this span (and every span below it) belongs to. Default: the parent's. */
  service?: string;
  /** The parent context; default the active one. */
  parent?: Context;
  /** Only trace under an existing span (work outside any traced request stays untraced). */
  childOnly?: boolean;
}

/**
 * Runs `fn` inside a new active span, ended when `fn` returns or its promise settles; a throw or rejection sets the
 * span's status to ERROR with the error's type. While tracing is off, `fn` runs as is with a no-op span (a name
 * given as a function is then never computed).
 */
export function withSpan<T>(name: string | (() => string), options: PosSpanOptions, fn: (span: Span) => T): T {
  if (!active) return fn(NOOP_SPAN);
  let parent = options.parent ?? context.active();
  if (options.childOnly && !trace.getSpan(parent)) return fn(NOOP_SPAN);
  let spanOptions: SpanOptions = options;
  if (options.service) {
    parent = parent.setValue(SERVICE_KEY, options.service);
    spanOptions = { ...options, attributes: { ...options.attributes, [POS_SERVICE_ATTRIBUTE]: options.service } };
  }
  const span = active.tracer.startSpan(typeof name === 'string' ? name : name(), spanOptions, parent);
  let result: T;
  try {
    result = context.with(trace.setSpan(parent, span), fn, undefined, span);
  } catch (error) {
    markFailed(span, error);
    span.end();
    throw error;
  }
  if (!isPromiseLike(result)) {
    span.end();
    return result;
  }
  return result.then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      markFailed(span, error);
      span.end();
      throw error;
    },
  ) as T;
}

const NO_IDS: { trace_id?: string; span_id?: string } = {};

/**
 * The active span's trace and span ids, for a log line (pino's mixin): a line logged while a traced request runs
 * can be found in its trace. Empty while tracing is off or outside any span.
 */
export function traceIds(): { trace_id?: string; span_id?: string } {
  if (!active) return NO_IDS;
  const span = trace.getSpan(context.active());
  if (!span) return NO_IDS;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/**
 * pino's mixinMergeStrategy for {@link traceIds}: pino's own assigns the line's fields into the mixin's object,
 * which must then be a new one per line; this one leaves the shared empty one alone.
 */
export const mergeTraceIds = (mergeObject: object, mixinObject: object): object =>
  mixinObject === NO_IDS ? mergeObject : Object.assign(mixinObject, mergeObject);

/** Writes the active context's `traceparent` (and `tracestate`) with `set`; nothing while tracing is off. */
export function injectTraceContext(carrier: { set(name: string, value: string): unknown }): void {
  if (!active) return;
  propagation.inject(context.active(), carrier, { set: (c, name, value) => c.set(name, value) });
}

/** The active context's `traceparent` (and `tracestate`) as headers; empty while tracing is off. */
export function traceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  if (active) propagation.inject(context.active(), headers);
  return headers;
}

/** The context an incoming request's `traceparent` continues (the root context when it has none). */
export const extractTraceContext = (headers: Record<string, string | string[] | undefined>): Context =>
  active ? propagation.extract(ROOT_CONTEXT, headers) : ROOT_CONTEXT;

/**
 * Runs `handle` inside a server span for one HTTP request, continuing the caller's `traceparent` when it sends one;
 * the span ends when the response is finished (or the connection closes), with its status code.
 */
export function traceHttpRequest<T>(
  service: string,
  route: string,
  req: Request,
  res: Response,
  handle: () => T,
  attributes: Attributes = {},
): T {
  if (!active) return handle();
  const parent = extractTraceContext(req.headers).setValue(SERVICE_KEY, service);
  const span = active.tracer.startSpan(
    `${req.method} ${route}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [POS_SERVICE_ATTRIBUTE]: service,
        'http.request.method': req.method,
        'http.route': route,
        ...(typeof res.locals.requestId === 'string' ? { 'pos.request_id': res.locals.requestId } : {}),
        ...attributes,
      },
    },
    parent,
  );
  // For the request's log line, written when the response finishes, outside the span's context.
  res.locals.traceId = span.spanContext().traceId;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    span.setAttribute('http.response.status_code', res.statusCode);
    if (!res.writableFinished) {
      span.setAttribute('error.type', 'aborted');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'aborted' });
    } else if (res.statusCode >= 500) {
      span.setAttribute('error.type', String(res.statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(res.statusCode) });
    }
    span.end();
  };
  res.once('finish', end);
  res.once('close', end);
  return context.with(trace.setSpan(parent, span), handle);
}

/** Express middleware: a server span per request (mounted after the body parser, so the handler runs inside it). */
export const traceRequests =
  (service: string) =>
  (req: Request, res: Response, next: () => void): void => {
    if (!active) return next();
    traceHttpRequest(service, req.baseUrl + (req.path === '/' ? '' : req.path), req, res, next);
  };

/** `mutation RestCreatePayment` from a document's first operation, or `graphql.operation` when it has no name. */
export function operationSpanName(document: string): string {
  const match = /^\s*(?:#[^\n]*\n\s*)*(query|mutation|subscription)\s+(\w+)/.exec(document);
  return match ? `${match[1]} ${match[2]}` : 'graphql.operation';
}

/**
 * Apollo Server plugin: names the active (server or operation) span's GraphQL operation and its error codes, and,
 * with `resolvers`, traces a subgraph's root fields and type-graphql field resolvers (see {@link traceResolvers}).
 */
export function tracingPlugin(options: { resolvers?: boolean } = {}): ApolloServerPlugin {
  return {
    async requestDidStart({ schema }) {
      if (!active) return;
      const span = trace.getSpan(context.active());
      if (!span) return;
      if (options.resolvers) traceResolvers(schema);
      return {
        async didResolveOperation({ operation, operationName }) {
          if (operation) span.setAttribute('graphql.operation.type', operation.operation);
          if (operationName) span.setAttribute('graphql.operation.name', operationName);
        },
        async didEncounterErrors({ errors }) {
          // Codes only: a message can quote what the caller sent.
          const codes = new Set(errors.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')));
          span.setAttribute('graphql.error.codes', [...codes]);
        },
      };
    },
  };
}

const tracedSchemas = new WeakSet<GraphQLSchema>();

/**
 * The fields whose resolvers are type-graphql `@FieldResolver` methods (they load or compute something), as
 * `Type.field`. Every other non-root field resolver type-graphql emits only reads a property.
 */
function fieldResolverNames(): Set<string> {
  const storage = getMetadataStorage();
  const typeNames = new Map<unknown, string>(storage.objectTypes.map((type) => [type.target, type.name]));
  const names = new Set<string>();
  for (const resolver of storage.fieldResolvers) {
    let target: unknown;
    try {
      target = resolver.getObjectType?.() ?? resolver.resolverClassMetadata?.getObjectType();
    } catch {
      continue;
    }
    const typeName = typeNames.get(target);
    if (typeName) names.add(`${typeName}.${resolver.schemaName}`);
  }
  return names;
}

const pathText = (path: ResponsePath): string => {
  const parts: Array<string | number> = [];
  for (let p: ResponsePath | undefined = path; p; p = p.prev) parts.push(p.key);
  return parts.reverse().join('.');
};

function traceField(typeName: string, field: GraphQLField<unknown, unknown>): void {
  const resolve = field.resolve;
  if (!resolve) return;
  const name = `${typeName}.${field.name}`;
  const traced: GraphQLFieldResolver<unknown, unknown> = (source, args, contextValue, info) => {
    if (!active || !trace.getSpan(context.active())) return resolve(source, args, contextValue, info);
    return withSpan(
      name,
      { attributes: { 'graphql.field.path': pathText(info.path), 'graphql.field.type': String(info.returnType) } },
      () => resolve(source, args, contextValue, info),
    );
  };
  field.resolve = traced;
}

/**
 * Gives the schema's root query and mutation fields (`_entities` included) and its type-graphql field resolvers a
 * span each, so the SQL a resolver runs sits under it. Done once per schema, on its first traced request: a schema
 * never traced keeps its resolvers untouched. A DataLoader batch runs in the context of the first field that asked
 * for it, so its SQL appears under that field.
 */
export function traceResolvers(schema: GraphQLSchema): void {
  if (tracedSchemas.has(schema)) return;
  tracedSchemas.add(schema);
  const fieldResolvers = fieldResolverNames();
  const roots = new Set([schema.getQueryType(), schema.getMutationType()].filter(Boolean));
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const root = roots.has(type);
      if (root && field.name === '_service') continue;
      if (root || fieldResolvers.has(`${type.name}.${field.name}`)) traceField(type.name, field);
    }
  }
}

interface QueryExecutor {
  executeQuery<T>(query: string, cb: () => Promise<T>, logContext?: { query?: unknown }): Promise<T>;
}

/**
 * A CLIENT span per SQL statement MikroORM runs inside a traced request, with `db.statement` the parameterised
 * text (`?` placeholders; never the values, which MikroORM inlines into the text it sends to pg). Statements run
 * outside any span (start-up, background workers) are not traced.
 */
export function traceSql(orm: MikroORM, schema: string): void {
  const connections = new Set([orm.em.getConnection('write'), orm.em.getConnection('read')]);
  for (const connection of connections as Set<unknown> as Set<QueryExecutor>) {
    const executeQuery = connection.executeQuery;
    connection.executeQuery = function traced<T>(
      this: QueryExecutor,
      query: string,
      cb: () => Promise<T>,
      logContext?: { query?: unknown },
    ): Promise<T> {
      const statement = logContext?.query;
      if (!active || typeof statement !== 'string' || !trace.getSpan(context.active())) {
        return executeQuery.call(this, query, cb, logContext) as Promise<T>;
      }
      const operation = /^\s*(\w+)/.exec(statement)?.[1]?.toLowerCase() ?? 'sql';
      return withSpan(
        `${operation} ${schema}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'db.system': 'postgresql',
            'db.namespace': schema,
            'db.operation.name': operation,
            'db.statement':
              statement.length > MAX_STATEMENT_LENGTH ? `${statement.slice(0, MAX_STATEMENT_LENGTH)}…` : statement,
          },
        },
        () => executeQuery.call(this, query, cb, logContext) as Promise<T>,
      );
    };
  }
}
