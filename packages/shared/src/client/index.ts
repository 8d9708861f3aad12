export * from './realtime-client.js';
export * from './emitter.js';
