export * from './fake-socket.js';
export * from './fixtures.js';
