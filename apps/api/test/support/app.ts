import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApp, createLogger } from '../../src/app.factory.js';
import type { AppConfig } from '../../src/config/config.js';
import { PrismaService } from '../../src/prisma/prisma.service.js';
import { testConfig } from './config.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { seedTenants, TEST_PASSWORD, type Tenants, type TestUser } from './fixtures.js';
import { RecordingClient } from './socket-client.js';

export interface AuthorizedHttp {
  get(path: string): request.Test;
  post(path: string, body?: object): request.Test;
  patch(path: string, body?: object): request.Test;
  put(path: string, body?: object): request.Test;
  delete(path: string): request.Test;
}

export interface SignedIn {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly sessionId: string;
}

export interface RunningApp {
  readonly app: NestExpressApplication;
  readonly url: string;
  readonly config: AppConfig;
  readonly database: TestDatabase;
  readonly prisma: PrismaService;
  readonly tenants: Tenants;
  http(): ReturnType<typeof request>;
  /** Requests with `Authorization: Bearer <token>`. */
  as(token: string): AuthorizedHttp;
  /** Signs in (refresh token in the body); resolves with the access token. */
  login(user: TestUser): Promise<string>;
  /** Signs in; resolves with the whole answer: access and refresh token, session id. */
  signIn(user: TestUser, headers?: Record<string, string>): Promise<SignedIn>;
  connect(user: TestUser, extra?: { cursor?: unknown; token?: string; subscriptions?: unknown }): Promise<RecordingClient>;
  close(): Promise<void>;
}

/** The real app, as main.ts builds it, on 127.0.0.1 port 0 over a fresh database with two tenants. */
export async function startApp(overrides: Record<string, string> = {}): Promise<RunningApp> {
  const database = await createTestDatabase();
  const config = testConfig(database.url, overrides);
  // OPERATE_TEST_LOGS=1 shows the app's logs while debugging a test.
  const app = await createApp({ config, databaseUrl: database.url, logger: process.env.OPERATE_TEST_LOGS ? createLogger(config) : false });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const prisma = app.get(PrismaService);
  const tenants = await seedTenants(prisma);
  const clients: RecordingClient[] = [];
  const http = () => request(app.getHttpServer());
  const signIn = async (user: TestUser, headers: Record<string, string> = {}) => {
    const response = await http().post('/auth/login').set(headers).send({ email: user.email, password: TEST_PASSWORD }).expect(200);
    return response.body as SignedIn;
  };
  const login = async (user: TestUser) => (await signIn(user)).accessToken;
  return {
    app,
    url,
    config,
    database,
    prisma,
    tenants,
    http,
    as: (token) => {
      const bearer = (call: request.Test) => call.set('authorization', `Bearer ${token}`);
      return {
        get: (path) => bearer(http().get(path)),
        post: (path, body = {}) => bearer(http().post(path)).send(body),
        patch: (path, body = {}) => bearer(http().patch(path)).send(body),
        put: (path, body = {}) => bearer(http().put(path)).send(body),
        delete: (path) => bearer(http().delete(path)),
      };
    },
    login,
    signIn,
    async connect(user, extra = {}) {
      const { token, ...auth } = extra;
      const client = await RecordingClient.connect(url, token ?? (await login(user)), auth);
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.close();
      await app.close();
      await database.close();
    },
  };
}
