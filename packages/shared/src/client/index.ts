export * from './realtime-client.js';
