/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query DashboardActivity($from: DateTimeISO!) {\n  paymentActivity(from: $from) {\n    asOfCursor\n    totals {\n      location {\n        id\n        name\n      }\n      currency\n      type\n      count\n      amount {\n        amountMinor\n        currency\n      }\n    }\n  }\n}": typeof types.DashboardActivityDocument,
    "query DashboardCursor {\n  paymentEventsCursor\n}": typeof types.DashboardCursorDocument,
    "subscription Dashboard($after: String) {\n  paymentEvents(after: $after) {\n    id\n    cursor\n    type\n    partnerId\n    occurredAt\n    location {\n      id\n      name\n    }\n    refund {\n      id\n      amount {\n        amountMinor\n        currency\n      }\n    }\n    payload {\n      paymentId\n      status\n      amount {\n        amountMinor\n        currency\n      }\n      refunded {\n        amountMinor\n        currency\n      }\n    }\n  }\n}": typeof types.DashboardDocument,
    "query PortalWebhookEndpoints {\n  webhookEndpoints(first: 100) {\n    nodes {\n      id\n      url\n      description\n      status\n      eventTypes\n      createdAt\n    }\n  }\n}\n\nmutation PortalCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n  createWebhookEndpoint(input: $input) {\n    userErrors {\n      code\n      field\n      message\n    }\n    secret\n    webhookEndpoint {\n      id\n      url\n      description\n      status\n      eventTypes\n      createdAt\n    }\n  }\n}\n\nquery PortalWebhookDeliveries($endpointId: ID!, $status: WebhookDeliveryStatus) {\n  webhookDeliveries(endpointId: $endpointId, status: $status, first: 50) {\n    nodes {\n      id\n      eventType\n      status\n      attempts\n      lastStatusCode\n      lastError\n      deliveredAt\n      replays\n      createdAt\n      attemptLog {\n        attempt\n        statusCode\n        error\n        durationMs\n        attemptedAt\n      }\n    }\n  }\n}\n\nquery PortalDeadLetterCount {\n  webhookDeliveries(status: DEAD, first: 0) {\n    totalCount\n  }\n}\n\nmutation PortalReplayWebhookDelivery($input: ReplayWebhookDeliveryInput!) {\n  replayWebhookDelivery(input: $input) {\n    userErrors {\n      code\n      message\n    }\n    delivery {\n      id\n      status\n      replays\n    }\n  }\n}": typeof types.PortalWebhookEndpointsDocument,
};
const documents: Documents = {
    "query DashboardActivity($from: DateTimeISO!) {\n  paymentActivity(from: $from) {\n    asOfCursor\n    totals {\n      location {\n        id\n        name\n      }\n      currency\n      type\n      count\n      amount {\n        amountMinor\n        currency\n      }\n    }\n  }\n}": types.DashboardActivityDocument,
    "query DashboardCursor {\n  paymentEventsCursor\n}": types.DashboardCursorDocument,
    "subscription Dashboard($after: String) {\n  paymentEvents(after: $after) {\n    id\n    cursor\n    type\n    partnerId\n    occurredAt\n    location {\n      id\n      name\n    }\n    refund {\n      id\n      amount {\n        amountMinor\n        currency\n      }\n    }\n    payload {\n      paymentId\n      status\n      amount {\n        amountMinor\n        currency\n      }\n      refunded {\n        amountMinor\n        currency\n      }\n    }\n  }\n}": types.DashboardDocument,
    "query PortalWebhookEndpoints {\n  webhookEndpoints(first: 100) {\n    nodes {\n      id\n      url\n      description\n      status\n      eventTypes\n      createdAt\n    }\n  }\n}\n\nmutation PortalCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n  createWebhookEndpoint(input: $input) {\n    userErrors {\n      code\n      field\n      message\n    }\n    secret\n    webhookEndpoint {\n      id\n      url\n      description\n      status\n      eventTypes\n      createdAt\n    }\n  }\n}\n\nquery PortalWebhookDeliveries($endpointId: ID!, $status: WebhookDeliveryStatus) {\n  webhookDeliveries(endpointId: $endpointId, status: $status, first: 50) {\n    nodes {\n      id\n      eventType\n      status\n      attempts\n      lastStatusCode\n      lastError\n      deliveredAt\n      replays\n      createdAt\n      attemptLog {\n        attempt\n        statusCode\n        error\n        durationMs\n        attemptedAt\n      }\n    }\n  }\n}\n\nquery PortalDeadLetterCount {\n  webhookDeliveries(status: DEAD, first: 0) {\n    totalCount\n  }\n}\n\nmutation PortalReplayWebhookDelivery($input: ReplayWebhookDeliveryInput!) {\n  replayWebhookDelivery(input: $input) {\n    userErrors {\n      code\n      message\n    }\n    delivery {\n      id\n      status\n      replays\n    }\n  }\n}": types.PortalWebhookEndpointsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DashboardActivity($from: DateTimeISO!) {\n  paymentActivity(from: $from) {\n    asOfCursor\n    totals {\n      location {\n        id\n        name\n      }\n      currency\n      type\n      count\n      amount {\n        amountMinor\n        currency\n      }\n    }\n  }\n}"): (typeof documents)["query DashboardActivity($from: DateTimeISO!) {\n  paymentActivity(from: $from) {\n    asOfCursor\n    totals {\n      location {\n        id\n        name\n      }\n      currency\n      type\n      count\n      amount {\n        amountMinor\n        currency\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DashboardCursor {\n  paymentEventsCursor\n}"): (typeof documents)["query DashboardCursor {\n  paymentEventsCursor\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription Dashboard($after: String) {\n  paymentEvents(after: $after) {\n    id\n    cursor\n    type\n    partnerId\n    occurredAt\n    location {\n      id\n      name\n    }\n    refund {\n      id\n      amount {\n        amountMinor\n        currency\n      }\n    }\n    payload {\n      paymentId\n      status\n      amount {\n        amountMinor\n        currency\n      }\n      refunded {\n        amountMinor\n        currency\n      }\n    }\n  }\n}"): (typeof documents)["subscription Dashboard($after: String) {\n  paymentEvents(after: $after) {\n    id\n    cursor\n    type\n    partnerId\n    occurredAt\n    location {\n      id\n      name\n    }\n    refund {\n      id\n      amount {\n        amountMinor\n        currency\n      }\n    }\n    payload {\n      paymentId\n      status\n      amount {\n        amountMinor\n        currency\n      }\n      refunded {\n        amountMinor\n        currency\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PortalWebhookEndpoints {\n  webhookEndpoints(first: 100) {\n    nodes {\n      id\n      url\n      description\n      status\n      eventTypes\n      createdAt\n    }\n  }\n}\n\nmutation PortalCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n  createWebhookEndpoint(input: $input) {\n    userErrors {\n      code\n      field\n      message\n    }\n    secret\n    webhookEndpoint {\n      id\n      url\n      description\n      status\n      eventTypes\n      createdAt\n    }\n  }\n}\n\nquery PortalWebhookDeliveries($endpointId: ID!, $status: WebhookDeliveryStatus) {\n  webhookDeliveries(endpointId: $endpointId, status: $status, first: 50) {\n    nodes {\n      id\n      eventType\n      status\n      attempts\n      lastStatusCode\n      lastError\n      deliveredAt\n      replays\n      createdAt\n      attemptLog {\n        attempt\n        statusCode\n        error\n        durationMs\n        attemptedAt\n      }\n    }\n  }\n}\n\nquery PortalDeadLetterCount {\n  webhookDeliveries(status: DEAD, first: 0) {\n    totalCount\n  }\n}\n\nmutation PortalReplayWebhookDelivery($input: ReplayWebhookDeliveryInput!) {\n  replayWebhookDelivery(input: $input) {\n    userErrors {\n      code\n      message\n    }\n    delivery {\n      id\n      status\n      replays\n    }\n  }\n}"): (typeof documents)["query PortalWebhookEndpoints {\n  webhookEndpoints(first: 100) {\n    nodes {\n      id\n      url\n      description\n      status\n      eventTypes\n      createdAt\n    }\n  }\n}\n\nmutation PortalCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n  createWebhookEndpoint(input: $input) {\n    userErrors {\n      code\n      field\n      message\n    }\n    secret\n    webhookEndpoint {\n      id\n      url\n      description\n      status\n      eventTypes\n      createdAt\n    }\n  }\n}\n\nquery PortalWebhookDeliveries($endpointId: ID!, $status: WebhookDeliveryStatus) {\n  webhookDeliveries(endpointId: $endpointId, status: $status, first: 50) {\n    nodes {\n      id\n      eventType\n      status\n      attempts\n      lastStatusCode\n      lastError\n      deliveredAt\n      replays\n      createdAt\n      attemptLog {\n        attempt\n        statusCode\n        error\n        durationMs\n        attemptedAt\n      }\n    }\n  }\n}\n\nquery PortalDeadLetterCount {\n  webhookDeliveries(status: DEAD, first: 0) {\n    totalCount\n  }\n}\n\nmutation PortalReplayWebhookDelivery($input: ReplayWebhookDeliveryInput!) {\n  replayWebhookDelivery(input: $input) {\n    userErrors {\n      code\n      message\n    }\n    delivery {\n      id\n      status\n      replays\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;