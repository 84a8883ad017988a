import { Router } from 'express';
import { withHostedCheckoutPaths } from './hosted-checkout';
import { asyncApiDocument } from './rest/asyncapi';
import { openApiDocument } from './rest/openapi';
import { routes } from './rest/routes';
import { credentialRouteDocs } from './rest/v1/credentials';
import { launchRouteDocs } from './rest/v1/launch';

/**
 * The API documents, public and built on request for the gateway's public URL: the OpenAPI document of every REST
 * route (the route table, the gateway's own launch and credential routes, the hosted checkout's pages) and the
 * AsyncAPI document of the payment events (subscription and webhooks).
 */
export function apiDocumentsRouter(publicUrl: string): Router {
  const router = Router();
  router.get('/pos/v1/.well-known/openapi.json', (_req, res) => {
    res.json(
      withHostedCheckoutPaths(openApiDocument([...routes, ...launchRouteDocs, ...credentialRouteDocs], publicUrl)),
    );
  });
  router.get('/pos/v1/.well-known/asyncapi.json', (_req, res) => {
    res.json(asyncApiDocument(publicUrl));
  });
  return router;
}
