import request from 'supertest';
import type { SignedIn } from './app.js';
import { TEST_PASSWORD, type TestUser } from './fixtures.js';
import { RecordingClient } from './socket-client.js';

/** Signs in over HTTP at an API started as its own process; resolves with the whole answer. */
export async function signInAt(url: string, user: TestUser): Promise<SignedIn> {
  const response = await request(url).post('/auth/login').send({ email: user.email, password: TEST_PASSWORD }).expect(200);
  return response.body as SignedIn;
}

/** Signs in over HTTP at an API started as its own process; resolves with the access token. */
export async function loginAt(url: string, user: TestUser): Promise<string> {
  return (await signInAt(url, user)).accessToken;
}

/** Signs in and connects a recording socket to that API, resuming from `cursor` when given; `opened` collects it. */
export async function connectAt(url: string, user: TestUser, opened: RecordingClient[], cursor?: number): Promise<RecordingClient> {
  const client = await RecordingClient.connect(url, await loginAt(url, user), cursor === undefined ? {} : { cursor });
  opened.push(client);
  return client;
}
