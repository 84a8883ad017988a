import 'reflect-metadata';

export * from './async-queue';
export * from './config';
export * from './db';
export * from './demo';
export * from './embedded-pg';
export * from './errors';
export * from './federation';
export * from './ids';
export * from './internal-auth';
export * from './loaders';
export * from './logger';
export * from './metrics';
export * from './scopes';
export * from './server';
export * from './subgraph';
export * from './tenancy';
