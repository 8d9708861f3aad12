export * from './keys.js';
export * from './pages.js';
export * from './rules.js';
export * from './sync.js';
export * from './store.js';
