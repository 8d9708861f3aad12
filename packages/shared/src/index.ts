export * from './catalog.js';
export * from './payloads.js';
export * from './protocol.js';
export * from './scopes.js';
export * from './views.js';
