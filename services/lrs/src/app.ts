import { authenticate } from '@lrs/auth';
import { createApp } from '@lrs/http';
import { credentialsRouter } from '@lrs/auth';
import express from 'express';
import { statementRoutes } from './statements/routes';
import type { LrsSystem } from './system';
import { aboutRoutes } from './xapi/about';
import { alternateSyntax } from './xapi/alternate-syntax';
import { cors } from './xapi/cors';
import { xapiParams } from './xapi/params';
import { xapiVersion } from './xapi/version';

/** The LRS HTTP application: xAPI under /xapi, the admin API under /api/admin. */
export function createLrsApp(system: LrsSystem): express.Express {
  const { config } = system;
  const app = createApp({
    health: async () => ({ store: system.log.kind, head: await system.log.headPosition() }),
    routes: (app) => {
      const xapi = express.Router();
      xapi.use(cors());
      xapi.use(alternateSyntax({ maxBodyBytes: config.maxBodyBytes }));
      xapi.use(xapiParams());
      const isAbout = (req: express.Request) => req.path === '/about';
      xapi.use(xapiVersion({ exempt: isAbout }));
      xapi.use(aboutRoutes());
      xapi.use(authenticate(system.credentials, system.jwt));
      xapi.use(
        statementRoutes({
          store: system.statements,
          index: system.index,
          attachments: system.attachments,
          limits: {
            maxBodyBytes: config.maxBodyBytes,
            maxAttachmentBytes: config.maxAttachmentBytes,
            maxStatementBytes: config.maxStatementBytes,
          },
          readYourWritesTimeoutMs: 5000,
        }),
      );
      app.use('/xapi', xapi);
      app.use('/api/admin', authenticate(system.credentials, system.jwt), credentialsRouter(system.credentials));
    },
  });
  return app;
}
